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
    /// Where the prefetch loads' values go, so the optimiser keeps them.
    private let prefetchSink = PrefetchSink()

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

    /// Checks and folds one decoded line; returns its problem instead when it breaks the life cycle.
    mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer, lineNumber: Int) -> EventProblem? {
        if let problem = lifecycle.apply(event, in: line, lineNumber: lineNumber) { return problem }
        if sharedIDs {
            let (ticket, unit) = (lifecycle.lastTicket, lifecycle.lastUnit)
            for i in projections.indices { projections[i].apply(event, in: line, ticket: ticket, unit: unit) }
        } else {
            for i in projections.indices { projections[i].apply(event, in: line) }
        }
        return nil
    }

    /// Checks and folds one line scanned by ``LogScan``.
    @inline(__always)
    mutating func apply(_ event: ScannedEvent, in block: UnsafeRawBufferPointer, lineNumber: Int) -> EventProblem? {
        if let problem = lifecycle.apply(event, in: block, lineNumber: lineNumber) { return problem }
        if sharedIDs {
            let (ticket, unit) = (lifecycle.lastTicket, lifecycle.lastUnit)
            for i in projections.indices { projections[i].apply(event, in: block, ticket: ticket, unit: unit) }
        } else {
            for i in projections.indices { projections[i].apply(event, in: block) }
        }
        return nil
    }

    /// Checks and folds a block of scanned lines in order; calls `report` with the line number
    /// and problem of each line that is not folded.
    /// - Returns: The number of events folded.
    ///
    /// Events go in groups of 16: first the ticket table slots of the whole group are read,
    /// then the keys and per-ticket states they point to, then the events are folded one by
    /// one. The result is exactly that of folding them one by one; the early loads only let
    /// the group's cache misses overlap (the tables are far larger than the caches, and a
    /// ticket's events are days apart in the log).
    mutating func apply(_ block: ScannedBlock, firstLine: Int, report: (Int, EventProblem) -> Void) -> Int {
        let bytes = block.bytes
        var folded = 0
        var sink = 0
        let groupSize = 16
        var slots = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                     UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        block.events.withUnsafeBufferPointer { events in
            withUnsafeMutableBytes(of: &slots) { raw in
                let slot = raw.bindMemory(to: UInt64.self)
                var start = 0
                while start < events.count {
                    let end = min(start + groupSize, events.count)
                    if sharedIDs {
                        for j in start..<end { slot[j - start] = lifecycle.ticketSlot(hash: events[j].ticketHash) }
                        for j in start..<end {
                            let id = lifecycle.prefetchTicket(slot[j - start], hash: events[j].ticketHash)
                            if id >= 0 { for p in projections.indices { sink &+= projections[p].prefetch(ticket: id) } }
                        }
                    }
                    for j in start..<end {
                        let event = events[j]
                        let lineNumber = firstLine + j
                        if event.problem >= 0 {
                            report(lineNumber, block.problems[Int(event.problem)])
                        } else if let problem = apply(event, in: bytes, lineNumber: lineNumber) {
                            report(lineNumber, problem)
                        } else {
                            folded += 1
                        }
                    }
                    start = end
                }
            }
        }
        prefetchSink.value &+= sink
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

/// A class field the prefetch loads are summed into: stores to it are never optimised away.
private final class PrefetchSink {
    var value = 0
}
