#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a log that is not a file (a database's rows, each with its newline, streamed as
/// they arrive): ``LogReader``, ``LogScan`` and a replay read it as they read a file, through
/// their fixed buffers, so memory stays bounded whatever the log's length.
package protocol LogByteSource: AnyObject {
    /// Copies up to `count` (> 0) bytes of the log, in order, into `buffer`.
    /// - Returns: How many were copied; 0 only at the end of the log.
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int
}

/// A log kept as numbered lines by a store other than a file (a PostgreSQL ledger's rows): a
/// replay reads it as the bytes of the file those lines would make, from any line on, and a
/// replay checkpoint remembers how far it read by line number (see ``LogFingerprint``).
package protocol StreamedLog {
    /// The lines after line `position` (0: every line), in order, each followed by its newline,
    /// handed out as they are read.
    func bytes(after position: Int) throws -> any LogByteSource
    /// What holds the lines, as text without `|`: the same whenever this log is read, another
    /// for another log (another database, another table), so that a checkpoint made for one is
    /// not used on the other.
    func storeIdentity() throws -> String
    /// Calls `body` with the number and bytes (without the newline) of every line whose number
    /// lies in one of `ranges` (ascending, disjoint), in order; a number with no line is skipped.
    func forEachLine(in ranges: [ClosedRange<Int>], _ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws
    /// How many lines the log holds now, when the store can say so cheaply (`nil`: it cannot),
    /// so that a replay sizes its tables once (see ``LogSizeEstimate``).
    func lineCount() -> Int?
}

extension StreamedLog {
    package func lineCount() -> Int? { nil }
}

/// Where a reader's bytes come from: a file descriptor or a ``LogByteSource``.
enum LogBytes {
    case file(Int32, path: String)
    case stream(any LogByteSource)

    /// `read(2)` (again on `EINTR`), or the source's read.
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        switch self {
        case .file(let fd, let path):
            while true {
                #if canImport(Glibc)
                let n = Glibc.read(fd, buffer, count)
                #else
                let n = Darwin.read(fd, buffer, count)
                #endif
                if n >= 0 { return n }
                if errno != EINTR { throw LogFileError.system(path, "read the file") }
            }
        case .stream(let source):
            return try source.read(into: buffer, count: count)
        }
    }
}

/// A log read as a stream of lines rather than from a file (a database's rows, in order): the
/// same checks, hash chain and appends as the file's, for stores outside this module.
///
/// ``StreamedLogAppender`` keeps a writer's state between appends, so that each append only
/// reads the lines committed since the last one; ``LogVerifier/verifyStream(requireChain:report:lines:visit:)``
/// and ``ChainDigest/of(streamNamed:asOf:report:lines:)`` are `verify` and `digest`.
package struct StreamedLogAppender {
    /// The log's name in messages (a URI, say).
    package let name: String
    private var verifier = LogVerifier()
    private var sealer: ChainSealer
    private var existing = LogAppender.ExistingLog()
    /// The sealer as it was before the batch being checked, to observe what commits.
    private var sealerBeforeBatch: ChainSealer?
    private var pendingLines: [[UInt8]] = []

    package init(name: String, chaining: LogAppender.Chaining) {
        self.name = name
        // "-": the bytes before a chain that starts late are hashed as they are read.
        sealer = ChainSealer(path: "-", chaining: chaining, name: name)
    }

    /// The longest line an append may store (stamped and sealed): a file copy of the log
    /// (`ledger-cli copy`) must stay readable.
    package var maxLineBytes = LogInput.defaultMaxLineBytes

    /// Lines (and valid events) read so far.
    package var lineCount: Int { existing.lineCount }
    package var eventCount: Int { verifier.eventCount }
    /// The chain head: that of the last line read or committed, `nil` while unchained.
    package var chainHead: SHA256.Digest? { sealer.observedHead }

    /// Reads a line committed by anyone, after those already read; refuses an invalid log.
    package mutating func catchUp(line bytes: UnsafeRawBufferPointer) throws(AppendError) {
        let line = LogLine(number: existing.lineCount + 1, offset: existing.byteCount, bytes: bytes, terminated: true)
        var problem: LogProblem?
        let event = verifier.check(line) { problem = $0 }
        do {
            if let p = try sealer.observe(line: line, event: event), problem == nil { problem = LogProblem(line: line.number, problem: p) }
        } catch {
            throw .file(error)
        }
        if let problem { throw .invalidLog(path: name, problems: [problem], problemCount: 1) }
        existing.lineCount += 1
        existing.byteCount += Int64(bytes.count + 1)
        existing.eventCount = verifier.eventCount
    }

    /// Checks a batch against the lines read, and returns its lines as they are to be stored
    /// (stamped with `recorded` where it is missing, sealed, without newlines). Nothing changes
    /// on a throw; after a return, call ``commit()`` once they are stored or ``rollBack()``.
    package mutating func check(batch: [UInt8], stamp: Timestamp, offsetSeconds: Int32 = 28_800) throws(AppendError) -> [[UInt8]] {
        let savedSealer = sealer
        let quoted = JSONString.quoted(stamp.rfc3339(offsetSeconds: offsetSeconds))
        let output: [UInt8]
        verifier.beginJournal()
        do {
            try sealer.prepare(lineCount: existing.lineCount, byteCount: existing.byteCount)
            output = try batch.withUnsafeBytes { bytes in
                Result { () throws(AppendError) in
                    try LogAppender.checkBatch(bytes, after: existing.lineCount, verifier: &verifier, sealer: &sealer, stamp: quoted,
                                               maxLineBytes: maxLineBytes)
                }
            }.get()
        } catch {
            verifier.rollBackJournal()
            sealer = savedSealer
            throw error
        }
        sealerBeforeBatch = savedSealer
        pendingLines = output.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { Array($0) }
        return pendingLines
    }

    /// The checked batch was stored: its lines now follow the others.
    package mutating func commit() {
        verifier.commitJournal()
        guard var observer = sealerBeforeBatch else { return }
        for line in pendingLines {
            line.withUnsafeBytes { bytes in
                let l = LogLine(number: existing.lineCount + 1, offset: existing.byteCount, bytes: bytes, terminated: true)
                _ = try? observer.observe(line: l, event: nil)
                existing.lineCount += 1
                existing.byteCount += Int64(bytes.count + 1)
            }
        }
        existing.eventCount = verifier.eventCount
        sealer = observer
        sealerBeforeBatch = nil
        pendingLines = []
    }

    /// The checked batch was not stored.
    package mutating func rollBack() {
        verifier.rollBackJournal()
        if let saved = sealerBeforeBatch { sealer = saved }
        sealerBeforeBatch = nil
        pendingLines = []
    }
}

