#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The span of instants a log line can name, in nanoseconds: `Timestamp.parse` refuses times
/// more than 9.2 × 10⁹ s from the epoch (years before 1678 or after 2261). Stored times outside
/// it, other than the `.min` "none" marker, are damage (and near `Int64.min` they would
/// overflow the day arithmetic).
package let checkpointEarliestTime: Int64 = -9_200_000_000_000_000_000
package let checkpointLatestTime: Int64 = 9_200_000_000_000_000_000

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
/// The file is read, never mapped: every byte is copied into memory the process owns
/// (`pread`), so a file cut short or rewritten while it is read gives a short read and an
/// error, never a signal. Large tables are read straight into their arrays in chunks that are
/// hashed while they are in cache, their two halves on two threads; the scalars and small
/// arrays come through a buffer.
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
    /// Tables at least this large are read on two threads.
    private static let parallelTable = 1 << 20

    private var remaining: Int64 { contentSize - offset }

    package init(fd: Int32, size: Int64) throws {
        guard size >= 8 else { throw CheckpointError("damaged (cut short)") }
        self.fd = fd
        contentSize = size - 8
        buffer = [UInt8](repeating: 0, count: Self.bufferSize)
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
    /// copy of `check` on its own thread, the two then merged).
    package mutating func readPlainArray<C: CheckpointCheck>(checking check: inout C) throws -> PlainArray<C.Element> {
        let count = try readCount(of: C.Element.self)
        // The read-ahead is dropped (it was not hashed yet): the table is read from the file.
        (bufferStart, bufferEnd) = (0, 0)
        let position = offset
        let stride = MemoryLayout<C.Element>.stride
        let (fd, chunk) = (self.fd, max(Self.chunkSize / stride, 1) * stride)
        var digest: UInt64 = 0
        var merged = check
        let array = try PlainArray<C.Element>(count: count, capacity: count + max(count / 4, 1024)) { bytes in
            let half = CheckpointTable.split(bytes.count, stride: stride)
            let second = Half(fd: fd, bytes: UnsafeMutableRawBufferPointer(rebasing: bytes[half...]), position: position + Int64(half),
                              seed: 1, check: check)
            var worker: WorkerThread?
            if bytes.count >= Self.parallelTable {
                worker = WorkerThread { second.read(chunk: chunk) }
            } else {
                second.read(chunk: chunk)
            }
            let first = Half(fd: fd, bytes: UnsafeMutableRawBufferPointer(rebasing: bytes[..<half]), position: position, seed: 0,
                             check: check)
            first.read(chunk: chunk)
            worker?.join()
            digest = CheckpointTable.combine(try first.result.get(), try second.result.get())
            merged = first.check
            merged.merge(second.check)
        }
        check = merged
        withUnsafeBytes(of: digest.littleEndian) { checksum.update($0) }
        let bytes = Int64(count * stride)
        offset += bytes
        filePosition = offset
        return array
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
        var check: C
        var result: Result<UInt64, any Error> = .success(0)

        init(fd: Int32, bytes: UnsafeMutableRawBufferPointer, position: Int64, seed: UInt64, check: C) {
            (self.fd, self.bytes, self.position, self.seed, self.check) = (fd, bytes, position, seed, check)
        }

        /// Reads in chunks of `chunk` bytes (whole elements).
        func read(chunk: Int) {
            result = Result {
                var hasher = XXH64(seed: seed)
                var done = 0
                while done < bytes.count {
                    let n = min(chunk, bytes.count - done)
                    let piece = UnsafeMutableRawBufferPointer(rebasing: bytes[done..<(done + n)])
                    try CheckpointReader.readFully(fd, into: piece.baseAddress!, count: n, at: position + Int64(done))
                    hasher.update(UnsafeRawBufferPointer(piece))
                    check.visit(UnsafeBufferPointer(piece.assumingMemoryBound(to: C.Element.self)))
                    done += n
                }
                return hasher.finalize()
            }
        }
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
