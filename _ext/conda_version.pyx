# cython: language_level=3
"""Conda versions, version-spec terms and the simple MatchSpec split (the hot paths).

Used only through ``solver.conda.version`` / ``solver.conda.matchspec``. Two encodings come out of
one parse of a version:

* the *order key*: plain ``bytes`` comparison (memcmp) of two keys equals the conda/rattler
  order of the versions, and equal versions (``1.0``, ``1.0.0``, ``1.0+0``) give identical keys.
* the *raw form*: every component as written (implicit zeros included, nothing trimmed), each
  one self-delimiting (epoch; per segment 0x01 then atoms 'N'+len+digits, 'I'+letters+0x00,
  'D', 'P', 'U'; 0x02 before the local part), so "``a`` starts with ``b``" (the ``1.2.*``
  matcher) is a byte-prefix test plus zero padding (see ``_sw``).

A version spec compiles to a program: a tuple (OR) of tuples (AND) of ``Term`` objects, each an
opcode with precomputed key/prefix bytes, evaluated in C against a ``Version``'s key and raw form.

Parsing follows rattler's grammar: optional ``N!`` epoch, segments separated by ``.``, ``-`` or
``_`` (dashes and underscores not mixed), each segment a run of components (numbers, letter runs,
``post``/``dev`` special), an optional trailing ``_``/``-``, an optional ``+local`` part.

Order key layout (why: conda pads missing components with the integer 0 at both the component and
the segment level, so a run of zeros has to be folded into whatever follows it):

    epoch: len(digits) digits
    per non-zero segment: SIGN k body   (k = number of all-zero segments before it)
        SIGN 0x02 (segment sorts below an all-zero one) then k, or 0x04 then 255-k
        body: per non-zero component: SIGN k atom, (k = zero components before it), then 0x03
    0x03, then the local part encoded the same way, then 0x03

Atoms: dev 0x01, ``_``/``-`` 0x02, letters 0x03+text+0x00 (all below zero: "negative"); numbers
len+digits, post 0xFF (above zero: "positive").
"""

cimport cython
from libc.stdlib cimport malloc, free
from libc.string cimport memcmp
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_GET_SIZE, PyBytes_AS_STRING
from cpython.object cimport PyObject_RichCompare

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    void* PyUnicode_DATA(object o)

cdef enum Kind:
    K_NUM = 0
    K_DEV = 1
    K_POST = 2
    K_IDEN = 3
    K_UND = 4

DEF MAX_ATOMS = 512
DEF MAX_SEGS = 256

cdef struct Atom:
    int kind
    int start   # for numbers: first significant digit; for idents: first letter
    int length  # for numbers: significant digits (0 for zero)

cdef struct Parsed:
    int natoms
    int nsegs
    int local_seg       # index of the first local segment, or -1
    int epoch_start
    int epoch_len       # significant digits of the epoch (0: epoch 0 or none)
    Atom atoms[MAX_ATOMS]
    int seg_first[MAX_SEGS + 1]  # seg i = atoms[seg_first[i]:seg_first[i+1]]


class VersionParseError(ValueError):
    """Raised with a short reason; the Python layer wraps it into InvalidVersion."""


cdef inline bint is_digit(unsigned char c) nogil:
    return c >= 48 and c <= 57

cdef inline bint is_alpha(unsigned char c) nogil:
    return (c >= 97 and c <= 122) or (c >= 65 and c <= 90)

cdef inline unsigned char lower(unsigned char c) nogil:
    if c >= 65 and c <= 90:
        return c + 32
    return c

cdef inline bint has_prefix_ci(const unsigned char* s, int pos, int n, const char* word, int wl) nogil:
    cdef int i
    if pos + wl > n:
        return False
    for i in range(wl):
        if lower(s[pos + i]) != <unsigned char>word[i]:
            return False
    return True


cdef int _err(str msg) except -1:
    raise VersionParseError(msg)


cdef int push_atom(Parsed* p, int kind, int start, int length) except -1:
    if p.natoms >= MAX_ATOMS:
        _err("too many version components")
    p.atoms[p.natoms].kind = kind
    p.atoms[p.natoms].start = start
    p.atoms[p.natoms].length = length
    p.natoms += 1
    return 0


cdef int open_segment(Parsed* p) except -1:
    if p.nsegs >= MAX_SEGS:
        _err("too many version segments")
    p.seg_first[p.nsegs] = p.natoms
    p.nsegs += 1
    p.seg_first[p.nsegs] = p.natoms
    return 0


