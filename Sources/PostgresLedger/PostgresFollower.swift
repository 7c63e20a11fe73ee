#if Postgres
import Events

/// Follows a PostgreSQL ledger: every line after a position, once each, in order, across
/// lost connections.
///
/// It `LISTEN`s on the ledger's channel first and then reads the rows after its position, so a
/// commit is either among the rows read or announced afterwards; announcements only wake it,
/// the position decides what is new. A wait that ends without an announcement reads too, so
/// rows committed without one (by another tool) are not missed either. A lost connection is
/// opened again (with the same `LISTEN`, then a read from the position): nothing is missed or
/// seen twice.
///
/// Each read starts at the last line handed out and checks that it is still there, byte for
/// byte: rows deleted or replaced by hand under the follower (which it has counted, and whose
/// positions new rows would take) are an error, not lines silently skipped.
///
/// ```swift
/// let follower = PostgresFollower(uri: uri, after: 0)
/// while true {
///     for record in try follower.next(waitingUpTo: 1000) { handle(record.position, record.line) }
/// }
/// ```
public final class PostgresFollower {
    /// One committed line.
    public struct Record: Sendable, Equatable {
        public var position: Int
        public var line: [UInt8]
    }

    public let uri: String
    /// The last position handed out.
    public private(set) var position: Int
    /// Connections opened (1 after the first; more after reconnects).
    public private(set) var connectionCount = 0
    private var log: PostgresLog?
    /// Whether the rows after the position must be read before waiting.
    private var mustRead = true
    /// The line at ``position`` as handed out (`nil` before the first).
    private var lastLine: [UInt8]?

    /// A follower of the ledger at `uri` that hands out the lines after line `position`.
    public init(uri: String, after position: Int = 0) {
        self.uri = uri
        self.position = position
    }

    /// The server process of the current connection (`nil` when disconnected): a test ends it
    /// with `pg_terminate_backend` to prove a reconnect.
    public var backendPID: Int32? { log?.connection.backendPID }

    /// The lines committed after ``position``: at once if there are some, else the next commit's,
    /// or none after `milliseconds`. A lost connection is reopened (a failure to reopen is thrown).
    /// - Throws: ``PostgresError`` when the server cannot be reached again (or the ledger read).
    public func next(waitingUpTo milliseconds: Int32) throws(PostgresError) -> [Record] {
        for attempt in 0..<2 {
            do {
                let log = try connect()
                if !mustRead {
                    // Announced or not, the rows are read: the wait only paces the reads.
                    _ = try log.connection.notifications(waitingUpTo: milliseconds)
                }
                let records = try read(log)
                mustRead = false
                return records
            } catch {
                // Reconnect once at once; a second failure is the caller's. A ledger changed
                // under the follower is not the connection's doing.
                if let error = error as? PostgresError, error.isLedgerChanged { throw error }
                self.log = nil
                mustRead = true
                if attempt == 1 { throw (error as? PostgresError) ?? PostgresError(String(describing: error)) }
            }
        }
        return []
    }

    private func connect() throws -> PostgresLog {
        if let log, !log.connection.isBroken { return log }
        let log = try PostgresLog(uri: uri, create: false)
        try log.connection.exec("LISTEN \(PostgresLog.channel)")
        connectionCount += 1
        self.log = log
        mustRead = true
        return log
    }

    private func read(_ log: PostgresLog) throws(PostgresError) -> [Record] {
        var records: [Record] = []
        do {
            try log.streamLines(after: position, lastLine: lastLine) { line in
                records.append(Record(position: line.number, line: Array(line.bytes)))
            }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(String(describing: error))
        }
        if let last = records.last {
            position = last.position
            lastLine = last.line
        }
        return records
    }

    public func close() {
        log = nil
    }
}
#endif
