import Events

/// A ticket in a bulletin list: its id, deadline and closure.
public struct TicketStatus: Sendable, Equatable {
    public var ticket: String
    public var deadline: Timestamp
    /// The last closure not followed by rework; `nil` while open.
    public var closedAt: Timestamp?
    /// How many times it was counted (reworks of one ticket in the period).
    public var times: Int
    /// The centre returned it for rework (`returned by=center`) by the end of the period, when
    /// it stood closed on time, so that it went overdue because of the return (set in the
    /// overdue lists: the `centre-return` excuse of ``RuleSet/OverdueExcuse``).
    public var centreReturned = false
}
