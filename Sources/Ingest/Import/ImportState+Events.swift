import Events

extension ImportState {
    /// Sorts each ticket's events by time (ties by row), gives them ids, leaves out those the
    /// log holds, checks the rest against the log's state and hands good tickets to `sink`.
    ///
    /// When rows were spilled (see ``EventSpill``), the tickets are taken a partition (a range
    /// of ticket numbers in order of first row) at a time, which gives the same order.
    mutating func makeEvents(verifier: inout LogVerifier, sink: inout EventSink) throws(ImportError) {
        if badTickets.count < tickets.count { badTickets += repeatElement(false, count: tickets.count - badTickets.count) }
        var emitter = Emitter(writer: LineWriter(offsetSeconds: mapping.offsetSeconds, ratingTextField: mapping.ratingTextField),
                              logHasEvents: verifier.eventCount > 0)
        defer { emitter.deallocate() }
        // Appended lines get the append's `recorded` stamp before they are checked, as the appender would add it.
        if case .stream(let batch) = sink { emitter.writer.stamp = batch.stamp }
        if let spill {
            try spill.write(&events)
            for partition in 0..<spill.partitionCount {
                var part = try spill.read(partition: partition)
                Self.sortEvents(&part)
                summary.eventsMade += part.count
                part.withUnsafeBufferPointer { emit($0, emitter: &emitter, verifier: &verifier, sink: &sink) }
            }
        } else {
            Self.sortEvents(&events)
            summary.eventsMade = events.count
            let all = events
            events = []
            all.withUnsafeBufferPointer { emit($0, emitter: &emitter, verifier: &verifier, sink: &sink) }
        }
        // Rows of a rejected ticket whose action the mapping skips are not listed (they make no event).
        summary.rejectedRows = Set(problemRows + rejectedRows).count
        summary.rejectedTickets = badTickets.lazy.filter { $0 }.count
    }

    static func sortEvents(_ events: inout [PendingEvent]) {
        events.sort { a, b in
            if a.ticket != b.ticket { return a.ticket < b.ticket }
            if a.at != b.at { return a.at < b.at }
            if a.row != b.row { return a.row < b.row }
            return a.seq < b.seq
        }
    }

    /// The buffers of ``emit(_:emitter:verifier:sink:)``.
    struct Emitter {
        var writer: LineWriter
        let logHasEvents: Bool
        /// The current ticket's lines.
        var lines = LineBuffer(capacity: 1 << 14)
        var id = LineBuffer(capacity: 256)
        var rows: [Int32] = []
        /// The current ticket's events at one instant (its tables kept from ticket to ticket).
        var instant = Instant()

        func deallocate() { lines.deallocate(); id.deallocate() }
    }

    /// A ticket's events at one instant, as ``emit(_:emitter:verifier:sink:)`` goes through them
    /// in order: each event's ordinal among those of its type, or that it is a copy.
    ///
    /// An event the same in every field as an earlier one at that time is a row exported twice
    /// (taken once, and not counted in the ordinals, so that an export without the copy gives
    /// every event the same id) unless another row changed the ticket between them: closed, sent
    /// back and closed again in one second are two closures. Callbacks change nothing, nor do
    /// copies; the events of the twin's own row (a ticket row's assignment and extension) do not
    /// count. A row's events are next to each other (sorted by time, row, order in the row), so
    /// the twin to look at is the nearest, and the change to look at the latest: one pass, with a
    /// table of the events by content once an instant has many.
    ///
    /// It also finds the near copies: an event of the type and unit of an earlier one at that time,
    /// from another row, with no change of the ticket between, that differs in another field (two
    /// callbacks rated differently, or entered at different times). Such an event is one of its
    /// own by the rule above, and is counted; the summary names them, since a row exported twice
    /// and edited in between looks the same.
    struct Instant {
        private var at = Int64.min
        /// The index of the instant's first event; -1 before a ticket's first.
        private var start = -1
        private static let actions = ImportMapping.Action.allCases
        /// The events so far of each type (in the order of ``actions``), copies left out.
        private var counts = [Int](repeating: 0, count: actions.count)
        /// The latest change of the ticket: its index and row.
        private var change: (index: Int, row: Int32)?
        /// The latest event of each content (copies included), from ``scanned`` events on.
        private var latest: [PendingEvent.Content: Int] = [:]
        /// The latest event of each type and unit, from ``scanned`` events on.
        private var latestOfKind: [Kind: Int] = [:]
        /// After ``ordinal(of:in:)`` gave an ordinal: the index of the earlier event the event is a
        /// near copy of, else `nil`.
        private(set) var nearTwin: Int?

