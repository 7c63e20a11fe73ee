#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Events
import Projections
import Reports
#if Postgres
import PostgresLedger
#endif

/// A LOG argument that is a PostgreSQL URI (`postgresql://user@host:port/db?…`): commands that
/// have their own PostgreSQL path (verify, append, digest, follow, copy) take it; the reporting
/// ones (replay, explain, whatif, bulletin, deadlines) replay the ledger's rows, streamed with
/// `COPY … TO STDOUT` straight into the file's decoders and folds (``streamedReplay(_:)``), in
/// one read-only snapshot, so their output is the file's byte for byte.
enum PostgresLogs {
    static func isURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Runs `command`, routing a PostgreSQL LOG (or copy SOURCE/DEST) to the store.
    static func run(_ command: any Subcommand.Type, _ parsed: CommandLineArguments) throws -> Int32 {
        let names = command.spec.arguments.map(\.name)
        let paths = names.filter { ["LOG", "SOURCE", "DEST"].contains($0) }.compactMap { parsed.optionalPositional($0) }
        // libpq reads the scheme in lower case only; another spelling would be taken for a file.
        if let shouting = paths.first(where: { !isURI($0) && isURI($0.lowercased()) }) {
            throw UsageError("\(ConnectionURI.redacted(shouting)): write the scheme in lower case (postgresql:// or postgres://)")
        }
        let uris = paths.filter(isURI)
        guard let uri = uris.first else { return try command.run(parsed) }
        #if Postgres
        switch command.spec.name {
        case "verify": return try verify(uri, parsed)
        case "append": return try append(uri, parsed)
        case "digest": return try digest(uri, parsed)
        case "follow": return try follow(uri, parsed)
        case "copy": return try command.run(parsed)
        case "repair":
            // As a file that ends with a whole line: nothing to do, said on standard output.
            let name = try open(uri).name
            Terminal.write("\(name): nothing to repair: each append to PostgreSQL is one transaction, whole or absent\n")
            return 0
        case "import":
            throw ReportFailure("import writes to a file log, not to \(ConnectionURI.redacted(uri)): copy the ledger to a file "
                                + "('ledger-cli copy URI FILE'), import into that file, then 'ledger-cli copy FILE URI' "
                                + "appends what the import added (the ledger is the start of the file)")
        default:
            // The command sees the URI without its password (in its messages), which names this store.
            let log = try open(uri)
            reading = log
            defer { reading = nil }
            return try log.withReadSnapshot { try command.run(parsed.replacingPositional("LOG", with: log.name)) }
        }
        #else
        throw ReportFailure("\(uri) is a PostgreSQL URI, but this ledger-cli was built without PostgreSQL support; "
                            + "build it with 'swift build --traits Postgres' (libpq: Debian's libpq-dev)")
        #endif
    }

    #if Postgres
    static func open(_ uri: String, create: Bool = false) throws -> PostgresLog {
        do {
            return try PostgresLog(uri: uri, create: create)
        } catch {
            throw ReportFailure(error.message)
        }
    }

    /// The ledger a reporting command is reading, opened by ``run(_:_:)`` before the command
    /// runs and named by its redacted URI. `nonisolated(unsafe)`: ledger-cli runs one command, on
    /// its main thread, which sets this before and clears it after.
    nonisolated(unsafe) static var reading: PostgresLog?

    /// The replay of `log` when it names the ledger being read: its rows streamed into the
    /// decoders and folds as the lines of a file (each pass a new `COPY … TO STDOUT`, all in the
    /// command's snapshot; a checkpoint's reads too); `nil` for anything else.
    static func streamedReplay(_ log: String) -> LogReplay? {
        guard let store = reading, store.name == log else { return nil }
        return LogReplay(streamNamed: store.name, log: store)
    }

