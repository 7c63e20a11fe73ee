import Foundation
import Testing
import Events

/// `Codable` for `Event` and `Timestamp`: a service's `JSONEncoder` writes the wire object.
@Suite struct EventCodableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func decodeLine(_ line: String) throws -> Event {
        var decoder = EventDecoder()
        var text = line
        return try text.withUTF8 { buffer in try decoder.decodeEvent(UnsafeRawBufferPointer(buffer)) }
    }

    /// The JSON text as Foundation objects, so key order and number spelling do not matter.
    static func object(_ text: String) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
    }

    /// Encodes, compares with the wire line's content, decodes and compares with the event.
    static func roundTrip(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let event = try decodeLine(line)
        let encoded = try JSONEncoder().encode(event)
        let json = String(decoding: encoded, as: UTF8.self)
        #expect(try object(json) == object(event.jsonLine()), "\(json)", sourceLocation: sourceLocation)
        #expect(try object(json) == object(line), "\(json)", sourceLocation: sourceLocation)
        let decoded = try JSONDecoder().decode(Event.self, from: encoded)
        // A generic decoder does not keep the order of members inside extra fields (nor of the
        // extra fields), so those compare as JSON; everything else compares as values.
        #expect(try object(decoded.jsonLine()) == object(line), sourceLocation: sourceLocation)
        var bare = decoded, original = event
        bare.extraFields = []
        original.extraFields = []
        #expect(bare == original, sourceLocation: sourceLocation)
        if event.extraFields.count <= 1 && !event.extraFields.contains(where: { $0.rawValue.hasPrefix("{") }) {
            #expect(decoded == event, sourceLocation: sourceLocation)
        }
    }

    @Test func everySampleEventRoundTripsThroughJSONEncoderAndDecoder() throws {
        let text = try String(contentsOfFile: Self.root.appendingPathComponent("samples/events.jsonl").path, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 38)
        var kinds = Set<EventKind>()
        for line in lines {
            try Self.roundTrip(line)
            kinds.insert(try Self.decodeLine(line).kind)
        }
        #expect(kinds.count == 6)
    }

    @Test func theOtherTypesExtraFieldsAndChainRoundTrip() throws {
        let lines = [
            #"{"id":"S1","ticket":"T1","type":"supervised","at":"2024-02-05T09:00:00+08:00","unit":"市城管局","method":"phone","reason":"逾期未办"}"#,
            #"{"id":"S2","ticket":"T1","type":"supervision-answered","at":"2024-02-05T10:00:00+08:00","unit":"市城管局","reply":"已处理"}"#,
            #"{"id":"A1","ticket":"ADJ-1","type":"adjusted","at":"2024-02-29T17:00:00+08:00","recorded":"2024-03-20T09:00:00+08:00","unit":"岳阳县","points":-2,"indicator":"上级考核","reason":"通报批评","ref":"054487"}"#,
            #"{"id":"A2","ticket":"ADJ-2","type":"adjusted","at":"2024-02-29T17:00:00+08:00","unit":"岳阳县","points":"+0.5","indicator":"加分","reason":"表扬"}"#,
            #"{"id":"A3","ticket":"ADJ-3","type":"adjusted","at":"2024-02-29T17:00:00+08:00","unit":"岳阳县","points":0.5,"indicator":"加分","reason":"表扬"}"#,
            #"{"id":"C1","ticket":"T1","type":"callback-rated","at":"2024-02-07T10:05:00.25+08:00","unit":"市城管局","rating":"unsatisfied","contacted":false}"#,
            #"{"id":"X1","ticket":"T1","type":"closed","at":"2024-02-05T16:20:00+08:00","unit":"市城管局","source":{"system":"12345","ids":[1,2.5,null,true,"a\"b"]},"chain":"0123abcd"}"#,
        ]
        for line in lines { try Self.roundTrip(line) }
    }

    @Test func decodingUsesTheLogDecodersRules() throws {
        let missingUnit = Data(#"{"id":"E1","ticket":"T1","type":"assigned","at":"2024-02-01T09:00:00+08:00","due":"2024-02-02T09:00:00+08:00"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Event.self, from: missingUnit) }
        let badTime = Data(#"{"id":"E1","ticket":"T1","type":"accepted","at":"yesterday"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Event.self, from: badTime) }
    }

    @Test func timestampsAreRFC3339Strings() throws {
        let at = try #require(Timestamp.parseRFC3339("2024-02-01T00:47:12.5Z"))
        let encoded = try JSONEncoder().encode([at])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["2024-02-01T08:47:12.5+08:00"]"#)
        #expect(try JSONDecoder().decode([Timestamp].self, from: encoded) == [at])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Timestamp].self, from: Data(#"["2024-02-30T00:00:00Z"]"#.utf8)) }
    }
}
