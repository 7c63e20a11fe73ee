import CLedgerSHA256

extension HashChain {
    /// ``link(previous:body:)`` of two lines at once, the same two values: with the x86 SHA
    /// extensions the two hashes run interleaved (one hash's rounds each wait for the one
    /// before; two independent ones keep the processor's SHA unit busy), else one after the other.
    static func links(_ first: (previous: SHA256.Digest, body: UnsafeRawBufferPointer),
                      _ second: (previous: SHA256.Digest, body: UnsafeRawBufferPointer)) -> (SHA256.Digest, SHA256.Digest) {
        let (blocks0, blocks1) = (paddedBlocks(first.body.count), paddedBlocks(second.body.count))
        guard SHA256.usesProcessorInstructions, blocks0 <= maximumPairedBlocks, blocks1 <= maximumPairedBlocks else {
            return (link(previous: first.previous, body: first.body), link(previous: second.previous, body: second.body))
        }
        let room = maximumPairedBlocks * 64
        return withUnsafeTemporaryAllocation(byteCount: 2 * room, alignment: 16) { buffer in
            let message0 = buffer.baseAddress!, message1 = buffer.baseAddress! + room
            writeMessage(into: message0, previous: first.previous, body: first.body, blocks: blocks0)
            writeMessage(into: message1, previous: second.previous, body: second.body, blocks: blocks1)
            var state0 = SHA256.State.initial, state1 = SHA256.State.initial
            let both = min(blocks0, blocks1)
            SHA256.withWords(&state0) { words0 in
                SHA256.withWords(&state1) { words1 in
                    ledger_sha256_compress2_x86(words0, message0.assumingMemoryBound(to: UInt8.self),
                                                words1, message1.assumingMemoryBound(to: UInt8.self), both)
                }
            }
            if blocks0 > both { SHA256.compress(&state0, blocks: message0 + both * 64, count: blocks0 - both) }
            if blocks1 > both { SHA256.compress(&state1, blocks: message1 + both * 64, count: blocks1 - both) }
            return (SHA256.Digest(state: state0), SHA256.Digest(state: state1))
        }
    }

    /// The longest message ``links(_:_:)`` hashes in pairs (a chained line is about 150 bytes,
    /// three blocks); longer ones are hashed one at a time.
    static let maximumPairedBlocks = 8

    /// The 64-byte blocks of a link's padded message: previous, body, brace, 0x80, length.
    private static func paddedBlocks(_ bodyCount: Int) -> Int { (32 + bodyCount + 1 + 1 + 8 + 63) / 64 }

    /// Writes a link's padded message (FIPS 180-4 §5.1.1) of `blocks` blocks.
    private static func writeMessage(into message: UnsafeMutableRawPointer, previous: SHA256.Digest,
                                     body: UnsafeRawBufferPointer, blocks: Int) {
        previous.withUnsafeBytes { message.copyMemory(from: $0.baseAddress!, byteCount: 32) }
        if let base = body.baseAddress { (message + 32).copyMemory(from: base, byteCount: body.count) }
        var at = 32 + body.count
        message.storeBytes(of: UInt8(ascii: "}"), toByteOffset: at, as: UInt8.self)
        message.storeBytes(of: 0x80, toByteOffset: at + 1, as: UInt8.self)
        at += 2
        let end = blocks * 64
        (message + at).initializeMemory(as: UInt8.self, repeating: 0, count: end - 8 - at)
        let bits = UInt64(32 + body.count + 1) * 8
        message.storeBytes(of: bits.bigEndian, toByteOffset: end - 8, as: UInt64.self)
    }
}
