@_spi(Replay) import Events

extension Projection {
    /// Folds the lines of a block that ``LifecycleValidator/check(_:firstLine:report:)``
    /// accepted, in order.
    ///
    /// With the validator's ids, lines go in groups of 16: the states of the group's tickets
    /// are touched first, so that their cache misses overlap, then the lines are folded one by one.
    /// - Parameter sharedIDs: Whether this projection's ids are the validator's (then the
    ///   records' ids are used as they are; else the projection interns the names itself).
    mutating func fold(_ block: ScannedBlock, sharedIDs: Bool) {
        let bytes = block.bytes
        var sink = 0
        block.events.withUnsafeBufferPointer { events in
            guard sharedIDs else {
                for event in events where event.ticketID >= 0 { apply(event, in: bytes) }
                return
            }
            var start = 0
            while start < events.count {
                let end = min(start + 16, events.count)
                ticketState.withUnsafeBufferPointer { states in
                    for j in start..<end {
                        let t = Int(events[j].ticketID)
                        if t >= 0 && t < states.count { sink &+= states[t].included ? 1 : 0 }
                    }
                }
                for j in start..<end where events[j].ticketID >= 0 {
                    apply(events[j], in: bytes, ticket: events[j].ticketID, unit: events[j].unitID)
                }
                start = end
            }
        }
        block.prefetchSink &+= sink
    }
}
