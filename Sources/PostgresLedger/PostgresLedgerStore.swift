#if Postgres
import Events

extension Ledger {
    /// Opens the PostgreSQL ledger at `uri` (creating its tables when
    /// ``Ledger/Options/createsMissingLog`` says so) and reads it once: one `COPY … TO STDOUT`
    /// through the verifier and the hash chain.
    ///
    /// ```swift
    /// let ledger = try await Ledger.open(postgres: "postgresql://ledger@/tickets?host=/run/postgresql")
    /// let written = try await ledger.append([accepted, assigned])   // committed when this returns
    /// ```
    /// - Throws: ``AppendError``: cannot connect, no ledger, or a ledger with problems.
    public static func open(postgres uri: String, options: Options = Options()) async throws(AppendError) -> Ledger {
        try await open(store: PostgresLedgerStore(uri: uri, options: options), options: options)
    }
}

/// A ``Ledger``'s PostgreSQL table (``PostgresLog``'s): what the ledger keeps in memory of it,
/// and how it reads, appends and follows it.
///
/// **Writing a group.** `BEGIN`, the writers' advisory lock, the rows other writers committed
/// since this store's last position (read and checked, so validation sees them), then each
/// batch checked on its own against the state the accepted ones before it left, then one
/// `COPY … FROM STDIN` of every accepted line, `pg_notify`, `COMMIT`. If the transaction
/// fails, every accepted batch of the group fails, and the state is read again from the table
/// before the next append. A connection lost since the last append (a restarted server, a
/// failover) is opened again once before the group, and before a read.
///
/// **Noticing other writers.** While the ledger follows, a second connection `LISTEN`s on the
/// ledger's channel; ``mayHaveChanged()`` looks at what arrived on it without waiting. An
/// announcement of a position this store already knows (its own commits) is no change; a lost
/// listening connection is opened again and counts as one, so nothing committed meanwhile is
/// missed.
final class PostgresLedgerStore: LedgerStore {
    let uri: String
    let name: String
    private let options: Ledger.Options
    private var log: PostgresLog?
    /// What the table held at the last read, checked; `nil` when it must be read again.
    private var state: StreamedLogAppender? {
        didSet { if let state { knownLines = state.lineCount } }
    }
    /// The lines of the last state, kept while it is read again.
    private var knownLines = 0
    /// The state's last line (at position `state.lineCount`), which a read of the rows after it
    /// checks first: rows deleted or replaced by hand are an error, not counts kept.
    private var lastLine: [UInt8] = []
    /// The connection that `LISTEN`s while the ledger follows.
    private var listener: PostgresLog?

    init(uri: String, options: Ledger.Options) {
        self.uri = uri
        self.options = options
        name = PostgresLog.redacted(uri)
    }

    var lineCount: Int { state?.lineCount ?? knownLines }
    var chainHead: SHA256.Digest? { state?.chainHead }

    func load() throws(AppendError) {
        try refresh(publishing: nil)
    }

    /// Reads the rows other writers committed since the last position (one snapshot, no lock).
    func refresh(publishing publish: LedgerPublisher?) throws(AppendError) {
        do {
            try withConnection { log in try catchUp(log, publishing: publish) }
        } catch {
            throw Self.appendError(error, name: name)
        }
    }

    /// Runs `body` on the connection, opened again (once) when it turns out to be lost.
    private func withConnection<R>(_ body: (PostgresLog) throws -> R) throws -> R {
        for attempt in 0..<2 {
            let log = try connection()
            do {
                return try body(log)
            } catch {
                guard log.connection.isBroken && attempt == 0 else { throw error }
                self.log = nil
            }
        }
        preconditionFailure("unreachable")
    }

    private func connection() throws(AppendError) -> PostgresLog {
        if let log, !log.connection.isBroken { return log }
        log = nil
        do {
            let log = try PostgresLog(uri: uri, create: options.createsMissingLog)
            self.log = log
            return log
        } catch {
            throw .file(LogFileError(path: name, message: error.message))
        }
    }

    /// Reads the rows after the state's position (all of them when there is no state) into the
    /// state; `publish` gets their records. A lost connection keeps the rows read so far (each
    /// was checked); an invalid row drops the state.
    private func catchUp(_ log: PostgresLog, publishing publish: LedgerPublisher?) throws {
        var state = self.state ?? StreamedLogAppender(name: name, chaining: options.chaining)
        state.maxLineBytes = options.maxLineBytes
        self.state = nil   // moved out, so that it is not copied as it grows
        var records: [Ledger.Record] = []
        var decoder = EventDecoder()
        defer { if let publish, !records.isEmpty { publish(records) } }
        do {
            try log.streamLines(after: state.lineCount, lastLine: state.lineCount > 0 ? lastLine : nil) { line in
                try state.catchUp(line: line.bytes)
                lastLine.removeAll(keepingCapacity: true)
                lastLine.append(contentsOf: line.bytes)
                if publish != nil, let event = try? decoder.decodeEvent(line.bytes) {
                    records.append(Ledger.Record(position: line.number, line: Array(line.bytes), event: event))
                }
            }
        } catch let error as AppendError {
            records = []
            throw error
        } catch {
            self.state = state
            throw error
        }
        self.state = state
    }

