// SHA-256 compression (FIPS 180-4 §6.2.2) with the x86 SHA extensions.
//
// sha256rnds2 does two rounds on the working variables held as ABEF and CDGH; sha256msg1 and
// sha256msg2 extend the message schedule four words at a time. The portable Swift
// implementation (SHA256+Compression.swift) is the reference: a test compares the two on
// random input.

#include "CSHA256.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int ledger_sha256_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int ssse3 = (ecx >> 9) & 1;
    int sse41 = (ecx >> 19) & 1;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    int sha = (ebx >> 29) & 1;
    return ssse3 && sse41 && sha;
}

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

__attribute__((target("sha,sse4.1,ssse3")))
void ledger_sha256_compress_hardware(uint32_t state[8], const uint8_t *blocks, size_t count) {
    // Big-endian words: reverse the bytes of each 32-bit lane.
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

    // state is H0..H7 = A B C D E F G H; the instructions want ABEF and CDGH.
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);    // D C B A (high to low)
    __m128i state1 = _mm_loadu_si128((const __m128i *)&state[4]); // H G F E
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                            // C D A B
    state1 = _mm_shuffle_epi32(state1, 0x1B);                      // E F G H
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);              // A B E F
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);                   // C D G H

    while (count-- > 0) {
        const __m128i savedABEF = state0;
        const __m128i savedCDGH = state1;
        __m128i w[4];
        for (int group = 0; group < 16; group++) {
            __m128i words;
            if (group < 4) {
                words = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 16 * group)), byteSwap);
            } else {
                // W[t] for the next four t from the four groups before (kept in w[] mod 4).
                __m128i sum = _mm_sha256msg1_epu32(w[group & 3], w[(group + 1) & 3]);
                sum = _mm_add_epi32(sum, _mm_alignr_epi8(w[(group + 3) & 3], w[(group + 2) & 3], 4));
                words = _mm_sha256msg2_epu32(sum, w[(group + 3) & 3]);
            }
            w[group & 3] = words;
            __m128i message = _mm_add_epi32(words, _mm_loadu_si128((const __m128i *)&K[4 * group]));
            state1 = _mm_sha256rnds2_epu32(state1, state0, message);
            message = _mm_shuffle_epi32(message, 0x0E);
            state0 = _mm_sha256rnds2_epu32(state0, state1, message);
        }
        state0 = _mm_add_epi32(state0, savedABEF);
        state1 = _mm_add_epi32(state1, savedCDGH);
        blocks += 64;
    }

    tmp = _mm_shuffle_epi32(state0, 0x1B);       // F E B A
    state1 = _mm_shuffle_epi32(state1, 0xB1);    // D C H G
    state0 = _mm_blend_epi16(tmp, state1, 0xF0); // D C B A
    state1 = _mm_alignr_epi8(state1, tmp, 8);    // H G F E
    _mm_storeu_si128((__m128i *)&state[0], state0);
    _mm_storeu_si128((__m128i *)&state[4], state1);
}

#else

int ledger_sha256_hardware_available(void) { return 0; }

void ledger_sha256_compress_hardware(uint32_t state[8], const uint8_t *blocks, size_t count) {
    (void)state; (void)blocks; (void)count;
}

#endif
