import Foundation
import Testing

/// `replay`, `explain` and `whatif` run as real processes on the shipped samples.
@Suite struct ReportCommandTests {
    static let quyuan = ["samples/quyuan-2023-09.jsonl", "--period", "2023-09", "--units", "samples/quyuan-units.csv"]

    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Terminal columns of a string: East Asian wide characters count two.
    static func columns(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { width, scalar in
            let v = scalar.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
            return width + (wide ? 2 : 1)
        }
    }

    @Test func replayPrintsTheBulletinTableAligned() throws {
        let result = try LedgerCLI.run(["replay"] + Self.quyuan)
        #expect(result.status == 0)
        let lines = result.lines
        let header = try #require(lines.first { $0.hasPrefix("部门名称") })
        #expect(header.contains("受理案件数") && header.contains("回访不满意率") && header.hasSuffix("等级评价"))
        let total = try #require(lines.first { $0.hasPrefix("合计（31）") })
        #expect(total.contains("95.8") && total.contains("17.47%"))
        // Every row ends its score column at the same terminal column as the header's.
        let scoreEnd = Self.columns(String(header[..<header.range(of: "综合指标值")!.upperBound]))
        for line in lines where line.hasPrefix("屈原") || line.hasPrefix("合计") {
            let withoutGrade = String(line[..<line.lastIndex(of: " ")!])
            let trimmed = withoutGrade.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            #expect(Self.columns(trimmed) == scoreEnd, "\(line)")
        }
    }

    @Test func replayJSONHasEveryRequiredKeyWithExactNumbers() throws {
        let result = try LedgerCLI.run(["replay"] + Self.quyuan + ["--format", "json"])
        #expect(result.status == 0)
        let object = try Self.json(result.stdout)
        #expect(object["period"] as? String == "2023-09")
        #expect(object["rules"] as? String == "yueyang-hotline")
        let units = try #require(object["units"] as? [[String: Any]])
        #expect(units.count == 31)
        let keys = ["unit", "group", "accepted", "due", "done", "onTime", "rework", "returns", "callbacks", "unsatisfied",
                    "doneRate", "onTimeRate", "reworkRate", "unsatisfiedRate", "score", "grade"]
        for unit in units { #expect(keys.allSatisfy { unit[$0] != nil }, "\(unit)") }
        // Decimals are written as JSON numbers with their digits, not strings or floats.
        #expect(result.stdout.contains("\"unsatisfiedRate\": 20.83"))
        #expect(result.stdout.contains("\"score\": 95.1"))
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["due"] as? Int == 171)
        #expect((total["score"] as? NSNumber)?.doubleValue == 95.8)
    }

