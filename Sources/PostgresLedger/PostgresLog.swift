#if Postgres
import Events
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ticket ledger kept in PostgreSQL: the same lines, checks, appends and hash chain as a
/// file log, for many writers on many hosts.
///
/// The events live in one table, `ticket_ledger_events`, one row per line: its `position`
/// (the line number: gap-free, in commit order), the line's exact bytes, and the id (unique),
/// ticket, type and times as columns for indexes. The schema is created on first use and
/// versioned in `ticket_ledger_schema`.
///
/// An append runs in one transaction under an advisory lock that serialises writers: it reads
/// the rows committed since this object's last position, checks the batch against every
/// ticket's state exactly as a file append does (``StreamedLogAppender``), inserts the new
/// lines with `COPY … FROM STDIN`, notifies listeners and commits — all of the batch or none.
/// Reading streams the lines with `COPY … TO STDOUT`, so `verify`, `digest` and a replay see
/// the bytes a file would hold.
///
/// ```swift
/// let log = try PostgresLog(uri: "postgresql://ledger@/tickets?host=/run/postgresql")
/// let report = try log.append(batch: Array(batchText.utf8))
/// ```
public final class PostgresLog {
    /// The events table and its schema version.
    public static let eventsTable = "ticket_ledger_events"
    public static let schemaTable = "ticket_ledger_schema"
    /// The schema this code writes and reads.
    public static let schemaVersion = 1
    /// The advisory lock key writers serialise on, and the channel commits are announced on.
    public static let lockKey: Int64 = 0x7469_636B_6574   // "ticket"
    public static let channel = "ticket_ledger"

    /// The URI connected to.
    public let uri: String
    /// The URI without its password, for messages.
    public let name: String
    /// Whether appended lines carry the hash chain (as for a file).
    public var chaining = LogAppender.Chaining.automatic
    /// The UTC offset of `recorded` stamps.
    public var offsetSeconds: Int32 = 28_800
    /// Where `recorded` stamps come from.
    public var clock: @Sendable () -> Timestamp = { Timestamp.now() }

    let connection: PGConnection
    private var state: StreamedLogAppender?

    /// Whether `text` is a PostgreSQL connection URI rather than a path.
    public static func isURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// `uri` with any password replaced by `***`.
    public static func redacted(_ uri: String) -> String {
        guard let scheme = uri.range(of: "://") else { return uri }
        let rest = uri[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return uri }
        return String(uri[..<colon]) + ":***" + String(uri[at...])
    }

    /// Connects; with `create`, creates the schema if the database has none.
    /// - Throws: ``PostgresError``: cannot connect, no ledger here (without `create`), or a
    ///   schema of another version.
    public init(uri: String, create: Bool = true) throws(PostgresError) {
        self.uri = uri
        name = Self.redacted(uri)
        connection = try PGConnection(uri: uri)
        try prepareSchema(create: create)
    }

