#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A block of whole lines read from a log and decoded, handed to the fold in file order.
///
/// `@unchecked Sendable`: a block moves between threads only through ``LogScan``'s monitor,
/// and exactly one thread (a worker filling it, then the consumer reading it) owns it at a time.
package final class ScannedBlock: @unchecked Sendable {
    private(set) var storage: UnsafeMutableRawBufferPointer
    /// Bytes of the block's lines (a final line without a newline only at the end of the file).
    package private(set) var count = 0
    /// File offset of the block's first byte.
    package private(set) var fileOffset: Int64 = 0
    /// One record per line, in order.
    package private(set) var events: [ScannedEvent] = []
    /// The problems of lines that did not decode, indexed by ``ScannedEvent/problem``.
    package private(set) var problems: [EventProblem] = []
    /// Set when a line of the block is longer than the scan's limit: the records stop before it.
    package private(set) var foundLongLine = false
    /// With ``LogScan/chainLinks``: the value each line stores in its chain member, one entry
    /// per record, when a line of the block is flagged ``ScannedEvent/Flags/chainLinked`` (else
    /// empty); an entry is meaningful only for a line with an intact member (see ``linkChain()``).
    private(set) var chainValues: [SHA256.Digest] = []
    /// The hashing room ``linkChain()`` uses, made when the block first holds chained lines.
    private var linkBatch: HashChain.Batch?
    /// ``linkChain()``'s lines to link and their links, kept from block to block.
    private var linkingLines: [LinkedLine] = []
    private var linkValues: [SHA256.Digest] = []

    init(capacity: Int) {
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// The block's bytes.
    package var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }

    /// Calls `body` with the records, to be changed in place.
    func withMutableEvents<R>(_ body: (UnsafeMutableBufferPointer<ScannedEvent>) -> R) -> R {
        events.withUnsafeMutableBufferPointer { body($0) }
    }

    /// Lines a block of a log of very short lines holds at most (see ``fill(from:maxLineBytes:carry:offset:bytesRead:end:denseLines:)``):
    /// a record is 96 bytes a line, so a 1 MiB block of 2-byte lines would need 48 MiB of them.
    static let denseLineLimit = 1 << 15

    /// Reads whole lines into the block: `carry` (the partial line left by the previous block)
    /// first, then the file, up to the last newline; whatever follows it becomes the new carry.
    /// With `denseLines` (the log's lines have been found very short: garbage, not events) the
    /// block stops after ``denseLineLimit`` lines, the rest carried over, so that the records of
    /// a block stay a few megabytes.
    /// - Returns: `false` at the end of the file with nothing left to hand out.
    /// - Throws: ``LineTooLong`` when the block would have to grow past `maxLineBytes` for one line.
    /// Reading stops at the file offset `end`.
    func fill(from input: LogBytes, maxLineBytes: Int, carry: inout [UInt8], offset: inout Int64,
              bytesRead: inout Int64, end: Int64 = .max, denseLines: Bool = false) throws -> Bool {
        var filled = carry.count
        // A block grown for a long line can leave a carry longer than another block holds.
        if carry.count > storage.count { grow(toHold: carry.count) }
        carry.withUnsafeBytes { storage.copyMemory(from: $0) }
        carry.removeAll(keepingCapacity: true)
        fileOffset = offset
        var atEnd = false
        var searchFrom = 0
        while true {
            while filled < storage.count {
                let want = Int(min(Int64(storage.count - filled), max(0, end - offset - Int64(filled))))
                let n = want == 0 ? 0 : try input.read(into: storage.baseAddress! + filled, count: want)
                if n == 0 { atEnd = true; break }
                filled += n
                bytesRead += Int64(n)
            }
            var last = filled - 1
            while last >= searchFrom && storage[last] != 0x0A { last -= 1 }
            if last >= searchFrom {
                count = last + 1
                if denseLines { count = min(count, endOfLine(Self.denseLineLimit, before: count)) }
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: storage[count..<filled]))
                break
            }
            if atEnd {
                count = filled
                break
            }
            // One line longer than the block: grow it and keep reading, up to the limit.
            if filled > maxLineBytes { throw LineTooLong() }
            searchFrom = filled
            grow(toHold: storage.count + 1)
        }
        offset += Int64(count)
        return count > 0
    }

    /// The offset just past the `n`th newline of the block's first `limit` bytes, or `limit` when
    /// they hold fewer.
    private func endOfLine(_ n: Int, before limit: Int) -> Int {
        guard let base = storage.baseAddress else { return limit }
        var position = 0, found = 0
        while found < n, position < limit, let newline = memchr(base + position, 0x0A, limit - position) {
            position = base.distance(to: newline) + 1
            found += 1
        }
        return found == n ? position : limit
    }

    /// Doubles the block's storage until it holds `bytes`, keeping what it holds.
    private func grow(toHold bytes: Int) {
        var size = max(storage.count, 1)
        while size < bytes { size *= 2 }
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        bigger.copyMemory(from: UnsafeRawBufferPointer(storage))
        storage.deallocate()
        storage = bigger
    }

    /// Decodes every line of the block, then (with `chainLinks`) reads every line's chain member
    /// and recomputes its link (see ``linkChain()``).
    func decode(with decoder: inout EventDecoder, hashIDs: Bool, chainLinks: Bool, maxLineBytes: Int) {
        decodeLines(with: &decoder, hashIDs: hashIDs, maxLineBytes: maxLineBytes)
        if chainLinks { linkChain() } else { chainValues.removeAll(keepingCapacity: true) }
    }

    /// Checks the chain of every line of the block that follows a chained line in it: computes
    /// its link from the value stored on the line before, the SHA-256 the verifier would
    /// otherwise compute in file order on its own thread, many lines at a time (see
    /// ``HashChain/Batch``), and flags the line ``ScannedEvent/Flags/chainLinked`` when the link
    /// is the value it stores. Only lines whose chain member is intact and last on the line take
    /// part; the verifier checks every other line itself, as it does a block's first line.
    ///
    /// The three steps are functions of their own taking the tables `inout` or as pointers: a
    /// closure that changed a local array captured it in a box whose every use was checked for
    /// exclusive access at run time (3 % of a chained `verify`'s samples).
    func linkChain() {
        var values: [SHA256.Digest] = [], linking: [LinkedLine] = [], links: [SHA256.Digest] = []
        var events: [ScannedEvent] = []
        swap(&values, &chainValues)
        swap(&linking, &linkingLines)
        swap(&links, &linkValues)
        swap(&events, &self.events)
        defer {
            swap(&values, &chainValues)
            swap(&linking, &linkingLines)
            swap(&links, &linkValues)
            swap(&events, &self.events)
        }
        let bytes = self.bytes
        events.withUnsafeBufferPointer { Self.storedValues($0, in: bytes, values: &values, linking: &linking) }
        guard !linking.isEmpty else {
            values.removeAll(keepingCapacity: true)
            return
        }
        var batch = linkBatch.take() ?? HashChain.Batch()
        links.removeAll(keepingCapacity: true)
        links.append(contentsOf: repeatElement(HashChain.genesis, count: linking.count))
        links.withUnsafeMutableBufferPointer { Self.hash(linking, values: values, in: bytes, batch: &batch, into: $0) }
        linkBatch = consume batch
        let linked = events.withUnsafeMutableBufferPointer { Self.flag($0, linking, links: links, values: values) }
        if linked == 0 { values.removeAll(keepingCapacity: true) }
    }

    /// A line whose link ``linkChain()`` computes: its record, and where in the block the body
    /// its link covers starts (the line's start) and how long it is (up to its chain member).
    struct LinkedLine {
        var record: Int32
        var bodyStart: Int32
        var bodyCount: Int32
    }

    /// Each record's stored chain value in `values` (none until a line has a member: a block of
    /// unchained lines costs a look at each line's end; genesis for a line without one), and the
    /// lines that follow a line with an intact member in `linking`.
    private static func storedValues(_ events: UnsafeBufferPointer<ScannedEvent>, in bytes: UnsafeRawBufferPointer,
                                     values: inout [SHA256.Digest], linking: inout [LinkedLine]) {
        values.removeAll(keepingCapacity: true)
        linking.removeAll(keepingCapacity: true)
        var previousSealed = false
        for j in events.indices {
            let line = events[j].line(in: bytes)
            guard let (bodyEnd, stored) = ChainMember.intactValue(of: line) else {
                if !values.isEmpty { values.append(HashChain.genesis) }
                previousSealed = false
                continue
            }
            if values.count < j { values.append(contentsOf: repeatElement(HashChain.genesis, count: j - values.count)) }
            values.append(stored)
            if previousSealed {
                let start = bytes.baseAddress.unsafelyUnwrapped.distance(to: line.baseAddress.unsafelyUnwrapped)
                linking.append(LinkedLine(record: Int32(j), bodyStart: Int32(start), bodyCount: Int32(bodyEnd)))
            }
            previousSealed = true
        }
    }

    /// The link of each line of `linking`, into `links` (by its place in `linking`).
    private static func hash(_ linking: [LinkedLine], values: [SHA256.Digest], in bytes: UnsafeRawBufferPointer,
                             batch: inout HashChain.Batch, into links: UnsafeMutableBufferPointer<SHA256.Digest>) {
        let base = bytes.baseAddress.unsafelyUnwrapped
        for k in linking.indices {
            let line = linking[k]
            let body = UnsafeRawBufferPointer(start: base + Int(line.bodyStart), count: Int(line.bodyCount))
            batch.add(line: k, previous: values[Int(line.record) - 1], body: body, settle: { links[$0] = $1 })
        }
        batch.finish { links[$0] = $1 }
    }

    /// Flags each line of `linking` whose link is the value it stores (and that decoded);
    /// returns how many.
    private static func flag(_ events: UnsafeMutableBufferPointer<ScannedEvent>, _ linking: [LinkedLine],
                             links: [SHA256.Digest], values: [SHA256.Digest]) -> Int {
        var linked = 0
        for k in linking.indices {
            let j = Int(linking[k].record)
            guard links[k] == values[j], events[j].problem < 0 else { continue }
            events[j].flags.insert(.chainLinked)
            linked += 1
        }
        return linked
    }

    /// Decodes every line of the block.
    private func decodeLines(with decoder: inout EventDecoder, hashIDs: Bool, maxLineBytes: Int) {
        // Work on local arrays: appending to a class's stored property checks exclusivity each time.
        var events: [ScannedEvent] = []
        var problems: [EventProblem] = []
        swap(&events, &self.events)
        swap(&problems, &self.problems)
        // Room kept from a block of very many short lines goes (see ``denseLineLimit``).
        let keep = events.capacity <= 2 * Self.denseLineLimit
        events.removeAll(keepingCapacity: keep)
        problems.removeAll(keepingCapacity: keep)
        defer {
            swap(&events, &self.events)
            swap(&problems, &self.problems)
        }
        foundLongLine = false
        guard count > 0 else { return }
        let base = UnsafeRawPointer(storage.baseAddress!)
        var lineStart = 0
        var dates = Timestamp.DateCache()
        // Only a block longer than the limit can hold a line longer than it.
        let checkLength = count > maxLineBytes
        while lineStart < count {
            // Nearly every line has the common shape, and most have its members in the order the
            // ledger writes them; the others take the general, validating path.
            if let (event, newline) = FlatLineDecoder.decodeInWriterOrder(base, start: lineStart, limit: count, hashIDs: hashIDs, dates: &dates)
                ?? FlatLineDecoder.decode(base, start: lineStart, limit: count, hashIDs: hashIDs, dates: &dates) {
                if checkLength && newline - lineStart > maxLineBytes {
                    foundLongLine = true
                    return
                }
                events.append(event)
                lineStart = newline + 1
                continue
            }
            let newline: Int
            if let hit = memchr(base + lineStart, 0x0A, count - lineStart) {
                newline = base.distance(to: UnsafeRawPointer(hit))
            } else {
                newline = count
            }
            if newline - lineStart > maxLineBytes {
                foundLongLine = true
                return
            }
            let line = UnsafeRawBufferPointer(start: base + lineStart, count: newline - lineStart)
            var record = ScannedEvent(lineStart: Int32(truncatingIfNeeded: lineStart), lineLength: Int32(truncatingIfNeeded: line.count))
            if newline == count {
                record.problem = Int32(problems.count)
                problems.append(.tornTail(byteCount: line.count))
            } else {
                do throws(EventProblem) {
                    let raw = try decoder.decode(line)
                    record = ScannedEvent(raw, lineStart: lineStart, lineLength: line.count, line: line, hashIDs: hashIDs)
                } catch {
                    record.problem = Int32(problems.count)
                    problems.append(error)
                }
            }
            events.append(record)
            lineStart = newline + 1
        }
    }
}

