extension Timestamp {
    /// Parses an RFC 3339 date-time with a mandatory offset, such as
    /// `2024-02-03T09:15:00+08:00`, `2024-02-03T01:15:00Z` or `2024-02-03T09:15:00.250+08:00`.
    ///
    /// Every field is range-checked (month 1–12, the day against the month's length, leap
    /// years, hour 0–23, minute and second 0–59, offset up to ±23:59), and the year must be
    /// one of ``supportedYears`` (``unsupportedReason(_:)`` says why a valid RFC 3339 text
    /// such as `9999-12-31T23:59:59Z` or `…T23:59:60Z` is refused). Fractional seconds may have
    /// any number of digits, but those past the ninth must be zeros: a finer time is refused
    /// rather than cut (cut, a closure 0.1 ns after its deadline would count as on time).
    /// `t`, `z` and a space separator are accepted as RFC 3339 allows.
    /// - Returns: The instant, or `nil` when the text is not a valid date-time.
    /// - Complexity: O(n) over the bytes, no allocation.
    public static func parseRFC3339(_ bytes: UnsafeRawBufferPointer) -> Timestamp? {
        let n = bytes.count
        guard n >= 20 else { return nil }
        if n == 25 || n == 20, let value = parseCommonForm(bytes) { return value }
        guard let f = RFC3339Fields(bytes), f.isRepresentable else { return nil }
        let days = Int64(CivilDate(year: f.year, month: f.month, day: f.day).daysSinceEpoch)
        let seconds = days * 86_400 + Int64(f.hour * 3600 + f.minute * 60 + f.second) - Int64(f.offset)
        return Timestamp(nanoseconds: seconds * 1_000_000_000 + f.fraction)
    }

    /// The years a timestamp can hold: nanoseconds since 1970 in 64 bits reach from
    /// 1677-09-21 to 2262-04-11, so every instant of these whole years fits, at any offset.
    public static let supportedYears = 1678...2261

    /// Why `text`, a valid RFC 3339 date-time, is not accepted as a timestamp; `nil` when it is
    /// accepted or is not a valid RFC 3339 date-time at all.
    ///
    /// Three things RFC 3339 allows cannot be held: a year outside ``supportedYears`` (such as
    /// `0000` or `9999`), a leap second (`23:59:60`: the ledger's time line, like Unix time,
    /// has no leap seconds), and a time finer than a nanosecond (a digit of the fraction past
    /// the ninth that is not zero).
    public static func unsupportedReason(_ text: String) -> String? {
        var copy = text
        return copy.withUTF8 { buffer -> String? in
            let bytes = UnsafeRawBufferPointer(buffer)
            guard bytes.count >= 20, let f = RFC3339Fields(bytes), !f.isRepresentable else { return nil }
            if !supportedYears.contains(f.year) { return unsupportedYear(f.year) + " " + Self.whyTheseYears }
            if f.finerThanNanoseconds { return Self.finerThanNanoseconds }
            let time = text.utf8.dropFirst(11).prefix(8)
            return "leap second \(String(decoding: time, as: UTF8.self)) is not supported "
                + "(the ledger's time line, like Unix time, has no leap seconds)"
        }
    }

    /// `year 0000 is outside the supported range 1678–2261`: why a time, a period or an export's
    /// date-time in `year` is refused (one wording wherever a year is checked).
    package static func unsupportedYear(_ year: Int) -> String {
        let digits = String(year)
        let padded = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        return "year \(padded) is outside the supported range \(supportedYears.lowerBound)–\(supportedYears.upperBound)"
    }

    /// Why ``supportedYears`` are the years they are, as messages add it.
    package static let whyTheseYears = "(times are kept as nanoseconds since 1970 in 64 bits)"

    /// Why a time with a fraction finer than a nanosecond is refused.
    package static let finerThanNanoseconds =
        "fractional seconds finer than a nanosecond are not supported (digits past the ninth must be zeros)"

    /// The fields of an RFC 3339 date-time, checked as RFC 3339 checks them (any year
    /// 0000–9999, second 60 allowed for a leap second).
    struct RFC3339Fields {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        /// Nanoseconds (the fraction's first nine digits).
        var fraction: Int64 = 0
        /// Whether a digit of the fraction past the ninth is not zero.
        var finerThanNanoseconds = false
        /// The UTC offset in seconds.
        var offset = 0

        /// Whether a ``Timestamp`` holds it: a supported year, no leap second, nothing finer than
        /// a nanosecond.
        var isRepresentable: Bool { Timestamp.supportedYears.contains(year) && second <= 59 && !finerThanNanoseconds }

