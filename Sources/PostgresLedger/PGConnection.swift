#if Postgres
import CLibpq
import Events
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure talking to PostgreSQL: connecting, a statement, a lost connection.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The server's SQLSTATE code, when it sent one (`40P01`, `23505`…).
    public var sqlState: String?
    /// What libpq or the server said.
    public var message: String
    /// The ledger (its URI, password hidden) that `message` is about, when it is about the
    /// rows read from one; `description` then starts with it.
    public var ledger: String?
    /// Rows already read were deleted or replaced (see ``PostgresFollower``): not a connection's
    /// failure, and reading again does not help.
    public var isLedgerChanged = false
    /// The position missing from a ledger's rows, when that is the failure (a gap).
    public var missingPosition: Int?
    public var description: String { ledger.map { "\($0): \(message)" } ?? message }

    /// Whether the connection failed or the server ended it (SQLSTATE class 08, or 57P01–57P03:
    /// a shutdown, a crash, a server still starting), not a statement refused: trying again
    /// later may succeed.
    public var isConnectionFailure: Bool {
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }

    init(_ message: String, sqlState: String? = nil, ledger: String? = nil, ledgerChanged: Bool = false) {
        // libpq's messages run over lines ("…failed: No such file or directory\n\tIs the server
        // running…?"): one line here, as every other message of a command.
        self.message = message.split(whereSeparator: \.isNewline)
            .map { $0.drop(while: \.isWhitespace).trimmingTrailingWhitespace }.filter { !$0.isEmpty }.joined(separator: "; ")
        self.sqlState = sqlState
        self.ledger = ledger
        isLedgerChanged = ledgerChanged
    }
}

extension PostgresError: LogFileFailure {
    /// A failure about a ledger's rows reads as a file's would: `URI: message`.
    package var fileError: LogFileError? { ledger.map { LogFileError(path: $0, message: message) } }

    /// A failure while reading the ledger named `path` (a connection lost mid-read) is said of
    /// its rows, not of "the file".
    package func fileError(reading path: String) -> LogFileError? {
        fileError ?? LogFileError(path: path, message: "cannot read the rows: \(message)")
    }
}

extension LogFileError {
    /// `error` as a failure of the ledger named `name`, said once: a ``PostgresError`` about a
    /// ledger's rows names its ledger itself.
    static func postgres(_ error: any Error, ledger name: String) -> LogFileError {
        if let error = error as? LogFileError { return error }
        guard let error = error as? PostgresError else { return LogFileError(path: name, message: String(describing: error)) }
        return error.fileError ?? LogFileError(path: name, message: error.message)
    }
}

extension StringProtocol {
    var trimmingTrailingWhitespace: String {
        var s = Substring(String(self))
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// One libpq connection (`PGconn`), used by one thread at a time.
final class PGConnection {
    private let conn: OpaquePointer

    /// Connects to `uri` (`postgresql://…`; anything libpq's `PQconnectdb` takes).
    init(uri: String) throws(PostgresError) {
        guard let conn = PQconnectdb(uri) else { throw PostgresError("out of memory connecting to PostgreSQL") }
        guard PQstatus(conn) == CONNECTION_OK else {
            // libpq quotes a malformed part of the URI, which may be a password.
            let message = ConnectionURI.passwords(in: uri).reduce(String(cString: PQerrorMessage(conn))) {
                $0.replacing($1, with: "***")
            }
            PQfinish(conn)
            throw PostgresError("cannot connect to PostgreSQL: " + message, sqlState: "08001")
        }
        self.conn = conn
        // libpq's default prints the server's notices to standard error as they come, raw (a
        // server ending the connection: "FATAL:  terminating connection …"); the errors that
        // matter reach the caller as a `PostgresError`, worded by the command.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        _ = try exec("SET client_min_messages = warning")
    }

    deinit { PQfinish(conn) }

    /// The server process serving this connection.
    var backendPID: Int32 { PQbackendPID(conn) }

    var isBroken: Bool { PQstatus(conn) != CONNECTION_OK }

    /// Whether a transaction block is open (after `BEGIN`, before `COMMIT` or `ROLLBACK`).
    var inTransaction: Bool {
        let status = PQtransactionStatus(conn)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Runs statements without parameters; returns the rows of the last one as text.
    @discardableResult
    func exec(_ sql: String) throws(PostgresError) -> [[String?]] {
        try rows(PQexec(conn, sql))
    }

    /// Runs one statement with text parameters; returns its rows as text.
    @discardableResult
    func exec(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> [[String?]] {
        var cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0)! } }
        defer { for p in cStrings { free(p) } }
        let result = cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                PQexecParams(conn, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
            }
        }
        return try rows(result)
    }

