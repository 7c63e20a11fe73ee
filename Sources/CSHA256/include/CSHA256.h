#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// Whether this processor has the SHA extensions that `ledger_sha256_compress_hardware` needs
/// (x86-64 SHA-NI with SSSE3 and SSE4.1). Always 0 on other architectures.
int ledger_sha256_hardware_available(void);

/// Compresses `count` 64-byte blocks at `blocks` into the eight words of `state` (H0…H7, as
/// FIPS 180-4 names them) with the processor's SHA instructions. Call only when
/// `ledger_sha256_hardware_available()` returned 1.
void ledger_sha256_compress_hardware(uint32_t state[8], const uint8_t *blocks, size_t count);

#endif
