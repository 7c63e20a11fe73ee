import CLedgerScan
/// The log's hash chain: what a `chain` value is and how it is computed.
///
/// A *chained* line ends with a `chain` member as its last member, written exactly as
///
///     ,"chain":"<64 lowercase hex digits>"}
///
/// (no spaces, nothing after the closing brace). Its value is
///
///     chain(k) = SHA-256( previous(k) ‖ body(k) ‖ "}" )
///
/// where `body(k)` is every byte of line `k` before the comma that precedes `"chain"` — the
/// line without its `chain` member and closing brace, exactly as stored (UTF-8, escapes and
/// spacing untouched, no newline) — so `body(k) ‖ "}"` is the line as it would read without
/// the member. `previous(k)` is 32 raw bytes:
///
/// - after a chained line, that line's `chain` value (the 32 bytes the hex digits spell);
/// - for the first chained line of the log, if it is line 1: 32 zero bytes;
/// - for the first chained line `k > 1` of a log that started without a chain (an imported
///   log that `ledger-cli append --chain` went on to chain): SHA-256 of the file's first
///   bytes up to that line, that is lines `1 … k-1` each with its `\n`. The unchained lines
///   are sealed into the start of the chain as one block.
///
/// Every line after the first chained line must be chained too (``EventProblem/chainMissing``).
///
/// Why this catches any edit: every byte of a chained line except its `chain` member is
/// hashed into its value, its value is hashed into the next line's, and every byte before the
/// first chained line is hashed into that line's value. So the value of the last line — the
/// *head* — depends on every byte of the log: change, add or remove one and the head changes
/// (SHA-256 being collision resistant). A verifier recomputes each value from the previous
/// line's stored value and names the first line whose stored value does not match. What the
/// chain cannot show by itself is a log cut after a complete line, or rewritten and chained
/// again from the edit on, since SHA-256 has no key: that is what a head quoted elsewhere is
/// for (`ledger-cli digest`).
public enum HashChain {
    /// The `previous` value of a chain that starts at line 1: 32 zero bytes.
    public static let genesis = SHA256.Digest(state: SHA256.State(h0: 0, h1: 0, h2: 0, h3: 0, h4: 0, h5: 0, h6: 0, h7: 0))

    /// The chain value of a line: SHA-256 over `previous`, `body` and a closing brace.
    /// - Parameters:
    ///   - previous: The previous line's value, or the chain's start value.
    ///   - body: The line's bytes before the comma that precedes its `chain` member (for a
    ///     line being sealed: before its closing brace).
    /// - Complexity: O(n) in the body's length; the bytes are hashed where they are.
    public static func link(previous: SHA256.Digest, body: UnsafeRawBufferPointer) -> SHA256.Digest {
        var hasher = SHA256()
        previous.withUnsafeBytes { hasher.update($0) }
        hasher.update(body)
        withUnsafeBytes(of: UInt8(ascii: "}")) { hasher.update($0) }
        return hasher.finalize()
    }
}

extension SHA256.Digest {
    /// Parses exactly 64 lowercase hexadecimal digits without allocating; `nil` otherwise.
    ///
    /// Sixteen digits a step with SSE2 (`ledger_lowercase_hex64`), else eight
    /// (``init(lowercaseHexEightAtATime:)``): every chained line's value goes through here.
    init?(lowercaseHex text: UnsafeRawBufferPointer) {
        guard text.count == 64, let base = text.baseAddress else { return nil }
        var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        switch withUnsafeMutableBytes(of: &bytes, { ledger_lowercase_hex64(base, $0.baseAddress) }) {
        case 1:
            // The digest's bytes in order; its words are big-endian.
            self = Swift.withUnsafeBytes(of: bytes) { digest in
                @inline(__always) func h(_ i: Int) -> UInt32 { UInt32(bigEndian: digest.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
                return SHA256.Digest(state: SHA256.State(h0: h(0), h1: h(1), h2: h(2), h3: h(3), h4: h(4), h5: h(5), h6: h(6), h7: h(7)))
            }
        case 0:
            return nil
        default:
            self.init(lowercaseHexEightAtATime: text)
        }
    }

    /// ``init(lowercaseHex:)`` eight digits a step, as one 64-bit word (SWAR), for processors
    /// without SSE2.
    init?(lowercaseHexEightAtATime text: UnsafeRawBufferPointer) {
        guard text.count == 64, let base = text.baseAddress else { return nil }
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        var invalid: UInt64 = 0
        @inline(__always) func word(_ index: Int) -> UInt32 {
            // Byte i of `x` is digit i (the most significant first).
            let x = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            // For bytes below 0x80, `x + (0x80 - lo)` sets a byte's high bit iff it is ≥ lo, and
            // `x + (0x7F - hi)` iff it is > hi: no carry crosses bytes.
            let digit = (x &+ (0x80 - 0x30) &* ones) & ~(x &+ (0x7F - 0x39) &* ones)
            let letter = (x &+ (0x80 - 0x61) &* ones) & ~(x &+ (0x7F - 0x66) &* ones)
            invalid |= x & high | ~(digit | letter) & high
            // '0'…'9' are 0x30…0x39, 'a'…'f' are 0x61…0x66: the low nibble, plus 9 for letters.
            let nibbles = (x & 0x0F0F_0F0F_0F0F_0F0F) &+ ((x >> 6) & ones) &* 9
            // Gather the eight nibbles, digit 0 on top.
            var y = nibbles.byteSwapped
            y = (y | y >> 4) & 0x00FF_00FF_00FF_00FF
            y = (y | y >> 8) & 0x0000_FFFF_0000_FFFF
            y = (y | y >> 16) & 0xFFFF_FFFF
            return UInt32(truncatingIfNeeded: y)
        }
        let state = SHA256.State(h0: word(0), h1: word(1), h2: word(2), h3: word(3),
                                 h4: word(4), h5: word(5), h6: word(6), h7: word(7))
        guard invalid == 0 else { return nil }
        self.init(state: state)
    }
}
