import Foundation
import Testing
@_spi(Replay) @testable import Events

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

    @Test func aMappedArrayReadsTheFileAndNeverWritesIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let page = PlainArray<UInt32>.pageSize
        // A page of something else, then 3,000 values at a page boundary, then more bytes.
        var bytes = [UInt8](repeating: 0xAB, count: page)
        for i in 0..<3_000 { withUnsafeBytes(of: UInt32(i * 7)) { bytes += $0 } }
        bytes += [UInt8](repeating: 0xCD, count: 100)
        let path = try dir.bytes("table", bytes)
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        var array = try PlainArray<UInt32>(mapping: fd, offset: Int64(page), count: 3_000)
        close(fd)
        let copy = array
        #expect(array.count == 3_000 && array[0] == 0 && array[2_999] == 2_999 * 7)
        array[5] = 1
        for i in 0..<50_000 { array.append(UInt32(i)) }
        #expect(array[5] == 1 && array[3_000] == 0 && array[52_999] == 49_999)
        #expect(copy[5] == 35 && copy.count == 3_000)
        #expect(try dir.read("table") == bytes, "the file is unchanged")
        // Past the reserved room it moves to allocated memory.
        for i in 0..<5_000_000 { array.append(UInt32(truncatingIfNeeded: i)) }
        #expect(array[5] == 1 && array[2_999] == 2_999 * 7 && array[5_052_999] == 4_999_999)
    }
}
