/// A log opened once and kept by a service: appends validated in memory, grouped commits, and a
/// live view of every committed event, including those other writers append — over a log file
/// or, through the PostgresLedger module, a PostgreSQL table.
///
/// ```swift
/// let ledger = try await Ledger.open(path: "events.jsonl")
/// // or, with `import PostgresLedger` (the Postgres trait):
/// // let ledger = try await Ledger.open(postgres: "postgresql://ledger@/tickets?host=/run/postgresql")
/// let written = try await ledger.append([accepted, assigned])   // durable when this returns
/// for try await record in ledger.events(from: 1) { print(record.position, record.event.id) }
/// ```
///
/// Opening reads the log once through the verifier and the hash chain and keeps what an append
/// needs in memory: every ticket's life-cycle state, the event ids, the chain's head, the last
/// position. Everything below is the same whatever the store; what differs — how a group is
/// written, how other writers' lines are read and noticed, the state file of a log file — is
/// the store's (`LedgerStore`: `FileLedgerStore` for a file, `PostgresLedgerStore` for
/// PostgreSQL; docs/postgres.md).
///
/// **Group commit.** Appends that arrive while a write is in flight are written and flushed
/// together, once it ends (one lock, one write, one `fsync` for a file; one transaction for
/// PostgreSQL), after the lines other writers committed since were read and checked. Each is
/// still all or nothing on its own (a rejected batch leaves the state as it was, is not
/// written, and never fails the others), and each caller resumes only when its own events are
/// durable.
///
/// **Following.** ``events(from:)``, ``waitForCommit(after:)`` and observers see this ledger's
/// commits at once and other writers' within about ``Options/followInterval``: while anyone
/// waits or observes, the ledger asks its store that often whether another writer committed (a
/// `stat` of the file; PostgreSQL's `LISTEN`) and then reads what they did.
///
/// **Why an actor on a thread of its own.** An actor serialises appends without a lock and gives
/// callers `async` methods; its custom executor (`LedgerExecutor`) runs the store's blocking
/// work — lock waits, reads, `fsync`, a server's answers — on a dedicated thread, off Swift's
/// cooperative pool.
public actor Ledger: GroupCommitting {
    /// The log: the file's path, or the PostgreSQL URI without its password.
    public nonisolated let name: String
    /// How the ledger writes.
    public nonisolated let options: Options
    private nonisolated let executor: LedgerExecutor
    /// Where the lines are kept; called on this actor's executor only.
    let store: any LedgerStore

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// How a ``Ledger`` writes and follows its log. Each option applies to both stores unless
    /// it says otherwise.
    public struct Options: Sendable {
        /// The UTC offset at which `recorded` stamps are written (`+08:00` by default).
        public var offsetSeconds: Int32 = 28_800
        /// Where the `recorded` stamp comes from (the system clock by default).
        public var clock: @Sendable () -> Timestamp = { Timestamp.now() }
        /// Whether new lines carry the hash chain (see ``LogAppender/Chaining``).
        public var chaining = LogAppender.Chaining.automatic
        /// Whether opening a missing log creates it: a missing file, or a database without the
        /// ledger's tables.
        public var createsMissingLog = true
        /// The longest line read or written. A log file only: PostgreSQL's rows are whole lines
        /// already.
        public var maxLineBytes = LogInput.defaultMaxLineBytes
        /// The most bytes of batches written in one group commit (a larger batch goes alone).
        public var maxGroupBytes = 16 << 20
        /// The most bytes of batches waiting for a write; further appends wait for room.
        public var maxQueuedBytes = 64 << 20
        /// How often the store is asked whether other writers committed while someone waits for
        /// new events or observes them: a `stat` of the file, or a look at PostgreSQL's
        /// notifications (no round trip).
        public var followInterval: Duration = .milliseconds(10)
        /// A log file only: how long a last line without its newline, read under the shared lock
        /// (opening, following other writers), is left out as one still being written by a
        /// writer that does not take the log's lock, before it is read as what it then is: a
        /// torn line, which stops following (``followFailure``). Any change of the log's length
        /// starts the wait again.
        public var incompleteLineWait: Duration = .seconds(2)
        /// A log file only: a state file (what the ledger keeps in memory, checksummed; see
        /// docs/reliability.md) to resume from when opening, instead of reading the whole log,
        /// and that ``saveState(ifBehindBy:)`` writes; `nil`: none.
        public var statePath: String?

        public init() {}
    }

    /// One committed event: its position and the line as stored.
    ///
    /// A record carries no byte offset: the position (the line number of the log file, or of
    /// the file a PostgreSQL ledger copies to) is the one address both stores have.
    public struct Record: Sendable, Equatable {
        /// Its line number in the log (1-based): its position.
        public var position: Int
        /// The line as written (without the newline), `recorded` stamp and chain included.
        public var line: [UInt8]
        /// The event, decoded from ``line``.
        public var event: Event

        package init(position: Int, line: [UInt8], event: Event) {
            self.position = position
            self.line = line
            self.event = event
        }
    }

    // MARK: State

    package var commitQueue: GroupCommitQueue<[Record]>
    /// Subscribers waiting for a line after a position.
    private var commitWaiters: [(after: Int, id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextWaiterID = 0
    private var following = false
    private var closed = false
    /// Called on the ledger's thread with each run of newly known records, in order.
    private var observers: [(id: Int, body: ([Record]) -> Void)] = []
    /// The last position the observers were handed (or known while nobody observed).
    private var publishedThrough = 0
    /// Why reading what other writers committed failed the last time it was tried (a damaged
    /// or torn line, a line over the limit, a log rewritten under its observers); `nil` once a
    /// read succeeds again. Waiting for commits ends with it (``nextCommit(after:)``).
    public private(set) var followFailure: AppendError?
    /// Groups this ledger wrote (a group commit is one write and flush, or one transaction).
    public private(set) var commitCount = 0

    private init(store: sending any LedgerStore, options: Options) {
        name = store.name
        self.store = store
        self.options = options
        executor = LedgerExecutor()
        commitQueue = GroupCommitQueue(maxGroupBytes: options.maxGroupBytes, maxQueuedBytes: options.maxQueuedBytes)
    }

    deinit { executor.stop() }

    /// Opens a ledger on `store`, reading it once (on the ledger's executor).
    /// - Throws: ``AppendError`` when the log cannot be read or has problems.
    package static func open(store: sending any LedgerStore, options: Options) async throws(AppendError) -> Ledger {
        let ledger = Ledger(store: store, options: options)
        try await ledger.load()
        return ledger
    }

    /// Opens the log file at `path`, verifying it once (from the state file, when
    /// ``Options/statePath`` names a usable one).
    /// - Throws: ``AppendError`` when the log cannot be read, is torn or has problems
    ///   (``AppendError/invalidLog(path:problems:problemCount:)`` lists the first).
    public static func open(path: String, options: Options = Options()) async throws(AppendError) -> Ledger {
        try await open(store: FileLedgerStore(path: path, options: options), options: options)
    }

    private func load() throws(AppendError) {
        try store.load()
        publishedThrough = store.lineCount
    }

    /// The number of lines (events) in the log as this ledger knows it.
    public var count: Int { store.lineCount }

    /// The hash chain's head, when the log is chained.
    public var chainHead: SHA256.Digest? { store.chainHead }

    // MARK: Appending

    /// Validates `events` against the log and appends all of them or none.
    /// - Returns: The events as written: `recorded` stamped, chained, with their positions.
    /// - Throws: ``AppendError``; nothing of this batch is then in the log.
    @discardableResult
    public func append(_ events: [Event]) async throws(AppendError) -> [Record] {
        try await enqueue(Event.jsonLines(events, offsetSeconds: options.offsetSeconds))
    }

    /// Validates a batch of JSON Lines against the log and appends all of it or none.
    /// - Returns: The lines as written, with their positions.
    /// - Throws: ``AppendError``; nothing of this batch is then in the log.
    @discardableResult
    public func append(batch: [UInt8]) async throws(AppendError) -> [Record] {
        try await enqueue(batch)
    }

    package var isClosed: Bool { closed }
    package nonisolated var displayName: String { name }

    /// Writes a group of batches through the store; the observers see the lines (other
    /// writers' first) before any of the group's callers resumes.
    package func write(_ group: [GroupCommitQueue<[Record]>.Request]) {
        let written = store.write(group.map(\.batch), publishing: publisher)
        if !written.records.isEmpty {
            commitCount += 1
            published(written.records)
        }
        caughtUp()
        var index = 0
        for (request, outcome) in zip(group, written.outcomes) {
            switch outcome {
            case .success(let lines):
                request.finish(.success(Array(written.records[index..<index + lines])))
                index += lines
            case .failure(let error):
                request.finish(.failure(error))
            }
        }
    }

    // MARK: Keeping up with other writers

    /// Reads the lines other writers committed since this ledger last read (a file's settled
    /// part, under a shared lock for a moment; PostgreSQL's committed rows) and publishes them.
    public func refresh() throws(AppendError) {
        defer { caughtUp() }
        do {
            try store.refresh(publishing: publisher)
            followFailure = nil
        } catch {
            followFailure = error
            wakeAll()
            throw error
        }
    }

    /// Wakes every subscriber waiting for a commit (they look at ``followFailure``).
    private func wakeAll() {
        let waiters = commitWaiters
        commitWaiters.removeAll()
        for waiter in waiters { waiter.continuation.resume(returning: true) }
    }

    /// Hands the observers what a store reads or writes; `nil` when nobody observes, so that
    /// the store decodes nothing for them.
    private var publisher: LedgerPublisher? {
        observers.isEmpty ? nil : { records in self.published(records) }
    }

    /// Hands the records not handed yet to the observers.
    private func published(_ records: [Record]) {
        guard let last = records.last?.position, last > publishedThrough else { return }
        let fresh = records[0].position > publishedThrough ? records : records.filter { $0.position > publishedThrough }
        publishedThrough = last
        for observer in observers { observer.body(fresh) }
    }

    /// After the store read or wrote: what it knows counts as published (a store that reads its
    /// log again from the start hands out only what follows), and the subscribers waiting for a
    /// line it now holds wake.
    private func caughtUp() {
        let count = store.lineCount
        publishedThrough = max(publishedThrough, count)
        guard commitWaiters.contains(where: { $0.after < count }) else { return }
        var waiting: [(after: Int, id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        for waiter in commitWaiters {
            if waiter.after < count { waiter.continuation.resume(returning: true) } else { waiting.append(waiter) }
        }
        commitWaiters = waiting
    }

    // MARK: Reading

    /// The records from `position` (a line number, 1-based) on, at most `limit` of them, from
    /// what this ledger knows of the log.
    public func records(from position: Int, limit: Int = 4096) throws(LogFileError) -> [Record] {
        try store.records(from: position, limit: limit)
    }

    /// Every event from `position` (a line number, 1-based) on: those in the log, then each one
    /// committed later — by this ledger or another writer — in log order, exactly once. A
    /// partial last line of a file is waited for, never yielded. Cancelling the iterating task
    /// (or ``close()``) ends it; a read that fails ends it with the error, as does a failure to
    /// follow other writers (``followFailure``).
    ///
    /// The records are read as the iteration asks for them, a few hundred at a time: a consumer
    /// that is slow (a subscriber on a slow connection) holds the reading back, and memory holds
    /// one run of records per iteration, however long the log.
    public nonisolated func events(from position: Int = 1) -> EventSequence {
        EventSequence(ledger: self, start: max(position, 1))
    }

    /// The events of ``events(from:)``, read as they are asked for.
    public struct EventSequence: AsyncSequence, Sendable {
        public typealias Element = Record
        let ledger: Ledger
        let start: Int

        public func makeAsyncIterator() -> Iterator { Iterator(ledger: ledger, next: start) }

        public struct Iterator: AsyncIteratorProtocol {
            let ledger: Ledger
            /// The position of the next record to read.
            var next: Int
            var buffer: [Record] = []
            var index = 0
            var finished = false

            public mutating func next() async throws -> Record? {
                while true {
                    if index < buffer.count {
                        index += 1
                        return buffer[index - 1]
                    }
                    if finished || Task.isCancelled { return nil }
                    buffer = try await ledger.records(from: next, limit: 256)
                    index = 0
                    if let last = buffer.last {
                        next = last.position + 1
                    } else if try await !ledger.nextCommit(after: next - 1) {
                        finished = true
                    }
                }
            }
        }
    }

    /// Waits until the log holds a line after `position` (committed here or, once read, by
    /// another writer); `false` when the task is cancelled or the ledger closed, or when reading
    /// other writers' lines failed (``followFailure``; ``nextCommit(after:)`` throws it).
    public func waitForCommit(after position: Int) async -> Bool {
        (try? await nextCommit(after: position)) ?? false
    }

    /// Waits until the log holds a line after `position` (committed here or, once read, by
    /// another writer); `false` when the task is cancelled or the ledger closed.
    /// - Throws: ``followFailure``, when reading what other writers committed fails (before the
    ///   wait or during it): the log holds a line that cannot be taken, or was rewritten.
    public func nextCommit(after position: Int) async throws(AppendError) -> Bool {
        if store.lineCount > position { return true }
        if let followFailure { throw followFailure }
        if closed { return false }
        guard await waitForWake(after: position) else { return false }
        if store.lineCount > position { return true }
        if let followFailure { throw followFailure }
        return !closed
    }

    /// Waits for a commit after `position`, a failure to follow, the ledger's closing or the
    /// task's cancellation; `false` for the last two.
    private func waitForWake(after position: Int) async -> Bool {
        let id = nextWaiterID
        nextWaiterID += 1
        startFollowing()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: false)
                } else {
                    commitWaiters.append((position, id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: Int) {
        if let index = commitWaiters.firstIndex(where: { $0.id == id }) {
            commitWaiters.remove(at: index).continuation.resume(returning: false)
        }
    }

    /// Asks the store every ``Options/followInterval``, while anyone waits for events or
    /// observes them, whether other writers committed, and reads their lines when they may have.
    private func startFollowing() {
        guard !following else { return }
        following = true
        Task {
            while (!self.commitWaiters.isEmpty || !self.observers.isEmpty) && !self.closed {
                try? await Task.sleep(for: self.options.followInterval)
                // A failure is kept in `followFailure` (waiters wake to it); the store says the
                // log may have changed again only once the file did.
                if self.store.mayHaveChanged() { try? self.refresh() }
            }
            self.following = false
            self.store.stopFollowing()
        }
    }

    // MARK: Observers

    /// Calls `body` with every record already in the log, then with each run of records as they
    /// commit — from this ledger before the append that wrote them returns, from other writers
    /// within about ``Options/followInterval`` — on the ledger's thread. Keep `body` short; it
    /// must not call the ledger.
    /// - Returns: A token for ``removeObserver(_:)``.
    @discardableResult
    public func addObserver(_ body: @escaping @Sendable ([Record]) -> Void) throws(LogFileError) -> Int {
        var next = 1
        while true {
            let batch = try records(from: next)
            guard let last = batch.last else { break }
            body(batch)
            next = last.position + 1
        }
        let id = nextWaiterID
        nextWaiterID += 1
        observers.append((id, body))
        startFollowing()
        return id
    }

    /// Stops calling an observer.
    public func removeObserver(_ id: Int) {
        observers.removeAll { $0.id == id }
    }

    /// Ends every subscription and refuses further appends; waiting appends still complete.
    public func close() {
        closed = true
        let waiters = commitWaiters
        commitWaiters.removeAll()
        for waiter in waiters { waiter.continuation.resume(returning: false) }
    }
}

/// What only a log file has: the state file and the settling of an interrupted append.
extension Ledger {
    private var fileStore: FileLedgerStore? { store as? FileLedgerStore }

    /// Why the state file (``Options/statePath``) was not used, when there was one. A log file
    /// only: `nil` for other stores.
    public var stateNote: String? { fileStore?.stateNote }

    /// The append interrupted earlier that the last write settled first, if any (see
    /// ``PendingAppend``). A log file only: `nil` for other stores.
    public var settledAppend: PendingAppend.Outcome? { fileStore?.settledAppend }

    /// How many lines the log as known holds beyond the state file (all of them when there is
    /// none, as in every store but a file with a state file).
    public var linesBeyondState: Int { fileStore?.linesBeyondState ?? count }

    /// Writes the state file (``Options/statePath``) when the log as known holds at least
    /// `lines` lines beyond it, or when there is no usable one. The state describes the lines
    /// known to be valid and durable; writing it never blocks appends by other processes. A log
    /// file only: other stores write nothing.
    /// - Returns: Whether it was written.
    @discardableResult
    public func saveState(ifBehindBy lines: Int = 0) throws -> Bool {
        try fileStore?.saveState(ifBehindBy: lines) ?? false
    }
}
