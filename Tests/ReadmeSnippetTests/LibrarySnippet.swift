import Events
import Projections
import Reports
import Foundation
import Testing

// The README's "The library" snippet, verbatim between the markers (its placeholders filled:
// `throw …` throws SnippetFailure; event, event1, event2, now and rules are the parameters).
// `readmeSnippetIsVerbatim` checks that README.md still says exactly this.

struct SnippetFailure: Error { var problems: [LogProblem] }

/// Runs the snippet in the current directory, which must hold events.jsonl, units.csv and rules.json.
func readmeLibrarySnippet(event: Event, event1: Event, event2: Event, now: Timestamp, rules: RuleSet) throws {
    // BEGIN README

    // Replay a log file into a month's table.
    var projections = [Projection(options: ProjectionOptions(rules: .yueyangHotline))]
    let summary = try LogReplay(path: "events.jsonl").run(into: &projections)
    guard summary.problems.isEmpty else { throw SnippetFailure(problems: summary.problems) }   // LogProblem: "events.jsonl:6: …" via formatted(file:)
    let report = projections[0].report(period: .month(2024, 2), rules: .yueyangHotline,
                                       roster: try Roster.load(path: "units.csv"))
    for row in report.rows { print(row.unit, row.counts.due, row.scorecard.score, row.scorecard.grade) }

    // The same table as `ledger-cli replay` prints it: .table, .json, .csv or .markdown.
    let json = ReportRenderer(report: report).render(.json)

    // The whole bulletin, as `ledger-cli bulletin` writes it: .markdown or .html.
    let (bulletin, _) = try LogReplay(path: "events.jsonl").bulletin(BulletinRequest(period: .month(2024, 2)))
    let html = BulletinRenderer(bulletin: bulletin).render(.html)

    // Keep a projection current as events arrive, and read it at any moment.
    var validator = LifecycleValidator()
    var live = Projection(options: ProjectionOptions(rules: .yueyangHotline))
    if let problem = validator.apply(event) {      // the same rules verify and append enforce
        print(problem.message)                     // "ticket T2 closed but it was never accepted"
    } else {
        live.apply(event)                          // O(1); no replay
    }
    let feb = live.counts(unit: "市城管局", period: try Period.parse("2024-02"))
    let table = live.report(period: .month(2024, 2), rules: .yueyangHotline)

    // The deadline a time-limit policy sets, to write in an `assigned` event (working days of the
    // official calendar; throws CalendarError for a year the calendar does not cover).
    let policy = try RuleSet.load("rules.json").deadlines!
    let due = try policy.deadline(for: .init(category: "咨询"), assigned: now, utcOffsetSeconds: 28_800)
    // The audit of a period's assignments, and a what-if replay with the policy's deadlines.
    let (audit, _) = try LogReplay(path: "events.jsonl").deadlineAudit(period: .month(2024, 10), rules: rules)
    var alt = [Projection(options: ProjectionOptions(rules: rules))]
    _ = try LogReplay(path: "events.jsonl").run(into: &alt, substituting: [DeadlineSubstitution(policy: policy, utcOffsetSeconds: 28_800)])

    // Append a batch atomically (all or nothing, locked, fsynced).
    let result = try LogAppender(path: "events.jsonl").append([event1, event2])
    // END README
    _ = (json, html, feb, table, due, audit, result)
}
