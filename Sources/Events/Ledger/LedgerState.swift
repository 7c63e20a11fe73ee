#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a ``Ledger`` keeps of a log, saved to a file so that the next process that opens the
/// log reads only the lines appended since, not the whole log (`ledger-cli append` keeps one
/// beside the log, `LOG.ledger-state`).
///
/// The file holds a header (magic, format version, the sizes of the stored values), the
/// covered prefix's length, line, event and ticket counts, its last (up to 64) bytes, the hash
/// chain's first and last chained line and head, the offsets of every 1024th line, then the
/// life-cycle validator's state and the id index as plain tables, an end marker, and the
/// XXH64 checksum of every byte before it. It is written to a temporary file, flushed and
/// renamed, so a crash never leaves half a state.
///
/// Loading follows ``CheckpointReader``'s discipline: the file is read with `pread`, never
/// mapped; the checksum must match and every value is range-checked before any is used. The
/// state is then used only if the log still starts with what it describes: the log is at least
/// as long, the recorded last bytes are at the recorded length, and in a chained log the chain
/// value of the line ending there is the recorded head (an edit before it, sealed again, moves
/// the head). An edit of an unchained log before that point that keeps the length and the last
/// 64 bytes is not seen; `ledger-cli verify` is the audit for that. Anything else that does not
/// fit is refused with a reason, and the ledger reads the whole log.
package struct LedgerState {
    /// "LEDGERST", version 4, "STATEEND". Version 2: tables start at 4 KiB boundaries. 3: the
    /// ticket state holds the key of its latest event's id, and the validator the events at a
    /// ticket's latest time when there are more than one. 4: those keys have 48 bits, not 31,
    /// and the state's flags are bits of one byte.
    static let format = CheckpointFormat(magic: 0x5453_5245_4744_454C, version: 4, end: 0x444E_4545_5441_5453,
                                         name: "a ledger state file")

    var byteCount: Int64
    var lineCount: Int
    var eventCount: Int
    var ticketCount: Int
    /// The covered prefix's last bytes (up to 64).
    var tail: [UInt8]
    /// The covered prefix's fingerprint (see ``fingerprint(fd:upTo:)``).
    var fingerprint: [UInt8]
    var chain: ChainSummary
    /// The offset of line `1 + k * stride`.
    var lineOffsets: [Int64]
    var lifecycle: LifecycleValidator
    var ids: EventIDIndex

    /// The files appends keep beside a log — its append marker and its default state file — with
    /// what they are, for the commands that must never write an output over them.
    package static func sideFiles(ofLog log: String) -> [(path: String, role: String)] {
        [(PendingAppend.markerPath(forLog: log), "the log's append marker"), (defaultPath(forLog: log), "the log's state file")]
    }

    /// The default state file of a log.
    package static func defaultPath(forLog log: String) -> String { FileIdentity.followingLinks(log) + ".ledger-state" }

    static var layout: String {
        (LifecycleValidator.checkpointLayout + [MemoryLayout<Int>.size, MemoryLayout<UInt64>.size, MemoryLayout<Int32>.size])
            .map(String.init).joined(separator: ",")
    }

    /// Writes the state to `path`, atomically (temporary file, `fsync`, `rename`).
    func save(to path: String) throws {
        try Self.format.write(to: path, key: Self.layout) { writer in
            writer.write(byteCount)
            writer.write(Int64(lineCount))
            writer.write(Int64(eventCount))
            writer.write(Int64(ticketCount))
            try writer.write(array: tail)
            try writer.write(array: fingerprint)
            writer.write(Int64(chain.firstLine ?? 0))
            writer.write(Int64(chain.lastLine ?? 0))
            try writer.write(array: chain.head?.bytes ?? [])
            try writer.write(array: lineOffsets)
            // Tables made large in advance (a new ledger's) are kept at the size their entries
            // need (the validator's name tables compact themselves).
            try lifecycle.write(to: &writer)
            try ids.compacted().write(to: &writer)
        }
    }

    /// Reads the state file at `path`.
    /// - Parameter stride: The ledger's line-offset stride (the offsets must fit it).
    /// - Returns: `nil` when there is no such file.
    /// - Throws: ``CheckpointError`` saying why an existing file cannot be used.
    static func load(from path: String, stride: Int) throws -> LedgerState? {
        try format.read(from: path, key: layout, otherKey: { _ in "written on another machine layout" }) { reader in
            try read(from: &reader, stride: stride)
        }
    }

    /// Reads and range-checks what ``save(to:)`` writes between the header and the end marker.
    private static func read(from reader: inout CheckpointReader, stride: Int) throws -> LedgerState {
        let byteCount = try reader.read(Int64.self)
        let lineCount = try reader.read(Int64.self)
        let eventCount = try reader.read(Int64.self)
        let ticketCount = try reader.read(Int64.self)
        let tail = try reader.readArray(UInt8.self)
        let fingerprint = try reader.readArray(UInt8.self)
        let firstChained = try reader.read(Int64.self)
        let lastChained = try reader.read(Int64.self)
        let head = try reader.readArray(UInt8.self)
        // Lines are stored as 32-bit numbers by the validator and the id index.
        guard byteCount >= 0, lineCount >= 0, lineCount <= byteCount, lineCount < Int64(Int32.max),
              eventCount == lineCount, ticketCount >= 0, ticketCount <= eventCount,
              Int64(tail.count) == min(byteCount, 64), fingerprint.count == 32, tail.last == (byteCount == 0 ? nil : 0x0A)
        else { throw CheckpointError("damaged (header)") }
        let chained = firstChained != 0
        guard chained ? (firstChained >= 1 && firstChained <= lastChained && lastChained <= lineCount && head.count == 32)
                      : (lastChained == 0 && head.isEmpty)
        else { throw CheckpointError("damaged (chain)") }
        let lineOffsets = try reader.readArray(Int64.self)
        guard Int64(lineOffsets.count) == (lineCount + Int64(stride) - 1) / Int64(stride), lineOffsets.first.map({ $0 == 0 }) ?? true,
              zip(lineOffsets, lineOffsets.dropFirst()).allSatisfy({ $0 < $1 }), (lineOffsets.last ?? 0) <= max(byteCount - 1, 0)
        else { throw CheckpointError("damaged (line offsets)") }
        let lifecycle = try LifecycleValidator(from: &reader, lines: Int(lineCount))
        guard Int64(lifecycle.tickets.count) >= ticketCount else { throw CheckpointError("damaged (ticket count)") }
        let ids = try EventIDIndex(from: &reader, lines: Int(lineCount))
        guard Int64(ids.count) == eventCount else { throw CheckpointError("damaged (id count)") }
        var summary = ChainSummary()
        if chained {
            summary.firstLine = Int(firstChained)
            summary.lastLine = Int(lastChained)
            summary.head = SHA256.Digest(bytes: head)
        }
        return LedgerState(byteCount: byteCount, lineCount: Int(lineCount), eventCount: Int(eventCount),
                           ticketCount: Int(ticketCount), tail: tail, fingerprint: fingerprint, chain: summary, lineOffsets: lineOffsets,
                           lifecycle: lifecycle, ids: ids)
    }

    /// Throws unless the log open as `fd`, `length` bytes long (settled ones), still starts with
    /// the prefix this state describes.
    func check(log fd: Int32, length: Int64) throws {
        guard length >= byteCount else {
            throw CheckpointError("the log is shorter than when the state was saved (truncated or replaced)")
        }
        // The last bytes, and in a chained log the whole `,"chain":"<hex>"}` member of the last line.
        let count = Int(min(byteCount, 96))
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 {
            try bytes.withUnsafeMutableBytes { try CheckpointReader.readFully(fd, into: $0.baseAddress!, count: count, at: byteCount - Int64(count)) }
        }
        guard bytes.suffix(tail.count).elementsEqual(tail) else {
            throw CheckpointError("the log's first \(byteCount) bytes no longer end as they did when the state was saved (edited or replaced)")
        }
        if chain.lastLine == lineCount, let head = chain.head {
            let member = Array(#","chain":""#.utf8) + Array(head.hex.utf8) + Array("\"}\n".utf8)
            guard bytes.count >= member.count, bytes.suffix(member.count).elementsEqual(member) else {
                throw CheckpointError("the chain value of the log's line \(lineCount) is not the one saved (the log was edited and sealed again)")
            }
        }
        guard try Self.fingerprint(fd: fd, upTo: byteCount) == fingerprint else {
            throw CheckpointError("the log's first \(byteCount) bytes changed since the state was saved (edited or replaced)")
        }
    }

    /// The fingerprint of the log's first `offset` bytes, as a replay checkpoint takes it
    /// (see ``LogFingerprint``).
    static func fingerprint(fd: Int32, upTo offset: Int64) throws -> [UInt8] {
        try LogFingerprint.of(fd: fd, upTo: offset)
    }
}
