import Foundation
import Testing
import Events
@testable import Ingest

private func run(_ text: [UInt8], encoding: ExportEncoding? = nil, maxRowBytes: Int? = nil, log: String? = nil) throws -> (ImportSummary?, [RowProblem]) {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("x.csv", text)
    var imp = try importer(actionsMap)
    if let encoding { imp.mapping.encoding = encoding }
    if let maxRowBytes { imp.maxRowBytes = maxRowBytes }
    var summary: ImportSummary?
    let found = problems { () throws(ImportError) in
        let s = try imp.run(export: dir.file("x.csv"), to: .dryRun(log: log))
        summary = s
        return s
    }
    return (summary, found)
}

@Test func everyKindOfBadRowIsNamedWithItsRowAndColumn() throws {
    let rows = [
        "T1,2023/9/1 9:00,受理,,,,12345热线,\"城市,管理\",\"两行\n的话题\",,,",   // row 2 (two lines)
        "T1,2023/9/31 9:00,派单,X局,2023-10-08 18:00,,,,,,,",                      // 3: no 31 September
        "T2,2023/9/2 9:00,转办,X局,,,,,,,,",                                        // 4: unknown action
        "T3,2023/9/2 9:00,回访,X局,,很好,,,,,,",                                    // 5: unknown rating
        ",2023/9/2 9:00,受理,,,,,,,,,",                                             // 6: no ticket
        "T4,2023/9/2 9:00,受理,,,,电台,,,,,",                                       // 7: unknown channel
        "T5,2023/9/2 9:00,受理,,,,,,,,",                                            // 8: 11 cells
        "T6,2023/9/2 9:00,办结,X局,,,,,,,,",                                        // 9: closed, never accepted
        "T7,2023/9/2 9:00,受理,,,,,,,,,", "T7,2023/9/2 9:10,派单,X局,,,,,,,,",     // 11: no deadline
        "T8,2023/9/2 9:00,受理,,,,,,,,,", "T8,2023/9/2 9:10,派单,,2023-09-09,,,,,,,", // 13: no unit
        "T9,,受理,,,,,,,,,",                                                        // 14: no time
    ]
    let (_, found) = try run(Array(export(rows).utf8))
    let seen = found.map { "\($0.row) \($0.kind) \($0.column ?? "-")" }
    #expect(seen == ["3 badTime 操作时间", "4 unknownAction 操作类型", "5 unknownRating 回访结果", "6 emptyCell 工单编号",
                     "7 unknownChannel 来源渠道", "8 cellCount -", "9 lifecycle -", "11 emptyCell 办理时限",
                     "13 emptyCell 承办单位", "14 emptyCell 操作时间"])
    #expect(found[0].formatted(file: "x.csv") == #"x.csv:3: column '操作时间': cannot read "2023/9/31 9:00" as a date-time (forms: 2024/2/3 9:15, 2024-02-03 09:15:00)"#)
}

@Test func emptyHeaderOnlyAndMissingColumnsAreRefused() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    for (name, text, expected) in [("empty.csv", "", "empty"), ("header.csv", header + "\r\n", "header but no rows"),
                                   ("bom.csv", "\u{FEFF}" + header, "header but no rows")] {
        try dir.write(name, text)
        let imp = try importer(actionsMap)
        #expect(throws: ImportError.self) { try imp.run(export: dir.file(name), to: .dryRun(log: nil)) }
        do { _ = try imp.run(export: dir.file(name), to: .dryRun(log: nil)) } catch { #expect("\(error)".contains(expected)) }
    }
    let (_, found) = try run(Array("工单编号,操作时间\r\nT1,2023/9/1 9:00\r\n".utf8))
    #expect(found.first?.row == 1 && found.first?.kind == .missingColumn && found.first?.column == "操作类型")
}

