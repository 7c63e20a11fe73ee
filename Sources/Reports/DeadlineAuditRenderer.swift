import Events
import Projections

/// How ``DeadlineAuditRenderer`` writes a deadline audit.
public enum DeadlineAuditFormat: String, CaseIterable, Sendable {
    /// A title, a table per unit (assignments, exceeding, excess working days), then the tickets.
    case table
    /// `{"period", "rules", "calendar", "endOfDay", "assignments", "withoutLimit", "exceeding": [...]}`,
    /// one finding a line.
    case json
}

/// Prints a `DeadlineAudit` exactly as `ledger-cli deadlines` does.
public struct DeadlineAuditRenderer: Sendable {
    /// The audit to write.
    public var audit: DeadlineAudit
    /// A roster whose units are all listed in the table, in its order.
    public var roster: Roster?

    public init(audit: DeadlineAudit, roster: Roster? = nil) {
        self.audit = audit
        self.roster = roster
    }

    var offset: Int32 { audit.rules.utcOffsetSeconds }

    /// The whole output in `format`, ending in a newline; control characters in names written
    /// as escapes (see ``ReportRenderer/render(_:)``).
    public func render(_ format: DeadlineAuditFormat) -> String {
        switch format {
        case .table: text().escapingControlCharacters(keepingLayout: true)
        case .json: json()
        }
    }

    /// The JSON object: the fields the issue asks for, and the calendar, end of day, the count of
    /// assignments no limit applies to, and each finding's limit.
    public func json() -> String {
        let findings = audit.exceeding.map { f in
            let fields: [(String, String)] = [
                ("ticket", JSONString.quoted(f.ticket)), ("unit", JSONString.quoted(f.unit)),
                ("assigned", JSONString.quoted(f.assigned.rfc3339(offsetSeconds: offset))),
                ("due", JSONString.quoted(f.due.rfc3339(offsetSeconds: offset))),
                ("policyDue", JSONString.quoted(f.policyDue.rfc3339(offsetSeconds: offset))),
                ("excessWorkdays", String(f.excessWorkdays)), ("limit", JSONString.quoted(f.limit.description)),
            ]
            return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        }
        var out = "{\"period\": \(JSONString.quoted(audit.period.label)), \"rules\": \(JSONString.quoted(audit.rules.name)), "
        out += "\"calendar\": \(JSONString.quoted(audit.policy.calendarName)), \"endOfDay\": \"\(audit.policy.endOfDayText)\", "
        out += "\"assignments\": \(audit.assignments), \"withoutLimit\": \(audit.withoutLimit), "
        out += "\"exceeding\": [" + (findings.isEmpty ? "" : "\n  " + findings.joined(separator: ",\n  ") + "\n") + "]}\n"
        return out
    }

    /// The title, the unit table and the ticket table.
    public func text() -> String {
        let policy = audit.policy
        var out = "\(audit.period.label) · deadlines of \(audit.rules.name) · calendar \(policy.calendarName), "
        out += "working day ends \(policy.endOfDayText) (\(audit.rules.timeZoneText))\n"
        out += "limits: " + policy.limits.map(Self.describe).joined(separator: "; ") + "\n\n"
        var units = TextTable(columns: [
            .init("unit"), .init("assigned", alignment: .right), .init("exceeding", alignment: .right),
            .init("excess workdays", alignment: .right), .init("max", alignment: .right),
        ])
        for row in audit.units(roster: roster) {
            units.append([row.unit, String(row.assignments), String(row.exceeding), String(row.excessWorkdays),
                          row.exceeding > 0 ? String(row.maxExcessWorkdays) : ""])
        }
        out += units.render()
        let total = audit.exceeding.count
        out += "\n\(total) of \(audit.assignments) assignment\(audit.assignments == 1 ? "" : "s") exceed the policy"
        if audit.withoutLimit > 0 { out += "; \(audit.withoutLimit) matched no limit and were not checked" }
        out += ".\n"
        guard total > 0 else { return out }
        var tickets = TextTable(columns: [
            .init("ticket"), .init("unit"), .init("assigned"), .init("due"), .init("policy due"),
            .init("excess workdays", alignment: .right), .init("limit"),
        ])
        for f in audit.exceeding.sorted(by: { ($0.excessWorkdays, $1.ticket) > ($1.excessWorkdays, $0.ticket) }) {
            var (due, policyDue) = (minute(f.due), minute(f.policyDue))
            // A deadline later than the policy's within the same minute: the two would print
            // alike, so both show their seconds (and fraction).
            if due == policyDue { (due, policyDue) = (precise(f.due), precise(f.policyDue)) }
            tickets.append([f.ticket, f.unit, minute(f.assigned), due, policyDue, String(f.excessWorkdays), f.limit.description])
        }
        return out + "\n" + tickets.render()
    }

    /// `2023-09-01 12:57`, in the rule set's time zone.
    func minute(_ t: Timestamp) -> String {
        let text = t.rfc3339(offsetSeconds: offset)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5))
    }

    /// `2023-09-01 12:57:00`, `2023-09-01 12:57:00.5`: with the seconds and any fraction, in the
    /// rule set's time zone.
    func precise(_ t: Timestamp) -> String {
        let text = t.rfc3339(offsetSeconds: offset)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix { $0 != "+" && $0 != "-" && $0 != "Z" })
    }

    /// `category 咨询: 1 workday`, `any: 5 workdays`.
    static func describe(_ limit: DeadlinePolicy.Limit) -> String {
        var match: [String] = []
        if let c = limit.category { match.append("category \(c)") }
        if let t = limit.topic { match.append("topic \(t)") }
        if let c = limit.channel { match.append("channel \(c)") }
        return (match.isEmpty ? "any" : match.joined(separator: ", ")) + ": \(limit.length)"
    }
}