extension LogVerifier {
    /// `verify` of a streamed log read as the bytes of a file (``StreamedLog/bytes(after:)``)
    /// by ``LogScan``'s decoding threads, as a file's is: the same checks, problems, totals and
    /// chain summary as for the same lines in a file.
    package static func verifyScanned(streamNamed name: String, log: any StreamedLog, requireChain: Bool,
                                      maxLineBytes: Int = LogInput.defaultMaxLineBytes, visit: ScannedVisit? = nil,
                                      report: (LogProblem) throws -> Void) throws -> Summary {
        let estimate = log.lineCount().map(LogSizeEstimate.init(lines:))
        return try verifyScanned(at: name, requireChain: requireChain, maxLineBytes: maxLineBytes,
                                 source: try log.bytes(after: 0), estimate: estimate, visit: visit, report: report)
    }
}

extension ChainDigest {
    /// `digest` of a streamed log, read as `verify` reads it
    /// (``LogVerifier/verifyScanned(streamNamed:log:requireChain:maxLineBytes:visit:report:)``), as
    /// ``of(logAt:asOf:maxLineBytes:report:)`` computes it for a file; `name` names the log in errors.
    package static func of(streamNamed name: String, log: any StreamedLog, asOf: Timestamp? = nil,
                           maxLineBytes: Int = LogInput.defaultMaxLineBytes,
                           report: (LogProblem) throws -> Void) throws -> ChainDigest {
        try of(name: name, asOf: asOf) { visit in
            try withoutActuallyEscaping(visit) { visit in
                try LogVerifier.verifyScanned(streamNamed: name, log: log, requireChain: false, maxLineBytes: maxLineBytes,
                                              visit: visit, report: report)
            }
        }
    }
}

extension AppendReport {
    /// What a store outside this module appended.
    package init(eventCount: Int, firstLine: Int, byteCount: Int, logEventCount: Int, chainHead: SHA256.Digest?) {
        self.init(eventCount: eventCount, firstLine: firstLine, byteCount: byteCount, logEventCount: logEventCount)
        self.chainHead = chainHead
    }
}

extension LogLine {
    /// A complete line of a log read from somewhere other than a file.
    package static func streamed(number: Int, offset: Int64, bytes: UnsafeRawBufferPointer) -> LogLine {
        LogLine(number: number, offset: offset, bytes: bytes, terminated: true)
    }
}
