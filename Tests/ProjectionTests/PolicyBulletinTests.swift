import Events
import Foundation
import Testing
@testable import Projections

/// Issue 14 on constructed logs: overdue excuses, the extension and return policy, every
/// channel with its sources, the platform's rating words, and when a bulletin compares.
@Suite struct PolicyBulletinTests {
    static let policyRules: RuleSet = {
        var rules = RuleSet.yueyangHotline
        rules.policy = .common
        return rules
    }()

    /// Writes the events as a log and builds the February 2024 bulletin from it.
    static func bulletin(_ script: TicketScript, extra: [Event] = [], rules: RuleSet = policyRules,
                         configure: (inout BulletinRequest) -> Void = { _ in }) throws -> Bulletin {
        try bulletin(script.validated() + extra, rules: rules, configure: configure)
    }

    static func bulletin(_ events: [Event], rules: RuleSet = policyRules,
                         configure: (inout BulletinRequest) -> Void = { _ in }) throws -> Bulletin {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(events.map { $0.jsonLine() + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path))
        var request = BulletinRequest(period: .month(2024, 2), rules: rules, mailboxRules: nil)
        configure(&request)
        let (bulletin, summary) = try LogReplay(path: path).bulletin(request)
        #expect(summary.problems.isEmpty)
        return bulletin
    }

    @Test func anOverdueTicketAfterACentreReturnIsNotDockedOneWithoutIs() throws {
        var s = TicketScript()
        // T1: closed, returned by the centre for rework with a new deadline, closed late.
        s.accept("T1", "2024-02-01 09:00")
        s.assign("T1", "甲局", "2024-02-01 10:00", due: "2024-02-05 18:00")
        s.close("T1", "甲局", "2024-02-04 10:00")
        s.rework("T1", "甲局", "2024-02-06 10:00", due: "2024-02-08 18:00")
        s.close("T1", "甲局", "2024-02-10 10:00")
        // T2: simply closed late; T3 on time.
        s.simple("T2", "甲局", assigned: "2024-02-01 11:00", due: "2024-02-05 18:00", closed: "2024-02-07 10:00")
        s.simple("T3", "甲局", assigned: "2024-02-01 12:00", due: "2024-02-05 18:00", closed: "2024-02-03 10:00")
        // T4: closed late first, then returned by the centre and closed again: it went overdue
        // before the return, which excuses nothing.
        s.accept("T4", "2024-02-01 09:00")
        s.assign("T4", "甲局", "2024-02-01 10:00", due: "2024-02-05 18:00")
        s.close("T4", "甲局", "2024-02-09 10:00")
        s.rework("T4", "甲局", "2024-02-12 10:00", due: "2024-02-14 18:00")
        s.close("T4", "甲局", "2024-02-16 10:00")
        let bulletin = try Self.bulletin(s)
        #expect(bulletin.hotline.report.rows.first?.counts.overdue == 3)
        let overdue = bulletin.deductions.filter { if case .overdue = $0.source { true } else { false } }
        #expect(overdue.count == 1)
        #expect(overdue.first?.tickets == ["T2", "T4"])
        #expect(overdue.first?.excusedTickets == ["T1"])
        #expect(overdue.first?.points == Rational(-1, 1))
        // Without the excuse both are docked.
        var strict = Self.policyRules
        strict.adjustments.overdueExcuses = []
        let docked = try Self.bulletin(s, rules: strict).deductions.compactMap { entry -> [String]? in
            if case .overdue = entry.source { entry.tickets } else { nil }
        }
        #expect(docked == [["T2", "T1", "T4"]], "by deadline")
    }

    @Test func twoExtensionsOfOneAssignmentAreARepeatedExtension() throws {
        var s = TicketScript()
        s.accept("T1", "2024-02-01 09:00")
        s.assign("T1", "甲局", "2024-02-01 10:00", due: "2024-02-05 18:00")
        s.extend("T1", "甲局", "2024-02-04 10:00", due: "2024-02-10 18:00")
        s.extend("T1", "甲局", "2024-02-09 10:00", due: "2024-02-15 18:00")
        s.close("T1", "甲局", "2024-02-14 10:00")
        // T2: one extension, in time: no violation.
        s.accept("T2", "2024-02-01 09:00")
        s.assign("T2", "乙局", "2024-02-01 10:00", due: "2024-02-05 18:00")
        s.extend("T2", "乙局", "2024-02-04 10:00", due: "2024-02-10 18:00")
        let violations = try Self.bulletin(s).policyViolations
        #expect(violations.map { "\($0.ticket) \($0.unit) \($0.kind.rawValue) \($0.count)" } == ["T1 甲局 repeated-extension 2"])
    }