@Test func malformedQuotingRunawayRowsAndBadBytesStopWithTheRow() throws {
    let ok = "T1,2023/9/1 9:00,受理,,,,,,,,,"
    func first(_ bytes: [UInt8], _ encoding: ExportEncoding? = nil, max: Int? = nil) throws -> RowProblem? {
        try run(bytes, encoding: encoding, maxRowBytes: max).1.first
    }
    let quote = try first(Array(export([ok, "T1,2023/9/1 9:10,派单,\"X\"局,,,,,,,,"]).utf8))
    #expect(quote?.row == 3 && quote?.kind == .malformedCSV)
    let bare = try first(Array(export([ok, "T1,2023/9/1 9:10,派单,X\"局,,,,,,,,"]).utf8))
    #expect(bare?.row == 3 && bare?.kind == .malformedCSV)
    let unclosed = try first(Array(export([ok, "T1,2023/9/1 9:10,派单,\"X局,,,,,,,,"]).utf8))
    #expect(unclosed?.row == 3 && unclosed?.kind == .malformedCSV && unclosed?.message.contains("never closed") == true)
    // An endless line is bounded: the row limit stops it without reading it whole.
    let endless = Array(export([ok]).utf8) + [UInt8](repeating: 0x61, count: 3 << 20)
    let runaway = try first(endless, max: 1 << 16)
    #expect(runaway?.row == 3 && runaway?.kind == .rowTooLong)
    // Bytes that are not UTF-8, and bytes that are not GB18030.
    let badUTF8 = Array(export([ok]).utf8) + Array("T1,2023/9/1 9:10,派单,".utf8) + [0xC3, 0x28] + Array(",,,,,,,,\r\n".utf8)
    let u = try first(badUTF8, .utf8)
    #expect(u?.row == 3 && u?.kind == .encoding)
    let gb = Array(try #require(export([ok]).data(using: .init(rawValue: 0x80000632)))) + [0xFF, 0xFF] + Array(",\r\n".utf8)
    let g = try first(gb, .gb18030)
    #expect(g?.row == 3 && g?.kind == .encoding && g?.message.contains("FF FF") == true)
}

@Test func gb18030AndGBKExportsReadAlikeAndAreDetected() throws {
    let rows = ["T1,2023/9/1 9:00,受理,,,,市长信箱,城乡建设,\"路灯\"\"不亮\"\"\",,,", "T1,2023/9/1 9:10,派单,屈原住建局,2023-09-08 18:00,,,,,,,",
                "T1,2023/9/2 9:10,办结,屈原住建局,,,,,,,\"已修复，\n已回复\",", "T1,2023/9/3 9:10,回访,屈原住建局,,非常满意,,,,,,"]
    let text = export(rows)
    let gbBytes = Array(try #require(text.data(using: .init(rawValue: 0x80000632))))  // GB18030
    #expect(gbBytes != Array(text.utf8))
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    var outputs: [[UInt8]] = []
    for (name, bytes, encoding) in [("utf8.csv", [0xEF, 0xBB, 0xBF] + Array(text.utf8), ExportEncoding.auto), ("gb-auto.csv", gbBytes, .auto),
                                    ("gb.csv", gbBytes, .gb18030), ("gbk.csv", gbBytes, .gbk)] {
        try dir.write(name, bytes)
        var imp = try importer(actionsMap)
        imp.mapping.encoding = encoding
        let summary = try imp.run(export: dir.file(name), to: .output(path: dir.file(name + ".jsonl"), log: nil))
        #expect(summary.encoding == (name == "utf8.csv" ? .utf8 : encoding == .auto ? .gb18030 : encoding))
        #expect(summary.written == 4)
        outputs.append(dir.bytes(name + ".jsonl")!)
    }
    #expect(Set(outputs).count == 1)
    let line = String(decoding: outputs[0], as: UTF8.self)
    #expect(line.contains(#""channel":"mailbox","category":"城乡建设","topic":"路灯\"不亮\"""#))
    #expect(line.contains(#""reply":"已修复，\n已回复""#))
    #expect(line.contains(#""ratingText":"非常满意""#))
}

@Test func quotedCellsWithCommasAndLineBreaksKeepRowNumbers() throws {
    let rows = ["T1,2023/9/1 9:00,受理,,,,,\"a,b\",\"line1\r\nline2\nline3\",,,",
                "T1,2023/9/1 9:10,派单,\"X,局\",2023-09-08 18:00,,,,,,,",
                "T1,2023/9/1 9:20,办结,\"X,局\",,,,,,,\"\"\"ok\"\"\",",
                "T1,2023/9/1 9:30,回访,X局,,满意,,,,,,"]
    let (_, found) = try run(Array(export(rows).utf8))
    // The callback names a unit that never closed the ticket: row 5, although the file's line 7.
    #expect(found.map(\.row) == [5])
}

@Test func exportDateTimesAndOffsets() throws {
    let z: Int32 = 28_800
    let expected = Timestamp.parseRFC3339("2024-02-03T09:15:00+08:00")!
    for text in ["2024/2/3 9:15", "2024-02-03 09:15:00", "2024-02-03T09:15", "2024.2.3 9:15:00", "2024年2月3日 9:15", " 2024/02/03 09:15 ",
                 "2024-02-03 01:15:00Z", "2024-02-03T09:15:00+08:00"] {
        #expect(ExportTime.parse(text.trimmingCharacters(in: .whitespaces), offsetSeconds: z) == expected, "\(text)")
    }
    // Fractions: nanoseconds kept; a tenth digit only when it is zero (finer times are refused, not cut).
    #expect(ExportTime.parse("2024-02-03 09:15:00.1234567", offsetSeconds: z)?.nanoseconds == expected.nanoseconds + 123_456_700)
    #expect(ExportTime.parse("2024-02-03 09:15:00.1234567890", offsetSeconds: z)?.nanoseconds == expected.nanoseconds + 123_456_789)
    for bad in ["2023/2/29 9:00", "2024/2/3", "2024/2/3 25:00", "2024/13/1 9:00", "24/2/3 9:15", "2024/2/3 9:15 PM", "",
                "2024-02-03 09:15:00.0000000001", "2024-02-03 09:15:00.", "2024-02-03 09:15:59.9999999999"] {
        #expect(ExportTime.parse(bad, offsetSeconds: z) == nil, "\(bad)")
    }
    // Why a date-time of a right form is refused.
    #expect(ExportTime.unsupportedReason("2024-02-03 09:15:00.1234567891")?.hasPrefix("fractional seconds finer than a nanosecond") == true)
    #expect(ExportTime.unsupportedReason("2262-01-01 09:15") == "year 2262 is outside the supported range 1678–2261")
    #expect(ExportTime.unsupportedReason("2024-02-03 09:15:00.1234567890") == nil)
    #expect(ExportTime.unsupportedReason("2024/2/3 9:1x") == nil)
    #expect(ExportTime.parse("2024/2/3", offsetSeconds: z, dateOnly: .endOfDay) == Timestamp.parseRFC3339("2024-02-03T23:59:59+08:00"))
    #expect(ExportTime.parse("2024/2/3 9:15", offsetSeconds: 0) == Timestamp.parseRFC3339("2024-02-03T09:15:00Z"))
    #expect(ExportTime.parseOffset("+08:00") == 28_800 && ExportTime.parseOffset("-05:30") == -19_800 && ExportTime.parseOffset("UTC") == 0)
    #expect(ExportTime.parseOffset("8") == nil)
}

@Test func unsortedRowsAreOrderedPerTicketAndIdsAreDeterministic() throws {
    let rows = ["T1,2023/9/3 9:10,回访,X局,,满意,,,,,,", "T1,2023/9/1 9:10,派单,X局,2023-09-08 18:00,,,,,,,",
                "T1,2023/9/2 9:10,办结,X局,,,,,,,,", "T1,2023/9/1 9:00,受理,,,,,,,,,",
                "T1,2023/9/3 9:10,回访,X局,,不满意,,,,,,"]
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    try dir.write("x.csv", export(rows))
    _ = try importer(actionsMap).run(export: dir.file("x.csv"), to: .output(path: dir.file("out.jsonl"), log: nil))
    let ids = String(decoding: dir.bytes("out.jsonl")!, as: UTF8.self).split(separator: "\n").map { String($0.split(separator: "\"")[3]) }
    #expect(ids == ["T1/accepted/20230901T010000Z", "T1/assigned/20230901T011000Z", "T1/closed/20230902T011000Z",
                    "T1/callback-rated/20230903T011000Z", "T1/callback-rated/20230903T011000Z/2"])
}

