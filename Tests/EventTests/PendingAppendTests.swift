import Testing
@testable import Events

private let fixedNow = Timestamp.parseRFC3339("2024-03-01T10:00:05+08:00")!

/// A log of one ticket and a batch of two more, as an append would write them.
private let sound = log(acceptedAssignedClosed("T1", prefix: "a"))
private let batch = log(acceptedAssignedClosed("T2", prefix: "b") + acceptedAssignedClosed("T3", prefix: "c"))

/// The marker an append of `batch` to `sound` writes before its first byte.
private let marker = PendingAppend(logLength: Int64(sound.utf8.count), batchLength: Int64(batch.utf8.count), lineCount: 6,
                                   batchDigest: SHA256.hash(Array(batch.utf8)))

/// The log as an append killed after `written` bytes of the batch leaves it, marker included.
private func interrupted(after written: Int, in dir: TemporaryFolder) throws -> String {
    let path = try dir.write("events.jsonl", Array(sound.utf8) + Array(batch.utf8.prefix(written)))
    try marker.write(forLog: path)
    return path
}

private func repaired(_ path: String) throws -> LogRepair.Report {
    var repair = LogRepair(path: path)
    repair.clock = { fixedNow }
    return try repair.repair()
}

@Test func everyCutOfABatchIsRolledBackAsAWholeAndNoByteIsLost() throws {
    // Every cut within the first and the last line, and every 7th byte between.
    let count = batch.utf8.count
    for written in Set(Array(0..<120) + Array(stride(from: 120, to: count - 120, by: 7)) + Array(count - 120..<count)).sorted() {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try interrupted(after: written, in: dir)
        // Readers leave the unfinished batch out and say so.
        var problems: [LogProblem] = []
        let summary = try LogVerifier.verifyFile(at: path) { problems.append($0) }
        #expect(summary.eventCount == 3)
        #expect(problems == [LogProblem(line: 4, problem: .interruptedAppend(lineCount: 6, byteCount: Int64(written)))])
        let report = try repaired(path)
        let side = written == 0 ? nil : path + ".interrupted-20240301T020005Z"
        #expect(report.interruptedAppend == .rolledBack(marker, byteCount: Int64(written), sideFile: side))
        #expect(try dir.read("events.jsonl") == Array(sound.utf8))
        if written > 0 { #expect(try dir.read("events.jsonl.interrupted-20240301T020005Z") == Array(batch.utf8.prefix(written))) }
        #expect(try dir.listing().contains("events.jsonl.pending") == false)
    }
}

@Test func aBatchWrittenInFullBeforeTheCrashIsFinished() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try interrupted(after: batch.utf8.count, in: dir)
    let summary = try LogVerifier.verifyFile(at: path) { Issue.record("unexpected \($0)") }
    #expect(summary.eventCount == 9)
    var appender = LogAppender(path: path)
    appender.clock = { fixedNow }
    let report = try appender.append(batch: Array(log(acceptedAssignedClosed("T4", prefix: "d")).utf8))
    #expect(report.interruptedAppend == .finished(marker))
    #expect(report.logEventCount == 12)
    #expect(try dir.listing() == ["events.jsonl"])
}

@Test func theNextAppendRollsBackAnInterruptedOneThenAppendsTheBatchAgain() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try interrupted(after: 100, in: dir)
    var appender = LogAppender(path: path)
    appender.clock = { fixedNow }
    let report = try appender.append(batch: Array(batch.utf8))
    #expect(report.interruptedAppend == .rolledBack(marker, byteCount: 100, sideFile: path + ".interrupted-20240301T020005Z"))
    #expect(report.eventCount == 6)
    #expect(report.logEventCount == 9)
    #expect(try verify(String(decoding: try dir.read("events.jsonl"), as: UTF8.self)) == [])
}

