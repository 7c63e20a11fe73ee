/// A decimal number with a fixed count of fraction digits: `units / 10^scale`.
///
/// This is how rates and scores are stored and printed once rounded: `97.4`, `20.83`,
/// `98.80`. Equality and ordering are numeric (`95` equals `95.0`). A value comes from
/// rounding a ``Rational`` (``Rational/rounded(decimals:)``) or from parsing a literal.
public struct FixedDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The value times `10^scale`.
    public var units: Int128
    /// The number of fraction digits.
    public var scale: Int

    /// The exact value.
    public var rational: Rational {
        var d: Int128 = 1
        for _ in 0..<scale { d *= 10 }
        return Rational(units, d)
    }

    public static func == (a: FixedDecimal, b: FixedDecimal) -> Bool { a.rational == b.rational }

    public func hash(into hasher: inout Hasher) { hasher.combine(rational) }

    public static func < (a: FixedDecimal, b: FixedDecimal) -> Bool { a.rational < b.rational }

    /// The digits with exactly ``scale`` fraction digits: `98.80`, `95.0`, `100`.
    public var description: String {
        let negative = units < 0
        var digits = String(units.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return negative ? "-" + digits : digits
    }

    /// The shortest form without trailing fraction zeros: `95`, `97.4`, `98.8`.
    public var trimmed: String {
        var text = description
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}

extension FixedDecimal {
    /// Parses a decimal literal (`95`, `20.83`, `-0.5`), keeping its number of digits.
    public init?(_ text: String) {
        guard let value = Rational(decimal: text) else { return nil }
        let scale = text.split(separator: ".").dropFirst().first?.count ?? 0
        self = value.rounded(decimals: scale)
    }
}
