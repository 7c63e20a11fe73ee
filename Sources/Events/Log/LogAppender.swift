#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends batches of events to a log: all of a batch or none of it, safely alongside other
/// appenders, durably.
///
/// One append:
/// 1. opens the log (creating it if missing) and waits for an exclusive `flock(2)` lock;
/// 2. streams the existing log through a ``LogVerifier`` to rebuild every ticket's state, and
///    refuses if the log ends in a torn line or has any other problem;
/// 3. checks every batch line against that state (and the lines before it in the batch),
///    reporting every problem with its batch line number;
/// 4. stamps `"recorded"` with the current time on lines that lack it, inserting the member
///    so that every other byte of the line stays as it was, and adds the hash chain's `chain`
///    member as the last member when the log is chained (see ``Chaining`` and ``HashChain``);
/// 5. records the batch in a ``PendingAppend`` marker beside the log, writes all lines at the
///    end of the file, `fsync`s it and removes the marker; if the write or the flush fails, the
///    file is cut back to its original length. A crash at any point leaves either the whole
///    batch or none of it: the next writer (or `repair`) finishes or rolls back what the marker
///    records, and readers leave an unfinished batch out.
///
/// Before step 2, an append interrupted earlier is settled (see ``PendingAppend``).
///
/// ```swift
/// let appender = LogAppender(path: "events.jsonl")
/// do {
///     let report = try appender.append(batch: Array(batchText.utf8))
///     print("appended \(report.eventCount) events")
/// } catch .batchRejected(let problems, _) {
///     for p in problems { print(p.formatted(file: "batch.jsonl")) }
/// }
/// ```
public struct LogAppender: Sendable {
    /// The log file.
    public var path: String
    /// The UTC offset at which `recorded` stamps are written (`+08:00` by default).
    public var offsetSeconds: Int32 = 28_800
    /// Where the `recorded` stamp comes from (the system clock by default).
    public var clock: @Sendable () -> Timestamp = { Timestamp.now() }
    /// Whether appending to a missing log creates it.
    public var createsMissingLog = true
    /// How many problems of an invalid log ``AppendError/invalidLog(path:problems:problemCount:)`` keeps.
    public var keptLogProblemLimit = 20
    /// Whether new lines carry the hash chain: by default when the log is chained or empty.
    public var chaining = Chaining.automatic
    /// The longest line of the log read (see ``LogReader/maxLineBytes``).
    public var maxLineBytes = LogInput.defaultMaxLineBytes

    /// Creates an appender for the log at `path`.
    public init(path: String) {
        self.path = path
    }

    /// Appends the lines of a batch (JSON Lines; the last line may lack its newline).
    /// - Parameter batch: The batch's bytes; a `\r` before a newline is dropped.
    /// - Returns: What was written.
    /// - Throws: ``AppendError``; the log is then byte for byte as it was.
    @discardableResult
    public func append(batch: [UInt8]) throws(AppendError) -> AppendReport {
        var sealer = ChainSealer(path: path, chaining: chaining)
        var report = try append(batch: batch, sealer: &sealer)
        report.chainHead = sealer.head
        return report
    }

    /// Appends events, written with ``Event/jsonLine(offsetSeconds:)``.
    ///
    /// Problems are numbered by the events' positions in `events`, starting at 1.
    /// - Throws: ``AppendError``; the log is then byte for byte as it was.
    @discardableResult
    public func append(_ events: [Event]) throws(AppendError) -> AppendReport {
        var batch = [UInt8]()
        for event in events {
            batch.append(contentsOf: event.jsonLine(offsetSeconds: offsetSeconds).utf8)
            batch.append(0x0A)
        }
        return try append(batch: batch)
    }

    /// The log under its exclusive lock, with an interrupted append settled and every line
    /// read and checked: what an append knows before it writes.
    struct LockedLog: ~Copyable {
        let file: LockedLogFile
        let settled: PendingAppend.Outcome?
        var verifier = LogVerifier()
        var existing = ExistingLog()
    }

