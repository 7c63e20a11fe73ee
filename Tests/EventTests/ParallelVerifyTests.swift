import Testing
@testable import Events

/// `verifyFile` reads a file with worker threads (``LogScan``); it must report exactly what
/// the line-by-line verifier reports: the same problems in the same order, the same totals,
/// the same chain summary, on damaged and re-ordered logs, chained or not, whatever the blocks.
@Suite struct ParallelVerifyTests {
    static let history: [String] = (1...40).flatMap { n -> [String] in
        let t = "T\(n)", day = String(format: "%02d", n % 20 + 1)
        return [
            line("\(t)a", t, "accepted", "\(day) 09:00", #""channel":"hotline","topic":"占道经营""#),
            line("\(t)b", t, "assigned", "\(day) 09:30", #""unit":"市城管局","due":"\#(feb("25 18:00"))""#),
            line("\(t)c", t, "closed", "\(day) 16:00", #""unit":"市城管局","reply":"已清理\n谢谢""#),
            line("\(t)d", t, "callback-rated", "\(day) 18:00", #""unit":"市城管局","rating":"satisfied""#),
        ]
    }

    /// The history appended through `LogAppender` (so chained), as bytes.
    static func chainedLog(in dir: TemporaryFolder) throws -> [UInt8] {
        var appender = LogAppender(path: dir.file("chained.jsonl"))
        appender.clock = { Timestamp.parseRFC3339("2024-03-01T10:00:00+08:00")! }
        _ = try appender.append(batch: Array(log(Self.history).utf8))
        return try dir.read("chained.jsonl")
    }

    /// A valid line as a verify visits it (what `digest` reads of it).
    struct Visited: Equatable {
        var line: Int
        var knownAt: Int64
        var value: SHA256.Digest?
    }

    /// Both verifiers on `bytes`: the same problems, totals and chain summary, and the same
    /// valid lines visited with the same chain values. The scanned verify runs with a visitor
    /// (ids checked line by line) and without (their check deferred: ``DeferredIDs``).
    /// - Returns: The problems found.
    @discardableResult
    static func both(_ bytes: [UInt8], requireChain: Bool, in dir: TemporaryFolder) throws -> [LogProblem] {
        let path = try dir.write("log.jsonl", bytes)
        var sequential: [LogProblem] = []
        var sequentialVisits: [Visited] = []
        let expected = try LogVerifier.verifyFile(at: path, requireChain: requireChain, report: { sequential.append($0) }) {
            line, event, value in sequentialVisits.append(Visited(line: line.number, knownAt: event.knownAt.nanoseconds, value: value))
        }
        for blockSize in [1 << 20, 4096, 333] {
            var parallel: [LogProblem] = []
            var visits: [Visited] = []
            let summary = try LogVerifier.verifyScanned(at: path, requireChain: requireChain, blockSize: blockSize,
                                                        visit: { visits.append(Visited(line: $0, knownAt: $1, value: $2)) }) {
                parallel.append($0)
            }
            #expect(parallel == sequential)
            #expect(summary == expected)
            #expect(visits == sequentialVisits)
            var deferred: [LogProblem] = []
            let deferredSummary = try LogVerifier.verifyScanned(at: path, requireChain: requireChain, blockSize: blockSize) {
                deferred.append($0)
            }
            #expect(deferred == sequential)
            #expect(deferredSummary == expected)
        }
        return sequential
    }

    /// A block grown for a line longer than a block, which then ends partway into another long
    /// line, leaves a carry longer than the next block: it grows to take it (it once wrote past
    /// its end, with `--max-line-bytes` above the 1 MiB block and two long lines close together).
    @Test func aLongLineCarriedOverIntoASmallerBlockIsRead() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let long = { (n: Int) in line("L\(n)", "L\(n)", "accepted", "01 09:00", #""channel":"hotline","topic":""# + String(repeating: "x", count: 2000) + #"""#) }
        // The first block grows to 4,000 bytes for the first line (about 2,100) and ends 1,900
        // bytes into the second.
        let lines = [long(0), long(1), long(2)] + (0..<10).map { line("s\($0)", "S\($0)", "accepted", "02 09:00", #""channel":"hotline""#) }
            + [long(3), long(4)] + (10..<40).map { line("s\($0)", "S\($0)", "accepted", "02 09:00", #""channel":"hotline""#) }
        let path = try dir.write("log.jsonl", Array(log(lines).utf8))
        for workers in [0, 2] {
            var scan = LogScan(path: path, workers: workers)
            scan.blockSize = 1000
            scan.maxLineBytes = 10_000
            var read: [String] = []
            try scan.run { block in
                for event in block.events { read.append(String(decoding: event.line(in: block.bytes), as: UTF8.self)) }
            }
            #expect(read == lines)
        }
        let summary = try LogVerifier.verifyScanned(at: path, requireChain: false, blockSize: 1000, maxLineBytes: 10_000) { _ in }
        #expect(summary.eventCount == lines.count)
    }

    /// A log of very short lines (garbage, not events): once a block holds more than
    /// ``ScannedBlock/denseLineLimit`` lines, the blocks after it stop at that many (the rest
    /// carried over), so their records stay small; every line is still read once, in order, and
    /// verify reports exactly what it reports line by line.
    @Test func blocksOfVeryShortLinesStopAtTheLineLimit() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let limit = ScannedBlock.denseLineLimit
        var lines: [String] = []
        for i in 0..<(5 * limit) {
            lines.append(i % 9_000 == 0 ? line("e\(i)", "T\(i)", "accepted", "01 09:00") : (i % 2 == 0 ? "y" : ""))
        }
        let bytes = Array(log(lines).utf8)
        let path = try dir.write("log.jsonl", bytes)
        for workers in [0, 2] {
            var scan = LogScan(path: path, workers: workers)
            scan.blockSize = 64 << 10
            var read: [String] = []
            var counts: [Int] = []
            try scan.run { block in
                counts.append(block.events.count)
                for event in block.events { read.append(String(decoding: event.line(in: block.bytes), as: UTF8.self)) }
            }
            #expect(read == lines, "workers: \(workers)")
            // A 64 KiB block holds about 44,000 of these lines (one or two bytes); the blocks read after
            // the first was decoded stop at the limit (with two workers, the second is read meanwhile).
            #expect(counts.count > 4 && counts.first! > limit, "\(counts)")
            #expect(counts.dropFirst(workers == 0 ? 1 : 2).allSatisfy { $0 <= limit }, "\(counts)")
            #expect(counts.contains(limit), "\(counts)")
        }
        try Self.both(Array(log(Array(lines.prefix(3 * limit))).utf8), requireChain: false, in: dir)
    }

    /// Without a visitor, a file's ids are checked for repeats only at its first problem or at
    /// its end (``DeferredIDs``), the lines in between checked as if every id were new. A
    /// repeated id must still be reported as line by line, and the lines after it judged
    /// without it: a repeat the life cycle accepts (another ticket's id) and nothing after it,
    /// so that only the check at the end finds it; the same with a later problem of another
    /// kind, which finds it; a line repeated whole (the life cycle refuses it too); the first
    /// line's id on the second; an id spelled with an escape; a chained line given an earlier
    /// line's id (the chain breaks there, which is reported instead).
    @Test func aRepeatedIDFoundAfterTheLinesAfterItGetsTheSameReport() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let history = Self.history
        // Line 41 takes line 5's id for another ticket's `accepted`.
        var reused = history
        reused.insert(line("T2a", "T99", "accepted", "05 09:00", #""channel":"hotline""#), at: 40)
        var tornAfter = Array(log(reused).utf8)
        tornAfter += Array(#"{"id":"torn","#.utf8)
        var badAfter = reused
        badAfter[100] = "not json"
        var escaped = history
        escaped.insert(line(#"T1\u0061"#, "T98", "accepted", "05 09:00", #""channel":"hotline""#), at: 60)
        var doubled = history
        doubled.insert(history[7], at: 90)
        var first = history
        first[0] = line("T1b", "T1", "accepted", "01 09:00", #""channel":"hotline""#)
        for bytes in [Array(log(reused).utf8), tornAfter, Array(log(badAfter).utf8), Array(log(escaped).utf8),
                      Array(log(doubled).utf8), Array(log(first).utf8)] {
            let problems = try Self.both(bytes, requireChain: false, in: dir)
            #expect(problems.contains { if case .duplicateID = $0.problem { true } else { false } })
        }
        // Far more lines than the log's first 64 KiB foretell (long lines, then short ones): the
        // bitmap crowds and the index is made at a block's end; a repeat before that, and one after.
        let long = (0..<40).map { line("L\($0)", "L\($0)", "accepted", "01 09:00", #""channel":"hotline","topic":""# + String(repeating: "x", count: 2000) + #"""#) }
        let short = (0..<30_000).map { line("s\($0)", "S\($0)", "accepted", "02 09:00", #""channel":"hotline""#) }
        for repeatAt in [2000, 25_000] {
            var lines = long + short
            lines.insert(line("s17", "R", "accepted", "03 09:00", #""channel":"hotline""#), at: 40 + repeatAt)
            let problems = try Self.both(Array(log(lines).utf8), requireChain: false, in: dir)
            #expect(problems.map(\.line) == [41 + repeatAt])
        }
        // A chained log with a line's id changed to an earlier line's (the chain then breaks there).
        let chained = try Self.chainedLog(in: dir)
        var lines = chained.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        lines[50] = lines[50].replacingOccurrences(of: #""id":"T13c""#, with: #""id":"T3c""#)
        let problems = try Self.both(Array((lines.joined(separator: "\n") + "\n").utf8), requireChain: true, in: dir)
        #expect(problems.first?.line == 51)
    }

    @Test func damagedAndReorderedLogsGetTheSameReport() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let chained = try Self.chainedLog(in: dir)
        let plain = Array(log(Self.history).utf8)
        var random = SplitMix64(seed: 0xB10C)
        for round in 0..<60 {
            let source: [UInt8] = round % 2 == 0 ? chained : plain
            var lines: [[UInt8]] = source.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
            if lines.last?.isEmpty == true { lines.removeLast() }
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                let i = Int.random(in: 0..<lines.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0 where !lines[i].isEmpty: lines[i][Int.random(in: 0..<lines[i].count, using: &random)] = UInt8.random(in: 0x20...0x7E, using: &random)
                case 1: lines.remove(at: i)
                case 2: lines.insert(lines[i], at: Int.random(in: 0...lines.count, using: &random))
                case 3: lines.swapAt(i, Int.random(in: 0..<lines.count, using: &random))
                default: lines[i] = Array(lines[i].prefix(Int.random(in: 0...lines[i].count, using: &random)))
                }
            }
            var bytes: [UInt8] = lines.flatMap { $0 + [0x0A] }
            if round % 5 == 0 { bytes.removeLast(Int.random(in: 1...20, using: &random)) }
            try Self.both(bytes, requireChain: round % 3 == 0, in: dir)
        }
    }

    @Test func aChainStartingAfterImportedLinesGetsTheSameReport() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = try dir.write("chained.jsonl", Array(log(Array(Self.history.prefix(50))).utf8))
        var appender = LogAppender(path: path)
        appender.clock = { Timestamp.parseRFC3339("2024-03-01T10:00:00+08:00")! }
        appender.chaining = .start
        _ = try appender.append(batch: Array(log(Array(Self.history.dropFirst(50))).utf8))
        try Self.both(try dir.read("chained.jsonl"), requireChain: true, in: dir)
    }

    /// Edits aimed at the chain: bytes of the `chain` members and of the bodies of chained lines,
    /// lines converted to CRLF, members dropped or copied from another line; small blocks put
    /// lines with a link computed by the worker next to lines whose link the verifier computes.
    @Test func editsOfChainedLinesGetTheSameReport() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let chained = try Self.chainedLog(in: dir)
        var random = SplitMix64(seed: 0xC4A1)
        for _ in 0..<60 {
            var lines: [[UInt8]] = chained.split(separator: 0x0A).map { Array($0) }
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let i = Int.random(in: 0..<lines.count, using: &random)
                let n = lines[i].count
                switch Int.random(in: 0..<5, using: &random) {
                case 0: lines[i][n - Int.random(in: 1...ChainMember.length, using: &random)] = UInt8.random(in: 0x20...0x7E, using: &random)
                case 1: lines[i][Int.random(in: 0..<(n - ChainMember.length), using: &random)] = UInt8(ascii: "x")
                case 2: lines[i].append(0x0D)
                case 3: lines[i] = Array(lines[i].dropLast(ChainMember.length)) + [UInt8(ascii: "}")]
                default:
                    let other = lines[Int.random(in: 0..<lines.count, using: &random)]
                    lines[i] = Array(lines[i].dropLast(ChainMember.length)) + other.suffix(ChainMember.length)
                }
            }
            try Self.both(lines.flatMap { $0 + [0x0A] }, requireChain: true, in: dir)
        }
    }

    /// The workers check the links of chained lines: every line but the first of a block whose
    /// link (the SHA-256 of the value stored on the line before it and its own body) is the
    /// value it stores is flagged, and the block carries each line's stored value.
    @Test func workersCheckTheLinksOfChainedLines() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        var lines = try Self.chainedLog(in: dir).split(separator: 0x0A).map { Array($0) }
        // Line 40's stored value edited: its own link and the next line's do not match.
        let edited = 40
        let digit = lines[edited].count - 3
        lines[edited][digit] = lines[edited][digit] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        let path = try dir.write("log.jsonl", lines.flatMap { $0 + [0x0A] })
        var scan = LogScan(path: path, workers: 2)
        scan.blockSize = 1000
        scan.chainLinks = true
        var linked = 0, blocks = 0, lineIndex = 0, editedInside = 0
        var previousStored: SHA256.Digest?
        try scan.run { block in
            blocks += 1
            #expect(block.chainValues.count == block.events.count)
            for (j, event) in block.events.enumerated() {
                defer { lineIndex += 1 }
                let line = event.line(in: block.bytes)
                guard case .intact(let bodyEnd, let stored) = ChainMember.ending(of: line) else {
                    Issue.record("line without a chain member")
                    continue
                }
                let recomputed = HashChain.link(previous: previousStored ?? HashChain.genesis, body: UnsafeRawBufferPointer(rebasing: line[..<bodyEnd]))
                previousStored = stored
                // Every line but a block's first whose link is its value is flagged for the verifier.
                let expected = j > 0 && recomputed == stored
                #expect(event.flags.contains(.chainLinked) == expected, "line \(lineIndex + 1)")
                #expect(expected == (j > 0 && lineIndex != edited && lineIndex != edited + 1))
                #expect(block.chainValues[j] == stored)
                if expected { linked += 1 }
                if j > 0 && (lineIndex == edited || lineIndex == edited + 1) { editedInside += 1 }
            }
        }
        #expect(blocks > 10)
        #expect(editedInside > 0)
        #expect(linked == Self.history.count - blocks - editedInside)

        // Blocks of unchained lines get no values and no flags.
        let plain = try dir.write("plain.jsonl", Array(log(Self.history).utf8))
        scan.path = plain
        var plainBlocks = 0
        try scan.run { block in
            plainBlocks += 1
            #expect(!block.events.isEmpty)
            #expect(block.chainValues.isEmpty)
            #expect(!block.events.contains { $0.flags.contains(.chainLinked) })
        }
        #expect(plainBlocks > 10)
    }
}
