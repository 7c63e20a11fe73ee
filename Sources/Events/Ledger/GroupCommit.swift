/// Appends waiting for one write, as ``Ledger`` queues them for its store.
///
/// An append joins the queue and waits; the first one schedules a write. When the write runs it
/// takes the requests that fit in one group (at least one, at most `maxGroupBytes` of batches),
/// writes and flushes them together, and resumes each caller with its own result. Appends that
/// would take the queue past `maxQueuedBytes` wait for room first (back-pressure).
package struct GroupCommitQueue<Output: Sendable> {
    /// One caller's batch and where its result goes.
    package struct Request {
        package var batch: [UInt8]
        package var continuation: CheckedContinuation<Result<Output, AppendError>, Never>

        /// Resumes the caller with `result`.
        package func finish(_ result: Result<Output, AppendError>) { continuation.resume(returning: result) }
    }

    package let maxGroupBytes: Int
    package let maxQueuedBytes: Int
    private var requests: [Request] = []
    /// How many requests the last group held.
    private var lastGroupCount = 0
    private var queuedBytes = 0
    private var writeScheduled = false
    private var roomWaiters: [CheckedContinuation<Void, Never>] = []

    package init(maxGroupBytes: Int, maxQueuedBytes: Int) {
        self.maxGroupBytes = maxGroupBytes
        self.maxQueuedBytes = maxQueuedBytes
    }

    /// Whether a batch of `byteCount` bytes must wait for room.
    package func mustWait(forRoom byteCount: Int) -> Bool {
        queuedBytes > 0 && queuedBytes + byteCount > maxQueuedBytes
    }

    /// Keeps `waiter` until a group leaves the queue.
    package mutating func waitForRoom(_ waiter: CheckedContinuation<Void, Never>) {
        roomWaiters.append(waiter)
    }

    /// Queues a request. - Returns: Whether the caller must schedule a write (none is scheduled yet).
    package mutating func enqueue(_ request: Request) -> Bool {
        requests.append(request)
        queuedBytes += request.batch.count
        defer { writeScheduled = true }
        return !writeScheduled
    }

    /// Takes the next group off the queue.
    /// - Returns: The group, and whether the caller must schedule another write for what is left.
    package mutating func takeGroup() -> (group: [Request], scheduleAnother: Bool) {
        var group: [Request] = []
        var groupBytes = 0
        while let next = requests.first, group.isEmpty || groupBytes + next.batch.count <= maxGroupBytes {
            requests.removeFirst()
            groupBytes += next.batch.count
            group.append(next)
        }
        writeScheduled = !requests.isEmpty
        lastGroupCount = group.count
        return (group, writeScheduled)
    }

    /// Whether appenders are probably about to join the queue: fewer requests wait than the last
    /// group held (its callers, just resumed, are preparing their next batches), and there is
    /// room for them in a group.
    package var expectsMore: Bool {
        requests.count < lastGroupCount && queuedBytes < maxGroupBytes
    }

    /// Frees the room `group` held and wakes the appends that waited for room.
    package mutating func release(_ group: [Request]) {
        for request in group { queuedBytes -= request.batch.count }
        let waiters = roomWaiters
        roomWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }
}

/// A ledger that commits appends in groups through a ``GroupCommitQueue`` (``Ledger``, over any
/// ``LedgerStore``).
package protocol GroupCommitting: Actor {
    associatedtype Output: Sendable
    /// The appends waiting for a write.
    var commitQueue: GroupCommitQueue<Output> { get set }
    /// Whether the ledger refuses appends (it was closed), and its name for that error.
    var isClosed: Bool { get }
    nonisolated var displayName: String { get }
    /// Writes `group` together and resumes each request with its own result.
    func write(_ group: [GroupCommitQueue<Output>.Request])
}

/// How long a group commit waits for the appenders the last group resumed (see
/// `GroupCommitting.scheduleWrite()`).
package let groupCommitDelay: Duration = .microseconds(200)

extension GroupCommitting {
    /// Queues `batch` for the next group and waits for its result.
    package func enqueue(_ batch: [UInt8]) async throws(AppendError) -> Output {
        if isClosed { throw .file(LogFileError(path: displayName, message: "the ledger is closed")) }
        while commitQueue.mustWait(forRoom: batch.count) {
            await withCheckedContinuation { commitQueue.waitForRoom($0) }
        }
        let result = await withCheckedContinuation { continuation in
            if commitQueue.enqueue(.init(batch: batch, continuation: continuation)) { scheduleWrite() }
        }
        return try result.get()
    }

    /// Runs ``writeNextGroup()`` on the ledger's executor after the jobs already waiting there,
    /// so that the appends arriving meanwhile join the group.
    ///
    /// When the last group was larger than what waits now, the appenders it resumed are probably
    /// preparing their next batches: the write waits up to ``groupCommitDelay`` for them, so that
    /// they share its flushes instead of waiting for the next ones (as PostgreSQL's
    /// `commit_delay`). A lone appender never waits: its last group held only itself.
    private func scheduleWrite() {
        Task {
            if self.commitQueue.expectsMore { try? await Task.sleep(for: groupCommitDelay) }
            self.writeNextGroup()
        }
    }

    /// Takes the next group off the queue and writes it.
    private func writeNextGroup() {
        let (group, scheduleAnother) = commitQueue.takeGroup()
        if scheduleAnother { scheduleWrite() }
        defer { commitQueue.release(group) }
        guard !group.isEmpty else { return }
        write(group)
    }
}

extension Event {
    /// `events` as a batch of JSON Lines, each with its newline.
    package static func jsonLines(_ events: [Event], offsetSeconds: Int32) -> [UInt8] {
        var batch = [UInt8]()
        for event in events {
            batch.append(contentsOf: event.jsonLine(offsetSeconds: offsetSeconds).utf8)
            batch.append(0x0A)
        }
        return batch
    }
}