cdef int parse_segment(Parsed* p, const unsigned char* s, int pos, int n) except -2:
    """Parses one segment at ``pos``; returns the new position, or -1 if none starts there."""
    cdef int start, z
    cdef bint first = True
    if pos >= n or not (is_digit(s[pos]) or is_alpha(s[pos])):
        return -1
    open_segment(p)
    while pos < n:
        if is_digit(s[pos]):
            start = pos
            while pos < n and is_digit(s[pos]):
                pos += 1
            z = start
            while z < pos and s[z] == 48:
                z += 1
            if pos - z > 20 or (pos - z == 20 and _gt_u64(s, z)):
                _err("number too large")
            push_atom(p, K_NUM, z, pos - z)
        elif is_alpha(s[pos]):
            if first:
                # segments always start with a number: an implicit 0 keeps
                # numbers and strings in phase ('1.1.a1' == '1.1.0a1')
                push_atom(p, K_NUM, pos, 0)
            start = pos
            while pos < n and is_alpha(s[pos]):
                pos += 1
            if pos - start == 4 and has_prefix_ci(s, start, n, b"post", 4):
                push_atom(p, K_POST, start, 4)
            elif pos - start == 3 and has_prefix_ci(s, start, n, b"dev", 3):
                push_atom(p, K_DEV, start, 3)
            else:
                push_atom(p, K_IDEN, start, pos - start)
        else:
            break
        first = False
    p.seg_first[p.nsegs] = p.natoms
    return pos


cdef bint _gt_u64(const unsigned char* s, int z):
    cdef bytes lim = b"18446744073709551615"
    cdef int i
    for i in range(20):
        if s[z + i] != lim[i]:
            return s[z + i] > lim[i]
    return False


cdef int parse_part(Parsed* p, const unsigned char* s, int pos, int n, int* dash_us) except -2:
    """Parses segments separated by . - _ ; returns the position after them."""
    cdef int r, p2
    cdef unsigned char sep, c2
    r = parse_segment(p, s, pos, n)
    if r < 0:
        _err("expected a version component at position %d" % pos)
    pos = r
    while pos < n:
        sep = s[pos]
        if sep != 46 and sep != 45 and sep != 95:  # . - _
            return pos
        if sep != 46:
            if dash_us[0] == 0:
                dash_us[0] = sep
            elif dash_us[0] != sep:
                _err("cannot mix '-' and '_' as separators")
        p2 = pos + 1
        r = parse_segment(p, s, p2, n)
        if r >= 0:
            pos = r
            continue
        # no segment after the separator: a trailing '_' / '-' (openssl-style '1.0.1_')
        if p2 < n and (s[p2] == 45 or s[p2] == 95):
            c2 = s[p2]
            if dash_us[0] == 0:
                dash_us[0] = c2
            elif dash_us[0] != c2:
                _err("cannot mix '-' and '_' as separators")
            open_segment(p)
            push_atom(p, K_NUM, p2, 0)
            push_atom(p, K_UND, p2, 1)
            p.seg_first[p.nsegs] = p.natoms
            return p2 + 1
        if sep != 46:
            push_atom(p, K_UND, pos, 1)
            p.seg_first[p.nsegs] = p.natoms
            return p2
        return pos
    return pos


cdef int parse(Parsed* p, const unsigned char* s, int n) except -1:
    cdef int pos = 0, i, z
    cdef int dash_us = 0
    p.natoms = 0
    p.nsegs = 0
    p.local_seg = -1
    p.epoch_start = 0
    p.epoch_len = 0
    p.seg_first[0] = 0
    if n == 0:
        _err("empty version")
    i = 0
    while i < n and is_digit(s[i]):
        i += 1
    if i > 0 and i < n and s[i] == 33:  # '!'
        z = 0
        while z < i and s[z] == 48:
            z += 1
        if i - z > 20 or (i - z == 20 and _gt_u64(s, z)):
            _err("epoch too large")
        p.epoch_start = z
        p.epoch_len = i - z
        pos = i + 1
    pos = parse_part(p, s, pos, n, &dash_us)
    if pos < n and s[pos] == 43:  # '+'
        p.local_seg = p.nsegs
        pos = parse_part(p, s, pos + 1, n, &dash_us)
    if pos != n:
        _err("unexpected character %r at position %d" % (chr(s[pos]), pos))
    return 0


cdef inline bint atom_is_zero(Atom* a) nogil:
    return a.kind == K_NUM and a.length == 0

cdef inline bint atom_negative(Atom* a) nogil:
    return a.kind == K_DEV or a.kind == K_UND or a.kind == K_IDEN


cdef int emit_atom_body(Atom* a, const unsigned char* s, unsigned char* out, int o) nogil:
    cdef int i
    if a.kind == K_DEV:
        out[o] = 0x01
        return o + 1
    if a.kind == K_UND:
        out[o] = 0x02
        return o + 1
    if a.kind == K_IDEN:
        out[o] = 0x03
        o += 1
        for i in range(a.length):
            out[o] = lower(s[a.start + i])
            o += 1
        out[o] = 0x00
        return o + 1
    if a.kind == K_POST:
        out[o] = 0xFF
        return o + 1
    out[o] = <unsigned char>a.length
    o += 1
    for i in range(a.length):
        out[o] = s[a.start + i]
        o += 1
    return o


