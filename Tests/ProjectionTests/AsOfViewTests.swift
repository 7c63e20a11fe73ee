import Events
import Testing
@testable import Projections

/// The view as of a time: whether a replay found it a prefix, and the problems of one that is not.
@Suite struct AsOfViewTests {
    static let lines = [
        #"{"id":"d1","ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#,
        #"{"id":"d2","ticket":"T1","type":"assigned","at":"2024-02-01T10:00:00+08:00","unit":"U1","due":"2024-02-10T18:00:00+08:00"}"#,
        #"{"id":"d3","ticket":"T1","type":"closed","at":"2024-02-05T10:00:00+08:00","recorded":"2024-03-20T10:00:00+08:00","unit":"U1"}"#,
        #"{"id":"d4","ticket":"T1","type":"callback-rated","at":"2024-02-06T10:00:00+08:00","unit":"U1","rating":"unsatisfied"}"#,
    ]

    static func summary(_ lines: [String], asOf: Timestamp?, parallelism: Int) throws -> (LogReplay.Summary, LogReplay) {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("log.jsonl", lines.joined(separator: "\n") + "\n")
        var replay = LogReplay(path: path)
        replay.parallelism = parallelism
        var projections = [Projection(options: ProjectionOptions(rules: .yueyangHotline, asOf: asOf))]
        return (try replay.run(into: &projections), replay)
    }

    @Test(arguments: [1, 2])
    func aReplayAsOfATimeTellsWhetherTheLogWasRecordedInOrder(parallelism: Int) throws {
        let march = Timestamp.parseRFC3339("2024-03-01T00:00:00+08:00")!
        #expect(try Self.summary(Self.lines, asOf: march, parallelism: parallelism).0.recordedInOrder == false)
        #expect(try Self.summary(Self.lines, asOf: nil, parallelism: parallelism).0.recordedInOrder == nil)
        let inOrder = Self.lines.enumerated().filter { $0.offset != 2 }.map(\.element)
            .map { $0.replacingOccurrences(of: #""callback-rated""#, with: #""closed""#).replacingOccurrences(of: #","rating":"unsatisfied""#, with: "") }
        #expect(try Self.summary(inOrder, asOf: march, parallelism: parallelism).0.recordedInOrder == true)
    }

    @Test func theViewsProblemsNameTheLines() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("log.jsonl", Self.lines.joined(separator: "\n") + "\n")
        let replay = LogReplay(path: path)
        let march = try replay.asOfViewProblems(Timestamp.parseRFC3339("2024-03-01T00:00:00+08:00")!)
        #expect(march.count == 1 && march.first.map(\.line) == [4])
        #expect(try replay.asOfViewProblems(Timestamp.parseRFC3339("2024-03-20T10:00:00+08:00")!).count == 0)
        #expect(try replay.asOfViewProblems(Timestamp.parseRFC3339("2024-01-01T00:00:00+08:00")!).count == 0)
    }
}
