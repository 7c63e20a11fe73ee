#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LogAppender {
    /// Appends a batch that `produce` makes while it is written: all of it or none of it, with
    /// memory bounded by one piece of the batch (``StreamedBatch/pieceSize``), not the batch.
    ///
    /// Under the log's exclusive lock, an interrupted append is settled and the log is read and
    /// verified exactly as ``append(batch:)`` does. `produce` then gets the verifier holding the
    /// log's state (tickets' life cycles, the log's ids) and a ``StreamedBatch`` to hand its
    /// lines to. The caller checks each line against that state before handing it on (decoded,
    /// life cycle applied, its id not in the log and not repeated in the batch); the batch
    /// stamps nothing and checks nothing itself, it only seals lines into the hash chain (when
    /// the log is chained) and writes them.
    ///
    /// The batch goes to the end of the log a piece at a time, hashed as it goes, under an
    /// *open* ``PendingAppend`` marker written durably before the first byte. When `produce`
    /// returns `true`, the log is flushed, the marker is rewritten durably with the batch's
    /// length, line count and SHA-256, and removed. When it returns `false`, or a write fails,
    /// the log is cut back to its length before the batch. A crash before the marker is rewritten
    /// leaves an open marker, which the next writer (or `repair`) always rolls back; a crash
    /// after finds the whole batch with its digest, which is kept.
    /// - Returns: What was written, or `nil` when `produce` returned `false` (the log is then
    ///   byte for byte as it was).
    /// - Throws: ``AppendError`` (the log is then byte for byte as it was): the log cannot be
    ///   opened, read or written, is torn or invalid.
    package func append(streaming produce: (inout LogVerifier, StreamedBatch) -> Bool) throws(AppendError) -> AppendReport? {
        let file: LockedLogFile
        do {
            file = try LockedLogFile.acquire(path, create: createsMissingLog)
        } catch {
            throw .file(error)
        }
        let settled: PendingAppend.Outcome?
        do { settled = try PendingAppend.settle(file, path: path, clock: clock) } catch { throw .file(error) }
        var verifier = LogVerifier()
        var existing = ExistingLog()
        var sealer = ChainSealer(path: path, chaining: chaining)
        try Self.readLines(of: file, path: path, into: &existing, verifier: &verifier, sealer: &sealer,
                           maxLineBytes: maxLineBytes, problemLimit: keptLogProblemLimit)
        try sealer.prepare(lineCount: existing.lineCount, byteCount: existing.byteCount)

        let stamp = Array(JSONString.quoted(clock().rfc3339(offsetSeconds: offsetSeconds)).utf8)
        let batch = StreamedBatch(fd: file.fd, path: path, logLength: existing.byteCount, sealer: sealer, stamp: stamp)
        defer { batch.deallocate() }
        let keep = produce(&verifier, batch)
        guard keep else {
            do { try batch.rollBack(file) } catch { throw .file(error) }
            return nil
        }
        do { try batch.finish(file) } catch { throw .file(error) }
        return AppendReport(eventCount: batch.lineCount, firstLine: existing.lineCount + 1, byteCount: Int(batch.byteCount),
                            logEventCount: existing.eventCount + batch.lineCount, chainHead: batch.sealer.head,
                            interruptedAppend: settled)
    }
}