cdef int emit_segments(Parsed* p, const unsigned char* s, int first, int last,
                       unsigned char* out, int o) except -1:
    cdef int zero_segs = 0, seg, i, lo, hi, zr
    cdef Atom* a
    cdef bint neg
    for seg in range(first, last):
        lo = p.seg_first[seg]
        hi = p.seg_first[seg + 1]
        while hi > lo and atom_is_zero(&p.atoms[hi - 1]):
            hi -= 1
        if hi == lo:
            zero_segs += 1
            continue
        if zero_segs > 250:
            _err("too many zero segments")
        i = lo
        while atom_is_zero(&p.atoms[i]):
            i += 1
        neg = atom_negative(&p.atoms[i])
        if neg:
            out[o] = 0x02
            out[o + 1] = <unsigned char>zero_segs
        else:
            out[o] = 0x04
            out[o + 1] = <unsigned char>(255 - zero_segs)
        o += 2
        zero_segs = 0
        zr = 0
        for i in range(lo, hi):
            a = &p.atoms[i]
            if atom_is_zero(a):
                zr += 1
                continue
            if zr > 250:
                _err("too many zero components")
            if atom_negative(a):
                out[o] = 0x02
                out[o + 1] = <unsigned char>zr
            else:
                out[o] = 0x04
                out[o + 1] = <unsigned char>(255 - zr)
            o = emit_atom_body(a, s, out, o + 2)
            zr = 0
        out[o] = 0x03
        o += 1
    out[o] = 0x03
    return o + 1


cdef inline int emit_epoch(Parsed* p, const unsigned char* s, unsigned char* out) nogil:
    """The epoch's length byte and digits at the start of a key; returns the next offset."""
    cdef int o = 1, i
    out[0] = <unsigned char>p.epoch_len
    for i in range(p.epoch_len):
        out[o] = s[p.epoch_start + i]
        o += 1
    return o


cdef bytes make_key(Parsed* p, const unsigned char* s, int n):
    cdef int cap = 8 * n + 32, o, i, vend
    cdef unsigned char* out = <unsigned char*>malloc(cap)
    if out == NULL:
        raise MemoryError()
    try:
        o = emit_epoch(p, s, out)
        vend = p.local_seg if p.local_seg >= 0 else p.nsegs
        o = emit_segments(p, s, 0, vend, out, o)
        o = emit_segments(p, s, vend, p.nsegs, out, o)
        return PyBytes_FromStringAndSize(<char*>out, o)
    finally:
        free(out)


cdef int emit_raw_atom(Atom* a, const unsigned char* s, unsigned char* out, int o) nogil:
    cdef int i
    if a.kind == K_NUM:
        out[o] = 78  # 'N'
        out[o + 1] = <unsigned char>a.length
        o += 2
        for i in range(a.length):
            out[o] = s[a.start + i]
            o += 1
        return o
    if a.kind == K_IDEN:
        out[o] = 73  # 'I'
        o += 1
        for i in range(a.length):
            out[o] = lower(s[a.start + i])
            o += 1
        out[o] = 0
        return o + 1
    out[o] = 68 if a.kind == K_DEV else (80 if a.kind == K_POST else 85)  # D P U
    return o + 1


cdef bytes make_raw(Parsed* p, const unsigned char* s, int n, int nsegs_version, bint with_local,
                    int* last_seg_off=NULL):
    """Epoch, then 0x01 + atoms per segment; 0x02 + local segments when ``with_local``.
    ``last_seg_off`` receives where the last version segment starts."""
    cdef int cap = 8 * n + 32, o, i, seg, vend
    cdef unsigned char* out = <unsigned char*>malloc(cap)
    if out == NULL:
        raise MemoryError()
    try:
        o = emit_epoch(p, s, out)
        vend = p.local_seg if p.local_seg >= 0 else p.nsegs
        for seg in range(nsegs_version):
            if last_seg_off != NULL:
                last_seg_off[0] = o
            out[o] = 0x01
            o += 1
            for i in range(p.seg_first[seg], p.seg_first[seg + 1]):
                o = emit_raw_atom(&p.atoms[i], s, out, o)
        if with_local and p.local_seg >= 0:
            out[o] = 0x02
            o += 1
            for seg in range(vend, p.nsegs):
                out[o] = 0x01
                o += 1
                for i in range(p.seg_first[seg], p.seg_first[seg + 1]):
                    o = emit_raw_atom(&p.atoms[i], s, out, o)
        return PyBytes_FromStringAndSize(<char*>out, o)
    finally:
        free(out)


cdef bytes _ascii(str text):
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        raise VersionParseError("non-ASCII character")


def version_key(str text not None):
    """Order key of one version (see module docstring); raises VersionParseError."""
    cdef Parsed _scratch
    cdef bytes b = _ascii(text)
    cdef const unsigned char* s = <const unsigned char*>b
    parse(&_scratch, s, len(b))
    return make_key(&_scratch, s, len(b))


def version_keys(list texts not None):
    """Order keys of many versions (one list, same order); raises on the first bad one."""
    cdef list out = []
    cdef bytes b
    cdef const unsigned char* s
    cdef Parsed _scratch
    for t in texts:
        b = _ascii(t)
        s = <const unsigned char*>b
        parse(&_scratch, s, len(b))
        out.append(make_key(&_scratch, s, len(b)))
    return out


# ---------------------------------------------------------------------------------------------
# Version objects

cdef object _error_factory = None  # set by solver.conda.version: (text, reason) -> exception


def set_error_factory(factory):
    """``factory(text, reason)`` builds the exception raised for a bad version."""
    global _error_factory
    _error_factory = factory


cdef object _bad(object text, str reason):
    if _error_factory is None:
        return VersionParseError(f"invalid version {text!r}: {reason}")
    return _error_factory(text, reason)


