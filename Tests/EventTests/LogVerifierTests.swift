import Testing
@testable import Events

@Test func duplicateIDsNameTheFirstLine() throws {
    let lines = acceptedAssignedClosed("T1", prefix: "E") + [line("E2", "T2", "accepted", "02 09:00")]
    #expect(try verify(log(lines)) == [#"events.jsonl:4: duplicate event id "E2" (first used on line 2)"#])
}

@Test func aTornTailIsReported() throws {
    let lines = acceptedAssignedClosed("T1", prefix: "E")
    let text = log(lines) + #"{"id":"E4","ticket":"T1","type":"callb"#
    #expect(try verify(text) == [
        "events.jsonl:4: the last line is cut short (38 bytes without a final newline): a torn write",
    ])
    // Even a complete object without its newline is a torn write.
    let whole = log(lines) + line("E4", "T1", "callback-rated", "10 10:00", #""unit":"市城管局","rating":"satisfied""#)
    #expect(try verify(whole).first?.hasPrefix("events.jsonl:4: the last line is cut short") == true)
}

@Test func verificationKeepsCheckingAfterAnError() throws {
    let lines = [
        line("E1", "T1", "accepted", "01 09:00"),
        #"{"id":"E2","ticket":"T1","type":"assigned","at":"2024-02-01T10:00:00+08:00","unit":"市城管局""#,
        line("E3", "T1", "assigned", "01 10:00", #""unit":"市城管局","due":"\#(feb("08 18:00"))""#),
        line("E4", "T1", "closed", "2024-02-30T10:00:00+08:00", #""unit":"市城管局""#),
        line("E5", "T1", "closed", "03 10:00", #""unit":"市住建局""#),
        line("E6", "T1", "closed", "03 10:00", #""unit":"市城管局""#),
        line("E1", "T9", "accepted", "03 10:00"),
        line("E8", "T1", "reopened", "04 10:00"),
        line("E9", "T1", "callback-rated", "10 10:00", #""unit":"市城管局","rating":"satisfied""#),
    ]
    let (problems, summary) = try verifySummary(log(lines))
    #expect(problems.map { $0.split(separator: ":").prefix(2).joined(separator: ":") } == [
        "events.jsonl:2", "events.jsonl:4", "events.jsonl:5", "events.jsonl:7", "events.jsonl:8",
    ])
    #expect(problems[0].hasPrefix("events.jsonl:2: malformed JSON at column "))
    #expect(summary == LogVerifier.Summary(lineCount: 9, eventCount: 4, ticketCount: 1, problemCount: 5))
    #expect(summary.description == "4 events, 1 ticket, 5 errors")
}

@Test func aCleanLogSummarisesEventsAndTickets() throws {
    let lines = acceptedAssignedClosed("T1", prefix: "a") + acceptedAssignedClosed("T2", prefix: "b")
    let (problems, summary) = try verifySummary(log(lines))
    #expect(problems.isEmpty)
    #expect(summary.isClean)
    #expect(summary.description == "6 events, 2 tickets, 0 errors")
}

@Test func ticketsSeenOnlyInRejectedLinesAreNotCounted() throws {
    let (_, summary) = try verifySummary(log(line("E1", "T1", "closed", "01 09:00", #""unit":"市城管局""#)))
    #expect(summary.ticketCount == 0)
}

@Test func summariesGroupThousands() {
    let summary = LogVerifier.Summary(lineCount: 1_207, eventCount: 1_204, ticketCount: 311, problemCount: 3)
    #expect(summary.description == "1,204 events, 311 tickets, 3 errors")
    #expect(groupedThousands(0) == "0")
    #expect(groupedThousands(999) == "999")
    #expect(groupedThousands(1_000) == "1,000")
    #expect(groupedThousands(12_345_678) == "12,345,678")
    #expect(groupedThousands(-1_000) == "-1,000")
}

@Test func anEmptyLogIsClean() throws {
    let (problems, summary) = try verifySummary("")
    #expect(problems.isEmpty)
    #expect(summary.description == "0 events, 0 tickets, 0 errors")
}

@Test func blankLinesAndCRLFAreHandled() throws {
    let lines = acceptedAssignedClosed("T1", prefix: "E")
    #expect(try verify(lines[0] + "\n\n" + lines[1] + "\n") == ["events.jsonl:2: malformed JSON at column 1: empty line, expected a JSON object"])
    #expect(try verify(lines.map { $0 + "\r\n" }.joined()) == [])
}

@Test func longLinesGrowTheReadBuffer() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let long = line("E1", "T1", "accepted", "01 09:00", #""topic":"\#(String(repeating: "噪", count: 3_000))""#)
    let path = try dir.write("long.jsonl", log(long, line("E2", "T2", "accepted", "01 09:00")))
    var count = 0
    try LogReader(path: path, chunkSize: 64).forEachLine { line in
        count += 1
        #expect(line.terminated)
    }
    #expect(count == 2)
}

@Test func missingFilesAreReportedAsFileErrors() {
    let error = #expect(throws: LogReadError<Never>.self) {
        try LogVerifier.verifyFile(at: "/nonexistent/dir/events.jsonl") { _ in }
    }
    guard case .file(let file)? = error else { Issue.record("not a file error: \(String(describing: error))"); return }
    #expect(file.path == "/nonexistent/dir/events.jsonl")
    #expect(error?.description == file.description)
}

/// What a caller's closure throws comes out as `.stopped` with that error, and stops the reading.
@Test func whatTheCallersClosureThrowsStopsTheReadingAsItIs() throws {
    struct Enough: Error, Equatable { var line: Int }
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try dir.write("bad.jsonl", "not json\nnor this\nnor that\n")
    var reported: [Int] = []
    #expect(throws: LogReadError.stopped(Enough(line: 2))) {
        try LogVerifier.verifyFile(at: path) { problem throws(Enough) in
            reported.append(problem.line)
            if problem.line == 2 { throw Enough(line: problem.line) }
        }
    }
    #expect(reported == [1, 2])
    #expect(throws: ChainDigestFailure.stopped(Enough(line: 1))) {
        try ChainDigest.of(logAt: path) { problem throws(Enough) in throw Enough(line: problem.line) }
    }
    var read: [Int] = []
    #expect(throws: LogReadError.stopped(Enough(line: 1))) {
        try LogReader(path: path).forEachLine { line throws(Enough) in
            read.append(line.number)
            throw Enough(line: line.number)
        }
    }
    #expect(read == [1])
    // A closure that throws a LogFileError of its own is still told apart from the file's.
    let own = LogFileError(path: "elsewhere", message: "mine")
    #expect(throws: LogReadError.stopped(own)) {
        try LogReader(path: path).forEachLine { _ throws(LogFileError) in throw own }
    }
}
