/// What the fold remembers about one ticket: its live assignment and the counts it adds.
struct TicketFold: Sendable {
    // Fields ordered widest first: 32 bytes a ticket.
    /// The live deadline, nanoseconds.
    var due: Int64 = 0
    /// The last closure not followed by rework, nanoseconds; `.min` while open.
    var closedAt: Int64 = .min
    /// The unit holding the live assignment, or -1 (unassigned or declined).
    var unit: Int32 = -1
    /// Where this ticket's due/done/onTime currently count: unit (-1 none), day and flags.
    var countedUnit: Int32 = -1
    var countedDay: Int32 = 0
    var countedDone = false
    var countedOnTime = false
    /// The ticket's accepted event was seen and its channel passes the filter.
    var included = false

    var isClosed: Bool { closedAt != .min }
}
