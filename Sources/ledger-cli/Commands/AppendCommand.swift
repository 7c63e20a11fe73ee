#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Events

/// `ledger-cli append LOG [FILE|-]`: validate a batch and append all of it or none.
enum AppendCommand: Subcommand {
    static let spec = CommandSpec(
        name: "append",
        abstract: "Validate a batch of events against a log and append all of it or none.",
        discussion: """
        Locks the log, rebuilds every ticket's state from it, and checks each batch line as verify would, \
        against the log and the lines before it in the batch. If any line is bad, its problems are printed as \
        FILE:LINE: message and the log is left byte for byte unchanged (exit 1). Otherwise every line is \
        appended, 'recorded' is stamped with the current time (+08:00) on lines that lack it, and the log is \
        flushed to disk before success is reported. Several appenders may run at once; they take turns.

        A batch is written in full or not at all, whatever stops the process: before writing, append records \
        the log's length and the batch's digest in LOG.pending (flushed); the next append, or repair, finishes \
        or rolls back an append that was interrupted (the bytes it left go to LOG.interrupted-<UTC time>), and \
        replay and verify leave them out. A log whose last line was cut short otherwise is refused: run \
        'ledger-cli repair LOG' first.

        Each new line of a chained or new log gets the hash chain: a 'chain' member, last, computed from the \
        line and the line before it ('ledger-cli verify' recomputes it, 'ledger-cli digest' prints the head). A \
        log imported without a chain stays unchained unless --chain starts one, sealing its existing lines into \
        the chain's first value. A 'chain' member that a batch line brings along is dropped: append computes \
        chain values for the log they go in. The chain head is printed after each chained append, and a log \
        whose chain is broken is refused.

        Append keeps what it learnt of the log (every ticket's state, the event ids, the chain head, the log's \
        length and last bytes) in LOG.ledger-state, or in the file (or directory) --state names, so that the next \
        append reads only the lines added since. The file is checksummed and range-checked, and used only if the \
        log still starts with what it describes; otherwise a warning says why and the whole log is read (and a \
        fresh state file written). It is rewritten when more than \(stateRewriteLines) lines were read past it. \
        --no-state reads the whole log and keeps no file.

        Examples:
          ledger-cli append events.jsonl batch.jsonl
          produce-events | ledger-cli append events.jsonl
          ledger-cli append --no-chain imported.jsonl export.jsonl
          ledger-cli append --chain imported.jsonl batch.jsonl
        """,
        arguments: [
            .required("LOG", help: "The event log; created if missing."),
            .optional("FILE", help: "The batch (JSON Lines); '-' or nothing reads standard input, and a FIFO is read as a stream."),
        ],
        options: [
            .flag("chain", help: "Chain the new lines even if the log is not chained yet (starts its chain)."),
            .flag("no-chain", help: "Write the new lines without a chain (an import); refused on a chained log."),
            .option("state", valueName: "path", help: "The state file to resume from and keep (a directory: LOG's name + .ledger-state in it). Default: LOG.ledger-state."),
            .flag("no-state", help: "Read the whole log and keep no state file."),
            CommonOptions.maxLineBytes,
            .option("max-batch-bytes", valueName: "bytes",
                    help: "The largest batch read (it is held in memory and checked whole); a larger one is refused.",
                    defaultValue: String(defaultMaxBatchBytes)),
        ]
    )

    /// Lines read past the state file after which an append writes it again.
    static let stateRewriteLines = 4096

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let log = parsed.positional("LOG")
        let source = parsed.optionalPositional("FILE") ?? "-"
        var options = Ledger.Options()
        switch (parsed.flag("chain"), parsed.flag("no-chain")) {
        case (true, true): throw UsageError("--chain and --no-chain cannot be used together")
        case (true, false): options.chaining = .start
        case (false, true): options.chaining = .off
        case (false, false): options.chaining = .automatic
        }
        options.statePath = try statePath(parsed, log: log)
        if let state = options.statePath {
            // The state file is written: never over the log, the batch or the log's append marker.
            var files: [(String, String)] = [(log, "the log"), (PendingAppend.markerPath(forLog: log), "the log's append marker")]
            if source != "-" { files.append((source, "the batch")) }
            for (path, what) in files where FileIdentity.same(path, state) {
                throw UsageError("--state \(state) is \(what) (\(path)); the state file would replace it. Give another path.")
            }
        }
        let maxLineBytes = try CommonOptions.maxLineBytes(parsed)
        options.maxLineBytes = maxLineBytes
        // Refused by the ledger too; checked first so as not to read a batch for nothing.
        try CommonOptions.requireRegularLog(log, ifExists: true)
        let batch = try readAll(source, maxLineBytes: maxLineBytes, maxBatchBytes: try maxBatchBytes(parsed))
        // Opening the ledger creates a missing log; an append that adds nothing removes it again.
        let logExisted = access(log, F_OK) == 0
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do throws(AppendError) {
                let ledger = try await Ledger.open(path: log, options: options)
                if let note = await ledger.stateNote { Terminal.writeErrorLine("warning: " + note) }
                let records = try await ledger.append(batch: batch)
                outcome.result = .success((records.count, await ledger.chainHead, await ledger.settledAppend))
                do {
                    try await ledger.saveState(ifBehindBy: stateRewriteLines)
                } catch {
                    Terminal.writeErrorLine("warning: cannot save the state file \(options.statePath ?? ""): \(error)")
                }
            } catch {
                outcome.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        switch outcome.result! {
        case .success(let (count, chainHead, settled)):
            if let settled {
                Terminal.writeErrorLine("note: " + RepairCommand.describe(settled, log: log))
            }
            let head = chainHead.map { "; chain head \($0.hex)" } ?? ""
            Terminal.writeLine("appended \(counted(count, "event")) to \(log)\(head)")
            return 0
        case .failure(let error):
            if !logExisted { LogAppender.removeEmptyLog(at: log) }
            switch error {
            case .batchRejected(let problems, let lineCount):
                let name = displayName(source)
                Terminal.write(rejection(problems: problems, lineCount: lineCount, batch: name, log: log))
            case .invalidLog(_, let problems, let count):
                var output = problems.map { $0.described(file: log) + "\n" }.joined()
                if count > problems.count { output += "… and \(counted(count - problems.count, "more problem"))\n" }
                Terminal.write(output)
                Terminal.writeErrorLine("Error: " + described(error))
            case .tornTail, .file, .chainedLog:
                Terminal.writeErrorLine("Error: " + described(error))
            }
            return 1
        }
    }

