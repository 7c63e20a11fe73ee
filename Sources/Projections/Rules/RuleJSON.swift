import Events

/// A JSON value as a rule file holds it: numbers keep their text (so that no digit is lost on
/// the way to an exact ``Rational``) and objects keep their members in order.
///
/// Rule files are small; this parser favours exact messages over speed. Unlike Foundation's
/// `JSONSerialization` and `JSONDecoder`, which silently keep one of two members with the same
/// key, it refuses a repeated key, naming its field path.
enum RuleJSON: Equatable {
    case object([(key: String, value: RuleJSON)])
    case array([RuleJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (a: RuleJSON, b: RuleJSON) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): x == y
        case (.string(let x), .string(let y)), (.number(let x), .number(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        default: false
        }
    }

    /// A syntax error (`field` empty, message with line and column) or a repeated key (`field`
    /// its path).
    struct ParseError: Error {
        var field: String
        var message: String
    }

    /// The member `key` of an object, if present.
    subscript(key: String) -> RuleJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Parses a whole document.
    static func parse(_ text: String) throws(ParseError) -> RuleJSON {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        parser.skipWhitespace()
        let value = try parser.value(path: "", depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.scalars.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(scalars: [Unicode.Scalar]) {
            self.scalars = scalars
            if scalars.first == "\u{FEFF}" { index = 1 }
        }

        func error(_ message: String) -> ParseError {
            var line = 1, column = 1
            for s in scalars[..<min(index, scalars.count)] {
                if s == "\n" { line += 1; column = 1 } else { column += 1 }
            }
            return ParseError(field: "", message: "not valid JSON (line \(line), column \(column): \(message))")
        }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func skipWhitespace() {
            while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" { index += 1 }
        }

        static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

        mutating func value(path: String, depth: Int) throws(ParseError) -> RuleJSON {
            guard depth < 64 else { throw error("nesting too deep") }
            guard let c = peek else { throw error("a value expected, found the end of the file") }
            switch c {
            case "{":
                index += 1
                var members: [(key: String, value: RuleJSON)] = []
                skipWhitespace()
                if peek == "}" { index += 1; return .object(members) }
                while true {
                    skipWhitespace()
                    guard peek == "\"" else { throw error("a quoted key expected") }
                    let key = try string()
                    let field = Parser.join(path, key)
                    if members.contains(where: { $0.key == key }) {
                        throw ParseError(field: field, message: "duplicate key (each key may appear only once in an object)")
                    }
                    skipWhitespace()
                    guard peek == ":" else { throw error("':' expected after a key") }
                    index += 1
                    skipWhitespace()
                    members.append((key, try value(path: field, depth: depth + 1)))
                    skipWhitespace()
                    guard let next = peek else { throw error("unterminated object") }
                    index += 1
                    if next == "}" { return .object(members) }
                    guard next == "," else { index -= 1; throw error("',' or '}' expected") }
                }
            case "[":
                index += 1
                var elements: [RuleJSON] = []
                skipWhitespace()
                if peek == "]" { index += 1; return .array(elements) }
                while true {
                    skipWhitespace()
                    elements.append(try value(path: path + "[\(elements.count)]", depth: depth + 1))
                    skipWhitespace()
                    guard let next = peek else { throw error("unterminated array") }
                    index += 1
                    if next == "]" { return .array(elements) }
                    guard next == "," else { index -= 1; throw error("',' or ']' expected") }
                }
            case "\"":
                return .string(try string())
            case "-", "0"..."9":
                return .number(try number())
            case "t": try literal("true"); return .bool(true)
            case "f": try literal("false"); return .bool(false)
            case "n": try literal("null"); return .null
            default:
                throw error("unexpected character '\(c)'")
            }
        }

        mutating func literal(_ word: String) throws(ParseError) {
            for s in word.unicodeScalars {
                guard peek == s else { throw error("unexpected character, expected '\(word)'") }
                index += 1
            }
        }

        mutating func digits() -> Int {
            let start = index
            while let c = peek, ("0"..."9").contains(c) { index += 1 }
            return index - start
        }

        mutating func number() throws(ParseError) -> String {
            let start = index
            if peek == "-" { index += 1 }
            guard let first = peek, ("0"..."9").contains(first) else { throw error("invalid number") }
            if first == "0" { index += 1 } else { _ = digits() }
            if peek == "." {
                index += 1
                guard digits() > 0 else { throw error("invalid number: digits expected after '.'") }
            }
            if peek == "e" || peek == "E" {
                index += 1
                if peek == "+" || peek == "-" { index += 1 }
                guard digits() > 0 else { throw error("invalid number: digits expected in the exponent") }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars[start..<index])
            return text
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let c = peek, c.properties.isASCIIHexDigit, let d = UInt32(String(c), radix: 16) else {
                    throw error("invalid \\u escape")
                }
                v = v * 16 + d
                index += 1
            }
            return v
        }

        mutating func string() throws(ParseError) -> String {
            index += 1
            var out = String.UnicodeScalarView()
            while true {
                guard let c = peek else { throw error("unterminated string") }
                index += 1
                switch c {
                case "\"":
                    return String(out)
                case "\\":
                    guard let e = peek else { throw error("unterminated string") }
                    index += 1
                    switch e {
                    case "u":
                        var v = try hex4()
                        if (0xD800...0xDBFF).contains(v) {
                            guard peek == "\\", index + 1 < scalars.count, scalars[index + 1] == "u" else {
                                throw error("a lone surrogate \\u escape is not text")
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("a lone surrogate \\u escape is not text") }
                            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(v) {
                            throw error("a lone surrogate \\u escape is not text")
                        }
                        out.append(Unicode.Scalar(v)!)
                    default:
                        guard e.isASCII, let byte = JSONString.unescaped(UInt8(e.value)) else {
                            index -= 1
                            throw error("invalid escape sequence")
                        }
                        out.append(Unicode.Scalar(byte))
                    }
                default:
                    guard c.value >= 0x20 else { index -= 1; throw error("control character in a string (must be escaped)") }
                    out.append(c)
                }
            }
        }
    }
}

extension RuleJSON {
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
