#ifndef CLEDGERPREFETCH_H
#define CLEDGERPREFETCH_H

/// Asks the processor to bring the cache line holding `address` into its caches, without
/// waiting for it and without faulting (any address may be given, even an invalid one).
///
/// A replay's tables are far larger than the caches: the folding thread names the lines a
/// few events ahead, so that their misses overlap the work on the events before them.
/// (Swift has no prefetch of its own; a load would wait for the miss.)
static inline __attribute__((always_inline)) void ledger_prefetch(const void *address) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(address, 0, 3);
#else
    (void)address;
#endif
}

/// ``ledger_prefetch`` for a line about to be written.
static inline __attribute__((always_inline)) void ledger_prefetch_for_write(const void *address) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(address, 1, 3);
#else
    (void)address;
#endif
}

#endif
