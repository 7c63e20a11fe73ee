#if Postgres
import Foundation
import Testing
import Events
import Projections
@testable import PostgresLedger

/// `replay --checkpoint` on a PostgreSQL ledger: the next replay reads only the rows after those
/// the checkpoint folded, and a checkpoint of anything else is ignored.
@Suite(.enabled(if: Server.available, "TICKET_LEDGER_POSTGRES_URI is not set (run .ci/run, which starts a PostgreSQL server)"))
struct PostgresCheckpointTests {
    static let log = "samples/xiangtan-2019-11.jsonl"
    static let period = ["-p", "2019-11", "--units", "samples/xiangtan-units.csv"]

    /// A fresh database holding the sample's first `lines` lines.
    static func ledger(_ label: String, lines: Int) throws -> String {
        let uri = try Server.freshDatabase(label)
        let head = try PostgresCopyTests.file("\(label)-\(UUID().uuidString).jsonl",
                                             PostgresCopyTests.lines(PostgresCopyTests.sample(log), lines))
        #expect(try CLI.run(["copy", head, uri]).status == 0)
        return uri
    }

    static func directory() -> String {
        PostgresCopyTests.scratch.appendingPathComponent("checkpoint-\(UUID().uuidString)").path
    }

    static func exec(_ uri: String, _ sql: String) throws {
        _ = try PGConnection(uri: uri).exec(sql)
    }

    /// `replay LOG` with `arguments`, with and without the checkpoint: the two outputs must be
    /// the same; returns the checkpointed run.
    static func replay(_ uri: String, checkpoint: String, _ arguments: [String] = []) throws -> CLI.Result {
        let checkpointed = try CLI.run(["replay", uri, "--checkpoint", checkpoint] + period + arguments)
        let whole = try CLI.run(["replay", uri] + period + arguments)
        #expect(checkpointed.status == 0 && whole.status == 0 && !whole.stdout.isEmpty)
        #expect(checkpointed.stdout == whole.stdout)
        return checkpointed
    }

    @Test func theNextReplayReadsOnlyTheRowsAfterTheCheckpointsAndPrintsTheFullReplaysOutput() throws {
        let uri = try Self.ledger("resume", lines: 12_000)
        let dir = Self.directory()
        let first = try Self.replay(uri, checkpoint: dir)
        #expect(first.stderr.isEmpty && FileManager.default.fileExists(atPath: dir + "/replay.checkpoint"))
        #expect(try CLI.run(["copy", Self.log, uri]).stdout.contains("copied 2,887 lines"))
        for format in ["table", "json"] {
            let resumed = try Self.replay(uri, checkpoint: dir, ["--format", format])
            #expect(resumed.stderr.isEmpty, "\(resumed.stderr)")
            #expect(resumed.stdout == (try CLI.run(["replay", Self.log] + Self.period + ["--format", format])).stdout)
        }
        // What was read, through the library: the checkpointed rows, then only the rows after them.
        let store = Recording(try PostgresLog(uri: uri, create: false))
        let library = Self.directory()
        func replay() throws -> (LogReplay.Summary, [String], [String: UnitCounts]) {
            var projections = [Projection()]
            var warnings: [String] = []
            let summary = try LogReplay(streamNamed: store.log.name, log: store).run(into: &projections, checkpoint: library) {
                warnings.append($0)
            }
            return (summary, warnings, projections[0].counts(period: .month(2019, 11)))
        }
        let whole = try replay()
        #expect(whole.1.isEmpty && store.passes == [0] && whole.0.lines == 14_887)
        let tail = try PostgresCopyTests.file("tail-\(UUID().uuidString).jsonl", Data(Self.moreLines.utf8))
        #expect(try CLI.run(["append", uri, tail]).status == 0)
        let resumed = try replay()
        #expect(resumed.1.isEmpty && store.passes == [0, 14_887])
        #expect(resumed.0.lines == 14_889 && resumed.0.bytes < 1_000, "only the two new rows were read")
        var projections = [Projection()]
        _ = try LogReplay(streamNamed: store.log.name, log: store).run(into: &projections)
        #expect(resumed.2 == projections[0].counts(period: .month(2019, 11)) && resumed.2 != whole.2)
    }

    /// Two events of a new ticket, appended after the sample.
    static let moreLines = """
        {"id":"ckpt-1","ticket":"CKPT-1","type":"accepted","at":"2019-11-20T08:00:00+08:00","channel":"hotline"}
        {"id":"ckpt-2","ticket":"CKPT-1","type":"assigned","at":"2019-11-20T09:00:00+08:00","unit":"市城管局","due":"2019-11-25T18:00:00+08:00"}

        """