    /// Takes the log's exclusive lock, settles an interrupted append, reads and checks every
    /// line (showing each to `sealer`) and prepares `sealer` for new lines.
    func lockAndRead<Sealer: LineSealer>(sealer: inout Sealer) throws(AppendError) -> LockedLog {
        let file: LockedLogFile
        do {
            file = try LockedLogFile.acquire(path, create: createsMissingLog)
        } catch {
            throw .file(error)
        }
        let settled: PendingAppend.Outcome?
        do { settled = try PendingAppend.settle(file, path: path, clock: clock) } catch { throw .file(error) }
        var log = LockedLog(file: file, settled: settled)
        try Self.readLines(of: log.file, path: path, into: &log.existing, verifier: &log.verifier, sealer: &sealer,
                           maxLineBytes: maxLineBytes, problemLimit: keptLogProblemLimit)
        try sealer.prepare(lineCount: log.existing.lineCount, byteCount: log.existing.byteCount)
        return log
    }

    /// Removes the log at `path`, under its lock, when it is empty (no line, no interrupted
    /// append to settle): for a writer that created the log by opening it and then appended
    /// nothing (a batch refused, a disk full), so that it leaves no log behind.
    package static func removeEmptyLog(at path: String) {
        guard let file = try? LockedLogFile.acquire(path, create: false) else { return }
        file.removeIfEmpty()
    }

    /// Appends a batch, letting `sealer` see the log and complete every new line.
    func append<Sealer: LineSealer>(batch: [UInt8], sealer: inout Sealer) throws(AppendError) -> AppendReport {
        var log = try lockAndRead(sealer: &sealer)
        do {
            return try append(batch: batch, to: &log, sealer: &sealer)
        } catch {
            log.file.removeIfCreatedAndEmpty()
            throw error
        }
    }

    private func append<Sealer: LineSealer>(batch: [UInt8], to log: inout LockedLog, sealer: inout Sealer) throws(AppendError) -> AppendReport {
        let (settled, existing) = (log.settled, log.existing)

        let stamp = JSONString.quoted(clock().rfc3339(offsetSeconds: offsetSeconds))
        let output = try batch.withUnsafeBytes { bytes in
            Result { () throws(AppendError) in
                try Self.checkBatch(bytes, after: existing.lineCount, verifier: &log.verifier, sealer: &sealer, stamp: stamp,
                                    maxLineBytes: maxLineBytes)
            }
        }.get()
        let report = AppendReport(eventCount: log.verifier.eventCount - existing.eventCount, firstLine: existing.lineCount + 1,
                                  byteCount: output.count, logEventCount: log.verifier.eventCount,
                                  interruptedAppend: settled)
        guard !output.isEmpty else { return report }
        try Self.write(output, lineCount: report.eventCount, to: log.file, at: existing.byteCount, path: path)
        return report
    }

    /// What the existing log held.
    struct ExistingLog {
        var lineCount = 0
        var byteCount: Int64 = 0
        var eventCount = 0
    }

    /// Streams the log's lines after `existing` (its first `existing.lineCount` lines, already
    /// seen) through `verifier` (and `sealer`), adding them to `existing`; refuses a torn or
    /// invalid log.
    static func readLines<Sealer: LineSealer>(of file: borrowing LockedLogFile, path: String, into existing: inout ExistingLog,
                                              verifier: inout LogVerifier, sealer: inout Sealer, maxLineBytes: Int,
                                              problemLimit limit: Int, end: Int64 = .max,
                                              observe: (LogLine) -> Void = { _ in }) throws(AppendError) {
        var torn: (line: Int, byteCount: Int)?
        var problems: [LogProblem] = []
        var problemCount = 0
        func record(_ problem: LogProblem) {
            problemCount += 1
            if problems.count < limit { problems.append(problem) }
        }
        let start = existing.byteCount
        do {
            guard lseek(file.fd, off_t(start), SEEK_SET) == start else { throw LogFileError.system(path, "seek") }
            var lines = existing.lineCount
            existing.byteCount += try LogReader.forEachLine(fd: file.fd, path: path, chunkSize: 1 << 20, start: start, end: end,
                                                            firstLineNumber: existing.lineCount + 1,
                                                            maxLineBytes: maxLineBytes) { line in
                lines = line.number
                guard line.terminated else {
                    torn = (line.number, line.bytes.count)
                    return
                }
                let event = verifier.check(line, report: record)
                if let problem = try sealer.observe(line: line, event: event) {
                    record(LogProblem(line: line.number, problem: problem))
                }
                observe(line)
            }
            existing.lineCount = lines
        } catch let error as LogFileError {
            throw .file(error)
        } catch {
            throw .file(LogFileError(path: path, message: "cannot read the file: \(error)"))
        }
        if let torn { throw .tornTail(path: path, line: torn.line, byteCount: torn.byteCount) }
        if problemCount > 0 { throw .invalidLog(path: path, problems: problems, problemCount: problemCount) }
        existing.eventCount = verifier.eventCount
    }

