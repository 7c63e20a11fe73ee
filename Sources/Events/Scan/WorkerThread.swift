#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain POSIX thread running one closure, joined explicitly.
///
/// The scan pipeline needs a fixed, small number of threads for the lifetime of one pass;
/// Foundation's `Thread` or a task group would bring a dependency or an executor into the
/// hot path for no gain.
package struct WorkerThread {
    #if canImport(Darwin)
    private var thread: pthread_t?
    #else
    private var thread = pthread_t()
    #endif

    /// Starts `body` on a new thread.
    package init(_ body: @escaping @Sendable () -> Void) {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            #if canImport(Darwin)
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            #else
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            #endif
            box.body()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed (\(result))")
    }

    /// Waits for the thread to finish.
    package func join() {
        #if canImport(Darwin)
        pthread_join(thread!, nil)
        #else
        pthread_join(thread, nil)
        #endif
    }

    /// Lowers the calling thread's priority by `steps` nice levels (to 19 at most), on Linux,
    /// where a nice value is a thread's; elsewhere (where it is the whole process's) nothing.
    package static func lowerCallingThreadPriority(by steps: Int32) {
        #if os(Linux)
        let who = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let current = getpriority(who, 0)
        guard current != -1 || errno == 0 else { return }
        _ = setpriority(who, 0, min(current + steps, 19))
        #endif
    }

    /// Processors available to this process (at least 1).
    package static var processorCount: Int {
        max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
    }
}
