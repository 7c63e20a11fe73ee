/// The counts of one unit over one period: the raw numbers behind a row of the bulletin.
public struct UnitCounts: Sendable, Equatable, Hashable {
    /// `assigned` events to the unit in the period (受理/交办).
    public var accepted = 0
    /// Assignments held by the unit whose deadline (or closure, by attribution) is in the period.
    public var due = 0
    /// Of those, closed (the last closure not followed by rework).
    public var done = 0
    /// Of those, closed at or before the deadline.
    public var onTime = 0
    /// Rework demands (`returned by=center`) against the unit in the period — events, not tickets.
    public var rework = 0
    /// Declines (`returned by=unit`) by the unit in the period.
    public var returns = 0
    /// Callbacks rated satisfied in the period.
    public var satisfied = 0
    /// Callbacks rated unsatisfied in the period.
    public var unsatisfied = 0
    /// Callbacks that reached nobody in the period.
    public var unreachable = 0

    public init() {}

    /// Rated callbacks: satisfied plus unsatisfied.
    public var callbacks: Int { satisfied + unsatisfied }
    /// Due and not done on time: closed late or still open.
    public var overdue: Int { due - onTime }
    /// Whether every count is zero.
    public var isEmpty: Bool { self == UnitCounts() }

    /// The counts by the names a report's JSON gives them, in a report's column order.
    public static let named: [(name: String, count: WritableKeyPath<UnitCounts, Int> & Sendable)] = [
        ("accepted", \.accepted), ("due", \.due), ("done", \.done), ("onTime", \.onTime), ("rework", \.rework),
        ("returns", \.returns), ("satisfied", \.satisfied), ("unsatisfied", \.unsatisfied), ("unreachable", \.unreachable),
    ]

    /// The counts that differ in `other`, by name (see ``named``), in a report's column order.
    public func differences(to other: UnitCounts) -> [(name: String, from: Int, to: Int)] {
        Self.named.compactMap { field in
            self[keyPath: field.count] == other[keyPath: field.count]
                ? nil : (field.name, self[keyPath: field.count], other[keyPath: field.count])
        }
    }

    /// Adds another period's or unit's counts.
    public static func += (lhs: inout UnitCounts, rhs: UnitCounts) {
        lhs.accepted += rhs.accepted
        lhs.due += rhs.due
        lhs.done += rhs.done
        lhs.onTime += rhs.onTime
        lhs.rework += rhs.rework
        lhs.returns += rhs.returns
        lhs.satisfied += rhs.satisfied
        lhs.unsatisfied += rhs.unsatisfied
        lhs.unreachable += rhs.unreachable
    }
}

/// One unit's counts on one local day, kept compact.
struct DayCounters: Sendable {
    var accepted: Int32 = 0
    var due: Int32 = 0
    var done: Int32 = 0
    var onTime: Int32 = 0
    var rework: Int32 = 0
    var returns: Int32 = 0
    var satisfied: Int32 = 0
    var unsatisfied: Int32 = 0
    var unreachable: Int32 = 0

    func add(to counts: inout UnitCounts) {
        counts.accepted += Int(accepted)
        counts.due += Int(due)
        counts.done += Int(done)
        counts.onTime += Int(onTime)
        counts.rework += Int(rework)
        counts.returns += Int(returns)
        counts.satisfied += Int(satisfied)
        counts.unsatisfied += Int(unsatisfied)
        counts.unreachable += Int(unreachable)
    }
}

/// A unit's day counters over a contiguous, growing range of days.
struct UnitDays: Sendable {
    var firstDay: Int32 = 0
    var days: [DayCounters] = []

    /// Days from the epoch that any timestamp reaches at any UTC offset lie within ±this
    /// (nanoseconds since 1970 in an `Int64` span ±106,752 days).
    static let dayLimit = 110_000

    /// Gives `body` the counters of `day`, growing the range as needed.
    @inline(__always)
    mutating func update(_ day: Int32, _ body: (inout DayCounters) -> Void) {
        if days.isEmpty {
            firstDay = day
            days.append(DayCounters())
        } else if day < firstDay {
            let missing = Int(firstDay - day)
            days.insert(contentsOf: repeatElement(DayCounters(), count: missing), at: 0)
            firstDay = day
        } else if Int(day - firstDay) >= days.count {
            let needed = Int(day - firstDay) + 1 - days.count
            days.append(contentsOf: repeatElement(DayCounters(), count: max(needed, min(days.count, 366))))
        }
        body(&days[Int(day - firstDay)])
    }

    /// The sum over the days `start..<end`.
    func sum(from start: Int32, to end: Int32) -> UnitCounts {
        var counts = UnitCounts()
        guard !days.isEmpty else { return counts }
        // In `Int`: a period's days and the first day are any `Int32`s.
        let lo = max(Int(start) - Int(firstDay), 0)
        let hi = min(Int(end) - Int(firstDay), days.count)
        if lo < hi {
            for i in lo..<hi { days[i].add(to: &counts) }
        }
        return counts
    }
}
