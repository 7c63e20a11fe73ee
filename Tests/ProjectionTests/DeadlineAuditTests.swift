import Events
import Foundation
import Testing
@testable import Projections

/// The audit and the what-if on constructed logs with known answers.
@Suite struct DeadlineAuditTests {
    static func t(_ text: String) -> Timestamp { TicketScript.time(text) }

    /// Events of a constructed log, written as JSON Lines.
    struct Log {
        var events: [Event] = []
        mutating func add(_ ticket: String, _ at: String, _ body: Event.Body) {
            events.append(Event(id: "e\(events.count + 1)", ticket: ticket, at: DeadlineAuditTests.t(at), body: body))
        }
        mutating func accept(_ ticket: String, _ at: String, category: String? = nil, topic: String? = nil, channel: String? = "hotline") {
            add(ticket, at, .accepted(channel: channel, category: category, topic: topic))
        }
        mutating func assign(_ ticket: String, _ unit: String, _ at: String, due: String) {
            add(ticket, at, .assigned(unit: unit, due: DeadlineAuditTests.t(due)))
        }
        func write() throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("deadlines-\(UUID().uuidString).jsonl").path
            try events.map { $0.jsonLine() + "\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func rules(_ limits: [DeadlinePolicy.Limit], apply: Bool = false, channel: String? = nil) -> RuleSet {
        var rules = RuleSet.yueyangHotline
        rules.name = "test-deadlines"
        rules.channel = channel
        rules.deadlines = DeadlinePolicy(calendar: .cn, endOfDaySeconds: 18 * 3600, limits: limits, apply: apply)
        return rules
    }

