# cython: language_level=3
"""Streaming structural scan of a ``repodata.json``: byte ranges of every record, grouped later by name.

Only the structure is followed (objects, arrays, strings with escapes, scalars); record objects are
skipped except for their top-level ``"name"`` value. The scan is fed chunk by chunk: each call
consumes whole *units* (one top-level member, or one ``"fn": {record}`` entry of a packages
section) and returns how many bytes it consumed, so the caller keeps only the unfinished tail.

Speed (the cold-start path): records are walked 64 bytes at a time with bit masks (AVX-512, AVX2
or a portable SSE2/NEON/scalar variant, picked at import from what the CPU has; the C is in
``repodata_scan_simd.c``); every per-record step
(record bounds, its "name", name interning, stem hashes) is C, so ``feed`` runs without the GIL.
Large files are memory-mapped and cut at likely record boundaries into one part per CPU, scanned
on threads and joined only where the cut is proven right (else re-scanned in order): the result
is always that of one sequential scan.

Used through ``solver.conda.repodata``; not a public API.
"""

import os

from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memchr, memcmp, memcpy, memmove, memset


class ScanError(ValueError):
    """Malformed repodata structure. ``offset`` is the absolute byte offset of the problem."""

    def __init__(self, message, offset):
        super().__init__(message)
        self.offset = offset



# The byte-level kernels are plain C (SSE2 / NEON / AVX2 / AVX-512 with a scalar fallback), kept
# in their own files so every compiler sees real C: _ext/repodata_scan_simd.{h,c}.
cdef extern from "repodata_scan_simd.h":
    Py_ssize_t rs_record(const unsigned char* p, Py_ssize_t i, Py_ssize_t end,
                         Py_ssize_t* name_s, Py_ssize_t* name_e, Py_ssize_t* err) noexcept nogil
    Py_ssize_t rs_string_end(const unsigned char* p, Py_ssize_t i, Py_ssize_t end) noexcept nogil
    Py_ssize_t rs_pread(int fd, char* buf, Py_ssize_t n, int64_t off) noexcept nogil
    void rs_prefetch(const void* p) noexcept nogil
    ctypedef struct rs_name_ref:
        const unsigned char* ptr
        uint32_t len
        int32_t id
    void rs_sort_names(rs_name_ref* refs, Py_ssize_t m) noexcept nogil
    const char* rs_select_isa(const char* force) noexcept nogil


def select_isa(force=None):
    """Selects the block scanner: the widest instruction set this CPU has (``None``), or at most
    ``"avx512"`` / ``"avx2"`` / ``"portable"`` (SSE2 or NEON where the target has them), or
    ``"scalar"`` (byte by byte: the reference). Returns the one in use. Tests use it to check
    every variant against the same inputs."""
    cdef bytes f
    if force is None:
        return rs_select_isa(NULL).decode()
    f = str(force).encode()
    return rs_select_isa(f).decode()


select_isa(os.environ.get("SOLVER_SCAN_ISA") or None)


cdef enum:
    ST_BEFORE = 0  # before the top-level '{'
    ST_TOP = 1  # inside the top-level object, before a member (or its ',' / '}')
    ST_PKGS = 2  # inside "packages" / "packages.conda", before an entry (or ',' / '}')
    ST_DONE = 3  # after the top-level '}'

# Record kinds: 0 = packages, 1 = packages.conda; a part of a parallel scan starts inside a section
# it cannot name yet (KIND_UNKNOWN, patched when the parts are joined; KEY_* say which extension the
# stem hash stripped).
cdef enum:
    KIND_UNKNOWN = 2
    KEY_TAR_BZ2 = 4
    KEY_CONDA = 8

# Records ahead whose hash-table slot is prefetched in ``finish``.
# (Measured on 1M records: 16 ahead makes ``finish`` ~15% faster than no prefetch; 8-32 alike.)
DEF PREFETCH = 16

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
    """64-bit hash of a file stem, 8 bytes per step (an FNV byte loop is a long multiply chain).

    Reads up to 7 bytes past ``p + n``: callers guarantee them (a stem is followed by at least
    its closing quote, ':' and the record object, which holds a "name" member)."""
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ <uint64_t> n
    cdef uint64_t w
    cdef Py_ssize_t k = 0
    while k + 8 <= n:
        memcpy(&w, p + k, 8)
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL
        h ^= h >> 32
        k += 8
    if k < n:
        memcpy(&w, p + k, 8)  # fixed size: one load, not a call
        w &= (<uint64_t> 1 << (8 * (n - k))) - 1  # little-endian: keep the first n - k bytes
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL
    h ^= h >> 29
    h *= 0xFF51AFD7ED558CCDULL
    h ^= h >> 32
    return h


