import Events

/// Date-times as ticket exports write them: `2024/2/3 9:15`, `2024-02-03 09:15:00`,
/// `2024.2.3 9:15:00`, `2024-02-03T09:15`, `2024年2月3日 9:15`, with or without seconds (and a
/// fraction of up to nine digits, or more whose extra digits are zeros), read in a fixed UTC offset; a value with its own offset (`…+08:00`, `…Z`) keeps it.
/// A date alone is read by ``parse(_:offsetSeconds:dateOnly:)`` as the start or the end of the day.
public enum ExportTime {
    /// What a date without a time means.
    public enum DateOnly: Sendable { case refuse, startOfDay, endOfDay }

    /// The offset `+08:00`, `-05:30`, `Z`, `UTC` or `UTC+8` in seconds.
    public static func parseOffset(_ text: String) -> Int32? {
        var t = Substring(text.trimmingSpaces)
        if t == "Z" || t == "UTC" || t == "GMT" { return 0 }
        if t.hasPrefix("UTC") || t.hasPrefix("GMT") { t = t.dropFirst(3) }
        guard let sign = t.first, sign == "+" || sign == "-" else { return nil }
        let body = t.dropFirst()
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let h = Int(parts[0]), h >= 0, h <= 23, parts[0].count <= 2 else { return nil }
        var m = 0
        if parts.count == 2 { guard parts[1].count == 2, let mm = Int(parts[1]), mm < 60 else { return nil }; m = mm }
        let seconds = Int32(h * 3600 + m * 60)
        return sign == "-" ? -seconds : seconds
    }

    /// Parses `text`; `nil` when it is not a date-time of a form above or not a real one (2023-02-29).
    public static func parse(_ text: String, offsetSeconds: Int32, dateOnly: DateOnly = .refuse) -> Timestamp? {
        var copy = text
        return copy.withUTF8 { (b: UnsafeBufferPointer<UInt8>) -> Timestamp? in
            Self.parse(bytes: b, offsetSeconds: offsetSeconds, dateOnly: dateOnly)
        }
    }

    /// Parses UTF-8 bytes (no allocation).
    public static func parse(bytes b: UnsafeBufferPointer<UInt8>, offsetSeconds: Int32, dateOnly: DateOnly = .refuse) -> Timestamp? {
        var i = 0
        let n = b.count
        func number(maxDigits: Int) -> Int? {
            var value = 0, digits = 0
            while i < n, digits < maxDigits, b[i] >= 0x30, b[i] <= 0x39 { value = value * 10 + Int(b[i] - 0x30); i += 1; digits += 1 }
            return digits == 0 ? nil : value
        }
        /// Skips a date separator: `-`, `/`, `.`, or the UTF-8 of 年 / 月 (E5 B9 B4, E6 9C 88).
        func separator() -> Bool {
            guard i < n else { return false }
            if b[i] == 0x2D || b[i] == 0x2F || b[i] == 0x2E { i += 1; return true }
            if i + 2 < n, (b[i] == 0xE5 && b[i + 1] == 0xB9 && b[i + 2] == 0xB4) || (b[i] == 0xE6 && b[i + 1] == 0x9C && b[i + 2] == 0x88) {
                i += 3; return true
            }
            return false
        }
        guard let year = number(maxDigits: 4), i == 4, separator(),
              let month = number(maxDigits: 2), separator(),
              let day = number(maxDigits: 2) else { return nil }
        // 日
        if i + 2 < n, b[i] == 0xE6, b[i + 1] == 0x97, b[i + 2] == 0xA5 { i += 3 }
        let date = CivilDate(year: year, month: month, day: day)
        guard Timestamp.supportedYears.contains(year), date.isValid else { return nil }
        var hour = 0, minute = 0, second = 0, fraction: Int64 = 0
        var offset = offsetSeconds
        if i == n {
            switch dateOnly {
            case .refuse: return nil
            case .startOfDay: break
            case .endOfDay: hour = 23; minute = 59; second = 59
            }
        } else {
            guard b[i] == 0x20 || b[i] == 0x54 || b[i] == 0x74 else { return nil }
            while i < n, b[i] == 0x20 || b[i] == 0x54 || b[i] == 0x74 { i += 1 }
            guard let h = number(maxDigits: 2), i < n, b[i] == 0x3A else { return nil }
            i += 1
            guard let m = number(maxDigits: 2), i < n || true else { return nil }
            hour = h; minute = m
            if i < n, b[i] == 0x3A {
                i += 1
                guard let s = number(maxDigits: 2) else { return nil }
                second = s
                if i < n, b[i] == 0x2E {
                    i += 1
                    var scale: Int64 = 100_000_000, digits = 0, finer = false
                    while i < n, b[i] >= 0x30, b[i] <= 0x39 {
                        if scale > 0 {
                            fraction += Int64(b[i] - 0x30) * scale
                            scale /= 10
                        } else if b[i] != 0x30 {
                            finer = true
                        }
                        i += 1; digits += 1
                    }
                    // A time finer than a nanosecond is refused, not cut (see Timestamp.parseRFC3339).
                    guard digits > 0, !finer else { return nil }
                }
            }
            guard hour <= 23, minute <= 59, second <= 59 else { return nil }
            while i < n, b[i] == 0x20 { i += 1 }
            if i < n {
                let rest = String(decoding: UnsafeBufferPointer(rebasing: b[i...]), as: UTF8.self)
                guard rest == "Z" || rest == "z" || rest.first == "+" || rest.first == "-",
                      let own = parseOffset(rest.uppercased()) else { return nil }
                offset = own
            }
        }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return Timestamp(nanoseconds: seconds * 1_000_000_000 + fraction)
    }
}

extension ExportTime {
    /// Why `text`, which ``parse(_:offsetSeconds:dateOnly:)`` refused, cannot be held although its
    /// form may be right: a year outside `Timestamp.supportedYears`, or a fraction finer than a
    /// nanosecond; `nil` otherwise (then the form is wrong).
    public static func unsupportedReason(_ text: String) -> String? {
        let t = text.trimmingSpaces
        if let year = Int(t.prefix(4)), t.prefix(4).allSatisfy(\.isASCII), t.count > 4, !Timestamp.supportedYears.contains(year) {
            return Timestamp.unsupportedYear(year)
        }
        if let colon = t.lastIndex(of: ":"), let dot = t[colon...].firstIndex(of: ".") {
            let digits = t[t.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            if digits.dropFirst(9).contains(where: { $0 != "0" }) { return Timestamp.finerThanNanoseconds }
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
