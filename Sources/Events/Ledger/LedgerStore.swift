/// Where a ``Ledger`` keeps its lines: what differs between a log file and a database table.
///
/// The ledger holds what every store shares — the group-commit queue, observers, subscribers
/// and their waits, the follow loop — and asks its store for the rest: reading the log once at
/// open, catching up on lines other writers committed, writing a group of batches (each checked
/// on its own against the state the accepted ones before it left), reading lines back from a
/// position, and noticing cheaply that another writer committed. Two stores exist: the file
/// (``FileLedgerStore``, ``Ledger/open(path:options:)``) and PostgreSQL (in the PostgresLedger
/// module, `Ledger.open(postgres:options:)`).
///
/// A store belongs to one ledger and is called only on the ledger's executor, one call at a
/// time, so its blocking I/O never runs on Swift's cooperative pool; it needs no lock of its own.
package protocol LedgerStore: AnyObject {
    /// The log's name in messages: a file's path, a URI without its password.
    var name: String { get }
    /// The lines (events) of the log as this store knows it.
    var lineCount: Int { get }
    /// The hash chain's head, when the log is chained.
    var chainHead: SHA256.Digest? { get }

    /// Reads the log once, checking every line, so that appends can be validated in memory.
    /// - Throws: ``AppendError``: the log cannot be read, or has problems.
    func load() throws(AppendError)

    /// Reads the lines other writers committed since the last read, checking each; `publish`,
    /// when given, receives their records in order (also when the read stops partway).
    func refresh(publishing publish: LedgerPublisher?) throws(AppendError)

    /// Writes `batches` as one group — one lock or transaction, one write, one flush — after
    /// catching up on other writers' lines (handed to `publish`, when given, first). Each batch
    /// is all or nothing on its own: a rejected one leaves the state as the ones before it left
    /// it, and never fails the others.
    func write(_ batches: [[UInt8]], publishing publish: LedgerPublisher?) -> LedgerGroupWrite

    /// The records from `position` (1-based) on, at most `limit`, among the lines this store
    /// knows (``lineCount``).
    func records(from position: Int, limit: Int) throws(LogFileError) -> [Ledger.Record]

    /// Whether another writer may have committed since the last read: a cheap check (a `stat`,
    /// a look for notifications) the ledger makes every ``Ledger/Options/followInterval`` while
    /// someone waits for events or observes them, and follows with ``refresh(publishing:)``.
    func mayHaveChanged() -> Bool

    /// Nobody follows the log any more: the store may let go of what ``mayHaveChanged()`` uses.
    func stopFollowing()
}

/// Receives a run of records a store read or wrote, in log order, on the ledger's executor.
package typealias LedgerPublisher = ([Ledger.Record]) -> Void

/// What a store's group write did: each batch's outcome, and the records of the lines written.
package struct LedgerGroupWrite {
    /// One per batch, in order: how many of ``records`` it wrote (its records follow those of
    /// the accepted batches before it), or why it failed.
    package var outcomes: [Result<Int, AppendError>]
    /// The records of every line written, in order.
    package var records: [Ledger.Record]

    package init(outcomes: [Result<Int, AppendError>], records: [Ledger.Record]) {
        self.outcomes = outcomes
        self.records = records
    }

    /// Every batch failed with `error`; nothing was written.
    package static func failed(_ count: Int, _ error: AppendError) -> LedgerGroupWrite {
        LedgerGroupWrite(outcomes: Array(repeating: .failure(error), count: count), records: [])
    }

    /// The accepted batches of `outcomes` failed with `error` (their write did not happen); the
    /// rejected ones keep their own problems.
    package static func failed(_ error: AppendError, keepingRejectionsOf outcomes: [Result<Int, AppendError>]) -> LedgerGroupWrite {
        LedgerGroupWrite(outcomes: outcomes.map { $0.flatMap { _ in .failure(error) } }, records: [])
    }
}
