#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint file that cannot be used (damaged, foreign, or for something else).
package struct CheckpointError: Error, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// Writes a checkpoint: scalars through a small buffer, arrays of plain values straight from
/// their storage with `write(2)` (a checkpoint of a big log is tens of megabytes), and at the
/// end (``finish()``) the XXH64 checksum of every byte written before it.
///
/// The layout is the machine's own (sizes and byte order); a reader on another layout is
/// refused by the header check, never misread.
package struct CheckpointWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var checksum = XXH64()
    /// Bytes written so far.
    private var position: Int64 = 0

    package init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(4096)
    }

    package mutating func write<T: BitwiseCopyable>(_ value: T) {
        withUnsafeBytes(of: value) { buffer.append(contentsOf: $0) }
    }

    package mutating func write(_ string: String) {
        let utf8 = Array(string.utf8)
        write(Int64(utf8.count))
        buffer.append(contentsOf: utf8)
    }

    package mutating func write<T: BitwiseCopyable>(array: [T]) throws {
        write(Int64(array.count))
        try flush()
        try array.withUnsafeBytes { (raw) throws in try writeAll(raw) }
    }

    /// Writes a table: its count, then (for a large table, which a reader can so map) zero
    /// bytes up to the next multiple of ``CheckpointTable/alignment``, then its elements. The
    /// file's checksum covers the table through its ``CheckpointTable/digest(_:)`` (so that a
    /// reader can hash it on two threads).
    package mutating func write<T>(plain array: PlainArray<T>) throws {
        write(Int64(array.count))
        let padding = CheckpointTable.padding(at: position + Int64(buffer.count), before: array.count * MemoryLayout<T>.stride)
        buffer.append(contentsOf: repeatElement(0, count: padding))
        try flush()
        try array.withUnsafeBytes { (raw) throws in
            try writeRaw(raw)
            withUnsafeBytes(of: CheckpointTable.digest(raw, stride: MemoryLayout<T>.stride).littleEndian) { checksum.update($0) }
        }
    }

    /// Writes a section that a reader can read at the same time as the section after it
    /// (``CheckpointReader/readSections(_:_:)``): its length in bytes (8 bytes), then what
    /// `contents` writes. The section has a checksum of its own, and the file's checksum covers
    /// it through its length and that checksum, hashed after it (as a table's digest covers a
    /// table).
    package mutating func writeSection(_ contents: (inout CheckpointWriter) throws -> Void) throws {
        try flush()
        let start = position
        try withUnsafeBytes(of: Int64(0)) { (raw) throws in try writeRaw(raw) }
        let outer = checksum
        checksum = XXH64()
        try contents(&self)
        try flush()
        let length = (position - start - 8).littleEndian
        let digest = checksum.finalize().littleEndian
        checksum = outer
        withUnsafeBytes(of: length) { checksum.update($0) }
        withUnsafeBytes(of: digest) { checksum.update($0) }
        let written = withUnsafeBytes(of: length) { pwrite(fd, $0.baseAddress!, 8, off_t(start)) }
        guard written == 8 else { throw CheckpointError("cannot write: \(String(cString: strerror(errno)))") }
    }

    package mutating func flush() throws {
        try buffer.withUnsafeBytes { (raw) throws in try writeAll(raw) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and then the checksum of the whole file (8 bytes, not hashed
    /// themselves); nothing is to be written after it.
    package mutating func finish() throws {
        try flush()
        let digest = checksum.finalize().littleEndian
        try withUnsafeBytes(of: digest) { (raw) throws in try writeRaw(raw) }
    }

    private mutating func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        checksum.update(bytes)
        try writeRaw(bytes)
    }

    private mutating func writeRaw(_ bytes: UnsafeRawBufferPointer) throws {
        guard SystemCall.writeAll(fd, bytes) else { throw CheckpointError("cannot write: \(String(cString: strerror(errno)))") }
        position += Int64(bytes.count)
    }
}
