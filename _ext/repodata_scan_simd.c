/* The repodata scanner's kernels (see repodata_scan_simd.h). */
#if defined(RS_STANDALONE) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 /* pread (Python.h asks for it in the extension build) */
#endif
#include "repodata_scan_simd.h"

#include <stdlib.h>

#if defined(_WIN32)
#include <io.h>
#include <windows.h>
Py_ssize_t rs_pread(int fd, char* buf, Py_ssize_t n, int64_t off) {
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    Py_ssize_t done = 0;
    while (done < n) {
        OVERLAPPED ov;
        DWORD got = 0;
        int64_t at = off + done;
        memset(&ov, 0, sizeof(ov));
        ov.Offset = (DWORD)(at & 0xFFFFFFFF);
        ov.OffsetHigh = (DWORD)(at >> 32);
        if (!ReadFile(h, buf + done, (DWORD)(n - done), &got, &ov)) return GetLastError() == ERROR_HANDLE_EOF ? done : -1;
        if (got == 0) break;
        done += got;
    }
    return done;
}
#else
#include <unistd.h>
Py_ssize_t rs_pread(int fd, char* buf, Py_ssize_t n, int64_t off) {
    Py_ssize_t done = 0;
    while (done < n) {
        ssize_t got = pread(fd, buf + done, (size_t)(n - done), (off_t)(off + done));
        if (got < 0) return -1;
        if (got == 0) break;
        done += got;
    }
    return done;
}
#endif


static int rs_name_cmp(const void* a, const void* b) {
    const rs_name_ref* x = (const rs_name_ref*)a;
    const rs_name_ref* y = (const rs_name_ref*)b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->ptr, y->ptr, n) : 0;
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

void rs_sort_names(rs_name_ref* refs, Py_ssize_t m) {
    qsort(refs, (size_t)m, sizeof(rs_name_ref), rs_name_cmp);
}


/* Bit k of each mask describes byte k of a 64-byte block. ``n`` marks bytes followed by 'n'
   (byte k + 1 of the block is 'n'), so "opening quote of a key starting with n" is one AND. */
typedef struct { uint64_t quote, bs, open, close, n; } rs_masks;

static inline uint64_t rs_popcount_sw(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (x * 0x0101010101010101ULL) >> 56;
}

static inline uint64_t rs_prefix_xor_sw(uint64_t x) {
    x ^= x << 1; x ^= x << 2; x ^= x << 4; x ^= x << 8; x ^= x << 16; x ^= x << 32;
    return x;
}

/* Block masks, one byte at a time (any CPU; the reference the vector variants must match).
   b has 65 readable bytes. */
static inline void rs_block_masks_scalar(const unsigned char* b, rs_masks* m) {
    uint64_t q = 0, bs = 0, o = 0, c = 0, n = 0;
    int k;
    for (k = 0; k < 64; k++) {
        unsigned char x = b[k];
        uint64_t bit = (uint64_t)1 << k;
        if (x == '"') q |= bit;
        else if (x == '\\') bs |= bit;
        else if (x == '{' || x == '[') o |= bit;
        else if (x == '}' || x == ']') c |= bit;
        if (b[k + 1] == 'n') n |= bit;
    }
    m->quote = q; m->bs = bs; m->open = o; m->close = c; m->n = n;
}

