import Foundation
import Testing

private let history = [
    eventLine("a1", "T1", "accepted", "01 09:00", #""channel":"hotline""#),
    eventLine("a2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"2024-02-08T18:00:00+08:00""#),
]

@Test func appendWritesABatchFromAFile() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("events.jsonl", jsonl(history))
    try dir.write("batch.jsonl", jsonl([
        eventLine("b1", "T1", "closed", "03 10:00", #""unit":"市城管局","reply":"已处理""#),
        eventLine("b2", "T1", "callback-rated", "05 10:00", #""unit":"市城管局","rating":"satisfied","recorded":"2024-02-05T11:00:00+08:00""#),
    ]))
    let result = try LedgerCLI.run(["append", "events.jsonl", "batch.jsonl"], in: dir.path)
    #expect(result.status == 0)
    #expect(result.stdout == "appended 2 events to events.jsonl\n")
    let lines = try dir.text("events.jsonl").split(separator: "\n").map(String.init)
    #expect(lines.count == 4)
    #expect(lines[2].hasPrefix(#"{"id":"b1","ticket":"T1","type":"closed","at":"2024-02-03T10:00:00+08:00","unit":"市城管局","reply":"已处理","recorded":"#))
    #expect(lines[2].hasSuffix(#"+08:00"}"#))
    #expect(lines[3] == eventLine("b2", "T1", "callback-rated", "05 10:00", #""unit":"市城管局","rating":"satisfied","recorded":"2024-02-05T11:00:00+08:00""#))
    #expect(try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path).stdout == "4 events, 1 ticket, 0 errors; not chained\n")
}

@Test func appendReadsStandardInputByDefault() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let one = jsonl([eventLine("a1", "T1", "accepted", "01 09:00")])
    let result = try LedgerCLI.run(["append", "new.jsonl"], in: dir.path, input: one)
    #expect(result.status == 0)
    // A new log is chained; the head is printed after each append.
    #expect(result.stdout.hasPrefix("appended 1 event to new.jsonl; chain head "))
    let dash = try LedgerCLI.run(["append", "new.jsonl", "-"], in: dir.path, input: jsonl([eventLine("a2", "T2", "accepted", "01 09:00")]))
    #expect(dash.stdout.hasPrefix("appended 1 event to new.jsonl; chain head "))
    #expect(dash.stdout != result.stdout)
}

@Test func aRejectedAppendNamesTheBadLinesAndChangesNothing() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("events.jsonl", jsonl(history))
    let before = try dir.read("events.jsonl")
    var batch = (0..<10).map { eventLine("c\($0)", "C\($0)", "accepted", "02 09:00") }
    batch.insert(eventLine("b1", "T1", "closed", "03 10:00", #""unit":"市住建局""#), at: 3)
    batch.append(eventLine("a1", "T9", "accepted", "02 09:00"))
    try dir.write("batch.jsonl", jsonl(batch))
    let result = try LedgerCLI.run(["append", "events.jsonl", "batch.jsonl"], in: dir.path)
    #expect(result.status == 1)
    #expect(result.stdout == """
        batch.jsonl:4: ticket T1 closed by 市住建局, but 市城管局 holds it
        batch.jsonl:12: event id "a1" is already in the log (line 1)
        rejected: 2 errors in 12 lines; events.jsonl unchanged

        """)
    #expect(try dir.read("events.jsonl") == before)
    #expect(try dir.listing() == ["batch.jsonl", "events.jsonl"])
    let fromStdin = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: "{oops\n")
    #expect(fromStdin.stdout.hasPrefix("<stdin>:1: malformed JSON at column 2"))
    #expect(fromStdin.stdout.hasSuffix("rejected: 1 error in 1 line; events.jsonl unchanged\n"))
    #expect(try dir.read("events.jsonl") == before)
    // Refused as the first append of a new log: no log (and no state file) is left behind.
    let first = try LedgerCLI.run(["append", "new.jsonl", "batch.jsonl"], in: dir.path)
    #expect(first.status == 1 && first.stdout.hasSuffix("rejected: 1 error in 12 lines; new.jsonl unchanged\n"), "\(first.stdout)")
    #expect(try dir.listing() == ["batch.jsonl", "events.jsonl"])
}

@Test func appendRefusesATornTailAndRepairMovesItAside() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let torn = #"{"id":"a3","ticket":"T1","type":"clo"#
    try dir.write("events.jsonl", jsonl(history) + torn)
    let batch = jsonl([eventLine("b1", "T2", "accepted", "02 09:00")])
    let refused = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: batch)
    #expect(refused.status == 1)
    #expect(refused.stdout == "")
    #expect(refused.stderr.hasPrefix("Error: events.jsonl:3: the log ends with a torn line (36 bytes without a final newline)"))
    #expect(refused.stderr.contains("Run 'ledger-cli repair events.jsonl'"))
    #expect(try dir.text("events.jsonl") == jsonl(history) + torn)

    let repaired = try LedgerCLI.run(["repair", "events.jsonl"], in: dir.path)
    #expect(repaired.status == 0)
    let side = try #require(try dir.listing().first { $0.hasPrefix("events.jsonl.torn-") })
    #expect(repaired.stdout == "moved 36 bytes of a torn last line from events.jsonl to \(side)\n")
    #expect(try dir.text(side) == torn)
    #expect(try dir.text("events.jsonl") == jsonl(history))

    let again = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: batch)
    #expect(again.status == 0)
    let nothing = try LedgerCLI.run(["repair", "events.jsonl"], in: dir.path)
    #expect(nothing.stdout == "events.jsonl ends with a complete line; nothing to repair\n")
}

@Test func repairSuggestsReappendingACompleteEvent() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let last = eventLine("a3", "T1", "closed", "02 10:00", #""unit":"市城管局""#)
    try dir.write("events.jsonl", jsonl(history) + last)
    let repaired = try LedgerCLI.run(["repair", "events.jsonl"], in: dir.path)
    let side = try #require(try dir.listing().first { $0.hasPrefix("events.jsonl.torn-") })
    #expect(repaired.stdout.contains("to keep it, run: ledger-cli append events.jsonl \(side)"))
    let reappended = try LedgerCLI.run(["append", "events.jsonl", side], in: dir.path)
    #expect(reappended.stdout == "appended 1 event to events.jsonl\n")
}

@Test func appendAndRepairUsageAndFileErrors() throws {
    #expect(try LedgerCLI.run(["append"]).status == 64)
    #expect(try LedgerCLI.run(["append", "a", "b", "c"]).status == 64)
    #expect(try LedgerCLI.run(["repair"]).status == 64)
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let missingBatch = try LedgerCLI.run(["append", "events.jsonl", "nope.jsonl"], in: dir.path)
    #expect(missingBatch.status == 1)
    #expect(missingBatch.stderr.hasPrefix("Error: nope.jsonl: cannot open the file"))
    #expect(try dir.listing() == [], "a failed read creates no log")
    let missingLog = try LedgerCLI.run(["repair", "nope.jsonl"], in: dir.path)
    #expect(missingLog.status == 1)
    #expect(missingLog.stderr.hasPrefix("Error: nope.jsonl: cannot open the file"))
}

@Test func appendRefusesAnInvalidLog() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("events.jsonl", jsonl(history + [eventLine("a3", "T2", "closed", "02 10:00", #""unit":"市城管局""#)]))
    let before = try dir.read("events.jsonl")
    let result = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: jsonl([eventLine("b1", "T3", "accepted", "02 09:00")]))
    #expect(result.status == 1)
    #expect(result.stdout == "events.jsonl:3: ticket T2 closed but it was never accepted\n")
    #expect(result.stderr.hasPrefix("Error: events.jsonl has 1 problem; nothing was appended."))
    #expect(try dir.read("events.jsonl") == before)
}

@Test func aWriteThatFailsMidwayIsRolledBack() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("events.jsonl", jsonl(history))
    let before = try dir.read("events.jsonl")
    // 200 lines, about 20 KB: more than the 2 KB file size limit set below.
    try dir.write("batch.jsonl", jsonl((0..<200).map { eventLine("c\($0)", "C\($0)", "accepted", "02 09:00", #""topic":"市政设施维护""#) }))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    // With SIGXFSZ ignored, a write past the limit fails with EFBIG after writing what fits.
    process.arguments = ["-c", #"trap '' XFSZ; ulimit -f 4; "$0" append events.jsonl batch.jsonl 2>err.txt"#, LedgerCLI.executable.path]
    process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 1)
    #expect(try dir.text("err.txt").hasPrefix("Error: events.jsonl: cannot write the file: File too large"))
    #expect(try dir.read("events.jsonl") == before)
}

/// A batch of garbage stops being checked at the problem limit (its lines only counted), and a
/// batch past `--max-batch-bytes` is refused while it is read: an endless producer cannot fill
/// the memory.
@Test func aGarbageOrOversizedBatchIsRefusedWithoutHoldingItAll() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let start = jsonl([eventLine("a1", "T1", "accepted", "01 09:00")])
    try dir.write("events.jsonl", start)
    let garbage = try LedgerCLI.run(["append", "events.jsonl", "-"], in: dir.path, input: String(repeating: "{}\n", count: 5_000))
    #expect(garbage.status == 1)
    let lines = garbage.stdout.split(separator: "\n")
    #expect(lines.count == 1_001 && lines[0].hasPrefix("<stdin>:1: ") && lines[999].hasPrefix("<stdin>:1000: "))
    #expect(lines.last == "rejected: checking stopped at the first 1,000 errors in 5,000 lines; events.jsonl unchanged")
    let few = try LedgerCLI.run(["append", "events.jsonl", "-"], in: dir.path, input: "{}\n{}\n")
    #expect(few.stdout.hasSuffix("rejected: 2 errors in 2 lines; events.jsonl unchanged\n"))

    let batch = jsonl((2...20).map { eventLine("a\($0)", "T\($0)", "accepted", "01 09:00") })
    let oversized = try LedgerCLI.run(["append", "events.jsonl", "--max-batch-bytes", "1000"], in: dir.path, input: batch)
    #expect(oversized.status == 1)
    #expect(oversized.stderr.contains("the batch is longer than 1,000 bytes (--max-batch-bytes); nothing was appended"), "\(oversized.stderr)")
    #expect(try String(contentsOfFile: dir.file("events.jsonl"), encoding: .utf8) == start)
    let fits = try LedgerCLI.run(["append", "events.jsonl", "--max-batch-bytes", String(batch.utf8.count)], in: dir.path, input: batch)
    #expect(fits.status == 0 && fits.stdout.hasPrefix("appended 19 events"), "\(fits)")
}
