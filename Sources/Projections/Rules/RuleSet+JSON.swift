import Events
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A rule file that cannot be used, naming the field at fault.
public struct RuleSetError: Error, Sendable, CustomStringConvertible {
    /// Where the rules came from (a path).
    public var source: String
    /// The field path, e.g. `weights.rework` or `grades[2].min`; empty for the whole file.
    public var field: String
    public var message: String

    public var description: String {
        field.isEmpty ? "\(source): \(message)" : "\(source): field '\(field)': \(message)"
    }
}

extension RuleSet {
    static let knownKeys: Set<String> = ["name", "attribution", "satisfaction", "weights", "rateDecimals", "scoreDecimals",
                                         "timeZone", "emptyUnit", "grades", "channel", "displayRateDecimals", "description",
                                         "adjustments", "deadlines",
                                         "policy"]
    static let knownAdjustmentKeys: Set<String> = ["grades", "overdueTicket", "label", "overdueExcuses"]

    /// Reads a rule set from JSON. Fields left out take the defaults of the
    /// `yueyang-hotline` rule set, except `name`, which is required.
    ///
    /// Refused, naming the field: a key given twice in one object, a value of the wrong type, a
    /// number that is not a whole number where one is needed, a rule number (a weight, a score,
    /// a grade bound, points) with more than 6 decimals or beyond ±1,000,000 (so that every score
    /// computes exactly, see ``Scorecard``), grade names given twice, and grades whose last one
    /// has a minimum (every score must get a grade: the last grade is the catch-all,
    /// `"min": null`).
    /// - Throws: ``RuleSetError`` naming the field that is missing, mistyped or out of range.
    public static func decode(json data: Data, source: String) throws(RuleSetError) -> RuleSet {
        func fail(_ field: String, _ message: String) -> RuleSetError {
            RuleSetError(source: source, field: field, message: message)
        }
        let root: JSONValue
        do {
            root = try JSONValue.parse(utf8: data)
        } catch {
            throw fail(error.field, error.message)
        }
        let top = try object(root, "", fail)
        for (key, _) in top where !knownKeys.contains(key) {
            throw fail(key, "unknown field (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        var rules = RuleSet.yueyangHotline
        guard let name = try optionalName(root["name"], "name", fail), !name.isEmpty else {
            throw fail("name", "required, a non-empty string")
        }
        rules.name = name
        if let text = try optionalString(root["attribution"], "attribution", fail) {
            guard let value = Attribution(rawValue: text) else { throw fail("attribution", "must be \"deadline\" or \"closure\", not \"\(text)\"") }
            rules.attribution = value
        }
        if let text = try optionalString(root["satisfaction"], "satisfaction", fail) {
            guard let value = SatisfactionBasis(rawValue: text) else {
                throw fail("satisfaction", "must be \"dissatisfied\" or \"satisfied\", not \"\(text)\"")
            }
            rules.satisfaction = value
        }
        _ = try optionalString(root["description"], "description", fail)
        if let w = root["weights"], w != .null {
            let members = try object(w, "weights", fail)
            for (key, _) in members where !["done", "onTime", "rework", "satisfaction"].contains(key) {
                throw fail("weights.\(key)", "unknown field (known: done, onTime, rework, satisfaction)")
            }
            func weight(_ key: String, _ current: Rational) throws(RuleSetError) -> Rational {
                try ruleNumber(w[key], "weights.\(key)", fail) ?? current
            }
            rules.weights = Weights(done: try weight("done", rules.weights.done),
                                    onTime: try weight("onTime", rules.weights.onTime),
                                    rework: try weight("rework", rules.weights.rework),
                                    satisfaction: try weight("satisfaction", rules.weights.satisfaction))
        }
        if let value = root["rateDecimals"] {
            rules.rateDecimals = try decimals(value, "rateDecimals", nullable: true, fail)
        }
        if let value = root["scoreDecimals"], let d = try decimals(value, "scoreDecimals", nullable: false, fail) {
            rules.scoreDecimals = d
        }
        if let value = root["displayRateDecimals"], let d = try decimals(value, "displayRateDecimals", nullable: false, fail) {
            rules.displayRateDecimals = d
        }
        if let tz = try optionalString(root["timeZone"], "timeZone", fail) {
            guard let seconds = parseOffset(tz) else { throw fail("timeZone", "must be a UTC offset like \"+08:00\", not \"\(tz)\"") }
            rules.utcOffsetSeconds = seconds
        }
        if let empty = root["emptyUnit"], empty != .null {
            let members = try object(empty, "emptyUnit", fail)
            for (key, _) in members where !["score", "grade"].contains(key) {
                throw fail("emptyUnit.\(key)", "unknown field (known: grade, score)")
            }
            guard let s = try ruleNumber(empty["score"], "emptyUnit.score", fail) else { throw fail("emptyUnit.score", "required, a number") }
            guard let grade = try optionalName(empty["grade"], "emptyUnit.grade", fail), !grade.isEmpty else {
                throw fail("emptyUnit.grade", "required, a non-empty string")
            }
            rules.emptyUnit = EmptyUnit(score: s, grade: grade)
        }
        if let gradesValue = root["grades"], gradesValue != .null {
            guard case .array(let grades) = gradesValue else { throw fail("grades", "must be an array") }
            guard !grades.isEmpty else { throw fail("grades", "must list at least one grade") }
            var bounds: [GradeBound] = []
            for (i, g) in grades.enumerated() {
                let members = try object(g, "grades[\(i)]", fail)
                for (key, _) in members where !["grade", "min"].contains(key) {
                    throw fail("grades[\(i)].\(key)", "unknown field (known: grade, min)")
                }
                guard let grade = try optionalName(g["grade"], "grades[\(i)].grade", fail), !grade.isEmpty else {
                    throw fail("grades[\(i)].grade", "required, a non-empty string")
                }
                if let first = bounds.firstIndex(where: { $0.grade == grade }) {
                    throw fail("grades[\(i)].grade", "grade \"\(grade)\" is listed twice (first as grades[\(first)])")
                }
                var minimum: Rational? = nil
                if let r = try ruleNumber(g["min"], "grades[\(i)].min", fail) {
                    if let previous = bounds.last?.minimum, r >= previous {
                        throw fail("grades[\(i)].min", "bounds must decrease from the best grade to the worst")
                    }
                    if i == grades.count - 1 {
                        throw fail("grades[\(i)].min", "the last grade must have \"min\": null, so that every score gets a grade "
                                   + "(a score below \(r.rounded(decimals: 6).trimmed) would have none)")
                    }
                    minimum = r
                } else if i != grades.count - 1 {
                    throw fail("grades[\(i)].min", "only the last grade may have no minimum")
                }
                bounds.append(GradeBound(grade: grade, minimum: minimum))
            }
            rules.grades = bounds
        }
        if let value = root["channel"] {
            rules.channel = try optionalName(value, "channel", fail)
            // No event has an empty channel (the decoder refuses one): it would count nothing.
            if rules.channel == "" { throw fail("channel", "must not be empty (null counts every channel)") }
        }
        if let adjustments = root["adjustments"], adjustments != .null {
            rules.adjustments = try decodeAdjustments(adjustments, grades: rules.grades, fail: fail)
        } else {
            // The default points, for the grades this rule set has.
            rules.adjustments.grades = rules.adjustments.grades.filter { name, _ in rules.grades.contains { $0.grade == name } }
        }
        if let deadlines = root["deadlines"], deadlines != .null {
            rules.deadlines = try decodeDeadlines(deadlines, source: source, fail: fail)
        }
        if let policy = root["policy"], policy != .null { rules.policy = try decodePolicy(policy, fail: fail) }
        return rules
    }

    static func object(_ value: JSONValue, _ field: String, _ fail: (String, String) -> RuleSetError)
        throws(RuleSetError) -> [(key: String, value: JSONValue)] {
        guard case .object(let members) = value else { throw fail(field, field.isEmpty ? "expected a JSON object" : "must be an object") }
        return members
    }

    /// A string, or `nil` when absent or null.
    static func optionalString(_ value: JSONValue?, _ field: String, _ fail: (String, String) -> RuleSetError)
        throws(RuleSetError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw fail(field, "must be a string")
        }
    }

    /// A string printed in reports (a grade, a channel, a label), or `nil` when absent or null;
    /// a control character in it (a line break, an escape) is refused.
    static func optionalName(_ value: JSONValue?, _ field: String, _ fail: (String, String) -> RuleSetError)
        throws(RuleSetError) -> String? {
        let text = try optionalString(value, field, fail)
        if let text, text.containsControlCharacters {
            throw fail(field, "must not hold control characters (\(JSONString.quoted(text)))")
        }
        return text
    }

    /// A rule number (weight, score, bound, points), or `nil` when absent or null.
    static func ruleNumber(_ value: JSONValue?, _ field: String, _ fail: (String, String) -> RuleSetError)
        throws(RuleSetError) -> Rational? {
        switch value {
        case nil, .null?: return nil
        case .number(let text)?:
            guard let r = JSONValue.boundedRational(text) else {
                throw fail(field, "\(text) cannot be computed exactly: a rule number may have at most \(JSONValue.numberDecimals) "
                           + "decimals and lie between -\(JSONValue.numberLimit) and \(JSONValue.numberLimit)")
            }
            return r
        default: throw fail(field, "must be a number")
        }
    }

    /// A count of decimals, 0–6 (`nil` for null when `nullable`).
    private static func decimals(_ value: JSONValue, _ field: String, nullable: Bool, _ fail: (String, String) -> RuleSetError)
        throws(RuleSetError) -> Int? {
        let expected = "must be a whole number from 0 to 6" + (nullable ? ", or null" : "")
        switch value {
        case .null:
            guard nullable else { throw fail(field, expected) }
            return nil
        case .number(let text):
            guard let n = Int(text), (0...6).contains(n) else { throw fail(field, "\(expected), not \(text)") }
            return n
        case .string(let text): throw fail(field, "\(expected), not the string \"\(text)\"")
        default: throw fail(field, expected)
        }
    }

    /// Parses `+08:00`, `-05:30`, `Z` or `UTC`.
    static func parseOffset(_ text: String) -> Int32? {
        if text == "Z" || text == "UTC" || text == "+00:00" { return 0 }
        let chars = Array(text)
        guard chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":",
              let h = Int(String(chars[1...2])), let m = Int(String(chars[4...5])), h <= 23, m <= 59 else { return nil }
        return Int32((h * 60 + m) * 60 * (chars[0] == "-" ? -1 : 1))
    }

    /// The rule set as JSON, in the file format.
    public func jsonText() -> String {
        func num(_ r: Rational) -> String {
            for decimals in 0...8 where r.rounded(decimals: decimals).rational == r {
                return r.rounded(decimals: decimals).description
            }
            return r.rounded(decimals: 8).description
        }
        let grades = self.grades.map { "{\"grade\": \(JSONString.quoted($0.grade)), \"min\": \($0.minimum.map(num) ?? "null")}" }
        return """
        {
          "name": \(JSONString.quoted(name)),
          "attribution": "\(attribution.rawValue)",
          "satisfaction": "\(satisfaction.rawValue)",
          "weights": {"done": \(num(weights.done)), "onTime": \(num(weights.onTime)), "rework": \(num(weights.rework)), "satisfaction": \(num(weights.satisfaction))},
          "rateDecimals": \(rateDecimals.map(String.init) ?? "null"),
          "scoreDecimals": \(scoreDecimals),
          "timeZone": "\(timeZoneText)",
          "channel": \(channel.map(JSONString.quoted) ?? "null"),
          "emptyUnit": {"score": \(num(emptyUnit.score)), "grade": \(JSONString.quoted(emptyUnit.grade))},
          "grades": [\(grades.joined(separator: ", "))],
          "adjustments": \(adjustmentsJSON(num))\(deadlines.map { ",\n  \"deadlines\": " + $0.jsonText() } ?? "")\(policyJSON().map { ",\n  \"policy\": " + $0 } ?? "")
        }

        """
    }

    private func adjustmentsJSON(_ num: (Rational) -> String) -> String {
        let grades = gradeAdjustments.map { "\(JSONString.quoted($0.grade)): \(num($0.points))" }.joined(separator: ", ")
        var out = "{\"grades\": {\(grades)}, \"overdueTicket\": \(num(adjustments.overdueTicket))"
        if let label = adjustments.label { out += ", \"label\": \(JSONString.quoted(label))" }
        out += ", \"overdueExcuses\": [" + adjustments.overdueExcuses.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + "]"
        return out + "}"
    }

    private static func decodeAdjustments(_ value: JSONValue, grades: [GradeBound],
                                          fail: (String, String) -> RuleSetError) throws(RuleSetError) -> Adjustments {
        let members = try object(value, "adjustments", fail)
        for (key, _) in members where !knownAdjustmentKeys.contains(key) {
            throw fail("adjustments.\(key)", "unknown field (known: \(knownAdjustmentKeys.sorted().joined(separator: ", ")))")
        }
        var result = Adjustments.standard
        if let pointsValue = value["grades"], pointsValue != .null {
            let points = try object(pointsValue, "adjustments.grades", fail)
            let names = grades.map(\.grade)
            result.grades = [:]
            for (key, number) in points.sorted(by: { $0.key < $1.key }) {
                guard names.contains(key) else {
                    throw fail("adjustments.grades.\(key)", "no such grade (grades: \(names.joined(separator: ", ")))")
                }
                guard let r = try ruleNumber(number, "adjustments.grades.\(key)", fail) else {
                    throw fail("adjustments.grades.\(key)", "must be a number")
                }
                result.grades[key] = r
            }
        }
        if let r = try ruleNumber(value["overdueTicket"], "adjustments.overdueTicket", fail) {
            result.overdueTicket = r
        }
        if let label = try optionalName(value["label"], "adjustments.label", fail) {
            guard !label.isEmpty else { throw fail("adjustments.label", "must not be empty") }
            result.label = label
        }
        if let excuses = value["overdueExcuses"], excuses != .null { result.overdueExcuses = try decodeExcuses(excuses, fail: fail) }
        return result
    }
}