    @Test func replayCSVAndMarkdownFormats() throws {
        let csv = try LedgerCLI.run(["replay"] + Self.quyuan + ["--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.stdout.hasPrefix("unit,group,accepted,due,done,onTime"))
        #expect(csv.stdout.contains("屈原人社局,,26,26,26,26,0,1,0,24,19,5,0,100.00,100.00,3.85,20.83,79.17,95.1,A"))
        let markdown = try LedgerCLI.run(["replay"] + Self.quyuan + ["--format", "markdown", "--lang", "en"])
        #expect(markdown.stdout.contains("| Unit"))
        #expect(markdown.stdout.contains("| Total (31)"))
    }

    @Test func unitsMissingFromTheRosterAreListedWithAWarning() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let roster = try String(contentsOfFile: LedgerCLI.packageRoot.path + "/samples/quyuan-units.csv", encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("屈原人社局") }.joined(separator: "\n")
        let path = try folder.write("units.csv", Array(roster.utf8))
        let result = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--units", path, "--format", "json"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("warning: 1 unit in the log but not in the roster: 屈原人社局"))
        #expect(try (Self.json(result.stdout)["units"] as? [Any])?.count == 31)
    }

    @Test func asOfChangesTheTable() throws {
        let early = try LedgerCLI.run(["replay"] + Self.quyuan + ["--format", "json", "--as-of", "2023-10-01T00:00:00+08:00"])
        let late = try LedgerCLI.run(["replay"] + Self.quyuan + ["--format", "json", "--as-of=2023-10-12T00:00:00+08:00"])
        #expect(early.status == 0 && late.status == 0)
        let a = try #require(Self.json(early.stdout)["total"] as? [String: Any])
        let b = try #require(Self.json(late.stdout)["total"] as? [String: Any])
        #expect(a["unsatisfied"] as? Int != b["unsatisfied"] as? Int)
        #expect(b["unsatisfied"] as? Int == 29)
    }

    /// `--as-of now`: the period so far. A ticket still open whose deadline is ahead is not due
    /// yet; one whose deadline has passed is overdue. Without `--as-of` both count as overdue.
    @Test func asOfNowLeavesOutDeadlinesNotYetCome() throws {
        let now = Date()
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        func time(_ days: Double) -> String { formatter.string(from: now.addingTimeInterval(days * 86_400)) }
        func day(_ days: Double) -> String { String(time(days).prefix(10)) }
        let lines = [
            #"{"id":"1","ticket":"A","type":"accepted","at":"\#(time(-3))"}"#,
            #"{"id":"2","ticket":"A","type":"assigned","at":"\#(time(-3))","unit":"市住建局","due":"\#(time(-1))"}"#,
            #"{"id":"3","ticket":"B","type":"accepted","at":"\#(time(-2))"}"#,
            #"{"id":"4","ticket":"B","type":"assigned","at":"\#(time(-2))","unit":"市住建局","due":"\#(time(5))"}"#,
        ]
        let dir = NSTemporaryDirectory() + "ledger-asof-now-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/log.jsonl", atomically: true, encoding: .utf8)
        let period = "\(day(-10))..\(day(10))"
        let all = try LedgerCLI.run(["replay", dir + "/log.jsonl", "-p", period, "--format", "json"])
        let soFar = try LedgerCLI.run(["replay", dir + "/log.jsonl", "-p", period, "--format", "json", "--as-of", "now"])
        #expect(all.status == 0 && soFar.status == 0, "\(all.stderr)\(soFar.stderr)")
        let a = try #require(Self.json(all.stdout)["total"] as? [String: Any])
        let b = try #require(Self.json(soFar.stdout)["total"] as? [String: Any])
        #expect(a["due"] as? Int == 2 && a["overdue"] as? Int == 2)
        #expect(b["due"] as? Int == 1 && b["overdue"] as? Int == 1)
        // The report names the instant (to the nanosecond; the seconds are enough here).
        let asOf = try #require(Self.json(soFar.stdout)["asOf"] as? String)
        let printed = try #require(formatter.date(from: String(asOf.prefix(19)) + "+08:00"), "\(asOf)")
        #expect(abs(printed.timeIntervalSince(now)) < 120)
        let explained = try LedgerCLI.run(["explain", dir + "/log.jsonl", "-p", period, "--unit", "市住建局", "--as-of", "now"])
        #expect(explained.stdout.contains("open, not due yet") && explained.stdout.contains("open, overdue"), "\(explained.stdout)")
        // Lines appended just before count: `now` is not cut to the second (their `recorded`
        // stamps, within the same second, would be after that).
        let append = try LedgerCLI.run(["append", dir + "/log.jsonl"], input:
            #"{"id":"5","ticket":"C","type":"accepted","at":"\#(time(-2))"}"# + "\n"
            + #"{"id":"6","ticket":"C","type":"assigned","at":"\#(time(-2))","unit":"市住建局","due":"\#(time(-1))"}"# + "\n")
        #expect(append.status == 0, "\(append.stderr)")
        let appended = try LedgerCLI.run(["replay", dir + "/log.jsonl", "-p", period, "--format", "json", "--as-of", "now"])
        let withC = try #require(Self.json(appended.stdout)["total"] as? [String: Any])
        #expect(withC["due"] as? Int == 2 && withC["overdue"] as? Int == 2, "\(withC)")
        // Every line was known before now: a checkpoint as of one `now` serves the next (a second
        // later), silently.
        for run in 1...2 {
            if run == 2 { usleep(1_100_000) }
            let resumed = try LedgerCLI.run(["replay", dir + "/log.jsonl", "-p", period, "--format", "json", "--as-of", "now",
                                             "--checkpoint", dir + "/checkpoint"])
            #expect(resumed.status == 0 && resumed.stderr.isEmpty, "run \(run): \(resumed.stderr)")
            let total = try #require(Self.json(resumed.stdout)["total"] as? [String: Any])
            #expect(total["due"] as? Int == 2 && total["overdue"] as? Int == 2)
        }
    }

    @Test func replayUsageAndInputErrors() throws {
        let noPeriod = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl"])
        #expect(noPeriod.status == 64)
        #expect(noPeriod.stderr.contains("--period"))
        let badPeriod = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "--period", "2023-13"])
        #expect(badPeriod.status == 64)
        #expect(badPeriod.stderr.contains("invalid period \"2023-13\""))
        let badFormat = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--format", "xml"])
        #expect(badFormat.status == 64)
        // Empty values were taken silently: no channel's table, no checkpoint kept.
        let emptyChannel = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--channel", ""])
        #expect(emptyChannel.status == 64 && emptyChannel.stderr.contains("invalid --channel ''"))
        let emptyCheckpoint = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--checkpoint", ""])
        #expect(emptyCheckpoint.status == 64 && emptyCheckpoint.stderr.contains("invalid --checkpoint ''"))
        // An option given twice with two values ran the report for the last one without a word.
        let twice = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-08", "--period=2023-09"])
        #expect(twice.status == 64 && twice.stdout.isEmpty)
        #expect(twice.stderr.contains("'--period' was given twice, as '2023-08' and as '2023-09'; give it once."), "\(twice.stderr)")
        let same = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--period", "2023-09", "--format", "csv"])
        let once = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--format", "csv"])
        #expect(same.status == 0 && same.stdout == once.stdout && !once.stdout.isEmpty)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let rules = try folder.write("rules.json", Array(#"{"name": "x", "weights": {"rework": "heavy"}}"#.utf8))
        let badRules = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--rules", rules])
        #expect(badRules.status == 1)
        #expect(badRules.stderr.contains("field 'weights.rework': must be a number"))
        let badLog = try LedgerCLI.run(["replay", "samples/bad-events.jsonl", "-p", "2024-02"])
        #expect(badLog.status == 1)
        #expect(badLog.stderr.contains("samples/bad-events.jsonl:"))
        #expect(badLog.stdout.isEmpty)
        let help = try LedgerCLI.run(["help", "replay"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("OVERVIEW:") && help.stdout.contains("USAGE:") && help.stdout.contains("OPTIONS:"))
    }

