// The SHA-256 compression function (FIPS 180-4 §6.2.2) with the x86 SHA extensions
// (SHA256RNDS2, SHA256MSG1, SHA256MSG2), which Intel (Goldmont, Ice Lake on) and AMD
// (Zen on) processors have. The Swift implementation in Events is used everywhere else and
// is the reference the tests compare this one with.
#include "CLedgerSHA256.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int ledger_sha256_x86_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ecx & bit_SSSE3) || !(ecx & bit_SSE4_1)) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return (ebx & (1u << 29)) != 0;  // CPUID.(EAX=7, ECX=0):EBX.SHA[bit 29]
}

static const uint32_t K[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// The pieces both compressions are made of, inlined into each.
#define SHA_PIECE static inline __attribute__((always_inline, target("sha,sse4.1,ssse3")))

// A lane's state in the instructions' order, ABEF and CDGH, from H0 ... H7.
SHA_PIECE void load_state(const uint32_t state[8], __m128i *abef, __m128i *cdgh) {
    __m128i cdab = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);
    *abef = _mm_alignr_epi8(cdab, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

// H0 ... H7 from a lane's ABEF and CDGH.
SHA_PIECE void store_state(uint32_t state[8], __m128i abef, __m128i cdgh) {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));  // DCBA
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));    // HGFE
}

// The message words 4g ... 4g+3 of `block` (big endian), kept in w[g % 4], which holds the
// twelve words before them: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], four at a time.
SHA_PIECE __m128i message_words(__m128i w[4], int g, const uint8_t *block) {
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i words;
    if (g < 4) {
        words = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * g)), byteSwap);
    } else {
        __m128i x = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
        x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
        words = _mm_sha256msg2_epu32(x, w[(g + 3) & 3]);
    }
    w[g & 3] = words;
    return words;
}

// Rounds 4g ... 4g+3 with those words.
SHA_PIECE void four_rounds(__m128i *abef, __m128i *cdgh, __m128i words, int g) {
    __m128i message = _mm_add_epi32(words, _mm_load_si128((const __m128i *)&K[4 * g]));
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, message);
    message = _mm_shuffle_epi32(message, 0x0E);
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, message);
}

__attribute__((target("sha,sse4.1,ssse3")))
void ledger_sha256_compress_x86(uint32_t state[8], const uint8_t *blocks, size_t count) {
    __m128i abef, cdgh;
    load_state(state, &abef, &cdgh);
    for (; count > 0; count--, blocks += 64) {
        const __m128i abefSaved = abef, cdghSaved = cdgh;
        __m128i w[4];
        for (int g = 0; g < 16; g++) four_rounds(&abef, &cdgh, message_words(w, g, blocks), g);
        abef = _mm_add_epi32(abef, abefSaved);
        cdgh = _mm_add_epi32(cdgh, cdghSaved);
    }
    store_state(state, abef, cdgh);
}

__attribute__((target("sha,sse4.1,ssse3")))
void ledger_sha256_compress4_x86(uint32_t states[32], const uint8_t *messages, size_t stride, size_t count) {
    __m128i s[4][2];
    for (int lane = 0; lane < 4; lane++) load_state(states + 8 * lane, &s[lane][0], &s[lane][1]);
    for (size_t block = 0; block < count; block++) {
        __m128i saved[4][2], w[4][4];
        for (int lane = 0; lane < 4; lane++) { saved[lane][0] = s[lane][0]; saved[lane][1] = s[lane][1]; }
        // Unrolled, so that the message words stay in registers (rolled, the words' ring is
        // indexed by the step and lives in memory).
#pragma clang loop unroll(full)
        for (int g = 0; g < 16; g++) {
            // The four lanes' steps side by side, each filling the others' latency.
            __m128i x[4];
            for (int lane = 0; lane < 4; lane++) x[lane] = message_words(w[lane], g, messages + lane * stride + block * 64);
            for (int lane = 0; lane < 4; lane++) four_rounds(&s[lane][0], &s[lane][1], x[lane], g);
        }
        for (int lane = 0; lane < 4; lane++) {
            s[lane][0] = _mm_add_epi32(s[lane][0], saved[lane][0]);
            s[lane][1] = _mm_add_epi32(s[lane][1], saved[lane][1]);
        }
    }
    for (int lane = 0; lane < 4; lane++) store_state(states + 8 * lane, s[lane][0], s[lane][1]);
}

int ledger_sha256_avx512_preferred(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx) || eax < 7) return 0;
    // "GenuineIntel" or "AuthenticAMD": EBX, EDX, ECX.
    int intel = ebx == 0x756e6547 && edx == 0x49656e69 && ecx == 0x6c65746e;
    int amd = ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;
    if (!intel && !amd) return 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    // AMD from family 1Ah (Zen 5), whose vector units are 512 bits wide; Zen 4 (19h) runs
    // AVX-512 on 256-bit halves, and keeps the SHA extensions.
    unsigned int family = (eax >> 8) & 0xF;
    if (family == 0xF) family += (eax >> 20) & 0xFF;
    if (amd && family < 0x1A) return 0;
    // The system saves the SSE, AVX and AVX-512 registers (XCR0 bits 1, 2, 5, 6 and 7).
    unsigned int xcr0Low, xcr0High;
    __asm__ volatile("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
    if ((xcr0Low & 0xE6) != 0xE6) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return (ebx & (1u << 16)) != 0 && (ebx & (1u << 30)) != 0;  // AVX512F, AVX512BW
}

