import CLedgerSHA256

extension HashChain {
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
    /// faster way (``isAvailable``), four at a time with the SHA extensions, else one at a time.
    ///
    /// Sixteen lanes: each line's padded message in one 32-bit lane of the vector registers
    /// (`ledger_sha256_compress16_avx512`); on an Intel Xeon with both, a three-block message in
    /// 73–91 ns against 168–175 ns with the SHA extensions two at a time, and on an AMD EPYC
    /// (Zen 5) a chained verify in 18 % less processor time. Four lanes: four messages' rounds
    /// interleaved (`ledger_sha256_compress4_x86`), where two at a time left the SHA unit idle
    /// part of the time (an AMD EPYC, Zen 3: a block in 57–64 time-stamp ticks against 79–93).
    /// Lines are grouped by their messages' number of blocks, so that a group's lanes finish
    /// together; each line's message is written into its group's room as it is added, and a
    /// group is hashed when it is full, the rest by ``finish(_:)``.
    ///
    /// Each line's link is handed to the `settle` function with the number the line was added
    /// with, in no particular order.
    struct Batch: ~Copyable {
        /// Whether this processor runs the sixteen-lane compression, and prefers it.
        static let isAvailable = ledger_sha256_avx512_preferred() != 0

        /// How many lines a batch hashes at once on this processor: 16 with AVX-512 where it is
        /// preferred, 4 with the SHA extensions, else 1.
        static let preferredLanes = isAvailable ? 16 : SHA256.usesProcessorInstructions ? 4 : 1

        /// The longest message hashed in a batch, in blocks; longer ones are hashed one at a time.
        static let maximumBlocks = 8

        /// Lines hashed at once: 16, 4 or 1.
        let lanes: Int

        /// Group `k` (messages of `k + 1` blocks): `lanes` lanes of `k + 1` blocks, at
        /// `messages + lanes * 64 * (0 + 1 + … + k)`.
        private let messages: UnsafeMutableRawPointer
        /// The lines whose messages each group holds, `lanes` a group.
        private let lines: UnsafeMutablePointer<Int>
        /// How many lines each group holds.
        private var waiting: [Int]
        /// The lanes' states.
        private let states: UnsafeMutablePointer<UInt32>

        /// - Parameter lanes: 16 only where ``isAvailable``, 4 only with the SHA extensions
        ///   (tests ask for each the processor runs), else 1.
        init(lanes: Int = preferredLanes) {
            precondition(lanes == 1 || (lanes == 16 && Self.isAvailable) || (lanes == 4 && SHA256.usesProcessorInstructions),
                         "\(lanes) lanes are not available on this processor")
            self.lanes = lanes
            let grouped = lanes > 1
            let bytes = grouped ? lanes * 64 * (Self.maximumBlocks * (Self.maximumBlocks + 1) / 2) : 0
            messages = .allocate(byteCount: bytes, alignment: 64)
            // (A group not full has its empty lanes hashed too.)
            messages.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            lines = .allocate(capacity: grouped ? lanes * Self.maximumBlocks : 0)
            waiting = Array(repeating: 0, count: grouped ? Self.maximumBlocks : 0)
            states = .allocate(capacity: grouped ? lanes * 8 : 0)
        }

        deinit {
            messages.deallocate()
            lines.deallocate()
            states.deallocate()
        }

        /// Where group `k`'s messages are.
        private func room(_ k: Int) -> UnsafeMutableRawPointer { messages + lanes * 64 * (k * (k + 1) / 2) }

        /// Adds a line whose link is `SHA-256(previous ‖ body ‖ "}")`; calls `settle` with the
        /// links of a group it fills.
        mutating func add(line: Int, previous: SHA256.Digest, body: UnsafeRawBufferPointer,
                          settle: (Int, SHA256.Digest) -> Void) {
            let blocks = HashChain.paddedBlocks(body.count)
            guard lanes > 1, blocks <= Self.maximumBlocks else { return settle(line, HashChain.link(previous: previous, body: body)) }
            let k = blocks - 1, lane = waiting[k]
            HashChain.writeMessage(into: room(k) + lane * blocks * 64, previous: previous, body: body, blocks: blocks)
            lines[lanes * k + lane] = line
            waiting[k] = lane + 1
            if lane + 1 == lanes { hash(group: k, settle: settle) }
        }

        /// Hashes the lines still waiting.
        mutating func finish(_ settle: (Int, SHA256.Digest) -> Void) {
            for k in waiting.indices where waiting[k] > 0 { hash(group: k, settle: settle) }
        }

        /// Hashes group `k`'s lines at once and empties it.
        private mutating func hash(group k: Int, settle: (Int, SHA256.Digest) -> Void) {
            let used = waiting[k]
            let initial = SHA256.State.initial
            // (A group not full hashes its empty lanes too, and drops what comes out.)
            for lane in 0..<lanes {
                let h = states + 8 * lane
                (h[0], h[1], h[2], h[3]) = (initial.h0, initial.h1, initial.h2, initial.h3)
                (h[4], h[5], h[6], h[7]) = (initial.h4, initial.h5, initial.h6, initial.h7)
            }
            let blocks = room(k).assumingMemoryBound(to: UInt8.self)
            if lanes == 16 {
                ledger_sha256_compress16_avx512(states, blocks, (k + 1) * 64, k + 1)
            } else {
                ledger_sha256_compress4_x86(states, blocks, (k + 1) * 64, k + 1)
            }
            for lane in 0..<used {
                let h = states + 8 * lane
                settle(lines[lanes * k + lane], SHA256.Digest(state: SHA256.State(h0: h[0], h1: h[1], h2: h[2], h3: h[3],
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
        if SHA256.usesProcessorInstructions { return "four lines at a time (SHA extensions)" }
        return "one line at a time (portable code)"
    }
}
