#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// The adversary's test of the streamed append of `import`: a child `ledger-cli import` killed
/// with SIGKILL at many byte counts of its write (and after the whole batch is flushed while its
/// marker is still open), or stopped by a file-size limit, leaves exactly the old log or the old
/// log with the whole import; never part of an import.
@Suite(.serialized) struct CrashImportTests {
    /// A generated action-row export of about 30,000 rows (some 10 MB of events when imported,
    /// ten pieces of the streamed append), and a log made by importing its first 600 tickets.
    static func workload(in dir: TemporaryFolder) throws -> (base: [UInt8], reference: [UInt8]) {
        let bench = LedgerCLI.executable.deletingLastPathComponent().appendingPathComponent("ledger-bench").path
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: bench)
        generate.arguments = ["import", "--rows", "30000", "--mode", "dry-run", "--dir", dir.path]
        generate.standardOutput = FileHandle.nullDevice
        try generate.run()
        generate.waitUntilExit()
        #expect(generate.terminationStatus == 0)
        // The first 600 tickets (T1 … T600) go in first, so that the import extends a log and skips what it holds.
        let export = try dir.read("export.csv")
        var first: [UInt8] = []
        for line in export.split(separator: 0x0A, omittingEmptySubsequences: false) where !line.isEmpty {
            let text = String(decoding: line, as: UTF8.self)
            guard let comma = text.firstIndex(of: ","), text.hasPrefix("T") else {
                first += line + [0x0A]  // the header
                continue
            }
            if let n = Int(text[text.index(after: text.startIndex)..<comma]), n <= 600 { first += line + [0x0A] }
        }
        try dir.write("first.csv", first)
        let seed = try LedgerCLI.run(["import", "first.csv", "--map", "map.json", "base.jsonl"], in: dir.path)
        #expect(seed.status == 0, "\(seed.stdout)\(seed.stderr)")
        // The same import, run to the end, for comparison.
        try dir.write("reference.jsonl", try dir.read("base.jsonl"))
        let whole = try LedgerCLI.run(["import", "export.csv", "--map", "map.json", "reference.jsonl"], in: dir.path)
        #expect(whole.status == 0 && whole.stdout.contains("already in the log"), "\(whole.stdout)\(whole.stderr)")
        return (try dir.read("base.jsonl"), try dir.read("reference.jsonl"))
    }

    /// The ids of a log's lines, in order (the `recorded` stamp and the chain differ from run to run).
    static func ids(_ log: [UInt8]) -> [Substring] {
        String(decoding: log, as: UTF8.self).split(separator: "\n").map { line in
            line.dropFirst(7).prefix { $0 != "\"" }
        }
    }

    /// The import of the whole export into the log, killed or limited; a whole import is every
    /// new event of the complete run, in its order.
    static func writer(base: [UInt8], reference: [UInt8]) -> KilledWriter {
        KilledWriter(arguments: ["import", "export.csv", "--map", "map.json", "log.jsonl"], base: base,
                     batchBytes: reference.count - base.count, wholeLines: KilledWriter.lineCount(reference),
                     interruption: "a streamed append (an import) was interrupted here before it finished", chained: true,
                     checkWhole: { log in #expect(ids(log) == ids(reference)) })
    }

    @Test func importsKilledAtChosenByteCountsLeaveTheOldLogOrTheWholeImport() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, reference) = try Self.workload(in: dir)
        // What the complete run wrote; this run's `recorded` stamps (the current time) may make it a few
        // bytes per line shorter, so the points stay below 90 % of it.
        let written = (reference.count - base.count) * 9 / 10
        #expect(written > 4 << 20, "the import is several pieces long")
        // Right after the open marker, after one byte, at piece boundaries and around them, at random
        // points, near the end; then after the whole batch is flushed with the marker still
        // open (rolled back), and after the marker is sealed (kept).
        var rng = SystemRandomNumberGenerator()
        let points = [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 << 20, written]
            + (0..<8).map { _ in Int.random(in: 2..<written, using: &rng) }
        var cases: [(environment: [String: String], expected: KilledWriter.Outcome)] = points.map {
            (["TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES": "\($0)"], $0 == 0 ? .none : .rolledBack)
        }
        cases.append((["TICKET_LEDGER_CRASH_BEFORE_SEALING_MARKER": "1"], .rolledBack))
        cases.append((["TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES": "\(Int.max)"], .all))
        try Self.writer(base: base, reference: reference).killAt(cases, in: dir)
    }

    @Test func importsKilledFromOutsideLeaveTheOldLogOrTheWholeImport() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, reference) = try Self.workload(in: dir)
        try Self.writer(base: base, reference: reference).killFromOutside(trials: 6, delay: 20_000, in: dir)
    }

    @Test func aFileSizeLimitMidImportRollsBack() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, reference) = try Self.workload(in: dir)
        // Limits from just past the log to 90 % of the import (the `recorded` stamp is the current
        // time, whose fraction of a second makes one run's lines a few bytes longer or shorter
        // than another's).
        try Self.writer(base: base, reference: reference).limitFileSize(
            through: (base.count + (reference.count - base.count) * 9 / 10) / 512, steps: 5,
            message: "Error: log.jsonl: cannot write the file: File too large; nothing was imported\n", in: dir)
    }
}
