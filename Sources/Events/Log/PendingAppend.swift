#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The marker an append leaves beside the log (`LOG.pending`) while it writes a batch.
///
/// A batch is visible in full or not at all, whatever stops the process:
/// 1. under the log's exclusive lock, before the first byte of the batch is written, the
///    appender writes this marker — the log's length before the batch, the batch's length,
///    line count and SHA-256 — to `LOG.pending.tmp`, flushes it, renames it to `LOG.pending`
///    and flushes the directory;
/// 2. it writes the batch and flushes the log;
/// 3. it removes the marker.
///
/// A marker found under the lock therefore means an append stopped between 1 and 3. The next
/// writer (``LogAppender``, ``LogRepair``) settles it first :
/// when the log holds the whole batch with the recorded digest the append is finished and the
/// marker goes; otherwise the batch's bytes are moved to a side file `LOG.interrupted-<time>`
/// (flushed before the log is cut back) and the log ends where it ended before the batch.
/// Readers (``LogSnapshot``) take a shared lock for a moment to learn how much of the log is
/// settled and read only that; `verify` reports an unsettled batch as a problem.
///
/// A batch streamed to the log as it is made (an import) has no length or digest before its
/// first byte is written. Its marker is first written *open* (format 2: only the log's length
/// before the batch); once every byte is written and flushed, the marker is rewritten durably
/// as an ordinary one (format 1: length, line count, digest), and then removed. An open marker
/// found at settle time always means the append was never acknowledged: it is rolled back,
/// whatever the log holds after it.
public struct PendingAppend: Sendable, Equatable {
    /// The log's length in bytes before the batch.
    public var logLength: Int64
    /// The batch's length in bytes, as written.
    public var batchLength: Int64
    /// The batch's lines.
    public var lineCount: Int
    /// SHA-256 of the batch's bytes, as written.
    public var batchDigest: SHA256.Digest
    /// Whether this is the marker of a streamed batch still being written (its length, line
    /// count and digest are not known: they are 0, 0 and the digest of no bytes). It is always
    /// rolled back.
    public var isOpen = false

    public init(logLength: Int64, batchLength: Int64, lineCount: Int, batchDigest: SHA256.Digest) {
        self.logLength = logLength
        self.batchLength = batchLength
        self.lineCount = lineCount
        self.batchDigest = batchDigest
    }

    /// The marker of a streamed batch about to be written after the log's first `logLength` bytes.
    public static func openBatch(logLength: Int64) -> PendingAppend {
        var pending = PendingAppend(logLength: logLength, batchLength: 0, lineCount: 0, batchDigest: SHA256.hash([UInt8]()))
        pending.isOpen = true
        return pending
    }

    /// The marker's path for the log at `path`: beside the file the path leads to, through
    /// symbolic links at its end, so every spelling of a log finds it.
    public static func markerPath(forLog path: String) -> String { FileIdentity.followingLinks(path) + ".pending" }

    static let magic = "ticket-ledger pending-append 1"
    /// Format 2: an open streamed batch, `ticket-ledger pending-append 2 open <log length>`.
    static let openMagic = "ticket-ledger pending-append 2 open"

    /// The marker's text: the magic, the four values (an open marker: the log's length), and a
    /// SHA-256 of everything before it, so that a damaged marker is told from a sound one.
    var text: String {
        let body = isOpen ? "\(Self.openMagic) \(logLength)"
                          : "\(Self.magic) \(logLength) \(batchLength) \(lineCount) \(batchDigest.hex)"
        return body + " " + SHA256.hash(Array(body.utf8)).hex + "\n"
    }

