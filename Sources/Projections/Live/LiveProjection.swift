import Events
import Synchronization

/// A ``Projection`` kept current by a `Ledger`: every event in the log, then each event as it
/// commits — from this process or, once the ledger has read it, another one.
///
/// ```swift
/// let ledger = try await Ledger.open(path: "events.jsonl")
/// let live = try await LiveProjection(ledger: ledger, options: ProjectionOptions(rules: .yueyangHotline))
/// try await ledger.append([closed])
/// let table = live.report(period: .month(2024, 2), rules: .yueyangHotline)   // includes `closed`, as of now
/// ```
///
/// Reads are read-your-writes: the ledger hands each commit to the projection before the
/// `append` that wrote it returns. Reading takes a lock for the time of the read, so readers on
/// any thread see a whole commit or none of it.
public final class LiveProjection: Sendable {
    private let state: Mutex

    /// Folds the whole log of `ledger` (on the ledger's thread), then follows it.
    /// - Throws: `LogFileError` if the log cannot be read.
    public init(ledger: Ledger, options: ProjectionOptions) async throws(LogFileError) {
        let state = Mutex(Projection(options: options))
        self.state = state
        try await ledger.addObserver { records in
            state.withLock { projection in
                for record in records { projection.apply(record.event) }
            }
        }
    }

    /// The table of `period` under `rules` at `instant` (by default now), with the events
    /// committed so far: a ticket still open whose deadline is after `instant` is not due yet,
    /// as in `ledger-cli replay --as-of` (see ``Projection/countDeadlines(comingBy:)``).
    public func report(period: Period, rules: RuleSet, roster: Roster? = nil, at instant: Timestamp = .now()) -> PeriodReport {
        state.withLock { $0.report(period: period, rules: rules, roster: roster, at: instant) }
    }

    /// One unit's counts over `period` at `instant` (by default now), as in ``report(period:rules:roster:at:)``.
    public func counts(unit: String, period: Period, at instant: Timestamp = .now()) -> UnitCounts {
        state.withLock { projection in
            projection.countDeadlines(comingBy: instant)
            return projection.counts(unit: unit, period: period)
        }
    }

    /// When a table will change next with no new commit: the earliest deadline still to come of
    /// a ticket open at the instant last asked for (`nil`: none). See ``Projection/nextDeadline``.
    public var nextDeadline: Timestamp? { state.withLock { $0.nextDeadline } }

    /// A copy of the projection as it is now (its deadlines counted by the instant last asked for).
    public var snapshot: Projection { state.withLock { $0 } }

    /// The projection behind a lock, in a class so that the ledger's observer can hold it.
    private final class Mutex: Sendable {
        private let value: Synchronization.Mutex<Projection>
        init(_ value: Projection) { self.value = Synchronization.Mutex(value) }
        func withLock<R: Sendable>(_ body: (inout Projection) -> R) -> R {
            value.withLock { body(&$0) }
        }
    }
}
