import Testing
@testable import Events

@Test func malformedJSONNamesTheColumn() {
    guard case .malformedJSON(let offset, _)? = problem(#"{"id":"E1","ticket" "T1"}"#) else {
        Issue.record("expected malformed JSON")
        return
    }
    #expect(offset == 20)
    #expect(problem(#"{"id":"E1","ticket":"T1","#)?.message.hasPrefix("malformed JSON at column ") == true)
    #expect(problem("")?.message == "malformed JSON at column 1: empty line, expected a JSON object")
    #expect(problem("[1,2]")?.message == "malformed JSON at column 1: expected '{' to start an object")
    #expect(problem("\u{FEFF}{\"id\":\"E1\"}")?.message == "malformed JSON at column 1: expected '{' to start an object, found a UTF-8 "
            + "byte-order mark (EF BB BF): JSON Lines are written without one (save the file as UTF-8 without BOM)")
    #expect(problem(#"{"id":"E1"} x"#)?.message == "malformed JSON at column 13: unexpected text after the object")
    #expect(problem(#"{"id":"E\x"}"#)?.message == "malformed JSON at column 10: invalid escape sequence")
    #expect(problem("{\"id\":\"E\u{1}\"}")?.message == "malformed JSON at column 9: control character in a string (must be escaped)")
    #expect(problem(#"{"n":01}"#) != nil)
    #expect(problem(#"{"n":[1,]}"#) != nil)
    #expect(problem(#"{"n":tru}"#) != nil)
}

@Test func invalidUTF8IsMalformed() {
    var bytes = Array(#"{"id":"E1","ticket":"T"#.utf8)
    bytes += [0xE5, 0x9F]  // a cut-off three-byte sequence
    bytes += Array(#"","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#.utf8)
    var decoder = EventDecoder()
    let problem = #expect(throws: EventProblem.self) {
        try bytes.withUnsafeBytes { b in Result { () throws(EventProblem) in try decoder.decode(b) } }.get()
    }
    #expect(problem == .malformedJSON(offset: 22, message: "invalid UTF-8"))  // the byte 0xE5, column 23
}

@Test func missingRequiredFieldsAreNamed() {
    #expect(problem(#"{"ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#) == .missingField("id", type: nil))
    #expect(problem(#"{"id":"E1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#) == .missingField("ticket", type: nil))
    #expect(problem(#"{"id":"E1","ticket":"T1","at":"2024-02-01T09:00:00+08:00"}"#) == .missingField("type", type: nil))
    #expect(problem(#"{"id":"E1","ticket":"T1","type":"accepted"}"#) == .missingField("at", type: nil))
    #expect(problem(line("E2", "T1", "assigned", "01 09:30", #""unit":"市城管局""#)) == .missingField("due", type: .assigned))
    #expect(problem(line("E2", "T1", "closed", "01 09:30")) == .missingField("unit", type: .closed))
    #expect(problem(line("E2", "T1", "returned", "01 09:30", #""unit":"市城管局""#)) == .missingField("by", type: .returned))
    #expect(problem(line("E2", "T1", "callback-rated", "01 09:30", #""unit":"市城管局""#)) == .missingField("rating", type: .callbackRated))
    #expect(problem(line("E2", "T1", "extended", "01 09:30", #""unit":"市城管局""#))?.message
            == "missing required field 'due' for an 'extended' event")
    #expect(EventProblem.missingField("rating", type: .callbackRated).message == "missing required field 'rating' for a 'callback-rated' event")
}

@Test func mistypedAndEmptyFieldsAreNamed() {
    #expect(problem(#"{"id":7,"ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#) == .wrongFieldType("id", expected: "a string"))
    #expect(problem(#"{"id":"E1","ticket":null,"type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#) == .wrongFieldType("ticket", expected: "a string"))
    #expect(problem(line("E2", "T1", "assigned", "01 09:30", #""unit":["市城管局"],"due":"\#(feb("08 18:00"))""#)) == .wrongFieldType("unit", expected: "a string"))
    #expect(problem(line("E1", "T1", "accepted", "01 09:00", #""channel":12345"#))?.message == "field 'channel' must be a string")
    #expect(problem(#"{"id":"","ticket":"T1","type":"accepted","at":"2024-02-01T09:00:00+08:00"}"#) == .emptyField("id"))
    #expect(problem(line("E1", "T1", "accepted", "01 09:00", #""id":"E2""#)) == .duplicateField("id"))
}

@Test func impossibleTimestampsAreRejected() {
    #expect(problem(line("E1", "T1", "accepted", "2024-13-45T99:00:00+08:00"))
            == .invalidTimestamp(field: "at", text: "2024-13-45T99:00:00+08:00"))
    #expect(problem(line("E1", "T1", "accepted", "2023-02-29T10:00:00+08:00"))?.message
            == #"field 'at' is not a valid RFC 3339 date-time with offset: "2023-02-29T10:00:00+08:00""#)
    #expect(problem(line("E2", "T1", "assigned", "01 09:30", #""unit":"市城管局","due":"2024-02-08""#))
            == .invalidTimestamp(field: "due", text: "2024-02-08"))
    #expect(problem(line("E1", "T1", "accepted", "01 09:00", #""recorded":"yesterday""#))
            == .invalidTimestamp(field: "recorded", text: "yesterday"))
    #expect(problem(line("E1", "T1", "accepted", "01 09:00", #""recorded":20240201"#)) == .wrongFieldType("recorded", expected: "a string"))
}

@Test func unknownTypesAndValuesAreRejected() {
    #expect(problem(line("E1", "T1", "reopened", "01 09:00"))?.message
            == #"unknown event type "reopened" (expected one of: accepted, assigned, returned, extended, closed, callback-rated, supervised, supervision-answered, adjusted)"#)
    #expect(problem(line("E1", "T1", "Accepted", "01 09:00")) == .unknownType("Accepted"))
    #expect(problem(line("E1", "T1", "callback_rated", "01 09:00")) == .unknownType("callback_rated"))
    #expect(problem(line("E2", "T1", "returned", "01 09:30", #""unit":"市城管局","by":"citizen""#))?.message
            == #"field 'by' has invalid value "citizen" (expected one of: center, unit)"#)
    #expect(problem(line("E2", "T1", "callback-rated", "01 09:30", #""unit":"市城管局","rating":"good""#))
            == .invalidValue(field: "rating", value: "good", allowed: ["satisfied", "unsatisfied", "unreachable"]))
}

@Test func escapedKeysAndTypesDecodeLikePlainOnes() throws {
    let event = try decode(#"{"\u0069d":"E1","ticket":"T1","type":"clo\u0073ed","at":"2024-02-01T09:00:00+08:00","unit":"市城管局"}"#)
    #expect(event.id == "E1")
    #expect(event.kind == .closed)
}
