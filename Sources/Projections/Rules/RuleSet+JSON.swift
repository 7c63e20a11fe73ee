import Events
import Foundation

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
                                         "adjustments"]
    static let knownAdjustmentKeys: Set<String> = ["grades", "overdueTicket", "label"]

    /// Reads a rule set from JSON. Fields left out take the defaults of the
    /// `yueyang-hotline` rule set, except `name`, which is required.
    /// - Throws: ``RuleSetError`` naming the field that is missing, mistyped or out of range.
    public static func decode(json data: Data, source: String) throws(RuleSetError) -> RuleSet {
        func fail(_ field: String, _ message: String) -> RuleSetError {
            RuleSetError(source: source, field: field, message: message)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw fail("", "not valid JSON (\(error.localizedDescription))")
        }
        guard let top = object as? [String: Any] else { throw fail("", "expected a JSON object") }
        for key in top.keys.sorted() where !knownKeys.contains(key) {
            throw fail(key, "unknown field (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch let error as DecodingError {
            throw RuleSetError.from(error, source: source)
        } catch {
            throw fail("", "\(error)")
        }
        var rules = RuleSet.yueyangHotline
        guard let name = document.name, !name.isEmpty else { throw fail("name", "required, a non-empty string") }
        rules.name = name
        if let text = document.attribution {
            guard let value = Attribution(rawValue: text) else { throw fail("attribution", "must be \"deadline\" or \"closure\", not \"\(text)\"") }
            rules.attribution = value
        }
        if let text = document.satisfaction {
            guard let value = SatisfactionBasis(rawValue: text) else {
                throw fail("satisfaction", "must be \"dissatisfied\" or \"satisfied\", not \"\(text)\"")
            }
            rules.satisfaction = value
        }
        if let w = document.weights {
            func weight(_ value: Decimal?, _ key: String, _ current: Rational) throws(RuleSetError) -> Rational {
                guard let value else { return current }
                guard let r = Rational(decimal: value.description) else { throw fail("weights.\(key)", "not a plain decimal number") }
                return r
            }
            rules.weights = Weights(done: try weight(w.done, "done", rules.weights.done),
                                    onTime: try weight(w.onTime, "onTime", rules.weights.onTime),
                                    rework: try weight(w.rework, "rework", rules.weights.rework),
                                    satisfaction: try weight(w.satisfaction, "satisfaction", rules.weights.satisfaction))
        }
        if top.keys.contains("rateDecimals") {
            if let d = document.rateDecimals {
                guard (0...6).contains(d) else { throw fail("rateDecimals", "must be 0–6 or null") }
            }
            rules.rateDecimals = document.rateDecimals
        }
        if let d = document.scoreDecimals {
            guard (0...6).contains(d) else { throw fail("scoreDecimals", "must be 0–6") }
            rules.scoreDecimals = d
        }
        if let d = document.displayRateDecimals {
            guard (0...6).contains(d) else { throw fail("displayRateDecimals", "must be 0–6") }
            rules.displayRateDecimals = d
        }
        if let tz = document.timeZone {
            guard let seconds = parseOffset(tz) else { throw fail("timeZone", "must be a UTC offset like \"+08:00\", not \"\(tz)\"") }
            rules.utcOffsetSeconds = seconds
        }
        if let empty = document.emptyUnit {
            guard let score = empty.score, let s = Rational(decimal: score.description) else { throw fail("emptyUnit.score", "required, a number") }
            guard let grade = empty.grade, !grade.isEmpty else { throw fail("emptyUnit.grade", "required, a non-empty string") }
            rules.emptyUnit = EmptyUnit(score: s, grade: grade)
        }
        if let grades = document.grades {
            guard !grades.isEmpty else { throw fail("grades", "must list at least one grade") }
            var bounds: [GradeBound] = []
            for (i, g) in grades.enumerated() {
                guard let grade = g.grade, !grade.isEmpty else { throw fail("grades[\(i)].grade", "required, a non-empty string") }
                var minimum: Rational? = nil
                if let m = g.min {
                    guard let r = Rational(decimal: m.description) else { throw fail("grades[\(i)].min", "not a plain decimal number") }
                    if let previous = bounds.last?.minimum, r >= previous {
                        throw fail("grades[\(i)].min", "bounds must decrease from the best grade to the worst")
                    }
                    minimum = r
                } else if i != grades.count - 1 {
                    throw fail("grades[\(i)].min", "only the last grade may have no minimum")
                }
                bounds.append(GradeBound(grade: grade, minimum: minimum))
            }
            rules.grades = bounds
        }
        if top.keys.contains("channel") { rules.channel = document.channel }
        if let adjustments = document.adjustments {
            rules.adjustments = try decodeAdjustments(adjustments, raw: top["adjustments"], grades: rules.grades, fail: fail)
        } else {
            // The default points, for the grades this rule set has.
            rules.adjustments.grades.removeAll { bound in !rules.grades.contains { $0.grade == bound.grade } }
        }
        return rules
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
          "adjustments": \(adjustmentsJSON(num))
        }

        """
    }

    private func adjustmentsJSON(_ num: (Rational) -> String) -> String {
        let known = adjustments.grades.filter { bound in self.grades.contains { $0.grade == bound.grade } }
        let grades = known.map { "\(JSONString.quoted($0.grade)): \(num($0.points))" }.joined(separator: ", ")
        var out = "{\"grades\": {\(grades)}, \"overdueTicket\": \(num(adjustments.overdueTicket))"
        if let label = adjustments.label { out += ", \"label\": \(JSONString.quoted(label))" }
        return out + "}"
    }

    private static func decodeAdjustments(_ document: AdjustmentsDocument, raw: Any?, grades: [GradeBound],
                                          fail: (String, String) -> RuleSetError) throws(RuleSetError) -> Adjustments {
        if let object = raw as? [String: Any] {
            for key in object.keys.sorted() where !knownAdjustmentKeys.contains(key) {
                throw fail("adjustments.\(key)", "unknown field (known: \(knownAdjustmentKeys.sorted().joined(separator: ", ")))")
            }
        }
        var result = Adjustments.standard
        if let points = document.grades {
            let names = grades.map(\.grade)
            var list: [GradePoints] = []
            for key in points.keys.sorted() {
                guard let index = names.firstIndex(of: key) else {
                    throw fail("adjustments.grades.\(key)", "no such grade (grades: \(names.joined(separator: ", ")))")
                }
                guard let r = Rational(decimal: points[key]!.description) else {
                    throw fail("adjustments.grades.\(key)", "not a plain decimal number")
                }
                list.append(GradePoints(grade: names[index], points: r))
            }
            result.grades = list.sorted { names.firstIndex(of: $0.grade)! < names.firstIndex(of: $1.grade)! }
        }
        if let value = document.overdueTicket {
            guard let r = Rational(decimal: value.description) else { throw fail("adjustments.overdueTicket", "not a plain decimal number") }
            result.overdueTicket = r
        }
        if let label = document.label {
            guard !label.isEmpty else { throw fail("adjustments.label", "must not be empty") }
            result.label = label
        }
        return result
    }

    private struct Document: Decodable {
        var name: String?
        var attribution: String?
        var satisfaction: String?
        var weights: WeightsDocument?
        var rateDecimals: Int?
        var scoreDecimals: Int?
        var displayRateDecimals: Int?
        var timeZone: String?
        var emptyUnit: EmptyDocument?
        var grades: [GradeDocument]?
        var channel: String?
        var description: String?
        var adjustments: AdjustmentsDocument?
    }

    private struct AdjustmentsDocument: Decodable {
        var grades: [String: Decimal]?
        var overdueTicket: Decimal?
        var label: String?
    }

    private struct WeightsDocument: Decodable {
        var done: Decimal?
        var onTime: Decimal?
        var rework: Decimal?
        var satisfaction: Decimal?
    }

    private struct EmptyDocument: Decodable {
        var score: Decimal?
        var grade: String?
    }

    private struct GradeDocument: Decodable {
        var grade: String?
        var min: Decimal?
    }
}

extension RuleSetError {
    static func from(_ error: DecodingError, source: String) -> RuleSetError {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out
        }
        switch error {
        case .typeMismatch(let type, let context):
            let expected = type == Decimal.self ? "a number" : type == String.self ? "a string" : type == Int.self ? "a whole number"
                : type == [String: Any].self ? "an object" : type == [Any].self ? "an array" : "\(type)"
            return RuleSetError(source: source, field: path(context.codingPath), message: "must be \(expected)")
        case .valueNotFound(_, let context):
            return RuleSetError(source: source, field: path(context.codingPath), message: "must not be null")
        case .keyNotFound(let key, let context):
            return RuleSetError(source: source, field: path(context.codingPath + [key]), message: "required")
        case .dataCorrupted(let context):
            return RuleSetError(source: source, field: path(context.codingPath), message: context.debugDescription)
        @unknown default:
            return RuleSetError(source: source, field: "", message: "\(error)")
        }
    }
}
