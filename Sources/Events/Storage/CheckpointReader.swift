#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The span of instants a log line can name, in nanoseconds, bounds excluded: the years
/// `Timestamp` accepts (``Timestamp/supportedYears``, 1678–2261) at any UTC offset, that is
/// from 1677-12-31 to 2262-01-02 UTC. Stored times outside it, other than the `.min` "none"
/// marker, are damage (and near `Int64.min` they would overflow the day arithmetic). (It
/// ended at 2261-07-15 and began at 1678-06-18: a state or checkpoint of a log with a time
/// between those and the years' ends was refused as damaged.)
package let checkpointEarliestTime: Int64 = -9_214_646_400_000_000_000
package let checkpointLatestTime: Int64 = 9_214_732_800_000_000_000

/// A range check run over a table's elements while ``CheckpointReader`` reads them: `visit`
/// is called with consecutive runs of whole elements (of one half of the table, for a copy of
/// the check), and `merge` adds what a copy that visited the second half found.
package protocol CheckpointCheck: Sendable {
    associatedtype Element: BitwiseCopyable & Sendable
    mutating func visit(_ elements: UnsafeBufferPointer<Element>)
    mutating func merge(_ other: Self)
}

/// No check.
package struct NoCheck<Element: BitwiseCopyable & Sendable>: CheckpointCheck {
    package init() {}
    package func visit(_ elements: UnsafeBufferPointer<Element>) {}
    package func merge(_ other: Self) {}
}

/// How a large table enters a checkpoint's checksum: its two halves (split between elements)
/// are hashed separately, and the table's digest is the XXH64 of the two hashes. The file's
/// checksum then covers every byte of the table, and a reader can read, hash and check the two
/// halves on two threads.
package enum CheckpointTable {
    /// Where the second half of a table of `count` bytes of `stride`-byte elements starts.
    static func split(_ count: Int, stride: Int) -> Int { count / max(stride, 1) / 2 * stride }

    /// Tables of at least this many bytes start at a multiple of ``alignment`` in the file, so
    /// that they can be mapped (smaller ones are always read; the padding costs at most a
    /// quarter of such a table).
    package static let mappable = 16 << 10
    /// The page size of the machines that map tables (elsewhere tables are read).
    package static let alignment = 4096

    /// The zero bytes before a table of `bytes` bytes whose count ends at `position`: up to a
    /// multiple of ``alignment`` for a ``mappable`` table, else none.
    static func padding(at position: Int64, before bytes: Int) -> Int {
        guard bytes >= mappable else { return 0 }
        return Int((Int64(alignment) - position % Int64(alignment)) % Int64(alignment))
    }

    static func combine(_ first: UInt64, _ second: UInt64) -> UInt64 {
        withUnsafeBytes(of: (first.littleEndian, second.littleEndian)) { XXH64.hash($0) }
    }

    /// The digest of a table's bytes.
    package static func digest(_ bytes: UnsafeRawBufferPointer, stride: Int) -> UInt64 {
        let half = split(bytes.count, stride: stride)
        return combine(XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[..<half])),
                       XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[half...]), seed: 1))
    }
}

