import Foundation
import Testing
@testable import Events
@testable import Projections

/// A log's bytes handed out a few at a time, as a database's rows arrive: reads of 1 to `most`
/// bytes, cut anywhere (inside lines, between a line and its newline).
final class TrickleSource: LogByteSource {
    private let bytes: [UInt8]
    private var at = 0
    private var rng: UInt64
    private let most: Int
    /// Passes opened so far (each replay pass asks for a new source).
    nonisolated(unsafe) static var opened = 0

    init(_ bytes: [UInt8], seed: UInt64, most: Int) {
        self.bytes = bytes
        rng = seed
        self.most = most
        Self.opened += 1
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

/// A replay of a streamed log (`LogReplay(streamNamed:source:)`, what a PostgreSQL ledger's
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
            let opened = TrickleSource.opened
            var replay = LogReplay(streamNamed: "db") { TrickleSource(bytes, seed: UInt64(most), most: most) }
            replay.parallelism = parallelism
            replay.blockSize = 4096
            var projections = options.map { Projection(options: $0) }
            let summary = try replay.run(into: &projections)
            ParallelReplayTests.expectSame(file, (projections, summary))
            #expect(summary.bytes == Int64(bytes.count) && summary.snapshot == nil)
            #expect(TrickleSource.opened == opened + 1)
        }
        var streamed = LogReplay(streamNamed: "db") { TrickleSource(bytes, seed: 3, most: 300) }
        let unit = file.0[0].counts(period: .month(2024, 6)).keys.sorted()[0]
        let fromFile = try LogReplay(path: path).explain(unit: unit, period: .month(2024, 6), rules: .yueyangHotline, options: ProjectionOptions())
        let fromStream = try streamed.explain(unit: unit, period: .month(2024, 6), rules: .yueyangHotline, options: ProjectionOptions())
        #expect(fromStream.0 == fromFile.0 && !fromFile.0.tickets.isEmpty)
        #expect(fromStream.1.problems == fromFile.1.problems && fromStream.1.lines == fromFile.1.lines)
        // A checkpoint is not used for a stream: the whole log is replayed, with a warning.
        streamed.parallelism = 2
        var projections = [Projection()]
        var warnings: [String] = []
        let dir = NSTemporaryDirectory() + "streamed-checkpoint-\(UUID().uuidString)"
        _ = try streamed.run(into: &projections, checkpoint: dir) { warnings.append($0) }
        #expect(warnings.count == 1 && !FileManager.default.fileExists(atPath: dir))
        #expect(projections[0].counts(period: .month(2024, 6)) == file.0[0].counts(period: .month(2024, 6)))
    }
}