    /// Parses a marker's text (format 1, or format 2: open); `nil` when it is not exactly a sound marker.
    init?(text bytes: [UInt8]) {
        guard bytes.count < 512, bytes.last == 0x0A, let text = String(validating: bytes.dropLast(), as: UTF8.self) else { return nil }
        let fields = text.split(separator: " ", omittingEmptySubsequences: false)
        if fields.count == 6, fields[0] == "ticket-ledger", fields[1] == "pending-append", fields[2] == "2", fields[3] == "open" {
            let body = fields[0..<5].joined(separator: " ")
            guard let checksum = SHA256.Digest(hex: fields[5]), SHA256.hash(Array(body.utf8)) == checksum,
                  let logLength = Int64(fields[4]), logLength >= 0, String(logLength) == fields[4]
            else { return nil }
            self = .openBatch(logLength: logLength)
            return
        }
        guard fields.count == 8, fields[0] == "ticket-ledger", fields[1] == "pending-append", fields[2] == "1",
              let checksum = SHA256.Digest(hex: fields[7])
        else { return nil }
        let body = fields[0..<7].joined(separator: " ")
        guard SHA256.hash(Array(body.utf8)) == checksum,
              let logLength = Int64(fields[3]), logLength >= 0,
              let batchLength = Int64(fields[4]), batchLength > 0, logLength <= Int64.max - batchLength,
              let lineCount = Int(fields[5]), lineCount > 0,
              let digest = SHA256.Digest(hex: fields[6])
        else { return nil }
        self.init(logLength: logLength, batchLength: batchLength, lineCount: lineCount, batchDigest: digest)
    }

    /// What settling a marker did.
    public enum Outcome: Sendable, Equatable {
        /// The log held the whole batch: the append was finished; only the marker was removed.
        case finished(PendingAppend)
        /// The batch was incomplete: its `byteCount` bytes were moved to `sideFile` (`nil`
        /// when none had been written) and the log cut back to its length before the batch.
        case rolledBack(PendingAppend, byteCount: Int64, sideFile: String?)
    }

    // MARK: - Writing and removing the marker

    /// Writes the marker for the log at `path` durably (temporary file, flush, rename, flush
    /// of the directory).
    func write(forLog path: String) throws(LogFileError) {
        let marker = Self.markerPath(forLog: path)
        let temporary = marker + ".tmp"
        let fd = SmallFile.createTemporary(temporary)
        guard fd >= 0 else { throw .system(temporary, "create the append marker") }
        let written = Array(text.utf8).withUnsafeBytes { b in
            Result { () throws(LogFileError) in
                try LockedLogFile.write(fd: fd, path: temporary, b, at: 0)
                guard fsync(fd) == 0 else { throw LogFileError.system(temporary, "flush the append marker to disk") }
            }
        }
        close(fd)
        if case .failure(let error) = written {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, marker) == 0 else {
            let error = LogFileError.system(marker, "put the append marker in place")
            unlink(temporary)
            throw error
        }
        try syncParentDirectory(of: marker)
    }

    /// Removes the marker of the log at `path` (a missing one is fine).
    ///
    /// The removal is not flushed: a marker that a power cut brings back is settled harmlessly.
    /// It is removed only once the log is flushed either with the whole batch (a returning
    /// marker finds the batch, with its digest, and is settled as finished, whatever was
    /// appended after it) or cut back to its length before the batch (it finds nothing to roll
    /// back). Bytes can follow a cut-back log only after the next marker is written, and writing
    /// one flushes the directory, which makes this removal durable first. That saves a flush of
    /// the directory on every append.
    static func remove(forLog path: String) throws(LogFileError) {
        let marker = markerPath(forLog: path)
        if unlink(marker) != 0 && errno != ENOENT { throw .system(marker, "remove the append marker") }
    }

