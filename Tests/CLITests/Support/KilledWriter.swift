#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// The harness of the crash tests: a child `ledger-cli` that writes a batch to `log.jsonl` in a
/// folder (an append, an import), killed with SIGKILL at chosen points of its write or from
/// outside, or stopped by a file-size limit; after each, verify and repair must find the old log
/// or the old log with the whole batch, and what the batch had written of an unfinished batch
/// must be in a side file, byte for byte.
struct KilledWriter {
    /// The command, run in the folder; it writes to `log.jsonl`.
    var arguments: [String]
    /// The log before the batch.
    var base: [UInt8]
    /// The bytes of the whole batch, as the command writes it (roughly: `recorded` stamps vary).
    var batchBytes: Int
    /// The log's line count with the whole batch.
    var wholeLines: Int
    /// What verify says at the first line of an interrupted batch of this command.
    var interruption: String
    /// Whether the log is hash-chained (verify names its head) or not.
    var chained: Bool
    /// Checks a log holding the whole batch beyond its prefix and line count.
    var checkWhole: ([UInt8]) -> Void = { _ in }

    /// What one killed write left, as verify and repair found it.
    enum Outcome: Equatable { case none, all, rolledBack }

    static func lineCount(_ bytes: [UInt8]) -> Int { bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }

    static func size(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : -1
    }

    static func events(_ n: Int) -> String {
        "\(n.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))) events,"
    }

    /// Starts the command on a fresh copy of the old log with `environment` added; returns it running.
    func start(in dir: TemporaryFolder, environment: [String: String] = [:]) throws -> Process {
        try dir.write("log.jsonl", base)
        let process = Process()
        process.executableURL = LedgerCLI.executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Checks, through verify and repair, that the log is the old one or the old one with the
    /// whole batch, and says which (removing the side file of a rolled-back batch).
    func check(_ dir: TemporaryFolder) throws -> Outcome {
        let baseLines = Self.lineCount(base)
        let left = try dir.read("log.jsonl")
        let verify = try LedgerCLI.run(["verify", "log.jsonl"], in: dir.path)
        if verify.status == 0 {
            // Clean: exactly the log before, or the log with the whole batch.
            #expect(verify.stdout.hasPrefix(Self.events(baseLines)) || verify.stdout.hasPrefix(Self.events(wholeLines)), "\(verify.stdout)")
        } else {
            // An interrupted batch is reported as such and left out of the counts.
            #expect(verify.stdout.contains(interruption), "\(verify.stdout)")
            #expect(verify.stdout.contains("\n" + Self.events(baseLines)), "\(verify.stdout)")
        }
        let repair = try LedgerCLI.run(["repair", "log.jsonl"], in: dir.path)
        #expect(repair.status == 0, "\(repair.stderr)")
        let after = try dir.read("log.jsonl")
        #expect(!(try dir.listing().contains("log.jsonl.pending")))
        let sides = try dir.listing().filter { $0.hasPrefix("log.jsonl.interrupted-") }
        if after == base {
            guard left.count > base.count else {
                #expect(sides.isEmpty, "\(sides)")
                return .none
            }
            // Whatever the batch had written is in the side file, byte for byte.
            #expect(sides.count == 1, "\(sides)")
            if let side = sides.first { #expect(try dir.read(side) == Array(left[base.count...])) }
            for side in sides { try FileManager.default.removeItem(atPath: dir.file(side)) }
            return .rolledBack
        }
        #expect(sides.isEmpty, "\(sides)")
        try checkWholeBatch(in: dir)
        return .all
    }

    /// Checks that the log is the old one followed by the whole batch, and verifies.
    func checkWholeBatch(in dir: TemporaryFolder) throws {
        let log = try dir.read("log.jsonl")
        #expect(Array(log.prefix(base.count)) == base)
        #expect(Self.lineCount(log) == wholeLines)
        checkWhole(log)
        let verify = try LedgerCLI.run(["verify", "log.jsonl"], in: dir.path)
        #expect(verify.status == 0 && verify.stdout.hasPrefix(Self.events(wholeLines)), "\(verify.stdout)")
        #expect(verify.stdout.contains(chained ? "; chain head " : "; not chained"), "\(verify.stdout)")
    }

    /// Runs the command once for each case, killing itself where the environment says (see
    /// `CrashPoint` in the Events module), and expects each case's outcome; the first
    /// rolled-back batch is then written again, whole.
    func killAt(_ cases: [(environment: [String: String], expected: Outcome)], in dir: TemporaryFolder) throws {
        var writtenAgain = false
        for (environment, expected) in cases {
            let process = try start(in: dir, environment: environment)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL, "\(environment)")
            let outcome = try check(dir)
            #expect(outcome == expected, "\(environment)")
            if outcome == .rolledBack && !writtenAgain {
                let again = try LedgerCLI.run(arguments, in: dir.path)
                #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
                try checkWholeBatch(in: dir)
                writtenAgain = true
            }
        }
        #expect(writtenAgain)
    }

    /// Kills the command from outside `trials` times: on even trials once the log has grown past
    /// a random point of the batch (how far the write got by the time the signal lands depends
    /// on the machine's load), on odd ones at a random moment (up to `delay` µs) after the marker appears.
    func killFromOutside(trials: Int, delay: UInt32, in dir: TemporaryFolder) throws {
        let log = dir.file("log.jsonl")
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<trials {
            let process = try start(in: dir)
            if trial % 2 == 0 {
                let cut = Int64(base.count) + Int64.random(in: 1..<Int64(batchBytes), using: &rng)
                while process.isRunning && Self.size(log) < cut {}
            } else {
                while process.isRunning && Self.size(log + ".pending") < 0 {}
                usleep(UInt32.random(in: 0..<delay, using: &rng))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            _ = try check(dir)
        }
    }

    /// Runs the command under file-size limits (512-byte blocks, as `ulimit -f` counts them) from
    /// just past the old log to `last`, in `steps` steps: each must fail with `message` on
    /// stderr and leave the old log and no other file beside it.
    func limitFileSize(through last: Int, steps: Int, message: String, in dir: TemporaryFolder) throws {
        let first = base.count / 512 + 1
        let command = arguments.map { "'\($0)'" }.joined(separator: " ")
        for limit in stride(from: first, through: last, by: max(1, (last - first) / steps)) {
            try dir.write("log.jsonl", base)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // No trap: ledger-cli itself must not die of SIGXFSZ.
            process.arguments = ["-c", #"ulimit -f \#(limit); exec "$0" \#(command) 2>err.txt >/dev/null"#, LedgerCLI.executable.path]
            process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 1, "limit \(limit)")
            #expect(try dir.text("err.txt") == message, "limit \(limit)")
            #expect(try dir.read("log.jsonl") == base, "limit \(limit)")
            #expect(try dir.listing().filter { $0.hasPrefix("log.jsonl.") } == [], "limit \(limit)")
        }
    }
}
