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
from libc.string cimport memcmp, memmove


class ScanError(ValueError):
    """Malformed repodata structure. ``offset`` is the absolute byte offset of the problem."""

    def __init__(self, message, offset):
        super().__init__(message)
        self.offset = offset



cdef extern from *:
    """
    #include <string.h>
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

    /* p[i] == '{' opens a package record. Returns the index after its closing '}', -1 when the
       buffer ends first, -2 on unbalanced brackets (*err = offset). Finds the top-level "name":
       *name_s, *name_e = its string contents, or *name_s = -1 (absent) / -2 (not a string). */
    static Py_ssize_t rs_record(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                                Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) {
        int depth = 0, key_pos = 0, want_name = 0;
        *name_s = -1; *name_e = -1;
        while (i < end) {
            unsigned char c = p[i];
            switch (c) {
            case '"': {
                Py_ssize_t e = rs_string_end(p, i + 1, end);
                if (e < 0) return -1;
                if (depth == 1) {
                    if (key_pos) {
                        want_name = (e - i == 5 && memcmp(p + i + 1, "name", 4) == 0);
                        key_pos = 0;
                    } else if (want_name) {
                        *name_s = i + 1; *name_e = e; want_name = 0;
                    }
                }
                i = e + 1;
                continue;
            }
            case '{': case '[':
                if (depth == 1 && want_name) { *name_s = -2; *name_e = i; want_name = 0; }
                depth++;
                if (depth == 1) key_pos = 1;
                break;
            case '}': case ']':
                depth--;
                if (depth == 0) return i + 1;
                if (depth < 0) { *err = i; return -2; }
                break;
            case ',':
                if (depth == 1) key_pos = 1;
                break;
            case ':': case ' ': case '\\n': case '\\r': case '\\t':
                break;
            default:
                if (depth == 1 && want_name) { *name_s = -2; *name_e = i; want_name = 0; }
                break;
            }
            i++;
        }
        return -1;
    }
    """
    Py_ssize_t rs_record(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                         Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) noexcept nogil
    Py_ssize_t rs_string_end(const unsigned char* p, Py_ssize_t i, Py_ssize_t end) noexcept nogil


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


cdef inline uint64_t fnv1a(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    cdef uint64_t h = 14695981039346656037ULL
    cdef Py_ssize_t k
    for k in range(n):
        h ^= p[k]
        h *= 1099511628211ULL
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
        self.stem_hash[self.n] = fnv1a(p + ks + 1, stem_end)
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
        offsets_b = bytearray((m + 1) * 8)
        cdef int64_t[::1] offsets = memoryview(offsets_b).cast("q")
        cdef int64_t[::1] fill = memoryview(bytearray((m + 1) * 8)).cast("q")
        ks_b = bytearray(n * 8)
        kl_b = bytearray(n * 4)
        ol_b = bytearray(n * 4)
        fl_b = bytearray(n)
        cdef int64_t[::1] ks = memoryview(ks_b).cast("q")
        cdef uint32_t[::1] kl = memoryview(kl_b).cast("I")
        cdef uint32_t[::1] ol = memoryview(ol_b).cast("I")
        cdef uint8_t[::1] fl = memoryview(fl_b).cast("B")
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
        return {"key_start": bytes(ks_b), "key_len": bytes(kl_b), "obj_len": bytes(ol_b),
                "flags": bytes(fl_b), "name_offsets": bytes(offsets_b), "record_count": visible}

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