#if defined(RS_HAVE_SSE2)
#define RS_HAVE_VEC128 1
/* Block masks with the 128-bit vectors every x86-64 CPU has. */
static inline void rs_block_masks_vec128(const unsigned char* b, rs_masks* m) {
    const __m128i cq = _mm_set1_epi8('"'), cb = _mm_set1_epi8('\\'), cn = _mm_set1_epi8('n');
    const __m128i co = _mm_set1_epi8('{'), cc = _mm_set1_epi8('}'), c20 = _mm_set1_epi8(0x20);
    uint64_t q = 0, bs = 0, o = 0, c = 0, n = 0;
    int k;
    for (k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i*)(b + 16 * k));
        __m128i v1 = _mm_loadu_si128((const __m128i*)(b + 16 * k + 1));
        /* '{' | 0x20 == '{' and '[' | 0x20 == '{'; likewise '}' and ']'. */
        __m128i lv = _mm_or_si128(v, c20);
        int sh = 16 * k;
        q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cq)) << sh;
        bs |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cb)) << sh;
        n |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, cn)) << sh;
        o |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(lv, co)) << sh;
        c |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(lv, cc)) << sh;
    }
    m->quote = q; m->bs = bs; m->open = o; m->close = c; m->n = n;
}
#elif defined(RS_HAVE_NEON)
#define RS_HAVE_VEC128 1
/* 64 comparison results (0x00 / 0xFF bytes, four vectors in byte order) -> one bit per byte.
   NEON has no movemask: keep bit (k mod 8) of byte k, then three pairwise adds fold each run
   of 8 bytes into one (the bits are distinct, so the sums never carry). */
static inline uint64_t rs_neon_bits(uint8x16_t a, uint8x16_t b, uint8x16_t c, uint8x16_t d) {
    static const uint8_t weights[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t w = vld1q_u8(weights);
    uint8x16_t ab = vpaddq_u8(vandq_u8(a, w), vandq_u8(b, w));
    uint8x16_t cd = vpaddq_u8(vandq_u8(c, w), vandq_u8(d, w));
    uint8x16_t all = vpaddq_u8(ab, cd);
    all = vpaddq_u8(all, all);
    return vgetq_lane_u64(vreinterpretq_u64_u8(all), 0);
}

/* Block masks with NEON (every aarch64 CPU has it). */
static inline void rs_block_masks_vec128(const unsigned char* b, rs_masks* m) {
    const uint8x16_t cq = vdupq_n_u8('"'), cb = vdupq_n_u8('\\'), cn = vdupq_n_u8('n');
    const uint8x16_t co = vdupq_n_u8('{'), cc = vdupq_n_u8('}'), c20 = vdupq_n_u8(0x20);
    uint8x16_t v0 = vld1q_u8(b), v1 = vld1q_u8(b + 16), v2 = vld1q_u8(b + 32), v3 = vld1q_u8(b + 48);
    uint8x16_t s0 = vld1q_u8(b + 1), s1 = vld1q_u8(b + 17), s2 = vld1q_u8(b + 33), s3 = vld1q_u8(b + 49);
    /* '{' | 0x20 == '{' and '[' | 0x20 == '{'; likewise '}' and ']'. */
    uint8x16_t l0 = vorrq_u8(v0, c20), l1 = vorrq_u8(v1, c20), l2 = vorrq_u8(v2, c20), l3 = vorrq_u8(v3, c20);
    m->quote = rs_neon_bits(vceqq_u8(v0, cq), vceqq_u8(v1, cq), vceqq_u8(v2, cq), vceqq_u8(v3, cq));
    m->bs = rs_neon_bits(vceqq_u8(v0, cb), vceqq_u8(v1, cb), vceqq_u8(v2, cb), vceqq_u8(v3, cb));
    m->n = rs_neon_bits(vceqq_u8(s0, cn), vceqq_u8(s1, cn), vceqq_u8(s2, cn), vceqq_u8(s3, cn));
    m->open = rs_neon_bits(vceqq_u8(l0, co), vceqq_u8(l1, co), vceqq_u8(l2, co), vceqq_u8(l3, co));
    m->close = rs_neon_bits(vceqq_u8(l0, cc), vceqq_u8(l1, cc), vceqq_u8(l2, cc), vceqq_u8(l3, cc));
}
#endif

/* s: the first byte of a key (after its opening quote), maybe spelled with escapes. Whether
   the key is "name" once JSON escapes are decoded; *after = the index after its closing quote.
   -1: the buffer ends first. (Valid JSON may write "n\u0061me".) */
static int rs_key_is_name(const unsigned char* p, Py_ssize_t s, Py_ssize_t end, Py_ssize_t* after) {
    static const char want[4] = {'n', 'a', 'm', 'e'};
    int k, j;
    for (k = 0; k < 4; k++) {
        unsigned cp = 0;
        if (s >= end) return -1;
        if (p[s] != '\\') {
            cp = p[s];
            s += 1;
        } else {
            if (s + 1 >= end) return -1;
            if (p[s + 1] != 'u') return 0; /* \n, \t, \/ ...: none of them is a letter */
            if (s + 6 > end) return -1;
            for (j = 2; j < 6; j++) {
                unsigned char h = p[s + j], lo = (unsigned char)(h | 0x20);
                cp <<= 4;
                if (h >= '0' && h <= '9') cp |= (unsigned)(h - '0');
                else if (lo >= 'a' && lo <= 'f') cp |= (unsigned)(lo - 'a' + 10);
                else return 0;
            }
            s += 6;
        }
        if (cp != (unsigned char)want[k]) return 0;
    }
    if (s >= end) return -1;
    if (p[s] != '"') return 0;
    *after = s + 1;
    return 1;
}

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define RS_X86_DISPATCH 1
#include <immintrin.h>

__attribute__((target("avx2")))
static inline void rs_block_masks_avx2(const unsigned char* b, rs_masks* m) {
    const __m256i cq = _mm256_set1_epi8('"'), cb = _mm256_set1_epi8('\\'), cn = _mm256_set1_epi8('n');
    const __m256i co = _mm256_set1_epi8('{'), cc = _mm256_set1_epi8('}'), c20 = _mm256_set1_epi8(0x20);
    __m256i v0 = _mm256_loadu_si256((const __m256i*)b), v1 = _mm256_loadu_si256((const __m256i*)(b + 32));
    __m256i s0 = _mm256_loadu_si256((const __m256i*)(b + 1)), s1 = _mm256_loadu_si256((const __m256i*)(b + 33));
    __m256i l0 = _mm256_or_si256(v0, c20), l1 = _mm256_or_si256(v1, c20);
#define RS_MM(x0, x1, c) ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, c)) \
                          | ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, c)) << 32))
    m->quote = RS_MM(v0, v1, cq);
    m->bs = RS_MM(v0, v1, cb);
    m->n = RS_MM(s0, s1, cn);
    m->open = RS_MM(l0, l1, co);
    m->close = RS_MM(l0, l1, cc);
