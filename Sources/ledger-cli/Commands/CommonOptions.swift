#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Events
import Projections
import Reports

/// Option parsing shared by the reporting subcommands (replay, explain, whatif).
enum CommonOptions {
    static let rules = CommandSpec.Option.option(
        "rules", valueName: "name|file",
        help: "A built-in rule set (yueyang-hotline, yueyang-mailbox) or a rule file.", defaultValue: "yueyang-hotline")
    static let period = CommandSpec.Option.option(
        "period", short: "p", valueName: "period",
        help: "A month (2024-02), quarter (2024-Q1), year (2024) or days (2024-02-01..2024-02-15).")
    static let units = CommandSpec.Option.option(
        "units", valueName: "file", help: "A roster CSV (unit,group; UTF-8, LF or CRLF): its units are listed even with nothing due.")
    static let channel = CommandSpec.Option.option(
        "channel", valueName: "channel",
        help: "Only tickets accepted on this channel ('hotline' when the event has none); 'all' for every channel. Default: the rule set's channel.")
    static let asOf = CommandSpec.Option.option(
        "as-of", valueName: "time",
        help: "Only events recorded at or before this RFC 3339 time, or 'now' (the period as known then; open tickets whose deadline is later are not due yet).")

    static let maxLineBytes = CommandSpec.Option.option(
        "max-line-bytes", valueName: "bytes",
        help: "The longest line read, in bytes; a longer one stops the command with an error (memory stays bounded).",
        defaultValue: String(LogInput.defaultMaxLineBytes))

    /// `--format`, `-f`: one of the command's formats, `help` naming them.
    static func format(_ help: String, defaultValue: String = "table") -> CommandSpec.Option {
        .option("format", short: "f", valueName: "format", help: help, defaultValue: defaultValue)
    }

    /// The `--lang` of a table's headers.
    static func language(_ parsed: CommandLineArguments) throws -> Language {
        guard let language = Language(rawValue: parsed.value("lang")) else {
            throw UsageError("invalid --lang (expected zh or en)")
        }
        return language
    }

    /// The `--max-line-bytes` limit: 1 byte to 1 GiB.
    static func maxLineBytes(_ parsed: CommandLineArguments) throws -> Int {
        guard let text = parsed.option("max-line-bytes") else { return LogInput.defaultMaxLineBytes }
        guard let n = Int(text), n >= 1, n <= 1 << 30 else {
            throw UsageError("invalid --max-line-bytes '\(text)' (expected a number of bytes from 1 to 1073741824)")
        }
        return n
    }

    /// Refuses a log path that is not a regular file (a device, a FIFO, a directory) before
    /// anything reads it; `-` (standard input) is read as a stream.
    /// With `ifExists`, a missing file is let through (append creates it).
    static func requireRegularLog(_ path: String, ifExists: Bool = false) throws {
        guard path != "-" else { return }
        if ifExists {
            var info = stat()
            guard stat(path, &info) == 0 else { return }
        }
        try LogInput.requireRegularFile(path)
    }

    static func period(_ parsed: CommandLineArguments) throws -> Period {
        guard let text = parsed.option("period") else { throw UsageError("missing required option '--period <period>'") }
        do {
            return try Period.parse(text)
        } catch {
            throw UsageError(error.description)
        }
    }

    /// The rule set of `--<name>`. A command that does not honour `"deadlines": {"apply": true}`
    /// (only whatif replays with policy deadlines) says so on standard error.
    static func rules(_ parsed: CommandLineArguments, name: String = "rules", honoursDeadlines: Bool = false) throws -> RuleSet {
        let rules = try RuleSet.load(parsed.value(name))
        if !honoursDeadlines, rules.deadlines?.apply == true {
            Terminal.writeErrorLine("warning: rule set \(rules.name): \"deadlines\": {\"apply\": true} is honoured by whatif only; "
                                    + "these counts use the log's deadlines")
        }
        return rules
    }

    static func roster(_ parsed: CommandLineArguments) throws -> Roster? {
        guard let path = parsed.option("units") else { return nil }
        return try Roster.load(path: path)
    }

    static func asOf(_ parsed: CommandLineArguments) throws -> Timestamp? {
        guard let text = parsed.option("as-of") else { return nil }
        // `now`: this instant, to the nanosecond as `recorded` stamps are, so that every line
        // appended before the command started counts (reports print it).
        if text == "now" { return Timestamp.now() }
        guard let t = Timestamp.parseRFC3339(text) else {
            if let reason = Timestamp.unsupportedReason(text) { throw UsageError("invalid --as-of \"\(text)\": \(reason)") }
            throw UsageError("invalid --as-of \"\(text)\": expected an RFC 3339 time such as 2024-03-05T00:00:00+08:00, or now")
        }
        return t
    }

    /// The channel filter: the option if given (`all` means none), else the rule set's.
    static func channel(_ parsed: CommandLineArguments) throws -> ChannelSelection {
        guard let text = parsed.option("channel") else { return .rules }
        guard !text.isEmpty else { throw UsageError("invalid --channel '' (expected a channel's name, or all)") }
        return text == "all" ? .all : .only(text)
    }

