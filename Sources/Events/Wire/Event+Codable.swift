/// `Codable` for ``Event``: exactly the wire format's JSON object.
///
/// Encoding writes the members ``Event/jsonLine(offsetSeconds:)`` writes, with the same keys
/// and values (timestamps at `+08:00`, `points` as a number when it is one, extra fields and
/// `chain` included), so `JSONEncoder` produces an object equal to the log line. Decoding
/// rebuilds the JSON text and reads it with ``EventDecoder/decodeEvent(_:)``: the same rules,
/// the same errors as reading the log (reported as `DecodingError.dataCorrupted`).
///
/// Two details a generic decoder cannot keep: the order of unknown members (and of the
/// members inside an unknown object) follows the decoder's key order, and a number is re-read
/// through `Int64` or `Double` (`1.50` becomes `1.5`).
extension Event: Codable {
    public func encode(to encoder: any Encoder) throws {
        let line = jsonLine()
        let members: [(key: String, value: JSONValue)]
        do {
            members = try JSONValue.parseObject(line)
        } catch {
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath,
                debugDescription: "the event's line is not valid JSON (an extra field's raw value?): \(error.message)"))
        }
        try JSONValue.object(members).encode(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .object(var members) = value else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "an event is a JSON object"))
        }
        // The defined members first, in the wire order; the decoder's order for the rest.
        let order = ["id", "ticket", "type", "at", "recorded"]
        members.sort { a, b in
            (order.firstIndex(of: a.key) ?? order.count) < (order.firstIndex(of: b.key) ?? order.count)
        }
        var line = ""
        JSONValue.object(members).write(into: &line)
        let result = line.withUTF8 { buffer -> Result<Event, EventProblem> in
            var eventDecoder = EventDecoder()
            do throws(EventProblem) {
                return .success(try eventDecoder.decodeEvent(UnsafeRawBufferPointer(buffer)))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let event): self = event
        case .failure(let problem):
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem.message,
                                                    underlyingError: problem))
        }
    }
}
