#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

/// A checkpoint file that cannot be used (damaged, foreign, or for something else).
package struct CheckpointError: Error, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// Writes a checkpoint: scalars through a small buffer, arrays of plain values straight from
/// their storage with `write(2)` (a checkpoint of a big log is tens of megabytes).
///
/// Large tables (``write(plain:)``) start at a page boundary of the file, so that a reader can
/// map them instead of copying them (see ``CheckpointReader/readPlainArray(_:)``).
/// The layout is the machine's own (sizes and byte order); a reader on another layout is
/// refused by the header check, never misread.
package struct CheckpointWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes written to the file so far (and buffered).
    private var offset = 0

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

    /// Writes a table: its count, padding to the next page boundary, its elements.
    package mutating func write<T>(plain array: PlainArray<T>) throws {
        write(Int64(array.count))
        let page = PlainArray<T>.pageSize
        let padding = (page - (offset + buffer.count) % page) % page
        buffer.append(contentsOf: repeatElement(0, count: padding))
        try flush()
        try array.withUnsafeBytes { (raw) throws in try writeAll(raw) }
    }

    package mutating func flush() throws {
        try buffer.withUnsafeBytes { (raw) throws in try writeAll(raw) }
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw CheckpointError("cannot write: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        offset += bytes.count
    }
}

/// Reads what ``CheckpointWriter`` wrote, checking every count against the bytes left.
///
/// The file is mapped once (read-only) for the scalars and small arrays; the large tables
/// get mappings of their own that they can grow in (see ``readPlainArray(_:)``).
package struct CheckpointReader {
    private let fd: Int32
    private let size: Int64
    private let file: ReadOnlyMapping?
    /// The position of the next read in the file.
    private var offset: Int64 = 0
    private var remaining: Int64 { size - offset }

    package init(fd: Int32, size: Int64) throws {
        self.fd = fd
        self.size = size
        file = size > 0 ? try ReadOnlyMapping(fd: fd, length: Int(size)) : nil
    }

    package mutating func read<T: BitwiseCopyable>(_: T.Type) throws -> T {
        let bytes = try take(MemoryLayout<T>.size)
        return bytes.loadUnaligned(as: T.self)
    }

    package mutating func readString() throws -> String {
        let count = try read(Int64.self)
        guard count >= 0, count <= min(remaining, 1 << 20) else { throw CheckpointError("damaged (string length)") }
        return String(decoding: try take(Int(count)), as: UTF8.self)
    }

    /// Reads an array, with room for `spare` more elements (so that growing it right after
    /// loading does not copy it).
    package mutating func readArray<T: BitwiseCopyable>(_: T.Type, spare: Int = 0) throws -> [T] {
        let count = try read(Int64.self)
        let stride = Int64(MemoryLayout<T>.stride)
        guard count >= 0, count <= remaining / max(stride, 1) else { throw CheckpointError("damaged (array length)") }
        let bytes = try take(Int(count) * MemoryLayout<T>.stride)
        return [T](unsafeUninitializedCapacity: Int(count) + spare) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            initialized = Int(count)
        }
    }

    /// Reads a table written by ``CheckpointWriter/write(plain:)`` by mapping it (privately:
    /// changes to it never reach the file).
    package mutating func readPlainArray<T>(_: T.Type) throws -> PlainArray<T> {
        let count = try read(Int64.self)
        let page = Int64(PlainArray<T>.pageSize)
        let start = (offset + page - 1) / page * page
        let stride = Int64(MemoryLayout<T>.stride)
        guard count >= 0, start <= size, count <= (size - start) / max(stride, 1) else {
            throw CheckpointError("damaged (array length)")
        }
        let array = try PlainArray<T>(mapping: fd, offset: start, count: Int(count))
        offset = start + count * stride
        return array
    }

    /// The next `count` bytes of the file (valid while the reader is).
    private mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, Int64(count) <= remaining, let file else {
            if count == 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
            throw CheckpointError("damaged (cut short)")
        }
        defer { offset += Int64(count) }
        return UnsafeRawBufferPointer(start: file.base + Int(offset), count: count)
    }

    /// Whether every byte was consumed.
    package var isAtEnd: Bool { remaining == 0 }
}