cdef dict _cache = {}
cdef Py_ssize_t CACHE_LIMIT = 500000


@cython.final
@cython.no_gc  # only str/bytes/int fields: a Version can never be part of a cycle
cdef class Version:
    """One parsed conda version: ordered, hashable; ``str()`` is the text as written.

    ``key`` is the order key (bytes; equal versions have equal keys), ``raw`` the as-written
    component form used for prefix tests, ``epoch``, ``has_local``, ``segment_count``.
    """

    cdef readonly bytes key
    cdef readonly bytes raw
    cdef readonly str text
    cdef readonly object epoch
    cdef readonly bint has_local
    cdef readonly int segment_count
    cdef bytes _prefix   # raw prefix without trailing all-zero segments (see _sw)
    cdef int _prefix_zeros
    cdef bytes _compat   # same, with the last segment dropped (the ~= test)
    cdef int _compat_zeros
    cdef int _last_off   # offset in raw where the last version segment starts

    def __cinit__(self, text):
        cdef Parsed _scratch  # on the C stack: no state shared between calls
        cdef bytes b
        cdef const unsigned char* s
        cdef int n, vend
        if not isinstance(text, str):
            raise _bad(repr(text), "a version must be a string")
        try:
            b = (<str>text).encode("ascii")
        except UnicodeEncodeError:
            raise _bad(text, "non-ASCII character")
        s = <const unsigned char*>b
        n = len(b)
        try:
            parse(&_scratch, s, n)
        except VersionParseError as exc:
            raise _bad(text, str(exc))
        vend = _scratch.local_seg if _scratch.local_seg >= 0 else _scratch.nsegs
        self.text = text
        self.key = make_key(&_scratch, s, n)
        self.raw = make_raw(&_scratch, s, n, vend, True, &self._last_off)
        if _scratch.epoch_len:
            self.epoch = int(b[_scratch.epoch_start:_scratch.epoch_start + _scratch.epoch_len])
        else:
            self.epoch = 0
        self.has_local = _scratch.local_seg >= 0
        self.segment_count = vend

    @staticmethod
    def parse(text):
        """Parsed and cached version; a ``Version`` passes through."""
        if type(text) is Version:
            return text
        if type(text) is not str:
            raise _bad(repr(text), "a version must be a string")
        v = _cache.get(text)
        if v is None:
            v = Version(text)
            if len(_cache) >= CACHE_LIMIT:
                _cache.clear()
            _cache[text] = v
        return v

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"Version({self.text!r})"

    def __hash__(self):
        return hash(self.key)

    def __reduce__(self):
        return (Version, (self.text,))

    def __richcmp__(self, other, int op):
        if type(other) is not Version:
            return NotImplemented
        return PyObject_RichCompare(self.key, (<Version>other).key, op)

    cdef _ensure_prefixes(self):
        if self._prefix is None:
            self._prefix, self._prefix_zeros = _strip_zero_segments(self.raw, self.has_local)
            self._compat, self._compat_zeros = _strip_zero_segments(self.raw[:self._last_off], False)

    def starts_with(self, Version other not None):
        """True if this version begins with ``other`` (the ``.*`` test): ``1.2.5``, ``1.2a`` and
        ``1.2`` start with ``1.2``; ``1.2`` starts with ``1.2.0`` (missing parts count as 0);
        ``1.20`` and ``1.3`` do not."""
        other._ensure_prefixes()
        return _sw(self.raw, other._prefix, other._prefix_zeros)

    def compatible_with(self, Version other not None):
        """The ``~=`` test: ``self >= other`` and starting with ``other`` minus its last segment."""
        other._ensure_prefixes()
        return self.key >= other.key and _sw(self.raw, other._compat, other._compat_zeros)


cdef tuple _strip_zero_segments(bytes prefix, bint keep):
    """Drops trailing all-zero segments (0x01 'N' 0x00) from a raw prefix; returns (prefix, n)."""
    cdef int k = 0
    if keep:
        return prefix, 0
    while prefix.endswith(b"\x01N\x00"):
        prefix = prefix[:len(prefix) - 3]
        k += 1
    return prefix, k


cdef bint _sw(bytes raw, bytes p, int zeros):
    """``raw`` starts with ``p`` followed by ``zeros`` all-zero segments, where a version that
    runs out of segments is padded with zeros (conda: '1.2' starts with '1.2.0')."""
    cdef Py_ssize_t lp = PyBytes_GET_SIZE(p), n = PyBytes_GET_SIZE(raw), pos
    cdef const unsigned char* r = <const unsigned char*>PyBytes_AS_STRING(raw)
    cdef int i
    if n < lp or memcmp(r, PyBytes_AS_STRING(p), lp) != 0:
        return False
    pos = lp
    for i in range(zeros):
        if pos >= n or r[pos] == 0x02:
            return True
        if not (r[pos] == 0x01 and pos + 2 < n and r[pos + 1] == 78 and r[pos + 2] == 0):
            return False
        pos += 3
        if i < zeros - 1 and pos < n and r[pos] != 0x01 and r[pos] != 0x02:
            return False
    return True


def clear_cache():
    _cache.clear()


