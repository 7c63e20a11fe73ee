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

/// Issue 14 as the reader sees it: the new sections, the JSON model, no invented wording.
@Suite struct PolicyRenderingTests {
    @Test func quyuanNamesTheVolumeRankingAsPublished() throws {
        let markdown = BulletinRenderer(bulletin: try SampleBulletins.quyuan.get()).render(.markdown)
        // Published: 工单办理量前三的单位分别是：人社局（26 件）、公安局（18 件）、凤凰乡（17 件）.
        #expect(markdown.contains("受理工单量排名前三位的分别是：屈原人社局（26件）、屈原公安局（18件）和凤凰乡（17件）。"))
        // The log begins in August: no comparison with a month it holds only partly.
        #expect(markdown.contains("日志自2023-08-13起，未完整覆盖上月，不与上月比较。"))
        #expect(!markdown.contains("与上月（"))
    }

    @Test func jsonIsTheWholeModelWithRankingsDeductionsAndViolations() throws {
        let bulletin = try SampleBulletins.yueyang.get()
        let text = BulletinRenderer(bulletin: bulletin).render(.json)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let rankings = try #require(root["rankings"] as? [[String: Any]])
        // Three groups by score and by volume, for the hotline and for the mailbox.
        #expect(rankings.count == 12)
        #expect(rankings.first?["channel"] as? String == "hotline")
        #expect(rankings.first?["group"] as? String == "县市区" && rankings.first?["by"] as? String == "score")
        #expect(rankings.first?["units"] as? [String] == ["城陵矶新港区", "南湖新区", "屈原管理区"])
        #expect(rankings.map { $0["by"] as? String }.filter { $0 == "volume" }.count == 6)
        #expect(rankings.map { $0["channel"] as? String }.filter { $0 == "mailbox" }.count == 6)
        let deductions = try #require(root["deductions"] as? [[String: Any]])
        #expect(deductions.count == bulletin.deductions.count)
        #expect(Set(deductions.compactMap { $0["source"] as? String }) == ["manual", "grade", "overdue"])
        for entry in deductions {
            #expect(entry["unit"] is String && entry["points"] is NSNumber && entry["tickets"] is [String])
            if entry["source"] as? String == "overdue" { #expect(!(entry["tickets"] as! [String]).isEmpty) }
        }
        #expect(root["policyViolations"] is [[String: Any]])
        let sections = try #require(root["sections"] as? [[String: Any]])
        #expect(sections.map { $0["channel"] as? String } == ["hotline", "mailbox"])
        #expect((sections.first?["units"] as? [[String: Any]])?.count == bulletin.hotline.report.rows.count)
    }

    /// Violations print as a section of their own, in Markdown and HTML.
    @Test func policyViolationsAndRatingWordsHaveTheirSections() throws {
        var request = BulletinRequest(period: .month(2024, 2), mailboxRules: nil)
        request.rules.policy = .common
        let events = [
            Event(id: "1", ticket: "T1", at: t("2024-02-01T09:00:00+08:00"), body: .accepted(channel: "hotline", category: nil, topic: nil)),
            Event(id: "2", ticket: "T1", at: t("2024-02-01T10:00:00+08:00"), body: .assigned(unit: "甲局", due: t("2024-02-05T18:00:00+08:00"))),
            Event(id: "3", ticket: "T1", at: t("2024-02-06T10:00:00+08:00"), body: .extended(unit: "甲局", due: t("2024-02-09T18:00:00+08:00"), reason: nil)),
            Event(id: "4", ticket: "T1", at: t("2024-02-08T10:00:00+08:00"), body: .closed(unit: "甲局", reply: nil)),
            Event(id: "5", ticket: "T1", at: t("2024-02-09T10:00:00+08:00"), body: .callbackRated(unit: "甲局", rating: .satisfied),
                  extraFields: [try .init(key: "ratingText", rawValue: #""非常满意""#)]),
        ]
        var folds = (Projection(options: ProjectionOptions(rules: request.rules)), BulletinFold(options: ProjectionOptions(rules: request.rules)))
        for e in events { folds.0.apply(e); folds.1.apply(e) }
        let bulletin = Bulletin(request: request, hotline: folds, mailbox: nil)
        let markdown = BulletinRenderer(bulletin: bulletin).render(.markdown)
        #expect(markdown.contains("延期与退单"))
        #expect(markdown.contains("| 甲局     | T1   | 超期申请延期 |"))
        #expect(markdown.contains("评价为“非常满意”的回访，按单位"))
        let html = BulletinRenderer(bulletin: bulletin).render(.html)
        #expect(html.contains("超期申请延期") && html.contains("非常满意"))
    }

    /// Yueyang's mailbox paragraph, as published: 县(市)区市长信箱办理综合指标分值100分的有：临湘市、屈原管理区和岳阳经开区
    /// … 综合指标分值100分的单位有28个，信件办理量在10件以上且综合指标分值100分的有：市公安交警支队、市人社局、市城管局和市教体局.
    /// The mailbox is ranked per group like the hotline (letters due at least 10 outside the
    /// counties), ties at the cut named too, and ranked by volume beside it.
    @Test func theMailboxIsRankedPerGroupAsPublished() throws {
        let bulletin = try SampleBulletins.yueyang.get()
        let mailbox = try #require(bulletin.mailbox)
        let byScore = mailbox.rankings.filter { $0.by == .score }
        #expect(byScore.map(\.channel) == ["mailbox", "mailbox", "mailbox"])
        #expect(byScore.map(\.group) == ["县市区", "行政事业单位", "公共服务企业"])
        #expect(byScore.map(\.minimumVolume) == [0, 10, 10])
        #expect(Set(byScore[0].top.map(\.unit)) == ["临湘市", "屈原管理区", "岳阳经开区"])
        #expect(byScore[1].top.map(\.unit) == ["市公安交警支队", "市人社局", "市城管局", "市教体局"])
        let markdown = BulletinRenderer(bulletin: bulletin).render(.markdown)
        #expect(markdown.contains("县市区综合指标分值100分的有：岳阳经开区、临湘市和屈原管理区。"))
        #expect(markdown.contains("行政事业单位中综合指标分值100分的单位有26个，信件办理量在10件以上且综合指标分值100分的有：市公安交警支队、市人社局、市城管局和市教体局。"))
        // 26 + the two companies with full marks: the published 28.
        #expect(mailbox.rows(in: "公共服务企业").filter { $0.scorecard.score.description == "100.00" }.count == 2)
        let byVolume = mailbox.rankings.filter { $0.by == .volume }
        #expect(byVolume.map(\.group) == ["县市区", "行政事业单位", "公共服务企业"])
        #expect(byVolume[1].top.map(\.unit) == ["市交通运输局", "市公安局", "市公安交警支队"])
        #expect(markdown.contains("信件办理量10件以上的行政事业单位受理来信量排名前三位的分别是：市交通运输局（50件）、市公安局（34件）和市公安交警支队（27件）。"))
        // The hotline's rankings are unchanged: three per group, no ties at the cut.
        #expect(bulletin.hotline.rankings.filter { $0.by == .score }.map(\.top.count) == [3, 3, 3])
    }

    /// A ticket on a channel without options of its own (`proposal`), an extension policy broken
    /// on the hotline: every scheme prints the proposal's section (with its ticket, source and
    /// rating words) and the 延期与退单 section, in Markdown and in HTML.
    @Test(arguments: BulletinScheme.allCases)
    func aProposalTicketAppearsInEveryScheme(_ scheme: BulletinScheme) throws {
        var request = BulletinRequest(period: .month(2024, 2), scheme: scheme, mailboxRules: nil)
        request.rules.policy = .common
        request.compare = .never
        let proposalRequest = BulletinRequest.ChannelRequest(channel: "proposal")
        let events = [
            Event(id: "h1", ticket: "H1", at: t("2024-02-01T09:00:00+08:00"), body: .accepted(channel: "hotline", category: "投诉", topic: nil)),
            Event(id: "h2", ticket: "H1", at: t("2024-02-01T10:00:00+08:00"), body: .assigned(unit: "甲局", due: t("2024-02-05T18:00:00+08:00"))),
            Event(id: "h3", ticket: "H1", at: t("2024-02-04T10:00:00+08:00"), body: .extended(unit: "甲局", due: t("2024-02-07T18:00:00+08:00"), reason: nil)),
            Event(id: "h4", ticket: "H1", at: t("2024-02-06T10:00:00+08:00"), body: .extended(unit: "甲局", due: t("2024-02-09T18:00:00+08:00"), reason: nil)),
            Event(id: "h5", ticket: "H1", at: t("2024-02-08T10:00:00+08:00"), body: .closed(unit: "甲局", reply: nil)),
            Event(id: "p1", ticket: "P-0001", at: t("2024-02-02T09:00:00+08:00"), body: .accepted(channel: "proposal", category: "建议", topic: nil),
                  extraFields: [try .init(key: "source", rawValue: #""政协委员微建议""#)]),
            Event(id: "p2", ticket: "P-0001", at: t("2024-02-02T10:00:00+08:00"), body: .assigned(unit: "乙局", due: t("2024-02-06T18:00:00+08:00"))),
            Event(id: "p3", ticket: "P-0001", at: t("2024-02-09T10:00:00+08:00"), body: .closed(unit: "乙局", reply: nil)),
            Event(id: "p4", ticket: "P-0001", at: t("2024-02-12T10:00:00+08:00"), body: .callbackRated(unit: "乙局", rating: .satisfied),
                  extraFields: [try .init(key: "ratingText", rawValue: #""非常满意""#)]),
        ]
        func folds(_ rules: RuleSet) -> (Projection, BulletinFold) {
            (Projection(options: ProjectionOptions(rules: rules)), BulletinFold(options: ProjectionOptions(rules: rules)))
        }
        var hotline = folds(request.rules), proposal = folds(proposalRequest.effectiveRules(hotline: request.rules))
        for e in events {
            hotline.0.apply(e); hotline.1.apply(e)
            proposal.0.apply(e); proposal.1.apply(e)
        }
        let bulletin = Bulletin(request: request, hotline: hotline, mailbox: nil, channels: [(proposalRequest, proposal)])
        #expect(bulletin.channels.map(\.channel) == ["proposal"])
        for format in [BulletinFormat.markdown, .html] {
            let text = BulletinRenderer(bulletin: bulletin).render(format)
            #expect(text.contains("政协微建议"), "\(scheme) \(format): no section for the proposal channel")
            #expect(text.contains("P-0001"), "\(scheme) \(format): the overdue proposal ticket is not listed")
            #expect(text.contains("政协委员微建议"), "\(scheme) \(format): no sources")
            #expect(text.contains("非常满意"), "\(scheme) \(format): no rating words")
            #expect(text.contains("多次延期") && text.contains("H1"), "\(scheme) \(format): no 延期与退单 section")
        }
    }

    /// A quarter says 季度, never 月度, and prints no table of zero A-grade units.
    @Test func aQuarterlyBulletinInventsNothing() throws {
        var request = BulletinRequest(period: .quarter(2024, 1), mailboxRules: nil)
        request.compare = .never
        var events: [Event] = []
        for (i, closed) in ["2024-02-03", "2024-02-09"].enumerated() {
            events += [
                Event(id: "a\(i)", ticket: "T\(i)", at: t("2024-02-01T09:00:00+08:00"), body: .accepted(channel: "hotline", category: nil, topic: nil)),
                Event(id: "b\(i)", ticket: "T\(i)", at: t("2024-02-01T10:00:00+08:00"), body: .assigned(unit: "甲局", due: t("2024-02-05T18:00:00+08:00"))),
                Event(id: "c\(i)", ticket: "T\(i)", at: t("\(closed)T10:00:00+08:00"), body: .closed(unit: "甲局", reply: nil)),
            ]
        }
        var folds = (Projection(options: ProjectionOptions(rules: request.rules)), BulletinFold(options: ProjectionOptions(rules: request.rules)))
        for e in events { folds.0.apply(e); folds.1.apply(e) }
        let markdown = BulletinRenderer(bulletin: Bulletin(request: request, hotline: folds, mailbox: nil)).render(.markdown)
        #expect(!markdown.contains("月度"))
        #expect(markdown.contains("热线季度考评"))
        #expect(!markdown.contains("A类单位（0个）"))
        #expect(markdown.contains("热线其他单位（1个）"))
    }

    private func t(_ text: String) -> Timestamp { Timestamp.parseRFC3339(text)! }
}