    private func rows(_ result: OpaquePointer?) throws(PostgresError) -> [[String?]] {
        guard let result else { throw error() }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY: return []
        case PGRES_TUPLES_OK:
            var out: [[String?]] = []
            for r in 0..<PQntuples(result) {
                out.append((0..<PQnfields(result)).map { c in
                    PQgetisnull(result, r, c) == 1 ? nil : String(cString: PQgetvalue(result, r, c))
                })
            }
            return out
        default:
            throw error(result)
        }
    }

    /// The error of `result` (or of the connection): the server's own message with its detail
    /// and hint, without libpq's severity prefix and the statement's `LINE 1: …` excerpt (SQL
    /// the user did not write).
    private func error(_ result: OpaquePointer? = nil) -> PostgresError {
        if let result {
            func field(_ code: Character) -> String? {
                PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
            }
            if let primary = field("M") {
                let parts = [primary, field("D"), field("H")].compactMap { $0?.trimmingTrailingWhitespace }
                return PostgresError(parts.filter { !$0.isEmpty }.joined(separator: "; "), sqlState: field("C"))
            }
            return PostgresError(String(cString: PQresultErrorMessage(result)), sqlState: field("C"))
        }
        // No result: the connection failed (08006) unless libpq still holds it open.
        return PostgresError(String(cString: PQerrorMessage(conn)), sqlState: isBroken ? "08006" : nil)
    }

    /// Starts `sql`, a `COPY … TO STDOUT`; the rows are then read with `PQgetCopyData`.
    fileprivate func startCopyOut(_ sql: String) throws(PostgresError) {
        guard let start = PQexec(conn, sql) else { throw error() }
        defer { PQclear(start) }
        guard PQresultStatus(start) == PGRES_COPY_OUT else { throw error(start) }
    }

    /// The next message of a `COPY … TO STDOUT` (to be freed with `PQfreemem`), or `nil` at its
    /// end (then ``endCopy()``).
    fileprivate func copyData() throws(PostgresError) -> UnsafeRawBufferPointer? {
        var buffer: UnsafeMutablePointer<CChar>?
        let n = PQgetCopyData(conn, &buffer, 0)
        if n == -2 { throw error() }
        if n == -1 { return nil }
        return UnsafeRawBufferPointer(start: buffer, count: Int(n))
    }

    /// Reads the results that end a COPY; throws the first failure.
    fileprivate func endCopy() throws(PostgresError) {
        var copyError: PostgresError?
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, copyError == nil { copyError = error(result) }
            PQclear(result)
        }
        if let copyError { throw copyError }
    }

    /// Runs `COPY … FROM STDIN` (text format) with `data`.
    func copyIn(_ sql: String, data: [UInt8]) throws(PostgresError) {
        try beginCopyIn(sql)
        do {
            try putCopyData(data)
        } catch {
            _ = PQputCopyEnd(conn, "aborted")
            _ = try? endCopy()
            throw error
        }
        try endCopyIn()
    }

    /// Starts `sql`, a `COPY … FROM STDIN`: then ``putCopyData(_:)`` any number of times, and
    /// ``endCopyIn()``.
    func beginCopyIn(_ sql: String) throws(PostgresError) {
        guard let start = PQexec(conn, sql) else { throw error() }
        defer { PQclear(start) }
        guard PQresultStatus(start) == PGRES_COPY_IN else { throw error(start) }
    }

    /// Sends rows of a `COPY … FROM STDIN` (whole rows or not: the server joins them).
    func putCopyData(_ data: [UInt8]) throws(PostgresError) {
        var offset = 0
        while offset < data.count {
            let end = min(data.count, offset + (1 << 20))
            let ok = data[offset..<end].withUnsafeBytes { b in
                PQputCopyData(conn, b.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(b.count))
            }
            guard ok == 1 else { throw error() }
            offset = end
        }
    }

    /// Ends a `COPY … FROM STDIN`; throws what the server refused.
    func endCopyIn() throws(PostgresError) {
        guard PQputCopyEnd(conn, nil) == 1 else { throw error() }
        try endCopy()
    }

    /// Waits up to `milliseconds` for notifications; returns their payloads (empty on a timeout).
    func notifications(waitingUpTo milliseconds: Int32) throws(PostgresError) -> [String] {
        var out = drainNotifications()
        guard out.isEmpty else { return out }
        let fd = PQsocket(conn)
        guard fd >= 0 else { throw PostgresError("the connection to PostgreSQL is closed", sqlState: "08003") }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&pfd, 1, milliseconds)
        if n < 0 && errno != EINTR { throw PostgresError("poll: " + String(cString: strerror(errno))) }
        if n > 0 {
            guard PQconsumeInput(conn) == 1 else { throw error() }
            out = drainNotifications()
        }
        if isBroken { throw error() }
        return out
    }

    private func drainNotifications() -> [String] {
        var out: [String] = []
        while let notify = PQnotifies(conn) {
            out.append(String(cString: notify.pointee.extra))
            PQfreemem(notify)
        }
        return out
    }
}

