import Events
import Projections

extension BulletinComposer {
    /// Ticket numbers, at most ``listLimit`` of them, then `等N件`.
    func ticketList(_ tickets: [TicketStatus], showTimes: Bool = false, markOpen: Bool = false) -> String {
        let shown = listLimit > 0 ? Array(tickets.prefix(listLimit)) : tickets
        let items = shown.map { t -> String in
            var text = t.ticket
            if showTimes && t.times > 1 { text += "×\(t.times)" }
            if markOpen && t.closedAt == nil { text += "（未办结）" }
            return text
        }
        return items.joined(separator: "、") + (shown.count < tickets.count ? "等\(tickets.count)件" : "")
    }

    /// Ticket ids, at most ``listLimit`` of them, then `等N件`.
    func ticketNumbers(_ ids: [String]) -> String {
        let shown = listLimit > 0 ? Array(ids.prefix(listLimit)) : ids
        return shown.joined(separator: "、") + (shown.count < ids.count ? "等\(ids.count)件" : "")
    }

    /// Overdue tickets by unit: due in the period and not closed on time.
    func overdueBlocks(_ section: Bulletin.ChannelSection, what: String) -> [BulletinDocument.Block] {
        let word = bulletin.scheme == .xiangtan ? "逾期" : "超期"
        guard !section.overdue.isEmpty else { return [.paragraph("\(current)\(what)无\(word)工单。")] }
        var table = TextTable(columns: [.init("部门名称"), .init("\(word)件数", alignment: .right), .init("其中未办结", alignment: .right),
                                        .init("工单编号")])
        for unit in section.overdue {
            let open = unit.tickets.filter { $0.closedAt == nil }.count
            table.append([unit.unit, String(unit.count), String(open), ticketList(unit.tickets, markOpen: true)])
        }
        let total = section.overdue.reduce(0) { $0 + $1.count }
        let open = section.overdue.reduce(0) { $0 + $1.tickets.filter { $0.closedAt == nil }.count }
        table.footer = ["合计", String(total), String(open), ""]
        let basis = bulletin.scheme == .xiangtan ? "本期交办而未按期办结" : "办理期限在本期内而未按期办结"
        return [.table(.init(caption: "\(word)工单：\(basis)（逾期办结或尚未办结），按件数排列", table: table))]
    }

    /// Reworked tickets by unit: sent back by the centre in the period.
    func reworkBlocks(_ section: Bulletin.ChannelSection, what: String) -> [BulletinDocument.Block] {
        guard !section.reworked.isEmpty else { return [.paragraph("\(current)\(what)无返工工单。")] }
        var table = TextTable(columns: [.init("部门名称"), .init("返工次数", alignment: .right), .init("涉及工单", alignment: .right),
                                        .init("工单编号")])
        for unit in section.reworked {
            table.append([unit.unit, String(unit.count), String(unit.tickets.count), ticketList(unit.tickets, showTimes: true)])
        }
        table.footer = ["合计", String(section.reworked.reduce(0) { $0 + $1.count }),
                        String(section.reworked.reduce(0) { $0 + $1.tickets.count }), ""]
        return [.table(.init(caption: "返工工单：本期被退回重办，按次数排列，×n 为同一工单的次数", table: table))]
    }

    /// The deduction and bonus tables, with a note on where the entries come from.
    func adjustmentBlocks() -> [BulletinDocument.Block] {
        var blocks: [BulletinDocument.Block] = []
        func table(_ entries: [Adjustment], caption: String, detail: String) -> BulletinDocument.Table {
            var table = TextTable(columns: [.init("部门名称"), .init("加扣分值", alignment: .right), .init("指标名称"), .init(detail),
                                            .init("编号"), .init("依据")])
            for e in entries {
                let number = e.tickets.isEmpty ? (e.ref ?? "") : ticketNumbers(e.tickets)
                table.append([e.unit, ChineseText.points(e.points), ReportLabels.indicator(e), ReportLabels.reason(e, period: period.kind), number,
                              e.isComputed ? "规则" : "登记"])
            }
            let sum = entries.reduce(Rational.zero) { $0 + $1.points }
            table.footer = ["合计（\(entries.count)项）", ChineseText.points(sum),
                            "", "", "", ""]
            return .init(caption: caption, table: table)
        }
        if bulletin.deductions.isEmpty {
            blocks.append(.paragraph("\(current)无扣分项。"))
        } else {
            blocks.append(.table(table(bulletin.deductions, caption: "考核扣分表", detail: "扣分明细")))
        }
        if bulletin.bonuses.isEmpty {
            blocks.append(.paragraph("\(current)无加分项。"))
        } else {
            blocks.append(.table(table(bulletin.bonuses, caption: "考核加分表", detail: "加分明细")))
        }
        if bulletin.scheme != .xiangtan {
            var sources = [rulesNote(rules)]
            if let mailbox = bulletin.mailbox { sources.append(rulesNote(mailbox.report.rules)) }
            for other in bulletin.channels where other.report.rules.adjustments != .none { sources.append(rulesNote(other.report.rules)) }
            blocks.append(.note("依据为“规则”的条目由规则集按本期考评结果计算：" + sources.joined(separator: "；")
                                + "；无应办理工单的单位不因等级扣分。依据为“登记”的条目来自日志中的 adjusted 事件。"))
        }
        return blocks
    }

