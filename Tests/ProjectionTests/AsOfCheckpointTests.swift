import Foundation
import Testing
@testable import Events
import LedgerBenchKit
@testable import Projections

/// A checkpoint of a replay as of one instant serves a replay as of another when every line it
/// folded was known by both, in the log's order (so `--as-of now` resumes from the run before);
/// otherwise only the same instant does. Either way the tables are a fresh replay's.
@Suite struct AsOfCheckpointTests {
    /// 2024-06-15T00:00:00+08:00, in seconds.
    static let june15: Int64 = WorkloadConfiguration.year2024 + 166 * 86_400
    static let periods: [Period] = [.month(2024, 5), .month(2024, 6), try! Period.parse("2024-06-10..2024-06-20")]

    static func instant(_ text: String) -> Timestamp { Timestamp.parseRFC3339(text)! }

    /// A generated log up to 15 June 2024 in a fresh directory, and the ten days after it.
    static func files() throws -> (directory: String, log: String, tail: [UInt8]) {
        let directory = NSTemporaryDirectory() + "ledger-asof-checkpoint-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let log = directory + "/events.jsonl"
        let head = WorkloadGenerator(WorkloadConfiguration(tickets: 20_000, seed: 3, units: 20, to: june15)).bytes()
        try Data(head).write(to: URL(fileURLWithPath: log))
        let tail = WorkloadGenerator(WorkloadConfiguration(tickets: 20_000, seed: 3, units: 20, from: june15, to: june15 + 10 * 86_400)).bytes()
        return (directory, log, tail)
    }

    struct Run {
        var counts: [[String: UnitCounts]]
        var resumed: Bool
        var warnings: [String]
        var recordedInOrder: Bool?
    }

    /// A replay of `log` as of `asOf`, with the checkpoint in `directory` or (`nil`) without one.
    static func replay(_ log: String, asOf: Timestamp, checkpoint directory: String?) throws -> Run {
        var replay = LogReplay(path: log)
        var resumed = false
        replay.checkpointLoaded = { resumed = true }
        var projections = [Projection(options: ProjectionOptions(rules: .yueyangHotline, asOf: asOf))]
        var warnings: [String] = []
        let summary = try directory.map { try replay.run(into: &projections, checkpoint: $0) { warnings.append($0) } }
            ?? replay.run(into: &projections)
        #expect(summary.problems.isEmpty)
        return Run(counts: periods.map { projections[0].counts(period: $0) }, resumed: resumed, warnings: warnings,
                   recordedInOrder: summary.recordedInOrder)
    }

    @Test func aCheckpointAsOfOneInstantServesALaterOneWhenItsLinesWereKnownByThen() throws {
        let (directory, log, tail) = try Self.files()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let checkpoint = directory + "/checkpoint"
        // Every line of the log so far was known by the 15th: the checkpoint serves any instant after.
        let first = try Self.replay(log, asOf: Self.instant("2024-06-15T00:00:00+08:00"), checkpoint: checkpoint)
        #expect(!first.resumed && first.warnings.isEmpty && first.recordedInOrder == true)
        let handle = try #require(FileHandle(forWritingAtPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(tail))
        try handle.close()
        // Five days later: tickets open on the 15th whose deadlines came since are due now, and
        // the lines of the tail known after the 20th are left out.
        let later = Self.instant("2024-06-20T12:00:00+08:00")
        let resumed = try Self.replay(log, asOf: later, checkpoint: checkpoint)
        let fresh = try Self.replay(log, asOf: later, checkpoint: nil)
        #expect(resumed.resumed && resumed.warnings.isEmpty, "\(resumed.warnings)")
        #expect(resumed.counts == fresh.counts)
        #expect(resumed.recordedInOrder == true, "the order of the checkpoint's lines is kept")
        let onThe15th = try Self.replay(log, asOf: Self.instant("2024-06-15T00:00:00+08:00"), checkpoint: nil)
        #expect(onThe15th.counts[2] != fresh.counts[2], "deadlines came between the two instants")

        // Before the checkpoint's last line was known: not used, said why, the same tables.
        let earlier = Self.instant("2024-06-10T00:00:00+08:00")
        let refused = try Self.replay(log, asOf: earlier, checkpoint: checkpoint)
        let freshEarlier = try Self.replay(log, asOf: earlier, checkpoint: nil)
        #expect(!refused.resumed && refused.counts == freshEarlier.counts)
        #expect(refused.warnings.count == 1 && refused.warnings[0].contains("made as of 2024-06-15T00:00:00+08:00, and the part of the log it folded has events recorded after that or after --as-of"),
                "\(refused.warnings)")
        // That replay saved a checkpoint as of the 10th of a log known until the 25th: it serves
        // the same instant only.
        #expect(try Self.replay(log, asOf: earlier, checkpoint: checkpoint).resumed)
        let other = try Self.replay(log, asOf: later, checkpoint: checkpoint)
        #expect(!other.resumed && other.counts == fresh.counts && other.warnings.count == 1)

