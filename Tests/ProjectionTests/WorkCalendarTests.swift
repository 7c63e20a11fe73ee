import Events
import Foundation
import Testing
@testable import Projections

@Suite struct WorkCalendarTests {
    static func day(_ text: String) -> Int32 { Int32(Period.parseDay(text)!.daysSinceEpoch) }
    static func date(_ day: Int32) -> String { Period.format(CivilDate(daysSinceEpoch: Int(day))) }
    let cn = WorkCalendar.cn

    @Test func builtInCalendarMatchesShippedCSV() throws {
        let shipped = try PackageFiles.text("calendars/cn-holidays.csv")
        #expect(shipped.trimmingCharacters(in: .newlines) == ChinaHolidayData.csv,
                "run scripts/generate-calendar.sh after changing calendars/cn-holidays.csv")
        #expect(cn.firstYear == 2007 && cn.lastYear == 2026)
        #expect(cn.listedDays.count == shipped.split(separator: "\n").count - 1)
        let sources = try PackageFiles.text("calendars/sources.txt")
        for year in 2007...2026 { #expect(sources.contains("\n\(year) http"), "sources.txt names no notice for \(year)") }
    }

    @Test func compactCalendarExpandsRunsAcrossMonthEndsAndKeepsTheLineOrder() throws {
        let csv = ChinaHolidayData.expand("2012 中秋节、国庆节 0929w 0930o8\n2013 元旦 0101o3 0105w2")
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.first == "date,kind,holiday")
        #expect(lines.count == 1 + 1 + 8 + 3 + 2)
        #expect(lines[1] == "2012-09-29,work,中秋节、国庆节")
        #expect(lines[2] == "2012-09-30,off,中秋节、国庆节")
        #expect(lines[9] == "2012-10-07,off,中秋节、国庆节")
        #expect(lines[10] == "2013-01-01,off,元旦")
        #expect(lines[13] == "2013-01-05,work,元旦")
        #expect(lines[14] == "2013-01-06,work,元旦")
        let calendar = try WorkCalendar.parse(csv: csv, source: "test")
        #expect(try !calendar.isWorkingDay(Self.day("2012-10-07")))
        #expect(try calendar.isWorkingDay(Self.day("2013-01-05")))  // a Saturday, 调休
    }

    @Test func compactCalendarWithABadTokenIsRejectedByTheParser() {
        let csv = ChinaHolidayData.expand("2024 国庆节 1001x7")
        #expect(throws: CalendarError.self) { try WorkCalendar.parse(csv: csv, source: "test") }
        #expect(!ChinaHolidayData.expand("2024 国庆节 0230o").contains("2024-02-30"))
    }

    @Test func nationalDay2024MakesSundayAndSaturdayWorkingDays() throws {
        #expect(try cn.isWorkingDay(Self.day("2024-09-29")))  // a Sunday, 调休
        for d in 1...7 { #expect(try !cn.isWorkingDay(Self.day("2024-10-0\(d)"))) }
        #expect(try cn.isWorkingDay(Self.day("2024-10-08")))
        #expect(try cn.isWorkingDay(Self.day("2024-10-12")))  // a Saturday, 调休
        #expect(try !cn.isWorkingDay(Self.day("2024-10-13")))
        #expect(try !cn.isWorkingDay(Self.day("2024-10-19")))  // an ordinary Saturday
        // Friday 09-27 → the working Sunday, Monday 09-30, then the 8th.
        #expect(Self.date(try cn.workingDay(1, after: Self.day("2024-09-27"))) == "2024-09-29")
        #expect(Self.date(try cn.workingDay(3, after: Self.day("2024-09-27"))) == "2024-10-08")
        #expect(Self.date(try cn.workingDay(1, after: Self.day("2024-10-11"))) == "2024-10-12")
        #expect(try cn.workingDays(after: Self.day("2024-09-28"), through: Self.day("2024-10-13")) == 7)
    }

    @Test func springFestival2024HasTwoWorkingSundays() throws {
        #expect(try cn.isWorkingDay(Self.day("2024-02-04")))
        #expect(try cn.isWorkingDay(Self.day("2024-02-18")))
        for d in 10...17 { #expect(try !cn.isWorkingDay(Self.day("2024-02-\(d)"))) }
        // Friday 02-09 is a working day; the next is the working Sunday 02-18.
        #expect(Self.date(try cn.workingDay(1, after: Self.day("2024-02-08"))) == "2024-02-09")
        #expect(Self.date(try cn.workingDay(2, after: Self.day("2024-02-08"))) == "2024-02-18")
        #expect(Self.date(try cn.workingDay(1, after: Self.day("2024-02-03"))) == "2024-02-04")
    }

    @Test func holidayRunOverAMonthEndIsCountedAcrossIt() throws {
        // Spring Festival 2025: 01-28 to 02-04 off, Sunday 01-26 and Saturday 02-08 working.
        #expect(Self.date(try cn.workingDay(1, after: Self.day("2025-01-26"))) == "2025-01-27")
        #expect(Self.date(try cn.workingDay(2, after: Self.day("2025-01-26"))) == "2025-02-05")
        #expect(Self.date(try cn.workingDay(5, after: Self.day("2025-01-26"))) == "2025-02-08")
        #expect(try cn.workingDays(after: Self.day("2025-01-27"), through: Self.day("2025-02-04")) == 0)
    }

    @Test func aDateBeyondTheLastYearIsAnErrorNamingTheYear() throws {
        #expect(try cn.isWorkingDay(Self.day("2026-12-31")))
        #expect(throws: CalendarError.outsideCoverage(calendar: "cn", year: 2027, firstYear: 2007, lastYear: 2026)) {
            try cn.workingDay(2, after: Self.day("2026-12-30"))
        }
        #expect(throws: CalendarError.outsideCoverage(calendar: "cn", year: 2006, firstYear: 2007, lastYear: 2026)) {
            try cn.isWorkingDay(Self.day("2006-12-30"))
        }
        let message = CalendarError.outsideCoverage(calendar: "cn", year: 2027, firstYear: 2007, lastYear: 2026).description
        #expect(message.contains("2027") && message.contains("2007–2026"))
    }

    @Test func aCustomCSVAddsALocalHolidayOnTopOfTheOfficialCalendar() throws {
        let local = try WorkCalendar.parse(csv: "\u{FEFF}date,kind,holiday\r\n2024-05-20,off,本地纪念日\r\n\r\n", source: "local.csv")
        #expect(local.firstYear == 2024 && local.lastYear == 2024)
        let layered = WorkCalendar.layered([cn, local])
        #expect(layered.name == "cn + local.csv")
        #expect(try cn.isWorkingDay(Self.day("2024-05-20")))
        #expect(try !layered.isWorkingDay(Self.day("2024-05-20")))
        #expect(layered.firstYear == 2007 && layered.lastYear == 2026)
        #expect(Self.date(try layered.workingDay(1, after: Self.day("2024-05-17"))) == "2024-05-21")
        // Alone, the local file covers only its own year.
        #expect(throws: CalendarError.outsideCoverage(calendar: "local.csv", year: 2025, firstYear: 2024, lastYear: 2024)) {
            try local.isWorkingDay(Self.day("2025-01-02"))
        }
    }

    @Test func aLayerForALaterYearAddsThatYearAndNotTheYearsBetween() throws {
        let later = try WorkCalendar.parse(csv: "date,kind,holiday\n2030-01-01,off,元旦\n", source: "y2030.csv")
        let layered = WorkCalendar.layered([cn, later])
        #expect(layered.firstYear == 2007 && layered.lastYear == 2030 && layered.uncoveredYears == [2027, 2028, 2029])
        #expect(try !layered.isWorkingDay(Self.day("2030-01-01")))
        #expect(try layered.isWorkingDay(Self.day("2026-12-31")))
        // 2027's holidays are in neither layer: no answer, as from cn alone, and no count runs through it.
        #expect(throws: CalendarError.outsideCoverage(calendar: "cn + y2030.csv", year: 2027, firstYear: 2007, lastYear: 2026)) {
            try layered.isWorkingDay(Self.day("2027-01-01"))
        }
        #expect(throws: CalendarError.outsideCoverage(calendar: "cn + y2030.csv", year: 2027, firstYear: 2007, lastYear: 2026)) {
            try layered.workingDay(3, after: Self.day("2026-12-30"))
        }
        #expect(throws: CalendarError.outsideCoverage(calendar: "cn + y2030.csv", year: 2029, firstYear: 2007, lastYear: 2026)) {
            try layered.workingDays(after: Self.day("2026-12-01"), through: Self.day("2029-06-01"))
        }
        // Nor a count over the gap from a covered year to a covered year.
        #expect(throws: CalendarError.outsideCoverage(calendar: "cn + y2030.csv", year: 2027, firstYear: 2007, lastYear: 2026)) {
            try layered.workingDays(after: Self.day("2026-12-01"), through: Self.day("2030-06-01"))
        }
        // A layer for the next year closes the gap it fills.
        let next = try WorkCalendar.parse(csv: "date,kind,holiday\n2027-01-01,off,元旦\n", source: "y2027.csv")
        #expect(WorkCalendar.layered([cn, next, later]).uncoveredYears == [2028, 2029])
        #expect(WorkCalendar.layered([cn, next]).uncoveredYears.isEmpty)
    }

    /// Long ranges are counted by the week and corrected by the listed days; every count equals
    /// the day-by-day one, for the official calendar and for one that lists most days.
    @Test func aLongRangeCountsAsDayByDay() throws {
        var generator = SystemRandomNumberGenerator()
        var dense: [Int32: Bool] = [:]
        for day in Self.day("2001-01-01")...Self.day("2003-12-31") where Int.random(in: 0..<4, using: &generator) != 0 {
            dense[day] = Bool.random(using: &generator)
        }
        let listed = WorkCalendar(name: "dense", firstYear: 2001, lastYear: 2003, listedDays: dense)
        for (calendar, first, last) in [(cn, Self.day("2007-01-01"), Self.day("2026-12-31")),
                                        (listed, Self.day("2001-01-01"), Self.day("2003-12-31"))] {
            for _ in 0..<300 {
                let start = Int32.random(in: (first - 1)...last, using: &generator)
                let end = Int32.random(in: start...last, using: &generator)
                var byDay = 0
                if end > start {
                    for day in (start + 1)...end where try calendar.isWorkingDay(day) { byDay += 1 }
                }
                #expect(try calendar.workingDays(after: start, through: end) == byDay, "\(calendar.name) \(start)...\(end)")
            }
        }
        // The weekdays before a day, on both sides of the Monday they are counted from.
        for day in -30...30 {
            #expect(WorkCalendar.weekdays(before: day + 1) - WorkCalendar.weekdays(before: day) == (WorkCalendar.isWeekend(Int32(day)) ? 0 : 1))
        }
    }

    @Test func aBadCalendarCSVNamesTheLine() {
        #expect(throws: CalendarError.invalidFile(source: "x.csv", line: 3, message: "2024-05-20 is listed twice (first on line 2)")) {
            try WorkCalendar.parse(csv: "date,kind,holiday\n2024-05-20,off,a\n2024-05-20,work,b\n", source: "x.csv")
        }
        #expect(throws: CalendarError.invalidFile(source: "x.csv", line: 2, message: "kind must be off or work, not 'holiday'")) {
            try WorkCalendar.parse(csv: "date,kind,holiday\n2024-05-20,holiday,a\n", source: "x.csv")
        }
        #expect(throws: CalendarError.invalidFile(source: "x.csv", line: 2, message: "'2024-02-30' is not a date YYYY-MM-DD")) {
            try WorkCalendar.parse(csv: "date,kind,holiday\n2024-02-30,off,a\n", source: "x.csv")
        }
        #expect(throws: CalendarError.invalidFile(source: "x.csv", line: 1, message: "the first line must be the header date,kind,holiday")) {
            try WorkCalendar.parse(csv: "2024-05-20,off,a\n", source: "x.csv")
        }
    }
}
