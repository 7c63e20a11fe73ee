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
    static func paddedBlocks(_ bodyCount: Int) -> Int { (32 + bodyCount + 1 + 1 + 8 + 63) / 64 }

    /// Writes a link's padded message (FIPS 180-4 §5.1.1) of `blocks` blocks.
    static func writeMessage(into message: UnsafeMutableRawPointer, previous: SHA256.Digest,
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

extension HashChain {
    /// ``link(previous:body:)`` of many lines: sixteen at a time with AVX-512 where that is the
    /// faster way (``isAvailable``), else two at a time (``links(_:_:)``).
    ///
    /// Sixteen lanes: each line's padded message in one 32-bit lane of the vector registers
    /// (`ledger_sha256_compress16_avx512`); on an Intel Xeon with both, a three-block message in
    /// 73–91 ns against 168–175 ns with the SHA extensions two at a time, and on an AMD EPYC
    /// (Zen 5) a chained verify in 18 % less processor time. Lines are grouped by
    /// their messages' number of blocks, so that a group's lanes finish together; each line's
    /// message is written into its group's room as it is added, and a group is hashed when it
    /// holds sixteen, the rest by ``finish(_:)``.
    ///
    /// Each line's link is handed to the `settle` function with the number the line was added
    /// with, in no particular order.
    struct Batch: ~Copyable {
        /// Whether this processor runs the sixteen-lane compression, and prefers it.
        static let isAvailable = ledger_sha256_avx512_preferred() != 0

        /// The longest message hashed in a batch, in blocks; longer ones are hashed one at a time.
        static let maximumBlocks = 8
        private static let lanes = 16

        /// Whether lines are hashed sixteen at a time (else two at a time).
        let sixteenLanes: Bool
        /// Two at a time: the line waiting for a second.
        private var pending: (line: Int, previous: SHA256.Digest, body: UnsafeRawBufferPointer)?

        /// Group `k` (messages of `k + 1` blocks): sixteen lanes of `k + 1` blocks, at
        /// `messages + 16 * 64 * (0 + 1 + … + k)`.
        private let messages: UnsafeMutableRawPointer
        /// The lines whose messages each group holds, sixteen a group.
        private let lines: UnsafeMutablePointer<Int>
        /// How many lines each group holds.
        private var waiting: [Int]
        /// Sixteen lanes' states.
        private let states: UnsafeMutablePointer<UInt32>

        /// - Parameter sixteenLanes: Sixteen lines at a time; only where ``isAvailable`` (tests
        ///   ask for two at a time on any processor).
        init(sixteenLanes: Bool = isAvailable) {
            precondition(!sixteenLanes || Self.isAvailable, "the sixteen-lane compression needs AVX-512")
            self.sixteenLanes = sixteenLanes
            let bytes = sixteenLanes ? Self.lanes * 64 * (Self.maximumBlocks * (Self.maximumBlocks + 1) / 2) : 0
            messages = .allocate(byteCount: bytes, alignment: 64)
            // (A group not full has its empty lanes hashed too.)
            messages.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            lines = .allocate(capacity: sixteenLanes ? Self.lanes * Self.maximumBlocks : 0)
            waiting = Array(repeating: 0, count: sixteenLanes ? Self.maximumBlocks : 0)
            states = .allocate(capacity: sixteenLanes ? Self.lanes * 8 : 0)
        }

        deinit {
            messages.deallocate()
            lines.deallocate()
            states.deallocate()
        }

        /// Where group `k`'s messages are.
        private func room(_ k: Int) -> UnsafeMutableRawPointer { messages + Self.lanes * 64 * (k * (k + 1) / 2) }

        /// Adds a line whose link is `SHA-256(previous ‖ body ‖ "}")`; calls `settle` with the
        /// links of a group it fills.
        mutating func add(line: Int, previous: SHA256.Digest, body: UnsafeRawBufferPointer,
                          settle: (Int, SHA256.Digest) -> Void) {
            guard sixteenLanes else {
                guard let first = pending else { return pending = (line, previous, body) }
                let (one, two) = HashChain.links((first.previous, first.body), (previous, body))
                settle(first.line, one)
                settle(line, two)
                pending = nil
                return
            }
            let blocks = HashChain.paddedBlocks(body.count)
            guard blocks <= Self.maximumBlocks else { return settle(line, HashChain.link(previous: previous, body: body)) }
            let k = blocks - 1, lane = waiting[k]
            HashChain.writeMessage(into: room(k) + lane * blocks * 64, previous: previous, body: body, blocks: blocks)
            lines[Self.lanes * k + lane] = line
            waiting[k] = lane + 1
            if lane + 1 == Self.lanes { hash(group: k, settle: settle) }
        }

        /// Hashes the lines still waiting.
        mutating func finish(_ settle: (Int, SHA256.Digest) -> Void) {
            if let last = pending {
                settle(last.line, HashChain.link(previous: last.previous, body: last.body))
                pending = nil
            }
            for k in waiting.indices where waiting[k] > 0 { hash(group: k, settle: settle) }
        }

        /// Hashes group `k`'s lines at once and empties it.
        private mutating func hash(group k: Int, settle: (Int, SHA256.Digest) -> Void) {
            let used = waiting[k]
            let initial = SHA256.State.initial
            // (A group not full hashes its empty lanes too, and drops what comes out.)
            for lane in 0..<Self.lanes {
                let h = states + 8 * lane
                (h[0], h[1], h[2], h[3]) = (initial.h0, initial.h1, initial.h2, initial.h3)
                (h[4], h[5], h[6], h[7]) = (initial.h4, initial.h5, initial.h6, initial.h7)
            }
            ledger_sha256_compress16_avx512(states, room(k).assumingMemoryBound(to: UInt8.self), (k + 1) * 64, k + 1)
            for lane in 0..<used {
                let h = states + 8 * lane
                settle(lines[Self.lanes * k + lane], SHA256.Digest(state: SHA256.State(h0: h[0], h1: h[1], h2: h[2], h3: h[3],
                                                                                      h4: h[4], h5: h[5], h6: h[6], h7: h[7])))
            }
            waiting[k] = 0
        }
    }
}

extension HashChain {
    /// How ``Batch`` computes many lines' links on this processor, in words, for reports of
    /// measurements (`ledger-bench run`).
    package static var batchMethod: String {
        if Batch.isAvailable { return "sixteen lines at a time (AVX-512)" }
        if SHA256.usesProcessorInstructions { return "two lines at a time (SHA extensions)" }
        return "one line at a time (portable code)"
    }
}
