extension JSONValue {
    /// Parses one JSON line that ``JSONScanner`` accepted (the parser trusts that validation).
    static func parseObject(_ line: String) throws(JSONSyntaxError) -> [(key: String, value: JSONValue)] {
        var text = line
        let result = text.withUTF8 { buffer -> Result<[(key: String, value: JSONValue)], JSONSyntaxError> in
            let bytes = UnsafeRawBufferPointer(buffer)
            var members: [JSONMember] = []
            do throws(JSONSyntaxError) {
                try JSONScanner.scanObject(bytes, into: &members)
            } catch {
                return .failure(error)
            }
            var parser = LineParser(bytes: bytes)
            guard case .object(let object) = parser.value() else { return .success([]) }
            return .success(object)
        }
        return try result.get()
    }

    /// Appends the value's compact JSON text.
    func write(into out: inout String) {
        switch self {
        case .string(let s): JSONString.quote(s, into: &out)
        case .number(let n): out.append(n)
        case .bool(let b): out.append(b ? "true" : "false")
        case .null: out.append("null")
        case .array(let items):
            out.append("[")
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(",") }
                item.write(into: &out)
            }
            out.append("]")
        case .object(let members):
            out.append("{")
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(",") }
                JSONString.quote(member.key, into: &out)
                out.append(":")
                member.value.write(into: &out)
            }
            out.append("}")
        }
    }

    /// A recursive-descent reader over bytes already validated by ``JSONScanner``.
    private struct LineParser {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value() -> JSONValue {
            skipWhitespace()
            guard index < bytes.count else { return .null }
            switch bytes[index] {
            case UInt8(ascii: "\""): return .string(string())
            case UInt8(ascii: "{"):
                index += 1
                var members: [(key: String, value: JSONValue)] = []
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while index < bytes.count {
                    skipWhitespace()
                    let key = string()
                    skipWhitespace()
                    index += 1 // ':'
                    members.append((key, value()))
                    skipWhitespace()
                    let separator = index < bytes.count ? bytes[index] : UInt8(ascii: "}")
                    index += 1
                    if separator == UInt8(ascii: "}") { break }
                }
                return .object(members)
            case UInt8(ascii: "["):
                index += 1
                var items: [JSONValue] = []
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                while index < bytes.count {
                    items.append(value())
                    skipWhitespace()
                    let separator = index < bytes.count ? bytes[index] : UInt8(ascii: "]")
                    index += 1
                    if separator == UInt8(ascii: "]") { break }
                }
                return .array(items)
            case UInt8(ascii: "t"): index += 4; return .bool(true)
            case UInt8(ascii: "f"): index += 5; return .bool(false)
            case UInt8(ascii: "n"): index += 4; return .null
            default:
                let start = index
                while index < bytes.count, LineParser.isNumberByte(bytes[index]) { index += 1 }
                return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            }
        }

        static func isNumberByte(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
        }

        /// Reads a string starting at its opening quote.
        mutating func string() -> String {
            index += 1
            let start = index
            var escaped = false
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") { escaped = true; index += 1 }
                index += 1
            }
            let content = UnsafeRawBufferPointer(rebasing: bytes[start..<min(index, bytes.count)])
            index += 1
            return JSONString.decode(content, escaped: escaped)
        }
    }
}

extension JSONValue: Codable {
    /// Encodes numbers as `Int64` when the text is an integer in range, else as `Double`.
    package func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let s):
            var container = encoder.singleValueContainer()
            try container.encode(s)
        case .number(let text):
            var container = encoder.singleValueContainer()
            if let integer = Int64(text) {
                try container.encode(integer)
            } else if let double = Double(text), double.isFinite {
                try container.encode(double)
            } else {
                throw EncodingError.invalidValue(text, .init(codingPath: encoder.codingPath,
                    debugDescription: "the JSON number \(text) does not fit a Double"))
            }
        case .bool(let b):
            var container = encoder.singleValueContainer()
            try container.encode(b)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        case .object(let members):
            var container = encoder.container(keyedBy: MemberKey.self)
            for member in members { try container.encode(member.value, forKey: MemberKey(member.key)) }
        }
    }

    /// Reads any JSON value a decoder offers; numbers come back as their shortest text.
    package init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: MemberKey.self) {
            var members: [(key: String, value: JSONValue)] = []
            for key in container.allKeys { members.append((key.stringValue, try container.decode(JSONValue.self, forKey: key))) }
            self = .object(members)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !container.isAtEnd { items.append(try container.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let i = try? container.decode(Int64.self) {
            self = .number(String(i))
        } else if let d = try? container.decode(Double.self), d.isFinite {
            self = .number(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }
}
