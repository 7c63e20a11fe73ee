import Foundation
import Testing
@testable import Events
import LedgerBenchKit
@testable import Projections

/// The parallel replay (worker threads decode blocks, the caller folds them in order) must
/// give exactly what the one-thread replay gives: same counts, same problems, same lines.
@Suite struct ParallelReplayTests {
    static let months = (1...12).map { Period.month(2024, $0) } + [Period.month(2025, 1), .year(2024)]

    /// A generated log of a few thousand tickets, written to a temporary file.
    static func generatedLog(tickets: Int = 3_000, seed: UInt64 = 7, extra: [UInt8] = []) throws -> String {
        let bytes = WorkloadGenerator(WorkloadConfiguration(tickets: tickets, seed: seed, units: 40)).bytes() + extra
        let path = NSTemporaryDirectory() + "ledger-parallel-\(UUID().uuidString).jsonl"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func replay(_ path: String, parallelism: Int, blockSize: Int = 1 << 20,
                       options: [ProjectionOptions] = [ProjectionOptions()]) throws -> ([Projection], LogReplay.Summary) {
        var replay = LogReplay(path: path)
        replay.parallelism = parallelism
        replay.blockSize = blockSize
        var projections = options.map { Projection(options: $0) }
        let summary = try replay.run(into: &projections)
        return (projections, summary)
    }

    static func expectSame(_ a: ([Projection], LogReplay.Summary), _ b: ([Projection], LogReplay.Summary)) {
        #expect(a.1.lines == b.1.lines)
        #expect(a.1.events == b.1.events)
        #expect(a.1.problems == b.1.problems)
        #expect(a.0.count == b.0.count)
        for (p, q) in zip(a.0, b.0) {
            #expect(p.eventCount == q.eventCount)
            for period in months { #expect(p.counts(period: period) == q.counts(period: period)) }
        }
    }

    @Test func parallelAndSequentialReplaysAgreeOnAGeneratedLog() throws {
        let path = try Self.generatedLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let options = [ProjectionOptions(), ProjectionOptions(attribution: .closure), ProjectionOptions(channel: "hotline"),
                       ProjectionOptions(asOf: Timestamp.parseRFC3339("2024-07-01T00:00:00+08:00"))]
        let sequential = try Self.replay(path, parallelism: 1, options: options)
        #expect(sequential.1.problems.isEmpty)
        #expect(sequential.1.events > 10_000)
        #expect(!sequential.0[0].counts(period: .month(2024, 6)).isEmpty)
        for parallelism in [2, 3] {
            // Small blocks: many block boundaries, lines split across reads.
            for blockSize in [1 << 20, 4096, 977] {
                Self.expectSame(sequential, try Self.replay(path, parallelism: parallelism, blockSize: blockSize, options: options))
            }
        }
    }

    @Test func parallelReplayReportsTheSameProblemsOnTheSameLines() throws {
        // Bad lines at the end: malformed JSON, a life-cycle violation, a line longer than a block, a torn tail.
        let long = "{\"id\":\"x1\",\"ticket\":\"X1\",\"type\":\"accepted\",\"at\":\"2024-05-01T10:00:00+08:00\",\"topic\":\""
            + String(repeating: "长", count: 3_000) + "\"}\n"
        let extra = Array("{\"id\":\"bad\"\n".utf8) + Array(long.utf8)
            + Array("{\"id\":\"c1\",\"ticket\":\"NOPE\",\"type\":\"closed\",\"at\":\"2024-05-01T10:00:00+08:00\",\"unit\":\"u\"}\n".utf8)
            + Array("{\"id\":\"torn\",\"tick".utf8)
        let path = try Self.generatedLog(tickets: 500, extra: extra)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sequential = try Self.replay(path, parallelism: 1)
        #expect(sequential.1.problems.count == 3)
        for blockSize in [1 << 20, 2048] {
            Self.expectSame(sequential, try Self.replay(path, parallelism: 2, blockSize: blockSize))
        }
    }

    @Test func aProjectionFedBeforeTheReplayKeepsItsOwnIDs() throws {
        // A projection that is not pristine cannot share the validator's ids; it must still count right.
        let path = try Self.generatedLog(tickets: 400)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var warm = Projection()
        warm.apply(Event(id: "w1", ticket: "W1", at: Timestamp.parseRFC3339("2023-12-01T09:00:00+08:00")!,
                         body: .accepted(channel: "hotline", category: nil, topic: nil)))
        var replay = LogReplay(path: path)
        replay.parallelism = 2
        var projections = [warm]
        _ = try replay.run(into: &projections)
        let fresh = try Self.replay(path, parallelism: 1)
        for period in Self.months { #expect(projections[0].counts(period: period) == fresh.0[0].counts(period: period)) }
        #expect(projections[0].ticketCount == fresh.0[0].ticketCount + 1)
    }

    @Test func aReplayedProjectionGoesOnIncrementally() throws {
        // After a parallel replay the projection stands alone: feeding it more events works.
        let path = try Self.generatedLog(tickets: 300)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var (projections, _) = try Self.replay(path, parallelism: 2)
        let before = projections[0].counts(period: .month(2024, 3))
        let unit = projections[0].counts(period: .month(2024, 3)).keys.sorted()[0]
        let t = { (text: String) in Timestamp.parseRFC3339(text)! }
        projections[0].apply(Event(id: "n1", ticket: "NEW1", at: t("2024-03-10T09:00:00+08:00"),
                                   body: .accepted(channel: "hotline", category: nil, topic: nil)))
        projections[0].apply(Event(id: "n2", ticket: "NEW1", at: t("2024-03-10T10:00:00+08:00"),
                                   body: .assigned(unit: unit, due: t("2024-03-12T18:00:00+08:00"))))
        var expected = before[unit]!
        expected.accepted += 1
        expected.due += 1
        #expect(projections[0].counts(period: .month(2024, 3))[unit] == expected)
    }
}

/// The workload generator behind `ledger-bench generate`.
@Suite struct WorkloadGeneratorTests {
    @Test func theSameSeedGivesTheSameBytesAndWindowsConcatenate() {
        let day = Int64(86_400)
        let start = WorkloadConfiguration.year2024
        let whole = WorkloadGenerator(WorkloadConfiguration(tickets: 2_000, seed: 5, units: 30, to: start + 40 * day)).bytes()
        #expect(whole == WorkloadGenerator(WorkloadConfiguration(tickets: 2_000, seed: 5, units: 30, to: start + 40 * day)).bytes())
        let head = WorkloadGenerator(WorkloadConfiguration(tickets: 2_000, seed: 5, units: 30, to: start + 39 * day)).bytes()
        let tail = WorkloadGenerator(WorkloadConfiguration(tickets: 2_000, seed: 5, units: 30, from: start + 39 * day, to: start + 40 * day)).bytes()
        #expect(!tail.isEmpty)
        #expect(head + tail == whole)
        #expect(whole != WorkloadGenerator(WorkloadConfiguration(tickets: 2_000, seed: 6, units: 30, to: start + 40 * day)).bytes())
    }

    @Test func aGeneratedYearVerifiesCleanAndHasTheAdvertisedMix() throws {
        let bytes = WorkloadGenerator(WorkloadConfiguration(tickets: 20_000, seed: 1, units: 300)).bytes()
        var verifier = LogVerifier()
        var kinds: [String: Int] = [:]
        var lines = 0
        var declines = 0, reworks = 0
        var ratings: [Rating: Int] = [:]
        bytes.withUnsafeBytes { all in
            var start = 0
            for i in 0..<all.count where all[i] == 0x0A {
                lines += 1
                let line = LogLine(number: lines, offset: Int64(start), bytes: UnsafeRawBufferPointer(rebasing: all[start..<i]), terminated: true)
                if let event = verifier.check(line, report: { _ in }) {
                    kinds[event.kind.rawValue, default: 0] += 1
                    if event.kind == .returned { if event.by == .unit { declines += 1 } else { reworks += 1 } }
                    if let rating = event.rating { ratings[rating, default: 0] += 1 }
                }
                start = i + 1
            }
        }
        #expect(verifier.problemCount == 0)
        let tickets = Double(kinds["accepted"]!)
        #expect(tickets == 20_000)
        #expect((0.015...0.025).contains(Double(declines) / tickets))
        #expect((0.04...0.06).contains(Double(kinds["extended"] ?? 0) / tickets))
        #expect((0.025...0.035).contains(Double(reworks) / tickets))
        let callbacks = Double(kinds["callback-rated"] ?? 0)
        #expect((0.67...0.73).contains(callbacks / tickets))
        #expect((0.77...0.83).contains(Double(ratings[.satisfied] ?? 0) / callbacks))
        #expect((0.13...0.17).contains(Double(ratings[.unsatisfied] ?? 0) / callbacks))
        // Every decline is followed by a new assignment (a handful fall after the window's end).
        #expect((20_000 + declines - 10...20_000 + declines).contains(kinds["assigned"]!))
    }
}
