#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
private func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int, _ offset: Int64) -> Int { pread(fd, p, n, off_t(offset)) }

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
package struct CheckpointReader {
    private let fd: Int32
    private let size: Int64
    /// The position of the next read in the file.
    private var offset: Int64 = 0
    private var remaining: Int64 { size - offset }

    package init(fd: Int32, size: Int64) {
        self.fd = fd
        self.size = size
    }

    package mutating func read<T: BitwiseCopyable>(_: T.Type) throws -> T {
        var value: T? = nil
        try withUnsafeTemporaryAllocation(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment) {
            (raw) throws in
            try readAll(raw)
            value = raw.load(as: T.self)
        }
        return value!
    }

    package mutating func readString() throws -> String {
        let count = try read(Int64.self)
        guard count >= 0, count <= min(remaining, 1 << 20) else { throw CheckpointError("damaged (string length)") }
        let bytes = try readBytes(Int(count))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads an array, with room for `spare` more elements (so that growing it right after
    /// loading does not copy it).
    package mutating func readArray<T: BitwiseCopyable>(_: T.Type, spare: Int = 0) throws -> [T] {
        let count = try read(Int64.self)
        let stride = Int64(MemoryLayout<T>.stride)
        guard count >= 0, count <= remaining / max(stride, 1) else { throw CheckpointError("damaged (array length)") }
        var failure: (any Error)?
        let array = [T](unsafeUninitializedCapacity: Int(count) + spare) { buffer, initialized in
            do {
                try readAll(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[0..<(Int(count) * MemoryLayout<T>.stride)]))
                initialized = Int(count)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return array
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

    private mutating func readBytes(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { (raw) throws in try readAll(raw) }
        return bytes
    }

    private mutating func readAll(_ raw: UnsafeMutableRawBufferPointer) throws {
        guard Int64(raw.count) <= remaining else { throw CheckpointError("damaged (cut short)") }
        var done = 0
        while done < raw.count {
            let n = systemRead(fd, raw.baseAddress! + done, raw.count - done, offset + Int64(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw CheckpointError("cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw CheckpointError("damaged (cut short)") }
            done += n
        }
        offset += Int64(raw.count)
    }

    /// Whether every byte was consumed.
    package var isAtEnd: Bool { remaining == 0 }
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
        let ordered = starts.withUnsafeBufferPointer { starts in
            var ordered = true
            for i in 1..<starts.count { ordered = ordered && starts[i] >= starts[i - 1] }
            return ordered
        }
        let keys = UInt64(count)
        let inRange = slots.withUnsafeBufferPointer { slots in
            var inRange = true
            for entry in slots { inRange = inRange && entry & 0xFFFF_FFFF <= keys }
            return inRange
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
        let unitCount = Int32(units.count)
        let valid = states.withUnsafeBufferPointer { states in
            var valid = true
            for state in states {
                valid = valid && state.holder >= -1 && state.holder < unitCount && state.closer0 >= -1 && state.closer0 < unitCount
                    && state.closer1 >= -1 && state.closer1 < unitCount
            }
            return valid
        }
        guard valid else { throw CheckpointError("damaged (ticket states)") }
    }

    /// Sizes of the plain values a checkpoint stores, for its layout check.
    package static var checkpointLayout: [Int] { [MemoryLayout<TicketLifecycle>.stride, MemoryLayout<UInt32>.size] }
}