    @Test func theAuditFindsDeadlinesLaterThanThePolicyWithTheirExcessInWorkingDays() throws {
        var log = Log()
        log.accept("A", "2024-10-11 09:00", category: "咨询")
        log.assign("A", "市城管局", "2024-10-11 10:00", due: "2024-10-14 18:00")     // policy: Saturday 10-12 (调休), 1 over
        log.accept("B", "2024-10-08 08:00", category: "投诉", channel: nil)
        log.assign("B", "市城管局", "2024-10-08 09:00", due: "2024-10-14 18:00")     // policy: 10-14 18:00 exactly
        log.accept("C", "2024-10-18 18:30", category: "投诉")
        log.assign("C", "市水务局", "2024-10-18 19:00", due: "2024-10-30 18:00")     // after 18:00: from Saturday, 10-25; 3 over
        log.accept("D", "2024-10-19 15:00", topic: "停水")
        log.assign("D", "市水务局", "2024-10-19 16:00", due: "2024-10-21 18:00")     // 4 hours: Saturday 20:00; 1 over
        log.accept("E", "2024-10-20 10:00", category: "建议", channel: "mailbox")
        log.assign("E", "市城管局", "2024-10-21 10:00", due: "2024-11-30 18:00")     // no limit for the mailbox
        log.accept("F", "2024-09-30 09:00", category: "咨询")
        log.assign("F", "市城管局", "2024-09-30 10:00", due: "2024-10-30 18:00")     // assigned in September
        let rules = Self.rules([.init(category: "咨询", length: .workdays(1)), .init(topic: "停水", length: .hours(4)),
                                .init(channel: "hotline", length: .workdays(5))])
        let path = try log.write()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (audit, summary) = try LogReplay(path: path).deadlineAudit(period: .month(2024, 10), rules: rules)
        #expect(summary.problems.isEmpty)
        #expect(audit.assignments == 5)
        #expect(audit.withoutLimit == 1)
        #expect(audit.exceeding.map(\.ticket) == ["A", "C", "D"])
        #expect(audit.exceeding.map(\.excessWorkdays) == [1, 3, 1])
        #expect(audit.exceeding.map { String($0.policyDue.rfc3339().prefix(16)) } == ["2024-10-12T18:00", "2024-10-25T18:00", "2024-10-19T20:00"])
        #expect(audit.units() == [
            .init(unit: "市水务局", assignments: 2, exceeding: 2, excessWorkdays: 4, maxExcessWorkdays: 3),
            .init(unit: "市城管局", assignments: 3, exceeding: 1, excessWorkdays: 1, maxExcessWorkdays: 1),
        ])
        // The same answers from events in memory.
        var inMemory = try DeadlineAudit(period: .month(2024, 10), rules: rules)
        for event in log.events { try inMemory.apply(event) }
        #expect(inMemory.exceeding == audit.exceeding)
        // The rule set's channel filter applies as in the table.
        let (hotlineOnly, _) = try LogReplay(path: path).deadlineAudit(period: .month(2024, 10), rules: Self.rules(rules.deadlines!.limits, channel: "hotline"))
        #expect(hotlineOnly.assignments == 4 && hotlineOnly.withoutLimit == 0)
    }

    @Test func anAuditReachingPastTheCalendarNamesTheYearAndTheLine() throws {
        var log = Log()
        log.accept("Z", "2026-12-30 09:00")
        log.assign("Z", "市城管局", "2026-12-30 10:00", due: "2027-01-05 18:00")
        let path = try log.write()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try LogReplay(path: path).deadlineAudit(period: .month(2026, 12), rules: Self.rules([.init(length: .workdays(5))])) }
            throws: { error in
                let text = "\(error)"
                return text.contains(":2: ticket Z:") && text.contains("no data for 2027")
            }
        #expect(throws: DeadlineAuditError.noDeadlines(rules: "yueyang-hotline")) {
            try DeadlineAudit(period: .month(2026, 12), rules: .yueyangHotline)
        }
    }

    /// P, Q, R, S due in October under both; T's policy deadline moves it from November into October.
    static func whatIfLog() -> Log {
        var log = Log()
        let unit = "市城管局"
        for ticket in ["P", "Q", "R", "S", "T"] { log.accept(ticket, "2024-10-14 09:00") }
        log.assign("P", unit, "2024-10-14 10:00", due: "2024-10-18 18:00")
        log.add("P", "2024-10-15 12:00", .closed(unit: unit, reply: nil))                 // on time under both
        log.assign("Q", unit, "2024-10-14 10:00", due: "2024-10-18 18:00")
        log.add("Q", "2024-10-17 10:00", .closed(unit: unit, reply: nil))                 // late under 1 working day
        log.assign("R", unit, "2024-10-14 10:00", due: "2024-10-16 18:00")
        log.add("R", "2024-10-15 09:00", .extended(unit: unit, due: t("2024-10-18 18:00"), reason: nil))  // +2 days: policy 10-17 18:00
        log.add("R", "2024-10-17 12:00", .closed(unit: unit, reply: nil))
        log.assign("S", unit, "2024-10-21 10:00", due: "2024-10-25 18:00")
        log.add("S", "2024-10-22 09:00", .closed(unit: unit, reply: nil))
        log.add("S", "2024-10-23 10:00", .returned(unit: unit, by: .center, reason: nil, due: nil))  // restarts: 10-24 18:00
        log.add("S", "2024-10-24 17:00", .closed(unit: unit, reply: nil))
        log.assign("T", unit, "2024-10-30 10:00", due: "2024-11-05 18:00")                // policy 10-31 18:00
        log.add("T", "2024-10-31 09:00", .closed(unit: unit, reply: nil))
        return log
    }

    @Test func theWhatIfRecomputesEveryDeadlineBeforeTheFoldCountsIt() throws {
        let log = Self.whatIfLog()
        let path = try log.write()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let alt = Self.rules([.init(length: .workdays(1))], apply: true, channel: "hotline")
        var projections = [Projection(options: ProjectionOptions(rules: .yueyangHotline)), Projection(options: ProjectionOptions(rules: alt))]
        let summary = try LogReplay(path: path).run(into: &projections, substituting: [nil, DeadlineSubstitution(policy: alt.deadlines!, utcOffsetSeconds: 28_800)])
        #expect(summary.problems.isEmpty)
        let october = Period.month(2024, 10)
        let base = projections[0].counts(unit: "市城管局", period: october)
        let policy = projections[1].counts(unit: "市城管局", period: october)
        #expect((base.due, base.done, base.onTime, base.rework) == (4, 4, 4, 1))
        #expect((policy.due, policy.done, policy.onTime, policy.rework) == (5, 5, 4, 1))
        let comparison = RuleComparison(base: projections[0].report(period: october, rules: .yueyangHotline),
                                        alt: projections[1].report(period: october, rules: alt))
        #expect(comparison.units[0].base.scorecard.score.description == "95.0")
        #expect(comparison.units[0].alt.scorecard.score.description == "90.0")

        // The same counts as the ordinary fold of the log with the deadlines written in by hand.
        var byHand = Projection(options: ProjectionOptions(rules: alt))
        let policyDues: [String: String] = ["e6": "2024-10-15 18:00", "e8": "2024-10-15 18:00", "e10": "2024-10-15 18:00",
                                            "e11": "2024-10-17 18:00", "e13": "2024-10-22 18:00", "e15": "2024-10-24 18:00",
                                            "e17": "2024-10-31 18:00"]
        for var event in log.events {
            if let due = policyDues[event.id].map(Self.t) {
                switch event.body {
                case .assigned(let unit, _): event.body = .assigned(unit: unit, due: due)
                case .extended(let unit, _, let reason): event.body = .extended(unit: unit, due: due, reason: reason)
                case .returned(let unit, let by, let reason, _): event.body = .returned(unit: unit, by: by, reason: reason, due: due)
                default: Issue.record("no deadline on \(event.id)")
                }
            }
            byHand.apply(event)
        }
        #expect(byHand.counts(unit: "市城管局", period: october) == policy)
        #expect(byHand.counts(unit: "市城管局", period: .month(2024, 11)) == projections[1].counts(unit: "市城管局", period: .month(2024, 11)))
    }

    @Test func theSubstitutionOfEventValuesGivesThePolicyDeadlinesAndKeepsTheRest() throws {
        let log = Self.whatIfLog()
        let alt = Self.rules([.init(length: .workdays(1))], apply: true, channel: "hotline")
        var substitution = DeadlineSubstitution(policy: alt.deadlines!, utcOffsetSeconds: 28_800)
        let policyDues: [String: String] = ["e6": "2024-10-15 18:00", "e8": "2024-10-15 18:00", "e10": "2024-10-15 18:00",
                                            "e11": "2024-10-17 18:00", "e13": "2024-10-22 18:00", "e15": "2024-10-24 18:00",
                                            "e17": "2024-10-31 18:00"]
        var substituted = 0
        for event in log.events {
            let own: Timestamp? = switch event.body {
            case .assigned(_, let due), .extended(_, let due, _): due
            case .returned(_, _, _, let due): due
            default: nil
            }
            let due = try substitution.due(for: event)
            if let expected = policyDues[event.id] {
                #expect(due == Self.t(expected), "\(event.id)")
                substituted += 1
            } else {
                #expect(due == own, "\(event.id)")
            }
        }
        #expect(substituted == policyDues.count)
    }
}
