import Events
import Projections

/// How ``ReportRenderer`` writes an assessment table.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// A title line, then the table aligned by display width (Chinese characters are two
    /// columns wide), group marker rows and the 合计 footer.
    case table
    /// `{"period", "rules", "asOf"?, "units": [...], "total": {...}}`, one unit object a line.
    case json
    /// RFC 4180 CSV (CRLF line ends) with English column names, one record per unit, then the total.
    case csv
    /// The title in bold, then a GitHub Flavored Markdown table.
    case markdown
}

/// Turns a `PeriodReport` into text: a bulletin-style table, JSON, CSV or Markdown, exactly
/// as `ledger-cli replay` prints it.
///
/// ```swift
/// let report = projection.report(period: .month(2024, 2), rules: .yueyangHotline, roster: roster)
/// let json = ReportRenderer(report: report).render(.json)
/// ```
public struct ReportRenderer: Sendable {
    /// The table to write.
    public var report: PeriodReport
    /// The language of headers and labels (``ReportFormat/table`` and ``ReportFormat/markdown``).
    public var language: Language
    /// The as-of instant the report was built at, if any (printed in titles and JSON).
    public var asOf: Timestamp?

    /// A renderer of `report`, with headers in `language`, noting `asOf` when the report was
    /// built from the events recorded up to then.
    public init(report: PeriodReport, language: Language = .zh, asOf: Timestamp? = nil) {
        self.report = report
        self.language = language
        self.asOf = asOf
    }

    var rules: RuleSet { report.rules }

    /// The whole output in `format`, ending in a newline.
    public func render(_ format: ReportFormat) -> String {
        switch format {
        case .table: title() + "\n\n" + table().render()
        case .json: json()
        case .csv: csv()
        case .markdown: "**\(title())**\n\n" + DelimitedOutput.markdown(table())
        }
    }

    /// The aligned table with group marker rows and the 合计 footer.
    func table() -> TextTable {
        let columns = ReportColumn.allCases.map { TextTable.Column($0.header(language, rules: rules), alignment: $0.alignment) }
        var table = TextTable(columns: columns)
        let grouped = report.groups.contains { $0 != nil }
        for group in grouped ? report.groups : [nil] {
            let rows = grouped ? report.rows.filter { $0.group == group } : report.rows
            if grouped {
                table.append(["【\(group ?? ReportLabels.ungrouped(language))】"] + Array(repeating: "", count: columns.count - 1))
            }
            for row in rows { table.append(ReportColumn.allCases.map { $0.cell(row, rules: rules) }) }
        }
        var total = ReportColumn.allCases.map { $0.cell(report.total, rules: rules) }
        total[0] = ReportLabels.total(language, units: report.rows.count)
        table.footer = total
        return table
    }

    /// The title line above the table: `2023-09 · yueyang-hotline · 31 units · A 19, C 2, E 10`.
    public func title() -> String {
        let asOfText = asOf.map { " (as of \($0.rfc3339(offsetSeconds: rules.utcOffsetSeconds)))" } ?? ""
        let grades = report.gradeCounts.filter { $0.count > 0 }.map { "\($0.grade) \($0.count)" }.joined(separator: ", ")
        return "\(report.period.label) · \(rules.name)\(asOfText) · \(report.rows.count) units · \(grades)"
    }

    /// JSON: `{"period", "rules", "asOf"?, "units": [...], "total": {...}}`; the total's `unit` is `合计`.
    public func json() -> String {
        var out = "{\"period\": \(JSONString.quoted(report.period.label)), \"rules\": \(JSONString.quoted(rules.name))"
        if let asOf { out += ", \"asOf\": \(JSONString.quoted(asOf.rfc3339(offsetSeconds: rules.utcOffsetSeconds)))" }
        out += ", \"units\": [\n"
        out += report.rows.map { "  " + jsonObject($0) }.joined(separator: ",\n")
        out += "\n], \"total\": " + jsonObject(report.total, unit: ReportLabels.total) + "}\n"
        return out
    }

    /// One unit's JSON object (`unit` replaces the row's name when given).
    func jsonObject(_ row: PeriodReport.Row, unit: String? = nil) -> String {
        let c = row.counts, s = row.scorecard
        func rate(_ r: Rational) -> String { Scorecard.display(r, rules: rules).description }
        let fields: [(String, String)] = [
            ("unit", JSONString.quoted(unit ?? row.unit)),
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

    /// CSV with machine-friendly English column names (one row per unit, then the total, named `合计`).
    public func csv() -> String {
        let keys = ["unit", "group", "accepted", "due", "done", "onTime", "overdue", "rework", "returns", "callbacks",
                    "satisfied", "unsatisfied", "unreachable", "doneRate", "onTimeRate", "reworkRate",
                    "unsatisfiedRate", "satisfiedRate", "score", "grade"]
        var out = DelimitedOutput.csvRecord(keys)
        var total = report.total
        total.unit = ReportLabels.total
        for row in report.rows + [total] {
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
