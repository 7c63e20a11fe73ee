import Events

/// Folds a log for one unit, remembering which tickets and lines make up each number.
///
/// It follows exactly the counting rules of ``Projection`` (same options: time zone,
/// attribution, channel, as-of) but keeps ticket ids and line numbers instead of counters.
public struct Explainer: Sendable {
    public let unit: String
    public let period: Period
    public let options: ProjectionOptions
    private var unitBytes: [UInt8]

    private struct TicketState: Sendable {
        var included = false
        var holdsUnit = false  // the live assignment is the explained unit's
        var assigned = false   // the live assignment exists (any unit)
        var due: Int64 = 0
        var closedAt: Int64 = .min
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
        self.explanation = UnitExplanation(unit: unit, period: period, rules: rules, counts: UnitCounts(),
                                           scorecard: Scorecard(counts: UnitCounts(), rules: rules))
    }

    /// Folds one valid event found at `lineNumber`.
    public mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer, lineNumber: Int) {
        if let asOf = options.asOf, event.knownAt > asOf { return }
        let ticket = event.ticket.string(in: line)
        if event.kind == .accepted {
            var included = true
            if options.channel != nil { included = options.includes(channel: event.channel?.string(in: line)) }
            state[ticket, default: TicketState()].included = included
            return
        }
        guard var t = state[ticket], t.included else { return }
        let isUnit = event.unit.map { ref in
            ref.escaped ? ref.string(in: line) == unit : UnsafeRawBufferPointer(rebasing: line[ref.range]).elementsEqual(unitBytes)
        } ?? false
        let inPeriod = period.contains(day: event.at.day(atOffset: options.utcOffsetSeconds))
        var counted: [String] = []
        switch event.kind {
        case .accepted:
            return
        case .assigned:
            t.assigned = true
            t.holdsUnit = isUnit
            t.due = event.due!.nanoseconds
            t.closedAt = .min
            if isUnit && inPeriod { counted.append("accepted"); explanation.accepted.append(ticket) }
        case .extended:
            t.due = event.due!.nanoseconds
        case .closed:
            t.closedAt = event.at.nanoseconds
        case .returned:
            if event.by == .center {
                t.closedAt = .min
                if let due = event.due { t.due = due.nanoseconds }
                if isUnit && inPeriod { counted.append("rework"); explanation.rework.append(ticket) }
            } else {
                t.assigned = false
                t.holdsUnit = false
                if isUnit && inPeriod { counted.append("returns"); explanation.returns.append(ticket) }
            }
        case .callbackRated:
            if isUnit && inPeriod {
                switch event.rating {
                case .satisfied: counted.append("callback:satisfied"); explanation.callbacks.append(ticket)
                case .unsatisfied:
                    counted.append("callback:unsatisfied")
                    explanation.callbacks.append(ticket)
                    explanation.unsatisfied.append(ticket)
                default: counted.append("callback:unreachable"); explanation.unreachable.append(ticket)
                }
            }
        case .supervised, .supervisionAnswered, .adjusted:
            break
        }
        if isUnit {
            if t.detailIndex < 0 {
                t.detailIndex = explanation.tickets.count
                explanation.tickets.append(.init(ticket: ticket, deadline: nil, closedAt: nil, isDue: false, isDone: false,
                                                 isOnTime: false, events: []))
            }
            explanation.tickets[t.detailIndex].events.append(.init(line: lineNumber, kind: event.kind, at: event.at, counted: counted))
        }
        state[ticket] = t
    }

    /// The explanation: the lists, the per-ticket detail and the unit's scorecard.
    public func finish() -> UnitExplanation {
        var result = explanation
        for (ticket, t) in state where t.holdsUnit && t.assigned {
            let closed = t.closedAt != .min
            let anchor = options.attribution == .closure && closed ? t.closedAt : t.due
            guard period.contains(day: Timestamp(nanoseconds: anchor).day(atOffset: options.utcOffsetSeconds)) else { continue }
            let onTime = closed && t.closedAt <= t.due
            result.due.append(ticket)
            if closed { result.done.append(ticket) }
            if onTime { result.onTime.append(ticket) } else { result.overdue.append(ticket) }
            if t.detailIndex >= 0 {
                result.tickets[t.detailIndex].isDue = true
                result.tickets[t.detailIndex].isDone = closed
                result.tickets[t.detailIndex].isOnTime = onTime
            }
        }
        for (ticket, t) in state where t.detailIndex >= 0 && t.holdsUnit {
            _ = ticket
            result.tickets[t.detailIndex].deadline = Timestamp(nanoseconds: t.due)
            result.tickets[t.detailIndex].closedAt = t.closedAt == .min ? nil : Timestamp(nanoseconds: t.closedAt)
        }
        // Keep only tickets that counted for something in this period.
        result.tickets = result.tickets.filter { $0.isDue || $0.events.contains { !$0.counted.isEmpty } }
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
    /// - Throws: ``LogFileError``; problems in the log are in the summary.
    public func explain(unit: String, period: Period, rules: RuleSet, options: ProjectionOptions) throws
        -> (UnitExplanation, Summary) {
        var explainer = Explainer(unit: unit, period: period, rules: rules, options: options)
        let summary = try forEachValidEvent { event, line, number in explainer.apply(event, in: line, lineNumber: number) }
        return (explainer.finish(), summary)
    }
}
