import Events

/// The state of a replay: the life-cycle validator and the projections it feeds, folded in
/// log order.
///
/// When every projection starts pristine, they index tickets and units by the validator's ids,
/// so a replay interns each event's ticket and unit once instead of once per table;
/// ``finish()`` then gives them the validator's name tables so they stand alone afterwards
/// (a later ``Projection/apply(_:)-(Event)`` interns into their own copy).
struct ReplayFold {
    var lifecycle: LifecycleValidator
    var projections: [Projection]
    /// Whether the projections' ids are the validator's.
    let sharedIDs: Bool
    /// A census of the channels folded with the projections (see ``LogReplay/channelCensus(period:options:unit:)``).
    var census: ChannelCensus?
    /// Faults in the tables' reserved room ahead of the fold, when it is large (see ``reserve(for:)``).
    private(set) var warmer: PageWarmer?
    /// Whether the order of the lines' `recorded` times is followed (when a projection is as of a
    /// time: a view as of a time is a prefix of the log when those times never go back).
    let followsRecordedOrder: Bool
    /// The latest time an accepted line was known at so far, and whether a later line was known earlier.
    private var latestKnownAt = Int64.min
    private(set) var recordedOutOfOrder = false

    init(projections: [Projection]) {
        self.init(lifecycle: LifecycleValidator(), projections: projections, sharedIDs: projections.allSatisfy(\.isPristine))
    }

    init(lifecycle: LifecycleValidator, projections: [Projection], sharedIDs: Bool) {
        self.lifecycle = lifecycle
        self.projections = projections
        self.sharedIDs = sharedIDs
        followsRecordedOrder = projections.contains { $0.options.asOf != nil }
    }

    /// What a checkpoint keeps of the times the lines were known at: the latest, while they were
    /// known in the log's order; `.max` once they were not; `.min` when not followed or no line
    /// was accepted yet.
    var knownThrough: Int64 {
        guard followsRecordedOrder else { return .min }
        return recordedOutOfOrder ? .max : latestKnownAt
    }

    /// Goes on following the order of the lines' times from a checkpoint's ``knownThrough``.
    mutating func resume(knownThrough: Int64) {
        guard followsRecordedOrder else { return }
        if knownThrough == .max { recordedOutOfOrder = true } else { latestKnownAt = knownThrough }
    }

    /// Notes when an accepted line was known (its `recorded` time, else its `at`).
    @inline(__always)
    private mutating func note(knownAt: Int64) {
        if knownAt < latestKnownAt { recordedOutOfOrder = true } else { latestKnownAt = knownAt }
    }

    /// Makes room, before the first event, for the tickets of a log of that size in the
    /// validator's tables and (when they share its ids) the projections'.
    mutating func reserve(for log: LogSizeEstimate) {
        guard lifecycle.tickets.count == 0 else { return }
        lifecycle.reserve(for: log)
        if sharedIDs { for i in projections.indices { projections[i].reserve(tickets: log.tickets) } }
        var rooms = lifecycle.ticketTableRooms
        if sharedIDs { rooms += projections.map(\.ticketState.room) }
        warmer = PageWarmer.start(rooms, minimumBytes: PageWarmer.worthwhileBytes)
    }

    /// Stops warming the tables (the fold is done with them).
    mutating func stopWarming() {
        warmer?.stop()
        warmer = nil
    }

    /// Checks and folds one decoded line; returns its problem instead when it breaks the life cycle.
    mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer, lineNumber: Int) -> EventProblem? {
        if let problem = lifecycle.apply(event, in: line, lineNumber: lineNumber) { return problem }
        if followsRecordedOrder { note(knownAt: event.recorded?.nanoseconds ?? event.at.nanoseconds) }
        census?.apply(event, in: line)
        if sharedIDs {
            let (ticket, unit) = (lifecycle.lastTicket, lifecycle.lastUnit)
            for i in projections.indices { projections[i].apply(event, in: line, ticket: ticket, unit: unit) }
        } else {
            for i in projections.indices { projections[i].apply(event, in: line) }
        }
        return nil
    }

    /// Checks a block of scanned lines in order, recording each accepted line's ticket and unit
    /// ids; calls `report` with the line number and problem of each line that is not accepted.
    /// The projections fold the accepted lines afterwards, from ``FoldTables`` (on another
    /// thread, while this one checks the next block): the same result as line by line, since
    /// the projections never affect the validator.
    /// - Returns: The number of lines accepted.
    mutating func check(_ block: ScannedBlock, firstLine: Int, report: (Int, EventProblem) -> Void) -> Int {
        let accepted = lifecycle.check(block, firstLine: firstLine, report: report)
        lifecycle.advance(warmer)
        if followsRecordedOrder && !recordedOutOfOrder {
            for event in block.events where event.ticketID >= 0 { note(knownAt: event.knownAt) }
        }
        return accepted
    }

    /// Moves the projections and the census out into tables another thread folds blocks into
    /// (``FoldTables/fold(_:)``), until ``takeBack(_:)``.
    mutating func lendTables() -> FoldTables {
        let tables = FoldTables(projections: projections, census: census, sharedIDs: sharedIDs)
        projections = []
        census = nil
        return tables
    }

    /// Takes the projections and the census back from `tables` (every fold into them done).
    mutating func takeBack(_ tables: FoldTables) {
        (projections, census) = tables.take()
    }

    /// The projections, standing alone.
    func finish() -> [Projection] {
        guard sharedIDs else { return projections }
        return projections.map { projection in
            var projection = projection
            projection.adoptNames(tickets: lifecycle.tickets, units: lifecycle.units)
            return projection
        }
    }
}

/// A replay's projections and census while a thread other than the validator's folds the
/// checked blocks into them (``LogScan/run(_:then:)``'s second stage).
///
/// `@unchecked Sendable`: the scan calls ``fold(_:)`` one block at a time, in order, each call
/// ordered after the one before and after the block's check (the scan's lock hands the blocks
/// over), and ``take()`` only after the last fold has returned.
final class FoldTables: @unchecked Sendable {
    private var projections: [Projection]
    private var census: ChannelCensus?
    private let sharedIDs: Bool

    init(projections: [Projection], census: ChannelCensus?, sharedIDs: Bool) {
        self.projections = projections
        self.census = census
        self.sharedIDs = sharedIDs
    }

    /// Folds the accepted lines of a block ``ReplayFold/check(_:firstLine:report:)`` checked
    /// into each projection, then the census.
    func fold(_ block: ScannedBlock) {
        for i in projections.indices { projections[i].fold(block, sharedIDs: sharedIDs) }
        census?.fold(block)
    }

    /// The tables, given up (this object then holds none).
    func take() -> ([Projection], ChannelCensus?) {
        defer { (projections, census) = ([], nil) }
        return (projections, census)
    }
}
