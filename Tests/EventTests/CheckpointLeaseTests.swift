import Foundation
import Testing
@testable import Events

/// Mapped tables (``PlainArray/init(mapping:offset:count:)``) and the read lease that makes
/// mapping a checkpoint safe (``CheckpointLease``).
@Suite struct CheckpointLeaseTests {
    /// A file of `pages` pages in a fresh temporary directory: page p holds the `UInt64`s
    /// p × 1000 + i, i = 0, 1, … 511.
    final class PagedFile {
        let directory = NSTemporaryDirectory() + "ledger-lease-\(UUID().uuidString)"
        var path: String { directory + "/table" }

        init(pages: Int) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var values: [UInt64] = []
            for p in 0..<pages { values += (0..<512).map { UInt64(p * 1000 + $0) } }
            try values.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path))
        }

        func contents() throws -> [UInt64] {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return data.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test func aMappedTableReadsTheFileWritesOnlyItsOwnCopyAndGrows() throws {
        let file = try PagedFile(pages: 4)
        let fd = open(file.path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        // Pages 1...2: the second page onwards, 600 values (part of page 2 is past the table).
        var table = try PlainArray<UInt64>(mapping: fd, offset: 4096, count: 600)
        #expect(table.isMapped && table.count == 600)
        #expect(table[0] == 1000 && table[511] == 1511 && table[512] == 2000 && table[599] == 2087)
        table[3] = 7
        table.append(99)
        #expect(table.isMapped && table[3] == 7 && table[600] == 99 && table.count == 601)
        #expect(try file.contents()[512 + 3] == 1003 && file.contents()[512 + 600] == 2088, "the file is never written")
        // A copy shares the mapping until one of them is changed; the changed one moves.
        var copy = table
        table[4] = 8
        #expect(!table.isMapped && table[4] == 8 && table[3] == 7 && table[600] == 99)
        #expect(copy.isMapped && copy[4] == 1004 && copy[3] == 7)
        // Within the reserved room the table stays mapped; past it, it moves into memory of its own.
        let room = copy.capacity
        for i in 601..<room { copy.append(UInt64(i)) }
        #expect(copy.isMapped && copy[room - 1] == UInt64(room - 1))
        copy.append(1)
        #expect(!copy.isMapped && copy.count == room + 1)
        #expect(copy[0] == 1000 && copy[3] == 7 && copy[599] == 2087 && copy[600] == 99 && copy[room - 1] == UInt64(room - 1)
                && copy[room] == 1)
    }

    @Test func aMappingOfNothingIsEmptyAndGrows() throws {
        let file = try PagedFile(pages: 1)
        let fd = open(file.path, O_RDONLY)
        defer { close(fd) }
        var table = try PlainArray<UInt64>(mapping: fd, offset: 0, count: 0)
        #expect(table.isEmpty)
        table.append(5)
        #expect(table[0] == 5 && table.count == 1)
    }

    #if os(Linux)
    /// `sh -c 'printf x >> FILE'`, started: it opens the file for writing.
    static func startWriter(_ path: String) throws -> Process {
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "printf x >> \"$0\"", path]
        try writer.run()
        return writer
    }

    /// Waits up to 10 s for `condition`.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<1_000 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test func aLeasedFileWaitsForItsMappingsBeforeAnyoneWritesIt() throws {
        let file = try PagedFile(pages: 2)
        let fd = open(file.path, O_RDONLY)
        var lease = CheckpointLease.take(on: fd)
        try #require(lease != nil, "this file system grants read leases")
        var table: PlainArray<UInt64>? = try PlainArray<UInt64>(mapping: fd, offset: 0, count: 1024)
        close(fd)
        #expect(lease?.isHeld == true)
        let writer = try Self.startWriter(file.path)
        // The writer's open waits; the lease is being broken (and this process is not ended
        // by the notification, which goes nowhere).
        #expect(Self.eventually { lease?.isHeld == false })
        usleep(200_000)
        #expect(writer.isRunning, "the writer waits while the table is mapped")
        #expect(table?[1023] == 1511)
        // The lease lasts while the open file does: the descriptor here and the mapping.
        table = nil
        usleep(200_000)
        #expect(writer.isRunning, "the lease's own descriptor still holds the file")
        lease = nil
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: file.path)).count == 2 * 4096 + 1)
    }

    @Test func noLeaseWhileTheFileIsOpenForWritingNorOnAWritableDescriptor() throws {
        let file = try PagedFile(pages: 1)
        let writing = open(file.path, O_WRONLY)
        defer { close(writing) }
        let fd = open(file.path, O_RDONLY)
        defer { close(fd) }
        #expect(CheckpointLease.take(on: fd) == nil, "the file is open for writing")
        #expect(CheckpointLease.take(on: writing) == nil, "a read lease needs a read-only descriptor")
    }
    #endif
}
