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
/// never changes what memory holds: a page already present is left as it is), a slice of each
/// table in turn, keeping ``lead`` tickets ahead of the tickets the fold has reached (``advance(tickets:keyBytes:)``),
/// so that room reserved for tickets that never come is not made present. A table of ticket ids
/// (``PlainArrayRoom/pacedByKeyBytes()``) is paced by the bytes of the ids it holds, not by a
/// reserved length a ticket, so that ids shorter than that reservation do not have room warmed
/// that they never take. At the lowest
/// priority, it takes only time the replay's threads leave idle.
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

    /// How many tickets ahead of the fold the warmer works (about 12 MB of a replay's tables).
    package static let lead = 1 << 17

    /// Starts warming the room of `tables` beyond their elements, when there is at least
    /// `minimumBytes` of it; `nil` (nothing started) otherwise or where it cannot be done.
    package static func start(_ tables: [PlainArrayRoom], minimumBytes: Int) -> PageWarmer? {
        #if os(Linux)
        let regions = tables.filter { $0.region != nil }
        guard regions.reduce(0, { $0 + $1.region!.bytes }) >= minimumBytes else { return nil }
        return PageWarmer(Work(tables: regions))
        #else
        return nil
        #endif
    }

    private init(_ work: Work) {
        self.work = work
        thread = WorkerThread { work.run() }
    }

    /// Tells the warmer how many tickets the tables hold now, and how many bytes of ids the
    /// tables paced by key bytes hold.
    package func advance(tickets: Int, keyBytes: Int) {
        work.keyBytes.store(keyBytes, ordering: .relaxed)
        work.tickets.store(tickets, ordering: .relaxed)
    }

    /// Stops the thread (after the slice it is in) and waits for it; later calls return at once.
    package func stop() {
        work.stopping.store(true, ordering: .relaxed)
        join()
    }

    /// Waits until every region is warmed (or the thread gave up); only after
    /// ``advance(tickets:keyBytes:)`` named enough tickets for all of them.
    package func waitUntilDone() { join() }

    private func join() {
        guard !joined.exchange(true, ordering: .acquiringAndReleasing) else { return }
        thread.join()
    }

    deinit { stop() }

    /// What the thread works on.
    ///
    /// `@unchecked Sendable`: the tables' addresses are only used by the thread, and only to
    /// name memory to the kernel.
    private final class Work: @unchecked Sendable {
        let tables: [PlainArrayRoom]
        let stopping = Atomic<Bool>(false)
        let tickets = Atomic<Int>(0)
        let keyBytes = Atomic<Int>(0)

        init(tables: [PlainArrayRoom]) {
            self.tables = tables
        }

        func run() {
            #if os(Linux)
            // The lowest priority there is (nice 19, from any nice value: they span -20 to 19).
            WorkerThread.lowerCallingThreadPriority(by: 39)
            let slice = 2 << 20
            var done = [Int](repeating: 0, count: tables.count)
            while !stopping.load(ordering: .relaxed) {
                let (held, keys) = (tickets.load(ordering: .relaxed), keyBytes.load(ordering: .relaxed))
                var worked = false, finished = true
                for (i, table) in tables.enumerated() {
                    let region = table.region!
                    guard done[i] < region.bytes else { continue }
                    finished = false
                    // The bytes of the table the tickets held and the lead take.
                    let filled = table.fillsByKeyBytes ? keys : held * table.bytesPerTicket
                    let wanted = min(table.origin + filled + PageWarmer.lead * table.bytesPerTicket - Int(bitPattern: region.base),
                                     region.bytes)
                    guard done[i] < wanted else { continue }
                    let n = min(slice, region.bytes - done[i])
                    // EINVAL: a kernel without it; anything else: stop too (nothing to gain).
                    guard madvise(region.base + done[i], n, SystemCall.populateWrite) == 0 else { return }
                    done[i] += n
                    worked = true
                }
                if finished { return }
                if !worked { usleep(1_000) }
            }
            #endif
        }
    }

    /// The room below which a replay does not start a warmer. Measured with the generated years
    /// (docs/performance.md): no change in time for the 58 MB of a city's year (and 8 MB more
    /// memory); 12–17 % less for the 230 and 580 MB of 2 and 5 million tickets.
    package static let worthwhileBytes = 64 << 20
}

/// A table's room beyond its elements, for ``PageWarmer``.
package struct PlainArrayRoom {
    /// Whole 2 MiB pages of the room, or `nil` when there are none.
    let region: (base: UnsafeMutableRawPointer, bytes: Int)?
    /// The address of the table's first element.
    let origin: Int
    /// The table's bytes per ticket (for a table paced by key bytes, the room reserved a ticket).
    let bytesPerTicket: Int
    /// Whether the table fills by the bytes of the ticket ids, which ``PageWarmer/advance(tickets:keyBytes:)``
    /// reports, rather than by ``bytesPerTicket`` a ticket.
    var fillsByKeyBytes = false

    /// This room for a table that holds `bytes` bytes a ticket (not one element a ticket).
    package func holding(bytesPerTicket bytes: Int) -> PlainArrayRoom {
        PlainArrayRoom(region: region, origin: origin, bytesPerTicket: bytes, fillsByKeyBytes: fillsByKeyBytes)
    }

    /// This room for a table of key bytes, filled as far as ``PageWarmer/advance(tickets:keyBytes:)``
    /// says (its lead still ``PageWarmer/lead`` tickets of ``bytesPerTicket``).
    package func pacedByKeyBytes() -> PlainArrayRoom {
        PlainArrayRoom(region: region, origin: origin, bytesPerTicket: bytesPerTicket, fillsByKeyBytes: true)
    }
}

extension PlainArray {
    /// The room this array has beyond its elements, an element a ticket (see ``PageWarmer``).
    package var room: PlainArrayRoom {
        let (stride, page) = (MemoryLayout<Element>.stride, 2 << 20)
        guard let base = storage.base else { return PlainArrayRoom(region: nil, origin: 0, bytesPerTicket: stride) }
        let address = Int(bitPattern: UnsafeMutableRawPointer(base))
        let start = (address + storage.count * stride + page - 1) / page * page
        let end = (address + storage.capacity * stride) / page * page
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else {
            return PlainArrayRoom(region: nil, origin: address, bytesPerTicket: stride)
        }
        return PlainArrayRoom(region: (first, end - start), origin: address, bytesPerTicket: stride)
    }
}