    /// Writes a group of batches as one transaction.
    func write(_ batches: [[UInt8]], publishing publish: LedgerPublisher?) -> LedgerGroupWrite {
        let log: PostgresLog
        do {
            log = try withConnection { log in
                let db = log.connection
                do {
                    try db.exec("BEGIN")
                    try log.lockWriters()
                    PostgresLog.testPause("locked")
                    try catchUp(log, publishing: publish)
                } catch {
                    _ = try? db.exec("ROLLBACK")
                    throw error
                }
                return log
            }
        } catch {
            return .failed(batches.count, Self.appendError(error, name: name))
        }
        let db = log.connection
        guard var state = self.state else {
            _ = try? db.exec("ROLLBACK")
            return .failed(batches.count, .file(LogFileError(path: name, message: "no state")))
        }
        self.state = nil   // until the commit is known: a failure reads the table again
        // Each batch on its own, against the state the accepted ones before it left.
        let stamp = options.clock()
        let firstPosition = state.lineCount + 1
        var lines: [[UInt8]] = []
        var outcomes: [Result<Int, AppendError>] = []
        outcomes.reserveCapacity(batches.count)
        for batch in batches {
            do {
                let checked = try state.check(batch: batch, stamp: stamp, offsetSeconds: options.offsetSeconds)
                state.commit()
                lines += checked
                outcomes.append(.success(checked.count))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        guard !lines.isEmpty else {
            _ = try? db.exec("ROLLBACK")
            self.state = state
            return LedgerGroupWrite(outcomes: outcomes, records: [])
        }
        do {
            try PostgresLog.insertAndCommit(lines, firstPosition: firstPosition, on: db)
        } catch {
            // Whether a failed COMMIT committed is unknown: the next append reads the table
            // again (from the start), and sees these lines if they are there.
            _ = try? db.exec("ROLLBACK")
            return .failed(Self.appendError(error, name: name), keepingRejectionsOf: outcomes)
        }
        self.state = state
        lastLine = lines.last!
        var records: [Ledger.Record] = []
        records.reserveCapacity(lines.count)
        var decoder = EventDecoder()
        for (i, line) in lines.enumerated() {
            let event = line.withUnsafeBytes { try? decoder.decodeEvent($0) }
            if let event { records.append(Ledger.Record(position: firstPosition + i, line: line, event: event)) }
        }
        return LedgerGroupWrite(outcomes: outcomes, records: records)
    }

    static func appendError(_ error: any Error, name: String) -> AppendError {
        if let error = error as? AppendError { return error }
        if let error = error as? LogFileError { return .file(error) }
        return .file(.postgres(error, ledger: name))
    }

    /// The records from `position` on, at most `limit`, among the positions this store knows.
    func records(from position: Int, limit: Int) throws(LogFileError) -> [Ledger.Record] {
        let after = max(position, 1) - 1
        let wanted = min(limit, lineCount - after)
        guard wanted > 0 else { return [] }
        var records: [Ledger.Record] = []
        var decoder = EventDecoder()
        do {
            try withConnection { log in
                records = []
                try log.streamLines(after: after, limit: wanted) { line in
                    let event = try decoder.decodeEvent(line.bytes)
                    records.append(Ledger.Record(position: line.number, line: Array(line.bytes), event: event))
                }
            }
        } catch let error as LogFileError {
            throw error
        } catch {
            throw LogFileError.postgres(error, ledger: name)
        }
        return records
    }

    /// Whether a commit was announced past the known position since the last look (no
    /// waiting), or the listening connection had to be opened (again).
    func mayHaveChanged() -> Bool {
        do {
            guard let listener, !listener.connection.isBroken else {
                self.listener = nil
                let listener = try PostgresLog(uri: uri, create: false)
                try listener.connection.exec("LISTEN \(PostgresLog.channel)")
                self.listener = listener
                return true
            }
            let known = lineCount
            return try listener.connection.notifications(waitingUpTo: 0).contains { Int($0).map { $0 > known } ?? true }
        } catch {
            listener = nil
            return true
        }
    }

    func stopFollowing() {
        listener = nil
    }
}
#endif