// FIPS 180-4 §6.2.2 written out for sixteen messages side by side, a 32-bit lane each:
// every step is one instruction on all sixteen (rotations VPRORD, three-input logic
// VPTERNLOGD), where the SHA extensions run one message's rounds after another.
__attribute__((target("avx512f,avx512bw")))
void ledger_sha256_compress16_avx512(uint32_t states[128], const uint8_t *messages, size_t stride,
                                     size_t count) {
    const __m512i laneNumbers = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i laneStarts = _mm512_mullo_epi32(laneNumbers, _mm512_set1_epi32((int)stride));
    const __m512i stateWords = _mm512_slli_epi32(laneNumbers, 3);
    const __m512i byteSwap = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
    __m512i h[8];
    for (int i = 0; i < 8; i++) h[i] = _mm512_i32gather_epi32(_mm512_add_epi32(stateWords, _mm512_set1_epi32(i)), states, 4);
    for (size_t block = 0; block < count; block++) {
        __m512i w[16];
        __m512i a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        // Unrolled: the message words and the working variables stay in registers, renamed from
        // round to round instead of moved (rolled, each round also loaded and stored its word).
#pragma clang loop unroll(full)
        for (int t = 0; t < 64; t++) {
            __m512i word;
            if (t < 16) {
                const __m512i at = _mm512_add_epi32(laneStarts, _mm512_set1_epi32((int)(block * 64 + 4 * t)));
                word = _mm512_shuffle_epi8(_mm512_i32gather_epi32(at, messages, 1), byteSwap);
            } else {
                const __m512i w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
                const __m512i s0 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(w15, 7), _mm512_ror_epi32(w15, 18),
                                                             _mm512_srli_epi32(w15, 3), 0x96);
                const __m512i s1 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(w2, 17), _mm512_ror_epi32(w2, 19),
                                                             _mm512_srli_epi32(w2, 10), 0x96);
                word = _mm512_add_epi32(_mm512_add_epi32(w[t & 15], s0), _mm512_add_epi32(w[(t - 7) & 15], s1));
            }
            w[t & 15] = word;
            const __m512i sum1 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(e, 6), _mm512_ror_epi32(e, 11),
                                                           _mm512_ror_epi32(e, 25), 0x96);
            const __m512i choice = _mm512_ternarylogic_epi32(e, f, g, 0xCA);
            const __m512i t1 = _mm512_add_epi32(_mm512_add_epi32(hh, sum1),
                                                _mm512_add_epi32(choice, _mm512_add_epi32(word, _mm512_set1_epi32((int)K[t]))));
            const __m512i sum0 = _mm512_ternarylogic_epi32(_mm512_ror_epi32(a, 2), _mm512_ror_epi32(a, 13),
                                                           _mm512_ror_epi32(a, 22), 0x96);
            const __m512i majority = _mm512_ternarylogic_epi32(a, b, c, 0xE8);
            hh = g; g = f; f = e;
            e = _mm512_add_epi32(d, t1);
            d = c; c = b; b = a;
            a = _mm512_add_epi32(t1, _mm512_add_epi32(sum0, majority));
        }
        h[0] = _mm512_add_epi32(h[0], a); h[1] = _mm512_add_epi32(h[1], b);
        h[2] = _mm512_add_epi32(h[2], c); h[3] = _mm512_add_epi32(h[3], d);
        h[4] = _mm512_add_epi32(h[4], e); h[5] = _mm512_add_epi32(h[5], f);
        h[6] = _mm512_add_epi32(h[6], g); h[7] = _mm512_add_epi32(h[7], hh);
    }
    for (int i = 0; i < 8; i++) _mm512_i32scatter_epi32(states, _mm512_add_epi32(stateWords, _mm512_set1_epi32(i)), h[i], 4);
}

#else

int ledger_sha256_x86_available(void) { return 0; }

int ledger_sha256_avx512_preferred(void) { return 0; }

void ledger_sha256_compress16_avx512(uint32_t states[128], const uint8_t *messages, size_t stride,
                                     size_t count) {
    (void)states; (void)messages; (void)stride; (void)count;
}

void ledger_sha256_compress4_x86(uint32_t states[32], const uint8_t *messages, size_t stride, size_t count) {
    (void)states; (void)messages; (void)stride; (void)count;
}

void ledger_sha256_compress_x86(uint32_t state[8], const uint8_t *blocks, size_t count) {
    (void)state; (void)blocks; (void)count;
}

#endif
