import Testing
@testable import Events

private let fixedNow = Timestamp.parseRFC3339("2024-03-01T10:00:00+08:00")!

/// Two tickets' histories: accepted, assigned, closed, rated; recorded times spread over February.
private let history = [
    line("a1", "T1", "accepted", "01 09:00", #""channel":"hotline","topic":"占道经营","recorded":"\#(feb("01 09:05"))""#),
    line("a2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"\#(feb("08 18:00"))","recorded":"\#(feb("01 09:35"))""#),
    line("b1", "T2", "accepted", "02 10:00", #""channel":"mailbox","recorded":"\#(feb("02 10:05"))""#),
    line("b2", "T2", "assigned", "02 11:00", #""unit":"市住建局","due":"\#(feb("09 18:00"))","recorded":"\#(feb("02 11:05"))""#),
    line("a3", "T1", "closed", "03 16:00", #""unit":"市城管局","reply":"已清理\n谢谢","recorded":"\#(feb("03 16:05"))""#),
    line("b3", "T2", "closed", "05 12:00", #""unit":"市住建局","recorded":"\#(feb("05 12:05"))""#),
    line("a4", "T1", "callback-rated", "06 10:00", #""unit":"市城管局","rating":"satisfied","recorded":"\#(feb("20 10:00"))""#),
]

private func appender(_ path: String, _ chaining: LogAppender.Chaining = .automatic) -> LogAppender {
    var appender = LogAppender(path: path)
    appender.clock = { fixedNow }
    appender.chaining = chaining
    return appender
}

/// A log of `lines` appended to an empty file (so chained unless `chaining` is `.off`).
private func appended(_ lines: [String], in dir: TemporaryFolder, chaining: LogAppender.Chaining = .automatic,
                      name: String = "events.jsonl") throws -> [UInt8] {
    let path = dir.file(name)
    _ = try appender(path, chaining).append(batch: Array(log(lines).utf8))
    return try dir.read(name)
}

/// The problems and summary of a log given as bytes.
private func verified(_ bytes: [UInt8], requireChain: Bool = false) throws -> (problems: [LogProblem], summary: LogVerifier.Summary) {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try dir.write("events.jsonl", bytes)
    var problems: [LogProblem] = []
    let summary = try LogVerifier.verifyFile(at: path, requireChain: requireChain) { problems.append($0) }
    return (problems, summary)
}

/// The byte ranges of the lines of `bytes` (without newlines).
private func lineRanges(_ bytes: [UInt8]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var start = 0
    for (i, b) in bytes.enumerated() where b == 0x0A {
        ranges.append(start..<i)
        start = i + 1
    }
    return ranges
}

/// The hex chain value at the end of a chained line.
private func storedValue(_ line: ArraySlice<UInt8>) -> String {
    String(decoding: line.dropLast(2).suffix(64), as: UTF8.self)
}

/// SHA-256 of `bytes` as hex, through the one-shot API (independent of `HashChain`).
private func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(bytes).hex }

@Test func chainValuesFollowTheDefinition() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let bytes = try appended(history, in: dir)
    var previous = [UInt8](repeating: 0, count: 32)
    for range in lineRanges(bytes) {
        let line = bytes[range]
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasSuffix(#"+08:00","chain":""# + storedValue(line) + #""}"#), "the chain member comes last")
        // Everything before `,"chain":` plus the closing brace, after the previous value.
        let body = Array(line.dropLast(ChainMember.length))
        let value = sha256(previous + body + Array("}".utf8))
        #expect(storedValue(line) == value)
        previous = HexEncoding.decode(value)!
    }
}

@Test func anAppendedLogVerifiesAndReportsItsHead() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = dir.file("events.jsonl")
    let first = try appender(path).append(batch: Array(log(Array(history.prefix(4))).utf8))
    let second = try appender(path).append(batch: Array(log(Array(history.dropFirst(4))).utf8))
    let bytes = try dir.read("events.jsonl")
    let lastLine = bytes[lineRanges(bytes).last!]
    #expect(first.chainHead != nil && first.chainHead != second.chainHead)
    #expect(second.chainHead?.hex == storedValue(lastLine))
    let (problems, summary) = try verified(bytes)
    #expect(problems == [])
    #expect(summary.chain == ChainSummary(firstLine: 1, lastLine: 7, head: second.chainHead))
    #expect(summary.chain.description == "chain head \(storedValue(lastLine))")
    #expect(try verified(bytes, requireChain: true).problems == [])
}

@Test func everyOneByteEditIsReportedAtItsLine() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let original = try appended(history, in: dir)
    let ranges = lineRanges(original)
    var edits = 0
    for lineIndex in [0, 2, 4, ranges.count - 1] {
        let range = ranges[lineIndex]
        for position in range {
            let byte = original[position]
            let inValue = position >= range.upperBound - 66 && position < range.upperBound - 2
            for replacement in [byte ^ 0x01, byte ^ 0x20, 0x0A, UInt8(ascii: "\"")] where replacement != byte {
                var edited = original
                edited[position] = replacement
                let (problems, summary) = try verified(edited)
                edits += 1
                #expect(problems.first?.line == lineIndex + 1,
                        "byte \(position - range.lowerBound) of line \(lineIndex + 1) set to \(replacement): \(problems)")
                #expect(!summary.isClean)
                if inValue && ChainMember.lowercaseHexValue(replacement) != nil {
                    // Another hex digit: that line's value is wrong, and the next line still verifies.
                    #expect(problems.count == 1, "\(problems)")
                    if case .chainMismatch = problems.first?.problem {} else { Issue.record("\(problems)") }
                }
            }
        }
    }
    #expect(edits > 3_000)
}

@Test func anEditedLineIsReportedOnceAndStillCountsForItsTicket() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    var bytes = try appended(history, in: dir)
    // Make T1's closure look earlier: a changed digit in its `at`.
    let text = String(decoding: bytes, as: UTF8.self)
    let target = text.utf8.firstRange(of: "2024-02-03T16:00".utf8)!
    bytes[text.utf8.distance(from: text.utf8.startIndex, to: target.lowerBound) + 12] = UInt8(ascii: "5")
    let (problems, summary) = try verified(bytes)
    #expect(problems.count == 1)
    #expect(problems.first?.line == 5)
    #expect(problems.first.map { $0.formatted(file: "events.jsonl").hasPrefix("events.jsonl:5: hash chain broken: expected ") } == true)
    #expect(summary.eventCount == 6)
    #expect(summary.chain.firstBreak == 5 && summary.chain.breakCount == 1)
    #expect(summary.chain.description == "chain broken (first at line 5)")
}

@Test func deletedSwappedAndInsertedLinesAreReported() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let original = try appended(history, in: dir)
    let lines = lineRanges(original).map { Array(original[$0]) }
    func joined(_ lines: [[UInt8]]) -> [UInt8] { lines.flatMap { $0 + [0x0A] } }

    var deleted = lines
    deleted.remove(at: 3)
    let afterDeletion = try verified(joined(deleted)).problems
    #expect(afterDeletion.first?.line == 4)
    #expect(afterDeletion.filter { if case .chainMismatch = $0.problem { true } else { false } }.map(\.line) == [4])

    var swapped = lines
    swapped.swapAt(1, 2)
    #expect(try verified(joined(swapped)).problems.first?.line == 2)

    var inserted = lines
    inserted.insert(Array(line("c1", "T3", "accepted", "04 09:00").utf8), at: 5)
    #expect(try verified(joined(inserted)).problems == [LogProblem(line: 6, problem: .chainMissing)])

    var removedFirst = lines
    removedFirst.removeFirst()
    #expect(try verified(joined(removedFirst)).problems.first?.line == 1)
}

@Test func aCutLastLineIsATornTailAndARemovedOneChangesTheHead() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let original = try appended(history, in: dir)
    let ranges = lineRanges(original)
    for cut in [1, 40, 75, 76] {
        let (problems, _) = try verified(Array(original.dropLast(1 + cut)))
        #expect(problems.map(\.line) == [7])
        #expect(problems.first.map { if case .tornTail = $0.problem { true } else { false } } == true)
    }
    // A whole line gone at the end leaves a chain that holds: only the head tells.
    let shorter = Array(original[..<ranges[5].upperBound]) + [0x0A]
    let (problems, summary) = try verified(shorter)
    #expect(problems == [])
    #expect(summary.chain.head?.hex == storedValue(original[ranges[5]]))
    #expect(summary.chain.head?.hex != storedValue(original[ranges[6]]))
}

