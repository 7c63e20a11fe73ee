import Foundation
import Testing

/// `deadlines` and `whatif` with policy deadlines, run as real processes on the shipped samples.
@Suite struct DeadlinesCommandTests {
    static let quyuan = ["samples/quyuan-2023-09.jsonl", "--period", "2023-09"]
    static let threeDays = ["--rules", "samples/rules/deadlines-3-workdays.json"]

    @Test func deadlinesHelpExplainsWorkingDays() throws {
        for arguments in [["deadlines", "--help"], ["help", "deadlines"]] {
            let result = try LedgerCLI.run(arguments)
            #expect(result.status == 0)
            #expect(result.stdout.contains("OVERVIEW:") && result.stdout.contains("USAGE: ledger-cli deadlines"))
            #expect(result.stdout.contains("--rules <file>") && result.stdout.contains("endOfDay"))
        }
        #expect(try LedgerCLI.run(["--help"]).stdout.contains("deadlines"))
    }

    @Test func deadlinesUsageErrorsExit64() throws {
        let noRules = try LedgerCLI.run(["deadlines"] + Self.quyuan)
        #expect(noRules.status == 64 && noRules.stderr.contains("missing required option '--rules <file>'"))
        let noDeadlines = try LedgerCLI.run(["deadlines"] + Self.quyuan + ["--rules", "yueyang-hotline"])
        #expect(noDeadlines.status == 64 && noDeadlines.stderr.contains("has no \"deadlines\" object"))
        let noPeriod = try LedgerCLI.run(["deadlines", "samples/quyuan-2023-09.jsonl"] + Self.threeDays)
        #expect(noPeriod.status == 64 && noPeriod.stderr.contains("--period"))
        let badFormat = try LedgerCLI.run(["deadlines"] + Self.quyuan + Self.threeDays + ["--format", "csv"])
        #expect(badFormat.status == 64 && badFormat.stderr.contains("expected table or json"))
    }