        private struct Kind: Hashable {
            var action: ImportMapping.Action
            var unit: Int32
            init(_ event: PendingEvent) { (action, unit) = (event.action, event.unit) }
        }
        /// How many events are compared one by one before ``latest`` is built.
        static let scanned = 16

        /// Forgets the ticket before: the next event is another's.
        mutating func beginTicket() { start = -1 }

        /// The ordinal of `all[i]` among the events of its type at its time, or `nil` for a copy;
        /// the events of the ticket come one after the other, from ``beginTicket()`` on.
        mutating func ordinal(of i: Int, in all: UnsafeBufferPointer<PendingEvent>) -> Int? {
            let event = all[i]
            if event.at != at || start < 0 {
                (at, start, change) = (event.at, i, nil)
                for k in counts.indices { counts[k] = 0 }
                latest.removeAll(keepingCapacity: true)
                latestOfKind.removeAll(keepingCapacity: true)
            }
            let content = event.content
            let kind = Kind(event)
            var twin: Int?, sameKind: Int?
            if i - start <= Self.scanned {
                for k in stride(from: i - 1, through: start, by: -1) {
                    if sameKind == nil, Kind(all[k]) == kind { sameKind = k }
                    if all[k].content == content { twin = k; break }
                }
                if i - start == Self.scanned {
                    for k in start..<i { (latest[all[k].content], latestOfKind[Kind(all[k])]) = (k, k) }
                }
            } else {
                (twin, sameKind) = (latest[content], latestOfKind[kind])
            }
            if i - start >= Self.scanned { (latest[content], latestOfKind[kind]) = (i, i) }
            /// Whether no other row changed the ticket since event `k`.
            func unchanged(since k: Int) -> Bool { change.map { $0.index < k || $0.row == all[k].row } ?? true }
            if let twin, unchanged(since: twin) { return nil }
            nearTwin = nil
            if let sameKind, all[sameKind].row != event.row, all[sameKind].content != content, unchanged(since: sameKind) {
                nearTwin = sameKind
            }
            let type = Self.actions.firstIndex(of: event.action)!
            counts[type] += 1
            if event.action != .callbackRated { change = (i, event.row) }
            return counts[type]
        }
    }

    /// Takes what a ticket row's copy added to the summary's counts of what a ticket row cannot
    /// carry back out (they were counted as its row was read).
    private mutating func forgetCounts(ofCopy event: PendingEvent) {
        guard mapping.shape == .tickets else { return }
        switch event.action {
        case .accepted:
            let (reworks, declines) = PendingEvent.rowCounts(event.due)
            summary.reworksNotImported -= reworks
            if reworks > 0 { summary.ticketsWithReworks -= 1 }
            summary.declinesNotImported -= declines
        case .extended:
            summary.extensionsAtAssignmentTime -= 1
        default:
            break
        }
    }

