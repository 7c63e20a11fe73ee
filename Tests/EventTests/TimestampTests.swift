import Testing
@testable import Events

private func parse(_ text: String) -> Timestamp? { Timestamp.parseRFC3339(text) }

@Test func parsesOffsetsToTheSameInstant() throws {
    let beijing = try #require(parse("2024-02-03T09:15:00+08:00"))
    #expect(parse("2024-02-03T01:15:00Z") == beijing)
    #expect(parse("2024-02-03T01:15:00z") == beijing)
    #expect(parse("2024-02-03T01:15:00+00:00") == beijing)
    #expect(parse("2024-02-02T20:15:00-05:00") == beijing)
    #expect(parse("2024-02-03T06:45:00+05:30") == beijing)
    #expect(parse("2024-02-03 09:15:00+08:00") == beijing)
    #expect(parse("2024-02-03t09:15:00+08:00") == beijing)
    #expect(beijing.seconds == 1_706_922_900)
}

@Test func acceptsTheFullOffsetRangeOnly() {
    #expect(parse("2024-02-03T09:15:00+23:59") != nil)
    #expect(parse("2024-02-03T09:15:00-23:59") != nil)
    #expect(parse("2024-02-03T09:15:00+24:00") == nil)
    #expect(parse("2024-02-03T09:15:00+08:60") == nil)
    #expect(parse("2024-02-03T09:15:00+0800") == nil)
    #expect(parse("2024-02-03T09:15:00+8:00") == nil)
}

@Test func requiresAnOffset() {
    #expect(parse("2024-02-03T09:15:00") == nil)
    #expect(parse("2024-02-03T09:15:00.5") == nil)
    #expect(parse("2024-02-03") == nil)
    #expect(parse("") == nil)
}

@Test func fractionalSecondsKeepNanoseconds() throws {
    let base = try #require(parse("2024-02-03T09:15:00+08:00"))
    #expect(parse("2024-02-03T09:15:00.5+08:00")?.nanoseconds == base.nanoseconds + 500_000_000)
    #expect(parse("2024-02-03T09:15:00.250Z").map { $0.nanoseconds % 1_000_000_000 } == 250_000_000)
    #expect(parse("2024-02-03T09:15:00.000000001+08:00")?.nanoseconds == base.nanoseconds + 1)
    // Digits past the ninth may be zeros; any other is refused, not cut (a closure 0.1 ns
    // after its deadline would otherwise count as on time).
    #expect(parse("2024-02-03T09:15:00.123456789000+08:00")?.nanoseconds == base.nanoseconds + 123_456_789)
    #expect(parse("2024-02-03T09:15:00.1234567899+08:00") == nil)
    #expect(parse("2024-02-03T09:15:00.0000000001+08:00") == nil)
    #expect(parse("2024-02-03T09:15:00.0000000000000001Z") == nil)
    #expect(parse("2024-02-03T09:15:00.+08:00") == nil)
    #expect(parse("2024-02-03T09:15:00.Z") == nil)
}

@Test func leapYearsFollowTheGregorianRules() {
    #expect(parse("2024-02-29T12:00:00+08:00") != nil)
    #expect(parse("2023-02-29T12:00:00+08:00") == nil)
    #expect(parse("2000-02-29T12:00:00+08:00") != nil)
    #expect(parse("1900-02-29T12:00:00+08:00") == nil)
    #expect(parse("2100-02-29T12:00:00+08:00") == nil)
    #expect(parse("2024-02-30T12:00:00+08:00") == nil)
    #expect(CivilDate.isLeap(2024) && CivilDate.isLeap(2000) && !CivilDate.isLeap(1900) && !CivilDate.isLeap(2023))
}

@Test func rejectsImpossibleFields() {
    #expect(parse("2024-13-45T99:00:00+08:00") == nil)
    #expect(parse("2024-00-10T10:00:00+08:00") == nil)
    #expect(parse("2024-04-31T10:00:00+08:00") == nil)
    #expect(parse("2024-01-00T10:00:00+08:00") == nil)
    #expect(parse("2024-01-10T24:00:00+08:00") == nil)
    #expect(parse("2024-01-10T23:60:00+08:00") == nil)
    #expect(parse("2024-01-10T23:59:60+08:00") == nil)
    #expect(parse("2024-1-10T10:00:00+08:00") == nil)
    #expect(parse("2024-01-10T10:00:00+08:00 ") == nil)
    #expect(parse("2024-01-10X10:00:00+08:00") == nil)
    #expect(parse("２０２４-01-10T10:00:00+08:00") == nil)
}

@Test func dayAndMonthBoundaries() throws {
    #expect(parse("2024-01-31T23:59:59+08:00") != nil)
    #expect(parse("2024-12-31T23:59:59.999999999+08:00") != nil)
    #expect(parse("2024-01-01T00:00:00+08:00") != nil)
    // Midnight in Beijing is still the previous day in UTC.
    let newYear = try #require(parse("2024-01-01T00:00:00+08:00"))
    #expect(newYear.rfc3339(offsetSeconds: 0, zulu: true) == "2023-12-31T16:00:00Z")
    #expect(newYear.day(atOffset: 28_800) == Int32(CivilDate(year: 2024, month: 1, day: 1).daysSinceEpoch))
    #expect(newYear.day(atOffset: 0) == Int32(CivilDate(year: 2023, month: 12, day: 31).daysSinceEpoch))
    let oneBefore = Timestamp(nanoseconds: newYear.nanoseconds - 1)
    #expect(oneBefore.rfc3339() == "2023-12-31T23:59:59.999999999+08:00")
}

@Test func formatsAtBeijingTimeByDefault() throws {
    let t = try #require(parse("2024-02-03T01:15:00Z"))
    #expect(t.rfc3339() == "2024-02-03T09:15:00+08:00")
    #expect(t.rfc3339(offsetSeconds: 0) == "2024-02-03T01:15:00+00:00")
    #expect(t.rfc3339(offsetSeconds: 0, zulu: true) == "2024-02-03T01:15:00Z")
    #expect(t.rfc3339(offsetSeconds: -19_800) == "2024-02-02T19:45:00-05:30")
    #expect(try #require(parse("2024-02-03T09:15:00.250+08:00")).rfc3339() == "2024-02-03T09:15:00.25+08:00")
}

@Test func formattingRoundTripsOverAWideRangeOfInstants() {
    var random = SplitMix64(seed: 7)
    for _ in 0..<2_000 {
        // 1900 to 2200, any nanosecond.
        let t = Timestamp(nanoseconds: Int64.random(in: -2_208_988_800_000_000_000 ... 7_258_118_400_000_000_000, using: &random))
        for offset: Int32 in [28_800, 0, -36_000, 20_700] {
            #expect(Timestamp.parseRFC3339(t.rfc3339(offsetSeconds: offset)) == t)
        }
    }
}

@Test func civilDatesConvertBothWays() {
    for days in stride(from: -800_000, through: 800_000, by: 997) {
        let date = CivilDate(daysSinceEpoch: days)
        #expect(date.isValid)
        #expect(date.daysSinceEpoch == days)
    }
    #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
    #expect(CivilDate(year: 2024, month: 3, day: 1).daysSinceEpoch - CivilDate(year: 2024, month: 2, day: 28).daysSinceEpoch == 2)
}