    static func verify(_ uri: String, _ parsed: CommandLineArguments) throws -> Int32 {
        let log = try open(uri)
        var output = ""
        let summary = try log.verify(requireChain: parsed.flag("require-chain"), maxLineBytes: try CommonOptions.maxLineBytes(parsed)) { problem in
            output += problem.described(file: log.name) + "\n"
        }
        Terminal.write(output + summary.description + "; " + summary.chain.description + "\n")
        return summary.isClean ? 0 : 1
    }

    static func digest(_ uri: String, _ parsed: CommandLineArguments) throws -> Int32 {
        let log = try open(uri)
        let asOf = try CommonOptions.asOf(parsed)
        let format = try parsed.choice("format", as: DigestCommand.DigestFormat.self)
        let expected = try DigestCommand.expectedHead(parsed)
        var shown = 0
        let digest = try log.digest(asOf: asOf, maxLineBytes: try CommonOptions.maxLineBytes(parsed)) { problem in
            shown += 1
            if shown <= 20 { Terminal.writeErrorLine(problem.described(file: log.name)) }
        }
        let matches = expected.map { $0 == digest.head }
        switch format {
        case .text: Terminal.write(DigestCommand.text(digest, matches: matches))
        case .json: Terminal.write(DigestCommand.json(digest, log: log.name, matches: matches))
        }
        if let expected, matches == false {
            Terminal.writeErrorLine("Error: the chain head\(DigestCommand.asOfText(digest)) is \(digest.head.hex), not the expected \(expected.hex)")
            return 1
        }
        return 0
    }

    static func append(_ uri: String, _ parsed: CommandLineArguments) throws -> Int32 {
        let log = try open(uri, create: true)
        switch (parsed.flag("chain"), parsed.flag("no-chain")) {
        case (true, true): throw UsageError("--chain and --no-chain cannot be used together")
        case (true, false): log.chaining = .start
        case (false, true): log.chaining = .off
        case (false, false): log.chaining = .automatic
        }
        let source = parsed.optionalPositional("FILE") ?? "-"
        let batch = try AppendCommand.readAll(source, maxLineBytes: try CommonOptions.maxLineBytes(parsed),
                                              maxBatchBytes: try AppendCommand.maxBatchBytes(parsed))
        do {
            let report = try log.append(batch: batch)
            let head = report.chainHead.map { "; chain head \($0.hex)" } ?? ""
            Terminal.writeLine("appended \(counted(report.eventCount, "event")) to \(log.name)\(head)")
            return 0
        } catch {
            switch error {
            case .batchRejected(let problems, let lineCount):
                Terminal.write(AppendCommand.rejection(problems: problems, lineCount: lineCount, batch: displayName(source), log: log.name))
            case .invalidLog(_, let problems, _):
                Terminal.write(problems.map { $0.described(file: log.name) + "\n" }.joined())
                Terminal.writeErrorLine("Error: " + described(error))
            default:
                Terminal.writeErrorLine("Error: " + described(error))
            }
            return 1
        }
    }

    /// `copy`: a file log into a PostgreSQL ledger, or a ledger into a file, streamed; into a
    /// destination that holds the source's first lines, only the rest.
    static func copy(_ source: String, _ destination: String, _ parsed: CommandLineArguments) throws -> Int32 {
        let maxLineBytes = try CommonOptions.maxLineBytes(parsed)
        guard let batchLines = Int(parsed.value("batch-lines")), batchLines > 0 else {
            throw UsageError("invalid --batch-lines '\(parsed.value("batch-lines"))' (expected a whole number ≥ 1)")
        }
        let report: LogCopyReport
        let from: String, to: String
        switch (isURI(source), isURI(destination)) {
        case (false, true):
            try CommonOptions.requireRegularLog(source)
            let log = try open(destination, create: true)
            (from, to) = (source, log.name)
            do {
                report = try log.copy(fromFileAt: source, maxLineBytes: maxLineBytes, batchLines: batchLines)
            } catch {
                return copyFailed(error, source: source)
            }
        case (true, false):
            let log = try open(source)
            (from, to) = (log.name, destination)
            do {
                report = try log.copy(toFileAt: destination, maxLineBytes: maxLineBytes)
            } catch {
                return copyFailed(error, source: log.name)
            }
        default:
            throw UsageError("copy takes a file and a PostgreSQL URI, one each way")
        }
        let kept = report.keptLines > 0 ? " (it held the first \(counted(report.keptLines, "line")) already)" : ""
        let chain = report.chainHead.map { "; chain head \($0.hex)" } ?? "; not chained"
        Terminal.writeLine("copied \(counted(report.copiedLines, "line")) from \(from) to \(to)\(kept)\(chain)")
        return 0
    }

