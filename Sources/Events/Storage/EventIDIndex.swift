/// Remembers which line first used each event id, in 12 bytes per id.
///
/// Ids are reduced to 64-bit hashes (two independent 32-bit FNV-style lanes), so the index
/// does not keep the ids themselves. Two different ids share a hash with probability about
/// n² / 2⁶⁵ — around 10⁻⁷ for two million events.
public struct EventIDIndex: Sendable {
    private var keys: [UInt64]
    private var lines: [Int32]
    private var mask: Int
    public private(set) var count = 0

    /// Creates an index sized for about `capacity` ids.
    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        lines = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    /// Records `id` as used on `line`, or returns the line that used it first.
    public mutating func insert(_ id: UnsafeRawBufferPointer, line: Int) -> Int? {
        let key = EventIDIndex.hash(id)
        var slot = Int(truncatingIfNeeded: key) & mask
        while lines[slot] != 0 {
            if keys[slot] == key { return Int(lines[slot]) }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        lines[slot] = Int32(truncatingIfNeeded: max(line, 1))
        count += 1
        if count * 3 > keys.count * 2 { grow() }
        return nil
    }

    /// The line that first used `id`, if any.
    public func firstLine(of id: UnsafeRawBufferPointer) -> Int? {
        let key = EventIDIndex.hash(id)
        var slot = Int(truncatingIfNeeded: key) & mask
        while lines[slot] != 0 {
            if keys[slot] == key { return Int(lines[slot]) }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private mutating func grow() {
        let oldKeys = keys, oldLines = lines
        let size = keys.count * 2
        keys = [UInt64](repeating: 0, count: size)
        lines = [Int32](repeating: 0, count: size)
        mask = size - 1
        for i in oldKeys.indices where oldLines[i] != 0 {
            var slot = Int(truncatingIfNeeded: oldKeys[i]) & mask
            while lines[slot] != 0 { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[i]
            lines[slot] = oldLines[i]
        }
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x9e37_79b9_7f4a_7c15
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b &+ UInt64(byte)) &* 0xff51_afd7_ed55_8ccd
            b ^= b >> 31
        }
        var h = a ^ (b &* 0xc4ce_b9fe_1a85_ec53)
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}
