import Foundation
import Testing

/// Names come from the log, the roster and rule files. A control character in one (an escape
/// sequence, a bell, a line break) must neither reach a terminal as it is nor forge a line of
/// a report: messages and text reports write them as escapes.
@Test func controlCharactersFromTheLogAreWrittenAsEscapes() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let unit = #"甲\n| x | 1 |\u001b[31mRED\u009b2J"#
    let log = try dir.write("log.jsonl", """
        {"id":"1","ticket":"T1","type":"accepted","at":"2024-06-01T09:00:00+08:00","channel":"hotline"}
        {"id":"2","ticket":"T1","type":"assigned","at":"2024-06-01T09:10:00+08:00","unit":"\(unit)","due":"2024-06-03T09:10:00+08:00"}

        """)
    let broken = try dir.write("broken.jsonl", """
        {"id":"3","ticket":"T\\u001b]0;pwned\\u0007","type":"closed","at":"2024-06-01T09:00:00+08:00","unit":"U"}
        {"id":"4","ticket":"T4","type":"bogus\\u0007","at":"2024-06-01T09:00:00+08:00"}
        {"id":"5","ticket":"T5\\nbroken.jsonl:9: forged","type":"closed","at":"2024-06-01T09:00:00+08:00","unit":"U"}

        """)
    func hasRawControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
    }
    let verify = try LedgerCLI.run(["verify", broken])
    #expect(verify.status == 1)
    #expect(!hasRawControl(verify.stdout + verify.stderr), "\(verify.stdout)")
    let lines = verify.stdout.split(separator: "\n")
    #expect(lines.contains { $0.hasSuffix(#"broken.jsonl:1: ticket T\u001B]0;pwned\u0007 closed but it was never accepted"#) })
    #expect(lines.contains { $0.contains(#"unknown event type "bogus\u0007""#) })
    #expect(lines.contains { $0.hasSuffix(#"broken.jsonl:3: ticket T5\nbroken.jsonl:9: forged closed but it was never accepted"#) })
    #expect(!lines.contains { $0.hasPrefix("broken.jsonl:9") })
    for format in ["table", "markdown", "csv"] {
        let replay = try LedgerCLI.run(["replay", log, "-p", "2024-06", "--format", format])
        #expect(!hasRawControl(replay.stdout.replacingOccurrences(of: "\r\n", with: "\n")), "\(format): \(replay.stdout)")
        #expect(replay.stdout.contains(#"\u001B[31mRED\u009B2J"#), "\(format)")
    }
    // JSON escapes them its own way: the name is exact.
    let json = try LedgerCLI.run(["replay", log, "-p", "2024-06", "--format", "json"])
    #expect(json.stdout.contains(#"\u001b[31mRED"#) || json.stdout.contains(#"\u001B[31mRED"#), "\(json.stdout)")
    let explain = try LedgerCLI.run(["explain", log, "-p", "2024-06", "--unit", "甲\n| x | 1 |\u{1B}[31mRED\u{9B}2J"])
    #expect(explain.status == 0 && !hasRawControl(explain.stdout))
    #expect(explain.stdout.hasPrefix(#"甲\n| x | 1 |\u001B[31mRED\u009B2J · 2024-06"#), "\(explain.stdout)")
    let bulletin = try LedgerCLI.run(["bulletin", log, "-p", "2024-06", "--format", "html"])
    #expect(!hasRawControl(bulletin.stdout), "\(bulletin.stdout.prefix(300))")
}

