import Events
import Projections

/// Prints a ``RuleComparison``.
struct ComparisonRenderer {
    var asOf: Timestamp?

    func json(_ c: RuleComparison) -> String {
        func row(_ u: RuleComparison.UnitChange) -> String {
            let fields: [(String, String)] = [
                ("unit", JSONString.quoted(u.unit)), ("group", u.group.map(JSONString.quoted) ?? "null"),
                ("baseScore", u.base.scorecard.score.description), ("baseGrade", JSONString.quoted(u.base.scorecard.grade)),
                ("altScore", u.alt.scorecard.score.description), ("altGrade", JSONString.quoted(u.alt.scorecard.grade)),
                ("delta", u.delta.rounded(decimals: max(c.base.rules.scoreDecimals, c.alt.rules.scoreDecimals)).description),
                ("changed", String(u.changed)), ("countsChanged", String(u.countsChanged)),
                ("baseDue", String(u.base.counts.due)), ("altDue", String(u.alt.counts.due)),
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

    func text(_ c: RuleComparison) -> String {
        let decimals = max(c.base.rules.scoreDecimals, c.alt.rules.scoreDecimals)
        var out = "\(c.period.label) · base \(c.base.rules.name) vs alt \(c.alt.rules.name)"
        if let asOf { out += " · as of \(asOf.rfc3339(offsetSeconds: c.base.rules.utcOffsetSeconds))" }
        out += "\n\n"
        var table = TextTable(columns: [
            .init("unit"), .init("base", alignment: .right), .init("grade", alignment: .left), .init("alt", alignment: .right),
            .init("grade", alignment: .left), .init("Δ", alignment: .right), .init("due base→alt", alignment: .right),
        ])
        let changed = c.units.filter(\.changed)
        for u in c.units {
            table.append([u.unit, u.base.scorecard.score.description, u.base.scorecard.grade, u.alt.scorecard.score.description,
                          u.alt.scorecard.grade + (u.gradeChanged ? " *" : ""), u.changed ? signed(u.delta, decimals: decimals) : "",
                          u.countsChanged ? "\(u.base.counts.due)→\(u.alt.counts.due)" : ""])
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
