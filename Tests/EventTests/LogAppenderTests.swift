import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import Events

private let fixedNow = Timestamp.parseRFC3339("2024-03-01T10:00:00+08:00")!

private func appender(_ path: String) -> LogAppender {
    var appender = LogAppender(path: path)
    appender.clock = { fixedNow }
    return appender
}

private func append(_ batch: String, to path: String) throws(AppendError) -> AppendReport {
    try appender(path).append(batch: Array(batch.utf8))
}

/// The problems of a rejected append, formatted with the batch's name.
private func rejection(_ batch: String, to path: String) -> [String]? {
    do {
        _ = try append(batch, to: path)
        return nil
    } catch .batchRejected(let problems, _) {
        return problems.map { $0.formatted(file: "batch.jsonl") }
    } catch {
        return ["unexpected: \(error)"]
    }
}

@Test func appendsAndStampsRecordedWithoutTouchingOtherBytes() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let start = log(acceptedAssignedClosed("T1", prefix: "a"))
    let path = try dir.write("events.jsonl", start)
    let spaced = #"{ "id" : "b1", "ticket" : "T2", "type" : "accepted", "at" : "2024-02-02T09:00:00+08:00", "x" : [1, 2] }"#
    let report = try append(log(spaced), to: path)
    #expect(report == AppendReport(eventCount: 1, firstLine: 4, byteCount: spaced.utf8.count + 40, logEventCount: 4))
    let expected = start + #"{ "id" : "b1", "ticket" : "T2", "type" : "accepted", "at" : "2024-02-02T09:00:00+08:00", "x" : [1, 2] ,"recorded":"2024-03-01T10:00:00+08:00"}"# + "\n"
    #expect(String(decoding: try dir.read("events.jsonl"), as: UTF8.self) == expected)
    #expect(try verify(expected) == [])
}

@Test func linesWithRecordedAreWrittenVerbatim() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = dir.file("events.jsonl")
    let late = line("a1", "T1", "accepted", "01 09:00", #""recorded":"2024-02-20T11:00:00+08:00""#)
    let report = try append(late + "\r\n", to: path)
    #expect(report.eventCount == 1)
    // A new log is chained: the line as it came, then its chain member.
    let written = String(decoding: try dir.read("events.jsonl"), as: UTF8.self)
    #expect(written.hasPrefix(String(late.dropLast()) + #","chain":""#))
    #expect(withoutChain(written) == late + "\n")
}

