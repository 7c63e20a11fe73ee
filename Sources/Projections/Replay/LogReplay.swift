#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Events

/// Replays a log file into one or more projections in a single streaming pass.
///
/// Every line is decoded and checked against the ticket life cycle; an invalid line is not
/// folded and is reported. Memory holds the per-ticket state and a read buffer, never the log.
public struct LogReplay {
    /// What a replay saw.
    public struct Summary: Sendable {
        /// Lines read.
        public var lines = 0
        /// Valid events.
        public var events = 0
        /// Bytes read.
        public var bytes: Int64 = 0
        /// Problems found (all of them; the log must be clean for a trustworthy report).
        public var problems: [LogProblem] = []
        /// How much of the log was settled when the replay started; an interrupted append's
        /// bytes after it were left out (`LogSnapshot.warning(path:)` says so).
        public var snapshot: LogSnapshot? = nil
        /// For a replay as of a time (from the log's start, or from a checkpoint, which keeps what
        /// it saw of the lines before it): whether the valid lines were known (their
        /// `recorded` time, else `at`) in the log's order, so that the view as of any time is a
        /// prefix of the log and keeps the life cycle; `nil` when not followed (see
        /// ``asOfViewProblems(_:limit:)``).
        public var recordedInOrder: Bool? = nil
    }

    /// The log file.
    public var path: String
    /// Stop collecting problems after this many (counting continues).
    public var problemLimit = 100
    /// Threads that decode lines while the calling thread folds them in order; 1 reads,
    /// decodes and folds on the calling thread alone. Both give the same result.
    public var parallelism = LogReplay.defaultParallelism

    /// The longest line read (see `LogReader.maxLineBytes`); a longer one stops the replay
    /// with a `LogFileError`.
    public var maxLineBytes = LogInput.defaultMaxLineBytes
    /// Whether ``run(into:checkpoint:progress:warning:)`` maps the checkpoint's large tables
    /// instead of reading them, when the log's new tail is small. Loading then costs a fraction
    /// (the system's cached pages are used as they are; only pages written are copied), but
    /// the file is held under a read lease (Linux; elsewhere tables are read) for as long as
    /// the resulting projections live: a process that opens it for writing or truncates it
    /// waits until they are released, or for the system's lease-break time (45 s by default).
    /// Meant for short-lived processes such as `ledger-cli`; off by default.
    public var mapsCheckpoint = false
    /// Called by ``run(into:checkpoint:progress:warning:)`` after loading a checkpoint, before
    /// folding the tail (tests use it to act on a loaded checkpoint).
    package var checkpointLoaded: (() -> Void)?

    /// Bytes per block a parallel replay decodes at a time (tests make it small).
    var blockSize = 1 << 20

    /// Two decoding threads when the machine has two processors or more, else 1.
    public static var defaultParallelism: Int { min(WorkerThread.processorCount, 2) }

    /// The log when it is not a file (see ``init(streamNamed:log:)``): each pass reads its
    /// bytes afresh; `nil` for a file.
    package var stream: (any StreamedLog)?

    public init(path: String) {
        self.path = path
    }

    /// A replay of a log that is not a file — a database's rows streamed as lines — read exactly
    /// as a file is (the same decoders, folds and problems), through the same bounded buffers;
    /// a checkpoint of it resumes after the last line it folded.
    /// - Parameters:
    ///   - name: The log's name in messages (``path``).
    ///   - log: Asked at the start of every pass for the log's bytes.
    package init(streamNamed name: String, log: any StreamedLog) {
        self.path = name
        self.stream = log
    }

    /// Reads the whole log once, folding every valid event into each projection.
    /// - Parameters:
    ///   - projections: The projections to fold into.
    ///   - progress: Called now and then with the bytes read so far.
    /// - Throws: `LogFileError` if the file cannot be read, is not a regular file, or has a line
    ///   longer than ``maxLineBytes``.
    public func run(into projections: inout [Projection], progress: ((Int64) -> Void)? = nil) throws(LogFileError) -> Summary {
        var fold = ReplayFold(projections: projections)
        let summary: Summary
        do { summary = try run(&fold, from: 0, firstLine: 1, progress: progress) } catch { throw .reading(path, failedWith: error) }
        projections = fold.finish()
        return summary
    }

    /// Folds the log from byte `start` (a line boundary; `firstLine` is its line number; a
    /// streamed log is read from line `firstLine`, `start` being its offset).
    /// Reads only the log's settled bytes (see `LogSnapshot`).
    func run(_ fold: inout ReplayFold, from start: Int64, firstLine: Int, progress: ((Int64) -> Void)?) throws -> Summary {
        let snapshot = try takeSnapshot()
        // A replay from the start sizes its tables once for the log's length (a streamed log's
        // line count, when its store can tell).
        if start == 0 {
            if let stream {
                if let lines = stream.lineCount() { fold.reserve(for: LogSizeEstimate(lines: lines)) }
            } else {
                fold.reserve(for: LogSizeEstimate(path: path))
            }
        }
        defer { fold.stopWarming() }
        var summary = parallelism > 1
            ? try runScanned(&fold, from: start, end: snapshot.length, firstLine: firstLine, progress: progress)
            : try runLines(&fold, from: start, snapshot: snapshot, firstLine: firstLine, progress: progress)
        summary.snapshot = stream == nil ? snapshot : nil
        // From a checkpoint, the fold goes on from the order of the lines it folded (``ReplayFold/resume(knownThrough:)``).
        if fold.followsRecordedOrder { summary.recordedInOrder = !fold.recordedOutOfOrder }
        return summary
    }

