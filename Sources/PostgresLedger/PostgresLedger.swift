#if Postgres
import Events
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A PostgreSQL ledger opened once and kept by a service: the surface of the file ``Ledger``
/// (open, append with group commit, `events(from:)`, observers) over ``PostgresLog``'s table.
///
/// ```swift
/// let ledger = try await PostgresLedger.open(uri: "postgresql://ledger@/tickets?host=/run/postgresql")
/// let written = try await ledger.append([accepted, assigned])   // committed when this returns
/// for try await record in ledger.events(from: 1) { print(record.position, record.event.id) }
/// ```
///
/// ``open(uri:options:)`` reads every row once (one `COPY … TO STDOUT`) through the verifier and
/// the hash chain and keeps what an append needs in memory: each ticket's life-cycle state, the
/// ids, the chain's head, the last position.
///
/// **Appending.** ``append(batch:)`` queues the batch; the ledger's thread then takes every
/// batch waiting (up to ``Options/maxGroupBytes``) as one group: `BEGIN`, the writers' advisory
/// lock, the rows other writers committed since this ledger's last position (read and checked,
/// so validation sees them), then each batch checked on its own against the state the accepted
/// ones before it left — a rejected batch is answered with its problems and leaves the state as
/// it was, so it never aborts the group — then one `COPY … FROM STDIN` of every accepted line,
/// `pg_notify`, `COMMIT`. Each caller resumes when the commit holding its lines has returned.
/// If the transaction fails, every batch of the group fails, and the state is read again from
/// the table before the next append.
///
/// **Following.** ``events(from:)`` gives each subscriber a connection of its own that
/// `LISTEN`s and reads from its position (``PostgresFollower``): events committed by any writer
/// on any host, in position order, once each, across lost connections.
public actor PostgresLedger: GroupCommitting {
    /// The URI connected to, and the same without its password (for messages).
    public nonisolated let uri: String
    public nonisolated let name: String
    public nonisolated let options: Options
    private nonisolated let executor: LedgerExecutor
    /// Set by ``close()``; read by the subscriptions' threads.
    private nonisolated let closedFlag = Flag()

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// How a ``PostgresLedger`` writes and follows.
    public struct Options: Sendable {
        /// The UTC offset at which `recorded` stamps are written (`+08:00` by default).
        public var offsetSeconds: Int32 = 28_800
        /// Where the `recorded` stamp comes from (the system clock by default).
        public var clock: @Sendable () -> Timestamp = { Timestamp.now() }
        /// Whether new lines carry the hash chain (see ``LogAppender/Chaining``).
        public var chaining = LogAppender.Chaining.automatic
        /// Whether opening a database without a ledger creates its tables.
        public var createsMissingLedger = true
        /// The most bytes of batches written in one transaction (a larger batch goes alone).
        public var maxGroupBytes = 16 << 20
        /// The most bytes of batches waiting; further appends wait for room.
        public var maxQueuedBytes = 64 << 20
        /// How long a subscriber waits for a notification before it checks whether it was cancelled.
        public var followPollMilliseconds: Int32 = 200
        /// How long a subscriber keeps trying to reconnect before its stream ends with the error.
        public var reconnectSeconds: Double = 30

        public init() {}
    }

    /// One committed event: its position (line number) and the line as stored.
    public struct Record: Sendable, Equatable {
        /// Its position in the ledger (1-based): the line number of the file it would copy to.
        public var position: Int
        /// The line as stored (without a newline), `recorded` stamp and chain included.
        public var line: [UInt8]
        /// The event, decoded from ``line``.
        public var event: Event
    }

    // MARK: State

    private var log: PostgresLog?
    /// What the table held at the last read, checked; `nil` when it must be read again.
    private var state: StreamedLogAppender?

    package var commitQueue: GroupCommitQueue<[Record]>
    private var closed = false
    private var observers: [(id: Int, body: ([Record]) -> Void)] = []
    private var nextObserverID = 0
    /// The last position handed to the observers (or known when nobody observed).
    private var publishedThrough = 0
    /// Transactions committed by this ledger (a group commit is one), for tests and benchmarks.
    public private(set) var commitCount = 0

    private init(uri: String, options: Options) {
        self.uri = uri
        self.options = options
        name = PostgresLog.redacted(uri)
        executor = LedgerExecutor()
        commitQueue = GroupCommitQueue(maxGroupBytes: options.maxGroupBytes, maxQueuedBytes: options.maxQueuedBytes)
    }

    deinit { executor.stop() }

    /// Connects (creating the tables if the options say so) and reads the ledger once.
    /// - Throws: ``AppendError``: cannot connect, no ledger, or a ledger with problems.
    public static func open(uri: String, options: Options = Options()) async throws(AppendError) -> PostgresLedger {
        let ledger = PostgresLedger(uri: uri, options: options)
        try await ledger.load()
        return ledger
    }

    private func load() throws(AppendError) {
        let log = try connection()
        do {
            try catchUp(log)
        } catch {
            throw Self.appendError(error, name: name)
        }
    }

    /// Events (lines) in the ledger as this ledger knows it.
    public var count: Int { state?.lineCount ?? 0 }

    /// The hash chain's head, when the ledger is chained.
    public var chainHead: SHA256.Digest? { state?.chainHead }

    // MARK: Appending

    /// Validates `events` against the ledger and appends all of them or none.
    /// - Returns: The events as stored: `recorded` stamped, chained, with their positions.
    /// - Throws: ``AppendError``; nothing of this batch is then stored.
    @discardableResult
    public func append(_ events: [Event]) async throws(AppendError) -> [Record] {
        try await enqueue(Event.jsonLines(events, offsetSeconds: options.offsetSeconds))
    }

    /// Validates a batch of JSON Lines against the ledger and appends all of it or none.
    /// - Returns: The lines as stored, with their positions.
    /// - Throws: ``AppendError``; nothing of this batch is then stored.
    @discardableResult
    public func append(batch: [UInt8]) async throws(AppendError) -> [Record] {
        try await enqueue(batch)
    }

    package var isClosed: Bool { closed }
    package nonisolated var displayName: String { name }

    private func connection() throws(AppendError) -> PostgresLog {
        if let log, !log.connection.isBroken { return log }
        log = nil
        do {
            let log = try PostgresLog(uri: uri, create: options.createsMissingLedger)
            self.log = log
            return log
        } catch {
            throw .file(LogFileError(path: name, message: error.message))
        }
    }

    /// Reads the rows after the state's position (all of them when there is no state) into the
    /// state, and hands those not yet published to the observers. A lost connection keeps the
    /// rows read so far (each was checked); an invalid row drops the state.
    private func catchUp(_ log: PostgresLog) throws {
        var state = self.state ?? StreamedLogAppender(name: name, chaining: options.chaining)
        self.state = nil   // moved out, so that it is not copied as it grows
        var records: [Record] = []
        var decoder = EventDecoder()
        let wanted = !observers.isEmpty
        let publishedThrough = self.publishedThrough
        defer { if !records.isEmpty { published(records) } }
        do {
            try log.streamLines(after: state.lineCount) { line in
                try state.catchUp(line: line.bytes)
                if wanted && line.number > publishedThrough, let event = try? decoder.decodeEvent(line.bytes) {
                    records.append(Record(position: line.number, line: Array(line.bytes), event: event))
                }
            }
        } catch let error as AppendError {
            throw error
        } catch {
            self.state = state
            throw error
        }
        self.state = state
        if observers.isEmpty { self.publishedThrough = max(self.publishedThrough, state.lineCount) }
    }

    /// Writes a group of batches as one transaction.
    package func write(_ group: [GroupCommitQueue<[Record]>.Request]) {
        func failAll(_ requests: [GroupCommitQueue<[Record]>.Request], _ error: AppendError) {
            for request in requests { request.finish(.failure(error)) }
        }
        var log: PostgresLog
        var attempt = 0
        while true {
            do { log = try connection() } catch { return failAll(group, error) }
            let db = log.connection
            do {
                try db.exec("BEGIN")
                try db.exec("SELECT pg_advisory_xact_lock(\(PostgresLog.lockKey))")
                PostgresLog.testPause("locked")
                try catchUp(log)
                break
            } catch {
                _ = try? db.exec("ROLLBACK")
                // A connection lost since the last append (a restarted server, a failover):
                // nothing was written, so once more on a new one.
                if db.isBroken && attempt == 0 {
                    attempt += 1
                    self.log = nil
                    continue
                }
                return failAll(group, Self.appendError(error, name: name))
            }
        }
        let db = log.connection
        guard var state = self.state else { return failAll(group, .file(LogFileError(path: name, message: "no state"))) }
        self.state = nil   // until the commit is known: a failure reads the table again
        // Each batch on its own, against the state the accepted ones before it left.
        let stamp = options.clock()
        let firstPosition = state.lineCount + 1
        var lines: [[UInt8]] = []
        var accepted: [(request: GroupCommitQueue<[Record]>.Request, count: Int)] = []
        for request in group {
            do {
                let checked = try state.check(batch: request.batch, stamp: stamp, offsetSeconds: options.offsetSeconds)
                state.commit()
                lines += checked
                accepted.append((request, checked.count))
            } catch {
                request.finish(.failure(error))
            }
        }
        guard !lines.isEmpty else {
            _ = try? db.exec("ROLLBACK")
            self.state = state
            for item in accepted { item.request.finish(.success([])) }
            return
        }
        do {
            try PostgresLog.insertAndCommit(lines, firstPosition: firstPosition, on: db)
        } catch {
            // Whether a failed COMMIT committed is unknown: the next append reads the table
            // again (from the start), and sees these lines if they are there.
            _ = try? db.exec("ROLLBACK")
            return failAll(accepted.map(\.request), Self.appendError(error, name: name))
        }
        self.state = state
        commitCount += 1
        var records: [Record] = []
        records.reserveCapacity(lines.count)
        var decoder = EventDecoder()
        for (i, line) in lines.enumerated() {
            let event = line.withUnsafeBytes { try? decoder.decodeEvent($0) }
            if let event { records.append(Record(position: firstPosition + i, line: line, event: event)) }
        }
        var index = 0
        for item in accepted {
            let end = min(index + item.count, records.count)
            item.request.finish(.success(Array(records[index..<end])))
            index = end
        }
        published(records)
    }

    static func appendError(_ error: any Error, name: String) -> AppendError {
        if let error = error as? AppendError { return error }
        if let error = error as? LogFileError { return .file(error) }
        return .file(LogFileError(path: name, message: String(describing: error)))
    }

    /// Reads the rows other writers committed since this ledger's last position (one snapshot,
    /// no lock) and hands them to the observers.
    public func refresh() throws(AppendError) {
        let log = try connection()
        do { try catchUp(log) } catch { throw Self.appendError(error, name: name) }
    }

    // MARK: Reading

    /// The records after position `after`, at most `limit`, as the table holds them now.
    public func records(after position: Int, limit: Int = 4096) throws(AppendError) -> [Record] {
        let log = try connection()
        var records: [Record] = []
        var decoder = EventDecoder()
        do {
            try log.streamLines(after: position, limit: limit) { line in
                let event = try decoder.decodeEvent(line.bytes)
                records.append(Record(position: line.number, line: Array(line.bytes), event: event))
            }
        } catch {
            throw Self.appendError(error, name: name)
        }
        return records
    }

    /// Every event from `position` (1-based) on: those stored, then each one committed later by
    /// any writer, in position order, exactly once, across lost connections. Cancelling the
    /// iterating task (or ``close()``) ends it; a connection that cannot be opened again within
    /// ``Options/reconnectSeconds`` ends it with the error.
    public nonisolated func events(from position: Int = 1) -> AsyncThrowingStream<Record, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Record, any Error>.makeStream()
        let cancelled = Flag()
        continuation.onTermination = { _ in cancelled.set() }
        let closedFlag = self.closedFlag
        let options = self.options
        let follower = PostgresFollower(uri: uri, after: max(position, 1) - 1)
        let box = UncheckedBox(follower)
        _ = WorkerThread {
            pthread_detach(pthread_self())
            let follower = box.value
            defer { follower.close() }
            var decoder = EventDecoder()
            var failingSince: Double?
            while !cancelled.isSet && !closedFlag.isSet {
                do {
                    let batch = try follower.next(waitingUpTo: options.followPollMilliseconds)
                    failingSince = nil
                    for item in batch {
                        let event = try item.line.withUnsafeBytes { bytes throws(EventProblem) in try decoder.decodeEvent(bytes) }
                        continuation.yield(Record(position: item.position, line: item.line, event: event))
                    }
                } catch {
                    let now = monotonicSeconds()
                    let since = failingSince ?? now
                    failingSince = since
                    if error is EventProblem || now - since > options.reconnectSeconds {
                        continuation.finish(throwing: error)
                        return
                    }
                    usleep(100_000)
                }
            }
            continuation.finish()
        }
        return stream
    }

    // MARK: Observers

    /// Calls `body` with every record already stored, then with each run of records as this
    /// ledger commits them or reads other writers' (on appends and ``refresh()``), on the
    /// ledger's thread, before the append that wrote them returns. `body` must not call the ledger.
    @discardableResult
    public func addObserver(_ body: @escaping @Sendable ([Record]) -> Void) throws(AppendError) -> Int {
        var next = 0
        let end = state?.lineCount ?? 0
        while next < end {
            let batch = try records(after: next, limit: min(4096, end - next))
            guard let last = batch.last else { break }
            body(batch)
            next = last.position
        }
        let id = nextObserverID
        nextObserverID += 1
        observers.append((id, body))
        return id
    }

    public func removeObserver(_ id: Int) {
        observers.removeAll { $0.id == id }
    }

    private func published(_ records: [Record]) {
        guard let last = records.last?.position else { return }
        publishedThrough = max(publishedThrough, last)
        for observer in observers { observer.body(records) }
    }

    /// Ends every subscription and refuses further appends; waiting appends still complete.
    public func close() {
        closed = true
        closedFlag.set()
    }
}

/// A flag set once, read from any thread.
final class Flag: @unchecked Sendable {
    private let monitor = Monitor()
    private var value = false
    func set() { monitor.locked { value = true } }
    var isSet: Bool { monitor.locked { value } }
}

/// Hands a non-Sendable value to the one thread that uses it from then on.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

#endif