    /// How many problems a rejected batch reports: checking stops at this many (the rest of
    /// the batch is only counted), so that a batch of garbage costs no more memory than its bytes.
    public static let batchProblemLimit = 1_000

    /// Checks every batch line; returns the bytes to append (stamped, sealed, newline-terminated).
    /// A line longer than `maxLineBytes` once stamped and sealed is refused (``EventProblem/lineTooLong(byteCount:limit:)``):
    /// the log's readers would stop at it. Checking stops at ``batchProblemLimit`` problems.
    static func checkBatch<Sealer: LineSealer>(_ batch: UnsafeRawBufferPointer, after logLineCount: Int,
                                                       verifier: inout LogVerifier, sealer: inout Sealer,
                                                       stamp: String, maxLineBytes: Int) throws(AppendError) -> [UInt8] {
        var problems: [LogProblem] = []
        var output: [UInt8] = []
        // Room for a stamp a line of 100 bytes or more (more is found as needed).
        output.reserveCapacity(batch.count + (batch.count / 100 + 1) * (stamp.utf8.count + 16))
        var recheck = EventDecoder()
        var lineCount = 0
        forEachLine(batch) { range in
            let index = lineCount
            lineCount += 1
            guard problems.count < batchProblemLimit else { return }
            let bytes = UnsafeRawBufferPointer(rebasing: batch[range])
            let line = LogLine(number: logLineCount + index + 1, offset: 0, bytes: bytes, terminated: true)
            guard let event = verifier.check(line, report: { problems.append($0.rebased(afterLogLines: logLineCount)) }),
                  problems.isEmpty
            else { return }
            var text = stamped(bytes, event: event, members: verifier.decoder.members, stamp: stamp) ?? Array(bytes)
            // Show the sealer the line as it now is (stamping moved a chain member the line came
            // with, so find it again), then make sure what goes out still reads back.
            do throws(EventProblem) {
                var chainMemberStart: Int?
                if event.chainMemberStart != nil {
                    chainMemberStart = try text.withUnsafeBytes { b in
                        Result { () throws(EventProblem) in try recheck.decode(b) }
                    }.get().chainMemberStart
                }
                sealer.seal(line: &text, chainMemberStart: chainMemberStart)
                _ = try text.withUnsafeBytes { b in Result { () throws(EventProblem) in try recheck.decode(b) } }.get()
            } catch {
                problems.append(LogProblem(line: index + 1, problem: error))
                return
            }
            guard text.count <= maxLineBytes else {
                problems.append(LogProblem(line: index + 1, problem: .lineTooLong(byteCount: text.count, limit: maxLineBytes)))
                return
            }
            output.append(contentsOf: text)
            output.append(0x0A)
        }
        if !problems.isEmpty { throw .batchRejected(problems: Array(problems.prefix(batchProblemLimit)), lineCount: lineCount) }
        return output
    }

