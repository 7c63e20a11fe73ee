import Events

/// A span of local calendar days a report covers: a month, a quarter, a year or any range.
///
/// Days are civil dates; which instants fall in them depends on the rule set's UTC offset.
public struct Period: Sendable, Hashable, CustomStringConvertible {
    /// The first day (inclusive).
    public var start: CivilDate
    /// The day after the last day (exclusive).
    public var end: CivilDate
    /// How the period was written: `2024-02`, `2022-Q2`, `2024`, `2024-02-01..2024-02-15`.
    public var label: String
    /// The kind of period, for `previous()`.
    public var kind: Kind

    public enum Kind: Sendable, Hashable {
        case month, quarter, year, range
    }

    /// Creates a period from its first day and the day after its last.
    public init(start: CivilDate, end: CivilDate, label: String? = nil, kind: Kind = .range) {
        self.start = start
        self.end = end
        self.kind = kind
        self.label = label ?? "\(Period.format(start))..\(Period.format(CivilDate(daysSinceEpoch: end.daysSinceEpoch - 1)))"
    }

    /// A calendar month.
    public static func month(_ year: Int, _ month: Int) -> Period {
        let start = CivilDate(year: year, month: month, day: 1)
        let end = month == 12 ? CivilDate(year: year + 1, month: 1, day: 1) : CivilDate(year: year, month: month + 1, day: 1)
        return Period(start: start, end: end, label: "\(pad(year, 4))-\(pad(month, 2))", kind: .month)
    }

    /// A calendar quarter (1–4).
    public static func quarter(_ year: Int, _ quarter: Int) -> Period {
        let first = (quarter - 1) * 3 + 1
        let start = CivilDate(year: year, month: first, day: 1)
        let end = quarter == 4 ? CivilDate(year: year + 1, month: 1, day: 1) : CivilDate(year: year, month: first + 3, day: 1)
        return Period(start: start, end: end, label: "\(pad(year, 4))-Q\(quarter)", kind: .quarter)
    }

    /// A calendar year.
    public static func year(_ year: Int) -> Period {
        Period(start: CivilDate(year: year, month: 1, day: 1), end: CivilDate(year: year + 1, month: 1, day: 1),
               label: pad(year, 4), kind: .year)
    }

    /// Parses `YYYY-MM`, `YYYY-Qn`, `YYYY`, or `YYYY-MM-DD..YYYY-MM-DD` (both days included).
    /// The years must be among `Timestamp.supportedYears` (the instants a log can hold).
    /// - Throws: ``PeriodError`` with a message saying what is accepted, or why the years are not.
    public static func parse(_ text: String) throws(PeriodError) -> Period {
        let period = try parseForm(text)
        let last = CivilDate(daysSinceEpoch: period.end.daysSinceEpoch - 1)
        for year in [period.start.year, last.year] where !Timestamp.supportedYears.contains(year) {
            throw PeriodError(text: text, reason: Timestamp.unsupportedYear(year) + " " + Timestamp.whyTheseYears)
        }
        return period
    }

    /// ``parse(_:)`` without the check of the years.
    private static func parseForm(_ text: String) throws(PeriodError) -> Period {
        let t = text.strippingSpaces()
        if let dots = t.firstRange(of: "..") {
            guard let a = parseDay(String(t[..<dots.lowerBound])), let b = parseDay(String(t[dots.upperBound...])), a <= b else {
                throw PeriodError(text: text)
            }
            return Period(start: a, end: CivilDate(daysSinceEpoch: b.daysSinceEpoch + 1), label: t, kind: .range)
        }
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        guard parts[0].count == 4, isDigits(parts[0]), let year = Int(parts[0]) else { throw PeriodError(text: text) }
        if parts.count == 1 { return .year(year) }
        guard parts.count == 2 else {
            if parts.count == 3, let day = parseDay(t) {
                return Period(start: day, end: CivilDate(daysSinceEpoch: day.daysSinceEpoch + 1), label: t, kind: .range)
            }
            throw PeriodError(text: text)
        }
        let second = parts[1]
        if second.first == "Q" || second.first == "q", isDigits(second.dropFirst()), let q = Int(second.dropFirst()), (1...4).contains(q) {
            return .quarter(year, q)
        }
        guard second.count == 2, isDigits(second), let m = Int(second), (1...12).contains(m) else { throw PeriodError(text: text) }
        return .month(year, m)
    }

    /// The period of the same kind just before this one (`nil` for a free range, and when it
    /// would begin before the years a log can hold, `Timestamp.supportedYears`).
    public func previous() -> Period? {
        let before: Period? = switch kind {
        case .month: start.month == 1 ? .month(start.year - 1, 12) : .month(start.year, start.month - 1)
        case .quarter: start.month == 1 ? .quarter(start.year - 1, 4) : .quarter(start.year, (start.month - 1) / 3)
        case .year: .year(start.year - 1)
        case .range: nil
        }
        return before.flatMap { Timestamp.supportedYears.contains($0.start.year) ? $0 : nil }
    }

    /// First day as days since 1970-01-01.
    public var startDay: Int32 { Int32(start.daysSinceEpoch) }
    /// Day after the last, as days since 1970-01-01.
    public var endDay: Int32 { Int32(end.daysSinceEpoch) }

    /// Whether the local day `day` (days since 1970-01-01) is in the period.
    public func contains(day: Int32) -> Bool { day >= startDay && day < endDay }

    /// The first instant of the period at a UTC offset.
    public func startInstant(offsetSeconds: Int32) -> Timestamp {
        Timestamp(seconds: Int64(startDay) * 86_400 - Int64(offsetSeconds))
    }

    /// The first instant after the period at a UTC offset.
    public func endInstant(offsetSeconds: Int32) -> Timestamp {
        Timestamp(seconds: Int64(endDay) * 86_400 - Int64(offsetSeconds))
    }

    public var description: String { label }

    static func parseDay(_ text: String) -> CivilDate? {
        let p = text.split(separator: "-")
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2, p.allSatisfy(isDigits),
              let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]) else { return nil }
        let date = CivilDate(year: y, month: m, day: d)
        return date.isValid ? date : nil
    }

    /// Whether `text` is ASCII digits only (`Int` also takes a sign).
    static func isDigits(_ text: Substring) -> Bool { text.utf8.allSatisfy { $0 &- 0x30 < 10 } }

    static func format(_ d: CivilDate) -> String { "\(pad(d.year, 4))-\(pad(d.month, 2))-\(pad(d.day, 2))" }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// A period that could not be parsed.
public struct PeriodError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    /// Why a period of an accepted form is refused (its years), or `nil` when the form is wrong.
    public var reason: String?

    public init(text: String, reason: String? = nil) {
        self.text = text
        self.reason = reason
    }

    public var description: String {
        if let reason { return "invalid period \"\(text)\": \(reason)" }
        return "invalid period \"\(text)\" (expected a month 2024-02, a quarter 2024-Q1, a year 2024, or days 2024-02-01..2024-02-15)"
    }
}

extension String {
    func strippingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
