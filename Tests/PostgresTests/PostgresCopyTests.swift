#if Postgres
import Foundation
import Testing
import Events
@testable import PostgresLedger
#if canImport(Glibc)
import Glibc
#endif

/// `ledger-cli copy` between files and PostgreSQL, and the reports of a ledger copied in.
@Suite(.enabled(if: Server.available, "TICKET_LEDGER_POSTGRES_URI is not set (run .ci/run, which starts a PostgreSQL server)"))
struct PostgresCopyTests {
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pg-copy-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func sample(_ name: String) -> Data {
        FileManager.default.contents(atPath: CLI.packageRoot.appendingPathComponent(name).path)!
    }

    /// Writes `data` to a scratch file; returns its path.
    static func file(_ name: String, _ data: Data) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// The first `count` lines of `data` (with their newlines).
    static func lines(_ data: Data, _ count: Int) -> Data {
        var seen = 0
        for (i, byte) in data.enumerated() where byte == 0x0A {
            seen += 1
            if seen == count { return data.prefix(i + 1) }
        }
        return data
    }

    @Test func everyReportOfACopiedLedgerIsTheFilesByteForByte() throws {
        let uri = try Server.freshDatabase("reports")
        let log = "samples/yueyang-2024-02.jsonl"
        #expect(try CLI.run(["copy", log, uri, "--batch-lines", "100"]).status == 0)
        let period = ["-p", "2024-02"]
        let units = ["--units", "samples/yueyang-hotline-units.csv"]
        let commands: [[String]] = [
            ["replay"] + period + units + ["--format", "csv"],
            ["replay"] + period + units + ["--format", "markdown", "--as-of", "2024-02-20T00:00:00+08:00"],
            // Nothing on this channel: the warning that names the other channels takes a second pass.
            ["replay"] + period + ["--channel", "proposal"],
            ["explain"] + period + ["--unit", "市城管局", "--format", "json"],
            ["whatif"] + period + units + ["--alt", "samples/rules/rework-heavy.json", "--alt", "samples/rules/deadlines-3-workdays.json"],
            ["bulletin"] + period + units + ["--mailbox-units", "samples/yueyang-mailbox-units.csv", "--format", "markdown"],
            ["deadlines"] + period + ["--rules", "samples/rules/deadlines-3-workdays.json", "--format", "json"],
        ]
        for command in commands {
            let args = [command[0]] + Array(command.dropFirst())
            let fromFile = try CLI.run([args[0], log] + args.dropFirst())
            let fromPostgres = try CLI.run([args[0], uri] + args.dropFirst())
            #expect(fromFile.status == 0 && !fromFile.stdout.isEmpty, "\(command)")
            #expect(fromPostgres.status == fromFile.status, "\(command)")
            #expect(fromPostgres.stdout == fromFile.stdout, "\(command)")
            #expect(fromPostgres.stderr == fromFile.stderr, "\(command)")
        }
        // With a checkpoint (written by the first replay, used by the second): the same table.
        let dir = Self.scratch.appendingPathComponent("checkpoint-\(UUID().uuidString)").path
        for _ in 0..<2 {
            let checkpointed = try CLI.run(["replay", uri, "--checkpoint", dir] + period)
            #expect(checkpointed.status == 0 && checkpointed.stderr.isEmpty)
            #expect(checkpointed.stdout == (try CLI.run(["replay", log] + period)).stdout)
            #expect(FileManager.default.fileExists(atPath: dir + "/replay.checkpoint"))
        }
    }

    @Test func aChainedLogRoundTripsByteForByteInBatchesWithTheSameHead() throws {
        let uri = try Server.freshDatabase("roundtrip")
        let copied = try CLI.run(["copy", "samples/chained.jsonl", uri, "--batch-lines", "7"])
        let head = try CLI.run(["digest", "samples/chained.jsonl"]).stdout.split(separator: " ")[0]
        #expect(copied.status == 0 && copied.stdout.contains("copied 38 lines") && copied.stdout.contains("chain head \(head)"))
        #expect(try CLI.run(["verify", uri, "--require-chain"]).status == 0)
        #expect(try CLI.run(["digest", uri]).stdout == (try CLI.run(["digest", "samples/chained.jsonl"])).stdout)
        let back = Self.scratch.appendingPathComponent("back-\(UUID().uuidString).jsonl").path
        let out = try CLI.run(["copy", uri, back])
        #expect(out.status == 0 && out.stdout.contains("chain head \(head)"))
        #expect(FileManager.default.contents(atPath: back) == Self.sample("samples/chained.jsonl"))
        // Copying again changes nothing, either way.
        #expect(try CLI.run(["copy", uri, back]).stdout.contains("copied 0 lines"))
        #expect(try CLI.run(["copy", "samples/chained.jsonl", uri]).stdout.contains("copied 0 lines"))
        #expect(try PostgresLog(uri: uri).count() == 38)
        #expect(FileManager.default.contents(atPath: back) == Self.sample("samples/chained.jsonl"))
    }