/// Reads what ``CheckpointWriter`` wrote, checking every count against the bytes left and
/// (``finish()``) the checksum of the whole file.
///
/// The file is read: every byte is copied into memory the process owns (`pread`), so a file
/// cut short or rewritten while it is read gives a short read and an error, never a signal.
/// Large tables are read straight into their arrays in chunks that are hashed while they are
/// in cache, their two halves on two threads; the scalars and small arrays come through a
/// buffer. The exception, for short-lived processes: after ``mapTables()`` succeeds, the file is
/// under a read lease (nobody can write it or cut it short) and large tables are mapped, then
/// hashed and checked in the same way.
package struct CheckpointReader {
    private let fd: Int32
    /// Bytes before the 8-byte checksum.
    private let contentSize: Int64
    /// Bytes handed out so far.
    private var offset: Int64 = 0
    /// The file position of the next `pread`.
    private var filePosition: Int64 = 0
    /// Bytes read ahead; they enter the checksum when they are handed out.
    private var buffer: [UInt8]
    private var bufferStart = 0, bufferEnd = 0
    private var checksum = XXH64()
    private static let bufferSize = 64 << 10
    private static let chunkSize = 256 << 10
    /// Tables at least this large are read on two threads (by a reader of the whole file; see
    /// ``splitsTables``).
    private static let parallelTable = 1 << 20
    /// Whether a large table's halves are read on two threads. A section's reader does not
    /// split them: its section is read beside another one, which keeps the second processor busy.
    private var splitsTables = true

    /// The lease under which large tables are mapped (see ``mapTables()``), or `nil`: they are read.
    package private(set) var lease: CheckpointLease?

    private var remaining: Int64 { contentSize - offset }

    package init(fd: Int32, size: Int64) throws {
        guard size >= 8 else { throw CheckpointError("damaged (cut short)") }
        self.fd = fd
        contentSize = size - 8
        buffer = [UInt8](repeating: 0, count: Self.bufferSize)
    }

    /// A reader of the bytes `range` of the same file (a section), with a checksum of its own,
    /// mapping large tables when `lease` is given.
    private init(fd: Int32, section range: Range<Int64>, lease: CheckpointLease?) {
        self.fd = fd
        contentSize = range.upperBound
        offset = range.lowerBound
        filePosition = range.lowerBound
        buffer = [UInt8](repeating: 0, count: Self.bufferSize)
        self.lease = lease
        splitsTables = false
    }

    /// Reads two sections that ``CheckpointWriter/writeSection(_:)`` wrote one after the other:
    /// `first` on this thread and, at the same time, `second` on another, each with a reader of
    /// its own that ends where its section ends and hashes it on its own. Their lengths and
    /// checksums then enter this reader's checksum in file order, as the writer hashed them, so
    /// ``finish()`` checks every byte of both. What the two return is not to be used unless the
    /// file's checksum matches. When both throw, the first section's error is the one thrown.
    package mutating func readSections<A, B: Sendable>(_ first: (inout CheckpointReader) throws -> A,
                                                       _ second: @escaping @Sendable (inout CheckpointReader) throws -> B) throws -> (A, B) {
        // (The buffer's bytes after the first length are read again by the sections' readers.)
        let firstLength = try read(Int64.self)
        guard firstLength >= 0, firstLength <= remaining - 8 else { throw CheckpointError("damaged (section length)") }
        let firstRange = offset..<(offset + firstLength)
        let (fd, lease) = (fd, lease)
        var secondLength: Int64 = 0
        try withUnsafeMutableBytes(of: &secondLength) { try Self.readFully(fd, into: $0.baseAddress!, count: 8, at: firstRange.upperBound) }
        secondLength = Int64(littleEndian: secondLength)
        guard secondLength >= 0, secondLength <= contentSize - firstRange.upperBound - 8 else {
            throw CheckpointError("damaged (section length)")
        }
        let secondRange = (firstRange.upperBound + 8)..<(firstRange.upperBound + 8 + secondLength)

        let outcome = SectionOutcome<B>()
        let worker = WorkerThread {
            outcome.value = Result { try Self.readSection(fd: fd, secondRange, lease: lease, second) }
        }
        let firstOutcome = Result { try Self.readSection(fd: fd, firstRange, lease: lease, first) }
        worker.join()
        let (a, firstDigest) = try firstOutcome.get()
        let (b, secondDigest) = try outcome.value.get()
        // This reader's checksum took the first length (`read`); then the rest, as written.
        for word in [firstDigest, UInt64(bitPattern: secondLength), secondDigest] {
            withUnsafeBytes(of: word.littleEndian) { checksum.update($0) }
        }
        offset = secondRange.upperBound
        (filePosition, bufferStart, bufferEnd) = (offset, 0, 0)
        return (a, b)
    }

    /// What `body` reads from the section `range`, which it must read to its end, and the
    /// section's checksum.
    private static func readSection<Value>(fd: Int32, _ range: Range<Int64>, lease: CheckpointLease?,
                                           _ body: (inout CheckpointReader) throws -> Value) throws -> (Value, UInt64) {
        var reader = CheckpointReader(fd: fd, section: range, lease: lease)
        let value = try body(&reader)
        guard reader.isAtEnd else { throw CheckpointError("damaged (section end)") }
        return (value, reader.checksum.finalize())
    }

    /// What the thread reading a second section found: written by it, read only after it was joined.
    private final class SectionOutcome<Value>: @unchecked Sendable {
        var value: Result<(Value, UInt64), any Error> = .failure(CheckpointError("damaged (section)"))
    }

    /// From now on, maps large tables instead of reading them, when the file can be leased
    /// (``CheckpointLease``): for a process that is done with the tables well within the
    /// system's lease-break time, and checks ``CheckpointLease/isHeld`` at the end.
    /// - Returns: Whether the file is leased (else tables are read, as before).
    package mutating func mapTables() -> Bool {
        guard lease == nil else { return true }
        lease = CheckpointLease.take(on: fd)
        // The file cannot change now; it must still be as long as when it was opened (a
        // mapped page past its end would be SIGBUS). Else it is read, and found cut short.
        var st = stat()
        if lease != nil && (fstat(fd, &st) != 0 || Int64(st.st_size) != contentSize + 8) { lease = nil }
        return lease != nil
    }

    package mutating func read<T: BitwiseCopyable>(_: T.Type) throws -> T {
        try take(MemoryLayout<T>.size).loadUnaligned(as: T.self)
    }

    package mutating func readString() throws -> String {
        let count = try read(Int64.self)
        guard count >= 0, count <= min(remaining, 1 << 15) else { throw CheckpointError("damaged (string length)") }
        return String(decoding: try take(Int(count)), as: UTF8.self)
    }

    /// Reads an array, with room for `spare` more elements (so that growing it right after
    /// loading does not copy it).
    package mutating func readArray<T: BitwiseCopyable>(_: T.Type, spare: Int = 0) throws -> [T] {
        let count = try readCount(of: T.self)
        // No room asked for: the empty array, not `unsafeUninitializedCapacity: 0`, which writes
        // its count into the empty array's storage that every thread shares.
        guard count + spare > 0 else { return [] }
        return try [T](unsafeUninitializedCapacity: count + spare) { buffer, initialized in
            initialized = 0
            if count > 0 { try copy(into: UnsafeMutableRawPointer(buffer.baseAddress!), count: count * MemoryLayout<T>.stride) }
            initialized = count
        }
    }

    /// Reads a table written by ``CheckpointWriter/write(plain:)`` into memory of its own,
    /// with room to grow by a quarter (the tail a resumed replay adds) without moving.
    package mutating func readPlainArray<T>(_: T.Type) throws -> PlainArray<T> {
        var check = NoCheck<T>()
        return try readPlainArray(checking: &check)
    }

    /// Reads a table like ``readPlainArray(_:)``, running `check` over its elements as they
    /// are read (a chunk at a time, while they are in cache; each half of a large table with a
    /// copy of `check` on its own thread, the two then merged). Under a ``lease`` a large
    /// `mappable` table is mapped instead (and hashed and checked the same way).
    /// - Parameter mappable: `false` for a table written at random (a hash table's slots): each
    ///   page written would be copied, one fault at a time, which costs more than reading it.
    package mutating func readPlainArray<C: CheckpointCheck>(checking check: inout C, mappable: Bool = true) throws
    -> PlainArray<C.Element> {
        let count = try readCount(of: C.Element.self)
        let stride = MemoryLayout<C.Element>.stride
        let bytes = count * stride
        _ = try take(CheckpointTable.padding(at: offset, before: bytes))
        guard bytes <= remaining else { throw CheckpointError("damaged (array length)") }
        // The read-ahead is dropped (it was not hashed yet): the table is read from the file.
        (bufferStart, bufferEnd) = (0, 0)
        let position = offset
        var digest: UInt64 = 0
        var merged = check
        let array: PlainArray<C.Element>
        // (A file system that cannot map the file has it read instead.)
        if mappable && lease != nil && bytes >= CheckpointTable.mappable && position % Int64(SystemCall.pageSize) == 0,
           let mapped = try? PlainArray<C.Element>(mapping: fd, offset: position, count: count), let base = mapped.unsafeBase {
            array = mapped
            digest = try hash(UnsafeMutableRawBufferPointer(start: base, count: bytes), at: position, stride: stride,
                              checking: &merged, reading: false)
        } else {
            array = try PlainArray<C.Element>(count: count, capacity: count + max(count / 4, 1024)) { bytes in
                digest = try hash(bytes, at: position, stride: stride, checking: &merged, reading: true)
            }
            // An empty table has a digest too (the writer's), which no fill computed.
            if count == 0 { digest = CheckpointTable.digest(UnsafeRawBufferPointer(start: nil, count: 0), stride: stride) }
        }
        check = merged
        withUnsafeBytes(of: digest.littleEndian) { checksum.update($0) }
        offset += Int64(bytes)
        filePosition = offset
        return array
    }

    /// Hashes a table's `bytes`, which start at `position` in the file, after reading them
    /// there when `reading` (else they are mapped), and runs `check` over them: a chunk at a
    /// time, each half of a large table on its own thread (when ``splitsTables``).
    /// - Returns: The table's ``CheckpointTable/digest(_:stride:)``.
    private func hash<C: CheckpointCheck>(_ bytes: UnsafeMutableRawBufferPointer, at position: Int64, stride: Int,
                                          checking check: inout C, reading: Bool) throws -> UInt64 {
        let half = CheckpointTable.split(bytes.count, stride: stride)
        let chunk = max(Self.chunkSize / stride, 1) * stride
        let halves = [Half(fd: fd, bytes: UnsafeMutableRawBufferPointer(rebasing: bytes[..<half]), position: position, seed: 0,
                           check: check, reading: reading),
                      Half(fd: fd, bytes: UnsafeMutableRawBufferPointer(rebasing: bytes[half...]), position: position + Int64(half),
                           seed: 1, check: check, reading: reading)]
        var worker: WorkerThread?
        if splitsTables, bytes.count >= Self.parallelTable {
            worker = WorkerThread { halves[1].read(chunk: chunk) }
        } else {
            halves[1].read(chunk: chunk)
        }
        halves[0].read(chunk: chunk)
        worker?.join()
        let digest = CheckpointTable.combine(try halves[0].result.get(), try halves[1].result.get())
        check = halves[0].check
        check.merge(halves[1].check)
        return digest
    }

    /// One half of a table: read into place, hashed and checked, possibly on another thread.
    ///
    /// `@unchecked Sendable`: `result` and `check` are written by the reading thread and read
    /// only after it was joined; the memory it fills is not touched by anyone else meanwhile.
    private final class Half<C: CheckpointCheck>: @unchecked Sendable {
        let fd: Int32
        /// Where the half goes: whole elements.
        let bytes: UnsafeMutableRawBufferPointer
        /// Where it starts in the file.
        let position: Int64
        let seed: UInt64
        /// Whether `bytes` are read from the file (else they are a mapping of it).
        let reading: Bool
        var check: C
        var result: Result<UInt64, any Error> = .success(0)

        init(fd: Int32, bytes: UnsafeMutableRawBufferPointer, position: Int64, seed: UInt64, check: C, reading: Bool) {
            (self.fd, self.bytes, self.position, self.seed, self.check, self.reading) = (fd, bytes, position, seed, check, reading)
        }

        /// Reads (or, mapped, makes present) in chunks of `chunk` bytes (whole elements).
        func read(chunk: Int) {
            result = Result {
                var hasher = XXH64(seed: seed)
                var done = 0
                while done < bytes.count {
                    let n = min(chunk, bytes.count - done)
                    let piece = UnsafeMutableRawBufferPointer(rebasing: bytes[done..<(done + n)])
                    if reading {
                        try CheckpointReader.readFully(fd, into: piece.baseAddress!, count: n, at: position + Int64(done))
                    } else {
                        CheckpointReader.populate(piece)
                    }
                    hasher.update(UnsafeRawBufferPointer(piece))
                    check.visit(UnsafeBufferPointer(piece.assumingMemoryBound(to: C.Element.self)))
                    done += n
                }
                return hasher.finalize()
            }
        }
    }

    /// Maps the cached pages of a mapped range into the process without copying them, so that
    /// hashing it does not fault page by page (`MADV_POPULATE_READ`, Linux 5.14; without it
    /// the pages are faulted in as they are read).
    static func populate(_ bytes: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let page = SystemCall.pageSize
        let start = Int(bitPattern: base) / page * page
        let end = Int(bitPattern: base + bytes.count)
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, SystemCall.populateRead)
        #endif
    }

    /// Reads the checksum after the content and throws when it differs from the content's
    /// (or when content is left unread).
    package mutating func finish() throws {
        guard remaining == 0 else { throw CheckpointError("damaged (bytes after the end marker)") }
        var stored: UInt64 = 0
        try withUnsafeMutableBytes(of: &stored) { try Self.readFully(fd, into: $0.baseAddress!, count: 8, at: contentSize) }
        guard UInt64(littleEndian: stored) == checksum.finalize() else {
            throw CheckpointError("damaged (checksum mismatch)")
        }
    }

    /// Whether every byte before the checksum was consumed.
    package var isAtEnd: Bool { remaining == 0 }

    /// An element count, checked against the bytes left.
    private mutating func readCount<T>(of _: T.Type) throws -> Int {
        let count = try read(Int64.self)
        let stride = Int64(max(MemoryLayout<T>.stride, 1))
        guard count >= 0, count <= remaining / stride else { throw CheckpointError("damaged (array length)") }
        return Int(count)
    }

    /// The next `count` bytes (valid until the next read), through the buffer; hashed.
    private mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, Int64(count) <= remaining, count <= Self.bufferSize else { throw CheckpointError("damaged (cut short)") }
        if bufferEnd - bufferStart < count { try refill() }
        let bytes = buffer.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[bufferStart..<(bufferStart + count)]) }
        checksum.update(bytes)
        bufferStart += count
        offset += Int64(count)
        return bytes
    }

    /// Copies the next `count` bytes to `destination` (hashed): what the buffer holds, then
    /// large runs read straight into place, small ones through the buffer.
    private mutating func copy(into destination: UnsafeMutableRawPointer, count: Int) throws {
        guard count >= 0, Int64(count) <= remaining else { throw CheckpointError("damaged (cut short)") }
        var done = min(count, bufferEnd - bufferStart)
        if done > 0 {
            let bytes = try take(done)
            destination.copyMemory(from: bytes.baseAddress!, byteCount: done)
        }
        if count - done >= Self.bufferSize / 2 {
            // The buffer is empty: the file position is the read position.
            while done < count {
                let n = min(Self.chunkSize, count - done)
                try Self.readFully(fd, into: destination + done, count: n, at: filePosition)
                checksum.update(UnsafeRawBufferPointer(start: destination + done, count: n))
                filePosition += Int64(n)
                offset += Int64(n)
                done += n
            }
        } else if done < count {
            let rest = try take(count - done)
            (destination + done).copyMemory(from: rest.baseAddress!, byteCount: rest.count)
        }
    }

    /// Keeps the unread bytes of the buffer and reads as many more as fit.
    private mutating func refill() throws {
        let kept = bufferEnd - bufferStart
        let wanted = Int(min(Int64(Self.bufferSize - kept), contentSize - filePosition))
        var bytes: [UInt8] = []
        swap(&bytes, &buffer)
        defer { swap(&bytes, &buffer) }
        let (start, fd, position) = (bufferStart, fd, filePosition)
        try bytes.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            if kept > 0 && start > 0 { base.copyMemory(from: base + start, byteCount: kept) }
            try Self.readFully(fd, into: base + kept, count: wanted, at: position)
        }
        filePosition += Int64(wanted)
        bufferStart = 0
        bufferEnd = kept + wanted
    }

    /// `pread` until `count` bytes are in; a file that ends sooner (cut while being read) is an error.
    static func readFully(_ fd: Int32, into destination: UnsafeMutableRawPointer, count: Int, at position: Int64) throws {
        var done = 0
        while done < count {
            let n = pread(fd, destination + done, count - done, off_t(position + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                throw CheckpointError("cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw CheckpointError("cut short while being read") }
            done += n
        }
    }
}
