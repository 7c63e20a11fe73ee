import Events

/// The fold of a log into per-unit, per-day counts, fed one event at a time.
///
/// A projection can be read at any moment: ``counts(unit:period:)`` sums the unit's day
/// counters over any period, with no replay. Due, done and onTime depend on a ticket's later
/// history (an extension, a rework, a closure), so every ticket remembers where it is
/// counted and moves its contribution when that changes.
///
/// The projection trusts the life cycle (run events through `LifecycleValidator` or
/// `LogVerifier` first); given events out of order it stays consistent but counts what it
/// is told.
public struct Projection: Sendable {
    /// What is counted.
    public let options: ProjectionOptions
    /// Ticket ids; ids index ``ticketState``. During a replay the ids may be the replay's
    /// validator's (see ``ReplayFold``), and this table is adopted from it at the end.
    var tickets = ByteInterner(capacity: 4096)
    /// Unit names; ids index ``unitDays``.
    package internal(set) var units = ByteInterner(capacity: 256)
    var ticketState = PlainArray<TicketFold>()
    var unitDays: [UnitDays] = []
    /// The channel filter.
    let channelFilter: ChannelFilter
    /// Events folded (after the as-of and channel filters).
    public internal(set) var eventCount = 0
    /// How tickets are placed: the options' rule (``ProjectionOptions/placementRule``), its
    /// instant of deadlines come moved by ``countDeadlines(comingBy:)``.
    private(set) var placementRule: TicketFold.PlacementRule
    /// No ticket held out as not due yet has a deadline before this (nanoseconds): a lower
    /// bound, `.min` when unknown (see ``nextDeadline``).
    var nextDeadlineBound: Int64 = .min

    /// Creates an empty projection.
    public init(options: ProjectionOptions = ProjectionOptions()) {
        self.options = options
        self.channelFilter = options.channelFilter
        self.placementRule = options.placementRule
    }

