import Events
import Testing
@testable import Projections

/// The sample bulletins, each built once (a replay of the Yueyang log takes a few seconds in
/// a debug build) and shared by the tests below.
enum SampleBulletins {
    static func build(log: String, period: Period, scheme: BulletinScheme, roster: String,
                      mailboxRoster: String?) -> Result<Bulletin, any Error> {
        Result {
            let request = BulletinRequest(period: period, scheme: scheme, roster: try Roster.load(path: PackageFiles.path(roster)),
                                          mailboxRoster: try mailboxRoster.map { try Roster.load(path: PackageFiles.path($0)) })
            let (bulletin, summary) = try LogReplay(path: PackageFiles.path(log)).bulletin(request)
            guard summary.problems.isEmpty else { throw SampleLogError(problems: summary.problems) }
            return bulletin
        }
    }

    static let xiangtan = build(log: "samples/xiangtan-2019-11.jsonl", period: .month(2019, 11), scheme: .xiangtan,
                                roster: "samples/xiangtan-units.csv", mailboxRoster: nil)
    static let yueyang = build(log: "samples/yueyang-2024-02.jsonl", period: .month(2024, 2), scheme: .yueyang,
                               roster: "samples/yueyang-hotline-units.csv", mailboxRoster: "samples/yueyang-mailbox-units.csv")
    static let quyuan = build(log: "samples/quyuan-2023-09.jsonl", period: .month(2023, 9), scheme: .yueyang,
                              roster: "samples/quyuan-units.csv", mailboxRoster: "samples/quyuan-mailbox-units.csv")

    struct SampleLogError: Error {
        var problems: [LogProblem]
    }
}

@Suite struct XiangtanBulletinTests {
    /// A rate as published (`99.53`, or empty for `-`) against a computed one, both to 2 decimals.
    static func sameRate(_ published: String, _ computed: Rational?) -> Bool {
        guard let computed else { return published.isEmpty }
        return FixedDecimal(published) == computed.rounded(decimals: 2)
    }

    @Test func novemberTableReproducesEveryColumnOfEveryRow() throws {
        let table = try SampleBulletins.xiangtan.get().xiangtan
        let expected = try PackageFiles.csvRows("samples/bulletins/xiangtan-2019-11-hotline.csv")
        #expect(table.rows.map(\.unit) == expected.map { $0["unit"]! }, "the roster's units in published order, no others")
        var problems: [String] = []
        for (row, published) in zip(table.rows + [table.total],
                                    expected + (try PackageFiles.csvRows("samples/bulletins/xiangtan-2019-11-hotline-total.csv"))) {
            let dash = published["callbacks"]!.isEmpty
            if dash == row.hasCallbackData { problems.append("\(row.unit): '-' cells published: \(dash)") }
            let counts: [(String, Int)] = [
                ("assigned", row.facts.assigned), ("onTimeDone", row.facts.onTimeDone), ("overdue", row.facts.overdue),
                ("unitReturns", row.counts.returns), ("callbacks", row.counts.callbacks), ("unreachable", row.counts.unreachable),
                ("satisfied", row.counts.satisfied), ("notContacted", row.facts.notContacted),
                ("phoneSupervised", row.facts.phoneSupervised), ("phoneAnswered", row.facts.phoneAnswered),
                ("writtenSupervised", row.facts.writtenSupervised), ("writtenAnswered", row.facts.writtenAnswered),
            ]
            for (key, value) in counts where Int(published[key]!.isEmpty ? "0" : published[key]!) != value {
                problems.append("\(row.unit): \(key) published \(published[key]!) → computed \(value)")
            }
            let rates: [(String, Rational?)] = [("onTimeRate", row.onTimeRate),
                                                ("callbackRate", dash ? nil : row.callbackRate),
                                                ("satisfiedRate", dash ? nil : row.satisfiedRate)]
            for (key, value) in rates where !Self.sameRate(published[key]!, value) {
                problems.append("\(row.unit): \(key) published \(published[key]!) → computed \(value.map { $0.rounded(decimals: 2).description } ?? "-")")
            }
        }
        #expect(problems == [])
        // 回访率 exceeds 100% where callbacks concern October tickets (韶山市 200%, 市司法局 300%).
        #expect(table.rows.first { $0.unit == "市司法局" }?.callbackRate == Rational(300))
    }

