import Events
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RuleSet {
    static let knownDeadlineKeys: Set<String> = ["calendar", "endOfDay", "limits", "apply"]
    static let knownLimitKeys: Set<String> = ["category", "topic", "channel", "workdays", "hours"]
    /// The longest limit, in working days or hours.
    static let maximumLimit = 1000

    /// Reads the `deadlines` object: `calendar` (a built-in name, a CSV path relative to the rule
    /// file, or an array of them layered in order; default `cn`), `endOfDay` (`HH:MM`, 00:01–24:00;
    /// default `24:00`), `limits` (required: objects with optional `category`, `topic`,
    /// `channel` and exactly one of `workdays` or `hours`, a whole number from 1 to 1000) and
    /// `apply` (default `false`).
    static func decodeDeadlines(_ value: JSONValue, source: String, fail: (String, String) -> RuleSetError)
        throws(RuleSetError) -> DeadlinePolicy {
        let members = try object(value, "deadlines", fail)
        for (key, _) in members where !knownDeadlineKeys.contains(key) {
            throw fail("deadlines.\(key)", "unknown field (known: \(knownDeadlineKeys.sorted().joined(separator: ", ")))")
        }
        let directory = URL(fileURLWithPath: source).deletingLastPathComponent().path
        var names: [(field: String, name: String)] = []
        switch value["calendar"] {
        case nil, .null?: names = [("deadlines.calendar", "cn")]
        case .string(let name)?: names = [("deadlines.calendar", name)]
        case .array(let elements)?:
            guard !elements.isEmpty else { throw fail("deadlines.calendar", "must name at least one calendar") }
            for (i, element) in elements.enumerated() {
                guard case .string(let name) = element else { throw fail("deadlines.calendar[\(i)]", "must be a string") }
                names.append(("deadlines.calendar[\(i)]", name))
            }
        default: throw fail("deadlines.calendar", "must be a calendar name (cn), a CSV path, or an array of them")
        }
        var layers: [WorkCalendar] = []
        for (field, name) in names {
            guard !name.isEmpty else { throw fail(field, "must not be empty") }
            do {
                layers.append(try WorkCalendar.load(name, relativeTo: directory))
            } catch {
                throw fail(field, error.description)
            }
        }
        var endOfDay = 86_400
        if let text = try optionalString(value["endOfDay"], "deadlines.endOfDay", fail) {
            guard let seconds = parseClock(text) else {
                throw fail("deadlines.endOfDay", "must be a time from \"00:01\" to \"24:00\", like \"18:00\", not \"\(text)\"")
            }
            endOfDay = seconds
        }
        var apply = false
        switch value["apply"] {
        case nil, .null?: break
        case .bool(let b)?: apply = b
        default: throw fail("deadlines.apply", "must be true or false")
        }
        guard case .array(let entries)? = value["limits"] else {
            throw fail("deadlines.limits", value["limits"] == nil ? "required, an array of limits" : "must be an array")
        }
        guard !entries.isEmpty else { throw fail("deadlines.limits", "must list at least one limit") }
        var limits: [DeadlinePolicy.Limit] = []
        for (i, entry) in entries.enumerated() {
            let field = "deadlines.limits[\(i)]"
            let members = try object(entry, field, fail)
            for (key, _) in members where !knownLimitKeys.contains(key) {
                throw fail("\(field).\(key)", "unknown field (known: \(knownLimitKeys.sorted().joined(separator: ", ")))")
            }
            func match(_ key: String) throws(RuleSetError) -> String? {
                let text = try optionalName(entry[key], "\(field).\(key)", fail)
                if text == "" { throw fail("\(field).\(key)", "must not be empty (leave the field out to match any)") }
                return text
            }
            let length: DeadlinePolicy.Length
            switch (entry["workdays"], entry["hours"]) {
            case (let w?, nil): length = .workdays(try count(w, "\(field).workdays", fail))
            case (nil, let h?): length = .hours(try count(h, "\(field).hours", fail))
            case (nil, nil): throw fail(field, "needs \"workdays\" or \"hours\"")
            case (_?, _?): throw fail(field, "gives both \"workdays\" and \"hours\"; give one")
            }
            limits.append(DeadlinePolicy.Limit(category: try match("category"), topic: try match("topic"),
                                               channel: try match("channel"), length: length))
        }
        let calendar = WorkCalendar.layered(layers)
        return DeadlinePolicy(calendar: calendar, calendarNames: names.map(\.name),
                              endOfDaySeconds: endOfDay, limits: limits, apply: apply)
    }

    /// A whole number from 1 to ``maximumLimit``.
    private static func count(_ value: JSONValue, _ field: String, _ fail: (String, String) -> RuleSetError) throws(RuleSetError) -> Int {
        guard case .number(let text) = value, let n = Int(text), (1...maximumLimit).contains(n) else {
            throw fail(field, "must be a whole number from 1 to \(maximumLimit)")
        }
        return n
    }

    /// `HH:MM` from `00:01` to `24:00`, as seconds after midnight.
    static func parseClock(_ text: String) -> Int? {
        let chars = Array(text)
        guard chars.count == 5, chars[2] == ":", chars.allSatisfy({ $0 == ":" || $0.isASCII && $0.isNumber }),
              let h = Int(String(chars[0...1])), let m = Int(String(chars[3...4])), m <= 59 else { return nil }
        let seconds = (h * 60 + m) * 60
        guard seconds > 0, seconds <= 86_400 else { return nil }
        return seconds
    }
}

extension DeadlinePolicy {
    /// The policy as a rule file's `deadlines` object, on one line.
    public func jsonText() -> String {
        let names = calendarNames.map(JSONString.quoted)
        let calendar = names.count == 1 ? names[0] : "[" + names.joined(separator: ", ") + "]"
        let limits = self.limits.map { limit in
            var fields: [String] = []
            if let c = limit.category { fields.append("\"category\": \(JSONString.quoted(c))") }
            if let t = limit.topic { fields.append("\"topic\": \(JSONString.quoted(t))") }
            if let c = limit.channel { fields.append("\"channel\": \(JSONString.quoted(c))") }
            switch limit.length {
            case .workdays(let n): fields.append("\"workdays\": \(n)")
            case .hours(let n): fields.append("\"hours\": \(n)")
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        return "{\"calendar\": \(calendar), \"endOfDay\": \"\(endOfDayText)\", \"limits\": [\(limits.joined(separator: ", "))], "
            + "\"apply\": \(apply)}"
    }
}
