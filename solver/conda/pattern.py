"""Build-string patterns in linear time: ``*`` globs and ``^...$`` regular expressions.

A channel writes the patterns (``depends: ["b 1.0 ^(a+)+$"]``), so matching must not depend on
the pattern's goodwill: Python's ``re`` backtracks, and ``^(a+)+$`` against ``aaaa...b`` takes
exponential time. Globs are matched by the two-pointer algorithm (one backtrack point: at most
``len(pattern) * len(text)`` steps), compiled: ``solver._ext.conda_version.glob_match``. Regular
expressions are compiled to a Thompson NFA and run
as a lazily built DFA: each text character costs one table lookup once its state set has been
seen, and building a state set costs at most the NFA's size. The grammar is the part of Python's
that build strings use: literals, ``.``, classes (``[a-z]``, ``[^_]``, ``\\d\\w\\s``), groups
(``(...)``, ``(?:...)``, ``(?P<n>...)``), ``|``, ``* + ? {m,n}`` (lazy forms too: only the match
set matters), ``^`` and ``$``. Backreferences, lookaround and inline flags are rejected
(``PatternError``): they have no linear-time matcher.

Semantics are those of ``re.match`` (the start is anchored, the end is not unless ``$`` says so;
``$`` also matches before a final newline), which is what conda's matcher does.
"""

from __future__ import annotations

from typing import Callable

__all__ = ["PatternError", "compile_regex"]

# Bounds on what a pattern may cost to compile: the NFA's states (counted repeats copy their
# body) and the DFA states kept per pattern (past it the cache is dropped and rebuilt as needed).
MAX_NFA_STATES = 20_000
MAX_DFA_STATES = 4_096


class PatternError(ValueError):
    """A regular expression this matcher does not accept; ``str()`` is the reason."""


# --------------------------------------------------------------------------------------------
# Parsing into a small syntax tree: ("char", test), ("cat", [nodes]), ("alt", [nodes]),
# ("rep", node, min, max or None), ("bol",), ("eol",); a test is a callable on one character.

_CLASS_ESCAPES = {
    "d": (False, frozenset("0123456789")),
    "D": (True, frozenset("0123456789")),
    "w": (False, None),  # word characters: tested by str methods (Unicode, as re does)
    "W": (True, None),
    "s": (False, frozenset(" \t\n\r\f\v")),
    "S": (True, frozenset(" \t\n\r\f\v")),
}
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "0": "\0"}


class _Class:
    """A set of characters: explicit characters and ranges, word/digit tests, maybe negated."""

    __slots__ = ("chars", "ranges", "word", "negated")

    def __init__(self, chars=(), ranges=(), word=False, negated=False):
        self.chars = frozenset(chars)
        self.ranges = tuple(ranges)
        self.word = word
        self.negated = negated

    def __call__(self, c: str) -> bool:
        hit = (c in self.chars or any(lo <= c <= hi for lo, hi in self.ranges)
               or (self.word and (c.isalnum() or c == "_")))
        return hit != self.negated