@Test func aNullRecordedIsFilledInPlaceAndABatchLinesChainIsReplaced() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = dir.file("events.jsonl")
    _ = try append(log(
        line("a1", "T1", "accepted", "01 09:00", #""recorded":null,"topic":"噪音""#),
        line("a2", "T2", "accepted", "01 09:00", #""chain":"00""#),
    ), to: path)
    let written = String(decoding: try dir.read("events.jsonl"), as: UTF8.self)
    #expect(withoutChain(written) == log(
        line("a1", "T1", "accepted", "01 09:00", #""recorded":"2024-03-01T10:00:00+08:00","topic":"噪音""#),
        line("a2", "T2", "accepted", "01 09:00", #""recorded":"2024-03-01T10:00:00+08:00""#),
    ))
    #expect(try verifySummary(written).summary.chain.isIntact)
}

@Test func aRejectedBatchLeavesTheLogByteIdentical() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let original = log(acceptedAssignedClosed("T1", prefix: "a"))
    let path = try dir.write("events.jsonl", original)
    let batch = log(
        line("b1", "T2", "accepted", "02 09:00"),
        line("b2", "T2", "assigned", "02 09:30", #""unit":"市住建局","due":"\#(feb("09 18:00"))""#),
        line("b3", "T3", "closed", "02 10:00", #""unit":"市住建局""#),
        line("b4", "T2", "closed", "2024-13-45T99:00:00+08:00", #""unit":"市住建局""#),
        line("b5", "T2", "closed", "03 10:00", #""unit":"市住建局""#),
    )
    #expect(rejection(batch, to: path) == [
        "batch.jsonl:3: ticket T3 closed but it was never accepted",
        #"batch.jsonl:4: field 'at' is not a valid RFC 3339 date-time with offset: "2024-13-45T99:00:00+08:00""#,
    ])
    #expect(try dir.read("events.jsonl") == Array(original.utf8))
    #expect(try dir.listing() == ["events.jsonl"])
}

/// What a writer waiting for the lock found (see the test below).
private final class WaiterOutcome: @unchecked Sendable {
    var sameFile = false
    let done = DispatchSemaphore(value: 0)
}

@Test func aRefusedFirstAppendLeavesNoLogAndAWaitingWriterOpensThePathAgain() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = dir.path + "/new.jsonl"
    // Refused: the log the append created is removed again, and nothing is beside it.
    #expect(rejection(log(line("c1", "T9", "closed", "02 10:00", #""unit":"市住建局""#)), to: path) == [
        "batch.jsonl:1: ticket T9 closed but it was never accepted",
    ])
    #expect(try dir.listing() == [])
    // A writer that opened the created log before it was removed, and waited for the lock,
    // opens the path again (creating it anew) instead of writing to the removed file.
    let creator = try LockedLogFile.acquire(path, create: true)
    let created = creator.created
    #expect(created)
    let waited = WaiterOutcome()
    let waiter = Thread {
        guard let file = try? LockedLogFile.acquire(path, create: true) else {
            waited.done.signal()
            return
        }
        var held = stat(), named = stat()
        waited.sameFile = fstat(file.fd, &held) == 0 && stat(path, &named) == 0 && held.st_ino == named.st_ino
        waited.done.signal()
    }
    waiter.start()
    Thread.sleep(forTimeInterval: 0.2)   // the waiter has opened the file and waits in flock
    creator.removeIfCreatedAndEmpty()
    _ = consume creator
    waited.done.wait()
    #expect(waited.sameFile)
    #expect(access(path, F_OK) == 0)
    try LockedLogFile.acquire(path, create: false).removeIfEmpty()
    // A log that holds lines, or that a writer did not create, stays.
    _ = try append(log(line("c2", "T9", "accepted", "02 09:00")), to: path)
    let kept = try dir.read("new.jsonl")
    try LockedLogFile.acquire(path, create: true).removeIfCreatedAndEmpty()
    LogAppender.removeEmptyLog(at: path)
    #expect(try dir.read("new.jsonl") == kept)
}

@Test func batchLinesAreCheckedAgainstTheLogAndEachOther() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try dir.write("events.jsonl", log(acceptedAssignedClosed("T1", prefix: "a")))
    #expect(rejection(log(
        line("a2", "T2", "accepted", "02 09:00"),
        line("b1", "T1", "accepted", "02 09:00"),
        line("b2", "T3", "accepted", "02 09:00"),
        line("b2", "T4", "accepted", "02 09:00"),
        line("b3", "T3", "accepted", "02 10:00"),
        line("b4", "T1", "callback-rated", "10 10:00", #""unit":"市城管局","rating":"satisfied""#),
    ), to: path) == [
        #"batch.jsonl:1: event id "a2" is already in the log (line 2)"#,
        "batch.jsonl:2: ticket T1 accepted twice (already accepted on line 1 of the log)",
        #"batch.jsonl:4: duplicate event id "b2" (first used on line 3)"#,
        "batch.jsonl:5: ticket T3 accepted twice (first on line 3)",
    ])
}

