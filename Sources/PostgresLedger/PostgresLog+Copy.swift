#if Postgres
import Events
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a copy between a file log and a PostgreSQL ledger found and did.
public struct LogCopyReport: Sendable, Equatable {
    /// Lines the destination held already: the source's first lines, byte for byte, left as they were.
    public var keptLines: Int
    /// Lines appended to the destination.
    public var copiedLines: Int
    /// The hash chain's head after the copy: the source's at its last line (`nil` when unchained).
    public var chainHead: SHA256.Digest?
}

/// Why a copy stopped, and how far it got.
public struct LogCopyError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in one sentence.
    public var message: String
    /// The source's invalid lines (numbered as in the source), when that is why.
    public var problems: [LogProblem]
    /// Lines appended to the destination before the copy stopped, each checked (committed, for
    /// PostgreSQL): running the same copy again goes on after them.
    public var copiedLines: Int

    init(_ error: any Error, name: String, copiedLines: Int) {
        self.copiedLines = copiedLines
        problems = []
        // What stopped a file's reading comes wrapped (`LogReadError.stopped`): look inside.
        var error = error
        while let wrapped = error as? any WrappingError { error = wrapped.underlying }
        switch error {
        case AppendError.invalidLog(let path, let problems, let count):
            self.problems = problems
            message = "\(path) has \(count) \(count == 1 ? "problem" : "problems")"
        case AppendError.tornTail(let path, let line, let byteCount):
            message = "\(path):\(line): the log ends with an unfinished line (\(byteCount) bytes without a final newline)"
        case AppendError.file(let error):
            message = error.description
        case let error as LogFileError:
            message = error.description
        case let error as PostgresError:
            message = "\(name): \(error.message)"
        default:
            message = "\(name): \(error)"
        }
    }

    public var description: String {
        copiedLines == 0 ? message + "; nothing was copied"
            : message + "; \(copiedLines) \(copiedLines == 1 ? "line was" : "lines were") copied before that, each checked: once the problem is dealt with, the same copy goes on after them"
    }
}

extension PostgresLog {
    /// Lines a copy commits per transaction by default.
    public static let defaultCopyBatchLines = 50_000

    /// Copies the file log at `path` into this ledger, streaming: each line is checked as `verify`
    /// checks it (life cycle, ids, hash chain) and stored unchanged, `batchLines` lines per
    /// transaction, so memory holds one batch whatever the file's length.
    ///
    /// The ledger may hold lines already when they are the file's first lines, byte for byte (an
    /// earlier or interrupted copy): only the rest is appended, on the same chain. Other writers
    /// wait for the whole copy (it holds the writers' lock). A problem stops the copy: the
    /// batches committed before it stay, a verified prefix of the file, and the same copy run again
    /// once the file is fixed goes on from there.
    /// - Throws: ``LogCopyError``: a ledger that is not a prefix of the file, an invalid or torn
    ///   line, a lost connection; the batch in progress is then not stored.
    public func copy(fromFileAt path: String, maxLineBytes: Int = LogInput.defaultMaxLineBytes,
                     batchLines: Int = defaultCopyBatchLines) throws(LogCopyError) -> LogCopyReport {
        do {
            try lockWriters(untilReleased: true)
        } catch {
            throw LogCopyError(error, name: name, copiedLines: 0)
        }
        defer { _ = try? connection.exec("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        self.state = nil   // this connection's appender state is read again on the next append
        var copied = 0
        do {
            var prefix = try CopyPrefix(destination: name, source: path) { body in try streamLines(body) }
            var appender = StreamedLogAppender(name: path, chaining: .automatic)
            var batch: [[UInt8]] = []
            func commitBatch() throws {
                guard !batch.isEmpty else { return }
                let first = prefix.lineCount + copied + 1
                try connection.exec("BEGIN")
                do {
                    try Self.insertAndCommit(batch, firstPosition: first, on: connection)
                } catch AppendError.batchRejected(let problems, _) {
                    // A line the table cannot store, numbered in the batch: named by its line of the file.
                    _ = try? connection.exec("ROLLBACK")
                    throw AppendError.invalidLog(path: path, problems: problems.map { LogProblem(line: $0.line + first - 1, problem: $0.problem) },
                                                 problemCount: problems.count)
                } catch {
                    _ = try? connection.exec("ROLLBACK")
                    throw error
                }
                copied += batch.count
                batch.removeAll(keepingCapacity: true)
                Self.testPause("copy-committed")
            }
            var reader = LogReader(path: path, chunkSize: 1 << 20)
            reader.maxLineBytes = maxLineBytes
            let snapshot = try LogSnapshot.take(path: path)
            var sourceLines = 0
            try reader.forEachLine(end: snapshot.length) { line in
                guard line.terminated else { throw AppendError.tornTail(path: path, line: line.number, byteCount: line.bytes.count) }
                try appender.catchUp(line: line.bytes)
                sourceLines = line.number
                guard try prefix.heldBytes(of: line) == 0 else { return }
                batch.append(Array(line.bytes))
                if batch.count >= batchLines { try commitBatch() }
            }
            try prefix.finish(sourceLines: sourceLines)
            try commitBatch()
            return LogCopyReport(keptLines: prefix.lineCount, copiedLines: copied, chainHead: appender.chainHead)
        } catch {
            throw LogCopyError(error, name: name, copiedLines: copied)
        }
    }

    /// Copies this ledger into the file log at `path`, streaming (one `COPY … TO STDOUT`), each
    /// line checked as `verify` checks it and written unchanged, under the file's writer lock.
    ///
    /// The file may be missing (it is created), or hold the ledger's first lines, byte for byte
    /// (an earlier or interrupted copy, even one cut inside a line): only the rest is appended.
    /// The file is flushed to disk before this returns.
    /// - Throws: ``LogCopyError``: a file that is not a prefix of the ledger, an interrupted file
    ///   append waiting for `repair`, an invalid row, a write that failed.
    public func copy(toFileAt path: String, maxLineBytes: Int = LogInput.defaultMaxLineBytes) throws(LogCopyError) -> LogCopyReport {
        var copied = 0
        do {
            var info = stat()
            if stat(PendingAppend.markerPath(forLog: path), &info) == 0 {
                throw LogFileError(path: path, message: "an append to it was interrupted; repair the log before copying into it")
            }
            if stat(path, &info) == 0 { try LogInput.requireRegularFile(path) }
            let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw LogFileError.system(path, "open the file") }
            defer { close(fd) }
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { throw LogFileError.system(path, "lock the file") }
            }
            var prefix = try CopyPrefix(destination: path, source: name) { body in
                var reader = LogReader(path: path, chunkSize: 1 << 20)
                reader.maxLineBytes = maxLineBytes
                try reader.forEachLine(body)
            }
            var appender = StreamedLogAppender(name: name, chaining: .automatic)
            var output = FileOutput(fd: fd, path: path)
            var sourceLines = 0
            do {
                try withReadSnapshot {
                    try streamLines { line in
                        try appender.catchUp(line: line.bytes)
                        sourceLines = line.number
                        let held = try prefix.heldBytes(of: line)
                        guard held <= line.bytes.count else { return }
                        try output.write(UnsafeRawBufferPointer(rebasing: line.bytes[held...]), newline: true)
                        copied += 1
                    }
                }
            } catch {
                try? output.flush()   // the lines counted as copied, each checked
                throw error
            }
            try prefix.finish(sourceLines: sourceLines)
            try output.flush()
            guard fsync(fd) == 0 else { throw LogFileError.system(path, "flush the file to disk") }
            return LogCopyReport(keptLines: prefix.lineCount, copiedLines: copied, chainHead: appender.chainHead)
        } catch {
            throw LogCopyError(error, name: name, copiedLines: copied)
        }
    }
}

