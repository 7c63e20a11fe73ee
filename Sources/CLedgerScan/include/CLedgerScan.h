#ifndef CLEDGERSCAN_H
#define CLEDGERSCAN_H

// Sixteen bytes of a log line tested at once, for the scan's string fast path (Events'
// `Cursor.skipPlainASCII` and `FlatLineDecoder.scanString`). Inline C because Swift's SIMD
// comparisons of byte vectors compile to a lane at a time; the SSE2 instructions here are in
// every x86-64 processor. Elsewhere the functions report nothing found and the Swift callers do
// the work eight bytes or a character at a time, as they do after these.

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Whether ``ledger_first_special16``, ``ledger_any_special64`` and ``ledger_cjk_prefix`` test
/// anything on this processor.
static inline __attribute__((always_inline)) int ledger_scan_has_vectors(void) {
#if defined(__SSE2__)
    return 1;
#else
    return 0;
#endif
}

#if defined(__SSE2__)
/// All ones in each lane of the 16 bytes at `p` that is a quote, a backslash, a control
/// character or not ASCII: as signed bytes, control characters and non-ASCII bytes are exactly
/// those below 0x20.
static inline __attribute__((always_inline)) __m128i ledger_special_lanes(const void *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                        _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
}
#endif

/// The position (0–15) of the first of the 16 bytes at `p` that is a quote, a backslash, a
/// control character (below 0x20) or not ASCII (0x80 and up); 16 when there is none.
static inline __attribute__((always_inline)) int ledger_first_special16(const void *p) {
#if defined(__SSE2__)
    int mask = _mm_movemask_epi8(ledger_special_lanes(p));
    return mask ? __builtin_ctz((unsigned)mask) : 16;
#else
    (void)p;
    return 0;
#endif
}

/// Whether any of the 64 bytes at `p` is a quote, a backslash, a control character or not
/// ASCII (a sealed line's chain value is 64 bytes of hex digits). 0 without the vector
/// instructions.
static inline __attribute__((always_inline)) int ledger_any_special64(const void *p) {
#if defined(__SSE2__)
    const __m128i *vectors = (const __m128i *)p;
    __m128i special = _mm_or_si128(_mm_or_si128(ledger_special_lanes(vectors), ledger_special_lanes(vectors + 1)),
                                   _mm_or_si128(ledger_special_lanes(vectors + 2), ledger_special_lanes(vectors + 3)));
    return _mm_movemask_epi8(special) != 0;
#else
    (void)p;
    return 0;
#endif
}

/// How many of the first 15 bytes at `p` (16 readable) are whole three-byte UTF-8 characters
/// whose lead bytes are E1–EC or EE–EF (each followed by two bytes 80–BF), counted from the
/// first: 0, 3, 6, 9, 12 or 15. Those are most CJK characters, never an overlong form or a
/// surrogate, so always valid UTF-8. 0 without the vector instructions.
static inline __attribute__((always_inline)) int ledger_cjk_prefix(const void *p) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    const __m128i mask = _mm_setr_epi8((char)0xF0, (char)0xC0, (char)0xC0, (char)0xF0, (char)0xC0, (char)0xC0,
                                       (char)0xF0, (char)0xC0, (char)0xC0, (char)0xF0, (char)0xC0, (char)0xC0,
                                       (char)0xF0, (char)0xC0, (char)0xC0, 0);
    const __m128i want = _mm_setr_epi8((char)0xE0, (char)0x80, (char)0x80, (char)0xE0, (char)0x80, (char)0x80,
                                       (char)0xE0, (char)0x80, (char)0x80, (char)0xE0, (char)0x80, (char)0x80,
                                       (char)0xE0, (char)0x80, (char)0x80, 0);
    int shaped = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(v, mask), want));
    // E0 and ED leads (their second byte has a narrower range) are left to the character loop;
    // a continuation byte never equals them, so all lanes can be compared.
    int excluded = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE0)),
                                                  _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xED))));
    int good = shaped & ~excluded & 0x7FFF;
    // Bit 3k of `whole`: character k's three bytes are all good; the first character that is not.
    int whole = good & (good >> 1) & (good >> 2);
    int broken = ~whole & 0x1249;
    return broken ? __builtin_ctz((unsigned)broken) : 15;
#else
    (void)p;
    return 0;
#endif
}

/// Reads the 64 lowercase hexadecimal digits at `text` (a chained line's value) into the 32
/// bytes at `out`, sixteen digits at a time; returns 1, or 0 when a byte is not one of
/// `0`–`9`, `a`–`f` (then `out` holds nothing useful). Without SSE2, returns -1 and reads
/// nothing: the Swift caller reads the digits itself.
static inline __attribute__((always_inline)) int ledger_lowercase_hex64(const void *text, void *out) {
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    __m128i invalid = zero;
    for (int i = 0; i < 4; i++) {
        const __m128i v = _mm_loadu_si128((const __m128i *)((const char *)text + 16 * i));
        // As unsigned bytes, a digit is `v - '0' <= 9` and a letter `v - 'a' <= 5`.
        const __m128i digit = _mm_sub_epi8(v, _mm_set1_epi8('0'));
        const __m128i letter = _mm_sub_epi8(v, _mm_set1_epi8('a'));
        const __m128i isDigit = _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit);
        const __m128i isLetter = _mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(5)), letter);
        invalid = _mm_or_si128(invalid, _mm_cmpeq_epi8(_mm_or_si128(isDigit, isLetter), zero));
        const __m128i nibbles = _mm_or_si128(_mm_and_si128(isDigit, digit),
                                             _mm_andnot_si128(isDigit, _mm_add_epi8(letter, _mm_set1_epi8(10))));
        // Each 16-bit lane holds a byte's high digit (first) and low digit: high << 4 | low.
        const __m128i pairs = _mm_or_si128(_mm_and_si128(_mm_slli_epi16(nibbles, 4), _mm_set1_epi16(0x00F0)),
                                           _mm_srli_epi16(nibbles, 8));
        _mm_storel_epi64((__m128i *)((char *)out + 8 * i), _mm_packus_epi16(pairs, pairs));
    }
    return _mm_movemask_epi8(invalid) == 0;
#else
    (void)text;
    (void)out;
    return -1;
#endif
}

#endif
