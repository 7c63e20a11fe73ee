import CLedgerSHA256

/// The SHA-256 compression function (FIPS 180-4 §6.2.2), fully unrolled.
///
/// All 64 rounds are spelled out with the round constants as immediates and
/// a 16-word rolling message schedule held in locals, so the optimizer can
/// keep the working variables in registers. The eight working variables are
/// never shuffled: each round names them in rotated order instead.
/// The round constants are `K(256)` from FIPS 180-4 §4.2.2.
extension SHA256 {
    /// Whether ``compress(_:blocks:count:)`` uses the processor's SHA instructions (x86 SHA
    /// extensions, checked once with CPUID) rather than ``compressPortable(_:blocks:count:)``.
    static let usesProcessorInstructions = ledger_sha256_x86_available() != 0

    /// Compresses `count` consecutive 64-byte blocks starting at `blocks`
    /// into `state`. `blocks` need not be aligned.
    ///
    /// With the x86 SHA extensions (``usesProcessorInstructions``) a block costs about a
    /// seventh of the portable code's time; both give the same result (the tests compare them).
    @inline(__always)
    static func compress(_ state: inout State, blocks: UnsafeRawPointer, count: Int) {
        if usesProcessorInstructions {
            compressWithProcessorInstructions(&state, blocks: blocks, count: count)
        } else {
            compressPortable(&state, blocks: blocks, count: count)
        }
    }

    /// ``compress(_:blocks:count:)`` with the x86 SHA extensions; only when
    /// ``usesProcessorInstructions``.
    static func compressWithProcessorInstructions(_ state: inout State, blocks: UnsafeRawPointer, count: Int) {
        withWords(&state) { ledger_sha256_compress_x86($0, blocks.assumingMemoryBound(to: UInt8.self), count) }
    }

    /// Calls `body` with `state` as the eight words H0 ... H7 the C compressions take, and keeps
    /// what it leaves there.
    static func withWords<R>(_ state: inout State, _ body: (UnsafeMutablePointer<UInt32>) -> R) -> R {
        var words = (state.h0, state.h1, state.h2, state.h3, state.h4, state.h5, state.h6, state.h7)
        let result = withUnsafeMutableBytes(of: &words) { body($0.baseAddress!.assumingMemoryBound(to: UInt32.self)) }
        state = State(h0: words.0, h1: words.1, h2: words.2, h3: words.3, h4: words.4, h5: words.5, h6: words.6, h7: words.7)
        return result
    }

