import Events
import Projections

extension BulletinComposer {
    /// The assessment table of a channel, one table per roster group with its 小计, then the 合计.
    func assessmentTables(_ section: Bulletin.ChannelSection) -> [BulletinDocument.Block] {
        let r = section.report.rules
        func newTable() -> TextTable {
            TextTable(columns: ReportColumn.allCases.map {
                TextTable.Column($0.header(.zh, rules: r), alignment: $0 == .unit || $0 == .grade ? .left : .right)
            })
        }
        func cells(_ row: PeriodReport.Row, label: String? = nil) -> [String] {
            var cells = ReportColumn.allCases.map { $0.cell(row, rules: r) }
            if let label { cells[0] = label }
            return cells
        }
        var blocks: [BulletinDocument.Block] = []
        let grouped = section.groups.contains { $0 != nil }
        for group in grouped ? section.groups : [nil] {
            let rows = grouped ? section.tableRows(in: group) : section.ordered(section.report.rows)
            var table = newTable()
            for row in rows { table.append(cells(row)) }
            if grouped && section.subtotals { table.footer = cells(section.total(of: group), label: "小计（\(rows.count)）") }
            blocks.append(.table(.init(caption: grouped ? (group ?? "未列入名册的单位") : nil, table: table)))
        }
        let total = cells(section.report.total, label: "合计（\(section.report.rows.count)）")
        if grouped {
            var table = newTable()
            table.footer = total
            blocks.append(.table(.init(caption: "全部单位", table: table)))
        } else if case .table(var last) = blocks.removeLast() {
            last.table.footer = total
            blocks.append(.table(last))
        }
        return blocks
    }

    /// A table of selected rows (the quarterly bulletin's A-grade and other units).
    func assessmentTable(_ rows: [PeriodReport.Row], rules r: RuleSet, caption: String) -> BulletinDocument.Table {
        var table = TextTable(columns: ReportColumn.allCases.map {
            TextTable.Column($0.header(.zh, rules: r), alignment: $0 == .unit || $0 == .grade ? .left : .right)
        })
        for row in rows { table.append(ReportColumn.allCases.map { $0.cell(row, rules: r) }) }
        return .init(caption: caption, table: table)
    }

    /// The Xiangtan statistics table: `-` in the callback and supervision columns of a unit
    /// without any callback, as the bulletin prints them.
    /// Rows in roster order (units it does not list last, most 交办数 first), as Xiangtan prints
    /// them (成员单位按受理工单数量排序, its roster being in that order); with `--order volume`, most
    /// 交办数 first. The table has no score, so `score` keeps the roster's order. A bulletin as of
    /// a day inside the period has a 未到期数 column after 逾期数 (open tickets whose deadline is
    /// later: ``BulletinCounts/pending``), so that 交办数 = 按期办结数 + 逾期数 + 未到期数.
    func xiangtanTable(_ statistics: XiangtanTable, order: BulletinRequest.RowOrder) -> BulletinDocument.Table {
        let showsPending = statistics.total.facts.pending > 0
        var headers = ["单位", "交办数", "按期办结数", "逾期数", "退单数", "按期办结率", "回访数", "回访未应答", "回访率", "回访满意数",
                       "回访满意率", "成员单位未答复当事人数", "电话督办数", "电话督办回复数", "书面督办数", "书面督办回复数"]
        if showsPending { headers.insert("未到期数", at: 4) }
        var table = TextTable(columns: headers.enumerated().map { .init($0.element, alignment: $0.offset == 0 ? .left : .right) })
        func pct(_ r: Rational?) -> String { r.map { ChineseText.percent($0.rounded(decimals: 2)) } ?? "-" }
        func cells(_ row: XiangtanTable.Row) -> [String] {
            let c = row.counts, f = row.facts
            var cells = [row.unit, String(f.assigned), String(f.onTimeDone), String(f.overdue)]
            if showsPending { cells.append(String(f.pending)) }
            cells += [String(c.returns), pct(row.onTimeRate)]
            if row.hasCallbackData {
                cells += [String(c.callbacks), String(c.unreachable), pct(row.callbackRate), String(c.satisfied), pct(row.satisfiedRate),
                          String(f.notContacted), String(f.phoneSupervised), String(f.phoneAnswered), String(f.writtenSupervised),
                          String(f.writtenAnswered)]
            } else {
                cells += Array(repeating: "-", count: 10)
            }
            return cells
        }
        var rows = statistics.rows
        if order == .volume {
            rows = rows.enumerated().sorted { ($1.element.facts.assigned, $0.offset) < ($0.element.facts.assigned, $1.offset) }.map(\.element)
        }
        for row in rows { table.append(cells(row)) }
        table.footer = cells(statistics.total)
        return .init(caption: nil, table: table)
    }

    /// Grades per group, stacked.
    func gradeChart(_ section: Bulletin.ChannelSection, title: String) -> BulletinChart {
        let grouped = section.groups.contains { $0 != nil }
        let groups: [String?] = grouped ? section.groups : [nil]
        let grades = section.gradeCounts().map(\.grade)
        let series = grades.map { grade in
            (name: grade, values: groups.map { g in (grouped ? section.gradeCounts(in: g) : section.gradeCounts()).first { $0.grade == grade }?.count ?? 0 })
        }
        return .stacked(title: title, rows: groups.map { $0 ?? (grouped ? "未列入名册" : "全部单位") }, series: series)
    }

    /// The ten lowest scores of units with something due.
    func lowestScoresChart(_ section: Bulletin.ChannelSection, title: String) -> BulletinChart? {
        let rows = section.report.rows.filter { !$0.scorecard.isEmpty }.suffix(10).reversed()
        guard !rows.isEmpty else { return nil }
        return .bars(title: title, items: rows.map { row in
            (row.unit, Self.double(row.scorecard.score), "\(row.scorecard.score.description) \(row.scorecard.grade)", row.scorecard.grade)
        }, maximum: 100)
    }

    /// A fixed decimal as a Double, for drawing only.
    static func double(_ value: FixedDecimal) -> Double {
        var scale = 1.0
        for _ in 0..<value.scale { scale *= 10 }
        return Double(value.units) / scale
    }
}