    /// Writes `bytes` at `offset` and flushes, under a ``PendingAppend`` marker so that a crash
    /// at any point leaves the whole batch or none of it; on failure cuts the file back to `offset`.
    static func write(_ bytes: [UInt8], lineCount: Int, to file: borrowing LockedLogFile, at offset: Int64,
                      path: String) throws(AppendError) {
        let pending = PendingAppend(logLength: offset, batchLength: Int64(bytes.count), lineCount: lineCount,
                                    batchDigest: SHA256.hash(bytes))
        do { try pending.write(forLog: path) } catch { throw .file(error) }
        do {
            // In pieces, so that a write cut short by a signal or a limit has written whole pieces.
            let crashPoint = CrashPoint.afterBatchBytes
            var start = 0
            while start < bytes.count {
                var end = min(bytes.count, start + Self.writeChunk)
                if let crashPoint, crashPoint >= start {
                    if crashPoint == start { CrashPoint.crash() }
                    end = min(end, crashPoint)
                }
                try bytes[start..<end].withUnsafeBytes { b in
                    Result { () throws(LogFileError) in try file.write(b, at: offset + Int64(start)) }
                }.get()
                start = end
            }
            try file.sync()
            if let crashPoint, crashPoint >= bytes.count { CrashPoint.crash() }
        } catch {
            // Roll back now; should that fail too, the marker stays and the next writer rolls back.
            if (try? file.truncate(to: offset)) != nil, (try? file.sync()) != nil {
                try? PendingAppend.remove(forLog: path)
            }
            throw .file(error)
        }
        if file.created {
            do { try syncParentDirectory(of: path) } catch { throw .file(error) }
        }
        // The batch is on disk: a marker that cannot be removed now is settled as finished later.
        try? PendingAppend.remove(forLog: path)
    }

    /// Bytes per `pwrite` of a batch.
    static let writeChunk = 1 << 20

    /// The byte ranges of a batch's lines: split at `\n`, a trailing `\r` dropped, and a last
    /// line without newline kept.
    static func splitLines(_ batch: UnsafeRawBufferPointer) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        forEachLine(batch) { ranges.append($0) }
        return ranges
    }

    /// Calls `body` with the byte range of each line of a batch, as ``splitLines(_:)`` splits them.
    static func forEachLine(_ batch: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void) {
        var start = 0
        for i in 0..<batch.count where batch[i] == 0x0A {
            body(start..<(i > start && batch[i - 1] == 0x0D ? i - 1 : i))
            start = i + 1
        }
        if start < batch.count {
            let end = batch[batch.count - 1] == 0x0D ? batch.count - 1 : batch.count
            body(start..<max(start, end))
        }
    }

    /// The line with `"recorded"` set to `stamp`, or `nil` when it already has a time.
    ///
    /// A `"recorded": null` member gets the value in place; otherwise the member goes last (a
    /// `chain` member is then taken off and added again by the chain's sealer).
    static func stamped(_ line: UnsafeRawBufferPointer, event: RawEvent, members: [JSONMember], stamp: String) -> [UInt8]? {
        guard event.recorded == nil else { return nil }
        for member in members where member.kind == .null {
            let key = UnsafeRawBufferPointer(rebasing: line[member.key])
            let name = member.keyEscaped ? JSONString.decode(key, escaped: true) : String(decoding: key, as: UTF8.self)
            if name == Field.recorded.rawValue {
                return JSONLineEdit.replacing(member.value, with: stamp, in: line)
            }
        }
        return JSONLineEdit.appendingMember(key: Field.recorded.rawValue, rawValue: stamp, to: line)
    }
}

/// A point at which a test makes an append kill its own process, to prove that a crash there
/// leaves the whole batch or none of it: `TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES=N` kills the
/// process with SIGKILL once N bytes of the batch are written (0: right after the marker; the
/// batch's length or more: after the batch is flushed, before the marker is removed).
enum CrashPoint {
    static let afterBatchBytes: Int? = getenv("TICKET_LEDGER_CRASH_AFTER_BATCH_BYTES").flatMap { Int(String(cString: $0)) }
    /// `TICKET_LEDGER_CRASH_BEFORE_SEALING_MARKER=1`: a streamed append (``LogAppender/append(streaming:)``)
    /// kills the process once the whole batch is written and flushed, while its marker is still open.
    static let beforeSealingMarker = getenv("TICKET_LEDGER_CRASH_BEFORE_SEALING_MARKER").map { String(cString: $0) == "1" } ?? false

    static func crash() -> Never {
        kill(getpid(), SIGKILL)
        fatalError("unreachable: SIGKILL")
    }
}
