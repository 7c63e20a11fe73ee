import Events

/// A whole bulletin (通报) for one period: every table, list and figure, ready to be written out.
///
/// Built by ``LogReplay/bulletin(_:)`` in one pass over a log, or from folds fed elsewhere with
/// `init(request:hotline:mailbox:)`. The numbers come from the same ``Projection`` as
/// `ledger-cli replay`, so a bulletin's tables equal the replayed tables.
public struct Bulletin: Sendable {
    /// What was asked for.
    public var request: BulletinRequest
    /// The hotline (or the rule set's channel).
    public var hotline: ChannelSection
    /// The mailbox, when asked for and active in the period (or given a roster).
    public var mailbox: ChannelSection?
    /// Every other channel with a section: the request's channels (when active or given a
    /// roster), then the channels found in the log that no rule set covers, by name.
    public var channels: [ChannelSection] = []
    /// The top units of each roster group of every section (the hotline's, the mailbox's, the
    /// other channels'): by score (among those with enough tickets due), then by volume
    /// (受理案件数), group by group in roster order, section by section.
    public var rankings: [GroupRanking] { sections.flatMap(\.rankings) }
    /// Whether the totals are compared with the previous period, and why not.
    public var comparison: ComparisonBasis = .compared
    /// Deductions (negative points): computed from the tables, then manual, by unit.
    public var deductions: [Adjustment]
    /// Bonuses (positive points), likewise.
    public var bonuses: [Adjustment]
    /// The Xiangtan statistics table (every scheme has the numbers; the xiangtan scheme prints it).
    public var xiangtan: XiangtanTable

    public var period: Period { request.period }
    public var scheme: BulletinScheme { request.scheme }

    /// Every section: the hotline, the mailbox, the other channels.
    public var sections: [ChannelSection] { [hotline] + (mailbox.map { [$0] } ?? []) + channels }

    /// The tickets that broke a rule set's ``RuleSet/policy``, section by section.
    public var policyViolations: [PolicyViolation] { sections.flatMap(\.violations) }

    /// Whether a bulletin compares with the previous period (``BulletinRequest/compare``).
    public enum ComparisonBasis: Sendable, Equatable {
        /// Compared: the log covers the previous period, or the request asked for it.
        case compared
        /// Not compared: the log begins at `logStart` (`nil`: it is empty), not before the
        /// previous period.
        case notCovered(logStart: Timestamp?)
        /// Not compared: the request said never, or the period has no previous one.
        case off
    }

    /// One channel's part of the bulletin.
    public struct ChannelSection: Sendable {
        /// The channel its rule set counts (`nil`: every channel).
        public var channel: String? { report.rules.channel }
        /// The section's title from the request (`nil`: the report's name for the channel).
        public var title: String? = nil
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
        /// Tickets assigned in the period by `source`, with satisfaction (empty when no ticket
        /// names a source).
        public var sources: [SourceCount] = []
        /// Per unit, rated callbacks in the period by the platform's word (`ratingText`).
        public var ratingTexts: [String: [String: Int]] = [:]
        /// Tickets that broke the rule set's policy in the period.
        public var violations: [PolicyViolation] = []
        /// The order of the assessment tables' rows, and whether grouped tables get 小计 rows.
        public var order: BulletinRequest.RowOrder = .score
        public var subtotals = true
        /// The roster's units in order (for ``BulletinRequest/RowOrder/roster``).
        public internal(set) var rosterUnits: [String] = []
        /// The top units of each roster group by score, then by volume, with this section's
        /// minimum volumes (``BulletinRequest/rankingMinimum``,
        /// ``BulletinRequest/mailboxRankingMinimum``, ``BulletinRequest/ChannelRequest/rankingMinimum``).
        public var rankings: [GroupRanking] = []

        /// The section's table in the Xiangtan layout (交办数, 按期办结数, 逾期数, callbacks,
        /// supervision), roster units first.
        public var statistics: XiangtanTable {
            XiangtanTable(report: report, counts: counts,
                          roster: rosterUnits.isEmpty ? nil : Roster(entries: rosterUnits.map { Roster.Entry(unit: $0) }))
        }