    private static func copyFailed(_ error: LogCopyError, source: String) -> Int32 {
        Terminal.write(error.problems.map { $0.described(file: source) + "\n" }.joined())
        Terminal.writeErrorLine("Error: \(error)")
        return 1
    }

    /// `follow` on PostgreSQL: the table, then again after each commit (LISTEN/NOTIFY, resumed
    /// at the last position after a lost connection).
    ///
    /// A line that does not decode or breaks the life cycle (a row changed by hand: appends
    /// check every line) stops it, as it refuses a replay: no table is printed without it.
    /// A connection lost (a server restarted) is opened again, at once, then with growing
    /// pauses for up to ``reconnectionWindow``, saying so on standard error.
    static func follow(_ uri: String, _ parsed: CommandLineArguments) throws -> Int32 {
        var settings = try FollowCommand.Settings(parsed)
        // A clear error when there is no ledger; read once more (a census of its channels)
        // when the first table is empty, then closed.
        var store: PostgresLog? = try open(uri)
        let name = store!.name
        settings.inputs.log = name
        reading = store
        defer { reading = nil }
        var projection = Projection(options: settings.inputs.projectionOptions)
        var lifecycle = LifecycleValidator()
        var decoder = EventDecoder()
        /// The table now; `nil` when `onlyIfChanged` and it is the one printed last.
        func render(onlyIfChanged: Bool = false) throws -> String? {
            try settings.render(onlyIfChanged: onlyIfChanged) { projection.report(period: $0, rules: $1, roster: $2, at: $3) }
        }
        let follower = PostgresFollower(uri: uri)
        var shown = false
        /// Folds one line; what is wrong with it, if anything (then nothing is folded).
        func check(_ bytes: UnsafeRawBufferPointer, line: Int) -> EventProblem? {
            let event: RawEvent
            do { event = try decoder.decode(bytes) } catch { return error }
            if let problem = lifecycle.apply(event, in: bytes, lineNumber: line) { return problem }
            projection.apply(event, in: bytes)
            return nil
        }
        func fold(_ records: [PostgresFollower.Record]) throws {
            var problems: [LogProblem] = []
            for record in records where problems.count < 20 {
                // The limit a file's lines have, so that the ledger reads back as a file.
                guard record.line.count <= settings.inputs.maxLineBytes else {
                    throw LogInput.lineTooLong(name, line: record.position, limit: settings.inputs.maxLineBytes)
                }
                if let problem = record.line.withUnsafeBytes({ check($0, line: record.position) }) {
                    problems.append(LogProblem(line: record.position, problem: problem))
                }
            }
            guard problems.isEmpty else {
                throw CommonOptions.invalidLines(problems, log: name, then: shown ? "follow stopped." : "No report was produced.")
            }
        }
        var lostSince: ContinuousClock.Instant?
        var pause = Duration.milliseconds(250)
        func next(waitingUpTo milliseconds: Int) throws -> [PostgresFollower.Record] {
            while true {
                let position = follower.position
                do {
                    let records = try follower.next(waitingUpTo: Int32(milliseconds))
                    if lostSince != nil {
                        Terminal.writeErrorLine("follow: connected to \(name) again; going on after line \(grouped(position))")
                        lostSince = nil
                        pause = .milliseconds(250)
                    }
                    return records
                } catch {
                    guard error.isConnectionFailure else { throw error }
                    let now = ContinuousClock.now
                    if lostSince == nil {
                        Terminal.writeErrorLine("follow: lost the connection to \(name) (\(error.message)); trying again for up to \(reconnectionWindowText)")
                    } else if now - lostSince! >= reconnectionWindow {
                        throw ReportFailure("\(name): the connection was lost and could not be opened again in \(reconnectionWindowText): \(error.message)")
                    }
                    lostSince = lostSince ?? now
                    usleep(UInt32(pause / .microseconds(1)))
                    pause = min(pause * 2, .seconds(5))
                }
            }
        }
        try fold(try next(waitingUpTo: 0))
        Terminal.write(try render()!)
        (reading, store) = (nil, nil)
        shown = true
        var printed = 0
        while settings.pace.wantsMore(after: printed) {
            // Commits are announced at once; rows inserted without an announcement are looked for
            // at least every second (a shorter --interval is one query a wait, for each follower);
            // a deadline that comes meanwhile can change the table too.
            var wait = max(settings.pace.interval, 1000)
            if let left = FollowCommand.wait(until: projection.nextDeadline) { wait = min(wait, Int(left / .milliseconds(1)) + 1) }
            let records = try next(waitingUpTo: wait)
            if records.isEmpty {
                guard let deadline = projection.nextDeadline, deadline <= Timestamp.now(),
                      let text = try render(onlyIfChanged: true) else { continue }
                Terminal.write(text)
            } else {
                try fold(records)
                Terminal.write(try render()!)
            }
            printed += 1
        }
        return 0
    }

