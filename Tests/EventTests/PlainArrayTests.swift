import Foundation
import Testing
@testable import Events

@Suite struct PlainArrayTests {
    @Test func growsAndKeepsItsElements() {
        var array = PlainArray<Int32>()
        #expect(array.isEmpty)
        for i in 0..<100_000 { array.append(Int32(i)) }
        array.append(repeating: -1, count: 5)
        [Int32(7), 8].withUnsafeBufferPointer { array.append(contentsOf: $0) }
        #expect(array.count == 100_007)
        #expect(array[99_999] == 99_999 && array[100_000] == -1 && array[100_006] == 8)
        array[3] = 42
        #expect(array[3] == 42)
        array.removeLast(7)
        #expect(array.count == 100_000)
        let sum = array.withUnsafeBufferPointer { $0.reduce(0) { $0 + Int($1) } }
        #expect(sum == 99_999 * 100_000 / 2 - 3 + 42)
    }

    @Test func copiesShareStorageUntilOneIsChanged() {
        var a = PlainArray<UInt64>(repeating: 1, count: 10)
        var b = a
        b[0] = 2
        b.append(3)
        #expect(a[0] == 1 && a.count == 10)
        #expect(b[0] == 2 && b.count == 11)
        a.withUnsafeMutableBufferPointer { $0[9] = 9 }
        #expect(a[9] == 9 && b[9] == 1)
    }

    @Test func appendingInReservedRoomKeepsTheStorageInPlace() {
        var array = PlainArray<UInt64>(repeating: 5, count: 3)
        array.reserveCapacity(10)
        let base = array.unsafeBase
        for i in 0..<7 { array.appendInReservedRoom(UInt64(i)) }
        #expect(array.count == 10 && array.unsafeBase == base)
        #expect(array[2] == 5 && array[3] == 0 && array[9] == 6)
    }

