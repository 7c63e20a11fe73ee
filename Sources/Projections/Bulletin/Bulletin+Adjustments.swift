extension Bulletin {
    /// The entries a rule set computes from one table: the grade's points (units with nothing
    /// due are never docked for their grade) and the points per overdue ticket, for every
    /// overdue ticket of the table (no excuse applied; see
    /// ``computedAdjustments(_:overdue:)`` for the entries that list their tickets).
    public static func computedAdjustments(_ report: PeriodReport) -> [Adjustment] {
        computedAdjustments(report, overdue: nil)
    }

    /// The entries a rule set computes from one table and its overdue lists: the grade's points,
    /// and the points per overdue ticket for the tickets no ``RuleSet/Adjustments/overdueExcuses``
    /// excuses, each entry listing its tickets (``Adjustment/tickets``) and the excused ones
    /// (``Adjustment/excusedTickets``). A unit whose overdue tickets are all excused gets no entry.
    /// - Parameters:
    ///   - report: The table the entries are computed from.
    ///   - overdue: The overdue tickets by unit (by deadline, as the table counts them);
    ///     `nil`: the table's overdue counts, without tickets or excuses.
    public static func computedAdjustments(_ report: PeriodReport, overdue: [UnitTickets]?) -> [Adjustment] {
        let rules = report.rules, basis = Adjustment.Basis(channel: rules.channel, label: rules.adjustments.label)
        let lists = overdue.map { Dictionary($0.map { ($0.unit, $0.tickets) }, uniquingKeysWith: +) }
        let excuses = rules.adjustments.overdueExcuses
        var entries: [Adjustment] = []
        for row in report.rows where !row.scorecard.isEmpty {
            let grade = row.scorecard.grade
            if let points = rules.adjustments.points(forGrade: grade), points != .zero {
                entries.append(Adjustment(unit: row.unit, points: points, indicator: "", reason: "",
                                          source: .grade(grade, rules: basis)))
            }
            let each = rules.adjustments.overdueTicket
            guard each != .zero, row.counts.overdue > 0 else { continue }
            var docked: [String] = [], excused: [String] = []
            var n = row.counts.overdue
            if let lists {
                for ticket in lists[row.unit] ?? [] {
                    if excuses.contains(.centreReturn) && ticket.centreReturned { excused.append(ticket.ticket) } else { docked.append(ticket.ticket) }
                }
                n = docked.count
            }
            guard n > 0 else { continue }
            var entry = Adjustment(unit: row.unit, points: each * Rational(n), indicator: "", reason: "",
                                   source: .overdue(tickets: n, each: each, rules: basis))
            entry.tickets = docked
            entry.excusedTickets = excused
            entries.append(entry)
        }
        return entries
    }

    /// Every entry of the period, in the order a bulletin lists them: by unit (hotline roster
    /// order, then the other sections' rosters, then the others as they come), and for each
    /// unit the computed entries section by section, then the manual ones in log order.
    static func adjustments(sections: [ChannelSection], manual: [Adjustment], rosters: [Roster?]) -> [Adjustment] {
        let computed = sections.flatMap { computedAdjustments($0.report, overdue: $0.overdue) }
        var position: [String: Int] = [:]
        var units: [String] = rosters.first.flatMap { $0?.entries.map(\.unit) } ?? sections.first?.report.rows.map(\.unit) ?? []
        for roster in rosters.dropFirst() { units += roster?.entries.map(\.unit) ?? [] }
        for section in sections.dropFirst() { units += section.report.rows.map(\.unit) }
        units += computed.map(\.unit)
        units += manual.map(\.unit)
        for unit in units where position[unit] == nil { position[unit] = position.count }
        return (computed + manual).enumerated()
            .sorted { (position[$0.element.unit]!, $0.offset) < (position[$1.element.unit]!, $1.offset) }
            .map(\.element)
    }
}
