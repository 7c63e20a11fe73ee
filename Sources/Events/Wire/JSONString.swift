/// Decoding and encoding of JSON string contents.
package enum JSONString {
    /// Decodes the bytes between a string's quotes, resolving escapes (including surrogate pairs).
    ///
    /// The bytes must already have passed ``JSONScanner``, which refuses lone surrogates (they
    /// are not text); should one reach here anyway, it becomes U+FFFD.
    package static func decode(_ bytes: UnsafeRawBufferPointer, escaped: Bool) -> String {
        guard escaped else { return String(decoding: bytes, as: UTF8.self) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        var pendingHigh: UInt32? = nil
        func appendScalar(_ v: UInt32) {
            let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
            out.append(contentsOf: String(Character(scalar)).utf8)
        }
        func flushPending() {
            if pendingHigh != nil { appendScalar(0xFFFD); pendingHigh = nil }
        }
        while i < bytes.count {
            let c = bytes[i]
            guard c == 0x5C, i + 1 < bytes.count else {
                flushPending()
                out.append(c)
                i += 1
                continue
            }
            let e = bytes[i + 1]
            if e == UInt8(ascii: "u"), i + 6 <= bytes.count {
                var v: UInt32 = 0
                for k in 2...5 {
                    let h = bytes[i + k]
                    let d: UInt32 = h <= 0x39 ? UInt32(h - 0x30) : UInt32((h | 0x20) - 0x61 + 10)
                    v = v << 4 | d
                }
                i += 6
                if (0xD800...0xDBFF).contains(v) {
                    flushPending()
                    pendingHigh = v
                } else if (0xDC00...0xDFFF).contains(v) {
                    if let high = pendingHigh {
                        appendScalar(0x10000 + ((high - 0xD800) << 10) + (v - 0xDC00))
                        pendingHigh = nil
                    } else {
                        appendScalar(0xFFFD)
                    }
                } else {
                    flushPending()
                    appendScalar(v)
                }
                continue
            }
            flushPending()
            // JSONScanner let only valid escapes through.
            out.append(Self.unescaped(e) ?? e)
            i += 2
        }
        flushPending()
        return String(decoding: out, as: UTF8.self)
    }

    /// The character a two-character escape stands for, by the byte after the backslash (`n` →
    /// line feed, `"` → `"`, …; RFC 8259's `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`), or `nil`
    /// when that is no such escape (`u` included: its four hex digits follow).
    @inline(__always)
    package static func unescaped(_ letter: UInt8) -> UInt8? {
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): letter
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }

    /// Writes `text` as a quoted JSON string, escaping what RFC 8259 requires.
    package static func quote(_ text: String, into out: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        quote(text, into: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// ``quote(_:into:)`` writing UTF-8 bytes: `"`, `\\`, line feed, carriage return and tab
    /// as two-character escapes, other control characters as `\u00XX` (a control character is a
    /// byte below 0x20 in UTF-8, and no byte of a longer character is).
    package static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(byte)
            case UInt8(ascii: "\\"): out.append(byte); out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let digits: StaticString = "0123456789abcdef"
                out.append(contentsOf: "\\u00".utf8)
                out.append(digits.utf8Start[Int(byte >> 4)])
                out.append(digits.utf8Start[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Returns `text` as a quoted JSON string.
    package static func quoted(_ text: String) -> String {
        var out = ""
        quote(text, into: &out)
        return out
    }
}
