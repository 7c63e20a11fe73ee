extension Bulletin {
    /// The entries a rule set computes from one table: the grade's points (units with nothing
    /// due are never docked for their grade) and the points per overdue ticket.
    public static func computedAdjustments(_ report: PeriodReport) -> [Adjustment] {
        let rules = report.rules, basis = Adjustment.Basis(channel: rules.channel, label: rules.adjustments.label)
        var entries: [Adjustment] = []
        for row in report.rows where !row.scorecard.isEmpty {
            let grade = row.scorecard.grade
            if let points = rules.adjustments.points(forGrade: grade), points != .zero {
                entries.append(Adjustment(unit: row.unit, points: points, indicator: "", reason: "",
                                          source: .grade(grade, rules: basis)))
            }
            let each = rules.adjustments.overdueTicket
            if each != .zero, row.counts.overdue > 0 {
                let n = row.counts.overdue
                entries.append(Adjustment(unit: row.unit, points: each * Rational(n), indicator: "", reason: "",
                                          source: .overdue(tickets: n, each: each, rules: basis)))
            }
        }
        return entries
    }

    /// Every entry of the period, in the order a bulletin lists them: by unit (hotline roster
    /// order, then the mailbox roster's, then the others as they come), and for each unit the
    /// hotline's computed entries, the mailbox's, then the manual ones in log order.
    static func adjustments(hotline: PeriodReport, mailbox: PeriodReport?, manual: [Adjustment], roster: Roster?,
                            mailboxRoster: Roster?) -> [Adjustment] {
        let computed = computedAdjustments(hotline) + (mailbox.map(computedAdjustments) ?? [])
        var position: [String: Int] = [:]
        var units: [String] = roster?.entries.map(\.unit) ?? hotline.rows.map(\.unit)
        units += mailboxRoster?.entries.map(\.unit) ?? []
        units += mailbox?.rows.map(\.unit) ?? []
        units += computed.map(\.unit)
        units += manual.map(\.unit)
        for unit in units where position[unit] == nil { position[unit] = position.count }
        return (computed + manual).enumerated()
            .sorted { (position[$0.element.unit]!, $0.offset) < (position[$1.element.unit]!, $1.offset) }
            .map(\.element)
    }
}
