#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Events

/// A saved replay: the fold state after a prefix of a log, and what identifies that prefix.
///
/// The file holds a header (magic, format version, the sizes of the stored values, the
/// projections' options), the prefix's length, line and event counts and its fingerprint,
/// then the validator's and projections' state as plain arrays, and an end marker. It is
/// written to a temporary file and renamed, so a crash never leaves half a checkpoint. The
/// large tables start at page boundaries: loading maps them (privately, copy-on-write) rather
/// than reading them, so resuming touches only the pages the new tail needs, plus one pass of
/// range checks over the ids the tables hold.
///
/// The fingerprint is a SHA-256 over the prefix's length, its first and last 64 KiB and 256
/// windows of 4 KiB spread evenly over it: truncation, a rewrite, or any edit that moves
/// bytes (adding or removing a character shifts every later line, so the last 64 KiB
/// changes) is detected. An edit that keeps the length and misses every sampled window is
/// not; `ledger-cli verify` (and a hash-chained log) is the audit for that.
struct ReplayCheckpoint {
    static let fileName = "replay.checkpoint"
    static let magic: UInt64 = 0x4B43_5245_4744_454C  // "LEDGERCK"
    /// 2: the validator's ticket state holds pending supervisions and the adjustment flag in
    /// what were padding bytes, so a version 1 file is not read. 3: the large tables start at
    /// page boundaries and are mapped, not read; name-table offsets are 32-bit.
    static let version: UInt32 = 3
    static let end: UInt64 = 0x444E_454B_4345_4843  // "CHECKEND"

    /// Bytes of the log folded (a line boundary).
    var offset: Int64
    /// Lines and valid events in those bytes.
    var lines: Int
    var events: Int
    var fingerprint: [UInt8]
    var fold: ReplayFold

    /// What the checkpoint depends on besides the log: the value layout and the projections' options.
    static func key(for options: [ProjectionOptions]) -> String {
        let layout = (LifecycleValidator.checkpointLayout + Projection.checkpointLayout).map(String.init).joined(separator: ",")
        let parts = options.map { o in
            "offset=\(o.utcOffsetSeconds);attribution=\(o.attribution.rawValue);channel=\(o.channel.map { "\"\($0)\"" } ?? "all");"
                + "asOf=\(o.asOf.map { String($0.nanoseconds) } ?? "none")"
        }
        return "layout=\(layout)|" + parts.joined(separator: "|")
    }

    /// The fingerprint of the log's first `offset` bytes (see the type's documentation).
    static func fingerprint(of path: String, upTo offset: Int64) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckpointError("cannot open the log") }
        defer { close(fd) }
        var hasher = SHA256()
        withUnsafeBytes(of: offset.littleEndian) { hasher.update($0) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        func hash(at start: Int64, count: Int) throws {
            let n = Int(min(Int64(count), offset - start))
            guard n > 0 else { return }
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, n, off_t(start)) }
            guard got == n else { throw CheckpointError("the log is shorter than the checkpoint") }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        try hash(at: 0, count: 64 << 10)
        try hash(at: max(offset - (64 << 10), 0), count: 64 << 10)
        let windows: Int64 = 256
        for k in 0..<windows { try hash(at: offset * k / windows, count: 4 << 10) }
        return hasher.finalize().bytes
    }

    /// Loads the checkpoint in `directory` if it fits `log` and `options`.
    /// - Returns: `nil` when there is no checkpoint yet.
    /// - Throws: ``CheckpointError`` saying why an existing checkpoint cannot be used.
    static func load(directory: String, log: String, options: [ProjectionOptions]) throws -> ReplayCheckpoint? {
        let path = directory + "/" + fileName
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw CheckpointError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CheckpointError("cannot read \(path)") }
        var reader = try CheckpointReader(fd: fd, size: Int64(st.st_size))
        guard try reader.read(UInt64.self) == magic else { throw CheckpointError("not a replay checkpoint") }
        guard try reader.read(UInt32.self) == version else { throw CheckpointError("written by another version") }
        guard try reader.readString() == key(for: options) else {
            throw CheckpointError("made with other options (rules, time zone, channel or --as-of)")
        }
        let offset = try reader.read(Int64.self)
        let lines = Int(try reader.read(Int64.self))
        let events = Int(try reader.read(Int64.self))
        let fingerprint = try reader.readArray(UInt8.self)
        var logStat = stat()
        guard stat(log, &logStat) == 0 else { throw CheckpointError("cannot read the log") }
        guard Int64(logStat.st_size) >= offset, offset >= 0 else {
            throw CheckpointError("the log is shorter than when the checkpoint was made (truncated or replaced)")
        }
        // The fingerprint is taken on a second thread while this one maps and checks the state;
        // a log that does not match is reported first, as if the state had not been looked at.
        let logFingerprint = FingerprintTask(log: log, offset: offset)
        let state = Result { () throws -> (LifecycleValidator, [Projection]) in
            let lifecycle = try LifecycleValidator(from: &reader)
            let count = try reader.read(Int64.self)
            guard count == Int64(options.count) else { throw CheckpointError("damaged (projection count)") }
            var projections: [Projection] = []
            for o in options {
                projections.append(try Projection(options: o, from: &reader, tickets: lifecycle.tickets, units: lifecycle.units))
            }
            guard try reader.read(UInt64.self) == end, reader.isAtEnd else { throw CheckpointError("damaged (no end marker)") }
            return (lifecycle, projections)
        }
        guard try logFingerprint.value() == fingerprint else {
            throw CheckpointError("the log's first \(offset) bytes changed since the checkpoint was made (edited or replaced)")
        }
        let (lifecycle, projections) = try state.get()
        return ReplayCheckpoint(offset: offset, lines: lines, events: events, fingerprint: fingerprint,
                                fold: ReplayFold(lifecycle: lifecycle, projections: projections, sharedIDs: true))
    }

    /// Writes the checkpoint into `directory` (created if needed), atomically.
    func save(directory: String, options: [ProjectionOptions]) throws {
        mkdir(directory, 0o755)
        let path = directory + "/" + Self.fileName
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CheckpointError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        do {
            var writer = CheckpointWriter(fd: fd)
            writer.write(Self.magic)
            writer.write(Self.version)
            writer.write(Self.key(for: options))
            writer.write(offset)
            writer.write(Int64(lines))
            writer.write(Int64(events))
            try writer.write(array: fingerprint)
            try fold.lifecycle.write(to: &writer)
            writer.write(Int64(fold.projections.count))
            for projection in fold.projections { try projection.write(to: &writer) }
            writer.write(Self.end)
            try writer.flush()
            guard fsync(fd) == 0 else { throw CheckpointError("cannot flush \(temporary)") }
            close(fd)
            guard rename(temporary, path) == 0 else { throw CheckpointError("cannot rename \(temporary)") }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }
}

/// ``ReplayCheckpoint/fingerprint(of:upTo:)`` computed on a thread of its own.
///
/// `@unchecked Sendable`: `result` is written by the thread and read only after `join()`.
private final class FingerprintTask: @unchecked Sendable {
    private var result: Result<[UInt8], any Error> = .success([])
    private var thread: WorkerThread?

    init(log: String, offset: Int64) {
        thread = WorkerThread { [self] in
            result = Result { try ReplayCheckpoint.fingerprint(of: log, upTo: offset) }
        }
    }

    /// Waits for the fingerprint.
    func value() throws -> [UInt8] {
        thread?.join()
        thread = nil
        return try result.get()
    }

    deinit { thread?.join() }
}