    @Test func anExtensionAfterTheDeadlineIsLate() throws {
        var s = TicketScript()
        s.accept("T1", "2024-02-01 09:00")
        s.assign("T1", "甲局", "2024-02-01 10:00", due: "2024-02-05 18:00")
        s.extend("T1", "甲局", "2024-02-06 09:00", due: "2024-02-12 18:00")
        let bulletin = try Self.bulletin(s)
        #expect(bulletin.policyViolations.map { "\($0.ticket) \($0.unit) \($0.kind.rawValue)" } == ["T1 甲局 late-extension"])
        // Not a violation when the rule set allows it.
        var lenient = Self.policyRules
        lenient.policy?.extendBeforeDeadline = false
        #expect(try Self.bulletin(s, rules: lenient).policyViolations.isEmpty)
        // No policy, no section.
        #expect(try Self.bulletin(s, rules: .yueyangHotline).policyViolations.isEmpty)
    }

    @Test func aTicketDeclinedByTwoUnitsIsARepeatedReturn() throws {
        var s = TicketScript()
        s.accept("T1", "2024-02-01 09:00")
        s.assign("T1", "甲局", "2024-02-01 10:00", due: "2024-02-05 18:00")
        s.decline("T1", "甲局", "2024-02-01 15:00")
        s.assign("T1", "乙局", "2024-02-02 10:00", due: "2024-02-06 18:00")
        s.decline("T1", "乙局", "2024-02-02 15:00")
        s.assign("T1", "丙局", "2024-02-03 10:00", due: "2024-02-07 18:00")
        s.close("T1", "丙局", "2024-02-05 10:00")
        let violations = try Self.bulletin(s).policyViolations
        #expect(violations.count == 1)
        #expect(violations.first.map { "\($0.ticket) \($0.unit) \($0.kind.rawValue) \($0.count) \($0.units)" }
                == "T1 乙局 repeated-return 2 [\"甲局\", \"乙局\"]")
    }

    @Test func policyAndExcusesInARuleFileAreReadCheckedAndWrittenBack() throws {
        let json = #"{"name": "p", "policy": {"maxExtensions": 1, "extendBeforeDeadline": true, "maxUnitReturns": 2}, "adjustments": {"overdueExcuses": ["centre-return"]}}"#
        let rules = try RuleSet.decode(json: Data(json.utf8), source: "p.json")
        #expect(rules.policy == RuleSet.Policy(maxExtensions: 1, extendBeforeDeadline: true, maxUnitReturns: 2))
        #expect(rules.adjustments.overdueExcuses == [.centreReturn])
        #expect(try RuleSet.decode(json: Data(rules.jsonText().utf8), source: "again") == rules)
        let none = try RuleSet.decode(json: Data(#"{"name": "q", "adjustments": {"overdueExcuses": []}}"#.utf8), source: "q.json")
        #expect(none.adjustments.overdueExcuses.isEmpty)
        #expect(try RuleSet.decode(json: Data(none.jsonText().utf8), source: "again") == none)
        for (bad, field) in [(#"{"name": "x", "policy": {"maxExtensions": -1}}"#, "policy.maxExtensions"),
                             (#"{"name": "x", "policy": {"extendBeforeDeadline": 1}}"#, "policy.extendBeforeDeadline"),
                             (#"{"name": "x", "policy": {"maxReturns": 1}}"#, "policy.maxReturns"),
                             (#"{"name": "x", "adjustments": {"overdueExcuses": ["rain"]}}"#, "adjustments.overdueExcuses[0]")] {
            #expect(throws: RuleSetError.self) { try RuleSet.decode(json: Data(bad.utf8), source: "bad.json") }
            do { _ = try RuleSet.decode(json: Data(bad.utf8), source: "bad.json") } catch { #expect(error.field == field) }
        }
    }

    /// A `channel: proposal` ticket gets a section of its own (it used to disappear), with its
    /// sources counted and the platform's rating words kept.
    @Test func everyChannelGetsASectionWithSourcesAndRatingWords() throws {
        var s = TicketScript()
        s.simple("H1", "甲局", assigned: "2024-02-01 10:00", due: "2024-02-05 18:00", closed: "2024-02-03 10:00")
        s.accept("P1", "2024-02-01 09:00", channel: "proposal")
        s.assign("P1", "乙局", "2024-02-01 10:00", due: "2024-02-10 18:00")
        s.close("P1", "乙局", "2024-02-03 10:00")
        s.accept("P2", "2024-02-01 09:30", channel: "proposal")
        s.assign("P2", "乙局", "2024-02-01 10:30", due: "2024-02-10 18:00")
        s.close("P2", "乙局", "2024-02-03 11:00")
        var events = s.validated()
        // The source on `accepted` and the platform's word on `callback-rated` are fields the
        // decoder does not know: the log keeps them as written, the bulletin reads them.
        for i in events.indices where events[i].ticket == "P1" && events[i].kind == .accepted {
            events[i].extraFields = [try .init(key: "source", rawValue: #""政协委员微建议""#)]
        }
        func rated(_ ticket: String, _ rating: Rating, _ text: String?) throws -> Event {
            Event(id: "r-\(ticket)", ticket: ticket, at: TicketScript.time("2024-02-06 10:00"),
                  body: .callbackRated(unit: "乙局", rating: rating),
                  extraFields: try text.map { [try .init(key: "ratingText", rawValue: "\"\($0)\"")] } ?? [])
        }
        let bulletin = try Self.bulletin(events + [try rated("P1", .satisfied, "非常满意"), try rated("P2", .unsatisfied, nil)])
        #expect(bulletin.channels.map(\.channel) == ["proposal"])
        let proposal = try #require(bulletin.channels.first)
        #expect(proposal.report.rows.map { "\($0.unit) \($0.counts.due)" } == ["乙局 2"])
        #expect(proposal.sources.map { "\($0.source ?? "-") \($0.tickets) \($0.satisfied)/\($0.rated)" } == ["政协委员微建议 1 1/1", "- 1 0/1"])
        #expect(proposal.ratingTexts == ["乙局": ["非常满意": 1]])
        #expect(bulletin.hotline.report.rows.map(\.unit) == ["甲局"])
        // A found channel computes no deductions of its own.
        #expect(bulletin.deductions.allSatisfy { $0.unit != "乙局" })
        // Left out on request.
        let only = try Self.bulletin(events) { $0.everyChannel = false }
        #expect(only.channels.isEmpty)
        // Configured: title, roster and rule set of its own.
        let configured = try Self.bulletin(events) {
            $0.channels = [.init(channel: "proposal", rules: .yueyangMailbox, roster: Roster(entries: [.init(unit: "乙局"), .init(unit: "丁局")]),
                                 title: "政协微建议")]
        }
        #expect(configured.channels.map { "\($0.title ?? "") \($0.report.rules.name) \($0.report.rows.count)" } == ["政协微建议 yueyang-mailbox 2"])
    }

    /// Compared only when the log's earliest event is before the previous period's first day.
    @Test func theBulletinComparesOnlyWhenThePreviousPeriodIsCovered() throws {
        var s = TicketScript()
        s.simple("T1", "甲局", assigned: "2024-01-01 10:00", due: "2024-01-05 18:00", closed: "2024-01-03 10:00")
        s.simple("T2", "甲局", assigned: "2024-02-01 10:00", due: "2024-02-05 18:00", closed: "2024-02-03 10:00")
        let partial = try Self.bulletin(s)
        #expect(partial.comparison == .notCovered(logStart: TicketScript.time("2024-01-01 10:00")))
        #expect(partial.hotline.previous == nil)
        #expect(try Self.bulletin(s) { $0.compare = .always }.hotline.previous?.total.counts.due == 1)
        var earlier = TicketScript()
        earlier.simple("T0", "甲局", assigned: "2023-12-31 10:00", due: "2024-01-05 18:00", closed: "2024-01-03 10:00")
        earlier.events += s.events.map { e in var e = e; e.id = "x" + e.id; return e }
        let covered = try Self.bulletin(earlier)
        #expect(covered.comparison == .compared)
        #expect(covered.hotline.previous?.total.counts.due == 2)
        #expect(try Self.bulletin(earlier) { $0.compare = .never }.hotline.previous == nil)
    }

    @Test func rowsFollowTheRequestedOrder() throws {
        var s = TicketScript()
        s.simple("T1", "甲局", assigned: "2024-02-01 10:00", due: "2024-02-05 18:00", closed: "2024-02-07 10:00")
        s.simple("T2", "乙局", assigned: "2024-02-01 10:00", due: "2024-02-05 18:00", closed: "2024-02-03 10:00")
        s.simple("T3", "乙局", assigned: "2024-02-01 11:00", due: "2024-02-05 18:00", closed: "2024-02-03 10:00")
        let roster = Roster(entries: [.init(unit: "丙局"), .init(unit: "甲局"), .init(unit: "乙局")])
        func order(_ o: BulletinRequest.RowOrder) throws -> [String] {
            let b = try Self.bulletin(s) { $0.roster = roster; $0.order = o }
            return b.hotline.ordered(b.hotline.report.rows).map(\.unit)
        }
        #expect(try order(.score) == ["乙局", "甲局", "丙局"])
        #expect(try order(.volume) == ["乙局", "甲局", "丙局"])
        #expect(try order(.roster) == ["丙局", "甲局", "乙局"])
    }
}
