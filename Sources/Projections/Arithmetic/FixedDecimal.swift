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

    // Of the same scale (every score and rate of a rule set), the units compare as the values.
    public static func == (a: FixedDecimal, b: FixedDecimal) -> Bool {
        a.scale == b.scale ? a.units == b.units : a.rational == b.rational
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(rational) }

    public static func < (a: FixedDecimal, b: FixedDecimal) -> Bool {
        a.scale == b.scale ? a.units < b.units : a.rational < b.rational
    }

    /// The digits with exactly ``scale`` fraction digits: `98.80`, `95.0`, `100`.
    public var description: String {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``description``'s bytes to `out`.
    package func write(into out: inout [UInt8]) {
        Self.write(units, scale: scale, into: &out)
    }

    /// Appends an integer's decimal digits to `out`, as ``description`` writes a whole number.
    package static func write(_ value: Int, into out: inout [UInt8]) {
        write(Int128(value), scale: 0, into: &out)
    }

    /// Appends `units / 10^scale` to `out` with exactly `scale` fraction digits.
    private static func write(_ units: Int128, scale: Int, into out: inout [UInt8]) {
        if units < 0 { out.append(UInt8(ascii: "-")) }
        // The digits, least significant first (39 at most), with at least one before the point.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(40, scale + 1)) { digits in
            var count = 0
            var magnitude = units.magnitude
            while magnitude > UInt128(UInt64.max) {
                let (quotient, digit) = magnitude.quotientAndRemainder(dividingBy: 10)
                digits[count] = UInt8(ascii: "0") + UInt8(digit)
                count += 1
                magnitude = quotient
            }
            // The rest in 64 bits, where the processor divides.
            var small = UInt64(magnitude)
            repeat {
                digits[count] = UInt8(ascii: "0") + UInt8(small % 10)
                count += 1
                small /= 10
            } while small > 0
            while count <= scale {
                digits[count] = UInt8(ascii: "0")
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) {
                if i == scale - 1 { out.append(UInt8(ascii: ".")) }
                out.append(digits[i])
            }
        }
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
