import Events
import Foundation
import Projections
@testable import Reports
import Testing

/// Tables, JSON and CSV of a period, as a service embedding the library renders them.
@Suite struct ReportRenderingTests {
    static let report: Result<PeriodReport, any Error> = Result {
        let rules = RuleSet.yueyangHotline
        var projections = [Projection(options: ProjectionOptions(rules: rules))]
        let summary = try LogReplay(path: PackageFiles.path("samples/quyuan-2023-09.jsonl")).run(into: &projections)
        guard summary.problems.isEmpty else { throw SampleBulletins.SampleLogError(problems: summary.problems) }
        return projections[0].report(period: .month(2023, 9), rules: rules,
                                     roster: try Roster.load(path: PackageFiles.path("samples/quyuan-units.csv")))
    }

    @Test func theTableIsThePublishedOneAlignedByDisplayWidth() throws {
        let text = ReportRenderer(report: try Self.report.get()).render(.table)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "2023-09 · yueyang-hotline · 31 units · A 19, C 2, E 10")
        let total = try #require(lines.last)
        #expect(total.hasPrefix("合计（31）"))
        #expect(total.hasSuffix("95.8  A"))
        // Every row of the table ends its score column at the same display column.
        let header = lines[1]
        let scoreEnd = displayWidth(String(header[..<header.range(of: "综合指标值")!.upperBound]))
        for line in lines.dropFirst(2) where line.hasPrefix("屈原") || line.hasPrefix("合计") {
            #expect(displayWidth(String(line.dropLast(3))) == scoreEnd, "\(line)")
        }
        let english = ReportRenderer(report: try Self.report.get(), language: .en).render(.table)
        #expect(english.contains("\nTotal (31) "))
    }

    @Test func jsonAndCSVNameTheTotalRow() throws {
        let report = try Self.report.get()
        #expect(report.total.unit.isEmpty, "Projections leaves the total unnamed")
        let json = ReportRenderer(report: report).render(.json)
        #expect(json.hasPrefix("{\"period\": \"2023-09\", \"rules\": \"yueyang-hotline\", \"units\": [\n"))
        #expect(json.contains("], \"total\": {\"unit\": \"合计\", \"group\": null, \"accepted\": 174, \"due\": 171,"))
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((object?["units"] as? [Any])?.count == 31)
        let csv = ReportRenderer(report: report).render(.csv)
        let records = csv.components(separatedBy: "\r\n")
        #expect(records[0].hasPrefix("unit,group,accepted,due,done,onTime,overdue,"))
        #expect(records[32].hasPrefix("合计,,174,171,171,"))
        #expect(records.count == 34 && records[33].isEmpty)
    }

    @Test func markdownHasTheTitleInBoldAndRightAlignedFigures() throws {
        let markdown = ReportRenderer(report: try Self.report.get()).render(.markdown)
        let lines = markdown.split(separator: "\n").map(String.init)
        #expect(lines[0] == "**2023-09 · yueyang-hotline · 31 units · A 19, C 2, E 10**")
        #expect(lines[1].hasPrefix("| 部门名称 "))
        #expect(lines[2].hasPrefix("| ------------------ | ---------: |"))
        #expect(lines.last?.hasPrefix("| 合计（31）") == true)
    }

    @Test func anUngroupedRosterUnitGetsTheMarker() throws {
        let rules = RuleSet.yueyangHotline
        let roster = try Roster.parse(csv: "unit,group\n甲局,县市区\n乙局,\n", source: "r.csv")
        let report = PeriodReport(period: .month(2024, 2), rules: rules, counts: [:], roster: roster)
        let zh = ReportRenderer(report: report).render(.table)
        #expect(zh.contains("\n【县市区】\n") && zh.contains("\n【未分组】\n"))
        #expect(ReportRenderer(report: report, language: .en).render(.table).contains("\n【ungrouped】\n"))
    }
}

/// The CJK-aware text table and its CSV and Markdown forms.
@Suite struct TextTableTests {
    @Test func chineseCellsCountTwoColumns() {
        var table = TextTable(columns: [.init("单位"), .init("张数", alignment: .right), .init("金额", alignment: .right)])
        table.append(["市城管局", "3", "45.00"])
        table.footer = ["合计", "3", "45.00"]
        #expect(table.render() == """
        单位      张数   金额
        --------  ----  -----
        市城管局     3  45.00
        --------  ----  -----
        合计         3  45.00

        """)
        #expect(displayWidth("市城管局") == 8 && displayWidth("A1") == 2 && displayWidth("（一）") == 6)
    }

    @Test func csvQuotesAndMarkdownEscapes() {
        var table = TextTable(columns: [.init("name"), .init("note", alignment: .right)])
        table.append(["a,b", "say \"hi\""])
        table.append(["x|y", "line\nbreak"])
        #expect(DelimitedOutput.csv(table) == "name,note\r\n\"a,b\",\"say \"\"hi\"\"\"\r\nx|y,\"line\nbreak\"\r\n")
        let markdown = DelimitedOutput.markdown(table)
        #expect(markdown.contains("| x\\|y "))
        #expect(markdown.contains("line<br>break |"))
        #expect(markdown.split(separator: "\n")[1].hasSuffix(": |"))
    }
}