/// Reads a log in blocks of whole lines and decodes them on worker threads, handing the
/// blocks to the caller in file order on the calling thread.
///
/// Memory is bounded by a small pool of blocks (workers + 2), whatever the log's length.
/// With `workers == 0` the calling thread reads and decodes too (no threads at all).
package struct LogScan {
    package var path: String
    /// Where to start reading (a line boundary).
    package var start: Int64 = 0
    /// Decoding threads; 0 decodes on the calling thread.
    package var workers = 2
    /// Bytes per block (a longer line grows its block).
    package var blockSize = 1 << 20
    /// Whether to compute ``ScannedEvent/idHash`` (for duplicate-id checks).
    package var hashIDs = false
    /// Whether to read each line's chain member and recompute its link on the workers (for
    /// verifying the hash chain; see ``ScannedBlock/linkChain()``).
    package var chainLinks = false
    /// The longest line accepted (bytes, without the newline); a longer one ends the scan with
    /// a ``LogFileError`` after the blocks before it.
    package var maxLineBytes = LogInput.defaultMaxLineBytes
    /// The number of the first line read (for the message about a line too long).
    package var firstLineNumber = 1
    /// Where to stop reading (see ``LogSnapshot``); the end of the file by default.
    package var end: Int64 = .max
    /// Where the bytes come from when the log is not a file (``path`` then only names it).
    package var source: (any LogByteSource)?

    /// Two decoding threads when the machine has two processors or more, else one.
    package static var defaultWorkers: Int { min(WorkerThread.processorCount, 2) }

    /// Decoding threads that leave a processor to the calling thread (one on two processors,
    /// two from three on), for a scan whose calling thread has about as much to do a line as a
    /// decoder: `verify` of a log without chain links to hash. With a decoder more than that,
    /// the calling thread, which checks every line in order, shares its processor. The
    /// generated year on two processors, 12 alternating rounds: median 676 → 562 ms, CPU 1,085
    /// → 979 ms; the province's year, 3 rounds: 7,988 → 7,128 ms. A chained log's decoders hash
    /// every line, and two of them are faster there (816 against 979 ms).
    package static var workersBesideCallingThread: Int { max(1, min(WorkerThread.processorCount - 1, 2)) }

    /// How many nice levels below the calling thread the decoding threads run (Linux).
    ///
    /// The calling thread takes the blocks in file order, and the decoders can work ahead of it
    /// (into the pool of blocks): when there are more threads than processors, the processor
    /// should go to the calling thread first. At the same priority the decoders kept preempting
    /// it and then waited for free blocks while it caught up. Two processors, alternating runs:
    /// the province's replay 4,225 → 3,677 ms median (6 rounds), the year's 430 → 405 ms, its
    /// verify 506 → 449 ms (12 rounds); 3 did as well as 6 or 10.
    static let workerNiceness: Int32 = 3

    package init(path: String, start: Int64 = 0, workers: Int = 2) {
        self.path = path
        self.start = start
        self.workers = workers
    }

    /// Calls `body` with every block in file order.
    /// - Parameter then: A second stage, called with every block in file order after `body`
    ///   is done with it, one block at a time, on whichever decoding thread is free (on the
    ///   calling thread when there are none), so that the calling thread can go on to the
    ///   next block meanwhile. Whatever `body` wrote into a block is seen by `then`, and each
    ///   call sees what the one before it did. When `run` returns, `then` has had every block;
    ///   when it throws, maybe not the last ones; either way no call is still running.
    /// - Returns: The number of bytes read.
    /// - Throws: ``LogFileError`` if the file cannot be read, is not a regular file (a path
    ///   other than `-`) or has a line longer than ``maxLineBytes``, or what `body` throws.
    @discardableResult
    package func run(_ body: (ScannedBlock) throws -> Void, then: (@Sendable (ScannedBlock) -> Void)? = nil) throws -> Int64 {
        let input: LogBytes
        // A stream is read ahead on a thread of its own (the server keeps sending while the
        // blocks before are decoded and folded), and that thread is stopped before this returns.
        var readAhead: ReadAheadSource?
        defer { readAhead?.finish() }
        if let source {
            let ahead = ReadAheadSource(source)
            readAhead = ahead
            input = .stream(ahead)
        } else {
            let fd: Int32 = path == "-" ? 0 : try LogInput.openRegularFile(path)
            input = .file(fd, path: path)
            if start > 0, lseek(fd, off_t(start), SEEK_SET) < 0 {
                if fd != 0 { close(fd) }
                throw LogFileError.system(path, "seek")
            }
        }
        defer { if case .file(let fd, _) = input, fd != 0 { close(fd) } }
        var lines = 0
        // The blocks before a long line are handed out; the line is reported with its number.
        func handOut(_ block: ScannedBlock) throws {
            try body(block)
            lines += block.events.count
            if block.foundLongLine { throw LogInput.lineTooLong(path, line: firstLineNumber + lines, limit: maxLineBytes) }
        }
        do {
            if workers <= 0 {
                return try runInline(input) { block in
                    try handOut(block)
                    then?(block)
                }
            }
            // Blocks waiting for the second stage or in it are out of the pool too.
            let state = ScanState(input: input, offset: start, end: end, blocks: workers + (then == nil ? 2 : 4),
                                  blockSize: blockSize, hashIDs: hashIDs, chainLinks: chainLinks, maxLineBytes: maxLineBytes,
                                  then: then)
            let threads = (0..<workers).map { _ in
                WorkerThread {
                    WorkerThread.lowerCallingThreadPriority(by: Self.workerNiceness)
                    state.work()
                }
            }
            defer {
                state.cancel()
                for thread in threads { thread.join() }
            }
            var index = 0
            while let block = try state.next(index) {
                try handOut(block)
                if then != nil { state.stage(block, index) } else { state.recycle(block) }
                index += 1
            }
            if then != nil { state.waitForStage(through: index) }
            return state.bytesReadSoFar
        } catch is LineTooLong {
            throw LogInput.lineTooLong(path, line: firstLineNumber + lines, limit: maxLineBytes)
        }
    }

    private func runInline(_ input: LogBytes, _ body: (ScannedBlock) throws -> Void) throws -> Int64 {
        let block = ScannedBlock(capacity: blockSize)
        var decoder = EventDecoder()
        var carry: [UInt8] = []
        var offset = start
        var bytesRead: Int64 = 0
        var dense = false
        while try block.fill(from: input, maxLineBytes: maxLineBytes, carry: &carry, offset: &offset, bytesRead: &bytesRead,
                             end: end, denseLines: dense) {
            block.decode(with: &decoder, hashIDs: hashIDs, chainLinks: chainLinks, maxLineBytes: maxLineBytes)
            dense = dense || block.events.count > ScannedBlock.denseLineLimit
            try body(block)
        }
        return bytesRead
    }
}

