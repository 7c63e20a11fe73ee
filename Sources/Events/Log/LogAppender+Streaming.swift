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
        var sealer = ChainSealer(path: path, chaining: chaining)
        var log = try lockAndRead(sealer: &sealer)
        let (settled, existing) = (log.settled, log.existing)

        let stamp = Array(JSONString.quoted(clock().rfc3339(offsetSeconds: offsetSeconds)).utf8)
        let batch = StreamedBatch(fd: log.file.fd, path: path, logLength: existing.byteCount, sealer: sealer, stamp: stamp)
        defer { batch.deallocate() }
        let keep = produce(&log.verifier, batch)
        guard keep else {
            do { try batch.rollBack(log.file) } catch { throw .file(error) }
            log.file.removeIfCreatedAndEmpty()
            return nil
        }
        do {
            try batch.finish(log.file)
        } catch {
            log.file.removeIfCreatedAndEmpty()
            throw .file(error)
        }
        return AppendReport(eventCount: batch.lineCount, firstLine: existing.lineCount + 1, byteCount: Int(batch.writtenByteCount),
                            logEventCount: existing.eventCount + batch.lineCount, chainHead: batch.chainHead,
                            interruptedAppend: settled)
    }
}

/// The lines of a streamed append (see ``LogAppender/append(streaming:)``), written to the end
/// of the log a piece at a time.
///
/// The calling thread gathers the lines into pieces; a second thread seals each piece's lines
/// into the hash chain, hashes the piece into the batch's SHA-256 and writes it, in order, while
/// the next piece is gathered. At most ``pieceCount`` pieces exist at a time.
package final class StreamedBatch {
    /// The `recorded` value (a JSON string) the append stamps: a line without `recorded` gets
    /// `,"recorded":` and this as its last member, as ``LogAppender/append(batch:)`` writes it.
    package let stamp: [UInt8]
    /// Lines handed in so far.
    package private(set) var lineCount = 0
    /// Bytes handed in so far, newlines included (the chain members the writer adds not counted).
    package var byteCount: Int64 { submitted + Int64(count) }
    /// Bytes written to the log, once the batch is finished.
    fileprivate private(set) var writtenByteCount: Int64 = 0
    /// The log's chain head once the batch is finished (`nil` when the log is not chained).
    fileprivate private(set) var chainHead: SHA256.Digest?

    /// Bytes gathered before a piece is handed on.
    package static let pieceSize = 1 << 20
    /// Pieces in memory at most: one being gathered, the others being hashed and written.
    static let pieceCount = 3

    private let path: String
    private let logLength: Int64
    /// The piece being gathered, and how much of it is used.
    private var buffer: UnsafeMutableRawBufferPointer
    private var count = 0
    /// Lines in the piece being gathered.
    private var pieceLines = 0
    /// Bytes handed to the writer, as gathered (before the chain members are added).
    private var submitted: Int64 = 0
    private var markerWritten = false
    private var failed = false
    private let writer: PieceWriter

    fileprivate init(fd: Int32, path: String, logLength: Int64, sealer: ChainSealer, stamp: [UInt8]) {
        self.path = path
        self.logLength = logLength
        self.stamp = stamp
        let writer = PieceWriter(fd: fd, path: path, offset: logLength, sealer: sealer, pieceSize: Self.pieceSize,
                                 pieceCount: Self.pieceCount)
        buffer = writer.takeFreePiece()
        self.writer = writer
    }

    /// Stops the writer (if it runs) and frees the pieces.
    fileprivate func deallocate() {
        _ = writer.close()
        writer.deallocate()
    }

    /// Adds a line (without its newline; it holds none): a JSON object, checked by the caller,
    /// that carries no `chain` member. When the log is chained the writer adds its chain member
    /// as its last member.
    package func append(line: UnsafeRawBufferPointer) {
        guard !failed else { return }
        let needed = line.count + 1
        if count + needed > buffer.count {
            flush()
            if needed > buffer.count { buffer = writer.enlarge(buffer, to: needed) }
        }
        let base = buffer.baseAddress!
        if let from = line.baseAddress { (base + count).copyMemory(from: from, byteCount: line.count) }
        count += line.count
        base.storeBytes(of: 0x0A, toByteOffset: count, as: UInt8.self)
        count += 1
        lineCount += 1
        pieceLines += 1
    }

    /// Hands the gathered piece to the writer (after writing the open marker and starting the
    /// writer, before the first piece) and takes a free one.
    private func flush() {
        guard !failed, count > 0 else { return }
        if !markerWritten {
            do {
                try PendingAppend.openBatch(logLength: logLength).write(forLog: path)
            } catch {
                writer.fail(error)
                failed = true
                count = 0
                return
            }
            markerWritten = true
            if CrashPoint.afterBatchBytes == 0 { CrashPoint.crash() }
            writer.start()
        }
        writer.submit(buffer, count: count, lines: pieceLines)
        submitted += Int64(count)
        count = 0
        pieceLines = 0
        buffer = writer.takeFreePiece()
        if writer.hasFailed { failed = true }
    }

    /// Flushes the batch, seals the marker with the batch's length, line count and digest, and removes it.
    fileprivate func finish(_ file: borrowing LockedLogFile) throws(LogFileError) {
        flush()
        let (written, digest, head, failure) = writer.close()
        writtenByteCount = written
        chainHead = head
        if let failure {
            try rollBack(file)
            throw failure
        }
        guard markerWritten else { return }  // nothing was written
        do {
            try file.sync()
            if CrashPoint.beforeSealingMarker { CrashPoint.crash() }
            try PendingAppend(logLength: logLength, batchLength: written, lineCount: lineCount, batchDigest: digest)
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

    /// Stops the writer, cuts the log back to its length before the batch and removes the marker
    /// (should that fail, the open marker stays, and the next writer rolls back).
    fileprivate func rollBack(_ file: borrowing LockedLogFile) throws(LogFileError) {
        count = 0
        _ = writer.close()
        guard markerWritten else { return }
        try file.truncate(to: logLength)
        try file.sync()
        try PendingAppend.remove(forLog: path)
        markerWritten = false
    }
}

/// The thread that seals (the chain), hashes and writes a streamed batch's pieces, in the order
/// they come.
///
/// `@unchecked Sendable`: the queue, the free pieces and the failure are touched only under
/// `monitor`; the sealer, the hasher and the write position only by the writing thread until ``close()``
/// has joined it.
private final class PieceWriter: @unchecked Sendable {
    private let fd: Int32
    private let path: String
    private let offset: Int64
    private let monitor = Monitor()
    private var queue: [(piece: UnsafeMutableRawBufferPointer, count: Int, lines: Int)] = []
    private var free: [UnsafeMutableRawBufferPointer] = []
    private var all: [UnsafeMutableRawBufferPointer] = []
    private var closing = false
    private var failure: LogFileError?
    private var thread: WorkerThread?
    private var hasher = SHA256()
    private var written: Int64 = 0
    /// Seals lines into the chain (when the log is chained), on the writing thread.
    private var sealer: ChainSealer
    /// Where a piece's lines are sealed (the writing thread's).
    private var sealed = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    init(fd: Int32, path: String, offset: Int64, sealer: ChainSealer, pieceSize: Int, pieceCount: Int) {
        self.fd = fd
        self.path = path
        self.offset = offset
        self.sealer = sealer
        for _ in 0..<pieceCount { free.append(.allocate(byteCount: pieceSize, alignment: 16)) }
        all = free
    }

    func deallocate() {
        sealed.deallocate()
        for piece in all { piece.deallocate() }
        all = []
        free = []
    }

    var hasFailed: Bool { monitor.locked { failure != nil } }

    func fail(_ error: LogFileError) { monitor.locked { if failure == nil { failure = error } } }

    /// A free piece, waiting for the writer to return one when none is.
    func takeFreePiece() -> UnsafeMutableRawBufferPointer {
        monitor.locked {
            while free.isEmpty { monitor.wait() }
            return free.removeLast()
        }
    }

    /// `piece` (empty, taken by the caller) replaced by one of at least `size` bytes.
    func enlarge(_ piece: UnsafeMutableRawBufferPointer, to size: Int) -> UnsafeMutableRawBufferPointer {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        monitor.locked {
            all.removeAll { $0.baseAddress == piece.baseAddress }
            all.append(bigger)
        }
        piece.deallocate()
        return bigger
    }

    func start() {
        thread = WorkerThread { [self] in run() }
    }

    func submit(_ piece: UnsafeMutableRawBufferPointer, count: Int, lines: Int) {
        monitor.locked {
            queue.append((piece, count, lines))
            monitor.broadcast()
        }
    }

    /// Waits for every piece to be written and stops the thread; returns the bytes written, their
    /// SHA-256, the chain head and the first failure.
    func close() -> (written: Int64, digest: SHA256.Digest, head: SHA256.Digest?, failure: LogFileError?) {
        monitor.locked {
            closing = true
            monitor.broadcast()
        }
        thread?.join()
        thread = nil
        return (written, hasher.finalize(), sealer.head, monitor.locked { failure })
    }

    private func run() {
        while true {
            let next: (piece: UnsafeMutableRawBufferPointer, count: Int, lines: Int)? = monitor.locked {
                while queue.isEmpty && !closing { monitor.wait() }
                return queue.isEmpty ? nil : queue.removeFirst()
            }
            guard let (piece, count, lines) = next.map({ ($0.piece, $0.count, $0.lines) }) else { return }
            if !hasFailed {
                do throws(LogFileError) {
                    try write(seal(UnsafeRawBufferPointer(rebasing: piece[0..<count]), lines: lines))
                } catch {
                    fail(error)
                }
            }
            monitor.locked {
                free.append(piece)
                monitor.broadcast()
            }
        }
    }

    /// The piece's `lines` lines (each ending in a newline) with their chain members added, or the
    /// piece itself when the log is not chained.
    private func seal(_ piece: UnsafeRawBufferPointer, lines: Int) -> UnsafeRawBufferPointer {
        guard sealer.isSealing else { return piece }
        let needed = piece.count + lines * ChainMember.length
        if sealed.count < needed {
            sealed.deallocate()
            sealed = .allocate(byteCount: max(needed, sealed.count * 2), alignment: 16)
        }
        let out = sealed.baseAddress!
        var o = 0
        var start = 0
        let base = piece.baseAddress!
        while start < piece.count {
            let newline = memchr(base + start, 0x0A, piece.count - start).map { base.distance(to: UnsafeRawPointer($0)) }
                ?? piece.count
            let line = UnsafeRawBufferPointer(rebasing: piece[start..<newline])
            let brace = max(0, JSONLineEdit.closingBrace(of: line))
            let value = sealer.seal(body: UnsafeRawBufferPointer(rebasing: line[..<brace]))!
            (out + o).copyMemory(from: base + start, byteCount: brace)
            o += brace
            o += ChainMember.write(value: value, to: out + o)
            out.storeBytes(of: 0x0A, toByteOffset: o, as: UInt8.self)
            o += 1
            start = newline + 1
        }
        return UnsafeRawBufferPointer(start: out, count: o)
    }

    /// Hashes and writes one piece; kills the process at the crash point if it falls in it.
    private func write(_ bytes: UnsafeRawBufferPointer) throws(LogFileError) {
        hasher.update(bytes)
        var start = 0
        if let crashPoint = CrashPoint.afterBatchBytes.map(Int64.init), crashPoint >= written, crashPoint < written + Int64(bytes.count) {
            // Write exactly up to the crash point, then die there.
            start = Int(crashPoint - written)
            try LockedLogFile.write(fd: fd, path: path, UnsafeRawBufferPointer(rebasing: bytes[0..<start]), at: offset + written)
            CrashPoint.crash()
        }
        try LockedLogFile.write(fd: fd, path: path, UnsafeRawBufferPointer(rebasing: bytes[start...]), at: offset + written + Int64(start))
        written += Int64(bytes.count)
    }
}
