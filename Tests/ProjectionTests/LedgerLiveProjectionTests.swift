import Foundation
import Testing
import Events
import LedgerBenchKit
@testable import Projections

/// A ``LiveProjection`` fed by a ``Ledger`` equals a replay of the file after every append,
/// with and without an as-of cut, including lines another writer appended.
@Suite struct LedgerLiveProjectionTests {
    @Test func aLiveProjectionEqualsAReplayAfterEveryAppend() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/live-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/events.jsonl"
        let lines = WorkloadGenerator(WorkloadConfiguration(tickets: 400, seed: 7, units: 6)).bytes()
            .split(separator: 0x0A).map { Array($0) + [0x0A] }
        let rules = RuleSet.yueyangHotline
        let asOf = Timestamp.parseRFC3339("2024-02-20T00:00:00+08:00")!
        let ledger = try await Ledger.open(path: path)
        let live = try await LiveProjection(ledger: ledger, options: ProjectionOptions(rules: rules, channel: .all))
        let liveAsOf = try await LiveProjection(ledger: ledger, options: ProjectionOptions(rules: rules, channel: .all, asOf: asOf))
        let periods = [Period.month(2024, 1), .month(2024, 2), .month(2024, 3)]
        var start = 0, step = 0
        while start < lines.count {
            let end = min(lines.count, start + 37 + step * 11 % 90)
            let batch = lines[start..<end].flatMap { $0 }
            if step % 4 == 3 {
                // Another writer appends this batch; the ledger, following the file for its
                // observers, reads it within moments (the deadline is for a machine under heavy
                // load; the comparison below fails if it did not).
                let report = try LogAppender(path: path).append(batch: batch)
                let deadline = ContinuousClock.now + .seconds(60)
                while await ledger.count < report.logEventCount && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
            } else {
                try await ledger.append(batch: batch)
            }
            start = end
            step += 1
            for (projection, cut) in [(live, nil), (liveAsOf, asOf)] as [(LiveProjection, Timestamp?)] {
                var replayed = [Projection(options: ProjectionOptions(rules: rules, channel: .all, asOf: cut))]
                _ = try LogReplay(path: path).run(into: &replayed)
                for period in periods {
                    #expect(projection.report(period: period, rules: rules).rows == replayed[0].report(period: period, rules: rules).rows,
                            "step \(step), \(period.label), as of \(cut.map { "\($0)" } ?? "now")")
                }
            }
            if step > 12 { break }
        }
        #expect(step > 4)
    }
}
