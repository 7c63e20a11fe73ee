import Foundation
import Testing
@testable import Events
import LedgerBenchKit
@testable import Projections

/// Issue 10: the table (``Projection``, its block fold, in-place and event folds), the bulletin
/// (``BulletinFold``) and explain (``Explainer``) count with one per-ticket core. Property:
/// on generated logs (many seeds, tickets on several channels, some without a channel or with
/// an escaped one), under both attributions, every channel filter and several as-of cuts, for
/// every unit and several periods, explain's lists add up to the table and the bulletin's lists
/// and counts equal it.
@Suite struct CountingCoreTests {
    static let channels: [String?] = [nil, "hotline", "mailbox", "web"]
    static let attributions: [RuleSet.Attribution] = [.deadline, .closure]
    static let cuts: [Timestamp?] = [nil, Timestamp.parseRFC3339("2024-06-15T12:00:00+08:00")!,
                                     Timestamp.parseRFC3339("2024-07-05T00:00:00+08:00")!]
    static let periods: [Period] = [.month(2024, 3), .month(2024, 6), .quarter(2024, 2),
                                    try! Period.parse("2024-06-10..2024-06-20"), .month(2024, 12)]

    /// Every option the property is checked under.
    static let options: [ProjectionOptions] = attributions.flatMap { attribution in
        channels.flatMap { channel in cuts.map { ProjectionOptions(attribution: attribution, channel: channel, asOf: $0) } }
    }

    /// A generated log whose tickets are spread over channels by number: a fifth have no
    /// `channel` (the hotline), some are on the mailbox or the web, some name the hotline with an
    /// escape (`hot\u006cine`: the validating decoder's path), the rest are on the hotline.
    static func mixedChannelLog(seed: UInt64, tickets: Int = 500, units: Int = 8) throws -> String {
        let bytes = WorkloadGenerator(WorkloadConfiguration(tickets: tickets, seed: seed, units: units)).bytes()
        var out = ""
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            var text = String(line)
            if text.contains("\"type\":\"accepted\""), let number = ticketNumber(text) {
                let channel: String? = switch number % 10 {
                case 0, 5: nil
                case 3, 8: "mailbox"
                case 7: "web"
                case 4: "hot\\u006cine"
                default: "hotline"
                }
                text = text.replacingOccurrences(of: ",\"channel\":\"hotline\"", with: channel.map { ",\"channel\":\"\($0)\"" } ?? "")
            }
            out += text + "\n"
        }
        let path = NSTemporaryDirectory() + "ledger-counting-\(UUID().uuidString).jsonl"
        try out.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func ticketNumber(_ line: String) -> Int? {
        guard let start = line.range(of: "\"ticket\":\"")?.upperBound,
              let end = line[start...].firstIndex(of: "\"") else { return nil }
        return Int(line[start..<end].drop { !$0.isNumber })
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func tableBulletinAndExplainCountAlikeOnGeneratedLogs(seed: UInt64) throws {
        let path = try Self.mixedChannelLog(seed: seed)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let options = Self.options

        // The table, three ways: the block fold (small blocks), the line-by-line replay, and
        // the in-place and event folds fed by hand.
        var scanned = options.map { Projection(options: $0) }
        var replay = LogReplay(path: path)
        replay.parallelism = 2
        replay.blockSize = 4096
        let summary = try replay.run(into: &scanned)
        #expect(summary.problems.isEmpty)
        #expect(summary.events > 1_500)
        var lines = options.map { Projection(options: $0) }
        replay.parallelism = 1
        _ = try replay.run(into: &lines)

        var unitNames = Set<String>()
        _ = try LogReplay(path: path).forEachValidEvent { event, line, _ in
            if let unit = event.unit { unitNames.insert(unit.string(in: line)) }
        }
        let units = unitNames.sorted() + ["不存在的单位"]
        #expect(units.count >= 5)

        var inPlace = options.map { Projection(options: $0) }
        var byEvent = options.map { Projection(options: $0) }
        var bulletins = options.map { BulletinFold(options: $0) }
        var explainers = options.map { option in
            Self.periods.map { period in units.map { Explainer(unit: $0, period: period, rules: .yueyangHotline, options: option) } }
        }
        var decoder = EventDecoder()
        _ = try LogReplay(path: path).forEachValidEvent { event, line, number in
            let value = try! decoder.decodeEvent(line)
            for i in options.indices {
                inPlace[i].apply(event, in: line)
                byEvent[i].apply(value)
                bulletins[i].apply(event, in: line)
                for p in Self.periods.indices {
                    for u in units.indices { explainers[i][p][u].apply(event, in: line, lineNumber: number) }
                }
            }
        }

        var checkedRows = 0
        for (i, option) in options.enumerated() {
            for (p, period) in Self.periods.enumerated() {
                let table = scanned[i].counts(period: period)
                let context = "seed \(seed), \(option.attribution), channel \(option.channel ?? "all"), as of \(option.asOf.map { "\($0)" } ?? "-"), \(period)"
                #expect(lines[i].counts(period: period) == table, "\(context)")
                #expect(inPlace[i].counts(period: period) == table, "\(context)")
                #expect(byEvent[i].counts(period: period) == table, "\(context)")

                let bulletin = bulletins[i]
                let overdue = bulletin.overdueTickets(period: period)
                let overdueByAssignment = bulletin.overdueTickets(period: period, byAssignment: true)
                let reworked = bulletin.reworkedTickets(period: period)
                let bulletinCounts = bulletin.counts(period: period)
                var total = UnitCounts()
                for (u, unit) in units.enumerated() {
                    let row = scanned[i].counts(unit: unit, period: period)
                    total += row
                    // Explain's lists add up to the table.
                    let e = explainers[i][p][u].finish()
                    #expect(e.counts == row, "\(unit), \(context)")
                    #expect(e.accepted.count == row.accepted && e.due.count == row.due && e.done.count == row.done
                            && e.onTime.count == row.onTime && e.overdue.count == row.overdue && e.rework.count == row.rework
                            && e.returns.count == row.returns && e.callbacks.count == row.callbacks
                            && e.unsatisfied.count == row.unsatisfied && e.unreachable.count == row.unreachable,
                            "\(unit), \(context)")
                    #expect(Set(e.done).isSubset(of: Set(e.due)) && Set(e.onTime).isSubset(of: Set(e.done))
                            && Set(e.overdue) == Set(e.due).subtracting(e.onTime), "\(unit), \(context)")
                    #expect(e.tickets.filter(\.isDue).count == row.due, "\(unit), \(context)")
                    // The bulletin's lists and counts equal the table's.
                    let overdueTickets = overdue[unit] ?? []
                    #expect(overdueTickets.count == row.overdue, "\(unit), \(context)")
                    #expect(overdueTickets.map(\.ticket).sorted() == e.overdue, "\(unit), \(context)")
                    // As of an instant, a ticket still open is overdue only once its deadline has come.
                    if let cut = option.asOf {
                        for list in [overdueTickets, overdueByAssignment[unit] ?? []] {
                            #expect(list.allSatisfy { $0.closedAt != nil || $0.deadline <= cut }, "\(unit), \(context)")
                        }
                        #expect(e.tickets.allSatisfy { !($0.isPending && $0.isDue) }, "\(unit), \(context)")
                    } else {
                        #expect(!e.tickets.contains(where: \.isPending) && (bulletinCounts[unit]?.pending ?? 0) == 0, "\(unit), \(context)")
                    }
                    let reworkedTickets = reworked[unit] ?? []
                    #expect(reworkedTickets.reduce(0) { $0 + $1.times } == row.rework, "\(unit), \(context)")
                    #expect(Set(reworkedTickets.map(\.ticket)) == Set(e.rework), "\(unit), \(context)")
                    let counts = bulletinCounts[unit] ?? BulletinCounts()
                    #expect(counts.assigned <= row.accepted, "\(unit), \(context)")
                    #expect((overdueByAssignment[unit] ?? []).count == counts.overdue, "\(unit), \(context)")
                    if !row.isEmpty { checkedRows += 1 }
                }
                #expect(total == table.values.reduce(into: UnitCounts()) { $0 += $1 }, "\(context)")
                #expect(bulletin.returnsHistogram(period: period).returns == total.returns, "\(context)")
                #expect(bulletin.assignedTicketCount(period: period) <= total.accepted, "\(context)")
            }
        }
        #expect(checkedRows > 500)