@Test func aRuleFileNameOrGradeWithAControlCharacterIsRefused() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let rules = try PackageFiles.text("samples/rules/yueyang-hotline.json")
    for (field, from, to) in [("grades[0].grade", #""grade": "A""#, #""grade": "A\u001b[2J""#),
                              ("name", #""name": "yueyang-hotline""#, #""name": "yueyang\nhotline""#)] {
        #expect(rules.contains(from), "\(from)")
        let file = try dir.write("rules.json", rules.replacingOccurrences(of: from, with: to))
        let result = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--rules", file])
        #expect(result.status == 1 && result.stderr.contains("field '\(field)': must not hold control characters"), "\(result.stderr)")
    }
}

@Test func aRosterThatCannotBeReadNamesNoLine() throws {
    let result = try LedgerCLI.run(["replay", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--units", "no-such-roster.csv"])
    #expect(result.status == 1)
    #expect(result.stderr == "Error: no-such-roster.csv: cannot read the file: cannot open: No such file or directory\n", "\(result.stderr)")
}

/// Warnings and an import's row problems quote names and cells: their control characters are
/// written as escapes too.
@Test func warningsAndImportProblemsWriteControlCharactersAsEscapes() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let explain = try LedgerCLI.run(["explain", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--unit", "无此单位\u{1B}[2J"])
    #expect(explain.stderr.contains(#"warning: unit 无此单位\u001B[2J has no events in 2023-09"#), "\(explain.stderr)")
    #expect(!explain.stderr.unicodeScalars.contains("\u{1B}"))
    let root = LedgerCLI.packageRoot.path
    var export = try String(contentsOfFile: root + "/samples/exports/quyuan-2023-09-actions.csv", encoding: .utf8)
    export += "BAD-1,2023/9/30 10:00:00,受理\u{1B}]0;x\u{7},,,,12345热线,市场管理,x,,,\r\n"
    let csv = try dir.write("export.csv", export)
    let result = try LedgerCLI.run(["import", csv, "--map", root + "/samples/exports/actions-map.json", "--dry-run"])
    #expect(result.status == 1 && !result.stdout.unicodeScalars.contains("\u{1B}"), "\(result.stdout)")
    #expect(result.stdout.contains(#"受理\u001B]0;x\u0007"#), "\(result.stdout)")
}

/// A name's line breaks cannot forge a line of a message or start a Markdown block, and a
/// table measures a name with its escapes.
@Test func lineBreaksInNamesStayInsideTheirLineAndTablesStayAligned() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let log = try dir.write("log.jsonl", """
        {"id":"1","ticket":"T1","type":"accepted","at":"2024-06-01T09:00:00+08:00","channel":"hotline","topic":"噪音\\n\\n# 本通报作废"}
        {"id":"2","ticket":"T1","type":"assigned","at":"2024-06-01T09:10:00+08:00","unit":"Nl\\nFORGED\\u001b[2J","due":"2024-06-03T09:10:00+08:00"}
        {"id":"3","ticket":"T2","type":"accepted","at":"2024-06-01T09:00:00+08:00","channel":"hotline"}
        {"id":"4","ticket":"T2","type":"assigned","at":"2024-06-01T09:10:00+08:00","unit":"B","due":"2024-06-03T09:10:00+08:00"}

        """)
    let roster = try dir.write("units.csv", "unit,group\nB,委办局\n")
    let replay = try LedgerCLI.run(["replay", log, "-p", "2024-06", "--units", roster])
    #expect(replay.status == 0)
    let warnings = replay.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(warnings.count == 1 && warnings[0].contains(#"Nl\nFORGED\u001B[2J"#), "\(replay.stderr)")
    // The grade, each row's last cell, starts where the rule under the header starts its last column:
    // the escaped name was measured as it is printed (both names and all figures are ASCII).
    let lines = replay.stdout.split(separator: "\n").map(String.init)
    let rule = try #require(lines.first { $0.hasPrefix("---") })
    let lastColumn = try #require(rule.lastIndex(of: " ").map { rule.distance(from: rule.startIndex, to: $0) + 1 })
    let rows = lines.filter { $0.hasPrefix("Nl") || $0.hasPrefix("B ") }
    #expect(rows.count == 2)
    for row in rows { #expect(row.count - 1 == lastColumn, "\(row)\n\(rule)") }
    let markdown = try LedgerCLI.run(["bulletin", log, "-p", "2024-06"])
    #expect(markdown.status == 0)
    #expect(!markdown.stdout.split(separator: "\n").contains { $0.hasPrefix("# 本通报作废") }, "\(markdown.stdout)")
    #expect(markdown.stdout.contains("噪音  # 本通报作废"))
}

/// A `bulletin --config` error quotes the file's keys: escaped like every message.
@Test func aConfigFileErrorWritesControlCharactersAsEscapes() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let config = try dir.write("config.json", #"{"x\u001b[2J\u001b]0;PWNED\u0007\nError: forged": 1}"#)
    let result = try LedgerCLI.run(["bulletin", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--config", config])
    #expect(result.status == 64)
    #expect(!result.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(result.stderr)")
    #expect(result.stderr.contains(#"unknown field 'x\u001B[2J\u001B]0;PWNED\u0007\nError: forged'"#), "\(result.stderr)")
    #expect(!result.stderr.split(separator: "\n").contains { $0.hasPrefix("Error: forged") })
}

/// A rule file's deadline limits are printed by `deadlines`: control characters are refused there too.
@Test func aDeadlineLimitWithAControlCharacterIsRefused() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let rules = try PackageFiles.text("samples/rules/deadlines-3-workdays.json")
    let limit = try #require(rules.range(of: #""limits": ["#))
    var edited = rules
    edited.replaceSubrange(limit, with: #""limits": [{"topic": "T\n#forged", "workdays": 1}, "#)
    let file = try dir.write("rules.json", edited)
    let result = try LedgerCLI.run(["deadlines", "samples/quyuan-2023-09.jsonl", "-p", "2023-09", "--rules", file])
    #expect(result.status == 1 && result.stderr.contains("limits[0].topic': must not hold control characters"), "\(result.stderr)")
}
