#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an actor's jobs one at a time, in order, on a thread of its own: the executor of
/// ``Ledger``, whichever its store.
///
/// A ledger's work blocks: it waits for file locks or for the server, reads, and `fsync`s. On
/// this executor that work never occupies one of the few threads of Swift's cooperative pool, so
/// the tasks of the service around it (a tailing subscriber, a request handler) keep running.
package final class LedgerExecutor: SerialExecutor, @unchecked Sendable {
    // `@unchecked Sendable`: `jobs` and `stopped` are only touched under `monitor`.
    private let monitor = Monitor()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    package init() {
        _ = WorkerThread { [self] in run() }
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        monitor.locked {
            jobs.append(job)
            monitor.broadcast()
        }
    }

    package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets the thread end once the jobs queued so far have run.
    package func stop() {
        monitor.locked {
            stopped = true
            monitor.broadcast()
        }
    }

    private func run() {
        pthread_detach(pthread_self())
        var batch: [UnownedJob] = []
        while true {
            monitor.locked {
                while jobs.isEmpty && !stopped { monitor.wait() }
                swap(&batch, &jobs)
            }
            if batch.isEmpty { return }
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
