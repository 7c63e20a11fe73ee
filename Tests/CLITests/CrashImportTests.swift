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

    enum Outcome: Equatable { case none, all, rolledBack }

    /// Checks, through verify and repair, that the log is the old one or the old one with the whole import.
    static func check(_ dir: TemporaryFolder, base: [UInt8], reference: [UInt8]) throws -> Outcome {
        let baseLines = CrashAppendTests.lineCount(base), allLines = CrashAppendTests.lineCount(reference)
        let left = try dir.read("log.jsonl")
        let verify = try LedgerCLI.run(["verify", "log.jsonl"], in: dir.path)
        let grouped = { (n: Int) in n.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) }
        let events = { (n: Int) in "\(grouped(n)) events," }
        if verify.status == 0 {
            #expect(verify.stdout.hasPrefix(events(baseLines)) || verify.stdout.hasPrefix(events(allLines)), "\(verify.stdout)")
        } else {
            // An open batch is reported as an interrupted import and left out of the counts.
            #expect(verify.stdout.contains("a streamed append (an import) was interrupted here before it finished"), "\(verify.stdout)")
            #expect(verify.stdout.contains("\n" + events(baseLines)), "\(verify.stdout)")
        }
        let repair = try LedgerCLI.run(["repair", "log.jsonl"], in: dir.path)
        #expect(repair.status == 0, "\(repair.stderr)")
        let after = try dir.read("log.jsonl")
        #expect(!(try dir.listing().contains("log.jsonl.pending")))
        if after == base {
            let sides = try dir.listing().filter { $0.hasPrefix("log.jsonl.interrupted-") }
            if left.count > base.count {
                // What the import had written is in the side file, byte for byte.
                #expect(sides.count == 1)
                if let side = sides.first { #expect(try dir.read(side) == Array(left[base.count...])) }
                for side in sides { try FileManager.default.removeItem(atPath: dir.file(side)) }
                return .rolledBack
            }
            #expect(sides.isEmpty)
            return .none
        }
        // The whole import: the old log, then every new event of the complete run, in its order, chained.
        #expect(Array(after.prefix(base.count)) == base)
        #expect(ids(after) == ids(reference))
        let again = try LedgerCLI.run(["verify", "log.jsonl"], in: dir.path)
        #expect(again.status == 0 && again.stdout.hasPrefix(events(allLines)) && again.stdout.contains("chain"), "\(again.stdout)")
        return .all
    }

    static func startImport(in dir: TemporaryFolder, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = LedgerCLI.executable
        process.arguments = ["import", "export.csv", "--map", "map.json", "log.jsonl"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
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
        var cases: [(environment: [String: String], expected: Outcome)] = points.map {
            (["TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES": "\($0)"], $0 == 0 ? .none : .rolledBack)
        }
        cases.append((["TICKET_LEDGER_CRASH_BEFORE_SEALING_MARKER": "1"], .rolledBack))
        cases.append((["TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES": "\(Int.max)"], .all))
        var importedAgain = false
        for (environment, expected) in cases {
            try dir.write("log.jsonl", base)
            let process = try Self.startImport(in: dir, environment: environment)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL, "\(environment)")
            let outcome = try Self.check(dir, base: base, reference: reference)
            #expect(outcome == expected, "\(environment)")
            if outcome == .rolledBack && !importedAgain {
                // A rolled-back import goes in again, whole.
                let again = try LedgerCLI.run(["import", "export.csv", "--map", "map.json", "log.jsonl"], in: dir.path)
                #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
                #expect(Self.ids(try dir.read("log.jsonl")) == Self.ids(reference))
                importedAgain = true
            }
        }
        #expect(importedAgain)
    }

    @Test func importsKilledFromOutsideLeaveTheOldLogOrTheWholeImport() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, reference) = try Self.workload(in: dir)
        let logPath = dir.file("log.jsonl")
        var rng = SystemRandomNumberGenerator()
        var outcomes: [Outcome] = []
        for trial in 0..<6 {
            try dir.write("log.jsonl", base)
            let process = try Self.startImport(in: dir)
            if trial % 2 == 0 {
                // Once the log has grown past a random point of the import.
                let cut = Int64(base.count) + Int64.random(in: 1..<Int64(reference.count - base.count), using: &rng)
                while process.isRunning && CrashAppendTests.size(logPath) < cut {}
            } else {
                // At a random moment after the marker appears.
                while process.isRunning && CrashAppendTests.size(logPath + ".pending") < 0 {}
                usleep(UInt32.random(in: 0..<20_000, using: &rng))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            outcomes.append(try Self.check(dir, base: base, reference: reference))
        }
        #expect(outcomes.count == 6)
    }

    @Test func aFileSizeLimitMidImportRollsBack() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, reference) = try Self.workload(in: dir)
        // Limits (512-byte blocks) from just past the log to 90 % of the import (the `recorded` stamp
        // is the current time, whose fraction of a second makes one run's lines a few bytes longer or
        // shorter than another's).
        let first = base.count / 512 + 1, last = (base.count + (reference.count - base.count) * 9 / 10) / 512
        for limit in stride(from: first, through: last, by: max(1, (last - first) / 5)) {
            try dir.write("log.jsonl", base)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", #"ulimit -f \#(limit); exec "$0" import export.csv --map map.json log.jsonl 2>err.txt >/dev/null"#,
                                 LedgerCLI.executable.path]
            process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 1, "limit \(limit)")
            #expect(try dir.text("err.txt") == "Error: log.jsonl: cannot write the file: File too large; nothing was imported\n", "limit \(limit)")
            #expect(try dir.read("log.jsonl") == base, "limit \(limit)")
            #expect(try dir.listing().filter { $0.hasPrefix("log.jsonl.") } == [], "limit \(limit)")
        }
    }
}