    @Test func explainJSONListsAddUpToTheReplayRow() throws {
        let result = try LedgerCLI.run(["explain", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--unit", "营田镇", "--format", "json"])
        #expect(result.status == 0)
        let object = try Self.json(result.stdout)
        let stats = try #require(object["statistics"] as? [String: Any])
        for key in ["accepted", "due", "done", "onTime", "overdue", "rework", "returns", "callbacks", "unsatisfied"] {
            let list = try #require(object[key] as? [String], "\(key)")
            #expect(list.count == stats[key] as? Int, "\(key)")
        }
        #expect(object["unit"] as? String == "营田镇")
        #expect((object["rework"] as? [String])?.count == 2)
        let table = try LedgerCLI.run(["explain", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "-u", "营田镇"])
        #expect(table.stdout.contains("score 92.0 · grade A"))
        let missing = try LedgerCLI.run(["explain", "samples/quyuan-2023-09.jsonl", "-p", "2023-09"])
        #expect(missing.status == 64)
    }

    @Test func whatIfComparesRuleSets() throws {
        let same = try LedgerCLI.run(["whatif"] + Self.quyuan + ["--alt", "yueyang-hotline", "--format", "json"])
        #expect(same.status == 0)
        let object = try Self.json(same.stdout)
        #expect(object["changedUnits"] as? Int == 0)
        #expect((object["units"] as? [Any])?.count == 31)
        #expect((object["moves"] as? [String: Any])?.isEmpty == true)

        let heavy = try LedgerCLI.run(["whatif"] + Self.quyuan + ["--alt", "samples/rules/rework-heavy.json", "--format", "json"])
        let moves = try #require(Self.json(heavy.stdout)["moves"] as? [String: Int])
        #expect(moves == ["C→B": 2, "A→B": 1])

        let two = try LedgerCLI.run(["whatif"] + Self.quyuan + ["--alt", "samples/rules/rework-heavy.json",
                                                                "--alt", "samples/rules/closure-attribution.json", "--format", "json"])
        let array = try #require(JSONSerialization.jsonObject(with: Data(two.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { $0["alt"] as? String } == ["rework-heavy", "closure-attribution"])

        let table = try LedgerCLI.run(["whatif"] + Self.quyuan + ["--alt", "samples/rules/rework-heavy.json"])
        #expect(table.stdout.contains("grade moves: C→B: 2, A→B: 1"))
        let noAlt = try LedgerCLI.run(["whatif"] + Self.quyuan)
        #expect(noAlt.status == 64)
    }

    /// Issue 9: a log whose tickets are on other channels replayed to an empty table, exit 0, with
    /// no word why; a log whose `accepted` events carry no channel did too (it is the hotline now).
    @Test func anEmptyTableNamesTheOtherChannelsAndTheFix() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        func ticket(_ n: Int, _ channel: String?) -> String {
            let field = channel.map { #","channel":"\#($0)""# } ?? ""
            return #"{"id":"a\#(n)","ticket":"T\#(n)","type":"accepted","at":"2024-02-0\#(n)T09:00:00+08:00"\#(field)}"# + "\n"
                + #"{"id":"b\#(n)","ticket":"T\#(n)","type":"assigned","at":"2024-02-0\#(n)T09:10:00+08:00","unit":"市城管局","due":"2024-02-0\#(n + 5)T18:00:00+08:00"}"# + "\n"
        }
        let other = try folder.write("other.jsonl", Array((ticket(1, "mailbox") + ticket(2, "web") + ticket(3, "web")).utf8))
        let tail = "was counted on channel 'hotline' in 2024-02, but the period has 3 assignments"
        let replay = try LedgerCLI.run(["replay", other, "-p", "2024-02"])
        #expect(replay.status == 0)
        #expect(replay.stderr == "warning: nothing \(tail) on other channels (web: 2, mailbox: 1); add --channel all to count every channel\n")
        let all = try LedgerCLI.run(["replay", other, "-p", "2024-02", "--channel", "all"])
        #expect(all.stderr.isEmpty)
        #expect(all.stdout.contains("市城管局"))
        let explain = try LedgerCLI.run(["explain", other, "-p", "2024-02", "--unit", "市城管局"])
        #expect(explain.stderr == "warning: nothing of 市城管局 \(tail) of 市城管局 on other channels (web: 2, mailbox: 1); "
                + "add --channel all to count every channel\n")
        let whatif = try LedgerCLI.run(["whatif", other, "-p", "2024-02", "--alt", "samples/rules/rework-heavy.json"])
        #expect(whatif.stderr == "warning: rule set yueyang-hotline: nothing \(tail) on other channels (web: 2, mailbox: 1); "
                + "add --channel all to count every channel\n")
        let bulletin = try LedgerCLI.run(["bulletin", other, "-p", "2024-02", "--mailbox-rules", "none"])
        #expect(bulletin.stderr == "warning: nothing \(tail) on other channels (web: 2, mailbox: 1); the rule set yueyang-hotline "
                + #"counts channel 'hotline' only: give --rules a rule file with "channel": null to count every channel"# + "\n")

        // No channel at all: the hotline, counted by the default rule set.
        let bare = try folder.write("bare.jsonl", Array((ticket(1, nil) + ticket(2, nil)).utf8))
        let counted = try LedgerCLI.run(["replay", bare, "-p", "2024-02", "--format", "csv"])
        #expect(counted.status == 0)
        #expect(counted.stderr.isEmpty)
        #expect(counted.stdout.contains("市城管局,,2,2,0,0,2,"))
    }
}

