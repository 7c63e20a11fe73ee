import Foundation
import Testing
import Events
import LedgerBenchKit
@testable import Projections

/// `LogReplay.run(into:checkpoint:)`: resume from a matching checkpoint, never trust one that does not match.
@Suite struct CheckpointTests {
    let start = WorkloadConfiguration.year2024
    let day = Int64(86_400)

    func log(to end: Int64, from begin: Int64? = nil) -> [UInt8] {
        WorkloadGenerator(WorkloadConfiguration(tickets: 3_000, seed: 11, units: 25, from: begin, to: end)).bytes()
    }

    func temporary() -> String { NSTemporaryDirectory() + "ledger-checkpoint-\(UUID().uuidString)" }

    func replay(_ path: String, checkpoint: String?, options: ProjectionOptions = ProjectionOptions(),
                parallelism: Int = 2) throws -> (counts: [[String: UnitCounts]], summary: LogReplay.Summary, warnings: [String]) {
        var replay = LogReplay(path: path)
        replay.parallelism = parallelism
        var projections = [Projection(options: options)]
        var warnings: [String] = []
        let summary: LogReplay.Summary
        if let checkpoint {
            summary = try replay.run(into: &projections, checkpoint: checkpoint) { warnings.append($0) }
        } else {
            summary = try replay.run(into: &projections)
        }
        let periods = (1...12).map { Period.month(2024, $0) }
        return (periods.map { projections[0].counts(period: $0) }, summary, warnings)
    }