    private func prepareSchema(create: Bool) throws(PostgresError) {
        let found = try connection.exec("SELECT to_regclass('\(Self.schemaTable)') IS NOT NULL")
        if found.first?.first == "t" { return try checkVersion() }
        guard create else { throw PostgresError("\(name) holds no ticket ledger (no table \(Self.schemaTable)); 'ledger-cli append' creates one") }
        // Under the writers' lock, so that two first writers do not both create it.
        try connection.exec("BEGIN")
        do {
            try connection.exec("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            let again = try connection.exec("SELECT to_regclass('\(Self.schemaTable)') IS NOT NULL")
            if again.first?.first != "t" {
                try connection.exec("""
                    CREATE TABLE \(Self.schemaTable) (version integer NOT NULL);
                    INSERT INTO \(Self.schemaTable) VALUES (\(Self.schemaVersion));
                    CREATE TABLE \(Self.eventsTable) (
                        position bigint PRIMARY KEY CHECK (position > 0),
                        id text NOT NULL UNIQUE,
                        ticket text NOT NULL,
                        type text NOT NULL,
                        at timestamptz NOT NULL,
                        recorded timestamptz,
                        line bytea NOT NULL
                    );
                    CREATE INDEX \(Self.eventsTable)_ticket ON \(Self.eventsTable) (ticket, position);
                    CREATE INDEX \(Self.eventsTable)_known ON \(Self.eventsTable) ((coalesce(recorded, at)));
                    """)
            }
            try connection.exec("COMMIT")
        } catch {
            _ = try? connection.exec("ROLLBACK")
            throw error
        }
        try checkVersion()
    }

    private func checkVersion() throws(PostgresError) {
        let rows = try connection.exec("SELECT max(version) FROM \(Self.schemaTable)")
        guard let text = rows.first?.first ?? nil, let version = Int(text) else {
            throw PostgresError("\(Self.schemaTable) in \(name) holds no version")
        }
        guard version == Self.schemaVersion else {
            throw PostgresError("the ledger in \(name) has schema version \(version); this build reads version \(Self.schemaVersion)")
        }
    }

    /// Lines (events) committed, as of now.
    public func count() throws(PostgresError) -> Int {
        let rows = try connection.exec("SELECT coalesce(max(position), 0) FROM \(Self.eventsTable)")
        return Int(rows.first?.first.flatMap { $0 } ?? "0") ?? 0
    }

    /// Streams the lines after line `position`, in order, from one snapshot; each `LogLine`'s
    /// `offset` is counted from the first line streamed (`offsetBase` is the byte offset of the first).
    /// - Throws: ``PostgresError``, or what `body` throws; a gap in the positions is an error.
    public func forEachLine(after position: Int = 0, limit: Int? = nil, offsetBase: Int64 = 0, _ body: (LogLine) throws -> Void) throws {
        var next = position + 1
        var offset = offsetBase
        let limitClause = limit.map { " LIMIT \($0)" } ?? ""
        try connection.copyOut("""
            COPY (SELECT position, line FROM \(Self.eventsTable) WHERE position > \(position) ORDER BY position\(limitClause)) TO STDOUT (FORMAT binary)
            """) { fields in
            guard fields.count == 2, let p = fields[0], p.count == 8, let bytes = fields[1] else {
                throw PostgresError("an unexpected row in \(Self.eventsTable)")
            }
            let stored = p.reduce(0) { $0 << 8 | Int($1) }
            guard stored == next else {
                throw PostgresError("\(Self.eventsTable) in \(name) has no position \(next) (the next is \(stored)): positions must have no gaps")
            }
            try body(LogLine.streamed(number: next, offset: offset, bytes: bytes))
            next += 1
            offset += Int64(bytes.count + 1)
        }
    }

    /// Writes every line, each with its newline, to `fd`: the bytes of the file log.
    /// - Returns: The lines and bytes written.
    @discardableResult
    public func export(to fd: Int32, path: String) throws -> (lines: Int, bytes: Int64) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var lines = 0
        var bytes: Int64 = 0
        func flush() throws {
            var start = 0
            while start < buffer.count {
                let n = buffer[start...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LogFileError(path: path, message: "cannot write: " + String(cString: strerror(errno)))
                }
                start += n
            }
            bytes += Int64(buffer.count)
            buffer.removeAll(keepingCapacity: true)
        }
        try forEachLine { line in
            buffer.append(contentsOf: line.bytes)
            buffer.append(0x0A)
            lines += 1
            if buffer.count >= 1 << 20 { try flush() }
        }
        try flush()
        return (lines, bytes)
    }

    /// `verify`: every problem of the log, then its totals (see ``LogVerifier/verifyFile(at:requireChain:maxLineBytes:report:)``).
    public func verify(requireChain: Bool = false, report: (LogProblem) throws -> Void) throws -> LogVerifier.Summary {
        try LogVerifier.verifyStream(requireChain: requireChain, report: report) { body in try forEachLine(body) }
    }

    /// `digest`: the chain head as of `asOf` (see ``ChainDigest/of(logAt:asOf:maxLineBytes:report:)``).
    public func digest(asOf: Timestamp? = nil, report: (LogProblem) throws -> Void) throws -> ChainDigest {
        try ChainDigest.of(streamNamed: name, asOf: asOf, report: report) { body in try forEachLine(body) }
    }

