import Foundation
import Testing
import Events
@testable import Ingest
import Projections

@Test func actionRowExportReplaysToThePublishedTable() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let summary = try importer(actionsMap).run(export: actionsExport, to: .log(dir.file("events.jsonl")))
    #expect(summary.rowsRead == 1012 && summary.newEvents == 1012 && summary.tickets == 248 && summary.written == 1012)
    #expect(summary.encoding == .utf8)
    #expect(try quyuanTable(dir.file("events.jsonl")) == quyuanTable(sample("quyuan-2023-09.jsonl")))
    // The 录入时间 column keeps `recorded`, so the month as known on 1 October reproduces too.
    let october = Timestamp.parseRFC3339("2023-10-01T00:00:00+08:00")!
    #expect(try quyuanTable(dir.file("events.jsonl"), asOf: october) == quyuanTable(sample("quyuan-2023-09.jsonl"), asOf: october))
    // The platform's rating word stays on the event, byte for byte, as an unknown member.
    let text = String(decoding: dir.bytes("events.jsonl")!, as: UTF8.self)
    #expect(text.contains(#""rating":"satisfied","ratingText":"非常满意""#))
    #expect(try LogVerifier.verifyFile(at: dir.file("events.jsonl")) { _ in }.isClean)
}

/// The sample log reduced to what a ticket row can carry, as docs/import.md says: per ticket the
/// accepted event, the last assignment (earlier ones and declines dropped), its extension, the
/// last closure and the last callback; no reworks.
func ticketRowReduction(of path: String, into output: String) throws {
    var events: [String: [Event]] = [:]
    var order: [String] = []
    var decoder = EventDecoder()
    for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
        var copy = String(line)
        let event = try copy.withUTF8 { try decoder.decodeEvent(UnsafeRawBufferPointer($0)) }
        if events[event.ticket] == nil { order.append(event.ticket) }
        events[event.ticket, default: []].append(event)
    }
    var out: [Event] = []
    for ticket in order {
        let list = events[ticket]!
        var kept: [Event] = [list.first { $0.kind == .accepted }!]
        if let assigned = list.last(where: { $0.kind == .assigned }) {
            kept.append(assigned)
            if let extended = list.last(where: { $0.kind == .extended }), extended.at > assigned.at {
                var moved = extended
                moved.at = assigned.at
                kept.append(moved)
            }
        }
        if let closed = list.last(where: { $0.kind == .closed }) { kept.append(closed) }
        if let callback = list.last(where: { $0.kind == .callbackRated }) { kept.append(callback) }
        out += kept.map { var e = $0; e.recorded = nil; e.extraFields = []; return e }
    }
    try out.map { $0.jsonLine() + "\n" }.joined().write(toFile: output, atomically: true, encoding: .utf8)
}

@Test func ticketRowExportDiffersFromThePublishedTableExactlyAsDocumented() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let summary = try importer(ticketsMap).run(export: ticketsExport, to: .log(dir.file("events.jsonl")))
    #expect(summary.encoding == .gb18030)
    #expect(summary.rowsRead == 248 && summary.newEvents == 981)
    #expect(summary.reworksNotImported == 6 && summary.ticketsWithReworks == 6 && summary.declinesNotImported == 5)
    #expect(summary.extensionsAtAssignmentTime == 10)
    try ticketRowReduction(of: sample("quyuan-2023-09.jsonl"), into: dir.file("reduced.jsonl"))
    let imported = try quyuanTable(dir.file("events.jsonl"))
    #expect(imported == (try quyuanTable(dir.file("reduced.jsonl"))))

    // Against the published table (its columns): only the units with reworks differ, in rework and
    // in the callbacks made before a rework; 退单数 (returns, not a published column) loses the declines.
    let published = try quyuanTable(sample("quyuan-2023-09.jsonl"))
    var differences: [String] = []
    var returnsLost = 0
    for (p, i) in zip(published.sorted { $0.unit < $1.unit }, imported.sorted { $0.unit < $1.unit }) {
        #expect(p.unit == i.unit)
        #expect(p.counts.accepted == i.counts.accepted && p.counts.due == i.counts.due && p.counts.done == i.counts.done && p.counts.onTime == i.counts.onTime)
        returnsLost += p.counts.returns - i.counts.returns
        if p.counts.rework != i.counts.rework || p.counts.unsatisfied != i.counts.unsatisfied || p.counts.callbacks != i.counts.callbacks || p.scorecard != i.scorecard {
            differences.append("\(p.unit) rework \(p.counts.rework)→\(i.counts.rework) unsatisfied \(p.counts.unsatisfied)→\(i.counts.unsatisfied) callbacks \(p.counts.callbacks)→\(i.counts.callbacks)")
        }
    }
    #expect(differences.sorted() == [
        "屈原人社局 rework 1→0 unsatisfied 5→5 callbacks 24→24",
        "屈原卫生健康局 rework 2→0 unsatisfied 1→1 callbacks 5→5",
        "屈原教体局 rework 1→0 unsatisfied 1→1 callbacks 14→14",
        "营田镇 rework 2→0 unsatisfied 4→3 callbacks 15→14",
    ], "\(differences.sorted())")
    let septemberDeclines = try String(contentsOfFile: sample("quyuan-2023-09.jsonl"), encoding: .utf8)
        .split(separator: "\n").filter { $0.contains(#""by":"unit""#) && $0.contains(#""at":"2023-09-"#) }.count
    #expect(returnsLost == septemberDeclines)
}

@Test func reimportingTheSameExportAppendsNothing() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let log = dir.file("events.jsonl")
    _ = try importer(actionsMap).run(export: actionsExport, to: .log(log))
    let before = dir.bytes("events.jsonl")
    let again = try importer(actionsMap).run(export: actionsExport, to: .log(log))
    #expect(again.alreadyPresent == 1012 && again.newEvents == 0 && again.written == 0)
    #expect(dir.bytes("events.jsonl") == before)
}