/// What the scan's threads share; every stored property is guarded by `monitor`.
///
/// `@unchecked Sendable`: all access goes through `monitor.locked`, except a worker's decoding
/// of a block it has taken out of the shared state, or its second stage of a block (no other
/// thread can reach the block then, and only one block is in the second stage at a time).
private final class ScanState: @unchecked Sendable {
    /// The consumer (the calling thread) waits on condition ``consumer`` for its next block or
    /// the second stage's progress; the workers wait on ``workers`` for something to do.
    let monitor = Monitor(conditions: 2)
    static let consumer = 0, workers = 1
    let input: LogBytes
    let hashIDs: Bool
    let chainLinks: Bool
    let maxLineBytes: Int
    let end: Int64
    var carry: [UInt8] = []
    var offset: Int64
    var bytesRead: Int64 = 0
    var nextIndex = 0
    /// The number of blocks, once the end of the file (or an error) is reached.
    var endIndex: Int?
    /// Whether a worker is filling a block (outside the lock; see ``work()``).
    var reading = false
    /// Whether a block held more than ``ScannedBlock/denseLineLimit`` lines: the blocks read
    /// after it stop at that many.
    var denseLines = false
    var error: (any Error)?
    var cancelled = false
    var ready: [Int: ScannedBlock] = [:]
    var free: [ScannedBlock]
    /// The second stage (see ``LogScan/run(_:then:)``), the blocks handed to it by index, the
    /// index of the next block it takes, and whether a thread is in it.
    let then: (@Sendable (ScannedBlock) -> Void)?
    var staged: [Int: ScannedBlock] = [:]
    var nextStaged = 0
    var inStage = false