    /// Handles whole tickets' events, sorted.
    private mutating func emit(_ all: UnsafeBufferPointer<PendingEvent>, emitter e: inout Emitter,
                               verifier: inout LogVerifier, sink: inout EventSink) {
        var start = 0
        while start < all.count {
            let ticket = all[start].ticket
            var end = start
            while end < all.count && all[end].ticket == ticket { end += 1 }
            defer { start = end }
            if badTickets[Int(ticket)] {
                for i in start..<end { rejectedRows.append(all[i].row) }
                continue
            }
            e.lines.count = 0
            e.rows.removeAll(keepingCapacity: true)
            var rejected = false
            var present = 0
            var duplicates = 0
            e.instant.beginTicket()
            for i in start..<end {
                let event = all[i]
                guard let ordinal = e.instant.ordinal(of: i, in: all) else {
                    duplicates += 1
                    forgetCounts(ofCopy: event)
                    continue
                }
                if let near = e.instant.nearTwin { summary.noteNearCopy(row: Int(event.row), of: Int(all[near].row)) }
                e.id.count = 0
                tickets.withBytes(of: ticket) { e.id.append($0) }
                e.writer.appendID(&e.id, action: event.action, at: event.at, ordinal: ordinal)
                // Ids made here are unique within the export (the ordinal sees to it), so only the
                // log's ids need looking up.
                if e.logHasEvents, verifier.ids.firstLine(of: e.id.bytes) != nil {
                    present += 1
                    continue
                }
                let lineStart = e.lines.count
                e.writer.write(event, id: e.id.bytes, tickets: tickets, texts: texts, into: &e.lines)
                let line = e.lines.bytes(from: lineStart)
                // With the chain member a chained log adds, the line must stay readable.
                if line.count + HashChain.memberLength > maxLineBytes {
                    let message = EventProblem.lineTooLong(byteCount: line.count + HashChain.memberLength, limit: maxLineBytes).message
                    record(RowProblem(row: Int(event.row), column: nil, kind: .lineTooLong, message: message), ticket: ticket)
                    rejected = true
                    break
                }
                let problem: EventProblem?
                do throws(EventProblem) {
                    let raw = try verifier.decoder.decode(line)
                    problem = verifier.lifecycle.apply(raw, in: line, lineNumber: Int(event.row))
                } catch {
                    problem = error
                }
                if let problem {
                    record(RowProblem(row: Int(event.row), column: nil, kind: .lifecycle, message: problem.message), ticket: ticket)
                    rejected = true
                    break
                }
                e.lines.ensure(1)
                e.lines.put(0x0A)
                e.rows.append(event.row)
            }
            summary.alreadyPresent += present
            summary.repeatedRows += duplicates
            if rejected {
                for i in start..<end { rejectedRows.append(all[i].row) }
                continue
            }
            guard !e.rows.isEmpty else { continue }
            summary.newEvents += e.rows.count
            summary.ticketsWithNewEvents += 1
            let bytes = UnsafeBufferPointer(start: e.lines.base, count: e.lines.count)
            switch sink {
            case .none: break
            case .file(let file): file.write(bytes)
            case .stream(let batch):
                var lineStart = 0
                for i in 0..<bytes.count where bytes[i] == 0x0A {
                    batch.append(line: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[lineStart..<i]))
                    lineStart = i + 1
                }
            }
        }
    }
}

