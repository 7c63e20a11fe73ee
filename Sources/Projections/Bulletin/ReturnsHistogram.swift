/// How many tickets returned by units (退单) in a period had been returned 1, 2, 3, 4, 5+ times.
public struct ReturnsHistogram: Sendable, Equatable {
    /// `tickets[0]` returned once, … `tickets[4]` five times or more, counting each ticket's
    /// returns up to the end of the period.
    public var tickets: [Int] = [0, 0, 0, 0, 0]
    /// Returns (events) in the period.
    public var returns = 0

    /// Tickets with a return in the period.
    public var ticketCount: Int { tickets.reduce(0, +) }
}
