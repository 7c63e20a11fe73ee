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
/// have their own PostgreSQL path (verify, append, digest, follow) take it; the reporting ones
/// (replay, explain, whatif, bulletin) read the ledger's lines, streamed with `COPY … TO
/// STDOUT`, from a private temporary file, so their output is the file's byte for byte.
enum PostgresLogs {
    static func isURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Runs `command`, routing a PostgreSQL LOG (or copy SOURCE/DEST) to the store.
    static func run(_ command: any Subcommand.Type, _ parsed: CommandLineArguments) throws -> Int32 {
        let names = command.spec.arguments.map(\.name)
        let uris = names.filter { ["LOG", "SOURCE", "DEST"].contains($0) }
            .compactMap { parsed.optionalPositional($0) }.filter(isURI)
        guard let uri = uris.first else { return try command.run(parsed) }
        #if Postgres
        switch command.spec.name {
        case "verify": return try verify(uri, parsed)
        case "append": return try append(uri, parsed)
        case "digest": return try digest(uri, parsed)
        case "follow": return try follow(uri, parsed)
        case "copy": return try command.run(parsed)
        case "repair":
            throw ReportFailure("\(redacted(uri)) needs no repair: each append to PostgreSQL is one transaction, whole or absent")
        default: return try withSpooledLog(uri) { path in try command.run(parsed.replacingPositional("LOG", with: path)) }
        }
        #else
        throw ReportFailure("\(uri) is a PostgreSQL URI, but this ledger-cli was built without PostgreSQL support; "
                            + "build it with 'swift build --traits Postgres' (libpq: Debian's libpq-dev)")
        #endif
    }

