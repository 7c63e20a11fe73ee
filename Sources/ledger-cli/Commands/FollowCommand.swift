import Dispatch
import Events
import Projections
import Reports

/// `ledger-cli follow`: the table of a period, printed again each time new events commit.
enum FollowCommand: Subcommand {
    static let spec = CommandSpec(
        name: "follow",
        abstract: "Print a period's table, then print it again each time new events commit.",
        discussion: """
        Opens the log once (reading it whole, as replay does, under a shared lock: follow never writes), prints \
        the table, then waits for new events — appended by this machine's other processes through 'ledger-cli \
        append', a service's Ledger, or anything that takes the log's lock — and prints the table again after \
        each commit. Lines of an append that is still being written, or that a crash interrupted, are never \
        shown. A writer that does not take the lock is followed too; a last line it has not ended yet (no \
        newline) is left out until it ends, and one that stays cut short for 2 seconds stops follow as a torn \
        line ('ledger-cli repair' moves it aside). With --format json each update is one line holding exactly the object 'replay --format json \
        --as-of T' prints for the instant T it names, for a dashboard or a service in another language to read from a pipe. What replay warns about \
        goes to standard error, each warning once: units in the log but not in the roster (again when more \
        come), and a table filtered to a channel that is empty while the period has other channels' \
        assignments (with the first table). Ctrl-C ends it.

        Each table is as of the moment it is printed and says so (JSON "asOf"), as 'replay --as-of' that \
        instant prints it: a ticket still open whose deadline has not come yet is not due, done or \
        overdue. When such a deadline comes, follow prints the table again if it changed, with no new event \
        (the update counts towards --updates). Unlike that replay, follow counts a line recorded after the \
        instant (an imported line with its own recorded time still to come).

        A PostgreSQL ledger (postgresql://…, with the Postgres build trait) is followed through its commits' \
        announcements (LISTEN/NOTIFY) and read every second as well (every --interval, when longer), so rows \
        another client inserts without one are shown too; rows deleted or replaced after follow read them stop it (what it counted no longer \
        holds), and a lost connection is opened again for up to 5 minutes.

        Examples:
          ledger-cli follow events.jsonl --period 2024-02 --units samples/yueyang-hotline-units.csv
          ledger-cli follow events.jsonl -p 2024-02 --format json | my-dashboard
        """,
        arguments: [.required("LOG", help: "The event log (JSON Lines).")],
        options: [
            CommonOptions.period, CommonOptions.rules, CommonOptions.units, CommonOptions.channel,
            CommonOptions.format("table or json."),
            .option("lang", valueName: "lang", help: "Header language for the table: zh or en.", defaultValue: "zh"),
            .option("interval", valueName: "ms", help: "How often the log is checked for other processes' appends.",
                    defaultValue: "50"),
            .option("updates", valueName: "n", help: "Stop after this many updates (0: follow until interrupted).",
                    defaultValue: "0"),
            CommonOptions.maxLineBytes,
        ])

    enum Format: String, CaseIterable { case table, json }

    /// What follow prints and how often, from its options (for a file and for PostgreSQL).
    struct Settings: Sendable {
        var format: Format
        var language: Language
        var pace: Pace
        /// The log, the period, the rule set, the roster, the channel and the line limit.
        var inputs: ReportInputs
        /// The warnings written so far (each is written once, when it first applies).
        private var warned: Set<String> = []
        /// Whether a table was rendered.
        private var rendered = false

        init(_ parsed: CommandLineArguments) throws {
            let period = try CommonOptions.period(parsed)
            format = try parsed.choice("format", as: Format.self)
            language = try CommonOptions.language(parsed)
            pace = try Pace(parsed)
            inputs = try ReportInputs(parsed, period: period)
        }

        /// The rows and total of the table printed last.
        private var shown: (rows: [PeriodReport.Row], total: PeriodReport.Row)?

        /// One update: the table `table` makes of the period under the rules and roster at an
        /// instant (a ``Projection``'s or a ``LiveProjection``'s `report`), or the replay object
        /// on one line (its newlines are separators; strings escape theirs); `nil` when
        /// `onlyIfChanged` and the table is the one printed last.
        ///
        /// The instant is now, to the nanosecond as `recorded` stamps are, and the table says so,
        /// as `replay --as-of`'s does: the events folded were recorded before it, so `replay
        /// --as-of` that instant prints the same table (but for a line whose `recorded` time, or
        /// `at` without one, is still to come: follow counts it, that replay does not).
        ///
        /// What replay warns about goes to standard error as it first applies: units in the log
        /// but not in the roster (again when more come), and, with the first table, a table
        /// filtered to a channel that came out empty while the period has other channels'
        /// assignments.
        mutating func render(onlyIfChanged: Bool = false,
                             _ table: (Period, RuleSet, Roster?, Timestamp) -> PeriodReport) throws -> String? {
            let now = Timestamp.now()
            let report = table(inputs.period, inputs.rules, inputs.roster, now)
            if onlyIfChanged, let shown, shown.rows == report.rows, shown.total == report.total { return nil }
            shown = (report.rows, report.total)
            var warnings = report.warnings
            if !rendered, report.total.counts.isEmpty,
               let warning = try CommonOptions.emptyChannelWarning(log: inputs.log, period: inputs.period,
                                                                    options: inputs.projectionOptions,
                                                                    maxLineBytes: inputs.maxLineBytes) {
                warnings.append(warning)
            }
            rendered = true
            for warning in warnings where warned.insert(warning).inserted { Terminal.writeErrorLine("warning: \(warning)") }
            let renderer = ReportRenderer(report: report, language: language, asOf: now)
            switch format {
            case .table: return renderer.render(.table) + "\n"
            case .json: return renderer.render(.json).split(separator: "\n").joined() + "\n"
            }
        }
    }

