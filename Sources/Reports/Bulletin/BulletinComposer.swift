import Events
import Projections

/// Lays a `Bulletin` out as a ``BulletinDocument`` in Chinese: the wording, the order of the
/// sections and the tables of each scheme. Every figure comes from the bulletin; nothing is
/// computed here but text.
struct BulletinComposer {
    var bulletin: Bulletin
    /// Ticket numbers shown per unit in the overdue and rework lists (0: all).
    var listLimit: Int
    /// A title to use instead of the default one.
    var title: String?

    var period: Period { bulletin.period }
    var hotline: Bulletin.ChannelSection { bulletin.hotline }
    var rules: RuleSet { bulletin.hotline.report.rules }
    var offset: Int32 { rules.utcOffsetSeconds }

    func document() -> BulletinDocument {
        switch bulletin.scheme {
        case .yueyang: return yueyang()
        case .xiangtan: return xiangtan()
        case .quarterly: return quarterly()
        }
    }

    // MARK: Title

    func defaultTitle(_ what: String) -> String {
        title ?? ChineseText.period(period) + what
    }

    var subtitle: [String] {
        let last = CivilDate(daysSinceEpoch: period.end.daysSinceEpoch - 1)
        var lines = ["统计周期：\(ChineseText.day(period.start))至\(ChineseText.day(last))（UTC\(rules.timeZoneText)）"]
        var ruleNames = "考评规则：\(hotlineShort) \(rules.name)"
        if let mailbox = bulletin.mailbox { ruleNames += "；市长信箱 \(mailbox.report.rules.name)" }
        for other in bulletin.channels { ruleNames += "；\(name(other)) \(other.report.rules.name)（\(other.channel ?? "全部")）" }
        if bulletin.scheme != .xiangtan { lines.append(ruleNames) }
        if let asOf = bulletin.request.asOf { lines.append("数据截至：\(asOf.rfc3339(offsetSeconds: offset))（此后登记的事件未计入）") }
        return lines
    }

    /// 本月, 本季度, …
    var current: String {
        switch period.kind {
        case .month: "本月"
        case .quarter: "本季度"
        case .year: "本年"
        case .range: "本期"
        }
    }

    // MARK: Sentences

    /// The totals of a channel and their change against the previous period.
    func summary(_ section: Bulletin.ChannelSection, channel: String, letters: Bool = false) -> [BulletinDocument.Block] {
        let total = section.report.total, c = total.counts, s = total.scorecard, r = section.report.rules
        let noun = letters ? "来信" : "工单"
        var text = "\(current)，\(channel)各承办单位受理\(noun)\(c.accepted)件，应办理\(c.due)件，办理\(c.done)件，"
            + "办结率\(ChineseText.rate(s.doneRate, rules: r))，按期办理\(c.onTime)件，按期办结率\(ChineseText.rate(s.onTimeRate, rules: r))；"
            + "返工\(c.rework)次，返工率\(ChineseText.rate(s.reworkRate, rules: r))；"
        if c.callbacks > 0 {
            text += "回访评价\(c.callbacks)次，满意\(c.satisfied)次、不满意\(c.unsatisfied)次，"
                + "群众满意率\(ChineseText.rate(s.satisfiedRate, rules: r))、不满意率\(ChineseText.rate(s.unsatisfiedRate, rules: r))"
        } else {
            text += "无回访评价"
        }
        if c.unreachable > 0 { text += "，另有\(c.unreachable)次回访未应答" }
        text += "。综合指标值\(s.score.description)，等级评价\(s.grade)类。"
        var blocks: [BulletinDocument.Block] = [.paragraph(text)]
        if section.previous == nil, section.channel == hotline.channel, case .notCovered(let start) = bulletin.comparison {
            let before = ChineseText.previous(period)
            if let start {
                let first = CivilDate(daysSinceEpoch: Int(start.day(atOffset: offset)))
                blocks.append(.paragraph("日志自\(ChineseText.day(first))起，未完整覆盖\(before)，不与\(before)比较。"))
            } else {
                blocks.append(.paragraph("日志无事件，不与\(before)比较。"))
            }
        }
        if let previous = section.previous {
            let before = ChineseText.previous(period)
            if previous.total.counts.due == 0 {
                blocks.append(.paragraph("\(before)无应办理\(noun)，不作比较。"))
            } else {
                let unit = "个百分点"
                var changes = [
                    "办结率" + ChineseText.change(section.change(\.doneRate)!, unit: unit),
                    "按期办结率" + ChineseText.change(section.change(\.onTimeRate)!, unit: unit),
                    "返工率" + ChineseText.change(section.change(\.reworkRate)!, unit: unit),
                ]
                if r.satisfaction == .satisfied {
                    changes.append("群众满意率" + ChineseText.change(section.change(\.satisfiedRate)!, unit: unit))
                } else {
                    changes.append("群众不满意率" + ChineseText.change(section.change(\.unsatisfiedRate)!, unit: unit))
                }
                changes.append("综合指标值" + ChineseText.change(section.scoreChange!, unit: "分"))
                blocks.append(.paragraph("与\(before)（应办理\(previous.total.counts.due)件，综合指标值\(previous.total.scorecard.score.description)）相比，"
                                         + changes.joined(separator: "，") + "。"))
            }
        }
        return blocks
    }