@Test func aBatchContinuesTicketsOfTheLog() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try dir.write("events.jsonl", log(acceptedAssignedClosed("T1", prefix: "a")))
    let report = try append(log(
        line("b1", "T1", "returned", "04 10:00", #""unit":"市城管局","by":"center","reason":"未联系市民""#),
        line("b2", "T1", "closed", "05 10:00", #""unit":"市城管局""#),
        line("b3", "T1", "callback-rated", "06 10:00", #""unit":"市城管局","rating":"satisfied""#),
    ), to: path)
    #expect(report.eventCount == 3)
    #expect(report.firstLine == 4)
    #expect(report.logEventCount == 6)
    let (problems, summary) = try verifySummary(String(decoding: try dir.read("events.jsonl"), as: UTF8.self))
    #expect(problems == [])
    #expect(summary.eventCount == 6)
}

@Test func appendingRefusesATornTail() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let torn = log(acceptedAssignedClosed("T1", prefix: "a")) + #"{"id":"a4","ticket":"T1","ty"#
    let path = try dir.write("events.jsonl", torn)
    #expect(throws: AppendError.tornTail(path: path, line: 4, byteCount: 28)) {
        try append(log(line("b1", "T2", "accepted", "02 09:00")), to: path)
    }
    #expect(try dir.read("events.jsonl") == Array(torn.utf8))
    let message = AppendError.tornTail(path: "events.jsonl", line: 4, byteCount: 28).description
    #expect(message.hasSuffix("the log ends with a torn line (\(#"{"id":"a4","ticket":"T1","ty"#.utf8.count) bytes without a final newline); nothing was appended"))
    #expect(!message.contains("ledger-cli"), "the library names no tool")
}

@Test func appendingRefusesAnInvalidLog() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let bad = log(acceptedAssignedClosed("T1", prefix: "a") + [line("a9", "T9", "closed", "01 10:00", #""unit":"市城管局""#)])
    let path = try dir.write("events.jsonl", bad)
    let error = #expect(throws: AppendError.self) {
        try append(log(line("b1", "T2", "accepted", "02 09:00")), to: path)
    }
    guard case .invalidLog(_, let problems, let count)? = error else {
        Issue.record("expected an invalid log, got \(String(describing: error))")
        return
    }
    #expect(count == 1)
    #expect(problems.map(\.line) == [4])
    #expect(try dir.read("events.jsonl") == Array(bad.utf8))
}

@Test func appendingCreatesAMissingLog() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = dir.file("new.jsonl")
    let report = try appender(path).append([
        Event(id: "a1", ticket: "T1", at: Timestamp.parseRFC3339(feb("01 09:00"))!, body: .accepted(channel: "hotline", category: nil, topic: nil)),
        Event(id: "a2", ticket: "T1", at: Timestamp.parseRFC3339(feb("01 09:30"))!,
              body: .assigned(unit: "市城管局", due: Timestamp.parseRFC3339(feb("08 18:00"))!)),
    ])
    #expect(report.eventCount == 2)
    #expect(withoutChain(String(decoding: try dir.read("new.jsonl"), as: UTF8.self)) == log(
        line("a1", "T1", "accepted", "01 09:00", #""channel":"hotline","recorded":"2024-03-01T10:00:00+08:00""#),
        line("a2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"\#(feb("08 18:00"))","recorded":"2024-03-01T10:00:00+08:00""#),
    ))
}

@Test func anEmptyBatchAppendsNothing() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let original = log(acceptedAssignedClosed("T1", prefix: "a"))
    let path = try dir.write("events.jsonl", original)
    let report = try append("", to: path)
    #expect(report.eventCount == 0)
    #expect(try dir.read("events.jsonl") == Array(original.utf8))
}

@Test func batchLinesAreSplitAtNewlines() {
    let batch = Array("a\r\n\nb\nc\r".utf8)
    let ranges = batch.withUnsafeBytes { LogAppender.splitLines($0) }
    #expect(ranges == [0..<1, 3..<3, 4..<5, 6..<7])
    #expect(Array("x\n".utf8).withUnsafeBytes { LogAppender.splitLines($0) } == [0..<1])
    #expect([UInt8]().withUnsafeBytes { LogAppender.splitLines($0) } == [])
}

