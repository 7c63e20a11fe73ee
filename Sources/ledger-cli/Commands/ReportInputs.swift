import Events
import Projections

/// The options the reporting commands share, read once and in one order: `LOG`, `--rules`,
/// `--units`, `--channel`, `--as-of` and `--max-line-bytes`, the last four only when the command
/// declares them (a command without `--units` has no roster, one without `--as-of` folds every
/// event). The command reads `--period` first, then its own options, so that a mistyped option is
/// reported before any file is read.
struct ReportInputs {
    var log: String
    var period: Period
    var rules: RuleSet
    var roster: Roster?
    var channel: ChannelSelection
    var asOf: Timestamp?
    var maxLineBytes: Int

    /// Reads the options for `period` (``CommonOptions/period(_:)``); `honoursDeadlines` as for
    /// ``CommonOptions/rules(_:name:honoursDeadlines:)``.
    /// - Throws: ``UsageError`` naming the first option that is missing or invalid, or the
    ///   error of loading the rule set or the roster.
    init(_ parsed: CommandLineArguments, period: Period, honoursDeadlines: Bool = false) throws {
        func declares(_ name: String) -> Bool { parsed.spec.option(named: name) != nil }
        log = parsed.positional("LOG")
        self.period = period
        rules = try CommonOptions.rules(parsed, honoursDeadlines: honoursDeadlines)
        roster = declares("units") ? try CommonOptions.roster(parsed) : nil
        channel = declares("channel") ? try CommonOptions.channel(parsed) : .rules
        asOf = declares("as-of") ? try CommonOptions.asOf(parsed) : nil
        maxLineBytes = declares("max-line-bytes") ? try CommonOptions.maxLineBytes(parsed) : LogInput.defaultMaxLineBytes
    }

    /// The counting options of these inputs' rule set, channel and as-of cut.
    var projectionOptions: ProjectionOptions { ProjectionOptions(rules: rules, channel: channel, asOf: asOf) }

    /// These inputs' counting options under another rule set (whatif's alternatives).
    func projectionOptions(rules other: RuleSet) -> ProjectionOptions {
        ProjectionOptions(rules: other, channel: channel, asOf: asOf)
    }
}
