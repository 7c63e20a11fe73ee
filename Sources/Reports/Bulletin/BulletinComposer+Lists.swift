import Events
import Projections

extension BulletinComposer {
    /// Ticket numbers, at most ``listLimit`` of them, then `等N件`.
    func ticketList(_ tickets: [TicketStatus], showTimes: Bool = false, markOpen: Bool = false) -> String {
        let shown = listLimit > 0 ? Array(tickets.prefix(listLimit)) : tickets
        var items = shown.map { t -> String in
            var text = t.ticket
            if showTimes && t.times > 1 { text += "×\(t.times)" }
            if markOpen && t.closedAt == nil { text += "（未办结）" }
            return text
        }
        return items.joined(separator: "、") + (shown.count < tickets.count ? "等\(tickets.count)件" : "")
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
                table.append([e.unit, ChineseText.points(e.points), ReportLabels.indicator(e), ReportLabels.reason(e), e.ref ?? "",
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
            blocks.append(.note("依据为“规则”的条目由规则集按本期考评结果计算：" + sources.joined(separator: "；")
                                + "；无应办理工单的单位不因等级扣分。依据为“登记”的条目来自日志中的 adjusted 事件。"))
        }
        return blocks
    }

    private func rulesNote(_ rules: RuleSet) -> String {
        let a = rules.adjustments
        var parts = a.grades.map { "\($0.grade)类\(ChineseText.points($0.points))分" }
        if a.overdueTicket != .zero {
            parts.append("超期工单每件\(ChineseText.points(a.overdueTicket))分")
        }
        return "\(rules.name)（\(parts.isEmpty ? "不计分" : parts.joined(separator: "，"))）"
    }
}