        // The channel filter is one rule: every ticket is on exactly one of the hotline (a
        // missing or escaped channel included), the mailbox and the web.
        for attribution in Self.attributions {
            for cut in Self.cuts {
                func table(_ channel: String?) -> [String: UnitCounts] {
                    let i = options.firstIndex { $0 == ProjectionOptions(attribution: attribution, channel: channel, asOf: cut) }!
                    return scanned[i].counts(period: .year(2024))
                }
                var sum: [String: UnitCounts] = [:]
                for channel in ["hotline", "mailbox", "web"] {
                    let part = table(channel)
                    #expect(!part.isEmpty)
                    for (unit, counts) in part { sum[unit, default: UnitCounts()] += counts }
                }
                #expect(sum == table(nil), "seed \(seed), \(attribution), as of \(cut.map { "\($0)" } ?? "-")")
            }
        }
    }

    @Test func theChannelFilterReadsEveryRepresentationAlike() throws {
        let lines = [
            #"{"id":"a","ticket":"T","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#,
            #"{"id":"a","ticket":"T","type":"accepted","at":"2024-02-01T09:00:00+08:00","channel":"hotline"}"#,
            #"{"id":"a","ticket":"T","type":"accepted","at":"2024-02-01T09:00:00+08:00","channel":"hot\u006cine"}"#,
            #"{"id":"a","ticket":"T","type":"accepted","at":"2024-02-01T09:00:00+08:00","channel":"mailbox"}"#,
        ]
        let expected: [String?: [Bool]] = [nil: [true, true, true, true], "hotline": [true, true, true, false],
                                           "mailbox": [false, false, false, true], "web": [false, false, false, false]]
        for (channel, wanted) in expected {
            let filter = ProjectionOptions(channel: channel).channelFilter
            var decoder = EventDecoder()
            for (line, want) in zip(lines, wanted) {
                var text = line
                text.withUTF8 { buffer in
                    let bytes = UnsafeRawBufferPointer(buffer)
                    let raw = try! decoder.decode(bytes)
                    let event = try! decoder.decodeEvent(bytes)
                    guard case .accepted(let accepted, _, _) = event.body else { Issue.record("not accepted"); return }
                    #expect(filter.includes(raw.channel, in: bytes) == want, "\(channel ?? "all"): \(line)")
                    #expect(filter.includes(accepted) == want, "\(channel ?? "all"): \(line)")
                    #expect(ProjectionOptions(channel: channel).includes(channel: accepted) == want)
                }
            }
        }
    }
}
