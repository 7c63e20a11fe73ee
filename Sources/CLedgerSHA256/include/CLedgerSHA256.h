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

#endif
