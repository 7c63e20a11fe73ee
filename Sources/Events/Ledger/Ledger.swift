#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A log opened once and kept by a service: appends in O(batch), grouped commits, and a live
/// view of every committed event, including those other processes append.
///
/// ```swift
/// let ledger = try await Ledger.open(path: "events.jsonl")
/// let written = try await ledger.append([accepted, assigned])   // durable when this returns
/// for try await record in ledger.events(from: 1) { print(record.position, record.event.id) }
/// ```
///
/// ``open(path:options:)`` verifies the log once and keeps what an append needs in memory: every
/// ticket's life-cycle state, the event ids, the hash chain's head, the log's length and its last
/// bytes. ``append(_:)`` then takes the file lock, checks that nobody else appended since (the
/// length and the last bytes; lines that another process appended are read and checked, a log
/// that was rewritten is read again), validates the batch against the state in memory, and
/// writes it with the same all-or-nothing protocol as ``LogAppender`` (see ``PendingAppend``).
///
/// **Group commit.** Appends that arrive while a write is in flight are written and flushed
/// together, once it ends; each is still all or nothing on its own (a rejected batch leaves the
/// state as it was and is not written), and each caller resumes only when its own events are
/// durable.
///
/// **Why an actor on a thread of its own.** An actor serialises appends without a lock and gives
/// callers `async` methods; its custom executor (`LedgerExecutor`) runs the ledger's blocking
/// work — lock waits, reads, `fsync` — on a dedicated thread, off Swift's cooperative pool.
public actor Ledger: GroupCommitting {
    /// The log file.
    public nonisolated let path: String
    /// How the ledger writes.
    public nonisolated let options: Options
    private nonisolated let executor: LedgerExecutor

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// How a ``Ledger`` writes and follows its log.
    public struct Options: Sendable {
        /// The UTC offset at which `recorded` stamps are written (`+08:00` by default).
        public var offsetSeconds: Int32 = 28_800
        /// Where the `recorded` stamp comes from (the system clock by default).
        public var clock: @Sendable () -> Timestamp = { Timestamp.now() }
        /// Whether new lines carry the hash chain (see ``LogAppender/Chaining``).
        public var chaining = LogAppender.Chaining.automatic
        /// Whether opening a missing log creates it.
        public var createsMissingLog = true
        /// The longest line read or written.
        public var maxLineBytes = LogInput.defaultMaxLineBytes
        /// The most bytes of batches written in one group commit (a larger batch goes alone).
        public var maxGroupBytes = 16 << 20
        /// The most bytes of batches waiting for a write; further appends wait for room.
        public var maxQueuedBytes = 64 << 20
        /// How often the log is checked for lines other processes appended while someone waits
        /// for new events.
        public var followInterval: Duration = .milliseconds(10)
        /// A state file (what the ledger keeps in memory, checksummed; see docs/reliability.md) to
        /// resume from when opening, instead of reading the whole log, and that
        /// ``saveState(ifBehindBy:)`` writes; `nil`: none.
        public var statePath: String?

        public init() {}
    }

    /// One committed event: where it is and the line as written.
    public struct Record: Sendable, Equatable {
        /// Its line number in the log (1-based): its position.
        public var position: Int
        /// The byte offset of its line.
        public var offset: Int64
        /// The line as written (without the newline), `recorded` stamp and chain included.
        public var line: [UInt8]
        /// The event, decoded from ``line``.
        public var event: Event
    }

    // MARK: State

    /// What the log held when last read: every line is valid and known to `verifier`.
    private var verifier = LogVerifier()
    private var sealer: ChainSealer
    private var known = LogAppender.ExistingLog()
    /// The log's last bytes (up to 64), to notice a log rewritten under the same length.
    private var tail: [UInt8] = []
    /// The state no longer matches the file (a failed write): read it again before the next append.
    private var stale = true
    /// The offset of line `1 + k * offsetStride`, for reading from a position.
    private var lineOffsets: [Int64] = []
    private static let offsetStride = 1024
    /// The lines the state file covered when it was read or written; `nil` while there is none.
    private var stateLines: Int?
    /// Why the state file was not used, when there was one.
    public private(set) var stateNote: String?
    /// The append interrupted earlier that the last write settled first, if any.
    public private(set) var settledAppend: PendingAppend.Outcome?

    package var commitQueue: GroupCommitQueue<[Record]>
    /// Subscribers waiting for a line after a position.
    private var commitWaiters: [(after: Int, id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextWaiterID = 0
    private var following = false
    private var closed = false
    /// Called on the ledger's thread with each run of newly known records, in order.
    private var observers: [(id: Int, body: ([Record]) -> Void)] = []

    private init(path: String, options: Options) {
        self.path = path
        self.options = options
        executor = LedgerExecutor()
        sealer = ChainSealer(path: path, chaining: options.chaining)
        commitQueue = GroupCommitQueue(maxGroupBytes: options.maxGroupBytes, maxQueuedBytes: options.maxQueuedBytes)
    }

    deinit { executor.stop() }

    /// Opens the log at `path`, verifying it once.
    /// - Throws: ``AppendError`` when the log cannot be read, is torn or has problems
    ///   (``AppendError/invalidLog(path:problems:problemCount:)`` lists the first).
    public static func open(path: String, options: Options = Options()) async throws(AppendError) -> Ledger {
        let ledger = Ledger(path: path, options: options)
        try await ledger.load()
        return ledger
    }

    /// Reads the log under a shared lock (opening never writes; a missing log is created when
    /// the options say so).
    private func load() throws(AppendError) {
        if access(path, F_OK) != 0 && errno == ENOENT && options.createsMissingLog {
            do { _ = try LockedLogFile.acquire(path, create: true) } catch { throw .file(error) }
        }
        let file: LockedLogFile
        do { file = try LockedLogFile.acquireShared(path) } catch { throw .file(error) }
        if let statePath = options.statePath { resume(from: statePath, file) }
        _ = try catchUp(file, exclusive: false, loading: true)
    }

    /// Takes the state saved in `statePath` when it is sound and the log still starts with
    /// what it describes; otherwise notes why not (``stateNote``) and leaves the state empty.
    private func resume(from statePath: String, _ file: borrowing LockedLogFile) {
        do {
            var length = try file.length()
            if let pending = try PendingAppend.read(forLog: path),
               try !pending.isComplete(in: file.fd, path: path, length: length) {
                length = min(length, pending.logLength)
            }
            guard let state = try LedgerState.load(from: statePath, stride: Self.offsetStride) else { return }
            try state.check(log: file.fd, length: length)
            verifier = LogVerifier()
            verifier.lifecycle = state.lifecycle
            verifier.ids = state.ids
            verifier.eventCount = state.eventCount
            verifier.ticketCount = state.ticketCount
            sealer = ChainSealer(path: path, chaining: options.chaining, resuming: state.chain)
            known = LogAppender.ExistingLog(lineCount: state.lineCount, byteCount: state.byteCount, eventCount: state.eventCount)
            tail = state.tail
            lineOffsets = state.lineOffsets
            stateLines = state.lineCount
            stale = false
        } catch {
            stateNote = "the state file \(statePath) is not used (\(error)); reading the whole log"
        }
    }

    /// How many lines the log as known holds beyond the state file (all of them when there is
    /// none).
    public var linesBeyondState: Int { known.lineCount - (stateLines ?? 0) }

    /// Writes the state file (``Options/statePath``) when the log as known holds at least
    /// `lines` lines beyond it, or when there is no usable one. The state describes the lines
    /// known to be valid and durable; writing it never blocks appends by other processes.
    /// - Returns: Whether it was written.
    @discardableResult
    public func saveState(ifBehindBy lines: Int = 0) throws -> Bool {
        guard let statePath = options.statePath, !stale, stateLines == nil || linesBeyondState >= lines else { return false }
        let fingerprint: [UInt8]
        do {
            let fd = try LogInput.openRegularFile(path)
            defer { closeFile(fd) }
            fingerprint = try LedgerState.fingerprint(fd: fd, upTo: known.byteCount)
        }
        let state = LedgerState(byteCount: known.byteCount, lineCount: known.lineCount, eventCount: verifier.eventCount,
                                ticketCount: verifier.ticketCount, tail: tail, fingerprint: fingerprint, chain: sealer.observedSummary,
                                lineOffsets: lineOffsets, lifecycle: verifier.lifecycle, ids: verifier.ids)
        try state.save(to: statePath)
        stateLines = known.lineCount
        return true
    }

    /// The number of lines (events) in the log as this ledger knows it.
    public var count: Int { known.lineCount }

    /// The hash chain's head, when the log is chained.
    public var chainHead: SHA256.Digest? { sealer.head }

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
    package nonisolated var displayName: String { path }

    /// Writes a group of batches: one lock, one write, one flush.
    package func write(_ group: [GroupCommitQueue<[Record]>.Request]) {
        let file: LockedLogFile
        do {
            file = try LockedLogFile.acquire(path, create: options.createsMissingLog)
        } catch {
            for request in group { request.finish(.failure(.file(error))) }
            return
        }
        do {
            settledAppend = nil
            try catchUp(file, exclusive: true)
            try sealer.prepare(lineCount: known.lineCount, byteCount: known.byteCount)
        } catch {
            stale = true
            for request in group { request.finish(.failure(error)) }
            return
        }
        // Each batch is checked on its own against the state the ones before it left.
        let stamp = JSONString.quoted(options.clock().rfc3339(offsetSeconds: options.offsetSeconds))
        var output: [UInt8] = []
        var accepted: [(request: GroupCommitQueue<[Record]>.Request, range: Range<Int>, lines: Int)] = []
        var lineCount = known.lineCount
        for request in group {
            let savedSealer = sealer
            let eventsBefore = verifier.eventCount
            verifier.beginJournal()
            let checked = request.batch.withUnsafeBytes { bytes in
                Result { () throws(AppendError) in
                    try LogAppender.checkBatch(bytes, after: lineCount, verifier: &verifier, sealer: &sealer, stamp: stamp)
                }
            }
            switch checked {
            case .success(let bytes):
                verifier.commitJournal()
                let lines = verifier.eventCount - eventsBefore
                accepted.append((request, output.count..<output.count + bytes.count, lines))
                output.append(contentsOf: bytes)
                lineCount += lines
            case .failure(let error):
                verifier.rollBackJournal()
                sealer = savedSealer
                request.finish(.failure(error))
            }
        }
        guard !output.isEmpty else {
            for item in accepted { item.request.finish(.success([])) }
            return
        }
        let start = known.byteCount
        do {
            try LogAppender.write(output, lineCount: lineCount - known.lineCount, to: file, at: start, path: path)
        } catch {
            // The state holds events the file does not: read the file again before the next append.
            stale = true
            for item in accepted { item.request.finish(.failure(error)) }
            return
        }
        var records: [Record] = []
        records.reserveCapacity(lineCount - known.lineCount)
        var decoder = EventDecoder()
        output.withUnsafeBytes { bytes in
            var lineStart = 0
            for end in 0..<bytes.count where bytes[end] == 0x0A {
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<end])
                let position = known.lineCount + records.count + 1
                let offset = start + Int64(lineStart)
                // The chain's verifier follows the lines as written, so that the next group builds on them.
                _ = try? sealer.observe(line: LogLine(number: position, offset: offset, bytes: line, terminated: true), event: nil)
                noteLine(position, offset: offset)
                if let event = try? decoder.decodeEvent(line) {
                    records.append(Record(position: position, offset: offset, line: Array(line), event: event))
                }
                lineStart = end + 1
            }
        }
        known.byteCount += Int64(output.count)
        known.lineCount = lineCount
        known.eventCount = verifier.eventCount
        tail = Array(output.suffix(64))
        var index = 0
        for item in accepted {
            let mine = Array(records[index..<index + item.lines])
            index += item.lines
            item.request.finish(.success(mine))
        }
        published(records)
    }

    // MARK: Keeping up with the file

    /// Brings the state up to the file: reads lines that other processes appended, or reads the
    /// whole log again when it was rewritten. Under the exclusive lock an interrupted append is
    /// settled first; under a shared one its bytes are left out (see ``LogSnapshot``).
    /// Returns the records read.
    @discardableResult
    private func catchUp(_ file: borrowing LockedLogFile, exclusive: Bool, loading: Bool = false) throws(AppendError) -> [Record] {
        var length: Int64
        do {
            if exclusive {
                if let outcome = try PendingAppend.settle(file, path: path, clock: options.clock) { settledAppend = outcome }
                length = try file.length()
            } else {
                length = try file.length()
                if let pending = try PendingAppend.read(forLog: path),
                   try !pending.isComplete(in: file.fd, path: path, length: length) {
                    length = min(length, pending.logLength)
                }
            }
        } catch {
            throw .file(error)
        }
        if !stale && length == known.byteCount && (try? tailMatches(file)) == true { return [] }
        if stale || length < known.byteCount || (try? tailMatches(file)) != true {
            verifier = LogVerifier()
            sealer = ChainSealer(path: path, chaining: options.chaining)
            known = LogAppender.ExistingLog()
            lineOffsets = []
            tail = []
            stateLines = nil
        }
        let wasFresh = known.lineCount == 0 || loading
        var records: [Record] = []
        var decoder = EventDecoder()
        let before = known
        do {
            try LogAppender.readLines(of: file, path: path, into: &known, verifier: &verifier, sealer: &sealer,
                                      maxLineBytes: options.maxLineBytes, problemLimit: 20, end: length) { line in
                self.noteLine(line.number, offset: line.offset)
                if !wasFresh || !self.observers.isEmpty || !self.commitWaiters.isEmpty, let event = try? decoder.decodeEvent(line.bytes) {
                    records.append(Record(position: line.number, offset: line.offset, line: Array(line.bytes), event: event))
                }
            }
        } catch {
            stale = true
            known = before
            throw error
        }
        stale = false
        let tailStart = max(0, known.byteCount - 64)
        var bytes = [UInt8](repeating: 0, count: Int(known.byteCount - tailStart))
        let count = bytes.withUnsafeMutableBytes { (try? file.read(into: $0, at: tailStart)) ?? -1 }
        tail = count == bytes.count ? bytes : []
        if !records.isEmpty && !wasFresh { published(records) }
        return records
    }

    private func tailMatches(_ file: borrowing LockedLogFile) throws(LogFileError) -> Bool {
        guard !tail.isEmpty else { return known.byteCount == 0 }
        var bytes = [UInt8](repeating: 0, count: tail.count)
        let count = try bytes.withUnsafeMutableBytes { b in
            Result { () throws(LogFileError) in try file.read(into: b, at: known.byteCount - Int64(tail.count)) }
        }.get()
        return count == tail.count && bytes == tail
    }

    private func noteLine(_ number: Int, offset: Int64) {
        if (number - 1) % Self.offsetStride == 0 && (number - 1) / Self.offsetStride == lineOffsets.count {
            lineOffsets.append(offset)
        }
    }

    /// Hands newly known records to the observers and wakes the subscribers waiting for them.
    private func published(_ records: [Record]) {
        for observer in observers { observer.body(records) }
        guard let last = records.last?.position else { return }
        var waiting: [(after: Int, id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        for waiter in commitWaiters {
            if waiter.after < last { waiter.continuation.resume(returning: true) } else { waiting.append(waiter) }
        }
        commitWaiters = waiting
    }

    /// Reads lines that other processes appended (the settled part of the log, under a shared
    /// lock for a moment) and publishes them.
    public func refresh() throws(AppendError) {
        let snapshot: LogSnapshot
        do { snapshot = try LogSnapshot.take(path: path) } catch { throw .file(error) }
        guard snapshot.length != known.byteCount || stale else { return }
        let file: LockedLogFile
        do { file = try LockedLogFile.acquireShared(path) } catch { throw .file(error) }
        try catchUp(file, exclusive: false)
    }

    // MARK: Reading

    /// The records from `position` (a line number, 1-based) on, at most `limit` of them, from
    /// what this ledger knows of the log.
    public func records(from position: Int, limit: Int = 4096) throws(LogFileError) -> [Record] {
        let first = max(position, 1)
        guard first <= known.lineCount, limit > 0 else { return [] }
        let index = min((first - 1) / Self.offsetStride, lineOffsets.count - 1)
        guard index >= 0 else { return [] }
        var lineNumber = index * Self.offsetStride + 1
        var records: [Record] = []
        var decoder = EventDecoder()
        let fd = try LogInput.openRegularFile(path)
        defer { closeFile(fd) }
        guard lseek(fd, off_t(lineOffsets[index]), SEEK_SET) == lineOffsets[index] else { throw .system(path, "seek") }
        struct Done: Error {}
        let end = known.byteCount
        do {
            _ = try LogReader.forEachLine(fd: fd, path: path, chunkSize: 1 << 20, start: lineOffsets[index], end: end,
                                      firstLineNumber: lineNumber, maxLineBytes: options.maxLineBytes) { line in
                lineNumber = line.number
                guard line.number >= first, line.terminated else { return }
                let event = try decoder.decodeEvent(line.bytes)
                records.append(Record(position: line.number, offset: line.offset, line: Array(line.bytes), event: event))
                if records.count == limit { throw Done() }
            }
        } catch is Done {
        } catch let error as LogFileError {
            throw error
        } catch {
            throw LogFileError(path: path, message: "cannot read line \(lineNumber): \(error)")
        }
        return records
    }

    /// Every event from `position` (a line number, 1-based) on: those in the log, then each one
    /// committed later — by this ledger or another process — in log order, exactly once. A
    /// partial last line is waited for, never yielded. Cancelling the iterating task ends it.
    public nonisolated func events(from position: Int = 1) -> AsyncThrowingStream<Record, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var next = max(position, 1)
                do {
                    while !Task.isCancelled {
                        let batch = try await self.records(from: next)
                        for record in batch { continuation.yield(record) }
                        if let last = batch.last {
                            next = last.position + 1
                            continue
                        }
                        guard await self.waitForCommit(after: next - 1) else { break }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Waits until the log holds a line after `position` (committed here or, once read, by
    /// another process); `false` when the task is cancelled or the ledger closed.
    public func waitForCommit(after position: Int) async -> Bool {
        if known.lineCount > position { return true }
        if closed { return false }
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

    /// Checks the file for other processes' lines every ``Options/followInterval`` while anyone
    /// waits for events or observes them: a `stat` of the log, and a read only when it changed.
    private func startFollowing() {
        guard !following else { return }
        following = true
        Task {
            while (!self.commitWaiters.isEmpty || !self.observers.isEmpty) && !self.closed {
                try? await Task.sleep(for: self.options.followInterval)
                if self.fileChanged() { try? self.refresh() }
            }
            self.following = false
        }
    }

    /// Whether the log's length differs from what this ledger knows (or its state is stale).
    private func fileChanged() -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return stale || Int64(info.st_size) != known.byteCount
    }

    // MARK: Observers

    /// Calls `body` with every record already in the log, then with each run of records as they
    /// commit — from this ledger before the append that wrote them returns, from other processes
    /// within about ``Options/followInterval`` — on the ledger's thread. Keep `body` short; it must not call the ledger.
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

/// `close(2)`, where a method of the same name is in scope.
private func closeFile(_ fd: Int32) { _ = close(fd) }