/// A checkpoint made under one line limit is not resumed under another: its prefix may hold a
/// line the new limit refuses, which a full replay reports.
@Test func aCheckpointIsNotResumedUnderAnotherLineLimit() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let reply = String(repeating: "x", count: 3_000)
    try folder.write("log.jsonl", """
    {"id":"m1","ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}
    {"id":"m2","ticket":"T1","type":"assigned","at":"2024-02-01T10:00:00+08:00","unit":"U1","due":"2024-02-10T18:00:00+08:00"}
    {"id":"m3","ticket":"T1","type":"closed","at":"2024-02-05T10:00:00+08:00","unit":"U1","reply":"\(reply)"}

    """)
    let base = ["replay", "log.jsonl", "-p", "2024-02", "--format", "csv"]
    #expect(try LedgerCLI.run(base + ["--checkpoint", "ck"], in: folder.path).status == 0)
    let full = try LedgerCLI.run(base + ["--max-line-bytes", "1000"], in: folder.path)
    #expect(full.status == 1 && full.stderr.contains("line 3 is longer than 1,000 bytes"), "\(full.stderr)")
    let resumed = try LedgerCLI.run(base + ["--checkpoint", "ck", "--max-line-bytes", "1000"], in: folder.path)
    #expect(resumed.status == 1 && resumed.stdout.isEmpty, "\(resumed.stdout)")
    #expect(resumed.stderr.contains("made with other options (rules, time zone, channel, --as-of or --max-line-bytes)"), "\(resumed.stderr)")
    #expect(resumed.stderr.contains("line 3 is longer than 1,000 bytes"))
    // The default limit's checkpoint is resumed as before.
    let again = try LedgerCLI.run(base + ["--checkpoint", "ck"], in: folder.path)
    #expect(again.status == 0 && again.stderr.isEmpty, "\(again.stderr)")
}

