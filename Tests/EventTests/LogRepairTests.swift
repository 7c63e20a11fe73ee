import Testing
@testable import Events

private let fixedNow = Timestamp.parseRFC3339("2024-03-01T10:00:05+08:00")!

private func repair(_ path: String) throws(LogFileError) -> LogRepair.Report {
    var repair = LogRepair(path: path)
    repair.clock = { fixedNow }
    return try repair.repair()
}

@Test func repairMovesATornTailAsideAndAppendingWorksAgain() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let sound = log(acceptedAssignedClosed("T1", prefix: "a"))
    let tornBytes = #"{"id":"a4","ticket":"T1","type":"callback-ra"#
    let path = try dir.write("events.jsonl", sound + tornBytes)
    let report = try repair(path)
    #expect(report == LogRepair.Report(tornByteCount: Int64(tornBytes.utf8.count), sideFile: path + ".torn-20240301T020005Z",
                                       logByteCount: Int64(sound.utf8.count), tornLineIsCompleteEvent: false))
    #expect(try dir.read("events.jsonl") == Array(sound.utf8))
    #expect(try dir.read("events.jsonl.torn-20240301T020005Z") == Array(tornBytes.utf8))
    #expect(try verify(sound) == [])
    var appender = LogAppender(path: path)
    appender.clock = { fixedNow }
    #expect(try appender.append(batch: Array(line("b1", "T2", "accepted", "02 09:00").utf8)).eventCount == 1)
}

@Test func repairNeverOverwritesAnEarlierSideFile() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try dir.write("events.jsonl", log(acceptedAssignedClosed("T1", prefix: "a")) + "first")
    _ = try repair(path)
    try dir.write("events.jsonl", String(decoding: try dir.read("events.jsonl"), as: UTF8.self) + "second")
    let report = try repair(path)
    #expect(report.sideFile == path + ".torn-20240301T020005Z-2")
    #expect(try dir.read("events.jsonl.torn-20240301T020005Z") == Array("first".utf8))
    #expect(try dir.read("events.jsonl.torn-20240301T020005Z-2") == Array("second".utf8))
}

@Test func repairLeavesASoundLogAlone() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let sound = log(acceptedAssignedClosed("T1", prefix: "a"))
    let path = try dir.write("events.jsonl", sound)
    let report = try repair(path)
    #expect(report.tornByteCount == 0)
    #expect(report.sideFile == nil)
    #expect(try dir.read("events.jsonl") == Array(sound.utf8))
    #expect(try dir.listing() == ["events.jsonl"])
}

@Test func repairNoticesACompleteEventThatOnlyLacksItsNewline() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let last = line("a4", "T1", "callback-rated", "10 10:00", #""unit":"市城管局","rating":"satisfied""#)
    let path = try dir.write("events.jsonl", log(acceptedAssignedClosed("T1", prefix: "a")) + last)
    let report = try repair(path)
    #expect(report.tornLineIsCompleteEvent)
    #expect(try dir.read("events.jsonl.torn-20240301T020005Z") == Array(last.utf8))
}

@Test func repairOfALogWithoutAnyNewlineMovesEverything() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let garbage = String(repeating: "x", count: 200_000)
    let path = try dir.write("events.jsonl", garbage)
    let report = try repair(path)
    #expect(report.tornByteCount == 200_000)
    #expect(try dir.read("events.jsonl").isEmpty)
    #expect(try dir.read("events.jsonl.torn-20240301T020005Z").count == 200_000)
}

@Test func repairOfAMissingLogFails() {
    let error = #expect(throws: LogFileError.self) { try repair("/nonexistent/events.jsonl") }
    #expect(error?.path == "/nonexistent/events.jsonl")
    #expect(error?.description == "/nonexistent/events.jsonl: cannot open the file: No such file or directory")
}
