import Events
import Testing
@testable import Projections

@Suite struct FoldTests {
    let feb = Period.month(2024, 2)
    let mar = Period.month(2024, 3)

    @Test func countsFollowTheDefinitions() {
        var s = TicketScript()
        s.simple("T1", "市城管局", assigned: "2024-02-01 09:00", due: "2024-02-05 18:00", closed: "2024-02-04 10:00")
        s.simple("T2", "市城管局", assigned: "2024-02-02 09:00", due: "2024-02-06 18:00", closed: "2024-02-08 10:00")
        s.simple("T3", "市城管局", assigned: "2024-02-03 09:00", due: "2024-02-07 18:00", closed: nil)
        s.callback("T1", "市城管局", "2024-02-10 10:00", .satisfied)
        s.callback("T2", "市城管局", "2024-02-10 11:00", .unsatisfied)
        let c = s.projection().counts(unit: "市城管局", period: feb)
        #expect(c == UnitCounts(accepted: 3, due: 3, done: 2, onTime: 1, satisfied: 1, unsatisfied: 1))
        #expect(c.overdue == 2)
    }

    @Test func reworkReopensTheTicketAndCountsEveryEvent() {
        var s = TicketScript()
        s.simple("T1", "市国资委", assigned: "2024-02-01 09:00", due: "2024-02-20 18:00", closed: "2024-02-02 10:00")
        s.rework("T1", "市国资委", "2024-02-03 10:00")
        s.close("T1", "市国资委", "2024-02-04 10:00")
        s.rework("T1", "市国资委", "2024-02-05 10:00")
        let c = s.projection().counts(unit: "市国资委", period: feb)
        #expect(c.rework == 2)
        #expect(c.due == 1)
        #expect(c.done == 0, "the last closure was followed by a rework return")
    }

    @Test func reworkWithANewDeadlineMovesTheTicket() {
        var s = TicketScript()
        s.simple("T1", "市住建局", assigned: "2024-02-01 09:00", due: "2024-02-20 18:00", closed: "2024-02-10 10:00")
        s.rework("T1", "市住建局", "2024-02-25 10:00", due: "2024-03-05 18:00")
        s.close("T1", "市住建局", "2024-03-01 10:00")
        let p = s.projection()
        #expect(p.counts(unit: "市住建局", period: feb) == UnitCounts(accepted: 1, rework: 1))
        #expect(p.counts(unit: "市住建局", period: mar) == UnitCounts(due: 1, done: 1, onTime: 1))
    }

    @Test func extensionMovesATicketToTheNextMonth() {
        var s = TicketScript()
        s.simple("T1", "市交通运输局", assigned: "2024-02-20 09:00", due: "2024-02-27 18:00", closed: nil)
        s.extend("T1", "市交通运输局", "2024-02-26 09:00", due: "2024-03-04 18:00")
        s.close("T1", "市交通运输局", "2024-03-02 09:00")
        let p = s.projection()
        #expect(p.counts(unit: "市交通运输局", period: feb) == UnitCounts(accepted: 1))
        #expect(p.counts(unit: "市交通运输局", period: mar) == UnitCounts(due: 1, done: 1, onTime: 1))
    }

    @Test func aDeclinedAssignmentIsNotDueForTheDecliningUnit() {
        var s = TicketScript()
        s.accept("T1", "2024-02-01 09:00")
        s.assign("T1", "市商务局", "2024-02-01 09:10", due: "2024-02-08 18:00")
        s.decline("T1", "市商务局", "2024-02-01 15:00")
        s.assign("T1", "市市场监督管理局", "2024-02-02 09:00", due: "2024-02-09 18:00")
        s.close("T1", "市市场监督管理局", "2024-02-07 09:00")
        let p = s.projection()
        #expect(p.counts(unit: "市商务局", period: feb) == UnitCounts(accepted: 1, returns: 1))
        #expect(p.counts(unit: "市市场监督管理局", period: feb) == UnitCounts(accepted: 1, due: 1, done: 1, onTime: 1))
    }

    @Test func callbacksCountInTheirOwnMonthEvenForOlderTickets() {
        var s = TicketScript()
        s.simple("T1", "市人社局", assigned: "2024-01-20 09:00", due: "2024-01-27 18:00", closed: "2024-01-26 10:00")
        s.callback("T1", "市人社局", "2024-02-02 10:00", .unsatisfied)
        let p = s.projection()
        #expect(p.counts(unit: "市人社局", period: feb) == UnitCounts(unsatisfied: 1))
        #expect(p.counts(unit: "市人社局", period: .month(2024, 1)) == UnitCounts(accepted: 1, due: 1, done: 1, onTime: 1))
    }

