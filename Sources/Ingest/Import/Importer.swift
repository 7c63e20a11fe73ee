#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Events

/// Imports a platform's CSV export into a log: reads the rows, maps them to events with
/// deterministic ids, checks them against the log (ids already there are skipped; the rest
/// must pass the life-cycle checks) and streams them into the log through ``LogAppender``
/// (all or none), or writes them to a JSON Lines file, or only reports (a dry run).
///
/// ```swift
/// let mapping = try ImportMapping.load(path: "map.json")
/// let summary = try Importer(mapping: mapping).run(export: "export.csv", to: .log("events.jsonl"))
/// print(summary.lines().joined(separator: "\n"))
/// ```
///
/// Memory: bounded by the export's tickets, not its rows, when checking or writing a file: rows
/// are kept as 56-byte records (exports need not be sorted) and beyond ``spillThreshold`` go
/// to a temporary file, read back a range of tickets at a time; each distinct ticket number,
/// unit and text is held once. Appending to a log and writing a file (`output`) stream the
/// events out a 1 MiB piece at a time; appending also holds the log's state (its tickets and ids).
public struct Importer: Sendable {
    /// Where the events go.
    public enum Destination: Sendable, Equatable {
        /// Appended to this log (created if missing), all or none.
        case log(String)
        /// Checked (against the log, if given) but not written.
        case dryRun(log: String?)
        /// Written as JSON Lines to `path` (replacing it, atomically); ids already in `log`, if given, are left out.
        case output(path: String, log: String?)

        var isDryRun: Bool {
            if case .dryRun = self { return true }
            return false
        }

        var logPath: String? {
            switch self {
            case .log(let path): path
            case .dryRun(let log), .output(_, let log): log
            }
        }
    }

    public var mapping: ImportMapping
    /// The longest row accepted, in bytes (a longer one stops the import: a runaway quote).
    public var maxRowBytes = 1 << 20
    /// The longest log line: the log is read with this limit, and a row whose event would make
    /// a longer line (counting a chain member, which a chained log adds) is a bad row, since no
    /// reader with the limit could read the log back.
    public var maxLineBytes = LogInput.defaultMaxLineBytes
    /// How many row problems a rejection keeps (all are counted).
    public var problemLimit = 200
    /// How many events (rows) are held in memory before they are written to a temporary file
    /// (unlinked; in `TMPDIR`, else `/tmp`) to be read back a range of tickets at a time.
    /// Keeps memory bounded by the tickets of an import, not its rows (see ``EventSpill``).
    public var spillThreshold = Importer.defaultSpillThreshold
    /// 262,144 events: about 14 MiB.
    public static let defaultSpillThreshold = 1 << 18
    /// Tickets read back from the spill file at a time (tests make it small).
    var spillTicketsPerPartition = EventSpill.defaultTicketsPerPartition
    /// Called with the number of rows read, every 65,536 rows.
    public var progress: (@Sendable (Int) -> Void)?
    /// The appender used for `.log` (its clock, chaining).
    public var configureAppender: (@Sendable (inout LogAppender) -> Void)?

    public init(mapping: ImportMapping) {
        self.mapping = mapping
    }

    /// Runs the import.
    /// - Parameter skipBad: When given, bad rows do not stop the import: every row of a ticket
    ///   with a bad row (and every bad row without a ticket) is written to this file, as read
    ///   (UTF-8 with a byte-order mark, after the header; the header alone when no row is bad),
    ///   and the other tickets are imported. A dry run writes no such file.
    /// - Throws: ``ImportError``; a log is then byte for byte as it was, and no output file is written.
    ///   Also when two of the export, the log, the output file and `skipBad` are the same file, or
    ///   an output is a file an append keeps beside the log (``files(export:destination:skipBad:)``).
    @discardableResult
    public func run(export: String, to destination: Destination, skipBad: String? = nil) throws(ImportError) -> ImportSummary {
        try Self.requireDistinct(Self.files(export: export, destination: destination, skipBad: skipBad))
        var state = ImportState(mapping: mapping, problemLimit: problemLimit)
        state.maxLineBytes = maxLineBytes
        state.spillThreshold = max(1, spillThreshold)
        state.spillTicketsPerPartition = spillTicketsPerPartition
        let source = try TextSource(path: export, encoding: mapping.encoding)
        state.summary.encoding = source.encoding == .auto ? .utf8 : source.encoding
        let csv = CSVReader(source: source, maxRecordBytes: maxRowBytes)
        try state.readAll(csv, export: export, progress: progress)

        if case .log(let path) = destination, state.problems.isEmpty || skipBad != nil {
            try append(&state, to: path, export: export, encoding: source.encoding, skipBad: skipBad)
            return state.summary
        }

        var verifier = LogVerifier()
        if let log = destination.logPath { try Self.readLog(log, into: &verifier, maxLineBytes: maxLineBytes) }

        // A log with bad rows and no --skip-bad is checked as a dry run, for the report: nothing is written.
        var sink: EventSink
        switch destination {
        case .log, .dryRun: sink = .none
        case .output(let path, _): sink = .file(try OutputFile(path: path))
        }
        var rejected: OutputFile?
        do throws(ImportError) {
            try state.makeEvents(verifier: &verifier, sink: &sink)
            rejected = try Self.finishChecks(&state, export: export, encoding: source.encoding, skipBad: skipBad,
                                             dryRun: destination.isDryRun)
        } catch {
            if case .file(let file) = sink { file.discard() }
            throw error
        }
        if case .file(let file) = sink {
            do throws(ImportError) { try file.commit() } catch {
                rejected?.discard()
                throw error
            }
            state.summary.written = state.summary.newEvents
        }
        try rejected?.commit()
        return state.summary
    }

