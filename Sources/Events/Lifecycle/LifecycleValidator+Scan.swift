import CLedgerPrefetch

extension LifecycleValidator {
    /// Checks the lines of a block decoded by ``LogScan``, in order, with the rules of
    /// ``apply(_:in:lineNumber:)-(RawEvent,_,_)``, and records in each accepted line's record
    /// the ids of its ticket and unit (``ScannedEvent/ticketID``, ``ScannedEvent/unitID``).
    ///
    /// The lines' table look-ups are prefetched a few lines ahead, in three stages (the
    /// tables are far larger than the caches, and a ticket's events are days apart in the
    /// log): the ticket table slot ``prefetchDistance`` lines ahead; the offsets and state of
    /// the ticket that slot names, and the line's ticket id, half as far; the ticket's key a
    /// quarter as far. The misses
    /// of the lines ahead then overlap the work on this one. The result is exactly that of
    /// checking the lines one by one: a prefetch changes no value, and a wrong guess (a
    /// ticket not yet in the table, a slot taken since) only costs a miss.
    /// - Parameters:
    ///   - firstLine: The line number of the block's first line.
    ///   - report: Called, in line order, with the number and problem of each line not accepted
    ///     (its own decoding problem, or a life-cycle violation).
    /// - Returns: The number of lines accepted.
    package mutating func check(_ block: ScannedBlock, firstLine: Int, report: (Int, EventProblem) -> Void) -> Int {
        let bytes = block.bytes
        var accepted = 0
        let base = reserveStates(forMore: block.events.count)
        block.withMutableEvents { events in
            let count = events.count
            prefetchFirst(of: UnsafeBufferPointer(events))
            for j in 0..<count {
                prefetch(aheadOf: j, in: UnsafeBufferPointer(events), bytes: bytes, states: base)
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
        }
        return accepted
    }

    /// Makes room for `count` more ticket states and returns where the states are, for
    /// ``apply(_:in:lineNumber:states:)`` on up to `count` lines: a new state per line then never
    /// moves the states, which a loop over a block's lines reaches through this one pointer.
    @inline(__always)
    mutating func reserveStates(forMore count: Int) -> UnsafeMutablePointer<TicketLifecycle> {
        states.reserveCapacity(states.count + max(count, 1))
        return states.unsafeBase!
    }

    /// How many lines ahead ``check(_:firstLine:report:)`` prefetches a line's ticket table slot.
    static let prefetchDistance = 24

    /// Prefetches the ticket table slots of the first lines of `events`, before the first
    /// ``prefetch(aheadOf:in:bytes:states:)``.
    @inline(__always)
    mutating func prefetchFirst(of events: UnsafeBufferPointer<ScannedEvent>) {
        for j in 0..<min(Self.prefetchDistance, events.count) { prefetchSlot(hash: events[j].ticketHash) }
    }

    /// Prefetches, before line `j` of `events` is checked, what the lines ahead of it will look
    /// up (see ``check(_:firstLine:report:)``); `bytes` are the block's, `base` is where the
    /// states are (or `nil`).
    @inline(__always)
    mutating func prefetch(aheadOf j: Int, in events: UnsafeBufferPointer<ScannedEvent>, bytes: UnsafeRawBufferPointer,
                           states base: UnsafeMutablePointer<TicketLifecycle>?) {
        let (far, near, nearest) = (Self.prefetchDistance, Self.prefetchDistance / 2, Self.prefetchDistance / 4)
        let count = events.count
        if j + far < count { prefetchSlot(hash: events[j + far].ticketHash) }
        if j + near < count, let base { prefetchState(hash: events[j + near].ticketHash, states: base) }
        // The line's ticket id, which the decoding thread wrote on another core.
        if j + near < count, let bytes = bytes.baseAddress { ledger_prefetch(bytes + Int(events[j + near].ticket.start)) }
        if j + nearest < count { prefetchKey(hash: events[j + nearest].ticketHash) }
    }

    // The prefetches are `mutating` though they change nothing: called between mutations of
    // `self` in one loop, a non-mutating method would be given a copy of the validator.

    /// Prefetches the ticket table slot `hash` starts probing at.
    @inline(__always)
    private mutating func prefetchSlot(hash: UInt32) { tickets.prefetchSlot(hash: hash) }

    /// Prefetches the offsets and state of the ticket whose slot `hash` names (if any).
    @inline(__always)
    private mutating func prefetchState(hash: UInt32, states base: UnsafeMutablePointer<TicketLifecycle>) {
        let id = tickets.guess(hash: hash)
        guard id >= 0, id < states.count else { return }
        tickets.prefetchOffsets(of: id)
        let state = UnsafeRawPointer(base + id)
        ledger_prefetch_for_write(state)
        ledger_prefetch_for_write(state + (MemoryLayout<TicketLifecycle>.size - 1))
    }

    /// Prefetches the key bytes of the ticket whose slot `hash` names (if any).
    @inline(__always)
    private mutating func prefetchKey(hash: UInt32) {
        let id = tickets.guess(hash: hash)
        guard id >= 0, id < tickets.count else { return }
        tickets.prefetchBytes(of: id)
    }
}
