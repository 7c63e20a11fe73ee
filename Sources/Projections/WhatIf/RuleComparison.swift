/// One period scored under a base rule set and an alternative: what `ledger-cli whatif` prints.
public struct RuleComparison: Sendable {
    /// One unit under both rule sets.
    public struct UnitChange: Sendable {
        public var unit: String
        public var group: String?
        public var base: PeriodReport.Row
        public var alt: PeriodReport.Row

        /// alt score − base score.
        public var delta: Rational { alt.scorecard.score.rational - base.scorecard.score.rational }
        public var gradeChanged: Bool { base.scorecard.grade != alt.scorecard.grade }
        public var scoreChanged: Bool { base.scorecard.score != alt.scorecard.score }
        /// Whether the counts differ (an attribution, time-zone or channel change).
        public var countsChanged: Bool { base.counts != alt.counts }
        /// The counts that differ, base to alt, in a report's column order (a count the table of
        /// scores does not show, such as `accepted` or `returns`, may be the only one).
        public var countChanges: [(name: String, from: Int, to: Int)] { base.counts.differences(to: alt.counts) }
        public var changed: Bool { gradeChanged || scoreChanged || countsChanged }
    }

    public var period: Period
    public var base: PeriodReport
    public var alt: PeriodReport
    /// Every unit of either report: changed units first (largest move first), then the rest by base order.
    public var units: [UnitChange]

    /// Pairs two reports of the same period unit by unit.
    public init(base: PeriodReport, alt: PeriodReport) {
        self.period = base.period
        self.base = base
        self.alt = alt
        let altRows = Dictionary(alt.rows.map { ($0.unit, $0) }, uniquingKeysWith: { a, _ in a })
        let baseUnits = Set(base.rows.map(\.unit))
        var units: [UnitChange] = []
        for row in base.rows {
            let other = altRows[row.unit] ?? PeriodReport.Row(unit: row.unit, group: row.group, counts: UnitCounts(),
                                                              scorecard: Scorecard(counts: UnitCounts(), rules: alt.rules))
            units.append(UnitChange(unit: row.unit, group: row.group, base: row, alt: other))
        }
        for row in alt.rows where !baseUnits.contains(row.unit) {
            let other = PeriodReport.Row(unit: row.unit, group: row.group, counts: UnitCounts(),
                                         scorecard: Scorecard(counts: UnitCounts(), rules: base.rules))
            units.append(UnitChange(unit: row.unit, group: row.group, base: other, alt: row))
        }
        let order = Dictionary(units.enumerated().map { ($1.unit, $0) }, uniquingKeysWith: { a, _ in a })
        units.sort { a, b in
            if a.changed != b.changed { return a.changed }
            if a.changed {
                let da = a.delta < .zero ? .zero - a.delta : a.delta
                let db = b.delta < .zero ? .zero - b.delta : b.delta
                if da != db { return da > db }
            }
            return order[a.unit]! < order[b.unit]!
        }
        self.units = units
    }

    /// Grade moves `(from, to, count)` for units whose grade changed, most frequent first.
    public var moves: [(from: String, to: String, count: Int)] {
        var counts: [String: (String, String, Int)] = [:]
        for u in units where u.gradeChanged {
            let key = u.base.scorecard.grade + "→" + u.alt.scorecard.grade
            counts[key, default: (u.base.scorecard.grade, u.alt.scorecard.grade, 0)].2 += 1
        }
        return counts.values.map { (from: $0.0, to: $0.1, count: $0.2) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : ($0.from, $0.to) < ($1.from, $1.to) }
    }
}
