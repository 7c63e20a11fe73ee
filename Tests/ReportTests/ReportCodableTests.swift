import Events
import Foundation
import Projections
@testable import Reports
import Testing

/// `Codable` report types: a service's `JSONEncoder` writes what `replay --format json` prints.
@Suite struct ReportCodableTests {
    static func object(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test func aPeriodReportEncodesWithTheCLIsFieldNames() throws {
        let report = try ReportRenderingTests.report.get()
        let encoded = try JSONEncoder().encode(report)
        let printed = ReportRenderer(report: report).render(.json)
        // The same members and values as the CLI's JSON, numbers compared as numbers.
        #expect(try Self.object(encoded) == Self.object(Data(printed.utf8)))
        let object = try Self.object(encoded)
        let total = try #require(object["total"] as? [String: Any])
        #expect(Set(total.keys) == ["unit", "group", "accepted", "due", "done", "onTime", "overdue", "rework", "returns",
                                   "callbacks", "satisfied", "unsatisfied", "unreachable", "doneRate", "onTimeRate",
                                   "reworkRate", "unsatisfiedRate", "satisfiedRate", "score", "grade"])
        #expect(total["unit"] as? String == "合计")
        #expect(total["score"] as? NSNumber == 95.8)
        #expect(report == report)
    }

    @Test func aComparisonAndAnExplanationEncodeAsWhatIfAndExplainPrint() throws {
        let report = try ReportRenderingTests.report.get()
        let heavy = try RuleSet.load(PackageFiles.path("samples/rules/rework-heavy.json"))
        var projections = [Projection(options: ProjectionOptions(rules: heavy))]
        _ = try LogReplay(path: PackageFiles.path("samples/quyuan-2023-09.jsonl")).run(into: &projections)
        let alt = projections[0].report(period: .month(2023, 9), rules: heavy,
                                        roster: try Roster.load(path: PackageFiles.path("samples/quyuan-units.csv")))
        let comparison = RuleComparison(base: report, alt: alt)
        #expect(comparison.units.contains { $0.changed })
        let printed = ComparisonRenderer().json(comparison)
        #expect(try Self.object(JSONEncoder().encode(comparison)) == Self.object(Data(printed.utf8)))
        #expect(comparison == RuleComparison(base: report, alt: alt))

        let unit = try #require(report.rows.first(where: { $0.counts.rework > 0 })).unit
        let (explanation, _) = try LogReplay(path: PackageFiles.path("samples/quyuan-2023-09.jsonl"))
            .explain(unit: unit, period: .month(2023, 9), rules: report.rules, options: ProjectionOptions(rules: report.rules))
        #expect(!explanation.tickets.isEmpty)
        let explained = ExplanationRenderer(explanation: explanation).json()
        #expect(try Self.object(JSONEncoder().encode(explanation)) == Self.object(Data(explained.utf8)))
        #expect(explanation == explanation)
    }

    @Test func aComparisonNamesTheCountsThatChangeEvenWhenTheScoreDoesNot() throws {
        let report = try ReportRenderingTests.report.get()
        var alt = report
        // Accepted tickets and declines do not enter the score: the unit changes, its score does not.
        let index = try #require(alt.rows.firstIndex { $0.counts.accepted > 0 })
        let unit = alt.rows[index].unit
        let accepted = alt.rows[index].counts.accepted
        alt.rows[index].counts.accepted += 3
        alt.rows[index].counts.returns += 1
        let comparison = RuleComparison(base: report, alt: alt)
        let changed = comparison.units.filter(\.changed)
        #expect(changed.map(\.unit) == [unit])
        let change = try #require(changed.first)
        #expect(!change.scoreChanged && change.countsChanged)
        #expect(change.countChanges.map(\.name) == ["accepted", "returns"])
        #expect(change.countChanges.first.map { [$0.from, $0.to] } == [accepted, accepted + 3])

        let text = ComparisonRenderer().text(comparison)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(unit) })
        let returns = report.rows[index].counts.returns
        #expect(line.hasSuffix("accepted \(accepted)→\(accepted + 3), returns \(returns)→\(returns + 1)"), "\(line)")
        #expect(text.contains("1 of \(comparison.units.count) units change"))

        let printed = ComparisonRenderer().json(comparison)
        let rows = try #require(Self.object(Data(printed.utf8))["units"] as? [[String: Any]])
        let row = try #require(rows.first { $0["unit"] as? String == unit })
        #expect(row["countChanges"] as? [String: [Int]] == ["accepted": [accepted, accepted + 3], "returns": [returns, returns + 1]])
        #expect(rows.filter { $0["unit"] as? String != unit }.allSatisfy { ($0["countChanges"] as? [String: [Int]])?.isEmpty == true })
        #expect(try Self.object(JSONEncoder().encode(comparison)) == Self.object(Data(printed.utf8)))
    }

    @Test func rowsAndCountsDecodeFromTheCLIsJSON() throws {
        let report = try ReportRenderingTests.report.get()
        let printed = ReportRenderer(report: report).render(.json)
        struct Printed: Decodable { var units: [PeriodReport.Row]; var total: PeriodReport.Row }
        let decoded = try JSONDecoder().decode(Printed.self, from: Data(printed.utf8))
        #expect(decoded.units.map(\.unit) == report.rows.map(\.unit))
        #expect(decoded.units.map(\.counts) == report.rows.map(\.counts))
        #expect(decoded.units.map(\.scorecard.score) == report.rows.map(\.scorecard.score))
        #expect(decoded.units.map(\.scorecard.grade) == report.rows.map(\.scorecard.grade))
        #expect(decoded.total.counts == report.total.counts)
        // Standing alone a row keeps exact rates, so it comes back equal.
        for row in report.rows {
            let again = try JSONDecoder().decode(PeriodReport.Row.self, from: JSONEncoder().encode(row))
            #expect(again.counts == row.counts && again.unit == row.unit && again.group == row.group)
            #expect(again.scorecard.score == row.scorecard.score && again.scorecard.grade == row.scorecard.grade)
        }
        let scorecard = report.total.scorecard
        #expect(try JSONDecoder().decode(Scorecard.self, from: JSONEncoder().encode(scorecard)).score == scorecard.score)
    }
}

@Test func timestampAndDateRoundTrip() throws {
    let at = try #require(Timestamp.parseRFC3339("2024-02-01T08:47:12+08:00"))
    #expect(at.date == Date(timeIntervalSince1970: 1_706_748_432))
    #expect(Timestamp(at.date) == at)
    let precise = Timestamp(nanoseconds: 1_706_748_432_123_456_000)
    #expect(Timestamp(precise.date) == precise)
    let before1970 = Timestamp(nanoseconds: -1_500_000_000)
    #expect(before1970.date.timeIntervalSince1970 == -1.5)
    #expect(Timestamp(before1970.date) == before1970)
    let date = Date(timeIntervalSince1970: 1_700_000_000.25)
    #expect(Timestamp(date).date == date)
}