    /// The compression function in Swift, for any processor.
    static func compressPortable(_ state: inout State, blocks: UnsafeRawPointer, count: Int) {
        var h0 = state.h0, h1 = state.h1, h2 = state.h2, h3 = state.h3
        var h4 = state.h4, h5 = state.h5, h6 = state.h6, h7 = state.h7
        var block = blocks
        for _ in 0..<count {
            var w0 = loadBigEndianWord(block, 0)
            var w1 = loadBigEndianWord(block, 1)
            var w2 = loadBigEndianWord(block, 2)
            var w3 = loadBigEndianWord(block, 3)
            var w4 = loadBigEndianWord(block, 4)
            var w5 = loadBigEndianWord(block, 5)
            var w6 = loadBigEndianWord(block, 6)
            var w7 = loadBigEndianWord(block, 7)
            var w8 = loadBigEndianWord(block, 8)
            var w9 = loadBigEndianWord(block, 9)
            var w10 = loadBigEndianWord(block, 10)
            var w11 = loadBigEndianWord(block, 11)
            var w12 = loadBigEndianWord(block, 12)
            var w13 = loadBigEndianWord(block, 13)
            var w14 = loadBigEndianWord(block, 14)
            var w15 = loadBigEndianWord(block, 15)
            var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7

            // Rounds 0-15.
            round(a, b, c, &d, e, f, g, &h, 0x428a_2f98 &+ w0)
            round(h, a, b, &c, d, e, f, &g, 0x7137_4491 &+ w1)
            round(g, h, a, &b, c, d, e, &f, 0xb5c0_fbcf &+ w2)
            round(f, g, h, &a, b, c, d, &e, 0xe9b5_dba5 &+ w3)
            round(e, f, g, &h, a, b, c, &d, 0x3956_c25b &+ w4)
            round(d, e, f, &g, h, a, b, &c, 0x59f1_11f1 &+ w5)
            round(c, d, e, &f, g, h, a, &b, 0x923f_82a4 &+ w6)
            round(b, c, d, &e, f, g, h, &a, 0xab1c_5ed5 &+ w7)
            round(a, b, c, &d, e, f, g, &h, 0xd807_aa98 &+ w8)
            round(h, a, b, &c, d, e, f, &g, 0x1283_5b01 &+ w9)
            round(g, h, a, &b, c, d, e, &f, 0x2431_85be &+ w10)
            round(f, g, h, &a, b, c, d, &e, 0x550c_7dc3 &+ w11)
            round(e, f, g, &h, a, b, c, &d, 0x72be_5d74 &+ w12)
            round(d, e, f, &g, h, a, b, &c, 0x80de_b1fe &+ w13)
            round(c, d, e, &f, g, h, a, &b, 0x9bdc_06a7 &+ w14)
            round(b, c, d, &e, f, g, h, &a, 0xc19b_f174 &+ w15)
            // Rounds 16-31, extending the schedule in place.
            w0 &+= smallSigma1(w14) &+ w9 &+ smallSigma0(w1)
            round(a, b, c, &d, e, f, g, &h, 0xe49b_69c1 &+ w0)
            w1 &+= smallSigma1(w15) &+ w10 &+ smallSigma0(w2)
            round(h, a, b, &c, d, e, f, &g, 0xefbe_4786 &+ w1)
            w2 &+= smallSigma1(w0) &+ w11 &+ smallSigma0(w3)
            round(g, h, a, &b, c, d, e, &f, 0x0fc1_9dc6 &+ w2)
            w3 &+= smallSigma1(w1) &+ w12 &+ smallSigma0(w4)
            round(f, g, h, &a, b, c, d, &e, 0x240c_a1cc &+ w3)
            w4 &+= smallSigma1(w2) &+ w13 &+ smallSigma0(w5)
            round(e, f, g, &h, a, b, c, &d, 0x2de9_2c6f &+ w4)
            w5 &+= smallSigma1(w3) &+ w14 &+ smallSigma0(w6)
            round(d, e, f, &g, h, a, b, &c, 0x4a74_84aa &+ w5)
            w6 &+= smallSigma1(w4) &+ w15 &+ smallSigma0(w7)
            round(c, d, e, &f, g, h, a, &b, 0x5cb0_a9dc &+ w6)
            w7 &+= smallSigma1(w5) &+ w0 &+ smallSigma0(w8)
            round(b, c, d, &e, f, g, h, &a, 0x76f9_88da &+ w7)
            w8 &+= smallSigma1(w6) &+ w1 &+ smallSigma0(w9)
            round(a, b, c, &d, e, f, g, &h, 0x983e_5152 &+ w8)
            w9 &+= smallSigma1(w7) &+ w2 &+ smallSigma0(w10)
            round(h, a, b, &c, d, e, f, &g, 0xa831_c66d &+ w9)
            w10 &+= smallSigma1(w8) &+ w3 &+ smallSigma0(w11)
            round(g, h, a, &b, c, d, e, &f, 0xb003_27c8 &+ w10)
            w11 &+= smallSigma1(w9) &+ w4 &+ smallSigma0(w12)
            round(f, g, h, &a, b, c, d, &e, 0xbf59_7fc7 &+ w11)
            w12 &+= smallSigma1(w10) &+ w5 &+ smallSigma0(w13)
            round(e, f, g, &h, a, b, c, &d, 0xc6e0_0bf3 &+ w12)
            w13 &+= smallSigma1(w11) &+ w6 &+ smallSigma0(w14)
            round(d, e, f, &g, h, a, b, &c, 0xd5a7_9147 &+ w13)
            w14 &+= smallSigma1(w12) &+ w7 &+ smallSigma0(w15)
            round(c, d, e, &f, g, h, a, &b, 0x06ca_6351 &+ w14)
            w15 &+= smallSigma1(w13) &+ w8 &+ smallSigma0(w0)
            round(b, c, d, &e, f, g, h, &a, 0x1429_2967 &+ w15)
            // Rounds 32-47, extending the schedule in place.
            w0 &+= smallSigma1(w14) &+ w9 &+ smallSigma0(w1)
            round(a, b, c, &d, e, f, g, &h, 0x27b7_0a85 &+ w0)
            w1 &+= smallSigma1(w15) &+ w10 &+ smallSigma0(w2)
            round(h, a, b, &c, d, e, f, &g, 0x2e1b_2138 &+ w1)
            w2 &+= smallSigma1(w0) &+ w11 &+ smallSigma0(w3)
            round(g, h, a, &b, c, d, e, &f, 0x4d2c_6dfc &+ w2)
            w3 &+= smallSigma1(w1) &+ w12 &+ smallSigma0(w4)
            round(f, g, h, &a, b, c, d, &e, 0x5338_0d13 &+ w3)
            w4 &+= smallSigma1(w2) &+ w13 &+ smallSigma0(w5)
            round(e, f, g, &h, a, b, c, &d, 0x650a_7354 &+ w4)
            w5 &+= smallSigma1(w3) &+ w14 &+ smallSigma0(w6)
            round(d, e, f, &g, h, a, b, &c, 0x766a_0abb &+ w5)
            w6 &+= smallSigma1(w4) &+ w15 &+ smallSigma0(w7)
            round(c, d, e, &f, g, h, a, &b, 0x81c2_c92e &+ w6)
            w7 &+= smallSigma1(w5) &+ w0 &+ smallSigma0(w8)
            round(b, c, d, &e, f, g, h, &a, 0x9272_2c85 &+ w7)
            w8 &+= smallSigma1(w6) &+ w1 &+ smallSigma0(w9)
            round(a, b, c, &d, e, f, g, &h, 0xa2bf_e8a1 &+ w8)
            w9 &+= smallSigma1(w7) &+ w2 &+ smallSigma0(w10)
            round(h, a, b, &c, d, e, f, &g, 0xa81a_664b &+ w9)
            w10 &+= smallSigma1(w8) &+ w3 &+ smallSigma0(w11)
            round(g, h, a, &b, c, d, e, &f, 0xc24b_8b70 &+ w10)
            w11 &+= smallSigma1(w9) &+ w4 &+ smallSigma0(w12)
            round(f, g, h, &a, b, c, d, &e, 0xc76c_51a3 &+ w11)
            w12 &+= smallSigma1(w10) &+ w5 &+ smallSigma0(w13)
            round(e, f, g, &h, a, b, c, &d, 0xd192_e819 &+ w12)
            w13 &+= smallSigma1(w11) &+ w6 &+ smallSigma0(w14)
            round(d, e, f, &g, h, a, b, &c, 0xd699_0624 &+ w13)
            w14 &+= smallSigma1(w12) &+ w7 &+ smallSigma0(w15)
            round(c, d, e, &f, g, h, a, &b, 0xf40e_3585 &+ w14)
            w15 &+= smallSigma1(w13) &+ w8 &+ smallSigma0(w0)
            round(b, c, d, &e, f, g, h, &a, 0x106a_a070 &+ w15)
            // Rounds 48-63, extending the schedule in place.
            w0 &+= smallSigma1(w14) &+ w9 &+ smallSigma0(w1)
            round(a, b, c, &d, e, f, g, &h, 0x19a4_c116 &+ w0)
            w1 &+= smallSigma1(w15) &+ w10 &+ smallSigma0(w2)
            round(h, a, b, &c, d, e, f, &g, 0x1e37_6c08 &+ w1)
            w2 &+= smallSigma1(w0) &+ w11 &+ smallSigma0(w3)
            round(g, h, a, &b, c, d, e, &f, 0x2748_774c &+ w2)
            w3 &+= smallSigma1(w1) &+ w12 &+ smallSigma0(w4)
            round(f, g, h, &a, b, c, d, &e, 0x34b0_bcb5 &+ w3)
            w4 &+= smallSigma1(w2) &+ w13 &+ smallSigma0(w5)
            round(e, f, g, &h, a, b, c, &d, 0x391c_0cb3 &+ w4)
            w5 &+= smallSigma1(w3) &+ w14 &+ smallSigma0(w6)
            round(d, e, f, &g, h, a, b, &c, 0x4ed8_aa4a &+ w5)
            w6 &+= smallSigma1(w4) &+ w15 &+ smallSigma0(w7)
            round(c, d, e, &f, g, h, a, &b, 0x5b9c_ca4f &+ w6)
            w7 &+= smallSigma1(w5) &+ w0 &+ smallSigma0(w8)
            round(b, c, d, &e, f, g, h, &a, 0x682e_6ff3 &+ w7)
            w8 &+= smallSigma1(w6) &+ w1 &+ smallSigma0(w9)
            round(a, b, c, &d, e, f, g, &h, 0x748f_82ee &+ w8)
            w9 &+= smallSigma1(w7) &+ w2 &+ smallSigma0(w10)
            round(h, a, b, &c, d, e, f, &g, 0x78a5_636f &+ w9)
            w10 &+= smallSigma1(w8) &+ w3 &+ smallSigma0(w11)
            round(g, h, a, &b, c, d, e, &f, 0x84c8_7814 &+ w10)
            w11 &+= smallSigma1(w9) &+ w4 &+ smallSigma0(w12)
            round(f, g, h, &a, b, c, d, &e, 0x8cc7_0208 &+ w11)
            w12 &+= smallSigma1(w10) &+ w5 &+ smallSigma0(w13)
            round(e, f, g, &h, a, b, c, &d, 0x90be_fffa &+ w12)
            w13 &+= smallSigma1(w11) &+ w6 &+ smallSigma0(w14)
            round(d, e, f, &g, h, a, b, &c, 0xa450_6ceb &+ w13)
            w14 &+= smallSigma1(w12) &+ w7 &+ smallSigma0(w15)
            round(c, d, e, &f, g, h, a, &b, 0xbef9_a3f7 &+ w14)
            w15 &+= smallSigma1(w13) &+ w8 &+ smallSigma0(w0)
            round(b, c, d, &e, f, g, h, &a, 0xc671_78f2 &+ w15)

            h0 &+= a
            h1 &+= b
            h2 &+= c
            h3 &+= d
            h4 &+= e
            h5 &+= f
            h6 &+= g
            h7 &+= h
            block += blockByteCount
        }
        state = State(h0: h0, h1: h1, h2: h2, h3: h3, h4: h4, h5: h5, h6: h6, h7: h7)
    }

