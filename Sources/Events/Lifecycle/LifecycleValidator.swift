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
///
/// The validator interns ticket ids and unit names; replays reuse those ids.
public struct LifecycleValidator: Sendable {
    /// Ticket ids seen so far.
    public private(set) var tickets = ByteInterner(capacity: 4096)
    /// Unit names seen so far.
    public private(set) var units = ByteInterner(capacity: 256)
    private var states: [TicketLifecycle] = []

    public init() {}

    /// The interned ids of the last event passed to ``apply(_:in:line:)``.
    public private(set) var lastTicket: Int32 = -1
    public private(set) var lastUnit: Int32 = -1

    /// Checks `event` and, when it is allowed, applies it to its ticket's state.
    /// - Parameters:
    ///   - event: The decoded event.
    ///   - line: The line it was decoded from (its string fields point into it).
    ///   - lineNumber: Its one-based line number, remembered for later messages.
    /// - Returns: `nil` when the event is valid, else the problem (the state is unchanged).
    public mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer, lineNumber: Int) -> EventProblem? {
        let ticket = Self.intern(event.ticket, in: line, into: &tickets)
        lastTicket = ticket
        if Int(ticket) == states.count { states.append(TicketLifecycle()) }
        var unit: Int32 = -1
        if let ref = event.unit { unit = Self.intern(ref, in: line, into: &units) }
        lastUnit = unit
        guard let violation = check(event, ticket: ticket, unit: unit, lineNumber: lineNumber) else { return nil }
        return .lifecycle(ticket: event.ticket.string(in: line), type: event.kind, violation: violation)
    }

    private mutating func check(_ event: RawEvent, ticket: Int32, unit: Int32, lineNumber: Int) -> LifecycleViolation? {
        var state = states[Int(ticket)]
        let at = event.at.nanoseconds
        if event.kind == .accepted {
            if state.acceptedLine != 0 { return .acceptedTwice(firstLine: Int(state.acceptedLine)) }
            state.acceptedLine = Int32(truncatingIfNeeded: lineNumber)
            state.lastAt = at
            states[Int(ticket)] = state
            return nil
        }
        guard state.acceptedLine != 0 else { return .neverAccepted }
        guard at >= state.lastAt else { return .timeWentBackwards(previous: Timestamp(nanoseconds: state.lastAt)) }
        func holderName() -> String? { state.holder >= 0 ? units.string(state.holder) : nil }
        switch event.kind {
        case .accepted:
            break
        case .assigned:
            if state.holder >= 0 { return .alreadyHeld(by: units.string(state.holder)) }
            state.holder = unit
            state.closed = false
            state.due = event.due!.nanoseconds
        case .extended:
            guard state.holder == unit else { return .notHolder(unit: units.string(unit), holder: holderName()) }
            guard !state.closed else { return .notOpen }
            let due = event.due!.nanoseconds
            guard due > state.due else {
                return .deadlineNotLater(current: Timestamp(nanoseconds: state.due), requested: event.due!)
            }
            state.due = due
        case .closed:
            guard state.holder == unit else { return .notHolder(unit: units.string(unit), holder: holderName()) }
            guard !state.closed else { return .notOpen }
            state.closed = true
            state.addCloser(unit)
        case .returned:
            guard state.holder == unit else { return .notHolder(unit: units.string(unit), holder: holderName()) }
            if event.by == .unit {
                guard !state.closed else { return .notOpen }
                state.holder = -1
            } else {
                guard state.closed else { return .notClosed }
                state.closed = false
                if let due = event.due { state.due = due.nanoseconds }
            }
        case .callbackRated:
            guard state.hasClosed(unit) else { return .neverClosedBy(unit: units.string(unit)) }
        }
        state.lastAt = at
        states[Int(ticket)] = state
        return nil
    }

    static func intern(_ ref: FieldRef, in line: UnsafeRawBufferPointer, into interner: inout ByteInterner) -> Int32 {
        interner.intern(ref, in: line)
    }
}
