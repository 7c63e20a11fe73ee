@testable import Events

/// `"2024-02-DDTHH:MM:00+08:00"` from `"DD HH:MM"` (February 2024, Beijing time).
func feb(_ dayTime: String) -> String {
    let parts = dayTime.split(separator: " ")
    return "2024-02-\(parts[0])T\(parts[1]):00+08:00"
}

/// One event line: `{"id":…,"ticket":…,"type":…,"at":…` then `fields` (JSON members, no braces).
func line(_ id: String, _ ticket: String, _ type: String, _ at: String, _ fields: String = "") -> String {
    let time = at.contains("T") ? at : feb(at)
    var text = #"{"id":"\#(id)","ticket":"\#(ticket)","type":"\#(type)","at":"\#(time)""#
    if !fields.isEmpty { text += "," + fields }
    return text + "}"
}

/// A log's text: the lines, each with a newline.
func log(_ lines: String...) -> String { log(lines) }
func log(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }

/// The problems `LogVerifier` reports for `text`, formatted with the file name `events.jsonl`.
func verify(_ text: String) throws -> [String] {
    try verifySummary(text).problems
}

/// The problems and the summary for `text`.
func verifySummary(_ text: String) throws -> (problems: [String], summary: LogVerifier.Summary) {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let path = try dir.write("events.jsonl", text)
    var problems: [String] = []
    let summary = try LogVerifier.verifyFile(at: path) { problems.append($0.formatted(file: "events.jsonl")) }
    return (problems, summary)
}

/// Decodes one line into an event.
func decode(_ text: String) throws(EventProblem) -> Event {
    var decoder = EventDecoder()
    var text = text
    return try text.withUTF8 { bytes in
        Result { () throws(EventProblem) in try decoder.decodeEvent(UnsafeRawBufferPointer(bytes)) }
    }.get()
}

/// The problem decoding `text` reports, or `nil` when it decodes.
func problem(_ text: String) -> EventProblem? {
    do {
        _ = try decode(text)
        return nil
    } catch {
        return error
    }
}

/// A short ticket history used by many tests: accepted, assigned to 市城管局, closed.
func acceptedAssignedClosed(_ ticket: String, prefix: String) -> [String] {
    [
        line("\(prefix)1", ticket, "accepted", "01 09:00", #""channel":"hotline""#),
        line("\(prefix)2", ticket, "assigned", "01 09:30", #""unit":"市城管局","due":"\#(feb("08 18:00"))""#),
        line("\(prefix)3", ticket, "closed", "03 16:00", #""unit":"市城管局","reply":"已清理""#),
    ]
}

/// `text` with the `,"chain":"…"` ending taken off every chained line.
func withoutChain(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
        let bytes = Array(line.utf8)
        guard case .intact(let bodyEnd, _) = bytes.withUnsafeBytes({ ChainMember.ending(of: $0) }) else { return String(line) }
        return String(decoding: bytes[..<bodyEnd], as: UTF8.self) + "}"
    }.joined(separator: "\n")
}
