#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``Ledger``'s log file (JSON Lines): what the ledger keeps in memory of it, and how it
/// reads, appends and follows it.
///
/// It keeps what an append needs: every ticket's life-cycle state, the event ids, the hash
/// chain's head, the log's length and its last bytes, the offset of every 1024th line. A group
/// takes the file lock, checks that nobody else appended since (the length and the last bytes;
/// lines another process appended are read and checked, a log that was rewritten is read again),
/// validates each batch against the state in memory, and writes the accepted ones with the same
/// all-or-nothing protocol as ``LogAppender`` (see ``PendingAppend``), with one `fsync`.
/// Another process's appends are noticed by the log's length (a `stat`). The state file
/// (``Ledger/Options/statePath``) is this store's alone.
package final class FileLedgerStore: LedgerStore {
    /// The log file.
    package let path: String
    private let options: Ledger.Options

    /// What the log held when last read: every line is valid and known to `verifier`.
    private var verifier = LogVerifier()
    private var sealer: ChainSealer
    private var known = LogAppender.ExistingLog()
    /// The log's last bytes (up to 64), to notice a log rewritten under the same length.
    private var tail: [UInt8] = []
    /// The state no longer matches the file (a failed write): read it again before the next append.
    private var stale = true
    /// The offset of line `1 + k * offsetStride`, for reading from a position.
    private var lineOffsets: [Int64] = []
    private static let offsetStride = 1024
    /// The lines the state file covered when it was read or written; `nil` while there is none.
    private var stateLines: Int?
    /// Why the state file was not used, when there was one.
    private(set) var stateNote: String?
    /// The append interrupted earlier that the last write settled first, if any.
    private(set) var settledAppend: PendingAppend.Outcome?
    /// The file as it was (device and inode, length, change time) when reading what others
    /// wrote last failed: ``mayHaveChanged()`` is false until it changes, so that a follower does not read
    /// the same damaged log again and again.
    private var failedOn: FileSignature?
    /// What that read failed with: reading the same file again would fail the same way.
    private var failure: AppendError?
    /// The file last read (device and inode): another file at the path (renamed over the log)
    /// is another log, whatever its length. The log itself is only ever written in place.
    private var fileID: FileID?
    /// A last line without its newline, left out while read under a shared lock: the log's
    /// length then, and when it was first seen (see ``Ledger/Options/incompleteLineWait``).
    private var incompleteLine: (length: Int64, since: ContinuousClock.Instant)?

    private struct FileID: Equatable {
        var device: UInt64, inode: UInt64
        init(_ info: stat) { (device, inode) = (UInt64(info.st_dev), UInt64(info.st_ino)) }
        init?(fd: Int32) {
            var info = stat()
            guard fstat(fd, &info) == 0 else { return nil }
            self.init(info)
        }
    }

    /// What one `stat` of the log's path says: which file, how long, when last changed.
    private struct FileSignature: Equatable {
        var id: FileID, size: Int64, changed: Int, changedNanoseconds: Int
        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            id = FileID(info)
            size = Int64(info.st_size)
            #if canImport(Darwin)
            (changed, changedNanoseconds) = (Int(info.st_ctimespec.tv_sec), Int(info.st_ctimespec.tv_nsec))
            #else
            (changed, changedNanoseconds) = (Int(info.st_ctim.tv_sec), Int(info.st_ctim.tv_nsec))
            #endif
        }
    }

    package init(path: String, options: Ledger.Options) {
        self.path = path
        self.options = options
        sealer = ChainSealer(path: path, chaining: options.chaining)
    }

    package var name: String { path }
    package var lineCount: Int { known.lineCount }
    /// The head of the lines read or written (the sealer's own head is set only once it seals).
    package var chainHead: SHA256.Digest? { sealer.observedHead }

    /// Reads the log under a shared lock (opening never writes; a missing log is created when
    /// the options say so), from the state file when there is a usable one.
    package func load() throws(AppendError) {
        if access(path, F_OK) != 0 && errno == ENOENT && options.createsMissingLog {
            do { _ = try LockedLogFile.acquire(path, create: true) } catch { throw .file(error) }
        }
        let file: LockedLogFile
        do { file = try LockedLogFile.acquireShared(path, announcingWait: true) } catch { throw .file(error) }
        if let statePath = options.statePath { resume(from: statePath, file) }
        try catchUp(file, exclusive: false, publish: nil)
    }

    // MARK: The state file

    /// Takes the state saved in `statePath` when it is sound and the log still starts with
    /// what it describes; otherwise notes why not (``stateNote``) and leaves the state empty.
    private func resume(from statePath: String, _ file: borrowing LockedLogFile) {
        do {
            var length = try file.length()
            if let pending = try PendingAppend.read(forLog: path),
               try !pending.isComplete(in: file.fd, path: path, length: length) {
                length = min(length, pending.logLength)
            }
            guard let state = try LedgerState.load(from: statePath, stride: Self.offsetStride) else { return }
            try state.check(log: file.fd, length: length)
            verifier = LogVerifier()
            verifier.lifecycle = state.lifecycle
            verifier.ids = state.ids
            verifier.eventCount = state.eventCount
            verifier.ticketCount = state.ticketCount
            sealer = ChainSealer(path: path, chaining: options.chaining, resuming: state.chain)
            known = LogAppender.ExistingLog(lineCount: state.lineCount, byteCount: state.byteCount, eventCount: state.eventCount)
            tail = state.tail
            lineOffsets = state.lineOffsets
            stateLines = state.lineCount
            stale = false
        } catch {
            stateNote = "the state file \(statePath) is not used (\(error)); reading the whole log"
        }
    }

    /// How many lines the log as known holds beyond the state file (all of them when there is none).
    var linesBeyondState: Int { known.lineCount - (stateLines ?? 0) }

    /// Writes the state file when the log as known holds at least `lines` lines beyond it, or
    /// when there is no usable one. - Returns: Whether it was written.
    func saveState(ifBehindBy lines: Int) throws -> Bool {
        guard let statePath = options.statePath, !stale, stateLines == nil || linesBeyondState >= lines else { return false }
        let fingerprint: [UInt8]
        do {
            let fd = try LogInput.openRegularFile(path)
            defer { closeFile(fd) }
            fingerprint = try LedgerState.fingerprint(fd: fd, upTo: known.byteCount)
        }
        let state = LedgerState(byteCount: known.byteCount, lineCount: known.lineCount, eventCount: verifier.eventCount,
                                ticketCount: verifier.ticketCount, tail: tail, fingerprint: fingerprint, chain: sealer.observedSummary,
                                lineOffsets: lineOffsets, lifecycle: verifier.lifecycle, ids: verifier.ids)
        try state.save(to: statePath)
        stateLines = known.lineCount
        return true
    }

    // MARK: Writing

    /// Writes a group of batches: one lock, one write, one flush.
    package func write(_ batches: [[UInt8]], publishing publish: LedgerPublisher?) -> LedgerGroupWrite {
        let file: LockedLogFile
        do {
            file = try LockedLogFile.acquire(path, create: options.createsMissingLog)
        } catch {
            return .failed(batches.count, .file(error))
        }
        do {
            settledAppend = nil
            try catchUp(file, exclusive: true, publish: publish)
            try sealer.prepare(lineCount: known.lineCount, byteCount: known.byteCount)
        } catch {
            stale = true
            return .failed(batches.count, error)
        }
        // Each batch is checked on its own against the state the ones before it left.
        let stamp = JSONString.quoted(options.clock().rfc3339(offsetSeconds: options.offsetSeconds))
        var output: [UInt8] = []
        var outcomes: [Result<Int, AppendError>] = []
        outcomes.reserveCapacity(batches.count)
        var lineCount = known.lineCount
        for batch in batches {
            let savedSealer = sealer
            let eventsBefore = verifier.eventCount
            verifier.beginJournal()
            let checked = batch.withUnsafeBytes { bytes in
                Result { () throws(AppendError) in
                    try LogAppender.checkBatch(bytes, after: lineCount, verifier: &verifier, sealer: &sealer, stamp: stamp,
                                               maxLineBytes: options.maxLineBytes)
                }
            }
            switch checked {
            case .success(let bytes):
                verifier.commitJournal()
                let lines = verifier.eventCount - eventsBefore
                outcomes.append(.success(lines))
                output.append(contentsOf: bytes)
                lineCount += lines
            case .failure(let error):
                verifier.rollBackJournal()
                sealer = savedSealer
                outcomes.append(.failure(error))
            }
        }
        guard !output.isEmpty else { return LedgerGroupWrite(outcomes: outcomes, records: []) }
        let start = known.byteCount
        do {
            try LogAppender.write(output, lineCount: lineCount - known.lineCount, to: file, at: start, path: path)
        } catch {
            // The state holds events the file does not: read the file again before the next append.
            stale = true
            return .failed(error, keepingRejectionsOf: outcomes)
        }
        var records: [Ledger.Record] = []
        records.reserveCapacity(lineCount - known.lineCount)
        var decoder = EventDecoder()
        output.withUnsafeBytes { bytes in
            var lineStart = 0
            for end in 0..<bytes.count where bytes[end] == 0x0A {
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<end])
                let position = known.lineCount + records.count + 1
                let offset = start + Int64(lineStart)
                // The chain's verifier follows the lines as written, so that the next group builds on them.
                _ = try? sealer.observe(line: LogLine(number: position, offset: offset, bytes: line, terminated: true), event: nil)
                noteLine(position, offset: offset)
                if let event = try? decoder.decodeEvent(line) {
                    records.append(Ledger.Record(position: position, line: Array(line), event: event))
                }
                lineStart = end + 1
            }
        }
        known.byteCount += Int64(output.count)
        known.lineCount = lineCount
        known.eventCount = verifier.eventCount
        tail = Array(output.suffix(64))
        return LedgerGroupWrite(outcomes: outcomes, records: records)
    }

    // MARK: Keeping up with the file

    /// Reads lines that other processes appended (the settled part of the log, under a shared
    /// lock for a moment).
    package func refresh(publishing publish: LedgerPublisher?) throws(AppendError) {
        let snapshot: LogSnapshot
        do { snapshot = try LogSnapshot.take(path: path) } catch { throw .file(error) }
        let signature = FileSignature(path: path)
        guard snapshot.length != known.byteCount || stale || signature?.id != fileID else { return }
        if let failure, let failedOn, failedOn == signature { throw failure }
        do throws(AppendError) {
            let file: LockedLogFile
            do { file = try LockedLogFile.acquireShared(path) } catch { throw AppendError.file(error) }
            try catchUp(file, exclusive: false, publish: publish)
            (failedOn, failure) = (nil, nil)
        } catch {
            (failedOn, failure) = (signature, error)
            throw error
        }
    }

    /// Whether the log's length differs from what this store knows (or its state is stale),
    /// unless the file is as it was when reading it last failed.
    package func mayHaveChanged() -> Bool {
        // A log removed (or renamed away) is a change too: reading it then says so.
        guard let signature = FileSignature(path: path) else { return fileID != nil }
        if let failedOn, failedOn == signature { return false }
        return stale || signature.size != known.byteCount || signature.id != fileID
    }

    package func stopFollowing() {}

    /// Brings the state up to the file: reads lines that other processes appended, or reads the
    /// whole log again when it was rewritten. Under the exclusive lock an interrupted append is
    /// settled first; under a shared one its bytes are left out (see ``LogSnapshot``).
    private func catchUp(_ file: borrowing LockedLogFile, exclusive: Bool, publish: LedgerPublisher?) throws(AppendError) {
        var length: Int64
        do {
            if exclusive {
                if let outcome = try PendingAppend.settle(file, path: path, clock: options.clock) { settledAppend = outcome }
                length = try file.length()
            } else {
                length = try file.length()
                if let pending = try PendingAppend.read(forLog: path),
                   try !pending.isComplete(in: file.fd, path: path, length: length) {
                    length = min(length, pending.logLength)
                }
            }
        } catch {
            throw .file(error)
        }
        let id = FileID(fd: file.fd)
        let replaced = fileID != nil && id != fileID
        if !stale && !replaced && length == known.byteCount && (try? tailMatches(file)) == true { return }
        let rewritten = replaced || length < known.byteCount || (try? tailMatches(file)) != true
        // Lines handed to observers cannot be taken back: a log whose lines read so far changed
        // (replaced, restored from a copy) is refused while someone observes it.
        if rewritten, !stale, known.lineCount > 0, publish != nil {
            throw .file(LogFileError(path: path, message: "the log was rewritten: its first \(groupedThousands(known.lineCount)) lines are no longer those read "
                                     + "(a log is only ever appended to); what follows it must start again from the log as it is now"))
        }
        if stale || rewritten {
            verifier = LogVerifier()
            sealer = ChainSealer(path: path, chaining: options.chaining)
            known = LogAppender.ExistingLog()
            lineOffsets = []
            tail = []
            stateLines = nil
        }
        if !exclusive {
            do { length = try completeLines(of: file, length: length) } catch { throw .file(error) }
        }
        var records: [Ledger.Record] = []
        var decoder = EventDecoder()
        let before = known
        do {
            try LogAppender.readLines(of: file, path: path, into: &known, verifier: &verifier, sealer: &sealer,
                                      maxLineBytes: options.maxLineBytes, problemLimit: 20, end: length) { line in
                self.noteLine(line.number, offset: line.offset)
                if publish != nil, let event = try? decoder.decodeEvent(line.bytes) {
                    records.append(Ledger.Record(position: line.number, line: Array(line.bytes), event: event))
                }
            }
        } catch {
            stale = true
            known = before
            throw error
        }
        stale = false
        fileID = id
        let tailStart = max(0, known.byteCount - 64)
        var bytes = [UInt8](repeating: 0, count: Int(known.byteCount - tailStart))
        let count = bytes.withUnsafeMutableBytes { (try? file.read(into: $0, at: tailStart)) ?? -1 }
        tail = count == bytes.count ? bytes : []
        if let publish, !records.isEmpty { publish(records) }
    }

    /// The length of the log's complete lines, for a read under a shared lock: a last line
    /// without its newline may be one that a writer which does not take the lock is still
    /// writing, so it is left out until it ends, or until it has stayed as it is for
    /// ``Ledger/Options/incompleteLineWait`` (then `length`: reading it reports the torn line).
    private func completeLines(of file: borrowing LockedLogFile, length: Int64) throws(LogFileError) -> Int64 {
        guard length > known.byteCount else { return length }
        var last: [UInt8] = [0]
        _ = try last.withUnsafeMutableBytes { b in
            Result { () throws(LogFileError) in try file.read(into: b, at: length - 1) }
        }.get()
        guard last[0] != UInt8(ascii: "\n") else {
            incompleteLine = nil
            return length
        }
        let now = ContinuousClock.now
        if let seen = incompleteLine, seen.length == length {
            if now - seen.since >= options.incompleteLineWait { return length }
        } else {
            incompleteLine = (length, now)
        }
        // The end of the last complete line: no further back than the lines known, nor than
        // the longest line (a longer one is reported as such when read).
        let floor = max(known.byteCount, length - Int64(options.maxLineBytes) - 1)
        var end = length
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while end > floor {
            let start = max(floor, end - Int64(chunk.count))
            let count = Int(end - start)
            let read = try chunk.withUnsafeMutableBytes { b in
                Result { () throws(LogFileError) in try file.read(into: UnsafeMutableRawBufferPointer(rebasing: b[..<count]), at: start) }
            }.get()
            guard read == count else { return length }
            if let i = chunk[..<count].lastIndex(of: UInt8(ascii: "\n")) { return start + Int64(i) + 1 }
            end = start
        }
        return floor == known.byteCount ? known.byteCount : length
    }

    private func tailMatches(_ file: borrowing LockedLogFile) throws(LogFileError) -> Bool {
        guard !tail.isEmpty else { return known.byteCount == 0 }
        var bytes = [UInt8](repeating: 0, count: tail.count)
        let count = try bytes.withUnsafeMutableBytes { b in
            Result { () throws(LogFileError) in try file.read(into: b, at: known.byteCount - Int64(tail.count)) }
        }.get()
        return count == tail.count && bytes == tail
    }

    private func noteLine(_ number: Int, offset: Int64) {
        if (number - 1) % Self.offsetStride == 0 && (number - 1) / Self.offsetStride == lineOffsets.count {
            lineOffsets.append(offset)
        }
    }

    // MARK: Reading

    /// The records from `position` on, at most `limit`, read from the file from the nearest
    /// 1024th line before it.
    package func records(from position: Int, limit: Int) throws(LogFileError) -> [Ledger.Record] {
        let first = max(position, 1)
        guard first <= known.lineCount, limit > 0 else { return [] }
        let index = min((first - 1) / Self.offsetStride, lineOffsets.count - 1)
        guard index >= 0 else { return [] }
        var lineNumber = index * Self.offsetStride + 1
        var records: [Ledger.Record] = []
        var decoder = EventDecoder()
        let fd = try LogInput.openRegularFile(path)
        defer { closeFile(fd) }
        guard lseek(fd, off_t(lineOffsets[index]), SEEK_SET) == lineOffsets[index] else { throw .system(path, "seek") }
        struct Done: Error {}
        let end = known.byteCount
        do {
            _ = try LogReader.forEachLine(fd: fd, path: path, chunkSize: 1 << 20, start: lineOffsets[index], end: end,
                                          firstLineNumber: lineNumber, maxLineBytes: options.maxLineBytes) { line in
                lineNumber = line.number
                guard line.number >= first, line.terminated else { return }
                let event = try decoder.decodeEvent(line.bytes)
                records.append(Ledger.Record(position: line.number, line: Array(line.bytes), event: event))
                if records.count == limit { throw Done() }
            }
        } catch is Done {
        } catch let error as LogFileError {
            throw error
        } catch {
            throw LogFileError(path: path, message: "cannot read line \(lineNumber): \(error)")
        }
        return records
    }
}

/// `close(2)`, where a method of the same name is in scope.
private func closeFile(_ fd: Int32) { _ = close(fd) }
