/// The life-cycle state of one ticket, as the validator tracks it.
struct TicketLifecycle: Sendable {
    // Fields ordered widest first: 40 bytes a ticket (not 48), which matters for cache hits
    // and checkpoint size with hundreds of thousands of tickets.
    /// The current deadline in nanoseconds (meaningful while held).
    var due: Int64 = 0
    /// `at` of the latest event.
    var lastAt: Int64 = .min
    /// Line of the `accepted` event; 0 before it.
    var acceptedLine: Int32 = 0
    /// The unit holding the ticket, or -1.
    var holder: Int32 = -1
    /// Units that have closed the ticket at some point: two inline; a third or later one
    /// sets `moreClosers` and lives in the validator's side table (the state stays a plain
    /// value, copied without reference counting).
    var closer0: Int32 = -1
    var closer1: Int32 = -1
    /// The ``LifecycleValidator/repeatKey(of:kind:)`` of the latest event (its id and type) in
    /// the low 31 bits; the top bit (``LifecycleValidator/sameTimeBit``) is set while more than
    /// one event happened at `lastAt`, whose keys the validator's side table holds. A line copied
    /// twice is caught with it: a copy has its original's time, which the ticket's later events
    /// cannot precede, so both are among the events at `lastAt`.
    var lastKey: UInt32 = 0
    /// Whether the holder has closed it (and no rework reopened it).
    var closed = false
    var moreClosers = false
    /// Supervisions of the holder not answered yet.
    var pendingSupervisions: UInt8 = 0
    /// The stream holds `adjusted` events, not a ticket.
    var isAdjustment = false
}

/// The events at one ticket's latest time when there are more than one: their
/// ``LifecycleValidator/repeatKey(of:kind:)`` keys and lines (0: not known, the first's).
struct SameTimeEvents: Sendable, Equatable {
    var keys: [UInt32]
    var lines: [Int32]
}
