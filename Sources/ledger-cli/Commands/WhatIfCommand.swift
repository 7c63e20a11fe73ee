import Events
import Projections
import Reports

/// `ledger-cli whatif`: a period scored under a base rule set and alternatives, side by side.
enum WhatIfCommand: Subcommand {
    static let spec = CommandSpec(
        name: "whatif",
        abstract: "Score a period under a base rule set and one or more alternatives, side by side.",
        discussion: """
        Replays the log once and scores every unit under --rules (the base) and each --alt rule file. Rule sets \
        that change the counts (attribution, time zone, channel) get their own fold of the same pass. The table \
        lists changed units first with the score delta and the counts that differ (due 15→17, accepted 40→41: a \
        unit also changes when only counts outside the score do), then the grade moves (A→B: 7).

        A rule set with "deadlines": {…, "apply": true} is scored with every assignment's deadline recomputed from \
        its time limits (an extension still moves it later by its own span; a rework restarts the limit from the \
        rework), counted by the same fold: how on-time rates, scores and grades would move under another limit.

        Examples:
          ledger-cli whatif samples/quyuan-2023-09.jsonl -p 2023-09 --alt samples/rules/rework-heavy.json
          ledger-cli whatif samples/quyuan-2023-09.jsonl -p 2023-09 --alt samples/rules/deadlines-3-workdays.json
          ledger-cli whatif log.jsonl -p 2024-02 --alt a.json --alt b.json --format json
        """,
        arguments: [.required("LOG", help: "The event log (JSON Lines).")],
        options: [
            CommonOptions.period, CommonOptions.rules,
            .option("alt", valueName: "name|file", help: "An alternative rule set; repeat for several.", repeatable: true),
            CommonOptions.units, CommonOptions.channel, CommonOptions.asOf,
            CommonOptions.format("table or json."),
            CommonOptions.maxLineBytes,
        ])

    static func run(_ parsed: CommandLineArguments) throws -> Int32 {
        let period = try CommonOptions.period(parsed)
        let format = try parsed.choice("format", as: ComparisonFormat.self)
        let altNames = parsed.options("alt")
        guard !altNames.isEmpty else { throw UsageError("missing required option '--alt <name|file>'") }
        let inputs = try ReportInputs(parsed, period: period, honoursDeadlines: true)
        var alts: [RuleSet] = []
        for name in altNames { alts.append(try RuleSet.load(name)) }
        let (log, base, roster, asOf) = (inputs.log, inputs.rules, inputs.roster, inputs.asOf)

        // One fold per distinct set of counting options, all fed by a single pass; a rule set whose
        // deadlines apply gets a fold of its own in a second pass, fed the policy's deadlines.
        let allRules = [base] + alts
        let optionSets = allRules.map { inputs.projectionOptions(rules: $0) }
        let policies = allRules.map { rules in rules.deadlines.flatMap { $0.apply ? $0 : nil } }
        var distinct: [ProjectionOptions] = []
        for (o, policy) in zip(optionSets, policies) where policy == nil && !distinct.contains(o) { distinct.append(o) }
        var projections = distinct.map { Projection(options: $0) }
        let maxLineBytes = inputs.maxLineBytes
        if !projections.isEmpty {
            _ = try CommonOptions.replay(log: log, into: &projections, maxLineBytes: maxLineBytes)
        }
        var policyProjections = zip(optionSets, policies).compactMap { o, policy in policy.map { _ in Projection(options: o) } }
        if !policyProjections.isEmpty {
            let substitutions = zip(allRules, policies).compactMap { rules, policy in
                policy.map { DeadlineSubstitution(policy: $0, utcOffsetSeconds: rules.utcOffsetSeconds) }
            }
            var replay = try CommonOptions.logReplay(log)
            replay.maxLineBytes = maxLineBytes
            try CommonOptions.requireClean(try replay.run(into: &policyProjections, substituting: substitutions), log: log)
        }
        var nextPolicyProjection = 0
        let reports = allRules.indices.map { i in
            if policies[i] != nil {
                defer { nextPolicyProjection += 1 }
                return policyProjections[nextPolicyProjection].report(period: period, rules: allRules[i], roster: roster)
            }
            return projections[distinct.firstIndex(of: optionSets[i])!].report(period: period, rules: allRules[i], roster: roster)
        }
        var warned = Set<String?>()
        for (report, options) in zip(reports, optionSets) where report.total.counts.isEmpty && !warned.contains(options.channel) {
            warned.insert(options.channel)
            if let warning = try CommonOptions.emptyChannelWarning(log: log, period: period, options: options, maxLineBytes: maxLineBytes) {
                Terminal.writeErrorLine("warning: rule set \(report.rules.name): \(warning)")
            }
        }
        let comparisons = reports.dropFirst().map { RuleComparison(base: reports[0], alt: $0) }
        Terminal.write(ComparisonRenderer(asOf: asOf).render(comparisons, as: format))
        return 0
    }
}