    @Test func aQuarterAddsUpItsMonths() throws {
        var s = TicketScript()
        s.simple("T1", "市城管局", assigned: "2024-01-10 09:00", due: "2024-01-15 18:00", closed: "2024-01-14 10:00")
        s.simple("T2", "市城管局", assigned: "2024-02-10 09:00", due: "2024-02-15 18:00", closed: "2024-02-16 10:00")
        s.simple("T3", "市城管局", assigned: "2024-03-30 09:00", due: "2024-04-02 18:00", closed: nil)
        let p = s.projection()
        let q1 = try Period.parse("2024-Q1")
        var sum = UnitCounts()
        for m in 1...3 { sum += p.counts(unit: "市城管局", period: .month(2024, m)) }
        #expect(p.counts(unit: "市城管局", period: q1) == sum)
        #expect(sum == UnitCounts(accepted: 3, due: 2, done: 2, onTime: 1))
    }

    @Test func monthsAreCutInTheRuleSetsTimeZone() {
        var s = TicketScript()
        // 2024-02-29T20:00Z is already 1 March in +08:00.
        s.accept("T1", "2024-02-29T20:00:00Z")
        s.assign("T1", "市城管局", "2024-02-29T20:00:00Z", due: "2024-03-05T10:00:00Z")
        #expect(s.projection().counts(unit: "市城管局", period: mar).accepted == 1)
        #expect(s.projection(ProjectionOptions(utcOffsetSeconds: 0)).counts(unit: "市城管局", period: feb).accepted == 1)
    }

    @Test func closureAttributionCountsClosedTicketsWhenClosed() {
        var s = TicketScript()
        s.simple("T1", "市城管局", assigned: "2024-02-20 09:00", due: "2024-03-05 18:00", closed: "2024-02-25 10:00")
        s.simple("T2", "市城管局", assigned: "2024-02-20 09:00", due: "2024-03-05 18:00", closed: nil)
        let byDeadline = s.projection()
        let byClosure = s.projection(ProjectionOptions(attribution: .closure))
        #expect(byDeadline.counts(unit: "市城管局", period: feb).due == 0)
        #expect(byClosure.counts(unit: "市城管局", period: feb) == UnitCounts(accepted: 2, due: 1, done: 1, onTime: 1))
        #expect(byClosure.counts(unit: "市城管局", period: mar) == UnitCounts(due: 1))
    }

    @Test func channelFilterKeepsOnlyThatChannelsTickets() {
        var s = TicketScript()
        s.simple("T1", "市城管局", assigned: "2024-02-01 09:00", due: "2024-02-05 18:00", closed: "2024-02-04 10:00")
        s.accept("M1", "2024-02-01 09:00", channel: "mailbox")
        s.assign("M1", "市城管局", "2024-02-01 10:00", due: "2024-02-05 18:00")
        #expect(s.projection(ProjectionOptions(channel: "hotline")).counts(unit: "市城管局", period: feb).accepted == 1)
        #expect(s.projection(ProjectionOptions(channel: "mailbox")).counts(unit: "市城管局", period: feb) == UnitCounts(accepted: 1, due: 1))
        #expect(s.projection().counts(unit: "市城管局", period: feb).accepted == 2)
    }

    @Test func asOfIgnoresEventsRecordedLater() {
        var s = TicketScript()
        s.simple("T1", "市城管局", assigned: "2024-02-01 09:00", due: "2024-02-05 18:00", closed: "2024-02-04 10:00")
        s.callback("T1", "市城管局", "2024-02-20 10:00", .unsatisfied, recorded: "2024-03-10 10:00")
        let early = s.projection(ProjectionOptions(asOf: TicketScript.time("2024-03-05 00:00")))
        let late = s.projection(ProjectionOptions(asOf: TicketScript.time("2024-03-20 00:00")))
        #expect(early.counts(unit: "市城管局", period: feb).unsatisfied == 0)
        #expect(late.counts(unit: "市城管局", period: feb).unsatisfied == 1)
    }

