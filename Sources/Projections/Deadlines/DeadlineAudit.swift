import Events

/// Every assignment made in a period checked against a rule set's ``DeadlinePolicy``: the ones
/// whose deadline, as the platform set it, is later than the policy allows (which makes a unit
/// look punctual). What `ledger-cli deadlines` prints.
///
/// ```swift
/// var audit = try DeadlineAudit(period: .month(2023, 9), rules: rules)
/// for event in events { try audit.apply(event) }
/// print(audit.exceeding.count, "of", audit.assignments)
/// ```
public struct DeadlineAudit: Sendable {
    /// One assignment whose deadline is later than the policy's.
    public struct Finding: Sendable, Equatable {
        public var ticket: String
        public var unit: String
        /// When the ticket was assigned.
        public var assigned: Timestamp
        /// The deadline the platform set.
        public var due: Timestamp
        /// The deadline the policy sets.
        public var policyDue: Timestamp
        /// Working days from the policy deadline's day to the platform deadline's (see
        /// ``DeadlinePolicy/excessWorkdays(due:policyDue:utcOffsetSeconds:)``); 0 when the
        /// excess stays within a day or falls on rest days.
        public var excessWorkdays: Int
        /// The limit that applied.
        public var limit: DeadlinePolicy.Length
    }

    /// One unit's assignments in the period.
    public struct UnitSummary: Sendable, Equatable {
        public var unit: String
        public var group: String?
        /// Assignments made to the unit in the period.
        public var assignments = 0
        /// Of those, deadlines later than the policy's.
        public var exceeding = 0
        /// Their excess working days, added up.
        public var excessWorkdays = 0
        /// The largest excess of one assignment, in working days.
        public var maxExcessWorkdays = 0
    }

    /// The period whose assignments are checked (by the assignment's local day).
    public let period: Period
    /// The rule set, with its ``RuleSet/deadlines``.
    public let rules: RuleSet
    /// The policy checked against.
    public let policy: DeadlinePolicy
    /// Assignments made in the period (of tickets on the rule set's channel).
    public private(set) var assignments = 0
    /// Of those, assignments no limit applies to (not checked).
    public private(set) var withoutLimit = 0
    /// The assignments whose deadline exceeds the policy's, in log order.
    public private(set) var exceeding: [Finding] = []
    /// Assignments per unit, in first-assignment order.
    private var unitAssignments: [String: Int] = [:]
    private var unitOrder: [String] = []
    private let channelFilter: ChannelFilter
    private var tickets: [String: (kind: DeadlinePolicy.TicketKind, included: Bool)] = [:]

    /// An empty audit of `period` under `rules`.
    /// - Parameters:
    ///   - period: The period whose assignments are audited.
    ///   - rules: The rule set; its `deadlines` is the policy.
    ///   - channel: The channel filter (by default the rule set's).
    /// - Throws: ``DeadlineAuditError/noDeadlines(rules:)`` when the rule set has no `deadlines`.
    public init(period: Period, rules: RuleSet, channel: ChannelSelection = .rules) throws(DeadlineAuditError) {
        guard let policy = rules.deadlines else { throw .noDeadlines(rules: rules.name) }
        self.period = period
        self.rules = rules
        self.policy = policy
        self.channelFilter = ProjectionOptions(rules: rules, channel: channel).channelFilter
    }

    /// Checks one event (events in log order; only `accepted` and `assigned` matter).
    /// - Throws: ``CalendarError`` when a deadline falls outside the calendar's years.
    public mutating func apply(_ event: Event) throws(CalendarError) {
        switch event.body {
        case .accepted(let channel, let category, let topic):
            accepted(ticket: event.ticket, kind: DeadlinePolicy.TicketKind(category: category, topic: topic, channel: channel),
                     included: channelFilter.includes(channel))
        case .assigned(let unit, let due):
            try assigned(ticket: event.ticket, unit: unit, at: event.at, due: due)
        default:
            break
        }
    }

    /// Checks one event decoded in place from `line`.
    mutating func apply(_ event: RawEvent, in line: UnsafeRawBufferPointer) throws(CalendarError) {
        switch event.kind {
        case .accepted:
            let kind = DeadlinePolicy.TicketKind(category: event.category?.string(in: line), topic: event.topic?.string(in: line),
                                                 channel: event.channel?.string(in: line))
            accepted(ticket: event.ticket.string(in: line), kind: kind, included: channelFilter.includes(event.channel, in: line))
        case .assigned:
            guard let unit = event.unit, let due = event.due else { return }
            try assigned(ticket: event.ticket.string(in: line), unit: unit.string(in: line), at: event.at, due: due)
        default:
            break
        }
    }

