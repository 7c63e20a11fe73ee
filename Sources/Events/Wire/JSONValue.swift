/// A JSON value: numbers keep their text (so that no digit is lost on the way to an exact
/// number or back to a line) and objects keep their members in order.
///
/// Two readers fill it. ``parse(_:)`` reads a whole document (a rule file, an import mapping,
/// a bulletin configuration) and favours exact messages over speed: unlike Foundation's
/// `JSONSerialization` and `JSONDecoder`, which silently keep one of two members with the same
/// key, it refuses a repeated key, naming its field path. ``parseObject(_:)`` reads a log line
/// that ``JSONScanner`` has already accepted, to carry an ``Event`` through `Codable`; the log's
/// hot paths never build one.
package enum JSONValue: Sendable, Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    package static func == (a: JSONValue, b: JSONValue) -> Bool {
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
    package struct ParseError: Error, CustomStringConvertible {
        package var field: String
        package var message: String

        /// `field 'channels[0].order': duplicate key (…)`, or the message alone for a syntax error.
        package var description: String { field.isEmpty ? message : "field '\(field)': \(message)" }
    }

    /// The member `key` of an object, if present.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Parses a whole document.
    package static func parse(_ text: String) throws(ParseError) -> JSONValue {
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

        mutating func value(path: String, depth: Int) throws(ParseError) -> JSONValue {
            guard depth < 64 else { throw error("nesting too deep") }
            guard let c = peek else { throw error("a value expected, found the end of the file") }
            switch c {
            case "{":
                index += 1
                var members: [(key: String, value: JSONValue)] = []
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
                var elements: [JSONValue] = []
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

extension JSONValue {
    /// The text of a string, else `nil`.
    package var string: String? { if case .string(let s) = self { s } else { nil } }
    /// A `true` or `false`, else `nil`.
    package var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// A number that is a whole `Int` as written (`12`, not `12.0`), else `nil`.
    package var int: Int? { if case .number(let n) = self { Int(n) } else { nil } }
    /// An array's elements, else `nil`.
    package var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    /// An object's members in order, else `nil`.
    package var members: [(key: String, value: JSONValue)]? { if case .object(let m) = self { m } else { nil } }

    /// Parses a whole document from bytes, which must be UTF-8.
    package static func parse(utf8 bytes: some Collection<UInt8>) throws(ParseError) -> JSONValue {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(field: "", message: "not valid JSON (the file must be UTF-8)")
        }
        return try parse(text)
    }
}
