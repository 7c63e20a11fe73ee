import CLedgerScan

/// The kind of a JSON value, as far as the ledger needs to know it.
package enum JSONValueKind: UInt8, Sendable {
    case string, number, object, array, bool, null
}

/// One member (`"key": value`) of the top-level object of a JSON line, located by byte offsets.
///
/// Offsets are into the line the scanner was given; nothing is copied or decoded.
package struct JSONMember: Sendable {
    /// Offset of the opening quote of the key.
    package var start: Int
    /// The key's bytes between its quotes (still escaped if ``keyEscaped``).
    package var key: Range<Int>
    /// The value's bytes; for a string, between its quotes.
    package var value: Range<Int>
    /// The value's kind.
    package var kind: JSONValueKind
    /// Whether the key contains a backslash escape.
    package var keyEscaped: Bool
    /// Whether the string value contains a backslash escape.
    package var valueEscaped: Bool
    /// Whether the string value contains bytes outside ASCII.
    package var valueNonASCII: Bool
}

/// A JSON syntax error at a byte column of a line.
package struct JSONSyntaxError: Error, Sendable, Equatable {
    /// Zero-based byte offset where the problem was found.
    package var offset: Int
    /// What was wrong.
    package var message: String
}

/// A validating scanner for a single JSON object on one line (JSON Lines).
///
/// It checks the whole line against RFC 8259 (including UTF-8 validity inside strings and
/// nested values, and that every `\u` escape is text: a lone UTF-16 surrogate is refused, as
/// I-JSON, RFC 7493, requires) and records where each top-level member sits, so a caller can decode only the
/// fields it needs. It never allocates except to grow the caller's member buffer.
package enum JSONScanner {
    /// The deepest nesting accepted inside a member value.
    package static let maximumDepth = 64

    /// Scans one line holding a JSON object.
    /// - Parameters:
    ///   - line: The line's bytes without the terminating newline.
    ///   - members: Cleared, then filled with the object's top-level members in order.
    /// - Throws: ``JSONSyntaxError`` naming the byte offset of the first problem.
    /// - Complexity: O(n) in the line length.
    package static func scanObject(_ line: UnsafeRawBufferPointer, into members: inout [JSONMember]) throws(JSONSyntaxError) {
        members.removeAll(keepingCapacity: true)
        var cursor = Cursor(bytes: line)
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "{") else {
            if line.starts(with: [0xEF, 0xBB, 0xBF]) {
                throw cursor.error("expected '{' to start an object, found a UTF-8 byte-order mark (EF BB BF): "
                                   + "JSON Lines are written without one (save the file as UTF-8 without BOM)")
            }
            throw cursor.error(cursor.atEnd ? "empty line, expected a JSON object" : "expected '{' to start an object")
        }
        cursor.index += 1
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.index += 1
        } else {
            while true {
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.error("expected a quoted key") }
                let start = cursor.index
                let key: (range: Range<Int>, escaped: Bool, nonASCII: Bool)
                do {
                    key = try cursor.scanString()
                } catch where error.message.hasPrefix(Cursor.loneSurrogatePrefix) {
                    throw JSONSyntaxError(offset: error.offset, message: "a key holds a \(error.message)")
                }
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: ":") else { throw cursor.error("expected ':' after a key") }
                cursor.index += 1
                cursor.skipWhitespace()
                let scanned: (JSONValueKind, Range<Int>, Bool, Bool)
                do {
                    scanned = try cursor.scanValue(depth: 1)
                } catch where error.message.hasPrefix(Cursor.loneSurrogatePrefix) {
                    // Name the member: the value is not text, so the field cannot be read.
                    let name = JSONString.decode(UnsafeRawBufferPointer(rebasing: line[key.range]), escaped: key.escaped)
                    throw JSONSyntaxError(offset: error.offset, message: "field '\(name)' holds a \(error.message)")
                }
                let (kind, value, escaped, nonASCII) = scanned
                members.append(JSONMember(start: start, key: key.range, value: value, kind: kind,
                                          keyEscaped: key.escaped, valueEscaped: escaped, valueNonASCII: nonASCII))
                cursor.skipWhitespace()
                guard let c = cursor.peek() else { throw cursor.error("unterminated object") }
                cursor.index += 1
                if c == UInt8(ascii: "}") { break }
                guard c == UInt8(ascii: ",") else {
                    cursor.index -= 1
                    throw cursor.error("expected ',' or '}' after a value")
                }
            }
        }
        cursor.skipWhitespace()
        if !cursor.atEnd { throw cursor.error("unexpected text after the object") }
    }
}

