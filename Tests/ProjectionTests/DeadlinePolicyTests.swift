import Events
import Foundation
import Testing
@testable import Projections

@Suite struct DeadlinePolicyTests {
    static func t(_ text: String) -> Timestamp { TicketScript.time(text) }
    static func local(_ t: Timestamp) -> String { String(t.rfc3339(offsetSeconds: 28_800).prefix(16)) }

    static let policy = DeadlinePolicy(calendar: .cn, endOfDaySeconds: 18 * 3600, limits: [
        .init(category: "咨询", length: .workdays(1)), .init(topic: "停水", length: .hours(24)),
        .init(channel: "hotline", length: .workdays(5)),
    ])

    static func due(_ assigned: String, _ length: DeadlinePolicy.Length) throws -> String {
        local(try policy.deadline(assigned: t(assigned), length: length, utcOffsetSeconds: 28_800))
    }

    @Test func workingDaysEndAtEndOfDayOfTheNthWorkingDayAfterTheDayOfAssignment() throws {
        #expect(try Self.due("2024-10-14 10:00", .workdays(1)) == "2024-10-15T18:00")  // Monday
        #expect(try Self.due("2024-10-14 17:59", .workdays(1)) == "2024-10-15T18:00")
        #expect(try Self.due("2024-10-14 10:00", .workdays(5)) == "2024-10-21T18:00")
    }

    @Test func anAssignmentAtOrAfterEndOfDayCountsFromTheNextDay() throws {
        #expect(try Self.due("2024-10-14 18:00", .workdays(1)) == "2024-10-16T18:00")
        #expect(try Self.due("2024-10-14 19:00", .workdays(1)) == "2024-10-16T18:00")
        // Friday evening: the next day is a Saturday, so Monday, as for Friday morning.
        #expect(try Self.due("2024-10-18 19:00", .workdays(1)) == "2024-10-21T18:00")
        #expect(try Self.due("2024-10-18 10:00", .workdays(1)) == "2024-10-21T18:00")
    }

    @Test func anAssignmentOnARestDayCountsTheWorkingDaysAfterIt() throws {
        #expect(try Self.due("2024-10-19 10:00", .workdays(1)) == "2024-10-21T18:00")  // Saturday
        #expect(try Self.due("2024-10-03 10:00", .workdays(1)) == "2024-10-08T18:00")  // National Day
        #expect(try Self.due("2024-10-03 10:00", .workdays(5)) == "2024-10-12T18:00")  // the working Saturday
        #expect(try Self.due("2024-09-28 10:00", .workdays(1)) == "2024-09-29T18:00")  // the working Sunday next
    }

    @Test func aLimitInHoursRunsAcrossAWeekend() throws {
        #expect(try Self.due("2024-10-18 20:00", .hours(24)) == "2024-10-19T20:00")
        #expect(try Self.due("2024-10-18 20:00", .hours(60)) == "2024-10-21T08:00")
    }

    @Test func theFirstMatchingLimitApplies() {
        let p = Self.policy
        #expect(p.limit(for: .init(category: "咨询", topic: "停水", channel: "hotline"))?.length == .workdays(1))
        #expect(p.limit(for: .init(category: "投诉", topic: "停水", channel: "mailbox"))?.length == .hours(24))
        #expect(p.limit(for: .init(category: "投诉", topic: nil, channel: nil))?.length == .workdays(5))  // no channel: the hotline
        #expect(p.limit(for: .init(category: "投诉", topic: nil, channel: "mailbox")) == nil)
    }

    @Test func excessWorkdaysCountTheWorkingDaysPastThePolicyDay() throws {
        let p = Self.policy
        #expect(try p.excessWorkdays(due: Self.t("2024-09-30 18:00"), policyDue: Self.t("2024-09-27 18:00"), utcOffsetSeconds: 28_800) == 2)
        #expect(try p.excessWorkdays(due: Self.t("2024-10-07 18:00"), policyDue: Self.t("2024-09-30 18:00"), utcOffsetSeconds: 28_800) == 0)
        #expect(try p.excessWorkdays(due: Self.t("2024-10-15 20:00"), policyDue: Self.t("2024-10-15 18:00"), utcOffsetSeconds: 28_800) == 0)
        #expect(try p.excessWorkdays(due: Self.t("2024-10-14 18:00"), policyDue: Self.t("2024-10-15 18:00"), utcOffsetSeconds: 28_800) == 0)
    }

