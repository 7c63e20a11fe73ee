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
    /// The ``LifecycleValidator/repeatKey(of:kind:)`` of the latest event (its id and type), 48
    /// bits in two parts (see ``lastKey``).
    private var keyLow: UInt32 = 0
    private var keyHigh: UInt16 = 0
    /// ``closed``, ``moreClosers``, ``isAdjustment`` and ``hasSameTime``, one bit each (the
    /// other bits are 0).
    private(set) var flags: UInt8 = 0
    /// Supervisions of the holder not answered yet.
    var pendingSupervisions: UInt8 = 0

    static let closedFlag: UInt8 = 1, moreClosersFlag: UInt8 = 2, adjustmentFlag: UInt8 = 4, sameTimeFlag: UInt8 = 8

    /// The ``LifecycleValidator/repeatKey(of:kind:)`` of the latest event: its id and type. A
    /// line copied twice is caught with it: a copy has its original's time, which the ticket's
    /// later events cannot precede, so both are among the events at `lastAt`.
    var lastKey: UInt64 {
        get { UInt64(keyHigh) << 32 | UInt64(keyLow) }
        set {
            keyLow = UInt32(truncatingIfNeeded: newValue)
            keyHigh = UInt16(truncatingIfNeeded: newValue >> 32)
        }
    }

    /// Whether the holder has closed it (and no rework reopened it).
    var closed: Bool { get { flags & Self.closedFlag != 0 } set { set(Self.closedFlag, newValue) } }
    /// Whether a third closer or more live in the validator's side table.
    var moreClosers: Bool { get { flags & Self.moreClosersFlag != 0 } set { set(Self.moreClosersFlag, newValue) } }
    /// The stream holds `adjusted` events, not a ticket.
    var isAdjustment: Bool { get { flags & Self.adjustmentFlag != 0 } set { set(Self.adjustmentFlag, newValue) } }
    /// More than one event happened at `lastAt`: their keys are in the validator's side table
    /// (``LifecycleValidator/sameTime``), not only ``lastKey``.
    var hasSameTime: Bool { get { flags & Self.sameTimeFlag != 0 } set { set(Self.sameTimeFlag, newValue) } }

    @inline(__always)
    private mutating func set(_ flag: UInt8, _ on: Bool) {
        flags = on ? flags | flag : flags & ~flag
    }
}

/// The events at one ticket's latest time when there are more than one, beside the latest's key
/// in the ticket's state (``TicketLifecycle/lastKey``), by their
/// ``LifecycleValidator/repeatKey(of:kind:)``: the first's key (its line is not known), the
/// latest's line, and the keys and lines of those between, if any. Two events at one time, the
/// usual case (accepted and assigned in one minute of an export), take no memory of their own.
struct SameTimeEvents: Sendable, Equatable {
    var firstKey: UInt64
    /// The line of the event whose key the ticket's state holds (0: not known).
    var latestLine: Int32
    var between: [UInt64: Int32]?

    /// How many events there are.
    var count: Int { 2 + (between?.count ?? 0) }

    /// The line of the event with `key` among them, when there is one (0: not known).
    func line(of key: UInt64, latestKey: UInt64) -> Int32? {
        if key == latestKey { return latestLine }
        if key == firstKey { return 0 }
        return between?[key]
    }
}