@Test func anImportedLogStaysValidAndRequireChainRejectsIt() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let bytes = try appended(history, in: dir, chaining: .off)
    #expect(String(decoding: bytes, as: UTF8.self) == log(history))
    let (problems, summary) = try verified(bytes)
    #expect(problems == [])
    #expect(!summary.chain.isChained)
    #expect(summary.chain.description == "not chained")
    let required = try verified(bytes, requireChain: true)
    #expect(required.problems == [LogProblem(line: 1, problem: .chainRequired(chainStart: nil))])
    #expect(required.summary.problemCount == 1)
    // Appending without options keeps an imported log unchained.
    let path = dir.file("events.jsonl")
    let report = try appender(path).append(batch: Array(log(line("c1", "T3", "accepted", "07 09:00")).utf8))
    #expect(report.chainHead == nil)
    #expect(try verified(try dir.read("events.jsonl")).summary.chain.isChained == false)
    // Asked to start a chain but given nothing to append, it writes nothing and has no head.
    let before = try dir.read("events.jsonl")
    #expect(try appender(path, .start).append(batch: []).chainHead == nil)
    #expect(try dir.read("events.jsonl") == before)
}

@Test func chainingAnImportedLogSealsItsLinesIntoTheChain() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = dir.file("events.jsonl")
    _ = try appender(path, .off).append(batch: Array(log(Array(history.prefix(4))).utf8))
    let prefix = try dir.read("events.jsonl")
    _ = try appender(path, .start).append(batch: Array(log(Array(history.dropFirst(4))).utf8))
    let bytes = try dir.read("events.jsonl")
    #expect(Array(bytes.prefix(prefix.count)) == prefix)
    let ranges = lineRanges(bytes)
    // Line 5 builds on SHA-256 of lines 1-4 with their newlines.
    let start = HexEncoding.decode(sha256(prefix))!
    #expect(storedValue(bytes[ranges[4]]) == sha256(start + Array(bytes[ranges[4]].dropLast(ChainMember.length)) + Array("}".utf8)))

    let (problems, summary) = try verified(bytes)
    #expect(problems == [])
    #expect(summary.chain.firstLine == 5)
    #expect(summary.chain.description.hasSuffix(" (chained from line 5)"))
    #expect(try verified(bytes, requireChain: true).problems == [LogProblem(line: 1, problem: .chainRequired(chainStart: 5))])
    #expect(try appender(path, .start).append(batch: []).chainHead == summary.chain.head)
    // Automatic chaining goes on with the chain.
    _ = try appender(path).append(batch: Array(log(line("c1", "T3", "accepted", "07 09:00")).utf8))
    #expect(try verified(try dir.read("events.jsonl")).summary.chain.lastLine == 8)

    // Any edit in the sealed lines is caught: at its line, or where the chain starts.
    for lineIndex in [0, 3] {
        for position in ranges[lineIndex] {
            var edited = bytes
            edited[position] ^= 0x01
            let found = try verified(edited).problems
            #expect(found.first?.line == lineIndex + 1 || found.contains { $0.line == 5 && $0.problem != .chainMissing },
                    "byte \(position) of line \(lineIndex + 1): \(found)")
            #expect(!found.isEmpty)
        }
    }
}

