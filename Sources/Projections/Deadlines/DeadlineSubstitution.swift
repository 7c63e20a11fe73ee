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
/// A ticket no limit matches keeps the log's deadlines. Feed it every valid event in log order,
/// before the projection sees it, and skip the events the projection skips (`asOf`).
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
        /// The substituted live deadline, nanoseconds.
        var policyDue: Int64 = .min
    }

    /// A substitution under `policy` in a rule set's time zone.
    public init(policy: DeadlinePolicy, utcOffsetSeconds: Int32) {
        self.policy = policy
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// The deadline the event should carry under the policy (`event.due` unchanged when no limit
    /// applies or the event carries no deadline that matters).
    /// - Parameters:
    ///   - event: An event decoded in place.
    ///   - line: The line `event` was decoded from.
    /// - Throws: ``CalendarError`` when a deadline would fall outside the calendar's years.
    public mutating func due(for event: RawEvent, in line: UnsafeRawBufferPointer) throws(CalendarError) -> Timestamp? {
        let ticket = event.ticket.string(in: line)
        switch event.kind {
        case .accepted:
            let kind = DeadlinePolicy.TicketKind(category: event.category?.string(in: line), topic: event.topic?.string(in: line),
                                                 channel: event.channel?.string(in: line))
            tickets[ticket] = TicketDeadlines(kind: kind, limit: policy.limit(for: kind))
            return event.due
        case .assigned:
            guard var state = tickets[ticket], let limit = state.limit, let due = event.due else { return event.due }
            let policyDue = try policy.deadline(assigned: event.at, length: limit.length, utcOffsetSeconds: utcOffsetSeconds)
            state.platformDue = due.nanoseconds
            state.policyDue = policyDue.nanoseconds
            tickets[ticket] = state
            return policyDue
        case .extended:
            guard var state = tickets[ticket], state.limit != nil, state.policyDue != .min, let due = event.due else { return event.due }
            state.policyDue += due.nanoseconds - state.platformDue
            state.platformDue = due.nanoseconds
            tickets[ticket] = state
            return Timestamp(nanoseconds: state.policyDue)
        case .returned:
            guard event.by == .center, var state = tickets[ticket], let limit = state.limit, state.policyDue != .min else {
                return event.due
            }
            let policyDue = try policy.deadline(assigned: event.at, length: limit.length, utcOffsetSeconds: utcOffsetSeconds)
            if let due = event.due { state.platformDue = due.nanoseconds }
            state.policyDue = policyDue.nanoseconds
            tickets[ticket] = state
            return policyDue
        case .closed, .callbackRated, .supervised, .supervisionAnswered, .adjusted:
            return event.due
        }
    }
}
