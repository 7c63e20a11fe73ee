import Testing
@testable import Events

/// Parses `text`, writes the event back, parses that, and checks both events are equal.
@discardableResult
private func roundTrip(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (Event, String) {
    let event = try decode(text)
    let written = event.jsonLine()
    let again = try decode(written)
    #expect(again == event, sourceLocation: sourceLocation)
    #expect(again.jsonLine() == written, "writing is stable", sourceLocation: sourceLocation)
    return (event, written)
}

@Test func acceptedRoundTrips() throws {
    let (event, written) = try roundTrip(line("E1", "T1", "accepted", "01 09:00", #""channel":"hotline","category":"市容环境","topic":"占道经营""#))
    #expect(event.body == .accepted(channel: "hotline", category: "市容环境", topic: "占道经营"))
    #expect(written == #"{"id":"E1","ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00","channel":"hotline","category":"市容环境","topic":"占道经营"}"#)
    let (bare, bareWritten) = try roundTrip(line("E1", "T1", "accepted", "01 09:00"))
    #expect(bare.body == .accepted(channel: nil, category: nil, topic: nil))
    #expect(bareWritten == #"{"id":"E1","ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#)
}

@Test func assignedRoundTrips() throws {
    let (event, written) = try roundTrip(line("E2", "T1", "assigned", "01 09:30", #""due":"2024-02-08T10:00:00Z","unit":"市城管局""#))
    #expect(event.body == .assigned(unit: "市城管局", due: Timestamp.parseRFC3339("2024-02-08T18:00:00+08:00")!))
    #expect(written == #"{"id":"E2","ticket":"T1","type":"assigned","at":"2024-02-01T09:30:00+08:00","unit":"市城管局","due":"2024-02-08T18:00:00+08:00"}"#)
}

@Test func returnedRoundTripsForBothParties() throws {
    let (rework, _) = try roundTrip(line("E4", "T1", "returned", "04 10:00", #""unit":"市城管局","by":"center","reason":"回复不实","due":"\#(feb("09 18:00"))""#))
    #expect(rework.body == .returned(unit: "市城管局", by: .center, reason: "回复不实", due: Timestamp.parseRFC3339(feb("09 18:00"))))
    let (decline, written) = try roundTrip(line("E5", "T2", "returned", "02 11:00", #""unit":"市住建局","by":"unit""#))
    #expect(decline.body == .returned(unit: "市住建局", by: .unit, reason: nil, due: nil))
    #expect(written.hasSuffix(#""unit":"市住建局","by":"unit"}"#))
}

@Test func extendedRoundTrips() throws {
    let (event, written) = try roundTrip(line("E6", "T1", "extended", "05 09:00", #""reason":"需现场勘查","unit":"市城管局","due":"\#(feb("15 18:00"))""#))
    #expect(event.body == .extended(unit: "市城管局", due: Timestamp.parseRFC3339(feb("15 18:00"))!, reason: "需现场勘查"))
    #expect(written.hasSuffix(#""unit":"市城管局","due":"2024-02-15T18:00:00+08:00","reason":"需现场勘查"}"#))
}

@Test func closedRoundTrips() throws {
    let (event, _) = try roundTrip(line("E7", "T1", "closed", "06 16:00", #""unit":"市城管局","reply":"已处理。\n谢谢\"监督\"""#))
    #expect(event.body == .closed(unit: "市城管局", reply: "已处理。\n谢谢\"监督\""))
    let (bare, _) = try roundTrip(line("E7", "T1", "closed", "06 16:00", #""unit":"市城管局""#))
    #expect(bare.body == .closed(unit: "市城管局", reply: nil))
}

@Test func callbackRatedRoundTripsForEveryRating() throws {
    for rating in Rating.allCases {
        let (event, written) = try roundTrip(line("E8", "T1", "callback-rated", "20 10:00", #""unit":"市城管局","rating":"\#(rating.rawValue)""#))
        #expect(event.body == .callbackRated(unit: "市城管局", rating: rating))
        #expect(written.contains(#""type":"callback-rated""#))
    }
}

@Test func recordedIsWrittenAfterAt() throws {
    let (event, written) = try roundTrip(line("E9", "T1", "callback-rated", "20 10:00", #""unit":"市城管局","rating":"unreachable","recorded":"2024-03-11T02:00:00Z""#))
    #expect(event.recorded == Timestamp.parseRFC3339("2024-03-11T10:00:00+08:00"))
    #expect(event.knownAt == event.recorded)
    #expect(written.hasPrefix(#"{"id":"E9","ticket":"T1","type":"callback-rated","at":"2024-02-20T10:00:00+08:00","recorded":"2024-03-11T10:00:00+08:00","unit""#))
}

@Test func extraFieldsAreKeptVerbatimAndChainComesLast() throws {
    let text = line("E1", "T1", "accepted", "01 09:00",
                    #""chain":"ab12","source":{"system":"12345", "ids": [1, 2.50e3]},"channel":"mailbox","note":"市民\u6765电","unit":"ignored for accepted""#)
    let (event, written) = try roundTrip(text)
    #expect(event.extraFields.map(\.key) == ["source", "note", "unit"])
    #expect(event.extraFields.map(\.rawValue) == [#"{"system":"12345", "ids": [1, 2.50e3]}"#, #""市民\u6765电""#, #""ignored for accepted""#])
    #expect(event.chain == "ab12")
    #expect(written == #"{"id":"E1","ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00","channel":"mailbox","source":{"system":"12345", "ids": [1, 2.50e3]},"note":"市民\u6765电","unit":"ignored for accepted","chain":"ab12"}"#)
}

@Test func extraFieldsBuiltInCodeAreCheckedBeforeTheyReachALine() throws {
    var event = Event(id: "E1", ticket: "T1", at: Timestamp(seconds: 1_706_922_900), body: .accepted(channel: "hotline", category: nil, topic: nil))
    event.extraFields = [try Event.ExtraField(key: "source", rawValue: #"{"system": "12345", "ids": [1, 2.5e3]}"#),
                         try Event.ExtraField(key: "note", rawValue: #""市民来电""#)]
    let written = event.jsonLine()
    #expect(written.hasSuffix(#","source":{"system": "12345", "ids": [1, 2.5e3]},"note":"市民来电"}"#))
    #expect(try decode(written) == event)

    #expect(throws: EventProblem.duplicateField("unit")) { try Event.ExtraField(key: "unit", rawValue: #""x""#) }
    #expect(throws: EventProblem.duplicateField("chain")) { try Event.ExtraField(key: "chain", rawValue: #""ab""#) }
    for bad in ["not json", #"{"a": 1"#, "1 2", "", #"{"a": 1, "a": 2}"#, "{\"a\":\n1}", "[1,\r2]"] {
        do {
            _ = try Event.ExtraField(key: "source", rawValue: bad)
            Issue.record("accepted \(bad.debugDescription)")
        } catch {
            guard case .wrongFieldType("source", let expected) = error else { Issue.record("\(error)"); continue }
            #expect(expected.hasPrefix("one JSON value without line breaks ("), "\(bad.debugDescription): \(expected)")
        }
    }
}

@Test func nullOptionalFieldsAreDropped() throws {
    let (event, written) = try roundTrip(line("E7", "T1", "closed", "06 16:00", #""unit":"市城管局","reply":null,"recorded":null"#))
    #expect(event.body == .closed(unit: "市城管局", reply: nil))
    #expect(event.recorded == nil)
    #expect(!written.contains("null"))
}

@Test func stringsWithEscapesAndControlCharactersRoundTrip() throws {
    let event = Event(id: "E\"1\\", ticket: "T\u{1}\t", at: Timestamp(seconds: 1_706_922_900),
                      body: .closed(unit: "市\u{7F}城管局 😀", reply: "line1\r\nline2\u{2028}"))
    let written = event.jsonLine()
    #expect(written.contains(#""ticket":"T\u0001\t""#))
    #expect(try decode(written) == event)
}

@Test func writesAtAnyOffsetWithoutChangingTheInstant() throws {
    let event = try decode(line("E2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"\#(feb("08 18:00"))""#))
    let utc = event.jsonLine(offsetSeconds: 0)
    #expect(utc.contains(#""at":"2024-02-01T01:30:00+00:00""#))
    #expect(try decode(utc) == event)
}

@Test func programmaticEventsDecodeBackEqual() throws {
    let at = Timestamp(seconds: 1_706_922_900)
    let due = Timestamp(seconds: 1_707_500_000)
    let bodies: [Event.Body] = [
        .accepted(channel: "hotline", category: nil, topic: "噪音"),
        .assigned(unit: "市住建局", due: due),
        .returned(unit: "市住建局", by: .unit, reason: "非本单位职责", due: nil),
        .returned(unit: "市住建局", by: .center, reason: nil, due: due),
        .extended(unit: "市住建局", due: due, reason: nil),
        .closed(unit: "市住建局", reply: "已答复"),
        .callbackRated(unit: "市住建局", rating: .unsatisfied),
    ]
    for body in bodies {
        let event = Event(id: "X", ticket: "T", at: at, recorded: Timestamp(nanoseconds: at.nanoseconds + 1_500),
                          body: body, extraFields: [try .init(key: "k", rawValue: "[true,null]")], chain: "00ff")
        #expect(try decode(event.jsonLine()) == event)
    }
}

/// ``JSONString/quote(_:into:)`` escapes what RFC 8259 requires, the same in a `String` and in
/// bytes, and the validating decoder reads every quoted text back.
@Suite struct JSONQuoteTests {
    @Test func escapesQuotesBackslashesAndControlCharacters() throws {
        #expect(JSONString.quoted("a\"b\\c\nd\re\tf") == #""a\"b\\c\nd\re\tf""#)
        #expect(JSONString.quoted("\u{01}\u{1F} 市城管局") == #""\u0001\u001f 市城管局""#)
        var random = SystemRandomNumberGenerator()
        let pieces = ["\"", "\\", "\n", "\r", "\t", "\u{00}", "\u{0B}", "\u{1F}", " ", "a", "市", "é", "𝄞", "\u{7F}", "/"]
        for _ in 0..<2_000 {
            let text = "T" + (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            var bytes: [UInt8] = []
            JSONString.quote(text, into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == JSONString.quoted(text))
            let line = Array(#"{"id":"e1","ticket":"#.utf8) + bytes + Array(#","type":"accepted","at":"2024-03-01T09:00:00+08:00"}"#.utf8)
            var decoder = EventDecoder()
            let event = try line.withUnsafeBytes { try decoder.decodeEvent($0) }
            #expect(event.ticket == text)
        }
    }
}
