import CLedgerPrefetch

/// Maps byte strings (ticket ids, unit names) to dense integer ids.
///
/// The bytes of every distinct key live once in a contiguous arena, and an open-addressing
/// table of 64-bit slots (32 bits of hash, 32 bits of id) finds them; there is no allocation
/// per key, and a probe touches one slot and, on a hash match, the key's bytes. Replays use
/// the ids as array indices, so per-ticket and per-unit state is compact and cheap to reach.
/// Keys may hold up to 4 GiB of bytes in all (offsets are 32-bit).
package struct ByteInterner: Sendable {
    var arena = PlainArray<UInt8>()
    /// Start offset of each key in the arena; key `i` spans `starts[i]..<starts[i + 1]`.
    var starts = PlainArray<UInt32>(repeating: 0, count: 1)
    /// Slot -> `hash << 32 | (id + 1)`; 0 means empty.
    var slots: PlainArray<UInt64>
    var mask: Int

    /// Creates an empty interner sized for about `capacity` keys.
    package init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = PlainArray(repeating: 0, count: size)
        mask = size - 1
    }

    /// The number of distinct keys.
    package var count: Int { starts.count - 1 }
    /// The bytes of all the keys.
    package var keyBytes: Int { arena.count }

    /// Returns the id of `bytes`, adding it if new.
    /// - Complexity: O(length of the key) expected.
    package mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        intern(bytes, hash: ByteInterner.hash(bytes))
    }

    /// Returns the id of `bytes` whose ``hash(_:)`` is already known, adding it if new.
    @inline(__always)
    package mutating func intern(_ bytes: UnsafeRawBufferPointer, hash: UInt32) -> Int32 {
        let (found, slot) = find(bytes, hash: hash)
        if found >= 0 { return found }
        return insert(bytes, hash: hash, at: slot)
    }

    /// The id of `bytes` (or -1) and the slot where the probe ended.
    @inline(__always)
    private func find(_ bytes: UnsafeRawBufferPointer, hash: UInt32) -> (Int32, Int) {
        let tag = UInt64(hash) << 32
        var slot = Int(hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            starts.withUnsafeBufferPointer { starts in
                arena.withUnsafeBufferPointer { arena in
                    while true {
                        let entry = slots[slot]
                        if entry == 0 { return (-1, slot) }
                        if entry & 0xFFFF_FFFF_0000_0000 == tag {
                            let id = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) &- 1
                            let start = Int(starts[id])
                            if Int(starts[id + 1]) &- start == bytes.count,
                               bytes.isEmpty || Self.equal(UnsafeRawPointer(arena.baseAddress.unsafelyUnwrapped + start), bytes) {
                                return (Int32(truncatingIfNeeded: id), slot)
                            }
                        }
                        slot = (slot &+ 1) & mask
                    }
                }
            }
        }
    }

    /// Adds a key the probe ending at `slot` did not find.
    private mutating func insert(_ bytes: UnsafeRawBufferPointer, hash: UInt32, at slot: Int) -> Int32 {
        let id = count
        precondition(arena.count + bytes.count <= Int(UInt32.max), "interned keys exceed 4 GiB")
        arena.append(contentsOf: UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count))
        starts.append(UInt32(truncatingIfNeeded: arena.count))
        slots[slot] = UInt64(hash) << 32 | UInt64(id + 1)
        if count * 4 > slots.count * 3 { grow() }
        return Int32(truncatingIfNeeded: id)
    }

    /// Whether the `bytes.count` bytes at `key` equal `bytes`, compared a word at a time.
    @inline(__always)
    static func equal(_ key: UnsafeRawPointer, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return true }
        if n >= 8 {
            var i = 0
            while i + 8 < n {
                if key.loadUnaligned(fromByteOffset: i, as: UInt64.self) != base.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                    return false
                }
                i += 8
            }
            return key.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == base.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        for i in 0..<n where key.load(fromByteOffset: i, as: UInt8.self) != base.load(fromByteOffset: i, as: UInt8.self) {
            return false
        }
        return true
    }

    /// Returns the id of a string, adding it if new.
    package mutating func intern(_ string: String) -> Int32 {
        var string = string
        return string.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// Returns the id of a string field of a line, adding it if new (escapes resolved).
    package mutating func intern(_ field: FieldRef, in line: UnsafeRawBufferPointer) -> Int32 {
        if field.escaped { return intern(field.string(in: line)) }
        return intern(UnsafeRawBufferPointer(rebasing: line[field.range]))
    }

    /// The id of `bytes` if it was interned.
    package func lookup(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        let (found, _) = find(bytes, hash: ByteInterner.hash(bytes))
        return found >= 0 ? found : nil
    }

    /// The id of a string if it was interned.
    package func lookup(_ string: String) -> Int32? {
        var string = string
        return string.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }

    /// The key with id `id`, decoded as UTF-8.
    package func string(_ id: Int32) -> String {
        withBytes(of: id) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the bytes of key `id`.
    package func withBytes<R>(of id: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let range = Int(starts[Int(id)])..<Int(starts[Int(id) + 1])
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Prefetches the slot `hash` starts probing at (see ``LifecycleValidator/check(_:firstLine:report:)``).
    @inline(__always)
    func prefetchSlot(hash: UInt32) {
        slots.withUnsafeBufferPointer { ledger_prefetch($0.baseAddress.unsafelyUnwrapped + (Int(hash) & mask)) }
    }

    /// The id of the first key with this hash among the first slots a probe for `hash` reads
    /// (up to an empty one; at most eight, a cache line's worth), else -1: a guess (the key is
    /// not compared), for prefetching.
    @inline(__always)
    func guess(hash: UInt32) -> Int {
        let tag = UInt64(hash) << 32
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(hash) & mask
            for _ in 0..<8 {
                let entry = slots[slot]
                if entry == 0 { return -1 }
                if entry & 0xFFFF_FFFF_0000_0000 == tag { return Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) &- 1 }
                slot = (slot &+ 1) & mask
            }
            return -1
        }
    }

    /// Prefetches where key `id` starts and ends in the arena.
    @inline(__always)
    func prefetchOffsets(of id: Int) {
        starts.withUnsafeBufferPointer { ledger_prefetch($0.baseAddress.unsafelyUnwrapped + id) }
    }

    /// Prefetches the bytes of key `id` (its offsets should be in cache already).
    @inline(__always)
    func prefetchBytes(of id: Int) {
        let (start, end) = starts.withUnsafeBufferPointer { (Int($0[id]), Int($0[id + 1])) }
        arena.withUnsafeBufferPointer { arena in
            guard let base = arena.baseAddress, end > start else { return }   // no bytes (empty keys only)
            ledger_prefetch(base + start)
            ledger_prefetch(base + (end - 1))
        }
    }

    /// Makes room, in a table with no keys yet, for `keys` keys of `bytes` bytes in all without
    /// growing, and for `slotted` keys before the slots double: the slots (all written now) for
    /// `slotted`, the keys and offsets (written as they come) for `keys`.
    package mutating func reserve(keys: Int, bytes: Int, slotted: Int) {
        guard count == 0 else { return }
        // The keys and their offsets are appended in order, and a probe reaches them mostly
        // near the end (a replay's tickets come and go within weeks): small pages. The slots
        // are probed at random all over: huge pages (see `PlainArray(sequentialCapacity:)`).
        arena = PlainArray(sequentialCapacity: bytes)
        starts = PlainArray(sequentialCapacity: keys + 1)
        starts.append(0)
        // The slots double when more than three quarters are used.
        var size = 16
        while size * 3 < slotted * 4 { size <<= 1 }
        guard size > slots.count else { return }
        slots = PlainArray(repeating: 0, parallelCount: size)
        mask = size - 1
    }

    /// This table with its slots re-placed in the smallest table ``init(capacity:)`` would make
    /// for its keys, when that is smaller (the keys and offsets are shared): what a state file
    /// keeps of a table made large in advance, so that a small log has a small state.
    package func compacted() -> ByteInterner {
        var size = 16
        while size < count * 2 { size <<= 1 }
        guard size < slots.count else { return self }
        var copy = self
        copy.slots = PlainArray(repeating: 0, count: size)
        copy.mask = size - 1
        let mask = size - 1
        copy.slots.withUnsafeMutableBufferPointer { slots in
            self.slots.withUnsafeBufferPointer { old in
                for entry in old where entry != 0 {
                    var slot = Int(truncatingIfNeeded: entry >> 32) & mask
                    while slots[slot] != 0 { slot = (slot + 1) & mask }
                    slots[slot] = entry
                }
            }
        }
        return copy
    }

    private mutating func grow() {
        let old = slots
        let size = slots.count * 2
        slots = PlainArray(repeating: 0, count: size)
        mask = size - 1
        slots.withUnsafeMutableBufferPointer { slots in
            old.withUnsafeBufferPointer { old in
                for entry in old where entry != 0 {
                    var slot = Int(truncatingIfNeeded: entry >> 32) & mask
                    while slots[slot] != 0 { slot = (slot + 1) & mask }
                    slots[slot] = entry
                }
            }
        }
    }

    /// A 32-bit hash of the bytes, eight at a time (multiply-xorshift rounds, a final avalanche).
    ///
    /// Word-at-a-time matters: unit names are 20–45 bytes of UTF-8, and a byte-at-a-time hash
    /// spends most of an event's interning time in its multiply chain.
    @inline(__always)
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let n = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        if let base = bytes.baseAddress {
            var i = 0
            while i + 8 <= n {
                let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 29
                i += 8
            }
            if i < n {
                var w: UInt64 = 0
                if n >= 8 {
                    // The last eight bytes, shifted so that only the unhashed ones remain.
                    w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) >> UInt64(8 * (8 - (n - i)))
                } else {
                    for k in 0..<(n - i) { w |= UInt64(base.load(fromByteOffset: i + k, as: UInt8.self)) << UInt64(8 * k) }
                }
                h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 29
            }
        }
        h = h &* 0x94D0_49BB_1331_11EB
        h ^= h >> 32
        return UInt32(truncatingIfNeeded: h)
    }
}
