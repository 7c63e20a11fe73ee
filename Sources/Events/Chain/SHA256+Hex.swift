/// Hexadecimal text form of ``SHA256/Digest``: formatting, parsing, and a
/// `Codable` representation as a 64-character lowercase hex string.
extension SHA256.Digest: CustomStringConvertible, LosslessStringConvertible, Codable {
    /// The digest as 64 lowercase hexadecimal digits.
    public var hex: String {
        withUnsafeBytes { HexEncoding.encode($0) }
    }

    /// Parses 64 hexadecimal digits (upper- or lowercase, no prefix or
    /// separators). Returns `nil` for any other input.
    public init?<Text: StringProtocol>(hex: Text) {
        guard let bytes = HexEncoding.decode(hex), bytes.count == Self.byteCount else { return nil }
        self.init(bytes: bytes)
    }

    /// Same as ``init(hex:)``, for `LosslessStringConvertible`.
    public init?(_ description: String) {
        self.init(hex: description)
    }

    /// The lowercase hex form, identical to ``hex``.
    public var description: String { hex }

    /// Decodes a digest from a single hex string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let digest = Self(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "Expected 64 hexadecimal digits for a SHA-256 digest, got \"\(text)\"."
            )
        }
        self = digest
    }

    /// Encodes the digest as a single lowercase hex string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// Base-16 encoding helpers shared by the hash-chain code.
enum HexEncoding {
    private static let lowercaseDigits: StaticString = "0123456789abcdef"

    /// Encodes `bytes` as lowercase hexadecimal, two digits per byte.
    static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        guard !bytes.isEmpty else { return "" }
        return lowercaseDigits.withUTF8Buffer { digits in
            String(unsafeUninitializedCapacity: bytes.count * 2) { output in
                var index = 0
                for byte in bytes {
                    output[index] = digits[Int(byte >> 4)]
                    output[index + 1] = digits[Int(byte & 0x0f)]
                    index += 2
                }
                return index
            }
        }
    }

    /// Encodes the bytes of any sequence as lowercase hexadecimal.
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let array = Array(bytes)
        return array.withUnsafeBytes { encode($0) }
    }

    /// Decodes an even number of hexadecimal digits (either case).
    /// Returns `nil` on odd length or any non-hex character.
    static func decode<Text: StringProtocol>(_ text: Text) -> [UInt8]? {
        let utf8 = text.utf8
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var high: UInt8?
        for character in utf8 {
            guard let nibble = nibbleValue(character) else { return nil }
            if let pendingHigh = high {
                bytes.append(pendingHigh << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }

    /// The value of one ASCII hex digit, or `nil`.
    @inline(__always)
    private static func nibbleValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
