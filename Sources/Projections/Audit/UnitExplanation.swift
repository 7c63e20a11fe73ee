import Events

/// Every ticket behind one unit's numbers for one period: what `ledger-cli explain` prints.
///
/// Each list holds ticket ids; ``rework`` has one entry per rework event, so a ticket may
/// repeat. The lists add up to the unit's ``counts``: ``Explainer`` counts with the same
/// per-ticket core as ``Projection`` (`TicketFold`).
public struct UnitExplanation: Sendable {
    public var unit: String
    public var period: Period
    public var rules: RuleSet
    /// The unit's counts (equal to what ``Projection`` reports).
    public var counts: UnitCounts
    /// The unit's rates, score and grade.
    public var scorecard: Scorecard
    public var accepted: [String] = []
    public var due: [String] = []
    public var done: [String] = []
    public var onTime: [String] = []
    /// Due and not done on time: closed late or still open.
    public var overdue: [String] = []
    public var rework: [String] = []
    public var returns: [String] = []
    /// Rated callbacks (satisfied or unsatisfied).
    public var callbacks: [String] = []
    public var unsatisfied: [String] = []
    public var unreachable: [String] = []
    /// Per-ticket detail, in order of first appearance.
    public var tickets: [TicketDetail] = []

    /// What one ticket contributed.
    public struct TicketDetail: Sendable {
        public var ticket: String
        /// The live deadline, if the unit holds the ticket.
        public var deadline: Timestamp?
        /// The last closure not followed by rework.
        public var closedAt: Timestamp?
        /// Whether the ticket counts as due for the unit in the period.
        public var isDue: Bool
        public var isDone: Bool
        public var isOnTime: Bool
        /// Open, with a deadline in the period after the as-of instant: not due yet, so neither
        /// done nor overdue (``isDue`` is false).
        public var isPending = false
        /// The events that counted for this unit in the period, or set its state.
        public var events: [CountedEvent]

        /// How late the closure was (positive), or `nil` if on time or open.
        public var lateness: Int64? {
            guard let deadline, let closedAt, closedAt > deadline else { return nil }
            // In whole seconds, from each time's own seconds: the difference of two times
            // centuries apart does not fit in 64 bits of nanoseconds.
            return closedAt.seconds - deadline.seconds - (closedAt.nanosecondsIntoSecond < deadline.nanosecondsIntoSecond ? 1 : 0)
        }
    }

    /// One event of a ticket and what it counted as.
    public struct CountedEvent: Sendable {
        public var line: Int
        public var kind: EventKind
        public var at: Timestamp
        /// Labels such as `accepted`, `rework`, `unsatisfied`; empty when it only changed state.
        public var counted: [String]
    }
}