        /// Rows in the request's order (`rows`: the table's, best score first).
        public func ordered(_ rows: [PeriodReport.Row]) -> [PeriodReport.Row] {
            switch order {
            case .score:
                return rows
            case .volume:
                return rows.enumerated().sorted { ($1.element.counts.accepted, $0.offset) < ($0.element.counts.accepted, $1.offset) }
                    .map(\.element)
            case .roster:
                var position: [String: Int] = [:]
                for unit in rosterUnits where position[unit] == nil { position[unit] = position.count }
                return rows.enumerated().sorted { (position[$0.element.unit] ?? .max, $0.offset) < (position[$1.element.unit] ?? .max, $1.offset) }
                    .map(\.element)
            }
        }

        /// The rows of a group in the request's order (`nil`: units the roster does not list).
        public func tableRows(in group: String?) -> [PeriodReport.Row] { ordered(rows(in: group)) }

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

        /// How many units of each grade, in the rules' grade order, over every row.
        public func gradeCounts() -> [(grade: String, count: Int)] { gradeCounts(of: report.rows) }

        /// How many units of each grade, in the rules' grade order, for the rows of `group`
        /// (`nil`: the units the roster does not list).
        public func gradeCounts(in group: String?) -> [(grade: String, count: Int)] { gradeCounts(of: rows(in: group)) }

        private func gradeCounts(of selected: [PeriodReport.Row]) -> [(grade: String, count: Int)] {
            PeriodReport.gradeCounts(of: selected, rules: report.rules)
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
        /// The channel of the section ranked (`nil`: a rule set that counts every channel).
        public var channel: String? = nil
        /// The roster group (`nil`: all units, for a roster without groups).
        public var group: String?
        /// What the units are ranked by.
        public var by: RankingKey = .score
        /// The least tickets due a unit needs to be ranked.
        public var minimumVolume: Int
        /// The best units, best first: by score, the ranking's size and every unit with the same
        /// score as the last of them (并列); by volume, the ranking's size.
        public var top: [PeriodReport.Row]
        /// How many units of the group had enough tickets.
        public var eligible: Int
    }

