/// Byte-level edits of one JSON line that leave every other byte exactly as it was.
///
/// The appender stamps `recorded` with these, and the hash chain adds its `chain` member
/// the same way; a line is never re-serialised, so unknown members and the writer's own
/// spacing survive.
enum JSONLineEdit {
    /// The offset of the closing `}` of a line that holds one valid JSON object.
    static func closingBrace(of line: UnsafeRawBufferPointer) -> Int {
        var i = line.count - 1
        while i > 0, line[i] != UInt8(ascii: "}") { i -= 1 }
        return i
    }

    /// `"key":value` as bytes, `value` being JSON text.
    static func member(key: String, rawValue: String) -> [UInt8] {
        var text = JSONString.quoted(key)
        text.append(":")
        text.append(rawValue)
        return Array(text.utf8)
    }

    /// Copies `line`, adding `"key":value` as its last member (before the closing brace).
    static func appendingMember(key: String, rawValue: String, to line: UnsafeRawBufferPointer) -> [UInt8] {
        let brace = closingBrace(of: line)
        let isEmptyObject = line[..<brace].lastIndex(where: { !isWhitespace($0) }).map { line[$0] == UInt8(ascii: "{") } ?? true
        var out = [UInt8]()
        out.reserveCapacity(line.count + key.utf8.count + rawValue.utf8.count + 4)
        out.append(contentsOf: line[..<brace])
        if !isEmptyObject { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: member(key: key, rawValue: rawValue))
        out.append(contentsOf: line[brace...])
        return out
    }

    /// Copies `line` with the bytes in `range` replaced by `rawValue`.
    static func replacing(_ range: Range<Int>, with rawValue: String, in line: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(line.count + rawValue.utf8.count)
        out.append(contentsOf: line[..<range.lowerBound])
        out.append(contentsOf: rawValue.utf8)
        out.append(contentsOf: line[range.upperBound...])
        return out
    }

    static func isWhitespace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A
    }
}