@Test func noChainIsRefusedOnAChainedLog() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let original = try appended(Array(history.prefix(2)), in: dir)
    #expect(throws: AppendError.chainedLog(path: dir.file("events.jsonl"), firstChainedLine: 1)) {
        try appender(dir.file("events.jsonl"), .off).append(batch: Array(log(history[2]).utf8))
    }
    #expect(try dir.read("events.jsonl") == original)
    // An empty log is not chained by --no-chain.
    let empty = try dir.write("empty.jsonl", "")
    _ = try appender(empty, .off).append(batch: Array(log(history[0]).utf8))
    #expect(try dir.read("empty.jsonl") == Array(log(history[0]).utf8))
}

@Test func aLogWhoseChainIsBrokenIsNotAppendedTo() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    var bytes = try appended(Array(history.prefix(3)), in: dir)
    bytes[8] ^= 0x01  // id a1 becomes a0: a valid line whose chain no longer holds
    let path = try dir.write("events.jsonl", bytes)
    let error = #expect(throws: AppendError.self) {
        try appender(path).append(batch: Array(log(history[3]).utf8))
    }
    guard case .invalidLog(_, let problems, 1)? = error else {
        Issue.record("expected an invalid log, got \(String(describing: error))")
        return
    }
    #expect(problems.map(\.line) == [1])
    #expect(try dir.read("events.jsonl") == bytes)
}