@Test func anOverlappingExportAppendsOnlyWhatIsNew() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    // Two exports cut by date, overlapping by a week: rows up to 09-15, and rows from 09-08 on.
    let (head, lines) = actionExportRows()
    func date(_ line: String) -> Timestamp { ExportTime.parse(line.components(separatedBy: ",")[1], offsetSeconds: 28_800)! }
    let cut1 = ExportTime.parse("2023/9/15 0:00", offsetSeconds: 28_800)!, cut2 = ExportTime.parse("2023/9/8 0:00", offsetSeconds: 28_800)!
    let first = lines.filter { date($0) < cut1 }, second = lines.filter { date($0) >= cut2 }
    try dir.write("a.csv", ([head] + first).joined(separator: "\r\n") + "\r\n")
    try dir.write("b.csv", ([head] + second).joined(separator: "\r\n") + "\r\n")
    let log = dir.file("events.jsonl")
    let a = try importer(actionsMap).run(export: dir.file("a.csv"), to: .log(log))
    let b = try importer(actionsMap).run(export: dir.file("b.csv"), to: .log(log))
    let overlap = lines.filter { date($0) >= cut2 && date($0) < cut1 }.count
    #expect(b.alreadyPresent == overlap)
    #expect(a.written + b.written == 1012)
    #expect(try quyuanTable(log) == quyuanTable(sample("quyuan-2023-09.jsonl")))
}

