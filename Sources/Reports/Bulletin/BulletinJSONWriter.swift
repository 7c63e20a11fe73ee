import Events
import Projections

/// The whole bulletin model as JSON (`ledger-cli bulletin --format json`): every section's
/// table (the rows as `replay --format json` writes them, in the request's order), lists and
/// counts, and at the top level `rankings`, `deductions`, `bonuses` and `policyViolations`.
/// Data only: no prose, except the bulletin's title and the computed entries' wording
/// (`indicator`, `reason`), which are part of the published deduction table.
enum BulletinJSONWriter {
    static func write(_ bulletin: Bulletin, title: String) -> String {
        let offset = bulletin.hotline.report.rules.utcOffsetSeconds
        func q(_ s: String) -> String { JSONString.quoted(s) }
        func q(_ s: String?) -> String { s.map(JSONString.quoted) ?? "null" }
        func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
        func object(_ fields: [(String, String)]) -> String { "{" + fields.map { "\(q($0.0)): \($0.1)" }.joined(separator: ", ") + "}" }
        func tickets(_ list: [Bulletin.UnitTickets]) -> String {
            "[" + list.map { unit in
                object([("unit", q(unit.unit)), ("count", String(unit.count)),
                        ("tickets", "[" + unit.tickets.map { t in
                            object([("ticket", q(t.ticket)), ("deadline", q(t.deadline.rfc3339(offsetSeconds: offset))),
                                    ("closedAt", q(t.closedAt?.rfc3339(offsetSeconds: offset))), ("times", String(t.times)),
                                    ("centreReturned", String(t.centreReturned))])
                        }.joined(separator: ", ") + "]")])
            }.joined(separator: ",\n      ") + "]"
        }
        func section(_ s: Bulletin.ChannelSection) -> String {
            let renderer = ReportRenderer(report: s.report)
            let rows = s.ordered(s.report.rows).map { "      " + renderer.jsonObject($0) }.joined(separator: ",\n")
            let previous = s.previous.map { p in
                object([("period", q(p.period.label)), ("total", ReportRenderer(report: p).jsonObject(p.total, unit: ReportLabels.total))])
            } ?? "null"
            let fields: [(String, String)] = [
                ("channel", q(s.channel)), ("name", q(s.title ?? ReportLabels.channelName(s.channel))),
                ("rules", q(s.report.rules.name)), ("order", q(s.order.rawValue)),
                ("groups", list(s.groups.map { q($0) })),
                ("units", "[\n" + rows + "\n    ]"),
                ("total", renderer.jsonObject(s.report.total, unit: ReportLabels.total)),
                ("groupTotals", "[" + (s.groups.contains { $0 != nil } ? s.groups.map { renderer.jsonObject(s.total(of: $0)) } : []).joined(separator: ", ") + "]"),
                ("previous", previous),
                ("assignedTickets", String(s.assignedTickets)),
                ("categories", list(s.categories.map { object([("label", q($0.label)), ("count", String($0.count))]) })),
                ("topics", list(s.topics.prefix(20).map { object([("label", q($0.label)), ("count", String($0.count))]) })),
                ("sources", list(s.sources.map {
                    object([("source", q($0.source)), ("tickets", String($0.tickets)), ("rated", String($0.rated)),
                            ("satisfied", String($0.satisfied)), ("satisfiedRate", $0.satisfiedRate.map { $0.times100Rounded.description } ?? "null")])
                })),
                ("ratingTexts", list(s.ratingTexts.keys.sorted().map { unit in
                    object([("unit", q(unit)), ("counts", object(s.ratingTexts[unit]!.sorted { $0.key < $1.key }.map { ($0.key, String($0.value)) }))])
                })),
                ("overdue", tickets(s.overdue)),
                ("reworked", tickets(s.reworked)),
                ("returns", object([("returns", String(s.returns.returns)), ("ticketsByTimes", list(s.returns.tickets.map(String.init)))])),
            ]
            return "{\n    " + fields.map { "\(q($0.0)): \($0.1)" }.joined(separator: ",\n    ") + "\n  }"
        }
        func adjustment(_ e: Adjustment) -> String {
            let source: String, channel: String?
            switch e.source {
            case .manual: (source, channel) = ("manual", nil)
            case .grade(_, let basis): (source, channel) = ("grade", basis.channel)
            case .overdue(_, _, let basis): (source, channel) = ("overdue", basis.channel)
            }
            var fields: [(String, String)] = [("unit", q(e.unit)), ("points", e.points.rounded(decimals: 2).trimmed), ("source", q(source))]
            if source != "manual" { fields.append(("channel", q(channel))) }
            if case .grade(let grade, _) = e.source { fields.append(("grade", q(grade))) }
            fields += [("indicator", q(ReportLabels.indicator(e))), ("reason", q(ReportLabels.reason(e, period: bulletin.period.kind))),
                       ("ref", q(e.ref)), ("tickets", list(e.tickets.map { q($0) }))]
            if !e.excusedTickets.isEmpty { fields.append(("excusedTickets", list(e.excusedTickets.map { q($0) }))) }
            if case .manual(let id) = e.source { fields.append(("id", q(id))) }
            return object(fields)
        }
        var violations: [String] = []
        for s in bulletin.sections {
            for v in s.violations {
                violations.append(object([("ticket", q(v.ticket)), ("unit", q(v.unit)), ("kind", q(v.kind.rawValue)), ("channel", q(s.channel)),
                                          ("count", String(v.count)), ("units", list(v.units.map { q($0) })), ("day", q(ChineseText.day(v.day)))]))
            }
        }
        let comparison: String
        switch bulletin.comparison {
        case .compared: comparison = object([("compared", "true")])
        case .off: comparison = object([("compared", "false"), ("reason", q("off"))])
        case .notCovered(let start):
            comparison = object([("compared", "false"), ("reason", q("previous-period-not-covered")),
                                 ("logStart", q(start?.rfc3339(offsetSeconds: offset)))])
        }
        var top: [(String, String)] = [
            ("title", q(title)), ("period", q(bulletin.period.label)), ("scheme", q(bulletin.scheme.rawValue)),
            ("timeZone", q(bulletin.hotline.report.rules.timeZoneText)),
        ]
        if let asOf = bulletin.request.asOf { top.append(("asOf", q(asOf.rfc3339(offsetSeconds: offset)))) }
        top += [
            ("comparison", comparison),
            ("sections", "[\n  " + bulletin.sections.map(section).joined(separator: ",\n  ") + "\n]"),
            ("rankings", "[\n  " + bulletin.rankings.map { r in
                object([("channel", q(r.channel)), ("group", q(r.group)), ("by", q(r.by.rawValue)), ("minimumVolume", String(r.minimumVolume)),
                        ("eligible", String(r.eligible)), ("units", list(r.top.map { q($0.unit) })),
                        ("values", list(r.top.map { r.by == .score ? $0.scorecard.score.description : String($0.counts.accepted) }))])
            }.joined(separator: ",\n  ") + "\n]"),
            ("deductions", "[\n  " + bulletin.deductions.map(adjustment).joined(separator: ",\n  ") + "\n]"),
            ("bonuses", "[\n  " + bulletin.bonuses.map(adjustment).joined(separator: ",\n  ") + "\n]"),
            ("policyViolations", "[\n  " + violations.joined(separator: ",\n  ") + "\n]"),
        ]
        return "{\n" + top.map { "\(q($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }
}
