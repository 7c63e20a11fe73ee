import Foundation
import Testing
import Events
import TestSupport
@testable import Projections

/// Issue 9: `accepted` events without a `channel` replayed to an empty table under the default
/// (hotline) rule set. A missing channel is the wire format's default channel, the hotline, in
/// every fold: the event fold, the in-place and scanned folds, the bulletin fold and the explainer.
@Suite struct ChannelTests {
    /// Three tickets to 市城管局 in 2024-02: T1 with no channel, T2 on the hotline, T3 on the mailbox.
    static let log = """
    {"id":"a1","ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}
    {"id":"b1","ticket":"T1","type":"assigned","at":"2024-02-01T09:10:00+08:00","unit":"市城管局","due":"2024-02-06T18:00:00+08:00"}
    {"id":"c1","ticket":"T1","type":"closed","at":"2024-02-05T16:00:00+08:00","unit":"市城管局"}
    {"id":"a2","ticket":"T2","type":"accepted","at":"2024-02-02T09:00:00+08:00","channel":"hotline"}
    {"id":"b2","ticket":"T2","type":"assigned","at":"2024-02-02T09:10:00+08:00","unit":"市城管局","due":"2024-02-07T18:00:00+08:00"}
    {"id":"a3","ticket":"T3","type":"accepted","at":"2024-02-03T09:00:00+08:00","channel":"mailbox"}
    {"id":"b3","ticket":"T3","type":"assigned","at":"2024-02-03T09:10:00+08:00","unit":"市城管局","due":"2024-02-08T18:00:00+08:00"}

    """

