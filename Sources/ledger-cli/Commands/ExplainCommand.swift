import Events
import Projections
import Reports

/// `ledger-cli explain`: the tickets behind every number of one unit.
enum ExplainCommand: Subcommand {
    static let spec = CommandSpec(
        name: "explain",
        abstract: "List the tickets behind each of one unit's numbers for a period.",
        discussion: """
        For one unit, shows which tickets were accepted, due, done, done on time, overdue, sent back for rework, \
        declined, and called back, with each ticket's deadline, closure, lateness and the log lines that counted. \
        The lists add up to the unit's row in 'replay' for the same options.

        Examples:
          ledger-cli explain samples/quyuan-2023-09.jsonl --period 2023-09 --unit 营田镇
          ledger-cli explain samples/yueyang-2024-02.jsonl -p 2024-02 --unit 市国资委 --format json
        """,
        arguments: [.required("LOG", help: "The event log (JSON Lines).")],
        options: [
            CommonOptions.period,
            .option("unit", short: "u", valueName: "unit", help: "The unit to explain (its exact name)."),
            CommonOptions.rules, CommonOptions.channel, CommonOptions.asOf,
            CommonOptions.format("table or json."),
            CommonOptions.maxLineBytes,
        ])

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let period = try CommonOptions.period(parsed)
        guard let unit = parsed.option("unit") else { throw UsageError("missing required option '--unit <unit>'") }
        let format = try parsed.choice("format", as: ExplanationFormat.self)
        let inputs = try ReportInputs(parsed, period: period)
        let (log, rules, asOf, options) = (inputs.log, inputs.rules, inputs.asOf, inputs.projectionOptions)
        var replay = try CommonOptions.logReplay(log)
        replay.maxLineBytes = inputs.maxLineBytes
        let (explanation, summary) = try replay.explain(unit: unit, period: period, rules: rules, options: options)
        CommonOptions.warnAboutInterruptedAppend(summary, log: log)
        if !summary.problems.isEmpty { throw CommonOptions.invalidLines(summary.problems, log: log, then: nil) }
        try CommonOptions.warnAboutAsOfView(replay, summary: summary, asOf: asOf, log: log)
        if explanation.tickets.isEmpty && explanation.counts.isEmpty {
            if let warning = try CommonOptions.emptyChannelWarning(log: log, period: period, options: options, unit: unit,
                                                                       maxLineBytes: inputs.maxLineBytes) {
                Terminal.writeErrorLine("warning: \(warning)")
            } else {
                Terminal.writeErrorLine("warning: unit \(unit) has no events in \(period.label) (names must match exactly)")
            }
        }
        Terminal.write(ExplanationRenderer(explanation: explanation, asOf: asOf).render(format))
        return 0
    }
}
