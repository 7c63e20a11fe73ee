extension String {
    /// Whether the text holds a control character (U+0000–U+001F, U+007F–U+009F: the ones
    /// ``escapingControlCharacters(keepingLayout:)`` writes as escapes).
    package var containsControlCharacters: Bool { unicodeScalars.contains(where: Self.isControl) }

    /// Whether `scalar` is a control character (general category Cc).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) }

    /// The text with its control characters (U+0000–U+001F, U+007F–U+009F) written out as
    /// escapes, so that text from a log, a roster or a rule file cannot move a terminal's cursor,
    /// change its colours or forge a line of a report: `\n`, `\r` and `\t` as those two
    /// characters, the others as `\u001B`.
    ///
    /// - Parameter keepingLayout: Keep line feeds, carriage returns and tabs as they are (a
    ///   rendered report's own layout); escape only the others.
    package func escapingControlCharacters(keepingLayout: Bool = false) -> String {
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            guard Self.isControl(scalar) else { return false }
            return !(keepingLayout && (scalar == "\n" || scalar == "\r" || scalar == "\t"))
        }
        guard unicodeScalars.contains(where: isControl) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 8)
        for scalar in unicodeScalars {
            guard isControl(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out
    }
}