/// A report as of a time whose events known then depend on events recorded later says so, naming
/// the lines; a log recorded in its own order is not read again and gets no warning.
@Test func anAsOfViewThatBreaksTheLifeCycleIsNamed() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    // The closure (line 3) was recorded after the time asked for; the callback on it (line 4) was not.
    // Ticket T2's acceptance (line 5) was recorded late too, its assignment (line 6) was not.
    try folder.write("late.jsonl", """
    {"id":"d1","ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}
    {"id":"d2","ticket":"T1","type":"assigned","at":"2024-02-01T10:00:00+08:00","unit":"U1","due":"2024-02-10T18:00:00+08:00"}
    {"id":"d3","ticket":"T1","type":"closed","at":"2024-02-05T10:00:00+08:00","recorded":"2024-03-20T10:00:00+08:00","unit":"U1"}
    {"id":"d4","ticket":"T1","type":"callback-rated","at":"2024-02-06T10:00:00+08:00","unit":"U1","rating":"unsatisfied"}
    {"id":"e1","ticket":"T2","type":"accepted","at":"2024-02-07T09:00:00+08:00","recorded":"2024-03-21T10:00:00+08:00"}
    {"id":"e2","ticket":"T2","type":"assigned","at":"2024-02-07T10:00:00+08:00","unit":"U1","due":"2024-02-10T18:00:00+08:00"}

    """)
    let asOf = ["-p", "2024-02", "--as-of", "2024-03-01T00:00:00+08:00"]
    for command in [["replay", "late.jsonl"], ["explain", "late.jsonl", "--unit", "U1"], ["bulletin", "late.jsonl"],
                    ["whatif", "late.jsonl", "--alt", "yueyang-mailbox", "--channel", "all"]] {
        let result = try LedgerCLI.run(command + asOf, in: folder.path)
        #expect(result.status == 0 && !result.stdout.isEmpty, "\(command): \(result.stderr)")
        #expect(result.stderr.contains("warning: as of 2024-03-01T00:00:00+08:00, 2 events known then depend on events recorded later "
                                       + "and break the ticket life cycle; the report counts them as known then:\n"
                                       + "  late.jsonl:4: ticket T1 callback rated for U1, which never closed it\n"
                                       + "  late.jsonl:6: ticket T2 "), "\(command): \(result.stderr)")
    }
    // Once everything is known, or in a log recorded in order, no warning.
    let later = try LedgerCLI.run(["replay", "late.jsonl", "-p", "2024-02", "--as-of", "2024-03-22T00:00:00+08:00"], in: folder.path)
    #expect(later.status == 0 && later.stderr.isEmpty, "\(later.stderr)")
    let sample = try LedgerCLI.run(["replay", "samples/yueyang-2024-02.jsonl", "-p", "2024-02", "--as-of", "2024-02-15T00:00:00+08:00"])
    #expect(sample.status == 0 && sample.stderr.isEmpty, "\(sample.stderr)")
}