@Test func rowsSpilledToDiskGiveTheSameEventsProblemsAndOrder() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    // The sample, held in memory and spilled after every row, read back two tickets at a time.
    var spilling = try importer(actionsMap)
    spilling.spillThreshold = 1
    spilling.spillTicketsPerPartition = 2
    let inMemory = try importer(actionsMap).run(export: actionsExport, to: .output(path: dir.file("memory.jsonl"), log: nil))
    let spilled = try spilling.run(export: actionsExport, to: .output(path: dir.file("spilled.jsonl"), log: nil))
    #expect(dir.bytes("memory.jsonl") == dir.bytes("spilled.jsonl"))
    #expect(inMemory == spilled)
    // Unsorted rows, a bad ticket and a life-cycle violation: the same problems and rejected rows.
    let rows = ["T2,2023/9/2 9:00,受理,,,,,,,,,", "T1,2023/9/3 9:10,回访,X局,,满意,,,,,,", "T1,2023/9/1 9:10,派单,X局,2023-09-08 18:00,,,,,,,",
                "T3,2023/9/1 9:00,受理,,,,,,,,,", "T2,2023/9/2 8:00,派单,Y局,2023-09-08 18:00,,,,,,,", "T1,2023/9/1 9:00,受理,,,,,,,,,",
                "T3,2023/9/1 9:30,派单,,,,,,,,,", "T1,2023/9/2 9:10,办结,X局,,,,,,,,", "T4,2023/9/1 9:00,受理,,,,,,,,,"]
    try dir.write("x.csv", export(rows))
    let a = try importer(actionsMap).run(export: dir.file("x.csv"), to: .output(path: dir.file("a.jsonl"), log: nil), skipBad: dir.file("a-bad.csv"))
    let b = try spilling.run(export: dir.file("x.csv"), to: .output(path: dir.file("b.jsonl"), log: nil), skipBad: dir.file("b-bad.csv"))
    #expect(a == b && a.rejectedTickets == 2 && a.newEvents == 5)
    #expect(dir.bytes("a.jsonl") == dir.bytes("b.jsonl") && dir.bytes("a-bad.csv") == dir.bytes("b-bad.csv"))
    let plain = try importer(actionsMap)
    #expect(problems { () throws(ImportError) in try plain.run(export: dir.file("x.csv"), to: .dryRun(log: nil)) }
            == problems { () throws(ImportError) in try spilling.run(export: dir.file("x.csv"), to: .dryRun(log: nil)) })
}

