import Foundation
import Testing
@testable import Events

@Suite struct PageWarmerTests {
    @Test func aTablesRoomIsTheWholeHugePagesBeyondItsElements() throws {
        var array = PlainArray<UInt64>()
        array.reserveCapacity(3 << 20)   // 24 MiB: on huge pages, 2 MiB aligned
        for i in 0..<300_000 { array.append(UInt64(i)) }   // 2.3 MB filled
        let region = try #require(array.room.region)
        let base = Int(bitPattern: UnsafeRawPointer(try #require(array.unsafeBase)))
        let filledEnd = base + array.count * 8, end = base + array.capacity * 8
        let start = Int(bitPattern: region.base)
        #expect(start % (2 << 20) == 0 && region.bytes % (2 << 20) == 0)
        #expect(start >= filledEnd && start - filledEnd < 2 << 20)
        #expect(start + region.bytes <= end && end - (start + region.bytes) < 2 << 20)
        // A full table, or a small one, has no room to warm.
        #expect(PlainArray<UInt8>(repeating: 1, count: 100).room.region == nil)
    }

    #if os(Linux)
    @Test func warmingMakesTheRoomPresentAndChangesNothing() throws {
        var array = PlainArray<UInt32>()
        // 80 MiB: more than the C library's heaps hand out (64 MiB), so memory never used
        // before, whose pages read as zero. (32 MiB could come from a heap, holding what another
        // test left there.)
        array.reserveCapacity(20 << 20)
        for i in 0..<1_000_000 { array.append(UInt32(i) &* 2_654_435_761) }
        let room = array.room
        let region = try #require(room.region)
        let words = region.base.bindMemory(to: UInt32.self, capacity: region.bytes / 4)
        // Some of the room already written (present), the rest never touched.
        let written = region.bytes / 4 / 3
        for i in 0..<written { words[i] = UInt32(i) | 1 }
        let pages = region.bytes / Int(getpagesize())
        let before = residentPages(region)
        #expect(before < pages)
        let warmer = try #require(PageWarmer.start([room], minimumBytes: 0))
        warmer.advance(tickets: array.capacity, keyBytes: 0)
        warmer.waitUntilDone()
        warmer.stop()   // after the end: returns at once
        // Unless the kernel lacks MADV_POPULATE_WRITE (before 5.14), all of the room is present now.
        if populateWriteWorks() { #expect(residentPages(region) == pages) }
        // The elements, and what the room held, are what they were.
        for i in stride(from: 0, to: 1_000_000, by: 997) { #expect(array[i] == UInt32(i) &* 2_654_435_761) }
        #expect((0..<written).allSatisfy { words[$0] == UInt32($0) | 1 })
        #expect((written..<(region.bytes / 4)).allSatisfy { words[$0] == 0 })
    }

    @Test func theWarmerKeepsItsLeadAheadOfTheTicketsAndNoFurther() throws {
        guard populateWriteWorks() else { return }
        let (array, region) = try untouchedTable(UInt64(1))
        let warmer = try #require(PageWarmer.start([array.room], minimumBytes: 0))
        defer { warmer.stop() }
        // The lead alone, 2^17 tickets of 8 bytes (1 MiB), does not reach the room.
        usleep(100_000)
        #expect(residentPages(region) == 0)
        // 4 M tickets more: (4 M + 2^17) × 8 bytes, 33 MiB of the table, 31 of the room, warmed
        // a 2 MiB slice at a time: 32 MiB, and not the 254.
        warmer.advance(tickets: 4 << 20, keyBytes: 0)
        expectWarmed(region, reaching: 31, then: 32)
    }

    @Test func aTableOfIDsIsPacedByTheBytesOfTheIDsItHolds() throws {
        guard populateWriteWorks() else { return }
        let (array, region) = try untouchedTable(UInt8(1))
        // 16 bytes reserved a ticket, so the lead is 2^17 × 16 bytes, 2 MiB.
        let warmer = try #require(PageWarmer.start([array.room.holding(bytesPerTicket: 16).pacedByKeyBytes()], minimumBytes: 0))
        defer { warmer.stop() }
        // 4 Mi tickets whose ids took 40 MiB (10 bytes each): the table's first 42 MiB, 40 of the
        // room; paced by tickets it would have been (4 Mi + 2^17) × 16 bytes, 64 MiB of the room.
        warmer.advance(tickets: 4 << 20, keyBytes: 40 << 20)
        expectWarmed(region, reaching: 40, then: 40)
    }

    @Test func aWarmerStoppedAtOnceStopsAndChangesNothing() throws {
        let (array, region) = try untouchedTable(UInt64(7))
        let warmer = try #require(PageWarmer.start([array.room], minimumBytes: 0))
        warmer.stop()
        #expect(array[0] == 7 && array.count == 1)
        let words = region.base.bindMemory(to: UInt64.self, capacity: region.bytes / 8)
        #expect(stride(from: 0, to: region.bytes / 8, by: 4_099).allSatisfy { words[$0] == 0 })
    }
    #else
    @Test func elsewhereNoWarmerStarts() {
        var array = PlainArray<UInt64>()
        array.reserveCapacity(32 << 20)
        #expect(PageWarmer.start([array.room], minimumBytes: 0) == nil)
    }
    #endif

    @Test func aSmallRoomStartsNoWarmer() {
        var array = PlainArray<UInt64>()
        array.reserveCapacity(1 << 20)
        #expect(PageWarmer.start([array.room], minimumBytes: 64 << 20) == nil)
    }

    #if os(Linux)
    /// Whether `condition` holds within 10 seconds (polled).
    /// A table of 256 MiB reserved and never touched but for its first element, `first`, and
    /// its room, which starts at the table's second 2 MiB page (the first holds the element).
    private func untouchedTable<Element>(_ first: Element) throws
        -> (table: PlainArray<Element>, region: (base: UnsafeMutableRawPointer, bytes: Int)) {
        var table = PlainArray<Element>()
        table.reserveCapacity((256 << 20) / MemoryLayout<Element>.stride)
        table.append(first)
        let region = try #require(table.room.region)
        #expect(Int(bitPattern: region.base) - Int(bitPattern: UnsafeRawPointer(table.unsafeBase!)) == 2 << 20)
        return (table, region)
    }

    /// Waits until `reaching` MiB of `region` are present, then expects `then` MiB a moment later
    /// (the warmer works 2 MiB at a time, and no further than it was told).
    private func expectWarmed(_ region: (base: UnsafeMutableRawPointer, bytes: Int), reaching: Int, then mebibytes: Int,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let megabyte = (1 << 20) / Int(getpagesize())
        #expect(waitFor { residentPages(region) >= reaching * megabyte }, sourceLocation: sourceLocation)
        usleep(100_000)
        #expect(residentPages(region) == mebibytes * megabyte, sourceLocation: sourceLocation)
    }

    private func waitFor(_ condition: () -> Bool) -> Bool {
        for _ in 0..<1_000 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// Pages of `region` present in memory (`mincore`).
    private func residentPages(_ region: (base: UnsafeMutableRawPointer, bytes: Int)) -> Int {
        let page = Int(getpagesize())
        var flags = [UInt8](repeating: 0, count: (region.bytes + page - 1) / page)
        guard mincore(region.base, region.bytes, &flags) == 0 else { return -1 }
        return flags.reduce(0) { $0 + Int($1 & 1) }
    }

    private func populateWriteWorks() -> Bool {
        let page = Int(getpagesize())
        guard let memory = mmap(nil, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              memory != MAP_FAILED else { return false }
        defer { munmap(memory, page) }
        return madvise(memory, page, SystemCall.populateWrite) == 0
    }
    #endif
}
