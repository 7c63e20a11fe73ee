/// `Codable` for ``Timestamp``: an RFC 3339 string, as the wire format writes it.
///
/// Encoding uses ``Timestamp/rfc3339(offsetSeconds:zulu:)`` at `+08:00` (fractional seconds only
/// when not zero); decoding accepts what ``Timestamp/parseRFC3339(_:)-(String)`` accepts, any
/// offset, and refuses anything else with `DecodingError.dataCorrupted`.
extension Timestamp: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339())
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let timestamp = Timestamp.parseRFC3339(text) else {
            let reason = Timestamp.unsupportedReason(text) ?? "not an RFC 3339 date-time: \(text)"
            throw DecodingError.dataCorruptedError(in: container, debugDescription: reason)
        }
        self = timestamp
    }
}
