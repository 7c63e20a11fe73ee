#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// What happens when a writer finds the writers' lock of a log taken (by another process's
/// append, copy or repair): by default it waits without a word, as long as the other writer
/// takes; the command line has a wait of more than a second said on standard error.
package enum WriterLockWait {
    private static let notice = Mutex<(@Sendable (String) -> Void)?>(nil)

    /// How long a writer waits before the handler hears of it (a wait of a few milliseconds
    /// behind another append is the usual case, and not worth a line).
    package static let quietNanoseconds: Int64 = 1_000_000_000
    /// How often the lock is tried again meanwhile.
    private static let retryNanoseconds: Int64 = 2_000_000

    /// Calls `notice` with the log's name (a path, or a URI without its password) each time a
    /// writer has waited ``quietNanoseconds`` for the lock and goes on waiting; `nil` for silence.
    package static func onWait(_ notice: (@Sendable (String) -> Void)?) {
        self.notice.withLock { $0 = notice }
    }

    /// Takes a lock of `log`: `attempt` tries without waiting (`true`: taken), `block` waits
    /// until it is taken. Without a handler, `block` at once; with one, `attempt` again every two
    /// milliseconds for a second, then the handler hears of the wait and `block` waits on.
    package static func take<E: Error>(_ log: String, attempt: () throws(E) -> Bool, block: () throws(E) -> Void) throws(E) {
        if try attempt() { return }
        guard let handler = notice.withLock({ $0 }) else { return try block() }
        let start = now()
        while now() - start < quietNanoseconds {
            var pause = timespec(tv_sec: 0, tv_nsec: Int(retryNanoseconds))
            nanosleep(&pause, nil)
            if try attempt() { return }
        }
        handler(log)
        try block()
    }

    private static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