    @Test func aCheckpointOfATableRewrittenTruncatedOrReplacedOfAnotherDatabaseOrOfAFileIsIgnored() throws {
        let uri = try Self.ledger("ignored", lines: 14_887)
        let dir = Self.directory()
        // Each time: a warning, the output of a replay without the checkpoint, and the checkpoint
        // written anew, so that the next replay uses it.
        func expectIgnored(_ why: String, _ log: String? = nil) throws {
            let result = try Self.replay(log ?? uri, checkpoint: dir)
            #expect(result.stderr.hasPrefix("warning: checkpoint \(dir) ignored: \(why)"), "\(result.stderr)")
            #expect(result.stderr.hasSuffix("; replaying the whole log\n") && result.stderr.split(separator: "\n").count == 1)
            #expect(try Self.replay(log ?? uri, checkpoint: dir).stderr.isEmpty)
        }
        #expect(try Self.replay(uri, checkpoint: dir).stderr.isEmpty)

        // Rewritten in place: the same positions, other lines (every satisfied rating now unsatisfied).
        let before = try CLI.run(["replay", uri] + Self.period).stdout
        try Self.exec(uri, """
            UPDATE ticket_ledger_events SET line = convert_to(replace(convert_from(line, 'UTF8'),
                '"rating":"satisfied"', '"rating":"unsatisfied"'), 'UTF8')
            """)
        try expectIgnored("the log's first 14887 lines changed")
        #expect(try CLI.run(["replay", uri] + Self.period).stdout != before)

        // Truncated, then refilled with fewer lines.
        try Self.exec(uri, "TRUNCATE ticket_ledger_events")
        let head = try PostgresCopyTests.file("head.jsonl", PostgresCopyTests.lines(PostgresCopyTests.sample(Self.log), 9_000))
        #expect(try CLI.run(["copy", head, uri]).status == 0)
        try expectIgnored("the log has fewer than 14887 lines")

        // Truncated and refilled with more lines, other ones at the same positions.
        try Self.exec(uri, "TRUNCATE ticket_ledger_events")
        let rated = String(decoding: PostgresCopyTests.sample(Self.log), as: UTF8.self)
            .replacingOccurrences(of: #""rating":"satisfied""#, with: #""rating":"unsatisfied""#)
        #expect(try CLI.run(["copy", try PostgresCopyTests.file("rated.jsonl", Data(rated.utf8)), uri]).status == 0)
        try expectIgnored("the log's first 9000 lines changed")

        // Replaced: the tables dropped and created again with the same lines (another table).
        try Self.exec(uri, "DROP TABLE ticket_ledger_events, ticket_ledger_schema")
        #expect(try CLI.run(["copy", Self.log, uri]).status == 0)
        try expectIgnored("made for another store (postgresql:")

        // The same lines in another database.
        let other = try Self.ledger("other", lines: 14_887)
        try expectIgnored("made for another store (postgresql:", other)

        // A file's checkpoint on a ledger, and a ledger's on a file.
        try expectIgnored("made for the lines of a store (postgresql:", Self.log)
        try expectIgnored("made for a log file, not for the lines of a store", other)
    }

    @Test func aChainedLedgersCheckpointKeepsTheChainValueOfItsLastRow() throws {
        let chained = PostgresCopyTests.sample("samples/chained.jsonl")
        let uri = try Server.freshDatabase("chained")
        #expect(try CLI.run(["copy", try PostgresCopyTests.file("chained20.jsonl", PostgresCopyTests.lines(chained, 20)), uri]).status == 0)
        let dir = Self.directory()
        let arguments = ["replay", uri, "-p", "2024-02", "--checkpoint", dir]
        #expect(try CLI.run(arguments).stderr.isEmpty)
        #expect(try CLI.run(["copy", "samples/chained.jsonl", uri]).stdout.contains("copied 18 lines"))
        let resumed = try CLI.run(arguments)
        let fromFile = try CLI.run(["replay", "samples/chained.jsonl", "-p", "2024-02"])
        #expect(resumed.stderr.isEmpty && resumed.stdout == fromFile.stdout)
        // The chain value stored on row 20 changed: seen as such.
        try Self.exec(uri, """
            UPDATE ticket_ledger_events SET line = overlay(line placing
                (CASE WHEN get_byte(line, length(line) - 66) = 48 THEN '\\x31'::bytea ELSE '\\x30'::bytea END)
                from length(line) - 65 for 1)
            WHERE position = 20
            """)
        let edited = try CLI.run(arguments)
        #expect(edited.stderr.contains("ignored: the chain value of line 20 changed"), "\(edited.stderr)")
    }
}

/// A ledger's `StreamedLog`, recording the line each pass of a replay started after.
final class Recording: StreamedLog {
    let log: PostgresLog
    private(set) var passes: [Int] = []

    init(_ log: PostgresLog) { self.log = log }

    func bytes(after position: Int) throws -> any LogByteSource {
        passes.append(position)
        return try log.bytes(after: position)
    }

    func storeIdentity() throws -> String { try log.storeIdentity() }

    func forEachLine(in ranges: [ClosedRange<Int>], _ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        try log.forEachLine(in: ranges, body)
    }
}
#endif
