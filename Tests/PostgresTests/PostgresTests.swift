#if Postgres
import Foundation
import Testing
import Events
import Projections
@testable import PostgresLedger

/// Tests against a real PostgreSQL server: `.ci/run` starts a throwaway one and sets
/// TICKET_LEDGER_POSTGRES_URI (`postgresql://postgres@/postgres?host=/tmp/…`). Each test works
/// in a database of its own. Without the variable every test is skipped, saying so.
enum Server {
    static let uri: String? = {
        let value = ProcessInfo.processInfo.environment["TICKET_LEDGER_POSTGRES_URI"]
        if value == nil {
            print("note: TICKET_LEDGER_POSTGRES_URI is not set: the PostgreSQL tests are skipped (.ci/run starts a server and sets it)")
        }
        return value
    }()
    static var available: Bool { uri != nil }

    /// A new, empty database; returns its URI.
    static func freshDatabase(_ label: String) throws -> String {
        let base = uri!
        let name = "tl_\(label)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PGConnection(uri: base)
        try admin.exec("CREATE DATABASE \(name)")
        // postgresql://user@host/DB?query: the database is the path after the authority.
        let (head, query) = base.firstIndex(of: "?").map { (String(base[..<$0]), String(base[$0...])) } ?? (base, "")
        let authorityEnd = head.range(of: "/", range: head.range(of: "://")!.upperBound..<head.endIndex)?.lowerBound ?? head.endIndex
        return String(head[..<authorityEnd]) + "/" + name + query
    }
}