    @Test func aGrownLogResumesFromTheCheckpointAndMatchesAFullReplay() throws {
        let path = temporary() + ".jsonl", dir = temporary()
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: dir) }
        try Data(log(to: start + 200 * day)).write(to: URL(fileURLWithPath: path))
        let first = try replay(path, checkpoint: dir)
        #expect(first.warnings.isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir + "/replay.checkpoint"))
        // Append the next day, as `ledger-cli append` would.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(log(to: start + 201 * day, from: start + 200 * day)))
        try handle.close()
        for parallelism in [1, 2] {
            let resumed = try replay(path, checkpoint: dir, parallelism: parallelism)
            let full = try replay(path, checkpoint: nil)
            #expect(resumed.warnings.isEmpty)
            #expect(resumed.counts == full.counts)
            #expect(resumed.summary.events == full.summary.events)
            #expect(resumed.summary.lines == full.summary.lines)
            #expect(resumed.summary.bytes < full.summary.bytes / 20, "only the tail was read")
        }
    }

    /// A log whose lines name no unit yet, replayed for a channel none of its tickets came by:
    /// the checkpoint's unit table and its projection's ticket table are empty. The reader left
    /// an empty table's digest out of the checksum, so such a checkpoint was ignored as damaged.
    @Test func aCheckpointWithEmptyTablesIsUsed() throws {
        let path = temporary() + ".jsonl", dir = temporary()
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: dir) }
        func accepted(_ n: Int) -> String {
            #"{"id":"A\#(n)","ticket":"T\#(n)","type":"accepted","at":"2024-06-0\#(n)T09:00:00+08:00","channel":"hotline"}"# + "\n"
        }
        try Data((accepted(1) + accepted(2)).utf8).write(to: URL(fileURLWithPath: path))
        var options = ProjectionOptions()
        options.channel = "web"
        let first = try replay(path, checkpoint: dir, options: options)
        #expect(first.warnings.isEmpty && first.summary.events == 2)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(accepted(3).utf8))
        try handle.close()
        let resumed = try replay(path, checkpoint: dir, options: options)
        #expect(resumed.warnings.isEmpty, "\(resumed.warnings)")
        #expect(resumed.summary.events == 3 && resumed.summary.bytes == Int64(accepted(3).utf8.count))
    }

    /// Times at the ends of the years a line can hold (a deadline in December 2261, a ticket of
    /// January 1678) are kept by a checkpoint and a ledger's state: their range checks refused
    /// them as damage (they ended in July 2261 and began in June 1678).
    @Test func timesAtTheEndsOfTheSupportedYearsAreKept() async throws {
        let path = temporary() + ".jsonl", dir = temporary()
        defer {
            for file in [path, path + ".ledger-state", dir] { try? FileManager.default.removeItem(atPath: file) }
        }
        let lines = [
            #"{"id":"g1","ticket":"G1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#,
            #"{"id":"g2","ticket":"G1","type":"assigned","at":"2024-02-01T10:00:00+08:00","unit":"丙","due":"2261-12-31T23:59:59+08:00"}"#,
            #"{"id":"o1","ticket":"O1","type":"accepted","at":"1678-01-01T00:00:00+08:00"}"#,
            #"{"id":"o2","ticket":"O1","type":"assigned","at":"1678-01-01T00:00:00+08:00","unit":"丙","due":"1678-01-02T00:00:00+08:00"}"#,
        ]
        var options = Ledger.Options()
        options.statePath = path + ".ledger-state"
        do {
            let ledger = try await Ledger.open(path: path, options: options)
            try await ledger.append(batch: Array(lines.map { $0 + "\n" }.joined().utf8))
            #expect(try await ledger.saveState())
        }
        let resumed = try await Ledger.open(path: path, options: options)
        #expect(await resumed.stateNote == nil)
        let first = try replay(path, checkpoint: dir)
        #expect(first.warnings.isEmpty && first.summary.events == 4)
        let again = try replay(path, checkpoint: dir)
        #expect(again.warnings.isEmpty, "\(again.warnings)")
        #expect(again.counts == first.counts && again.summary.bytes == 0)
    }

    @Test func anEditedLogIsDetectedWarnedAboutAndReplayedInFull() throws {
        let path = temporary() + ".jsonl", dir = temporary()
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: dir) }
        var bytes = log(to: start + 120 * day)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        _ = try replay(path, checkpoint: dir)
        // Every "satisfied" rating becomes "unsatisfied" (the lines stay valid, the counts change).
        let text = String(decoding: bytes, as: UTF8.self)
        let edited = text.replacingOccurrences(of: "\"rating\":\"satisfied\"", with: "\"rating\":\"unsatisfied\"")
        bytes = Array(edited.utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let afterEdit = try replay(path, checkpoint: dir)
        #expect(afterEdit.warnings.count == 1)
        #expect(afterEdit.warnings.first?.contains("ignored") == true)
        #expect(afterEdit.counts == (try replay(path, checkpoint: nil)).counts)
        #expect(afterEdit.counts.map { $0.values.reduce(0) { $0 + $1.satisfied } }.reduce(0, +) == 0)
    }

    @Test func aTruncatedLogOrOtherOptionsAreNotTrusted() throws {
        let path = temporary() + ".jsonl", dir = temporary()
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: dir) }
        let bytes = log(to: start + 90 * day)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        _ = try replay(path, checkpoint: dir)
        // Other options: the checkpoint is not used, the result is right.
        let closure = ProjectionOptions(attribution: .closure)
        let other = try replay(path, checkpoint: dir, options: closure)
        #expect(other.warnings.count == 1)
        #expect(other.warnings[0].contains("other options"))
        #expect(other.counts == (try replay(path, checkpoint: nil, options: closure)).counts)
        // Truncated to its first half (at a line boundary).
        let half = bytes[..<(bytes[..<(bytes.count / 2)].lastIndex(of: 0x0A)! + 1)]
        try Data(half).write(to: URL(fileURLWithPath: path))
        let truncated = try replay(path, checkpoint: dir)
        #expect(truncated.warnings.count == 1)
        #expect(truncated.counts == (try replay(path, checkpoint: nil)).counts)
        // A damaged checkpoint file.
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: dir + "/replay.checkpoint"))
        let damaged = try replay(path, checkpoint: dir)
        #expect(damaged.warnings.count == 1)
        #expect(damaged.counts == (try replay(path, checkpoint: nil)).counts)
    }

    @Test func aCheckpointCutShortOrDamagedIsIgnoredOrHarmless() throws {
        let path = temporary() + ".jsonl", dir = temporary()
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: dir) }
        try Data(log(to: start + 60 * day)).write(to: URL(fileURLWithPath: path))
        _ = try replay(path, checkpoint: dir)
        let file = dir + "/replay.checkpoint"
        let saved = try Data(contentsOf: URL(fileURLWithPath: file))
        let full = try replay(path, checkpoint: nil).counts
        var random = SystemRandomNumberGenerator()
        // Cut short anywhere: always noticed.
        for _ in 0..<12 {
            try saved.prefix(Int.random(in: 0..<saved.count, using: &random)).write(to: URL(fileURLWithPath: file))
            let cut = try replay(path, checkpoint: dir)
            #expect(cut.warnings.count == 1 && cut.warnings[0].contains("ignored"))
            #expect(cut.counts == full)
        }
        // Bytes changed anywhere: ignored, or used without harm to the process (a counter can
        // change; ids that would reach outside the tables are refused).
        for _ in 0..<40 {
            var damaged = saved
            for _ in 0..<4 { damaged[Int.random(in: 0..<damaged.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            try damaged.write(to: URL(fileURLWithPath: file))
            let result = try replay(path, checkpoint: dir)
            #expect(result.warnings.count <= 1)
        }
    }
}