    @Test func returnsHistogramAndTotalReturnsBothHold() throws {
        let histogram = try SampleBulletins.xiangtan.get().hotline.returns
        let published = try PackageFiles.csvRows("samples/bulletins/xiangtan-2019-11-returns-histogram.csv")
        for row in published { #expect(histogram.tickets[Int(row["times"]!)! - 1] == Int(row["tickets"]!), "\(row)") }
        // "退单301单次": one return per ticket in November; the histogram counts returns to date.
        #expect(histogram.returns == 301)
        #expect(histogram.ticketCount == 301)
    }

    @Test func overdueListsAddUpToTheOverdueColumn() throws {
        let bulletin = try SampleBulletins.xiangtan.get()
        let listed = Dictionary(uniqueKeysWithValues: bulletin.hotline.overdue.map { ($0.unit, $0.count) })
        for row in bulletin.xiangtan.rows { #expect((listed[row.unit] ?? 0) == row.facts.overdue, "\(row.unit)") }
        #expect(bulletin.hotline.overdue.reduce(0) { $0 + $1.count } == 32)
        #expect(bulletin.deductions.isEmpty && bulletin.bonuses.isEmpty, "the Xiangtan scheme grades nobody")
    }

    @Test func narrativeListsAndTicketTypesReproduce() throws {
        let bulletin = try SampleBulletins.xiangtan.get()
        // "回访满意率低于50%的单位有 …" (14 units) and "高于80%的单位有 …" (12, 市人防办 at exactly 80.00%).
        #expect(bulletin.xiangtan.units(satisfiedBelow: Rational(50)) == [
            "雨湖区人民政府", "湘潭县人民政府", "韶山市人民政府", "湘潭经开区管委会", "昭山示范区管委会", "市城发集团", "市自然资源规划局",
            "市银保监局", "江麓机电集团", "市产业投", "市农业农村局", "市邮政管理局", "市工信局", "市文旅广体局"])
        #expect(Set(bulletin.xiangtan.units(satisfiedAtLeast: Rational(80))) == [
            "市交通局", "市教育局", "市税务局", "湘潭联通分公司", "市广电台", "市人防办", "市发改委", "市住房公积金中心", "市民政局",
            "市水利局", "湘潭日报社", "市医卫职院"])
        // "交办工单话务类型投诉类2183个 … 求助类835个 … 建议类140个 … 咨询类137个 … 其他2个": counts of
        // the 3,297 tickets assigned in November. (The printed shares 66.22/25.33/4.24/4.15/0.06 were
        // evidently adjusted to add up to 100; exact shares are 66.21/25.33/4.25/4.16/0.06.)
        #expect(bulletin.hotline.assignedTickets == 3297)
        #expect(bulletin.hotline.categories.map { "\($0.label) \($0.count)" } == ["投诉 2183", "求助 835", "建议 140", "咨询 137", "其他 2"])
        #expect(bulletin.hotline.topics.prefix(5).map(\.label) == ["环境保护", "住建房管", "交通管理", "城市管理", "供水电气"])
    }
}

