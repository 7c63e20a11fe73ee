import Foundation
import Testing
@testable import Events

/// Two sections of a checkpoint file read at the same time (`CheckpointReader.readSections`):
/// what was written comes back, and any damage to either section, to their lengths or to the
/// file's length is refused.
@Suite struct CheckpointSectionTests {
    static let format = CheckpointFormat(magic: 0x5453_4554_5345_4354, version: 1, end: 0x444E_4553_5345_4354, name: "a test file")

    struct Contents: Equatable {
        var before: Int64
        var names: [UInt8]
        var table: [UInt64]
        var counts: [Int32]
        var states: [UInt32]
        var after: Int64
    }

    /// Large tables in both sections (read on two threads each), small arrays and scalars around them.
    static let contents = Contents(before: 7, names: Array("first section".utf8),
                                   table: (0..<300_000).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 },
                                   counts: (0..<1_000).map { Int32($0 * 3) },
                                   states: (0..<200_000).map { UInt32(truncatingIfNeeded: $0 &* 2_654_435_761) }, after: -9)

    static func write(_ c: Contents, to path: String) throws {
        try format.write(to: path, key: "k") { writer in
            writer.write(c.before)
            try writer.writeSection { writer in
                try writer.write(array: c.names)
                try writer.write(plain: plain(c.table))
            }
            try writer.writeSection { writer in
                try writer.write(array: c.counts)
                try writer.write(plain: plain(c.states))
            }
            writer.write(c.after)
        }
    }

    /// Reads the file back; `firstExtra`/`secondExtra` read that many more bytes than were written
    /// in a section (negative: fewer).
    static func read(_ path: String, firstExtra: Int = 0, secondExtra: Int = 0, map: Bool = false) throws -> Contents? {
        try format.read(from: path, key: "k", otherKey: { _ in "other" }) { reader in
            if map { _ = reader.mapTables() }
            let before = try reader.read(Int64.self)
            let (first, second) = try reader.readSections({ reader in
                let names = try reader.readArray(UInt8.self)
                let table = try reader.readPlainArray(UInt64.self)
                try adjust(&reader, by: firstExtra)
                return (names, table.withUnsafeBufferPointer { Array($0) })
            }, { reader in
                let counts = try reader.readArray(Int32.self)
                let states = try reader.readPlainArray(UInt32.self)
                try adjust(&reader, by: secondExtra)
                return (counts, states.withUnsafeBufferPointer { Array($0) })
            })
            return Contents(before: before, names: first.0, table: first.1, counts: second.0, states: second.1,
                            after: try reader.read(Int64.self))
        }
    }

    static func plain<T>(_ values: [T]) -> PlainArray<T> {
        var array = PlainArray<T>()
        values.withUnsafeBufferPointer { array.append(contentsOf: $0) }
        return array
    }

    static func adjust(_ reader: inout CheckpointReader, by extra: Int) throws {
        if extra > 0 { for _ in 0..<extra { _ = try reader.read(UInt8.self) } }
    }

    @Test(arguments: [false, true]) func whatWasWrittenComesBack(mapped: Bool) throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("sections")
        try Self.write(Self.contents, to: path)
        #expect(try Self.read(path, map: mapped) == Self.contents)
    }

    @Test func aSectionReadShortOrLongIsRefused() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("sections")
        try Self.write(Self.contents, to: path)
        // A reader that stops short of its section's end, or reads past it, is refused.
        #expect(throws: CheckpointError.self) { try Self.read(path, firstExtra: 1) }
        #expect(throws: CheckpointError.self) { try Self.read(path, secondExtra: 1) }
        #expect(throws: CheckpointError.self, "sections read in part were accepted") {
            try Self.format.read(from: path, key: "k", otherKey: { _ in "other" }) { reader -> Int in
                _ = try reader.read(Int64.self)
                _ = try reader.readSections({ reader in try reader.readArray(UInt8.self) }, { reader in try reader.readArray(Int32.self) })
                return 0
            }
        }
    }

    @Test func everyDamageIsRefused() throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let path = dir.file("sections")
        try Self.write(Self.contents, to: path)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        // The header (magic, version, key: 21 bytes), the scalar before (8), the first section's
        // length, the first section, the second's length, the second section, the scalar after,
        // the end marker and the checksum.
        let keyEnd = 8 + 4 + 8 + 1
        let firstLengthAt = keyEnd + 8
        let firstSize = original[firstLengthAt..<(firstLengthAt + 8)].withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
        let secondLengthAt = firstLengthAt + 8 + Int(firstSize)
        let secondSize = original[secondLengthAt..<(secondLengthAt + 8)].withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
        let secondAt = secondLengthAt + 8
        #expect(firstSize > 2_400_000 && secondSize > 800_000 && secondAt + Int(secondSize) + 24 == original.count)
        var positions = Array(keyEnd..<(firstLengthAt + 24)) + Array(secondLengthAt..<(secondAt + 16)) + Array((original.count - 24)..<original.count)
        var generator = SystemRandomNumberGenerator()
        positions += (0..<80).map { _ in Int.random(in: keyEnd..<original.count, using: &generator) }
        for at in positions {
            var damaged = original
            damaged[at] ^= 0x5A
            try damaged.write(to: URL(fileURLWithPath: path))
            for mapped in [false, true] {
                #expect(throws: CheckpointError.self, "a byte flipped at \(at) was not refused") { try Self.read(path, map: mapped) }
            }
        }
        // Cut short anywhere, or longer by a byte.
        for length in [0, 8, keyEnd, firstLengthAt + 4, secondLengthAt + 4, secondAt - 1, secondAt + 4, original.count / 2, original.count - 9,
                       original.count - 1] {
            try original.prefix(length).write(to: URL(fileURLWithPath: path))
            #expect(throws: CheckpointError.self, "cut at \(length) was not refused") { try Self.read(path) }
        }
        try (original + [0]).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { try Self.read(path) }
    }
}