    @Test func appendingWithoutReservedRoomStops() async {
        await #expect(processExitsWith: .failure) {
            var array = PlainArray<UInt64>()
            array.reserveCapacity(2)
            for i in 0..<(array.capacity + 1) { array.appendInReservedRoom(UInt64(i)) }
        }
    }

    @Test func anArrayFilledInPlaceKeepsItsElementsAndGrowsWithoutMoving() {
        var array = PlainArray<UInt32>(count: 3_000, capacity: 4_000) { bytes in
            let values = bytes.bindMemory(to: UInt32.self)
            for i in values.indices { values[i] = UInt32(i * 7) }
        }
        #expect(array.count == 3_000 && array.capacity >= 4_000 && array[0] == 0 && array[2_999] == 2_999 * 7)
        let base = array.unsafeBase
        for i in 0..<500 { array.append(UInt32(i)) }
        #expect(array.unsafeBase == base, "grown within its capacity")
        let copy = array
        array[5] = 1
        #expect(array[5] == 1 && array[3_000] == 0 && array[3_499] == 499)
        #expect(copy[5] == 35 && copy.count == 3_500)
        for i in 0..<5_000_000 { array.append(UInt32(truncatingIfNeeded: i)) }
        #expect(array[5] == 1 && array[2_999] == 2_999 * 7 && array[5_003_499] == 4_999_999)
        let empty = PlainArray<UInt64>(count: 0, capacity: 0) { _ in Issue.record("nothing to fill") }
        #expect(empty.isEmpty)
    }

    /// Sizes below, at and above the one from which two threads write a part each, with a
    /// count that does not split evenly; the memory is dirtied first, so that a part left
    /// unwritten shows.
    @Test(arguments: [1, 1_000, PlainArray<UInt64>.parallelFillBytes / 8, PlainArray<UInt64>.parallelFillBytes / 8 * 3 + 5])
    func aTableFilledInParallelHoldsTheValueEverywhere(count: Int) {
        do {
            // Memory the C library may hand out again, full of other values.
            var dirty = PlainArray<UInt64>(repeating: 0xDEAD_BEEF, count: count)
            dirty[count - 1] = 1
        }
        var array = PlainArray<UInt64>(repeating: 0x5A5A, parallelCount: count)
        #expect(array.count == count)
        let wrong = array.withUnsafeBufferPointer { elements in elements.indices.filter { elements[$0] != 0x5A5A } }
        #expect(wrong.isEmpty, "\(wrong.count) elements not written, the first at \(wrong.first ?? -1)")
        array.append(7)
        #expect(array.count == count + 1 && array[count] == 7 && array[count - 1] == 0x5A5A)
        #expect(PlainArray<UInt64>(repeating: 1, parallelCount: 0).isEmpty)
    }

    @Test func aSequentialArrayGrowsAndCopiesOnSmallPages() throws {
        var array = PlainArray<UInt64>(sequentialCapacity: 1_000)
        #expect(array.isEmpty && array.capacity >= 1_000)
        // Past its capacity and past 2 MiB (16 MiB of elements): grown, not moved to huge pages.
        for i in 0..<2_000_000 { array.append(UInt64(i) &* 3) }
        var copy = array
        copy.append(7)
        #expect(array.count == 2_000_000 && copy.count == 2_000_001)
        #expect(array[1_999_999] == 5_999_997 && copy[1_999_999] == 5_999_997 && copy[2_000_000] == 7)
        for i in 0..<1_000_000 { copy.append(UInt64(i)) }
        #expect(copy[3_000_000] == 999_999 && copy[1_000] == 3_000)
        #if os(Linux)
        // Whether a table's memory was advised for huge pages (`hg` in its mapping's `VmFlags`).
        func advisedHuge(_ address: UnsafeMutableRawPointer) throws -> Bool? {
            // /proc files report a size of 0: read to the end rather than by the size.
            let data = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps")).readDataToEndOfFile()
            let at = UInt(bitPattern: address)
            var inside = false
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard let first = fields.first else { continue }
                if !first.hasSuffix(":") {
                    let bounds = first.split(separator: "-").compactMap { UInt($0, radix: 16) }
                    inside = bounds.count == 2 && bounds[0] <= at && at < bounds[1]
                } else if inside, first == "VmFlags:" {
                    return fields.contains("hg")
                }
            }
            return nil
        }
        for (table, name) in [(array, "array"), (copy, "copy")] {
            #expect(try advisedHuge(UnsafeMutableRawPointer(table.unsafeBase!)) == false, "\(name) on small pages")
        }
        if FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage") {
            let random = PlainArray<UInt64>(repeating: 0, count: 2_000_000)
            #expect(try advisedHuge(UnsafeMutableRawPointer(random.unsafeBase!)) == true, "a table probed at random on huge pages")
        }
        #endif
    }

    @Test func xxh64GivesTheReferenceDigestsWholeOrInPieces() {
        let text = Array("Nobody inspects the spammish repetition".utf8)
        var long: [UInt8] = []
        for _ in 0..<4 { long += (0...255).map { UInt8($0) } }
        long += Array("xyz".utf8)
        let cases: [([UInt8], UInt64)] = [([], 0xEF46_DB37_51D8_E999), (Array("a".utf8), 0xD24E_C4F1_A98C_6E5B),
                                          (Array("abc".utf8), 0x44BC_2CF5_AD77_0999), (text, 0xFBCE_A83C_8A37_8BF1),
                                          (long, 0xE146_CB31_B65B_C21A)]
        for (bytes, digest) in cases {
            #expect(bytes.withUnsafeBytes { XXH64.hash($0) } == digest)
            // Fed in pieces of every size from 1 to 40 bytes: the same digest.
            for piece in 1...40 {
                var hasher = XXH64()
                bytes.withUnsafeBytes { raw in
                    var i = 0
                    while i < raw.count {
                        let n = min(piece, raw.count - i)
                        hasher.update(UnsafeRawBufferPointer(rebasing: raw[i..<(i + n)]))
                        i += n
                    }
                }
                #expect(hasher.finalize() == digest, "pieces of \(piece)")
            }
        }
        #expect(Array("abc".utf8).withUnsafeBytes { XXH64.hash($0, seed: 0x9E37_79B9_7F4A_7C15) } == 0x2ED0_F59D_6B43_AC8B)
    }
}
