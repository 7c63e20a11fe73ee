import Events
import Projections
import Reports

/// `ledger-cli replay`: the assessment table of a period.
enum ReplayCommand: Subcommand {
    static let spec = CommandSpec(
        name: "replay",
        abstract: "Fold a log into a period's assessment table: counts, rates, scores and grades per unit.",
        discussion: """
        Streams the log once, checks every event against the ticket life cycle, and prints the table the \
        hotline centre publishes: one row per unit, best score first, and the 合计 total. With --units, every \
        unit of the roster is listed (a unit with nothing due gets the rule set's empty score, 40/E by default) \
        and units are grouped as the roster says.

        A line copied into the log twice by another tool (a callback, which the life cycle allows more \
        than once) is refused, not counted twice: it repeats the id, type and time of one of its ticket's \
        events. That every id of the log is unique is 'ledger-cli verify''s to check.

        Examples:
          ledger-cli replay samples/quyuan-2023-09.jsonl --period 2023-09 --units samples/quyuan-units.csv
          ledger-cli replay samples/yueyang-2024-02.jsonl -p 2024-02 --rules yueyang-mailbox --format json
          ledger-cli replay log.jsonl -p 2024-02 --as-of 2024-03-05T00:00:00+08:00
          ledger-cli replay year.jsonl -p 2024-06 --checkpoint .ledger-checkpoint

        With --checkpoint, a checkpoint that no longer matches the log (truncated, replaced, edited so that \
        bytes move) or the options, or that is damaged, is ignored with a warning, the whole log is replayed \
        and the checkpoint is written anew. The log is only sampled, not reread: in a log without a hash \
        chain, an edit that keeps the length (unsatisfied -> unreachable) can go unseen, and the old numbers \
        printed, until 'ledger-cli verify' (or a replay without --checkpoint). In a chained log, an edit \
        sealed into the chain is seen; one that is not breaks the chain, which verify reports. While a \
        replay of a small new tail uses a checkpoint file, it holds it under a read lease (Linux): a process \
        that opens the file for writing or truncates it waits until the replay is done (one that opens it \
        without blocking, as truncate(1) does, is refused with "Resource temporarily unavailable").

        On a postgresql:// LOG the checkpoint records the rows folded, the database and table they came \
        from, sampled rows and the chain value of the last; the next replay reads only the rows after them. A \
        checkpoint of a file, of another database or table, or of a table truncated or rewritten since, is \
        ignored in the same way.
        """,
        arguments: [.required("LOG", help: "The event log (JSON Lines).")],
        options: [
            CommonOptions.period, CommonOptions.rules, CommonOptions.units, CommonOptions.channel, CommonOptions.asOf,
            CommonOptions.format("table, json, csv or markdown."),
            .option("lang", valueName: "lang", help: "Header language for table and markdown: zh or en.", defaultValue: "zh"),
            .option("checkpoint", valueName: "dir",
                    help: "Keep the fold state in this directory so the next replay of the grown log reads only the new tail (a file's new bytes, a PostgreSQL ledger's new rows)."),
            CommonOptions.maxLineBytes,
        ])

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let period = try CommonOptions.period(parsed)
        let format = try parsed.choice("format", as: ReportFormat.self)
        let language = try CommonOptions.language(parsed)
        let inputs = try ReportInputs(parsed, period: period)
        let (log, rules, roster, asOf) = (inputs.log, inputs.rules, inputs.roster, inputs.asOf)
        let options = inputs.projectionOptions
        var projections = [Projection(options: options)]
        _ = try CommonOptions.replay(log: log, into: &projections, checkpoint: parsed.option("checkpoint"),
                                     maxLineBytes: inputs.maxLineBytes)
        let report = projections[0].report(period: period, rules: rules, roster: roster)
        for warning in report.warnings { Terminal.writeErrorLine("warning: \(warning)") }
        if report.total.counts.isEmpty, let warning = try CommonOptions.emptyChannelWarning(log: log, period: period, options: options,
                                                                                                  maxLineBytes: inputs.maxLineBytes) {
            Terminal.writeErrorLine("warning: \(warning)")
        }
        Terminal.write(ReportRenderer(report: report, language: language, asOf: asOf).render(format))
        return 0
    }
}
