/* Checks the repodata scanner's kernels (_ext/repodata_scan_simd.c) against their scalar
   reference on seeded random documents: every vector variant this target has must find the same
   record ends and "name" values, and the string-end search must agree with a byte loop.
   Built without Python (RS_STANDALONE) so it can be cross-compiled and run under emulation:
   .ci/cross-aarch64 runs it for aarch64 (NEON) under qemu, and natively (SSE2/AVX2/AVX-512). */
#define RS_STANDALONE 1
#include "../_ext/repodata_scan_simd.c"

#include <stdio.h>

static uint64_t rng_state;

static uint32_t rnd(uint32_t n) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* Fragments chosen to hit the masks' edge cases: quotes, escapes (also of the first letter of a
   key), brackets inside strings, keys starting with 'n', non-ASCII bytes, whitespace. */
static const char* const pieces[] = {
    "{", "}", "[", "]", ",", ":", " ", "\n", "\"", "\\", "\\\"", "\\\\", "\"name\"", "\"name\" : ",
    "\"n\\u0061me\":", "\"\\u006eame\":", "\"\\u006Eam\\u0065\" :", "\"\\n\":", "\"noarch\":", "\"na\"",
    "\"version\":\"1.0\"", "\"a{b}c\"", "\"[\"", "\"]\"", "\"x\\\\\"", "\"\\u00e9\"", "\xc3\xa9", "n",
    "\"name\":\"pkg\"", "\"name\":12", "{\"name\":\"in\"}", "\"depends\":[\"a >=1\",\"b\"]", "0", "null",
};

static int check_records(const unsigned char* doc, Py_ssize_t n) {
    static const char* const isas[] = {"portable", "avx2", "avx512"};
    Py_ssize_t i, end;
    int bad = 0, k;
    for (i = 0; i < n; i++) {
        if (doc[i] != '{') continue;
        for (end = i + 1; end <= n; end += 1 + (Py_ssize_t)rnd(7)) {
            Py_ssize_t s0, e0, r0, err = 0;
            rs_select_isa("scalar");
            r0 = rs_record(doc, i, end, &s0, &e0, &err);
            for (k = 0; k < 3; k++) {
                Py_ssize_t s1, e1, r1;
                const char* got = rs_select_isa(isas[k]);
                if (k && strcmp(got, isas[k]) != 0) break; /* this CPU stops below isas[k] */
                r1 = rs_record(doc, i, end, &s1, &e1, &err);
                if (r1 != r0 || (r0 >= 0 && (s1 != s0 || e1 != e0))) {
                    if (bad++ < 5)
                        fprintf(stderr, "%s differs from scalar at record %ld (end %ld): %ld/%ld/%ld vs %ld/%ld/%ld\n",
                                got, (long)i, (long)end, (long)r1, (long)s1, (long)e1, (long)r0, (long)s0, (long)e0);
                }
            }
        }
    }
    return bad;
}

static int check_strings(const unsigned char* doc, Py_ssize_t n) {
    Py_ssize_t i;
    int bad = 0;
    for (i = 0; i < n; i++) {
        Py_ssize_t j = i, got = rs_find_quote_or_bs(doc, i, n);
        while (j < n && doc[j] != '"' && doc[j] != '\\') j++;
        if (got != j && bad++ < 5) fprintf(stderr, "string search from %ld: %ld, expected %ld\n", (long)i, (long)got, (long)j);
    }
    return bad;
}

int main(void) {
    unsigned char doc[1024 + 128];
    int seed, bad = 0;
    const char* widest = rs_select_isa(NULL);
    for (seed = 1; seed <= 300; seed++) {
        Py_ssize_t n = 0;
        rng_state = 0x9E3779B97F4A7C15ULL * (uint64_t)seed;
        while (n < 1024) {
            const char* piece = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
            size_t len = strlen(piece);
            if (n + (Py_ssize_t)len > 1024) break;
            memcpy(doc + n, piece, len);
            n += (Py_ssize_t)len;
        }
        memset(doc + n, 0, sizeof(doc) - (size_t)n); /* the kernels may read ahead: defined bytes */
        bad += check_records(doc, n);
        bad += check_strings(doc, n);
    }
    printf("scanner kernels (widest here: %s): %s\n", widest, bad ? "MISMATCH" : "all variants agree with the scalar reference");
    return bad != 0;
}
