import Events
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// `Codable` and `Equatable` for the report types, with the member names and values of
// `ledger-cli replay --format json` (and `what-if`, `explain`): counts as integers, rates and
// scores as decimal numbers. Types that hold a `RuleSet` are `Encodable` only: the JSON names
// the rule set but cannot rebuild it.

extension UnitCounts: Codable {
    /// `accepted`, `due`, `done`, `onTime`, `overdue`, `rework`, `returns`, `callbacks`,
    /// `satisfied`, `unsatisfied`, `unreachable`; `overdue` and `callbacks` are derived and
    /// ignored when decoding.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: MemberKey.self)
        try encodeMembers(into: &c)
    }

    func encodeMembers(into c: inout KeyedEncodingContainer<MemberKey>) throws {
        try c.encode(accepted, forKey: "accepted")
        try c.encode(due, forKey: "due")
        try c.encode(done, forKey: "done")
        try c.encode(onTime, forKey: "onTime")
        try c.encode(overdue, forKey: "overdue")
        try c.encode(rework, forKey: "rework")
        try c.encode(returns, forKey: "returns")
        try c.encode(callbacks, forKey: "callbacks")
        try c.encode(satisfied, forKey: "satisfied")
        try c.encode(unsatisfied, forKey: "unsatisfied")
        try c.encode(unreachable, forKey: "unreachable")
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: MemberKey.self)
        self.init()
        for field in Self.named { self[keyPath: field.count] = try c.decode(Int.self, forKey: MemberKey(field.name)) }
    }
}

extension Scorecard: Codable {
    /// `doneRate`, `onTimeRate`, `reworkRate`, `unsatisfiedRate`, `satisfiedRate` (percentages,
    /// exact up to 10 decimals), `score`, `grade`, `isEmpty`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: MemberKey.self)
        try encodeMembers(into: &c, rate: ReportNumber.exact)
        try c.encode(isEmpty, forKey: "isEmpty")
    }

    func encodeMembers(into c: inout KeyedEncodingContainer<MemberKey>, rate: (Rational) -> FixedDecimal) throws {
        try ReportNumber.encode(rate(doneRate), forKey: "doneRate", in: &c)
        try ReportNumber.encode(rate(onTimeRate), forKey: "onTimeRate", in: &c)
        try ReportNumber.encode(rate(reworkRate), forKey: "reworkRate", in: &c)
        try ReportNumber.encode(rate(unsatisfiedRate), forKey: "unsatisfiedRate", in: &c)
        try ReportNumber.encode(rate(satisfiedRate), forKey: "satisfiedRate", in: &c)
        try ReportNumber.encode(score, forKey: "score", in: &c)
        try c.encode(grade, forKey: "grade")
    }

    /// Reads the members above; without `isEmpty` (the CLI's rows), a scorecard is empty when
    /// the object's `due` is 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: MemberKey.self)
        doneRate = try ReportNumber.decode("doneRate", in: c).rational
        onTimeRate = try ReportNumber.decode("onTimeRate", in: c).rational
        reworkRate = try ReportNumber.decode("reworkRate", in: c).rational
        unsatisfiedRate = try ReportNumber.decode("unsatisfiedRate", in: c).rational
        satisfiedRate = try ReportNumber.decode("satisfiedRate", in: c).rational
        score = try ReportNumber.decode("score", in: c)
        grade = try c.decode(String.self, forKey: "grade")
        if let empty = try c.decodeIfPresent(Bool.self, forKey: "isEmpty") {
            isEmpty = empty
        } else {
            isEmpty = try c.decodeIfPresent(Int.self, forKey: "due") == 0
        }
    }
}

extension PeriodReport.Row: Codable {
    /// One flat object, as a row of `replay --format json`: `unit`, `group` (`null` when none),
    /// the ``UnitCounts`` members, then the ``Scorecard`` members without `isEmpty`. Standing
    /// alone a row has no rule set, so rates are exact (up to 10 decimals); inside a
    /// ``PeriodReport`` they are rounded for display as the CLI rounds them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: MemberKey.self)
        try encodeMembers(into: &c, unit: unit, rate: ReportNumber.exact)
    }

    func encodeMembers(into c: inout KeyedEncodingContainer<MemberKey>, unit: String, rate: (Rational) -> FixedDecimal) throws {
        try c.encode(unit, forKey: "unit")
        if let group { try c.encode(group, forKey: "group") } else { try c.encodeNil(forKey: "group") }
        try counts.encodeMembers(into: &c)
        try scorecard.encodeMembers(into: &c, rate: rate)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: MemberKey.self)
        self.init(unit: try c.decode(String.self, forKey: "unit"),
                  group: try c.decodeIfPresent(String.self, forKey: "group"),
                  counts: try UnitCounts(from: decoder),
                  scorecard: try Scorecard(from: decoder))
    }
}