    /// `65个热线承办单位中，综合考评等级评价为A类的54个，B类6个 …`.
    func gradeSentence(_ section: Bulletin.ChannelSection, noun: String) -> String {
        let rows = section.report.rows
        // No unit at all (an empty log, no roster): nothing to grade.
        if rows.isEmpty { return "本期无\(noun)参与考评。" }
        let counts = section.gradeCounts().filter { $0.count > 0 }.map { "\($0.grade)类\($0.count)个" }
        var text = "\(rows.count)个\(noun)中，综合考评等级评价为" + counts.joined(separator: "，")
        let empty = rows.filter(\.scorecard.isEmpty).count
        if empty > 0 {
            let e = section.report.rules.emptyUnit
            text += "，其中无应办理工单的\(empty)个（按规则计\(e.score.rounded(decimals: 2).trimmed)分、\(e.grade)类）"
        }
        return text + "。"
    }

    /// Whether a section is the hotline's (its units handle 工单; the others' handle 信件).
    func isHotline(_ section: Bulletin.ChannelSection) -> Bool { section.channel == hotline.channel }

    /// A section's rankings by score, one sentence per group: the top units, or — when every unit
    /// named has full marks — the units with 100 points, as Yueyang's mailbox paragraph words it
    /// (县(市)区…综合指标分值100分的有：…；…综合指标分值100分的单位有28个，信件办理量在10件以上且综合指标分值100分的有：…).
    func rankingSentences(_ section: Bulletin.ChannelSection) -> [String] {
        let volumeWord = isHotline(section) ? "工单量" : "信件办理量"
        let size = bulletin.request.rankingSize
        return section.rankings.filter { $0.by == .score }.compactMap { ranking in
            // A group of one unit ranks nothing (Quyuan's mailbox, one unit, has no ranking).
            guard ranking.eligible > 1 else { return nil }
            let who = ranking.group ?? "各承办单位"
            if ranking.top.allSatisfy({ Self.hasFullMarks($0) }) {
                let names = ChineseText.list(ranking.top.map(\.unit))
                guard ranking.minimumVolume > 0 else { return "\(who)综合指标分值100分的有：\(names)。" }
                let all = section.rows(in: ranking.group).filter { !$0.scorecard.isEmpty && Self.hasFullMarks($0) }.count
                return "\(who)中综合指标分值100分的单位有\(all)个，\(volumeWord)在\(ranking.minimumVolume)件以上且综合指标分值100分的有：\(names)。"
            }
            let prefix = ranking.minimumVolume > 0 ? "\(volumeWord)\(ranking.minimumVolume)件以上的" : ""
            let names = ranking.top.map { "\($0.unit)（\(ChineseText.score($0.scorecard.score))）" }
            let tied = ranking.top.count > size ? "（含并列）" : ""
            return "\(prefix)\(who)综合指标分值排名前\(ChineseText.numeral(min(size, ranking.top.count)))位\(tied)的分别是：\(ChineseText.list(names))。"
        }
    }

