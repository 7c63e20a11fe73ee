#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Events
import Synchronization

/// A saved replay: the fold state after a prefix of a log, and what identifies that prefix.
///
/// The file holds a header (magic, format version, the sizes of the stored values, the
/// projections' options and, for a log that is not a file, its store), the prefix's length,
/// line and event counts, its fingerprint and the chain value of its last line, then the
/// validator's state and the projections' as two sections of plain arrays (each with its
/// length and a checksum of its own, so that they are read at the same time), an end marker,
/// and the XXH64 checksum of every byte before it (the sections' through their checksums).
/// It is written to a temporary file and renamed, so a crash never leaves half a checkpoint.
///
/// Loading reads the whole file into memory, checks the checksum, and range-checks every
/// stored value before any is used; a checkpoint that fails any check is ignored (the caller
/// warns and replays the whole log, then writes a fresh one). With `mapping`, when the log's
/// new tail is small (the replay is short), the file is leased and its large tables are mapped
/// instead of read (hashed and checked all the same): see ``lease``. (Without a lease a mapped
/// file cut short under the process would kill it with SIGBUS, and one rewritten in place
/// would change its tables.)
///
/// The fingerprint is a SHA-256 over the prefix's length, its first and last 64 KiB and 256
/// windows of 4 KiB spread evenly over it (overlaps hashed once): truncation, a rewrite, or any edit that moves
/// bytes (adding or removing a character shifts every later line, so the last 64 KiB
/// changes) is detected. In a hash-chained log, the prefix's last line carries a chain value
/// that depends on every byte before it; it is stored and compared, so an edit anywhere
/// before the checkpoint that leaves the log verifying (the chain sealed again after the
/// edit) is detected too. An edit that keeps the length, misses every sampled window and is
/// not sealed into the chain is not: `ledger-cli verify` is the audit for that (it reports a
/// chained log's broken link at the edited line).
///
/// A log kept as numbered lines (``StreamedLog``, a PostgreSQL ledger) is identified by its
/// store (the key names it: a checkpoint of a file, of another database or of another table is
/// not used), the number of lines folded, the fingerprint of those lines
/// (``LogFingerprint/of(_:upTo:)``: sampled lines, the last always) and the chain value of the
/// last; the length is that of the bytes streamed.
struct ReplayCheckpoint {
    static let fileName = "replay.checkpoint"
    /// "LEDGERCK", version 8, "CHECKEND". Version 2: the validator's ticket state holds pending
    /// supervisions and the adjustment flag in what were padding bytes, so a version 1 file is
    /// not read. 3: the large tables start at page boundaries and are mapped, not read;
    /// name-table offsets are 32-bit. 4: read, not mapped (no page padding); the chain value of
    /// the prefix's last line; a checksum of the whole file at its end. 5: tables of 16 KiB
    /// and more start at 4 KiB boundaries again, so that they can be mapped under a lease
    /// (``CheckpointLease``). 6: the ticket state holds the key of its latest event's id, and
    /// the validator the events at a ticket's latest time when there are more than one. 7: those
    /// keys have 48 bits, not 31, and the state's flags are bits of one byte. 8: the validator's
    /// state and the projections' are two sections (``CheckpointWriter/writeSection(_:)``),
    /// read at the same time. 9: the header holds the projections' as-of instants and the latest
    /// time the prefix's lines were known at (``ReplayFold/knownThrough``), so that a checkpoint
    /// as of one instant serves a replay as of another (see ``key(for:maxLineBytes:)``).
    static let format = CheckpointFormat(magic: 0x4B43_5245_4744_454C, version: 9, end: 0x444E_454B_4345_4843,
                                         name: "a replay checkpoint")

    /// The part of the log folded.
    var prefix: Prefix
    /// The validator's and projections' state after it.
    var fold: ReplayFold
    /// The lease under which the file's large tables are mapped, or `nil` when they were read.
    /// Nothing folded from the mapped tables is to be used unless it is still held after the fold.
    var lease: CheckpointLease?

    /// What identifies the part of a log a checkpoint folded.
    struct Prefix: Equatable {
        /// Bytes of the log folded (a line boundary; for a streamed log, the bytes streamed).
        var offset: Int64
        /// Lines and valid events in those bytes.
        var lines, events: Int
        /// See the type's documentation (a file's) or ``LogFingerprint/of(_:upTo:)`` (a streamed log's).
        var fingerprint: [UInt8]
        /// The 64 hex digits of the chain value of the line that ends at `offset`, or empty when
        /// that line carries no chain member.
        var chain: [UInt8]
    }