    /// Refuses an import with bad rows (without `skipBad`), or writes the rows of rejected tickets
    /// for `skipBad` (the header alone when none are; nothing in a dry run): the file returned is
    /// put in place (``OutputFile/commit()``) only once the events are, so that an import that
    /// fails leaves the old file as it was.
    private static func finishChecks(_ state: inout ImportState, export: String, encoding: ExportEncoding,
                                     skipBad: String?, dryRun: Bool = false) throws(ImportError) -> OutputFile? {
        if !state.problems.isEmpty && skipBad == nil {
            throw ImportError.rejected(problems: state.sortedProblems(), count: state.problemCount, summary: state.summary)
        }
        // After an import, the file says what it rejected: the header alone when nothing was.
        guard let skipBad, !dryRun else { return nil }
        return try writeRejected(export: export, encoding: encoding, rows: state.rejectedRowNumbers(), to: skipBad)
    }

    /// Makes the events and streams them into the log under its lock (``LogAppender/append(streaming:)``):
    /// the appender reads and verifies the log, the events are checked against that state as they are
    /// made and written a piece at a time; a problem found on the way cuts the log back.
    private func append(_ state: inout ImportState, to path: String, export: String, encoding: ExportEncoding,
                        skipBad: String?) throws(ImportError) {
        var appender = LogAppender(path: path)
        appender.maxLineBytes = maxLineBytes
        configureAppender?(&appender)
        var failure: ImportError?
        var rejected: OutputFile?
        let report: AppendReport?
        do {
            report = try appender.append(streaming: { verifier, batch in
                do throws(ImportError) {
                    var sink = EventSink.stream(batch)
                    try state.makeEvents(verifier: &verifier, sink: &sink)
                    rejected = try Self.finishChecks(&state, export: export, encoding: encoding, skipBad: skipBad)
                    return true
                } catch {
                    failure = error
                    return false
                }
            })
        } catch {
            rejected?.discard()
            throw Self.appendFailure(error, path: path)
        }
        if let failure {
            rejected?.discard()
            throw failure
        }
        try rejected?.commit()
        state.summary.written = report?.eventCount ?? 0
    }

    /// Why the log refused the import (nothing was written), in the import's words.
    static func appendFailure(_ error: AppendError, path: String) -> ImportError {
        switch error {
        case .tornTail:
            return .tornLog(path: path)
        case .invalidLog(_, let problems, let count):
            return .invalidLog(path: path, problems: Array(problems.prefix(3)), count: count)
        case .file(let problem) where problem.path == path:
            return .log(path: path, message: problem.message + "; nothing was imported")
        default:
            return .log(path: path, message: error.description)
        }
    }