    /// A section's rankings by volume (受理案件数), one sentence per group.
    func volumeRankingSentences(_ section: Bulletin.ChannelSection) -> [String] {
        let hot = isHotline(section)
        return section.rankings.filter { $0.by == .volume }.compactMap { ranking in
            guard ranking.eligible > 1 else { return nil }
            var who = ranking.group ?? "各承办单位"
            if ranking.minimumVolume > 0 { who = (hot ? "工单量" : "信件办理量") + "\(ranking.minimumVolume)件以上的" + who }
            let names = ranking.top.map { "\($0.unit)（\($0.counts.accepted)件）" }
            return "\(who)受理\(hot ? "工单" : "来信")量排名前\(ChineseText.numeral(ranking.top.count))位的分别是：\(ChineseText.list(names))。"
        }
    }

    /// A score of 100: every rate perfect.
    static func hasFullMarks(_ row: PeriodReport.Row) -> Bool { row.scorecard.score.rational == Rational(100) }

    /// A section's name: its title, else the channel's (12345热线, 市长信箱, 政协微建议, …).
    func name(_ section: Bulletin.ChannelSection) -> String { section.title ?? ReportLabels.channelName(section.channel) }

    /// Whether the main section is the centre's hotline: its rule set counts the hotline, or
    /// every channel, and no title renames it.
    var isCentreHotline: Bool { hotline.title == nil && (hotline.channel == nil || hotline.channel == "hotline") }

    /// The main section's name: 12345热线 for the centre's hotline, else its title or its
    /// channel's name (a bulletin whose `--rules` count the mailbox is titled 市长信箱).
    var hotlineName: String { isCentreHotline ? "12345热线" : name(hotline) }

    /// The main section's name in running text and captions: 热线 for the centre's hotline
    /// (热线承办单位, 热线交办工单), else ``hotlineName``.
    var hotlineShort: String { isCentreHotline ? "热线" : hotlineName }

    /// Units graded below A, lowest first.
    func weakUnitsSentence(_ section: Bulletin.ChannelSection) -> String? {
        let best = section.report.rules.grades.first?.grade
        let weak = section.report.rows.filter { !$0.scorecard.isEmpty && $0.scorecard.grade != best }.reversed()
        guard !weak.isEmpty else { return nil }
        let names = weak.map { "\($0.unit)（\(ChineseText.score($0.scorecard.score))，\($0.scorecard.grade)类）" }
        return "等级评价低于\(best ?? "A")类的单位：" + names.joined(separator: "、") + "。"
    }

    // MARK: Categories

    /// The categories of the tickets assigned in the period, the most frequent `limit`, then the rest.
    func categoryTable(_ section: Bulletin.ChannelSection, caption: String, limit: Int = 10) -> BulletinDocument.Table {
        var table = TextTable(columns: [.init("类别"), .init("件数", alignment: .right), .init("占比", alignment: .right)])
        let whole = section.assignedTickets
        for item in section.categories.prefix(limit) {
            table.append([item.label, String(item.count), ChineseText.share(item.count, of: whole)])
        }
        let rest = section.categories.dropFirst(limit).reduce(0) { $0 + $1.count }
        if section.categories.count > limit { table.append(["其他（\(section.categories.count - limit)类）", String(rest), ChineseText.share(rest, of: whole)]) }
        table.footer = ["合计", String(whole), whole > 0 ? "100.00%" : "-"]
        return BulletinDocument.Table(caption: caption, table: table)
    }

    /// `热点事项：停水（120件，5.21%）、…`.
    func topicSentence(_ section: Bulletin.ChannelSection, limit: Int = 5) -> String? {
        let top = section.topics.filter { $0.label != "未分类" }.prefix(limit)
        guard !top.isEmpty else { return nil }
        let items = top.map { "\($0.label)（\($0.count)件，\(ChineseText.share($0.count, of: section.assignedTickets))）" }
        return "\(current)交办工单中数量居前的事项为：" + items.joined(separator: "、") + "。"
    }

    func categoryChart(_ section: Bulletin.ChannelSection, title: String) -> BulletinChart? {
        let top = Array(section.categories.prefix(10))
        guard let most = top.first?.count, most > 0 else { return nil }
        return .bars(title: title, items: top.map { ($0.label, Double($0.count), "\($0.count)件 \(ChineseText.share($0.count, of: section.assignedTickets))", nil) },
                     maximum: Double(most))
    }
}