/// Runs the built `ledger-cli`.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let executable: String = {
        if let path = ProcessInfo.processInfo.environment["LEDGER_CLI"] { return path }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
        for candidate in [dir, Bundle.main.bundleURL.deletingLastPathComponent()] + Bundle.allBundles.map({ $0.bundleURL.deletingLastPathComponent() }) {
            let path = candidate.appendingPathComponent("ledger-cli").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return packageRoot.appendingPathComponent(".build/debug/ledger-cli").path
    }()

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs `ledger-cli` with `arguments`; one still running after `timeout` seconds is
    /// killed (then its status says so). SIGKILL: a process started from a test's thread
    /// inherits that thread's blocked signals, SIGTERM among them.
    static func run(_ arguments: [String], timeout: Double? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if let timeout {
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [process] in
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

func accepted(_ id: String, ticket: String, at: String = "2024-02-20T08:00:00+08:00") -> String {
    #"{"id":"\#(id)","ticket":"\#(ticket)","type":"accepted","at":"\#(at)","channel":"hotline"}"# + "\n"
}

func assigned(_ id: String, ticket: String, unit: String = "市城管局") -> String {
    #"{"id":"\#(id)","ticket":"\#(ticket)","type":"assigned","at":"2024-02-20T09:00:00+08:00","unit":"\#(unit)","due":"2024-02-25T18:00:00+08:00"}"# + "\n"
}

@Suite(.enabled(if: Server.available, "TICKET_LEDGER_POSTGRES_URI is not set (run .ci/run, which starts a PostgreSQL server)"))
struct PostgresTests {
    @Test func sampleLoadedIntoPostgresReplaysVerifiesAndDigestsAsTheFile() throws {
        let uri = try Server.freshDatabase("samples")
        #expect(try CLI.run(["copy", "samples/quyuan-2023-09.jsonl", uri]).status == 0)
        let args = ["-p", "2023-09", "--units", "samples/quyuan-units.csv"]
        for format in ["table", "json"] {
            let fromFile = try CLI.run(["replay", "samples/quyuan-2023-09.jsonl", "--format", format] + args)
            let fromPostgres = try CLI.run(["replay", uri, "--format", format] + args)
            #expect(fromFile.status == 0 && fromPostgres.status == 0)
            #expect(fromPostgres.stdout == fromFile.stdout, "replay --format \(format)")
        }
        let explainFile = try CLI.run(["explain", "samples/quyuan-2023-09.jsonl", "--unit", "屈原交通局"] + args)
        let explainPostgres = try CLI.run(["explain", uri, "--unit", "屈原交通局"] + args)
        #expect(explainPostgres.stdout == explainFile.stdout && explainFile.status == explainPostgres.status)
        #expect(try CLI.run(["verify", uri]).stdout == (try CLI.run(["verify", "samples/quyuan-2023-09.jsonl"]).stdout))

        // A chained sample: the same head, and a copy back is the same file, byte for byte.
        let chained = try Server.freshDatabase("chained")
        #expect(try CLI.run(["copy", "samples/chained.jsonl", chained]).status == 0)
        let digestFile = try CLI.run(["digest", "samples/chained.jsonl"])
        let digestPostgres = try CLI.run(["digest", chained])
        #expect(digestFile.status == 0 && digestPostgres.stdout == digestFile.stdout)
        let asOf = ["--as-of", "2024-02-10T00:00:00+08:00"]
        #expect(try CLI.run(["digest", chained] + asOf).stdout == (try CLI.run(["digest", "samples/chained.jsonl"] + asOf).stdout))
        let back = FileManager.default.temporaryDirectory.appendingPathComponent("pg-back-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: back) }
        #expect(try CLI.run(["copy", chained, back]).status == 0)
        #expect(FileManager.default.contents(atPath: back) == FileManager.default.contents(atPath: CLI.packageRoot.appendingPathComponent("samples/chained.jsonl").path))
        // Appending goes on with the same chain: verify recomputes it over all the rows.
        let log = try PostgresLog(uri: chained)
        _ = try log.append(batch: Array(accepted("PG-1", ticket: "TPG-1").utf8))
        let summary = try log.verify { _ in }
        #expect(summary.isClean && summary.chain.firstLine == 1 && summary.lineCount == 39)
    }

    /// A chain that starts after unchained lines builds on their hash: a stream's verify hashes
    /// them as they go by (a file's reads them again), and a changed one breaks the chain.
    @Test func aChainStartingAfterTheFirstLineVerifiesAsTheFile() throws {
        let sample = try Data(contentsOf: CLI.packageRoot.appendingPathComponent("samples/quyuan-2023-09.jsonl"))
        let path = try PostgresCopyTests.file("mid-chain-\(UUID().uuidString).jsonl", sample)
        let batch = try PostgresCopyTests.file("mid-batch-\(UUID().uuidString).jsonl",
                                               Data((accepted("MC-1", ticket: "TMC-1") + accepted("MC-2", ticket: "TMC-2")).utf8))
        #expect(try CLI.run(["append", path, batch, "--chain", "--no-state"]).status == 0)
        let uri = try Server.freshDatabase("midchain")
        #expect(try CLI.run(["copy", path, uri]).status == 0)
        let fromFile = try CLI.run(["verify", path])
        let fromPostgres = try CLI.run(["verify", uri])
        #expect(fromFile.status == 0 && fromFile.stdout.contains("(chained from line 1,013)"), "\(fromFile.stdout)")
        #expect(fromPostgres.status == 0 && fromPostgres.stdout == fromFile.stdout, "\(fromPostgres.stdout)")
        #expect(try CLI.run(["digest", uri]).stdout == (try CLI.run(["digest", path])).stdout)
        // An unchained line changed: the chain's first line no longer builds on what is before it.
        try PGConnection(uri: uri).exec("UPDATE ticket_ledger_events SET line = line || ' '::bytea WHERE position = 5")
        let changed = try CLI.run(["verify", uri])
        #expect(changed.status == 1 && changed.stdout.contains(":1013: hash chain broken"), "\(changed.stdout)")
    }

    /// 4 writer processes at once, each running `ledger-cli append` (a connection of its own)
    /// over and over: 100 appends each by default, the issue's 500 with
    /// TICKET_LEDGER_POSTGRES_APPENDS=500 (about a minute on two cores: see docs/postgres.md).
    @Test func concurrentAppenderProcessesEachLandExactlyOnceWithTheChainIntact() throws {
        let uri = try Server.freshDatabase("concurrent")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pg-concurrent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let writers = 4
        let appendsEach = ProcessInfo.processInfo.environment["TICKET_LEDGER_POSTGRES_APPENDS"].flatMap { Int($0) } ?? 100
        let started = Date()
        defer { print("note: \(writers) processes x \(appendsEach) appends: \(String(format: "%.1f", Date().timeIntervalSince(started))) s") }
        var processes: [Process] = []
        for w in 0..<writers {
            var script = ""
            for i in 0..<appendsEach {
                let ticket = "W\(w)-\(i)"
                let batch = scratch.appendingPathComponent("\(ticket).jsonl")
                try (accepted("a-\(ticket)", ticket: ticket) + assigned("s-\(ticket)", ticket: ticket)).write(to: batch, atomically: true, encoding: .utf8)
                script += "'\(CLI.executable)' append '\(uri)' '\(batch.path)' >/dev/null || exit 1\n"
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script]
            try process.run()
            processes.append(process)
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let log = try PostgresLog(uri: uri, create: false)
        var problems: [LogProblem] = []
        let summary = try log.verify(requireChain: true) { problems.append($0) }
        #expect(problems.isEmpty)
        #expect(summary.eventCount == writers * appendsEach * 2 && summary.lineCount == writers * appendsEach * 2)
        #expect(summary.ticketCount == writers * appendsEach && summary.chain.breakCount == 0)
        // Each batch's two lines are adjacent: appends did not interleave.
        var ids: [String] = []
        try log.forEachLine { line in
            let text = String(decoding: line.bytes, as: UTF8.self)
            ids.append(String(text.split(separator: "\"")[3]))
        }
        #expect(Set(ids).count == ids.count)
        for k in stride(from: 0, to: ids.count, by: 2) {
            #expect(ids[k].hasPrefix("a-") && ids[k + 1] == "s-" + ids[k].dropFirst(2))
        }
    }

    /// An append behind another writer's lock (here a session holding the advisory lock) waits
    /// for it and, after a second, says so once.
    @Test func anAppendWaitingForTheWritersLockSaysSo() throws {
        let uri = try Server.freshDatabase("lockwait")
        _ = try PostgresLog(uri: uri).append(batch: Array(accepted("W1", ticket: "TW1").utf8))
        // The holder's connection is used by the timer's thread only after this one is done with it.
        nonisolated(unsafe) let holder = try PGConnection(uri: uri)
        try holder.exec("SELECT pg_advisory_lock(\(PostgresLog.lockKey))")
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { _ = try? holder.exec("SELECT pg_advisory_unlock_all()") }
        let batch = NSTemporaryDirectory() + "lockwait-\(UUID().uuidString).jsonl"
        try Data(accepted("W2", ticket: "TW2").utf8).write(to: URL(fileURLWithPath: batch))
        defer { try? FileManager.default.removeItem(atPath: batch) }
        let waited = try CLI.run(["append", uri, batch], timeout: 60)
        #expect(waited.status == 0 && waited.stdout.hasPrefix("appended 1 event"), "\(waited.stderr)")
        #expect(waited.stderr == "waiting for another writer of \(ConnectionURI.redacted(uri)) to finish (it holds the writers' lock)\n")
        #expect(try PostgresLog(uri: uri).count() == 2)
    }

    /// A long-lived writer whose last rows were deleted by hand since it read them (a copy
    /// between its batches) writes nothing rather than after a gap.
    @Test func aWriterAfterRowsDeletedUnderItWritesNothing() throws {
        let uri = try Server.freshDatabase("deleted")
        let writer = try PostgresLog(uri: uri)
        for i in 0..<3 { _ = try writer.append(batch: Array(accepted("D\(i)", ticket: "TD\(i)").utf8)) }
        try PGConnection(uri: uri).exec("DELETE FROM \(PostgresLog.eventsTable) WHERE position = 3")
        #expect { try writer.append(batch: Array(accepted("D3", ticket: "TD3").utf8)) } throws: { error in
            "\(error)".contains("ends at position 2, not at 3 where this writer read it to: rows were deleted by hand; nothing was written at 4")
        }
        #expect(try writer.count() == 2)
        // Opened again, it reads the table as it is.
        #expect(try PostgresLog(uri: uri).append(batch: Array(accepted("D3", ticket: "TD3").utf8)).firstLine == 3)
    }

    /// First writers into an empty database at once: one creates the tables, the others wait
    /// for it and use them (a check through the catalog's cache missed the new tables and made
    /// them fail with "relation … already exists").
    @Test func firstWritersAtOnceAllLand() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pg-first-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for round in 0..<4 {
            let uri = try Server.freshDatabase("first")
            let processes = try (0..<4).map { w in
                let batch = scratch.appendingPathComponent("\(round)-\(w).jsonl")
                try accepted("a\(w)", ticket: "T\(w)").write(to: batch, atomically: true, encoding: .utf8)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: CLI.executable)
                process.arguments = ["append", uri, batch.path]
                process.standardOutput = FileHandle.nullDevice
                let errors = scratch.appendingPathComponent("\(round)-\(w).err")
                FileManager.default.createFile(atPath: errors.path, contents: nil)
                process.standardError = try FileHandle(forWritingTo: errors)
                return process
            }
            for process in processes { try process.run() }
            for (w, process) in processes.enumerated() {
                process.waitUntilExit()
                let errors = try String(contentsOf: scratch.appendingPathComponent("\(round)-\(w).err"), encoding: .utf8)
                #expect(process.terminationStatus == 0, "\(errors)")
            }
            #expect(try PostgresLog(uri: uri, create: false).count() == 4)
        }
    }

    /// A row deleted by hand leaves a gap in the positions: every reader refuses the ledger,
    /// those that read with positions (verify, a replay outside a snapshot) at the gap, a
    /// report's replay in a snapshot, without them, at the end, by the count.
    @Test func aGapInThePositionsIsRefusedByEveryReader() throws {
        let uri = try Server.freshDatabase("gap")
        #expect(try CLI.run(["copy", "samples/quyuan-2023-09.jsonl", uri]).status == 0)
        let log = try PostgresLog(uri: uri)
        let count = try log.count()
        #expect(try log.verify { _ in }.isClean)
        try PGConnection(uri: uri).exec("DELETE FROM ticket_ledger_events WHERE position = 10")
        #expect(try log.count() == count)

        let atTheGap = "has no position 10 (the next is 11): positions must have no gaps"
        #expect { try log.verify { _ in } } throws: { "\($0)".contains(atTheGap) }
        #expect { try log.withReadSnapshot { try log.verify { _ in } } } throws: { "\($0)".contains(atTheGap) }
        var projections = [Projection(options: ProjectionOptions())]
        #expect { try LogReplay(streamNamed: log.name, log: log).run(into: &projections) } throws: { "\($0)".contains(atTheGap) }
        // A report's replay reads in the table's order, in a snapshot: the same message.
        for heldRowsLimit in [log.heldRowsLimit, 0] {
            log.heldRowsLimit = heldRowsLimit
            #expect { try log.withReadSnapshot { try LogReplay(streamNamed: log.name, log: log).run(into: &projections) } }
                throws: { "\($0)".contains(atTheGap) }
        }
        for arguments in [["replay", uri, "-p", "2023-09"], ["bulletin", uri, "-p", "2023-09"], ["verify", uri]] {
            let result = try CLI.run(arguments)
            #expect(result.status != 0 && result.stdout.isEmpty, "\(arguments[0])")
            #expect(result.stderr.contains(atTheGap), "\(arguments[0]): \(result.stderr)")
            // Named once, as the ledger's rows (not "cannot read the file").
            #expect(result.stderr.hasPrefix("Error: \(log.name): ticket_ledger_events has no position 10") ||
                    result.stderr.hasPrefix("\(log.name): ticket_ledger_events has no position 10"), "\(arguments[0]): \(result.stderr)")
            #expect(!result.stderr.contains("cannot read the file"), "\(arguments[0]): \(result.stderr)")
        }
        // Without the gap (the last row deleted too, the count is right again) all is well.
        try PGConnection(uri: uri).exec("DELETE FROM ticket_ledger_events WHERE position > 9")
        #expect(try CLI.run(["verify", uri]).status == 0)
    }

    /// A first append into a schema that does not exist says so, naming the ledger, in the
    /// server's words without libpq's `ERROR:` prefix and the statement's `LINE 1:` excerpt.
    @Test func aFirstAppendIntoAMissingSchemaSaysSo() throws {
        let uri = try Server.freshDatabase("noschema")
        let inMissingSchema = uri + (uri.contains("?") ? "&" : "?") + "options=-csearch_path%3Dnot_a_schema"
        let result = try CLI.run(["append", inMissingSchema, "samples/quyuan-2023-09.jsonl"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot create the ledger's tables in \(inMissingSchema): no schema has been selected to create in"), "\(result.stderr)")
        #expect(result.stderr.contains("must exist"), "\(result.stderr)")
        #expect(!result.stderr.contains("ERROR:") && !result.stderr.contains("LINE 1"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    /// What a command says of a ledger it cannot use, once and on one line; `repair` of a
    /// ledger has nothing to do, as for a file that ends with a whole line.
    @Test func messagesAboutALedgerAreOneLineEachAndRepairHasNothingToDo() throws {
        let uri = try Server.freshDatabase("messages")
        #expect(try CLI.run(["append", uri, "samples/quyuan-2023-09.jsonl"]).status == 0)
        let repair = try CLI.run(["repair", uri])
        #expect(repair.status == 0 && repair.stdout == "\(uri): nothing to repair: each append to PostgreSQL is one transaction, whole or absent\n")
        // The limit of a line holds for the rows as for a file's lines.
        for command in ["verify", "digest"] {
            let limited = try CLI.run([command, "--max-line-bytes", "100", uri])
            #expect(limited.status == 1 && limited.stderr.contains("line 1 is longer than 100 bytes"), "\(command): \(limited.stderr)")
        }
        // A gap, met by an append: the ledger named once.
        let admin = try PGConnection(uri: uri)
        try admin.exec("DELETE FROM \(PostgresLog.eventsTable) WHERE position = 2")
        let append = try CLI.run(["append", uri, "samples/quyuan-2023-09.jsonl"])
        #expect(append.status == 1 && append.stderr.components(separatedBy: uri).count == 2, "\(append.stderr)")
        #expect(append.stderr.contains("has no position 2"), "\(append.stderr)")
        // The events table renamed away: said as such, not as the aborted transaction after it.
        try admin.exec("ALTER TABLE \(PostgresLog.eventsTable) RENAME TO elsewhere")
        let verify = try CLI.run(["verify", uri])
        #expect(verify.status == 1 && verify.stderr.contains("no table \(PostgresLog.eventsTable)"), "\(verify.stderr)")
        // The schema's table dropped while the events are there: said as such, not "the first append creates one".
        try admin.exec("ALTER TABLE elsewhere RENAME TO \(PostgresLog.eventsTable); DROP TABLE \(PostgresLog.schemaTable)")
        for command in ["verify", "append"] {
            let result = try CLI.run([command, uri, "samples/quyuan-2023-09.jsonl"].prefix(command == "verify" ? 2 : 3).map { $0 })
            #expect(result.status == 1 && result.stderr.contains("has \(PostgresLog.eventsTable) but no table \(PostgresLog.schemaTable)"),
                    "\(command): \(result.stderr)")
        }
        // A password, however the URI holds it, is not shown, nor what libpq quotes of it.
        for secretURI in [uri + "&pass%77ord=s3cret", uri + "&password=s3cret%zz", uri.replacingOccurrences(of: "postgresql://postgres@", with: "postgresql://postgres:s3?cret@")] {
            let result = try CLI.run(["verify", secretURI])
            #expect(!(result.stdout + result.stderr).contains("s3cret") && !(result.stdout + result.stderr).contains("s3?cret"), "\(result.stderr)")
        }
        let shouting = try CLI.run(["verify", "POSTGRESQL://postgres:s3cret@/db"])
        #expect(shouting.status == 64 && shouting.stderr.contains("write the scheme in lower case") && !shouting.stderr.contains("s3cret"), "\(shouting.stderr)")
        // A server that is not there: libpq's two lines as one.
        let nowhere = try CLI.run(["verify", "postgresql://postgres@/postgres?host=/nonexistent-directory"])
        #expect(nowhere.status == 1 && nowhere.stderr.split(separator: "\n").count == 1, "\(nowhere.stderr)")
        #expect(nowhere.stderr.contains("No such file or directory; Is the server running"), "\(nowhere.stderr)")
    }

    /// Lines a file keeps but the table cannot (a U+0000 in an id, a ticket number longer than
    /// an index's key) are refused by append and copy, naming the line; a row holding two lines
    /// (merged by hand) is refused by every reader.
    @Test func linesTheTableCannotKeepAndRowsOfTwoLinesAreRefused() throws {
        let uri = try Server.freshDatabase("unstorable")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pg-unstorable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cases = [(accepted(#"a\u0000b"#, ticket: "T1"), "field 'id' holds the character U+0000"),
                     (accepted("a1", ticket: String(repeating: "长", count: 700)), "field 'ticket' is 2,100 bytes long")]
        for (i, (line, message)) in cases.enumerated() {
            let file = scratch.appendingPathComponent("\(i).jsonl")
            try (accepted("ok\(i)", ticket: "OK\(i)") + line).write(to: file, atomically: true, encoding: .utf8)
            #expect(try CLI.run(["verify", file.path]).status == 0)
            let append = try CLI.run(["append", uri, file.path])
            #expect(append.status == 1 && append.stdout.contains("\(file.path):2: \(message)"), "\(append.stdout)")
            let copy = try CLI.run(["copy", file.path, try Server.freshDatabase("unstorable")])
            #expect(copy.status == 1 && (copy.stdout + copy.stderr).contains("\(file.path):2: \(message)"), "\(copy.stdout + copy.stderr)")
            #expect(!append.stderr.contains("ERROR") && !copy.stderr.contains("ERROR"))
        }
        #expect(try CLI.run(["append", uri, "samples/quyuan-2023-09.jsonl"]).status == 0)
        let admin = try PGConnection(uri: uri)
        try admin.exec("""
            UPDATE \(PostgresLog.eventsTable) SET line = line || '\\x0a'::bytea || (SELECT line FROM \(PostgresLog.eventsTable) WHERE position = 3)
            WHERE position = 2;
            DELETE FROM \(PostgresLog.eventsTable) WHERE position = 3
            """)
        for command in [["verify", uri], ["digest", uri], ["replay", uri, "-p", "2023-09"]] {
            let result = try CLI.run(command)
            #expect(result.status == 1 && result.stderr.contains("position 2 holds more than one line"), "\(command[0]): \(result.stderr)")
        }
    }

    /// A report's replay reads the rows in the table's own order and puts them in order of
    /// position; rows far out of order are read again, in order, in the same snapshot.
    @Test func rowsStoredOutOfTheirOrderReplayAsTheFile() throws {
        let uri = try Server.freshDatabase("shuffled")
        #expect(try CLI.run(["copy", "samples/quyuan-2023-09.jsonl", uri]).status == 0)
        // Store the rows again in another order (deleted rows stay where they were until a
        // vacuum, so the new ones follow them in that order).
        let sql = try PGConnection(uri: uri)
        try sql.exec("CREATE TEMPORARY TABLE rows AS SELECT * FROM ticket_ledger_events")
        try sql.exec("DELETE FROM ticket_ledger_events")
        try sql.exec("INSERT INTO ticket_ledger_events SELECT * FROM rows ORDER BY md5(position::text)")
        let outOfOrder = try sql.exec("""
            SELECT count(*) FROM (SELECT position, lag(position) OVER (ORDER BY ctid) AS before
            FROM ticket_ledger_events) AS stored WHERE position <> before + 1
            """)
        #expect(Int(outOfOrder.first?.first.flatMap { $0 } ?? "0")! > 900, "most rows are out of order in the table")

        let args = ["-p", "2023-09", "--units", "samples/quyuan-units.csv"]
        for command in [["replay", "--format", "json"], ["replay"], ["bulletin", "--format", "markdown"]] {
            let fromFile = try CLI.run([command[0], "samples/quyuan-2023-09.jsonl"] + command.dropFirst() + args)
            let fromPostgres = try CLI.run([command[0], uri] + command.dropFirst() + args)
            #expect(fromFile.status == 0 && fromPostgres.status == 0 && fromPostgres.stderr.isEmpty)
            #expect(fromPostgres.stdout == fromFile.stdout, "\(command)")
        }
        // The table's own COPY reads the snapshot's rows: not a batch another writer commits after
        // the snapshot began.
        let writer = try PostgresLog(uri: uri, create: false)
        let reader = try PostgresLog(uri: uri, create: false)
        let seen = try reader.withReadSnapshot {
            _ = try reader.count()   // the snapshot is taken by the transaction's first statement
            _ = try writer.append(batch: Array((accepted("SN-1", ticket: "TSN-1") + assigned("SN-2", ticket: "TSN-1")).utf8))
            var projections = [Projection()]
            return try LogReplay(streamNamed: reader.name, log: reader).run(into: &projections).lines
        }
        let now = try reader.count()
        #expect(seen == 1012 && now == 1014)
        // Through the library: held rows (all of them, a few, none) give the file's counts.
        var fromFile = [Projection()]
        _ = try LogReplay(path: CLI.packageRoot.appendingPathComponent("samples/quyuan-2023-09.jsonl").path).run(into: &fromFile)
        let log = try PostgresLog(uri: uri, create: false)
        for heldRowsLimit in [log.heldRowsLimit, 4_096, 0] {
            log.heldRowsLimit = heldRowsLimit
            var projections = [Projection()]
            let summary = try log.withReadSnapshot { try LogReplay(streamNamed: log.name, log: log).run(into: &projections) }
            #expect(summary.lines == 1014 && summary.problems.isEmpty, "held up to \(heldRowsLimit) bytes")
            #expect(projections[0].counts(period: .month(2023, 9)) == fromFile[0].counts(period: .month(2023, 9)),
                    "held up to \(heldRowsLimit) bytes")
        }
    }

    @Test func aRejectedBatchLeavesNothingAndTheWriterGoesOn() throws {
        let uri = try Server.freshDatabase("rejected")
        let log = try PostgresLog(uri: uri)
        _ = try log.append(batch: Array((accepted("R1", ticket: "TR1")).utf8))
        // Line 2 is valid, line 3 is not (closed before assigned): none of the three lands.
        let bad = accepted("R2", ticket: "TR2") + assigned("R3", ticket: "TR2")
            + #"{"id":"R4","ticket":"TR1","type":"closed","at":"2024-02-21T08:00:00+08:00","unit":"x"}"# + "\n"
        #expect(throws: AppendError.self) { try log.append(batch: Array(bad.utf8)) }
        // A duplicate of a committed id, from another writer.
        let other = try PostgresLog(uri: uri)
        #expect(throws: AppendError.self) { try other.append(batch: Array(accepted("R1", ticket: "TR9").utf8)) }
        #expect(try log.count() == 1)
        // The rejected ids are free again, and both writers see each other's commits.
        _ = try log.append(batch: Array((accepted("R2", ticket: "TR2")).utf8))
        _ = try other.append(batch: Array((assigned("R3", ticket: "TR2")).utf8))
        _ = try log.append(batch: Array((assigned("R5", ticket: "TR1")).utf8))
        let summary = try log.verify { _ in }
        #expect(summary.isClean && summary.lineCount == 4 && summary.chain.firstLine == 1)
        // Through the CLI: exit 1, the ledger unchanged.
        let batch = FileManager.default.temporaryDirectory.appendingPathComponent("pg-bad-\(UUID().uuidString).jsonl")
        try bad.write(to: batch, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: batch) }
        let result = try CLI.run(["append", uri, batch.path])
        #expect(result.status == 1 && result.stdout.contains("unchanged"))
        #expect(try log.count() == 4)
    }

    @Test func aSubscriberAcrossAReconnectSeesEveryEventOnce() throws {
        let uri = try Server.freshDatabase("follow")
        let writer = try PostgresLog(uri: uri)
        _ = try writer.append(batch: Array(accepted("F0", ticket: "TF0").utf8))
        let follower = PostgresFollower(uri: uri)
        var seen: [Int] = try follower.next(waitingUpTo: 0).map(\.position)
        #expect(seen == [1])
        #expect(try follower.next(waitingUpTo: 50).isEmpty)
        for i in 1...3 { _ = try writer.append(batch: Array(accepted("F\(i)", ticket: "TF\(i)").utf8)) }
        while seen.count < 4 { seen += try follower.next(waitingUpTo: 2000).map(\.position) }
        // The server ends the follower's connection; commits go on while it is away.
        let pid = try #require(follower.backendPID)
        let admin = try PGConnection(uri: uri)
        try admin.exec("SELECT pg_terminate_backend(\(pid))")
        for i in 4...6 { _ = try writer.append(batch: Array(accepted("F\(i)", ticket: "TF\(i)").utf8)) }
        var rounds = 0
        while seen.count < 7 && rounds < 20 {
            seen += try follower.next(waitingUpTo: 500).map(\.position)
            rounds += 1
        }
        #expect(seen == Array(1...7))
        #expect(follower.connectionCount == 2)
        #expect(try follower.next(waitingUpTo: 100).isEmpty)
        // `ledger-cli follow` over the same ledger: the table once, then after one more commit.
        let followProcess = Process()
        followProcess.executableURL = URL(fileURLWithPath: CLI.executable)
        followProcess.arguments = ["follow", uri, "-p", "2024-02", "--format", "json", "--updates", "1"]
        let out = Pipe()
        followProcess.standardOutput = out
        try followProcess.run()
        Thread.sleep(forTimeInterval: 1.0)
        _ = try writer.append(batch: Array(assigned("F7", ticket: "TF1").utf8))
        let data = out.fileHandleForReading.readDataToEndOfFile()
        followProcess.waitUntilExit()
        #expect(followProcess.terminationStatus == 0)
        #expect(String(decoding: data, as: UTF8.self).split(separator: "\n").count == 2)
    }

    /// Rows committed without an announcement are read when the wait ends; rows deleted or
    /// replaced under a follower, after it read them, stop it: what it counted no longer holds.
    @Test func aFollowerReadsUnannouncedRowsAndRefusesRowsChangedUnderIt() throws {
        let uri = try Server.freshDatabase("changed")
        let writer = try PostgresLog(uri: uri)
        for i in 0..<3 { _ = try writer.append(batch: Array(accepted("C\(i)", ticket: "TC\(i)").utf8)) }
        let follower = PostgresFollower(uri: uri)
        #expect(try follower.next(waitingUpTo: 0).map(\.position) == [1, 2, 3])
        // Another client's INSERT, without pg_notify.
        let admin = try PGConnection(uri: uri)
        try admin.exec("""
            INSERT INTO \(PostgresLog.eventsTable) (position, id, ticket, type, at, line)
            SELECT 4, 'C3', 'TC3', 'accepted', at, convert_to(replace(convert_from(line, 'UTF8'), 'C2', 'C3'), 'UTF8')
            FROM \(PostgresLog.eventsTable) WHERE position = 3
            """)
        #expect(try follower.next(waitingUpTo: 50).map(\.position) == [4])
        #expect(try follower.next(waitingUpTo: 50).isEmpty)
        // The last line read is deleted: gone.
        try admin.exec("DELETE FROM \(PostgresLog.eventsTable) WHERE position = 4")
        #expect { try follower.next(waitingUpTo: 50) } throws: { error in
            let error = try #require(error as? PostgresError)
            return error.isLedgerChanged && !error.isConnectionFailure
                && error.description.contains("position 4, read before, is gone")
        }
        // Replaced by another line at its position: another follower that read it says so.
        _ = try writer.append(batch: Array(accepted("C4", ticket: "TC4").utf8))
        let second = PostgresFollower(uri: uri)
        #expect(try second.next(waitingUpTo: 0).count == 4)
        try admin.exec("""
            UPDATE \(PostgresLog.eventsTable) SET id = 'C9', ticket = 'TC9',
                line = convert_to(replace(convert_from(line, 'UTF8'), 'C4', 'C9'), 'UTF8') WHERE position = 4
            """)
        #expect { try second.next(waitingUpTo: 50) } throws: { error in
            (error as? PostgresError)?.description.contains("position 4, read before, holds another line than the one read") == true
        }
        // `ledger-cli follow` stops with the same message.
        let followProcess = Process()
        followProcess.executableURL = URL(fileURLWithPath: CLI.executable)
        followProcess.arguments = ["follow", uri, "-p", "2024-02", "--format", "json", "--interval", "100"]
        let out = Pipe(), err = Pipe()
        followProcess.standardOutput = out
        followProcess.standardError = err
        try followProcess.run()
        Thread.sleep(forTimeInterval: 1.0)
        try admin.exec("DELETE FROM \(PostgresLog.eventsTable) WHERE position = 4")
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        followProcess.waitUntilExit()
        #expect(followProcess.terminationStatus == 1)
        #expect(String(decoding: data, as: UTF8.self).split(separator: "\n").count == 1)
        #expect(message.contains("position 4, read before, is gone"))
    }

    /// `ledger-cli follow` whose server ends its connection and refuses new ones for a while
    /// (a restart) keeps trying, says so, and goes on at its position: its last table is the
    /// replay's.
    @Test func followWaitsForAServerThatRefusesConnectionsForAWhile() throws {
        let uri = try Server.freshDatabase("restart")
        let database = String(uri[uri.range(of: "/tl_restart_")!.lowerBound...].dropFirst().prefix { $0 != "?" })
        let writer = try PostgresLog(uri: uri)
        _ = try writer.append(batch: Array(accepted("R0", ticket: "TR0").utf8))
        let followProcess = Process()
        followProcess.executableURL = URL(fileURLWithPath: CLI.executable)
        followProcess.arguments = ["follow", uri, "-p", "2024-02", "--format", "json", "--updates", "1"]
        let (out, err) = (Pipe(), Pipe())
        followProcess.standardOutput = out
        followProcess.standardError = err
        try followProcess.run()
        Thread.sleep(forTimeInterval: 1.0)
        // The admin connection goes to the server's own database, which stays open.
        let admin = try PGConnection(uri: Server.uri!)
        try admin.exec("ALTER DATABASE \(database) ALLOW_CONNECTIONS false")
        try admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
        Thread.sleep(forTimeInterval: 1.5)
        try admin.exec("ALTER DATABASE \(database) ALLOW_CONNECTIONS true")
        _ = try PostgresLog(uri: uri).append(batch: Array(assigned("R1", ticket: "TR0").utf8))
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        followProcess.waitUntilExit()
        #expect(followProcess.terminationStatus == 0, "\(errors)")
        #expect(errors.contains("follow: lost the connection to"), "\(errors)")
        #expect(errors.contains("again; going on after line 1"), "\(errors)")
        // Only follow's own lines: libpq's notices (the server's "FATAL:  terminating …") are not printed raw.
        #expect(errors.split(separator: "\n").allSatisfy { $0.hasPrefix("follow: ") }, "\(errors)")
        let tables = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(tables.count == 2)
        // The table as of the instant it names, as replay prints it.
        let last = String(try #require(tables.last))
        let asOf = try #require(last.firstMatch(of: /"asOf": "([^"]+)"/)?.1)
        let replay = try CLI.run(["replay", uri, "-p", "2024-02", "--format", "json", "--as-of", String(asOf)])
        #expect(last == replay.stdout.split(separator: "\n").joined(), "\(replay.stdout)")
    }

    /// `follow` of a ledger counts an open ticket once its deadline has come: it prints the table
    /// again when the deadline passes, with no new row.
    @Test func followPrintsTheTableAgainWhenADeadlineComes() throws {
        let uri = try Server.freshDatabase("deadline")
        let now = Date()
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        func time(_ seconds: Double) -> String { formatter.string(from: now.addingTimeInterval(seconds)) }
        let start = time(-3600)
        _ = try PostgresLog(uri: uri).append(batch: Array((
            #"{"id":"D1","ticket":"TD","type":"accepted","at":"\#(start)","channel":"hotline"}"# + "\n"
            + #"{"id":"D2","ticket":"TD","type":"assigned","at":"\#(start)","unit":"市城管局","due":"\#(time(5))"}"# + "\n").utf8))
        let period = "\(time(-86_400).prefix(10))..\(time(86_400).prefix(10))"
        let follow = try CLI.run(["follow", uri, "-p", period, "--format", "json", "--updates", "1"], timeout: 40)
        #expect(follow.status == 0, "\(follow.stderr)")
        let tables = follow.stdout.split(separator: "\n").map(String.init)
        try #require(tables.count == 2, "\(follow.stdout)")
        #expect(tables[0].contains(#""total": {"unit": "合计", "group": null, "accepted": 1, "due": 0"#), "\(tables[0])")
        #expect(tables[1].contains(#""total": {"unit": "合计", "group": null, "accepted": 1, "due": 1, "done": 0, "onTime": 0, "overdue": 1"#), "\(tables[1])")
        for table in tables {
            let asOf = try #require(table.firstMatch(of: /"asOf": "([^"]+)"/)?.1)
            let replay = try CLI.run(["replay", uri, "-p", period, "--format", "json", "--as-of", String(asOf)])
            #expect(table == replay.stdout.split(separator: "\n").joined(), "\(replay.stdout)")
        }
    }

    /// A row changed by hand so that it breaks the life cycle: `follow` refuses the ledger
    /// as `replay` does, naming the line, instead of printing a table without it.
    @Test func followRefusesALedgerWithAnInvalidLine() throws {
        let uri = try Server.freshDatabase("followbad")
        #expect(try CLI.run(["copy", "samples/quyuan-2023-09.jsonl", uri]).status == 0)
        // Line 5's ticket renamed: its later lines are on a ticket never accepted.
        let line5 = try #require(try PGConnection(uri: uri).exec("SELECT convert_from(line, 'UTF8') FROM ticket_ledger_events WHERE position = 5").first?.first ?? nil)
        let ticket = try #require(line5.firstMatch(of: /"ticket":"([^"]+)"/)?.1)
        try PGConnection(uri: uri).exec("UPDATE ticket_ledger_events SET line = convert_to(replace(convert_from(line, 'UTF8'), '\"ticket\":\"\(ticket)\"', '\"ticket\":\"\(ticket)X\"'), 'UTF8') WHERE position = 5")
        let replay = try CLI.run(["replay", uri, "-p", "2023-09"])
        #expect(replay.status == 1 && replay.stdout.isEmpty)
        let follow = try CLI.run(["follow", uri, "-p", "2023-09", "--updates", "1"], timeout: 20)
        #expect(follow.status == 1)
        #expect(follow.stdout.isEmpty)
        #expect(follow.stderr.contains("but it was never accepted"), "\(follow.stderr)")
        #expect(follow.stderr.contains("has invalid lines; run 'ledger-cli verify"), "\(follow.stderr)")
    }
}

#endif