    /// The file's settled length (see `LogSnapshot`); a streamed log is read to its end.
    private func takeSnapshot() throws -> LogSnapshot {
        guard stream == nil else { return try LogSnapshot.take(path: "-") }   // no length, no marker
        return try LogSnapshot.take(path: path)
    }

    /// One thread: `LogReader` lines, decoded and folded as they come.
    private func runLines(_ fold: inout ReplayFold, from start: Int64, snapshot: LogSnapshot, firstLine: Int,
                          progress: ((Int64) -> Void)?) throws -> Summary {
        try forEachDecodedLine(from: start, snapshot: snapshot, firstLine: firstLine, progress: progress) { event, bytes, number in
            fold.apply(event, in: bytes, lineNumber: number)
        }
    }

    /// Streams the lines from byte `start` through the decoder on the calling thread and hands
    /// each decoded event to `apply`, which checks and folds it and returns its problem, if any.
    /// Torn tails, undecodable lines and the problems `apply` returns are collected in the summary.
    /// Only the log's settled bytes are read (`snapshot`, taken now when not given).
    func forEachDecodedLine(from start: Int64 = 0, snapshot: LogSnapshot? = nil, firstLine: Int = 1,
                            progress: ((Int64) -> Void)? = nil,
                            _ apply: (RawEvent, UnsafeRawBufferPointer, Int) -> EventProblem?) throws -> Summary {
        var summary = Summary()
        let snapshot = try snapshot ?? takeSnapshot()
        summary.snapshot = stream == nil ? snapshot : nil
        summary.lines = firstLine - 1
        var decoder = EventDecoder()
        var nextProgress: Int64 = 64 << 20
        var reader = LogReader(path: path)
        reader.maxLineBytes = maxLineBytes
        func forEachLine(_ body: (LogLine) throws -> Void) throws -> Int64 {
            guard let stream else { return try reader.forEachLine(startingAt: start, end: snapshot.length, firstLineNumber: firstLine, body) }
            return try reader.forEachLine(of: try stream.bytes(after: firstLine - 1), name: path, startingAt: start,
                                          firstLineNumber: firstLine, body)
        }
        summary.bytes = try forEachLine { line in
            summary.lines = line.number
            if let progress, line.offset >= nextProgress {
                progress(line.offset)
                nextProgress = line.offset + (64 << 20)
            }
            func report(_ problem: EventProblem) {
                if summary.problems.count < problemLimit { summary.problems.append(LogProblem(line: line.number, problem: problem)) }
            }
            guard line.terminated else { return report(.tornTail(byteCount: line.bytes.count)) }
            let event: RawEvent
            do throws(EventProblem) {
                event = try decoder.decode(line.bytes)
            } catch {
                return report(error)
            }
            if let problem = apply(event, line.bytes, line.number) { return report(problem) }
            summary.events += 1
        }
        return summary
    }

    /// Worker threads decode blocks of lines (``LogScan``); this thread checks each block against
    /// the life cycle, in file order, and a worker that is free folds the checked blocks' accepted
    /// lines into the projections, one block at a time in file order, while this thread checks
    /// the next (``LogScan/run(_:then:)``). A read from the middle of the log shorter than
    /// ``handOverBytes`` decodes, checks and folds each block on this thread.
    private func runScanned(_ fold: inout ReplayFold, from start: Int64, end: Int64, firstLine: Int,
                            progress: ((Int64) -> Void)?) throws -> Summary {
        var summary = Summary()
        var lineNumber = firstLine - 1
        var nextProgress: Int64 = 64 << 20
        let handsOver = start == 0 || end - start >= Self.handOverBytes
        var scan = LogScan(path: path, start: start, workers: handsOver ? parallelism : 0)
        if let stream { scan.source = try stream.bytes(after: firstLine - 1) }
        scan.blockSize = blockSize(from: start)
        scan.maxLineBytes = maxLineBytes
        scan.firstLineNumber = firstLine
        scan.end = end
        // The projections are folded on whichever decoding thread is free while this thread
        // checks the next block; a short read (a checkpoint's tail) decodes and folds each block
        // here, since it is over before the hand-overs and the threads pay.
        let tables = fold.lendTables()
        defer { fold.takeBack(tables) }
        summary.bytes = try scan.run({ block in
            if let progress, block.fileOffset >= nextProgress {
                progress(block.fileOffset)
                nextProgress = block.fileOffset + (64 << 20)
            }
            summary.events += fold.check(block, firstLine: lineNumber + 1) { line, problem in
                if summary.problems.count < problemLimit { summary.problems.append(LogProblem(line: line, problem: problem)) }
            }
            lineNumber += block.events.count
            if !handsOver { tables.fold(block) }
        }, then: handsOver ? tables.fold : nil)
        summary.lines = lineNumber
        return summary
    }

    /// The shortest read from the middle of a log that is decoded on decoding threads and whose
    /// checked blocks are folded there (see ``runScanned(_:from:end:firstLine:progress:)``). The
    /// checkpointed tail of the generated year after one more day (774 KB) took 8 ms more CPU
    /// and 2.5 ms more time handing its blocks over, and 2–3 ms more time and 3–4 ms more CPU
    /// decoding them on two threads (docs/performance.md).
    static let handOverBytes: Int64 = 32 << 20

    /// ``blockSize``, or smaller for a short read (a checkpoint's tail), so that both decoders
    /// and both fold stages get work: at least eight blocks, of 64 KiB or more.
    private func blockSize(from start: Int64) -> Int {
        var st = stat()
        guard stream == nil, stat(path, &st) == 0 else { return blockSize }
        return min(blockSize, max(64 << 10, Int((Int64(st.st_size) - start) / 8)))
    }
}
