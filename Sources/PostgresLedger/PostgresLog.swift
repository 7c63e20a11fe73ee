#if Postgres
import Events
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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

    /// Takes the writers' advisory lock: until the transaction ends, or with `untilReleased` until
    /// `pg_advisory_unlock`. A wait for another writer of more than a second is said (``WriterLockWait``).
    func lockWriters(untilReleased: Bool = false) throws(PostgresError) {
        let scope = untilReleased ? "" : "_xact"
        try WriterLockWait.take(name, attempt: { () throws(PostgresError) -> Bool in
            try connection.exec("SELECT pg_try_advisory\(scope)_lock(\(Self.lockKey))").first?.first == "t"
        }, block: { () throws(PostgresError) in
            try connection.exec("SELECT pg_advisory\(scope)_lock(\(Self.lockKey))")
        })
    }

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

    /// A read in the table's own order (a report's replay) holds at most this many bytes of rows
    /// that came before their turn; past it, the rest is read in order (see ``LineRows``).
    package var heldRowsLimit = 32 << 20

    let connection: PGConnection
    var state: StreamedLogAppender?

    /// Whether `text` is a PostgreSQL connection URI rather than a path.
    public static func isURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// `uri` with any password replaced by `***` (``ConnectionURI/redacted(_:)``).
    public static func redacted(_ uri: String) -> String {
        ConnectionURI.redacted(uri)
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
        func exists(_ table: String) throws(PostgresError) -> Bool {
            try connection.exec("SELECT to_regclass('\(table)') IS NOT NULL").first?.first == "t"
        }
        if try exists(Self.schemaTable) { return try checkVersion() }
        if try exists(Self.eventsTable) {
            // A first writer creates both tables in one transaction: one that committed between
            // the two questions shows the schema table now.
            if try exists(Self.schemaTable) { return try checkVersion() }
            throw PostgresError("\(name) has \(Self.eventsTable) but no table \(Self.schemaTable) (dropped or renamed by hand): "
                                + "restore it (CREATE TABLE \(Self.schemaTable) (version integer NOT NULL); "
                                + "INSERT INTO \(Self.schemaTable) VALUES (\(Self.schemaVersion)))")
        }
        guard create else { throw PostgresError("\(name) holds no ticket ledger (no table \(Self.schemaTable)); the first append creates one") }
        // Under the writers' lock, so that two first writers do not both create it.
        try connection.exec("BEGIN")
        do {
            try lockWriters()
            // Asked of the catalog's table, not with to_regclass: its cache is not brought up to
            // date by an advisory lock, so it can miss the tables a first writer just committed.
            let again = try connection.exec("""
                SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables
                               WHERE schemaname = current_schema() AND tablename = '\(Self.schemaTable)')
                """)
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
            // 3F000: no schema to create in (the URI's search_path names none that exists).
            let hint = error.sqlState == "3F000" ? " (the schema the URI's search_path names must exist first: CREATE SCHEMA)" : ""
            throw PostgresError("cannot create the ledger's tables in \(name): \(error.message)\(hint)", sqlState: error.sqlState)
        }
        try checkVersion()
    }

    private func checkVersion() throws(PostgresError) {
        let rows = try connection.exec("""
            SELECT max(version), to_regclass('\(Self.eventsTable)') IS NOT NULL FROM \(Self.schemaTable)
            """)
        guard let row = rows.first, row.count == 2, let text = row[0], let version = Int(text) else {
            throw PostgresError("\(Self.schemaTable) in \(name) holds no version")
        }
        // Said here, once: a statement on a missing table later would abort a report's
        // transaction, and the error would be that of the statement after it.
        guard row[1] == "t" else {
            throw PostgresError("\(name) has \(Self.schemaTable) but no table \(Self.eventsTable): the ledger's events are gone "
                                + "(dropped or renamed by hand)")
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
    /// - Throws: `LogReadError.file` when the ledger cannot be read (a gap in the positions
    ///   included), `LogReadError.stopped` with what `body` threw.
    public func forEachLine<Failure: Error>(after position: Int = 0, limit: Int? = nil, offsetBase: Int64 = 0,
                                            _ body: (LogLine) throws(Failure) -> Void) throws(LogReadError<Failure>) {
        try LogReadError.catching(path: name, body) { body in
            try streamLines(after: position, limit: limit, offsetBase: offsetBase, body)
        }
    }

    /// ``forEachLine(after:limit:offsetBase:_:)`` for the package's own readers, whose errors
    /// pass through as they are.
    package func streamLines(after position: Int = 0, limit: Int? = nil, offsetBase: Int64 = 0,
                             _ body: (LogLine) throws -> Void) throws {
        let rows = try lines(after: position, limit: limit)
        var offset = offsetBase
        do {
            while let bytes = try rows.next() {
                try body(LogLine.streamed(number: rows.number, offset: offset, bytes: bytes))
                offset += Int64(bytes.count + 1)
            }
        } catch {
            rows.drain()   // so that the connection stays usable
            throw error
        }
    }

    /// ``streamLines(after:limit:offsetBase:_:)`` for a reader that read up to line `position`
    /// before and holds what it read (a follower, a ledger catching up): first checks that line
    /// `position` is still `lastLine`, byte for byte (`nil`: no check). Rows deleted or replaced
    /// by hand after they were read would otherwise stay counted, and rows appended after them
    /// take positions the reader believes it has read.
    /// - Throws: a ``PostgresError`` with ``PostgresError/isLedgerChanged`` when line
    ///   `position` is gone or holds another line.
    package func streamLines(after position: Int, lastLine: [UInt8]?, _ body: (LogLine) throws -> Void) throws {
        guard let lastLine, position > 0 else { return try streamLines(after: position, body) }
        func changed(_ what: String) -> PostgresError {
            PostgresError("position \(position), read before, \(what): rows were deleted or replaced after they were read, "
                          + "so what was counted from them no longer holds; start again", ledger: name, ledgerChanged: true)
        }
        var lastSeen = false
        do {
            try streamLines(after: position - 1) { line in
                guard lastSeen else {
                    guard line.bytes.elementsEqual(lastLine) else { throw changed("holds another line than the one read") }
                    lastSeen = true
                    return
                }
                try body(line)
            }
        } catch let error as PostgresError where !lastSeen && error.missingPosition == position {
            throw changed("is gone")
        }
        guard lastSeen else { throw changed("is gone") }
    }

    /// The lines after line `position`, in order, from one snapshot, read one at a time; each
    /// row comes with its position, checked to follow the one before.
    func lines(after position: Int = 0, limit: Int? = nil) throws(PostgresError) -> LineRows {
        LineRows(try PGCopyOut(connection, Self.orderedCopySQL(after: position, limit: limit)), after: position, name: name)
    }

    /// `COPY` of the `(position, line)` rows after line `position`, ordered by position.
    private static func orderedCopySQL(after position: Int, limit: Int? = nil) -> String {
        let limitClause = limit.map { " LIMIT \($0)" } ?? ""
        return """
            COPY (SELECT position, line FROM \(eventsTable) WHERE position > \(position) ORDER BY position\(limitClause)) TO STDOUT (FORMAT binary)
            """
    }

    /// ``lines(after:limit:)`` for a read of every row in a snapshot transaction
    /// (``withReadSnapshot(_:)``, as a report's is): the rows come in the table's own order, which
    /// the server reads without the primary key's index, and are put in order here (``LineRows``).
    /// For the rows after a later position (a checkpoint's), or outside such a transaction, it is
    /// ``lines(after:limit:)``: the index finds a few new rows without reading the table.
    func linesToTheEnd(after position: Int) throws(PostgresError) -> LineRows {
        guard position == 0, try inSnapshot() else { return try lines(after: position) }
        // The table's own COPY, not a query's: no executor between the scan and the output (for
        // the generated year 0.47–0.50 s of the server's time against 0.53–0.57 s for
        // `COPY (SELECT position, line …)`, and 0.62 s for the ordered read it replaces).
        let copy = try PGCopyOut(connection, "COPY \(Self.eventsTable) (position, line) TO STDOUT (FORMAT binary)")
        return LineRows(copy, after: position, name: name, holding: heldRowsLimit) { Self.orderedCopySQL(after: $0) }
    }

    /// Whether every statement of the open transaction sees one snapshot (`REPEATABLE READ` or
    /// `SERIALIZABLE`).
    private func inSnapshot() throws(PostgresError) -> Bool {
        guard connection.inTransaction else { return false }
        let level = try connection.exec("SHOW transaction_isolation").first?.first ?? nil
        return level == "repeatable read" || level == "serializable"
    }

    /// `body` in a snapshot of its own (``withReadSnapshot(_:)``), or in the transaction open on
    /// the connection (a caller's snapshot).
    private func withSnapshotUnlessInOne<R>(_ body: () throws -> R) throws -> R {
        connection.inTransaction ? try body() : try withReadSnapshot(body)
    }

    /// Runs `body` in one read-only snapshot (`REPEATABLE READ`): every read of the ledger in it
    /// — several passes of a report, say — sees the same committed lines.
    package func withReadSnapshot<R>(_ body: () throws -> R) throws -> R {
        try connection.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        let result: R
        do {
            result = try body()
        } catch {
            _ = try? connection.exec("ROLLBACK")
            throw error
        }
        try connection.exec("COMMIT")
        return result
    }

    /// `verify`: every problem of the log, then its totals (see ``LogVerifier/verifyFile(at:requireChain:maxLineBytes:report:)``);
    /// a row longer than `maxLineBytes` stops it, as such a line stops a file's.
    /// - Throws: `LogReadError.file` when the ledger cannot be read, `LogReadError.stopped` with
    ///   what `report` threw.
    public func verify<Failure: Error>(requireChain: Bool = false, maxLineBytes: Int = LogInput.defaultMaxLineBytes,
                                       report: (LogProblem) throws(Failure) -> Void) throws(LogReadError<Failure>) -> LogVerifier.Summary {
        // Read as a file is, by the decoding threads, in one snapshot (the table in its own order).
        try LogReadError.catching(path: name, report) { report in
            try withSnapshotUnlessInOne {
                try LogVerifier.verifyScanned(streamNamed: name, log: self, requireChain: requireChain, maxLineBytes: maxLineBytes,
                                              report: report)
            }
        }
    }

    /// `digest`: the chain head as of `asOf` (see ``ChainDigest/of(logAt:asOf:maxLineBytes:report:)``).
    /// - Throws: `ChainDigestFailure.noDigest` when the ledger has problems or no chain,
    ///   `.file` when it cannot be read, `.stopped` with what `report` threw.
    public func digest<Failure: Error>(asOf: Timestamp? = nil, maxLineBytes: Int = LogInput.defaultMaxLineBytes,
                                       report: (LogProblem) throws(Failure) -> Void) throws(ChainDigestFailure<Failure>) -> ChainDigest {
        // Read as `verify` reads it, in one snapshot.
        try ChainDigest.catching(path: name, report) { report in
            try withSnapshotUnlessInOne {
                try ChainDigest.of(streamNamed: name, log: self, asOf: asOf, maxLineBytes: maxLineBytes, report: report)
            }
        }
    }

    /// Appends a batch (JSON Lines): all of it or none, checked as a file append checks it.
    /// - Throws: ``AppendError``; the ledger is then as it was.
    public func append(batch: [UInt8]) throws(AppendError) -> AppendReport {
        func failed(_ error: any Error) -> AppendError {
            if let error = error as? AppendError { return error }
            return .file(.postgres(error, ledger: name))
        }
        Self.testPause("connected")
        do {
            try connection.exec("BEGIN")
            try lockWriters()
        } catch {
            _ = try? connection.exec("ROLLBACK")
            throw failed(error)
        }
        Self.testPause("locked")
        var state = self.state ?? StreamedLogAppender(name: name, chaining: chaining)
        self.state = nil   // until this append ends well: a failure below reads the log again next time
        do {
            try streamLines(after: state.lineCount) { line in try state.catchUp(line: line.bytes) }
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
            try Self.insertAndCommit(lines, firstPosition: state.lineCount + 1, on: connection)
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
    /// `COMMIT`), or of a copy into PostgreSQL (`copy-committed`: after its first batch's commit), a writer that reaches it says `paused at POINT` on standard error and waits
    /// there until it is killed. Unset, this does nothing.
    static let pausePoint: String? = getenv("TICKET_LEDGER_POSTGRES_TEST_PAUSE").map { String(cString: $0) }

    static func testPause(_ point: String) {
        guard let pausePoint, pausePoint == point else { return }
        let message = "paused at \(point)\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        while true { sleep(60) }
    }

    /// Inserts `lines` at positions `firstPosition…` (one `COPY … FROM STDIN`), announces the
    /// new last position to followers and commits the transaction `connection` has open.
    static func insertAndCommit(_ lines: [[UInt8]], firstPosition: Int, on connection: PGConnection) throws {
        let data = try copyText(lines, firstPosition: firstPosition)
        // Under the writers' lock the table ends where the writer read it to, unless rows were
        // deleted by hand since (between a copy's batches, under a long-lived writer): writing
        // after them would leave a gap that every reader refuses.
        let rows = try connection.exec("SELECT coalesce(max(position), 0) FROM \(eventsTable)")
        let last = Int(rows.first?.first.flatMap { $0 } ?? "") ?? -1
        guard last == firstPosition - 1 else {
            throw PostgresError("\(eventsTable) ends at position \(last), not at \(firstPosition - 1) where this writer read it to: "
                                + "rows were deleted by hand; nothing was written at \(firstPosition)")
        }
        try connection.copyIn("COPY \(eventsTable) (position, id, ticket, type, at, recorded, line) FROM STDIN", data: data)
        testPause("copied")
        try connection.exec("SELECT pg_notify('\(channel)', '\(firstPosition + lines.count - 1)')")
        testPause("notified")
        try connection.exec("COMMIT")
    }

    /// The longest id and ticket number a row stores, in bytes: each is a key of a B-tree index
    /// (`id UNIQUE`, `(ticket, position)`), whose entries PostgreSQL limits to about 2,700 bytes.
    static let longestKey = 2_000

    /// What keeps `value` from the text column `field` (`id`, `ticket`): a U+0000, which no
    /// PostgreSQL text value holds, or more than ``longestKey`` bytes. The line itself would be
    /// stored unchanged (it is `bytea`); its side columns could not.
    static func unstorable(_ field: String, _ value: String) -> EventProblem? {
        if value.utf8.contains(0) {
            return .notStorable(field: field, reason: "holds the character U+0000, which PostgreSQL's text columns cannot store")
        }
        if value.utf8.count > longestKey {
            return .notStorable(field: field, reason: "is \(groupedThousands(value.utf8.count)) bytes long; a PostgreSQL ledger "
                                + "stores \(field == "id" ? "ids" : "ticket numbers") of up to \(groupedThousands(longestKey)) bytes (an index's key)")
        }
        return nil
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
            let (id, ticket) = line.withUnsafeBytes { b in (event.id.string(in: b), event.ticket.string(in: b)) }
            if let problem = Self.unstorable("id", id) ?? Self.unstorable("ticket", ticket) {
                throw .batchRejected(problems: [LogProblem(line: i + 1, problem: problem)], lineCount: lines.count)
            }
            line.withUnsafeBytes { b in
                text(String(firstPosition + i)); out.append(0x09)
                text(id); out.append(0x09)
                text(ticket); out.append(0x09)
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
/// The lines of `COPY (SELECT position, line …)`, one at a time, in the order of their positions,
/// which must follow each other without a gap.
///
/// Rows that come in position order are handed out as they come. A read in the table's own order
/// (``PostgresLog/linesToTheEnd(after:)``) mostly is in order too — an append-only table is
/// filled page after page — but not always: a writer may fill space an earlier transaction left
/// (a rolled-back append, free space at the end of a page), and concurrent writers fill pages of
/// their own. A row that comes before its turn is copied and held until its turn; should the rows
/// held outgrow ``PostgresLog/heldRowsLimit`` (a table far out of order, or a gap), the rest is
/// read again, in order, from the first line not yet handed out, in the same snapshot.
final class LineRows {
    // Read and written once or more per row, by one thread at a time (the reader's): see PGCopyOut.
    private let copy: PGCopyOut
    private let name: String
    /// The COPY of the rows after a position in order, for a read in the table's own order (else `nil`).
    @exclusivity(unchecked) private var reorderedAfter: ((Int) -> String)?
    /// The rows that came before their turn: a binary heap, the lowest position first.
    @exclusivity(unchecked) private var held: [(position: Int, bytes: UnsafeMutableRawBufferPointer)] = []
    @exclusivity(unchecked) private var heldBytes = 0
    private let heldLimit: Int
    /// The held row handed out last, freed on the next call.
    @exclusivity(unchecked) private var lent: UnsafeMutableRawBufferPointer?
    /// The position (line number) of the line last returned.
    @exclusivity(unchecked) private(set) var number: Int

    /// The rows of `copy`, after line `position`: in position order, or, with `inOrderAfter` (the
    /// COPY of the rows after a position in order, run in the same snapshot), in any order,
    /// holding at most `heldLimit` bytes of rows that came before their turn.
    init(_ copy: PGCopyOut, after position: Int, name: String, holding heldLimit: Int = 0,
         inOrderAfter: ((Int) -> String)? = nil) {
        self.copy = copy
        self.heldLimit = heldLimit
        self.name = name
        reorderedAfter = inOrderAfter
        number = position
    }

    deinit {
        releaseHeld()
        lent?.deallocate()
    }

    /// The next line's bytes (valid until the next call), or `nil` after the last.
    func next() throws(PostgresError) -> UnsafeRawBufferPointer? {
        do {
            return try nextRow()
        } catch var error where error.ledger == nil {
            // A connection lost mid-read: said of the ledger, not of "the file" a reader names.
            error.message = "cannot read the rows after position \(number): " + error.message
            error.ledger = name
            throw error
        }
    }

    private func nextRow() throws(PostgresError) -> UnsafeRawBufferPointer? {
        if let lent {
            lent.deallocate()
            self.lent = nil
        }
        while true {
            if let first = held.first, first.position <= number + 1 {
                let row = popLowest()
                guard row.position == number + 1 else {
                    row.bytes.deallocate()
                    throw twice(row.position)
                }
                heldBytes -= row.bytes.count
                lent = row.bytes
                number += 1
                return try oneLine(UnsafeRawBufferPointer(row.bytes))
            }
            guard try copy.next() else {
                if let next = held.first { throw gap(before: next.position) }
                return nil
            }
            guard let (stored, bytes) = copy.row.positionAndLine else {
                throw PostgresError("an unexpected row in \(PostgresLog.eventsTable)")
            }
            if stored == number + 1 {
                number = stored
                return try oneLine(bytes)
            }
            guard let reorderedAfter else { throw gap(before: stored) }
            guard stored > number else { throw twice(stored) }
            let row = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            row.copyMemory(from: bytes)
            push((stored, row))
            heldBytes += row.count
            if heldBytes > heldLimit {
                // Too far out of order to hold: the rest in order, from where the lines are.
                releaseHeld()
                try copy.restart(reorderedAfter(number))
                self.reorderedAfter = nil
            }
        }
    }

    /// Drops the rows left, so that the connection can run statements again.
    func drain() { copy.drain() }

    /// `bytes`, the row at ``number``, unless it holds a newline: a row is one line (else the
    /// file it makes would number its lines otherwise than the positions, and a follower or a
    /// checkpoint would resume at the wrong row).
    private func oneLine(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) -> UnsafeRawBufferPointer {
        guard let base = bytes.baseAddress, memchr(base, 0x0A, bytes.count) != nil else { return bytes }
        throw PostgresError("position \(number) holds more than one line (a newline inside the row): a row is one line", ledger: name)
    }

    /// The position after the last line is missing; `next` is the lowest one there is.
    private func gap(before next: Int) -> PostgresError {
        var error = PostgresError("\(PostgresLog.eventsTable) has no position \(number + 1) (the next is \(next)): positions must have no gaps",
                                  ledger: name)
        error.missingPosition = number + 1
        return error
    }

    private func twice(_ position: Int) -> PostgresError {
        PostgresError("\(PostgresLog.eventsTable) has position \(position) twice", ledger: name)
    }

    /// Adds a row to the heap of held rows.
    private func push(_ row: (position: Int, bytes: UnsafeMutableRawBufferPointer)) {
        held.append(row)
        var child = held.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard held[parent].position > held[child].position else { break }
            held.swapAt(parent, child)
            child = parent
        }
    }

    /// Takes the held row with the lowest position out of the heap.
    private func popLowest() -> (position: Int, bytes: UnsafeMutableRawBufferPointer) {
        held.swapAt(0, held.count - 1)
        let lowest = held.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < held.count, held[left].position < held[smallest].position { smallest = left }
            if right < held.count, held[right].position < held[smallest].position { smallest = right }
            guard smallest != parent else { break }
            held.swapAt(parent, smallest)
            parent = smallest
        }
        return lowest
    }

    private func releaseHeld() {
        for row in held { row.bytes.deallocate() }
        held = []
        heldBytes = 0
    }
}

/// ``LineRows`` as the bytes of a file: each line followed by its newline.
final class LineBytes: LogByteSource {
    private let rows: LineRows
    /// The rest of the current line, and whether its newline is still to be handed out
    /// (unchecked: see ``PGCopyOut``).
    @exclusivity(unchecked) private var rest = UnsafeRawBufferPointer(start: nil, count: 0)
    @exclusivity(unchecked) private var newlinePending = false

    init(_ rows: LineRows) { self.rows = rows }

    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        var filled = 0
        while filled < count {
            if !rest.isEmpty {
                let n = min(rest.count, count - filled)
                (buffer + filled).copyMemory(from: rest.baseAddress!, byteCount: n)
                rest = UnsafeRawBufferPointer(rebasing: rest[n...])
                filled += n
            } else if newlinePending {
                buffer.storeBytes(of: 0x0A, toByteOffset: filled, as: UInt8.self)
                newlinePending = false
                filled += 1
            } else {
                // The row's bytes stay valid until the next one is read, which is after they
                // have all been copied out.
                guard let line = try rows.next() else { break }
                rest = line
                newlinePending = true
            }
        }
        return filled
    }
}

/// A replay reads the ledger as the lines of a file (`LogReplay(streamNamed:log:)`), and its
/// checkpoint knows the ledger by its store and its lines.
extension PostgresLog: StreamedLog {
    /// The last position (one look at the primary key's last entry), `nil` when it cannot be read.
    package func lineCount() -> Int? { try? count() }

    /// The lines after line `position`, each with its newline, as the bytes of the file log they
    /// would make, streamed from one `COPY … TO STDOUT` as they are read.
    package func bytes(after position: Int) throws -> any LogByteSource {
        LineBytes(try linesToTheEnd(after: position))
    }

    /// `postgresql:` then the cluster's system identifier (when this role may read it), the
    /// database's oid and the events table's oid: the same on a streaming replica, another for
    /// another cluster, database or schema, or a table dropped and created again.
    package func storeIdentity() throws -> String {
        let rows = try connection.exec("""
            SELECT has_function_privilege('pg_control_system()', 'EXECUTE'),
                   (SELECT oid FROM pg_database WHERE datname = current_database()), to_regclass('\(Self.eventsTable)')::oid
            """)
        guard let row = rows.first, row.count == 3, let database = row[1], let table = row[2] else {
            throw PostgresError("cannot tell which database \(name) is")
        }
        var system = ""
        if row[0] == "t", let value = try connection.exec("SELECT system_identifier FROM pg_control_system()").first?.first ?? nil {
            system = value
        }
        return "postgresql:\(system)/\(database)/\(table)"
    }

    /// The lines whose positions lie in `ranges`, read with one `COPY … TO STDOUT`.
    package func forEachLine(in ranges: [ClosedRange<Int>], _ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        guard !ranges.isEmpty else { return }
        // One array of positions, not a condition per range: the primary key's index answers
        // `= ANY` whatever the table's statistics say (before an ANALYZE of a freshly copied
        // ledger, a few hundred ORed ranges were planned as a scan of the whole table).
        let positions = ranges.flatMap { $0 }.map(String.init).joined(separator: ",")
        let copy = try PGCopyOut(connection, """
            COPY (SELECT position, line FROM \(Self.eventsTable) WHERE position = ANY('{\(positions)}'::bigint[]) ORDER BY position)
            TO STDOUT (FORMAT binary)
            """)
        do {
            while try copy.next() {
                guard let (position, bytes) = copy.row.positionAndLine else {
                    throw PostgresError("an unexpected row in \(Self.eventsTable)")
                }
                try body(position, bytes)
            }
        } catch {
            copy.drain()   // so that the connection stays usable
            throw error
        }
    }
}

#endif