    @Test func theFoldCanBeReadBetweenEvents() {
        var s = TicketScript()
        s.simple("T1", "市城管局", assigned: "2024-02-01 09:00", due: "2024-02-05 18:00", closed: "2024-02-04 10:00")
        s.rework("T1", "市城管局", "2024-02-04 15:00")
        var p = Projection()
        var doneAfterEach: [Int] = []
        for e in s.validated() {
            p.apply(e)
            doneAfterEach.append(p.counts(unit: "市城管局", period: feb).done)
        }
        #expect(doneAfterEach == [0, 0, 1, 0])
    }

    @Test func periodsParseAndNameThemselves() throws {
        #expect(try Period.parse("2024-02") == .month(2024, 2))
        #expect(try Period.parse("2022-Q2").start == CivilDate(year: 2022, month: 4, day: 1))
        #expect(try Period.parse("2022-Q2").end == CivilDate(year: 2022, month: 7, day: 1))
        #expect(try Period.parse("2024-02-01..2024-02-15").endDay - Period.parse("2024-02-01..2024-02-15").startDay == 15)
        #expect(try Period.parse("2024-01").previous() == .month(2023, 12))
        #expect(throws: PeriodError.self) { try Period.parse("2024-13") }
        #expect(throws: PeriodError.self) { try Period.parse("2024-Q5") }
        // Signs are not digits.
        for text in ["+202-01", "2024-+1", "2024-02-+1..2024-02-15", "-202", "2023-Q+1"] {
            #expect(throws: PeriodError(text: text)) { try Period.parse(text) }
        }
    }

    @Test func periodsOutsideTheYearsATimestampHoldsAreRefusedWithTheReason() throws {
        #expect(try Period.parse("1678").start == CivilDate(year: 1678, month: 1, day: 1))
        #expect(try Period.parse("2261-Q4").end == CivilDate(year: 2262, month: 1, day: 1))
        for (text, year) in [("0000-01", "0000"), ("1677-12", "1677"), ("9999-Q1", "9999"), ("2262", "2262"),
                             ("2261-12-31..2262-01-01", "2262"), ("1677-12-31..1678-01-01", "1677")] {
            let error = #expect(throws: PeriodError.self) { try Period.parse(text) }
            #expect(error?.description == "invalid period \"\(text)\": year \(year) is outside the supported range 1678–2261 "
                    + "(times are kept as nanoseconds since 1970 in 64 bits)")
        }
    }

    /// The first period of those years has no previous one to compare with (a bulletin's
    /// `--compare always` then compares with nothing instead of with an empty 1677-12).
    @Test func theFirstPeriodsOfTheYearsATimestampHoldsHaveNoPreviousOne() throws {
        for text in ["1678-01", "1678-Q1", "1678"] { #expect(try Period.parse(text).previous() == nil, "\(text)") }
        #expect(try Period.parse("1678-02").previous() == .month(1678, 1))
        #expect(try Period.parse("1678-Q2").previous() == .quarter(1678, 1))
        #expect(try Period.parse("1679").previous() == .year(1678))
        #expect(try Period.parse("2261-12").previous() == .month(2261, 11))
    }
}

@Suite struct LiveProjectionTests {
    @Test func aServiceValidatesEventValuesBeforeFoldingThem() {
        var validator = LifecycleValidator()
        var live = Projection()
        let at = Timestamp.parseRFC3339("2024-02-01T09:00:00+08:00")!
        let close = Event(id: "c1", ticket: "T1", at: at, body: .closed(unit: "市城管局", reply: nil))
        #expect(validator.apply(close) == .lifecycle(ticket: "T1", type: .closed, violation: .neverAccepted))
        let events = [
            Event(id: "a1", ticket: "T1", at: at, body: .accepted(channel: "hotline", category: nil, topic: nil)),
            Event(id: "a2", ticket: "T1", at: at, body: .assigned(unit: "市城管局", due: Timestamp(seconds: at.seconds + 86_400))),
            Event(id: "a3", ticket: "T1", at: Timestamp(seconds: at.seconds + 3600), body: .closed(unit: "市城管局", reply: "已处理")),
        ]
        for event in events {
            #expect(validator.apply(event) == nil)
            live.apply(event)
        }
        #expect(live.counts(unit: "市城管局", period: .month(2024, 2)) == UnitCounts(accepted: 1, due: 1, done: 1, onTime: 1))
    }
}