/// The scanner's position in a line.
struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, message: message) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            let c = bytes[index]
            guard c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A else { return }
            index += 1
        }
    }

    /// Scans a string starting at its opening quote; returns the range between the quotes.
    ///
    /// Plain ASCII is skipped eight bytes at a time: a word is let through only when none of
    /// its bytes is a quote, a backslash, a control character or a non-ASCII byte (SWAR tests;
    /// a borrow can only flag bytes above a real hit, so the lowest flagged byte is the first
    /// one that needs a closer look). Everything else
    /// goes through the byte-by-byte checks, with an inline fast path for three-byte UTF-8
    /// (CJK text).
    mutating func scanString() throws(JSONSyntaxError) -> (range: Range<Int>, escaped: Bool, nonASCII: Bool) {
        index += 1
        let start = index
        var escaped = false
        var nonASCII = false
        let count = bytes.count
        guard let base = bytes.baseAddress else { throw error("unterminated string") }
        var i = index
        while true {
            i = Cursor.skipPlainASCII(base, from: i, limit: count)
            guard i < count else { break }
            let c = bytes[i]
            if c == 0x22 {
                index = i + 1
                return (start..<i, escaped, nonASCII)
            } else if c == 0x5C {
                escaped = true
                i += 1
                guard i < count else { break }
                switch bytes[i] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
                    i += 1
                case 0x75:
                    guard i + 4 < count else { index = count; throw error("unterminated \\u escape") }
                    for k in 1...4 where !Cursor.isHex(bytes[i + k]) {
                        index = i + k
                        throw error("invalid \\u escape")
                    }
                    // A UTF-16 surrogate is text only as a high one followed at once by a low one.
                    let unit = Cursor.hexValue(base, at: i + 1)
                    if unit & 0xF800 == 0xD800 {
                        guard unit < 0xDC00, i + 10 < count, bytes[i + 5] == 0x5C, bytes[i + 6] == 0x75,
                              (i + 7...i + 10).allSatisfy({ Cursor.isHex(bytes[$0]) }),
                              Cursor.hexValue(base, at: i + 7) & 0xFC00 == 0xDC00
                        else {
                            index = i - 1
                            throw error(Cursor.loneSurrogate(unit))
                        }
                        i += 6
                    }
                    i += 5
                default:
                    index = i
                    throw error("invalid escape sequence")
                }
            } else if c < 0x20 {
                index = i
                throw error("control character in a string (must be escaped)")
            } else if c < 0x80 {
                i += 1
            } else {
                nonASCII = true
                // E1–EC and EE–EF lead bytes with two continuation bytes: most CJK characters.
                if i + 3 <= count, (c >= 0xE1 && c <= 0xEC) || c >= 0xEE && c <= 0xEF,
                   bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80 {
                    i += 3
                } else {
                    index = i
                    try scanUTF8Sequence()
                    i = index
                }
            }
        }
        index = count
        throw error("unterminated string")
    }

    /// The first offset at or after `i` (below `limit`, sixteen bytes at a time with the vector
    /// instructions, then eight) whose byte is a quote, a backslash, a control character or
    /// non-ASCII; `limit` rounded down to the last whole word when none is found, so the caller
    /// finishes byte by byte. A word is let through only when none of its bytes is special
    /// (SWAR tests; a borrow can only flag bytes above a real hit, so the lowest flagged byte is
    /// the first one that needs a closer look).
    @inline(__always)
    static func skipPlainASCII(_ base: UnsafeRawPointer, from start: Int, limit: Int) -> Int {
        var i = start
        // Sixteen bytes a step where the processor has the vector instructions, then words.
        if ledger_scan_has_vectors() != 0 {
            while i + 16 <= limit {
                let first = Int(ledger_first_special16(base + i))
                if first < 16 { return i + first }
                i += 16
            }
        }
        while i + 8 <= limit {
            let hits = specialBytes(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            if hits != 0 { return i + hits.trailingZeroBitCount >> 3 }
            i += 8
        }
        return i
    }

    /// Whether the 64 bytes at `start` are all ones ``skipPlainASCII(_:from:limit:)`` passes
    /// over, tested together (a sealed line's chain value: one branch instead of eight): four
    /// vectors with the vector instructions, eight words without.
    @inline(__always)
    static func isPlainASCII64(_ start: UnsafeRawPointer) -> Bool {
        if ledger_scan_has_vectors() != 0 { return ledger_any_special64(start) == 0 }
        var hits: UInt64 = 0
        for k in 0..<8 {
            hits |= specialBytes(UInt64(littleEndian: start.loadUnaligned(fromByteOffset: k &* 8, as: UInt64.self)))
        }
        return hits == 0
    }

    /// The high bit of each byte of `w` that is a quote, a backslash, a control character or
    /// non-ASCII (and possibly of bytes above such a one: a borrow runs upwards only).
    @inline(__always)
    private static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = w ^ 0x2222_2222_2222_2222
        let backslash = w ^ 0x5C5C_5C5C_5C5C_5C5C
        let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | (w &- 0x2020_2020_2020_2020) | w
        return special & 0x8080_8080_8080_8080
    }

    /// The value of four hex digits at `offset` (already checked).
    static func hexValue(_ base: UnsafeRawPointer, at offset: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 {
            let h = base.load(fromByteOffset: offset + k, as: UInt8.self)
            v = v << 4 | (h <= 0x39 ? UInt32(h &- 0x30) : UInt32((h | 0x20) &- 0x61 &+ 10))
        }
        return v
    }

    /// The start of the message for a `\u` escape of half a UTF-16 surrogate pair.
    static let loneSurrogatePrefix = "lone surrogate"

    static func loneSurrogate(_ unit: UInt32) -> String {
        let rule = unit < 0xDC00 ? "a high surrogate must be followed at once by a low one, \\udc00–\\udfff"
                                 : "a low surrogate must follow a high one, \\ud800–\\udbff"
        return "\(loneSurrogatePrefix) \\u\(String(unit, radix: 16)) (\(rule)): half a UTF-16 pair is not text"
    }

    static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    /// Validates one multi-byte UTF-8 sequence at `index` (RFC 3629: no overlongs, no surrogates).
    mutating func scanUTF8Sequence() throws(JSONSyntaxError) {
        let c = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw error("invalid UTF-8")
        }
        guard index + length <= bytes.count else { throw error("invalid UTF-8 (truncated sequence)") }
        let second = bytes[index + 1]
        guard second >= lower && second <= upper else { throw error("invalid UTF-8") }
        if length > 2 {
            for k in 2..<length where bytes[index + k] & 0xC0 != 0x80 {
                throw error("invalid UTF-8")
            }
        }
        index += length
    }

    mutating func scanNumber() throws(JSONSyntaxError) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first >= 0x30 && first <= 0x39 else { throw error("invalid number") }
        index += 1
        if first != 0x30 { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw error("invalid number: digits expected after '.'") }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw error("invalid number: digits expected in exponent") }
        }
    }

    @discardableResult
    mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        return index - start
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let n = literal.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw error("invalid literal") }
        let p = literal.utf8Start
        for k in 0..<n where bytes[index + k] != p[k] {
            throw error("invalid literal")
        }
        index += n
    }

    /// Scans any value; returns its kind and range (a string's range excludes the quotes).
    mutating func scanValue(depth: Int) throws(JSONSyntaxError) -> (JSONValueKind, Range<Int>, Bool, Bool) {
        guard let c = peek() else { throw error("missing value") }
        let start = index
        switch c {
        case UInt8(ascii: "\""):
            let s = try scanString()
            return (.string, s.range, s.escaped, s.nonASCII)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
            return (.number, start..<index, false, false)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return (.bool, start..<index, false, false)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return (.bool, start..<index, false, false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return (.null, start..<index, false, false)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < JSONScanner.maximumDepth else { throw error("nesting too deep") }
            try scanContainer(depth: depth)
            return (c == UInt8(ascii: "{") ? .object : .array, start..<index, false, false)
        default:
            throw error("unexpected character, expected a value")
        }
    }

    mutating func scanContainer(depth: Int) throws(JSONSyntaxError) {
        let isObject = bytes[index] == UInt8(ascii: "{")
        let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        index += 1
        skipWhitespace()
        if peek() == close {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            if isObject {
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                _ = try scanString()
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                index += 1
                skipWhitespace()
            }
            _ = try scanValue(depth: depth + 1)
            skipWhitespace()
            guard let c = peek() else { throw error(isObject ? "unterminated object" : "unterminated array") }
            index += 1
            if c == close { return }
            guard c == UInt8(ascii: ",") else {
                index -= 1
                throw error(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        }
    }
}
