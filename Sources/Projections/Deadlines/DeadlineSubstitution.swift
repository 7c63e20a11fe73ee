import Events

/// Rewrites the deadlines a log carries into the ones a ``DeadlinePolicy`` sets, event by event,
/// so that a ``Projection`` fed the rewritten events counts due, done and onTime exactly as it
/// always does (the one counting core, `TicketFold`), only against other deadlines.
///
/// For a ticket that a limit applies to:
/// - `assigned`: the deadline is the policy's, from the assignment.
/// - `extended`: the policy deadline moves later by the extension's own span (the new
///   platform deadline minus the one it replaces).
/// - `returned` by the centre (rework): the limit restarts from the rework.
///
/// A ticket no limit matches keeps the log's deadlines. Hand it to
/// ``LogReplay/run(into:substituting:)``, or feed it every valid event in log order (``due(for:)``)
/// before the projection sees it, skipping the events the projection skips (`asOf`).
public struct DeadlineSubstitution: Sendable {
    /// The policy.
    public let policy: DeadlinePolicy
    /// The UTC offset of the centre's days.
    public let utcOffsetSeconds: Int32
    private var tickets: [String: TicketDeadlines] = [:]

    private struct TicketDeadlines {
        var kind = DeadlinePolicy.TicketKind()
        var limit: DeadlinePolicy.Limit?
        /// The log's live deadline, nanoseconds (`.min` before the first assignment).
        var platformDue: Int64 = .min
        /// The substituted live deadline, nanoseconds (`nil` before the first assignment); wider
        /// than a timestamp, since extensions move it by differences of timestamps.
        var policyDue: Int128?
    }

    /// A substitution under `policy` in a rule set's time zone.
    public init(policy: DeadlinePolicy, utcOffsetSeconds: Int32) {
        self.policy = policy
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// The deadline the event should carry under the policy (its own deadline, if any, when no
    /// limit applies or the event carries no deadline that matters).
    /// - Parameter event: The next valid event of the log, in log order.
    /// - Throws: ``CalendarError`` when a deadline would fall outside the calendar's years.
    public mutating func due(for event: Event) throws(CalendarError) -> Timestamp? {
        var due: Timestamp?, byCenter = false, ticketKind = DeadlinePolicy.TicketKind()
        switch event.body {
        case .accepted(let channel, let category, let topic):
            ticketKind = DeadlinePolicy.TicketKind(category: category, topic: topic, channel: channel)
        case .assigned(_, let deadline), .extended(_, let deadline, _):
            due = deadline
        case .returned(_, let by, _, let deadline):
            (due, byCenter) = (deadline, by == .center)
        case .closed, .callbackRated, .supervised, .supervisionAnswered, .adjusted:
            break
        }
        return try substitute(event.kind, ticket: event.ticket, at: event.at, due: due, byCenter: byCenter, ticketKind: ticketKind)
    }

    /// ``due(for:)`` of an event decoded in place from `line`.
    package mutating func due(for event: RawEvent, in line: UnsafeRawBufferPointer) throws(CalendarError) -> Timestamp? {
        try substitute(event.kind, ticket: event.ticket.string(in: line), at: event.at, due: event.due, byCenter: event.by == .center,
                       ticketKind: DeadlinePolicy.TicketKind(category: event.category?.string(in: line), topic: event.topic?.string(in: line),
                                                             channel: event.channel?.string(in: line)))
    }

    /// The substitution's rule for one event, whatever it was decoded into: `due` is the event's
    /// own deadline, `ticketKind` (read for `accepted` only) what a limit is chosen by.
    private mutating func substitute(_ kind: EventKind, ticket: String, at: Timestamp, due eventDue: Timestamp?, byCenter: Bool,
                                     ticketKind: @autoclosure () -> DeadlinePolicy.TicketKind) throws(CalendarError) -> Timestamp? {
        switch kind {
        case .accepted:
            let kind = ticketKind()
            tickets[ticket] = TicketDeadlines(kind: kind, limit: policy.limit(for: kind))
            return eventDue
        case .assigned:
            guard var state = tickets[ticket], let limit = state.limit, let due = eventDue else { return eventDue }
            let policyDue = try policy.deadline(assigned: at, length: limit.length, utcOffsetSeconds: utcOffsetSeconds)
            state.platformDue = due.nanoseconds
            state.policyDue = Int128(policyDue.nanoseconds)
            tickets[ticket] = state
            return policyDue
        case .extended:
            guard var state = tickets[ticket], state.limit != nil, let policyDue = state.policyDue, let due = eventDue else { return eventDue }
            let shifted = policyDue + Int128(due.nanoseconds) - Int128(state.platformDue)
            state.policyDue = shifted
            state.platformDue = due.nanoseconds
            tickets[ticket] = state
            return Self.timestamp(shifted)
        case .returned:
            guard byCenter, var state = tickets[ticket], let limit = state.limit, state.policyDue != nil else {
                return eventDue
            }
            let policyDue = try policy.deadline(assigned: at, length: limit.length, utcOffsetSeconds: utcOffsetSeconds)
            if let due = eventDue { state.platformDue = due.nanoseconds }
            state.policyDue = Int128(policyDue.nanoseconds)
            tickets[ticket] = state
            return policyDue
        case .closed, .callbackRated, .supervised, .supervisionAnswered, .adjusted:
            return eventDue
        }
    }

    /// `policyDue` as a timestamp: held within 64 bits (a deadline moved by centuries, which only
    /// absurd events ask for, lies beyond every time a log holds, as the held value does, so every
    /// closure compares with it as with the exact one).
    private static func timestamp(_ policyDue: Int128) -> Timestamp {
        Timestamp(nanoseconds: Int64(clamping: max(policyDue, Int128(Int64.min) + 1)))
    }
}
