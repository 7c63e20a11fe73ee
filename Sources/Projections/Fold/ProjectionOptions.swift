import Events

/// What a projection counts: the parts of a rule set that change the counts, not the scores.
public struct ProjectionOptions: Sendable, Hashable {
    /// UTC offset of the calendar days, in seconds.
    public var utcOffsetSeconds: Int32
    /// Which period due, done and onTime count in.
    public var attribution: RuleSet.Attribution
    /// Only tickets accepted on this channel count (`nil`: all). An `accepted` event without a
    /// `channel` field is on ``defaultChannel``.
    public var channel: String?
    /// Only events recorded at or before this instant count (`nil`: all).
    public var asOf: Timestamp?

    public init(utcOffsetSeconds: Int32 = 28_800, attribution: RuleSet.Attribution = .deadline,
                channel: String? = nil, asOf: Timestamp? = nil) {
        self.utcOffsetSeconds = utcOffsetSeconds
        self.attribution = attribution
        self.channel = channel
        self.asOf = asOf
    }

    /// The channel of an `accepted` event that has no `channel` field (wire format version 1):
    /// the 12345 hotline.
    public static let defaultChannel = "hotline"

    /// Whether a ticket accepted on `channel` (`nil`: the field is absent) passes the filter.
    public func includes(channel accepted: String?) -> Bool { channelFilter.includes(accepted) }

    /// Whether a ticket accepted without a `channel` field passes the filter.
    public var includesMissingChannel: Bool { channelFilter.missingMatches }

    /// How every fold places a ticket's due/done/onTime (see ``TicketFold/placement(_:)``).
    var placementRule: TicketFold.PlacementRule {
        TicketFold.PlacementRule(offset: utcOffsetSeconds, byClosure: attribution == .closure, asOf: asOf?.nanoseconds ?? .max)
    }

    /// The filter every fold applies (see ``ChannelFilter``).
    var channelFilter: ChannelFilter { ChannelFilter(channel: channel) }

    /// The options a rule set implies, with a channel choice and an as-of instant.
    public init(rules: RuleSet, channel: ChannelSelection = .rules, asOf: Timestamp? = nil) {
        self.init(utcOffsetSeconds: rules.utcOffsetSeconds, attribution: rules.attribution,
                  channel: channel.channel(rules: rules), asOf: asOf)
    }
}

/// Which tickets a fold counts by the channel they were accepted on.
public enum ChannelSelection: Sendable, Hashable {
    /// The rule set's own channel (``RuleSet/channel``; every channel when it has none).
    case rules
    /// Every channel.
    case all
    /// Only tickets accepted on this channel.
    case only(String)

    /// The channel filter this choice gives under `rules` (`nil`: every channel).
    public func channel(rules: RuleSet) -> String? {
        switch self {
        case .rules: rules.channel
        case .all: nil
        case .only(let channel): channel
        }
    }
}
