import Events

/// A whole bulletin (通报) for one period: every table, list and figure, ready to be written out.
///
/// Built by ``LogReplay/bulletin(_:)`` in one pass over a log, or from folds fed elsewhere with
/// ``init(request:hotline:mailbox:)``. The numbers come from the same ``Projection`` as
/// `ledger-cli replay`, so a bulletin's tables equal the replayed tables.
public struct Bulletin: Sendable {
    /// What was asked for.
    public var request: BulletinRequest
    /// The hotline (or the rule set's channel).
    public var hotline: ChannelSection
    /// The mailbox, when asked for and active in the period (or given a roster).
    public var mailbox: ChannelSection?
    /// The top units of each roster group, among those with enough tickets due.
    public var rankings: [GroupRanking]
    /// Deductions (negative points): computed from the tables, then manual, by unit.
    public var deductions: [Adjustment]
    /// Bonuses (positive points), likewise.
    public var bonuses: [Adjustment]
    /// The Xiangtan statistics table (every scheme has the numbers; the xiangtan scheme prints it).
    public var xiangtan: XiangtanTable

    public var period: Period { request.period }
    public var scheme: BulletinScheme { request.scheme }

    /// One channel's part of the bulletin.
    public struct ChannelSection: Sendable {
        /// The period's table.
        public var report: PeriodReport
        /// The table's groups in roster order (`nil` for units the roster does not list, last).
        public var groups: [String?]
        /// The previous period's table under the same rules (`nil` for a free range of days).
        public var previous: PeriodReport?
        /// Per unit: assignments kept, supervision, `contacted: false` callbacks.
        public var counts: [String: BulletinCounts]
        /// Categories and topics of the tickets assigned in the period.
        public var categories: [LabelCount]
        public var topics: [LabelCount]
        /// Tickets assigned in the period, each once.
        public var assignedTickets: Int
        /// Overdue and reworked tickets by unit, the units with most first (then in table order);
        /// overdue by deadline, or by assignment in the xiangtan scheme, to match its 逾期数.
        public var overdue: [UnitTickets]
        public var reworked: [UnitTickets]
        /// Tickets returned by units in the period, by returns to date.
        public var returns: ReturnsHistogram

        /// The change of a total rate against the previous period, in percentage points, from
        /// the rates as printed (rounded for display); `nil` without a previous period.
        public func change(_ rate: KeyPath<Scorecard, Rational>) -> Rational? {
            guard let previous else { return nil }
            let rules = report.rules
            return Scorecard.display(report.total.scorecard[keyPath: rate], rules: rules).rational
                - Scorecard.display(previous.total.scorecard[keyPath: rate], rules: rules).rational
        }

        /// The change of the total score against the previous period.
        public var scoreChange: Rational? {
            previous.map { report.total.scorecard.score.rational - $0.total.scorecard.score.rational }
        }

        /// The rows of a group, best score first (`nil`: units the roster does not list).
        public func rows(in group: String?) -> [PeriodReport.Row] { report.rows.filter { $0.group == group } }

        /// A group's counts added up and scored by the same formula, like the total row; its
        /// `unit` is the group's name (empty for `nil`).
        public func total(of group: String?) -> PeriodReport.Row {
            var sum = UnitCounts()
            for row in rows(in: group) { sum += row.counts }
            return PeriodReport.Row(unit: group ?? "", group: group, counts: sum, scorecard: Scorecard(counts: sum, rules: report.rules))
        }

        /// How many units of each grade, in the rules' grade order, for the rows of `group`
        /// (all rows when `group` is `.none`).
        public func gradeCounts(in group: String?? = .none) -> [(grade: String, count: Int)] {
            let selected = group.map { self.rows(in: $0) } ?? report.rows
            return report.rules.grades.map { bound in (bound.grade, selected.filter { $0.scorecard.grade == bound.grade }.count) }
        }

        /// The categories in a fixed order (zero when absent), and the tickets of every other
        /// category added up.
        public func categories(inOrder order: [String]) -> (listed: [LabelCount], other: Int) {
            var fixed = order.map { LabelCount(label: $0, count: 0) }
            var other = 0
            for item in categories {
                if let i = order.firstIndex(of: item.label) { fixed[i].count += item.count } else { other += item.count }
            }
            return (fixed, other)
        }
    }

    /// One unit's tickets in a list.
    public struct UnitTickets: Sendable, Equatable {
        public var unit: String
        public var tickets: [TicketStatus]
        /// The count the list stands for (reworks count each time).
        public var count: Int { tickets.reduce(0) { $0 + $1.times } }
    }

