import Events

/// One deduction or bonus (考核加扣分) of a unit: a manual `adjusted` event, or an entry a rule
/// set computes from the assessment table.
public struct Adjustment: Sendable, Equatable {
    /// Where an entry comes from.
    public enum Source: Sendable, Equatable {
        /// An `adjusted` event; `id` is its stream (the event's `ticket`).
        case manual(id: String)
        /// The rule set's points for the unit's grade; `rules` is the computing rule set.
        case grade(String, rules: Basis)
        /// The rule set's points per overdue ticket (`each`), for this many tickets.
        case overdue(tickets: Int, each: Rational, rules: Basis)
    }

    /// What a computed entry's wording depends on: the computing rule set's channel and its
    /// ``RuleSet/Adjustments/label``.
    public struct Basis: Sendable, Equatable {
        /// The rule set's channel (`hotline`, `mailbox`; `nil` for every channel).
        public var channel: String?
        /// The rule set's own name for the channel in adjustment wording, if it sets one.
        public var label: String?

        public init(channel: String?, label: String?) {
            self.channel = channel
            self.label = label
        }
    }

    public var unit: String
    /// Negative: a deduction; positive: a bonus.
    public var points: Rational
    /// The assessment item (指标名称) of a manual entry, as the `adjusted` event gives it; empty
    /// for computed entries, which a report words from ``source`` (the Reports module).
    public var indicator: String
    /// The detail (扣分明细 / 加分明细) of a manual entry; empty for computed entries.
    public var reason: String
    /// The ticket or letter number quoted, if any.
    public var ref: String?
    /// When it happened (manual entries); `nil` for computed ones.
    public var at: Timestamp?
    public var source: Source
    /// The tickets a computed overdue entry docks (empty for other entries, and for entries
    /// computed from a table without its overdue lists).
    public var tickets: [String] = []
    /// The overdue tickets of the unit that an excuse spared (``RuleSet/OverdueExcuse``).
    public var excusedTickets: [String] = []

    public init(unit: String, points: Rational, indicator: String, reason: String, ref: String? = nil,
                at: Timestamp? = nil, source: Source) {
        self.unit = unit
        self.points = points
        self.indicator = indicator
        self.reason = reason
        self.ref = ref
        self.at = at
        self.source = source
    }

    /// A manual entry from an `adjusted` event (the decoder has checked its points).
    init(_ event: RawEvent, in line: UnsafeRawBufferPointer) {
        func s(_ ref: FieldRef?) -> String? { ref.map { $0.string(in: line) } }
        let text = s(event.points) ?? "0"
        self.init(unit: s(event.unit) ?? "", points: Rational(decimal: text) ?? .zero, indicator: s(event.indicator) ?? "",
                  reason: s(event.reason) ?? "", ref: s(event.ref), at: event.at,
                  source: .manual(id: event.ticket.string(in: line)))
    }

    /// Whether the entry is a bonus (positive points).
    public var isBonus: Bool { points > .zero }

    /// Whether a rule set computed it (not an `adjusted` event).
    public var isComputed: Bool {
        if case .manual = source { return false }
        return true
    }

    /// The points as the bulletins print them: `-2`, `+1.5`, `-0.5`.
    public var pointsText: String {
        let text = points.rounded(decimals: 2).trimmed
        return points > .zero ? "+" + text : text
    }
}
