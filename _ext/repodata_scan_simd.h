/* The byte-level kernels of the repodata scanner (_ext/repodata_scan.pyx): string ends, package
   record bounds and "name" keys, 64 bytes at a time with bit masks.

   Portable C99. Vector paths are chosen at compile time where the target always has them
   (SSE2 on x86-64, NEON on aarch64) and at run time for wider ones (AVX2, AVX-512 with GCC or
   Clang on x86-64); every other target uses the scalar code, which gives the same results. */
#ifndef SOLVER_REPODATA_SCAN_SIMD_H
#define SOLVER_REPODATA_SCAN_SIMD_H

#if defined(RS_STANDALONE) /* the kernel checks in .ci build without Python's headers */
#include <stddef.h>
typedef ptrdiff_t Py_ssize_t;
#else
#include <Python.h> /* Py_ssize_t */
#endif
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#define RS_HAVE_SSE2 1
#include <emmintrin.h>
#elif defined(__aarch64__) || defined(_M_ARM64)
#define RS_HAVE_NEON 1
#include <arm_neon.h>
#endif

#if defined(_MSC_VER)
#include <intrin.h>
#endif

/* Index of the lowest set bit; x != 0. */
static inline int rs_ctz32(uint32_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctz(x);
#elif defined(_MSC_VER)
    unsigned long i;
    _BitScanForward(&i, x);
    return (int)i;
#else
    int i = 0;
    while (!(x & 1u)) { x >>= 1; i++; }
    return i;
#endif
}

static inline int rs_ctz64(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(x);
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_ARM64))
    unsigned long i;
    _BitScanForward64(&i, x);
    return (int)i;
#else
    uint32_t lo = (uint32_t)x;
    return lo ? rs_ctz32(lo) : 32 + rs_ctz32((uint32_t)(x >> 32));
#endif
}

static inline int rs_is_ws(unsigned char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Index of the next '"' or '\\' at or after i (end if none). 16 bytes at a time where the
   target has 128-bit vectors: most of repodata's bytes are inside strings, so this loop is the
   scan's hot path. */
static inline Py_ssize_t rs_find_quote_or_bs(const unsigned char* p, Py_ssize_t i, Py_ssize_t end) {
#if defined(RS_HAVE_SSE2)
    const __m128i q = _mm_set1_epi8('"');
    const __m128i bs = _mm_set1_epi8('\\');
    while (i + 16 <= end) {
        __m128i v = _mm_loadu_si128((const __m128i*)(p + i));
        int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)));
        if (m) return i + rs_ctz32((uint32_t)m);
        i += 16;
    }
#elif defined(RS_HAVE_NEON)
    const uint8x16_t q = vdupq_n_u8('"');
    const uint8x16_t bs = vdupq_n_u8('\\');
    while (i + 16 <= end) {
        uint8x16_t v = vld1q_u8(p + i);
        uint8x16_t hit = vorrq_u8(vceqq_u8(v, q), vceqq_u8(v, bs));
        /* Narrowing shift: 4 bits per byte, in byte order (NEON has no movemask). */
        uint64_t bits = vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(hit), 4)), 0);
        if (bits) return i + (rs_ctz64(bits) >> 2);
        i += 16;
    }
#endif
    while (i < end && p[i] != '"' && p[i] != '\\') i++;
    return i;
}

/* i: first byte after an opening quote. Index of the closing quote, or -1 (need more data). */
static inline Py_ssize_t rs_string_end(const unsigned char* p, Py_ssize_t i, Py_ssize_t end) {
    for (;;) {
        i = rs_find_quote_or_bs(p, i, end);
        if (i >= end) return -1;
        if (p[i] == '"') return i;
        i += 2; /* a backslash escapes the next byte */
    }
}

#if defined(__GNUC__) || defined(__clang__)
#define rs_prefetch(p) __builtin_prefetch((const void*)(p))
#else
#define rs_prefetch(p) ((void)(p))
#endif

typedef struct { const unsigned char* ptr; uint32_t len; int32_t id; } rs_name_ref;

/* Sorts names by their bytes (shorter first on a common prefix). */
void rs_sort_names(rs_name_ref* refs, Py_ssize_t m);

/* Positional read (no shared file offset, so threads can read at once); loops over short reads.
   Returns the bytes read, fewer only at end of file, or -1 on error. */
Py_ssize_t rs_pread(int fd, char* buf, Py_ssize_t n, int64_t off);

/* p[i] == '{' opens a package record. Returns the index after its closing '}', -1 when the
   buffer ends first. Finds the record's top-level "name" (the last one, as a JSON decoder
   would): *name_s, *name_e = its string contents, or *name_s = -1 (absent) / -2 (not a string).
   ``err`` is reserved for syntax errors (none are reported today). Called through the variant
   ``rs_select_isa`` picked (one indirect call per record, inlined into the caller). */
typedef Py_ssize_t (*rs_record_fn)(const unsigned char*, Py_ssize_t, Py_ssize_t,
                                   Py_ssize_t*, Py_ssize_t*, Py_ssize_t*);
extern rs_record_fn rs_record_impl;

static inline Py_ssize_t rs_record(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                                   Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) {
    return rs_record_impl(p, i, end, name_s, name_e, err);
}

/* Picks the block scanner: ``force`` NULL takes the widest this CPU runs; "scalar", "portable"
   (128-bit vectors where the target has them), "avx2" or "avx512" cap it. Returns the one in use. */
const char* rs_select_isa(const char* force);

#endif
