import Foundation
import Testing
@testable import Events
@testable import Projections
import LedgerBenchKit

/// A log's bytes handed out a few at a time, as a database's rows arrive: reads of 1 to `most`
/// bytes, cut anywhere (inside lines, between a line and its newline).
final class TrickleSource: LogByteSource {
    private let bytes: [UInt8]
    private var at = 0
    private var rng: UInt64
    private let most: Int

    init(_ bytes: [UInt8], seed: UInt64, most: Int) {
        self.bytes = bytes
        rng = seed
        self.most = most
    }

    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        let n = min(count, bytes.count - at, 1 + Int(rng >> 33) % most)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + at, byteCount: n) }
        at += n
        return n
    }
}

/// A log's lines kept as by a store (a PostgreSQL ledger's rows): every pass reads them from a
/// line on through a ``TrickleSource``; `passes` records the line each pass started after.
final class TrickleLog: StreamedLog {
    var bytes: [UInt8] { didSet { starts = Self.lineStarts(bytes) } }
    var store = "test:1"
    let most: Int
    private(set) var passes: [Int] = []
    private var starts: [Int]

    init(_ bytes: [UInt8], most: Int) {
        self.bytes = bytes
        self.most = most
        starts = Self.lineStarts(bytes)
    }

    /// The offset of each line (the log ends with a newline).
    private static func lineStarts(_ bytes: [UInt8]) -> [Int] {
        [0] + bytes.indices.filter { bytes[$0] == 0x0A && $0 + 1 < bytes.count }.map { $0 + 1 }
    }

    var lineCount: Int { bytes.isEmpty ? 0 : starts.count }

    func bytes(after position: Int) throws -> any LogByteSource {
        passes.append(position)
        let from = position < lineCount ? starts[position] : bytes.count
        return TrickleSource(Array(bytes[from...]), seed: UInt64(position + 1), most: most)
    }

    func storeIdentity() throws -> String { store }

    func forEachLine(in ranges: [ClosedRange<Int>], _ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        try bytes.withUnsafeBytes { all in
            for range in ranges {
                for number in range where number <= lineCount {
                    let end = (number < lineCount ? starts[number] : bytes.count) - 1
                    try body(number, UnsafeRawBufferPointer(rebasing: all[starts[number - 1]..<end]))
                }
            }
        }
    }
}

/// A replay of a streamed log (`LogReplay(streamNamed:log:)`, what a PostgreSQL ledger's
/// reports use) reads exactly what a replay of the same bytes in a file reads.
@Suite struct StreamedReplayTests {
    @Test func aStreamedLogReplaysAndExplainsAsTheFile() throws {
        let extra = Array("{\"id\":\"bad\"\n".utf8)
            + Array("{\"id\":\"c1\",\"ticket\":\"NOPE\",\"type\":\"closed\",\"at\":\"2024-05-01T10:00:00+08:00\",\"unit\":\"u\"}\n".utf8)
        let path = try ParallelReplayTests.generatedLog(tickets: 1_500, extra: extra)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let options = [ProjectionOptions(), ProjectionOptions(attribution: .closure), ProjectionOptions(channel: "hotline")]
        let file = try ParallelReplayTests.replay(path, parallelism: 1, options: options)
        #expect(file.1.problems.count == 2 && file.1.events > 5_000)
        for (parallelism, most) in [(1, 7), (2, 7), (2, 70_000), (3, 1)] {
            let log = TrickleLog(bytes, most: most)
            var replay = LogReplay(streamNamed: "db", log: log)
            replay.parallelism = parallelism
            replay.blockSize = 4096
            var projections = options.map { Projection(options: $0) }
            let summary = try replay.run(into: &projections)
            ParallelReplayTests.expectSame(file, (projections, summary))
            #expect(summary.bytes == Int64(bytes.count) && summary.snapshot == nil)
            #expect(log.passes == [0])
        }
        let streamed = LogReplay(streamNamed: "db", log: TrickleLog(bytes, most: 300))
        let unit = file.0[0].counts(period: .month(2024, 6)).keys.sorted()[0]
        let fromFile = try LogReplay(path: path).explain(unit: unit, period: .month(2024, 6), rules: .yueyangHotline, options: ProjectionOptions())
        let fromStream = try streamed.explain(unit: unit, period: .month(2024, 6), rules: .yueyangHotline, options: ProjectionOptions())
        #expect(fromStream.0 == fromFile.0 && !fromFile.0.tickets.isEmpty)
        #expect(fromStream.1.problems == fromFile.1.problems && fromStream.1.lines == fromFile.1.lines)
    }

    /// A replay of `log` (with a checkpoint in `directory`, or none).
    func replay(_ log: TrickleLog, checkpoint directory: String?, parallelism: Int = 2)
        throws -> (counts: [[String: UnitCounts]], summary: LogReplay.Summary, warnings: [String]) {
        var replay = LogReplay(streamNamed: "db", log: log)
        replay.parallelism = parallelism
        return try Self.collect(replay, checkpoint: directory)
    }

    /// What `replay` folds (a year's monthly counts), with a checkpoint in `directory` or none.
    static func collect(_ replay: LogReplay, checkpoint directory: String?)
        throws -> (counts: [[String: UnitCounts]], summary: LogReplay.Summary, warnings: [String]) {
        var projections = [Projection()]
        var warnings: [String] = []
        let summary = try directory.map { try replay.run(into: &projections, checkpoint: $0) { warnings.append($0) } }
            ?? replay.run(into: &projections)
        return ((1...12).map { projections[0].counts(period: .month(2024, $0)) }, summary, warnings)
    }

