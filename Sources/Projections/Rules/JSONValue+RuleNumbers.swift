import Events

extension JSONValue {
    /// The largest magnitude a rule number may have.
    static let numberLimit = 1_000_000
    /// The most decimals a rule number may have.
    static let numberDecimals = 6

    /// A JSON number's exact value, if it is within the rule-number bounds: at most
    /// ``numberDecimals`` decimals and at most ``numberLimit`` in magnitude. `nil` otherwise.
    ///
    /// These bounds are what makes every later computation fit in `Int128` (see ``Scorecard``).
    static func boundedRational(_ text: String) -> Rational? {
        var s = Substring(text)
        let negative = s.first == "-"
        if negative { s.removeFirst() }
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let expText = s[s.index(after: e)...]
            // An exponent of more than 4 digits can only leave bounds or make a zero; a zero
            // mantissa is caught below.
            let digitsOnly = expText.drop { $0 == "+" || $0 == "-" }
            guard digitsOnly.count <= 4, let value = Int(expText) else {
                return s[..<e].allSatisfy { $0 == "0" || $0 == "." } ? .zero : nil
            }
            exponent = value
            s = s[..<e]
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        var digits = Array(parts[0] + (parts.count > 1 ? parts[1] : ""))
        var scale = (parts.count > 1 ? parts[1].count : 0) - exponent
        while digits.first == "0" { digits.removeFirst() }
        guard !digits.isEmpty else { return .zero }
        while digits.last == "0" { digits.removeLast(); scale -= 1 }
        // Whole digits: digits.count - scale; at most 7 for 1,000,000.
        guard scale <= numberDecimals, digits.count - scale <= 7 else { return nil }
        var n: Int128 = 0
        for d in digits { n = n * 10 + Int128(d.wholeNumberValue!) }
        for _ in 0..<max(-scale, 0) { n *= 10 }
        var denominator: Int128 = 1
        for _ in 0..<max(scale, 0) { denominator *= 10 }
        let value = Rational(negative ? -n : n, denominator)
        let limit = Rational(numberLimit)
        guard value <= limit, value >= .zero - limit else { return nil }
        return value
    }
}