@Test func aChainMemberInABatchLineIsReplaced() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let foreign = String(repeating: "ab", count: 32)
    let batch = [
        line("a1", "T1", "accepted", "01 09:00", #""chain":"\#(foreign)","topic":"噪音""#),
        line("a2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"\#(feb("08 18:00"))", "chain" : null "#),
        #"{"chain":"x","id":"a3","ticket":"T1","type":"closed","at":"\#(feb("02 09:00"))","unit":"市城管局"}"#,
    ]
    for chaining in [LogAppender.Chaining.automatic, .off] {
        let name = "\(chaining).jsonl"
        let text = String(decoding: try appended(batch, in: dir, chaining: chaining, name: name), as: UTF8.self)
        #expect(!text.contains(foreign) && !text.contains("null") && !text.contains(#""x""#))
        #expect(withoutChain(text) == log(
            line("a1", "T1", "accepted", "01 09:00", #""topic":"噪音","recorded":"2024-03-01T10:00:00+08:00""#),
            line("a2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"\#(feb("08 18:00"))","recorded":"2024-03-01T10:00:00+08:00""#),
            #"{"id":"a3","ticket":"T1","type":"closed","at":"\#(feb("02 09:00"))","unit":"市城管局","recorded":"2024-03-01T10:00:00+08:00"}"#,
        ))
        let (problems, summary) = try verifySummary(text)
        #expect(problems == [])
        #expect(summary.chain.isChained == (chaining == .automatic))
    }
}

@Test func chainEndingsOneByteAwayAreDamagedMembers() {
    func ending(_ text: String) -> ChainMember.Ending {
        Array(text.utf8).withUnsafeBytes { ChainMember.ending(of: $0) }
    }
    let hex = "0123456789abcdef" + String(repeating: "0", count: 48)
    let value = SHA256.Digest(hex: hex)!
    #expect(ending(#"{"id":"a1","chain":"\#(hex)"}"#) == .intact(bodyEnd: 10, value: value))
    #expect(ending(#"{"id":"a1","chbin":"\#(hex)"}"#) == .damaged(bodyEnd: 10, value: value))
    #expect(ending(#"{"id":"a1";"chain":"\#(hex)"}"#) == .damaged(bodyEnd: 10, value: value))
    #expect(ending(#"{"id":"a1","chain":"\#(hex)"]"#) == .damaged(bodyEnd: 10, value: value))
    #expect(ending(#"{"id":"a1","chain":"\#(hex.uppercased())"}"#) == .none, "ten digits off")
    #expect(ending(#"{"id":"a1","chain":"X\#(hex.dropFirst())"}"#) == .damaged(bodyEnd: 10, value: nil))
    #expect(ending(#"{"id":"a1","chain":"\#(hex)" }"#) == .none)
    #expect(ending(#"{"id":"a1","sha256":"\#(hex)"}"#) == .none)
    #expect(ending(#"{"id":"a1","topic":"占道经营"}"#) == .none)
    #expect(ending(#","chain":"\#(hex)"}"#) == .none, "no body")
    #expect(ending("") == .none)
}

@Test func standardInputHashesTheUnchainedLinesAsTheyGoBy() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = dir.file("events.jsonl")
    _ = try appender(path, .off).append(batch: Array(log(Array(history.prefix(3))).utf8))
    _ = try appender(path, .start).append(batch: Array(log(Array(history.dropFirst(3))).utf8))
    var fromFile = ChainVerifier(prefix: .file(path))
    var asRead = ChainVerifier(prefix: .hashedAsRead)
    try LogReader(path: path).forEachLine { line in
        let problems = (try fromFile.check(line), try asRead.check(line))
        #expect(problems.0 == nil && problems.1 == nil)
    }
    #expect(fromFile.summary == asRead.summary)
    #expect(asRead.summary.firstLine == 4)
}

@Test func digestGivesTheHeadOfTheLastLineRecordedByThen() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let bytes = try appended(history, in: dir)
    let path = dir.file("events.jsonl")
    let ranges = lineRanges(bytes)
    func digest(_ time: String?) throws -> ChainDigest {
        try ChainDigest.of(logAt: path, asOf: time.map { Timestamp.parseRFC3339($0)! }) { Issue.record("\($0)") }
    }
    let whole = try digest(nil)
    #expect(whole.line == 7 && whole.eventCount == 7 && whole.head.hex == storedValue(bytes[ranges[6]]))
    let early = try digest(feb("03 00:00"))
    #expect(early.line == 4 && early.eventCount == 4 && early.head.hex == storedValue(bytes[ranges[3]]))
    #expect(try digest(feb("05 12:05")).line == 6, "recorded at exactly the time counts")
    #expect(throws: ChainDigestFailure<Never>.noDigest(ChainDigestError.nothingRecorded(path: path, asOf: Timestamp.parseRFC3339(feb("01 09:00"))!))) {
        try digest(feb("01 09:00"))
    }
    // Appending later lines leaves the head as of an earlier time unchanged.
    _ = try appender(path).append(batch: Array(log(line("c1", "T3", "accepted", "21 09:00")).utf8))
    #expect(try digest(feb("03 00:00")) == early)
    #expect(try digest(nil).line == 8)
}

