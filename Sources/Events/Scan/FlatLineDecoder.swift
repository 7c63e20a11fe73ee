import CLedgerScan

/// The fast path of a parallel scan: decodes the shape nearly every log line has straight into
/// a ``ScannedEvent`` in one pass, and declines every other line.
///
/// The shape: `{"key":"value","key":"value",…}` then the newline — no whitespace, every member
/// one of the wire format's fields that belongs to the event's type, every value a string
/// without escapes, no field twice, the required fields present and non-empty, timestamps
/// that parse, `by` and `rating` spelled as allowed. Keys are recognised a word at a time
/// while scanning, values are checked as they are passed (control characters, UTF-8), and
/// the ticket, unit and (optionally) id hashes are taken on the way.
///
/// For such a line the record is exactly the one ``EventDecoder`` gives. Any other line —
/// unknown members, `null`s, numbers, nesting, escapes, spaces, anything malformed or
/// invalid — returns `nil` and goes through ``EventDecoder``, which accepts or reports it as
/// it always did. The fast path never reports a problem itself, so messages cannot change.
enum FlatLineDecoder {
    /// Decodes the line starting at `start` in `base`, if it has the common shape.
    /// - Parameters:
    ///   - base: The block's bytes.
    ///   - start: Offset of the line's first byte.
    ///   - limit: Bytes readable from `base` (the line must end with a newline before it).
    ///   - hashIDs: Whether to compute ``ScannedEvent/idHash``.
    ///   - dates: The dates of recent timestamps (see ``Timestamp/parseFixedForm(_:dates:)``).
    /// - Returns: The record and the offset of the line's newline, or `nil` to take the general path.
    static func decode(_ base: UnsafeRawPointer, start: Int, limit: Int, hashIDs: Bool,
                       dates: inout Timestamp.DateCache) -> (event: ScannedEvent, newline: Int)? {
        // The first key's opening quote is at start + 1.
        guard start + 2 < limit, base.loadUnaligned(fromByteOffset: start, as: UInt16.self) == UInt16(littleEndian: 0x227B) else { return nil }
        var k = start + 2  // first byte of the current key
        var present = 0
        var id = (0, 0), ticket = (0, 0), type = (0, 0), unit = (0, 0), channel = (0, 0), by = (0, 0), rating = (0, 0)
        var at: Int64 = 0, due: Int64 = .min, recorded: Int64 = .min
        var kind: EventKind?
        let newline: Int
        while true {
            // A key is a known name followed by `":"` (the value must be a string).
            guard k + 8 <= limit else { return nil }
            let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: k, as: UInt64.self))
            let q = w ^ 0x2222_2222_2222_2222
            let quotes = (q &- 0x0101_0101_0101_0101) & ~q & 0x8080_8080_8080_8080
            let field: Field
            let length: Int
            if quotes == 0 {
                // Eight letters: `recorded` or `category`.
                guard k + 11 <= limit, base.load(fromByteOffset: k + 8, as: UInt8.self) == 0x22 else { return nil }
                switch w {
                case 0x6465_6472_6F63_6572: field = .recorded
                case 0x7972_6F67_6574_6163: field = .category
                default: return nil
                }
                length = 8
            } else {
                // The lowest flagged byte is the first quote (a borrow only flags bytes above a real one).
                length = quotes.trailingZeroBitCount >> 3
                switch w & ((1 << UInt64(length &* 8)) &- 1) {
                case 0x6469: field = .id
                case 0x7461: field = .at
                case 0x7962: field = .by
                case 0x65_7564: field = .due
                case 0x6570_7974: field = .type
                case 0x7469_6E75: field = .unit
                case 0x63_6970_6F74: field = .topic
                case 0x79_6C70_6572: field = .reply
                case 0x6E_6961_6863: field = .chain
                case 0x7465_6B63_6974: field = .ticket
                case 0x6E6F_7361_6572: field = .reason
                case 0x676E_6974_6172: field = .rating
                case 0x6C_656E_6E61_6863: field = .channel
                default: return nil
                }
            }
            let bit = 1 << field.index
            guard present & bit == 0 else { return nil }
            present |= bit
            // `":"` after the key; k + length is its closing quote.
            guard k + length + 3 <= limit,
                  base.loadUnaligned(fromByteOffset: k + length + 1, as: UInt16.self) == UInt16(littleEndian: 0x223A)
            else { return nil }
            let value = k + length + 3
            let end: Int  // the value's closing quote
            switch field {
            case .at, .due, .recorded:
                var nanoseconds: Int64
                if value + 26 <= limit, base.load(fromByteOffset: value + 25, as: UInt8.self) == 0x22,
                   let parsed = Timestamp.parseFixedForm(base + value, dates: &dates) {
                    nanoseconds = parsed
                    end = value + 25
                } else {
                    guard let close = scanString(base, from: value, limit: limit),
                          let parsed = Timestamp.parseRFC3339(UnsafeRawBufferPointer(start: base + value, count: close - value))
                    else { return nil }
                    nanoseconds = parsed.nanoseconds
                    end = close
                }
                switch field {
                case .at: at = nanoseconds
                case .due: due = nanoseconds
                default: recorded = nanoseconds
                }
            case .type:
                // The six types of the version 1 format, a word or two at a time; anything else is the decoder's.
                if value + 16 <= limit, let (known, length) = Self.kind(at: base + value) {
                    kind = known
                    end = value + length
                } else {
                    guard let close = scanString(base, from: value, limit: limit) else { return nil }
                    kind = EventDecoder.kind(UnsafeRawBufferPointer(start: base + value, count: close - value))
                    end = close
                }
                type = (value, end)
            default:
                guard let close = scanString(base, from: value, limit: limit) else { return nil }
                end = close
                switch field {
                case .id: id = (value, close)
                case .ticket: ticket = (value, close)
                case .unit: unit = (value, close)
                case .channel: channel = (value, close)
                case .by: by = (value, close)
                case .rating: rating = (value, close)
                default: break
                }
            }
            // `,"` to the next key, or `}` and the newline.
            guard end + 3 <= limit else { return nil }
            let next = base.loadUnaligned(fromByteOffset: end + 1, as: UInt16.self)
            if next == UInt16(littleEndian: 0x222C) {
                k = end + 3
            } else if next == UInt16(littleEndian: 0x0A7D) {
                newline = end + 2
                break
            } else {
                return nil
            }
        }

        // Required fields, the type, and no field foreign to it.
        let always = 1 << Field.id.index | 1 << Field.ticket.index | 1 << Field.type.index | 1 << Field.at.index
        guard present & always == always, id.1 > id.0, ticket.1 > ticket.0, type.1 > type.0,
              let kind,
              present & ~allowed(kind) == 0
        else { return nil }
        var event = ScannedEvent(lineStart: Int32(truncatingIfNeeded: start), lineLength: Int32(truncatingIfNeeded: newline - start))
        event.kind = kind
        event.at = at
        event.recorded = recorded
        if kind != .accepted {
            guard present & 1 << Field.unit.index != 0, unit.1 > unit.0 else { return nil }
            switch kind {
            case .assigned, .extended:
                guard due != .min else { return nil }
            case .returned:
                let bytes = UnsafeRawBufferPointer(start: base + by.0, count: by.1 - by.0)
                guard present & 1 << Field.by.index != 0 else { return nil }
                if Field.equal(bytes, "center") {
                    event.by = .center
                } else if Field.equal(bytes, "unit") {
                    event.by = .unit
                } else {
                    return nil
                }
            case .callbackRated:
                let bytes = UnsafeRawBufferPointer(start: base + rating.0, count: rating.1 - rating.0)
                guard present & 1 << Field.rating.index != 0 else { return nil }
                if Field.equal(bytes, "satisfied") {
                    event.rating = .satisfied
                } else if Field.equal(bytes, "unsatisfied") {
                    event.rating = .unsatisfied
                } else if Field.equal(bytes, "unreachable") {
                    event.rating = .unreachable
                } else {
                    return nil
                }
            default:
                break
            }
            event.due = due
            event.flags.insert(.hasUnit)
            event.unit = span(unit)
            event.unitHash = ByteInterner.hash(UnsafeRawBufferPointer(start: base + unit.0, count: unit.1 - unit.0))
        } else if present & 1 << Field.channel.index != 0 {
            event.flags.insert(.hasChannel)
            event.channel = span(channel)
        }
        event.id = span(id)
        event.ticket = span(ticket)
        event.ticketHash = ByteInterner.hash(UnsafeRawBufferPointer(start: base + ticket.0, count: ticket.1 - ticket.0))
        if hashIDs { event.idHash = EventIDIndex.hash(UnsafeRawBufferPointer(start: base + id.0, count: id.1 - id.0)) }
        return (event, newline)
    }

    /// The type named by the string starting at `p` (16 bytes readable) and the length of the
    /// name, when it is one of the six version 1 types followed by the closing quote.
    @inline(__always)
    static func kind(at p: UnsafeRawPointer) -> (EventKind, Int)? {
        let w = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        let next = p.load(fromByteOffset: 8, as: UInt8.self)
        switch w {
        case 0x6465_7470_6563_6361: return next == 0x22 ? (.accepted, 8) : nil    // accepted"
        case 0x6465_6E67_6973_7361: return next == 0x22 ? (.assigned, 8) : nil    // assigned"
        case 0x6465_6E72_7574_6572: return next == 0x22 ? (.returned, 8) : nil    // returned"
        case 0x6465_646E_6574_7865: return next == 0x22 ? (.extended, 8) : nil    // extended"
        case 0x6B63_6162_6C6C_6163:                                               // callback-rated"
            let rest = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) & 0x00FF_FFFF_FFFF_FFFF
            return rest == 0x22_6465_7461_722D ? (.callbackRated, 14) : nil
        default:                                                                  // closed"
            return w & 0x00FF_FFFF_FFFF_FFFF == 0x22_6465_736F_6C63 ? (.closed, 6) : nil
        }
    }

    /// The fields of an event of `kind` (``Field/mask(for:)``, as constants); 0 for the types
    /// the fast path leaves to the decoder (supervisions and adjustments are rare, and carry
    /// fields that are not strings).
    @inline(__always)
    static func allowed(_ kind: EventKind) -> Int {
        let common = 1 << Field.id.index | 1 << Field.ticket.index | 1 << Field.type.index | 1 << Field.at.index
            | 1 << Field.recorded.index | 1 << Field.chain.index
        let unit = 1 << Field.unit.index
        switch kind {
        case .accepted: return common | 1 << Field.channel.index | 1 << Field.category.index | 1 << Field.topic.index
        case .assigned: return common | unit | 1 << Field.due.index
        case .returned: return common | unit | 1 << Field.due.index | 1 << Field.by.index | 1 << Field.reason.index
        case .extended: return common | unit | 1 << Field.due.index | 1 << Field.reason.index
        case .closed: return common | unit | 1 << Field.reply.index
        case .callbackRated: return common | unit | 1 << Field.rating.index
        case .supervised, .supervisionAnswered, .adjusted: return 0
        }
    }

    @inline(__always)
    private static func span(_ range: (Int, Int)) -> ScannedEvent.Span {
        ScannedEvent.Span(start: Int32(truncatingIfNeeded: range.0), count: Int32(truncatingIfNeeded: range.1 - range.0))
    }

    /// The offset of the closing quote of a string whose contents start at `i`, when the
    /// string has no escape and is valid (no control character, well-formed UTF-8); else `nil`.
    ///
    /// ASCII goes sixteen or eight bytes a step (``Cursor/skipPlainASCII(_:from:limit:)``, shared
    /// with ``Cursor/scanString()``); a run of non-ASCII characters goes to
    /// ``skipCommonNonASCII(_:from:limit:)``. Anything rarer (four-byte forms, E0 and ED leads)
    /// is left to the general scanner, which also names the problem if there is one.
    @inline(__always)
    static func scanString(_ base: UnsafeRawPointer, from start: Int, limit: Int) -> Int? {
        var i = start
        while true {
            i = Cursor.skipPlainASCII(base, from: i, limit: limit)
            guard i < limit else { return nil }
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            if c == 0x22 { return i }
            if c < 0x80 {
                // A backslash or a control character (or a plain byte near the end of the block).
                guard c >= 0x20, c != 0x5C else { return nil }
                i += 1
                continue
            }
            guard let next = skipCommonNonASCII(base, from: i, limit: limit) else { return nil }
            i = next
        }
    }

    /// From the non-ASCII byte at `start`, the offset of the next ASCII byte, past two- and
    /// three-byte characters whose lead bytes are C2–DF, E1–EC or EE–EF; `nil` at any other
    /// byte or at `limit`. Three-byte characters go up to five a step while 16 bytes are
    /// readable (with the vector instructions, `ledger_cjk_prefix`), the rest a character a step.
    ///
    /// Not inlined: it runs once per run of characters, and inlined into every string scan of
    /// the decoders it made them too large for the compiler to inline their other helpers.
    @inline(never)
    static func skipCommonNonASCII(_ base: UnsafeRawPointer, from start: Int, limit: Int) -> Int? {
        var i = start
        while i + 16 <= limit {
            let run = Int(ledger_cjk_prefix(base + i))
            i += run
            if run < 15 { break }
        }
        guard i < limit else { return nil }
        var c = base.load(fromByteOffset: i, as: UInt8.self)
        while c >= 0x80 {
            if c >= 0xE1, c != 0xED, c <= 0xEF {
                guard i + 3 <= limit,
                      base.load(fromByteOffset: i + 1, as: UInt8.self) & 0xC0 == 0x80,
                      base.load(fromByteOffset: i + 2, as: UInt8.self) & 0xC0 == 0x80
                else { return nil }
                i += 3
            } else if c >= 0xC2, c <= 0xDF {
                guard i + 2 <= limit, base.load(fromByteOffset: i + 1, as: UInt8.self) & 0xC0 == 0x80 else { return nil }
                i += 2
            } else {
                return nil
            }
            guard i < limit else { return nil }
            c = base.load(fromByteOffset: i, as: UInt8.self)
        }
        return i
    }
}