    /// The state file: `--state` (a directory: LOG's name + `.ledger-state` in it), none with
    /// `--no-state`, else beside the log.
    static func statePath(_ parsed: CommandLineArguments, log: String) throws -> String? {
        if parsed.flag("no-state") {
            guard parsed.option("state") == nil else { throw UsageError("--state and --no-state cannot be used together") }
            return nil
        }
        guard let given = parsed.option("state") else { return LedgerState.defaultPath(forLog: log) }
        var info = stat()
        if stat(given, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            let name = log.split(separator: "/").last.map(String.init) ?? log
            return given + "/" + name + ".ledger-state"
        }
        return given
    }

    /// What the append's task ended with, handed to the waiting thread.
    private final class Outcome: @unchecked Sendable {
        // `@unchecked Sendable`: written once by the task before it signals, read after the wait.
        var result: Result<(Int, SHA256.Digest?, PendingAppend.Outcome?), AppendError>?
    }

    /// A rejected batch's problems, one a line, and the summary line.
    static func rejection(problems: [LogProblem], lineCount: Int, batch: String, log: String) -> String {
        var output = problems.map { $0.described(file: batch) + "\n" }.joined()
        let errors = problems.count >= LogAppender.batchProblemLimit
            ? "checking stopped at the first \(counted(problems.count, "error"))" : counted(problems.count, "error")
        output += "rejected: \(errors) in \(counted(lineCount, "line")); \(log) unchanged\n"
        return output
    }

    /// The longest batch read, by default: a batch is held in memory (and checked whole, all or
    /// none); larger loads go through `import`, which streams.
    static let defaultMaxBatchBytes = 1 << 30

    /// The `--max-batch-bytes` limit.
    static func maxBatchBytes(_ parsed: CommandLineArguments) throws -> Int {
        guard let text = parsed.option("max-batch-bytes") else { return defaultMaxBatchBytes }
        guard let n = Int(text), n >= 1 else { throw UsageError("invalid --max-batch-bytes '\(text)' (expected a number of bytes)") }
        return n
    }

    /// The whole content of a file, or of standard input for `-`, read as a stream (a pipe or
    /// a FIFO is fine) but never holding a line longer than `maxLineBytes` nor more than
    /// `maxBatchBytes` in all.
    static func readAll(_ path: String, maxLineBytes: Int, maxBatchBytes: Int = defaultMaxBatchBytes) throws -> [UInt8] {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogFileError.system(path, "open the file") }
        defer { if fd != 0 { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var lineStart = 0, lineNumber = 1
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LogFileError.system(displayName(path), "read the file")
            }
            if n == 0 { return bytes }
            guard bytes.count + n <= maxBatchBytes else {
                throw LogFileError(path: displayName(path), message: "the batch is longer than \(grouped(maxBatchBytes)) bytes "
                                   + "(--max-batch-bytes); nothing was appended: split it into smaller batches, or load it with import")
            }
            let chunkStart = bytes.count
            bytes += chunk[..<n]
            func tooLong() -> LogFileError {
                LogFileError(path: displayName(path), message: "line \(lineNumber) of the batch is longer than "
                             + "\(grouped(maxLineBytes)) bytes, the limit for one line (--max-line-bytes)")
            }
            for i in chunkStart..<bytes.count where bytes[i] == 0x0A {
                if i - lineStart > maxLineBytes { throw tooLong() }
                lineStart = i + 1
                lineNumber += 1
            }
            if bytes.count - lineStart > maxLineBytes { throw tooLong() }
        }
    }
}