@Suite struct YueyangBulletinTests {
    @Test func groupsComeFromTheRosterWithTheirRankings() throws {
        let bulletin = try SampleBulletins.yueyang.get()
        let report = bulletin.hotline.report
        #expect(bulletin.hotline.groups == ["县市区", "行政事业单位", "公共服务企业"])
        #expect(bulletin.hotline.groups.map { g in report.rows.filter { $0.group == g }.count } == [13, 44, 8])
        let rankings = bulletin.hotline.rankings.filter { $0.by == .score }.map { ($0.group, $0.minimumVolume, $0.top.map(\.unit)) }
        #expect(rankings.map(\.0) == ["县市区", "行政事业单位", "公共服务企业"])
        #expect(rankings.map(\.1) == [0, 50, 100])
        #expect(rankings.map(\.2) == [["城陵矶新港区", "南湖新区", "屈原管理区"], ["市城管局", "市广播电视台", "市邮政管理局"],
                                      ["市水务集团公司", "国网岳阳供电公司", "市公交集团公司"]])
        #expect(bulletin.rankings[1].top.map { $0.scorecard.score.description } == ["97.9", "95.2", "95.1"])
        // Beside them, the same groups (and minimums) ranked by volume (受理案件数).
        let volume = bulletin.hotline.rankings.filter { $0.by == .volume }
        #expect(volume.map(\.group) == ["县市区", "行政事业单位", "公共服务企业"])
        #expect(volume.map(\.minimumVolume) == [0, 50, 100])
        for ranking in volume {
            let accepted = ranking.top.map(\.counts.accepted)
            #expect(accepted == accepted.sorted(by: >))
            let rest = bulletin.hotline.report.rows.filter { $0.group == ranking.group && $0.counts.due >= ranking.minimumVolume }
            #expect(rest.allSatisfy { row in ranking.top.contains { $0.unit == row.unit } || row.counts.accepted <= accepted.last! })
        }
        #expect(bulletin.mailbox?.report.rows.count == 54)
    }

    @Test func manualDeductionsAndBonusesAreThePublishedOnes() throws {
        let bulletin = try SampleBulletins.yueyang.get()
        func rows(_ csv: String) throws -> [[String]] {
            try PackageFiles.csvRows(csv).filter { !$0["indicator"]!.hasSuffix("综合考评") }
                .map { [$0["unit"]!, $0["points"]!, $0["indicator"]!, $0["detail"]!, $0["ticket"]!] }
        }
        func entries(_ list: [Adjustment]) -> [[String]] {
            list.filter { !$0.isComputed }.map { [$0.unit, $0.pointsText, $0.indicator, $0.reason, $0.ref ?? ""] }
        }
        // Order aside (the bulletin lists by unit, as do we), every manual row is there once.
        #expect(entries(bulletin.deductions).sorted { $0.lexicographicallyPrecedes($1) }
                == (try rows("samples/bulletins/yueyang-2024-02-deductions.csv")).sorted { $0.lexicographicallyPrecedes($1) })
        #expect(entries(bulletin.bonuses).sorted { $0.lexicographicallyPrecedes($1) }
                == (try rows("samples/bulletins/yueyang-2024-02-bonuses.csv")).sorted { $0.lexicographicallyPrecedes($1) })
        #expect(bulletin.bonuses.allSatisfy { !$0.isComputed })
        // Listed by unit: 岳阳楼区's computed entries (grade B, as printed, and overdue tickets)
        // come before its manual 信息报送 entry.
        let sources = bulletin.deductions.filter { $0.unit == "岳阳楼区" }.map(\.source)
        #expect(sources.count == 3)
        guard sources.count == 3 else { return }
        let hotline = Adjustment.Basis(channel: "hotline", label: nil)
        #expect(sources[0] == .grade("B", rules: hotline))
        if case .overdue(_, _, let basis) = sources[1] { #expect(basis == hotline) } else { Issue.record("\(sources[1])") }
        if case .manual = sources[2] {} else { Issue.record("\(sources[2])") }
    }

    /// Overdue tickets (−0.5 each) were not docked in the bulletin at all; the rule computes
    /// one entry per unit with any overdue without cause, listing its tickets; with the ones a
    /// centre return excuses they add up to the table's overdue total. (The wording of the
    /// computed entries is tested in ReportTests.)
    @Test func computedOverdueEntriesAddUpToTheTable() throws {
        let bulletin = try SampleBulletins.yueyang.get()
        var docked = 0, excused = 0
        for entry in bulletin.deductions {
            guard case .overdue(let n, let each, let basis) = entry.source else { continue }
            #expect(each == Rational(-1, 2) && entry.points == each * Rational(n))
            #expect(basis.channel == "hotline" || basis.channel == "mailbox")
            #expect(entry.tickets.count == n)
            docked += n
            excused += entry.excusedTickets.count
        }
        // Units whose overdue tickets are all excused have no entry; count their tickets too.
        let listed = bulletin.sections.flatMap(\.overdue).flatMap(\.tickets)
        #expect(listed.filter(\.centreReturned).count >= excused)
        #expect(docked + listed.filter(\.centreReturned).count == listed.count)
        let hotlineOverdue = bulletin.hotline.report.total.counts.overdue
        let mailboxOverdue = bulletin.mailbox?.report.total.counts.overdue ?? 0
        #expect(listed.count == hotlineOverdue + mailboxOverdue)
        #expect(hotlineOverdue == 22249 - 21667)
        // 569 when any centre return excused; 9 of those tickets were closed late before it.
        #expect(docked == 578)
    }

    /// With `"overdueTicket": 0` the deduction table holds exactly the published rows (the ten
    /// manual entries and the published grade rows) and the computed grade rows
    /// docs/bulletins.md lists, nothing more.
    @Test func withoutOverdueDeductionsTheTableIsThePublishedOneAndTheListedGradeRows() throws {
        var hotline = RuleSet.yueyangHotline, mailbox = RuleSet.yueyangMailbox
        hotline.adjustments.overdueTicket = .zero
        mailbox.adjustments.overdueTicket = .zero
        let request = BulletinRequest(period: .month(2024, 2), rules: hotline,
                                      roster: try Roster.load(path: PackageFiles.path("samples/yueyang-hotline-units.csv")),
                                      mailboxRules: mailbox,
                                      mailboxRoster: try Roster.load(path: PackageFiles.path("samples/yueyang-mailbox-units.csv")))
        let (bulletin, _) = try LogReplay(path: PackageFiles.path("samples/yueyang-2024-02.jsonl")).bulletin(request)
        let published = try PackageFiles.csvRows("samples/bulletins/yueyang-2024-02-deductions.csv")
            .map { "\($0["unit"]!) \($0["points"]!)" }
        let computedGrades = bulletin.deductions.filter { if case .grade = $0.source { true } else { false } }
        let manual = bulletin.deductions.filter { !$0.isComputed }
        #expect(bulletin.deductions.count == manual.count + computedGrades.count, "no overdue entries")
        let got = bulletin.deductions.map { "\($0.unit) \($0.pointsText)" }
        let extra = ["市工信局 -2", "湖南理工学院 -2", "市商务局 -2", "市生态环境局 -4", "市发改委 -4", "岳阳监狱 -4", "市机关事务管理局 -4"]
        #expect(got.sorted() == (published + extra).sorted())
    }

    @Test func overdueAndReworkListsAddUpToTheTable() throws {
        for bulletin in [try SampleBulletins.yueyang.get(), try SampleBulletins.quyuan.get()] {
            for section in [bulletin.hotline] + (bulletin.mailbox.map { [$0] } ?? []) {
                let overdue = Dictionary(uniqueKeysWithValues: section.overdue.map { ($0.unit, $0.count) })
                let rework = Dictionary(uniqueKeysWithValues: section.reworked.map { ($0.unit, $0.count) })
                for row in section.report.rows {
                    #expect((overdue[row.unit] ?? 0) == row.counts.overdue, "\(row.unit) overdue")
                    #expect((rework[row.unit] ?? 0) == row.counts.rework, "\(row.unit) rework")
                }
            }
        }
    }

    /// The Quyuan log begins on 2023-08-13, so August is not fully covered: no comparison by
    /// default; asked for, the comparison uses what the log holds of August.
    @Test func totalsCompareWithThePreviousMonth() throws {
        #expect(try SampleBulletins.quyuan.get().comparison == .notCovered(logStart: Timestamp.parseRFC3339("2023-08-13T10:58:03+08:00")))
        #expect(try SampleBulletins.quyuan.get().hotline.previous == nil)
        var request = BulletinRequest(period: .month(2023, 9), roster: try Roster.load(path: PackageFiles.path("samples/quyuan-units.csv")))
        request.compare = .always
        let (bulletin, _) = try LogReplay(path: PackageFiles.path("samples/quyuan-2023-09.jsonl")).bulletin(request)
        #expect(bulletin.comparison == .compared)
        let section = bulletin.hotline
        #expect(section.previous?.period == .month(2023, 8))
        let change = try #require(section.change(\.reworkRate))
        let now = Scorecard.display(section.report.total.scorecard.reworkRate, rules: section.report.rules).rational
        let before = Scorecard.display(section.previous!.total.scorecard.reworkRate, rules: section.report.rules).rational
        #expect(change == now - before)
        #expect(section.scoreChange == section.report.total.scorecard.score.rational - section.previous!.total.scorecard.score.rational)
    }
}

