/// Plain decimal numbers as the `points` of an `adjusted` event carry them: an optional sign,
/// digits, and optionally a point and more digits (`-1`, `+0.5`, `2.25`); no exponent.
enum DecimalText {
    /// The most digits accepted (points are small numbers; this keeps them exact everywhere).
    static let maximumDigits = 18

    /// Whether `bytes` is a plain decimal.
    static func isPlainDecimal(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
        var digits = 0, seenPoint = false, digitsAfterPoint = 0
        while i < bytes.count {
            let b = bytes[i]
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                digits += 1
                if seenPoint { digitsAfterPoint += 1 }
            } else if b == UInt8(ascii: "."), !seenPoint, digits > 0 {
                seenPoint = true
            } else {
                return false
            }
            i += 1
        }
        return digits > 0 && digits <= maximumDigits && (!seenPoint || digitsAfterPoint > 0)
    }

    /// Whether a plain decimal may be written as a JSON number (no `+`, no leading zeros).
    static func isJSONNumber(_ text: String) -> Bool {
        var utf8 = Array(text.utf8)
        guard utf8.withUnsafeBytes({ isPlainDecimal($0) }), utf8.first != UInt8(ascii: "+") else { return false }
        if utf8.first == UInt8(ascii: "-") { utf8.removeFirst() }
        return !(utf8.count > 1 && utf8[0] == UInt8(ascii: "0") && utf8[1] != UInt8(ascii: "."))
    }
}
