import Events
import Projections
import Reports

/// `ledger-cli deadlines`: every assignment of a period checked against the rule set's time limits.
enum DeadlinesCommand: Subcommand {
    static let spec = CommandSpec(
        name: "deadlines",
        abstract: "Check the deadlines set on a period's assignments against the rule set's time limits.",
        discussion: """
        Reads the log once and, for every ticket assigned in the period, computes the deadline the rule set's \
        "deadlines" object allows (N working days of the official calendar, or N hours) and lists the assignments \
        whose deadline, as the platform set it, is later: a late deadline makes a unit look punctual. The table shows \
        per unit how many assignments exceeded and by how many working days, then the tickets.

        N working days end at endOfDay of the Nth working day after the day of assignment; an assignment at or \
        after endOfDay counts from the next day, and only working days are counted (a Saturday assignment with \
        1 working day is due Monday). A date outside the calendar's years is an error naming the year.

        Examples:
          ledger-cli deadlines samples/quyuan-2023-09.jsonl -p 2023-09 --rules samples/rules/deadlines-3-workdays.json
          ledger-cli deadlines log.jsonl -p 2024-10 --rules rules.json --units units.csv --format json
        """,
        arguments: [.required("LOG", help: "The event log (JSON Lines).")],
        options: [
            CommonOptions.period,
            .option("rules", valueName: "file", help: "A rule file with a \"deadlines\" object (required)."),
            CommonOptions.units, CommonOptions.channel,
            CommonOptions.format("table or json."),
            CommonOptions.maxLineBytes,
        ])

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let log = parsed.positional("LOG")
        let period = try CommonOptions.period(parsed)
        let format = try parsed.choice("format", as: DeadlineAuditFormat.self)
        guard parsed.option("rules") != nil else { throw UsageError("missing required option '--rules <file>'") }
        let rules = try CommonOptions.rules(parsed, honoursDeadlines: true)
        guard rules.deadlines != nil else {
            throw UsageError(DeadlineAuditError.noDeadlines(rules: rules.name).description + "; pass --rules with a rule file that has one")
        }
        let roster = try CommonOptions.roster(parsed)
        var replay = try CommonOptions.logReplay(log)
        replay.maxLineBytes = try CommonOptions.maxLineBytes(parsed)
        let (audit, summary) = try replay.deadlineAudit(period: period, rules: rules, channel: try CommonOptions.channel(parsed))
        try CommonOptions.requireClean(summary, log: log)
        Terminal.write(DeadlineAuditRenderer(audit: audit, roster: roster).render(format))
        return 0
    }
}