@Test func aDamagedMarkerIsRefusedAndNothingIsChanged() throws {
    let text = Array(marker.text.utf8)
    var rng = SplitMix64(seed: 9)
    for position in text.indices {
        for _ in 0..<3 {
            var flipped = text
            flipped[position] ^= UInt8.random(in: 1...255, using: &rng)
            // A flip either leaves a marker that reads back to the same values (the hex digits
            // of the checksum in upper case) or is refused; it never yields other values.
            if let read = PendingAppend(text: flipped) { #expect(read == marker) }
        }
    }
    #expect(PendingAppend(text: text) == marker)
    #expect(PendingAppend(text: Array(text.dropLast())) == nil)
    #expect(PendingAppend(text: []) == nil)

    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try interrupted(after: 50, in: dir)
    var damaged = text
    damaged[40] ^= 0x01
    try dir.write("events.jsonl.pending", damaged)
    let before = try dir.read("events.jsonl")
    #expect(throws: LogFileError.self) { try repaired(path) }
    #expect(throws: AppendError.self) { try LogAppender(path: path).append(batch: Array(batch.utf8)) }
    #expect(throws: LogReadError<Never>.self) { try LogVerifier.verifyFile(at: path) { _ in } }
    #expect(try dir.read("events.jsonl") == before)
    do {
        _ = try repaired(path)
    } catch let error as LogFileError {
        #expect(error.path == path + ".pending")
        #expect(error.message.hasPrefix("the append marker is damaged"))
    }
}

@Test func aLogCutShorterThanTheMarkerSaysIsRefused() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try interrupted(after: 0, in: dir)
    try dir.write("events.jsonl", Array(sound.utf8.prefix(10)))
    #expect(throws: LogFileError.self) { try repaired(path) }
    #expect(try dir.read("events.jsonl") == Array(sound.utf8.prefix(10)))
}

// MARK: - Streamed batches: the open marker