    /// Folds one event.
    /// - Complexity: O(1) amortised.
    public mutating func apply(_ event: Event) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        let ticket = tickets.intern(event.ticket)
        var unit: Int32 = -1
        if let name = event.unit { unit = units.intern(name) }
        let fields = event.foldFields
        let channelMatches = event.kind != .accepted || channelFilter.includes(fields.channel)
        fold(kind: event.kind, ticket: ticket, unit: unit, at: event.at.nanoseconds, due: fields.due?.nanoseconds,
             by: fields.by, rating: fields.rating, channelMatches: channelMatches)
    }

    /// Folds one event decoded in place from a log line (the public form is ``apply(_:)``).
    package mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        let ticket = tickets.intern(event.ticket, in: line)
        var unit: Int32 = -1
        if let ref = event.unit { unit = units.intern(ref, in: line) }
        apply(event, in: line, ticket: ticket, unit: unit)
    }

    /// Folds an event whose ticket and unit ids are already known (``ReplayFold`` passes its
    /// validator's ids, so a replay interns every ticket once, not once per table).
    mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer, ticket: Int32, unit: Int32) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        let channelMatches = event.kind != .accepted || channelFilter.includes(event.channel, in: line)
        fold(kind: event.kind, ticket: ticket, unit: unit, at: event.at.nanoseconds, due: event.due?.nanoseconds,
             by: event.by, rating: event.rating, channelMatches: channelMatches)
    }

    /// Folds an event scanned by ``LogScan``, interning its ticket and unit here.
    mutating func apply(_ event: ScannedEvent, in block: UnsafeRawBufferPointer) {
        if let asOf = options.asOf, event.knownAt > asOf.nanoseconds { return }
        let line = event.line(in: block)
        let ticket = event.flags.contains(.ticketEscaped) ? tickets.intern(event.ticketRef, in: line)
            : tickets.intern(event.ticket.bytes(in: block), hash: event.ticketHash)
        var unit: Int32 = -1
        if event.flags.contains(.hasUnit) {
            unit = event.flags.contains(.unitEscaped) ? units.intern(event.unitRef, in: line)
                : units.intern(event.unit.bytes(in: block), hash: event.unitHash)
        }
        apply(event, in: block, ticket: ticket, unit: unit)
    }

    /// Folds an event scanned by ``LogScan`` whose ticket and unit ids are already known.
    @inline(__always)
    mutating func apply(_ event: ScannedEvent, in block: UnsafeRawBufferPointer, ticket: Int32, unit: Int32) {
        if let asOf = options.asOf, event.knownAt > asOf.nanoseconds { return }
        let channelMatches = event.kind != .accepted || channelFilter.includes(event, in: block)
        fold(kind: event.kind, ticket: ticket, unit: unit, at: event.at, due: event.due == .min ? nil : event.due,
             by: event.by, rating: event.rating, channelMatches: channelMatches)
    }

    /// Makes room for `tickets` ticket states (touched only as tickets come; see ``LogSizeEstimate``),
    /// on small pages: states are appended as tickets come and reached mostly near the end (see
    /// ``PlainArray/init(sequentialCapacity:)``).
    mutating func reserve(tickets: Int) {
        guard ticketState.isEmpty else { return ticketState.reserveCapacity(tickets) }
        ticketState = PlainArray(sequentialCapacity: tickets)
    }

    /// Takes over the name tables of the validator whose ids this projection was fed with.
    mutating func adoptNames(tickets: ByteInterner, units: ByteInterner) {
        self.tickets = tickets
        self.units = units
    }

    /// Whether nothing was folded into the projection yet (its ids can follow a validator's).
    var isPristine: Bool { tickets.count == 0 && units.count == 0 && ticketState.isEmpty }

    /// Folds one event into ticket `ticket`'s state and the day counters.
    private mutating func fold(kind: EventKind, ticket: Int32, unit: Int32, at: Int64, due: Int64?,
                               by: ReturnParty?, rating: Rating?, channelMatches: Bool) {
        let t = Int(ticket)
        if t >= ticketState.count {
            // Ids from a validator can skip a ticket it saw only on rejected lines.
            ticketState.append(repeating: TicketFold(), count: t + 1 - ticketState.count)
        }
        if kind == .accepted {
            ticketState[t].included = channelMatches
            return
        }
        var state = ticketState[t]
        guard state.included else { return }
        eventCount += 1
        if Int(unit) >= unitDays.count { unitDays.append(contentsOf: repeatElement(UnitDays(), count: Int(unit) + 1 - unitDays.count)) }
        let rule = placementRule
        let changed = unitDays.withUnsafeMutableBufferPointer { days in
            Self.count(kind, unit: unit, at: at, due: due ?? .min, by: by, rating: rating, into: &state, days: days, rule: rule)
        }
        guard changed else { return }
        ticketState[t] = state
        if rule.asOf != .max, state.isPending(asOf: rule.asOf) { nextDeadlineBound = min(nextDeadlineBound, state.due) }
    }

    /// Counts the deadlines that have come by `instant`, and only those, from now on: a ticket
    /// still open whose deadline is later is not due, done or overdue, as in a table as of
    /// `instant`; one whose deadline has come is due, and overdue while open.
    ///
    /// This is for a table kept current as time passes (``LiveProjection``, `ledger-cli
    /// follow`): the instant can move on while the events keep coming, and every event folded
    /// counts whatever its time (the options' ``ProjectionOptions/asOf`` is what leaves out the
    /// events recorded after an instant). A projection with such an `asOf` counts no deadline
    /// after it, whatever `instant` is.
    /// - Complexity: O(1) when `instant` is later than the last one and no deadline held out
    ///   comes by it (``nextDeadline``); else O(tickets): every ticket is placed again.
    public mutating func countDeadlines(comingBy instant: Timestamp) {
        let cut = min(instant.nanoseconds, options.asOf?.nanoseconds ?? .max)
        let earlier = placementRule.asOf
        placementRule.asOf = cut
        if cut >= earlier, cut < nextDeadlineBound { return }
        let rule = placementRule
        var next = Int64.max
        unitDays.withUnsafeMutableBufferPointer { days in
            ticketState.withUnsafeMutableBufferPointer { states in
                for t in states.indices where states[t].included {
                    Self.place(&states[t], at: states[t].placement(rule), days: days)
                    if states[t].isPending(asOf: cut) { next = min(next, states[t].due) }
                }
            }
        }
        nextDeadlineBound = next
    }

    /// The table at `instant`: the deadlines counted by then (``countDeadlines(comingBy:)``, then ``report(period:rules:roster:)``),
    /// as a table kept current as time passes shows it (``LiveProjection``, `follow`).
    package mutating func report(period: Period, rules: RuleSet, roster: Roster?, at instant: Timestamp) -> PeriodReport {
        countDeadlines(comingBy: instant)
        return report(period: period, rules: rules, roster: roster)
    }

    /// The instant by which ``countDeadlines(comingBy:)`` last counted the deadlines (or the
    /// options' `asOf`); `nil` when every deadline counts, come or not.
    public var deadlinesCountedBy: Timestamp? {
        placementRule.asOf == .max ? nil : Timestamp(nanoseconds: placementRule.asOf)
    }

    /// The earliest deadline of a ticket held out as not due yet, or an earlier instant (`nil`:
    /// none is held out): before it, the table does not change without a new event. An earlier
    /// instant when a deadline was extended, or events were folded a block at a time, since
    /// every ticket was last placed; ``countDeadlines(comingBy:)`` at it places them again.
    public var nextDeadline: Timestamp? {
        guard placementRule.asOf != .max, nextDeadlineBound != .max else { return nil }
        return Timestamp(nanoseconds: max(nextDeadlineBound, placementRule.asOf))
    }

    /// One event (not `accepted`) of an included ticket, counted: the rules of
    /// ``TicketFold/apply(_:unit:at:due:by:rating:)`` update the ticket's state, its event count
    /// goes to the day counters of `unit` (which `days` covers, as every unit a ticket's state
    /// names does), and its due/done/onTime move to its new ``TicketFold/placement(_:)``.
    /// - Parameters:
    ///   - due: The event's deadline, or `.min`.
    ///   - rule: The local days, the attribution and the as-of instant (``ProjectionOptions/placementRule``).
    /// - Returns: Whether `state` changed.
    @inline(__always)
    static func count(_ kind: EventKind, unit: Int32, at: Int64, due: Int64, by: ReturnParty?, rating: Rating?,
                      into state: inout TicketFold, days: UnsafeMutableBufferPointer<UnitDays>,
                      rule: TicketFold.PlacementRule) -> Bool {
        let (count, changed) = state.apply(kind, unit: unit, at: at, due: due, by: by, rating: rating)
        if count != .none {
            let day = Timestamp(nanoseconds: at).day(atOffset: rule.offset)
            switch count {
            case .none: break
            case .accepted: days[Int(unit)].update(day) { $0.accepted += 1 }
            case .rework: days[Int(unit)].update(day) { $0.rework += 1 }
            case .returns: days[Int(unit)].update(day) { $0.returns += 1 }
            case .satisfied: days[Int(unit)].update(day) { $0.satisfied += 1 }
            case .unsatisfied: days[Int(unit)].update(day) { $0.unsatisfied += 1 }
            case .unreachable: days[Int(unit)].update(day) { $0.unreachable += 1 }
            }
        }
        guard changed else { return false }
        place(&state, at: state.placement(rule), days: days)
        return true
    }

    /// Moves the ticket's due/done/onTime contribution in the day counters to `new`, where its
    /// state puts it now (``TicketFold/placement(_:)``).
    @inline(__always)
    static func place(_ state: inout TicketFold, at new: TicketFold.Placement, days: UnsafeMutableBufferPointer<UnitDays>) {
        let old = state.counted
        if new == old { return }
        if old.unit >= 0 {
            days[Int(old.unit)].update(old.day) {
                $0.due -= 1
                if old.done { $0.done -= 1 }
                if old.onTime { $0.onTime -= 1 }
            }
        }
        if new.unit >= 0 {
            days[Int(new.unit)].update(new.day) {
                $0.due += 1
                if new.done { $0.done += 1 }
                if new.onTime { $0.onTime += 1 }
            }
        }
        state.counted = new
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