cdef inline int _keycmp(bytes a, bytes b):
    cdef Py_ssize_t la = PyBytes_GET_SIZE(a), lb = PyBytes_GET_SIZE(b)
    cdef int c = memcmp(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), la if la < lb else lb)
    if c != 0:
        return c
    return (la > lb) - (la < lb)


# ---------------------------------------------------------------------------------------------
# Version spec programs: an OR of ANDs (tuples) of Terms, evaluated on (key, raw)

OP_ANY = 0
OP_EQ = 1
OP_NE = 2
OP_LT = 3
OP_LE = 4
OP_GT = 5
OP_GE = 6
OP_SW = 7    # starts with prefix a (+ zeros, see _sw)
OP_NSW = 8   # does not start with
OP_COMPAT = 9  # key >= a and starts with prefix b


@cython.final
@cython.no_gc  # str/bytes fields only
cdef class Term:
    """One compiled constraint: ``op`` (OP_*), ``a`` (key or prefix), ``b`` (the ~= prefix),
    ``zeros`` (trailing zero segments of a prefix), ``text`` (canonical)."""

    cdef readonly int op
    cdef readonly bytes a
    cdef readonly bytes b
    cdef readonly int zeros
    cdef readonly str text

    @property
    def is_any(self):
        return self.op == 0

    def __repr__(self):
        return f"Term({self.text!r})"


cdef Term _mk(int op, str text, bytes a, bytes b, int zeros):
    cdef Term t = Term.__new__(Term)
    t.op = op
    t.text = text
    t.a = a
    t.b = b
    t.zeros = zeros
    return t


cdef bint _term(Term t, bytes key, bytes raw):
    cdef int op = t.op
    if op == 1:
        return _keycmp(key, t.a) == 0
    if op == 6:
        return _keycmp(key, t.a) >= 0
    if op == 3:
        return _keycmp(key, t.a) < 0
    if op == 7:
        return _sw(raw, t.a, t.zeros)
    if op == 4:
        return _keycmp(key, t.a) <= 0
    if op == 5:
        return _keycmp(key, t.a) > 0
    if op == 2:
        return _keycmp(key, t.a) != 0
    if op == 8:
        return not _sw(raw, t.a, t.zeros)
    if op == 9:
        return _keycmp(key, t.a) >= 0 and _sw(raw, t.b, t.zeros)
    return True


cdef bint _eval(tuple prog, bytes key, bytes raw) except -1:
    cdef tuple group
    cdef Term t
    cdef bint ok
    for group in prog:
        ok = True
        for t in group:
            if t is None:  # a typed loop variable accepts None; its fields would be read from it
                raise TypeError("a version spec program holds Terms, not None")
            if not _term(t, key, raw):
                ok = False
                break
        if ok:
            return True
    return False


cdef inline int _not_none(Version v) except -1:
    if v is None:
        raise TypeError("expected a Version, got None")
    return 0


def program_matches(tuple prog not None, Version v not None):
    """Does version ``v`` satisfy the compiled spec ``prog``?"""
    return _eval(prog, v.key, v.raw)


def program_filter(tuple prog not None, list versions not None):
    """``[program_matches(prog, v) for v in versions]`` (every item a ``Version``)."""
    cdef list out = []
    cdef Version v
    for v in versions:
        _not_none(v)
        out.append(_eval(prog, v.key, v.raw))
    return out


def program_select(tuple prog not None, list versions not None):
    """Indexes of the versions that satisfy ``prog``."""
    cdef list out = []
    cdef Version v
    cdef Py_ssize_t i = 0
    for v in versions:
        _not_none(v)
        if _eval(prog, v.key, v.raw):
            out.append(i)
        i += 1
    return out


# ---------------------------------------------------------------------------------------------
# Spec text: one constraint, a whole ',' / '|' spec without parentheses, the simple MatchSpec form

class SpecParseError(ValueError):
    """A version constraint that cannot be parsed; ``str()`` is the reason (no spec text)."""


cdef inline bint _is_ws(Py_UCS4 c):
    return c == u' ' or c == u'\t' or c == u'\n' or c == u'\r' or c == u'\f' or c == u'\v'


cdef inline bint _is_opchar(Py_UCS4 c):
    return c == u'=' or c == u'<' or c == u'>' or c == u'!' or c == u'~'


cdef Term ANY_TERM = _mk(0, "*", b"", b"", 0)
cdef dict _leaf_cache = {}


cdef Version _version_cached(str text):
    v = _cache.get(text)
    if v is None:
        v = Version(text)
        if len(_cache) >= CACHE_LIMIT:
            _cache.clear()
        _cache[text] = v
    return <Version>v


