import Foundation
import Testing
@testable import Events
@testable import Projections
import Reports

/// A table as of an instant inside its period counts only the deadlines that have come by then:
/// an open ticket whose deadline is later is not due yet, so it is neither done nor overdue, and
/// no list or deduction names it. Closed tickets count as before, and without an as-of instant
/// (or with one after the period) nothing changes.
@Suite struct AsOfDeadlinesTests {
    static let unit = "城陵矶新港区"

    /// Five tickets of one unit in February 2024, each assigned on the 1st:
    /// - T1, due 02-05, still open: overdue on the 10th.
    /// - T2, due 02-20, closed on time on 02-17: not due yet on the 10th.
    /// - T3, due 02-20, closed early on 02-08: due, done and on time on the 10th.
    /// - T4, due 02-20, closed late on 02-25: not due yet on the 10th, late at the end.
    /// - T5, due exactly at the as-of instant, still open: overdue then.
    static let lines: [String] = {
        func accepted(_ t: String) -> String {
            #"{"id":"\#(t)a","ticket":"\#(t)","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#
        }
        func assigned(_ t: String, due: String) -> String {
            #"{"id":"\#(t)b","ticket":"\#(t)","type":"assigned","at":"2024-02-01T10:00:00+08:00","unit":"\#(unit)","due":"\#(due)"}"#
        }
        func closed(_ t: String, at: String) -> String {
            #"{"id":"\#(t)c","ticket":"\#(t)","type":"closed","at":"\#(at)","unit":"\#(unit)"}"#
        }
        return [
            accepted("T1"), assigned("T1", due: "2024-02-05T18:00:00+08:00"),
            accepted("T2"), assigned("T2", due: "2024-02-20T18:00:00+08:00"),
            accepted("T3"), assigned("T3", due: "2024-02-20T18:00:00+08:00"),
            accepted("T4"), assigned("T4", due: "2024-02-20T18:00:00+08:00"),
            accepted("T5"), assigned("T5", due: "2024-02-10T12:00:00+08:00"),
            closed("T3", at: "2024-02-08T11:00:00+08:00"),
            closed("T2", at: "2024-02-17T11:00:00+08:00"),
            closed("T4", at: "2024-02-25T11:00:00+08:00"),
        ]
    }()

    static let midPeriod = Timestamp.parseRFC3339("2024-02-10T12:00:00+08:00")!
    static let afterPeriod = Timestamp.parseRFC3339("2024-03-05T00:00:00+08:00")!

    static func writeLog() throws -> String {
        let path = NSTemporaryDirectory() + "ledger-asof-deadlines-\(UUID().uuidString).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The unit's counts, folded by the block fold, the line-by-line replay and the event fold.
    static func counts(_ path: String, asOf: Timestamp?) throws -> [UnitCounts] {
        let options = ProjectionOptions(rules: .yueyangHotline, asOf: asOf)
        var blocks = [Projection(options: options)]
        var replay = LogReplay(path: path)
        replay.parallelism = 2
        _ = try replay.run(into: &blocks)
        var lines = [Projection(options: options)]
        replay.parallelism = 1
        _ = try replay.run(into: &lines)
        var events = Projection(options: options)
        var decoder = EventDecoder()
        _ = try LogReplay(path: path).forEachValidEvent { _, line, _ in events.apply(try! decoder.decodeEvent(line)) }
        return [blocks[0], lines[0], events].map { $0.counts(unit: unit, period: .month(2024, 2)) }
    }

    @Test func anOpenTicketIsNotDueBeforeItsDeadline() throws {
        let path = try Self.writeLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        for counts in try Self.counts(path, asOf: Self.midPeriod) {
            // T1 and T5 (deadlines come, open) and T3 (closed early); not T2 and T4.
            #expect(counts.due == 3)
            #expect(counts.done == 1)
            #expect(counts.onTime == 1)
            #expect(counts.overdue == 2)
            #expect(counts.accepted == 5)
        }
        // After the period, and without an instant, every deadline has come.
        for asOf in [Self.afterPeriod, nil] {
            for counts in try Self.counts(path, asOf: asOf) {
                #expect(counts.due == 5 && counts.done == 3 && counts.onTime == 2 && counts.overdue == 3)
            }
        }
    }

    @Test func explainAndTheBulletinNameOnlyTicketsPastTheirDeadline() throws {
        let options = ProjectionOptions(rules: .yueyangHotline, asOf: Self.midPeriod)
        var explainer = Explainer(unit: Self.unit, period: .month(2024, 2), rules: .yueyangHotline, options: options)
        var bulletin = BulletinFold(options: options)
        var decoder = EventDecoder()
        for (i, line) in Self.lines.enumerated() {
            let event = try Array(line.utf8).withUnsafeBytes { bytes throws(EventProblem) in try decoder.decodeEvent(bytes) }
            explainer.apply(event, lineNumber: i + 1)
            bulletin.apply(event)
        }
        let e = explainer.finish()
        #expect(e.due == ["T1", "T3", "T5"])
        #expect(e.overdue == ["T1", "T5"])
        let pending = e.tickets.filter(\.isPending).map(\.ticket).sorted()
        #expect(pending == ["T2", "T4"])
        let text = ExplanationRenderer(explanation: e, asOf: Self.midPeriod).text()
        #expect(text.components(separatedBy: "open, not due yet").count - 1 == 2)
        #expect(text.components(separatedBy: "open, overdue").count - 1 == 2)
        // Both JSON forms (what `explain --format json` prints, and `Encodable`) mark them.
        let printed = ExplanationRenderer(explanation: e, asOf: Self.midPeriod).render(.json)
        #expect(printed.components(separatedBy: "\"pending\": true").count - 1 == 2)
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(e)) as? [String: Any]
        let flagged = (encoded?["tickets"] as? [[String: Any]] ?? []).filter { $0["pending"] as? Bool == true }
        #expect(flagged.compactMap { $0["ticket"] as? String }.sorted() == ["T2", "T4"])

        let overdue = bulletin.overdueTickets(period: .month(2024, 2))[Self.unit]?.map(\.ticket)
        #expect(overdue == ["T1", "T5"])
        let byAssignment = bulletin.overdueTickets(period: .month(2024, 2), byAssignment: true)[Self.unit]?.map(\.ticket)
        #expect(byAssignment == ["T1", "T5"])
        let counts = try #require(bulletin.counts(period: .month(2024, 2))[Self.unit])
        #expect(counts.assigned == 5 && counts.onTimeDone == 1 && counts.pending == 2 && counts.overdue == 2)
    }
}
