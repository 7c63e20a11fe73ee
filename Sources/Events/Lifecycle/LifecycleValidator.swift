/// Checks events against the ticket life cycle and keeps every ticket's state.
///
/// Rules, per ticket and in log order:
/// - `accepted` exactly once and first; `at` never goes backwards.
/// - `assigned` only while no unit holds the ticket.
/// - `extended` and `closed` only by the holding unit, only while open; an extension must
///   move the deadline later.
/// - `returned` by the unit only while it holds the ticket open (the ticket goes back to the
///   centre); by the centre only after the holding unit closed it (rework: it reopens).
/// - `callback-rated` only for a unit that has closed the ticket.
/// - `supervised` only for the unit holding the ticket (open or closed); `supervision-answered`
///   only by that unit, while one of its supervisions is unanswered. A decline or a new
///   assignment drops unanswered supervisions.
/// - `adjusted` only on a stream of its own: never on an accepted ticket, and no other event
///   on an adjustment's stream.
/// - No event the rules above allow repeats the id and type of one of the ticket's events at
///   the same time: that is a line copied twice, which would be counted twice (a copy has its
///   original's time, and the events between them cannot be earlier, so both are among the
///   ticket's events at its latest time). Ids are compared by a 48-bit key of the id and type,
///   seeded at random for each validator, among the events of one ticket at one instant (two
///   different ids of one ticket and type at one instant share a key with a chance of 1 in 2^48,
///   however they were chosen); any other repeat of an id is ``LogVerifier``'s to find.
///
/// The validator interns ticket ids and unit names; replays reuse those ids.
public struct LifecycleValidator: Sendable {
    /// Ticket ids seen so far.
    package internal(set) var tickets = ByteInterner(capacity: 4096)
    /// Unit names seen so far.
    package internal(set) var units = ByteInterner(capacity: 256)
    var states = PlainArray<TicketLifecycle>()
    /// Closers beyond the two a ticket's state holds inline, by ticket (rare).
    var moreClosers: [Int32: [Int32]] = [:]
    /// The events at a ticket's latest time, for the tickets with more than one (their state's
    /// ``TicketLifecycle/hasSameTime`` is set; rare).
    var sameTime: [Int32: SameTimeEvents] = [:]
    /// While journaling (see ``beginJournal()``), each ticket's state before a change, in order,
    /// with how to undo the change of ``sameTime``.
    private var journal: [(ticket: Int32, state: TicketLifecycle, closers: [Int32]?, sameTime: SameTimeUndo)]?
    /// While journaling, how to undo what the event being applied changed in ``sameTime``.
    private var sameTimeUndo = SameTimeUndo.none

    /// How to undo a change of ``sameTime`` (the events at one time can be many: they are not
    /// copied for each event, which would take time growing with the square of their number).
    private enum SameTimeUndo {
        case none
        /// An event joined the events at the ticket's latest time: the one before it, `key`, is
        /// the latest again, at `line`.
        case remove(key: UInt64, line: Int32)
        /// Put back what the ticket had (nil: nothing).
        case restore(SameTimeEvents?)
    }

    public init() {}

    /// Makes room, before the first event, for the tickets a log of that size probably holds, so
    /// that the ticket tables are not grown (copied into fresh memory) again and again as they fill.
    /// The states are appended as tickets come and reached mostly near the end: small pages (see
    /// ``PlainArray/init(sequentialCapacity:)``).
    package mutating func reserve(for log: LogSizeEstimate) {
        guard tickets.count == 0, states.isEmpty else { return }
        tickets.reserve(keys: log.tickets, bytes: log.tickets * Self.ticketIDBytes, slotted: log.slottedTickets)
        states = PlainArray(sequentialCapacity: log.tickets)
    }

    /// The room of the tables that fill as tickets come (states, ticket ids), for a ``PageWarmer``.
    package var ticketTableRooms: [PlainArrayRoom] {
        [states.room, tickets.arena.room.holding(bytesPerTicket: Self.ticketIDBytes).pacedByKeyBytes(), tickets.starts.room]
    }

