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

    init(projections: [Projection]) {
        self.lifecycle = LifecycleValidator()
        self.projections = projections
        self.sharedIDs = projections.allSatisfy(\.isPristine)
    }

    init(lifecycle: LifecycleValidator, projections: [Projection], sharedIDs: Bool) {
        self.lifecycle = lifecycle
        self.projections = projections
        self.sharedIDs = sharedIDs
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
        census?.apply(event, in: line)
        if sharedIDs {
            let (ticket, unit) = (lifecycle.lastTicket, lifecycle.lastUnit)
            for i in projections.indices { projections[i].apply(event, in: line, ticket: ticket, unit: unit) }
        } else {
            for i in projections.indices { projections[i].apply(event, in: line) }
        }
        return nil
    }

    /// Checks and folds a block of scanned lines in order; calls `report` with the line number
    /// and problem of each line that is not folded.
    /// - Returns: The number of events folded.
    ///
    /// The validator checks the whole block first (recording each accepted line's ticket and
    /// unit ids), then each projection folds the accepted lines: the same result as line by
    /// line, since the projections never affect the validator, in two tight loops.
    mutating func apply(_ block: ScannedBlock, firstLine: Int, report: (Int, EventProblem) -> Void) -> Int {
        let folded = lifecycle.check(block, firstLine: firstLine, report: report)
        warmer?.advance(tickets: lifecycle.tickets.count, keyBytes: lifecycle.tickets.keyBytes)
        for i in projections.indices { projections[i].fold(block, sharedIDs: sharedIDs) }
        census?.fold(block)
        return folded
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
