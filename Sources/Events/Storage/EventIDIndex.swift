import CLedgerPrefetch

/// Remembers which line first used each event id, in 12 bytes per id.
///
/// Ids are compared by their decoded value: `"cb-4"` and `"cb\u002d4"` are the same id. An id
/// without a backslash is hashed as its bytes (they are its value); only an escaped one is
/// decoded first (``hash(_:in:)``).
///
/// Ids are reduced to 64-bit hashes (two independent 32-bit FNV-style lanes), so the index
/// does not keep the ids themselves. Two different ids share a hash with probability about
/// n² / 2⁶⁵ — around 10⁻⁷ for two million events.
///
/// A probe reads only the table of hashes (0 marks an empty slot; a hash of 0 is stored as
/// 1); the line numbers, in a table of their own, are read only on a match.
package struct EventIDIndex: Sendable {
    private var keys: PlainArray<UInt64>
    private var lines: PlainArray<Int32>
    private var mask: Int
    package private(set) var count = 0

    /// Creates an index sized for about `capacity` ids.
    package init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = PlainArray(repeating: 0, count: size)
        lines = PlainArray(repeating: 0, count: size)
        mask = size - 1
    }

    /// Records `id` as used on `line`, or returns the line that used it first.
    package mutating func insert(_ id: UnsafeRawBufferPointer, line: Int) -> Int? {
        let key = EventIDIndex.hash(id)
        let (first, slot) = find(hash: key)
        if let first { return first }
        insert(hash: key, line: line, at: slot)
        return nil
    }

    /// The line that first used `id`, if any.
    package func firstLine(of id: UnsafeRawBufferPointer) -> Int? {
        find(hash: EventIDIndex.hash(id)).line
    }

    /// Records the id held by a string field of `line` (escapes resolved) as used on
    /// `lineNumber`, or returns the line that used it first.
    package mutating func insert(_ id: FieldRef, in line: UnsafeRawBufferPointer, lineNumber: Int) -> Int? {
        let key = EventIDIndex.hash(id, in: line)
        let (first, slot) = find(hash: key)
        if let first { return first }
        insert(hash: key, line: lineNumber, at: slot)
        return nil
    }

    /// The line that first used the id held by a string field of `line` (escapes resolved), if any.
    package func firstLine(of id: FieldRef, in line: UnsafeRawBufferPointer) -> Int? {
        find(hash: EventIDIndex.hash(id, in: line)).line
    }

    /// The line that first used an id with this ``hash(_:)``, or the free slot where it would go.
    @inline(__always)
    func find(hash: UInt64) -> (line: Int?, slot: Int) {
        let key = hash == 0 ? 1 : hash
        var slot = Int(truncatingIfNeeded: key) & mask
        return keys.withUnsafeBufferPointer { keys in
            while true {
                let entry = keys[slot]
                if entry == 0 { return (nil, slot) }
                if entry == key { return (Int(lines[slot]), slot) }
                slot = (slot &+ 1) & mask
            }
        }
    }

    /// Records a hash that ``find(hash:)`` did not find, at the slot it returned (nothing may
    /// be inserted in between).
    @inline(__always)
    mutating func insert(hash: UInt64, line: Int, at slot: Int) {
        keys[slot] = hash == 0 ? 1 : hash
        lines[slot] = Int32(truncatingIfNeeded: max(line, 1))
        count += 1
        if count * 3 > keys.count * 2 { grow() }
    }

    /// Prefetches the first slot a hash probes (its key and line: a new id writes both).
    @inline(__always)
    func prefetchSlot(hash: UInt64) {
        let slot = Int(truncatingIfNeeded: hash == 0 ? 1 : hash) & mask
        keys.withUnsafeBufferPointer { ledger_prefetch($0.baseAddress.unsafelyUnwrapped + slot) }
        lines.withUnsafeBufferPointer { ledger_prefetch($0.baseAddress.unsafelyUnwrapped + slot) }
    }

    /// This index re-placed in the smallest table ``init(capacity:)`` would make for its ids,
    /// when that is smaller: what a state file keeps of a table made large in advance, so that
    /// a small log has a small state.
    package func compacted() -> EventIDIndex {
        var copy = EventIDIndex(capacity: count)
        guard copy.keys.count < keys.count else { return self }
        copy.count = count
        copy.reinsert(from: self)
        return copy
    }

    private mutating func grow() {
        let old = self
        let size = keys.count * 2
        keys = PlainArray(repeating: 0, count: size)
        lines = PlainArray(repeating: 0, count: size)
        mask = size - 1
        reinsert(from: old)
    }

    /// Puts every entry of `old` into these (empty, large enough) tables.
    private mutating func reinsert(from old: EventIDIndex) {
        let mask = mask
        keys.withUnsafeMutableBufferPointer { keys in
            lines.withUnsafeMutableBufferPointer { lines in
                old.keys.withUnsafeBufferPointer { oldKeys in
                    old.lines.withUnsafeBufferPointer { oldLines in
                        for i in oldKeys.indices where oldKeys[i] != 0 {
                            var slot = Int(truncatingIfNeeded: oldKeys[i]) & mask
                            while keys[slot] != 0 { slot = (slot + 1) & mask }
                            keys[slot] = oldKeys[i]
                            lines[slot] = oldLines[i]
                        }
                    }
                }
            }
        }
    }

    /// Removes a hash, shifting back the entries of its probe run so that every remaining
    /// entry stays reachable from its home slot (linear probing without tombstones).
    package mutating func remove(hash: UInt64) {
        let key = hash == 0 ? 1 : hash
        var slot = Int(truncatingIfNeeded: key) & mask
        while keys[slot] != key {
            guard keys[slot] != 0 else { return }
            slot = (slot &+ 1) & mask
        }
        var hole = slot
        var next = (hole &+ 1) & mask
        while keys[next] != 0 {
            let home = Int(truncatingIfNeeded: keys[next]) & mask
            // Move the entry back into the hole unless its home lies cyclically in (hole, next].
            let inRange = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next)
            if !inRange {
                keys[hole] = keys[next]
                lines[hole] = lines[next]
                hole = next
            }
            next = (next &+ 1) & mask
        }
        keys[hole] = 0
        lines[hole] = 0
        count -= 1
    }

    /// The hash of an id field's decoded value: its bytes when it has no escape, else the
    /// UTF-8 of the decoded string (so both spellings of one id hash alike).
    @inline(__always)
    static func hash(_ id: FieldRef, in line: UnsafeRawBufferPointer) -> UInt64 {
        guard id.escaped else { return hash(UnsafeRawBufferPointer(rebasing: line[id.range])) }
        var decoded = id.string(in: line)
        return decoded.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
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

/// The range check of an id index's hash table: how many slots are used.
private struct KeyCheck: CheckpointCheck {
    var used = 0
    mutating func visit(_ keys: UnsafeBufferPointer<UInt64>) {
        var used = self.used
        for key in keys { used &+= key != 0 ? 1 : 0 }
        self.used = used
    }
    mutating func merge(_ other: KeyCheck) { used += other.used }
}

/// The range check of an id index's line table: every line is 0 (empty) … `lines`.
private struct LineCheck: CheckpointCheck {
    let lastLine: UInt32
    var largest: UInt32 = 0
    mutating func visit(_ lines: UnsafeBufferPointer<Int32>) {
        var largest = self.largest
        for line in lines { largest = max(largest, UInt32(bitPattern: line)) }
        self.largest = largest
    }
    mutating func merge(_ other: LineCheck) { largest = max(largest, other.largest) }
}

extension EventIDIndex {
    /// Writes the index (both tables as they are, so loading does no rehashing).
    package func write(to writer: inout CheckpointWriter) throws {
        writer.write(Int64(count))
        try writer.write(plain: keys)
        try writer.write(plain: lines)
    }

    /// Reads an index written by ``write(to:)``, checking that its tables fit together: a
    /// power-of-two size, as many used slots as ids and some slot empty (so a probe ends),
    /// and every line one of the first `lines` lines.
    package init(from reader: inout CheckpointReader, lines lineCount: Int) throws {
        self.init(capacity: 1)
        let count = try reader.read(Int64.self)
        var keyCheck = KeyCheck()
        keys = try reader.readPlainArray(checking: &keyCheck)
        var lineCheck = LineCheck(lastLine: UInt32(clamping: lineCount))
        lines = try reader.readPlainArray(checking: &lineCheck)
        let size = keys.count
        guard count >= 0, size >= 16, size & (size - 1) == 0, lines.count == size, Int64(keyCheck.used) == count,
              count * 3 <= Int64(size) * 2, lineCheck.largest <= lineCheck.lastLine
        else { throw CheckpointError("damaged (id index)") }
        self.count = Int(count)
        mask = size - 1
    }
}