@Test func anOpenMarkerReadsBackAndAFormatOneMarkerStillReads() throws {
    let open = PendingAppend.openBatch(logLength: 1234)
    #expect(open.text.hasPrefix("ticket-ledger pending-append 2 open 1234 "))
    #expect(PendingAppend(text: Array(open.text.utf8)) == open)
    #expect(PendingAppend(text: Array(open.text.utf8))?.isOpen == true)
    // Format 1, as earlier versions wrote it, reads as before (not open).
    let one = Array(marker.text.utf8)
    #expect(marker.text.hasPrefix("ticket-ledger pending-append 1 "))
    #expect(PendingAppend(text: one)?.isOpen == false)
    #expect(PendingAppend(text: one) == marker)
    // Every byte of an open marker flipped three ways reads back the same or is refused.
    let text = Array(open.text.utf8)
    var rng = SplitMix64(seed: 11)
    for position in text.indices {
        for _ in 0..<3 {
            var flipped = text
            flipped[position] ^= UInt8.random(in: 1...255, using: &rng)
            if let read = PendingAppend(text: flipped) { #expect(read == open) }
        }
    }
}

@Test func anOpenMarkerIsRolledBackEvenWhenTheWholeBatchFollows() throws {
    // The batch was flushed in full but the marker was never sealed: the append was not acknowledged.
    for written in [0, 77, batch.utf8.count] {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("events.jsonl", Array(sound.utf8) + Array(batch.utf8.prefix(written)))
        let open = PendingAppend.openBatch(logLength: Int64(sound.utf8.count))
        try open.write(forLog: path)
        var problems: [LogProblem] = []
        let summary = try LogVerifier.verifyFile(at: path) { problems.append($0) }
        #expect(summary.eventCount == 3)
        #expect(problems == [LogProblem(line: 4, problem: .interruptedAppend(lineCount: 0, byteCount: Int64(written)))])
        #expect(problems.first?.problem.message.hasPrefix("a streamed append (an import) was interrupted here") == true)
        let report = try repaired(path)
        let side = written == 0 ? nil : path + ".interrupted-20240301T020005Z"
        #expect(report.interruptedAppend == .rolledBack(open, byteCount: Int64(written), sideFile: side))
        #expect(try dir.read("events.jsonl") == Array(sound.utf8))
        if written > 0 { #expect(try dir.read("events.jsonl.interrupted-20240301T020005Z") == Array(batch.utf8.prefix(written))) }
        #expect(try dir.listing().contains("events.jsonl.pending") == false)
    }
}

// MARK: - Streamed batches: the append

/// The lines of `text`, each without its newline.
private func lines(_ text: String) -> [[UInt8]] { text.split(separator: "\n").map { Array($0.utf8) } }

@Test func aStreamedAppendWritesWhatAnAppendOfTheSameBatchWrites() throws {
    // Chained (a new log) and unchained (an unchained log), several pieces long.
    var big: [[UInt8]] = []
    for t in 0..<8_000 { big += lines(log(acceptedAssignedClosed("S\(t)", prefix: "s\(t)-"))) }
    for chained in [true, false] {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let streamed = try dir.write("streamed.jsonl", chained ? [] : Array(sound.utf8))
        let plain = try dir.write("plain.jsonl", chained ? [] : Array(sound.utf8))
        var appender = LogAppender(path: plain)
        appender.clock = { fixedNow }
        let expected = try appender.append(batch: big.flatMap { $0 + [0x0A] })
        appender.path = streamed
        let report = try appender.append(streaming: { verifier, batch in
            // What the caller does: the stamp as the last member, each line checked, then handed on.
            for (index, line) in big.enumerated() {
                let stamped = Array(line.dropLast()) + Array(#","recorded":"#.utf8) + batch.stamp + [UInt8(ascii: "}")]
                let problem: EventProblem? = stamped.withUnsafeBytes { bytes in
                    do throws(EventProblem) {
                        let raw = try verifier.decoder.decode(bytes)
                        return verifier.lifecycle.apply(raw, in: bytes, lineNumber: index + 1)
                    } catch { return error }
                }
                #expect(problem == nil)
                stamped.withUnsafeBytes { batch.append(line: $0) }
            }
            return true
        })
        #expect(report?.eventCount == big.count && report?.byteCount == expected.byteCount)
        #expect(report?.chainHead == expected.chainHead && (expected.chainHead != nil) == chained)
        #expect(report?.logEventCount == expected.logEventCount)
        #expect(try dir.read("streamed.jsonl") == dir.read("plain.jsonl"))
        #expect(try dir.read("streamed.jsonl").count > 2 * StreamedBatch.pieceSize)
        #expect(try dir.listing().filter { $0.hasSuffix(".pending") } == [])
    }
}

@Test func aStreamedAppendThatGivesUpLeavesTheLogAsItWas() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try dir.write("events.jsonl", Array(sound.utf8))
    var appender = LogAppender(path: path)
    appender.clock = { fixedNow }
    var big: [[UInt8]] = []
    for t in 0..<3_000 { big += lines(log(acceptedAssignedClosed("S\(t)", prefix: "s\(t)-"))) }
    let report = try appender.append(streaming: { _, batch in
        for line in big { line.withUnsafeBytes { batch.append(line: $0) } }
        #expect(batch.byteCount > Int64(StreamedBatch.pieceSize))  // pieces were written
        return false
    })
    #expect(report == nil)
    #expect(try dir.read("events.jsonl") == Array(sound.utf8))
    #expect(try dir.listing() == ["events.jsonl"])
}

@Test func aStreamedLineLongerThanAPieceIsWrittenWhole() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let streamed = try dir.write("streamed.jsonl", [UInt8]())
    let plain = try dir.write("plain.jsonl", [UInt8]())
    // A short line, one of 1.5 MiB (an unknown member, kept as it is), and a short one again.
    let note = "," + #""note":""# + String(repeating: "x", count: 3 << 19) + #"""#
    var lines = lines(log(acceptedAssignedClosed("L1", prefix: "l")))
    lines[1] = Array(lines[1].dropLast()) + Array(note.utf8) + [UInt8(ascii: "}")]
    var appender = LogAppender(path: plain)
    appender.clock = { fixedNow }
    appender.maxLineBytes = 2 << 20  // the long line's readers need the limit raised too
    let expected = try appender.append(batch: lines.flatMap { $0 + [0x0A] })
    appender.path = streamed
    let report = try appender.append(streaming: { _, batch in
        for line in lines {
            let stamped = Array(line.dropLast()) + Array(#","recorded":"#.utf8) + batch.stamp + [UInt8(ascii: "}")]
            stamped.withUnsafeBytes { batch.append(line: $0) }
        }
        return true
    })
    #expect(report?.byteCount == expected.byteCount && report?.chainHead == expected.chainHead)
    #expect(try dir.read("streamed.jsonl") == dir.read("plain.jsonl"))
    #expect(try dir.read("streamed.jsonl").count > StreamedBatch.pieceSize)
}