cdef Term _parse_leaf(str token):
    """The slow path of one constraint: works on any text, raises SpecParseError."""
    cdef str t = token.strip()
    cdef Py_ssize_t n = len(t), i, vs, ve
    cdef Py_UCS4 c0, c1
    cdef int op  # 0 none, 1 ==, 2 !=, 3 <, 4 <=, 5 >, 6 >=, 7 ~=, 8 =
    cdef bint glob = False
    cdef str ver, s, opname
    cdef Version v
    if n == 0:
        raise SpecParseError("empty version constraint")
    if t[0] == u'^' or t[n - 1] == u'$':
        raise SpecParseError(f"regular expressions are not supported ({t!r})")
    c0 = t[0]
    c1 = t[1] if n > 1 else 0
    vs = 0
    op = 0
    if c1 == u'=' and (c0 == u'=' or c0 == u'!' or c0 == u'<' or c0 == u'>' or c0 == u'~'):
        vs = 2
        op = 1 if c0 == u'=' else (2 if c0 == u'!' else (4 if c0 == u'<' else (6 if c0 == u'>' else 7)))
    elif c0 == u'<' or c0 == u'>' or c0 == u'=':
        vs = 1
        op = 3 if c0 == u'<' else (5 if c0 == u'>' else 8)
    opname = t[:vs] if vs else None
    if vs < n and _is_opchar(t[vs]):
        raise SpecParseError(f"invalid operator in {t!r}")
    for i in range(vs, n):
        if _is_ws(t[i]):
            raise SpecParseError(f"unexpected whitespace in {t!r}")
    ve = n
    while ve > vs and t[ve - 1] == u'*':
        glob = True
        ve -= 1
        if ve > vs and t[ve - 1] == u'.':
            ve -= 1
    for i in range(vs, ve):
        if t[i] == u'*':
            raise SpecParseError(f"'*' is only allowed at the end of a version ({t!r})")
    if ve == vs:
        if not glob:
            raise SpecParseError(f"missing version after {opname!r}")
        if op == 0 or op == 8 or op == 1 or op == 6 or op == 4 or op == 7:
            return ANY_TERM
        raise SpecParseError(f"'*' cannot follow {opname!r}")
    ver = t[vs:ve]
    try:
        v = _version_cached(ver)
    except Exception as exc:
        raise SpecParseError(getattr(exc, "reason", str(exc)) + f" (in {ver!r})")
    s = v.text
    if glob:
        if op == 0 or op == 8 or op == 1:
            op = 8
        elif op == 2:
            op = 9  # != with a glob: not startswith
        elif op == 5:
            op = 6
    elif op == 0:
        op = 1
    if op == 8 or op == 9 or op == 7:
        v._ensure_prefixes()
    if op == 8:
        return _mk(7, s + ".*", v._prefix, None, v._prefix_zeros)
    if op == 9:
        return _mk(8, "!=" + s + ".*", v._prefix, None, v._prefix_zeros)
    if op == 7:
        if v.has_local:
            raise SpecParseError("'~=' cannot take a local version (after '+')")
        return _mk(9, "~=" + s, v.key, v._compat, v._compat_zeros)
    if op == 1:
        return _mk(1, "==" + s, v.key, None, 0)
    if op == 6:
        return _mk(6, ">=" + s, v.key, None, 0)
    if op == 3:
        return _mk(3, "<" + s, v.key, None, 0)
    if op == 4:
        return _mk(4, "<=" + s, v.key, None, 0)
    if op == 5:
        return _mk(5, ">" + s, v.key, None, 0)
    return _mk(2, "!=" + s, v.key, None, 0)


cdef inline Term _leaf_cached(str token):
    node = _leaf_cache.get(token)
    if node is None:
        node = _parse_leaf(token)
        if len(_leaf_cache) >= CACHE_LIMIT:
            _leaf_cache.clear()
        _leaf_cache[token] = node
    return <Term>node


def parse_leaf(str token not None):
    """One constraint (``>=1.2``, ``1.2.*``, ``~=1.2``...) -> a cached ``Term`` (``is_any``
    for ``*``). Raises ``SpecParseError`` with the reason."""
    return _leaf_cached(token)


def clear_spec_cache():
    _leaf_cache.clear()


def compile_flat_spec(str text not None):
    """A spec without parentheses (``a,b|c``) -> ``(canonical, is_any, program)``.

    ``,`` binds tighter than ``|``; ``*`` inside an AND is dropped, inside an OR wins.
    Raises ``SpecParseError``."""
    cdef Py_ssize_t n = len(text), i = 0, start = 0, a, b
    cdef Py_UCS4 c
    cdef list groups = []
    cdef list texts = []
    cdef list terms = []
    cdef list parts = []
    cdef Term leaf
    cdef bint any_or = False
    cdef str tok
    while i <= n:
        c = text[i] if i < n else u'|'
        if c == u',' or c == u'|':
            a = start
            b = i
            while a < b and _is_ws(text[a]):
                a += 1
            while b > a and _is_ws(text[b - 1]):
                b -= 1
            if a == b:
                raise SpecParseError("empty constraint next to ',' or '|'")
            tok = text if (a == 0 and b == n) else text[a:b]
            leaf = _leaf_cached(tok)
            if leaf.op != 0:
                terms.append(leaf)
                parts.append(leaf.text)
            if c == u'|':
                if not terms:
                    any_or = True
                else:
                    groups.append(tuple(terms))
                    texts.append(parts[0] if len(parts) == 1 else ",".join(parts))
                terms = []
                parts = []
            start = i + 1
        i += 1
    if any_or:
        return ("*", True, ((ANY_TERM,),))
    return (texts[0] if len(texts) == 1 else "|".join(texts), False, tuple(groups))


