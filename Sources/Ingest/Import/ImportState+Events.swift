import Events

extension ImportState {
    /// Sorts each ticket's events by time (ties by row), gives them ids, leaves out those the
    /// log holds, checks the rest against the log's state and hands good tickets to `sink`.
    mutating func makeEvents(verifier: inout LogVerifier, sink: inout EventSink) throws(ImportError) {
        events.sort { a, b in
            if a.ticket != b.ticket { return a.ticket < b.ticket }
            if a.at != b.at { return a.at < b.at }
            if a.row != b.row { return a.row < b.row }
            return a.seq < b.seq
        }
        summary.eventsMade = events.count
        if badTickets.count < tickets.count { badTickets += repeatElement(false, count: tickets.count - badTickets.count) }
        let writer = LineWriter(offsetSeconds: mapping.offsetSeconds, ratingTextField: mapping.ratingTextField)
        var ticketLines: [UInt8] = []
        var ticketRows: [Int32] = []
        var id: [UInt8] = []
        var start = 0
        let logHasEvents = verifier.eventCount > 0
        let all = events
        while start < all.count {
            let ticket = all[start].ticket
            var end = start
            while end < all.count && all[end].ticket == ticket { end += 1 }
            defer { start = end }
            if badTickets[Int(ticket)] {
                for i in start..<end { rejectedRows.append(all[i].row) }
                continue
            }
            ticketLines.removeAll(keepingCapacity: true)
            ticketRows.removeAll(keepingCapacity: true)
            var rejected = false
            var present = 0
            for i in start..<end {
                let event = all[i]
                // The ordinal among events of this ticket with the same type and time.
                var ordinal = 1
                var j = i - 1
                while j >= start && all[j].at == event.at {
                    if all[j].action == event.action { ordinal += 1 }
                    j -= 1
                }
                id.removeAll(keepingCapacity: true)
                tickets.withBytes(of: ticket) { id.append(contentsOf: $0) }
                LineWriter.appendID(&id, action: event.action, at: event.at, ordinal: ordinal)
                // Ids made here are unique within the export (the ordinal sees to it), so only the
                // log's ids need looking up.
                if logHasEvents, id.withUnsafeBytes({ verifier.ids.firstLine(of: $0) }) != nil {
                    present += 1
                    continue
                }
                let lineStart = ticketLines.count
                writer.write(event, id: id, tickets: tickets, texts: texts, into: &ticketLines)
                let problem: EventProblem? = ticketLines.withUnsafeBytes { all in
                    let line = UnsafeRawBufferPointer(rebasing: all[lineStart...])
                    do throws(EventProblem) {
                        let raw = try verifier.decoder.decode(line)
                        if let p = verifier.lifecycle.apply(raw, in: line, lineNumber: Int(event.row)) { return p }
                        return nil
                    } catch {
                        return error
                    }
                }
                if let problem {
                    record(RowProblem(row: Int(event.row), column: nil, kind: .lifecycle, message: problem.message), ticket: ticket)
                    rejected = true
                    break
                }
                ticketLines.append(0x0A)
                ticketRows.append(event.row)
            }
            summary.alreadyPresent += present
            if rejected {
                for i in start..<end { rejectedRows.append(all[i].row) }
                continue
            }
            guard !ticketRows.isEmpty else { continue }
            summary.newEvents += ticketRows.count
            summary.ticketsWithNewEvents += 1
            switch sink {
            case .none: break
            case .file(let file): file.write(ticketLines)
            case .batch(var batch, var rows):
                sink = .none  // keep the arrays uniquely referenced while they grow
                batch.append(contentsOf: ticketLines)
                rows.append(contentsOf: ticketRows)
                sink = .batch(batch, rows)
            }
        }
        // Rows of a rejected ticket whose action the mapping skips are not listed (they make no event).
        summary.rejectedRows = Set(problemRows + rejectedRows).count
        summary.rejectedTickets = badTickets.lazy.filter { $0 }.count
    }
}

/// Writes events as wire-format lines, bytes only.
struct LineWriter {
    let offsetSeconds: Int32
    let ratingTextField: [UInt8]?

    init(offsetSeconds: Int32, ratingTextField: String?) {
        self.offsetSeconds = offsetSeconds
        self.ratingTextField = ratingTextField.map { Array($0.utf8) }
    }

    static func label(_ action: ImportMapping.Action) -> String { action.rawValue }