/// A callback line copied into the log a second time (by a tool other than append) is refused by
/// every report, with or without a checkpoint made before the copy came; it is not counted twice.
@Test func aLineCopiedIntoTheLogIsRefusedNotCountedTwice() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let callback = eventLine("a4", "T1", "callback-rated", "05 10:00", #""unit":"市城管局","rating":"unsatisfied""#)
    let lines = assignedTicket + [eventLine("a3", "T1", "closed", "03 10:00", #""unit":"市城管局""#), callback,
                                  eventLine("b1", "T2", "accepted", "05 11:00")]
    try folder.write("log.jsonl", jsonl(lines))
    let base = ["replay", "log.jsonl", "-p", "2024-02", "--format", "csv"]
    let once = try LedgerCLI.run(base + ["--checkpoint", "ck"], in: folder.path)
    #expect(once.status == 0 && once.stdout.contains("市城管局,,1,1,1,1,0,"), "\(once.stdout)")
    try folder.write("log.jsonl", jsonl(lines + [callback]))
    let message = #"log.jsonl:6: ticket T1 callback-rated again with the id "a4" and the time of the ticket's first line at that time: a copy of that line"#
    for arguments in [base, base + ["--checkpoint", "ck"], ["explain", "log.jsonl", "-p", "2024-02", "--unit", "市城管局"]] {
        let copied = try LedgerCLI.run(arguments, in: folder.path)
        #expect(copied.status == 1 && copied.stdout.isEmpty, "\(arguments): \(copied.stdout)")
        #expect(copied.stderr.contains(message), "\(arguments): \(copied.stderr)")
        #expect(copied.stderr.contains("has invalid lines; run 'ledger-cli verify log.jsonl'"), "\(copied.stderr)")
        // The checkpoint was taken up: the copy was checked against the state it saved.
        #expect(!copied.stderr.contains("checkpoint"), "\(copied.stderr)")
    }
    let verify = try LedgerCLI.run(["verify", "log.jsonl"], in: folder.path)
    #expect(verify.status == 1 && verify.stdout.contains(#"log.jsonl:6: duplicate event id "a4" (first used on line 4)"#), "\(verify.stdout)")
}

/// A checkpoint resumes a log it can look at again: for standard input `--checkpoint` is set
/// aside with a warning that says so (it said "not saved: cannot open the log"), the table the same.
@Test func aCheckpointForStandardInputIsIgnoredSayingWhy() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let log = try String(contentsOf: LedgerCLI.packageRoot.appendingPathComponent("samples/quyuan-2023-09.jsonl"), encoding: .utf8)
    let piped = try LedgerCLI.run(["replay", "-", "-p", "2023-09", "--checkpoint", dir.file("ck")], input: log)
    let plain = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09"])
    #expect(piped.status == 0 && piped.stdout == plain.stdout)
    #expect(piped.stderr == "warning: --checkpoint is ignored for a log read from standard input; give the log's file\n")
    #expect(!FileManager.default.fileExists(atPath: dir.file("ck")))
}
