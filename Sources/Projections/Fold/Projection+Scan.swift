import CLedgerPrefetch
import Events

extension Projection {
    /// Folds the lines of a block that ``LifecycleValidator/check(_:firstLine:report:)``
    /// accepted, in order.
    ///
    /// With the validator's ids, the ticket table is grown once for the block and then
    /// reached through one pointer, and each line's ticket state is prefetched
    /// ``prefetchDistance`` lines ahead, so that the misses overlap the work on the lines before.
    /// The counting rules are those of ``apply(_:)-(Event)``
    /// (``count(_:unit:at:due:by:rating:into:days:offset:byClosure:)``).
    /// - Parameter sharedIDs: Whether this projection's ids are the validator's (then the
    ///   records' ids are used as they are; else the projection interns the names itself).
    mutating func fold(_ block: ScannedBlock, sharedIDs: Bool) {
        let bytes = block.bytes
        guard sharedIDs else {
            block.events.withUnsafeBufferPointer { events in
                for event in events where event.ticketID >= 0 { apply(event, in: bytes) }
            }
            return
        }
        // The tables leave `self` for the block, so that they are reached without checks of `self`.
        var states = PlainArray<TicketFold>()
        swap(&states, &ticketState)
        var days: [UnitDays] = []
        swap(&days, &unitDays)
        defer {
            swap(&states, &ticketState)
            swap(&days, &unitDays)
        }
        let asOf = options.asOf?.nanoseconds ?? .max
        let (rule, channel) = (placementRule, channelFilter)
        let filtersChannel = channel.wanted != nil
        var counted = 0
        block.events.withUnsafeBufferPointer { events in
            @inline(__always) func folded(_ event: ScannedEvent) -> Bool {
                event.ticketID >= 0 && (event.recorded == .min ? event.at : event.recorded) <= asOf
            }
            // Ids only grow: one append covers every ticket the block reaches.
            var highest: Int32 = -1
            for event in events where event.ticketID > highest && folded(event) { highest = event.ticketID }
            if Int(highest) >= states.count { states.append(repeating: TicketFold(), count: Int(highest) + 1 - states.count) }
            // Units are few and known before the block's loop needs them: grow the day table
            // for the block's units once, then reach it through one pointer too.
            var highestUnit: Int32 = -1
            for event in events where event.unitID > highestUnit && folded(event) { highestUnit = event.unitID }
            if Int(highestUnit) >= days.count { days.append(contentsOf: repeatElement(UnitDays(), count: Int(highestUnit) + 1 - days.count)) }
            states.withUnsafeMutableBufferPointer { states in
              days.withUnsafeMutableBufferPointer { days in
                for j in 0..<events.count {
                    if j + Self.prefetchDistance < events.count {
                        let next = events[j + Self.prefetchDistance]
                        let ahead = Int(next.ticketID)
                        if ahead >= 0, ahead < states.count {
                            let state = UnsafeRawPointer(states.baseAddress.unsafelyUnwrapped + ahead)
                            ledger_prefetch_for_write(state)
                            ledger_prefetch_for_write(state + (MemoryLayout<TicketFold>.size - 1))
                        }
                        // An accepted line's channel, which the filter compares (the block's bytes
                        // have mostly left this core's caches since it was decoded).
                        if filtersChannel, next.kind == .accepted, next.flags.contains(.hasChannel) {
                            ledger_prefetch(bytes.baseAddress.unsafelyUnwrapped + Int(next.channel.start))
                        }
                    }
                    guard folded(events[j]) else { continue }
                    let event = events[j]
                    let t = Int(event.ticketID)
                    if event.kind == .accepted {
                        states[t].included = channel.includes(event, in: bytes)
                        continue
                    }
                    guard states[t].included else { continue }
                    counted += 1
                    _ = Self.count(event.kind, unit: event.unitID, at: event.at, due: event.due, by: event.by, rating: event.rating,
                                   into: &states[t], days: days, rule: rule)
                }
              }
            }
        }
        eventCount += counted
        // Tickets held out as not due yet are not tracked here (``nextDeadline``: unknown).
        if rule.asOf != .max { nextDeadlineBound = .min }
    }

    /// How many lines ahead ``fold(_:sharedIDs:)`` prefetches a line's ticket state.
    static let prefetchDistance = 16
}
