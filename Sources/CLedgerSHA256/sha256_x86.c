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

__attribute__((target("sha,sse4.1,ssse3")))
void ledger_sha256_compress_x86(uint32_t state[8], const uint8_t *blocks, size_t count) {
    // Byte order: message words are big endian.
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    // The instructions keep the state as ABEF and CDGH.
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1);  // CDAB
    __m128i state1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);  // EFGH
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);  // ABEF
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);  // CDGH
    for (; count > 0; count--, blocks += 64) {
        const __m128i abefSaved = state0, cdghSaved = state1;
        // w[g % 4] holds the message words 4g ... 4g+3.
        __m128i w[4];
        for (int g = 0; g < 16; g++) {
            __m128i words;
            if (g < 4) {
                words = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 16 * g)), byteSwap);
            } else {
                // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], four words at a time.
                __m128i x = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                words = _mm_sha256msg2_epu32(x, w[(g + 3) & 3]);
            }
            w[g & 3] = words;
            __m128i message = _mm_add_epi32(words, _mm_load_si128((const __m128i *)&K[4 * g]));
            state1 = _mm_sha256rnds2_epu32(state1, state0, message);
            message = _mm_shuffle_epi32(message, 0x0E);
            state0 = _mm_sha256rnds2_epu32(state0, state1, message);
        }
        state0 = _mm_add_epi32(state0, abefSaved);
        state1 = _mm_add_epi32(state1, cdghSaved);
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);  // FEBA
    state1 = _mm_shuffle_epi32(state1, 0xB1);  // DCHG
    state0 = _mm_blend_epi16(tmp, state1, 0xF0);  // DCBA
    state1 = _mm_alignr_epi8(state1, tmp, 8);  // HGFE
    _mm_storeu_si128((__m128i *)&state[0], state0);
    _mm_storeu_si128((__m128i *)&state[4], state1);
}

// One lane's state in the instructions' order (ABEF, CDGH), loaded from and stored to H0 ... H7.
#define LOAD_STATE(state, abef, cdgh) do { \
        __m128i t_ = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&(state)[0]), 0xB1); \
        cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&(state)[4]), 0x1B); \
        abef = _mm_alignr_epi8(t_, cdgh, 8); \
        cdgh = _mm_blend_epi16(cdgh, t_, 0xF0); \
    } while (0)
#define STORE_STATE(state, abef, cdgh) do { \
        __m128i t_ = _mm_shuffle_epi32(abef, 0x1B); \
        __m128i u_ = _mm_shuffle_epi32(cdgh, 0xB1); \
        _mm_storeu_si128((__m128i *)&(state)[0], _mm_blend_epi16(t_, u_, 0xF0)); \
        _mm_storeu_si128((__m128i *)&(state)[4], _mm_alignr_epi8(u_, t_, 8)); \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3")))
void ledger_sha256_compress2_x86(uint32_t stateA[8], const uint8_t *blocksA,
                                 uint32_t stateB[8], const uint8_t *blocksB, size_t count) {
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i a0, a1, b0, b1;
    LOAD_STATE(stateA, a0, a1);
    LOAD_STATE(stateB, b0, b1);
    for (; count > 0; count--, blocksA += 64, blocksB += 64) {
        const __m128i aSaved0 = a0, aSaved1 = a1, bSaved0 = b0, bSaved1 = b1;
        __m128i wa[4], wb[4];
        for (int g = 0; g < 16; g++) {
            __m128i xa, xb;
            if (g < 4) {
                xa = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocksA + 16 * g)), byteSwap);
                xb = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocksB + 16 * g)), byteSwap);
            } else {
                xa = _mm_sha256msg1_epu32(wa[g & 3], wa[(g + 1) & 3]);
                xb = _mm_sha256msg1_epu32(wb[g & 3], wb[(g + 1) & 3]);
                xa = _mm_add_epi32(xa, _mm_alignr_epi8(wa[(g + 3) & 3], wa[(g + 2) & 3], 4));
                xb = _mm_add_epi32(xb, _mm_alignr_epi8(wb[(g + 3) & 3], wb[(g + 2) & 3], 4));
                xa = _mm_sha256msg2_epu32(xa, wa[(g + 3) & 3]);
                xb = _mm_sha256msg2_epu32(xb, wb[(g + 3) & 3]);
            }
            wa[g & 3] = xa;
            wb[g & 3] = xb;
            const __m128i k = _mm_load_si128((const __m128i *)&K[4 * g]);
            __m128i ma = _mm_add_epi32(xa, k), mb = _mm_add_epi32(xb, k);
            a1 = _mm_sha256rnds2_epu32(a1, a0, ma);
            b1 = _mm_sha256rnds2_epu32(b1, b0, mb);
            ma = _mm_shuffle_epi32(ma, 0x0E);
            mb = _mm_shuffle_epi32(mb, 0x0E);
            a0 = _mm_sha256rnds2_epu32(a0, a1, ma);
            b0 = _mm_sha256rnds2_epu32(b0, b1, mb);
        }
        a0 = _mm_add_epi32(a0, aSaved0);
        a1 = _mm_add_epi32(a1, aSaved1);
        b0 = _mm_add_epi32(b0, bSaved0);
        b1 = _mm_add_epi32(b1, bSaved1);
    }
    STORE_STATE(stateA, a0, a1);
    STORE_STATE(stateB, b0, b1);
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