/// Rows exported twice (the same in every cell) make their events once: the table is the
/// sample's, and an export with the copies gives every event the id an export without them does.
@Test func rowsExportedTwiceAreImportedOnce() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let (head, lines) = actionExportRows()
    // Every callback row and every tenth other row twice, the copies at the end and in place.
    var twice = lines
    for (i, line) in lines.enumerated().reversed() where line.contains(",回访,") || i % 10 == 0 { twice.insert(line, at: i + 1) }
    twice += lines.prefix(5)
    let copies = twice.count - lines.count
    _ = try dir.write("twice.csv", ([head] + twice).joined(separator: "\r\n") + "\r\n")
    let log = dir.file("events.jsonl")
    let summary = try importer(actionsMap).run(export: dir.file("twice.csv"), to: .log(log))
    #expect(summary.repeatedRows == copies && summary.written == 1012)
    #expect(summary.nearCopies == 0 && !summary.lines().contains { $0.hasPrefix("warning:") })
    #expect(summary.lines().contains { $0.contains("; \(copies) copies of an earlier event of the ticket (every field the same") })
    #expect(try quyuanTable(log) == quyuanTable(sample("quyuan-2023-09.jsonl")))
    // The export without the copies: every id is in the log already.
    let again = try importer(actionsMap).run(export: actionsExport, to: .log(log))
    #expect(again.alreadyPresent == 1012 && again.newEvents == 0 && again.repeatedRows == 0)
    // Two callbacks of one ticket at one time that differ in a field are two events.
    let callbacks = export([
        "T1,2023/9/1 9:00,受理,,,,12345热线,,,,,", "T1,2023/9/1 9:10,派单,市城管局,2023/9/6 18:00,,,,,,,",
        "T1,2023/9/2 9:00,办结,市城管局,,,,,,,,",
        "T1,2023/9/3 9:00,回访,市城管局,,满意,,,,,,", "T1,2023/9/3 9:00,回访,市城管局,,不满意,,,,,,",
        "T1,2023/9/3 9:00,回访,市城管局,,满意,,,,,,",
    ])
    _ = try dir.write("callbacks.csv", callbacks)
    let two = try importer(actionsMap).run(export: dir.file("callbacks.csv"), to: .log(dir.file("two.jsonl")))
    #expect(two.repeatedRows == 1 && two.written == 5)
    // The second is a near copy of the first (a rating changed), which the summary names.
    #expect(two.nearCopies == 1 && two.nearCopyRows == [.init(row: 6, earlierRow: 5)])
    #expect(two.lines().contains {
        $0.hasPrefix("warning: 1 event has the type, unit and time of an earlier event of its ticket but other values (row 6, like row 5)")
    })
    #expect((try dir.text("two.jsonl")).contains("/callback-rated/20230903T010000Z/2\""))
    #expect(!(try dir.text("two.jsonl")).contains("/callback-rated/20230903T010000Z/3\""))
    // The same event again after another row changed the ticket in that second is an event of
    // its own: closed, sent back, closed again; assigned, declined, assigned again.
    let changes = export([
        "T1,2023/9/1 9:00,受理,,,,12345热线,,,,,", "T1,2023/9/1 9:10,派单,市城管局,2023/9/6 18:00,,,,,,,",
        "T1,2023/9/2 9:00,办结,市城管局,,,,,,,,", "T1,2023/9/2 9:00,退回,市城管局,2023/9/8 18:00,,,,,,,",
        "T1,2023/9/2 9:00,办结,市城管局,,,,,,,,",
        "T2,2023/9/1 9:00,受理,,,,12345热线,,,,,", "T2,2023/9/1 9:10,派单,市城管局,2023/9/6 18:00,,,,,,,",
        "T2,2023/9/1 9:10,退单,市城管局,,,,,,,,", "T2,2023/9/1 9:10,派单,市城管局,2023/9/6 18:00,,,,,,,",
        "T2,2023/9/2 9:00,办结,市城管局,,,,,,,,",
    ])
    _ = try dir.write("again.csv", changes)
    let kept = try importer(actionsMap).run(export: dir.file("again.csv"), to: .log(dir.file("again.jsonl")))
    #expect(kept.repeatedRows == 0 && kept.written == 10 && kept.nearCopies == 0)
    // Many events at one instant (past the one-by-one comparison): 30 callbacks with a copy of
    // every third, then closed, sent back and closed again, and a copy of the last closure.
    var many = ["T3,2023/9/1 9:00,受理,,,,12345热线,,,,,", "T3,2023/9/1 9:10,派单,市城管局,2023/9/6 18:00,,,,,,,",
                "T3,2023/9/2 9:00,办结,市城管局,,,,,,,,"]
    for k in 0..<30 {
        let callback = "T3,2023/9/3 9:00,回访,市城管局,,\(["满意", "不满意", "联系不上"][k % 3]),,,,,,2023/9/3 10:\(10 + k)"
        many.append(callback)
        if k % 3 == 0 { many.append(callback) }
    }
    many += ["T3,2023/9/3 9:00,退回,市城管局,2023/9/8 18:00,,,,,,,", "T3,2023/9/3 9:00,办结,市城管局,,,,,,,,",
             "T3,2023/9/3 9:00,办结,市城管局,,,,,,,,"]
    _ = try dir.write("many.csv", export(many))
    let manyKept = try importer(actionsMap).run(export: dir.file("many.csv"), to: .log(dir.file("many.jsonl")))
    #expect(manyKept.repeatedRows == 11 && manyKept.written == 3 + 30 + 2)
    // Each callback after the first differs from the one before (or its copy) only in its time of
    // entry: 29 near copies, the first three named, past the one-by-one comparison as before it.
    #expect(manyKept.nearCopies == 29)
    #expect(manyKept.nearCopyRows == [.init(row: 7, earlierRow: 6), .init(row: 8, earlierRow: 7), .init(row: 9, earlierRow: 8)])
    #expect(manyKept.lines().contains {
        $0.hasPrefix("warning: 29 events have the type") && $0.contains("(row 7, like row 6; row 8, like row 7; row 9, like row 8; …)")
    })
    let text = try dir.text("many.jsonl")
    #expect(text.contains("/callback-rated/20230903T010000Z/30\"") && !text.contains("/callback-rated/20230903T010000Z/31\""))
    #expect(text.contains("/closed/20230903T010000Z\"") && !text.contains("/closed/20230903T010000Z/2\""))
}