    /// How long `follow` keeps trying to open a lost connection again.
    static let reconnectionWindow = Duration.seconds(300)
    private static let reconnectionWindowText = "5 minutes"
    #endif
}

/// `ledger-cli copy SOURCE DEST`: a file log into PostgreSQL, or back, byte for byte.
enum CopyCommand: Subcommand {
    static let spec = CommandSpec(
        name: "copy",
        abstract: "Copy a log between a file and PostgreSQL, byte for byte (needs the Postgres build trait).",
        discussion: """
        Streams the source's lines into the destination, each checked as verify checks it (life cycle, ids, \
        hash chain) and stored unchanged, so the copy replays, verifies and digests exactly as the original: the \
        same bytes, the same chain head. Memory holds one batch and what verify keeps (each ticket's state, the ids), never the whole log.

        The destination may be empty or missing (PostgreSQL: its tables are created; a file: it is created), or \
        hold the source's first lines, byte for byte: then only the rest is appended, on the same chain. Anything \
        else is refused and nothing is copied. Into PostgreSQL the lines are committed --batch-lines at a time \
        under the writers' lock: an interrupted copy (or one stopped by an invalid line) leaves the lines \
        committed so far, each checked, and the same command run again goes on from there. Into a file, the \
        lines are written under the file's lock and flushed to disk at the end; a copy interrupted inside a \
        line is completed by the next one.

        Examples:
          ledger-cli copy samples/chained.jsonl 'postgresql://ledger@/tickets?host=/run/postgresql'
          ledger-cli copy 'postgresql://ledger@db.example:5432/tickets' backup.jsonl
        """,
        arguments: [
            .required("SOURCE", help: "A log file or a postgresql:// URI."),
            .required("DEST", help: "A postgresql:// URI or a file: empty, missing, or holding the source's first lines."),
        ],
        options: [
            .option("batch-lines", valueName: "n", help: "Lines committed per transaction into PostgreSQL.",
                    defaultValue: "50000"),
            CommonOptions.maxLineBytes,
        ])

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        #if Postgres
        return try PostgresLogs.copy(parsed.positional("SOURCE"), parsed.positional("DEST"), parsed)
        #else
        throw ReportFailure("copy needs a PostgreSQL URI on one side, and this ledger-cli was built without PostgreSQL support; "
                            + "build it with 'swift build --traits Postgres' (libpq: Debian's libpq-dev)")
        #endif
    }
}