    /// Tells `warmer`, which warms ``ticketTableRooms`` (and tables filled a ticket at a time
    /// with them), how far the tables are filled: the tickets, and the bytes of their ids.
    package func advance(_ warmer: PageWarmer?) {
        warmer?.advance(tickets: tickets.count, keyBytes: tickets.keyBytes)
    }

    /// The bytes a ticket id is reserved (they are about a dozen).
    static let ticketIDBytes = 16

    /// The seed of ``repeatKey(of:kind:)``: random for each new validator (kept by a
    /// checkpoint), so that no two ids can be chosen to share a key: two different ids of one
    /// ticket and type at one instant share one with a chance of 1 in 2^48, whatever they are.
    var keySeed = UInt64.random(in: .min ... .max)

    /// The interned ids of the last event passed to ``apply(_:in:lineNumber:)``.
    package internal(set) var lastTicket: Int32 = -1
    package internal(set) var lastUnit: Int32 = -1

    /// Checks `event` and, when it is allowed, applies it to its ticket's state.
    /// - Parameters:
    ///   - event: The decoded event.
    ///   - line: The line it was decoded from (its string fields point into it).
    ///   - lineNumber: Its one-based line number, remembered for later messages.
    /// - Returns: `nil` when the event is valid, else the problem (the state is unchanged).
    package mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer, lineNumber: Int) -> EventProblem? {
        let ticket = Self.intern(event.ticket, in: line, into: &tickets)
        lastTicket = ticket
        if Int(ticket) == states.count { states.append(TicketLifecycle()) }
        var unit: Int32 = -1
        if let ref = event.unit { unit = Self.intern(ref, in: line, into: &units) }
        lastUnit = unit
        return apply(kind: event.kind, at: event.at.nanoseconds, due: event.due?.nanoseconds ?? .min, by: event.by,
                     ticket: ticket, unit: unit, key: repeatKey(of: event.id, in: line, kind: event.kind),
                     ticketName: event.ticket.string(in: line), id: event.id.string(in: line), lineNumber: lineNumber)
    }

    /// Checks an event's essentials against its ticket's state (interned ids) and applies it
    /// when allowed; `ticketName` is evaluated only for a message.
    mutating func apply(kind: EventKind, at: Int64, due: Int64, by: ReturnParty?, ticket: Int32, unit: Int32, key: UInt64,
                        ticketName: @autoclosure () -> String, id: @autoclosure () -> String, lineNumber: Int) -> EventProblem? {
        var state = states[Int(ticket)]
        let before = state
        let closersBefore = journal != nil && before.moreClosers ? moreClosers[ticket] : nil
        sameTimeUndo = .none
        guard let violation = check(kind, at: at, due: due, by: by, ticket: ticket, unit: unit, key: key, id: id(),
                                    lineNumber: lineNumber, state: &state)
        else {
            journal?.append((ticket, before, closersBefore, sameTimeUndo))
            states[Int(ticket)] = state
            return nil
        }
        return .lifecycle(ticket: ticketName(), type: kind, violation: violation)
    }

    /// Checks a line decoded by a parallel scan (``LogScan``); the same rules as ``apply(_:in:lineNumber:)``.
    /// - Parameters:
    ///   - event: The scanned record; its spans point into `block`.
    ///   - block: The bytes of the block the line belongs to.
    package mutating func apply(_ event: ScannedEvent, in block: UnsafeRawBufferPointer, lineNumber: Int) -> EventProblem? {
        states.reserveCapacity(states.count + 1)
        return apply(event, in: block, lineNumber: lineNumber, states: states.unsafeBase!)
    }

    /// ``apply(_:in:lineNumber:)-(ScannedEvent,_,_)`` reaching the ticket states through
    /// `base`, their storage, which must be unique and have room for one more state.
    @inline(__always)
    mutating func apply(_ event: ScannedEvent, in block: UnsafeRawBufferPointer, lineNumber: Int,
                        states base: UnsafeMutablePointer<TicketLifecycle>) -> EventProblem? {
        let ticket = event.flags.contains(.ticketEscaped)
            ? tickets.intern(event.ticketRef, in: event.line(in: block))
            : tickets.intern(event.ticket.bytes(in: block), hash: event.ticketHash)
        lastTicket = ticket
        if Int(ticket) == states.count { states.appendInReservedRoom(TicketLifecycle()) }
        var unit: Int32 = -1
        if event.flags.contains(.hasUnit) {
            unit = event.flags.contains(.unitEscaped)
                ? units.intern(event.unitRef, in: event.line(in: block))
                : units.intern(event.unit.bytes(in: block), hash: event.unitHash)
        }
        lastUnit = unit
        var state = base[Int(ticket)]
        let key = event.flags.contains(.idEscaped)
            ? repeatKey(of: event.idRef, in: event.line(in: block), kind: event.kind)
            : repeatKey(of: event.id.bytes(in: block), kind: event.kind)
        guard let violation = check(event.kind, at: event.at, due: event.due, by: event.by, ticket: ticket, unit: unit,
                                    key: key, id: event.idRef.string(in: event.line(in: block)), lineNumber: lineNumber,
                                    state: &state)
        else {
            base[Int(ticket)] = state
            return nil
        }
        return .lifecycle(ticket: event.ticketRef.string(in: event.line(in: block)), type: event.kind, violation: violation)
    }

    /// The rules, on the event's essentials (`due` is `.min` when absent).
    /// On success `state` is the ticket's new state; on a violation it is to be dropped.
    @inline(__always)
    private mutating func check(_ kind: EventKind, at: Int64, due eventDue: Int64, by: ReturnParty?, ticket: Int32, unit: Int32,
                                key: UInt64, id: @autoclosure () -> String, lineNumber: Int,
                                state: inout TicketLifecycle) -> LifecycleViolation? {
        if kind == .adjusted || state.isAdjustment {
            guard kind == .adjusted else { return .adjustmentStream }
            guard state.acceptedLine == 0 else { return .adjustmentOnTicket }
            guard at >= state.lastAt else { return .timeWentBackwards(previous: Timestamp(nanoseconds: state.lastAt)) }
            if let repeated = note(at: at, key: key, id: id(), ticket: ticket, lineNumber: lineNumber, state: &state) {
                return repeated
            }
            state.isAdjustment = true
            return nil
        }
        if kind == .accepted {
            if state.acceptedLine != 0 { return .acceptedTwice(firstLine: Int(state.acceptedLine)) }
            // A line number of 0 or less (an in-memory event) still marks the ticket accepted.
            state.acceptedLine = lineNumber > 0 ? Int32(truncatingIfNeeded: lineNumber) : -1
            state.lastAt = at
            state.lastKey = key
            return nil
        }
        guard state.acceptedLine != 0 else { return .neverAccepted }
        guard at >= state.lastAt else { return .timeWentBackwards(previous: Timestamp(nanoseconds: state.lastAt)) }
        func holderName() -> String? { state.holder >= 0 ? units.string(state.holder) : nil }
        switch kind {
        case .accepted:
            break
        case .assigned:
            if state.holder >= 0 { return .alreadyHeld(by: units.string(state.holder)) }
            state.holder = unit
            state.closed = false
            state.due = eventDue
            state.pendingSupervisions = 0
        case .extended:
            guard state.holder == unit else { return .notHolder(unit: units.string(unit), holder: holderName()) }
            guard !state.closed else { return .notOpen }
            guard eventDue > state.due else {
                return .deadlineNotLater(current: Timestamp(nanoseconds: state.due), requested: Timestamp(nanoseconds: eventDue))
            }
            state.due = eventDue
        case .closed:
            guard state.holder == unit else { return .notHolder(unit: units.string(unit), holder: holderName()) }
            guard !state.closed else { return .notOpen }
            state.closed = true
            addCloser(unit, to: &state, ticket: ticket)
        case .returned:
            guard state.holder == unit else { return .notHolder(unit: units.string(unit), holder: holderName()) }
            if by == .unit {
                guard !state.closed else { return .notOpen }
                state.holder = -1
                state.pendingSupervisions = 0
            } else {
                guard state.closed else { return .notClosed }
                state.closed = false
                if eventDue != .min { state.due = eventDue }
            }
        case .callbackRated:
            guard hasClosed(unit, state, ticket: ticket) else { return .neverClosedBy(unit: units.string(unit)) }
        case .supervised:
            guard state.holder == unit else { return .notHolder(unit: units.string(unit), holder: holderName()) }
            if state.pendingSupervisions < .max { state.pendingSupervisions += 1 }
        case .supervisionAnswered:
            guard state.holder == unit else { return .notHolder(unit: units.string(unit), holder: holderName()) }
            guard state.pendingSupervisions > 0 else { return .notSupervised(unit: units.string(unit)) }
            state.pendingSupervisions -= 1
        case .adjusted:
            break
        }
        return note(at: at, key: key, id: id(), ticket: ticket, lineNumber: lineNumber, state: &state)
    }

    /// Records an event the rules allowed as the ticket's latest, or refuses it when it repeats
    /// one of the ticket's events at the same time (the same ``repeatKey(of:kind:)``).
    @inline(__always)
    private mutating func note(at: Int64, key: UInt64, id: @autoclosure () -> String, ticket: Int32, lineNumber: Int,
                               state: inout TicketLifecycle) -> LifecycleViolation? {
        guard at == state.lastAt else {
            if state.hasSameTime {
                let events = sameTime.removeValue(forKey: ticket)
                if journal != nil { sameTimeUndo = .restore(events) }
                state.hasSameTime = false
            }
            state.lastAt = at
            state.lastKey = key
            return nil
        }
        return noteAtSameTime(key: key, id: id(), ticket: ticket, lineNumber: lineNumber, state: &state)
    }

    /// ``note(at:key:id:ticket:lineNumber:state:)`` for an event at the ticket's latest time.
    @inline(never)
    private mutating func noteAtSameTime(key: UInt64, id: @autoclosure () -> String, ticket: Int32, lineNumber: Int,
                                         state: inout TicketLifecycle) -> LifecycleViolation? {
        let line = lineNumber > 0 && lineNumber <= Int(Int32.max) ? Int32(lineNumber) : 0
        if !state.hasSameTime {
            // The ticket's one event at this time is known by its key only (its line is not kept).
            guard key != state.lastKey else { return .repeated(id: id(), firstLine: nil) }
            sameTime[ticket] = SameTimeEvents(firstKey: state.lastKey, latestLine: line)
            if journal != nil { sameTimeUndo = .restore(nil) }
            state.hasSameTime = true
        } else {
            if let earlier = sameTime[ticket]?.line(of: key, latestKey: state.lastKey) {
                return .repeated(id: id(), firstLine: earlier > 0 ? Int(earlier) : nil)
            }
            // Changed in place: the table is not copied for each event.
            let previous = state.lastKey
            let previousLine = sameTime[ticket]?.latestLine ?? 0
            if sameTime[ticket]?.between == nil { sameTime[ticket]?.between = [:] }
            sameTime[ticket]?.between?[previous] = previousLine
            sameTime[ticket]?.latestLine = line
            if journal != nil { sameTimeUndo = .remove(key: previous, line: previousLine) }
        }
        state.lastKey = key
        return nil
    }

    /// The key by which events of one ticket at one time are told apart: 48 bits of a hash of
    /// the id's value and the type, seeded with ``keySeed``.
    @inline(__always)
    func repeatKey(of id: UnsafeRawBufferPointer, kind: EventKind) -> UInt64 {
        let count = id.count
        // The length and type multiplied in first, so that no byte of the id can cancel them,
        // with the validator's seed.
        var h = (UInt64(truncatingIfNeeded: count) << 8 | UInt64(kind.ordinal)) ^ keySeed &+ 0x2545_f491_4f6c_dd1d
        h = h &* 0x9e37_79b9_7f4a_7c15
        h ^= h >> 29
        var offset = 0
        let base = id.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!  // nothing is read when `count` is 0
        while offset + 8 <= count {
            h = (h ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
            h ^= h >> 29
            offset += 8
        }
        if offset < count {
            // The last 8 bytes (overlapping the ones hashed), or the few there are.
            var tail: UInt64 = 0
            if count >= 8 {
                tail = base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            } else {
                for i in 0..<count { tail = tail << 8 | UInt64(base.load(fromByteOffset: i, as: UInt8.self)) }
            }
            h = (h ^ tail) &* 0xc4ce_b9fe_1a85_ec53
            h ^= h >> 29
        }
        h = h &* 0x9e37_79b9_7f4a_7c15
        return h >> 16
    }

    /// ``repeatKey(of:kind:)`` of the id a string field of `line` holds (escapes resolved).
    func repeatKey(of id: FieldRef, in line: UnsafeRawBufferPointer, kind: EventKind) -> UInt64 {
        guard id.escaped else { return repeatKey(of: UnsafeRawBufferPointer(rebasing: line[id.range]), kind: kind) }
        var decoded = id.string(in: line)
        return decoded.withUTF8 { repeatKey(of: UnsafeRawBufferPointer($0), kind: kind) }
    }

    /// ``repeatKey(of:kind:)`` of an id given as a string.
    func repeatKey(of id: String, kind: EventKind) -> UInt64 {
        var id = id
        return id.withUTF8 { repeatKey(of: UnsafeRawBufferPointer($0), kind: kind) }
    }

    private func hasClosed(_ unit: Int32, _ state: TicketLifecycle, ticket: Int32) -> Bool {
        state.closer0 == unit || state.closer1 == unit || (state.moreClosers && moreClosers[ticket]?.contains(unit) == true)
    }

    private mutating func addCloser(_ unit: Int32, to state: inout TicketLifecycle, ticket: Int32) {
        if hasClosed(unit, state, ticket: ticket) { return }
        if state.closer0 < 0 {
            state.closer0 = unit
        } else if state.closer1 < 0 {
            state.closer1 = unit
        } else {
            state.moreClosers = true
            moreClosers[ticket, default: []].append(unit)
        }
    }

    /// Starts recording every change of a ticket's state through ``apply(_:in:lineNumber:)``, so
    /// that ``rollBackJournal()`` can undo them (a batch rejected after some of its lines applied).
    package mutating func beginJournal() { journal = [] }

    /// Keeps the changes made since ``beginJournal()`` and stops recording.
    package mutating func commitJournal() { journal = nil }

    /// Undoes the changes made since ``beginJournal()``, newest first, and stops recording.
    /// Names interned meanwhile stay interned: a ticket whose state is back to the initial one
    /// is the same as a ticket never seen.
    package mutating func rollBackJournal() {
        guard let entries = journal else { return }
        for entry in entries.reversed() {
            states[Int(entry.ticket)] = entry.state
            if entry.state.moreClosers {
                moreClosers[entry.ticket] = entry.closers
            } else {
                moreClosers[entry.ticket] = nil
            }
            switch entry.sameTime {
            case .none: break
            case .remove(let key, let line):
                // The state, restored above, holds `key` as its latest again.
                sameTime[entry.ticket]?.latestLine = line
                sameTime[entry.ticket]?.between?[key] = nil
                if sameTime[entry.ticket]?.between?.isEmpty == true { sameTime[entry.ticket]?.between = nil }
            case .restore(let events): sameTime[entry.ticket] = events
            }
        }
        journal = nil
    }

    static func intern(_ ref: FieldRef, in line: UnsafeRawBufferPointer, into interner: inout ByteInterner) -> Int32 {
        interner.intern(ref, in: line)
    }
}
