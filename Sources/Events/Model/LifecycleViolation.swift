/// Why an event is not allowed in its ticket's current state.
public enum LifecycleViolation: Sendable, Equatable {
    /// Any event before the ticket's `accepted` event.
    case neverAccepted
    /// A second `accepted` event (the first was at `firstLine`).
    case acceptedTwice(firstLine: Int)
    /// In a batch being appended: an `accepted` event for a ticket the log already accepted
    /// (at `line` of the log).
    case acceptedInLog(line: Int)
    /// `assigned` while a unit holds the ticket.
    case alreadyHeld(by: String)
    /// The event's unit does not hold the ticket (`holder` is `nil` when nobody does).
    case notHolder(unit: String, holder: String?)
    /// The event needs the ticket open, but it is closed.
    case notOpen
    /// The event needs the ticket closed by the unit (rework), but it is open.
    case notClosed
    /// A callback for a unit that never closed the ticket.
    case neverClosedBy(unit: String)
    /// An extension that does not move the deadline later.
    case deadlineNotLater(current: Timestamp, requested: Timestamp)
    /// `at` is earlier than the ticket's previous event.
    case timeWentBackwards(previous: Timestamp)
    /// `supervision-answered` by a unit with no unanswered supervision of the ticket.
    case notSupervised(unit: String)
    /// `adjusted` on the stream of an accepted ticket.
    case adjustmentOnTicket
    /// A ticket event on a stream that holds adjustments.
    case adjustmentStream
    /// The event repeats the id and type of one of the ticket's events at the same time, first
    /// on `firstLine` (`nil` when not known: then the one before the ticket's other events at
    /// that time): a line copied twice, which would be counted twice.
    case repeated(id: String, firstLine: Int?)

    /// The sentence that follows "ticket T2 ".
    func message(for type: EventKind) -> String {
        let verb = type.rawValue
        switch self {
        case .neverAccepted:
            return "\(verb) but it was never accepted"
        case .acceptedTwice(let line):
            return line > 0 ? "accepted twice (first on line \(line))" : "accepted twice"
        case .acceptedInLog(let line):
            return "accepted twice (already accepted on line \(line) of the log)"
        case .alreadyHeld(let unit):
            return "assigned while \(unit) still holds it"
        case .notHolder(let unit, let holder?):
            return "\(verb) by \(unit), but \(holder) holds it"
        case .notHolder(let unit, nil):
            return "\(verb) by \(unit), but no unit holds it"
        case .notOpen:
            return "\(verb) but it is already closed"
        case .notClosed:
            return "returned for rework but it is not closed"
        case .neverClosedBy(let unit):
            return "callback rated for \(unit), which never closed it"
        case .deadlineNotLater(let current, let requested):
            return "extended to \(requested.rfc3339()), not later than the deadline \(current.rfc3339())"
        case .timeWentBackwards(let previous):
            return "\(verb) at a time before its previous event (\(previous.rfc3339()))"
        case .notSupervised(let unit):
            return "supervision answered by \(unit), which has no unanswered supervision of it"
        case .adjustmentOnTicket:
            return "adjusted, but it is a ticket: an adjustment needs an id of its own (e.g. ADJ-2024-02-01)"
        case .adjustmentStream:
            return "\(verb), but that id holds adjustments, not a ticket"
        case .repeated(let id, let line?):
            return "\(verb) again with the id \"\(id)\" and the time of line \(line): a copy of that line, which would be counted twice"
        case .repeated(let id, nil):
            // Only the first of a ticket's events at one time is known by its key alone.
            return "\(verb) again with the id \"\(id)\" and the time of the ticket's first line at that time: a copy of that line, which would be counted twice"
        }
    }
}
