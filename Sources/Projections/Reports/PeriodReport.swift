/// The assessment table of one period: a row per unit, a total, ready to print.
public struct PeriodReport: Sendable {
    /// One row of the table.
    public struct Row: Sendable, Equatable {
        public var unit: String
        public var group: String?
        public var counts: UnitCounts
        public var scorecard: Scorecard

        package init(unit: String, group: String?, counts: UnitCounts, scorecard: Scorecard) {
            self.unit = unit
            self.group = group
            self.counts = counts
            self.scorecard = scorecard
        }
    }

    /// The period covered.
    public var period: Period
    /// The rule set used.
    public var rules: RuleSet
    /// The unit rows, best score first.
    public var rows: [Row]
    /// The total row: the counts added up and scored by the same formula. Its `unit` is empty;
    /// a report names it (the Reports module prints 合计).
    public var total: Row
    /// Things the reader should know (e.g. units missing from the roster).
    public var warnings: [String]

    /// Builds the table from per-unit counts.
    /// - Parameters:
    ///   - period: The period the counts are of.
    ///   - rules: The rule set that scores them.
    ///   - counts: Counts of every unit with activity in the period.
    ///   - roster: When given, every roster unit is listed (even with nothing due) in its
    ///     group, and units missing from it are listed too, with a warning.
    public init(period: Period, rules: RuleSet, counts: [String: UnitCounts], roster: Roster? = nil) {
        self.period = period
        self.rules = rules
        var warnings: [String] = []
        var rows: [Row] = []
        var listed = Set<String>()
        if let roster {
            for entry in roster.entries {
                let c = counts[entry.unit] ?? UnitCounts()
                rows.append(Row(unit: entry.unit, group: entry.group, counts: c, scorecard: Scorecard(counts: c, rules: rules)))
                listed.insert(entry.unit)
            }
        }
        let extra = counts.keys.filter { !listed.contains($0) }.sorted()
        if roster != nil, !extra.isEmpty {
            warnings.append("\(extra.count) unit\(extra.count == 1 ? "" : "s") in the log but not in the roster: \(extra.joined(separator: ", "))")
        }
        for unit in extra {
            let c = counts[unit]!
            rows.append(Row(unit: unit, group: nil, counts: c, scorecard: Scorecard(counts: c, rules: rules)))
        }
        rows.sort { a, b in
            if a.scorecard.score != b.scorecard.score { return a.scorecard.score > b.scorecard.score }
            if a.counts.due != b.counts.due { return a.counts.due > b.counts.due }
            if a.counts.accepted != b.counts.accepted { return a.counts.accepted > b.counts.accepted }
            return a.unit < b.unit
        }
        var sum = UnitCounts()
        for row in rows { sum += row.counts }
        self.rows = rows
        self.total = Row(unit: "", group: nil, counts: sum, scorecard: Scorecard(counts: sum, rules: rules))
        self.warnings = warnings
    }

    /// The groups in first-appearance order (roster order), `nil` for ungrouped rows.
    public var groups: [String?] {
        var seen: [String?] = []
        for row in rows where !seen.contains(row.group) { seen.append(row.group) }
        return seen
    }

    /// How many units got each grade, in the rules' grade order.
    public var gradeCounts: [(grade: String, count: Int)] { Self.gradeCounts(of: rows, rules: rules) }

    /// How many of `rows` got each grade: the rules' grades in order, then the grade of a unit
    /// with nothing due when it is none of them (a rule set may give such units a grade of
    /// their own, say N), so that the counts add up to the rows.
    public static func gradeCounts(of rows: [Row], rules: RuleSet) -> [(grade: String, count: Int)] {
        var names = rules.grades.map(\.grade)
        if !names.contains(rules.emptyUnit.grade) { names.append(rules.emptyUnit.grade) }
        return names.map { name in (name, rows.filter { $0.scorecard.grade == name }.count) }
    }
}

extension Projection {
    /// The assessment table of a period under a rule set.
    public func report(period: Period, rules: RuleSet, roster: Roster? = nil) -> PeriodReport {
        PeriodReport(period: period, rules: rules, counts: counts(period: period), roster: roster)
    }
}
