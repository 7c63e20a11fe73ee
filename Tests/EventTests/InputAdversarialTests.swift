import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Events

/// Hostile input (issue 9, "Input"): ids spelled two ways, lone surrogates, endless lines and
/// files that are not files, timestamps at the edges of RFC 3339, chained logs with CRLF.
@Suite struct InputAdversarialTests {
    /// The ticket of `escapedIDLog`: accepted, assigned, closed, then called back twice under
    /// one id spelled `cb-4` and `cb\u002d4`.
    static let escapedIDLines: [String] = acceptedAssignedClosed("T1", prefix: "e") + [
        line("cb-4", "T1", "callback-rated", "04 10:00", #""unit":"市城管局","rating":"satisfied""#),
        line(#"cb\u002d4"#, "T1", "callback-rated", "04 11:00", #""unit":"市城管局","rating":"satisfied""#),
    ]

    // MARK: Ids are compared by their decoded value

    @Test func anEscapedSpellingOfAnIdIsADuplicate() throws {
        // Through the parallel scan (a file) and line by line (the same log, blocks of every size).
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("events.jsonl", log(Self.escapedIDLines))
        let expected = [#"events.jsonl:5: duplicate event id "cb-4" (first used on line 4)"#]
        #expect(try verify(log(Self.escapedIDLines)) == expected)
        for blockSize in [1 << 20, 97] {
            var problems: [String] = []
            let summary = try LogVerifier.verifyScanned(at: path, requireChain: false, blockSize: blockSize) {
                problems.append($0.formatted(file: "events.jsonl"))
            }
            #expect(problems == expected)
            #expect(summary.eventCount == 4)
        }
        var sequential: [String] = []
        _ = try LogVerifier.verifyFile(at: path, requireChain: false, report: { sequential.append($0.formatted(file: "events.jsonl")) }) { _, _, _ in }
        #expect(sequential == expected)
    }

    @Test func bothSpellingsEscapedAreOneIdToo() throws {
        // `\u0063b-4` (c escaped) after `cb\u002d4`: neither is stored as its bytes.
        let lines = Self.escapedIDLines + [
            line(#"\u0063b-4"#, "T1", "callback-rated", "04 12:00", #""unit":"市城管局","rating":"satisfied""#),
        ]
        #expect(try verify(log(lines)) == [
            #"events.jsonl:5: duplicate event id "cb-4" (first used on line 4)"#,
            #"events.jsonl:6: duplicate event id "cb-4" (first used on line 4)"#,
        ])
    }

    @Test func appendRefusesAnEscapedSpellingOfAnIdInTheLog() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let appender = LogAppender(path: dir.file("events.jsonl"))
        _ = try appender.append(batch: Array(log(Array(Self.escapedIDLines.prefix(4))).utf8))
        let before = try dir.read("events.jsonl")
        #expect(throws: AppendError.self) { try appender.append(batch: Array(log(Self.escapedIDLines[4]).utf8)) }
        do {
            _ = try appender.append(batch: Array(log(Self.escapedIDLines[4]).utf8))
        } catch .batchRejected(let problems, _) {
            #expect(problems == [LogProblem(line: 1, problem: .idAlreadyInLog("cb-4", line: 4))])
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(try dir.read("events.jsonl") == before)
    }

    @Test func theIndexHashesTheDecodedValue() {
        var index = EventIDIndex()
        var text = #"cb-4 cb\u002d4"#
        text.withUTF8 { buffer in
            let line = UnsafeRawBufferPointer(buffer)
            #expect(index.insert(FieldRef(range: 0..<4, escaped: false), in: line, lineNumber: 7) == nil)
            #expect(index.firstLine(of: FieldRef(range: 5..<14, escaped: true), in: line) == 7)
            #expect(index.insert(FieldRef(range: 5..<14, escaped: true), in: line, lineNumber: 9) == 7)
        }
    }

    // MARK: Lone surrogates are not text

    @Test(arguments: [
        (#"\ud800"#, "ud800", "high"), (#"\udbff"#, "udbff", "high"), (#"\udc00"#, "udc00", "low"),
        (#"\ud800x"#, "ud800", "high"), (#"\ud800\u0041"#, "ud800", "high"), (#"\udfff\ud800"#, "udfff", "low"),
        (#"a\ud800\ud800\udc00"#, "ud800", "high"),
    ])
    func aLoneSurrogateInAUnitIsRefusedNamingTheField(escape: String, hex: String, half: String) throws {
        let text = line("E1", "T1", "assigned", "01 09:30", #""unit":"市\#(escape)局","due":"\#(feb("08 18:00"))""#)
        guard case .malformedJSON(_, let message)? = problem(text) else {
            Issue.record("\(escape) was accepted")
            return
        }
        #expect(message.hasPrefix("field 'unit' holds a lone surrogate \\\(hex) (a \(half) surrogate must"))
        #expect(message.hasSuffix("half a UTF-16 pair is not text"))
    }

    @Test func surrogatePairsStillDecode() throws {
        let event = try decode(line("E1", "T1", "assigned", "01 09:30", #""unit":"\ud83d\ude00\uD83D\uDE00","due":"\#(feb("08 18:00"))""#))
        #expect(event.unit == "😀😀")
    }

    @Test func twoUnitsWithDifferentLoneSurrogatesNoLongerMerge() throws {
        // Both used to decode to "市\u{FFFD}局"; now both lines are refused, naming line and field.
        let lines = [
            line("a1", "T1", "accepted", "01 09:00", #""channel":"hotline""#),
            line("a2", "T1", "assigned", "01 09:30", #""unit":"市\ud800局","due":"\#(feb("08 18:00"))""#),
            line("a3", "T1", "closed", "03 16:00", #""unit":"市\udbff局""#),
        ]
        let problems = try verify(log(lines))
        #expect(problems.count == 2)
        #expect(problems[0].hasPrefix(#"events.jsonl:2: malformed JSON at column 88: field 'unit' holds a lone surrogate \ud800"#))
        #expect(problems[1].hasPrefix(#"events.jsonl:3: malformed JSON at column 86: field 'unit' holds a lone surrogate \udbff"#))
    }

    @Test func aLoneSurrogateAnywhereInTheLineIsRefused() {
        // In an unknown member's nested value, in a key, in the id.
        let nested = line("E1", "T1", "accepted", "01 09:00", #""extra":{"deep":["\udc01"]}"#)
        guard case .malformedJSON(_, let m1)? = problem(nested) else { Issue.record("nested accepted"); return }
        #expect(m1.hasPrefix(#"field 'extra' holds a lone surrogate \udc01"#))
        let key = line("E1", "T1", "accepted", "01 09:00", #""x\ud800":1"#)
        guard case .malformedJSON(_, let m2)? = problem(key) else { Issue.record("key accepted"); return }
        #expect(m2.hasPrefix(#"a key holds a lone surrogate \ud800"#))
        guard case .malformedJSON(_, let m3)? = problem(line(#"E\udbff"#, "T1", "accepted", "01 09:00")) else {
            Issue.record("id accepted"); return
        }
        #expect(m3.hasPrefix(#"field 'id' holds a lone surrogate \udbff"#))
    }

    @Test func surrogatesWrittenAsRawUTF8AreRefusedOnBothPaths() throws {
        // ED A0 80 is U+D800 in (invalid) UTF-8: the fast path declines it, the scanner refuses it.
        var bytes = Array(line("a1", "T1", "accepted", "01 09:00", #""channel":"hotline","topic":"X""#).utf8)
        let x = bytes.lastIndex(of: UInt8(ascii: "X"))!
        bytes.replaceSubrange(x...x, with: [0xED, 0xA0, 0x80])
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("events.jsonl", bytes + [0x0A])
        var problems: [LogProblem] = []
        let summary = try LogVerifier.verifyFile(at: path) { problems.append($0) }
        #expect(summary.eventCount == 0)
        #expect(problems.count == 1)
        guard case .malformedJSON(_, "invalid UTF-8")? = problems.first?.problem else {
            Issue.record("\(problems)"); return
        }
    }

    // MARK: RFC 3339 texts a timestamp cannot hold say why

    @Test(arguments: [
        ("9999-12-31T23:59:59Z", "year 9999 is outside the supported range 1678–2261"),
        ("0000-01-01T00:00:00Z", "year 0000 is outside the supported range 1678–2261"),
        ("1677-12-31T23:59:59.5+08:00", "year 1677 is outside the supported range 1678–2261"),
        ("2016-12-31T23:59:60Z", "leap second 23:59:60 is not supported"),
        ("2024-02-29T07:59:60+08:00", "leap second 07:59:60 is not supported"),
        ("2024-02-03T09:15:00.0000000001+08:00", "fractional seconds finer than a nanosecond are not supported"),
        ("2024-02-03T09:15:00.1234567895Z", "fractional seconds finer than a nanosecond are not supported"),
    ])
    func validRFC3339ButUnsupportedSaysWhy(text: String, reason: String) throws {
        #expect(Timestamp.parseRFC3339(text) == nil)
        #expect(Timestamp.unsupportedReason(text)?.hasPrefix(reason) == true)
        let message = problem(line("E1", "T1", "accepted", text))?.message ?? "accepted"
        #expect(message.hasPrefix("field 'at' holds \"\(text)\", a valid RFC 3339 date-time the ledger cannot hold: \(reason)"))
        let verified = try verify(log(line("E1", "T1", "accepted", "01 09:00", #""due":"\#(text)""#),
                                      line("E2", "T1", "assigned", "01 09:30", #""unit":"U","due":"\#(text)""#)))
        #expect(verified.count == 1)
        #expect(verified.first?.contains("field 'due' holds \"\(text)\", a valid RFC 3339 date-time the ledger cannot hold: \(reason)") == true)
    }

    @Test(arguments: ["2024-02-30T00:00:00Z", "2024-01-01T23:59:61Z", "2024-01-01T24:00:00Z", "99999-01-01T00:00:00Z",
                      "2024-01-01T00:00:00", "2024-01-01T00:00:00+24:00"])
    func invalidTextsAreStillJustInvalid(text: String) {
        #expect(Timestamp.parseRFC3339(text) == nil)
        #expect(Timestamp.unsupportedReason(text) == nil)
        #expect(problem(line("E1", "T1", "accepted", text))?.message
                == "field 'at' is not a valid RFC 3339 date-time with offset: \"\(text)\"")
    }

    @Test func everyInstantOfTheSupportedYearsIsAccepted() throws {
        // The extremes of the range at the extreme offsets, with nanoseconds: no overflow.
        let first = try #require(Timestamp.parseRFC3339("1678-01-01T00:00:00+23:59"))
        #expect(first.rfc3339(offsetSeconds: 0, zulu: true) == "1677-12-31T00:01:00Z")
        let last = try #require(Timestamp.parseRFC3339("2261-12-31T23:59:59.999999999-23:59"))
        #expect(last.rfc3339(offsetSeconds: 0, zulu: true) == "2262-01-01T23:58:59.999999999Z")
        #expect(Timestamp.parseRFC3339("1678-01-01T00:00:00Z") != nil)
        #expect(Timestamp.parseRFC3339("2261-12-31T23:59:59+08:00") != nil)
        #expect(Timestamp.unsupportedReason("2261-12-31T23:59:59+08:00") == nil)
    }

    // MARK: A chained log with CRLF line endings is not "not chained, 0 errors"

    static func chainedLog(in dir: TemporaryFolder, _ name: String = "chained.jsonl") throws -> [UInt8] {
        var appender = LogAppender(path: dir.file(name))
        appender.clock = { Timestamp.parseRFC3339("2024-03-01T10:00:00+08:00")! }
        _ = try appender.append(batch: Array(log(acceptedAssignedClosed("T1", prefix: "a") + acceptedAssignedClosed("T2", prefix: "b")).utf8))
        return try dir.read(name)
    }

    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        bytes.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }
    }

    @Test func aChainedLogConvertedToCRLFReportsEachLineEndingAndKeepsItsChain() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let original = try Self.chainedLog(in: dir)
        let head = try LogVerifier.verifyFile(at: dir.file("chained.jsonl")) { _ in }.chain.head
        let path = try dir.write("crlf.jsonl", Self.crlf(original))
        var parallel: [LogProblem] = []
        let summary = try LogVerifier.verifyFile(at: path) { parallel.append($0) }
        var sequential: [LogProblem] = []
        let lineByLine = try LogVerifier.verifyFile(at: path, requireChain: false, report: { sequential.append($0) }) { _, _, _ in }
        let expected = (1...6).map { LogProblem(line: $0, problem: .chainLineEnding) }
        #expect(parallel == expected)
        #expect(sequential == expected)
        #expect(summary == lineByLine)
        #expect(summary.problemCount == 6)
        #expect(summary.chain.isChained)
        #expect(summary.chain.firstBreak == nil)
        #expect(summary.chain.head == head)
        #expect(summary.description + "; " + summary.chain.description != "6 events, 2 tickets, 0 errors; not chained")
        #expect(expected[0].problem.message.contains("CRLF"))
        // The other tools refuse it too: a digest, an append.
        #expect(throws: ChainDigestFailure<Never>.noDigest(.invalidLog(path: path, problemCount: 6))) { try ChainDigest.of(logAt: path) { _ in } }
        #expect(throws: AppendError.self) {
            try LogAppender(path: path).append(batch: Array(log(line("c1", "T3", "accepted", "05 09:00")).utf8))
        }
        #expect(try dir.read("crlf.jsonl") == Self.crlf(original))
    }

    @Test func anEditedCRLFLineIsStillABrokenChain() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        var bytes = Self.crlf(try Self.chainedLog(in: dir))
        let reply = Array("已清理".utf8)
        let start = try #require((0..<bytes.count).first { Array(bytes[$0..<min($0 + reply.count, bytes.count)]) == reply })
        bytes[start + 2] ^= 0x01
        let path = try dir.write("edited.jsonl", bytes)
        var problems: [LogProblem] = []
        let summary = try LogVerifier.verifyFile(at: path) { problems.append($0) }
        #expect(summary.chain.firstBreak == 3)
        #expect(problems.map(\.line) == [1, 2, 3, 4, 5, 6])
        guard case .chainMismatch? = problems.first(where: { $0.line == 3 })?.problem else {
            Issue.record("\(problems)"); return
        }
    }

    @Test func anUnchainedCRLFLogIsStillFine() throws {
        let text = log(acceptedAssignedClosed("T1", prefix: "a"))
        let (problems, summary) = try verifySummary(String(decoding: Self.crlf(Array(text.utf8)), as: UTF8.self))
        #expect(problems.isEmpty)
        #expect(summary.eventCount == 3)
        #expect(!summary.chain.isChained)
    }

    // MARK: Lines are bounded; a log must be a regular file

    /// Three good lines, a line of `long` bytes, then a good line.
    static func logWithLongLine(_ long: Int) -> [UInt8] {
        let good = acceptedAssignedClosed("T1", prefix: "a")
        return Array(log(good).utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: long) + [0x0A]
            + Array(log(line("b1", "T2", "accepted", "02 09:00")).utf8)
    }

    @Test func aLineLongerThanTheLimitStopsEveryReaderNamingTheLine() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("long.jsonl", Self.logWithLongLine(5000))
        let expected = LogFileError(path: path, message: "line 4 is longer than 4,096 bytes, the limit for one line "
                                    + "(not a JSON Lines log, or a line to split)")
        // The parallel scan: the line inside a block, and a line that would grow the block.
        for blockSize in [1 << 20, 1024, 333] {
            var seen: [LogProblem] = []
            #expect(throws: expected) {
                try LogVerifier.verifyScanned(at: path, requireChain: false, blockSize: blockSize, maxLineBytes: 4096) { seen.append($0) }
            }
            #expect(seen.isEmpty)
        }
        #expect(throws: LogReadError<Never>.file(expected)) { try LogVerifier.verifyFile(at: path, maxLineBytes: 4096) { _ in } }
        #expect(throws: expected) {
            try LogVerifier.verifyFile(at: path, requireChain: false, maxLineBytes: 4096, report: { _ in }) { _, _, _ in }
        }
        var reader = LogReader(path: path, chunkSize: 1000)
        reader.maxLineBytes = 4096
        var lines = 0
        #expect(throws: LogReadError<Never>.file(expected)) { try reader.forEachLine { _ in lines += 1 } }
        #expect(lines == 3)
        var appender = LogAppender(path: path)
        appender.maxLineBytes = 4096
        #expect(throws: AppendError.file(expected)) { try appender.append(batch: Array(log(line("c1", "T3", "accepted", "05 09:00")).utf8)) }
        // At the limit, the line is read (and is then just a bad line).
        let summary = try LogVerifier.verifyFile(at: path, maxLineBytes: 5000) { _ in }
        #expect(summary.problemCount == 1)
        #expect(summary.eventCount == 4)
    }

    @Test func aFinalLineWithoutNewlineIsBoundedToo() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("torn.jsonl", Array(log(acceptedAssignedClosed("T1", prefix: "a")).utf8)
                                 + [UInt8](repeating: 0, count: 3000))
        let expected = LogFileError(path: path, message: "line 4 is longer than 2,000 bytes, the limit for one line "
                                    + "(not a JSON Lines log, or a line to split)")
        for blockSize in [1 << 20, 512] {
            #expect(throws: expected) {
                try LogVerifier.verifyScanned(at: path, requireChain: false, blockSize: blockSize, maxLineBytes: 2000) { _ in }
            }
        }
        #expect(throws: expected) {
            try LogVerifier.verifyFile(at: path, requireChain: false, maxLineBytes: 2000, report: { _ in }) { _, _, _ in }
        }
    }

    @Test func devZeroAndAFIFOAreRefusedAsLogsWithoutReadingThem() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let fifo = dir.file("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, kind) in [("/dev/zero", "a character device"), (fifo, "a FIFO (named pipe)"), (dir.path, "a directory")] {
            let expected = LogFileError(path: path, message: "\(kind), not a regular file: a log must be a regular file")
            #expect(throws: LogReadError<Never>.file(expected)) { try LogVerifier.verifyFile(at: path) { _ in } }
            #expect(throws: LogReadError<Never>.file(expected)) { try LogReader(path: path).forEachLine { _ in } }
            #expect(throws: ChainDigestFailure<Never>.file(expected)) { try ChainDigest.of(logAt: path) { _ in } }
            if path != dir.path {
                // A directory cannot even be opened for writing.
                #expect(throws: AppendError.file(expected)) { try LogAppender(path: path).append(batch: []) }
                #expect(throws: expected) { try LogRepair(path: path).repair() }
            }
        }
    }
}