        /// `nil` when the bytes are not a valid RFC 3339 date-time with an offset.
        init?(_ bytes: UnsafeRawBufferPointer) {
            let n = bytes.count
            guard n >= 20 else { return nil }
            func digit(_ i: Int) -> Int? {
                let c = bytes[i]
                return c >= 0x30 && c <= 0x39 ? Int(c &- 0x30) : nil
            }
            func number(_ i: Int, _ width: Int) -> Int? {
                var value = 0
                for k in i..<(i + width) {
                    guard let d = digit(k) else { return nil }
                    value = value * 10 + d
                }
                return value
            }
            guard let year = number(0, 4), bytes[4] == 0x2D, let month = number(5, 2), bytes[7] == 0x2D,
                  let day = number(8, 2)
            else { return nil }
            let separator = bytes[10]
            guard separator == 0x54 || separator == 0x74 || separator == 0x20 else { return nil }
            guard let hour = number(11, 2), bytes[13] == 0x3A, let minute = number(14, 2), bytes[16] == 0x3A,
                  let second = number(17, 2)
            else { return nil }
            var i = 19
            if bytes[i] == 0x2E {
                i += 1
                var digits = 0
                while i < n, let d = digit(i) {
                    if digits < 9 { fraction = fraction * 10 + Int64(d) } else if d != 0 { finerThanNanoseconds = true }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                if digits < 9 {
                    for _ in digits..<9 { fraction *= 10 }
                }
            }
            guard i < n else { return nil }
            switch bytes[i] {
            case 0x5A, 0x7A:
                i += 1
            case 0x2B, 0x2D:
                guard i + 6 == n, let oh = number(i + 1, 2), bytes[i + 3] == 0x3A, let om = number(i + 4, 2),
                      oh <= 23, om <= 59
                else { return nil }
                offset = (oh * 60 + om) * 60 * (bytes[i] == 0x2D ? -1 : 1)
                i += 6
            default:
                return nil
            }
            guard i == n, CivilDate(year: year, month: month, day: day).isValid, hour <= 23, minute <= 59, second <= 60
            else { return nil }
            (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
        }
    }

    /// The shapes nearly every log line uses, `2024-02-03T09:15:00+08:00` and
    /// `2024-02-03T01:15:00Z`, without the general parser's optionals and loops; `nil` means
    /// "not this shape or not valid", and the general parser then decides.
    @inline(__always)
    private static func parseCommonForm(_ bytes: UnsafeRawBufferPointer) -> Timestamp? {
        let p = bytes.baseAddress!
        @inline(__always) func b(_ i: Int) -> UInt8 { p.load(fromByteOffset: i, as: UInt8.self) }
        @inline(__always) func d(_ i: Int) -> Int { Int(b(i) &- 0x30) }
        @inline(__always) func isDigit(_ i: Int) -> Bool { b(i) &- 0x30 < 10 }
        guard b(4) == 0x2D, b(7) == 0x2D, b(10) == 0x54, b(13) == 0x3A, b(16) == 0x3A,
              isDigit(0), isDigit(1), isDigit(2), isDigit(3), isDigit(5), isDigit(6), isDigit(8), isDigit(9),
              isDigit(11), isDigit(12), isDigit(14), isDigit(15), isDigit(17), isDigit(18)
        else { return nil }
        var offset = 0
        if bytes.count == 20 {
            guard b(19) == 0x5A else { return nil }
        } else {
            let sign = b(19)
            guard sign == 0x2B || sign == 0x2D, b(22) == 0x3A, isDigit(20), isDigit(21), isDigit(23), isDigit(24) else { return nil }
            let oh = d(20) * 10 + d(21), om = d(23) * 10 + d(24)
            guard oh <= 23, om <= 59 else { return nil }
            offset = (oh * 60 + om) * 60 * (sign == 0x2D ? -1 : 1)
        }
        let year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3)
        let month = d(5) * 10 + d(6), day = d(8) * 10 + d(9)
        let hour = d(11) * 10 + d(12), minute = d(14) * 10 + d(15), second = d(17) * 10 + d(18)
        let date = CivilDate(year: year, month: month, day: day)
        guard date.isValid, hour <= 23, minute <= 59, second <= 59, supportedYears.contains(year) else { return nil }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return Timestamp(nanoseconds: seconds * 1_000_000_000)
    }

    /// Parses an RFC 3339 date-time held in a string. See ``parseRFC3339(_:)-(UnsafeRawBufferPointer)``.
    public static func parseRFC3339(_ text: String) -> Timestamp? {
        var text = text
        return text.withUTF8 { parseRFC3339(UnsafeRawBufferPointer($0)) }
    }

    /// Formats the instant as RFC 3339 at a UTC offset: `2024-02-03T09:15:00+08:00`, with
    /// fractional seconds only when they are not zero, and `Z` for offset zero when `zulu` is set.
    public func rfc3339(offsetSeconds: Int32 = 28_800, zulu: Bool = false) -> String {
        let local = seconds + Int64(offsetSeconds)
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - day * 86_400)
        let date = CivilDate(daysSinceEpoch: Int(day))
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        var out = "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))T"
        out += "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        let nanos = Int(nanosecondsIntoSecond)
        if nanos != 0 {
            var fraction = pad(nanos, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            out += "." + fraction
        }
        if offsetSeconds == 0 && zulu { return out + "Z" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let magnitude = Int(abs(offsetSeconds)) / 60
        return out + "\(sign)\(pad(magnitude / 60, 2)):\(pad(magnitude % 60, 2))"
    }
}
