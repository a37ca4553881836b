# cython: language_level=3
"""Streaming structural scan of a ``repodata.json``: byte ranges of every record, grouped later by name.

Only the structure is followed (objects, arrays, strings with escapes, scalars); record objects are
skipped except for their top-level ``"name"`` value. The scan is fed chunk by chunk: each call
consumes whole *units* (one top-level member, or one ``"fn": {record}`` entry of a packages
section) and returns how many bytes it consumed, so the caller keeps only the unfinished tail.

Used through ``solver.conda.repodata``; not a public API.
"""

import os

from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memchr, memcmp, memcpy, memmove, memset


class ScanError(ValueError):
    """Malformed repodata structure. ``offset`` is the absolute byte offset of the problem."""

    def __init__(self, message, offset):
        super().__init__(message)
        self.offset = offset



cdef extern from *:
    """
    #include <string.h>
    #include <stdint.h>
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #endif

    /* Index of the next '"' or '\\\\' at or after i (end if none). 16 bytes at a time with SSE2:
       most of repodata's bytes are inside strings, so this loop is the scan's hot path. */
    static inline Py_ssize_t rs_find_quote_or_bs(const unsigned char* p, Py_ssize_t i, Py_ssize_t end) {
    #if defined(__SSE2__)
        const __m128i q = _mm_set1_epi8('"');
        const __m128i bs = _mm_set1_epi8('\\\\');
        while (i + 16 <= end) {
            __m128i v = _mm_loadu_si128((const __m128i*)(p + i));
            int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)));
            if (m) return i + __builtin_ctz((unsigned)m);
            i += 16;
        }
    #endif
        while (i < end && p[i] != '"' && p[i] != '\\\\') i++;
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

    /* Positional read (no shared file offset, so threads can read at once); loops over short
       reads. Returns the bytes read, fewer only at end of file, or -1 on error. */
    #if defined(_WIN32)
    #include <io.h>
    #include <windows.h>
    static Py_ssize_t rs_pread(int fd, char* buf, Py_ssize_t n, int64_t off) {
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
    static Py_ssize_t rs_pread(int fd, char* buf, Py_ssize_t n, int64_t off) {
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

    static inline int rs_is_ws(unsigned char c) {
        return c == ' ' || c == '\\n' || c == '\\r' || c == '\\t';
    }

    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline int rs_ctz64(uint64_t x) { unsigned long i; _BitScanForward64(&i, x); return (int)i; }
    #else
    static inline int rs_ctz64(uint64_t x) { return __builtin_ctzll(x); }
    #endif

    /* Bit k of each mask describes byte k of a 64-byte block. */
    typedef struct { uint64_t quote, bs, open, close, n; } rs_masks;

    static inline void rs_block_masks(const unsigned char* b, rs_masks* m) {
    #if defined(__SSE2__)
        const __m128i cq = _mm_set1_epi8('"'), cb = _mm_set1_epi8('\\\\'), cn = _mm_set1_epi8('n');
        const __m128i co = _mm_set1_epi8('{'), cc = _mm_set1_epi8('}'), c20 = _mm_set1_epi8(0x20);
        uint64_t q = 0, bs = 0, o = 0, c = 0, n = 0;
        int k;
        for (k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i*)(b + 16 * k));
            /* '{' | 0x20 == '{' and '[' | 0x20 == '{'; likewise '}' and ']'. */
            __m128i lv = _mm_or_si128(v, c20);
            int sh = 16 * k;
            q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cq)) << sh;
            bs |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cb)) << sh;
            n |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cn)) << sh;
            o |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(lv, co)) << sh;
            c |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(lv, cc)) << sh;
        }
        m->quote = q; m->bs = bs; m->open = o; m->close = c; m->n = n;
    #else
        uint64_t q = 0, bs = 0, o = 0, c = 0, n = 0;
        int k;
        for (k = 0; k < 64; k++) {
            unsigned char x = b[k];
            uint64_t bit = (uint64_t)1 << k;
            if (x == '"') q |= bit;
            else if (x == '\\\\') bs |= bit;
            else if (x == 'n') n |= bit;
            else if (x == '{' || x == '[') o |= bit;
            else if (x == '}' || x == ']') c |= bit;
        }
        m->quote = q; m->bs = bs; m->open = o; m->close = c; m->n = n;
    #endif
    }

    static inline uint64_t rs_prefix_xor(uint64_t x) {
        x ^= x << 1; x ^= x << 2; x ^= x << 4; x ^= x << 8; x ^= x << 16; x ^= x << 32;
        return x;
    }

    /* p[i] == '{' opens a package record. Returns the index after its closing '}', -1 when the
       buffer ends first, -2 on unbalanced brackets (*err = offset). Finds the record's top-level
       "name" (the last one, as a JSON decoder would): *name_s, *name_e = its string contents, or
       *name_s = -1 (absent) / -2 (not a string).

       64 bytes at a time, branch-light: masks of quotes, backslashes and brackets; escaped
       quotes removed; the in-string mask is the prefix XOR of the remaining quotes; only the
       brackets outside strings and the opening quotes followed by 'n' (possible "name" keys) are
       visited one by one. */
    static Py_ssize_t rs_record(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                                Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) {
        Py_ssize_t base = i;
        uint64_t prev_instr = 0; /* all ones when the previous block ended inside a string */
        uint64_t carry_esc = 0;  /* 1 when the first byte of this block is escaped */
        int depth = 0;
        unsigned char tmp[64 + 8];
        *name_s = -1; *name_e = -1;
        while (base < end) {
            const unsigned char* b;
            Py_ssize_t avail = end - base;
            rs_masks m;
            uint64_t escaped = 0, q, instr, opens, closes, cand, events;
            if (avail >= 64) {
                b = p + base;
            } else {
                memcpy(tmp, p + base, (size_t)avail);
                memset(tmp + avail, ' ', (size_t)(sizeof(tmp) - avail));
                b = tmp;
            }
            rs_block_masks(b, &m);
            if (m.bs | carry_esc) { /* rare in repodata: walk the backslashes */
                uint64_t bits = m.bs;
                escaped = carry_esc;
                carry_esc = 0;
                while (bits) {
                    int k = rs_ctz64(bits);
                    bits &= bits - 1;
                    if ((escaped >> k) & 1) continue; /* an escaped backslash escapes nothing */
                    if (k == 63) carry_esc = 1;
                    else escaped |= (uint64_t)1 << (k + 1);
                }
            }
            q = m.quote & ~escaped;
            instr = rs_prefix_xor(q) ^ prev_instr;
            prev_instr = (instr >> 63) ? ~(uint64_t)0 : 0;
            opens = m.open & ~instr;
            closes = m.close & ~instr;
            cand = m.n >> 1;
            if (avail > 64 && p[base + 64] == 'n') cand |= (uint64_t)1 << 63;
            cand &= q & instr; /* opening quotes followed by 'n' */
            events = opens | closes | cand;
            while (events) {
                int k = rs_ctz64(events);
                uint64_t bit = (uint64_t)1 << k;
                Py_ssize_t pos = base + k;
                events &= events - 1;
                if (opens & bit) {
                    depth++;
                } else if (closes & bit) {
                    depth--;
                    if (depth == 0) return pos + 1;
                    if (depth < 0) { *err = pos; return -2; }
                } else if (depth == 1) {
                    Py_ssize_t v = pos + 6;
                    if (v > end) return -1;
                    if (memcmp(p + pos + 1, "name\\"", 5) != 0) continue;
                    while (v < end && rs_is_ws(p[v])) v++;
                    if (v >= end) return -1;
                    if (p[v] != ':') continue; /* a value "name", not the key */
                    v++;
                    while (v < end && rs_is_ws(p[v])) v++;
                    if (v >= end) return -1;
                    if (p[v] == '"') {
                        Py_ssize_t ve = rs_string_end(p, v + 1, end);
                        if (ve < 0) return -1;
                        *name_s = v + 1; *name_e = ve;
                    } else {
                        *name_s = -2; *name_e = v;
                    }
                }
            }
            base += 64;
        }
        return -1;
    }
    """
    Py_ssize_t rs_record(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                         Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) noexcept nogil
    Py_ssize_t rs_string_end(const unsigned char* p, Py_ssize_t i, Py_ssize_t end) noexcept nogil
    Py_ssize_t rs_pread(int fd, char* buf, Py_ssize_t n, int64_t off) noexcept nogil


