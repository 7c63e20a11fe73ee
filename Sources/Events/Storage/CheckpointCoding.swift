#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
private func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, p, n) }

/// A checkpoint file that cannot be used (damaged, foreign, or for something else).
package struct CheckpointError: Error, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// Writes a checkpoint: scalars through a small buffer, arrays of plain values straight from
/// their storage with `write(2)` (a checkpoint of a big log is tens of megabytes).
///
/// The layout is the machine's own (sizes and byte order); a reader on another layout is
/// refused by the header check, never misread.
package struct CheckpointWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []

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
        try array.withUnsafeBytes { (raw) throws in try Self.writeAll(fd, raw) }
    }

    package mutating func flush() throws {
        try buffer.withUnsafeBytes { (raw) throws in try Self.writeAll(fd, raw) }
        buffer.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw CheckpointError("cannot write: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}

/// Reads what ``CheckpointWriter`` wrote, checking every count against the bytes left.
package struct CheckpointReader {
    private let fd: Int32
    private var remaining: Int64

    package init(fd: Int32, size: Int64) {
        self.fd = fd
        self.remaining = size
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

    private mutating func readBytes(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { (raw) throws in try readAll(raw) }
        return bytes
    }

    private mutating func readAll(_ raw: UnsafeMutableRawBufferPointer) throws {
        guard Int64(raw.count) <= remaining else { throw CheckpointError("damaged (cut short)") }
        var offset = 0
        while offset < raw.count {
            let n = systemRead(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw CheckpointError("cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw CheckpointError("damaged (cut short)") }
            offset += n
        }
        remaining -= Int64(raw.count)
    }

    /// Whether every byte was consumed.
    package var isAtEnd: Bool { remaining == 0 }
}

extension ByteInterner {
    /// Writes the table (keys, offsets and hash slots, so loading does no rehashing).
    package func write(to writer: inout CheckpointWriter) throws {
        try writer.write(array: arena)
        try writer.write(array: starts)
        try writer.write(array: slots)
    }

    /// Reads a table written by ``write(to:)``, checking that its parts fit together.
    package init(from reader: inout CheckpointReader) throws {
        self.init(capacity: 1)
        arena = try reader.readArray(UInt8.self, spare: 1 << 20)
        starts = try reader.readArray(Int.self, spare: 1 << 16)
        slots = try reader.readArray(UInt64.self)
        guard let first = starts.first, first == 0, starts.last == arena.count, slots.count >= 16,
              slots.count & (slots.count - 1) == 0, count * 4 <= slots.count * 3
        else { throw CheckpointError("damaged (name table)") }
        for i in 1..<starts.count where starts[i] < starts[i - 1] { throw CheckpointError("damaged (name table)") }
        mask = slots.count - 1
        let keys = UInt64(count)
        for entry in slots where entry != 0 && entry & 0xFFFF_FFFF > keys { throw CheckpointError("damaged (name table)") }
    }
}

extension LifecycleValidator {
    /// Writes every ticket's life-cycle state and the name tables.
    package func write(to writer: inout CheckpointWriter) throws {
        try tickets.write(to: &writer)
        try units.write(to: &writer)
        try writer.write(array: states)
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
        states = try reader.readArray(TicketLifecycle.self, spare: 1 << 16)
        guard states.count == tickets.count else { throw CheckpointError("damaged (ticket states)") }
        let keys = try reader.readArray(Int32.self)
        let counts = try reader.readArray(Int32.self)
        let values = try reader.readArray(Int32.self)
        guard keys.count == counts.count, counts.reduce(0, { $0 + Int($1) }) == values.count else {
            throw CheckpointError("damaged (closers)")
        }
        var start = 0
        for (key, n) in zip(keys, counts) {
            moreClosers[key] = Array(values[start..<(start + Int(n))])
            start += Int(n)
        }
        for state in states where state.holder >= Int32(units.count) || state.closer0 >= Int32(units.count)
            || state.closer1 >= Int32(units.count) {
            throw CheckpointError("damaged (ticket states)")
        }
    }

    /// Sizes of the plain values a checkpoint stores, for its layout check.
    package static var checkpointLayout: [Int] { [MemoryLayout<TicketLifecycle>.stride, MemoryLayout<Int>.size] }
}