    /// One round: `d += T1` becomes the new `e`, `h = T1 + T2` the new `a`.
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
        _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32,
        _ constantPlusWord: UInt32
    ) {
        let bigSigma1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
        let choose = g ^ (e & (f ^ g))
        let t1 = h &+ bigSigma1 &+ choose &+ constantPlusWord
        let bigSigma0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
        let majority = (a & b) | (c & (a | b))
        d &+= t1
        h = t1 &+ bigSigma0 &+ majority
    }

    /// `σ0` of the message schedule.
    @inline(__always)
    private static func smallSigma0(_ x: UInt32) -> UInt32 {
        x.rotatedRight(7) ^ x.rotatedRight(18) ^ (x &>> 3)
    }

    /// `σ1` of the message schedule.
    @inline(__always)
    private static func smallSigma1(_ x: UInt32) -> UInt32 {
        x.rotatedRight(17) ^ x.rotatedRight(19) ^ (x &>> 10)
    }

    /// Reads message word `index` of `block` (big endian, unaligned).
    @inline(__always)
    private static func loadBigEndianWord(_ block: UnsafeRawPointer, _ index: Int) -> UInt32 {
        UInt32(bigEndian: block.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self))
    }
}

extension UInt32 {
    /// Circular right rotation (`ROTR`); compiles to a single instruction.
    @inline(__always)
    fileprivate func rotatedRight(_ amount: UInt32) -> UInt32 {
        (self &>> amount) | (self &<< (32 &- amount))
    }
}
