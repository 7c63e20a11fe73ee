import Events

/// The time limits a centre sets on assignments: a rule set's `deadlines` object.
///
/// ```json
/// "deadlines": {"calendar": "cn", "endOfDay": "18:00",
///               "limits": [{"category": "咨询", "workdays": 1}, {"hours": 2, "topic": "停水"}, {"workdays": 5}]}
/// ```
///
/// The first limit whose every given field (`category`, `topic`, `channel`) equals the
/// ticket's applies; a limit with none of them matches every ticket. A ticket no limit matches
/// has no policy deadline.
///
/// **N working days** end at ``endOfDaySeconds`` of the Nth working day strictly after the
/// *day of assignment*: the local calendar day of the assignment (in the rule set's time
/// zone), or the next calendar day when the assignment is made at or after `endOfDay`. "After"
/// counts working days only, so an assignment on a rest day (or on a Friday evening) gets the
/// same deadline as one made during the last working day before it: with 1 working day,
/// Saturday → Monday 18:00, Friday 10:00 → Monday 18:00, Monday 19:00 → Wednesday 18:00.
///
/// **N hours** are elapsed clock time from the assignment, rest days included (urgent tickets
/// run around the clock).
public struct DeadlinePolicy: Sendable, Equatable {
    /// The working-day calendar.
    public var calendar: WorkCalendar
    /// The calendar as the rule file names it: `cn`, a CSV path, or several layered in order.
    public var calendarNames: [String]
    /// The calendar's names joined by ` + `.
    public var calendarName: String { calendarNames.joined(separator: " + ") }
    /// Seconds after local midnight at which a working day ends (`18:00` is 64,800; `24:00`,
    /// the default, is 86,400).
    public var endOfDaySeconds: Int
    /// The limits, first match wins.
    public var limits: [Limit]
    /// Whether a what-if replays the period with every deadline recomputed from this policy
    /// (see ``DeadlineSubstitution``); the audit ignores it.
    public var apply: Bool

    /// Creates a policy.
    public init(calendar: WorkCalendar, calendarNames: [String]? = nil, endOfDaySeconds: Int = 86_400, limits: [Limit],
                apply: Bool = false) {
        self.calendar = calendar
        self.calendarNames = calendarNames ?? [calendar.name]
        self.endOfDaySeconds = endOfDaySeconds
        self.limits = limits
        self.apply = apply
    }

    /// One time limit and the tickets it applies to.
    public struct Limit: Sendable, Equatable {
        /// Matches tickets accepted with this category (`nil`: any).
        public var category: String?
        /// Matches tickets accepted with this topic (`nil`: any).
        public var topic: String?
        /// Matches tickets accepted on this channel (`nil`: any; a ticket accepted without a
        /// channel is on ``ProjectionOptions/defaultChannel``).
        public var channel: String?
        /// The length of the limit.
        public var length: Length

        public init(category: String? = nil, topic: String? = nil, channel: String? = nil, length: Length) {
            self.category = category
            self.topic = topic
            self.channel = channel
            self.length = length
        }

        /// Whether the limit applies to a ticket.
        public func matches(_ ticket: TicketKind) -> Bool {
            (category == nil || category == ticket.category) && (topic == nil || topic == ticket.topic)
                && (channel == nil || channel == (ticket.channel ?? ProjectionOptions.defaultChannel))
        }
    }

    /// How long a limit is.
    public enum Length: Sendable, Equatable, CustomStringConvertible {
        /// Working days of the calendar (1 or more).
        case workdays(Int)
        /// Clock hours (1 or more).
        case hours(Int)

        /// `5 workdays`, `2 hours`.
        public var description: String {
            switch self {
            case .workdays(let n): "\(n) workday\(n == 1 ? "" : "s")"
            case .hours(let n): "\(n) hour\(n == 1 ? "" : "s")"
            }
        }
    }

    /// What a limit is matched on: the fields of the ticket's `accepted` event.
    public struct TicketKind: Sendable, Equatable {
        public var category: String?
        public var topic: String?
        public var channel: String?