/// The rows of one `COPY … TO STDOUT (FORMAT binary)`, read one at a time: memory holds the
/// current row only, whatever the result's size.
final class PGCopyOut {
    // The stored properties are read and written once or more per row, by one thread at a time
    // (the reader's): `@exclusivity(unchecked)` spares each access the run-time check of
    // overlapping accesses, which cost several percent of a replay's time.
    private let connection: PGConnection
    /// The current message (libpq's buffer), freed when the next is read.
    @exclusivity(unchecked) private var message: UnsafeRawBufferPointer?
    @exclusivity(unchecked) private var headerSeen = false
    @exclusivity(unchecked) private var done = false
    /// The current row's fields (`nil` for NULL), valid until the next call of ``next()``: the
    /// ledger's COPYs select one or two columns, so a row is held without an array.
    @exclusivity(unchecked) private(set) var row = Row()

    struct Row {
        /// How many fields the row has (one or two).
        var count = 0
        var first: UnsafeRawBufferPointer?
        var second: UnsafeRawBufferPointer?

        /// A `(position, line)` row's position (a `bigint`, big-endian) and line, or `nil` for
        /// any other row.
        var positionAndLine: (position: Int, line: UnsafeRawBufferPointer)? {
            guard count == 2, let p = first, p.count == 8, let line = second else { return nil }
            return (Int(Int64(bigEndian: p.loadUnaligned(as: Int64.self))), line)
        }
    }

    /// Starts `sql` on `connection`, which then serves nothing else until the rows are read
    /// (or ``drain()``ed).
    init(_ connection: PGConnection, _ sql: String) throws(PostgresError) {
        self.connection = connection
        try connection.startCopyOut(sql)
    }

    deinit {
        drain()
    }

    /// Drops the rows left and starts `sql`, another `COPY … TO STDOUT`, in its place.
    func restart(_ sql: String) throws(PostgresError) {
        drain()
        try connection.startCopyOut(sql)
        headerSeen = false
        done = false
    }

    /// Moves to the next row.
    /// - Returns: `false` after the last row (the COPY's own result then read and checked).
    func next() throws(PostgresError) -> Bool {
        while !done {
            release()
            guard let bytes = try connection.copyData() else {
                done = true
                try connection.endCopy()
                break
            }
            message = bytes
            var at = 0
            if !headerSeen {
                // "PGCOPY\n\377\r\n\0", flags (4), header extension length (4) and the extension.
                guard bytes.count >= 19 else { throw PostgresError("a COPY header cut short") }
                at = 19 + Int(Self.int32(bytes, 15))
                headerSeen = true
            }
            guard at + 2 <= bytes.count else { continue }
            let count = Int16(bitPattern: UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]))
            at += 2
            if count < 0 { continue }   // the trailer
            guard count == 1 || count == 2 else { throw PostgresError("a COPY row of \(count) fields (expected 1 or 2)") }
            row = Row(count: Int(count))
            for index in 0..<Int(count) {
                guard at + 4 <= bytes.count else { throw PostgresError("a COPY row cut short") }
                let length = Int(Self.int32(bytes, at))
                at += 4
                if length < 0 { continue }   // NULL
                guard at + length <= bytes.count else { throw PostgresError("a COPY row cut short") }
                let field = UnsafeRawBufferPointer(rebasing: bytes[at..<(at + length)])
                if index == 0 { row.first = field } else { row.second = field }
                at += length
            }
            return true
        }
        row = Row()
        return false
    }

    /// Reads and drops whatever rows are left, so that the connection can run statements again.
    func drain() {
        while !done {
            release()
            guard let bytes = try? connection.copyData() else {
                done = true
                _ = try? connection.endCopy()
                break
            }
            message = bytes
        }
        release()
        row = Row()
    }

    private func release() {
        if let message { PQfreemem(UnsafeMutableRawPointer(mutating: message.baseAddress)) }
        message = nil
    }

    private static func int32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> Int32 {
        Int32(bitPattern: UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3]))
    }
}
#endif
