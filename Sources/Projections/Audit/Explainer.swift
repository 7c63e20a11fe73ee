import Events

/// Folds a log for one unit, remembering which tickets and lines make up each number.
///
/// It counts with the same per-ticket core as ``Projection`` (`TicketFold`, the same
/// options: time zone, attribution, channel, as-of) but keeps ticket ids and line numbers
/// instead of counters. Its unit ids are two: the explained unit and every other one.
public struct Explainer: Sendable {
    public let unit: String
    public let period: Period
    public let options: ProjectionOptions
    private let unitBytes: [UInt8]
    private let channelFilter: ChannelFilter

    /// The unit ids the explainer gives the core: the explained unit, and any other.
    private static let explained: Int32 = 0, other: Int32 = 1

    private struct TicketState: Sendable {
        var fold = TicketFold()
        var detailIndex: Int = -1
    }

    private var state: [String: TicketState] = [:]
    private var explanation: UnitExplanation

    /// Creates an explainer for `unit` over `period` under `rules`.
    public init(unit: String, period: Period, rules: RuleSet, options: ProjectionOptions) {
        self.unit = unit
        self.period = period
        self.options = options
        self.unitBytes = Array(unit.utf8)
        self.channelFilter = options.channelFilter
        self.explanation = UnitExplanation(unit: unit, period: period, rules: rules, counts: UnitCounts(),
                                           scorecard: Scorecard(counts: UnitCounts(), rules: rules))
    }

    /// Folds one valid event found at `lineNumber` (the events must be valid: check them with
    /// `LifecycleValidator` first, as ``LogReplay/explain(unit:period:rules:options:)`` does).
    public mutating func apply(_ event: Event, lineNumber: Int) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        let (fields, filter) = (event.foldFields, channelFilter)
        apply(event.kind, ticket: event.ticket, isUnit: event.unit == unit, included: filter.includes(fields.channel),
              at: event.at, due: fields.due, by: fields.by, rating: fields.rating, lineNumber: lineNumber)
    }

    /// Folds one valid event decoded in place from `line`, found at `lineNumber`.
    package mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer, lineNumber: Int) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        let isUnit = event.unit.map { ref in
            ref.escaped ? ref.string(in: line) == unit : UnsafeRawBufferPointer(rebasing: line[ref.range]).elementsEqual(unitBytes)
        } ?? false
        let filter = channelFilter
        apply(event.kind, ticket: event.ticket.string(in: line), isUnit: isUnit,
              included: filter.includes(event.channel, in: line),
              at: event.at, due: event.due, by: event.by, rating: event.rating, lineNumber: lineNumber)
    }

    /// The rules for one event, whichever representation it came in.
    private mutating func apply(_ kind: EventKind, ticket: String, isUnit: Bool, included: @autoclosure () -> Bool,
                                at: Timestamp, due: Timestamp?, by: ReturnParty?, rating: Rating?, lineNumber: Int) {
        if kind == .accepted {
            state[ticket, default: TicketState()].fold.included = included()
            return
        }
        guard var t = state[ticket], t.fold.included else { return }
        let (count, _) = t.fold.apply(kind, unit: isUnit ? Self.explained : Self.other, at: at.nanoseconds,
                                      due: due?.nanoseconds ?? .min, by: by, rating: rating)
        var counted: [String] = []
        if isUnit && period.contains(day: at.day(atOffset: options.utcOffsetSeconds)) {
            switch count {
            case .none: break
            case .accepted: counted.append("accepted"); explanation.accepted.append(ticket)
            case .rework: counted.append("rework"); explanation.rework.append(ticket)
            case .returns: counted.append("returns"); explanation.returns.append(ticket)
            case .satisfied: counted.append("callback:satisfied"); explanation.callbacks.append(ticket)
            case .unsatisfied:
                counted.append("callback:unsatisfied")
                explanation.callbacks.append(ticket)
                explanation.unsatisfied.append(ticket)
            case .unreachable: counted.append("callback:unreachable"); explanation.unreachable.append(ticket)
            }
        }
        if isUnit {
            if t.detailIndex < 0 {
                t.detailIndex = explanation.tickets.count
                explanation.tickets.append(.init(ticket: ticket, deadline: nil, closedAt: nil, isDue: false, isDone: false,
                                                 isOnTime: false, events: []))
            }
            explanation.tickets[t.detailIndex].events.append(.init(line: lineNumber, kind: kind, at: at, counted: counted))
        }
        state[ticket] = t
    }

    /// The explanation: the lists, the per-ticket detail and the unit's scorecard.
    public func finish() -> UnitExplanation {
        var result = explanation
        let rule = options.placementRule
        for (ticket, t) in state where t.fold.unit == Self.explained {
            let placement = t.fold.placement(rule)
            if t.detailIndex >= 0 {
                result.tickets[t.detailIndex].deadline = Timestamp(nanoseconds: t.fold.due)
                result.tickets[t.detailIndex].closedAt = t.fold.isClosed ? Timestamp(nanoseconds: t.fold.closedAt) : nil
                result.tickets[t.detailIndex].isPending = t.fold.isPending(asOf: rule.asOf)
                    && period.contains(day: Timestamp(nanoseconds: t.fold.due).day(atOffset: rule.offset))
            }
            guard placement.unit >= 0, period.contains(day: placement.day) else { continue }
            result.due.append(ticket)
            if placement.done { result.done.append(ticket) }
            if placement.onTime { result.onTime.append(ticket) } else { result.overdue.append(ticket) }
            if t.detailIndex >= 0 {
                result.tickets[t.detailIndex].isDue = true
                result.tickets[t.detailIndex].isDone = placement.done
                result.tickets[t.detailIndex].isOnTime = placement.onTime
            }
        }
        // Keep only tickets that counted for something in this period.
        result.tickets = result.tickets.filter { $0.isDue || $0.isPending || $0.events.contains { !$0.counted.isEmpty } }
        for list in [\UnitExplanation.due, \.done, \.onTime, \.overdue] {
            result[keyPath: list].sort()
        }
        var counts = UnitCounts()
        counts.accepted = result.accepted.count
        counts.due = result.due.count
        counts.done = result.done.count
        counts.onTime = result.onTime.count
        counts.rework = result.rework.count
        counts.returns = result.returns.count
        counts.unsatisfied = result.unsatisfied.count
        counts.satisfied = result.callbacks.count - result.unsatisfied.count
        counts.unreachable = result.unreachable.count
        result.counts = counts
        result.scorecard = Scorecard(counts: counts, rules: result.rules)
        return result
    }
}

extension LogReplay {
    /// Explains one unit's numbers for a period: one pass over the log.
    /// - Throws: `LogFileError` if the file cannot be read; problems in the log are in the summary.
    public func explain(unit: String, period: Period, rules: RuleSet, options: ProjectionOptions) throws(LogFileError)
        -> (UnitExplanation, Summary) {
        var explainer = Explainer(unit: unit, period: period, rules: rules, options: options)
        let summary = try forEachValidEvent { event, line, number in explainer.apply(event, in: line, lineNumber: number) }
        return (explainer.finish(), summary)
    }
}
