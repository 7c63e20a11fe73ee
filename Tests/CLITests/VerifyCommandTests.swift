import Testing

@Test func verifyAcceptsTheShippedSample() throws {
    let result = try LedgerCLI.run(["verify", "samples/events.jsonl"])
    #expect(result.status == 0)
    #expect(result.stdout == "38 events, 8 tickets, 0 errors; not chained\n")
    #expect(result.stderr == "")
}

@Test func verifyNamesEveryProblemOfTheBadSample() throws {
    let result = try LedgerCLI.run(["verify", "samples/bad-events.jsonl"])
    #expect(result.status == 1)
    let lines = result.lines
    #expect(lines.last == "4 events, 2 tickets, 14 errors; not chained")
    let problems = lines.dropLast()
    #expect(problems.count == 14)
    #expect(problems.allSatisfy { $0.hasPrefix("samples/bad-events.jsonl:") })
    for fragment in [
        ":3: ticket T1 extended to 2024-02-05T18:00:00+08:00, not later than the deadline",
        ":4: ticket T1 closed by 市住建局, but 市城管局 holds it",
        ":6: ticket T2 closed but it was never accepted",
        #":7: field 'at' is not a valid RFC 3339 date-time with offset: "2024-13-45T99:00:00+08:00""#,
        #":8: field 'at' is not a valid RFC 3339 date-time with offset: "2023-02-29T10:00:00+08:00""#,
        ":9: malformed JSON at column ",
        #":10: unknown event type "reopened""#,
        ":12: missing required field 'due' for an 'assigned' event",
        ":13: field 'unit' must be a string",
        #":14: duplicate event id "B11" (first used on line 11)"#,
        #":15: field 'by' has invalid value "citizen""#,
        ":16: ticket T1 callback rated for 市住建局, which never closed it",
        ":17: ticket T1 callback-rated at a time before its previous event",
        ":18: the last line is cut short (71 bytes without a final newline)",
    ] {
        #expect(problems.contains { $0.contains(fragment) }, "missing \(fragment)")
    }
}

@Test func verifyPrintsTheFileAsTyped() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("events.jsonl", jsonl([
        eventLine("E1", "T1", "accepted", "01 09:00"),
        eventLine("E2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"2024-02-08T18:00:00+08:00""#),
        eventLine("E3", "T1", "closed", "02 10:00", #""unit":"市城管局""#),
        eventLine("E4", "T3", "accepted", "02 11:00"),
        eventLine("E5", "T3", "assigned", "02 11:30", #""unit":"市住建局","due":"2024-02-09T18:00:00+08:00""#),
        eventLine("E6", "T2", "closed", "03 10:00", #""unit":"市住建局""#),
    ]))
    let result = try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path)
    #expect(result.status == 1)
    #expect(result.stdout == "events.jsonl:6: ticket T2 closed but it was never accepted\n5 events, 2 tickets, 1 error; not chained\n")
    let absolute = try LedgerCLI.run(["verify", dir.file("events.jsonl")])
    #expect(absolute.lines.first == dir.file("events.jsonl") + ":6: ticket T2 closed but it was never accepted")
}

@Test func verifyReadsStandardInput() throws {
    let text = jsonl([eventLine("E1", "T1", "accepted", "01 09:00"), eventLine("E1", "T2", "accepted", "01 09:00")])
    let result = try LedgerCLI.run(["verify", "-"], input: text)
    #expect(result.status == 1)
    #expect(result.stdout == "<stdin>:2: duplicate event id \"E1\" (first used on line 1)\n1 event, 1 ticket, 1 error; not chained\n")
}

@Test func verifyGroupsThousandsInTheSummary() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let lines = (0..<1_204).map { eventLine("E\($0)", "T\($0 % 311)", $0 < 311 ? "accepted" : "nonsense", "01 09:00") }
    try dir.write("big.jsonl", jsonl(lines))
    let result = try LedgerCLI.run(["verify", "big.jsonl"], in: dir.path)
    #expect(result.lines.last == "311 events, 311 tickets, 893 errors; not chained")
    try dir.write("clean.jsonl", jsonl((0..<1_204).map { eventLine("E\($0)", "T\($0)", "accepted", "01 09:00") }))
    #expect(try LedgerCLI.run(["verify", "clean.jsonl"], in: dir.path).stdout == "1,204 events, 1,204 tickets, 0 errors; not chained\n")
}

@Test func verifyUsageErrorsExitWith64() throws {
    let missing = try LedgerCLI.run(["verify"])
    #expect(missing.status == 64)
    #expect(missing.stderr.hasPrefix("Error: "))
    #expect(missing.stderr.contains("Usage: ledger-cli verify"))
    #expect(try LedgerCLI.run(["verify", "--frobnicate", "samples/events.jsonl"]).status == 64)
    #expect(try LedgerCLI.run(["verify", "a.jsonl", "b.jsonl"]).status == 64)
    #expect(try LedgerCLI.run(["verfy", "samples/events.jsonl"]).status == 64)
}

@Test func verifyOfAMissingFileFails() throws {
    let result = try LedgerCLI.run(["verify", "no/such/events.jsonl"])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("Error: no/such/events.jsonl: cannot open the file"))
}

@Test func everyCommandHasHelp() throws {
    for command in ["verify", "append", "repair", "digest"] {
        for invocation in [[command, "--help"], [command, "-h"], ["help", command]] {
            let result = try LedgerCLI.run(invocation)
            #expect(result.status == 0, "\(invocation)")
            for section in ["OVERVIEW:", "USAGE: ledger-cli \(command)", "ARGUMENTS:", "OPTIONS:"] {
                #expect(result.stdout.contains(section), "\(invocation) lacks \(section)")
            }
        }
    }
    let root = try LedgerCLI.run(["--help"])
    #expect(root.status == 0)
    for command in ["verify", "append", "repair", "digest"] { #expect(root.stdout.contains(command)) }
}