    /// How long to wait for `deadline` to come (`nil`: no deadline to wait for): a millisecond
    /// past it, or a minute when it is further off, so that a system clock set forward (the
    /// wait runs on a monotonic clock) is caught up with within a minute.
    static func wait(until deadline: Timestamp?) -> Duration? {
        guard let deadline else { return nil }
        let left = Duration.nanoseconds(max(0, deadline.nanoseconds - Timestamp.now().nanoseconds)) + .milliseconds(1)
        return min(left, .seconds(60))
    }

    /// How often follow looks at the log, and when it stops.
    struct Pace: Sendable {
        /// Milliseconds between looks at the log.
        var interval: Int
        /// Updates to print before stopping; 0 for no limit.
        var updates: Int

        init(_ parsed: CommandLineArguments) throws {
            guard let interval = Int(parsed.value("interval")), (1...60_000).contains(interval) else {
                throw UsageError("invalid --interval '\(parsed.value("interval"))' (expected milliseconds from 1 to 60000)")
            }
            guard let updates = Int(parsed.value("updates")), updates >= 0 else {
                throw UsageError("invalid --updates '\(parsed.value("updates"))' (expected a count, 0 for no limit)")
            }
            self.interval = interval
            self.updates = updates
        }

        /// Whether another update is wanted after `printed` of them.
        func wantsMore(after printed: Int) -> Bool { updates == 0 || printed < updates }
    }

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let settings = try Settings(parsed)
        let log = settings.inputs.log
        try CommonOptions.requireRegularLog(log)
        var ledgerOptions = Ledger.Options()
        ledgerOptions.createsMissingLog = false
        ledgerOptions.followInterval = .milliseconds(settings.pace.interval)
        ledgerOptions.maxLineBytes = settings.inputs.maxLineBytes
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task { [settings] in
            var settings = settings
            do {
                let ledger = try await Ledger.open(path: log, options: ledgerOptions)
                let live = try await LiveProjection(ledger: ledger, options: settings.inputs.projectionOptions)
                /// Prints the table (unless only a deadline passed and it did not change); whether it did.
                func update(onlyIfChanged: Bool = false) throws -> Bool {
                    guard let text = try settings.render(onlyIfChanged: onlyIfChanged, {
                        live.report(period: $0, rules: $1, roster: $2, at: $3)
                    }) else { return false }
                    Terminal.write(text)
                    return true
                }
                // The count is taken before the table is rendered (and written, which a slow
                // reader can hold up): a commit in between is in the table or waited for next,
                // never counted as seen without being shown.
                var seen = await ledger.count
                _ = try update()
                outcome.noteShown()
                var printed = 0
                // Output that cannot be written ends the watch (main reports it and exits 1).
                wait: while settings.pace.wantsMore(after: printed), Terminal.firstOutputError.load(ordering: .relaxed) == 0 {
                    switch try await nextWake(ledger, after: seen, deadline: live.nextDeadline) {
                    case .closed:
                        break wait
                    case .commit:
                        seen = await ledger.count
                        _ = try update()
                        printed += 1
                    case .deadline:
                        if try update(onlyIfChanged: true) { printed += 1 }
                    }
                }
            } catch {
                outcome.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw failure(error, log: log, shown: outcome.shown) }
        return 0
    }

    /// What ends a wait of follow.
    enum Wake: Sendable { case commit, deadline, closed }

    /// Waits for a commit after `seen`, or for `deadline` to come (see ``wait(until:)``).
    private static func nextWake(_ ledger: Ledger, after seen: Int, deadline: Timestamp?) async throws -> Wake {
        guard let wait = wait(until: deadline) else { return try await ledger.nextCommit(after: seen) ? .commit : .closed }
        return try await withThrowingTaskGroup(of: Wake.self) { group in
            group.addTask { try await ledger.nextCommit(after: seen) ? .commit : .closed }
            group.addTask {
                try await Task.sleep(for: wait)
                return .deadline
            }
            // The other task is cancelled: a cancelled wait for a commit ends as `.closed`, a
            // cancelled sleep throws; neither is looked at.
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// `error`, worded for a reader of the log (the ledger's errors are worded for appends:
    /// "nothing was appended"): the log's problems on standard error, then what to run.
    private static func failure(_ error: any Error, log: String, shown: Bool) -> any Error {
        let outcome = shown ? "follow stopped." : "No report was produced."
        switch error {
        case AppendError.tornTail(let path, let line, let bytes):
            return ReportFailure("\(path):\(line): the log ends with a torn line (\(grouped(bytes)) bytes without a final newline). "
                                 + "Run 'ledger-cli repair \(path)' to move it aside. \(outcome)")
        case AppendError.invalidLog(let path, let problems, _):
            return CommonOptions.invalidLines(problems, log: path, then: outcome)
        case AppendError.file(let error):
            return ReportFailure("\(error). \(outcome)")
        default:
            return error
        }
    }

    /// The error a follow ended with, handed from its task to the waiting thread.
    private final class Outcome: @unchecked Sendable {
        // `@unchecked Sendable`: written once by the task before it signals, read after the wait.
        private(set) var error: (any Error)?
        /// Whether a table was printed before it.
        private(set) var shown = false
        func set(_ error: any Error) { self.error = error }
        func noteShown() { shown = true }
    }
}
