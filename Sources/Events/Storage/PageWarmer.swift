#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Makes the memory of tables reserved ahead of use present before they fill it, on a thread
/// of its own at the lowest priority.
///
/// A replay sizes its per-ticket tables once, from the log's length, and fills them from the
/// front as tickets come. Each fresh page it reaches costs a fault in which the kernel zeroes
/// it, and under a hypervisor that returns freed memory to its host, the host's own fault too:
/// for a province's year (half a gigabyte of tables) that is a second or more of the folding
/// thread's time. The warmer asks the kernel for those pages first (`MADV_POPULATE_WRITE`, which
/// never changes what memory holds: a page already present is left as it is), the tables in
/// step, a slice of each in turn, from their fill points to their ends, while the folding
/// thread works; at the lowest priority, it takes only time the replay's threads leave idle.
///
/// Linux only (5.14 and later; elsewhere, or when the kernel refuses, it does nothing). It does
/// not hold the tables (holding a reference would make every write to them copy them first):
/// should a table outgrow its room and move, the warmer may go on populating memory no longer
/// the table's, which changes nothing (the call never writes contents; unmapped memory makes it
/// fail, and the warmer stop).
package final class PageWarmer: Sendable {
    private let work: Work
    private let thread: WorkerThread
    private let joined = Atomic<Bool>(false)

    /// Starts warming the room of `tables` beyond their elements, when there is at least
    /// `minimumBytes` of it; `nil` (nothing started) otherwise or where it cannot be done.
    package static func start(_ tables: [PlainArrayRoom], minimumBytes: Int) -> PageWarmer? {
        #if os(Linux)
        let regions = tables.compactMap(\.region)
        guard regions.reduce(0, { $0 + $1.bytes }) >= minimumBytes else { return nil }
        return PageWarmer(Work(regions: regions))
        #else
        return nil
        #endif
    }

    private init(_ work: Work) {
        self.work = work
        thread = WorkerThread { work.run() }
    }

    /// Stops the thread (after the slice it is in) and waits for it; later calls return at once.
    package func stop() {
        work.stopping.store(true, ordering: .relaxed)
        join()
    }

    /// Waits until every region is warmed (or the thread gave up).
    package func waitUntilDone() { join() }

    private func join() {
        guard !joined.exchange(true, ordering: .acquiringAndReleasing) else { return }
        thread.join()
    }

    deinit { stop() }

    /// What the thread works on.
    ///
    /// `@unchecked Sendable`: the regions are addresses only the thread uses, and only to
    /// name them to the kernel.
    private final class Work: @unchecked Sendable {
        let regions: [(base: UnsafeMutableRawPointer, bytes: Int)]
        let stopping = Atomic<Bool>(false)

        init(regions: [(base: UnsafeMutableRawPointer, bytes: Int)]) {
            self.regions = regions
        }

        func run() {
            #if os(Linux)
            // On Linux the nice value is the calling thread's (who 0), not the process's.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
            let slice = 2 << 20
            var done = [Int](repeating: 0, count: regions.count)
            var working = true
            while working, !stopping.load(ordering: .relaxed) {
                working = false
                for i in regions.indices where done[i] < regions[i].bytes {
                    let n = min(slice, regions[i].bytes - done[i])
                    // EINVAL: a kernel without it; anything else: stop too (nothing to gain).
                    guard madvise(regions[i].base + done[i], n, PageWarmer.populateWrite) == 0 else { return }
                    done[i] += n
                    working = true
                }
            }
            #endif
        }
    }

    /// The room below which a replay does not start a warmer. Measured with the generated years
    /// (docs/performance.md): no change in time for the 58 MB of a city's year (and 8 MB more
    /// memory); 12–17 % less for the 230 and 580 MB of 2 and 5 million tickets.
    package static let worthwhileBytes = 64 << 20

    /// `MADV_POPULATE_WRITE` (Linux 5.14), which older C headers lack.
    private static let populateWrite: Int32 = 23
}

/// A table's room beyond its elements, for ``PageWarmer``.
package struct PlainArrayRoom {
    /// Whole 2 MiB pages of the room, or `nil` when there are none.
    let region: (base: UnsafeMutableRawPointer, bytes: Int)?
}

extension PlainArray {
    /// The room this array has beyond its elements (see ``PageWarmer``).
    package var room: PlainArrayRoom {
        let (stride, page) = (MemoryLayout<Element>.stride, 2 << 20)
        guard let base = storage.base else { return PlainArrayRoom(region: nil) }
        let address = Int(bitPattern: UnsafeMutableRawPointer(base))
        let start = (address + storage.count * stride + page - 1) / page * page
        let end = (address + storage.capacity * stride) / page * page
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return PlainArrayRoom(region: nil) }
        return PlainArrayRoom(region: (first, end - start))
    }
}