/// A row encoded inside a report: display-rounded rates, an optional replacement name.
private struct DisplayRow: Encodable {
    var row: PeriodReport.Row
    var unit: String
    var rules: RuleSet

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: MemberKey.self)
        let rules = rules
        try row.encodeMembers(into: &c, unit: unit, rate: { Scorecard.display($0, rules: rules) })
    }
}

extension PeriodReport: Encodable, Equatable {
    /// The object `replay --format json` prints (without `asOf`, which the report does not
    /// hold): `period` (its label), `rules` (the rule set's name), `units` (the rows), `total`
    /// (named `合计`). Rates are rounded for display as the CLI rounds them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: MemberKey.self)
        try c.encode(period.label, forKey: "period")
        try c.encode(rules.name, forKey: "rules")
        try c.encode(rows.map { DisplayRow(row: $0, unit: $0.unit, rules: rules) }, forKey: "units")
        try c.encode(DisplayRow(row: total, unit: "合计", rules: rules), forKey: "total")
    }

    public static func == (lhs: PeriodReport, rhs: PeriodReport) -> Bool {
        lhs.period == rhs.period && lhs.rules == rhs.rules && lhs.rows == rhs.rows && lhs.total == rhs.total
            && lhs.warnings == rhs.warnings
    }
}

extension RuleComparison.UnitChange: Equatable {
    public static func == (lhs: RuleComparison.UnitChange, rhs: RuleComparison.UnitChange) -> Bool {
        lhs.unit == rhs.unit && lhs.group == rhs.group && lhs.base == rhs.base && lhs.alt == rhs.alt
    }
}

extension RuleComparison: Encodable, Equatable {
    /// The object `what-if --format json` prints (without `asOf`): `period`, `base`, `alt` (rule
    /// set names), `units` (`unit`, `group`, `baseScore`, `baseGrade`, `altScore`, `altGrade`,
    /// `delta`, `changed`, `countsChanged`, `baseDue`, `altDue`, `countChanges`: each count that
    /// differs as `"name": [base, alt]`), `moves` (`"A→B": count`),
    /// `changedUnits`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: MemberKey.self)
        try c.encode(period.label, forKey: "period")
        try c.encode(base.rules.name, forKey: "base")
        try c.encode(alt.rules.name, forKey: "alt")
        let decimals = max(base.rules.scoreDecimals, alt.rules.scoreDecimals)
        var list = c.nestedUnkeyedContainer(forKey: "units")
        for u in units {
            var row = list.nestedContainer(keyedBy: MemberKey.self)
            try row.encode(u.unit, forKey: "unit")
            if let group = u.group { try row.encode(group, forKey: "group") } else { try row.encodeNil(forKey: "group") }
            try ReportNumber.encode(u.base.scorecard.score, forKey: "baseScore", in: &row)
            try row.encode(u.base.scorecard.grade, forKey: "baseGrade")
            try ReportNumber.encode(u.alt.scorecard.score, forKey: "altScore", in: &row)
            try row.encode(u.alt.scorecard.grade, forKey: "altGrade")
            try ReportNumber.encode(u.delta.rounded(decimals: decimals), forKey: "delta", in: &row)
            try row.encode(u.changed, forKey: "changed")
            try row.encode(u.countsChanged, forKey: "countsChanged")
            try row.encode(u.base.counts.due, forKey: "baseDue")
            try row.encode(u.alt.counts.due, forKey: "altDue")
            var changes = row.nestedContainer(keyedBy: MemberKey.self, forKey: "countChanges")
            for change in u.countChanges { try changes.encode([change.from, change.to], forKey: MemberKey(change.name)) }
        }
        var moves = c.nestedContainer(keyedBy: MemberKey.self, forKey: "moves")
        for move in self.moves { try moves.encode(move.count, forKey: MemberKey(move.from + "→" + move.to)) }
        try c.encode(units.filter(\.changed).count, forKey: "changedUnits")
    }

    public static func == (lhs: RuleComparison, rhs: RuleComparison) -> Bool {
        lhs.period == rhs.period && lhs.base == rhs.base && lhs.alt == rhs.alt && lhs.units == rhs.units
    }
}