    /// A group's best units.
    public struct GroupRanking: Sendable {
        /// The roster group (`nil`: all units, for a roster without groups).
        public var group: String?
        /// The least tickets due a unit needs to be ranked.
        public var minimumVolume: Int
        /// The best units, best first.
        public var top: [PeriodReport.Row]
        /// How many units of the group had enough tickets.
        public var eligible: Int
    }
}

extension Bulletin {
    /// Builds the bulletin from folds that have seen the log.
    /// - Parameters:
    ///   - hotline: The projection and bulletin fold of the hotline rule set's options.
    ///   - mailbox: Likewise for the mailbox rule set, if there is one.
    public init(request: BulletinRequest, hotline: (Projection, BulletinFold), mailbox: (Projection, BulletinFold)?) {
        self.request = request
        let period = request.period
        let byAssignment = request.scheme == .xiangtan
        self.hotline = Self.section(period: period, rules: request.rules, roster: request.roster, folds: hotline,
                                    overdueByAssignment: byAssignment)
        if let mailboxRules = request.mailboxRules, let folds = mailbox,
           request.mailboxRoster != nil || !folds.0.counts(period: period).isEmpty {
            self.mailbox = Self.section(period: period, rules: mailboxRules, roster: request.mailboxRoster, folds: folds,
                                        overdueByAssignment: byAssignment)
        } else {
            self.mailbox = nil
        }
        self.rankings = Self.rankings(self.hotline, minimum: request.rankingMinimum, size: request.rankingSize)
        let manual = hotline.1.adjustments(period: period)
        // The Xiangtan scheme grades nobody, so only manual entries apply there.
        let all = request.scheme == .xiangtan ? manual
            : Self.adjustments(hotline: self.hotline.report, mailbox: self.mailbox?.report, manual: manual,
                               roster: request.roster, mailboxRoster: request.mailboxRoster)
        self.deductions = all.filter { !$0.isBonus }
        self.bonuses = all.filter(\.isBonus)
        self.xiangtan = XiangtanTable(report: self.hotline.report, counts: self.hotline.counts, roster: request.roster)
    }

    static func section(period: Period, rules: RuleSet, roster: Roster?, folds: (Projection, BulletinFold),
                        overdueByAssignment: Bool) -> ChannelSection {
        let (projection, fold) = folds
        let report = projection.report(period: period, rules: rules, roster: roster)
        let previous = period.previous().map { projection.report(period: $0, rules: rules, roster: roster) }
        let order = report.rows.map(\.unit)
        func inTableOrder(_ lists: [String: [TicketStatus]]) -> [UnitTickets] {
            let known = Set(order)
            let units = (order + lists.keys.filter { !known.contains($0) }.sorted()).compactMap { unit in
                lists[unit].map { UnitTickets(unit: unit, tickets: $0) }
            }
            // Most first; ties in table order.
            return units.enumerated().sorted { ($1.element.count, $0.offset) < ($0.element.count, $1.offset) }.map(\.element)
        }
        var groups: [String?] = []
        for group in (roster?.entries.map(\.group) ?? []) + report.groups where !groups.contains(group) {
            if report.rows.contains(where: { $0.group == group }) { groups.append(group) }
        }
        if let index = groups.firstIndex(of: nil) { groups.append(groups.remove(at: index)) }
        return ChannelSection(report: report, groups: groups, previous: previous, counts: fold.counts(period: period),
                              categories: fold.categories(period: period), topics: fold.topics(period: period),
                              assignedTickets: fold.assignedTicketCount(period: period),
                              overdue: inTableOrder(fold.overdueTickets(period: period, byAssignment: overdueByAssignment)),
                              reworked: inTableOrder(fold.reworkedTickets(period: period)),
                              returns: fold.returnsHistogram(period: period))
    }

    /// The best units of each group (roster order) among those with at least the group's
    /// minimum of tickets due; a report without groups gets one ranking of all units.
    static func rankings(_ section: ChannelSection, minimum: [String: Int], size: Int) -> [GroupRanking] {
        let report = section.report
        let groups = section.groups.contains { $0 != nil } ? section.groups.filter { $0 != nil } : [nil]
        return groups.map { group in
            let least = group.flatMap { minimum[$0] } ?? 0
            let eligible = report.rows.filter { ($0.group == group || group == nil) && !$0.scorecard.isEmpty && $0.counts.due >= least }
            return GroupRanking(group: group, minimumVolume: least, top: Array(eligible.prefix(size)), eligible: eligible.count)
        }
    }
}
