/// The Xiangtan statistics table (市长热线办理情况统计表): counts, three rates, supervision.
///
/// 交办数 counts assignments made in the period that the unit kept, and 按期办结数 / 逾期数
/// split them, so 交办数 = 按期办结数 + 逾期数 (an assignment counts in the month it was made,
/// not the month of its deadline); in a bulletin as of a day inside the period, open tickets
/// whose deadline is later are neither (``BulletinCounts/pending``, 未到期). The callback
/// columns count events in the period, which may concern earlier tickets, so
/// 回访率 = (回访数 + 回访未应答) ÷ 交办数 can exceed 100%.
public struct XiangtanTable: Sendable {
    /// One unit's row.
    public struct Row: Sendable, Equatable {
        public var unit: String
        /// Callbacks, unreachable, satisfied and unit returns (退单数) in the period.
        public var counts: UnitCounts
        /// 交办数, 按期办结数, 未答复当事人数, supervision.
        public var facts: BulletinCounts

        /// 按期办结率: onTimeDone ÷ the assignments whose deadline has come (all of them without an
        /// as-of instant inside the period), in percent; `nil` with none.
        public var onTimeRate: Rational? { Self.percent(facts.onTimeDone, facts.assigned - facts.pending) }
        /// 回访率: (rated + unreachable callbacks) ÷ assigned, in percent; may exceed 100.
        public var callbackRate: Rational? { Self.percent(counts.callbacks + counts.unreachable, facts.assigned) }
        /// 回访满意率: satisfied ÷ rated callbacks, in percent.
        public var satisfiedRate: Rational? { Self.percent(counts.satisfied, counts.callbacks) }

        /// Whether the unit has any callback or supervision figure in the period; the bulletin
        /// prints `-` in those columns for a unit without (no callbacks were made).
        public var hasCallbackData: Bool {
            counts.callbacks + counts.unreachable + facts.notContacted + facts.supervised + facts.phoneAnswered
                + facts.writtenAnswered > 0
        }

        static func percent(_ part: Int, _ whole: Int) -> Rational? {
            whole > 0 ? Rational(Int128(part) * 100, Int128(whole)) : nil
        }
    }

    /// Units in roster order, then the others by 交办数 (most first).
    public var rows: [Row]
    /// The 总计 row.
    public var total: Row

    /// Builds the table from a period's report (for the callback columns and the roster's
    /// units) and the bulletin counts.
    public init(report: PeriodReport, counts: [String: BulletinCounts], roster: Roster?) {
        var byUnit: [String: Row] = [:]
        for row in report.rows { byUnit[row.unit] = Row(unit: row.unit, counts: row.counts, facts: counts[row.unit] ?? BulletinCounts()) }
        for (unit, facts) in counts where byUnit[unit] == nil { byUnit[unit] = Row(unit: unit, counts: UnitCounts(), facts: facts) }
        let listed = roster?.entries.map(\.unit) ?? []
        let known = Set(listed)
        let others = byUnit.values.filter { !known.contains($0.unit) && ($0.facts.assigned > 0 || $0.hasCallbackData || $0.counts.returns > 0) }
            .sorted { ($1.facts.assigned, $0.unit) < ($0.facts.assigned, $1.unit) }
        rows = listed.map { byUnit[$0] ?? Row(unit: $0, counts: UnitCounts(), facts: BulletinCounts()) } + others
        var sumCounts = UnitCounts(), sumFacts = BulletinCounts()
        for row in rows {
            sumCounts += row.counts
            sumFacts += row.facts
        }
        total = Row(unit: "总计", counts: sumCounts, facts: sumFacts)
    }

    /// Units with rated callbacks whose satisfaction is below `rate` percent, in table order.
    public func units(satisfiedBelow rate: Rational) -> [String] {
        rows.filter { row in row.satisfiedRate.map { $0 < rate } ?? false }.map(\.unit)
    }

    /// Units with rated callbacks whose satisfaction is at least `rate` percent, in table order.
    public func units(satisfiedAtLeast rate: Rational) -> [String] {
        rows.filter { row in row.satisfiedRate.map { $0 >= rate } ?? false }.map(\.unit)
    }
}