/// The lines a copy's destination holds already, matched against the start of the source: the
/// destination must be a prefix of the source, byte for byte, or the copy is refused.
struct CopyPrefix {
    /// The destination's complete lines.
    private(set) var lineCount = 0
    /// The SHA-256 of those lines, each with its newline.
    private let digest: SHA256.Digest
    /// An unfinished last line (a file copy interrupted inside a line): it must be the start of
    /// the source's next line, whose rest then completes it.
    private var tornTail: [UInt8] = []
    private var hasher = SHA256()
    private let destination: String
    private let source: String

    /// Reads the destination's lines with `lines`.
    init(destination: String, source: String, lines: ((LogLine) throws -> Void) throws -> Void) throws {
        self.destination = destination
        self.source = source
        var hasher = SHA256()
        var count = 0
        var tail: [UInt8] = []
        try lines { line in
            guard line.terminated else { tail = Array(line.bytes); return }
            hasher.update(line.bytes)
            hasher.update(CollectionOfOne(UInt8(0x0A)))
            count = line.number
        }
        digest = hasher.finalize()
        lineCount = count
        tornTail = tail
    }

    /// How many bytes of the source's line `line` (with its newline) the destination holds:
    /// all of them (`count + 1`) for the lines it holds, the unfinished line's for the next, 0 after.
    /// - Throws: When the destination's lines are not the source's.
    mutating func heldBytes(of line: LogLine) throws -> Int {
        if line.number <= lineCount {
            hasher.update(line.bytes)
            hasher.update(CollectionOfOne(UInt8(0x0A)))
            if line.number == lineCount, hasher.finalize() != digest {
                throw notAPrefix(lineCount == 1 ? "its line differs from the first of \(source)"
                                 : "its \(lineCount) lines differ from the first \(lineCount) of \(source)")
            }
            return line.bytes.count + 1
        }
        guard line.number == lineCount + 1, !tornTail.isEmpty else { return 0 }
        guard tornTail.count <= line.bytes.count, line.bytes.starts(with: tornTail) else {
            throw notAPrefix("its unfinished last line is not the start of line \(line.number) of \(source)")
        }
        return tornTail.count
    }

    /// Checks, once the whole source was read, that it had every line the destination holds.
    func finish(sourceLines: Int) throws {
        if sourceLines < lineCount || (sourceLines == lineCount && !tornTail.isEmpty) {
            throw notAPrefix("it holds more lines than \(source) (\(sourceLines))")
        }
    }

    private func notAPrefix(_ why: String) -> LogFileError {
        LogFileError(path: destination, message: "not a copy of the start of \(source): \(why); copy appends only to a "
                     + "destination that holds the source's first lines, byte for byte")
    }
}

/// Buffered `write(2)`s to a file.
private struct FileOutput {
    let fd: Int32
    let path: String
    private var buffer: [UInt8] = []

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(1 << 20)
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer, newline: Bool) throws {
        buffer.append(contentsOf: bytes)
        if newline { buffer.append(0x0A) }
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        guard buffer.withUnsafeBytes({ SystemCall.writeAll(fd, $0) }) else { throw LogFileError.system(path, "write the file") }
        buffer.removeAll(keepingCapacity: true)
    }
}
#endif