/// A growable byte buffer written through a pointer (no per-byte bounds or uniqueness checks):
/// callers ``ensure(_:)`` room before ``put(_:)``. Freed by ``deallocate()``.
struct LineBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    func deallocate() { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    func bytes(from start: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + start, count: count - start) }

    @inline(__always) mutating func ensure(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    private mutating func grow(_ needed: Int) {
        var size = capacity * 2
        while size < needed { size *= 2 }
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        new.update(from: base, count: count)
        base.deallocate()
        base = new
        capacity = size
    }

    /// One byte; room must have been ensured.
    @inline(__always) mutating func put(_ b: UInt8) { base[count] = b; count += 1 }

    @inline(__always) mutating func append(_ bytes: UnsafeRawBufferPointer) {
        ensure(bytes.count)
        if let from = bytes.baseAddress { (base + count).update(from: from.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
        count += bytes.count
    }

    @inline(__always) mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `width` decimal digits of `value` (zero-padded); room must have been ensured.
    @inline(__always) mutating func digits(_ value: Int, _ width: Int) {
        var v = value
        var i = width - 1
        while i >= 0 { base[count + i] = UInt8(truncatingIfNeeded: 0x30 + v % 10); v /= 10; i -= 1 }
        count += width
    }

    @inline(__always) mutating func two(_ value: Int) {
        base[count] = UInt8(truncatingIfNeeded: 0x30 + value / 10); base[count + 1] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
        count += 2
    }
}

/// Writes events as wire-format lines, bytes only.
struct LineWriter {
    let offsetSeconds: Int32
    let ratingTextField: [UInt8]?
    /// The `recorded` value (JSON) of an append, for events without a recorded time; `nil`: such
    /// events are written without `recorded`.
    var stamp: [UInt8]?
    /// The last day converted to a civil date (timestamps of a ticket are mostly on few days).
    private var cachedDay: Int64 = .min
    private var cachedDate = CivilDate(year: 1970, month: 1, day: 1)

    init(offsetSeconds: Int32, ratingTextField: String?) {
        self.offsetSeconds = offsetSeconds
        self.ratingTextField = ratingTextField.map { Array($0.utf8) }
    }

    @inline(__always)
    private mutating func date(_ days: Int64) -> CivilDate {
        if days != cachedDay { cachedDay = days; cachedDate = CivilDate(daysSinceEpoch: Int(days)) }
        return cachedDate
    }

    /// `/accepted/20230901T011503Z` (UTC), then `/2` for a second event of the same type at the same time.
    mutating func appendID(_ id: inout LineBuffer, action: ImportMapping.Action, at: Int64, ordinal: Int) {
        id.ensure(2)
        id.put(0x2F)
        var label = action.rawValue   // the event type's name in ids: returned-by-center and so on
        label.withUTF8 { id.append(UnsafeRawBufferPointer($0)) }
        let (seconds, fraction) = Self.floorDivide(at, 1_000_000_000)
        let (days, secondOfDay) = Self.floorDivide(seconds, 86_400)
        let d = date(days)
        id.ensure(48)
        id.put(0x2F)
        id.digits(d.year, 4); id.two(d.month); id.two(d.day)
        id.put(0x54)
        let s = Int(secondOfDay)
        id.two(s / 3600); id.two(s / 60 % 60); id.two(s % 60)
        if fraction != 0 { id.put(0x2E); id.digits(Int(fraction), 9) }
        id.put(0x5A)
        if ordinal > 1 { id.put(0x2F); Self.decimal(&id, ordinal) }
    }

    static func decimal(_ out: inout LineBuffer, _ value: Int) {
        var width = 1, v = value
        while v >= 10 { v /= 10; width += 1 }
        out.ensure(width)
        out.digits(value, width)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b, r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }

    mutating func timestamp(_ out: inout LineBuffer, _ nanoseconds: Int64) {
        out.ensure(48)
        out.put(0x22)
        let (seconds, fraction) = Self.floorDivide(nanoseconds, 1_000_000_000)
        let (days, secondOfDay) = Self.floorDivide(seconds + Int64(offsetSeconds), 86_400)
        let d = date(days)
        out.digits(d.year, 4); out.put(0x2D); out.two(d.month); out.put(0x2D); out.two(d.day)
        out.put(0x54)
        let s = Int(secondOfDay)
        out.two(s / 3600); out.put(0x3A)
        out.two(s / 60 % 60); out.put(0x3A)
        out.two(s % 60)
        if fraction != 0 {
            var f = Int(fraction), width = 9
            while f % 10 == 0 { f /= 10; width -= 1 }
            out.put(0x2E); out.digits(f, width)
        }
        if offsetSeconds == 0 { out.put(0x5A) } else {
            out.put(offsetSeconds < 0 ? 0x2D : 0x2B)
            let o = Int(abs(offsetSeconds))
            out.two(o / 3600); out.put(0x3A); out.two(o / 60 % 60)
        }
        out.put(0x22)
    }

    static func string(_ out: inout LineBuffer, _ bytes: UnsafeRawBufferPointer) {
        var clean = true
        for b in bytes where b < 0x20 || b == 0x22 || b == 0x5C { clean = false; break }
        if clean {
            out.ensure(bytes.count + 2)
            out.put(0x22)
            out.append(bytes)
            out.put(0x22)
            return
        }
        out.ensure(bytes.count * 6 + 2)
        out.put(0x22)
        let hex: StaticString = "0123456789abcdef"
        let h = hex.utf8Start
        for b in bytes {
            switch b {
            case 0x22: out.put(0x5C); out.put(0x22)
            case 0x5C: out.put(0x5C); out.put(0x5C)
            case 0x0A: out.put(0x5C); out.put(0x6E)
            case 0x0D: out.put(0x5C); out.put(0x72)
            case 0x09: out.put(0x5C); out.put(0x74)
            case ..<0x20:
                out.put(0x5C); out.put(0x75); out.put(0x30); out.put(0x30); out.put(h[Int(b >> 4)]); out.put(h[Int(b & 15)])
            default: out.put(b)
            }
        }
        out.put(0x22)
    }

    /// `,"name":`
    @inline(__always)
    private func key(_ out: inout LineBuffer, _ name: StaticString) {
        out.ensure(name.utf8CodeUnitCount + 4)
        out.put(0x2C); out.put(0x22)
        out.append(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.put(0x22); out.put(0x3A)
    }

    private func text(_ out: inout LineBuffer, _ name: StaticString, _ id: Int32, _ texts: ByteInterner) {
        guard id >= 0 else { return }
        key(&out, name)
        texts.withBytes(of: id) { Self.string(&out, $0) }
    }

    mutating func write(_ e: PendingEvent, id: UnsafeRawBufferPointer, tickets: ByteInterner, texts: ByteInterner, into out: inout LineBuffer) {
        out.append(#"{"id":"#)
        Self.string(&out, id)
        key(&out, "ticket")
        tickets.withBytes(of: e.ticket) { Self.string(&out, $0) }
        key(&out, "type")
        switch e.action {
        case .accepted: out.append(#""accepted""#)
        case .assigned: out.append(#""assigned""#)
        case .extended: out.append(#""extended""#)
        case .closed: out.append(#""closed""#)
        case .returnedByCenter, .returnedByUnit: out.append(#""returned""#)
        case .callbackRated: out.append(#""callback-rated""#)
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
            out.append(e.action == .returnedByCenter ? #""center""# : #""unit""#)
            text(&out, "reason", e.text1, texts)
        case .closed:
            text(&out, "unit", e.unit, texts)
            text(&out, "reply", e.text1, texts)
        case .callbackRated:
            text(&out, "unit", e.unit, texts)
            key(&out, "rating")
            switch e.rating {
            case .satisfied: out.append(#""satisfied""#)
            case .unsatisfied: out.append(#""unsatisfied""#)
            case .unreachable: out.append(#""unreachable""#)
            }
            if let field = ratingTextField, e.ratingText >= 0 {
                out.ensure(1)
                out.put(0x2C)
                field.withUnsafeBytes { Self.string(&out, $0) }
                out.ensure(1)
                out.put(0x3A)
                texts.withBytes(of: e.ratingText) { Self.string(&out, $0) }
            }
        case .skip: break
        }
        if e.recorded == .min, let stamp {
            // Where the appender puts it: the last member.
            out.append(#","recorded":"#)
            stamp.withUnsafeBytes { out.append($0) }
        }
        out.ensure(1)
        out.put(0x7D)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