    /// Reads the settled part of a log (no lock is held afterwards: an append that comes in
    /// between is caught by the appender, which refuses ids that are then in the log).
    static func readLog(_ path: String, into verifier: inout LogVerifier,
                        maxLineBytes: Int = LogInput.defaultMaxLineBytes) throws(ImportError) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }  // a new log
        do {
            let snapshot = try LogSnapshot.take(path: path)
            var problems: [LogProblem] = []
            var torn = false
            var reader = LogReader(path: path, chunkSize: 1 << 20)
            reader.maxLineBytes = maxLineBytes
            try reader.forEachLine(end: snapshot.length) { line in
                if !line.terminated { torn = true }
                verifier.check(line) { if problems.count < 3 { problems.append($0) } }
            }
            if torn {
                throw ImportError.tornLog(path: path)
            }
            if verifier.problemCount > 0 {
                throw ImportError.invalidLog(path: path, problems: problems, count: verifier.problemCount)
            }
        } catch let error as ImportError {
            throw error
        } catch {
            throw .log(path: path, message: "\(error)")
        }
    }

    /// The files an import reads and writes, with their roles, for ``requireDistinct(_:)``: the
    /// export, the log and the files beside it that appends keep (its append marker and state
    /// file, which an output written over would leave the log unusable or misread), the output
    /// file and `skipBad`.
    package static func files(export: String, destination: Destination, skipBad: String?) -> [(path: String, role: String)] {
        var files = [(export, "the export")]
        if let log = destination.logPath {
            files += [(log, "the log")] + LedgerState.sideFiles(ofLog: log)
        }
        if case .output(let path, _) = destination { files.append((path, "the output file")) }
        if let skipBad { files.append((skipBad, "the file for rejected rows")) }
        return files
    }

    /// Refuses files of which two are the same (`files`: paths and what they are for), before
    /// anything is read or written: an output written over the export or the log would destroy it.
    package static func requireDistinct(_ files: [(path: String, role: String)]) throws(ImportError) {
        for i in files.indices {
            for j in files.indices where j > i && FileIdentity.same(files[i].path, files[j].path) {
                throw .file(path: files[j].path, message: "is \(files[i].role) and \(files[j].role) at once; nothing was imported")
            }
        }
    }

    /// Writes the header and the rows numbered `rows` (sorted) of the export for `path`, as UTF-8
    /// with a BOM, into a file the caller commits (or discards).
    static func writeRejected(export: String, encoding: ExportEncoding, rows: [Int32], to path: String) throws(ImportError) -> OutputFile {
        let csv = CSVReader(source: try TextSource(path: export, encoding: encoding), maxRecordBytes: Int.max / 2)
        let file = try OutputFile(path: path)
        do {
            file.write([0xEF, 0xBB, 0xBF])
            var next = 0
            while try csv.next() {
                let number = csv.recordNumber
                if number == 1 || (next < rows.count && Int(rows[next]) == number) {
                    file.write(csv.recordText)
                    file.write([0x0D, 0x0A])
                    if number != 1 { next += 1 }
                }
                if next >= rows.count && number > 1 { break }
            }
            try file.finishWriting()
            return file
        } catch {
            file.discard()
            throw error
        }
    }
}

/// Where made events go.
enum EventSink {
    case none
    case stream(StreamedBatch)
    case file(OutputFile)
}

/// A file written beside its final path and renamed into place when complete (keeping the
/// permissions of the file it replaces), or a device or pipe written through
/// (`SmallFile.outputTarget`).
final class OutputFile {
    let path: String
    /// The file being written, renamed to `final` at the end; `nil` for a device or pipe.
    let temporary: String?
    private let final: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var failed: String?

    init(path: String) throws(ImportError) {
        self.path = path
        let target: SmallFile.OutputTarget
        do { target = try SmallFile.outputTarget(path) } catch { throw .file(path: path, message: "cannot write the file: \(error.message)") }
        switch target {
        case .file(let file):
            let written = file + ".importing-\(getpid())"
            final = file
            temporary = written
            fd = SmallFile.createTemporary(written)
        case .device(let device):
            final = device
            temporary = nil
            fd = open(device, O_WRONLY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw .file(path: path, message: "cannot create the file: \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(1 << 20)
    }

    deinit { close(fd) }

    func write<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    private func flush() {
        guard failed == nil else { buffer.removeAll(keepingCapacity: true); return }
        if !buffer.withUnsafeBytes({ SystemCall.writeAll(fd, $0) }) { failed = String(cString: strerror(errno)) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and flushes the file to disk: it is whole, though not yet in place.
    func finishWriting() throws(ImportError) {
        flush()
        if failed == nil, temporary != nil, fsync(fd) != 0 { failed = String(cString: strerror(errno)) }
        if let failed {
            discard()
            throw .file(path: path, message: "cannot write the file: \(failed)")
        }
    }

    /// Finishes writing and puts the file in place (renamed over `path`, keeping its permissions).
    func commit() throws(ImportError) {
        try finishWriting()
        guard let temporary else { return }
        SmallFile.keepPermissions(of: final, on: fd)
        guard rename(temporary, final) == 0 else {
            let message = String(cString: strerror(errno))
            discard()
            throw .file(path: path, message: "cannot write the file: \(message)")
        }
        SmallFile.removeAbandonedTemporaries(of: final, infix: ".importing-")
    }

    func discard() { if let temporary { unlink(temporary) } }
}