        // Another log, as of another instant: the warning says the log is not the one folded.
        let another = directory + "/another.jsonl"
        try Data(WorkloadGenerator(WorkloadConfiguration(tickets: 20_000, seed: 4, units: 20, to: Self.june15)).bytes())
            .write(to: URL(fileURLWithPath: another))
        let twentySecond = Self.instant("2024-06-22T00:00:00+08:00")
        let foreign = try Self.replay(another, asOf: twentySecond, checkpoint: checkpoint)
        #expect(!foreign.resumed && foreign.warnings.count == 1 && !foreign.warnings[0].contains("made as of")
                && foreign.warnings[0].contains("the log"), "\(foreign.warnings)")
        #expect(try foreign.counts == Self.replay(another, asOf: twentySecond, checkpoint: nil).counts)
    }

    /// A replay killed while it wrote the checkpoint leaves a temporary file beside it; a replay
    /// that resumes without writing the checkpoint again removes it (and keeps the live one's).
    @Test func aResumedReplayRemovesTheTemporaryFilesOfKilledReplays() throws {
        let (directory, log, _) = try Self.files()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let checkpoint = directory + "/checkpoint"
        let asOf = Self.instant("2024-06-16T00:00:00+08:00")
        _ = try Self.replay(log, asOf: asOf, checkpoint: checkpoint)
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        let abandoned = checkpoint + "/replay.checkpoint.tmp-\(exited.processIdentifier)"
        let running = checkpoint + "/replay.checkpoint.tmp-1"
        for path in [abandoned, running] { #expect(FileManager.default.createFile(atPath: path, contents: Data(count: 4096))) }
        #expect(try Self.replay(log, asOf: asOf, checkpoint: checkpoint).resumed)
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: running), "pid 1 still runs")
    }

    /// Lines recorded out of the log's order: a checkpoint serves its own instant only, and the
    /// replay from it still says the order was not kept (the caller then checks the view).
    @Test func aLogRecordedOutOfOrderKeepsItsCheckpointToItsInstant() throws {
        let (directory, log, _) = try Self.files()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backfill = #"{"id":"B1","ticket":"B","type":"accepted","at":"2024-06-01T09:00:00+08:00","recorded":"2024-06-01T09:00:00+08:00"}"# + "\n"
        let handle = try #require(FileHandle(forWritingAtPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(backfill.utf8))
        try handle.close()
        let checkpoint = directory + "/checkpoint"
        let asOf = Self.instant("2024-06-16T00:00:00+08:00")
        let first = try Self.replay(log, asOf: asOf, checkpoint: checkpoint)
        #expect(first.recordedInOrder == false)
        let again = try Self.replay(log, asOf: asOf, checkpoint: checkpoint)
        #expect(again.resumed && again.recordedInOrder == false && again.counts == first.counts)
        let later = Self.instant("2024-06-17T00:00:00+08:00")
        let other = try Self.replay(log, asOf: later, checkpoint: checkpoint)
        #expect(!other.resumed && other.warnings.count == 1 && other.warnings[0].contains("recorded out of the log's order"))
        #expect(try other.counts == Self.replay(log, asOf: later, checkpoint: nil).counts)
    }

    @Test func theKeyNamesWhetherThereIsAnInstantNotWhichOne() {
        let key = { (asOf: Timestamp?) in ReplayCheckpoint.key(for: [ProjectionOptions(asOf: asOf)]) }
        #expect(key(Self.instant("2024-02-10T12:00:00+08:00")) == key(Self.instant("2024-03-01T00:00:00+08:00")))
        #expect(key(Self.instant("2024-02-10T12:00:00+08:00")).hasSuffix("asOf=set"))
        #expect(key(nil).hasSuffix("asOf=none"))
        #expect(ReplayCheckpoint.format.version == 9, "format 8's key held the instant and no header named it")
    }
}
