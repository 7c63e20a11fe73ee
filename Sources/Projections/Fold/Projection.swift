import Events

/// The fold of a log into per-unit, per-day counts, fed one event at a time.
///
/// A projection can be read at any moment: ``counts(unit:period:)`` sums the unit's day
/// counters over any period, with no replay. Due, done and onTime depend on a ticket's later
/// history (an extension, a rework, a closure), so every ticket remembers where it is
/// counted and moves its contribution when that changes.
///
/// The projection trusts the life cycle (run events through ``LifecycleValidator`` or
/// ``LogVerifier`` first); given events out of order it stays consistent but counts what it
/// is told.
public struct Projection: Sendable {
    /// What is counted.
    public let options: ProjectionOptions
    private var tickets = ByteInterner(capacity: 4096)
    /// Unit names; ids index ``unitDays``.
    public private(set) var units = ByteInterner(capacity: 256)
    private var ticketState: [TicketFold] = []
    private var unitDays: [UnitDays] = []
    private var channelBytes: [UInt8]?
    /// Events folded (after the as-of and channel filters).
    public private(set) var eventCount = 0

    /// Creates an empty projection.
    public init(options: ProjectionOptions = ProjectionOptions()) {
        self.options = options
        self.channelBytes = options.channel.map { Array($0.utf8) }
    }

    /// Folds one event.
    /// - Complexity: O(1) amortised.
    public mutating func apply(_ event: Event) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        let ticket = tickets.intern(event.ticket)
        var unit: Int32 = -1
        if let name = event.unit { unit = units.intern(name) }
        var channelMatches = true
        var due: Timestamp? = nil
        var by: ReturnParty? = nil
        var rating: Rating? = nil
        switch event.body {
        case .accepted(let channel, _, _):
            if let wanted = options.channel { channelMatches = channel == wanted }
        case .assigned(_, let d), .extended(_, let d, _): due = d
        case .returned(_, let b, _, let d): by = b; due = d
        case .closed: break
        case .callbackRated(_, let r): rating = r
        }
        fold(kind: event.kind, ticket: ticket, unit: unit, at: event.at.nanoseconds, due: due?.nanoseconds,
             by: by, rating: rating, channelMatches: channelMatches)
    }

    /// Folds one event decoded in place from a log line.
    public mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        let ticket = tickets.intern(event.ticket, in: line)
        var unit: Int32 = -1
        if let ref = event.unit { unit = units.intern(ref, in: line) }
        var channelMatches = true
        if event.kind == .accepted, let wanted = channelBytes {
            if let ref = event.channel {
                channelMatches = ref.escaped ? Array(ref.string(in: line).utf8) == wanted
                    : UnsafeRawBufferPointer(rebasing: line[ref.range]).elementsEqual(wanted)
            } else {
                channelMatches = false
            }
        }
        fold(kind: event.kind, ticket: ticket, unit: unit, at: event.at.nanoseconds, due: event.due?.nanoseconds,
             by: event.by, rating: event.rating, channelMatches: channelMatches)
    }

    private mutating func fold(kind: EventKind, ticket: Int32, unit: Int32, at: Int64, due: Int64?,
                               by: ReturnParty?, rating: Rating?, channelMatches: Bool) {
        let t = Int(ticket)
        if t == ticketState.count { ticketState.append(TicketFold()) }
        if kind == .accepted {
            ticketState[t].included = channelMatches
            return
        }
        guard ticketState[t].included else { return }
        eventCount += 1
        if Int(unit) >= unitDays.count { unitDays.append(contentsOf: repeatElement(UnitDays(), count: Int(unit) + 1 - unitDays.count)) }
        let day = Timestamp(nanoseconds: at).day(atOffset: options.utcOffsetSeconds)
        switch kind {
        case .accepted:
            return
        case .assigned:
            unitDays[Int(unit)].update(day) { $0.accepted += 1 }
            ticketState[t].unit = unit
            ticketState[t].due = due ?? 0
            ticketState[t].closedAt = .min
        case .extended:
            if let due { ticketState[t].due = due }
        case .closed:
            ticketState[t].closedAt = at
        case .returned:
            if by == .center {
                unitDays[Int(unit)].update(day) { $0.rework += 1 }
                ticketState[t].closedAt = .min
                if let due { ticketState[t].due = due }
            } else {
                unitDays[Int(unit)].update(day) { $0.returns += 1 }
                ticketState[t].unit = -1
            }
        case .callbackRated:
            switch rating {
            case .satisfied: unitDays[Int(unit)].update(day) { $0.satisfied += 1 }
            case .unsatisfied: unitDays[Int(unit)].update(day) { $0.unsatisfied += 1 }
            case .unreachable, nil: unitDays[Int(unit)].update(day) { $0.unreachable += 1 }
            }
            return
        }
        recount(t)
    }

    /// Moves ticket `t`'s due/done/onTime contribution to where its current state puts it.
    private mutating func recount(_ t: Int) {
        let state = ticketState[t]
        var newUnit: Int32 = -1, newDay: Int32 = 0, newDone = false, newOnTime = false
        if state.unit >= 0 {
            newUnit = state.unit
            newDone = state.isClosed
            newOnTime = newDone && state.closedAt <= state.due
            let anchor = options.attribution == .closure && newDone ? state.closedAt : state.due
            newDay = Timestamp(nanoseconds: anchor).day(atOffset: options.utcOffsetSeconds)
        }
        if newUnit == state.countedUnit && newDay == state.countedDay && newDone == state.countedDone
            && newOnTime == state.countedOnTime { return }
        if state.countedUnit >= 0 {
            let (done, onTime) = (state.countedDone, state.countedOnTime)
            unitDays[Int(state.countedUnit)].update(state.countedDay) {
                $0.due -= 1
                if done { $0.done -= 1 }
                if onTime { $0.onTime -= 1 }
            }
        }
        if newUnit >= 0 {
            unitDays[Int(newUnit)].update(newDay) {
                $0.due += 1
                if newDone { $0.done += 1 }
                if newOnTime { $0.onTime += 1 }
            }
        }
        ticketState[t].countedUnit = newUnit
        ticketState[t].countedDay = newDay
        ticketState[t].countedDone = newDone
        ticketState[t].countedOnTime = newOnTime
    }

    /// The counts of one unit over a period; zero counts for a unit never seen.
    public func counts(unit: String, period: Period) -> UnitCounts {
        guard let id = units.lookup(unit), Int(id) < unitDays.count else { return UnitCounts() }
        return unitDays[Int(id)].sum(from: period.startDay, to: period.endDay)
    }

    /// The counts of every unit with any activity in the period, by unit name.
    public func counts(period: Period) -> [String: UnitCounts] {
        var result: [String: UnitCounts] = [:]
        for id in unitDays.indices {
            let counts = unitDays[id].sum(from: period.startDay, to: period.endDay)
            if !counts.isEmpty { result[units.string(Int32(id))] = counts }
        }
        return result
    }

    /// The number of distinct tickets seen.
    public var ticketCount: Int { tickets.count }
}
