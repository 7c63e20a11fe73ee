#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decimal numbers in report JSON: written through Foundation's `Decimal`, so an encoder
/// prints the digits (`95.5`, `87.21`) rather than a binary floating-point approximation.
enum ReportNumber {
    static func encode<Key: CodingKey>(_ value: FixedDecimal, forKey key: Key,
                                       in container: inout KeyedEncodingContainer<Key>) throws {
        guard let decimal = Decimal(string: value.description, locale: Locale(identifier: "en_US_POSIX")) else {
            throw EncodingError.invalidValue(value.description, .init(codingPath: container.codingPath + [key],
                                                                      debugDescription: "not a decimal number"))
        }
        try container.encode(decimal, forKey: key)
    }

    static func decode<Key: CodingKey>(_ key: Key, in container: KeyedDecodingContainer<Key>) throws -> FixedDecimal {
        let decimal = try container.decode(Decimal.self, forKey: key)
        var text = decimal.description
        if text.hasPrefix(".") { text = "0" + text }
        if text.hasPrefix("-.") { text = "-0" + text.dropFirst() }
        guard let fixed = FixedDecimal(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a decimal number: \(text)")
        }
        return fixed
    }

    /// A rate without rules to round it by: exact when it has at most 10 decimals, else rounded to 10.
    static func exact(_ rate: Rational) -> FixedDecimal {
        for decimals in 0...10 {
            let rounded = rate.rounded(decimals: decimals)
            if rounded.rational == rate { return rounded }
        }
        return rate.rounded(decimals: 10)
    }
}
