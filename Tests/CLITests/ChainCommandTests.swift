import Foundation
import Testing

/// The head of `samples/chained.jsonl`, and its head as of 2024-03-01 (line 37).
private let sampleHead = "e5f9de0cca3afb6fcd3206f89d3986b1381ac8696037ef2021f83edcae601dd2"
private let marchHead = "cae0d709921031a7dba3fe800d4385c78e778557e54deb50ce7184c625a70430"
private let march = "2024-03-01T00:00:00+08:00"

private let history = [
    eventLine("a1", "T1", "accepted", "01 09:00", #""channel":"hotline","recorded":"2024-02-01T09:05:00+08:00""#),
    eventLine("a2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"2024-02-08T18:00:00+08:00","recorded":"2024-02-01T09:35:00+08:00""#),
    eventLine("a3", "T1", "closed", "03 10:00", #""unit":"市城管局","reply":"已处理","recorded":"2024-02-03T10:05:00+08:00""#),
]

/// `text` with its first occurrence of `old` replaced by `new`.
private func replacing(_ old: String, with new: String, in text: String) -> String {
    text.replacingOccurrences(of: old, with: new, range: text.range(of: old))
}

@Test func verifyShowsTheChainHeadOfTheChainedSample() throws {
    let result = try LedgerCLI.run(["verify", "--require-chain", "samples/chained.jsonl"])
    #expect(result.status == 0)
    #expect(result.stdout == "38 events, 8 tickets, 0 errors; chain head \(sampleHead)\n")
}

@Test func theChainedSampleHoldsTheEventsOfTheSample() throws {
    let root = LedgerCLI.packageRoot.path
    let plain = try String(contentsOfFile: root + "/samples/events.jsonl", encoding: .utf8).split(separator: "\n")
    let chained = try String(contentsOfFile: root + "/samples/chained.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(plain.count == chained.count)
    for (original, sealed) in zip(plain, chained) {
        // The chained line is the original with `recorded` (its `at`, where it had none) and `chain` added.
        let at = original.firstRange(of: #""at":""#).map { original[$0.upperBound...].prefix(25) } ?? ""
        var expected = String(original)
        if !original.contains(#""recorded""#) { expected = String(expected.dropLast()) + #","recorded":"\#(at)"}"# }
        #expect(sealed.hasPrefix(expected.dropLast() + #","chain":""#), "\(sealed)")
        #expect(sealed.count == expected.count - 1 + 76, "nothing else added")
    }
}

@Test func digestPrintsTheHeadToQuote() throws {
    let whole = try LedgerCLI.run(["digest", "samples/chained.jsonl"])
    #expect(whole.status == 0)
    #expect(whole.stdout == "\(sampleHead)  line 38  (38 events)\n")
    let asOf = try LedgerCLI.run(["digest", "samples/chained.jsonl", "--as-of", march])
    #expect(asOf.stdout == "\(marchHead)  line 37  (37 events, as of \(march))\n")
    let json = try LedgerCLI.run(["digest", "samples/chained.jsonl", "--as-of=\(march)", "--format", "json"])
    #expect(json.stdout == #"{"log": "samples/chained.jsonl", "head": "\#(marchHead)", "line": 37, "events": 37, "asOf": "\#(march)"}"# + "\n")
    let fromStdin = try LedgerCLI.run(["digest", "-"], input: try String(contentsOfFile: LedgerCLI.packageRoot.path + "/samples/chained.jsonl", encoding: .utf8))
    #expect(fromStdin.stdout == whole.stdout)
}

@Test func digestExpectChecksAQuotedHead() throws {
    let same = try LedgerCLI.run(["digest", "samples/chained.jsonl", "--as-of", march, "--expect", marchHead.uppercased()])
    #expect(same.status == 0)
    #expect(same.stdout == "\(marchHead)  line 37  (37 events, as of \(march))\nmatches the expected head\n")
    let other = try LedgerCLI.run(["digest", "samples/chained.jsonl", "--expect", marchHead, "--format", "json"])
    #expect(other.status == 1)
    #expect(other.stdout.hasSuffix(#""matches": false}"# + "\n"))
    #expect(other.stderr == "Error: the chain head is \(sampleHead), not the expected \(marchHead): lines up to line 38 were changed, added or removed since the expected head was taken (or it was taken as of another time)\n")
    #expect(try LedgerCLI.run(["digest", "samples/chained.jsonl", "--expect", "3f2a"]).status == 64)
    #expect(try LedgerCLI.run(["digest", "samples/chained.jsonl", "--format", "csv"]).status == 64)
    #expect(try LedgerCLI.run(["digest", "samples/chained.jsonl", "--as-of", "yesterday"]).status == 64)
}

@Test func digestRefusesLogsWithoutAHeadToQuote() throws {
    let plain = try LedgerCLI.run(["digest", "samples/events.jsonl"])
    #expect(plain.status == 1)
    #expect(plain.stderr.hasPrefix("Error: samples/events.jsonl has no hash chain"))
    let early = try LedgerCLI.run(["digest", "samples/chained.jsonl", "--as-of", "2024-01-31T00:00:00+08:00"])
    #expect(early.status == 1)
    #expect(early.stderr == "Error: no line of samples/chained.jsonl was recorded at or before 2024-01-31T00:00:00+08:00\n")

    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let sample = try String(contentsOfFile: LedgerCLI.packageRoot.path + "/samples/chained.jsonl", encoding: .utf8)
    try dir.write("events.jsonl", replacing("楼顶漏水", with: "楼顶渗水", in: sample))
    let edited = try LedgerCLI.run(["digest", "events.jsonl", "--as-of", march, "--expect", marchHead], in: dir.path)
    #expect(edited.status == 1)
    #expect(edited.stdout == "")
    #expect(edited.stderr.hasPrefix("events.jsonl:3: hash chain broken: expected "))
    #expect(edited.stderr.hasSuffix("Error: events.jsonl has 1 problem; a digest is only given for a log that verifies. Run 'ledger-cli verify events.jsonl' to see them\n"))
}

@Test func aChainedLogNamesTheEditedLine() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let appended = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: jsonl(history))
    #expect(appended.status == 0)
    let text = try dir.text("events.jsonl")
    let head = String(text.dropLast(3).suffix(64))
    #expect(appended.stdout == "appended 3 events to events.jsonl; chain head \(head)\n")
    #expect(try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path).stdout == "3 events, 1 ticket, 0 errors; chain head \(head)\n")

    // A later closure time on line 3: the line is named, the others are fine.
    try dir.write("events.jsonl", replacing("2024-02-03T10:00", with: "2024-02-03T19:00", in: text))
    let result = try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path)
    #expect(result.status == 1)
    #expect(result.lines.count == 2)
    #expect(result.lines[0].hasPrefix("events.jsonl:3: hash chain broken: expected "))
    #expect(result.lines[1] == "2 events, 1 ticket, 1 error; chain broken (first at line 3)")
    // And the log is not appended to until it is sorted out.
    let refused = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: jsonl([eventLine("b1", "T2", "accepted", "04 09:00")]))
    #expect(refused.status == 1)
    #expect(refused.stdout.hasPrefix("events.jsonl:3: hash chain broken"))
}

@Test func importsStayUnchainedUntilAppendChainStartsTheChain() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    let imported = try LedgerCLI.run(["append", "--no-chain", "events.jsonl"], in: dir.path, input: jsonl(Array(history.prefix(2))))
    #expect(imported.stdout == "appended 2 events to events.jsonl\n")
    #expect(try dir.text("events.jsonl") == jsonl(Array(history.prefix(2))))
    #expect(try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path).stdout == "2 events, 1 ticket, 0 errors; not chained\n")
    let required = try LedgerCLI.run(["verify", "--require-chain", "events.jsonl"], in: dir.path)
    #expect(required.status == 1)
    #expect(required.stdout == "events.jsonl:1: a hash chain is required, but no line of the log carries one\n2 events, 1 ticket, 1 error; not chained\n")

    let started = try LedgerCLI.run(["append", "--chain", "events.jsonl"], in: dir.path, input: jsonl([history[2]]))
    #expect(started.stdout.hasPrefix("appended 1 event to events.jsonl; chain head "))
    let verified = try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path)
    #expect(verified.status == 0)
    #expect(verified.stdout.hasSuffix(" (chained from line 3)\n"))
    #expect(try LedgerCLI.run(["verify", "--require-chain", "events.jsonl"], in: dir.path).lines.first
            == "events.jsonl:1: a hash chain is required from the first line, but lines 1–2 carry none (the chain starts at line 3)")

    // The sealed lines are covered: an edit in them breaks the chain where it starts.
    let sealed = try dir.text("events.jsonl")
    try dir.write("events.jsonl", replacing("hotline", with: "mailbox", in: sealed))
    let edited = try LedgerCLI.run(["verify", "events.jsonl"], in: dir.path)
    #expect(edited.status == 1)
    #expect(edited.lines.first?.hasPrefix("events.jsonl:3: hash chain broken") == true)
    try dir.write("events.jsonl", sealed)

    let noChain = try LedgerCLI.run(["append", "--no-chain", "events.jsonl"], in: dir.path, input: jsonl([eventLine("b1", "T2", "accepted", "04 09:00")]))
    #expect(noChain.status == 1)
    #expect(noChain.stderr.hasPrefix("Error: events.jsonl is chained (from line 3): new lines must carry the chain too"))
    #expect(try dir.text("events.jsonl") == sealed)
    #expect(try LedgerCLI.run(["append", "--chain", "--no-chain", "events.jsonl"], in: dir.path, input: "").status == 64)
}

