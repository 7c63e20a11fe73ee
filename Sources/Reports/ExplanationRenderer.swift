import Events
import Projections

/// How ``ExplanationRenderer`` writes an explanation.
public enum ExplanationFormat: String, CaseIterable, Sendable {
    /// The unit's figures, then one line per ticket with its deadline, closure, lateness and
    /// the log lines that counted, then the lists of overdue, reworked, unsatisfied and declined tickets.
    case table
    /// `{"unit", "period", "rules", "asOf"?, "statistics", "accepted": [ids], …, "tickets": [...]}`.
    case json
}

/// Prints a `UnitExplanation` for people (a ticket table) or machines (JSON lists), exactly
/// as `ledger-cli explain` prints it.
public struct ExplanationRenderer: Sendable {
    /// The explanation to write.
    public var explanation: UnitExplanation
    /// The as-of instant the explanation was built at, if any.
    public var asOf: Timestamp?

    /// A renderer of `explanation`, noting `asOf` when it was built from the events recorded up to then.
    public init(explanation: UnitExplanation, asOf: Timestamp? = nil) {
        self.explanation = explanation
        self.asOf = asOf
    }

    /// The whole output in `format`, ending in a newline; control characters in names written
    /// as escapes (see ``ReportRenderer/render(_:)``).
    public func render(_ format: ExplanationFormat) -> String {
        switch format {
        case .table: text().escapingControlCharacters(keepingLayout: true)
        case .json: json()
        }
    }

    var offset: Int32 { explanation.rules.utcOffsetSeconds }

    /// The JSON object, ending in a newline.
    public func json() -> String {
        let e = explanation
        func list(_ ids: [String]) -> String { "[" + ids.map(JSONString.quoted).joined(separator: ", ") + "]" }
        let row = PeriodReport.Row(unit: e.unit, group: nil, counts: e.counts, scorecard: e.scorecard)
        let stats = ReportRenderer(report: PeriodReport(period: e.period, rules: e.rules, counts: [:]), asOf: asOf).jsonObject(row)
        var fields: [(String, String)] = [
            ("unit", JSONString.quoted(e.unit)), ("period", JSONString.quoted(e.period.label)),
            ("rules", JSONString.quoted(e.rules.name)),
        ]
        if let asOf { fields.append(("asOf", JSONString.quoted(asOf.rfc3339(offsetSeconds: offset)))) }
        fields += [
            ("statistics", stats),
            ("accepted", list(e.accepted)), ("due", list(e.due)), ("done", list(e.done)), ("onTime", list(e.onTime)),
            ("overdue", list(e.overdue)), ("rework", list(e.rework)), ("returns", list(e.returns)),
            ("callbacks", list(e.callbacks)), ("unsatisfied", list(e.unsatisfied)), ("unreachable", list(e.unreachable)),
            ("tickets", "[\n" + e.tickets.map { "    " + ticketJSON($0) }.joined(separator: ",\n") + "\n  ]"),
        ]
        return "{\n" + fields.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    func ticketJSON(_ t: UnitExplanation.TicketDetail) -> String {
        let events = t.events.map { ev in
            "{\"line\": \(ev.line), \"type\": \"\(ev.kind.rawValue)\", \"at\": \(JSONString.quoted(ev.at.rfc3339(offsetSeconds: offset))), \"counted\": [\(ev.counted.map(JSONString.quoted).joined(separator: ", "))]}"
        }
        return "{\"ticket\": \(JSONString.quoted(t.ticket)), \"deadline\": \(t.deadline.map { JSONString.quoted($0.rfc3339(offsetSeconds: offset)) } ?? "null"), "
            + "\"closed\": \(t.closedAt.map { JSONString.quoted($0.rfc3339(offsetSeconds: offset)) } ?? "null"), "
            + "\"due\": \(t.isDue), \"done\": \(t.isDone), \"onTime\": \(t.isOnTime), \"pending\": \(t.isPending), \"lateSeconds\": \(t.lateness.map(String.init) ?? "null"), "
            + "\"events\": [\(events.joined(separator: ", "))]}"
    }

    /// The text for people, ending in a newline.
    public func text() -> String {
        let e = explanation, c = e.counts, s = e.scorecard
        func pct(_ r: Rational) -> String { Scorecard.display(r, rules: e.rules).description + "%" }
        var out = "\(e.unit.escapingControlCharacters()) · \(e.period.label) · \(e.rules.name)"
        if let asOf { out += " · as of \(asOf.rfc3339(offsetSeconds: offset))" }
        out += "\n\n"
        out += "  accepted \(c.accepted), due \(c.due), done \(c.done) (\(pct(s.doneRate))), on time \(c.onTime) (\(pct(s.onTimeRate))), "
        out += "overdue \(c.overdue)\n"
        out += "  rework \(c.rework) (\(pct(s.reworkRate))), declined \(c.returns), callbacks \(c.callbacks) rated "
        out += "(\(c.unsatisfied) unsatisfied, \(pct(s.unsatisfiedRate))), \(c.unreachable) unreachable\n"
        out += "  score \(s.score) · grade \(s.grade)\n\n"
        var table = TextTable(columns: [
            .init("ticket"), .init("deadline"), .init("closed"), .init("late", alignment: .right), .init("status"),
            .init("counted (line: what)"),
        ])
        for t in e.tickets {
            let status = t.isDue ? (t.isOnTime ? "on time" : t.isDone ? "late" : "open, overdue")
                : t.isPending ? "open, not due yet" : "not due in period"
            let counted = t.events.filter { !$0.counted.isEmpty }.map { "\($0.line): \($0.counted.joined(separator: "+"))" }
            table.append([t.ticket, t.deadline.map(short) ?? "", t.closedAt.map(short) ?? "", t.lateness.map(duration) ?? "",
                          status, counted.joined(separator: ", ")])
        }
        out += table.render()
        let lists: [(String, [String])] = [("overdue", e.overdue), ("rework", e.rework), ("unsatisfied", e.unsatisfied),
                                            ("declined", e.returns)]
        for (name, ids) in lists where !ids.isEmpty {
            out += "\n\(name): \(ids.map { $0.escapingControlCharacters() }.joined(separator: ", "))"
        }
        return out + "\n"
    }

    func short(_ t: Timestamp) -> String {
        let text = t.rfc3339(offsetSeconds: offset)
        return String(text.prefix(16)).replacingAll("T", with: " ")
    }

    func duration(_ seconds: Int64) -> String {
        let days = seconds / 86_400, hours = seconds % 86_400 / 3600, minutes = seconds % 3600 / 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        return "\(minutes)m"
    }
}