    /// When a table filtered to a channel came out empty: a warning naming the period's
    /// assignments on other channels and `fix`, or `nil` when there are none (or no filter).
    /// Reads the log a second time (with the same limit on a line's length), which only an
    /// empty table pays for.
    static func emptyChannelWarning(log: String, period: Period, options: ProjectionOptions, unit: String? = nil,
                                    maxLineBytes: Int,
                                    fix: String = "add --channel all to count every channel") throws -> String? {
        guard let wanted = options.channel else { return nil }
        var replay = try logReplay(log)
        replay.maxLineBytes = maxLineBytes
        let others = try replay.channelCensus(period: period, options: options, unit: unit).others(than: wanted)
        guard !others.isEmpty else { return nil }
        let total = others.reduce(0) { $0 + $1.count }
        let list = others.map { "\($0.channel): \($0.count)" }.joined(separator: ", ")
        let whose = unit.map { " of \($0)" } ?? ""
        return "nothing\(whose) was counted on channel '\(wanted)' in \(period.label), but the period has \(total) "
            + "assignment\(total == 1 ? "" : "s")\(whose) on other channels (\(list)); \(fix)"
    }

    /// The replay of LOG: the file's, or a PostgreSQL ledger's rows streamed as its lines.
    static func logReplay(_ log: String) throws -> LogReplay {
        #if Postgres
        if let replay = PostgresLogs.streamedReplay(log) { return replay }
        #endif
        try requireRegularLog(log)
        return LogReplay(path: log)
    }

    /// Replays `log` into projections, printing progress for big files and failing on an invalid log.
    /// With `checkpoint`, resumes from (and refreshes) the checkpoint in that directory.
    static func replay(log: String, into projections: inout [Projection], checkpoint: String? = nil,
                       maxLineBytes: Int = LogInput.defaultMaxLineBytes) throws -> LogReplay.Summary {
        if checkpoint == "" { throw UsageError("invalid --checkpoint '' (expected a directory to keep the checkpoint in)") }
        var checkpoint = checkpoint
        if checkpoint != nil && log == "-" {
            // A checkpoint resumes a log it can look at again (a file or a ledger's table).
            Terminal.writeErrorLine("warning: --checkpoint is ignored for a log read from standard input; give the log's file")
            checkpoint = nil
        }
        if let checkpoint, case let file = LogReplay.checkpointFile(in: checkpoint), FileIdentity.same(file, log) {
            throw UsageError("--checkpoint \(checkpoint) keeps its checkpoint in \(file), which is the log; give another directory")
        }
        var replay = try logReplay(log)
        replay.maxLineBytes = maxLineBytes
        replay.mapsCheckpoint = true
        let size = fileSize(log)
        let showProgress = size > 64 << 20 && Terminal.isStandardErrorTerminal
        let progress = { (bytes: Int64) in
            if showProgress { Terminal.writeError("\rreading \(log.escapingControlCharacters()): \(bytes * 100 / max(size, 1))%") }
        }
        let summary: LogReplay.Summary
        if let checkpoint {
            summary = try replay.run(into: &projections, checkpoint: checkpoint, progress: progress) { warning in
                Terminal.writeErrorLine("warning: \(warning)")
            }
        } else {
            summary = try replay.run(into: &projections, progress: progress)
        }
        if showProgress { Terminal.writeError("\r\u{1B}[K") }
        try requireClean(summary, log: log)
        try warnAboutAsOfView(replay, summary: summary, asOf: projections.lazy.compactMap(\.options.asOf).first, log: log)
        return summary
    }

    /// Says on standard error when the events known by `asOf` break the ticket life cycle (an
    /// event known then depends on one recorded later; see `LogReplay.asOfViewProblems`), naming
    /// the first of them: the report counts them as they are. Nothing is read again when the
    /// replay found the log recorded in its own order.
    static func warnAboutAsOfView(_ replay: LogReplay, summary: LogReplay.Summary, asOf: Timestamp?, log: String) throws {
        guard let asOf, summary.recordedInOrder != true else { return }
        let (count, first) = try replay.asOfViewProblems(asOf, limit: 5)
        guard count > 0 else { return }
        Terminal.writeErrorLine("warning: as of \(asOf.rfc3339()), \(counted(count, "event")) known then "
                                + "\(count == 1 ? "depends" : "depend") on events recorded later and \(count == 1 ? "breaks" : "break") "
                                + "the ticket life cycle; the report counts \(count == 1 ? "it" : "them") as known then:")
        for problem in first { Terminal.writeErrorLine("  " + problem.described(file: log)) }
        if count > first.count { Terminal.writeErrorLine("  … and \(grouped(count - first.count)) more") }
    }

    /// Warns about an interrupted append's bytes left out, and fails on invalid lines.
    static func requireClean(_ summary: LogReplay.Summary, log: String) throws {
        warnAboutInterruptedAppend(summary, log: log)
        if !summary.problems.isEmpty { throw invalidLines(summary.problems, log: log, then: "No report was produced.") }
    }

    /// Writes the first 20 of a log's `problems` to standard error (`LOG:LINE: message`) and
    /// returns the failure that names the log and `verify`, then says what did not happen.
    static func invalidLines(_ problems: [LogProblem], log: String, then outcome: String?) -> ReportFailure {
        for problem in problems.prefix(20) { Terminal.writeErrorLine(problem.described(file: log)) }
        return ReportFailure("\(log) has invalid lines; run 'ledger-cli verify \(log)' for the full list." + (outcome.map { " " + $0 } ?? ""))
    }

    /// Says on standard error when an interrupted append's bytes were left out of a replay.
    static func warnAboutInterruptedAppend(_ summary: LogReplay.Summary, log: String) {
        if let warning = summary.snapshot?.warning(path: log) {
            Terminal.writeErrorLine("warning: \(warning); run 'ledger-cli repair \(log)' to move them aside")
        }
    }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }
}

/// A command failure with a message (exit status 1).
struct ReportFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