    /// Appends a batch (JSON Lines): all of it or none, checked as a file append checks it.
    /// - Throws: ``AppendError``; the ledger is then as it was.
    public func append(batch: [UInt8]) throws(AppendError) -> AppendReport {
        func failed(_ error: any Error) -> AppendError {
            if let error = error as? AppendError { return error }
            return .file(LogFileError(path: name, message: String(describing: error)))
        }
        Self.testPause("connected")
        do {
            try connection.exec("BEGIN")
            try connection.exec("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
        } catch {
            _ = try? connection.exec("ROLLBACK")
            throw failed(error)
        }
        Self.testPause("locked")
        var state = self.state ?? StreamedLogAppender(name: name, chaining: chaining)
        self.state = nil   // until this append ends well: a failure below reads the log again next time
        do {
            try forEachLine(after: state.lineCount) { line in try state.catchUp(line: line.bytes) }
        } catch {
            _ = try? connection.exec("ROLLBACK")
            throw failed(error)
        }
        Self.testPause("caught-up")
        let lines: [[UInt8]]
        do {
            lines = try state.check(batch: batch, stamp: clock(), offsetSeconds: offsetSeconds)
        } catch {
            _ = try? connection.exec("ROLLBACK")
            self.state = state   // checked and rolled back: still the committed log's state
            throw error
        }
        var report = AppendReport(eventCount: lines.count, firstLine: state.lineCount + 1,
                                  byteCount: lines.reduce(0) { $0 + $1.count + 1 }, logEventCount: state.eventCount, chainHead: nil)
        guard !lines.isEmpty else {
            _ = try? connection.exec("ROLLBACK")
            state.rollBack()
            self.state = state
            report.chainHead = state.chainHead
            return report
        }
        do {
            let data = try Self.copyText(lines, firstPosition: state.lineCount + 1)
            try connection.copyIn("COPY \(Self.eventsTable) (position, id, ticket, type, at, recorded, line) FROM STDIN", data: data)
            Self.testPause("copied")
            try connection.exec("SELECT pg_notify('\(Self.channel)', '\(state.lineCount + lines.count)')")
            Self.testPause("notified")
            try connection.exec("COMMIT")
        } catch {
            // Whether a failed COMMIT committed is unknown: the next append reads the log again.
            _ = try? connection.exec("ROLLBACK")
            throw failed(error)
        }
        state.commit()
        self.state = state
        report.chainHead = state.chainHead
        return report
    }

    /// For the crash tests: with `TICKET_LEDGER_POSTGRES_TEST_PAUSE` set to a point of an append
    /// (`connected`, `locked`, `caught-up`, `copied`, `notified` — the last is just before
    /// `COMMIT`), a writer that reaches it says `paused at POINT` on standard error and waits
    /// there until it is killed. Unset, this does nothing.
    static let pausePoint: String? = getenv("TICKET_LEDGER_POSTGRES_TEST_PAUSE").map { String(cString: $0) }

    static func testPause(_ point: String) {
        guard let pausePoint, pausePoint == point else { return }
        let message = "paused at \(point)\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        while true { sleep(60) }
    }

    /// The rows of `COPY … FROM STDIN` (text format) for `lines`, numbered from `firstPosition`.
    static func copyText(_ lines: [[UInt8]], firstPosition: Int) throws(AppendError) -> [UInt8] {
        var out: [UInt8] = []
        var decoder = EventDecoder()
        let hex = Array("0123456789abcdef".utf8)
        func text(_ s: String) {
            for b in s.utf8 {
                switch b {
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                case 0x0D: out += [0x5C, UInt8(ascii: "r")]
                case 0x09: out += [0x5C, UInt8(ascii: "t")]
                default: out.append(b)
                }
            }
        }
        for (i, line) in lines.enumerated() {
            let event: RawEvent
            do {
                event = try line.withUnsafeBytes { b in Result { () throws(EventProblem) in try decoder.decode(b) } }.get()
            } catch {
                throw .batchRejected(problems: [LogProblem(line: i + 1, problem: error)], lineCount: lines.count)
            }
            line.withUnsafeBytes { b in
                text(String(firstPosition + i)); out.append(0x09)
                text(event.id.string(in: b)); out.append(0x09)
                text(event.ticket.string(in: b)); out.append(0x09)
                text(event.kind.rawValue); out.append(0x09)
                text(event.at.rfc3339()); out.append(0x09)
                if let recorded = event.recorded { text(recorded.rfc3339()) } else { out += [0x5C, UInt8(ascii: "N")] }
                out.append(0x09)
                out += [0x5C, 0x5C, UInt8(ascii: "x")]
                for byte in b { out.append(hex[Int(byte >> 4)]); out.append(hex[Int(byte & 15)]) }
                out.append(0x0A)
            }
        }
        return out
    }
}
extension PostgresLog {
    /// Loads a whole file log into this ledger, which must be empty, byte for byte: every line
    /// is checked as `verify` checks it (life cycle, ids, hash chain) and stored as it is, in one
    /// transaction, so the copy replays, verifies and digests exactly as the file does.
    /// - Returns: The lines copied and the chain head (`nil` for an unchained log).
    /// - Throws: ``AppendError``: an invalid or torn file, a ledger that is not empty; nothing is then stored.
    public func importFile(at path: String, maxLineBytes: Int = LogInput.defaultMaxLineBytes) throws(AppendError) -> (lines: Int, chainHead: SHA256.Digest?) {
        func failed(_ error: any Error) -> AppendError {
            if let error = error as? AppendError { return error }
            if let error = error as? LogFileError { return .file(error) }
            return .file(LogFileError(path: name, message: String(describing: error)))
        }
        do {
            try connection.exec("BEGIN")
            try connection.exec("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            let existing = try count()
            guard existing == 0 else {
                throw AppendError.file(LogFileError(path: name, message: "holds \(existing) events already; copy loads a file into an empty ledger only"))
            }
            var state = StreamedLogAppender(name: path, chaining: .automatic)
            var lines: [[UInt8]] = []
            var torn: (Int, Int)?
            var reader = LogReader(path: path)
            reader.maxLineBytes = maxLineBytes
            do {
                try reader.forEachLine { line in
                    guard line.terminated else { torn = (line.number, line.bytes.count); return }
                    try state.catchUp(line: line.bytes)
                    lines.append(Array(line.bytes))
                }
            } catch {
                throw error.underlying
            }
            if let (line, count) = torn { throw AppendError.tornTail(path: path, line: line, byteCount: count) }
            if !lines.isEmpty {
                let data = try Self.copyText(lines, firstPosition: 1)
                try connection.copyIn("COPY \(Self.eventsTable) (position, id, ticket, type, at, recorded, line) FROM STDIN", data: data)
                try connection.exec("SELECT pg_notify('\(Self.channel)', '\(lines.count)')")
            }
            try connection.exec("COMMIT")
            self.state = nil
            return (lines.count, state.chainHead)
        } catch {
            _ = try? connection.exec("ROLLBACK")
            throw failed(error)
        }
    }
}
#endif
