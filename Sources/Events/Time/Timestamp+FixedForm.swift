extension Timestamp {
    /// Parses the one shape nearly every log timestamp has, `2024-02-03T09:15:00+08:00`
    /// (25 bytes, a numeric offset, no fraction, a year from 1970 to 2199), eight bytes at a time.
    ///
    /// A fast path only: `nil` means "not this shape, or not a valid date-time", and the caller
    /// then asks ``parseRFC3339(_:)-(UnsafeRawBufferPointer)``, which decides. Whenever this
    /// returns a value, it is the value that parser returns for the same bytes.
    /// - Parameter p: The first of 25 readable bytes.
    /// - Returns: Nanoseconds since the epoch.
    @inline(__always)
    package static func parseFixedForm(_ p: UnsafeRawPointer) -> Int64? {
        var dates = DateCache()
        return parseFixedForm(p, dates: &dates)
    }

    /// ``parseFixedForm(_:)`` remembering the last two dates it converted to days (log lines
    /// come in time order, so nearly every timestamp repeats the date of one of them).
    @inline(__always)
    package static func parseFixedForm(_ p: UnsafeRawPointer, dates: inout DateCache) -> Int64? {
        // Bytes 0–7 "YYYY-MM-", 8–15 "DDTHH:MM", 16–23 ":SS+hh:m", 24 "m".
        let a = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        let b = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let c = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        let last = p.load(fromByteOffset: 24, as: UInt8.self) &- 0x30
        let sign = UInt8(truncatingIfNeeded: c >> 24)
        // Separators: '-' at 4 and 7; 'T' at 10 and ':' at 13; ':' at 16 and 22 (the sign apart).
        guard a & 0xFF00_00FF_0000_0000 == 0x2D00_002D_0000_0000,
              b & 0x0000_FF00_00FF_0000 == 0x0000_3A00_0054_0000,
              c & 0x00FF_0000_0000_00FF == 0x003A_0000_0000_003A,
              sign == 0x2B || sign == 0x2D, last < 10
        else { return nil }
        let da: UInt64 = 0x00FF_FF00_FFFF_FFFF, db: UInt64 = 0xFFFF_00FF_FF00_FFFF, dc: UInt64 = 0xFF00_FFFF_00FF_FF00
        let (xa, xb, xc) = (a & da, b & db, c & dc)
        guard digitsValid(xa, da), digitsValid(xb, db), digitsValid(xc, dc) else { return nil }
        // Digit values, then each byte plus ten times the one before it: two-digit fields in one step.
        let vb = xb &- (0x3030_3030_3030_3030 & db), vc = xc &- (0x3030_3030_3030_3030 & dc)
        let pb = vb &* 10 &+ (vb >> 8), pc = vc &* 10 &+ (vc >> 8)
        let hour = byte(pb, 3), minute = byte(pb, 6)
        let second = byte(pc, 1), offsetHour = byte(pc, 4), offsetMinute = byte(vc, 7) &* 10 &+ Int(last)
        guard hour <= 23, minute <= 59, second <= 59, offsetHour <= 23, offsetMinute <= 59 else { return nil }
        let dateKey = xb & 0xFFFF
        let days: Int
        if xa == dates.first.date && dateKey == dates.first.day {
            days = dates.first.days
        } else if xa == dates.second.date && dateKey == dates.second.day {
            days = dates.second.days
            swap(&dates.first, &dates.second)
        } else {
            let va = xa &- (0x3030_3030_3030_3030 & da)
            let pa = va &* 10 &+ (va >> 8)
            let year = byte(pa, 0) &* 100 &+ byte(pa, 2), month = byte(pa, 5), day = byte(pb, 0)
            guard year >= 1970, year <= 2199, month >= 1, month <= 12, day >= 1 else { return nil }
            if day > 28, day > CivilDate.daysIn(month: month, year: year) { return nil }
            // Days since 1970-01-01 (Hinnant's days_from_civil for years from 0 on).
            let y = month <= 2 ? year &- 1 : year
            let shifted = month <= 2 ? month &+ 9 : month &- 3
            days = y &* 365 &+ y / 4 &- y / 100 &+ y / 400 &+ (153 &* shifted &+ 2) / 5 &+ day &- 1 &- 719_468
            dates.second = dates.first
            dates.first = (xa, dateKey, days)
        }
        var offset = (offsetHour &* 60 &+ offsetMinute) &* 60
        if sign == 0x2D { offset = -offset }
        let seconds = Int64(days &* 86_400 &+ hour &* 3600 &+ minute &* 60 &+ second &- offset)
        return seconds &* 1_000_000_000
    }

    /// The last two dates ``parseFixedForm(_:dates:)`` converted: the date's digit bytes, and its
    /// days since 1970-01-01. Zeroed entries never match (a date has its '-' separators).
    package struct DateCache {
        var first: (date: UInt64, day: UInt64, days: Int) = (0, 0, 0)
        var second: (date: UInt64, day: UInt64, days: Int) = (0, 0, 0)

        package init() {}
    }

    @inline(__always)
    private static func byte(_ v: UInt64, _ i: UInt64) -> Int { Int(truncatingIfNeeded: (v >> (8 * i)) & 0xFF) }

    /// Whether every byte of `x` selected by `mask` (0xFF bytes) is an ASCII digit; the other bytes are zero.
    @inline(__always)
    private static func digitsValid(_ x: UInt64, _ mask: UInt64) -> Bool {
        let high = 0x8080_8080_8080_8080 & mask
        // Bytes below 0x80 cannot carry into their neighbours: +0x46 sets bit 7 from 0x3A up,
        // and (byte | 0x80) − 0x30 keeps bit 7 only from 0x30 up.
        return x & high == 0 && (x &+ (0x4646_4646_4646_4646 & mask)) & high == 0
            && ((x | high) &- (0x3030_3030_3030_3030 & mask)) & high == high
    }
}