@Test func aBlankBatchLineIsAProblem() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = dir.file("events.jsonl")
    #expect(rejection(line("a1", "T1", "accepted", "01 09:00") + "\n\n", to: path)
            == ["batch.jsonl:2: malformed JSON at column 1: empty line, expected a JSON object"])
}

@Test func aSealerSeesTheLogAndCompletesNewLines() throws {
    /// Counts lines and appends the count as a `chain` member (a stand-in for the hash chain).
    struct CountingSealer: LineSealer {
        var seen = 0
        mutating func observe(line: LogLine, event: RawEvent?) -> EventProblem? {
            seen += 1
            return nil
        }
        func prepare(lineCount: Int, byteCount: Int64) {}
        mutating func seal(line: inout [UInt8], chainMemberStart: Int?) {
            seen += 1
            line = line.withUnsafeBytes { JSONLineEdit.appendingMember(key: "chain", rawValue: "\"\(seen)\"", to: $0) }
        }
    }
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try dir.write("events.jsonl", log(acceptedAssignedClosed("T1", prefix: "a")))
    var sealer = CountingSealer()
    _ = try appender(path).append(batch: Array(log(line("b1", "T2", "accepted", "02 09:00")).utf8), sealer: &sealer)
    let text = String(decoding: try dir.read("events.jsonl"), as: UTF8.self)
    #expect(text.hasSuffix(#","recorded":"2024-03-01T10:00:00+08:00","chain":"4"}"# + "\n"))
}

/// An accepted line of exactly `length` bytes as given (no `recorded`, no chain), padded in its topic.
private func acceptedLine(_ id: String, length: Int) -> String {
    let head = #"{"id":"\#(id)","ticket":"T-\#(id)","type":"accepted","at":"2024-02-01T09:00:00+08:00","topic":""#
    return head + String(repeating: "x", count: length - head.utf8.count - 2) + #""}"#
}

@Test func aLineLongerThanTheReadersLimitOnceStampedAndSealedIsRefused() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    // How long a 300-byte line is once stored, unchained (stamped) and chained (stamped and sealed).
    func storedLength(_ chaining: LogAppender.Chaining, _ name: String) throws -> Int {
        var probe = appender(dir.file(name))
        probe.chaining = chaining
        _ = try probe.append(batch: Array(log(acceptedLine("p", length: 300)).utf8))
        return try dir.read(name).count - 1
    }
    let stamped = try storedLength(.off, "probe-plain.jsonl"), sealed = try storedLength(.start, "probe-chained.jsonl")
    #expect(stamped > 300 && sealed == stamped + HashChain.memberLength)
    for (chaining, stored) in [(LogAppender.Chaining.off, stamped), (.start, sealed)] {
        let path = dir.file("events-\(chaining).jsonl")
        var writer = appender(path)
        writer.chaining = chaining
        // One byte over the limit once stored: the batch is refused, and no log is left behind.
        writer.maxLineBytes = stored - 1
        var refused: [LogProblem] = []
        do {
            _ = try writer.append(batch: Array(log(acceptedLine("a", length: 300)).utf8))
        } catch {
            guard case .batchRejected(let problems, _) = error else { throw error }
            refused = problems
        }
        #expect(refused == [LogProblem(line: 1, problem: .lineTooLong(byteCount: stored, limit: stored - 1))])
        #expect(!FileManager.default.fileExists(atPath: path))
        // At the limit: appended, and a reader with the same limit reads it back.
        writer.maxLineBytes = stored
        _ = try writer.append(batch: Array(log(acceptedLine("a", length: 300)).utf8))
        var reader = LogReader(path: path)
        reader.maxLineBytes = stored
        var lengths: [Int] = []
        try reader.forEachLine { lengths.append($0.bytes.count) }
        #expect(lengths == [stored])
    }
}