@Test func digestRefusesUnchainedBrokenAndNotYetChainedLogs() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let imported = dir.file("imported.jsonl")
    _ = try appender(imported, .off).append(batch: Array(log(Array(history.prefix(4))).utf8))
    #expect(throws: ChainDigestFailure<Never>.noDigest(ChainDigestError.notChained(path: imported))) { try ChainDigest.of(logAt: imported) { _ in } }
    _ = try appender(imported, .start).append(batch: Array(log(Array(history.dropFirst(4))).utf8))
    let t = Timestamp.parseRFC3339(feb("03 00:00"))!
    #expect(throws: ChainDigestFailure<Never>.noDigest(ChainDigestError.notChainedYet(path: imported, line: 4, chainStart: 5, asOf: t))) {
        try ChainDigest.of(logAt: imported, asOf: t) { _ in }
    }
    #expect(try ChainDigest.of(logAt: imported) { _ in }.line == 7)

    var bytes = try dir.read("imported.jsonl")
    bytes[bytes.count - 20] = UInt8(ascii: bytes[bytes.count - 20] == UInt8(ascii: "0") ? "1" : "0")
    let broken = try dir.write("broken.jsonl", bytes)
    var reported: [Int] = []
    #expect(throws: ChainDigestFailure<Never>.noDigest(ChainDigestError.invalidLog(path: broken, problemCount: 1))) {
        try ChainDigest.of(logAt: broken) { reported.append($0.line) }
    }
    #expect(reported == [7])
}

@Test func sealingDropsSpacesAfterTheClosingBrace() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let spaced = #"{ "id" : "a1", "ticket" : "T1", "type" : "accepted", "at" : "\#(feb("01 09:00"))" }  "#
    let text = String(decoding: try appended([spaced], in: dir), as: UTF8.self)
    #expect(withoutChain(text) == #"{ "id" : "a1", "ticket" : "T1", "type" : "accepted", "at" : "\#(feb("01 09:00"))" ,"recorded":"2024-03-01T10:00:00+08:00"}"# + "\n")
    #expect(try verifySummary(text).summary.chain.isIntact)
}

/// ``SHA256/Digest/init(lowercaseHex:)`` reads sixteen digits a step (with SSE2) or eight; both
/// must agree with reading them one at a time, on valid values and on values with bytes just
/// outside the digit ranges.
@Suite struct LowercaseHexTests {
    static func reference(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 64 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: 64, by: 2) {
            guard let high = ChainMember.lowercaseHexValue(bytes[i]), let low = ChainMember.lowercaseHexValue(bytes[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    @Test func agreesWithDigitByDigit() {
        var random = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        // Just outside the ranges, uppercase, and bytes whose sums would carry into the next byte.
        let strange: [UInt8] = [0x2F, 0x3A, 0x60, 0x67, 0x41, 0x46, 0x00, 0x7F, 0x80, 0xB0, 0xE1, 0xFF, 0x20, 0x22]
        for round in 0..<20_000 {
            var bytes = (0..<64).map { _ in digits.randomElement(using: &random)! }
            for _ in 0..<(round % 3) {
                bytes[Int.random(in: 0..<64, using: &random)] = round % 2 == 0 ? strange.randomElement(using: &random)! : .random(in: 0...255, using: &random)
            }
            let expected = Self.reference(bytes)
            for parsed in [bytes.withUnsafeBytes { SHA256.Digest(lowercaseHex: $0) },
                           bytes.withUnsafeBytes { SHA256.Digest(lowercaseHexEightAtATime: $0) }] {
                #expect(parsed.map { Array($0.withUnsafeBytes { Array($0) }) } == expected, "\(String(decoding: bytes, as: UTF8.self))")
                if let parsed { #expect(parsed.hex == String(decoding: bytes, as: UTF8.self)) }
            }
        }
    }
}
