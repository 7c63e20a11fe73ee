import Events
import Foundation
import Testing
@testable import Projections

@Suite struct AuditTests {
    static let quyuan = "samples/quyuan-2023-09.jsonl"
    static let september = Period.month(2023, 9)

    static func report(_ log: String, asOf: Timestamp? = nil, rules: RuleSet = .yueyangHotline) throws -> PeriodReport {
        var projections = [Projection(options: ProjectionOptions(rules: rules, asOf: asOf))]
        let summary = try LogReplay(path: log).run(into: &projections)
        #expect(summary.problems.isEmpty)
        return projections[0].report(period: september, rules: rules, roster: try Roster.load(path: PackageFiles.path("samples/quyuan-units.csv")))
    }

    /// The log cut down to the events recorded at or before `asOf`, written to a temporary file.
    static func truncatedCopy(of log: String, asOf: Timestamp) throws -> String {
        var kept = ""
        var decoder = EventDecoder()
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            var text = String(line)
            let event = try text.withUTF8 { try decoder.decodeEvent(UnsafeRawBufferPointer($0)) }
            if event.knownAt <= asOf { kept += text + "\n" }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("asof-\(UUID().uuidString).jsonl").path
        try kept.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aMonthAsKnownOnTwoDatesGivesTwoDifferentCorrectTables() throws {
        let log = PackageFiles.path(Self.quyuan)
        let early = Timestamp.parseRFC3339("2023-10-01T00:00:00+08:00")!
        let late = Timestamp.parseRFC3339("2023-10-12T00:00:00+08:00")!
        let asOfEarly = try Self.report(log, asOf: early)
        let asOfLate = try Self.report(log, asOf: late)
        // Late-recorded callbacks: the table changes between the two dates…
        #expect(asOfEarly.total.counts.callbacks < asOfLate.total.counts.callbacks)
        #expect(asOfEarly.total.counts.unsatisfied < asOfLate.total.counts.unsatisfied)
        // …the later one is the published table…
        #expect(asOfLate.total.counts.callbacks == 166 && asOfLate.total.counts.unsatisfied == 29)
        #expect(asOfLate.total.scorecard.score == FixedDecimal("95.8"))
        // …and each equals a replay of only the lines recorded by then.
        for (asOf, report) in [(early, asOfEarly), (late, asOfLate)] {
            let copy = try Self.truncatedCopy(of: log, asOf: asOf)
            defer { try? FileManager.default.removeItem(atPath: copy) }
            let reference = try Self.report(copy)
            #expect(report.rows == reference.rows)
            #expect(report.total == reference.total)
        }
    }

    @Test func explainListsAddUpToTheCountsForEveryUnit() throws {
        let log = PackageFiles.path(Self.quyuan)
        let report = try Self.report(log)
        var checked = 0
        for row in report.rows {
            let options = ProjectionOptions(rules: .yueyangHotline)
            let (e, _) = try LogReplay(path: log).explain(unit: row.unit, period: Self.september, rules: .yueyangHotline, options: options)
            #expect(e.counts == row.counts, "\(row.unit)")
            #expect(e.scorecard == row.scorecard, "\(row.unit)")
            #expect(e.accepted.count == row.counts.accepted && e.due.count == row.counts.due && e.done.count == row.counts.done)
            #expect(e.onTime.count + e.overdue.count == e.due.count)
            #expect(e.rework.count == row.counts.rework && e.callbacks.count == row.counts.callbacks)
            #expect(e.unsatisfied.count == row.counts.unsatisfied && e.returns.count == row.counts.returns)
            #expect(Set(e.done).isSubset(of: Set(e.due)) && Set(e.onTime).isSubset(of: Set(e.done)))
            checked += 1
        }
        #expect(checked == 31)
    }

    @Test func explainShowsARepeatedReworkOncePerEvent() throws {
        var s = TicketScript()
        s.simple("T1", "市国资委", assigned: "2024-02-01 09:00", due: "2024-02-20 18:00", closed: "2024-02-02 10:00")
        s.rework("T1", "市国资委", "2024-02-03 10:00")
        s.close("T1", "市国资委", "2024-02-04 10:00")
        s.rework("T1", "市国资委", "2024-02-05 10:00")
        var explainer = Explainer(unit: "市国资委", period: .month(2024, 2), rules: .yueyangHotline, options: ProjectionOptions())
        var decoder = EventDecoder()
        for (i, event) in s.validated().enumerated() {
            var line = event.jsonLine()
            line.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                explainer.apply(try! decoder.decode(raw), in: raw, lineNumber: i + 1)
            }
        }
        let e = explainer.finish()
        #expect(e.rework == ["T1", "T1"])
        #expect(e.overdue == ["T1"])
        #expect(e.tickets.first?.events.filter { $0.counted.contains("rework") }.map(\.line) == [4, 6])
    }