    @Test func aDestinationHoldingTheSourcesFirstLinesGetsOnlyTheRestAndAnyOtherIsRefused() throws {
        let chained = Self.sample("samples/chained.jsonl")
        let uri = try Server.freshDatabase("prefix")
        #expect(try CLI.run(["copy", try Self.file("c20.jsonl", Self.lines(chained, 20)), uri]).status == 0)
        let rest = try CLI.run(["copy", "samples/chained.jsonl", uri])
        #expect(rest.status == 0 && rest.stdout.contains("copied 18 lines") && rest.stdout.contains("held the first 20 lines"))
        #expect(try CLI.run(["digest", uri]).stdout == (try CLI.run(["digest", "samples/chained.jsonl"])).stdout)

        // Not a prefix: another log, a shorter one, one line changed. Nothing is stored.
        let quyuan = try CLI.run(["copy", "samples/quyuan-2023-09.jsonl", uri])
        #expect(quyuan.status == 1 && quyuan.stderr.contains("not a copy of the start of") && quyuan.stderr.contains("nothing was copied"))
        #expect(try CLI.run(["copy", try Self.file("c30.jsonl", Self.lines(chained, 30)), uri]).stderr.contains("holds more lines than"))
        var edited = chained
        let at = Self.lines(chained, 5).count - 20
        edited[at] = edited[at] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        #expect(try CLI.run(["copy", try Self.file("edited.jsonl", edited), uri]).status == 1)
        #expect(try PostgresLog(uri: uri).count() == 38)

        // Into a file: one that ends inside a line (a copy cut short) is completed; another is refused, unchanged.
        let cut = try Self.file("cut.jsonl", chained.prefix(3_000))
        let completed = try CLI.run(["copy", uri, cut])
        #expect(completed.status == 0 && FileManager.default.contents(atPath: cut) == chained)
        let other = try Self.file("other.jsonl", Self.lines(Self.sample("samples/quyuan-2023-09.jsonl"), 3))
        let refused = try CLI.run(["copy", uri, other])
        #expect(refused.status == 1 && refused.stderr.contains("not a copy of the start of"))
        #expect(FileManager.default.contents(atPath: other) == Self.lines(Self.sample("samples/quyuan-2023-09.jsonl"), 3))
    }

    @Test func anInterruptedCopyGoesOnWhereItStopped() throws {
        let uri = try Server.freshDatabase("resume")
        let source = "samples/quyuan-2023-09.jsonl"
        // Killed after its first batch of 100 committed.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["copy", source, uri, "--batch-lines", "100"]
        process.currentDirectoryURL = CLI.packageRoot
        var environment = ProcessInfo.processInfo.environment
        environment["TICKET_LEDGER_POSTGRES_TEST_PAUSE"] = "copy-committed"
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let writer = WriterProcess(process: process, stderr: err)
        #expect(writer.waitForPause().contains("paused at copy-committed"))
        writer.kill()
        #expect(try PostgresLog(uri: uri).count() == 100)

        // An invalid line stops the next run after the batches before it; fixed, the copy goes on.
        var broken = Self.lines(Self.sample(source), 250)
        broken.append(contentsOf: Array("{\"id\":\"bad\"}\n".utf8))
        let stopped = try CLI.run(["copy", try Self.file("broken.jsonl", broken), uri, "--batch-lines", "100"])
        #expect(stopped.status == 1 && stopped.stdout.contains(":251:") && stopped.stderr.contains("100 lines were copied before that"))
        #expect(try PostgresLog(uri: uri).count() == 200)
        let resumed = try CLI.run(["copy", source, uri, "--batch-lines", "100"])
        #expect(resumed.status == 0 && resumed.stdout.contains("copied 812 lines") && resumed.stdout.contains("held the first 200 lines"))
        let back = Self.scratch.appendingPathComponent("resumed-\(UUID().uuidString).jsonl").path
        #expect(try CLI.run(["copy", uri, back]).status == 0)
        #expect(FileManager.default.contents(atPath: back) == Self.sample(source))
        #expect(try CLI.run(["verify", uri]).stdout == (try CLI.run(["verify", source])).stdout)
    }

    @Test func importIntoALedgerIsRefusedWithTheWayThroughAFile() throws {
        let uri = try Server.freshDatabase("import")
        let refused = try CLI.run(["import", "samples/exports/quyuan-2023-09-actions.csv",
                                   "--map", "samples/exports/actions-map.json", uri])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("import writes to a file log"))
        #expect(refused.stderr.contains("'ledger-cli copy FILE URI'"))
        #expect(try PostgresLog(uri: uri).count() == 0)
    }
}
#endif
