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
void ledger_sha256_compress2_x86(uint32_t stateA[8], const uint8_t *blocksA,
                                 uint32_t stateB[8], const uint8_t *blocksB, size_t count) {
    __m128i a0, a1, b0, b1;
    load_state(stateA, &a0, &a1);
    load_state(stateB, &b0, &b1);
    for (; count > 0; count--, blocksA += 64, blocksB += 64) {
        const __m128i aSaved0 = a0, aSaved1 = a1, bSaved0 = b0, bSaved1 = b1;
        __m128i wa[4], wb[4];
        for (int g = 0; g < 16; g++) {
            // The two lanes' steps side by side, so that each fills the other's latency.
            __m128i xa = message_words(wa, g, blocksA), xb = message_words(wb, g, blocksB);
            four_rounds(&a0, &a1, xa, g);
            four_rounds(&b0, &b1, xb, g);
        }
        a0 = _mm_add_epi32(a0, aSaved0);
        a1 = _mm_add_epi32(a1, aSaved1);
        b0 = _mm_add_epi32(b0, bSaved0);
        b1 = _mm_add_epi32(b1, bSaved1);
    }
    store_state(stateA, a0, a1);
    store_state(stateB, b0, b1);
}

#else

int ledger_sha256_x86_available(void) { return 0; }

void ledger_sha256_compress2_x86(uint32_t stateA[8], const uint8_t *blocksA,
                                 uint32_t stateB[8], const uint8_t *blocksB, size_t count) {
    (void)stateA; (void)blocksA; (void)stateB; (void)blocksB; (void)count;
}

void ledger_sha256_compress_x86(uint32_t state[8], const uint8_t *blocks, size_t count) {
    (void)state; (void)blocks; (void)count;
}

#endif
