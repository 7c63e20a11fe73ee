import Events
import Testing
@testable import Projections

/// The shipped sample logs reproduce the published bulletin tables, row by row.
///
/// Expected values come from `samples/bulletins/*.csv`, transcribed from the bulletins
/// (see `samples/bulletins/README.md`); the logs are independent event histories.
@Suite struct BulletinTests {
    /// Replays `log` once into one projection per rule set and reports the period.
    static func reports(log: String, period: Period, rules: [RuleSet], rosters: [String]) throws -> [PeriodReport] {
        var projections = rules.map { Projection(options: ProjectionOptions(rules: $0)) }
        let summary = try LogReplay(path: PackageFiles.path(log)).run(into: &projections)
        #expect(summary.problems.isEmpty, "the sample log is valid: \(summary.problems.prefix(3))")
        return try zip(zip(rules, rosters), projections).map { pair, projection in
            let roster = try Roster.load(path: PackageFiles.path(pair.1))
            return projection.report(period: period, rules: pair.0, roster: roster)
        }
    }

    /// A published value (a count or a decimal, possibly with a % sign) compared numerically.
    static func same(_ published: String?, _ computed: String) -> Bool {
        guard let published, !published.isEmpty else { return true }
        let text = published.hasSuffix("%") ? String(published.dropLast()) : published
        return FixedDecimal(text) == FixedDecimal(computed)
    }