    private func rulesNote(_ rules: RuleSet) -> String {
        let a = rules.adjustments
        var parts = rules.gradeAdjustments.map { "\($0.grade)类\(ChineseText.points($0.points))分" }
        if a.overdueTicket != .zero {
            let excused = a.overdueExcuses.contains(.centreReturn)
            parts.append((excused ? "无故超期工单每件" : "超期工单每件") + "\(ChineseText.points(a.overdueTicket))分" + (excused ? "（因退回重办而超期的不计）" : ""))
        }
        return "\(rules.name)（\(parts.isEmpty ? "不计分" : parts.joined(separator: "，"))）"
    }
}

extension BulletinComposer {
    /// The tickets that broke the rule set's extension and return policy (延期与退单), when the
    /// rule set has a policy.
    func policyBlocks(_ section: Bulletin.ChannelSection, what: String) -> [BulletinDocument.Block] {
        guard let policy = section.report.rules.policy else { return [] }
        var rules: [String] = []
        if let most = policy.maxExtensions { rules.append("同一交办至多延期\(most)次") }
        if policy.extendBeforeDeadline { rules.append("须在办理期限届满前申请延期") }
        if let most = policy.maxUnitReturns { rules.append("同一工单至多退单\(most)次") }
        let basis = "规定：" + rules.joined(separator: "，") + "。"
        guard !section.violations.isEmpty else { return [.paragraph("\(current)\(what)无违反延期、退单规定的工单（\(basis.dropLast())）。")] }
        var table = TextTable(columns: [.init("部门名称"), .init("工单"), .init("情形"), .init("说明")])
        for v in section.violations {
            table.append([v.unit, v.ticket, ReportLabels.violationKind(v.kind), ReportLabels.violationDetail(v, policy: policy)])
        }
        let tickets = Set(section.violations.map(\.ticket)).count
        table.footer = ["合计", "\(tickets)件", "\(section.violations.count)项", ""]
        return [.table(.init(caption: "违反延期、退单规定的工单（\(basis.dropLast())）", table: table))]
    }

    /// Tickets by source with each source's satisfaction, when tickets name a source.
    func sourceBlocks(_ section: Bulletin.ChannelSection, what: String) -> [BulletinDocument.Block] {
        guard !section.sources.isEmpty else { return [] }
        var table = TextTable(columns: [.init("来源"), .init("件数", alignment: .right), .init("占比", alignment: .right),
                                        .init("回访评价", alignment: .right), .init("满意率", alignment: .right)])
        let whole = section.assignedTickets
        for item in section.sources {
            let rate = item.satisfiedRate.map { ChineseText.percent($0.times100Rounded) } ?? "-"
            table.append([item.source ?? "未注明来源", String(item.tickets), ChineseText.share(item.tickets, of: whole), String(item.rated), rate])
        }
        let rated = section.sources.reduce(0) { $0 + $1.rated }, satisfied = section.sources.reduce(0) { $0 + $1.satisfied }
        table.footer = ["合计", String(whole), whole > 0 ? "100.00%" : "-", String(rated), ChineseText.share(satisfied, of: rated)]
        return [.table(.init(caption: "\(what)按来源（交办件数；本期回访评价及满意率）", table: table))]
    }

    /// The platform's own rating word counted by unit: the units with letters rated 非常满意.
    func ratingTextBlocks(_ section: Bulletin.ChannelSection, word: String = "非常满意", what: String) -> [BulletinDocument.Block] {
        guard !section.ratingTexts.isEmpty else { return [] }
        let order = section.report.rows.map(\.unit)
        let units = section.ratingTexts.compactMap { unit, words -> (String, Int, Int)? in
            guard let n = words[word], n > 0 else { return nil }
            return (unit, n, words.values.reduce(0, +))
        }.sorted { ($1.1, order.firstIndex(of: $0.0) ?? .max, $0.0) < ($0.1, order.firstIndex(of: $1.0) ?? .max, $1.0) }
        guard !units.isEmpty else { return [.paragraph("\(current)\(what)无评价为“\(word)”的回访。")] }
        var table = TextTable(columns: [.init("部门名称"), .init("\(word)（件）", alignment: .right), .init("平台评价（次）", alignment: .right)])
        for (unit, n, all) in units { table.append([unit, String(n), String(all)]) }
        table.footer = ["合计（\(units.count)个单位）", String(units.reduce(0) { $0 + $1.1 }), String(units.reduce(0) { $0 + $1.2 })]
        return [.table(.init(caption: "\(what)评价为“\(word)”的回访，按单位（平台评价原文）", table: table))]
    }
}

extension Rational {
    /// The rate in percent, 2 decimals.
    var times100Rounded: FixedDecimal { (self * Rational(100)).rounded(decimals: 2) }
}
