#ifndef CLEDGERSHA256_H
#define CLEDGERSHA256_H

#include <stddef.h>
#include <stdint.h>

/// Whether this processor has the x86 SHA extensions (with SSSE3 and SSE4.1), which
/// `ledger_sha256_compress_x86` needs; always 0 on other architectures.
int ledger_sha256_x86_available(void);

/// Compresses `count` consecutive 64-byte blocks at `blocks` (any alignment) into `state`
/// (H0 ... H7), with the x86 SHA extensions. Call only when `ledger_sha256_x86_available()`.
void ledger_sha256_compress_x86(uint32_t state[8], const uint8_t *blocks, size_t count);

/// Four `ledger_sha256_compress_x86` at once, interleaved: lane `i` compresses the `count`
/// 64-byte blocks at `messages + i * stride` into `states + 8 * i` (H0 ... H7). A block's rounds
/// wait for each other, and two lanes do not keep the SHA unit busy everywhere: on an AMD EPYC
/// (Zen 3), 79–93 time-stamp ticks a block two at a time, 57–64 four at a time. Call only when
/// `ledger_sha256_x86_available()`.
void ledger_sha256_compress4_x86(uint32_t states[32], const uint8_t *messages, size_t stride, size_t count);

/// Whether this processor and system run AVX-512 (F and BW) and `ledger_sha256_compress16_avx512`
/// is the faster way to hash many messages: an Intel processor (whose SHA extensions take
/// about twice as long for the same messages) or an AMD one from Zen 5 (family 1Ah, 512-bit
/// vector units; a chained verify 18 % less processor time than with the SHA extensions); on
/// others the SHA extensions are kept. Always 0 on other architectures.
int ledger_sha256_avx512_preferred(void);

/// Sixteen compressions at once, one message in each 32-bit lane of the AVX-512 registers:
/// lane `i` compresses the `count` 64-byte blocks at `messages + i * stride` into
/// `states + 8 * i` (H0 ... H7). Call only when `ledger_sha256_avx512_preferred()`.
void ledger_sha256_compress16_avx512(uint32_t states[128], const uint8_t *messages, size_t stride,
                                     size_t count);

#endif
