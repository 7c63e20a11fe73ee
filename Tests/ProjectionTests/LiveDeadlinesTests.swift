import Testing
@testable import Events
import LedgerBenchKit
@testable import Projections

/// A table kept current as time passes (``Projection/countDeadlines(comingBy:)``, which
/// ``LiveProjection`` and `follow` use): at every instant it equals a replay as of that instant,
/// whose open tickets count only once their deadlines have come.
@Suite struct LiveDeadlinesTests {
    static let periods: [Period] = [.month(2024, 3), .month(2024, 6), try! Period.parse("2024-06-10..2024-06-20"),
                                    try! Period.parse("2023-01-01..2026-12-31")]

    /// Generated log lines, in the order they were recorded.
    static func lines(seed: UInt64) throws -> [[UInt8]] {
        let lines = WorkloadGenerator(WorkloadConfiguration(tickets: 300, seed: seed, units: 5)).bytes()
            .split(separator: 0x0A).map { Array($0) }
        var decoder = EventDecoder()
        let known = try lines.map { line in try line.withUnsafeBytes { try decoder.decode($0).knownAt } }
        try #require(zip(known, known.dropFirst()).allSatisfy { $0 <= $1 }, "the property needs a log in recorded order")
        return lines
    }

    /// A live table (events folded as they are recorded, the instant moved on between them,
    /// 37 h 13 min 7 s at a time) against a fresh replay as of each instant; and it does not
    /// change before the instant it says it may change next.
    @Test(arguments: [(1, RuleSet.Attribution.deadline), (2, .closure), (3, .deadline)] as [(UInt64, RuleSet.Attribution)])
    func aTableMovedOnInTimeEqualsAReplayAsOfEachInstant(seed: UInt64, attribution: RuleSet.Attribution) throws {
        let lines = try Self.lines(seed: seed)
        var decoder = EventDecoder()
        func fold(_ line: [UInt8], into projection: inout Projection) throws {
            try line.withUnsafeBytes { bytes in projection.apply(try decoder.decode(bytes), in: bytes) }
        }
        var live = Projection(options: ProjectionOptions(attribution: attribution))
        #expect(live.nextDeadline == nil && live.deadlinesCountedBy == nil)
        let first = try lines[0].withUnsafeBytes { try decoder.decode($0).knownAt }
        var instant = first, next = 0, moves = 0, pendingSeen = 0, changesSeen = 0
        let end = Timestamp(nanoseconds: first.nanoseconds + 420 * 86_400 * 1_000_000_000)
        while instant < end {
            while next < lines.count, try lines[next].withUnsafeBytes({ try decoder.decode($0).knownAt }) <= instant {
                try fold(lines[next], into: &live)
                next += 1
            }
            live.countDeadlines(comingBy: instant)
            #expect(live.deadlinesCountedBy == instant)
            var replay = Projection(options: ProjectionOptions(attribution: attribution, asOf: instant))
            for line in lines { try fold(line, into: &replay) }
            for period in Self.periods {
                #expect(live.counts(period: period) == replay.counts(period: period), "seed \(seed), \(instant), \(period.label)")
            }
            if let coming = live.nextDeadline {
                pendingSeen += 1
                #expect(coming > instant)
                let whole = Self.periods[3]
                var before = live
                before.countDeadlines(comingBy: Timestamp(nanoseconds: coming.nanoseconds - 1))
                #expect(before.counts(period: whole) == live.counts(period: whole), "nothing comes before \(coming)")
                // A lower bound: at it a deadline comes, or one was moved later since (an
                // extension), which placing every ticket again finds.
                var then = live
                then.countDeadlines(comingBy: coming)
                if then.counts(period: whole) != live.counts(period: whole) {
                    changesSeen += 1
                } else {
                    #expect(then.nextDeadline.map { $0 > coming } ?? true, "nothing came at \(coming)")
                }
            }
            instant = Timestamp(nanoseconds: instant.nanoseconds + ((37 * 60 + 13) * 60 + 7) * 1_000_000_000)
            moves += 1
        }
        #expect(next == lines.count && moves > 200 && pendingSeen > 100 && changesSeen > pendingSeen / 2, "\(moves) \(pendingSeen) \(changesSeen)")
        // Back in time, with every event folded: the same table as a projection that counted
        // every deadline, then only those come by the earlier instant.
        let earlier = Timestamp.parseRFC3339("2024-06-15T12:00:00+08:00")!
        live.countDeadlines(comingBy: earlier)
        var all = Projection(options: ProjectionOptions(attribution: attribution))
        for line in lines { try fold(line, into: &all) }
        all.countDeadlines(comingBy: earlier)
        for period in Self.periods { #expect(live.counts(period: period) == all.counts(period: period)) }
    }

    /// A projection as of an instant counts no deadline after it, whatever instant it is moved to.
    @Test func aProjectionAsOfAnInstantKeepsItsDeadlines() throws {
        let lines = try Self.lines(seed: 4)
        let cut = Timestamp.parseRFC3339("2024-06-15T12:00:00+08:00")!
        var decoder = EventDecoder()
        var projection = Projection(options: ProjectionOptions(asOf: cut))
        for line in lines { try line.withUnsafeBytes { bytes in projection.apply(try decoder.decode(bytes), in: bytes) } }
        let before = projection.counts(period: .month(2024, 6))
        projection.countDeadlines(comingBy: Timestamp.parseRFC3339("2024-07-15T00:00:00+08:00")!)
        #expect(projection.deadlinesCountedBy == cut)
        #expect(projection.counts(period: .month(2024, 6)) == before)
        #expect(before.values.map(\.due).reduce(0, +) > 0)
    }
}