cdef enum:
    ST_BEFORE = 0  # before the top-level '{'
    ST_TOP = 1  # inside the top-level object, before a member (or its ',' / '}')
    ST_PKGS = 2  # inside "packages" / "packages.conda", before an entry (or ',' / '}')
    ST_DONE = 3  # after the top-level '}'

# Return codes of the helpers (valid positions are >= 0).
cdef enum:
    NEED_MORE = -1
    SYNTAX = -2

cdef inline bint is_ws(unsigned char c) noexcept nogil:
    return c == 32 or c == 10 or c == 13 or c == 9


cdef inline Py_ssize_t skip_ws(const unsigned char* p, Py_ssize_t i, Py_ssize_t end) noexcept nogil:
    while i < end and is_ws(p[i]):
        i += 1
    return i


cdef inline Py_ssize_t skip_string(const unsigned char* p, Py_ssize_t i, Py_ssize_t end) noexcept nogil:
    """``p[i]`` is the opening quote; returns the index after the closing quote or NEED_MORE."""
    cdef Py_ssize_t e = rs_string_end(p, i + 1, end)
    return NEED_MORE if e < 0 else e + 1


cdef inline bint is_scalar_end(unsigned char c) noexcept nogil:
    return c == 44 or c == 125 or c == 93 or c == 58 or c == 34 or c == 123 or c == 91 or is_ws(c)


