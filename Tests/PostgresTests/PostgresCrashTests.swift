#if Postgres
import Foundation
import Testing
import Events
@testable import PostgresLedger
#if canImport(Glibc)
import Glibc
#endif

/// A `ledger-cli append` process, optionally told to stop at a point of its transaction
/// (TICKET_LEDGER_POSTGRES_TEST_PAUSE, see `PostgresLog.testPause`).
struct WriterProcess {
    let process: Process
    let stderr: Pipe

    static func start(_ uri: String, batch: String, pausingAt point: String? = nil) throws -> WriterProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["append", uri, batch]
        var environment = ProcessInfo.processInfo.environment
        environment["TICKET_LEDGER_POSTGRES_TEST_PAUSE"] = point
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return WriterProcess(process: process, stderr: err)
    }

    /// What the writer said on standard error up to its pause (or its exit).
    func waitForPause() -> String {
        var text = ""
        while !text.contains("paused at") {
            let data = stderr.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        return text
    }

    func kill() {
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Waits (up to 30 s) until no session of the database at `uri` holds an advisory lock: a killed
/// writer's transaction is then over on the server, committed or rolled back.
func waitForNoAdvisoryLock(_ uri: String) throws {
    let admin = try PGConnection(uri: uri)
    let query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    for _ in 0..<3000 {
        if try admin.exec(query).first?.first == "0" { return }
        Thread.sleep(forTimeInterval: 0.01)
    }
    Issue.record("an advisory lock was still held 30 s after its writer was killed")
}

/// Writes `count` new tickets' `accepted` lines, ids `prefix-0…`, to a file; returns its path.
func batchFile(_ directory: URL, _ prefix: String, count: Int) throws -> String {
    var text = ""
    for j in 0..<count { text += accepted("\(prefix)-\(j)", ticket: "T\(prefix)-\(j)") }
    let url = directory.appendingPathComponent("\(prefix).jsonl")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

@Suite(.enabled(if: Server.available, "TICKET_LEDGER_POSTGRES_URI is not set (run .ci/run, which starts a PostgreSQL server)"))
struct PostgresCrashTests {
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pg-crash-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// A writer is SIGKILLed at each point of its transaction — connected, holding the lock,
    /// caught up, its rows copied in, notified (just before COMMIT) — while a second writer with
    /// the very same batch waits: nothing of the first is stored (the second, whose ids would
    /// otherwise be duplicates, succeeds), and the second goes on as soon as the server has
    /// rolled the first back and released the lock.
    @Test func aWriterKilledAtEachPointOfItsTransactionLeavesNothingAndTheNextGoesOn() throws {
        let uri = try Server.freshDatabase("killed")
        let log = try PostgresLog(uri: uri)
        _ = try log.append(batch: Array(accepted("K", ticket: "TK").utf8))
        let points = ["connected", "locked", "caught-up", "copied", "notified"]
        for (k, point) in points.enumerated() {
            let before = try log.count()
            let batch = try batchFile(Self.scratch, "K\(k)", count: 50)
            let victim = try WriterProcess.start(uri, batch: batch, pausingAt: point)
            let said = victim.waitForPause()
            #expect(said.contains("paused at \(point)"), "\(point): \(said)")
            let next = try WriterProcess.start(uri, batch: batch)
            if point != "connected" {
                // It waits for the advisory lock the paused writer holds.
                Thread.sleep(forTimeInterval: 0.3)
                #expect(next.process.isRunning, "\(point): the next writer did not wait for the lock")
                #expect(try log.count() == before, "\(point): rows visible before COMMIT")
            }
            victim.kill()
            next.process.waitUntilExit()
            #expect(next.process.terminationStatus == 0, "\(point): the next writer failed")
            #expect(try log.count() == before + 50, "\(point)")
        }
        var problems: [LogProblem] = []
        let summary = try log.verify(requireChain: true) { problems.append($0) }
        #expect(problems.isEmpty && summary.lineCount == 1 + 50 * points.count && summary.chain.firstLine == 1)
        // No advisory lock is left behind.
        let admin = try PGConnection(uri: uri)
        #expect(try admin.exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").first?.first == "0")
    }

    /// Writers of 2,000 lines killed at random moments (from before they connect to after they
    /// commit): each batch is stored whole or not at all, and the ledger verifies clean after.
    @Test func writersKilledAtRandomMomentsStoreWholeBatchesOrNothing() throws {
        let uri = try Server.freshDatabase("randomkill")
        let log = try PostgresLog(uri: uri)
        let lines = 2000
        // How long an uninterrupted append takes, to spread the kills over it.
        let started = Date()
        let first = try WriterProcess.start(uri, batch: try batchFile(Self.scratch, "RK", count: lines))
        first.process.waitUntilExit()
        #expect(first.process.terminationStatus == 0)
        let duration = Date().timeIntervalSince(started)
        var committed = 1, killed = 0
        for k in 0..<12 {
            let before = try log.count()
            let writer = try WriterProcess.start(uri, batch: try batchFile(Self.scratch, "RK\(k)", count: lines))
            Thread.sleep(forTimeInterval: duration * Double.random(in: 0.05...1.1))
            writer.kill()
            // A COMMIT the writer sent before it died still completes on the server, a moment
            // later: count once its transaction is over there (it holds the advisory lock until then).
            try waitForNoAdvisoryLock(uri)
            let after = try log.count()
            #expect(after == before || after == before + lines, "kill \(k): \(after - before) lines of \(lines) stored")
            if after == before { killed += 1 } else { committed += 1 }
        }
        print("note: random kills over \(String(format: "%.2f", duration)) s appends: \(committed - 1) committed first, \(killed) left nothing")
        // The next writer goes on, on the same chain.
        let last = try WriterProcess.start(uri, batch: try batchFile(Self.scratch, "RKlast", count: 10))
        last.process.waitUntilExit()
        #expect(last.process.terminationStatus == 0)
        var problems: [LogProblem] = []
        let summary = try log.verify(requireChain: true) { problems.append($0) }
        #expect(problems.isEmpty && summary.lineCount == committed * lines + 10)
    }
}
#endif