    /// Reads the marker of the log at `path`: `nil` when there is none.
    /// - Throws: ``LogFileError`` when it cannot be read or is damaged (the message says what
    ///   to do: nothing is guessed about a batch whose extent is unknown).
    static func read(forLog path: String) throws(LogFileError) -> PendingAppend? {
        let marker = markerPath(forLog: path)
        let fd = open(marker, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .system(marker, "open the append marker")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(marker, "read the append marker's size") }
        guard (info.st_mode & S_IFMT) == S_IFREG, info.st_size < 512 else {
            throw damaged(marker, log: path)
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let count = try bytes.withUnsafeMutableBytes { b in
            Result { () throws(LogFileError) in try LockedLogFile.read(fd: fd, path: marker, into: b, at: 0) }
        }.get()
        guard count == bytes.count, let pending = PendingAppend(text: bytes) else { throw damaged(marker, log: path) }
        return pending
    }

    private static func damaged(_ marker: String, log: String) -> LogFileError {
        LogFileError(path: marker, message: """
            the append marker is damaged, so the extent of the interrupted batch it guards is unknown; \
            nothing was changed. Check the end of \(log) by hand (verify it; a partial batch ends the file), \
            move what does not belong aside, then remove \(marker)
            """)
    }

    // MARK: - Settling

    /// Finishes or rolls back the interrupted append recorded beside the log `file` (held under
    /// the exclusive lock). Does nothing when there is no marker.
    /// - Returns: What was done, or `nil` when there was no marker.
    static func settle(_ file: borrowing LockedLogFile, path: String,
                       clock: @Sendable () -> Timestamp) throws(LogFileError) -> Outcome? {
        guard let pending = try read(forLog: path) else { return nil }
        let length = try file.length()
        guard length >= pending.logLength else {
            throw LogFileError(path: path, message: """
                an append was interrupted here, but the log is now \(length) bytes, shorter than the \
                \(pending.logLength) it had before that batch: something else cut it. Nothing was changed; \
                restore the log from a copy, then remove \(markerPath(forLog: path))
                """)
        }
        if try pending.isComplete(in: file.fd, path: path, length: length) {
            try remove(forLog: path)
            return .finished(pending)
        }
        let byteCount = length - pending.logLength
        var side: String?
        if byteCount > 0 {
            side = try SideFile.copy(from: file, path: path, range: pending.logLength..<length,
                                     suffix: "interrupted", clock: clock)
            try file.truncate(to: pending.logLength)
            try file.sync()
        }
        try remove(forLog: path)
        return .rolledBack(pending, byteCount: byteCount, sideFile: side)
    }

    /// Whether the file, `length` bytes long, holds the whole batch with the recorded digest.
    /// An open marker's batch is never complete.
    func isComplete(in fd: Int32, path: String, length: Int64) throws(LogFileError) -> Bool {
        guard !isOpen, length >= logLength + batchLength else { return false }
        var hasher = SHA256()
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var position = logLength
        let end = logLength + batchLength
        while position < end {
            let want = Int(min(Int64(chunk), end - position))
            let count = try LockedLogFile.read(fd: fd, path: path, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]),
                                               at: position)
            guard count == want else { return false }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            position += Int64(count)
        }
        return hasher.finalize() == batchDigest
    }
}

/// How much of a log is settled, read under a moment's shared lock.
///
/// An append in progress holds the exclusive lock, so a snapshot waits for it to end (appends
/// are all or nothing); a marker found under the shared lock belongs to an append that was
/// interrupted, whose bytes are not part of the log until a writer settles them.
public struct LogSnapshot: Sendable, Equatable {
    /// The bytes of the log a reader should read: everything but an interrupted batch.
    public var length: Int64
    /// The interrupted append whose bytes follow ``length``, if any.
    public var interrupted: PendingAppend?
    /// Bytes after ``length`` that belong to the interrupted batch.
    public var interruptedByteCount: Int64

