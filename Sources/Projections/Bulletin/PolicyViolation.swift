import Events

/// A ticket that broke the rule set's ``RuleSet/Policy`` in the period (延期与退单).
public struct PolicyViolation: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// More extensions of one assignment than ``RuleSet/Policy/maxExtensions``.
        case repeatedExtension = "repeated-extension"
        /// An extension after the deadline it extends (``RuleSet/Policy/extendBeforeDeadline``).
        case lateExtension = "late-extension"
        /// More declines by units than ``RuleSet/Policy/maxUnitReturns``, across all units.
        case repeatedReturn = "repeated-return"
    }

    public var ticket: String
    /// The unit of the last violating event in the period (the extending or declining unit).
    public var unit: String
    public var kind: Kind
    /// Extensions of the assignment, late extensions of the ticket in the period, or declines
    /// of the ticket to date (the end of the period).
    public var count: Int
    /// `repeatedReturn`: the units that declined it, in order (to the end of the period).
    public var units: [String]
    /// The day of the last violating event in the period.
    public var day: CivilDate
}

/// The tickets of a channel's source (`source` on `accepted`: 微信公众号, 政协委员微建议, …):
/// assigned in the period, and the rated callbacks in the period on tickets of that source.
public struct SourceCount: Sendable, Equatable {
    /// The source, or `nil` for tickets that name none.
    public var source: String?
    public var tickets: Int
    public var satisfied: Int
    public var rated: Int
    /// satisfied ÷ rated, or `nil` without a rated callback.
    public var satisfiedRate: Rational? { rated > 0 ? Rational(Int128(satisfied), Int128(rated)) : nil }
}

extension BulletinFold {
    /// The tickets that broke `policy` in the period, ordered by unit name, then ticket, then
    /// kind. A ticket is listed once per kind, when an event breaking that rule falls in the
    /// period; repeated extensions count per assignment, repeated returns across all units.
    public func policyViolations(period: Period, policy: RuleSet.Policy) -> [PolicyViolation] {
        struct Key: Hashable { var ticket: Int32; var kind: PolicyViolation.Kind }
        var found: [Key: (unit: Int32, count: Int32, day: Int32)] = [:]
        var decliners: [Int32: [Int32]] = [:]
        for mark in marks where mark.day < period.endDay {
            if mark.kind == .unitReturn { decliners[mark.ticket, default: []].append(mark.unit) }
            guard mark.day >= period.startDay else { continue }
            var kinds: [PolicyViolation.Kind] = []
            switch mark.kind {
            case .extended, .lateExtension:
                if let most = policy.maxExtensions, mark.ordinal > most { kinds.append(.repeatedExtension) }
                if mark.kind == .lateExtension && policy.extendBeforeDeadline { kinds.append(.lateExtension) }
            case .unitReturn:
                if let most = policy.maxUnitReturns, mark.ordinal > most { kinds.append(.repeatedReturn) }
            default:
                continue
            }
            for kind in kinds {
                let key = Key(ticket: mark.ticket, kind: kind)
                let count = kind == .lateExtension ? (found[key]?.count ?? 0) + 1 : mark.ordinal
                found[key] = (mark.unit, count, mark.day)
            }
        }
        let order = PolicyViolation.Kind.allCases
        return found.map { key, value in
            PolicyViolation(ticket: tickets.string(key.ticket), unit: units.string(value.unit), kind: key.kind, count: Int(value.count),
                            units: key.kind == .repeatedReturn ? (decliners[key.ticket] ?? []).map { units.string($0) } : [],
                            day: CivilDate(daysSinceEpoch: Int(value.day)))
        }.sorted { ($0.unit, $0.ticket, order.firstIndex(of: $0.kind)!) < ($1.unit, $1.ticket, order.firstIndex(of: $1.kind)!) }
    }

    /// The tickets assigned in the period by their `source`, with the satisfaction of the rated
    /// callbacks in the period on tickets of each source; most tickets first, then by name,
    /// tickets without a source last. Empty when no ticket of the fold names a source.
    public func sources(period: Period) -> [SourceCount] {
        guard records.contains(where: { $0.source >= 0 }) else { return [] }
        var counts: [Int32: SourceCount] = [:]
        func label(_ id: Int32) -> String? { id >= 0 ? labels.string(id) : nil }
        for ticket in assignedTicketSet(period: period) {
            let source = records[Int(ticket)].source
            counts[source, default: SourceCount(source: label(source), tickets: 0, satisfied: 0, rated: 0)].tickets += 1
        }
        for rating in ratings where period.contains(day: rating.day) {
            let source = records[Int(rating.ticket)].source
            counts[source, default: SourceCount(source: label(source), tickets: 0, satisfied: 0, rated: 0)].rated += 1
            if rating.rating == .satisfied { counts[source]!.satisfied += 1 }
        }
        return counts.values.sorted { a, b in
            if (a.source == nil) != (b.source == nil) { return b.source == nil }
            return (b.tickets, a.source ?? "") < (a.tickets, b.source ?? "")
        }
    }

    /// Per unit, the rated callbacks in the period by the platform's own word (`ratingText`:
    /// 非常满意, 基本满意, …); callbacks without one are not counted. Empty when none has one.
    public func ratingTexts(period: Period) -> [String: [String: Int]] {
        var result: [String: [String: Int]] = [:]
        for rating in ratings where rating.text >= 0 && period.contains(day: rating.day) {
            result[units.string(rating.unit), default: [:]][labels.string(rating.text), default: 0] += 1
        }
        return result
    }

    /// The earliest `at` of any event seen (every channel), or `nil` for an empty log: how far
    /// back the log goes, which decides whether a previous period is fully covered.
    public var logStart: Timestamp? { firstAt == .max ? nil : Timestamp(nanoseconds: firstAt) }
}