#undef RS_MM
}

__attribute__((target("avx512bw")))
static inline void rs_block_masks_avx512(const unsigned char* b, rs_masks* m) {
    __m512i v = _mm512_loadu_si512((const void*)b), s = _mm512_loadu_si512((const void*)(b + 1));
    __m512i l = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    m->quote = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"'));
    m->bs = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
    m->n = _mm512_cmpeq_epi8_mask(s, _mm512_set1_epi8('n'));
    m->open = _mm512_cmpeq_epi8_mask(l, _mm512_set1_epi8('{'));
    m->close = _mm512_cmpeq_epi8_mask(l, _mm512_set1_epi8('}'));
}

__attribute__((target("pclmul,sse2")))
static inline uint64_t rs_prefix_xor_clmul(uint64_t x) {
    return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x),
                                                            _mm_set1_epi8((char)0xFF), 0));
}
#endif

/* The record p[i:end] ('{' to '}') has no plain "name" key but holds backslashes: finds a
   top-level key that spells "name" with escapes ("n\u0061me" is valid JSON), the last one as a
   JSON decoder would take it. Byte by byte: such records are rare, and only they pay. */
static void rs_escaped_name(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                            Py_ssize_t* name_s, Py_ssize_t* name_e) {
    int64_t depth = 0;
    Py_ssize_t k = i;
    while (k < end) {
        unsigned char c = p[k];
        if (c == '"') {
            Py_ssize_t close = rs_string_end(p, k + 1, end), after, v;
            if (close < 0) return;
            if (depth == 1 && rs_key_is_name(p, k + 1, end, &after) == 1) {
                v = after;
                while (v < end && rs_is_ws(p[v])) v++;
                if (v < end && p[v] == ':') {
                    v++;
                    while (v < end && rs_is_ws(p[v])) v++;
                    if (v < end && p[v] == '"') {
                        Py_ssize_t ve = rs_string_end(p, v + 1, end);
                        if (ve >= 0) { *name_s = v + 1; *name_e = ve; }
                    } else if (v < end) {
                        *name_s = -2; *name_e = v;
                    }
                }
            }
            k = close + 1;
            continue;
        }
        if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') depth--;
        k++;
    }
}