    /// Takes the snapshot of the log at `path` (`-`, standard input, has no marker: its length
    /// is unknown and reported as `Int64.max`).
    public static func take(path: String) throws(LogFileError) -> LogSnapshot {
        if path == "-" { return LogSnapshot(length: .max, interrupted: nil, interruptedByteCount: 0) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .system(path, "open the file") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(path, "read the file's size") }
        // Only a regular file has a length and a lock; anything else is read as a stream.
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return LogSnapshot(length: .max, interrupted: nil, interruptedByteCount: 0)
        }
        while flock(fd, LOCK_SH) != 0 {
            guard errno == EINTR else { throw .system(path, "lock the file for reading") }
        }
        defer { flock(fd, LOCK_UN) }
        guard fstat(fd, &info) == 0 else { throw .system(path, "read the file's size") }
        let length = Int64(info.st_size)
        guard let pending = try PendingAppend.read(forLog: path) else {
            return LogSnapshot(length: length, interrupted: nil, interruptedByteCount: 0)
        }
        if length < pending.logLength {
            throw LogFileError(path: path, message: """
                an append was interrupted here, but the log is now \(length) bytes, shorter than the \
                \(pending.logLength) it had before that batch: something else cut it
                """)
        }
        if try pending.isComplete(in: fd, path: path, length: length) {
            return LogSnapshot(length: length, interrupted: nil, interruptedByteCount: 0)
        }
        return LogSnapshot(length: pending.logLength, interrupted: pending, interruptedByteCount: length - pending.logLength)
    }

    /// The warning a reader prints when an interrupted batch was left out, or `nil`.
    public func warning(path: String) -> String? {
        guard let pending = interrupted else { return nil }
        if pending.isOpen {
            return "\(path): a streamed append (an import) was interrupted before it finished; "
                + "the \(groupedThousands(Int(interruptedByteCount))) bytes it wrote are left out"
        }
        return "\(path): an append of \(groupedThousands(pending.lineCount)) \(pending.lineCount == 1 ? "line" : "lines") was "
            + "interrupted; the \(groupedThousands(Int(interruptedByteCount))) bytes it wrote are left out"
    }
}

/// Side files that take bytes moved out of a log (`LOG.torn-<time>`, `LOG.interrupted-<time>`).
enum SideFile {
    /// Copies `range` of the log to a new side file `LOG.<suffix>-<UTC time>` and flushes it and
    /// its directory entry; returns its path.
    ///
    /// The bytes go to `<name>.partial` first, which takes the side file's name only once they
    /// are all on disk: a copy cut short (a full disk, a file-size limit) is removed, and one
    /// killed midway leaves a file named `.partial`, never a side file that looks whole.
    static func copy(from file: borrowing LockedLogFile, path: String, range: Range<Int64>, suffix: String,
                     clock: @Sendable () -> Timestamp, inspect: ((UnsafeRawBufferPointer, Bool) -> Void)? = nil)
        throws(LogFileError) -> String {
        let (side, fd) = try create(path: path, suffix: suffix, clock: clock)
        let partial = side + ".partial"
        do throws(LogFileError) {
            defer { close(fd) }
            let chunk = 1 << 20
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
            defer { buffer.deallocate() }
            var position = range.lowerBound
            while position < range.upperBound {
                let want = Int(min(Int64(chunk), range.upperBound - position))
                let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: position)
                guard count == want else { throw LogFileError(path: path, message: "cannot read the file: it shrank while locked") }
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                inspect?(bytes, position == range.lowerBound && Int64(count) == range.count)
                try LockedLogFile.write(fd: fd, path: side, bytes, at: position - range.lowerBound)
                position += Int64(count)
            }
            guard fsync(fd) == 0 else { throw .system(side, "flush the file to disk") }
            // The whole copy takes the name (a new link, so a name taken meanwhile is never replaced;
            // on a file system without hard links, a rename: the log's lock keeps other repairs out).
            if link(partial, side) != 0 {
                guard errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP, rename(partial, side) == 0 else {
                    throw .system(side, "name the side file")
                }
            }
        } catch {
            unlink(partial)
            throw error
        }
        unlink(partial)
        try syncParentDirectory(of: side)
        return side
    }

    /// Picks a free name `LOG.<suffix>-<time>` (adding `-2`, `-3`… if it is taken) and creates
    /// `<name>.partial` for it exclusively; returns the name and the partial file's descriptor.
    private static func create(path: String, suffix: String, clock: @Sendable () -> Timestamp) throws(LogFileError) -> (String, Int32) {
        let stamp = Timestamp(seconds: clock().seconds).rfc3339(offsetSeconds: 0, zulu: true)
            .filter { $0 != "-" && $0 != ":" }
        var attempt = 1
        while true {
            let name = "\(path).\(suffix)-\(stamp)" + (attempt == 1 ? "" : "-\(attempt)")
            if access(name, F_OK) != 0 {
                let fd = open(name + ".partial", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                if fd >= 0 { return (name, fd) }
                guard errno == EEXIST else { throw .system(name + ".partial", "create the side file") }
            }
            guard attempt < 1000 else { throw .system(name, "create the side file") }
            attempt += 1
        }
    }
}
