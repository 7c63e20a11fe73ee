/// Finding, writing and removing the `,"chain":"<64 hex>"}` ending of a line, on its bytes.
enum ChainMember {
    /// `,"chain":"` — the bytes before the hex digits.
    private static let opening: StaticString = #","chain":""#
    /// The ending's length: the opening, 64 hex digits, `"}`.
    static let length = 10 + 64 + 2

    /// How a line ends, as far as the chain is concerned.
    enum Ending: Equatable {
        /// No chain member at the end: an unchained line.
        case none
        /// A well-formed chain member; the body is `line[..<bodyEnd]`.
        case intact(bodyEnd: Int, value: SHA256.Digest)
        /// An ending one byte away from a chain member: a chained line whose member was
        /// damaged. `value` is there when the 64 hex digits are intact.
        case damaged(bodyEnd: Int, value: SHA256.Digest?)
    }

    /// Reads the end of a line (without its newline).
    ///
    /// Lines whose last 76 bytes differ from `,"chain":"<64 lowercase hex>"}` in exactly one
    /// byte are taken as damaged chained lines rather than unchained ones, so a one-byte edit
    /// to the member of the log's first chained line is reported at that line.
    /// - Complexity: O(1); an ordinary unchained line is rejected after a few comparisons.
    static func ending(of line: UnsafeRawBufferPointer) -> Ending {
        if let (bodyEnd, value) = intactValue(of: line) { return .intact(bodyEnd: bodyEnd, value: value) }
        let bodyEnd = line.count - length
        guard bodyEnd >= 1 else { return .none }
        var differences = 0
        if line[line.count - 1] != UInt8(ascii: "}") { differences += 1 }
        if line[line.count - 2] != UInt8(ascii: "\"") { differences += 1 }
        let opening = Self.opening.utf8Start
        for i in 0..<10 where line[bodyEnd + i] != opening[i] {
            differences += 1
            if differences > 1 { return .none }
        }
        let hex = UnsafeRawBufferPointer(rebasing: line[(bodyEnd + 10)..<(line.count - 2)])
        let value = SHA256.Digest(lowercaseHex: hex)
        if value == nil {
            for byte in hex where lowercaseHexValue(byte) == nil {
                differences += 1
                if differences > 1 { return .none }
            }
        }
        // (No difference and readable digits is an intact member, which `intactValue` read.)
        return .damaged(bodyEnd: bodyEnd, value: value)
    }

    /// The body's end and the value of a line (without its newline) whose last bytes are an
    /// intact chain member — ``ending(of:)``'s `.intact`, which it reads here — with no `\r`
    /// after it; `nil` for any other line.
    @inline(__always)
    static func intactValue(of line: UnsafeRawBufferPointer) -> (bodyEnd: Int, value: SHA256.Digest)? {
        let bodyEnd = line.count - length
        guard bodyEnd >= 1, let base = line.baseAddress else { return nil }
        // `,"chain":"` is ten bytes: eight, then two; `"}` ends the line.
        let head = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: bodyEnd, as: UInt64.self))
        let tail = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: bodyEnd + 8, as: UInt16.self))
        let close = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: line.count - 2, as: UInt16.self))
        guard head == 0x226E_6961_6863_222C, tail == 0x223A, close == 0x7D22,
              let value = SHA256.Digest(lowercaseHex: UnsafeRawBufferPointer(start: base + bodyEnd + 10, count: 64))
        else { return nil }
        return (bodyEnd, value)
    }

    /// The value of a lowercase hex digit, or `nil`.
    @inline(__always)
    static func lowercaseHexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c &- UInt8(ascii: "a") &+ 10
        default: nil
        }
    }

    /// Seals a line: drops anything after its closing brace, adds the chain member computed
    /// from `previous`, and returns the line's value.
    static func append(to line: inout [UInt8], previous: SHA256.Digest) -> SHA256.Digest {
        let brace = line.withUnsafeBytes { JSONLineEdit.closingBrace(of: $0) }
        line.removeSubrange(brace...)
        let value = line.withUnsafeBytes { HashChain.link(previous: previous, body: $0) }
        line.reserveCapacity(line.count + length)
        line.append(contentsOf: UnsafeRawBufferPointer(start: opening.utf8Start, count: opening.utf8CodeUnitCount))
        line.append(contentsOf: value.hex.utf8)
        line.append(UInt8(ascii: "\""))
        line.append(UInt8(ascii: "}"))
        return value
    }

    /// Writes the ending `,"chain":"<value in lowercase hex>"}` at `out` (room for ``length``
    /// bytes); returns ``length``.
    static func write(value: SHA256.Digest, to out: UnsafeMutableRawPointer) -> Int {
        out.copyMemory(from: opening.utf8Start, byteCount: opening.utf8CodeUnitCount)
        let hex: StaticString = "0123456789abcdef"
        let digits = hex.utf8Start
        value.withUnsafeBytes { bytes in
            for (i, byte) in bytes.enumerated() {
                out.storeBytes(of: digits[Int(byte >> 4)], toByteOffset: 10 + 2 * i, as: UInt8.self)
                out.storeBytes(of: digits[Int(byte & 15)], toByteOffset: 11 + 2 * i, as: UInt8.self)
            }
        }
        out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: length - 2, as: UInt8.self)
        out.storeBytes(of: UInt8(ascii: "}"), toByteOffset: length - 1, as: UInt8.self)
        return length
    }

    /// Removes the `chain` member that starts at `memberStart` (with its separating comma), as
    /// a line copied from another log carries one; `nil` if the line does not scan.
    static func removing(memberAt memberStart: Int, from line: [UInt8]) -> [UInt8]? {
        var members: [JSONMember] = []
        let scanned: Bool = line.withUnsafeBytes { bytes in
            (try? JSONScanner.scanObject(bytes, into: &members)) != nil
        }
        guard scanned, let index = members.firstIndex(where: { $0.start == memberStart }) else { return nil }
        let member = members[index]
        var end = member.kind == .string ? member.value.upperBound + 1 : member.value.upperBound
        var start = member.start
        if index > 0 {
            // Drop the comma before the member, and the spaces around the member.
            start = members[index - 1].kind == .string ? members[index - 1].value.upperBound + 1 : members[index - 1].value.upperBound
            while end < line.count, JSONLineEdit.isWhitespace(line[end]) { end += 1 }
        } else if index + 1 < members.count {
            // First member: drop up to the next member.
            end = members[index + 1].start
        }
        var out = line
        out.removeSubrange(start..<end)
        return out
    }
}

extension HashChain {
    /// The bytes a chained log adds to a line: `,"chain":"<64 hex>"` (the line's own `}` stays).
    package static let memberLength = ChainMember.length - 1
}
