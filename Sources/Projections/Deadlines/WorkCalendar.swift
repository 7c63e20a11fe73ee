import Events

/// Which days are working days: Monday to Friday, except the days an official notice declares
/// off, plus the weekend days it declares working (调休).
///
/// A calendar covers whole years, ``firstYear`` through ``lastYear``; asking about a day
/// outside them throws ``CalendarError/outsideCoverage(calendar:year:firstYear:lastYear:)``
/// naming the year, never a guess. The State Council's calendar is built in as ``cn``; a
/// centre's own CSV of the same shape is read by ``parse(csv:source:)`` and may be layered on
/// it (``layered(_:)``) to add a local holiday.
///
/// Days are counted as days since 1970-01-01 (see `Timestamp.day(atOffset:)`); every
/// computation is integer arithmetic.
public struct WorkCalendar: Sendable, Equatable {
    /// The name a rule set gives it: `cn`, or the CSV's path (layers joined by ` + `).
    public var name: String
    /// The first year the calendar covers.
    public var firstYear: Int
    /// The last year the calendar covers.
    public var lastYear: Int
    /// The days a notice lists, by day since 1970-01-01: `true` working, `false` off.
    public var listedDays: [Int32: Bool]
    /// Years between ``firstYear`` and ``lastYear`` that no layer covers (``layered(_:)`` of
    /// calendars whose years lie apart, say 2007–2026 and 2030): asking about them throws too.
    public internal(set) var uncoveredYears: Set<Int> = []

    /// Creates a calendar from its listed days and the years it covers.
    public init(name: String, firstYear: Int, lastYear: Int, listedDays: [Int32: Bool]) {
        self.name = name
        self.firstYear = firstYear
        self.lastYear = lastYear
        self.listedDays = listedDays
    }

    /// Whether a day is a weekend day (Saturday or Sunday) by the week alone.
    /// 1970-01-01 was a Thursday.
    public static func isWeekend(_ day: Int32) -> Bool {
        let weekday = ((Int(day) + 3) % 7 + 7) % 7  // 0 Monday … 6 Sunday
        return weekday >= 5
    }

    /// Throws unless `day` lies in a covered year.
    public func requireCovered(_ day: Int32) throws(CalendarError) {
        let year = CivilDate(daysSinceEpoch: Int(day)).year
        guard year >= firstYear && year <= lastYear else {
            throw .outsideCoverage(calendar: name, year: year, firstYear: firstYear, lastYear: lastYear)
        }
        guard !uncoveredYears.contains(year) else {
            // Name the covered years just before the gap.
            var last = year - 1
            while uncoveredYears.contains(last) { last -= 1 }
            var first = last
            while first > firstYear && !uncoveredYears.contains(first - 1) { first -= 1 }
            throw .outsideCoverage(calendar: name, year: year, firstYear: first, lastYear: last)
        }
    }

    /// Whether `day` (days since 1970-01-01) is a working day.
    /// - Throws: ``CalendarError/outsideCoverage(calendar:year:firstYear:lastYear:)`` for a day
    ///   outside the covered years.
    public func isWorkingDay(_ day: Int32) throws(CalendarError) -> Bool {
        try requireCovered(day)
        return listedDays[day] ?? !WorkCalendar.isWeekend(day)
    }

    /// Whether a civil date is a working day. See ``isWorkingDay(_:)-(Int32)``.
    public func isWorkingDay(_ date: CivilDate) throws(CalendarError) -> Bool {
        try isWorkingDay(Int32(date.daysSinceEpoch))
    }

    /// The `n`th working day strictly after `day`: `n` = 1 is the first working day following it,
    /// whether `day` itself is a working day or not.
    /// - Precondition: `n` ≥ 1.
    /// - Throws: ``CalendarError`` when the count runs past the covered years.
    /// - Complexity: O(days walked), about 1.4 × `n` plus the holidays crossed.
    public func workingDay(_ n: Int, after day: Int32) throws(CalendarError) -> Int32 {
        precondition(n >= 1, "a count of working days starts at 1")
        var current = day
        var remaining = n
        while remaining > 0 {
            current += 1
            if try isWorkingDay(current) { remaining -= 1 }
        }
        return current
    }

    /// How many working days lie in `start + 1 ... end` (0 when `end` ≤ `start`).
    /// - Throws: ``CalendarError`` when a day of the range lies outside the covered years.
    /// - Complexity: O(min(days in the range, listed days)): a long range (a deadline years
    ///   out) counts the weekdays by the week and corrects them by the listed days.
    public func workingDays(after start: Int32, through end: Int32) throws(CalendarError) -> Int {
        guard end > start else { return 0 }
        try requireCovered(start + 1)
        try requireCovered(end)
        if !uncoveredYears.isEmpty {
            let (first, last) = (CivilDate(daysSinceEpoch: Int(start) + 1).year, CivilDate(daysSinceEpoch: Int(end)).year)
            if let year = uncoveredYears.filter({ $0 > first && $0 < last }).min() {
                try requireCovered(Int32(CivilDate(year: year, month: 1, day: 1).daysSinceEpoch))
            }
        }
        if Int(end) - Int(start) <= listedDays.count {
            var count = 0
            var day = start + 1
            while day <= end {
                if listedDays[day] ?? !WorkCalendar.isWeekend(day) { count += 1 }
                day += 1
            }
            return count
        }
        var count = Self.weekdays(before: Int(end) + 1) - Self.weekdays(before: Int(start) + 1)
        for (day, working) in listedDays where day > start && day <= end && working == WorkCalendar.isWeekend(day) {
            count += working ? 1 : -1
        }
        return count
    }

    /// How many of the days before `day` (days since 1970-01-01), counted from the Monday
    /// 1969-12-29, are Monday to Friday (negative before it).
    static func weekdays(before day: Int) -> Int {
        let sinceMonday = day + 3
        let weeks = sinceMonday >= 0 ? sinceMonday / 7 : -((-sinceMonday + 6) / 7)
        return weeks * 5 + min(sinceMonday - weeks * 7, 5)
    }
}

/// A calendar that cannot be read, or a day it does not cover.
public enum CalendarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A day in `year`, which the calendar does not cover.
    case outsideCoverage(calendar: String, year: Int, firstYear: Int, lastYear: Int)
    /// A calendar CSV that cannot be used: its source, the line (0 for the whole file) and why.
    case invalidFile(source: String, line: Int, message: String)
    /// A calendar name that is neither built in nor a readable file.
    case unknown(name: String)

    public var description: String {
        switch self {
        case .outsideCoverage(let calendar, let year, let first, let last):
            "the working-day calendar '\(calendar)' covers \(first)–\(last); it has no data for \(year) "
                + "(add the year's official notice to a calendar CSV and name it in the rule set's deadlines.calendar)"
        case .invalidFile(let source, let line, let message):
            line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)"
        case .unknown(let name):
            "no such calendar file, and not a built-in calendar (built in: \(WorkCalendar.builtInNames.joined(separator: ", "))): \(name)"
        }
    }
}
