/// A line's chain member as a decoding worker read it, and its link recomputed there.
///
/// Each chained line's value is `SHA-256(previous ‖ body ‖ "}")` where `previous` is the value
/// stored on the line before it (see ``HashChain``), so every line's link can be computed as soon
/// as its block is read, in parallel: only the value the verifier goes on from — which differs
/// from the stored one only at the start of a chain or after a break — is known in file order.
/// ``ChainVerifier/check(_:scanned:basis:)`` uses ``expected`` when the value it goes on from is
/// the one the worker used, and computes the link itself otherwise.
struct ScannedChainLink {
    /// How the line ends (after a final `\r` is looked past, as ``ChainVerifier`` does).
    var ending: ChainMember.Ending
    /// The line's link computed from the stored value of the line before it in the block;
    /// `nil` for an unchained line or when there was no such value.
    var expected: SHA256.Digest?

    /// Reads `line`'s chain member; ``expected`` is left for ``body(of:)`` and the value stored
    /// on the line before (see `ScannedBlock.linkChain()`, which computes the links in pairs).
    init(reading line: UnsafeRawBufferPointer) {
        ending = ChainMember.ending(of: Self.trimmed(line))
        expected = nil
    }

    /// The bytes of `line` (this link's line) its value hashes after the previous value: the
    /// body before its chain member; `nil` for an unchained line.
    func body(of line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        switch ending {
        case .none: nil
        case .intact(let bodyEnd, _), .damaged(let bodyEnd, _): UnsafeRawBufferPointer(rebasing: Self.trimmed(line)[..<bodyEnd])
        }
    }

    /// The line with a final `\r` looked past, as ``ChainVerifier`` does.
    private static func trimmed(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        line.last == 0x0D ? UnsafeRawBufferPointer(rebasing: line.dropLast()) : line
    }

    /// The value the line stores, when it has a chain member whose digits can be read.
    var storedValue: SHA256.Digest? {
        switch ending {
        case .none: nil
        case .intact(_, let value): value
        case .damaged(_, let value): value
        }
    }
}