    private mutating func accepted(ticket: String, kind: DeadlinePolicy.TicketKind, included: Bool) {
        tickets[ticket] = (kind, included)
    }

    private mutating func assigned(ticket: String, unit: String, at: Timestamp, due: Timestamp) throws(CalendarError) {
        guard let state = tickets[ticket], state.included, period.contains(day: at.day(atOffset: rules.utcOffsetSeconds)) else { return }
        assignments += 1
        if unitAssignments[unit] == nil { unitOrder.append(unit) }
        unitAssignments[unit, default: 0] += 1
        guard let limit = policy.limit(for: state.kind) else {
            withoutLimit += 1
            return
        }
        let offset = rules.utcOffsetSeconds
        let policyDue = try policy.deadline(assigned: at, length: limit.length, utcOffsetSeconds: offset)
        guard due > policyDue else { return }
        let excess = try policy.excessWorkdays(due: due, policyDue: policyDue, utcOffsetSeconds: offset)
        exceeding.append(Finding(ticket: ticket, unit: unit, assigned: at, due: due, policyDue: policyDue,
                                 excessWorkdays: excess, limit: limit.length))
    }

    /// A row per unit: with a roster, every roster unit in its order and group, then the units
    /// the roster misses; without one, the units with assignments, most exceeding first.
    public func units(roster: Roster? = nil) -> [UnitSummary] {
        var rows: [String: UnitSummary] = [:]
        for unit in unitOrder { rows[unit] = UnitSummary(unit: unit, assignments: unitAssignments[unit]!) }
        for finding in exceeding {
            rows[finding.unit]!.exceeding += 1
            rows[finding.unit]!.excessWorkdays += finding.excessWorkdays
            rows[finding.unit]!.maxExcessWorkdays = max(rows[finding.unit]!.maxExcessWorkdays, finding.excessWorkdays)
        }
        var result: [UnitSummary] = []
        var listed = Set<String>()
        for entry in roster?.entries ?? [] where !listed.contains(entry.unit) {
            var row = rows[entry.unit] ?? UnitSummary(unit: entry.unit)
            row.group = entry.group
            result.append(row)
            listed.insert(entry.unit)
        }
        let rest = unitOrder.filter { !listed.contains($0) }.map { rows[$0]! }.sorted { a, b in
            if a.exceeding != b.exceeding { return a.exceeding > b.exceeding }
            if a.excessWorkdays != b.excessWorkdays { return a.excessWorkdays > b.excessWorkdays }
            return a.unit < b.unit
        }
        return result + rest
    }
}

/// An audit that cannot run.
public enum DeadlineAuditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rule set has no `deadlines` object.
    case noDeadlines(rules: String)

    public var description: String {
        switch self {
        case .noDeadlines(let rules):
            "rule set '\(rules)' has no \"deadlines\" object (the time limits to check against)"
        }
    }
}

extension LogReplay {
    /// Audits the assignments a log makes in `period` against `rules`' deadlines, in one pass.
    /// - Throws: ``DeadlineReplayError/file(_:)`` if the file cannot be read,
    ///   ``DeadlineReplayError/audit(_:)`` when the rule set has no deadlines,
    ///   ``DeadlineReplayError/deadline(_:)`` for the first assignment whose deadlines fall
    ///   outside the calendar.
    public func deadlineAudit(period: Period, rules: RuleSet, channel: ChannelSelection = .rules)
        throws(DeadlineReplayError) -> (DeadlineAudit, Summary) {
        var audit: DeadlineAudit
        do throws(DeadlineAuditError) {
            audit = try DeadlineAudit(period: period, rules: rules, channel: channel)
        } catch {
            throw .audit(error)
        }
        var failure: DeadlineError? = nil
        let summary: Summary
        do throws(LogFileError) {
            summary = try forEachValidEvent { event, line, number in
                guard failure == nil else { return }
                do throws(CalendarError) {
                    try audit.apply(event, in: line)
                } catch {
                    failure = DeadlineError(source: path, line: number, ticket: event.ticket.string(in: line), error: error)
                }
            }
        } catch {
            throw .file(error)
        }
        if let failure { throw .deadline(failure) }
        return (audit, summary)
    }
}
