import CLedgerPrefetch

/// The id hashes (``EventIDIndex/hash(_:)``) of a verify's accepted lines, in line order, kept
/// for a duplicate check that comes later: when the first problem is found
/// (``index(firstLine:capacity:)``, which builds the ``EventIDIndex`` the lines would have
/// built) or at the end (``containsRepeat()``).
///
/// A clean log then costs each line an append of 8 bytes and one bit set in a bitmap of 8 to 16
/// bits an id, where the index costs a probe and two writes at random places in a table of 12
/// bytes for every one and a half ids (48 MB for two million events, every page of it fresh
/// memory the kernel zeroes). The bitmap, indexed by the top bits of the hash, names the
/// suspects: the hashes whose bit was already set, a few in a hundred. A repeated id is one of
/// them, so the check at the end counts only the suspects' occurrences, in one pass over the
/// hashes through a filter that stays in the cache (``containsRepeat()``).
///
/// An id that repeats is found all the same, after the lines that follow it were checked as if
/// it were new: the caller then checks the log again with the index (see ``LogVerifier``).
///
/// A hash of 0 is kept as 1, as the index keeps it: two ids are the same here exactly when the
/// index would take them for the same.
package struct DeferredIDs: Sendable {
    private var hashes: PlainArray<UInt64>
    /// One bit for each value of the hashes' top bits (64 minus `shift`).
    private var bitmap: PlainArray<UInt64>
    private let shift: UInt64
    /// Hashes whose bit was set when they were appended.
    private var suspects: PlainArray<UInt64>

    /// Room for about `capacity` ids.
    package init(capacity: Int) {
        // Written and read in line order: small pages (see `PlainArray(sequentialCapacity:)`).
        hashes = PlainArray(sequentialCapacity: max(capacity, 16))
        // 8 to 16 bits an id: a few ids in a hundred find their bit set (up to 2³⁰ bits, 128 MiB).
        var bits = 12
        while 1 << bits < capacity * 8, bits < 30 { bits += 1 }
        bitmap = PlainArray(repeating: 0, parallelCount: 1 << (bits - 6))
        shift = UInt64(64 - bits)
        suspects = PlainArray()
    }

    /// The number of ids recorded.
    package var count: Int { hashes.count }

    /// The number of ids that found their bit set (for tests).
    package var suspectCount: Int { suspects.count }

    /// Whether the bitmap is too full to be of use: more than one id in eight found its bit
    /// set (many more ids came than the capacity foretold), so that the check at the end would
    /// take more memory and time than the index. The caller then makes the index.
    package var isCrowded: Bool { suspects.count > 4096 && suspects.count > hashes.count / 8 }

    /// Records the id hash of the next accepted line.
    @inline(__always)
    package mutating func append(_ hash: UInt64) {
        let hash = hash == 0 ? 1 : hash
        hashes.append(hash)
        let bit = Int(truncatingIfNeeded: hash >> shift)
        let mask: UInt64 = 1 << UInt64(bit & 63)
        let found = bitmap.withUnsafeMutableBufferPointer { words in
            let word = words[bit >> 6]
            words[bit >> 6] = word | mask
            return word & mask != 0
        }
        if found { suspects.append(hash) }
    }

    /// Prefetches the bitmap word ``append(_:)`` will change for `hash`.
    @inline(__always)
    package func prefetch(hash: UInt64) {
        let bit = Int(truncatingIfNeeded: (hash == 0 ? 1 : hash) >> shift)
        bitmap.withUnsafeBufferPointer { ledger_prefetch_for_write($0.baseAddress.unsafelyUnwrapped + (bit >> 6)) }
    }

    /// The index of the recorded ids, the `i`th as first used on line `firstLine + i`, with room
    /// for about `capacity` ids; `nil` when two of them are the same.
    package func index(firstLine: Int, capacity: Int) -> EventIDIndex? {
        var index = EventIDIndex(capacity: max(capacity, hashes.count + 1))
        let repeated = hashes.withUnsafeBufferPointer { hashes in
            for (i, hash) in hashes.enumerated() {
                let (first, slot) = index.find(hash: hash)
                if first != nil { return true }
                index.insert(hash: hash, line: firstLine + i, at: slot)
            }
            return false
        }
        return repeated ? nil : index
    }

    /// Whether two of the recorded ids are the same.
    ///
    /// The suspects go into a table, and into a filter of 16 bits a suspect (by bits of the hash
    /// the bitmap does not use) small enough to stay in a core's cache, which most hashes fail:
    /// they need no look-up in the table (far larger than the cache for a big log, and a
    /// look-up would mispredict a branch for many). A log of a million ids or more has its
    /// hashes' two halves counted on two threads, each in a tally of its own, the two added
    /// at the end.
    ///
    /// The table is a bare set of hashes rather than an ``EventIDIndex`` numbering the suspects:
    /// with the index (its second table of lines, its calls) the province's check took 306–490 ms
    /// instead of 108–143 ms.
    package func containsRepeat() -> Bool {
        guard !suspects.isEmpty else { return false }
        var size = 16
        while size < suspects.count * 2 { size <<= 1 }
        let mask = size - 1
        let filterBits = size * 8
        let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: size)
        keys.initialize(repeating: 0, count: size)
        let words = UnsafeMutablePointer<UInt64>.allocate(capacity: filterBits / 64)
        words.initialize(repeating: 0, count: filterBits / 64)
        let halves = hashes.count >= 1 << 20 ? 2 : 1
        let tallies = UnsafeMutablePointer<UInt8>.allocate(capacity: size * halves)
        tallies.initialize(repeating: 0, count: size * halves)
        defer {
            keys.deallocate()
            words.deallocate()
            tallies.deallocate()
        }
        let tables = Tables(keys: keys, mask: mask, words: words, filterMask: filterBits - 1)
        suspects.withUnsafeBufferPointer { suspects in
            for hash in suspects {
                var slot = Int(truncatingIfNeeded: hash) & mask
                while keys[slot] != 0, keys[slot] != hash { slot = (slot &+ 1) & mask }
                keys[slot] = hash
                let bit = tables.filterBit(hash)
                words[bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
        return hashes.withUnsafeBufferPointer { hashes in
            guard halves == 2 else { return tables.tally(hashes, into: tallies) }
            let half = hashes.count / 2
            let first = UnsafeBufferPointer(rebasing: hashes[..<half])
            let (firstAddress, firstCount, tallyAddress) = (UInt(bitPattern: first.baseAddress), first.count, UInt(bitPattern: tallies))
            let repeatedInFirst = Box()
            let thread = WorkerThread {
                let hashes = UnsafeBufferPointer(start: UnsafePointer<UInt64>(bitPattern: firstAddress), count: firstCount)
                repeatedInFirst.value = tables.tally(hashes, into: UnsafeMutablePointer(bitPattern: tallyAddress)!)
            }
            let repeatedInSecond = tables.tally(UnsafeBufferPointer(rebasing: hashes[half...]), into: tallies + size)
            thread.join()
            if repeatedInFirst.value || repeatedInSecond { return true }
            for slot in 0..<size where tallies[slot] != 0 && tallies[size + slot] != 0 { return true }
            return false
        }
    }

    /// The suspects' table and filter, shared read-only by the threads of ``containsRepeat()``
    /// (addresses, to cross to the second thread).
    private struct Tables: Sendable {
        let keys: UInt, mask: Int, words: UInt, filterMask: Int

        init(keys: UnsafeMutablePointer<UInt64>, mask: Int, words: UnsafeMutablePointer<UInt64>, filterMask: Int) {
            (self.keys, self.mask, self.words, self.filterMask) = (UInt(bitPattern: keys), mask, UInt(bitPattern: words), filterMask)
        }

        /// A hash's bit in the filter: from its low bits above the table's first few (the
        /// bitmap takes the top ones).
        @inline(__always)
        func filterBit(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 7) & filterMask }

        /// Counts in `tally` (a byte a slot of the table) whether each suspect is among `hashes`;
        /// whether one is there twice.
        func tally(_ hashes: UnsafeBufferPointer<UInt64>, into tally: UnsafeMutablePointer<UInt8>) -> Bool {
            let keys = UnsafePointer<UInt64>(bitPattern: self.keys)!
            let words = UnsafePointer<UInt64>(bitPattern: self.words)!
            for hash in hashes {
                let bit = filterBit(hash)
                guard words[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { continue }
                var slot = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let key = keys[slot]
                    if key == 0 { break }
                    if key == hash {
                        if tally[slot] != 0 { return true }
                        tally[slot] = 1
                        break
                    }
                    slot = (slot &+ 1) & mask
                }
            }
            return false
        }
    }

    /// Whether the second thread found a repeat (read after it is joined).
    private final class Box: @unchecked Sendable {
        var value = false
    }
}