cdef inline bint _name_char(Py_UCS4 c):
    return (u'a' <= c <= u'z') or (u'A' <= c <= u'Z') or (u'0' <= c <= u'9') or c == u'_' or c == u'.' or c == u'-'


DEF MAX_TOKENS = 64


def split_simple_matchspec(str text not None):
    """``name``, ``name 1.2``, ``name >=1.2,<2 py*``, ``name=1.2=py_0`` -> ``(name, version,
    build)`` (lowercased name; version/build text or None, conda's ``=1.2`` -> ``1.2*`` applied).
    Returns None when the text needs the full parser (brackets, channel, comment, URL, errors)."""
    cdef Py_ssize_t a = 0, b = len(text), j, pos, ntok = 0, g
    cdef Py_ssize_t tok_start[MAX_TOKENS]
    cdef Py_ssize_t tok_end[MAX_TOKENS]
    cdef int tok_group[MAX_TOKENS]
    cdef Py_UCS4 c, prev_last
    cdef bint upper = False
    cdef str name, version, build, body, tail
    cdef list parts
    cdef const unsigned char* d
    if not PyUnicode_IS_ASCII(text):
        return None
    d = <const unsigned char*>PyUnicode_DATA(text)
    while a < b and _is_ws(d[a]):
        a += 1
    while b > a and _is_ws(d[b - 1]):
        b -= 1
    for j in range(a, b):
        c = d[j]
        if c == u'[' or c == u']' or c == u':' or c == u'/' or c == u'#':
            return None
    j = a
    while j < b and _name_char(d[j]):
        if 65 <= d[j] <= 90:
            upper = True
        j += 1
    if j == a:
        return None
    name = text[a:j]
    if upper:
        name = name.lower()
    if j == b:
        return (name, None, None)
    c = d[j]
    if not (_is_ws(c) or _is_opchar(c)):
        return None
    # whitespace-separated tokens; a token joins the previous group when either side of the
    # blank is an operator, ',' or '|' (">=1.0 , <2" is one version)
    pos = j
    g = -1
    while pos < b:
        while pos < b and _is_ws(d[pos]):
            pos += 1
        if pos >= b:
            break
        if ntok >= MAX_TOKENS:
            return None
        tok_start[ntok] = pos
        while pos < b and not _is_ws(d[pos]):
            pos += 1
        tok_end[ntok] = pos
        c = d[tok_start[ntok]]
        if ntok > 0:
            prev_last = d[tok_end[ntok - 1] - 1]
        if ntok > 0 and (_is_opchar(prev_last) or prev_last == u',' or prev_last == u'|'
                         or _is_opchar(c) or c == u',' or c == u'|'):
            tok_group[ntok] = g
        else:
            g += 1
            tok_group[ntok] = g
        ntok += 1
    # version = group 0 (its tokens glued), build = the other groups joined by one blank
    j = 0
    while j < ntok and tok_group[j] == 0:
        j += 1
    if j == 1:
        version = text[tok_start[0]:tok_end[0]]
    else:
        version = "".join([text[tok_start[pos]:tok_end[pos]] for pos in range(j)])
    build = None
    if j < ntok:
        if tok_group[ntok - 1] == tok_group[j]:
            build = "".join([text[tok_start[pos]:tok_end[pos]] for pos in range(j, ntok)])
        else:
            parts = []
            for pos in range(j, ntok):
                if pos > j and tok_group[pos] != tok_group[pos - 1]:
                    parts.append(" ")
                parts.append(text[tok_start[pos]:tok_end[pos]])
            build = "".join(parts)
    else:
        j = version.rfind("=")
        if j > 0 and j < len(version) - 1:
            c = version[j - 1]
            tail = version[j + 1:]
            if not (_is_opchar(c) or c == u',' or c == u'|') and not (
                "," in tail or "|" in tail or "<" in tail or ">" in tail or "~" in tail
            ):
                build = tail
                version = version[:j]
    if version[0] == u'=' and (len(version) == 1 or version[1] != u'='):
        body = version[1:]
        if body and "=" not in body and "," not in body and "|" not in body:
            version = body + "*" if build is None and not body.endswith("*") else body
    return (name, version, build)


cdef bint _glob_match(str pattern, object text):
    """``*``-only glob: two pointers and one backtrack point, so at most len(pattern) * len(text)
    steps whatever the pattern (a channel writes it). ASCII text is walked as bytes."""
    cdef Py_ssize_t pn, tn, p = 0, t = 0, star = -1, mark = 0
    cdef const unsigned char* ps
    cdef const unsigned char* ts
    if type(text) is not str:
        return False
    if not PyUnicode_IS_ASCII(text) or not PyUnicode_IS_ASCII(pattern):
        return _glob_slow(pattern, text)
    ps = <const unsigned char*>PyUnicode_DATA(pattern)
    ts = <const unsigned char*>PyUnicode_DATA(text)
    pn = len(pattern)
    tn = len(<str>text)
    while t < tn:
        if p < pn and ps[p] == 42:  # '*'
            star = p
            p += 1
            mark = t
        elif p < pn and ps[p] == ts[t]:
            p += 1
            t += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < pn and ps[p] == 42:
        p += 1
    return p == pn