/// A mapping is read by the package's strict JSON parser: a repeated key, which a lenient parser
/// would resolve silently, is refused naming its field; a syntax error names its line and column;
/// bytes that are not UTF-8 are refused.
@Test func mappingRefusesRepeatedKeysAndNamesSyntaxErrors() throws {
    func message(_ text: [UInt8]) -> String? {
        do { _ = try ImportMapping.parse(Data(text)); return nil } catch { return error.message }
    }
    let sample = try ImportMapping.parse(Data(contentsOf: URL(fileURLWithPath: actionsMap)))
    #expect(sample.shape == .actions && !sample.actions.isEmpty)
    let repeated = #"{"shape": "tickets", "shape": "actions", "columns": {}}"#
    #expect(message(Array(repeated.utf8)) == "field 'shape': duplicate key (each key may appear only once in an object)")
    let nestedRepeat = #"{"shape": "actions", "columns": {"ticket": "a", "ticket": "b"}}"#
    #expect(message(Array(nestedRepeat.utf8)) == "field 'columns.ticket': duplicate key (each key may appear only once in an object)")
    #expect(message(Array("{\"shape\": \"actions\",\n \"columns\": {,}}".utf8)) == "not valid JSON (line 2, column 14: a quoted key expected)")
    #expect(message([0x7B, 0xFF, 0x7D]) == "not valid JSON (the file must be UTF-8)")
    #expect(message(Array("[1]".utf8)) == "the mapping must be a JSON object")
    // An empty channel would write "channel":"" events that no rule set counts.
    let emptyChannel = #"{"shape": "actions", "columns": {"ticket": "a", "time": "b", "action": "c", "unit": "d", "due": "e"}, "actions": {"受理": "accepted"}, "channels": {"x": ""}}"#
    #expect(message(Array(emptyChannel.utf8)) == #"field 'channels.x': must name a channel, not """#)
}