    @Test func whatIfWithIdenticalRulesChangesNothing() throws {
        let report = try Self.report(PackageFiles.path(Self.quyuan))
        let comparison = RuleComparison(base: report, alt: report)
        #expect(comparison.units.count == 31)
        #expect(comparison.units.allSatisfy { !$0.changed })
        #expect(comparison.moves.isEmpty)
    }

    @Test func whatIfWithHeavierReworkAndAStricterABoundMatchesAHandComputation() throws {
        let log = PackageFiles.path(Self.quyuan)
        let alt = try RuleSet.load(PackageFiles.path("samples/rules/rework-heavy.json"))
        let comparison = RuleComparison(base: try Self.report(log), alt: try Self.report(log, rules: alt))
        let byUnit = Dictionary(uniqueKeysWithValues: comparison.units.map { ($0.unit, $0) })
        // 营田镇: 15 due, all done on time, 2 reworks (13.33%), 4 of 15 unsatisfied (26.67%).
        // 30 + 30 + 30 × (1 − 0.1333) + 10 × (1 − 0.2667) = 60 + 26.001 + 7.333 = 93.334 → 93.3, still A under A ≥ 92.
        #expect(byUnit["营田镇"]!.alt.scorecard.score == FixedDecimal("93.3"))
        #expect(byUnit["营田镇"]!.alt.scorecard.grade == "A")
        // 屈原卫生健康局: 8 due, 2 reworks (25%), 1 of 5 unsatisfied (20%):
        // 60 + 30 × 0.75 + 10 × 0.8 = 90.5 → 90.5, which the stricter bound (A ≥ 92) grades B; base 91.0 A.
        #expect(byUnit["屈原卫生健康局"]!.base.scorecard.score == FixedDecimal("91.0"))
        #expect(byUnit["屈原卫生健康局"]!.alt.scorecard.score == FixedDecimal("90.5"))
        #expect(byUnit["屈原卫生健康局"]!.alt.scorecard.grade == "B")
        // 天问街道办: 2 due, no rework, 1 of 1 unsatisfied: 60 + 30 + 0 = 90.0 → B under A ≥ 92 (base 80.0 C).
        #expect(byUnit["天问街道办"]!.alt.scorecard.score == FixedDecimal("90.0"))
        #expect(byUnit["天问街道办"]!.gradeChanged)
        // Units with nothing due keep 40/E; counts never change (same attribution).
        #expect(comparison.units.allSatisfy { !$0.countsChanged })
        #expect(byUnit["屈原残联"]!.changed == false)
    }

    @Test func whatIfWithClosureAttributionChangesTheCounts() throws {
        let log = PackageFiles.path(Self.quyuan)
        let alt = try RuleSet.load(PackageFiles.path("samples/rules/closure-attribution.json"))
        let comparison = RuleComparison(base: try Self.report(log), alt: try Self.report(log, rules: alt))
        #expect(comparison.units.contains { $0.countsChanged })
        // Changed units come first.
        let firstUnchanged = comparison.units.firstIndex { !$0.changed } ?? comparison.units.count
        #expect(comparison.units[firstUnchanged...].allSatisfy { !$0.changed })
    }
}