/// A ticket row exported twice: its events once, and the summary's counts of what ticket rows
/// cannot carry (reworks, declines, extensions) once.
@Test func ticketRowsExportedTwiceAreImportedOnce() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    // The export is in GB18030: its rows as bytes, after the header's line.
    let bytes = Array(FileManager.default.contents(atPath: ticketsExport)!)
    let headerEnd = bytes.firstIndex(of: 0x0A)! + 1
    _ = try dir.write("twice.csv", bytes + bytes[headerEnd...])
    let once = try importer(ticketsMap).run(export: ticketsExport, to: .log(dir.file("once.jsonl")))
    let twice = try importer(ticketsMap).run(export: dir.file("twice.csv"), to: .log(dir.file("twice.jsonl")))
    #expect(once.extensionsAtAssignmentTime > 0 && once.reworksNotImported > 0 && once.declinesNotImported > 0)
    #expect(twice.repeatedRows == once.eventsMade && twice.written == once.written)
    #expect(twice.reworksNotImported == once.reworksNotImported && twice.ticketsWithReworks == once.ticketsWithReworks)
    #expect(twice.declinesNotImported == once.declinesNotImported)
    #expect(twice.extensionsAtAssignmentTime == once.extensionsAtAssignmentTime)
    #expect(once.nearCopies == 0 && twice.nearCopies == 0)
    #expect(dir.bytes("twice.jsonl") == dir.bytes("once.jsonl"))
}

@Test func aRejectedImportLeavesTheLogAsItWas() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let log = dir.file("events.jsonl")
    _ = try importer(actionsMap).run(export: actionsExport, to: .log(log))
    let before = dir.bytes("events.jsonl")
    try dir.write("bad.csv", export(["N1,2023/10/1 9:00,受理,,,,12345热线,,,,,", "N1,2023/10/1 9:30,派单,X局,2023-10-08 18:00,,,,,,,",
                                     "N2,2023/10/1 9:00,办结,X局,,,,,,,,"]))
    let imp = try importer(actionsMap)
    let found = problems { () throws(ImportError) in try imp.run(export: dir.file("bad.csv"), to: .log(log)) }
    #expect(found.map(\.row) == [4] && found.first?.kind == .lifecycle)
    #expect(dir.bytes("events.jsonl") == before)
    // A dry run and an output file never touch the log.
    _ = try importer(actionsMap).run(export: actionsExport, to: .dryRun(log: log))
    let out = try importer(actionsMap).run(export: actionsExport, to: .output(path: dir.file("out.jsonl"), log: nil))
    #expect(out.written == 1012 && dir.bytes("events.jsonl") == before)
    #expect(!FileManager.default.fileExists(atPath: dir.file("out.jsonl.importing-\(getpid())")))
}

@Test func skipBadImportsTheGoodTicketsAndWritesTheBadRowsUnchanged() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let rows = ["G1,2023/10/1 9:00,受理,,,,12345热线,城建,\"路灯,不亮\",,,", "G1,2023/10/1 9:30,派单,X局,2023-10-08 18:00,,,,,,,",
                "B1,2023/10/1 9:00,受理,,,,12345热线,,,,,", "B1,2023/10/1 9:30,派单,X局,2023-13-08 18:00,,,,,,,"]
    try dir.write("mixed.csv", export(rows))
    let summary = try importer(actionsMap).run(export: dir.file("mixed.csv"), to: .log(dir.file("log.jsonl")), skipBad: dir.file("bad.csv"))
    #expect(summary.written == 2 && summary.rejectedRows == 2 && summary.rejectedTickets == 1)
    #expect(summary.problemsByKind == [.badTime: 1])
    #expect(dir.bytes("bad.csv") == [0xEF, 0xBB, 0xBF] + Array(export([rows[2], rows[3]]).utf8))
}