    /// Mismatches of one report against a transcribed table, as "unit: field published → computed".
    static func mismatches(_ report: PeriodReport, table: String, satisfiedBasis: Bool) throws -> [String] {
        let expected = try PackageFiles.csvRows(table)
        var problems: [String] = []
        let rows = Dictionary(report.rows.map { ($0.unit, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(report.rows.count == expected.count, "\(table): every published unit is listed, no more")
        for row in expected {
            let unit = row["unit"]!
            guard let r = rows[unit] else {
                problems.append("\(unit): missing from the report")
                continue
            }
            let c = r.counts, s = r.scorecard, rules = report.rules
            func rate(_ x: Rational) -> String { Scorecard.display(x, rules: rules).description }
            var fields: [(String, String)] = [
                ("accepted", String(c.accepted)), ("due", String(c.due)), ("done", String(c.done)),
                ("onTime", String(c.onTime)), ("rework", String(c.rework)), ("callbacks", String(c.callbacks)),
                ("doneRate", rate(s.doneRate)), ("onTimeRate", rate(s.onTimeRate)), ("reworkRate", rate(s.reworkRate)),
                ("score", s.score.description),
            ]
            if satisfiedBasis {
                fields += [("satisfied", String(c.satisfied)), ("satisfiedRate", rate(s.satisfiedRate))]
            } else {
                fields += [("unsatisfied", String(c.unsatisfied)), ("unsatisfiedRate", rate(s.unsatisfiedRate))]
            }
            for (key, value) in fields where !same(row[key], value) {
                problems.append("\(unit): \(key) published \(row[key]!) → computed \(value)")
            }
            if row["grade"] != s.grade { problems.append("\(unit): grade published \(row["grade"]!) → computed \(s.grade)") }
            let group: String? = (row["group"] ?? "").isEmpty ? nil : row["group"]
            if group != r.group { problems.append("\(unit): group differs") }
        }
        return problems
    }

    @Test func quyuanSeptember2023HotlineTableReproducesEveryRow() throws {
        let report = try Self.reports(log: "samples/quyuan-2023-09.jsonl", period: .month(2023, 9),
                                      rules: [.yueyangHotline], rosters: ["samples/quyuan-units.csv"])[0]
        #expect(try Self.mismatches(report, table: "samples/bulletins/quyuan-2023-09-hotline.csv", satisfiedBasis: false) == [])
        let total = try PackageFiles.csvRows("samples/bulletins/quyuan-2023-09-hotline-total.csv")[0]
        #expect(report.total.counts.accepted == 174)
        #expect(report.total.counts.due == Int(total["due"]!))
        #expect(report.total.counts.rework == Int(total["rework"]!))
        #expect(report.total.counts.unsatisfied == Int(total["unsatisfied"]!))
        #expect(Scorecard.display(report.total.scorecard.unsatisfiedRate, rules: report.rules) == FixedDecimal(total["unsatisfiedRate"]!))
        #expect(report.total.scorecard.score == FixedDecimal(total["score"]!))
        #expect(report.total.scorecard.grade == "A")
        // "综合考评等级评价为 A 类的有 19 家，C 类的有 2 家 … 无工单 10 家"
        #expect(report.rows.filter { $0.scorecard.grade == "A" }.count == 19)
        #expect(report.rows.filter { $0.scorecard.grade == "C" }.count == 2)
        #expect(report.rows.filter { $0.scorecard.isEmpty }.count == 10)
    }

    @Test func quyuanSeptember2023MailboxTableReproduces() throws {
        let report = try Self.reports(log: "samples/quyuan-2023-09.jsonl", period: .month(2023, 9),
                                      rules: [.yueyangMailbox], rosters: ["samples/quyuan-mailbox-units.csv"])[0]
        #expect(try Self.mismatches(report, table: "samples/bulletins/quyuan-2023-09-mailbox.csv", satisfiedBasis: true) == [])
    }

    @Test func yueyangFebruary2024TablesReproduceEveryRowButTheKnownMisprints() throws {
        let reports = try Self.reports(log: "samples/yueyang-2024-02.jsonl", period: .month(2024, 2),
                                       rules: [.yueyangHotline, .yueyangMailbox],
                                       rosters: ["samples/yueyang-hotline-units.csv", "samples/yueyang-mailbox-units.csv"])
        let hotline = try Self.mismatches(reports[0], table: "samples/bulletins/yueyang-2024-02-hotline.csv", satisfiedBasis: false)
        // 屈原管理区: 21 unsatisfied cannot be 20.83% of any whole number of callbacks; with 101
        // callbacks the rate is 20.79% and the published score 95 still reproduces.
        #expect(hotline == ["屈原管理区: unsatisfiedRate published 20.83 → computed 20.79"])
        let mailbox = try Self.mismatches(reports[1], table: "samples/bulletins/yueyang-2024-02-mailbox.csv", satisfiedBasis: true)
        // 南湖新区: its own counts (1 rework on 34 due) give 98.82; 99.41 is the score without the rework.
        #expect(mailbox == ["南湖新区: score published 99.41 → computed 98.82"])

        // Narrative: 54 A, 6 B, 4 C, 1 E among the listed hotline units; mailbox 53 A, 1 C.
        let grades = Dictionary(grouping: reports[0].rows, by: { $0.scorecard.grade }).mapValues(\.count)
        #expect(grades == ["A": 54, "B": 6, "C": 4, "E": 1])
        let mailGrades = Dictionary(grouping: reports[1].rows, by: { $0.scorecard.grade }).mapValues(\.count)
        #expect(mailGrades == ["A": 53, "C": 1])
    }

    @Test func yueyangRankingsWithinGroupsMatchTheNarrative() throws {
        let report = try Self.reports(log: "samples/yueyang-2024-02.jsonl", period: .month(2024, 2),
                                      rules: [.yueyangHotline], rosters: ["samples/yueyang-hotline-units.csv"])[0]
        func top3(_ group: String, minimumDue: Int) -> [String] {
            report.rows.filter { $0.group == group && $0.counts.due >= minimumDue }.prefix(3).map(\.unit)
        }
        // "县(市)市区综合指标分值排名前三位的分别是:城陵矶新港区(95.4分)、南湖新区(95.1分)和屈原管理区(95分)"
        #expect(top3("县市区", minimumDue: 0) == ["城陵矶新港区", "南湖新区", "屈原管理区"])
        // "工单量50件以上的行政事业单位 … 市城管局(97.9分)、市广播电视台(95.2分)和市邮政管理局(95.1分)"
        #expect(top3("行政事业单位", minimumDue: 50) == ["市城管局", "市广播电视台", "市邮政管理局"])
        // "工单量100件以上的公共服务企业 … 市水务集团公司(96.1分)、国网岳阳供电公司(94.6分)和市公交集团公司(94.2分)"
        #expect(top3("公共服务企业", minimumDue: 100) == ["市水务集团公司", "国网岳阳供电公司", "市公交集团公司"])
    }
}