cdef inline uint64_t name_hash_of(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """Hash of a name (no over-read: a name can end right before the buffer does)."""
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ <uint64_t> n
    cdef Py_ssize_t k
    for k in range(n):
        h = (h ^ p[k]) * 0x100000001B3ULL
    h ^= h >> 32
    return h


# Error codes of RepodataScanner.scan (set with the offset of the problem).
cdef enum:
    E_NONE = 0
    E_NOT_OBJECT = 1
    E_AFTER_END = 2
    E_KEY = 3
    E_COMMA = 4
    E_KEY_OR_END = 5
    E_COLON = 6
    E_RECORD_NOT_OBJECT = 7
    E_RECORD_MALFORMED = 8
    E_SECTION_NOT_OBJECT = 9
    E_VALUE = 10
    E_EOF = 11
    E_TOO_LARGE = 12
    E_NO_NAME = 13
    E_NAME_NOT_STRING = 14
    E_NOMEM = 15


cdef class RepodataScanner:
    """Incremental scanner. Feed buffers with ``feed``; read the arrays with ``result``.

    Everything per record is C (no Python object is made during a scan), so ``feed`` runs
    without the GIL: subdirs scan in parallel on threads."""

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
    # Interned raw names: bytes in an arena, an open-addressing table of ids keyed by hash.
    cdef unsigned char* arena
    cdef Py_ssize_t arena_len, arena_cap
    cdef int64_t* nm_off
    cdef uint32_t* nm_len
    cdef uint64_t* nm_hash
    cdef Py_ssize_t n_names, nm_cap
    cdef uint64_t* table  # (high 32 bits of the hash << 32) | (id + 1); 0 = empty
    cdef Py_ssize_t table_size
    cdef int32_t last_id
    # The last error (E_*), its offset in the buffer and the key it concerns (buffer-relative).
    cdef int err_code
    cdef Py_ssize_t err_at, err_ks, err_ke
    cdef public int64_t info_start, info_end, version_start, version_end
    cdef public int parts_joined  # later parts of a parallel scan absorbed (0 for a plain scan)

    def __cinit__(self):
        self.state = ST_BEFORE
        self.need_comma = False
        self.n = 0
        self.cap = 0
        self.last_id = -1
        self.err_code = E_NONE
        self.info_start = self.info_end = self.version_start = self.version_end = -1

    def __dealloc__(self):
        free(self.key_start)
        free(self.key_len)
        free(self.obj_len)
        free(self.name_id)
        free(self.kinds)
        free(self.stem_hash)
        free(self.arena)
        free(self.nm_off)
        free(self.nm_len)
        free(self.nm_hash)
        free(self.table)

    def reserve(self, Py_ssize_t records):
        """Sizes the record arrays for about ``records`` records up front (fewer reallocations)."""
        if records > self.cap:
            if self.grow(records) < 0:
                raise MemoryError()

    cdef int grow(self, Py_ssize_t want=0) noexcept nogil:
        """Doubles the record arrays (or makes room for ``want``); -1 when out of memory (the
        arrays stay valid)."""
        cdef Py_ssize_t cap = max(want, self.cap * 2 if self.cap else 4096)
        cdef void* a
        a = realloc(self.key_start, cap * sizeof(int64_t))
        if a == NULL:
            return -1
        self.key_start = <int64_t*> a
        a = realloc(self.key_len, cap * sizeof(uint32_t))
        if a == NULL:
            return -1
        self.key_len = <uint32_t*> a
        a = realloc(self.obj_len, cap * sizeof(uint32_t))
        if a == NULL:
            return -1
        self.obj_len = <uint32_t*> a
        a = realloc(self.name_id, cap * sizeof(int32_t))
        if a == NULL:
            return -1
        self.name_id = <int32_t*> a
        a = realloc(self.kinds, cap * sizeof(uint8_t))
        if a == NULL:
            return -1
        self.kinds = <uint8_t*> a
        a = realloc(self.stem_hash, cap * sizeof(uint64_t))
        if a == NULL:
            return -1
        self.stem_hash = <uint64_t*> a
        self.cap = cap
        return 0

    cdef int rehash(self, Py_ssize_t size) noexcept nogil:
        cdef uint64_t* t = <uint64_t*> calloc(size, sizeof(uint64_t))
        cdef Py_ssize_t k, slot
        if t == NULL:
            return -1
        for k in range(self.n_names):
            slot = <Py_ssize_t> (self.nm_hash[k] & <uint64_t> (size - 1))
            while t[slot] != 0:
                slot = (slot + 1) & (size - 1)
            t[slot] = (self.nm_hash[k] & 0xFFFFFFFF00000000ULL) | <uint64_t> (k + 1)
        free(self.table)
        self.table = t
        self.table_size = size
        return 0

    cdef int32_t intern_name(self, const unsigned char* p, Py_ssize_t n) noexcept nogil:
        """Id of the raw name ``p[:n]`` (new names get the next id); -1 when out of memory."""
        cdef uint64_t h, e
        cdef Py_ssize_t slot, need
        cdef int32_t k
        cdef void* a
        # Records are usually sorted by file name, so a run of records shares one name.
        k = self.last_id
        if k >= 0 and self.nm_len[k] == n and (n == 0 or memcmp(self.arena + self.nm_off[k], p, n) == 0):
            return k
        h = name_hash_of(p, n)
        if self.table_size:
            slot = <Py_ssize_t> (h & <uint64_t> (self.table_size - 1))
            # One cache line per probe: the streaming scan keeps evicting the table.
            while True:
                e = self.table[slot]
                if e == 0:
                    break
                k = <int32_t> (e & 0xFFFFFFFFULL) - 1
                if (e >> 32) == (h >> 32) and self.nm_len[k] == n and \
                        (n == 0 or memcmp(self.arena + self.nm_off[k], p, n) == 0):
                    self.last_id = k
                    return k
                slot = (slot + 1) & (self.table_size - 1)
        # A new name.
        if self.n_names == self.nm_cap:
            need = self.nm_cap * 2 if self.nm_cap else 1024
            a = realloc(self.nm_off, need * sizeof(int64_t))
            if a == NULL:
                return -1
            self.nm_off = <int64_t*> a
            a = realloc(self.nm_len, need * sizeof(uint32_t))
            if a == NULL:
                return -1
            self.nm_len = <uint32_t*> a
            a = realloc(self.nm_hash, need * sizeof(uint64_t))
            if a == NULL:
                return -1
            self.nm_hash = <uint64_t*> a
            self.nm_cap = need
        if self.arena_len + n > self.arena_cap:
            need = max(self.arena_cap * 2, self.arena_len + n, 16384)
            a = realloc(self.arena, need)
            if a == NULL:
                return -1
            self.arena = <unsigned char*> a
            self.arena_cap = need
        if n:
            memcpy(self.arena + self.arena_len, p, n)
        k = <int32_t> self.n_names
        self.nm_off[k] = self.arena_len
        self.nm_len[k] = <uint32_t> n
        self.nm_hash[k] = h
        self.arena_len += n
        self.n_names += 1
        if 2 * self.n_names > self.table_size:  # keep the table at most half full
            if self.rehash(self.table_size * 2 if self.table_size else 4096) < 0:
                return -1
        else:
            slot = <Py_ssize_t> (h & <uint64_t> (self.table_size - 1))
            while self.table[slot] != 0:
                slot = (slot + 1) & (self.table_size - 1)
            self.table[slot] = (h & 0xFFFFFFFF00000000ULL) | <uint64_t> (k + 1)
        self.last_id = k
        return k

    cdef int fail(self, int code, Py_ssize_t at, Py_ssize_t ks, Py_ssize_t ke) noexcept nogil:
        self.err_code = code
        self.err_at = at
        self.err_ks = ks
        self.err_ke = ke
        return -1

    cdef int add_record(self, const unsigned char* p, Py_ssize_t ks, Py_ssize_t ke, Py_ssize_t os_,
                        Py_ssize_t oe, Py_ssize_t name_s, Py_ssize_t name_e, int64_t base) noexcept nogil:
        cdef Py_ssize_t stem_end, klen
        cdef int32_t nid
        if oe - os_ > <Py_ssize_t> 0xFFFFFFFFLL or os_ - ks > <Py_ssize_t> 0xFFFFFFFFLL:
            return self.fail(E_TOO_LARGE, ks, ks, ke)
        if name_s == -1:
            return self.fail(E_NO_NAME, ks, ks, ke)
        if name_s == -2:
            return self.fail(E_NAME_NOT_STRING, name_e, ks, ke)
        if self.n == self.cap and self.grow() < 0:
            return self.fail(E_NOMEM, ks, ks, ke)
        nid = self.intern_name(p + name_s, name_e - name_s)
        if nid < 0:
            return self.fail(E_NOMEM, ks, ks, ke)
        self.key_start[self.n] = base + ks
        self.key_len[self.n] = <uint32_t> (os_ - ks)
        self.obj_len[self.n] = <uint32_t> (oe - os_)
        self.kinds[self.n] = self.kind
        self.name_id[self.n] = nid
        # Hash of the file stem (key without quotes and extension) for the .conda-over-.tar.bz2 rule.
        klen = ke - ks - 2
        stem_end = klen
        if self.kind != 1 and klen >= 8 and memcmp(p + ks + 1 + klen - 8, b".tar.bz2", 8) == 0:
            stem_end = klen - 8
            if self.kind == KIND_UNKNOWN:
                self.kinds[self.n] = KIND_UNKNOWN | KEY_TAR_BZ2
        elif self.kind != 0 and klen >= 6 and memcmp(p + ks + 1 + klen - 6, b".conda", 6) == 0:
            stem_end = klen - 6
            if self.kind == KIND_UNKNOWN:
                self.kinds[self.n] = KIND_UNKNOWN | KEY_CONDA
        self.stem_hash[self.n] = stem_hash_of(p + ks + 1, stem_end)
        self.n += 1
        return 0

    cdef Py_ssize_t scan(self, const unsigned char* p, Py_ssize_t end, int64_t base, bint final) noexcept nogil:
        """Consumes complete units of ``p[:end]``; returns the bytes consumed, or -1 with
        ``err_*`` set."""
        cdef Py_ssize_t i = 0, done = 0, ks, ke, vs, os_, oe, name_s, name_e, err = 0
        cdef unsigned char c
        while True:
            i = skip_ws(p, done, end)
            if i >= end:
                break
            if self.state == ST_BEFORE:
                if p[i] != 123:
                    return self.fail(E_NOT_OBJECT, i, 0, 0)
                self.state = ST_TOP
                self.need_comma = False
                done = i + 1
                continue
            if self.state == ST_DONE:
                return self.fail(E_AFTER_END, i, 0, 0)
            c = p[i]
            if self.need_comma:
                if c == 44:
                    i = skip_ws(p, i + 1, end)
                    if i >= end:
                        break
                    c = p[i]
                    if c != 34:
                        return self.fail(E_KEY, i, 0, 0)
                elif c != 125:
                    return self.fail(E_COMMA, i, 0, 0)
            elif c != 34 and c != 125:
                return self.fail(E_KEY_OR_END, i, 0, 0)
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
                return self.fail(E_COLON, i, 0, 0)
            i = skip_ws(p, i + 1, end)
            if i >= end:
                break
            vs = i
            if self.state == ST_PKGS:
                if p[i] != 123:
                    return self.fail(E_RECORD_NOT_OBJECT, i, ks, ke)
                os_ = i
                oe = rs_record(p, i, end, &name_s, &name_e, &err)
                if oe == NEED_MORE:
                    break
                if oe == SYNTAX:
                    return self.fail(E_RECORD_MALFORMED, err, ks, ke)
                if self.add_record(p, ks, ke, os_, oe, name_s, name_e, base) < 0:
                    return -1
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
                    return self.fail(E_SECTION_NOT_OBJECT, i, ks, ke)
            i = skip_value(p, i, end, &err)
            if i == NEED_MORE:
                break
            if i == SYNTAX:
                return self.fail(E_VALUE, err, 0, 0)
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
                return self.fail(E_EOF, end, 0, 0)
        return done

    cdef raise_error(self, const unsigned char* p, int64_t base):
        cdef int code = self.err_code
        cdef Py_ssize_t at = self.err_at
        key = p[self.err_ks:self.err_ke].decode("utf-8", "replace") if self.err_ke > self.err_ks else ""
        self.err_code = E_NONE
        if code == E_NOMEM:
            raise MemoryError()
        message = {
            E_NOT_OBJECT: "repodata must be a JSON object",
            E_AFTER_END: "unexpected data after the end of the JSON object",
            E_KEY: "expected a key string",
            E_COMMA: "expected ',' or '}'",
            E_KEY_OR_END: "expected a key string or '}'",
            E_COLON: "expected ':'",
            E_RECORD_NOT_OBJECT: "package record %s is not an object" % key,
            E_RECORD_MALFORMED: "malformed package record %s" % key,
            E_SECTION_NOT_OBJECT: "%s must be an object" % key,
            E_VALUE: "malformed value",
            E_EOF: "unexpected end of file",
            E_TOO_LARGE: "record too large",
            E_NO_NAME: "record %s has no \"name\"" % key,
            E_NAME_NOT_STRING: "record %s: \"name\" is not a string" % key,
        }.get(code, "malformed repodata")
        raise ScanError(message, base + at)

    def feed(self, const unsigned char[::1] buf, Py_ssize_t length, int64_t base, bint final):
        """Consumes complete units of ``buf[:length]`` (``base`` = file offset of ``buf[0]``).

        Returns the number of bytes consumed; the caller keeps the rest and feeds it again with
        more data. With ``final`` the input must be complete. Runs without the GIL."""
        cdef const unsigned char* p = &buf[0] if length > 0 else NULL
        cdef Py_ssize_t done
        if length > buf.shape[0] or length < 0:
            raise ValueError("length must be within the buffer")
        with nogil:
            done = self.scan(p, length, base, final)
        if done < 0:
            self.raise_error(p, base)
        return done

    def start_inside_packages(self):
        """Makes this scanner start right after a record of a packages section (which one is not
        known yet): a later part of a file scanned in parallel."""
        self.state = ST_PKGS
        self.need_comma = True
        self.kind = KIND_UNKNOWN

    def at_record_boundary(self):
        """Whether everything consumed so far ends right after a package record."""
        return self.state == ST_PKGS and self.need_comma

    def absorb(self, RepodataScanner other not None, const unsigned char[::1] buf):
        """Appends ``other``'s records, ``other`` having scanned the bytes right after ours from
        a record boundary (``start_inside_packages``). Afterwards this scanner is exactly what a
        single scan of both parts makes: names keep first-appearance ids, kinds and stem hashes
        follow the section the records are in. ``buf`` is the whole file (keys are re-read for
        the rare stem hash that assumed the wrong section)."""
        cdef Py_ssize_t k, j, ks, e, klen, size = buf.shape[0]
        cdef int32_t* remap
        cdef int32_t nid
        cdef uint8_t kd, section = self.kind
        cdef const unsigned char* p = &buf[0] if size else NULL
        if not self.at_record_boundary() or section == KIND_UNKNOWN:
            raise ValueError("absorb: this scanner does not end at a record boundary")
        remap = <int32_t*> malloc((other.n_names + 1) * sizeof(int32_t))
        if remap == NULL:
            raise MemoryError()
        try:
            with nogil:
                for j in range(other.n_names):
                    nid = self.intern_name(other.arena + other.nm_off[j], other.nm_len[j])
                    if nid < 0:
                        break
                    remap[j] = nid
                else:
                    nid = 0
            if nid < 0:
                raise MemoryError()
            for k in range(other.n):
                if self.n == self.cap and self.grow() < 0:
                    raise MemoryError()
                j = self.n
                self.key_start[j] = other.key_start[k]
                self.key_len[j] = other.key_len[k]
                self.obj_len[j] = other.obj_len[k]
                self.name_id[j] = remap[other.name_id[k]]
                self.stem_hash[j] = other.stem_hash[k]
                kd = other.kinds[k]
                if kd & KIND_UNKNOWN:
                    if (section == 0 and kd & KEY_CONDA) or (section == 1 and kd & KEY_TAR_BZ2):
                        # The extension was stripped, but this section keeps it in the stem.
                        ks = other.key_start[k]
                        if ks < 0 or ks + 1 >= size:
                            raise ValueError("absorb: key outside the buffer")
                        e = rs_string_end(p, ks + 1, size)
                        if e < 0:
                            raise ValueError("absorb: key past the end of the buffer")
                        klen = e - ks - 1
                        if e + 8 > size:
                            raise ValueError("absorb: key too close to the end of the buffer")
                        self.stem_hash[j] = stem_hash_of(p + ks + 1, klen)
                    kd = section
                self.kinds[j] = kd
                self.n += 1
        finally:
            free(remap)
        self.state = other.state
        self.need_comma = other.need_comma
        self.kind = other.kind if other.kind != KIND_UNKNOWN else section
        if other.info_start >= 0:
            self.info_start, self.info_end = other.info_start, other.info_end
        if other.version_start >= 0:
            self.version_start, self.version_end = other.version_start, other.version_end
        self.parts_joined += 1 + other.parts_joined

    def finish(self, remap):
        """The per-name index, sorted: ``remap[raw_id]`` is each raw name's final id (0..m-1).

        Returns a dict of bytes: ``key_start`` (int64), ``key_len`` / ``obj_len`` (uint32),
        ``flags`` (uint8: 1 = from packages.conda, 2 = .tar.bz2 shadowed by a .conda of the same
        stem), ``name_offsets`` (int64, m + 1; rows of name i are offsets[i]:offsets[i+1], file
        order kept), and ``record_count`` (records not shadowed)."""
        cdef Py_ssize_t n = self.n, k, m, slot, mask, size, n_conda = 0, visible = 0
        cdef const int32_t[::1] rmap
        cdef int32_t r
        if isinstance(remap, memoryview) and remap.format == "i":
            rmap = remap
        else:
            rmap = memoryview(bytearray(len(remap) * 4)).cast("i")
            for k in range(len(remap)):
                (<int32_t*> &rmap[0])[k] = remap[k]
        if rmap.shape[0] != self.n_names:
            raise ValueError("remap must have one entry per raw name")
        m = 0
        for k in range(rmap.shape[0]):
            if rmap[k] < 0:
                raise ValueError("remap entries must be >= 0")
            if rmap[k] + 1 > m:
                m = rmap[k] + 1
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
                # The table is larger than the caches: ask for the slot of a later record now.
                if k + PREFETCH < n and self.kinds[k + PREFETCH] == 1:
                    rs_prefetch(&table[(self.stem_hash[k + PREFETCH] or 1) & mask])
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
                if table != NULL and k + PREFETCH < n and self.kinds[k + PREFETCH] == 0:
                    rs_prefetch(&table[(self.stem_hash[k + PREFETCH] or 1) & mask])
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

    def sorted_names(self):
        """``(blob, remap)`` for names without escapes: ``blob`` is every raw name in byte order
        (for valid UTF-8 that is code point order, as Python sorts str) joined by ``\\n``;
        ``remap`` (int32 bytes) gives each raw id its position there. ``None`` when a name holds
        a backslash (escapes: two spellings may be one name; the caller decodes in Python)."""
        cdef Py_ssize_t k, m = self.n_names, total = 0
        cdef rs_name_ref* refs
        cdef char* out
        cdef int32_t* rm
        # (memchr needs a real pointer even for 0 bytes: the arena is NULL when every name is empty)
        if self.arena_len and memchr(self.arena, 92, self.arena_len) != NULL:
            return None
        refs = <rs_name_ref*> malloc((m + 1) * sizeof(rs_name_ref))
        if refs == NULL:
            raise MemoryError()
        try:
            with nogil:
                for k in range(m):
                    refs[k].ptr = self.arena + self.nm_off[k]
                    refs[k].len = self.nm_len[k]
                    refs[k].id = <int32_t> k
                rs_sort_names(refs, m)
            blob = PyBytes_FromStringAndSize(NULL, max(0, self.arena_len + m - 1))
            remap = PyBytes_FromStringAndSize(NULL, m * 4)
            out = PyBytes_AS_STRING(blob)
            rm = <int32_t*> PyBytes_AS_STRING(remap)
            with nogil:
                for k in range(m):
                    if k:
                        out[total] = 10
                        total += 1
                    if refs[k].len:
                        memcpy(out + total, refs[k].ptr, refs[k].len)
                    total += refs[k].len
                    rm[refs[k].id] = <int32_t> k
        finally:
            free(refs)
        return blob, remap

    def raw_names(self):
        """Raw (still JSON-escaped) name bytes, indexed by raw name id."""
        cdef Py_ssize_t k
        return [PyBytes_FromStringAndSize(<char*> self.arena + self.nm_off[k], self.nm_len[k])
                for k in range(self.n_names)]

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
        return arrays, self.raw_names()


# Files at least this large are memory-mapped (no copy through a read buffer) and, with more than
# one CPU, split into parts scanned on threads.
MMAP_MIN_BYTES = 1 << 20
# Parts of a parallel scan are at least this large (a thread start and the join cost ~0.1 ms).
PARALLEL_MIN_PART = 8 << 20
# Bytes fed to the scanner at a time (memory-mapped pages behind it are dropped as it goes).
WINDOW = 8 << 20
# How far past a split point a record boundary is looked for.
DEF BOUNDARY_WINDOW = 4194304


cdef Py_ssize_t boundary_after(const unsigned char* p, Py_ssize_t s, Py_ssize_t end) noexcept nogil:
    """A likely record boundary at or after ``s``: the index after a '}' followed by ',', a key
    and an object. Only a guess (the '}' may be inside a string or close a nested object): the
    join checks it."""
    cdef Py_ssize_t limit = min(end, s + BOUNDARY_WINDOW), i, j
    cdef const void* hit
    while s < limit:
        hit = memchr(p + s, 125, limit - s)
        if hit == NULL:
            return -1
        i = <const unsigned char*> hit - p
        # '}' , "key" : {   (a record's end, then the next record)
        j = skip_ws(p, i + 1, end)
        if j < end and p[j] == 44:
            j = skip_ws(p, j + 1, end)
            if j < end and p[j] == 34:
                j = rs_string_end(p, j + 1, limit)
                if j >= 0:
                    j = skip_ws(p, j + 1, end)
                    if j < end and p[j] == 58:
                        j = skip_ws(p, j + 1, end)
                        if j < end and p[j] == 123:
                            return i + 1
        s = i + 1
    return -1


def split_points(const unsigned char[::1] buf, Py_ssize_t parts):
    """Offsets ``[0, c1, ..., size]`` cutting ``buf`` into about ``parts`` pieces at likely record
    boundaries (fewer when none is found)."""
    cdef Py_ssize_t size = buf.shape[0], k, c
    points = [0]
    if size == 0:
        return [0, 0]
    for k in range(1, parts):
        with nogil:
            c = boundary_after(&buf[0], size * k // parts, size)
        if c > points[len(points) - 1] and c < size:
            points.append(c)
    points.append(size)
    return points


def _feed_range(RepodataScanner s not None, buf, Py_ssize_t start, Py_ssize_t end, bint last, release,
                Py_ssize_t window):
    """Feeds ``buf[start:end]`` to ``s`` window by window; returns the bytes consumed. (Not a
    closure: a typed view kept in a closure cell would outlive the scan and pin a memory map.)"""
    cdef const unsigned char[::1] view = buf
    cdef Py_ssize_t at = start, stop, used, win = window, released = start
    while True:
        stop = min(end, at + win)
        used = s.feed(view[at:stop], stop - at, at, last and stop == end)
        at += used
        if stop == end:
            return at - start
        if used == 0:
            win *= 2  # one unit larger than the window
        elif release is not None and at - released >= window:
            release(released, at)
            released = at


def scan_buffer(buf, Py_ssize_t parts=1, release=None, Py_ssize_t window=WINDOW):
    """Scans a whole repodata document held in ``buf`` (any buffer: bytes, mmap). With
    ``parts`` > 1 the buffer is cut at likely record boundaries and the pieces are scanned on
    threads at once (the scan holds no GIL); each join checks that the previous piece really
    ended at its cut, and any piece that does not fit (or fails) is scanned again in order from
    where the checked prefix ends. The result is the same as ``parts=1`` in every case.

    Each piece is fed ``window`` bytes at a time; ``release(start, stop)`` (optional) is called
    with byte ranges already scanned, so a memory map can drop their pages."""
    cdef const unsigned char[::1] view = buf
    cdef Py_ssize_t size = view.shape[0], k, pos
    cdef RepodataScanner sc, part
    points = split_points(view, parts) if parts > 1 else [0, size]
    n = len(points) - 1
    scanners = [RepodataScanner() for _ in range(n)]
    for k in range(n):  # real repodata has 300-1500 bytes per record
        (<RepodataScanner> scanners[k]).reserve((points[k + 1] - points[k]) // 400)
    outcome = [None] * n

    def run(k):
        if k:
            (<RepodataScanner> scanners[k]).start_inside_packages()
        try:
            outcome[k] = _feed_range(scanners[k], buf, points[k], points[k + 1], k == n - 1, release, window)
        except Exception as exc:  # a misplaced cut fails here; the join decides
            outcome[k] = exc

    threads = []
    if n > 1:
        import threading

        for k in range(1, n):
            t = threading.Thread(target=run, args=(k,), name="solver-scan", daemon=True)
            t.start()
            threads.append(t)
    try:
        run(0)
    finally:
        for t in threads:
            t.join()
    if isinstance(outcome[0], Exception):
        raise outcome[0]  # the first part is the start of a plain scan: its errors are real
    sc = scanners[0]
    pos = outcome[0]
    for k in range(1, n):
        part = scanners[k]
        if isinstance(outcome[k], Exception) or pos != points[k] or not sc.at_record_boundary():
            break
        sc.absorb(part, view)
        pos = points[k] + outcome[k]
    else:
        return sc
    # Sequential from the last checked position to the end.
    _feed_range(sc, buf, pos, size, True, release, window)
    return sc


def _usable_cpus():
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def scan_file(path, chunk_size=None, parts=None):
    """Scans the file at ``path`` (or an open descriptor); returns the finished scanner.

    Large files are memory-mapped and scanned in ``parts`` (default: one per CPU, pieces of at
    least ``PARALLEL_MIN_PART``) on threads; small ones are read whole. An explicit
    ``chunk_size`` reads through a buffer of that size instead (the scan resumes across chunks)."""
    if isinstance(path, int):  # an open descriptor: read from the start, leave it open
        os.lseek(path, 0, os.SEEK_SET)
    with open(path, "rb", buffering=0, closefd=not isinstance(path, int)) as f:
        size = os.fstat(f.fileno()).st_size
        if chunk_size is None and size >= MMAP_MIN_BYTES:
            import mmap

            try:
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                mm = None
            if mm is not None:
                release = None
                if hasattr(mm, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
                    mm.madvise(mmap.MADV_SEQUENTIAL)
                    page = mmap.PAGESIZE

                    def release(start, stop):
                        # Scanned pages leave this process (they stay in the page cache): the
                        # resident set stays at a window per thread, not the whole file.
                        start = (start + page - 1) // page * page
                        stop = stop // page * page
                        if stop > start:
                            mm.madvise(mmap.MADV_DONTNEED, start, stop - start)
                try:
                    if parts is None:
                        parts = max(1, min(_usable_cpus(), size // PARALLEL_MIN_PART))
                    return scan_buffer(mm, parts, release)
                finally:
                    mm.close()
        if chunk_size is None and parts is not None and parts > 1:
            return scan_buffer(f.read(), parts)
        return _scan_chunked(f, size, chunk_size if chunk_size is not None else max(size + 1, 1))


def _scan_chunked(f, Py_ssize_t size, Py_ssize_t chunk_size):
    cdef RepodataScanner sc = RepodataScanner()
    cdef bytearray buf
    cdef Py_ssize_t filled = 0, used, n
    cdef int64_t base = 0
    cdef char* raw
    # Small files get a small buffer: zero-filling a large one per tiny subdir is most of its cost.
    buf = bytearray(max(1, min(chunk_size, size + 1)))
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


cdef inline bint plain_file_name(const char* p, Py_ssize_t n) noexcept nogil:
    """A key the fast path may take as it is: no escapes, control characters or path separators
    (anything else goes to the slow path, which decodes escapes and rejects bad names)."""
    cdef Py_ssize_t k
    cdef unsigned char c
    for k in range(n):
        c = <unsigned char> p[k]
        if c < 32 or c == 127 or c == 92 or c == 47:
            return False
    return True


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
        if not (self.key_lens.shape[0] == self.obj_lens.shape[0] == self.flags.shape[0]
                == self.starts.shape[0]):
            raise ValueError("RowReader: the index arrays differ in length")
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
                        and p[oend - 1] == 125 and plain_file_name(p + rel + 1, e - rel - 1)):
                    try:
                        rec = self.decode(view[ostart:oend])
                    except self.decode_error:
                        rec = None
                    if rec is not None and rec.name == name:
                        try:
                            fn = PyUnicode_DecodeUTF8(p + rel + 1, e - rel - 1, NULL)
                        except UnicodeDecodeError:  # the slow path names the record
                            out.append(slow(view, rel, self.key_lens[r], self.obj_lens[r], self.starts[r]))
                            continue
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