    init(input: LogBytes, offset: Int64, end: Int64, blocks: Int, blockSize: Int, hashIDs: Bool, chainLinks: Bool,
         maxLineBytes: Int, then: (@Sendable (ScannedBlock) -> Void)?) {
        self.then = then
        self.input = input
        self.chainLinks = chainLinks
        self.end = end
        self.offset = offset
        self.hashIDs = hashIDs
        self.maxLineBytes = maxLineBytes
        free = (0..<blocks).map { _ in ScannedBlock(capacity: blockSize) }
    }

    /// The bytes read, once the workers have stopped reading.
    var bytesReadSoFar: Int64 { monitor.locked { bytesRead } }

    /// What a worker does next.
    private enum Job {
        case fill(ScannedBlock, index: Int, denseLines: Bool)
        case secondStage(ScannedBlock)
    }

    /// A worker: take the next block of the second stage when there is one and no other thread
    /// is in it; else, when no other worker is reading, take a free block, fill it, decode it,
    /// publish it. Reads are serialised (each block starts where the one before ended) but done
    /// outside the lock, so that the other threads can hand blocks over meanwhile.
    /// Without a second stage it returns at the end of the input; with one, when cancelled.
    func work() {
        var decoder = EventDecoder()
        while true {
            let job: Job? = monitor.locked {
                while true {
                    if cancelled { return nil }
                    if !inStage, let block = staged.removeValue(forKey: nextStaged) {
                        inStage = true
                        return .secondStage(block)
                    }
                    if endIndex == nil, !reading, !free.isEmpty { break }
                    if endIndex != nil, then == nil { return nil }
                    monitor.wait(Self.workers)
                }
                reading = true
                let index = nextIndex
                nextIndex += 1
                return .fill(free.removeLast(), index: index, denseLines: denseLines)
            }
            switch job {
            case nil:
                // Cancelled, or the end of the input: with a second stage, stay for its blocks
                // until cancelled.
                guard then != nil, !monitor.locked({ cancelled }) else { return }
            case .fill(let block, let index, let dense):
                // Only the reading worker touches the carry, the offset and the count of bytes
                // read until it clears `reading` (under the lock, which orders the next reader after it).
                let filled: Bool
                var failure: (any Error)?
                do {
                    filled = try block.fill(from: input, maxLineBytes: maxLineBytes, carry: &carry, offset: &offset,
                                            bytesRead: &bytesRead, end: end, denseLines: dense)
                } catch {
                    filled = false
                    failure = error
                }
                guard filled else {
                    monitor.locked {
                        reading = false
                        if let failure { self.error = failure }
                        free.append(block)
                        endIndex = index
                        nextIndex = index
                        monitor.broadcastAll()
                    }
                    continue
                }
                monitor.locked {
                    reading = false
                    monitor.broadcast(Self.workers)
                }
                block.decode(with: &decoder, hashIDs: hashIDs, chainLinks: chainLinks, maxLineBytes: maxLineBytes)
                let manyLines = block.events.count > ScannedBlock.denseLineLimit
                monitor.locked {
                    if manyLines { denseLines = true }
                    ready[index] = block
                    monitor.broadcast(Self.consumer)
                }
            case .secondStage(let block):
                then!(block)
                monitor.locked {
                    inStage = false
                    nextStaged += 1
                    free.append(block)
                    monitor.broadcastAll()
                }
            }
        }
    }

    /// Hands block `index`, which the calling thread is done with, to the second stage.
    func stage(_ block: ScannedBlock, _ index: Int) {
        monitor.locked {
            staged[index] = block
            monitor.broadcast(Self.workers)
        }
    }

    /// Waits until the second stage is done with the blocks before `end`.
    func waitForStage(through end: Int) {
        monitor.locked {
            while nextStaged < end { monitor.wait(Self.consumer) }
        }
    }

    /// The block `index`, waiting for it; `nil` after the last one.
    func next(_ index: Int) throws -> ScannedBlock? {
        try monitor.locked {
            while true {
                if let block = ready.removeValue(forKey: index) { return block }
                if let end = endIndex, index >= end {
                    if let error { throw error }
                    return nil
                }
                monitor.wait(Self.consumer)
            }
        }
    }

    func recycle(_ block: ScannedBlock) {
        monitor.locked {
            free.append(block)
            monitor.broadcast(Self.workers)
        }
    }

    func cancel() {
        monitor.locked {
            cancelled = true
            monitor.broadcastAll()
        }
    }
}