/// The lines of a streamed append (see ``LogAppender/append(streaming:)``), written to the end
/// of the log a piece at a time.
package final class StreamedBatch {
    /// The `recorded` value (a JSON string) the append stamps: a line without `recorded` gets
    /// `,"recorded":` and this as its last member, as ``LogAppender/append(batch:)`` writes it.
    package let stamp: [UInt8]
    /// Lines handed in so far.
    package private(set) var lineCount = 0
    /// Bytes of the batch so far (written or waiting in the piece).
    package var byteCount: Int64 { written + Int64(count) }
    /// Why writing failed, if it did (later lines are then dropped; the append is rolled back).
    package private(set) var failure: LogFileError?

    /// Bytes gathered before a piece is written.
    package static let pieceSize = 1 << 20

    fileprivate var sealer: ChainSealer
    private let fd: Int32
    private let path: String
    private let logLength: Int64
    private var buffer: UnsafeMutableRawBufferPointer
    private var count = 0
    private var written: Int64 = 0
    private var hasher = SHA256()
    private var markerWritten = false

    fileprivate init(fd: Int32, path: String, logLength: Int64, sealer: ChainSealer, stamp: [UInt8]) {
        self.fd = fd
        self.path = path
        self.logLength = logLength
        self.sealer = sealer
        self.stamp = stamp
        buffer = .allocate(byteCount: Self.pieceSize, alignment: 16)
    }

    fileprivate func deallocate() { buffer.deallocate() }

    /// Adds a line (without its newline): a JSON object, checked by the caller, that carries no
    /// `chain` member. When the log is chained its chain member is added as its last member.
    package func append(line: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        let brace = JSONLineEdit.closingBrace(of: line)
        let needed = line.count + ChainMember.length + 1
        if count + needed > buffer.count {
            flush()
            if needed > buffer.count {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: needed, alignment: 16)
                buffer.deallocate()
                buffer = bigger
            }
        }
        let base = buffer.baseAddress!
        if let value = sealer.seal(body: UnsafeRawBufferPointer(rebasing: line[..<brace])) {
            if brace > 0 { (base + count).copyMemory(from: line.baseAddress!, byteCount: brace) }
            count += brace
            count += ChainMember.write(value: value, to: base + count)
        } else {
            (base + count).copyMemory(from: line.baseAddress!, byteCount: line.count)
            count += line.count
        }
        base.storeBytes(of: 0x0A, toByteOffset: count, as: UInt8.self)
        count += 1
        lineCount += 1
    }

    /// Writes the gathered piece (after the open marker, before the first piece); a failure is kept in ``failure``.
    private func flush() {
        guard failure == nil, count > 0 else { return }
        do throws(LogFileError) {
            if !markerWritten {
                try PendingAppend.openBatch(logLength: logLength).write(forLog: path)
                markerWritten = true
                if CrashPoint.afterBatchBytes == 0 { CrashPoint.crash() }
            }
            let piece = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(piece)
            var start = 0
            if let crashPoint = CrashPoint.afterBatchBytes, Int64(crashPoint) >= written, Int64(crashPoint) < written + Int64(count) {
                // Write exactly up to the crash point, then die there.
                start = Int(Int64(crashPoint) - written)
                try LockedLogFile.write(fd: fd, path: path, UnsafeRawBufferPointer(rebasing: piece[0..<start]), at: logLength + written)
                CrashPoint.crash()
            }
            try LockedLogFile.write(fd: fd, path: path, UnsafeRawBufferPointer(rebasing: piece[start...]), at: logLength + written + Int64(start))
            written += Int64(count)
            count = 0
        } catch {
            failure = error
            count = 0
        }
    }

    /// Flushes the batch, seals the marker with the batch's length, line count and digest, and removes it.
    fileprivate func finish(_ file: borrowing LockedLogFile) throws(LogFileError) {
        flush()
        if let failure {
            try rollBack(file)
            throw failure
        }
        guard markerWritten else { return }  // nothing was written
        do {
            try file.sync()
            if CrashPoint.beforeSealingMarker { CrashPoint.crash() }
            try PendingAppend(logLength: logLength, batchLength: written, lineCount: lineCount, batchDigest: hasher.finalize())
                .write(forLog: path)
        } catch {
            try rollBack(file)
            throw error
        }
        if let crashPoint = CrashPoint.afterBatchBytes, Int64(crashPoint) >= written { CrashPoint.crash() }
        if file.created { try syncParentDirectory(of: path) }
        // The batch is on disk under a sealed marker: one that cannot be removed now is settled as finished later.
        try? PendingAppend.remove(forLog: path)
    }

    /// Cuts the log back to its length before the batch and removes the marker (should that
    /// fail, the open marker stays, and the next writer rolls back).
    fileprivate func rollBack(_ file: borrowing LockedLogFile) throws(LogFileError) {
        count = 0
        guard markerWritten else { return }
        try file.truncate(to: logLength)
        try file.sync()
        try PendingAppend.remove(forLog: path)
        markerWritten = false
    }
}
