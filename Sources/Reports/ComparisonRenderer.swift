import Events
import Projections

/// How ``ComparisonRenderer`` writes rule comparisons.
public enum ComparisonFormat: String, CaseIterable, Sendable {
    /// Per comparison: a title, a table of units (changed first) and the grade moves.
    case table
    /// One JSON object per comparison (`{"period", "base", "alt", "units": [...], "moves": {...}}`),
    /// an array of them for several.
    case json
}

/// Prints `RuleComparison`s, exactly as `ledger-cli whatif` prints them.
public struct ComparisonRenderer: Sendable {
    /// The as-of instant the comparisons were built at, if any.
    public var asOf: Timestamp?

    /// A renderer noting `asOf` when the reports compared were built from the events recorded up to then.
    public init(asOf: Timestamp? = nil) {
        self.asOf = asOf
    }

    /// The comparisons of one base with its alternatives in `format`, ending in a newline:
    /// one JSON object for a single comparison, else an array.
    public func render(_ comparisons: [RuleComparison], as format: ComparisonFormat) -> String {
        switch format {
        case .json where comparisons.count == 1: json(comparisons[0]) + "\n"
        case .json: "[\n" + comparisons.map(json).joined(separator: ",\n") + "\n]\n"
        case .table: comparisons.map(text).joined(separator: "\n").escapingControlCharacters(keepingLayout: true)
        }
    }

    /// One comparison's JSON object (no final newline).
    public func json(_ c: RuleComparison) -> String {
        func row(_ u: RuleComparison.UnitChange) -> String {
            let fields: [(String, String)] = [
                ("unit", JSONString.quoted(u.unit)), ("group", u.group.map(JSONString.quoted) ?? "null"),
                ("baseScore", u.base.scorecard.score.description), ("baseGrade", JSONString.quoted(u.base.scorecard.grade)),
                ("altScore", u.alt.scorecard.score.description), ("altGrade", JSONString.quoted(u.alt.scorecard.grade)),
                ("delta", u.delta.rounded(decimals: max(c.base.rules.scoreDecimals, c.alt.rules.scoreDecimals)).description),
                ("changed", String(u.changed)), ("countsChanged", String(u.countsChanged)),
                ("baseDue", String(u.base.counts.due)), ("altDue", String(u.alt.counts.due)),
                ("countChanges", "{" + u.countChanges.map { "\"\($0.name)\": [\($0.from), \($0.to)]" }.joined(separator: ", ") + "}"),
            ]
            return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        }
        let moves = c.moves.map { "\(JSONString.quoted($0.from + "→" + $0.to)): \($0.count)" }.joined(separator: ", ")
        var head = "{\"period\": \(JSONString.quoted(c.period.label)), \"base\": \(JSONString.quoted(c.base.rules.name)), "
        head += "\"alt\": \(JSONString.quoted(c.alt.rules.name)), "
        if let asOf { head += "\"asOf\": \(JSONString.quoted(asOf.rfc3339(offsetSeconds: c.base.rules.utcOffsetSeconds))), " }
        return head + "\"units\": [\n  " + c.units.map(row).joined(separator: ",\n  ") + "\n], \"moves\": {\(moves)}, "
            + "\"changedUnits\": \(c.units.filter(\.changed).count)}"
    }

    /// One comparison's text, ending in a newline.
    public func text(_ c: RuleComparison) -> String {
        let decimals = max(c.base.rules.scoreDecimals, c.alt.rules.scoreDecimals)
        var out = "\(c.period.label) · base \(c.base.rules.name) vs alt \(c.alt.rules.name)"
        if let asOf { out += " · as of \(asOf.rfc3339(offsetSeconds: c.base.rules.utcOffsetSeconds))" }
        out += "\n\n"
        var table = TextTable(columns: [
            .init("unit"), .init("base", alignment: .right), .init("grade", alignment: .left), .init("alt", alignment: .right),
            .init("grade", alignment: .left), .init("Δ", alignment: .right), .init("counts base→alt"),
        ])
        let changed = c.units.filter(\.changed)
        for u in c.units {
            table.append([u.unit, u.base.scorecard.score.description, u.base.scorecard.grade, u.alt.scorecard.score.description,
                          u.alt.scorecard.grade + (u.gradeChanged ? " *" : ""), u.changed ? signed(u.delta, decimals: decimals) : "",
                          u.countChanges.map { "\($0.name) \($0.from)→\($0.to)" }.joined(separator: ", ")])
        }
        out += table.render()
        out += "\n\(changed.count) of \(c.units.count) units change"
        let moves = c.moves
        out += moves.isEmpty ? "; no grade moves.\n" : "; grade moves: " + moves.map { "\($0.from)→\($0.to): \($0.count)" }.joined(separator: ", ") + "\n"
        return out
    }

    func signed(_ r: Rational, decimals: Int) -> String {
        let text = r.rounded(decimals: decimals).description
        return r > .zero ? "+" + text : text
    }
}