        public init(category: String? = nil, topic: String? = nil, channel: String? = nil) {
            self.category = category
            self.topic = topic
            self.channel = channel
        }
    }

    /// The first limit that applies to a ticket, if any.
    public func limit(for ticket: TicketKind) -> Limit? {
        limits.first { $0.matches(ticket) }
    }

    /// The deadline a limit sets for an assignment made at `assigned`.
    /// - Parameters:
    ///   - assigned: When the ticket was assigned.
    ///   - length: The limit's length.
    ///   - utcOffsetSeconds: The UTC offset of the centre's days (the rule set's).
    /// - Throws: ``CalendarError`` when the working days run outside the calendar's years.
    public func deadline(assigned: Timestamp, length: Length, utcOffsetSeconds: Int32) throws(CalendarError) -> Timestamp {
        switch length {
        case .hours(let hours):
            return Timestamp(nanoseconds: assigned.nanoseconds + Int64(hours) * 3_600_000_000_000)
        case .workdays(let n):
            let day = assignmentDay(assigned, utcOffsetSeconds: utcOffsetSeconds)
            try calendar.requireCovered(day)
            let last = try calendar.workingDay(n, after: day)
            return endOfDay(last, utcOffsetSeconds: utcOffsetSeconds)
        }
    }

    /// The policy deadline of an assignment of `ticket` made at `assigned`, or `nil` when no
    /// limit applies. This is what a service that assigns tickets writes as `due`.
    /// - Throws: ``CalendarError`` when the working days run outside the calendar's years.
    public func deadline(for ticket: TicketKind, assigned: Timestamp, utcOffsetSeconds: Int32) throws(CalendarError) -> Timestamp? {
        guard let limit = limit(for: ticket) else { return nil }
        return try deadline(assigned: assigned, length: limit.length, utcOffsetSeconds: utcOffsetSeconds)
    }

    /// The day working days are counted after: the local day of `assigned`, or the next day when
    /// `assigned` is at or after ``endOfDaySeconds``.
    public func assignmentDay(_ assigned: Timestamp, utcOffsetSeconds: Int32) -> Int32 {
        let day = assigned.day(atOffset: utcOffsetSeconds)
        let secondOfDay = assigned.seconds + Int64(utcOffsetSeconds) - Int64(day) * 86_400
        return secondOfDay >= Int64(endOfDaySeconds) ? day + 1 : day
    }

    /// The instant a day's work ends.
    public func endOfDay(_ day: Int32, utcOffsetSeconds: Int32) -> Timestamp {
        Timestamp(seconds: Int64(day) * 86_400 + Int64(endOfDaySeconds) - Int64(utcOffsetSeconds))
    }

    /// How many working days `due` runs past `policyDue`: the working days after the local day
    /// of `policyDue` up to and including the local day of `due` (0 when `due` is on the same day
    /// or earlier, or on rest days only). With an `endOfDay` of 24:00, a policy deadline at 00:00
    /// is the end of the day before, and counts as that day.
    /// - Throws: ``CalendarError`` when a day between lies outside the calendar's years.
    public func excessWorkdays(due: Timestamp, policyDue: Timestamp, utcOffsetSeconds: Int32) throws(CalendarError) -> Int {
        guard due > policyDue else { return 0 }
        var policyDay = policyDue.day(atOffset: utcOffsetSeconds)
        if endOfDaySeconds == 86_400, endOfDay(policyDay - 1, utcOffsetSeconds: utcOffsetSeconds) == policyDue { policyDay -= 1 }
        return try calendar.workingDays(after: policyDay, through: due.day(atOffset: utcOffsetSeconds))
    }

    /// `endOfDay` as written, `18:00`.
    public var endOfDayText: String {
        Period.pad(endOfDaySeconds / 3600, 2) + ":" + Period.pad(endOfDaySeconds / 60 % 60, 2)
    }
}