/* p[i] == '{' opens a package record. Returns the index after its closing '}', -1 when the
   buffer ends first. Finds the record's top-level "name" (the last one, as a JSON decoder
   would): *name_s, *name_e = its string contents, or *name_s = -1 (absent) / -2 (not a string).

   64 bytes at a time, branch-light: masks of quotes, backslashes and brackets; escaped quotes
   removed; the in-string mask is the prefix XOR of the remaining quotes. The nesting depth at
   any bit is the block's starting depth plus popcounts of the brackets below it, so only closing
   brackets of blocks that may end the record and opening quotes followed by 'n' (possible "name"
   keys) are visited one by one; a record without a plain "name" but with backslashes gets a
   second look for an escaped spelling. Instantiated per instruction set (scalar, 128-bit, AVX2,
   AVX-512). */
#define RS_RECORD_BODY(MASKS, PREFIX_XOR, POPCOUNT)                                              \
    Py_ssize_t base = i;                                                                         \
    uint64_t prev_instr = 0; /* all ones when the previous block ended inside a string */       \
    uint64_t carry_esc = 0;  /* 1 when the first byte of this block is escaped */               \
    int64_t depth = 0;                                                                           \
    int saw_bs = 0;          /* the record holds a backslash: "name" may be spelled with escapes */ \
    unsigned char tmp[64 + 64];                                                                  \
    *name_s = -1; *name_e = -1;                                                                  \
    (void)err;                                                                                   \
    while (base < end) {                                                                         \
        const unsigned char* b;                                                                  \
        Py_ssize_t avail = end - base;                                                           \
        rs_masks m;                                                                              \
        uint64_t escaped = 0, q, instr, opens, closes, cand, limit = ~(uint64_t)0;               \
        Py_ssize_t stop = -1;                                                                    \
        if (avail > 64) {                                                                        \
            b = p + base;                                                                        \
        } else {                                                                                 \
            memcpy(tmp, p + base, (size_t)avail);                                                \
            memset(tmp + avail, ' ', (size_t)(sizeof(tmp) - avail));                             \
            b = tmp;                                                                             \
        }                                                                                        \
        MASKS(b, &m);                                                                            \
        if (m.bs | carry_esc) { /* rare in repodata: walk the backslashes */                    \
            uint64_t bits = m.bs;                                                                \
            saw_bs = 1;                                                                          \
            escaped = carry_esc;                                                                 \
            carry_esc = 0;                                                                       \
            while (bits) {                                                                       \
                int k = rs_ctz64(bits);                                                          \
                bits &= bits - 1;                                                                \
                if ((escaped >> k) & 1) continue; /* an escaped backslash escapes nothing */     \
                if (k == 63) carry_esc = 1;                                                      \
                else escaped |= (uint64_t)1 << (k + 1);                                          \
            }                                                                                    \
        }                                                                                        \
        q = m.quote & ~escaped;                                                                  \
        instr = PREFIX_XOR(q) ^ prev_instr;                                                      \
        prev_instr = (instr >> 63) ? ~(uint64_t)0 : 0;                                           \
        opens = m.open & ~instr;                                                                 \
        closes = m.close & ~instr;                                                               \
        cand = m.n & q & instr; /* opening quotes followed by 'n' */                             \
        if (closes && (int64_t)POPCOUNT(closes) >= depth) {                                      \
            /* The record may end here: find the first close that brings the depth to 0. */     \
            uint64_t cs = closes;                                                                \
            while (cs) {                                                                         \
                int k = rs_ctz64(cs);                                                            \
                uint64_t upto = (k == 63) ? ~(uint64_t)0 : (((uint64_t)1 << (k + 1)) - 1);       \
                cs &= cs - 1;                                                                    \
                if (depth + (int64_t)POPCOUNT(opens & upto) - (int64_t)POPCOUNT(closes & upto) == 0) { \
                    stop = base + k;                                                             \
                    limit = upto;                                                                \
                    break;                                                                       \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
        cand &= limit;                                                                           \
        while (cand) {                                                                           \
            int k = rs_ctz64(cand);                                                              \
            uint64_t below = ((uint64_t)1 << k) - 1;                                             \
            Py_ssize_t pos = base + k, v = pos + 6;                                              \
            cand &= cand - 1;                                                                    \
            if (depth + (int64_t)POPCOUNT(opens & below) - (int64_t)POPCOUNT(closes & below) != 1) \
                continue;                                                                        \
            if (v > end) return -1;                                                              \
            if (memcmp(p + pos + 1, "name\"", 5) != 0) continue;                                 \
            while (v < end && rs_is_ws(p[v])) v++;                                               \
            if (v >= end) return -1;                                                             \
            if (p[v] != ':') continue; /* a value "name", not the key */                         \
            v++;                                                                                 \
            while (v < end && rs_is_ws(p[v])) v++;                                               \
            if (v >= end) return -1;                                                             \
            if (p[v] == '"') {                                                                   \
                Py_ssize_t ve = rs_string_end(p, v + 1, end);                                    \
                if (ve < 0) return -1;                                                           \
                *name_s = v + 1; *name_e = ve;                                                   \
            } else {                                                                             \
                *name_s = -2; *name_e = v;                                                       \
            }                                                                                    \
        }                                                                                        \
        if (stop >= 0) {                                                                         \
            if (*name_s == -1 && saw_bs) rs_escaped_name(p, i, stop + 1, name_s, name_e);        \
            return stop + 1;                                                                     \
        }                                                                                        \
        depth += (int64_t)POPCOUNT(opens) - (int64_t)POPCOUNT(closes);                           \
        base += 64;                                                                              \
    }                                                                                            \
    return -1;


static Py_ssize_t rs_record_scalar(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                                   Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) {
    RS_RECORD_BODY(rs_block_masks_scalar, rs_prefix_xor_sw, rs_popcount_sw)
}

#if defined(RS_HAVE_VEC128)
static Py_ssize_t rs_record_vec128(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                                   Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) {
    RS_RECORD_BODY(rs_block_masks_vec128, rs_prefix_xor_sw, rs_popcount_sw)
}
#else
#define rs_record_vec128 rs_record_scalar
#endif

#if defined(RS_X86_DISPATCH)
__attribute__((target("avx2,bmi,bmi2,popcnt,pclmul")))
static Py_ssize_t rs_record_avx2(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                                 Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) {
    RS_RECORD_BODY(rs_block_masks_avx2, rs_prefix_xor_clmul, __builtin_popcountll)
}

__attribute__((target("avx512f,avx512bw,avx2,bmi,bmi2,popcnt,pclmul")))
static Py_ssize_t rs_record_avx512(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                                   Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) {
    RS_RECORD_BODY(rs_block_masks_avx512, rs_prefix_xor_clmul, __builtin_popcountll)
}
#endif

rs_record_fn rs_record_impl = rs_record_vec128;
static const char* rs_record_isa = "portable";

const char* rs_select_isa(const char* force) {
    if (force != NULL && strcmp(force, "scalar") == 0) {
        rs_record_impl = rs_record_scalar;
        rs_record_isa = "scalar";
        return rs_record_isa;
    }
    rs_record_impl = rs_record_vec128;
    rs_record_isa = "portable";
#if defined(RS_X86_DISPATCH)
    __builtin_cpu_init();
    {
        int has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2")
                   && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("pclmul");
        int has512 = has2 && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f");
        int want512 = force == NULL || strcmp(force, "avx512") == 0;
        int want2 = want512 || strcmp(force, "avx2") == 0;
        if (has512 && want512) { rs_record_impl = rs_record_avx512; rs_record_isa = "avx512"; }
        else if (has2 && want2) { rs_record_impl = rs_record_avx2; rs_record_isa = "avx2"; }
    }
#endif
    return rs_record_isa;
}
