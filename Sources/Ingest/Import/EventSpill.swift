#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rows made into events, kept on disk instead of in memory once there are many of them, so
/// that an import's memory is bounded by its tickets, not its rows.
///
/// Exports are not sorted, so no ticket's events can be written before the last row is read.
/// Every ``ImportState/spillThreshold`` events, the events in memory are written to an
/// unlinked temporary file, grouped by partition: a range of ``defaultTicketsPerPartition`` ticket
/// numbers (tickets are numbered in order of their first row). At the end, each partition is
/// read back, sorted and handed on in turn: the same order as sorting everything in memory, with
/// one partition's events in memory at a time.
final class EventSpill {
    /// Tickets per partition by default: 16,384 tickets of ~5 rows are ~4.5 MiB of events in memory.
    static let defaultTicketsPerPartition = 1 << 14
    let ticketsPerPartition: Int
    private let fd: Int32
    private var length: Int64 = 0
    /// Each partition's runs in the file (byte offset, event count).
    private var runs: [[(offset: Int64, count: Int)]] = []
    /// Events written.
    private(set) var eventCount = 0

    var partitionCount: Int { runs.count }

    /// Creates the file in `TMPDIR` (else `/tmp`) and unlinks it at once.
    init(ticketsPerPartition: Int = EventSpill.defaultTicketsPerPartition) throws(ImportError) {
        self.ticketsPerPartition = max(1, ticketsPerPartition)
        var dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        if dir.isEmpty { dir = "/tmp" }
        var template = Array((dir + "/ledger-import-spill-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw .file(path: dir, message: "cannot create a temporary file for the import's rows: \(String(cString: strerror(errno)))")
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Writes `events` grouped by partition and empties it (keeping its capacity).
    func write(_ events: inout [PendingEvent]) throws(ImportError) {
        guard !events.isEmpty else { return }
        var maxTicket: Int32 = 0
        for e in events where e.ticket > maxTicket { maxTicket = e.ticket }
        let partitions = Int(maxTicket) / ticketsPerPartition + 1
        if runs.count < partitions { runs += Array(repeating: [], count: partitions - runs.count) }
        // A counting sort by partition (stable: row order within a partition is kept).
        var starts = [Int](repeating: 0, count: partitions + 1)
        for e in events { starts[Int(e.ticket) / ticketsPerPartition + 1] += 1 }
        for p in 0..<partitions { starts[p + 1] += starts[p] }
        var next = starts
        let stride = MemoryLayout<PendingEvent>.stride
        let grouped = [PendingEvent](unsafeUninitializedCapacity: events.count) { buffer, count in
            for e in events {
                let p = Int(e.ticket) / ticketsPerPartition
                (buffer.baseAddress! + next[p]).initialize(to: e)
                next[p] += 1
            }
            count = events.count
        }
        for p in 0..<partitions where starts[p + 1] > starts[p] {
            let n = starts[p + 1] - starts[p]
            try grouped.withUnsafeBytes { bytes in
                Result { () throws(ImportError) in
                    try pwriteAll(UnsafeRawBufferPointer(rebasing: bytes[starts[p] * stride..<starts[p + 1] * stride]), at: length)
                }
            }.get()
            runs[p].append((length, n))
            length += Int64(n * stride)
        }
        eventCount += events.count
        events.removeAll(keepingCapacity: true)
    }

    /// The events of partition `p`, in the order they were written.
    func read(partition p: Int) throws(ImportError) -> [PendingEvent] {
        let total = runs[p].reduce(0) { $0 + $1.count }
        let stride = MemoryLayout<PendingEvent>.stride
        var failure: ImportError?
        let events = [PendingEvent](unsafeUninitializedCapacity: total) { buffer, count in
            var filled = 0
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for run in runs[p] {
                let bytes = run.count * stride
                var done = 0
                while done < bytes {
                    let n = pread(fd, raw.baseAddress! + filled * stride + done, bytes - done, off_t(run.offset) + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 {
                        failure = .file(path: "(temporary file)", message: "cannot read back the import's rows: \(n < 0 ? String(cString: strerror(errno)) : "short read")")
                        count = filled
                        return
                    }
                    done += n
                }
                filled += run.count
            }
            count = filled
        }
        if let failure { throw failure }
        return events
    }

    private func pwriteAll(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(ImportError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw .file(path: "(temporary file)", message: "cannot write the import's rows to a temporary file: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }
}
