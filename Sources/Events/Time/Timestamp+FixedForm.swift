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
        let va = xa &- (0x3030_3030_3030_3030 & da)
        let vb = xb &- (0x3030_3030_3030_3030 & db)
        let vc = xc &- (0x3030_3030_3030_3030 & dc)
        @inline(__always) func digit(_ v: UInt64, _ i: UInt64) -> Int { Int(truncatingIfNeeded: (v >> (8 * i)) & 0xFF) }
        let year = digit(va, 0) * 1000 + digit(va, 1) * 100 + digit(va, 2) * 10 + digit(va, 3)
        let month = digit(va, 5) * 10 + digit(va, 6)
        let day = digit(vb, 0) * 10 + digit(vb, 1)
        let hour = digit(vb, 3) * 10 + digit(vb, 4)
        let minute = digit(vb, 6) * 10 + digit(vb, 7)
        let second = digit(vc, 1) * 10 + digit(vc, 2)
        let offsetHour = digit(vc, 4) * 10 + digit(vc, 5)
        let offsetMinute = digit(vc, 7) * 10 + Int(last)
        guard year >= 1970, year <= 2199, month >= 1, month <= 12, day >= 1, hour <= 23, minute <= 59, second <= 59,
              offsetHour <= 23, offsetMinute <= 59
        else { return nil }
        let leap = year & 3 == 0 && (year % 100 != 0 || year % 400 == 0)
        guard day <= CivilDate.daysIn(month: month, year: year) else { return nil }
        // Days before the year (1970 and later), before the month, then the day.
        var days = (year - 1970) * 365 + (year - 1969) / 4 - (year - 1901) / 100 + (year - 1601) / 400
        days += (367 * month - 362) / 12 + day - 1
        if month > 2 { days -= leap ? 1 : 2 }
        var offset = (offsetHour * 60 + offsetMinute) * 60
        if sign == 0x2D { offset = -offset }
        let seconds = Int64(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
        return seconds * 1_000_000_000
    }

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
