/// A coding key for any member name of a JSON object: a log line's `Codable` form, and the
/// JSON of reports (`ledger-cli replay --format json` and the rest), whose member names are
/// written as literals.
package struct MemberKey: CodingKey, ExpressibleByStringLiteral {
    package var stringValue: String
    package var intValue: Int? { nil }
    package init(_ string: String) { stringValue = string }
    package init?(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { nil }
    package init(stringLiteral value: String) { stringValue = value }
}