    @Test func deadlinesTableShowsUnitsThenTickets() throws {
        let result = try LedgerCLI.run(["deadlines"] + Self.quyuan + Self.threeDays + ["--units", "samples/quyuan-units.csv"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.lines
        #expect(lines[0] == "2023-09 · deadlines of deadlines-3-workdays · calendar cn, working day ends 18:00 (+08:00)")
        let unitHeader = try #require(lines.firstIndex { $0.hasPrefix("unit ") })
        let ticketHeader = try #require(lines.firstIndex { $0.hasPrefix("ticket ") })
        #expect(unitHeader < ticketHeader)
        #expect(lines.contains("72 of 174 assignments exceed the policy."))
        // Every roster unit is listed, the ones with no assignment too.
        #expect(lines.contains { $0.hasPrefix("屈原残联") })
        #expect(lines.contains { $0.hasPrefix("营田镇") && $0.hasSuffix("16         12               24    5") })
    }

    @Test func deadlinesJSONHasTheIssuesShape() throws {
        let result = try LedgerCLI.run(["deadlines"] + Self.quyuan + Self.threeDays + ["--format", "json"])
        #expect(result.status == 0)
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["period"] as? String == "2023-09")
        #expect(object["rules"] as? String == "deadlines-3-workdays")
        #expect(object["assignments"] as? Int == 174)
        let exceeding = try #require(object["exceeding"] as? [[String: Any]])
        #expect(exceeding.count == 72)
        let first = try #require(exceeding.first)
        #expect(Set(first.keys).isSuperset(of: ["ticket", "unit", "assigned", "due", "policyDue", "excessWorkdays"]))
        #expect(first["ticket"] as? String == "QY2309-0002" && first["policyDue"] as? String == "2023-09-06T18:00:00+08:00")
        #expect(first["excessWorkdays"] as? Int == 1)
    }

    @Test func aDeadlineLateWithinTheMinuteShowsItsSeconds() throws {
        let scratch = try TemporaryFolder()
        defer { scratch.remove() }
        // Assigned on Monday 2024-10-14 before 18:00: three working days end Thursday 18:00.
        let log = try scratch.write("seconds.jsonl", Array("""
        {"id":"a1","ticket":"S1","type":"accepted","at":"2024-10-14T09:00:00+08:00","channel":"hotline"}
        {"id":"a2","ticket":"S1","type":"assigned","at":"2024-10-14T10:00:00+08:00","unit":"市城管局","due":"2024-10-17T18:00:01+08:00"}
        {"id":"b1","ticket":"S2","type":"accepted","at":"2024-10-14T09:00:00+08:00","channel":"hotline"}
        {"id":"b2","ticket":"S2","type":"assigned","at":"2024-10-14T10:00:00+08:00","unit":"市城管局","due":"2024-10-17T18:00:00.25+08:00"}
        {"id":"c1","ticket":"S3","type":"accepted","at":"2024-10-14T09:00:00+08:00","channel":"hotline"}
        {"id":"c2","ticket":"S3","type":"assigned","at":"2024-10-14T10:00:00+08:00","unit":"市城管局","due":"2024-10-18T09:30:00+08:00"}

        """.utf8))
        let result = try LedgerCLI.run(["deadlines", log, "-p", "2024-10"] + Self.threeDays)
        #expect(result.status == 0, "\(result.stderr)")
        // The due and policy due cells of a ticket's row (cells are two spaces or more apart).
        func cells(_ ticket: String) -> [String] {
            let line = result.lines.first { $0.hasPrefix(ticket + " ") } ?? ""
            let parts = line.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count >= 5 ? [parts[3], parts[4]] : parts
        }
        #expect(cells("S1") == ["2024-10-17 18:00:01", "2024-10-17 18:00:00"], "\(result.stdout)")
        #expect(cells("S2") == ["2024-10-17 18:00:00.25", "2024-10-17 18:00:00"], "\(result.stdout)")
        // A difference the minute shows keeps the minute.
        #expect(cells("S3") == ["2024-10-18 09:30", "2024-10-17 18:00"], "\(result.stdout)")
        #expect(result.lines.contains("3 of 3 assignments exceed the policy."))
    }

    @Test func aDeadlinePastTheCalendarFailsNamingTheYear() throws {
        let scratch = try TemporaryFolder()
        defer { scratch.remove() }
        let log = try scratch.write("late.jsonl", Array("""
        {"id":"a1","ticket":"Z1","type":"accepted","at":"2026-12-30T09:00:00+08:00","channel":"hotline"}
        {"id":"a2","ticket":"Z1","type":"assigned","at":"2026-12-30T10:00:00+08:00","unit":"市城管局","due":"2027-01-08T18:00:00+08:00"}

        """.utf8))
        let result = try LedgerCLI.run(["deadlines", log, "-p", "2026-12"] + Self.threeDays)
        #expect(result.status == 1)
        #expect(result.stderr.contains(":2: ticket Z1:") && result.stderr.contains("no data for 2027"), "\(result.stderr)")
    }

    @Test func whatIfWithAThreeWorkingDayLimitMovesOnTimeRatesAndGrades() throws {
        let result = try LedgerCLI.run(["whatif"] + Self.quyuan + ["--units", "samples/quyuan-units.csv", "--alt",
                                                                   "samples/rules/deadlines-3-workdays.json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("base yueyang-hotline vs alt deadlines-3-workdays"))
        #expect(result.lines.last == "15 of 31 units change; grade moves: A→B: 3, C→E: 1")
        #expect(result.lines.contains { $0.hasPrefix("营田镇") && $0.contains("92.0") && $0.contains("85.3  B *") && $0.hasSuffix("due 15→17, done 15→17, onTime 15→13") })
        let json = try LedgerCLI.run(["whatif"] + Self.quyuan + ["--alt", "samples/rules/deadlines-3-workdays.json", "--format", "json"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["alt"] as? String == "deadlines-3-workdays")
        #expect((object["moves"] as? [String: Int])?["A→B"] == 3)
    }

    @Test func replayWarnsThatItKeepsTheLogsDeadlines() throws {
        let result = try LedgerCLI.run(["replay"] + Self.quyuan + Self.threeDays)
        #expect(result.status == 0)
        #expect(result.stderr.contains("is honoured by whatif only"))
    }
}
