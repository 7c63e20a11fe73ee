import Foundation
import Testing
import TestSupport
@testable import Events

/// Known-answer tests for the hand-written ``SHA256``.
///
/// The first group are the FIPS 180-2 appendix / NIST CAVS vectors. The
/// boundary-length digests were computed independently with Python's
/// `hashlib.sha256(bytes(range(n))).hexdigest()` (OpenSSL-backed), not with
/// this implementation.
@Suite struct SHA256Tests {
    // MARK: - NIST vectors

    @Test func emptyMessage() {
        #expect(SHA256.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func abc() {
        #expect(SHA256.hash("abc".utf8).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func twoBlockMessage448Bits() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(message.utf8.count == 56)
        #expect(SHA256.hash(message.utf8).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func message896Bits() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(message.utf8.count == 112)
        #expect(SHA256.hash(message.utf8).hex == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func oneMillionLowercaseA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex == expected)

        // The same message fed 1,000 bytes at a time.
        var hasher = SHA256()
        let thousand = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000)
        for _ in 0..<1_000 { hasher.update(thousand) }
        #expect(hasher.finalize().hex == expected)
    }

    // MARK: - Padding boundaries

    /// Digests of `bytes(range(n))` from Python's hashlib (independent implementation).
    static let boundaryDigests: [(length: Int, hex: String)] = [
        (55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"),
        (56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"),
        (63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"),
        (64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"),
        (65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"),
        (119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6"),
        (120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c"),
        (128, "471fb943aa23c511f6f72f8d1652d9c880cfa392ad80503120547703e56a2be5"),
    ]

    @Test(arguments: boundaryDigests)
    func boundaryLength(_ vector: (length: Int, hex: String)) {
        let message = (0..<vector.length).map { UInt8($0) }
        #expect(SHA256.hash(message).hex == vector.hex)

        // Byte-at-a-time streaming crosses every boundary inside the buffer.
        var hasher = SHA256()
        for byte in message { hasher.update(CollectionOfOne(byte)) }
        #expect(hasher.finalize().hex == vector.hex)
    }

    @Test func multiByteUTF8() {
        // Computed with Python: hashlib.sha256('合计 国家金融监督管理总局岳阳监管分局'.encode()).
        #expect(SHA256.hash("合计 国家金融监督管理总局岳阳监管分局".utf8).hex
            == "19227b8548c24addfe6faf5639635d971e99f5937540c10c4b5ce2f1c71723f8")
    }

    // MARK: - Streaming

    @Test func streamingInOddPiecesMatchesOneShot() {
        let message = (0..<10_007).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let expected = SHA256.hash(message)

        for pieceSize in [1, 3, 7, 13, 55, 63, 64, 65, 127, 1_000] {
            var pointerHasher = SHA256()
            var genericHasher = SHA256()
            var start = 0
            while start < message.count {
                let end = min(start + pieceSize, message.count)
                message[start..<end].withUnsafeBytes { pointerHasher.update($0) }
                genericHasher.update(message[start..<end])
                start = end
            }
            #expect(pointerHasher.finalize() == expected, "piece size \(pieceSize)")
            #expect(genericHasher.finalize() == expected, "piece size \(pieceSize)")
        }
    }

    /// The x86 SHA extensions' compression and the Swift one give the same state, on random
    /// states and runs of 1 to 9 blocks at every alignment (skipped on a processor without them).
    @Test(.enabled(if: SHA256.usesProcessorInstructions))
    func processorInstructionsMatchThePortableCompression() {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<(9 * 64 + 16)).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes.withUnsafeBytes { buffer in
            for count in 1...9 {
                for offset in 0..<16 {
                    let start = SHA256.State(h0: .random(in: 0...UInt32.max), h1: .random(in: 0...UInt32.max),
                                             h2: .random(in: 0...UInt32.max), h3: .random(in: 0...UInt32.max),
                                             h4: .random(in: 0...UInt32.max), h5: .random(in: 0...UInt32.max),
                                             h6: .random(in: 0...UInt32.max), h7: .random(in: 0...UInt32.max))
                    var portable = start, hardware = start
                    SHA256.compressPortable(&portable, blocks: buffer.baseAddress! + offset, count: count)
                    SHA256.compressWithProcessorInstructions(&hardware, blocks: buffer.baseAddress! + offset, count: count)
                    #expect(hardware == portable, "\(count) blocks at offset \(offset)")
                    #expect(hardware != start)
                }
            }
        }
    }

    /// Links computed in a batch, sixteen at a time (AVX-512, one message a lane) and four at a
    /// time (the SHA extensions' rounds interleaved), where the processor has them, and one at a
    /// time, are the links computed one at a time outside a batch: bodies of every length from
    /// empty to past the batch's limit, at odd addresses, added in an order that fills each
    /// group of one length at a different moment, with groups left part full for `finish`; each
    /// line's link comes back once, under its number.
    @Test(arguments: [1] + (SHA256.usesProcessorInstructions ? [4] : []) + (HashChain.Batch.isAvailable ? [16] : []))
    func batchedLinksAreTheLinksOneAtATime(lanes: Int) {
        var random = SplitMix64(seed: 17)
        let limit = HashChain.Batch.maximumBlocks * 64 + 100
        let bytes = (0..<(limit + 8)).map { _ in UInt8.random(in: 0...255, using: &random) }
        var lines: [(previous: SHA256.Digest, start: Int, length: Int)] = []
        for length in 0...limit {
            // Lengths near the common chained line's (three blocks) many times over, so that
            // groups fill; the others once or twice.
            let copies = (100...180).contains(length) ? 5 : Int.random(in: 1...2, using: &random)
            for _ in 0..<copies {
                let previous = SHA256.Digest(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) })!
                lines.append((previous, Int.random(in: 1...7, using: &random), length))
            }
        }
        lines.shuffle(using: &random)
        bytes.withUnsafeBytes { buffer in
            func body(_ i: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: buffer[lines[i].start..<(lines[i].start + lines[i].length)])
            }
            var links = [SHA256.Digest?](repeating: nil, count: lines.count)
            var repeated = 0
            func settle(_ i: Int, _ link: SHA256.Digest) {
                if links[i] != nil { repeated += 1 }
                links[i] = link
            }
            var batch = HashChain.Batch(lanes: lanes)
            for i in lines.indices { batch.add(line: i, previous: lines[i].previous, body: body(i), settle: settle) }
            batch.finish(settle)
            #expect(repeated == 0)
            for i in lines.indices {
                #expect(links[i] == HashChain.link(previous: lines[i].previous, body: body(i)), "\(lines[i].length) bytes")
            }
            // The batch is empty again and can be used anew.
            batch.add(line: 0, previous: lines[0].previous, body: body(0), settle: settle)
            batch.finish(settle)
            #expect(links[0] == HashChain.link(previous: lines[0].previous, body: body(0)) && repeated == 1)
        }
    }

    @Test func nonContiguousSequenceMatchesArray() {
        let message = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 17) }
        #expect(SHA256.hash(message.lazy.map { $0 }) == SHA256.hash(message))
        #expect(SHA256.hash(Data(message)) == SHA256.hash(message))
    }

    @Test func finalizeDoesNotConsumeTheHasher() {
        var hasher = SHA256()
        hasher.update("ab".utf8)
        let prefix = hasher.finalize()
        hasher.update("c".utf8)
        #expect(prefix == SHA256.hash("ab".utf8))
        #expect(hasher.finalize() == SHA256.hash("abc".utf8))
    }

    // MARK: - Digest

    @Test func digestHexRoundTrip() throws {
        let digest = SHA256.hash("abc".utf8)
        #expect(digest.bytes.count == 32)
        #expect(digest.bytes.first == 0xba && digest.bytes.last == 0xad)
        #expect(SHA256.Digest(hex: digest.hex) == digest)
        #expect(SHA256.Digest(hex: digest.hex.uppercased()) == digest)
        #expect(SHA256.Digest(bytes: digest.bytes) == digest)
        #expect(digest.description == digest.hex)
    }

    @Test(arguments: ["", "abc", String(repeating: "0", count: 63), String(repeating: "0", count: 66),
                      String(repeating: "g", count: 64), "0x" + String(repeating: "0", count: 62)])
    func digestRejectsMalformedHex(_ text: String) {
        #expect(SHA256.Digest(hex: text) == nil)
    }

    @Test func digestCodableAsHexString() throws {
        let digest = SHA256.hash("abc".utf8)
        let json = try JSONEncoder().encode([digest])
        #expect(String(decoding: json, as: UTF8.self)
            == "[\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"]")
        #expect(try JSONDecoder().decode([SHA256.Digest].self, from: json) == [digest])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([SHA256.Digest].self, from: Data("[\"nope\"]".utf8))
        }
    }
}