@Suite struct QuarterlyBulletinTests {
    /// A small quarter: two units, hotline and mailbox, every ticket type.
    static func events() -> [Event] {
        var events: [Event] = []
        func at(_ text: String) -> Timestamp { TicketScript.time(text) }
        func add(_ ticket: String, _ time: String, _ body: Event.Body) {
            events.append(Event(id: "e\(events.count + 1)", ticket: ticket, at: at(time), body: body))
        }
        let types = ["投诉", "咨询", "求助", "建议", "表扬", "举报", "投诉", "其他类"]
        for (i, type) in types.enumerated() {
            let ticket = "Q\(i)", unit = i % 2 == 0 ? "甲局" : "乙局"
            let month = 4 + i % 3
            add(ticket, "2022-0\(month)-10 09:00", .accepted(channel: i == 7 ? "mailbox" : "hotline", category: type, topic: "事项\(i)"))
            add(ticket, "2022-0\(month)-10 10:00", .assigned(unit: unit, due: at("2022-0\(month)-15 18:00")))
            // 乙局 closes two tickets late.
            add(ticket, i == 3 || i == 5 ? "2022-0\(month)-16 10:00" : "2022-0\(month)-12 10:00", .closed(unit: unit, reply: nil))
            add(ticket, "2022-0\(month)-20 10:00", .callbackRated(unit: unit, rating: .satisfied))
        }
        return events
    }