    static func redacted(_ uri: String) -> String {
        #if Postgres
        PostgresLog.redacted(uri)
        #else
        uri
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

    /// Streams the ledger into a temporary file (removed afterwards) and runs `body` on it.
    static func withSpooledLog<R>(_ uri: String, _ body: (String) throws -> R) throws -> R {
        let log = try open(uri)
        var template = Array((tmpDir() + "/ledger-cli-postgres-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ReportFailure("cannot create a temporary file: \(String(cString: strerror(errno)))") }
        let path = String(cString: template)
        defer { unlink(path) }
        do {
            defer { close(fd) }
            try log.export(to: fd, path: path)
        }
        return try body(path)
    }

    static func tmpDir() -> String {
        getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    }

    static func verify(_ uri: String, _ parsed: CommandLineArguments) throws -> Int32 {
        let log = try open(uri)
        var output = ""
        let summary = try log.verify(requireChain: parsed.flag("require-chain")) { problem in
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
        let digest = try log.digest(asOf: asOf) { problem in
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
        let batch = try AppendCommand.readAll(source, maxLineBytes: try CommonOptions.maxLineBytes(parsed))
        do {
            let report = try log.append(batch: batch)
            let head = report.chainHead.map { "; chain head \($0.hex)" } ?? ""
            Terminal.writeLine("appended \(counted(report.eventCount, "event")) to \(log.name)\(head)")
            return 0
        } catch {
            switch error {
            case .batchRejected(let problems, let lineCount):
                var output = problems.map { $0.described(file: displayName(source)) + "\n" }.joined()
                output += "rejected: \(counted(problems.count, "error")) in \(counted(lineCount, "line")); \(log.name) unchanged\n"
                Terminal.write(output)
            case .invalidLog(_, let problems, _):
                Terminal.write(problems.map { $0.described(file: log.name) + "\n" }.joined())
                Terminal.writeErrorLine("Error: " + described(error))
            default:
                Terminal.writeErrorLine("Error: " + described(error))
            }
            return 1
        }
    }

    /// `copy`: a file into an empty PostgreSQL ledger, or a PostgreSQL ledger into a new file.
    static func copy(_ source: String, _ destination: String) throws -> Int32 {
        switch (isURI(source), isURI(destination)) {
        case (false, true):
            try CommonOptions.requireRegularLog(source)
            let log = try open(destination, create: true)
            do {
                let (lines, head) = try log.importFile(at: source)
                let chain = head.map { "; chain head \($0.hex)" } ?? "; not chained"
                Terminal.writeLine("copied \(counted(lines, "line")) from \(source) to \(log.name)\(chain)")
                return 0
            } catch {
                if case .invalidLog(_, let problems, _) = error {
                    Terminal.write(problems.map { $0.described(file: source) + "\n" }.joined())
                }
                Terminal.writeErrorLine("Error: " + described(error) + "; run 'ledger-cli verify \(source)'")
                return 1
            }
        case (true, false):
            let log = try open(source)
            let fd = SystemCall.open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw ReportFailure("cannot create \(destination): \(String(cString: strerror(errno))) (copy writes a new file only)") }
            do {
                defer { close(fd) }
                let (lines, _) = try log.export(to: fd, path: destination)
                guard fsync(fd) == 0 else { throw ReportFailure("cannot flush \(destination): \(String(cString: strerror(errno)))") }
                Terminal.writeLine("copied \(counted(lines, "line")) from \(log.name) to \(destination)")
            } catch {
                unlink(destination)
                throw error
            }
            return 0
        default:
            throw UsageError("copy takes a file and a PostgreSQL URI, one each way")
        }
    }

    /// `follow` on PostgreSQL: the table, then again after each commit (LISTEN/NOTIFY, resumed
    /// at the last position after a lost connection).
    static func follow(_ uri: String, _ parsed: CommandLineArguments) throws -> Int32 {
        let period = try CommonOptions.period(parsed)
        let format = try parsed.choice("format", as: FollowCommand.Format.self)
        guard let language = Language(rawValue: parsed.value("lang")) else { throw UsageError("invalid --lang (expected zh or en)") }
        guard let interval = Int32(parsed.value("interval")), (1...60_000).contains(interval) else {
            throw UsageError("invalid --interval '\(parsed.value("interval"))' (expected milliseconds from 1 to 60000)")
        }
        guard let updates = Int(parsed.value("updates")), updates >= 0 else {
            throw UsageError("invalid --updates '\(parsed.value("updates"))' (expected a count, 0 for no limit)")
        }
        let rules = try CommonOptions.rules(parsed)
        let roster = try CommonOptions.roster(parsed)
        _ = try open(uri)   // a clear error when there is no ledger
        var projection = Projection(options: ProjectionOptions(rules: rules, channel: CommonOptions.channel(parsed)))
        var lifecycle = LifecycleValidator()
        var decoder = EventDecoder()
        func render() -> String {
            let renderer = ReportRenderer(report: projection.report(period: period, rules: rules, roster: roster), language: language)
            switch format {
            case .table: return renderer.render(.table) + "\n"
            case .json: return renderer.render(.json).split(separator: "\n").joined() + "\n"
            }
        }
        let follower = PostgresFollower(uri: uri)
        func fold(_ records: [PostgresFollower.Record]) {
            for record in records {
                record.line.withUnsafeBytes { bytes in
                    guard let event = try? decoder.decode(bytes),
                          lifecycle.apply(event, in: bytes, lineNumber: record.position) == nil else { return }
                    projection.apply(event, in: bytes)
                }
            }
        }
        fold(try follower.next(waitingUpTo: 0))
        Terminal.write(render())
        var printed = 0
        while updates == 0 || printed < updates {
            let records = try follower.next(waitingUpTo: interval)
            guard !records.isEmpty else { continue }
            fold(records)
            Terminal.write(render())
            printed += 1
        }
        return 0
    }
    #endif
}

/// `ledger-cli copy SOURCE DEST`: a file log into PostgreSQL, or back, byte for byte.
enum CopyCommand: Subcommand {
    static let spec = CommandSpec(
        name: "copy",
        abstract: "Copy a log between a file and PostgreSQL, byte for byte (needs the Postgres build trait).",
        discussion: """
        File to PostgreSQL: checks every line as verify does (a log with problems is refused) and loads them, \
        unchanged, into an empty ledger in one transaction, creating its tables. PostgreSQL to file: writes every \
        line to a new file. Either way the copy replays, verifies and digests exactly as the original: the same \
        bytes, the same hash chain head.

        Examples:
          ledger-cli copy samples/chained.jsonl 'postgresql://ledger@/tickets?host=/run/postgresql'
          ledger-cli copy 'postgresql://ledger@db.example:5432/tickets' backup.jsonl
        """,
        arguments: [
            .required("SOURCE", help: "A log file or a postgresql:// URI."),
            .required("DEST", help: "A postgresql:// URI (an empty ledger) or a new file."),
        ],
        options: [])

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        #if Postgres
        return try PostgresLogs.copy(parsed.positional("SOURCE"), parsed.positional("DEST"))
        #else
        throw ReportFailure("copy needs a PostgreSQL URI on one side, and this ledger-cli was built without PostgreSQL support; "
                            + "build it with 'swift build --traits Postgres' (libpq: Debian's libpq-dev)")
        #endif
    }
}
