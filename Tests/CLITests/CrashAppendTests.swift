#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// The adversary's test of `append`: a child process killed with SIGKILL at many points of a
/// large append, or stopped by a file-size limit, leaves the whole batch or none of it; what it
/// wrote of an unfinished batch is never lost, and the batch can be appended again.
@Suite(.serialized) struct CrashAppendTests {
    /// A generated log and a batch of the three months after it (about 3,000 events).
    static func workload(in dir: TemporaryFolder) throws -> (base: [UInt8], batch: [UInt8]) {
        let bench = LedgerCLI.executable.deletingLastPathComponent().appendingPathComponent("ledger-bench").path
        for (name, window) in [("base.jsonl", ["--to", "2024-03-01"]), ("batch.jsonl", ["--from", "2024-03-01", "--to", "2024-06-01"])] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", #""$0" generate --tickets 3000 "$@" > \#(name) 2>/dev/null"#, bench] + window
            process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        // Each batch line gets a 1,500-byte note (an unknown member, kept as it is), so that writing the
        // batch (about 5 MB) takes long enough for kills to land in the middle of it.
        let note = Array(#","note":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 1_500) + [UInt8(ascii: "\"")]
        var batch: [UInt8] = []
        for line in try dir.read("batch.jsonl").split(separator: 0x0A) {
            batch += line.dropLast() + note + [UInt8(ascii: "}"), 0x0A]
        }
        try dir.write("batch.jsonl", batch)
        return (try dir.read("base.jsonl"), batch)
    }

    /// The append of the batch to the log, killed or limited.
    static func writer(base: [UInt8], batch: [UInt8]) -> KilledWriter {
        let batchLines = KilledWriter.lineCount(batch)
        let grouped = batchLines.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        return KilledWriter(arguments: ["append", "log.jsonl", "batch.jsonl"], base: base, batchBytes: batch.count,
                            wholeLines: KilledWriter.lineCount(base) + batchLines,
                            interruption: "an append of \(grouped) lines was interrupted here", chained: false)
    }

    @Test func appendsKilledAtChosenPointsOfTheWriteLeaveAllOrNothing() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, batch) = try Self.workload(in: dir)
        // The appender kills itself with SIGKILL once this many bytes of the batch (as written,
        // stamped) are out: right after the marker, at random points, and after the flush.
        var rng = SystemRandomNumberGenerator()
        let written = batch.count  // the stamped batch is longer; any point below this is mid-write
        let points = [0, 1] + (0..<10).map { _ in Int.random(in: 2..<written, using: &rng) } + [Int.max]
        try Self.writer(base: base, batch: batch).killAt(points.map { point in
            (["TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES": "\(point)"], point == 0 ? .none : point == .max ? .all : .rolledBack)
        }, in: dir)
    }

    @Test func appendsKilledFromOutsideAtRandomMomentsLeaveAllOrNothing() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, batch) = try Self.workload(in: dir)
        try Self.writer(base: base, batch: batch).killFromOutside(trials: 10, delay: 3_000, in: dir)
    }

    @Test func readersNeverSeePartOfABatchBeingWritten() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, batch) = try Self.workload(in: dir)
        // The batch in eight parts of whole lines, appended one after the other by a child shell
        // while verify reads the log again and again.
        let lines = batch.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        let partSize = (lines.count + 7) / 8
        var totals = [KilledWriter.lineCount(base)]
        var script = ""
        for part in 0..<8 {
            let chunk = lines.dropFirst(part * partSize).prefix(partSize)
            try dir.write("part\(part).jsonl", chunk.flatMap { Array($0) + [0x0A] })
            totals.append(totals.last! + chunk.count)
            script += "\"$0\" append log.jsonl part\(part).jsonl >/dev/null || exit 1\n"
        }
        try dir.write("log.jsonl", base)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", script, LedgerCLI.executable.path]
        writer.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        try writer.run()
        var seen = Set<Int>()
        repeat {
            let verify = try LedgerCLI.run(["verify", "log.jsonl"], in: dir.path)
            #expect(verify.status == 0, "\(verify.stdout)")
            let count = Int(verify.stdout.prefix { $0 != " " }.filter(\.isNumber)) ?? -1
            #expect(totals.contains(count), "verify saw \(count) events; whole batches give \(totals)")
            seen.insert(count)
        } while writer.isRunning
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        #expect(seen.count >= 2, "the reads overlapped the appends: \(seen.sorted())")
    }

    @Test func aFileSizeLimitMidWriteRollsBack() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, batch) = try Self.workload(in: dir)
        // Limits from just past the log to just short of the batch's end.
        try Self.writer(base: base, batch: batch).limitFileSize(
            through: (base.count + batch.count) / 512 - 1, steps: 6,
            message: "Error: log.jsonl: cannot write the file: File too large; nothing was appended\n", in: dir)
    }
}