    @Test func aStreamedLogResumesAfterTheLinesItsCheckpointFoldedAndDistrustsAnyOther() throws {
        let start = WorkloadConfiguration.year2024, day = Int64(86_400)
        func generated(to end: Int64, from begin: Int64? = nil) -> [UInt8] {
            WorkloadGenerator(WorkloadConfiguration(tickets: 3_000, seed: 11, units: 25, from: begin, to: end)).bytes()
        }
        let first = generated(to: start + 200 * day), next = generated(to: start + 201 * day, from: start + 200 * day)
        let dir = NSTemporaryDirectory() + "streamed-checkpoint-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = TrickleLog(first, most: 70_000)
        let made = try replay(log, checkpoint: dir)
        let folded = log.lineCount
        #expect(made.warnings.isEmpty && FileManager.default.fileExists(atPath: dir + "/replay.checkpoint"))
        #expect(made.summary.lines == folded && log.passes == [0])

        // Lines appended: only they are read, from the line after the checkpoint's, and the
        // result is the full replay's.
        log.bytes = first + next
        let full = try replay(log, checkpoint: nil)
        for parallelism in [1, 2] {
            let resumed = try replay(log, checkpoint: dir, parallelism: parallelism)
            #expect(resumed.warnings.isEmpty)
            #expect(log.passes.last == folded)
            #expect(resumed.summary.bytes == Int64(next.count), "only the new lines were read")
            #expect(resumed.counts == full.counts && resumed.summary.lines == full.summary.lines)
            #expect(resumed.summary.events == full.summary.events && resumed.summary.problems.isEmpty)
        }

        // Any other log: the checkpoint is ignored, the whole log replayed (and the checkpoint
        // written anew, so each case starts from one of the grown log).
        func expectIgnored(_ why: String, _ change: (TrickleLog) -> Void) throws {
            let other = TrickleLog(log.bytes, most: 70_000)
            change(other)
            let result = try replay(other, checkpoint: dir)
            #expect(result.warnings.count == 1 && result.warnings.first?.contains("ignored: \(why)") == true, "\(result.warnings)")
            #expect(other.passes.first == 0)
            #expect(result.counts == (try replay(TrickleLog(other.bytes, most: 70_000), checkpoint: nil)).counts)
            _ = try replay(TrickleLog(log.bytes, most: 70_000), checkpoint: dir)
        }
        try FileManager.default.removeItem(atPath: dir)
        _ = try replay(log, checkpoint: dir)   // a checkpoint of every line
        // The same number of lines, every satisfied rating rewritten as unsatisfied.
        try expectIgnored("the log's first \(log.lineCount) lines changed") { other in
            other.bytes = Array(String(decoding: other.bytes, as: UTF8.self)
                .replacingOccurrences(of: "\"rating\":\"satisfied\"", with: "\"rating\":\"unsatisfied\"").utf8)
        }
        // Fewer lines than the checkpoint folded.
        try expectIgnored("the log has fewer than \(log.lineCount) lines") { other in
            other.bytes = Array(first.prefix(through: first[..<(first.count / 2)].lastIndex(of: 0x0A)!))
        }
        // The same lines in another store (another database or table).
        try expectIgnored("made for another store (test:1), not this log's (test:2)") { other in other.store = "test:2" }
        // One byte of a sampled line (the eleventh's id) changed.
        try expectIgnored("the log's first \(log.lineCount) lines changed") { other in
            let at = other.bytes.indices.filter { other.bytes[$0] == 0x0A }[9] + 1 + #"{"id":""#.utf8.count + 2
            other.bytes[at] = other.bytes[at] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        }

        // A file's checkpoint on a stream, and a stream's on a file: ignored.
        let path = NSTemporaryDirectory() + "streamed-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(log.bytes).write(to: URL(fileURLWithPath: path))
        let onFile = try Self.collect(LogReplay(path: path), checkpoint: dir)
        #expect(onFile.warnings.count == 1 && onFile.warnings[0].contains("ignored: made for the lines of a store (test:1), not for a file"))
        #expect(onFile.counts == full.counts)
        let onStream = try replay(log, checkpoint: dir)
        #expect(onStream.warnings.count == 1 && onStream.warnings[0].contains("ignored: made for a log file, not for the lines of a store"))
        #expect(onStream.counts == full.counts && log.passes.last == 0)
    }

    @Test func theSampledLinesAreAscendingDisjointAndHoldTheFirstAndLast() {
        #expect(LogFingerprint.sampledLines(upTo: 0).isEmpty)
        #expect(LogFingerprint.sampledLines(upTo: 1) == [1...1])
        #expect(LogFingerprint.sampledLines(upTo: 500) == [1...500])
        for lines in [5_000, 123_457, 1_906_734, Int.max / 2] {
            let ranges = LogFingerprint.sampledLines(upTo: lines)
            #expect(ranges.first?.lowerBound == 1 && ranges.last?.upperBound == lines)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound + 1 < $1.lowerBound })
            #expect(ranges.reduce(0) { $0 + $1.count } <= 64 + 64 + 256 * 8)
        }
    }
}