    @Test func quarterSplitsAGradeUnitsAndCountsTicketTypes() throws {
        var hotline = (Projection(options: ProjectionOptions(rules: .yueyangHotline)), BulletinFold(options: ProjectionOptions(rules: .yueyangHotline)))
        var mailbox = (Projection(options: ProjectionOptions(rules: .yueyangMailbox)), BulletinFold(options: ProjectionOptions(rules: .yueyangMailbox)))
        var validator = LifecycleValidator()
        for event in Self.events() {
            #expect(validator.apply(event) == nil)
            hotline.0.apply(event); hotline.1.apply(event)
            mailbox.0.apply(event); mailbox.1.apply(event)
        }
        var request = BulletinRequest(period: try Period.parse("2022-Q2"))
        request.compare = .always
        #expect(request.scheme == .quarterly)
        let bulletin = Bulletin(request: request, hotline: hotline, mailbox: mailbox)
        let rows = bulletin.hotline.report.rows
        #expect(rows.map { "\($0.unit) \($0.counts.due) \($0.scorecard.grade)" } == ["甲局 4 A", "乙局 3 C"])
        let hotlineTypes = bulletin.hotline.categories(inOrder: BulletinRequest.standardTypes)
        #expect(hotlineTypes.listed.map { "\($0.label) \($0.count)" } == ["投诉 2", "咨询 1", "求助 1", "建议 1", "表扬 1", "举报 1"])
        #expect(hotlineTypes.other == 0)
        #expect(bulletin.mailbox?.categories(inOrder: BulletinRequest.standardTypes).other == 1)
        #expect(bulletin.mailbox?.report.rows.map(\.unit) == ["乙局"])
        #expect(bulletin.hotline.previous?.period == .quarter(2022, 1))
        // 乙局 is C (80.0): its grade costs 4 points, and its two overdue tickets 0.5 each.
        #expect(bulletin.deductions.map { "\($0.unit) \($0.pointsText)" } == ["乙局 -4", "乙局 -1"])
        let hotlineBasis = Adjustment.Basis(channel: "hotline", label: nil)
        #expect(bulletin.deductions.map(\.source) == [.grade("C", rules: hotlineBasis), .overdue(tickets: 2, each: Rational(-1, 2), rules: hotlineBasis)])
    }
}