/// A whole file mapped read-only, unmapped when released.
private final class ReadOnlyMapping {
    let base: UnsafeRawPointer
    let length: Int

    init(fd: Int32, length: Int) throws {
        guard let start = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), start != MAP_FAILED else {
            throw CheckpointError("cannot map: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(start)
        self.length = length
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }
}

extension ByteInterner {
    /// Writes the table (keys, offsets and hash slots, so loading does no rehashing).
    package func write(to writer: inout CheckpointWriter) throws {
        try writer.write(plain: arena)
        try writer.write(plain: starts)
        try writer.write(plain: slots)
    }

    /// Reads a table written by ``write(to:)`` (mapped), checking that its parts fit together.
    package init(from reader: inout CheckpointReader) throws {
        self.init(capacity: 1)
        arena = try reader.readPlainArray(UInt8.self)
        starts = try reader.readPlainArray(UInt32.self)
        slots = try reader.readPlainArray(UInt64.self)
        let slotCount = slots.count
        guard starts.count >= 1, starts[0] == 0, Int(starts[starts.count - 1]) == arena.count, slotCount >= 16,
              slotCount & (slotCount - 1) == 0, count * 4 <= slotCount * 3
        else { throw CheckpointError("damaged (name table)") }
        // One pass each, without branches (these tables are megabytes).
        let ordered = starts.withUnsafeBufferPointer { starts in
            var descents = 0
            for i in 1..<starts.count { descents &+= starts[i] < starts[i - 1] ? 1 : 0 }
            return descents == 0
        }
        let keys = UInt64(count)
        let inRange = slots.withUnsafeBufferPointer { slots in
            var largest: UInt64 = 0
            for entry in slots { largest = max(largest, entry & 0xFFFF_FFFF) }
            return largest <= keys
        }
        guard ordered, inRange else { throw CheckpointError("damaged (name table)") }
        mask = slotCount - 1
    }
}

extension LifecycleValidator {
    /// Writes every ticket's life-cycle state and the name tables.
    package func write(to writer: inout CheckpointWriter) throws {
        try tickets.write(to: &writer)
        try units.write(to: &writer)
        try writer.write(plain: states)
        let keys = moreClosers.keys.sorted()
        try writer.write(array: keys)
        try writer.write(array: keys.map { Int32(moreClosers[$0]!.count) })
        try writer.write(array: keys.flatMap { moreClosers[$0]! })
    }

    /// Reads a validator written by ``write(to:)``.
    package init(from reader: inout CheckpointReader) throws {
        self.init()
        tickets = try ByteInterner(from: &reader)
        units = try ByteInterner(from: &reader)
        states = try reader.readPlainArray(TicketLifecycle.self)
        guard states.count == tickets.count else { throw CheckpointError("damaged (ticket states)") }
        let keys = try reader.readArray(Int32.self)
        let counts = try reader.readArray(Int32.self)
        let values = try reader.readArray(Int32.self)
        guard keys.count == counts.count, counts.allSatisfy({ $0 >= 0 }), counts.reduce(0, { $0 + Int($1) }) == values.count else {
            throw CheckpointError("damaged (closers)")
        }
        var start = 0
        for (key, n) in zip(keys, counts) {
            moreClosers[key] = Array(values[start..<(start + Int(n))])
            start += Int(n)
        }
        // Unit ids must name units (or be -1): messages look their names up.
        // -1 ... count - 1 is 0 ... count once shifted by one, as unsigned: one comparison each.
        let limit = UInt32(units.count)
        let valid = states.withUnsafeBufferPointer { states in
            var largest: UInt32 = 0
            for state in states {
                largest = max(largest, UInt32(bitPattern: state.holder &+ 1), UInt32(bitPattern: state.closer0 &+ 1),
                              UInt32(bitPattern: state.closer1 &+ 1))
            }
            return largest <= limit
        }
        guard valid else { throw CheckpointError("damaged (ticket states)") }
    }

    /// Sizes of the plain values a checkpoint stores, for its layout check.
    package static var checkpointLayout: [Int] { [MemoryLayout<TicketLifecycle>.stride, MemoryLayout<UInt32>.size] }
}