    /// `/accepted/20230901T011503Z` (UTC), then `/2` for a second event of the same type at the same time.
    static func appendID(_ id: inout [UInt8], action: ImportMapping.Action, at: Int64, ordinal: Int) {
        id.append(0x2F)
        id.append(contentsOf: action.rawValue.utf8)
        id.append(0x2F)
        let (seconds, fraction) = floorDivide(at, 1_000_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let date = CivilDate(daysSinceEpoch: Int(days))
        digits(&id, date.year, 4); digits(&id, date.month, 2); digits(&id, date.day, 2)
        id.append(0x54)
        digits(&id, Int(secondOfDay / 3600), 2); digits(&id, Int(secondOfDay / 60 % 60), 2); digits(&id, Int(secondOfDay % 60), 2)
        if fraction != 0 { id.append(0x2E); digits(&id, Int(fraction), 9) }
        id.append(0x5A)
        if ordinal > 1 { id.append(0x2F); id.append(contentsOf: String(ordinal).utf8) }
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b, r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }

    static func digits(_ out: inout [UInt8], _ value: Int, _ width: Int) {
        var buffer: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value
        withUnsafeMutableBytes(of: &buffer) { b in
            for i in stride(from: width - 1, through: 0, by: -1) { b[i] = UInt8(0x30 + v % 10); v /= 10 }
            out.append(contentsOf: b[0..<width])
        }
    }

    func timestamp(_ out: inout [UInt8], _ nanoseconds: Int64) {
        out.append(0x22)
        let (seconds, fraction) = Self.floorDivide(nanoseconds, 1_000_000_000)
        let (days, secondOfDay) = Self.floorDivide(seconds + Int64(offsetSeconds), 86_400)
        let date = CivilDate(daysSinceEpoch: Int(days))
        Self.digits(&out, date.year, 4); out.append(0x2D); Self.digits(&out, date.month, 2); out.append(0x2D); Self.digits(&out, date.day, 2)
        out.append(0x54)
        Self.digits(&out, Int(secondOfDay / 3600), 2); out.append(0x3A)
        Self.digits(&out, Int(secondOfDay / 60 % 60), 2); out.append(0x3A)
        Self.digits(&out, Int(secondOfDay % 60), 2)
        if fraction != 0 {
            var f = Int(fraction), width = 9
            while f % 10 == 0 { f /= 10; width -= 1 }
            out.append(0x2E); Self.digits(&out, f, width)
        }
        if offsetSeconds == 0 { out.append(0x5A) } else {
            out.append(offsetSeconds < 0 ? 0x2D : 0x2B)
            let o = Int(abs(offsetSeconds))
            Self.digits(&out, o / 3600, 2); out.append(0x3A); Self.digits(&out, o / 60 % 60, 2)
        }
        out.append(0x22)
    }

    static func string(_ out: inout [UInt8], _ bytes: UnsafeRawBufferPointer) {
        out.append(0x22)
        var clean = true
        for b in bytes where b < 0x20 || b == 0x22 || b == 0x5C { clean = false; break }
        if clean { out.append(contentsOf: bytes) } else {
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            for b in bytes {
                switch b {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                case ..<0x20:
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
                default: out.append(b)
                }
            }
        }
        out.append(0x22)
    }

    private func key(_ out: inout [UInt8], _ name: StaticString) {
        out.append(0x2C); out.append(0x22)
        out.append(contentsOf: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(0x22); out.append(0x3A)
    }

    private func text(_ out: inout [UInt8], _ name: StaticString, _ id: Int32, _ texts: ByteInterner) {
        guard id >= 0 else { return }
        key(&out, name)
        texts.withBytes(of: id) { Self.string(&out, $0) }
    }

    func write(_ e: PendingEvent, id: [UInt8], tickets: ByteInterner, texts: ByteInterner, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        id.withUnsafeBytes { Self.string(&out, $0) }
        key(&out, "ticket")
        tickets.withBytes(of: e.ticket) { Self.string(&out, $0) }
        key(&out, "type")
        switch e.action {
        case .accepted: out.append(contentsOf: #""accepted""#.utf8)
        case .assigned: out.append(contentsOf: #""assigned""#.utf8)
        case .extended: out.append(contentsOf: #""extended""#.utf8)
        case .closed: out.append(contentsOf: #""closed""#.utf8)
        case .returnedByCenter, .returnedByUnit: out.append(contentsOf: #""returned""#.utf8)
        case .callbackRated: out.append(contentsOf: #""callback-rated""#.utf8)
        case .skip: break
        }
        key(&out, "at"); timestamp(&out, e.at)
        if e.recorded != .min { key(&out, "recorded"); timestamp(&out, e.recorded) }
        switch e.action {
        case .accepted:
            text(&out, "channel", e.text1, texts)
            text(&out, "category", e.text2, texts)
            text(&out, "topic", e.text3, texts)
        case .assigned:
            text(&out, "unit", e.unit, texts)
            key(&out, "due"); timestamp(&out, e.due)
        case .extended:
            text(&out, "unit", e.unit, texts)
            key(&out, "due"); timestamp(&out, e.due)
            text(&out, "reason", e.text1, texts)
        case .returnedByCenter, .returnedByUnit:
            text(&out, "unit", e.unit, texts)
            key(&out, "by")
            out.append(contentsOf: (e.action == .returnedByCenter ? #""center""# : #""unit""#).utf8)
            text(&out, "reason", e.text1, texts)
        case .closed:
            text(&out, "unit", e.unit, texts)
            text(&out, "reply", e.text1, texts)
        case .callbackRated:
            text(&out, "unit", e.unit, texts)
            key(&out, "rating"); out.append(0x22); out.append(contentsOf: e.rating.rawValue.utf8); out.append(0x22)
            if let field = ratingTextField, e.ratingText >= 0 {
                out.append(0x2C)
                field.withUnsafeBytes { Self.string(&out, $0) }
                out.append(0x3A)
                texts.withBytes(of: e.ratingText) { Self.string(&out, $0) }
            }
        case .skip: break
        }
        out.append(0x7D)
    }
}
