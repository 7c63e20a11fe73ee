/// A streaming SHA-256 hasher (FIPS 180-4), written without CryptoKit or
/// any package dependency.
///
/// Feed bytes with `update(_:)` (an `UnsafeRawBufferPointer`, or any
/// sequence of `UInt8`), then call ``finalize()``. Whole 64-byte
/// blocks are compressed straight out of the caller's memory; only a partial
/// block is copied into the hasher's inline buffer, so hashing large inputs
/// allocates nothing.
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(header.utf8)
/// hasher.update(body.utf8)
/// let digest = hasher.finalize()
/// print(digest.hex)
///
/// let same = SHA256.hash((header + body).utf8)  // == digest
/// ```
public struct SHA256: Sendable {
    /// The number of bytes in one compression block.
    public static var blockByteCount: Int { 64 }

    /// The running hash value `H0 … H7`.
    private var state: State = .initial

    /// Bytes that have not yet filled a whole block, kept inline (64 bytes).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0)

    /// How many bytes of `pending` are in use (always `< 64`).
    private var pendingCount = 0

    /// Total number of message bytes fed so far.
    private var messageByteCount: UInt64 = 0

    /// Creates a hasher for a new, empty message.
    public init() {}

    // MARK: - Feeding bytes

    /// Appends the bytes in `buffer` to the message.
    ///
    /// This is the fast path: whole blocks are compressed directly from
    /// `buffer` without copying.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard var input = buffer.baseAddress, buffer.count > 0 else { return }
        var remaining = buffer.count
        messageByteCount &+= UInt64(remaining)

        // Top up a partially filled block first.
        if pendingCount > 0 {
            let taken = min(Self.blockByteCount - pendingCount, remaining)
            let offset = pendingCount
            withUnsafeMutableBytes(of: &pending) { pendingBytes in
                pendingBytes.baseAddress!.advanced(by: offset).copyMemory(from: input, byteCount: taken)
            }
            pendingCount += taken
            input += taken
            remaining -= taken
            guard pendingCount == Self.blockByteCount else { return }
            compressPendingBlock()
        }

        // Compress every whole block in place.
        let wholeBlocks = remaining / Self.blockByteCount
        if wholeBlocks > 0 {
            Self.compress(&state, blocks: input, count: wholeBlocks)
            input += wholeBlocks * Self.blockByteCount
            remaining -= wholeBlocks * Self.blockByteCount
        }

        // Keep the tail for later.
        if remaining > 0 {
            let tail = input
            let tailCount = remaining
            withUnsafeMutableBytes(of: &pending) { pendingBytes in
                pendingBytes.baseAddress!.copyMemory(from: tail, byteCount: tailCount)
            }
            pendingCount = tailCount
        }
    }

    /// Appends `bytes` to the message.
    ///
    /// Contiguous collections (`[UInt8]`, `Data`, native `String.UTF8View`,
    /// array slices, …) take the pointer-based fast path; other sequences are
    /// fed through a small stack buffer.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { elements in
            self.update(UnsafeRawBufferPointer(elements))
        }
        if handled != nil { return }

        // Slow path for non-contiguous sequences: batch into 256-byte chunks.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { chunk in
            var used = 0
            for byte in bytes {
                chunk[used] = byte
                used += 1
                if used == chunk.count {
                    self.update(UnsafeRawBufferPointer(chunk))
                    used = 0
                }
            }
            if used > 0 {
                self.update(UnsafeRawBufferPointer(start: chunk.baseAddress, count: used))
            }
        }
    }

    // MARK: - Finishing

    /// Returns the digest of all bytes fed so far.
    ///
    /// The hasher itself is left untouched, so more bytes may be appended
    /// afterwards to obtain the digest of a longer message.
    public func finalize() -> Digest {
        var copy = self
        return copy.pad()
    }

    /// Hashes `bytes` in one call.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> Digest where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Hashes the bytes of `buffer` in one call.
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> Digest {
        var hasher = SHA256()
        hasher.update(buffer)
        return hasher.finalize()
    }

    /// Applies the FIPS 180-4 padding (`0x80`, zeros, 64-bit bit length) and
    /// returns the final hash value. Consumes the hasher's pending state.
    private mutating func pad() -> Digest {
        let bitLength = messageByteCount &* 8
        let used = pendingCount
        withUnsafeMutableBytes(of: &pending) { block in
            block[used] = 0x80
            for index in (used + 1)..<Self.blockByteCount { block[index] = 0 }
        }
        // Not enough room for the 8-byte length: flush and start a fresh block.
        if used + 1 > Self.blockByteCount - 8 {
            compressPendingBlock()
            pending = (0, 0, 0, 0, 0, 0, 0, 0)
        }
        pending.7 = bitLength.bigEndian
        compressPendingBlock()
        pendingCount = 0
        return Digest(state: state)
    }

    private mutating func compressPendingBlock() {
        var working = state
        withUnsafeBytes(of: &pending) { block in
            Self.compress(&working, blocks: block.baseAddress!, count: 1)
        }
        state = working
        pendingCount = 0
    }
}

// MARK: - Digest

extension SHA256 {
    /// A 32-byte SHA-256 digest.
    ///
    /// Digests compare and hash by value, so they can be used as dictionary
    /// keys. See `SHA256+Hex.swift` for the hexadecimal form and `Codable`.
    public struct Digest: Sendable, Hashable {
        /// The number of bytes in a digest.
        public static var byteCount: Int { 32 }

        /// The final hash value; byte `i` of the digest is byte `i % 4` (big
        /// endian) of word `i / 4`.
        let state: State

        init(state: State) {
            self.state = state
        }

        /// Creates a digest from exactly 32 bytes, or returns `nil` when
        /// `bytes` has any other length.
        public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
            guard bytes.count == Self.byteCount else { return nil }
            var words = [UInt32](repeating: 0, count: 8)
            for (index, byte) in bytes.enumerated() {
                words[index / 4] = words[index / 4] << 8 | UInt32(byte)
            }
            state = State(
                h0: words[0], h1: words[1], h2: words[2], h3: words[3],
                h4: words[4], h5: words[5], h6: words[6], h7: words[7]
            )
        }

        /// The 32 digest bytes, in order.
        public var bytes: [UInt8] {
            withUnsafeBytes { Array($0) }
        }

        /// Calls `body` with the 32 digest bytes, without allocating.
        public func withUnsafeBytes<Result>(
            _ body: (UnsafeRawBufferPointer) throws -> Result
        ) rethrows -> Result {
            let bigEndianWords = (
                state.h0.bigEndian, state.h1.bigEndian, state.h2.bigEndian, state.h3.bigEndian,
                state.h4.bigEndian, state.h5.bigEndian, state.h6.bigEndian, state.h7.bigEndian
            )
            return try Swift.withUnsafeBytes(of: bigEndianWords, body)
        }
    }
}

// MARK: - Hash state

extension SHA256 {
    /// The eight 32-bit words of the intermediate hash value.
    struct State: Sendable, Hashable {
        var h0, h1, h2, h3, h4, h5, h6, h7: UInt32

        /// The initial hash value `H(0)` (FIPS 180-4 §5.3.3).
        static let initial = State(
            h0: 0x6a09_e667, h1: 0xbb67_ae85, h2: 0x3c6e_f372, h3: 0xa54f_f53a,
            h4: 0x510e_527f, h5: 0x9b05_688c, h6: 0x1f83_d9ab, h7: 0x5be0_cd19
        )
    }
}
