/// The life-cycle state of one ticket, as the validator tracks it.
struct TicketLifecycle: Sendable {
    /// Line of the `accepted` event; 0 before it.
    var acceptedLine: Int32 = 0
    /// The unit holding the ticket, or -1.
    var holder: Int32 = -1
    /// Whether the holder has closed it (and no rework reopened it).
    var closed = false
    /// The current deadline in nanoseconds (meaningful while held).
    var due: Int64 = 0
    /// `at` of the latest event.
    var lastAt: Int64 = .min
    /// Units that have closed the ticket at some point (two inline, rarely more).
    var closer0: Int32 = -1
    var closer1: Int32 = -1
    var moreClosers: [Int32]? = nil

    func hasClosed(_ unit: Int32) -> Bool {
        closer0 == unit || closer1 == unit || (moreClosers?.contains(unit) ?? false)
    }

    mutating func addCloser(_ unit: Int32) {
        if hasClosed(unit) { return }
        if closer0 < 0 { closer0 = unit } else if closer1 < 0 { closer1 = unit } else { moreClosers = (moreClosers ?? []) + [unit] }
    }
}
