/// Maps byte strings (ticket ids, unit names) to dense integer ids.
///
/// The bytes of every distinct key live once in a contiguous arena, and an open-addressing
/// table of 32-bit slots finds them; there is no allocation per key. Replays use the ids as
/// array indices, so per-ticket and per-unit state is compact and cheap to reach.
public struct ByteInterner: Sendable {
    private var arena: [UInt8] = []
    /// Start offset of each key in the arena; key `i` spans `starts[i]..<starts[i + 1]`.
    private var starts: [Int] = [0]
    private var hashes: [UInt32] = []
    /// Slot -> key id + 1 (0 means empty).
    private var slots: [Int32]
    private var mask: Int

    /// Creates an empty interner sized for about `capacity` keys.
    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    /// The number of distinct keys.
    public var count: Int { starts.count - 1 }

    /// Returns the id of `bytes`, adding it if new.
    /// - Complexity: O(length of the key) expected.
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        let hash = ByteInterner.hash(bytes)
        var slot = Int(hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let id = Int(entry - 1)
            if hashes[id] == hash && keyEquals(id, bytes) { return Int32(id) }
            slot = (slot + 1) & mask
        }
        let id = count
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        hashes.append(hash)
        slots[slot] = Int32(id + 1)
        if count * 4 > slots.count * 3 { grow() }
        return Int32(id)
    }

    /// Returns the id of a string, adding it if new.
    public mutating func intern(_ string: String) -> Int32 {
        var string = string
        return string.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// Returns the id of a string field of a line, adding it if new (escapes resolved).
    public mutating func intern(_ field: FieldRef, in line: UnsafeRawBufferPointer) -> Int32 {
        if field.escaped { return intern(field.string(in: line)) }
        return intern(UnsafeRawBufferPointer(rebasing: line[field.range]))
    }

    /// The id of `bytes` if it was interned.
    public func lookup(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        let hash = ByteInterner.hash(bytes)
        var slot = Int(hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            let id = Int(entry - 1)
            if hashes[id] == hash && keyEquals(id, bytes) { return Int32(id) }
            slot = (slot + 1) & mask
        }
    }

    /// The id of a string if it was interned.
    public func lookup(_ string: String) -> Int32? {
        var string = string
        return string.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }

    /// The key with id `id`, decoded as UTF-8.
    public func string(_ id: Int32) -> String {
        let range = starts[Int(id)]..<starts[Int(id) + 1]
        return arena.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    private func keyEquals(_ id: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let start = starts[id]
        guard starts[id + 1] - start == bytes.count else { return false }
        return arena.withUnsafeBytes { a in
            for i in 0..<bytes.count where a[start + i] != bytes[i] { return false }
            return true
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        for id in 0..<count {
            var slot = Int(hashes[id]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id + 1)
        }
    }

    /// FNV-1a over the bytes, finished with a multiply-xorshift mix.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return UInt32(truncatingIfNeeded: h)
    }
}