    /// What a ranking orders by.
    public enum RankingKey: String, Sendable, CaseIterable {
        /// The score (综合指标值), best first.
        case score
        /// The tickets accepted in the period (受理案件数, 办理工单量), most first; ties by score.
        case volume
    }
}

extension Bulletin {
    /// Builds the bulletin from folds that have seen the log.
    /// - Parameters:
    ///   - request: What the bulletin covers (period, rule sets, rosters, scheme).
    ///   - hotline: The projection and bulletin fold of the hotline rule set's options.
    ///   - mailbox: Likewise for the mailbox rule set, if there is one.
    ///   - channels: Likewise for other channels: the channel and its rule set, then its folds
    ///     (those of ``BulletinRequest/channels`` first, then any found in the log).
    public init(request: BulletinRequest, hotline: (Projection, BulletinFold), mailbox: (Projection, BulletinFold)?,
                channels: [(request: BulletinRequest.ChannelRequest, folds: (Projection, BulletinFold))] = []) {
        self.request = request
        let period = request.period
        let byAssignment = request.scheme == .xiangtan
        // Compare with the previous period only when asked, or when the log covers it.
        let logStart = hotline.1.logStart
        var comparison = ComparisonBasis.compared
        if let previous = period.previous() {
            switch request.compare {
            case .always: comparison = .compared
            case .never: comparison = .off
            case .auto:
                let covered = logStart.map { $0.day(atOffset: request.rules.utcOffsetSeconds) < previous.startDay } ?? false
                comparison = covered ? .compared : .notCovered(logStart: logStart)
            }
        } else {
            comparison = .off
        }
        self.comparison = comparison
        func section(_ rules: RuleSet, _ roster: Roster?, _ folds: (Projection, BulletinFold), title: String? = nil,
                     minimum: [String: Int]) -> ChannelSection {
            var s = Self.section(period: period, rules: rules, roster: roster, folds: folds, overdueByAssignment: byAssignment)
            if comparison != .compared { s.previous = nil }
            s.title = title
            s.order = request.order
            s.subtotals = request.subtotals
            s.rosterUnits = roster?.entries.map(\.unit) ?? []
            if let policy = rules.policy { s.violations = folds.1.policyViolations(period: period, policy: policy) }
            s.rankings = Self.rankings(s, minimum: minimum, size: request.rankingSize)
            return s
        }
        self.hotline = section(request.rules, request.roster, hotline, minimum: request.rankingMinimum)
        if let mailboxRules = request.mailboxRules, let folds = mailbox,
           request.mailboxRoster != nil || !folds.0.counts(period: period).isEmpty {
            self.mailbox = section(mailboxRules, request.mailboxRoster, folds, minimum: request.mailboxRankingMinimum)
        } else {
            self.mailbox = nil
        }
        self.channels = channels.compactMap { item in
            let rules = item.request.effectiveRules(hotline: request.rules)
            guard item.request.roster != nil || !item.folds.0.counts(period: period).isEmpty else { return nil }
            return section(rules, item.request.roster, item.folds, title: item.request.title, minimum: item.request.rankingMinimum)
        }
        let manual = hotline.1.adjustments(period: period)
        // The Xiangtan scheme grades nobody, so only manual entries apply there.
        let all = request.scheme == .xiangtan ? manual
            : Self.adjustments(sections: [self.hotline] + (self.mailbox.map { [$0] } ?? []) + self.channels, manual: manual,
                               rosters: [request.roster, request.mailboxRoster] + channels.map(\.request.roster))
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
        var section = ChannelSection(report: report, groups: groups, previous: previous, counts: fold.counts(period: period),
                                     categories: fold.categories(period: period), topics: fold.topics(period: period),
                                     assignedTickets: fold.assignedTicketCount(period: period),
                                     overdue: inTableOrder(fold.overdueTickets(period: period, byAssignment: overdueByAssignment)),
                                     reworked: inTableOrder(fold.reworkedTickets(period: period)),
                                     returns: fold.returnsHistogram(period: period))
        section.sources = fold.sources(period: period)
        section.ratingTexts = fold.ratingTexts(period: period)
        return section
    }

    /// The best units of each group (roster order) among those with at least the group's
    /// minimum of tickets due; a report without groups gets one ranking of all units. By score,
    /// units tied with the last one named are named too (a centre lists every unit with full
    /// marks, as Yueyang's mailbox paragraph does: 信件办理量在10件以上且综合指标分值100分的有四个).
    static func rankings(_ section: ChannelSection, minimum: [String: Int], size: Int) -> [GroupRanking] {
        let report = section.report
        let channel = section.channel
        let groups = section.groups.contains { $0 != nil } ? section.groups.filter { $0 != nil } : [nil]
        let byScore = groups.map { group in
            let least = group.flatMap { minimum[$0] } ?? 0
            let eligible = report.rows.filter { ($0.group == group || group == nil) && !$0.scorecard.isEmpty && $0.counts.due >= least }
            var top = Array(eligible.prefix(size))
            if let last = top.last?.scorecard.score {
                top += eligible.dropFirst(top.count).prefix { $0.scorecard.score == last }
            }
            return GroupRanking(channel: channel, group: group, by: .score, minimumVolume: least, top: top, eligible: eligible.count)
        }
        // By volume: the same groups and minimums; units with at least one ticket accepted.
        let byVolume = groups.map { group in
            let least = group.flatMap { minimum[$0] } ?? 0
            let eligible = report.rows.enumerated()
                .filter { ($0.element.group == group || group == nil) && $0.element.counts.accepted > 0 && $0.element.counts.due >= least }
                .sorted { ($1.element.counts.accepted, $0.offset) < ($0.element.counts.accepted, $1.offset) }.map(\.element)
            return GroupRanking(channel: channel, group: group, by: .volume, minimumVolume: least, top: Array(eligible.prefix(size)),
                                eligible: eligible.count)
        }
        return byScore + byVolume
    }
}
