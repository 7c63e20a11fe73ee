import Foundation
import Testing
import Events
@testable import Ingest

/// The error of an import that must be refused before it reads or writes anything.
private func refusal(_ run: () throws(ImportError) -> ImportSummary) -> String? {
    do {
        _ = try run()
        return nil
    } catch {
        return "\(error)"
    }
}

@Test func importRefusesToWriteOverItsOwnInputs() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let csv = try dir.write("x.csv", try Data(contentsOf: URL(fileURLWithPath: actionsExport)).map { $0 })
    let log = dir.file("events.jsonl")
    let imp = try importer(actionsMap)
    _ = try imp.run(export: csv, to: .log(log))
    let (logBytes, csvBytes) = (try dir.read("events.jsonl"), try dir.read("x.csv"))
    try FileManager.default.createSymbolicLink(atPath: dir.file("link.jsonl"), withDestinationPath: log)
    let cases: [(Importer.Destination, String?, String)] = [
        (.output(path: log, log: log), nil, "is the log and the output file at once"),
        (.output(path: dir.file("link.jsonl"), log: log), nil, "is the log and the output file at once"),
        (.output(path: dir.path + "/./x.csv", log: nil), nil, "is the export and the output file at once"),
        (.log(log), log, "is the log and the file for rejected rows at once"),
        (.log(csv), nil, "is the export and the log at once"),
        (.output(path: dir.file("new.jsonl"), log: log), dir.path + "/../" + URL(fileURLWithPath: dir.path).lastPathComponent + "/new.jsonl",
         "is the output file and the file for rejected rows at once"),
    ]
    for (destination, skipBad, message) in cases {
        let found = refusal { () throws(ImportError) in try imp.run(export: csv, to: destination, skipBad: skipBad) }
        #expect(found?.hasSuffix(message + "; nothing was imported") == true, "\(destination) \(skipBad ?? "-"): \(found ?? "imported")")
    }
    #expect(try dir.read("events.jsonl") == logBytes && dir.read("x.csv") == csvBytes)
    #expect(!FileManager.default.fileExists(atPath: dir.file("new.jsonl")))
    // Different files are no collision.
    let written = try imp.run(export: csv, to: .output(path: dir.file("out.jsonl"), log: nil), skipBad: dir.file("bad.csv"))
    #expect(written.written == 1_012)
}

@Test func aRowWhoseEventWouldOutgrowTheLogsLineLimitIsABadRow() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let topic = String(repeating: "话", count: 400)  // 1,200 bytes
    let csv = try dir.write("x.csv", export([
        "T1,2023/9/1 9:00,受理,,,,12345热线,,\(topic),,,",
        "T2,2023/9/1 9:05,受理,,,,12345热线,,短,,,",
    ]))
    var imp = try importer(actionsMap)
    imp.maxLineBytes = 1_000
    let found = problems { () throws(ImportError) in try imp.run(export: csv, to: .log(dir.file("events.jsonl"))) }
    #expect(found.map(\.row) == [2] && found.map(\.kind) == [.lineTooLong])
    #expect(found.first?.message.contains("more than the 1,000 bytes a log line may have") == true)
    #expect(!FileManager.default.fileExists(atPath: dir.file("events.jsonl")))
    // With --skip-bad the other ticket goes in, and the log reads back under the same limit.
    let summary = try imp.run(export: csv, to: .log(dir.file("events.jsonl")), skipBad: dir.file("bad.csv"))
    #expect(summary.written == 1 && summary.rejectedRows == 1)
    var reader = LogReader(path: dir.file("events.jsonl"))
    reader.maxLineBytes = 1_000
    var lines = 0
    try reader.forEachLine { _ in lines += 1 }
    #expect(lines == 1)
    // A limit that leaves room for the line and a chain member takes both.
    imp.maxLineBytes = 1 << 20
    #expect(try imp.run(export: csv, to: .output(path: dir.file("all.jsonl"), log: nil)).written == 2)
}
