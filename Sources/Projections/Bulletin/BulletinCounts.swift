/// A unit's bulletin counts for a period that ``UnitCounts`` does not hold.
public struct BulletinCounts: Sendable, Equatable {
    /// Assignments made to the unit in the period that it kept (not declined): 交办数 in the
    /// Xiangtan scheme, which counts an assignment in the period it was made.
    public var assigned = 0
    /// Of those, closed at or before the deadline (按期办结数).
    public var onTimeDone = 0
    /// Of those, open with a deadline after the as-of instant of a bulletin as of a day inside
    /// the period (未到期): not overdue yet. Always 0 without an as-of instant.
    public var pending = 0
    /// Rated callbacks in the period where the citizen said the unit never contacted them
    /// (成员单位未答复当事人数).
    public var notContacted = 0
    /// `supervised` events by phone / in writing in the period, and answers to them.
    public var phoneSupervised = 0
    public var phoneAnswered = 0
    public var writtenSupervised = 0
    public var writtenAnswered = 0

    public init() {}

    /// Kept assignments of the period not closed on time (逾期数): closed late, or still open
    /// past the deadline.
    public var overdue: Int { assigned - onTimeDone - pending }
    /// Supervisions of either kind.
    public var supervised: Int { phoneSupervised + writtenSupervised }

    /// Adds another unit's counts.
    public static func += (lhs: inout BulletinCounts, rhs: BulletinCounts) {
        lhs.assigned += rhs.assigned
        lhs.onTimeDone += rhs.onTimeDone
        lhs.pending += rhs.pending
        lhs.notContacted += rhs.notContacted
        lhs.phoneSupervised += rhs.phoneSupervised
        lhs.phoneAnswered += rhs.phoneAnswered
        lhs.writtenSupervised += rhs.writtenSupervised
        lhs.writtenAnswered += rhs.writtenAnswered
    }
}
