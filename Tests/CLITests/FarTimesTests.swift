import Foundation
import Testing

/// Times centuries apart (deadlines at the ends of the supported years, which a log may carry)
/// are computed without overflowing 64 bits of nanoseconds: reports, not traps.
@Suite struct FarTimesTests {
    let dir: TemporaryFolder

    init() throws { dir = try TemporaryFolder() }

    private func events(_ lines: [String]) -> String { lines.joined(separator: "\n") + "\n" }

    private func ticket(due: String, extendedTo: String?, closed: String) -> String {
        var lines = [
            #"{"id":"A1","ticket":"T1","type":"accepted","at":"2024-10-14T09:00:00+08:00","channel":"hotline","category":"c","topic":"t"}"#,
            #"{"id":"A2","ticket":"T1","type":"assigned","at":"2024-10-14T10:00:00+08:00","unit":"U","due":"\#(due)"}"#,
        ]
        if let extendedTo {
            lines.append(#"{"id":"A3","ticket":"T1","type":"extended","at":"2024-10-15T10:00:00+08:00","unit":"U","due":"\#(extendedTo)","reason":"r"}"#)
        }
        lines.append(#"{"id":"A4","ticket":"T1","type":"closed","at":"\#(closed)","unit":"U","reply":"x"}"#)
        return events(lines)
    }

    /// An extension from 1678 to 2261 moves the policy deadline by 583 years, past what 64 bits
    /// of nanoseconds hold: the substituted deadline lies after October 2024, as an ordinary
    /// extension into November puts it, and after December 2261, where the log's own deadline is.
    @Test func whatIfMovesAPolicyDeadlineByCenturies() throws {
        defer { dir.remove() }
        try dir.write("far.jsonl", ticket(due: "1678-01-02T00:00:00+08:00", extendedTo: "2261-12-30T00:00:00+08:00", closed: "2024-10-16T12:00:00+08:00"))
        try dir.write("near.jsonl", ticket(due: "2024-10-14T12:00:00+08:00", extendedTo: "2024-11-20T12:00:00+08:00", closed: "2024-10-16T12:00:00+08:00"))
        let rules = PackageFiles.path("samples/rules/deadlines-3-workdays.json")
        let far = try LedgerCLI.run(["whatif", "far.jsonl", "-p", "2024-10", "--alt", rules, "--format", "json"], in: dir.path)
        let near = try LedgerCLI.run(["whatif", "near.jsonl", "-p", "2024-10", "--alt", rules, "--format", "json"], in: dir.path)
        #expect(far.status == 0, "\(far.stderr)")
        #expect(near.status == 0, "\(near.stderr)")
        #expect(!far.stdout.isEmpty && far.stdout == near.stdout)
        #expect(far.stdout.contains(#""baseDue": 0, "altDue": 0"#), "\(far.stdout)")
        let december = try LedgerCLI.run(["whatif", "far.jsonl", "-p", "2261-12", "--alt", rules, "--format", "json"], in: dir.path)
        #expect(december.status == 0, "\(december.stderr)")
        #expect(december.stdout.contains(#""baseDue": 1, "altDue": 0"#), "\(december.stdout)")
    }

    /// A closure 324 years after its deadline: explain says how late, in days and in seconds.
    @Test func explainSaysHowLateAcrossCenturies() throws {
        defer { dir.remove() }
        try dir.write("log.jsonl", ticket(due: "1700-01-02T00:00:00+08:00", extendedTo: nil, closed: "2024-10-20T10:00:00.5+08:00"))
        let text = try LedgerCLI.run(["explain", "log.jsonl", "-p", "1700-01", "--unit", "U"], in: dir.path)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("118630d 10h"), "\(text.stdout)")
        let json = try LedgerCLI.run(["explain", "log.jsonl", "-p", "1700-01", "--unit", "U", "--format", "json"], in: dir.path)
        #expect(json.status == 0, "\(json.stderr)")
        // 118,630 days and 10 hours, and half a second not counted.
        #expect(json.stdout.contains("\"lateSeconds\": \(118_630 * 86_400 + 36_000)"), "\(json.stdout)")
    }

    /// A calendar listing a day after 2261 is refused naming its line, instead of deadlines
    /// being computed past the times a timestamp holds.
    @Test func aCalendarPastTheSupportedYearsIsRefused() throws {
        defer { dir.remove() }
        try dir.write("cal.csv", "date,kind,holiday\n2261-01-01,off,a\n2262-12-01,off,b\n")
        try dir.write("far.json", #"{"name":"far","deadlines":{"calendar":"cal.csv","limits":[{"workdays":100}]}}"#)
        try dir.write("log.jsonl", events([
            #"{"id":"A1","ticket":"T1","type":"accepted","at":"2261-12-30T09:00:00+08:00","channel":"hotline","category":"c","topic":"t"}"#,
            #"{"id":"A2","ticket":"T1","type":"assigned","at":"2261-12-30T10:00:00+08:00","unit":"U","due":"2261-12-31T00:00:00+08:00"}"#,
        ]))
        for arguments in [["deadlines", "log.jsonl", "-p", "2261-12", "--rules", "far.json"],
                          ["whatif", "log.jsonl", "-p", "2261-12", "--alt", "far.json"]] {
            let result = try LedgerCLI.run(arguments, in: dir.path)
            #expect(result.status == 1, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("cal.csv:3: 2262-12-01 is outside the supported years 1678–2261"), "\(arguments[0]): \(result.stderr)")
        }
        // Within the years, the deadline that runs past the calendar is an error naming the year.
        try dir.write("cal.csv", "date,kind,holiday\n2261-01-01,off,a\n")
        let result = try LedgerCLI.run(["deadlines", "log.jsonl", "-p", "2261-12", "--rules", "far.json"], in: dir.path)
        #expect(result.status == 1 && result.stderr.contains("it has no data for 2262"), "\(result.stderr)")
    }
}
