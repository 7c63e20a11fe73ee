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

    static func lineCount(_ bytes: [UInt8]) -> Int { bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }

    static func size(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : -1
    }

    /// What the log looked like after one killed append, checked through verify and repair.
    enum Outcome: Equatable { case none, all, rolledBack }

    /// Checks the none-or-all promise on the log left by a killed append.
    static func check(_ dir: TemporaryFolder, base: [UInt8], batchLines: Int) throws -> Outcome {
        let baseLines = lineCount(base)
        let left = try dir.read("log.jsonl")
        let verify = try LedgerCLI.run(["verify", "log.jsonl"], in: dir.path)
        let grouped = { (n: Int) in n.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) }
        let events = { (n: Int) in "\(grouped(n)) events," }
        if verify.status == 0 {
            // Clean: exactly the log before, or the log with the whole batch.
            #expect(verify.stdout.hasPrefix(events(baseLines)) || verify.stdout.hasPrefix(events(baseLines + batchLines)), "\(verify.stdout)")
        } else {
            // An interrupted batch is reported as such and left out of the counts.
            #expect(verify.stdout.contains("an append of \(grouped(batchLines)) lines was interrupted here"), "\(verify.stdout)")
            #expect(verify.stdout.contains("\n" + events(baseLines)), "\(verify.stdout)")
        }
        let repair = try LedgerCLI.run(["repair", "log.jsonl"], in: dir.path)
        #expect(repair.status == 0, "\(repair.stderr)")
        let after = try dir.read("log.jsonl")
        #expect(!(try dir.listing().contains("log.jsonl.pending")))
        if after == base {
            // Whatever the batch had written is in the side file, byte for byte.
            let sides = try dir.listing().filter { $0.hasPrefix("log.jsonl.interrupted-") }
            if left.count > base.count {
                #expect(sides.count == 1)
                if let side = sides.first { #expect(try dir.read(side) == Array(left[base.count...])) }
                for side in sides { try FileManager.default.removeItem(atPath: dir.file(side)) }
                return .rolledBack
            }
            return .none
        }
        #expect(Array(after.prefix(base.count)) == base)
        #expect(lineCount(after) == baseLines + batchLines)
        let again = try LedgerCLI.run(["verify", "log.jsonl"], in: dir.path)
        #expect(again.status == 0 && again.stdout.hasPrefix(events(baseLines + batchLines)), "\(again.stdout)")
        return .all
    }

    /// Runs `ledger-cli append log.jsonl batch.jsonl` with `environment` added; returns the process, running.
    static func startAppend(in dir: TemporaryFolder, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = LedgerCLI.executable
        process.arguments = ["append", "log.jsonl", "batch.jsonl"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func appendsKilledAtChosenPointsOfTheWriteLeaveAllOrNothing() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, batch) = try Self.workload(in: dir)
        let batchLines = Self.lineCount(batch)
        // The appender kills itself with SIGKILL once this many bytes of the batch (as written,
        // stamped) are out: right after the marker, at random points, and after the flush.
        var rng = SystemRandomNumberGenerator()
        let written = batch.count  // the stamped batch is longer; any point below this is mid-write
        let points = [0, 1] + (0..<10).map { _ in Int.random(in: 2..<written, using: &rng) } + [Int.max]
        var appendedAgain = false
        for point in points {
            try dir.write("log.jsonl", base)
            let process = try Self.startAppend(in: dir, environment: ["TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES": "\(point)"])
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL, "point \(point)")
            let outcome = try Self.check(dir, base: base, batchLines: batchLines)
            #expect(outcome == (point == 0 ? .none : point == .max ? .all : .rolledBack), "point \(point)")
            if outcome == .rolledBack && !appendedAgain {
                // A rolled-back batch goes in again as a whole.
                let append = try LedgerCLI.run(["append", "log.jsonl", "batch.jsonl"], in: dir.path)
                #expect(append.status == 0, "\(append.stdout)\(append.stderr)")
                #expect(Self.lineCount(try dir.read("log.jsonl")) == Self.lineCount(base) + batchLines)
                appendedAgain = true
            }
        }
        #expect(appendedAgain)
    }

    @Test func appendsKilledFromOutsideAtRandomMomentsLeaveAllOrNothing() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, batch) = try Self.workload(in: dir)
        let batchLines = Self.lineCount(batch)
        let logPath = dir.file("log.jsonl")
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<10 {
            try dir.write("log.jsonl", base)
            let process = try Self.startAppend(in: dir)
            if trial % 2 == 0 {
                // Once the log has grown past a random point of the batch (how far the write got
                // by the time the signal lands depends on the machine's load).
                let cut = Int64(base.count) + Int64.random(in: 1..<Int64(batch.count), using: &rng)
                while process.isRunning && Self.size(logPath) < cut {}
            } else {
                // At a random moment after the marker appears.
                while process.isRunning && Self.size(logPath + ".pending") < 0 {}
                usleep(UInt32.random(in: 0..<3_000, using: &rng))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            _ = try Self.check(dir, base: base, batchLines: batchLines)
        }
    }

    @Test func readersNeverSeePartOfABatchBeingWritten() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let (base, batch) = try Self.workload(in: dir)
        // The batch in eight parts of whole lines, appended one after the other by a child shell
        // while verify reads the log again and again.
        let lines = batch.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        let partSize = (lines.count + 7) / 8
        var totals = [Self.lineCount(base)]
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
        // Limits (in 512-byte blocks, as ulimit -f counts) from just past the log to just short of the batch's end.
        let first = base.count / 512 + 1, last = (base.count + batch.count) / 512 - 1
        for limit in stride(from: first, through: last, by: max(1, (last - first) / 6)) {
            try dir.write("log.jsonl", base)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // No trap: ledger-cli itself must not die of SIGXFSZ.
            process.arguments = ["-c", #"ulimit -f \#(limit); exec "$0" append log.jsonl batch.jsonl 2>err.txt >/dev/null"#,
                                 LedgerCLI.executable.path]
            process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 1, "limit \(limit)")
            #expect(try dir.text("err.txt") == "Error: log.jsonl: cannot write the file: File too large; nothing was appended\n")
            #expect(try dir.read("log.jsonl") == base, "limit \(limit)")
            #expect(try dir.listing().filter { $0.hasPrefix("log.jsonl.") } == [], "limit \(limit)")
        }
    }
}