extension UnitExplanation.CountedEvent: Equatable {
    public static func == (lhs: UnitExplanation.CountedEvent, rhs: UnitExplanation.CountedEvent) -> Bool {
        lhs.line == rhs.line && lhs.kind == rhs.kind && lhs.at == rhs.at && lhs.counted == rhs.counted
    }
}

extension UnitExplanation.TicketDetail: Equatable {
    public static func == (lhs: UnitExplanation.TicketDetail, rhs: UnitExplanation.TicketDetail) -> Bool {
        lhs.ticket == rhs.ticket && lhs.deadline == rhs.deadline && lhs.closedAt == rhs.closedAt && lhs.isDue == rhs.isDue
            && lhs.isDone == rhs.isDone && lhs.isOnTime == rhs.isOnTime && lhs.isPending == rhs.isPending
            && lhs.events == rhs.events
    }
}

extension UnitExplanation: Encodable, Equatable {
    /// The object `explain --format json` prints (without `asOf`): `unit`, `period`, `rules`,
    /// `statistics` (a report row), the ticket lists (`accepted` … `unreachable`) and `tickets`
    /// (`ticket`, `deadline`, `closed`, `due`, `done`, `onTime`, `pending`, `lateSeconds`, `events`: `line`,
    /// `type`, `at`, `counted`). Times are RFC 3339 at the rule set's UTC offset.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: MemberKey.self)
        let offset = rules.utcOffsetSeconds
        try c.encode(unit, forKey: "unit")
        try c.encode(period.label, forKey: "period")
        try c.encode(rules.name, forKey: "rules")
        let row = PeriodReport.Row(unit: unit, group: nil, counts: counts, scorecard: scorecard)
        try c.encode(DisplayRow(row: row, unit: unit, rules: rules), forKey: "statistics")
        for (key, ids) in [("accepted", accepted), ("due", due), ("done", done), ("onTime", onTime), ("overdue", overdue),
                           ("rework", rework), ("returns", returns), ("callbacks", callbacks),
                           ("unsatisfied", unsatisfied), ("unreachable", unreachable)] {
            try c.encode(ids, forKey: MemberKey(key))
        }
        var list = c.nestedUnkeyedContainer(forKey: "tickets")
        for t in tickets {
            var ticket = list.nestedContainer(keyedBy: MemberKey.self)
            try ticket.encode(t.ticket, forKey: "ticket")
            try ticket.encode(t.deadline?.rfc3339(offsetSeconds: offset), forKey: "deadline")
            try ticket.encode(t.closedAt?.rfc3339(offsetSeconds: offset), forKey: "closed")
            try ticket.encode(t.isDue, forKey: "due")
            try ticket.encode(t.isDone, forKey: "done")
            try ticket.encode(t.isOnTime, forKey: "onTime")
            try ticket.encode(t.isPending, forKey: "pending")
            try ticket.encode(t.lateness, forKey: "lateSeconds")
            var events = ticket.nestedUnkeyedContainer(forKey: "events")
            for ev in t.events {
                var event = events.nestedContainer(keyedBy: MemberKey.self)
                try event.encode(ev.line, forKey: "line")
                try event.encode(ev.kind.rawValue, forKey: "type")
                try event.encode(ev.at.rfc3339(offsetSeconds: offset), forKey: "at")
                try event.encode(ev.counted, forKey: "counted")
            }
        }
    }

    public static func == (lhs: UnitExplanation, rhs: UnitExplanation) -> Bool {
        lhs.unit == rhs.unit && lhs.period == rhs.period && lhs.rules == rhs.rules && lhs.counts == rhs.counts
            && lhs.scorecard == rhs.scorecard && lhs.accepted == rhs.accepted && lhs.due == rhs.due
            && lhs.done == rhs.done && lhs.onTime == rhs.onTime && lhs.overdue == rhs.overdue
            && lhs.rework == rhs.rework && lhs.returns == rhs.returns && lhs.callbacks == rhs.callbacks
            && lhs.unsatisfied == rhs.unsatisfied && lhs.unreachable == rhs.unreachable && lhs.tickets == rhs.tickets
    }
}
