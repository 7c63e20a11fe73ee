#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with condition variables (one unless asked for more), for the pipeline's hand-offs.
///
/// `@unchecked Sendable`: the pthread objects are used only through `lock`/`wait`/`broadcast`,
/// which the POSIX API makes safe to call from any thread; they are allocated once and never moved.
package final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let conditions: UnsafeMutablePointer<pthread_cond_t>
    private let conditionCount: Int

    /// A monitor with `conditions` condition variables, numbered from 0: threads waiting for
    /// different things wait on different ones, so that a change wakes only those it concerns.
    package init(conditions: Int = 1) {
        precondition(conditions >= 1)
        conditionCount = conditions
        self.conditions = .allocate(capacity: conditions)
        pthread_mutex_init(mutex, nil)
        for i in 0..<conditions { pthread_cond_init(self.conditions + i, nil) }
    }

    deinit {
        for i in 0..<conditionCount { pthread_cond_destroy(conditions + i) }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        conditions.deallocate()
    }

    /// Runs `body` holding the mutex.
    @inline(__always)
    package func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits on condition `condition` (holding the mutex, inside ``locked(_:)``) until woken.
    package func wait(_ condition: Int = 0) {
        precondition(condition >= 0 && condition < conditionCount)
        pthread_cond_wait(conditions + condition, mutex)
    }

    /// Wakes every waiter on condition `condition`.
    package func broadcast(_ condition: Int = 0) {
        precondition(condition >= 0 && condition < conditionCount)
        pthread_cond_broadcast(conditions + condition)
    }

    /// Wakes every waiter on every condition.
    package func broadcastAll() {
        for i in 0..<conditionCount { pthread_cond_broadcast(conditions + i) }
    }
}