def glob_match(str pattern not None, text) -> bool:
    """``*`` matches any run of characters, everything else matches itself; linear time (one star
    remembered, as a two-pointer walk), so a channel's build glob cannot make matching backtrack.
    ``text`` that is not a ``str`` never matches. The one glob matcher: the compiled match specs
    call it directly, ``solver.conda.matchspec`` through this wrapper."""
    return _glob_match(pattern, text)


cdef bint _glob_slow(str pattern, str text):
    """``_glob_match`` over code points (non-ASCII text)."""
    cdef Py_ssize_t pn = len(pattern), tn = len(text), p = 0, t = 0, star = -1, mark = 0
    while t < tn:
        if p < pn and pattern[p] == u'*':
            star = p
            p += 1
            mark = t
        elif p < pn and pattern[p] == text[t]:
            p += 1
            t += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < pn and pattern[p] == u'*':
        p += 1
    return p == pn


# ---------------------------------------------------------------------------------------------
# MatchSpec storage and the hot half of matching: a compiled base class whose fields can never
# point back to a spec (so the GC need not traverse them); solver.conda.matchspec subclasses it
# with the parsing, text and rare-field logic.

@cython.no_gc
cdef class MatchSpecData:
    """Fields of a MatchSpec (``solver.conda.matchspec.MatchSpec`` adds the behaviour)."""

    cdef readonly str name
    cdef readonly object version
    cdef readonly str build
    cdef readonly object build_number
    cdef readonly str channel
    cdef readonly str subdir
    cdef readonly str md5
    cdef readonly str sha256
    cdef readonly str license
    cdef readonly str license_family
    cdef readonly str track_features
    cdef readonly str features
    cdef readonly str fn
    cdef readonly str url
    cdef readonly bint _rare       # any field beyond name/version/build is set
    cdef public object _build_match
    cdef public object _key
    cdef public object _str
    cdef tuple _prog               # the version spec's compiled program (None: any version)
    cdef int _build_kind           # 0 unknown, 1 exact, 2 '*' glob, 3 regex (Python side)

    cdef inline void _prepare(self):
        self._prog = None if self.version is None else self.version._prog
        if self.build is None:
            self._build_kind = 1
        elif self.build.startswith("^") and self.build.endswith("$"):
            self._build_kind = 3
        elif "*" in self.build:
            self._build_kind = 2
        else:
            self._build_kind = 1

    def matches(self, record):
        """Does ``record`` (a ``PackageRecord``) satisfy every field of this spec?"""
        return self._match(record)

    def filter(self, records):
        """``[self.matches(r) for r in records]``."""
        cdef list out = []
        for r in records:
            out.append(self._match(r))
        return out

    cdef object _match(self, record):
        cdef str rname
        cdef Version v
        if self._build_kind == 0:
            self._prepare()
        rname = record.name
        if rname != self.name and self.name != "*" and rname.lower() != self.name:
            return False
        if self._prog is not None:
            v = _version_cached(record.version)
            if not _eval(self._prog, v.key, v.raw):
                return False
        if self.build is not None:
            if self._build_kind == 1:
                if record.build != self.build:
                    return False
            elif self._build_kind == 2:
                if not _glob_match(self.build, record.build):
                    return False
            elif not self._match_build_regex(record.build):
                return False
        if not self._rare:
            return True
        return self._match_rare(record)

    def _set_fields(self, str name, version, str build, dict rare):
        """Used by ``MatchSpec.__init__``; ``rare`` maps the other field names to values."""
        self.name = name
        self.version = version
        self.build = build
        if rare:
            self.build_number = rare.pop("build_number", None)
            self.channel = rare.pop("channel", None)
            self.subdir = rare.pop("subdir", None)
            self.md5 = rare.pop("md5", None)
            self.sha256 = rare.pop("sha256", None)
            self.license = rare.pop("license", None)
            self.license_family = rare.pop("license_family", None)
            self.track_features = rare.pop("track_features", None)
            self.features = rare.pop("features", None)
            self.fn = rare.pop("fn", None)
            self.url = rare.pop("url", None)
            if rare:
                raise TypeError(f"MatchSpec has no field(s) {sorted(rare)}")
            self._rare = not (self.build_number is None and self.channel is None
                              and self.subdir is None and self.md5 is None and self.sha256 is None
                              and self.license is None and self.license_family is None
                              and self.track_features is None and self.features is None
                              and self.fn is None and self.url is None)


def parse_simple_matchspec(str text not None, dict spec_cache not None, spec_factory, type cls not None):
    """The whole fast path of ``MatchSpec.parse`` for the simple shapes: split the text, look up
    or build (``spec_factory(text)``) the version spec, and return a ``cls`` instance; None when
    the text needs the full parser. A version or build of ``*`` becomes None."""
    cdef MatchSpecData m
    split = split_simple_matchspec(text)
    if split is None:
        return None
    name, version_text, build = <tuple>split
    version = None
    if version_text is not None and version_text != "*":
        version = spec_cache.get(version_text)
        if version is None:
            version = spec_factory(version_text)
        if version.is_any:
            version = None
    if build is not None and build == "*":
        build = None
    m = cls.__new__(cls)
    m.name = name
    m.version = version
    m.build = build
    return m
