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

    /// The whole output in `format`, ending in a newline. Control characters in names are
    /// written as escapes (JSON escapes them its own way).
    public func render(_ format: ReportFormat) -> String {
        switch format {
        case .table: (title() + "\n\n" + table().render()).escapingControlCharacters(keepingLayout: true)
        case .json: json()
        case .csv: csv().escapingControlCharacters(keepingLayout: true)
        case .markdown: ("**\(title())**\n\n" + DelimitedOutput.markdown(table())).escapingControlCharacters(keepingLayout: true)
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
        // About 400 bytes a unit, written as bytes into one buffer: appending to a `String` piece
        // by piece cost more than the rest of a checkpointed replay's report.
        var out: [UInt8] = []
        out.reserveCapacity(400 * (report.rows.count + 1) + 200)
        out.append(contentsOf: #"{"period": "#.utf8)
        JSONString.quote(report.period.label, into: &out)
        out.append(contentsOf: #", "rules": "#.utf8)
        JSONString.quote(rules.name, into: &out)
        if let asOf {
            out.append(contentsOf: #", "asOf": "#.utf8)
            JSONString.quote(asOf.rfc3339(offsetSeconds: rules.utcOffsetSeconds), into: &out)
        }
        out.append(contentsOf: ", \"units\": [\n".utf8)
        for (i, row) in report.rows.enumerated() {
            out.append(contentsOf: (i == 0 ? "  " : ",\n  ").utf8)
            appendJSONObject(row, to: &out)
        }
        out.append(contentsOf: "\n], \"total\": ".utf8)
        appendJSONObject(report.total, unit: ReportLabels.total, to: &out)
        out.append(contentsOf: "}\n".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// One unit's JSON object (`unit` replaces the row's name when given).
    func jsonObject(_ row: PeriodReport.Row, unit: String? = nil) -> String {
        var out: [UInt8] = []
        appendJSONObject(row, unit: unit, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``jsonObject(_:unit:)`` appended to `out`.
    private func appendJSONObject(_ row: PeriodReport.Row, unit: String? = nil, to out: inout [UInt8]) {
        let c = row.counts, s = row.scorecard
        out.append(contentsOf: #"{"unit": "#.utf8)
        JSONString.quote(unit ?? row.unit, into: &out)
        out.append(contentsOf: #", "group": "#.utf8)
        if let group = row.group { JSONString.quote(group, into: &out) } else { out.append(contentsOf: "null".utf8) }
        func key(_ name: StaticString) {
            out.append(contentsOf: #", ""#.utf8)
            out.append(contentsOf: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: #"": "#.utf8)
        }
        func field(_ name: StaticString, _ value: Int) {
            key(name)
            FixedDecimal.write(value, into: &out)
        }
        func field(_ name: StaticString, rate: Rational) {
            key(name)
            Scorecard.display(rate, rules: rules).write(into: &out)
        }
        field("accepted", c.accepted)
        field("due", c.due)
        field("done", c.done)
        field("onTime", c.onTime)
        field("overdue", c.overdue)
        field("rework", c.rework)
        field("returns", c.returns)
        field("callbacks", c.callbacks)
        field("satisfied", c.satisfied)
        field("unsatisfied", c.unsatisfied)
        field("unreachable", c.unreachable)
        field("doneRate", rate: s.doneRate)
        field("onTimeRate", rate: s.onTimeRate)
        field("reworkRate", rate: s.reworkRate)
        field("unsatisfiedRate", rate: s.unsatisfiedRate)
        field("satisfiedRate", rate: s.satisfiedRate)
        key("score")
        s.score.write(into: &out)
        key("grade")
        JSONString.quote(s.grade, into: &out)
        out.append(UInt8(ascii: "}"))
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