_ANY_BUT_NEWLINE = _Class("\n", negated=True)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def fail(self, reason: str):
        raise PatternError(f"{reason} at position {self.pos}")

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def parse(self):
        node = self.alternation()
        if self.pos != len(self.text):
            self.fail("unbalanced ')'")
        return node

    def alternation(self):
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self):
        items = []
        while self.peek() is not None and self.peek() not in "|)":
            items.append(self.repeat())
        return ("cat", items)

    def repeat(self):
        node = self.atom()
        while True:
            c = self.peek()
            counted = self._counted() if c == "{" else None
            if c in ("*", "+", "?"):
                self.pos += 1
                lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
            elif counted is not None:
                lo, hi = counted
            else:
                return node
            if node[0] in ("bol", "eol"):
                self.fail("nothing to repeat")
            if self.peek() == "?":  # lazy: the same set of matches
                self.pos += 1
            elif self.peek() == "+":  # possessive: gives up matches, which a DFA cannot model
                self.fail("possessive repeats are not supported")
            nxt = self.peek()
            if nxt is not None and (nxt in "*+?" or (nxt == "{" and self._counted(consume=False))):
                self.fail("multiple repeat")  # as Python's re: "a**" is an error, not a loop
            node = ("rep", node, lo, hi)

    def _counted(self, consume: bool = True):
        """``{m}``, ``{m,}``, ``{,n}``, ``{m,n}`` at pos (consumed), or None (a literal '{')."""
        end = self.text.find("}", self.pos)
        if end < 0:
            return None
        body = self.text[self.pos + 1:end]
        lo_s, comma, hi_s = body.partition(",")
        if not (lo_s.isdigit() or (comma and lo_s == "")) or not (hi_s.isdigit() or hi_s == ""):
            return None
        if not comma and not lo_s:
            return None
        if len(lo_s) > 4 or len(hi_s) > 4:
            self.fail("repeat count too large")
        lo = int(lo_s) if lo_s else 0
        hi = (int(hi_s) if hi_s else None) if comma else lo
        if hi is not None and hi < lo:
            self.fail("min repeat greater than max repeat")
        if consume:
            self.pos = end + 1
        return lo, hi

    def atom(self):
        c = self.peek()
        if c == "(":
            self.pos += 1
            if self.text.startswith("?:", self.pos):
                self.pos += 2
            elif self.text.startswith("?P<", self.pos):
                close = self.text.find(">", self.pos)
                if close < 0:
                    self.fail("unterminated group name")
                self.pos = close + 1
            elif self.peek() == "?":
                self.fail("lookaround, inline flags and backreferences are not supported")
            node = self.alternation()
            if self.peek() != ")":
                self.fail("missing ')'")
            self.pos += 1
            return node
        if c == "[":
            return ("char", self._class())
        if c == "\\":
            return ("char", self._escape())
        if c in ("*", "+", "?"):
            self.fail("nothing to repeat")
        self.pos += 1
        if c == ".":
            return ("char", _ANY_BUT_NEWLINE)
        if c == "^":
            return ("bol",)
        if c == "$":
            return ("eol",)
        return ("char", _Class(c))

    def _escape(self):
        """One escape at pos (the same ones inside and outside a class)."""
        self.pos += 1
        c = self.peek()
        if c is None:
            self.fail("trailing backslash")
        self.pos += 1
        if c in _CLASS_ESCAPES:
            negated, chars = _CLASS_ESCAPES[c]
            return _Class(chars or (), word=chars is None, negated=negated)
        if c in _SIMPLE_ESCAPES:
            return _Class(_SIMPLE_ESCAPES[c])
        if c == "x" or c == "u":
            width = 2 if c == "x" else 4
            digits = self.text[self.pos:self.pos + width]
            if len(digits) != width or any(d not in "0123456789abcdefABCDEF" for d in digits):
                self.fail(f"bad \\{c} escape")
            self.pos += width
            return _Class(chr(int(digits, 16)))
        if c.isalnum():
            self.fail(f"unsupported escape \\{c}")
        return _Class(c)

    def _class(self):
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        chars: set[str] = set()
        ranges: list[tuple[str, str]] = []
        parts: list[_Class] = []
        first = True
        while True:
            c = self.peek()
            if c is None:
                self.fail("unterminated character set")
            if c == "]" and not first:
                self.pos += 1
                break
            first = False
            if c == "\\":
                cls = self._escape()
                if cls.word or cls.negated or len(cls.chars) != 1:
                    parts.append(cls)
                    continue
                lo = next(iter(cls.chars))
            else:
                self.pos += 1
                lo = c
            if self.peek() == "-" and self.pos + 1 < len(self.text) and self.text[self.pos + 1] != "]":
                self.pos += 1
                if self.peek() == "\\":
                    cls = self._escape()
                    if cls.word or cls.negated or len(cls.chars) != 1:
                        self.fail("bad character range")
                    hi = next(iter(cls.chars))
                else:
                    hi = self.text[self.pos]
                    self.pos += 1
                if hi < lo:
                    self.fail("bad character range")
                ranges.append((lo, hi))
            else:
                chars.add(lo)
        if not parts:
            return _Class(chars, ranges, negated=negated)
        own = _Class(chars, ranges)
        members = [own, *parts]
        return _Union(members, negated)