@Test func aDigestQuotedEarlierStillChecksAfterLaterAppends() throws {
    let dir = try TemporaryFolder()
    defer { dir.remove() }
    _ = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: jsonl(history))
    let published = "2024-02-04T00:00:00+08:00"
    let quoted = try LedgerCLI.run(["digest", "events.jsonl", "--as-of", published, "--format", "json"], in: dir.path)
    let head = try #require(quoted.stdout.firstRange(of: #""head": ""#).map { String(quoted.stdout[$0.upperBound...].prefix(64)) })
    // Weeks later: a late callback and a new ticket are appended.
    _ = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: jsonl([
        eventLine("a4", "T1", "callback-rated", "05 10:00", #""unit":"市城管局","rating":"satisfied","recorded":"2024-02-20T10:00:00+08:00""#),
        eventLine("b1", "T2", "accepted", "21 09:00"),
    ]))
    let check = try LedgerCLI.run(["digest", "events.jsonl", "--as-of", published, "--expect", head], in: dir.path)
    #expect(check.status == 0)
    #expect(check.stdout == "\(head)  line 3  (3 events, as of \(published))\nmatches the expected head\n")
    // A line recorded before the publication, slipped in afterwards, changes the head as of then.
    let backdated = try LedgerCLI.run(["append", "events.jsonl"], in: dir.path, input: jsonl([
        eventLine("b2", "T2", "assigned", "21 09:30", #""unit":"市住建局","due":"2024-02-28T18:00:00+08:00","recorded":"2024-02-03T12:00:00+08:00""#),
    ]))
    #expect(backdated.status == 0)
    let moved = try LedgerCLI.run(["digest", "events.jsonl", "--as-of", published, "--expect", head], in: dir.path)
    #expect(moved.status == 1)
    #expect(moved.stdout.hasSuffix("  line 6  (4 events, as of \(published))\n"))
}
