import Events
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Projections
import Reports

/// `ledger-cli bulletin`: the whole bulletin of a period, in Chinese, as Markdown or HTML.
enum BulletinCommand: Subcommand {
    static let spec = CommandSpec(
        name: "bulletin",
        abstract: "Write a period's whole bulletin (通报) in Chinese: summary, tables, lists, deductions and bonuses.",
        discussion: """
        Replays the log once and writes the bulletin a hotline centre publishes: the summary with the \
        period's figures and their change against the previous period, categories and topics, grades and \
        rankings within roster groups, the overdue and reworked tickets by unit, the deductions and bonuses \
        (computed by the rule set from the grades and overdue tickets, plus the log's `adjusted` events), \
        and the assessment tables, one per group. HTML is one self-contained printable file with inline \
        SVG charts; Markdown leaves the charts out.

        Schemes: yueyang (monthly assessment, the default for a month), quarterly (the default for a \
        quarter: A-grade units apart, ticket types, mailbox beside the hotline) and xiangtan (the \
        statistics table with callbacks, unanswered citizens, supervision and the returns histogram).

        Examples:
          ledger-cli bulletin samples/yueyang-2024-02.jsonl -p 2024-02 --units samples/yueyang-hotline-units.csv \\
            --mailbox-units samples/yueyang-mailbox-units.csv --format html --output bulletin.html
          ledger-cli bulletin samples/xiangtan-2019-11.jsonl -p 2019-11 --scheme xiangtan --units samples/xiangtan-units.csv
        """,
        arguments: [.required("LOG", help: "The event log (JSON Lines).")],
        options: [
            CommonOptions.period, CommonOptions.units, CommonOptions.rules,
            .option("mailbox-units", valueName: "file", help: "The mailbox roster CSV (unit,group)."),
            .option("mailbox-rules", valueName: "name|file",
                    help: "The mailbox rule set, or 'none' to leave the mailbox out. The mailbox part appears when it has a roster or any activity in the period.",
                    defaultValue: "yueyang-mailbox"),
            .option("scheme", valueName: "scheme", help: "yueyang, xiangtan or quarterly. Default: quarterly for a quarter, else yueyang."),
            CommonOptions.asOf,
            CommonOptions.format("markdown, html or json (the whole bulletin model).", defaultValue: "markdown"),
            .option("output", short: "o", valueName: "file", help: "Write to this file instead of standard output."),
            .option("min-volume", valueName: "group=n", help: "Rank a group's units only with at least n tickets due (repeatable; replaces the defaults 行政事业单位=50, 公共服务企业=100).",
                    repeatable: true),
            .option("mailbox-min-volume", valueName: "group=n",
                    help: "Likewise for the mailbox's rankings, on letters due (repeatable; replaces the defaults 行政事业单位=10, 公共服务企业=10).",
                    repeatable: true),
            .option("top", valueName: "n", help: "Units named per ranking.", defaultValue: "3"),
            .option("list-limit", valueName: "n", help: "Ticket numbers listed per unit in the overdue and rework lists; 0 lists all.",
                    defaultValue: "20"),
            .option("title", valueName: "text", help: "The bulletin's title (default: the period and the channels)."),
            .option("order", valueName: "order", help: "Rows of the assessment tables: score (the default), volume (受理案件数) or roster."),
            .flag("no-subtotals", help: "Leave out the 小计 row of each group's table."),
            .option("compare", valueName: "when", help: "Compare with the previous period: auto (the default: only when the log begins before it), always or never."),
            .option("channel-rules", valueName: "channel=name|file", help: "A section for a channel with this rule set (repeatable).", repeatable: true),
            .option("channel-units", valueName: "channel=file", help: "A section for a channel with this roster (repeatable).", repeatable: true),
            .option("channel-title", valueName: "channel=text", help: "A channel section's title, e.g. proposal=政协微建议 (repeatable).", repeatable: true),
            .flag("only-listed-channels", help: "No section for channels found in the log that no rule set covers (by default each gets one)."),
            .option("config", valueName: "file", help: "A bulletin configuration file (JSON): channels, order, subtotals, compare; see docs/bulletins.md."),
            CommonOptions.maxLineBytes,
        ])

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let log = parsed.positional("LOG")
        if let output = parsed.option("output") { try refuseOverwritingAnInput(output, parsed) }
        let period = try CommonOptions.period(parsed)
        let format = try parsed.choice("format", as: BulletinFormat.self)
        var scheme: BulletinScheme? = nil
        if let text = parsed.option("scheme") {
            guard let value = BulletinScheme(rawValue: text) else {
                throw UsageError("invalid --scheme '\(text)' (expected yueyang, xiangtan or quarterly)")
            }
            scheme = value
        }
        let top = try count(parsed, "top", least: 1)
        let listLimit = try count(parsed, "list-limit", least: 0)
        func minimums(_ name: String, defaults: [String: Int]) throws -> [String: Int] {
            let volumes = parsed.options(name)
            guard !volumes.isEmpty else { return defaults }
            var minimum: [String: Int] = [:]
            for text in volumes {
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, let n = Int(parts[1]), n >= 0 else {
                    throw UsageError("invalid --\(name) '\(text)' (expected group=n, e.g. 行政事业单位=50)")
                }
                if let earlier = minimum[parts[0]], earlier != n {
                    throw UsageError("--\(name) gives group '\(parts[0])' twice, as \(earlier) and as \(n); give it once")
                }
                minimum[parts[0]] = n
            }
            return minimum
        }
        let minimum = try minimums("min-volume", defaults: BulletinRequest.yueyangRankingMinimum)
        let mailboxRulesName = parsed.value("mailbox-rules")
        var request = BulletinRequest(
            period: period, scheme: scheme, rules: try CommonOptions.rules(parsed), roster: try CommonOptions.roster(parsed),
            mailboxRules: mailboxRulesName == "none" ? nil : try RuleSet.load(mailboxRulesName),
            mailboxRoster: try parsed.option("mailbox-units").map { try Roster.load(path: $0) },
            asOf: try CommonOptions.asOf(parsed), rankingMinimum: minimum, rankingSize: top)
        if mailboxRulesName == "none" { request.excludedChannels.insert("mailbox") }
        request.mailboxRankingMinimum = try minimums("mailbox-min-volume", defaults: BulletinRequest.yueyangMailboxRankingMinimum)
        if let config = parsed.option("config") { try BulletinConfig.apply(path: config, to: &request) }
        if parsed.option("order") != nil { request.order = try parsed.choice("order", as: BulletinRequest.RowOrder.self) }
        if parsed.flag("no-subtotals") { request.subtotals = false }
        if parsed.option("compare") != nil { request.compare = try parsed.choice("compare", as: BulletinRequest.Comparison.self) }
        if parsed.flag("only-listed-channels") { request.everyChannel = false }
        try BulletinConfig.applyChannelOptions(parsed, to: &request)
        // A group no unit of the roster is in (a typo, a stray space) ranks nobody under its
        // minimum and drops the defaults: say so.
        for (name, minimum, roster, rosterOption) in [("min-volume", request.rankingMinimum, request.roster, "--units"),
                                                      ("mailbox-min-volume", request.mailboxRankingMinimum, request.mailboxRoster, "--mailbox-units")]
        where !parsed.options(name).isEmpty {
            guard let roster else { continue }
            let groups = Set(roster.entries.compactMap(\.group))
            for group in minimum.keys.sorted() where !groups.contains(group) {
                Terminal.writeErrorLine("warning: --\(name) names group '\(group)', which no unit of \(rosterOption) is in "
                                        + "(its groups: \(groups.sorted().joined(separator: ", ")))")
            }
        }
        // Two sections on one channel would count its tickets twice (and dock its units twice).
        if let mailbox = request.mailboxRules, let channel = mailbox.channel, channel == request.rules.channel {
            throw UsageError("the hotline's rules (--rules \(request.rules.name)) and the mailbox's (--mailbox-rules \(mailbox.name)) "
                             + "both count channel '\(channel)', which would be counted twice: give them rule sets on different channels "
                             + "(a rule file names its channel with \"channel\"; left out, it is 'hotline'), or --mailbox-rules none")
        }
        var replay = try CommonOptions.logReplay(log)
        replay.maxLineBytes = try CommonOptions.maxLineBytes(parsed)
        let (bulletin, summary) = try replay.bulletin(request)
        CommonOptions.warnAboutInterruptedAppend(summary, log: log)
        if !summary.problems.isEmpty { throw CommonOptions.invalidLines(summary.problems, log: log, then: "No bulletin was written.") }
        try CommonOptions.warnAboutAsOfView(replay, summary: summary, asOf: request.asOf, log: log)
        for warning in bulletin.hotline.report.warnings + (bulletin.mailbox?.report.warnings ?? []) {
            Terminal.writeErrorLine("warning: \(warning)")
        }
        // The main (hotline) table only: the mailbox part counts its own channel beside it.
        if bulletin.hotline.report.total.counts.isEmpty {
            let rules = request.rules
            let fix = "the rule set \(rules.name) counts channel '\(rules.channel ?? "")' only: give --rules a rule file with "
                + "\"channel\": null to count every channel"
            let options = ProjectionOptions(rules: rules, asOf: request.asOf)
            if let warning = try CommonOptions.emptyChannelWarning(log: log, period: period, options: options,
                                                                       maxLineBytes: replay.maxLineBytes, fix: fix) {
                Terminal.writeErrorLine("warning: \(warning)")
            }
        }
        let text = BulletinRenderer(bulletin: bulletin, listLimit: listLimit, title: parsed.option("title")).render(format)
        if let output = parsed.option("output") {
            // A file read on the way (a rule file or roster a configuration names, a calendar a
            // rule file names) is refused as the command line's are.
            if SmallFile.wasRead(output) {
                throw UsageError("--output \(output) is a file this bulletin read its input from; the bulletin would replace it. Write it elsewhere.")
            }
            do throws(LogFileError) {
                try SmallFile.writeOutput(text.utf8, to: output)
            } catch {
                throw ReportFailure("cannot write \(output): \(error.message)")
            }
        } else {
            Terminal.write(text)
        }
        return 0
    }

    /// Refuses an `--output` that is a file the command reads: the log, a roster, a rule file, the
    /// configuration (a value of any option, or the file after `channel=`); replacing it would
    /// lose it. Devices (`/dev/null`, `/dev/stdout`) are written through, never replaced.
    private static func refuseOverwritingAnInput(_ output: String, _ parsed: CommandLineArguments) throws {
        guard case .file = try? SmallFile.outputTarget(output) else { return }
        for (name, value) in parsed.givenValues() where name != "--output" {
            for candidate in [value] + (value.firstIndex(of: "=").map { [String(value[value.index(after: $0)...])] } ?? [])
            where FileIdentity.isRegularFile(candidate) && FileIdentity.same(candidate, output) {
                let what = name == "LOG" ? "the log" : name
                throw UsageError("--output \(output) is the file given as \(what) (\(candidate)); the bulletin would replace it. Write it elsewhere.")
            }
        }
        let log = parsed.positional("LOG")
        for (side, what) in LedgerState.sideFiles(ofLog: log) where FileIdentity.same(side, output) {
            throw UsageError("--output \(output) is \(what) (\(side)); the bulletin would replace it. Write it elsewhere.")
        }
    }

    private static func count(_ parsed: CommandLineArguments, _ name: String, least: Int) throws -> Int {
        let text = parsed.value(name)
        guard let n = Int(text), n >= least else { throw UsageError("invalid --\(name) '\(text)' (expected a whole number ≥ \(least))") }
        return n
    }
}
