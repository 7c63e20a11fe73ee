import Events
import Projections

/// Turns a ``PeriodReport`` into text: a bulletin-style table, JSON, CSV or Markdown.
struct ReportRenderer {
    var report: PeriodReport
    var language: Language = .zh
    /// The as-of instant the report was built at, if any (printed in headers and JSON).
    var asOf: Timestamp? = nil

    var rules: RuleSet { report.rules }

    /// The aligned table with group marker rows and the 合计 footer.
    func table() -> TextTable {
        let columns = ReportColumn.allCases.map {
            TextTable.Column($0.header(language, rules: rules), alignment: $0 == .unit || $0 == .grade ? .left : .right)
        }
        var table = TextTable(columns: columns)
        let grouped = report.groups.contains { $0 != nil }
        for group in grouped ? report.groups : [nil] {
            let rows = grouped ? report.rows.filter { $0.group == group } : report.rows
            if grouped {
                table.append(["【\(group ?? (language == .zh ? "未分组" : "ungrouped"))】"] + Array(repeating: "", count: columns.count - 1))
            }
            for row in rows { table.append(ReportColumn.allCases.map { $0.cell(row, rules: rules) }) }
        }
        var total = ReportColumn.allCases.map { $0.cell(report.total, rules: rules) }
        total[0] = language == .zh ? "合计（\(report.rows.count)）" : "Total (\(report.rows.count))"
        table.footer = total
        return table
    }

    /// The title line above the table.
    func title() -> String {
        let asOfText = asOf.map { " (as of \($0.rfc3339(offsetSeconds: rules.utcOffsetSeconds)))" } ?? ""
        let grades = report.gradeCounts.filter { $0.count > 0 }.map { "\($0.grade) \($0.count)" }.joined(separator: ", ")
        return "\(report.period.label) · \(rules.name)\(asOfText) · \(report.rows.count) units · \(grades)"
    }

    /// JSON: `{"period", "rules", "asOf"?, "units": [...], "total": {...}}`.
    func json() -> String {
        var out = "{\"period\": \(JSONString.quoted(report.period.label)), \"rules\": \(JSONString.quoted(rules.name))"
        if let asOf { out += ", \"asOf\": \(JSONString.quoted(asOf.rfc3339(offsetSeconds: rules.utcOffsetSeconds)))" }
        out += ", \"units\": [\n"
        out += report.rows.map { "  " + jsonObject($0) }.joined(separator: ",\n")
        out += "\n], \"total\": " + jsonObject(report.total) + "}\n"
        return out
    }

    func jsonObject(_ row: PeriodReport.Row) -> String {
        let c = row.counts, s = row.scorecard
        func rate(_ r: Rational) -> String { Scorecard.display(r, rules: rules).description }
        let fields: [(String, String)] = [
            ("unit", JSONString.quoted(row.unit)),
            ("group", row.group.map(JSONString.quoted) ?? "null"),
            ("accepted", String(c.accepted)), ("due", String(c.due)), ("done", String(c.done)),
            ("onTime", String(c.onTime)), ("overdue", String(c.overdue)), ("rework", String(c.rework)),
            ("returns", String(c.returns)), ("callbacks", String(c.callbacks)), ("satisfied", String(c.satisfied)),
            ("unsatisfied", String(c.unsatisfied)), ("unreachable", String(c.unreachable)),
            ("doneRate", rate(s.doneRate)), ("onTimeRate", rate(s.onTimeRate)), ("reworkRate", rate(s.reworkRate)),
            ("unsatisfiedRate", rate(s.unsatisfiedRate)), ("satisfiedRate", rate(s.satisfiedRate)),
            ("score", s.score.description), ("grade", JSONString.quoted(s.grade)),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// CSV with machine-friendly English column names (one row per unit, then the total).
    func csv() -> String {
        let keys = ["unit", "group", "accepted", "due", "done", "onTime", "overdue", "rework", "returns", "callbacks",
                    "satisfied", "unsatisfied", "unreachable", "doneRate", "onTimeRate", "reworkRate",
                    "unsatisfiedRate", "satisfiedRate", "score", "grade"]
        var out = DelimitedOutput.csvRecord(keys)
        for row in report.rows + [report.total] {
            let c = row.counts, s = row.scorecard
            func rate(_ r: Rational) -> String { Scorecard.display(r, rules: rules).description }
            out += DelimitedOutput.csvRecord([
                row.unit, row.group ?? "", String(c.accepted), String(c.due), String(c.done), String(c.onTime),
                String(c.overdue), String(c.rework), String(c.returns), String(c.callbacks), String(c.satisfied),
                String(c.unsatisfied), String(c.unreachable), rate(s.doneRate), rate(s.onTimeRate), rate(s.reworkRate),
                rate(s.unsatisfiedRate), rate(s.satisfiedRate), s.score.description, s.grade,
            ])
        }
        return out
    }
}