    /// What the checkpoint depends on besides the log: the value layout, the projections' options
    /// and the longest line read, when it is not the default (a prefix folded under a higher limit
    /// may hold a line a lower one refuses; the default's checkpoints keep the key they had).
    ///
    /// An as-of instant is named only as `asOf=set`: the instants are in the header, and a
    /// checkpoint as of one instant serves a replay as of another when every line it folded was
    /// known by both (the lines known in the log's order, the latest by then): its events are
    /// the same, and its open tickets are placed again for the new instant
    /// (``Projection/countDeadlines(comingBy:)``). So `--as-of now` resumes from the checkpoint
    /// of the run before. Otherwise only the same instant does.
    static func key(for options: [ProjectionOptions], maxLineBytes: Int = LogInput.defaultMaxLineBytes) -> String {
        let layout = (LifecycleValidator.checkpointLayout + Projection.checkpointLayout).map(String.init).joined(separator: ",")
        let parts = options.map { o in
            "offset=\(o.utcOffsetSeconds);attribution=\(o.attribution.rawValue);channel=\(o.channel.map { "\"\($0)\"" } ?? "all");"
                + "asOf=\(o.asOf == nil ? "none" : "set")"
        }
        let limit = maxLineBytes == LogInput.defaultMaxLineBytes ? "" : "|maxLineBytes=\(maxLineBytes)"
        return "layout=\(layout)|" + parts.joined(separator: "|") + limit
    }

    /// Whether a checkpoint whose projections were as of `stored` (nanoseconds, `.max`: none),
    /// after lines known by `knownThrough` (``ReplayFold/knownThrough``), serves projections as of
    /// `requested`; else why not.
    static func instantsMismatch(stored: [Int64], knownThrough: Int64, requested: [ProjectionOptions]) -> String? {
        guard stored.count == requested.count else { return "damaged (as-of instants)" }
        for (instant, options) in zip(stored, requested) {
            let wanted = options.asOf?.nanoseconds ?? .max
            guard instant != wanted else { continue }
            guard instant != .max, wanted != .max else { return "damaged (as-of instants)" }
            if knownThrough == .max || knownThrough > min(instant, wanted) {
                let made = Timestamp(nanoseconds: instant).rfc3339(offsetSeconds: options.utcOffsetSeconds)
                return "made as of \(made), and the part of the log it folded has events recorded after that or after --as-of, "
                    + "or recorded out of the log's order"
            }
        }
        return nil
    }

    /// The fingerprint of the log's first `offset` bytes (see the type's documentation).
    static func fingerprint(of path: String, upTo offset: Int64) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckpointError("cannot open the log") }
        defer { close(fd) }
        do {
            return try LogFingerprint.of(fd: fd, upTo: offset)
        } catch {
            throw CheckpointError("the log is shorter than the checkpoint")
        }
    }

    /// The hex digits of the `chain` member ending the line that ends at byte `offset` of the
    /// log (`,"chain":"<64 hex>"}` then the newline), or empty when that line has none.
    static func chainValue(of path: String, endingAt offset: Int64) throws -> [UInt8] {
        let length = chainMemberLength + 1
        guard offset >= Int64(length) else { return [] }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckpointError("cannot open the log") }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: length)
        let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, length, off_t(offset - Int64(length))) }
        guard got == length else { throw CheckpointError("the log is shorter than the checkpoint") }
        guard bytes[chainMemberLength] == 0x0A else { return [] }
        return chainValue(ending: bytes[..<chainMemberLength])
    }

    /// `,"chain":"<64 hex>"}`: how a chained line ends.
    static let chainMemberLength = 10 + 64 + 2

    /// The hex digits of the `chain` member that a line ending with `tail` (its last
    /// ``chainMemberLength`` bytes, without the newline) ends with, or empty when it has none.
    static func chainValue(ending tail: ArraySlice<UInt8>) -> [UInt8] {
        guard tail.count == chainMemberLength else { return [] }
        let hex = tail.dropFirst(10).prefix(64)
        guard tail.prefix(10).elementsEqual(#","chain":""#.utf8), tail.suffix(2).elementsEqual("\"}".utf8),
              hex.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        else { return [] }
        return Array(hex)
    }

    /// Loads the checkpoint in `directory` if it fits `log` and `options`.
    /// - Returns: `nil` when there is no checkpoint yet.
    /// - Throws: ``CheckpointError`` saying why an existing checkpoint cannot be used.
    /// - Parameter mapping: Map the large tables (under a lease) when the log's bytes after the
    ///   checkpoint are few enough that the replay will not rewrite it (``isSmallTail(_:after:)``).
    static func load(directory: String, log: CheckpointedLog, options: [ProjectionOptions], maxLineBytes: Int = LogInput.defaultMaxLineBytes,
                     mapping: Bool = false) throws -> ReplayCheckpoint? {
        // The log's fingerprint is taken on a second thread while this one reads and checks the
        // state. Nothing read is used before the checksum at the end matches and every value
        // passed its range check; the first check that fails is reported.
        var fingerprintTask: FingerprintTask?
        var header: Prefix?
        var knownThrough = Int64.min, instants: [Int64] = []
        let state = try format.read(from: directory + "/" + fileName, key: log.keyPrefix + key(for: options, maxLineBytes: maxLineBytes),
                                    otherKey: { log.mismatch(storedKey: $0) ?? "made with other options (rules, time zone, channel, --as-of or --max-line-bytes)" }) { reader in
            let offset = try reader.read(Int64.self)
            let lines = try reader.read(Int64.self)
            let events = try reader.read(Int64.self)
            let fingerprint = try reader.readArray(UInt8.self)
            let chain = try reader.readArray(UInt8.self)
            knownThrough = try reader.read(Int64.self)
            instants = try reader.readArray(Int64.self)
            guard offset >= 0, lines >= 0, lines <= offset, events >= 0, events <= lines, fingerprint.count == 32,
                  chain.isEmpty || chain.count == 64
            else { throw CheckpointError("damaged (header)") }
            let prefix = Prefix(offset: offset, lines: Int(lines), events: Int(events), fingerprint: fingerprint, chain: chain)
            if let mismatch = instantsMismatch(stored: instants, knownThrough: knownThrough, requested: options) {
                // A checkpoint of another log (or of this one before an edit) says so first.
                switch log {
                case .file(let path): try checkFile(path, prefix, FingerprintTask(log: path, offset: offset))
                case .stream: try checkStream(try log.prefix(offset: offset, lines: prefix.lines), prefix)
                }
                throw CheckpointError(mismatch)
            }
            header = prefix
            if case .file(let path) = log {
                fingerprintTask = FingerprintTask(log: path, offset: offset)
                var logStat = stat()
                if mapping && stat(path, &logStat) == 0 && isSmallTail(Int64(logStat.st_size) - offset, after: offset) {
                    _ = reader.mapTables()
                }
            }
            // The validator's section and the projections' are read at the same time.
            let (lifecycle, projections) = try reader.readSections({ reader in
                try LifecycleValidator(from: &reader, lines: Int(lines))
            }, { reader in
                let count = try reader.read(Int64.self)
                guard count == Int64(options.count) else { throw CheckpointError("damaged (projection count)") }
                var projections: [Projection] = []
                for o in options { projections.append(try Projection(options: o, from: &reader, events: Int(events))) }
                return projections
            })
            guard projections.allSatisfy({ $0.fits(tickets: lifecycle.tickets.count, units: lifecycle.units.count) }) else {
                throw CheckpointError("damaged (projection)")
            }
            return (lifecycle, projections, reader.lease)
        }
        guard let (lifecycle, projections, lease) = state else { return nil }
        guard let header else { throw CheckpointError("damaged (header)") }
        switch log {
        case .file(let path):
            guard let fingerprintTask else { throw CheckpointError("damaged (header)") }
            try checkFile(path, header, fingerprintTask)
        case .stream:
            try checkStream(try log.prefix(offset: header.offset, lines: header.lines), header)
        }
        var fold = ReplayFold(lifecycle: lifecycle, projections: projections, sharedIDs: true)
        fold.resume(knownThrough: knownThrough)
        // Open tickets placed for another instant are placed again for the one asked for.
        for (i, instant) in instants.enumerated() {
            if let asOf = options[i].asOf, asOf.nanoseconds != instant { fold.projections[i].countDeadlines(comingBy: asOf) }
        }
        return ReplayCheckpoint(prefix: header, fold: fold, lease: lease)
    }

    /// Whether `bytes` new bytes after a checkpoint of `offset` bytes are few enough to replay
    /// from it again next time: 8 MiB or 2% of the checkpoint's bytes. A bigger tail makes the
    /// replay write a fresh checkpoint.
    static func isSmallTail(_ bytes: Int64, after offset: Int64) -> Bool {
        bytes <= max(8 << 20, offset / 50)
    }

    /// Checks that the file at `log` still starts with the prefix `header` describes.
    private static func checkFile(_ log: String, _ header: Prefix, _ fingerprintTask: FingerprintTask) throws {
        let logFingerprint = Result { try fingerprintTask.value() }
        var logStat = stat()
        guard stat(log, &logStat) == 0 else { throw CheckpointError("cannot read the log") }
        guard Int64(logStat.st_size) >= header.offset else {
            throw CheckpointError("the log is shorter than when the checkpoint was made (truncated or replaced)")
        }
        let chain = try chainValue(of: log, endingAt: header.offset)
        guard chain == header.chain else {
            throw CheckpointError(header.chain.isEmpty || chain.isEmpty
                ? "the line that ends the log's first \(header.offset) bytes changed since the checkpoint was made (edited or replaced)"
                : "the chain value of the line that ends the log's first \(header.offset) bytes changed since the checkpoint was made (the log was edited before it and sealed again)")
        }
        guard try logFingerprint.get() == header.fingerprint else {
            throw CheckpointError("the log's first \(header.offset) bytes changed since the checkpoint was made (edited or replaced)")
        }
    }

    /// Checks that a streamed log's first lines, whose fingerprint and chain value are `now`,
    /// are still the lines `header` describes.
    private static func checkStream(_ now: (fingerprint: [UInt8], chain: [UInt8]), _ header: Prefix) throws {
        let lines = header.lines
        guard now.chain == header.chain else {
            throw CheckpointError(header.chain.isEmpty || now.chain.isEmpty
                ? "line \(lines) of the log changed since the checkpoint was made (rewritten or replaced)"
                : "the chain value of line \(lines) changed since the checkpoint was made (the log was rewritten before it and sealed again, or replaced)")
        }
        guard now.fingerprint == header.fingerprint else {
            throw CheckpointError("the log's first \(lines) lines changed since the checkpoint was made (rewritten or replaced)")
        }
    }

    /// Writes the checkpoint of `log` into `directory` (created if needed), atomically.
    func save(directory: String, log: CheckpointedLog, options: [ProjectionOptions], maxLineBytes: Int = LogInput.defaultMaxLineBytes) throws {
        mkdir(directory, 0o755)
        try Self.format.write(to: directory + "/" + Self.fileName, key: log.keyPrefix + Self.key(for: options, maxLineBytes: maxLineBytes)) { writer in
            writer.write(prefix.offset)
            writer.write(Int64(prefix.lines))
            writer.write(Int64(prefix.events))
            try writer.write(array: prefix.fingerprint)
            try writer.write(array: prefix.chain)
            writer.write(fold.knownThrough)
            try writer.write(array: options.map { $0.asOf?.nanoseconds ?? .max })
            try writer.writeSection { try fold.lifecycle.write(to: &$0) }
            try writer.writeSection { writer in
                writer.write(Int64(fold.projections.count))
                for projection in fold.projections { try projection.write(to: &writer) }
            }
        }
    }
}

/// ``ReplayCheckpoint/fingerprint(of:upTo:)`` computed on a thread of its own.
///
/// The thread holds only the box its result goes to, not the task, so that the task's last
/// release (and `deinit`, which joins the thread) happens on its owner's thread, also when the
/// fingerprint is never asked for (a checkpoint found damaged first): a thread that dropped the
/// last reference itself could not join itself, and would never be joined.
private final class FingerprintTask: Sendable {
    /// `@unchecked Sendable`: `result` is written by the thread and read only after `join()`.
    private final class Box: @unchecked Sendable {
        var result: Result<[UInt8], any Error> = .success([])
    }

    private let box = Box()
    private let thread: WorkerThread
    private let joined = Atomic<Bool>(false)

    init(log: String, offset: Int64) {
        let box = self.box
        thread = WorkerThread {
            box.result = Result { try ReplayCheckpoint.fingerprint(of: log, upTo: offset) }
        }
    }

    /// Waits for the fingerprint.
    func value() throws -> [UInt8] {
        join()
        return try box.result.get()
    }

    private func join() {
        guard !joined.exchange(true, ordering: .acquiringAndReleasing) else { return }
        thread.join()
    }

    deinit { join() }
}
