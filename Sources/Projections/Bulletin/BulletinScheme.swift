import Events

/// Which kind of bulletin (通报) to write: the layouts of the published bulletins.
public enum BulletinScheme: String, Sendable, CaseIterable {
    /// The monthly assessment bulletin of Yueyang and its districts: a table per roster group,
    /// rankings within groups, totals against the previous month, categories, the lists of
    /// overdue and reworked tickets, deductions and bonuses, the mailbox table.
    case yueyang
    /// Xiangtan's statistics table: 交办数, 按期办结数, 逾期数, 退单数, callbacks and their rate,
    /// units that never contacted the citizen, phone and written supervision, and the
    /// histogram of how often tickets were returned.
    case xiangtan
    /// The quarterly bulletin (Yunxi style): the quarter's table with the A-grade units apart
    /// from the others, counts by ticket type, and the mailbox table beside the hotline's.
    case quarterly

    /// The scheme a period suggests: quarterly for a quarter, else yueyang.
    public static func `default`(for period: Period) -> BulletinScheme {
        period.kind == .quarter ? .quarterly : .yueyang
    }
}

/// What a bulletin is built from: the period, the rule sets and rosters, and the scheme's options.
public struct BulletinRequest: Sendable {
    public var period: Period
    public var scheme: BulletinScheme
    /// The hotline rule set (its channel selects the hotline tickets).
    public var rules: RuleSet
    /// The hotline roster (groups, units with nothing due).
    public var roster: Roster?
    /// The mailbox rule set; `nil` leaves the mailbox out.
    public var mailboxRules: RuleSet?
    /// The mailbox roster.
    public var mailboxRoster: Roster?
    /// Only events recorded at or before this instant.
    public var asOf: Timestamp?
    /// Rankings list units of a group with at least this many tickets due (工单量), by group name;
    /// groups not listed need none.
    public var rankingMinimum: [String: Int]
    /// The mailbox's minimums, likewise (letters due, 信件办理量).
    public var mailboxRankingMinimum: [String: Int] = BulletinRequest.yueyangMailboxRankingMinimum
    /// How many units a ranking names.
    public var rankingSize: Int
    /// The ticket types a quarterly bulletin counts, in order; other categories add up as 其他.
    public var typeCategories: [String]
    /// The order of the assessment tables' rows.
    public var order: RowOrder = .score
    /// Whether grouped tables end with a 小计 row per group.
    public var subtotals = true
    /// When the totals are compared with the previous period.
    public var compare: Comparison = .auto
    /// Channels beyond the hotline and the mailbox, each with its own section (in this order).
    public var channels: [ChannelRequest] = []
    /// Whether a channel that no rule set here covers but that has tickets gets a section of its
    /// own (the hotline rule set, for that channel, with no computed deductions), so that no
    /// ticket silently drops out of the bulletin.
    public var everyChannel = true
    /// Channels left out on purpose (`--mailbox-rules none` leaves out `mailbox`).
    public var excludedChannels: Set<String> = []

    /// The order of a table's rows.
    public enum RowOrder: String, Sendable, CaseIterable {
        /// Best score first (the table's own order).
        case score
        /// Most tickets accepted (受理案件数) first, then by score.
        case volume
        /// The roster's order; units the roster does not list last, by score.
        case roster
    }

    /// When a bulletin compares its totals with the previous period.
    public enum Comparison: String, Sendable, CaseIterable {
        /// Only when the log fully covers the previous period: its earliest event (any channel)
        /// lies before the previous period's first day, in the rule set's time zone.
        case auto
        /// Always (the previous period as far as the log holds it).
        case always
        /// Never.
        case never
    }

    /// A channel's own section: its rule set (the hotline's, on this channel, when `nil`), roster
    /// and title (the Reports module names the common channels).
    public struct ChannelRequest: Sendable {
        public var channel: String
        public var rules: RuleSet?
        public var roster: Roster?
        public var title: String?
        /// Rankings list units of a group with at least this many tickets due, by group name.
        public var rankingMinimum: [String: Int]

        public init(channel: String, rules: RuleSet? = nil, roster: Roster? = nil, title: String? = nil,
                    rankingMinimum: [String: Int] = [:]) {
            self.channel = channel
            self.rules = rules
            self.roster = roster
            self.title = title
            self.rankingMinimum = rankingMinimum
        }

        /// The rule set the section counts with: the given one (its channel set to this one), or
        /// the hotline's with this channel and no computed deductions.
        public func effectiveRules(hotline: RuleSet) -> RuleSet {
            var result = rules ?? hotline
            if rules == nil { result.adjustments = .none }
            result.channel = channel
            return result
        }
    }

    /// Yueyang's narrative: "工单量50件以上的行政事业单位", "工单量100件以上的公共服务企业".
    public static let yueyangRankingMinimum = ["行政事业单位": 50, "公共服务企业": 100]
    /// Yueyang's mailbox paragraph: "信件办理量在10件以上且综合指标分值100分的有…" (in 行政事业单位
    /// and 公共服务企业; the counties and districts are ranked without a minimum).
    public static let yueyangMailboxRankingMinimum = ["行政事业单位": 10, "公共服务企业": 10]
    /// The six ticket types of a quarterly bulletin.
    public static let standardTypes = ["投诉", "咨询", "求助", "建议", "表扬", "举报"]

    public init(period: Period, scheme: BulletinScheme? = nil, rules: RuleSet = .yueyangHotline, roster: Roster? = nil,
                mailboxRules: RuleSet? = .yueyangMailbox, mailboxRoster: Roster? = nil, asOf: Timestamp? = nil,
                rankingMinimum: [String: Int] = BulletinRequest.yueyangRankingMinimum, rankingSize: Int = 3,
                typeCategories: [String] = BulletinRequest.standardTypes) {
        self.period = period
        self.scheme = scheme ?? .default(for: period)
        self.rules = rules
        self.roster = roster
        self.mailboxRules = mailboxRules
        self.mailboxRoster = mailboxRoster
        self.asOf = asOf
        self.rankingMinimum = rankingMinimum
        self.rankingSize = rankingSize
        self.typeCategories = typeCategories
    }
}