    @Test func aDayEndingAt24CountsItsExcessFromThatDay() throws {
        // Assigned Monday 2024-10-14 10:00 with one working day: the policy deadline is the end of
        // Tuesday, whether that is 23:59 or 24:00 (Wednesday's 00:00); a platform deadline on
        // Wednesday noon is one working day late either way, the next Monday's four.
        for endOfDay in [23 * 3600 + 59 * 60, 86_400] {
            let p = DeadlinePolicy(calendar: .cn, endOfDaySeconds: endOfDay, limits: [.init(length: .workdays(1))])
            let policyDue = try p.deadline(assigned: Self.t("2024-10-14 10:00"), length: .workdays(1), utcOffsetSeconds: 28_800)
            #expect(try p.excessWorkdays(due: Self.t("2024-10-16 12:00"), policyDue: policyDue, utcOffsetSeconds: 28_800) == 1, "\(endOfDay)")
            #expect(try p.excessWorkdays(due: Self.t("2024-10-21 12:00"), policyDue: policyDue, utcOffsetSeconds: 28_800) == 4, "\(endOfDay)")
            #expect(try p.excessWorkdays(due: Self.t("2024-10-15 23:59"), policyDue: policyDue, utcOffsetSeconds: 28_800) == 0, "\(endOfDay)")
        }
        // Any policy deadline at 00:00 (one of hours too) is the end of the day before, at 24:00.
        let hours = DeadlinePolicy(calendar: .cn, endOfDaySeconds: 86_400, limits: [])
        #expect(try hours.excessWorkdays(due: Self.t("2024-10-16 12:00"), policyDue: Self.t("2024-10-16 00:00"), utcOffsetSeconds: 28_800) == 1)
    }

    @Test func aRuleFileDeadlinesObjectIsReadAndWrittenBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deadline-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "date,kind,holiday\n2024-05-20,off,本地\n".write(to: dir.appendingPathComponent("local.csv"), atomically: true, encoding: .utf8)
        let json = """
        {"name": "d", "deadlines": {"calendar": ["cn", "local.csv"], "endOfDay": "17:30",
          "limits": [{"category": "咨询", "workdays": 1}, {"topic": "停水", "channel": "hotline", "hours": 2}, {"workdays": 5}],
          "apply": true}}
        """
        let rules = try RuleSet.decode(json: Data(json.utf8), source: dir.appendingPathComponent("d.json").path)
        let policy = try #require(rules.deadlines)
        #expect(policy.endOfDaySeconds == 17 * 3600 + 1800 && policy.apply)
        #expect(policy.calendarNames == ["cn", "local.csv"])
        #expect(try !policy.calendar.isWorkingDay(CivilDate(year: 2024, month: 5, day: 20)))
        #expect(policy.limits == [.init(category: "咨询", length: .workdays(1)), .init(topic: "停水", channel: "hotline", length: .hours(2)),
                                  .init(length: .workdays(5))])
        let again = try RuleSet.decode(json: Data(rules.jsonText().utf8), source: dir.appendingPathComponent("again.json").path)
        #expect(again == rules)
        #expect(RuleSet.yueyangHotline.deadlines == nil)
        #expect(!RuleSet.yueyangHotline.jsonText().contains("deadlines"))
    }

    @Test func aBadDeadlinesObjectNamesTheField() {
        func error(_ deadlines: String) -> String {
            do {
                _ = try RuleSet.decode(json: Data("{\"name\": \"d\", \"deadlines\": \(deadlines)}".utf8), source: "d.json")
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(error(#"{"limits": [{"workdays": 1}, {"hours": 0}]}"#).contains("field 'deadlines.limits[1].hours': must be a whole number from 1 to 1000"))
        #expect(error(#"{"limits": [{"workdays": 1.5}]}"#).contains("'deadlines.limits[0].workdays'"))
        #expect(error(#"{"limits": [{"workdays": 1, "hours": 2}]}"#).contains("'deadlines.limits[0]': gives both"))
        #expect(error(#"{"limits": [{"category": "咨询"}]}"#).contains("'deadlines.limits[0]': needs \"workdays\" or \"hours\""))
        #expect(error(#"{"limits": [{"days": 1}]}"#).contains("'deadlines.limits[0].days': unknown field"))
        #expect(error(#"{"limits": [{"workdays": 1, "workdays": 2}]}"#).contains("'deadlines.limits[0].workdays': duplicate key"))
        #expect(error(#"{"limits": []}"#).contains("'deadlines.limits': must list at least one limit"))
        #expect(error(#"{"calendar": "cn"}"#).contains("'deadlines.limits': required"))
        #expect(error(#"{"endOfDay": "25:00", "limits": [{"workdays": 1}]}"#).contains("'deadlines.endOfDay'"))
        #expect(error(#"{"endOfDay": "00:00", "limits": [{"workdays": 1}]}"#).contains("'deadlines.endOfDay'"))
        #expect(error(#"{"calendar": "jp", "limits": [{"workdays": 1}]}"#).contains("'deadlines.calendar': no such calendar file"))
        #expect(error(#"{"apply": "yes", "limits": [{"workdays": 1}]}"#).contains("'deadlines.apply': must be true or false"))
        #expect(error(#"{"limits": [{"workdays": 1}], "extra": 1}"#).contains("'deadlines.extra': unknown field"))
    }
}