    static func withLog<T>(_ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("channels-\(UUID().uuidString).jsonl").path
        try log.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    static let february = try! Period.parse("2024-02")

    @Test func aMissingChannelIsTheHotlineInEveryFold() throws {
        try Self.withLog { path in
            let hotline = ProjectionOptions(rules: .yueyangHotline)
            let mailbox = ProjectionOptions(rules: .yueyangMailbox)
            // The replay's scanned fold (Projection+Scan) and the in-place fold.
            var projections = [Projection(options: hotline), Projection(options: mailbox), Projection(options: ProjectionOptions())]
            _ = try LogReplay(path: path).run(into: &projections)
            #expect(projections.map { $0.counts(unit: "市城管局", period: Self.february).accepted } == [2, 1, 3])
            var inPlace = Projection(options: hotline)
            var bulletin = BulletinFold(options: hotline)
            _ = try LogReplay(path: path).forEachValidEvent { event, line, _ in
                inPlace.apply(event, in: line)
                bulletin.apply(event, in: line)
            }
            #expect(inPlace.counts(unit: "市城管局", period: Self.february).accepted == 2)
            #expect(inPlace.counts(unit: "市城管局", period: Self.february).done == 1)
            #expect(bulletin.counts(period: Self.february)["市城管局"]?.assigned == 2)
            // The explainer.
            let (explanation, _) = try LogReplay(path: path).explain(unit: "市城管局", period: Self.february,
                                                                     rules: .yueyangHotline, options: hotline)
            #expect(explanation.counts.accepted == 2)
            // The event fold.
            var script = TicketScript()
            script.accept("T1", "2024-02-01T09:00:00+08:00", channel: nil)
            script.assign("T1", "市城管局", "2024-02-01T09:10:00+08:00", due: "2024-02-06T18:00:00+08:00")
            #expect(script.projection(hotline).counts(unit: "市城管局", period: Self.february).accepted == 1)
            #expect(script.projection(mailbox).counts(unit: "市城管局", period: Self.february).accepted == 0)
        }
    }

    @Test func theCensusCountsThePeriodsAssignmentsByChannel() throws {
        try Self.withLog { path in
            let census = try LogReplay(path: path).channelCensus(period: Self.february, options: ProjectionOptions(rules: .yueyangMailbox))
            #expect(census.assignments == ["hotline": 2, "mailbox": 1])
            #expect(census.others(than: "mailbox").map(\.channel) == ["hotline"])
            #expect(census.others(than: "web").map(\.count) == [2, 1])
        }
    }

    @Test func theCensusOfEventValuesEqualsTheCensusOfTheLog() throws {
        try Self.withLog { path in
            for unit in [nil, "市城管局", "市国资委"] as [String?] {
                let options = ProjectionOptions(rules: .yueyangHotline, asOf: Timestamp.parseRFC3339("2024-02-02T12:00:00+08:00"))
                let fromLog = try LogReplay(path: path).channelCensus(period: Self.february, options: options, unit: unit)
                var fromEvents = ChannelCensus(period: Self.february, options: options, unit: unit)
                var decoder = EventDecoder()
                for var line in Self.log.split(separator: "\n").map(String.init) {
                    fromEvents.apply(try line.withUTF8 { try decoder.decodeEvent(UnsafeRawBufferPointer($0)) })
                }
                #expect(fromEvents.assignments == fromLog.assignments)
                #expect(fromEvents.assignments == (unit == "市国资委" ? [:] : ["hotline": 2]))
            }
        }
    }

    /// The census a file's scan folds block by block (the validator's ticket ids) is the census
    /// of the lines one by one, on a log with channels missing, escaped and many, tickets on
    /// several units (names escaped too), lines the life cycle refuses, and small blocks.
    @Test func theScannedCensusIsTheCensusLineByLine() throws {
        var random = SplitMix64(seed: 9)
        let channels = [nil, "hotline", "mailbox", "web", "mail\\u0062ox", "h\\u00f6tline"] as [String?]
        let units = ["市城管局", "市国资委", "\\u5e02\\u57ce\\u7ba1\\u5c40", "unit A"]
        var lines: [String] = []
        for t in 0..<3_000 {
            let day = 1 + t % 28, month = t % 3 == 0 ? 1 : 2
            let at = String(format: "2024-%02d-%02dT09:%02d:00+08:00", month, day, t % 60)
            let later = String(format: "2024-%02d-%02dT10:%02d:00+08:00", month, day, t % 60)
            if let channel = channels[Int(random.next() % 6)] {
                lines.append(#"{"id":"a\#(t)","ticket":"T\#(t)","type":"accepted","at":"\#(at)","channel":"\#(channel)"}"#)
            } else {
                lines.append(#"{"id":"a\#(t)","ticket":"T\#(t)","type":"accepted","at":"\#(at)"}"#)
            }
            let unit = units[Int(random.next() % 4)]
            lines.append(#"{"id":"b\#(t)","ticket":"T\#(t)","type":"assigned","at":"\#(later)","unit":"\#(unit)","due":"2024-03-20T18:00:00+08:00"}"#)
            // A second assignment while held: refused by the life cycle, not counted.
            if random.next() % 10 == 0 {
                lines.append(#"{"id":"c\#(t)","ticket":"T\#(t)","type":"assigned","at":"\#(later)","unit":"\#(unit)","due":"2024-03-20T18:00:00+08:00"}"#)
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("census-\(UUID().uuidString).jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for unit in [nil, "市城管局", "unit A", "nobody"] as [String?] {
            for asOf in [nil, Timestamp.parseRFC3339("2024-02-14T12:00:00+08:00")] {
                let options = ProjectionOptions(rules: .yueyangHotline, asOf: asOf)
                var scanned = LogReplay(path: path)
                scanned.blockSize = 4_096
                var oneByOne = LogReplay(path: path)
                oneByOne.parallelism = 1
                let census = try scanned.channelCensus(period: Self.february, options: options, unit: unit)
                #expect(census.assignments == (try oneByOne.channelCensus(period: Self.february, options: options, unit: unit)).assignments)
                if unit != "nobody" { #expect(census.assignments.count >= 4) }
                if unit == "市城管局" { #expect(census.assignments.values.reduce(0, +) > 0) }
            }
        }
    }
}
