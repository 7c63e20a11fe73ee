import Events
import Foundation
import Projections
@testable import Reports
import Testing

/// The sample bulletins a test renders, each replayed once.
enum SampleBulletins {
    static func build(log: String, period: Period, roster: String, mailboxRoster: String?) -> Result<Bulletin, any Error> {
        Result {
            let request = BulletinRequest(period: period, roster: try Roster.load(path: PackageFiles.path(roster)),
                                          mailboxRoster: try mailboxRoster.map { try Roster.load(path: PackageFiles.path($0)) })
            let (bulletin, summary) = try LogReplay(path: PackageFiles.path(log)).bulletin(request)
            guard summary.problems.isEmpty else { throw SampleLogError(problems: summary.problems) }
            return bulletin
        }
    }

    static let quyuan = build(log: "samples/quyuan-2023-09.jsonl", period: .month(2023, 9),
                              roster: "samples/quyuan-units.csv", mailboxRoster: "samples/quyuan-mailbox-units.csv")
    static let yueyang = build(log: "samples/yueyang-2024-02.jsonl", period: .month(2024, 2),
                               roster: "samples/yueyang-hotline-units.csv", mailboxRoster: "samples/yueyang-mailbox-units.csv")

    struct SampleLogError: Error {
        var problems: [LogProblem]
    }
}

/// The bulletin as a service embedding the library renders it.
@Suite struct BulletinRenderingTests {
    static let golden = "samples/golden/quyuan-2023-09-bulletin.md"

    /// The Markdown bulletin of the Quyuan sample month, byte for byte. After a deliberate change
    /// of wording or layout, regenerate the file with the command in `samples/golden/README.md`
    /// and review the diff.
    @Test func markdownBulletinMatchesTheGoldenFile() throws {
        let markdown = BulletinRenderer(bulletin: try SampleBulletins.quyuan.get()).render(.markdown)
        let expected = try PackageFiles.text(Self.golden)
        if markdown != expected {
            let got = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let want = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let first = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("differs from \(Self.golden) at line \((first?.offset ?? min(got.count, want.count)) + 1): \(first.map { "got “\($0.element.0)”, expected “\($0.element.1)”" } ?? "length \(got.count) vs \(want.count)")")
        }
    }

    @Test func htmlIsOneSelfContainedFileWithCharts() throws {
        let html = BulletinRenderer(bulletin: try SampleBulletins.quyuan.get()).render(.html)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
        #expect(html.contains("<style>") && html.contains("@media print"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3, "categories, grades per group, lowest scores")
        #expect(html.contains("<figcaption>综合指标值最低的十个单位</figcaption>"))
        // Nothing from elsewhere: no scripts, links, external fonts or images.
        for banned in ["<script", "<link", "@import", "url(", "<img", "<iframe"] { #expect(!html.contains(banned), "\(banned)") }
        let addresses = html.components(separatedBy: "http").count - 1
        #expect(addresses == html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1, "only the SVG namespace")
    }

    @Test func titleAndListLimitAreHonoured() throws {
        let bulletin = try SampleBulletins.quyuan.get()
        let markdown = BulletinRenderer(bulletin: bulletin, listLimit: 1, title: "测试标题").render(.markdown)
        #expect(markdown.hasPrefix("# 测试标题\n"))
        #expect(markdown == BulletinRenderer(bulletin: bulletin, listLimit: 1, title: "测试标题").render(.markdown), "deterministic")
    }

    /// The rule set docks every B, C, D and E (and each overdue ticket); the bulletin docked only
    /// some. The published grade rows are all computed, worded as the bulletin words them; the
    /// rest is recorded here, not tuned away.
    @Test func computedDeductionsCoverThePublishedGradeRowsAndMore() throws {
        let bulletin = try SampleBulletins.yueyang.get()
        let grades = bulletin.deductions.filter { if case .grade = $0.source { true } else { false } }
            .map { "\($0.unit) \($0.pointsText) \(ReportLabels.reason($0))" }
        let published = try PackageFiles.csvRows("samples/bulletins/yueyang-2024-02-deductions.csv")
            .filter { $0["indicator"]!.hasSuffix("综合考评") }.map { "\($0["unit"]!) \($0["points"]!) \($0["detail"]!)" }
        #expect(published.allSatisfy(grades.contains), "\(published) ⊆ \(grades)")
        #expect(Set(grades).subtracting(published) == [
            "市工信局 -2 热线月度考评B类", "湖南理工学院 -2 热线月度考评B类", "市商务局 -2 热线月度考评B类",
            "市生态环境局 -4 热线月度考评C类", "市发改委 -4 热线月度考评C类", "岳阳监狱 -4 热线月度考评C类",
            "市机关事务管理局 -4 热线月度考评C类",
        ])
        // Listed by unit: 岳阳楼区's computed entries (grade B, as printed, and overdue tickets)
        // come before its manual 信息报送 entry.
        #expect(bulletin.deductions.filter { $0.unit == "岳阳楼区" }.map(ReportLabels.indicator)
                == ["热线办理综合考评", "热线办理时效", "信息报送"])
    }
}

/// The words Reports puts on the data Projections returns.
@Suite struct ReportLabelTests {
    @Test func computedAdjustmentsAreWordedByChannelOrTheRuleSetsLabel() {
        let hotline = Adjustment.Basis(channel: "hotline", label: nil)
        let grade = Adjustment(unit: "市城管局", points: Rational(-2), indicator: "", reason: "", source: .grade("B", rules: hotline))
        #expect(ReportLabels.indicator(grade) == "热线办理综合考评")
        #expect(ReportLabels.reason(grade) == "热线月度考评B类")
        let mailbox = Adjustment.Basis(channel: "mailbox", label: nil)
        let overdue = Adjustment(unit: "市城管局", points: Rational(-1), indicator: "", reason: "",
                                 source: .overdue(tickets: 2, each: Rational(-1, 2), rules: mailbox))
        #expect(ReportLabels.indicator(overdue) == "信箱办理时效")
        #expect(ReportLabels.reason(overdue) == "超期办结或未办结工单2件，每件扣0.5分")
        let bonus = Adjustment(unit: "市城管局", points: Rational(3), indicator: "", reason: "",
                               source: .overdue(tickets: 2, each: Rational(3, 2), rules: .init(channel: nil, label: "信件")))
        #expect(ReportLabels.indicator(bonus) == "信件办理时效")
        #expect(ReportLabels.reason(bonus) == "超期办结或未办结工单2件，每件加1.5分")
        #expect(ReportLabels.adjustmentLabel(.init(channel: nil, label: nil)) == "工单")
        let manual = Adjustment(unit: "市城管局", points: Rational(1), indicator: "信息报送", reason: "表扬", source: .manual(id: "ADJ-1"))
        #expect(ReportLabels.indicator(manual) == "信息报送" && ReportLabels.reason(manual) == "表扬")
    }

    @Test func theBuiltInRuleSetsWordTheirChannels() {
        for (rules, label) in [(RuleSet.yueyangHotline, "热线"), (RuleSet.yueyangMailbox, "信箱")] {
            #expect(ReportLabels.adjustmentLabel(.init(channel: rules.channel, label: rules.adjustments.label)) == label)
        }
    }
}
