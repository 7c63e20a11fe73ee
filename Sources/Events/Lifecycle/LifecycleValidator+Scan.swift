extension LifecycleValidator {
    /// Checks the lines of a block decoded by ``LogScan``, in order, with the rules of
    /// ``apply(_:in:lineNumber:)-(RawEvent,_,_)``, and records in each accepted line's record
    /// the ids of its ticket and unit (``ScannedEvent/ticketID``, ``ScannedEvent/unitID``).
    ///
    /// Lines go in groups of 16: first the ticket table slots of the whole group are read,
    /// then the keys and states they point to, then the lines are checked one by one. The
    /// result is exactly that of checking them one by one; the early loads only let the
    /// group's cache misses overlap (the tables are far larger than the caches, and a
    /// ticket's events are days apart in the log).
    /// - Parameters:
    ///   - firstLine: The line number of the block's first line.
    ///   - report: Called, in line order, with the number and problem of each line not accepted
    ///     (its own decoding problem, or a life-cycle violation).
    /// - Returns: The number of lines accepted.
    package mutating func check(_ block: ScannedBlock, firstLine: Int, report: (Int, EventProblem) -> Void) -> Int {
        let bytes = block.bytes
        var accepted = 0
        var sink = 0
        let groupSize = 16
        var slots = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                     UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        // Room for a new state per line: appending then never moves the states, which the
        // loop reaches through one pointer.
        states.reserveCapacity(states.count + max(block.events.count, 1))
        let base = states.unsafeBase!
        block.withMutableEvents { events in
            withUnsafeMutableBytes(of: &slots) { raw in
                let slot = raw.bindMemory(to: UInt64.self)
                var start = 0
                while start < events.count {
                    let end = min(start + groupSize, events.count)
                    for j in start..<end { slot[j - start] = tickets.slotEntry(hash: events[j].ticketHash) }
                    for j in start..<end { sink &+= prefetchTicket(slot[j - start], hash: events[j].ticketHash) }
                    for j in start..<end {
                        let lineNumber = firstLine + j
                        if events[j].problem >= 0 {
                            report(lineNumber, block.problems[Int(events[j].problem)])
                        } else if let problem = apply(events[j], in: bytes, lineNumber: lineNumber, states: base) {
                            report(lineNumber, problem)
                        } else {
                            events[j].ticketID = lastTicket
                            events[j].unitID = lastUnit
                            accepted += 1
                        }
                    }
                    start = end
                }
            }
        }
        block.prefetchSink = sink
        return accepted
    }
}