class _Union:
    """A class with escapes like ``[\\w.]``: any member matches."""

    __slots__ = ("members", "negated")

    def __init__(self, members, negated):
        self.members = members
        self.negated = negated

    def __call__(self, c: str) -> bool:
        return any(m(c) for m in self.members) != self.negated


# --------------------------------------------------------------------------------------------
# Thompson NFA: states are ints; state s moves on a character c to ``moves[s]`` when
# ``tests[s](c)``, and without input to each of ``eps[s]`` (``asserts[s]``: "bol"/"eol" guard that).


class _NFA:
    def __init__(self):
        self.tests: list = []
        self.moves: list[int] = []
        self.eps: list[list[int]] = []
        self.asserts: list[str | None] = []

    def state(self) -> int:
        if len(self.eps) >= MAX_NFA_STATES:
            raise PatternError("pattern too large")
        self.tests.append(None)
        self.moves.append(-1)
        self.eps.append([])
        self.asserts.append(None)
        return len(self.eps) - 1

    def build(self, node, start: int) -> int:
        """Adds ``node`` starting at ``start``; returns its end state."""
        kind = node[0]
        if kind == "char":
            end = self.state()
            self.tests[start] = node[1]
            self.moves[start] = end
            return end
        if kind == "cat":
            cur = start
            for item in node[1]:
                cur = self.build(item, cur)
            return cur
        if kind == "alt":
            end = self.state()
            for branch in node[1]:
                s = self.state()
                self.eps[start].append(s)
                self.eps[self.build(branch, s)].append(end)
            return end
        if kind in ("bol", "eol"):
            end = self.state()
            self.asserts[start] = kind
            self.eps[start].append(end)
            return end
        _, body, lo, hi = node
        cur = start
        for _ in range(lo):
            cur = self.build(body, cur)
        if hi is None:
            loop = self.state()
            self.eps[cur].append(loop)
            after = self.build(body, loop)
            self.eps[after].append(loop)
            end = self.state()
            self.eps[loop].append(end)
            return end
        end = self.state()
        for _ in range(hi - lo):
            self.eps[cur].append(end)
            cur = self.build(body, cur)
        self.eps[cur].append(end)
        return end


class _Matcher:
    """Runs the NFA as a DFA built on demand (state sets interned; transitions cached)."""

    def __init__(self, nfa: _NFA, start: int, accept: int):
        self.nfa = nfa
        self.start = start
        self.accept = accept
        self._dfa: dict[tuple[frozenset, str], frozenset] = {}

    def _closure(self, states, at_start: bool, at_end: bool) -> frozenset:
        nfa = self.nfa
        seen = set()
        stack = list(states)
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            a = nfa.asserts[s]
            if a == "bol" and not at_start:
                continue
            if a == "eol" and not at_end:
                continue
            seen.add(s)
            stack.extend(nfa.eps[s])
        return frozenset(seen)

    def __call__(self, text: str) -> bool:
        n = len(text)
        # "$" also matches before a final newline, as in re.
        def at_end(i: int) -> bool:
            return i == n or (i == n - 1 and text[i] == "\n")

        cur = self._closure((self.start,), True, at_end(0))
        accept = self.accept
        nfa = self.nfa
        dfa = self._dfa
        for i, c in enumerate(text):
            if accept in cur:
                return True
            if not cur:
                return False
            end_next = at_end(i + 1)
            key = (cur, c + ("$" if end_next else ""))
            nxt = dfa.get(key)
            if nxt is None:
                targets = [nfa.moves[s] for s in cur if nfa.tests[s] is not None and nfa.tests[s](c)]
                nxt = self._closure(targets, False, end_next)
                if len(dfa) >= MAX_DFA_STATES:
                    dfa.clear()
                dfa[key] = nxt
            cur = nxt
        return accept in cur


def compile_regex(pattern: str) -> Callable[[str], bool]:
    """A ``text -> bool`` matcher with ``re.match`` semantics; raises ``PatternError``."""
    if len(pattern) > 4096:
        raise PatternError("pattern longer than 4096 characters")
    tree = _Parser(pattern).parse()
    nfa = _NFA()
    start = nfa.state()
    accept = nfa.build(tree, start)
    return _Matcher(nfa, start, accept)