cdef Py_ssize_t skip_value(const unsigned char* p, Py_ssize_t i, Py_ssize_t end, Py_ssize_t* err) noexcept nogil:
    """Skips one JSON value starting at ``p[i]`` (no leading whitespace)."""
    cdef unsigned char c
    cdef Py_ssize_t depth = 0, start = i
    if i >= end:
        return NEED_MORE
    c = p[i]
    if c == 34:
        return skip_string(p, i, end)
    if c == 123 or c == 91:
        while i < end:
            c = p[i]
            if c == 34:
                i = skip_string(p, i, end)
                if i < 0:
                    return i
                continue
            if c == 123 or c == 91:
                depth += 1
            elif c == 125 or c == 93:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return NEED_MORE
    if c == 125 or c == 93 or c == 44 or c == 58:
        err[0] = i
        return SYNTAX
    while i < end and not is_scalar_end(p[i]):
        i += 1
    if i >= end:
        return NEED_MORE  # the scalar may continue in the next chunk
    return i


cdef inline uint64_t stem_hash_of(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """64-bit hash of a file stem, 8 bytes per step (an FNV byte loop is a long multiply chain)."""
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ <uint64_t> n
    cdef uint64_t w
    cdef Py_ssize_t k = 0
    while k + 8 <= n:
        memcpy(&w, p + k, 8)
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL
        h ^= h >> 32
        k += 8
    w = 0
    if k < n:
        memcpy(&w, p + k, n - k)
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL
    h ^= h >> 29
    h *= 0xFF51AFD7ED558CCDULL
    h ^= h >> 32
    return h


cdef class RepodataScanner:
    """Incremental scanner. Feed buffers with ``feed``; read the arrays with ``result``."""

    cdef int state
    cdef bint need_comma
    cdef uint8_t kind
    cdef int64_t* key_start
    cdef uint32_t* key_len
    cdef uint32_t* obj_len
    cdef int32_t* name_id
    cdef uint8_t* kinds
    cdef uint64_t* stem_hash
    cdef Py_ssize_t n, cap
    cdef dict name_ids
    cdef list names
    cdef bytes last_name
    cdef int32_t last_id
    cdef public int64_t info_start, info_end, version_start, version_end

    def __cinit__(self):
        self.state = ST_BEFORE
        self.need_comma = False
        self.n = 0
        self.cap = 0
        self.name_ids = {}
        self.names = []
        self.last_name = None
        self.last_id = -1
        self.info_start = self.info_end = self.version_start = self.version_end = -1

    def __dealloc__(self):
        free(self.key_start)
        free(self.key_len)
        free(self.obj_len)
        free(self.name_id)
        free(self.kinds)
        free(self.stem_hash)

    cdef int grow(self) except -1:
        cdef Py_ssize_t cap = self.cap * 2 if self.cap else 4096
        cdef void* a
        a = realloc(self.key_start, cap * sizeof(int64_t))
        if a == NULL:
            raise MemoryError()
        self.key_start = <int64_t*> a
        a = realloc(self.key_len, cap * sizeof(uint32_t))
        if a == NULL:
            raise MemoryError()
        self.key_len = <uint32_t*> a
        a = realloc(self.obj_len, cap * sizeof(uint32_t))
        if a == NULL:
            raise MemoryError()
        self.obj_len = <uint32_t*> a
        a = realloc(self.name_id, cap * sizeof(int32_t))
        if a == NULL:
            raise MemoryError()
        self.name_id = <int32_t*> a
        a = realloc(self.kinds, cap * sizeof(uint8_t))
        if a == NULL:
            raise MemoryError()
        self.kinds = <uint8_t*> a
        a = realloc(self.stem_hash, cap * sizeof(uint64_t))
        if a == NULL:
            raise MemoryError()
        self.stem_hash = <uint64_t*> a
        self.cap = cap
        return 0

    cdef int32_t intern_name(self, const unsigned char* p, Py_ssize_t n) except -2:
        cdef bytes nb
        cdef object found
        # Records are usually sorted by file name, so a run of records shares one name.
        if self.last_name is not None and len(self.last_name) == n and \
                memcmp(PyBytes_AS_STRING(self.last_name), p, n) == 0:
            return self.last_id
        nb = PyBytes_FromStringAndSize(<const char*> p, n)
        found = self.name_ids.get(nb)
        if found is None:
            found = len(self.names)
            self.names.append(nb)
            self.name_ids[nb] = found
        self.last_name = nb
        self.last_id = found
        return self.last_id

    cdef int add_record(self, const unsigned char* p, Py_ssize_t ks, Py_ssize_t ke, Py_ssize_t os_,
                        Py_ssize_t oe, Py_ssize_t name_s, Py_ssize_t name_e, int64_t base) except -1:
        cdef Py_ssize_t stem_end, klen
        if oe - os_ > 0xFFFFFFFF or os_ - ks > 0xFFFFFFFF:
            raise ScanError("record too large", base + ks)
        if name_s == -1:
            raise ScanError("record %s has no \"name\"" % p[ks:ke].decode("utf-8", "replace"), base + ks)
        if name_s == -2:
            raise ScanError("record %s: \"name\" is not a string" % p[ks:ke].decode("utf-8", "replace"),
                            base + name_e)
        if self.n == self.cap:
            self.grow()
        self.key_start[self.n] = base + ks
        self.key_len[self.n] = <uint32_t> (os_ - ks)
        self.obj_len[self.n] = <uint32_t> (oe - os_)
        self.kinds[self.n] = self.kind
        self.name_id[self.n] = self.intern_name(p + name_s, name_e - name_s)
        # Hash of the file stem (key without quotes and extension) for the .conda-over-.tar.bz2 rule.
        klen = ke - ks - 2
        stem_end = klen
        if self.kind == 0 and klen >= 8 and memcmp(p + ks + 1 + klen - 8, b".tar.bz2", 8) == 0:
            stem_end = klen - 8
        elif self.kind == 1 and klen >= 6 and memcmp(p + ks + 1 + klen - 6, b".conda", 6) == 0:
            stem_end = klen - 6
        self.stem_hash[self.n] = stem_hash_of(p + ks + 1, stem_end)
        self.n += 1
        return 0

    def feed(self, const unsigned char[::1] buf, Py_ssize_t length, int64_t base, bint final):
        """Consumes complete units of ``buf[:length]`` (``base`` = file offset of ``buf[0]``).

        Returns the number of bytes consumed; the caller keeps the rest and feeds it again with
        more data. With ``final`` the input must be complete.
        """
        cdef const unsigned char* p = &buf[0] if length > 0 else NULL
        cdef Py_ssize_t i = 0, done = 0, ks, ke, vs, os_, oe, name_s, name_e, err = 0
        cdef Py_ssize_t end = length
        cdef unsigned char c
        while True:
            i = skip_ws(p, done, end)
            if i >= end:
                break
            if self.state == ST_BEFORE:
                if p[i] != 123:
                    raise ScanError("repodata must be a JSON object", base + i)
                self.state = ST_TOP
                self.need_comma = False
                done = i + 1
                continue
            if self.state == ST_DONE:
                raise ScanError("unexpected data after the end of the JSON object", base + i)
            c = p[i]
            if self.need_comma:
                if c == 44:
                    i = skip_ws(p, i + 1, end)
                    if i >= end:
                        break
                    c = p[i]
                    if c != 34:
                        raise ScanError("expected a key string", base + i)
                elif c != 125:
                    raise ScanError("expected ',' or '}'", base + i)
            elif c != 34 and c != 125:
                raise ScanError("expected a key string or '}'", base + i)
            if c == 125:
                if self.state == ST_PKGS:
                    self.state = ST_TOP
                    self.need_comma = True
                else:
                    self.state = ST_DONE
                done = i + 1
                continue
            # A member: "key" : value
            ks = i
            i = skip_string(p, i, end)
            if i < 0:
                break
            ke = i
            i = skip_ws(p, i, end)
            if i >= end:
                break
            if p[i] != 58:
                raise ScanError("expected ':'", base + i)
            i = skip_ws(p, i + 1, end)
            if i >= end:
                break
            vs = i
            if self.state == ST_PKGS:
                if p[i] != 123:
                    raise ScanError("package record %s is not an object" % p[ks:ke].decode("utf-8", "replace"),
                                    base + i)
                os_ = i
                oe = rs_record(p, i, end, &name_s, &name_e, &err)
                if oe == NEED_MORE:
                    break
                if oe == SYNTAX:
                    raise ScanError("malformed package record %s" % p[ks:ke].decode("utf-8", "replace"),
                                    base + err)
                self.add_record(p, ks, ke, os_, oe, name_s, name_e, base)
                self.need_comma = True
                done = oe
                continue
            # Top-level member.
            if (ke - ks == 10 and memcmp(p + ks, b'"packages"', 10) == 0) or \
                    (ke - ks == 16 and memcmp(p + ks, b'"packages.conda"', 16) == 0):
                if p[i] == 123:
                    self.kind = 0 if ke - ks == 10 else 1
                    self.state = ST_PKGS
                    self.need_comma = False
                    done = i + 1
                    continue
                if p[i] != 110:  # null: no packages
                    raise ScanError("%s must be an object" % p[ks:ke].decode(), base + i)
            i = skip_value(p, i, end, &err)
            if i == NEED_MORE:
                break
            if i == SYNTAX:
                raise ScanError("malformed value", base + err)
            if ke - ks == 6 and memcmp(p + ks, b'"info"', 6) == 0:
                self.info_start = base + vs
                self.info_end = base + i
            elif ke - ks == 18 and memcmp(p + ks, b'"repodata_version"', 18) == 0:
                self.version_start = base + vs
                self.version_end = base + i
            self.need_comma = True
            done = i
        if final:
            i = skip_ws(p, done, end)
            if self.state != ST_DONE or i < end:
                raise ScanError("unexpected end of file", base + end)
        return done

    def finish(self, remap):
        """The per-name index, sorted: ``remap[raw_id]`` is each raw name's final id (0..m-1).

        Returns a dict of bytes: ``key_start`` (int64), ``key_len`` / ``obj_len`` (uint32),
        ``flags`` (uint8: 1 = from packages.conda, 2 = .tar.bz2 shadowed by a .conda of the same
        stem), ``name_offsets`` (int64, m + 1; rows of name i are offsets[i]:offsets[i+1], file
        order kept), and ``record_count`` (records not shadowed)."""
        cdef Py_ssize_t n = self.n, k, m, slot, mask, size, n_conda = 0, visible = 0
        cdef int32_t[::1] rmap = memoryview(bytearray(len(remap) * 4)).cast("i")
        cdef int32_t r
        for k in range(len(remap)):
            rmap[k] = remap[k]
        m = (max(remap) + 1) if len(remap) else 0
        # Filled in place: bytes objects built uninitialised (no second copy of each array).
        offsets_b = PyBytes_FromStringAndSize(NULL, (m + 1) * 8)
        cdef int64_t* offsets = <int64_t*> PyBytes_AS_STRING(offsets_b)
        memset(offsets, 0, (m + 1) * 8)
        cdef int64_t[::1] fill = memoryview(bytearray((m + 1) * 8)).cast("q")
        ks_b = PyBytes_FromStringAndSize(NULL, n * 8)
        kl_b = PyBytes_FromStringAndSize(NULL, n * 4)
        ol_b = PyBytes_FromStringAndSize(NULL, n * 4)
        fl_b = PyBytes_FromStringAndSize(NULL, n)
        cdef int64_t* ks = <int64_t*> PyBytes_AS_STRING(ks_b)
        cdef uint32_t* kl = <uint32_t*> PyBytes_AS_STRING(kl_b)
        cdef uint32_t* ol = <uint32_t*> PyBytes_AS_STRING(ol_b)
        cdef uint8_t* fl = <uint8_t*> PyBytes_AS_STRING(fl_b)
        cdef uint64_t* table = NULL
        cdef uint64_t h
        cdef uint8_t flag
        cdef int64_t dest
        # Open-addressing set of the .conda stems (hash 0 marks an empty slot; 0 hashes go in as 1).
        for k in range(n):
            if self.kinds[k] == 1:
                n_conda += 1
        if n_conda and n_conda < n:
            size = 16
            while size < 2 * n_conda:
                size *= 2
            mask = size - 1
            table = <uint64_t*> calloc(size, sizeof(uint64_t))
            if table == NULL:
                raise MemoryError()
            for k in range(n):
                if self.kinds[k] == 1:
                    h = self.stem_hash[k] or 1
                    slot = <Py_ssize_t> (h & mask)
                    while table[slot] != 0 and table[slot] != h:
                        slot = (slot + 1) & mask
                    table[slot] = h
        try:
            # Counting sort by final name id (stable: file order within a name).
            for k in range(n):
                offsets[rmap[self.name_id[k]] + 1] += 1
            for k in range(m):
                offsets[k + 1] += offsets[k]
            for k in range(m):
                fill[k] = offsets[k]
            for k in range(n):
                flag = self.kinds[k]
                if table != NULL and flag == 0:
                    h = self.stem_hash[k] or 1
                    slot = <Py_ssize_t> (h & mask)
                    while table[slot] != 0:
                        if table[slot] == h:
                            flag |= 2
                            break
                        slot = (slot + 1) & mask
                if not (flag & 2):
                    visible += 1
                r = rmap[self.name_id[k]]
                dest = fill[r]
                fill[r] += 1
                ks[dest] = self.key_start[k]
                kl[dest] = self.key_len[k]
                ol[dest] = self.obj_len[k]
                fl[dest] = flag
        finally:
            free(table)
        return {"key_start": ks_b, "key_len": kl_b, "obj_len": ol_b,
                "flags": fl_b, "name_offsets": offsets_b, "record_count": visible}

    def raw_names(self):
        """Raw (still JSON-escaped) name bytes, indexed by raw name id."""
        return list(self.names)

    def result(self):
        """``(arrays, names)``: arrays are bytes of key_start int64, key_len uint32, obj_len uint32,
        name_id int32, kind uint8, stem_hash uint64; names are the raw (still escaped) name bytes."""
        cdef Py_ssize_t n = self.n
        arrays = {
            "key_start": PyBytes_FromStringAndSize(<char*> self.key_start, n * 8) if n else b"",
            "key_len": PyBytes_FromStringAndSize(<char*> self.key_len, n * 4) if n else b"",
            "obj_len": PyBytes_FromStringAndSize(<char*> self.obj_len, n * 4) if n else b"",
            "name_id": PyBytes_FromStringAndSize(<char*> self.name_id, n * 4) if n else b"",
            "kind": PyBytes_FromStringAndSize(<char*> self.kinds, n) if n else b"",
            "stem_hash": PyBytes_FromStringAndSize(<char*> self.stem_hash, n * 8) if n else b"",
        }
        return arrays, list(self.names)


def scan_file(path, Py_ssize_t chunk_size=8 << 20):
    """Scans the file at ``path`` (or an open descriptor) in chunks; returns the finished scanner."""
    cdef RepodataScanner sc = RepodataScanner()
    cdef bytearray buf
    cdef Py_ssize_t filled = 0, used, n
    cdef int64_t base = 0
    cdef char* raw
    if isinstance(path, int):  # an open descriptor: read from the start, leave it open
        os.lseek(path, 0, os.SEEK_SET)
    with open(path, "rb", buffering=0, closefd=not isinstance(path, int)) as f:
        # Small files get a small buffer: zero-filling 8 MB per tiny subdir is most of its cost.
        buf = bytearray(max(1, min(chunk_size, os.fstat(f.fileno()).st_size + 1)))
        while True:
            if filled == len(buf):
                # One unit larger than the buffer (e.g. a huge "removed" list): grow.
                buf.extend(bytes(len(buf)))
            n = f.readinto(memoryview(buf)[filled:])
            filled += n
            used = sc.feed(buf, filled, base, n == 0)
            if n == 0:
                break
            if used:
                raw = buf
                memmove(raw, raw + used, filled - used)
                filled -= used
                base += used
    return sc


# --- reading records back ----------------------------------------------------------------------------

from cpython.unicode cimport PyUnicode_DecodeUTF8

# Reads of neighbouring records closer than this are merged into one pread.
DEF MERGE_GAP = 16384
DEF MERGE_MAX = 4194304


cdef inline bint is_key_tail(char c) noexcept nogil:
    return c == 32 or c == 10 or c == 13 or c == 9 or c == 58


cdef class RowReader:
    """Reads records of one index back from the repodata open as ``fd`` (typed views held once,
    so a name costs one call)."""

    cdef int fd
    cdef const int64_t[::1] starts
    cdef const uint32_t[::1] key_lens
    cdef const uint32_t[::1] obj_lens
    cdef const uint8_t[::1] flags
    cdef object decode, decode_error
    cdef str channel_id, url_base, subdir

    def __init__(self, int fd, starts, key_lens, obj_lens, flags, decode, decode_error,
                 str channel_id, str url_base, str subdir):
        self.fd = fd
        self.starts = starts
        self.key_lens = key_lens
        self.obj_lens = obj_lens
        self.flags = flags
        self.decode = decode
        self.decode_error = decode_error
        self.channel_id = channel_id
        self.url_base = url_base
        self.subdir = subdir

    def rows(self, Py_ssize_t lo, Py_ssize_t hi, str name, slow):
        """Records of rows ``lo:hi`` (one name). Neighbouring rows are read with one ``pread``;
        shadowed rows (flag 2) are skipped. A row whose key is a plain JSON string and whose
        object decodes to a record named ``name`` is finished here; anything else goes to
        ``slow(view, rel, key_len, obj_len, abs_start)`` (escapes, legacy shapes, errors, a stale
        index). Returns ``None`` when the file is shorter than the index says."""
        cdef list out = []
        cdef Py_ssize_t k = lo, j, r, rel, ostart, oend, e, length, got
        cdef int64_t g_start, g_end, s, end_r
        cdef bytes data
        cdef const char* p
        cdef object view, rec, fn, ts
        if hi > self.starts.shape[0] or lo < 0:
            return None
        while k < hi:
            g_start = self.starts[k]
            g_end = g_start + self.key_lens[k] + self.obj_lens[k]
            j = k + 1
            while j < hi:
                s = self.starts[j]
                end_r = s + self.key_lens[j] + self.obj_lens[j]
                if s < g_start or s - g_end > MERGE_GAP or end_r - g_start > MERGE_MAX:
                    break
                if end_r > g_end:
                    g_end = end_r
                j += 1
            length = g_end - g_start
            if length <= 0:
                return None
            data = PyBytes_FromStringAndSize(NULL, length)
            p = PyBytes_AS_STRING(data)
            with nogil:
                got = rs_pread(self.fd, <char*> p, length, g_start)
            if got != length:
                return None
            view = memoryview(data)
            for r in range(k, j):
                if self.flags[r] & 2:
                    continue
                rel = self.starts[r] - g_start
                ostart = rel + self.key_lens[r]
                oend = ostart + self.obj_lens[r]
                e = ostart - 1
                while e > rel and is_key_tail(p[e]):
                    e -= 1
                rec = None
                if (e > rel and oend > ostart and p[rel] == 34 and p[e] == 34 and p[ostart] == 123
                        and p[oend - 1] == 125 and memchr(p + rel + 1, 92, e - rel - 1) == NULL):
                    try:
                        rec = self.decode(view[ostart:oend])
                    except self.decode_error:
                        rec = None
                    if rec is not None and rec.name == name:
                        fn = PyUnicode_DecodeUTF8(p + rel + 1, e - rel - 1, "surrogateescape")
                        rec.fn = fn
                        rec.channel = self.channel_id
                        rec.url = self.url_base + fn
                        ts = rec.timestamp
                        if ts is not None and ts < 100000000000:
                            rec.timestamp = ts * 1000  # written in seconds
                        if not rec.subdir:
                            rec.subdir = self.subdir
                        out.append(rec)
                        continue
                out.append(slow(view, rel, self.key_lens[r], self.obj_lens[r], self.starts[r]))
            k = j
        return out
