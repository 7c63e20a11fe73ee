extension FlatLineDecoder {
    /// The fastest path: a line whose members come in the order ``Event/jsonLine(offsetSeconds:)``
    /// writes them (`id`, `ticket`, `type`, `at`, `recorded`, the type's own fields, `chain`).
    ///
    /// Instead of recognising each key, it checks that the bytes between two values are the
    /// ones expected next (`","ticket":"` is a word and a half), so a line costs little more
    /// than scanning its values. Members in another order, foreign or repeated ones, or any
    /// other surprise return `nil`, and ``decode(_:start:limit:hashIDs:dates:)`` — which
    /// accepts the same lines in any order — takes over. Whatever is accepted here, that path
    /// and ``EventDecoder`` would give exactly the same record for.
    /// - Returns: The record and the offset of the line's newline, or `nil`.
    static func decodeInWriterOrder(_ base: UnsafeRawPointer, start: Int, limit: Int, hashIDs: Bool,
                                    dates: inout Timestamp.DateCache) -> (event: ScannedEvent, newline: Int)? {
        // `q` is always the closing quote of the last value read; `next` checks the key that follows it.
        // (Helpers are static functions with explicit arguments: local functions that changed
        // captured variables would box them on the heap, once per line.)
        @inline(__always) func next(_ q: Int, _ head: UInt64, _ tail: UInt64, _ tailLength: Int) -> Bool {
            Self.follows(base, q, limit, head, tail, tailLength)
        }
        @inline(__always) func span(_ from: Int, _ to: Int) -> ScannedEvent.Span {
            ScannedEvent.Span(start: Int32(truncatingIfNeeded: from), count: Int32(truncatingIfNeeded: to - from))
        }

        // {"id":"…","ticket":"…","type":"…","at":"…"
        guard start + 16 <= limit,
              UInt64(littleEndian: base.loadUnaligned(fromByteOffset: start, as: UInt64.self)) & 0x00FF_FFFF_FFFF_FFFF == 0x22_3A22_6469_227B,
              let idEnd = scanString(base, from: start + 7, limit: limit), idEnd > start + 7,
              next(idEnd, 0x656B_6369_7422_2C22, 0x223A_2274, 4),                                  // ","ticket":"
              let ticketEnd = scanString(base, from: idEnd + 12, limit: limit), ticketEnd > idEnd + 12,
              next(ticketEnd, 0x2265_7079_7422_2C22, 0x223A, 2),                                   // ","type":"
              ticketEnd + 26 <= limit, let (kind, typeLength) = kind(at: base + ticketEnd + 10),
              next(ticketEnd + 10 + typeLength, 0x223A_2274_6122_2C22, 0, 0),                     // ","at":"
              let (at, atEnd) = Self.timestamp(base, from: ticketEnd + 10 + typeLength + 8, limit: limit, dates: &dates)
        else { return nil }
        var event = ScannedEvent(lineStart: Int32(truncatingIfNeeded: start), lineLength: 0)
        event.kind = kind
        event.at = at
        event.id = span(start + 7, idEnd)
        event.ticket = span(idEnd + 12, ticketEnd)
        var q = atEnd
        if next(q, 0x726F_6365_7222_2C22, 0x223A_2264_6564, 6) {                                  // ","recorded":"
            guard let (recorded, end) = Self.timestamp(base, from: q + 14, limit: limit, dates: &dates) else { return nil }
            event.recorded = recorded
            q = end
        }
        if kind == .accepted {
            if next(q, 0x6E6E_6168_6322_2C22, 0x22_3A22_6C65, 5) {                                // ","channel":"
                guard let end = scanString(base, from: q + 13, limit: limit) else { return nil }
                event.flags.insert(.hasChannel)
                event.channel = span(q + 13, end)
                q = end
            }
            if next(q, 0x6765_7461_6322_2C22, 0x223A_2279_726F, 6) {                              // ","category":"
                guard let end = scanString(base, from: q + 14, limit: limit) else { return nil }
                q = end
            }
            if next(q, 0x6369_706F_7422_2C22, 0x22_3A22, 3) {                                     // ","topic":"
                guard let end = scanString(base, from: q + 11, limit: limit) else { return nil }
                q = end
            }
        } else {
            guard next(q, 0x2274_696E_7522_2C22, 0x223A, 2),                                      // ","unit":"
                  let unitEnd = scanString(base, from: q + 10, limit: limit), unitEnd > q + 10
            else { return nil }
            event.flags.insert(.hasUnit)
            event.unit = span(q + 10, unitEnd)
            event.unitHash = ByteInterner.hash(UnsafeRawBufferPointer(start: base + q + 10, count: unitEnd - q - 10))
            q = unitEnd
            switch kind {
            case .assigned:
                guard Self.due(base, &q, limit, &event, &dates) else { return nil }
            case .extended:
                guard Self.due(base, &q, limit, &event, &dates),
                      Self.optionalText(base, &q, limit, 0x6F73_6165_7222_2C22, 0x223A_226E, 4)  // ","reason":"
                else { return nil }
            case .returned:
                guard next(q, 0x223A_2279_6222_2C22, 0, 0),                                       // ","by":"
                      let end = scanString(base, from: q + 8, limit: limit)
                else { return nil }
                let by = UnsafeRawBufferPointer(start: base + q + 8, count: end - q - 8)
                if Field.equal(by, "center") {
                    event.by = .center
                } else if Field.equal(by, "unit") {
                    event.by = .unit
                } else {
                    return nil
                }
                q = end
                guard Self.optionalText(base, &q, limit, 0x6F73_6165_7222_2C22, 0x223A_226E, 4) else { return nil }  // ","reason":"
                if next(q, 0x3A22_6575_6422_2C22, 0x22, 1), !Self.due(base, &q, limit, &event, &dates) { return nil }
            case .closed:
                guard Self.optionalText(base, &q, limit, 0x796C_7065_7222_2C22, 0x22_3A22, 3) else { return nil }  // ","reply":"
            case .callbackRated:
                guard next(q, 0x6E69_7461_7222_2C22, 0x223A_2267, 4),                             // ","rating":"
                      let end = scanString(base, from: q + 12, limit: limit)
                else { return nil }
                let rating = UnsafeRawBufferPointer(start: base + q + 12, count: end - q - 12)
                if Field.equal(rating, "satisfied") {
                    event.rating = .satisfied
                } else if Field.equal(rating, "unsatisfied") {
                    event.rating = .unsatisfied
                } else if Field.equal(rating, "unreachable") {
                    event.rating = .unreachable
                } else {
                    return nil
                }
                q = end
            default:
                return nil
            }
        }
        guard Self.chain(base, &q, limit) else { return nil }
        // "} and the newline.
        guard q + 3 <= limit, base.load(fromByteOffset: q + 1, as: UInt8.self) == 0x7D,
              base.load(fromByteOffset: q + 2, as: UInt8.self) == 0x0A
        else { return nil }
        event.lineLength = Int32(truncatingIfNeeded: q + 2 - start)
        event.ticketHash = ByteInterner.hash(UnsafeRawBufferPointer(start: base + idEnd + 12, count: ticketEnd - idEnd - 12))
        if hashIDs { event.idHash = EventIDIndex.hash(UnsafeRawBufferPointer(start: base + start + 7, count: idEnd - start - 7)) }
        return (event, q + 2)
    }

    /// An optional `chain` member after `q`, moving `q` to its closing quote; `false` if it is
    /// there but not a string. A sealed line's value is 64 hex digits: when the 64 bytes are
    /// plain ASCII and a quote follows, they are checked together instead of a word at a time.
    @inline(__always)
    private static func chain(_ base: UnsafeRawPointer, _ q: inout Int, _ limit: Int) -> Bool {
        guard follows(base, q, limit, 0x6E69_6168_6322_2C22, 0x22_3A22, 3) else { return true }  // ","chain":"
        let value = q + 11
        if value + 65 <= limit, base.load(fromByteOffset: value + 64, as: UInt8.self) == 0x22,
           Cursor.isPlainASCII64(base + value) {
            q = value + 64
            return true
        }
        guard let end = scanString(base, from: value, limit: limit) else { return false }
        q = end
        return true
    }

    /// Whether the bytes at `q` are `head` and the first `tailLength` bytes of `tail` (16 readable).
    @inline(__always)
    private static func follows(_ base: UnsafeRawPointer, _ q: Int, _ limit: Int, _ head: UInt64, _ tail: UInt64,
                                _ tailLength: Int) -> Bool {
        guard q + 16 <= limit else { return false }
        let first = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: q, as: UInt64.self))
        let second = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: q + 8, as: UInt64.self))
        return first == head && second & ((1 << UInt64(tailLength &* 8)) &- 1) == tail
    }

    /// A timestamp value starting at `value`, and its closing quote.
    @inline(__always)
    private static func timestamp(_ base: UnsafeRawPointer, from value: Int, limit: Int,
                                  dates: inout Timestamp.DateCache) -> (Int64, Int)? {
        if value + 26 <= limit, base.load(fromByteOffset: value + 25, as: UInt8.self) == 0x22,
           let parsed = Timestamp.parseFixedForm(base + value, dates: &dates) {
            return (parsed, value + 25)
        }
        guard let close = scanString(base, from: value, limit: limit),
              let parsed = Timestamp.parseRFC3339(UnsafeRawBufferPointer(start: base + value, count: close - value))
        else { return nil }
        return (parsed.nanoseconds, close)
    }

    /// `,"due":"…"` at `q`, into `event`.
    @inline(__always)
    private static func due(_ base: UnsafeRawPointer, _ q: inout Int, _ limit: Int, _ event: inout ScannedEvent,
                            _ dates: inout Timestamp.DateCache) -> Bool {
        guard follows(base, q, limit, 0x3A22_6575_6422_2C22, 0x22, 1),                            // ","due":"
              let (due, end) = timestamp(base, from: q + 9, limit: limit, dates: &dates)
        else { return false }
        event.due = due
        q = end
        return true
    }

    /// An optional string member whose key (with its punctuation) is `head` and `tail`: `true`
    /// when it is absent, or present and valid (then `q` moves past it); `false` when invalid.
    @inline(__always)
    private static func optionalText(_ base: UnsafeRawPointer, _ q: inout Int, _ limit: Int, _ head: UInt64, _ tail: UInt64,
                                     _ tailLength: Int) -> Bool {
        guard follows(base, q, limit, head, tail, tailLength) else { return true }
        guard let end = scanString(base, from: q + 8 + tailLength, limit: limit) else { return false }
        q = end
        return true
    }
}
