/// An exact fraction, used for every rate and score so that published roundings reproduce.
///
/// Binary floating point cannot represent 97.35 and rounds it the wrong way; a fraction of
/// 128-bit integers can, and is plenty for counts, percentages and weights.
public struct Rational: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The numerator; carries the sign.
    public private(set) var numerator: Int128
    /// The denominator; always positive.
    public private(set) var denominator: Int128

    /// Creates `numerator / denominator`, reduced. The denominator must not be zero.
    public init(_ numerator: Int128, _ denominator: Int128 = 1) {
        precondition(denominator != 0, "zero denominator")
        var n = numerator, d = denominator
        if d < 0 { n = -n; d = -d }
        let g = Rational.gcd(n.magnitude, d.magnitude)
        if g > 1 { n /= Int128(g); d /= Int128(g) }
        self.numerator = n
        self.denominator = d
    }

    /// Creates a whole number.
    public init(_ value: Int) { self.init(Int128(value), 1) }

    /// Parses a plain decimal literal such as `30`, `-0.5` or `89.95` (no exponent).
    public init?(decimal text: String) {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" { negative = true; digits.removeFirst() } else if digits.first == "+" { digits.removeFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty || parts.count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              parts.count == 1 || !parts[1].isEmpty, digits.count <= 30
        else { return nil }
        var n: Int128 = 0
        for c in parts[0] { n = n * 10 + Int128(c.wholeNumberValue!) }
        var d: Int128 = 1
        if parts.count == 2 {
            for c in parts[1] { n = n * 10 + Int128(c.wholeNumberValue!); d *= 10 }
        }
        self.init(negative ? -n : n, d)
    }

    public static let zero = Rational(0)
    public static let one = Rational(1)
    public static let hundred = Rational(100)

    // The operations work on reduced terms (the sum over the least common denominator, the
    // product after cancelling across), so an intermediate value is never larger than the
    // reduced result's numerator or denominator times the other operand's: with the bounds a rule
    // file is held to (at most 6 decimals, at most 1,000,000 in magnitude) and counts below 2^40,
    // every score fits in Int128 with room to spare (see ``Scorecard``). Beyond that, an overflow
    // still stops the process rather than giving a wrong number.

    public static func + (a: Rational, b: Rational) -> Rational {
        if a.denominator == b.denominator { return Rational(a.numerator + b.numerator, a.denominator) }
        let g = Int128(gcd(a.denominator.magnitude, b.denominator.magnitude))
        let (ad, bd) = (a.denominator / g, b.denominator / g)
        return Rational(a.numerator * bd + b.numerator * ad, a.denominator * bd)
    }

    public static func - (a: Rational, b: Rational) -> Rational {
        a + Rational(unreduced: -b.numerator, b.denominator)
    }

    public static func * (a: Rational, b: Rational) -> Rational {
        let g1 = Int128(gcd(a.numerator.magnitude, b.denominator.magnitude))
        let g2 = Int128(gcd(b.numerator.magnitude, a.denominator.magnitude))
        return Rational(unreduced: (a.numerator / g1) * (b.numerator / g2), (a.denominator / g2) * (b.denominator / g1))
    }

    public static func / (a: Rational, b: Rational) -> Rational {
        precondition(b.numerator != 0, "division by zero")
        return a * (b.numerator < 0 ? Rational(unreduced: -b.denominator, -b.numerator) : Rational(unreduced: b.denominator, b.numerator))
    }

    /// A fraction already in lowest terms with a positive denominator (or a zero numerator).
    private init(unreduced numerator: Int128, _ denominator: Int128) {
        if numerator == 0 {
            self.numerator = 0
            self.denominator = 1
        } else {
            self.numerator = numerator
            self.denominator = denominator
        }
    }

    public static func < (a: Rational, b: Rational) -> Bool {
        a.numerator * b.denominator < b.numerator * a.denominator
    }

    /// Rounds half away from zero ("half up" as bulletins and Python's `ROUND_HALF_UP` do)
    /// to `decimals` places.
    public func rounded(decimals: Int) -> FixedDecimal {
        var scale: Int128 = 1
        for _ in 0..<decimals { scale *= 10 }
        // q·scale + round(r·scale / d), with r < d: no intermediate exceeds the result or d·scale.
        let d = denominator.magnitude
        let (q, r) = numerator.magnitude.quotientAndRemainder(dividingBy: d)
        let units = q * scale.magnitude + (r * scale.magnitude * 2 + d) / (d * 2)
        return FixedDecimal(units: numerator < 0 ? -Int128(units) : Int128(units), scale: decimals)
    }

    public var description: String {
        denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)"
    }

    static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        // Counts and rates fit in 64 bits, where the processor divides; 128-bit remainders are
        // a library call each.
        if a <= UInt128(UInt64.max), b <= UInt128(UInt64.max) { return UInt128(euclid(UInt64(a), UInt64(b))) }
        return euclid(a, b)
    }

    /// Euclid's algorithm in the width of `T`.
    private static func euclid<T: FixedWidthInteger & UnsignedInteger>(_ a: T, _ b: T) -> T {
        var a = a, b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
