import Testing
import TestSupport
@testable import Events

/// ``DeferredIDs``: the repeat check at the end and the index made at the first problem must
/// agree with ``EventIDIndex`` on every set of hashes, however full the bitmap.
@Suite struct DeferredIDsTests {
    /// `count` distinct random hashes (never 0 or 1, which the index takes for the same).
    static func distinctHashes(_ count: Int, random: inout SplitMix64) -> [UInt64] {
        var seen = Set<UInt64>()
        var hashes: [UInt64] = []
        while hashes.count < count {
            let h = random.next()
            if h > 1, seen.insert(h).inserted { hashes.append(h) }
        }
        return hashes
    }

    /// Whether the index finds a repeat among `hashes`, as a verify with it would.
    static func indexFindsRepeat(_ hashes: [UInt64]) -> Bool {
        var index = EventIDIndex(capacity: 16)
        for (i, h) in hashes.enumerated() {
            let (first, slot) = index.find(hash: h)
            if first != nil { return true }
            index.insert(hash: h, line: i + 1, at: slot)
        }
        return false
    }

    @Test(arguments: [(1000, 1000), (50_000, 50_000), (50_000, 100), (3000, 0)])
    func aRepeatIsFoundWhereverItIs(count: Int, capacity: Int) {
        var random = SplitMix64(seed: UInt64(count * 31 + capacity))
        for round in 0..<8 {
            var hashes = Self.distinctHashes(count, random: &random)
            if round % 2 == 1 {
                // One hash again, anywhere after its first place.
                let i = Int.random(in: 0..<count, using: &random)
                hashes.insert(hashes[i], at: Int.random(in: (i + 1)...hashes.count, using: &random))
            }
            var deferred = DeferredIDs(capacity: capacity)
            for h in hashes { deferred.append(h) }
            #expect(deferred.count == hashes.count)
            #expect(deferred.containsRepeat() == (round % 2 == 1))
            #expect(deferred.containsRepeat() == Self.indexFindsRepeat(hashes))
        }
    }

    /// A million ids or more are counted in two halves on two threads: a repeat within the
    /// first half, within the second, and across the two is found; none is found where there
    /// is none. (SplitMix64's outputs never repeat: it maps a counter one to one.)
    @Test func aRepeatInAMillionIDsIsFoundInEitherHalfOrAcross() {
        var random = SplitMix64(seed: 11)
        let hashes = (0..<1_200_000).map { _ in random.next() | 2 }
        #expect(Set(hashes.prefix(1000)).count == 1000)
        for (first, second) in [(-1, -1), (10, 500_000), (700_000, 1_100_000), (3, 1_199_990), (599_999, 600_000)] {
            var deferred = DeferredIDs(capacity: hashes.count)
            for (i, h) in hashes.enumerated() { deferred.append(i == second ? hashes[first] : h) }
            #expect(deferred.count == hashes.count)
            #expect(deferred.containsRepeat() == (first >= 0), "\(first), \(second)")
        }
    }

    @Test func aHashOfZeroIsTheSameAsOneAsInTheIndex() {
        var deferred = DeferredIDs(capacity: 10)
        for h: UInt64 in [7, 0, 9, 1] { deferred.append(h) }
        #expect(deferred.containsRepeat())
        #expect(Self.indexFindsRepeat([7, 0, 9, 1]))
        #expect(deferred.index(firstLine: 1, capacity: 10) == nil)
    }

    /// Sized for its ids, the bitmap names few suspects: the check at the end is then a pass
    /// over the hashes with a small table (fails for a bitmap that marks every hash a suspect).
    @Test func aBitmapSizedForTheIDsNamesFewSuspects() {
        var random = SplitMix64(seed: 5)
        let hashes = Self.distinctHashes(100_000, random: &random)
        var deferred = DeferredIDs(capacity: hashes.count)
        for h in hashes { deferred.append(h) }
        #expect(deferred.suspectCount > 0)
        #expect(deferred.suspectCount < hashes.count / 10)
        #expect(!deferred.isCrowded)
        #expect(!deferred.containsRepeat())
    }

    /// Far more ids than its capacity crowd the bitmap: the verifier then makes the index.
    @Test func farMoreIDsThanForetoldCrowdTheBitmap() {
        var random = SplitMix64(seed: 6)
        var deferred = DeferredIDs(capacity: 1000)
        var crowdedAt: Int?
        for h in Self.distinctHashes(100_000, random: &random) {
            deferred.append(h)
            if crowdedAt == nil, deferred.isCrowded { crowdedAt = deferred.count }
        }
        #expect(crowdedAt != nil)
        #expect(crowdedAt! < 50_000)
        #expect(!deferred.containsRepeat())
    }

    /// The index made at the first problem: each id's first line, counted from `firstLine`;
    /// `nil` when an id repeats among them.
    @Test func theIndexHasEachIDsLine() throws {
        var random = SplitMix64(seed: 9)
        let hashes = Self.distinctHashes(5000, random: &random)
        var deferred = DeferredIDs(capacity: 100)
        for h in hashes { deferred.append(h) }
        let index = try #require(deferred.index(firstLine: 3, capacity: 10_000))
        #expect(index.count == hashes.count)
        for (i, h) in hashes.enumerated() { #expect(index.find(hash: h).line == i + 3) }
        #expect(index.find(hash: 12345).line == nil)
        deferred.append(hashes[17])
        #expect(deferred.index(firstLine: 1, capacity: 0) == nil)
    }
}
