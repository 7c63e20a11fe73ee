import Events
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension WorkCalendar {
    /// The names of the built-in calendars.
    public static let builtInNames = ["cn"]

    /// The official calendar of the People's Republic of China: every day the State Council's
    /// yearly notices on public holidays (2007–2026) declare off or working, as shipped in
    /// `calendars/cn-holidays.csv` (the notices are named in `calendars/sources.txt`).
    public static let cn: WorkCalendar = {
        do {
            return try parse(csv: ChinaHolidayData.csv, source: "cn")
        } catch {
            // The table is generated from the shipped CSV and a test parses it.
            fatalError("the built-in calendar does not parse: \(error)")
        }
    }()

    /// A built-in calendar by name.
    public static func named(_ name: String) -> WorkCalendar? {
        name == "cn" ? cn : nil
    }

    /// A built-in calendar by name, or a calendar CSV by path (a relative path is taken
    /// relative to `directory` when given).
    /// - Throws: ``CalendarError`` when the name is unknown and no such file exists, or the
    ///   file is not a valid calendar.
    public static func load(_ nameOrPath: String, relativeTo directory: String? = nil) throws(CalendarError) -> WorkCalendar {
        if let calendar = named(nameOrPath) { return calendar }
        var path = nameOrPath
        if let directory, !path.hasPrefix("/") {
            path = URL(fileURLWithPath: directory).appendingPathComponent(nameOrPath).path
        }
        guard let data = try? Data(SmallFile.read(path)) else { throw .unknown(name: nameOrPath) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidFile(source: nameOrPath, line: 0, message: "not UTF-8 (a calendar CSV must be UTF-8)")
        }
        var calendar = try parse(csv: text, source: nameOrPath)
        calendar.name = nameOrPath
        return calendar
    }

    /// Reads a calendar CSV: the header `date,kind,holiday`, then one line per listed day,
    /// `2024-10-01,off,国庆节` or `2024-09-29,work,国庆节` (the holiday name may be empty). A
    /// byte-order mark, CRLF line ends and blank lines are accepted.
    ///
    /// The calendar covers the years from the first to the last year with an `off` day (a
    /// file with only `work` days: the years of its days), so that the working weekend a notice
    /// sets in late December for the next year's holiday does not make the earlier year covered.
    /// - Throws: ``CalendarError/invalidFile(source:line:message:)`` naming the line: a wrong
    ///   header, a date that is not `YYYY-MM-DD` or does not exist, a kind other than `off` or
    ///   `work`, a day listed twice, or no day at all.
    public static func parse(csv text: String, source: String) throws(CalendarError) -> WorkCalendar {
        var listed: [Int32: Bool] = [:]
        var firstLine: [Int32: Int] = [:]
        var offYears: [Int] = []
        var allYears: [Int] = []
        var sawHeader = false
        var lineNumber = 0
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body.removeFirst() }
        // "\r\n" is one Character in Swift: split on it as well as on "\n".
        for rawLine in body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = rawLine
            if line.last == "\r" { line.removeLast() }
            if line.allSatisfy({ $0 == " " }) { continue }
            let fields = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            func fail(_ message: String) -> CalendarError { .invalidFile(source: source, line: lineNumber, message: message) }
            if !sawHeader {
                guard fields.count >= 2, fields[0] == "date", fields[1] == "kind", fields.count == 2 || fields[2] == "holiday" else {
                    throw fail("the first line must be the header date,kind,holiday")
                }
                sawHeader = true
                continue
            }
            guard fields.count >= 2 else { throw fail("expected date,kind,holiday") }
            guard let date = Period.parseDay(String(fields[0])) else {
                throw fail("'\(fields[0])' is not a date YYYY-MM-DD")
            }
            guard Timestamp.supportedYears.contains(date.year) else {
                throw fail("\(fields[0]) is outside the supported years \(Timestamp.supportedYears.lowerBound)–\(Timestamp.supportedYears.upperBound) \(Timestamp.whyTheseYears)")
            }
            let working: Bool
            switch fields[1] {
            case "off": working = false
            case "work": working = true
            default: throw fail("kind must be off or work, not '\(fields[1])'")
            }
            let day = Int32(date.daysSinceEpoch)
            if let first = firstLine[day] { throw fail("\(fields[0]) is listed twice (first on line \(first))") }
            firstLine[day] = lineNumber
            listed[day] = working
            allYears.append(date.year)
            if !working { offYears.append(date.year) }
        }
        guard sawHeader else { throw .invalidFile(source: source, line: 0, message: "empty: expected the header date,kind,holiday") }
        let years = offYears.isEmpty ? allYears : offYears
        guard let first = years.min(), let last = years.max() else {
            throw .invalidFile(source: source, line: 0, message: "lists no day")
        }
        return WorkCalendar(name: source, firstYear: first, lastYear: last, listedDays: listed)
    }

    /// Calendars layered in order: a day listed by a later calendar overrides the earlier ones
    /// (a local holiday on top of ``cn``). The result covers the years some layer covers: a
    /// layer for 2030 on ``cn`` (2007–2026) adds 2030, not 2027–2029 (``uncoveredYears``).
    /// - Precondition: `calendars` is not empty.
    public static func layered(_ calendars: [WorkCalendar]) -> WorkCalendar {
        precondition(!calendars.isEmpty, "layering needs at least one calendar")
        var result = calendars[0]
        for layer in calendars.dropFirst() {
            result.listedDays.merge(layer.listedDays) { _, new in new }
            result.firstYear = min(result.firstYear, layer.firstYear)
            result.lastYear = max(result.lastYear, layer.lastYear)
        }
        result.uncoveredYears = Set(result.firstYear...result.lastYear).filter { year in
            !calendars.contains { $0.firstYear <= year && year <= $0.lastYear && !$0.uncoveredYears.contains(year) }
        }
        result.name = calendars.map(\.name).joined(separator: " + ")
        return result
    }
}
