"""Positions of key paths in TOML source text.

tomli returns plain dicts without positions, so errors about a value would only name a key. This
module scans the text once (a structural scan, not a second parser: values are skipped, only keys,
headers, inline tables and array items are recorded) and maps every key path, as the loaded dict
addresses it, to the 1-based (line, column) of where it is written. Array items are addressed by
their index, arrays of tables (``[[a.b]]``) too: ``("project", "pypi-indices", 1, "url")``.
"""

from __future__ import annotations

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b", '"': '"', "\\": "\\"}

Path = tuple  # tuple[str | int, ...]


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.n = len(text)
        self.positions: dict[Path, tuple[int, int]] = {}
        self.values: dict[Path, tuple[int, int]] = {}  # where the value of a key starts
        self._line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self._line_starts.append(i + 1)
        self._aot_count: dict[Path, int] = {}  # array-of-tables path -> items seen so far

    # -- helpers -----------------------------------------------------------------------------
    def linecol(self, pos: int) -> tuple[int, int]:
        import bisect

        i = bisect.bisect_right(self._line_starts, pos) - 1
        return i + 1, pos - self._line_starts[i] + 1

    def record(self, path: Path, pos: int) -> None:
        self.positions.setdefault(path, self.linecol(pos))

    def peek(self, k: int = 0) -> str:
        p = self.pos + k
        return self.text[p] if p < self.n else ""

    def skip_inline_ws(self) -> None:
        while self.pos < self.n and self.text[self.pos] in " \t":
            self.pos += 1

    def skip_ws_comments_newlines(self) -> None:
        while self.pos < self.n:
            ch = self.text[self.pos]
            if ch in " \t\r\n":
                self.pos += 1
            elif ch == "#":
                self.skip_to_eol()
            else:
                break

    def skip_to_eol(self) -> None:
        nl = self.text.find("\n", self.pos)
        self.pos = self.n if nl < 0 else nl + 1

    # -- keys ------------------------------------------------------------------------------------
    def read_string(self) -> str:
        """A basic or literal (single-line or multi-line) string starting at pos."""
        q = self.text[self.pos]
        if self.text.startswith(q * 3, self.pos):
            end = self.text.find(q * 3, self.pos + 3)
            if end < 0:
                end = self.n - 3
            # a multi-line string may end with up to two extra quotes
            while end + 3 < self.n and self.text[end + 3] == q:
                end += 1
            s = self.text[self.pos + 3 : end]
            self.pos = end + 3
            return s
        self.pos += 1
        out = []
        while self.pos < self.n:
            ch = self.text[self.pos]
            if ch == q:
                self.pos += 1
                break
            if ch == "\n":
                break
            if ch == "\\" and q == '"':
                nxt = self.peek(1)
                if nxt in _ESCAPES:
                    out.append(_ESCAPES[nxt])
                    self.pos += 2
                    continue
                if nxt in "uUx":
                    width = {"u": 4, "U": 8, "x": 2}[nxt]
                    try:
                        out.append(chr(int(self.text[self.pos + 2 : self.pos + 2 + width], 16)))
                    except ValueError:
                        pass
                    self.pos += 2 + width
                    continue
                self.pos += 2
                continue
            out.append(ch)
            self.pos += 1
        return "".join(out)

    def read_key(self) -> list[tuple[str, int]]:
        """A dotted key: its parts, each with the offset where it starts."""
        parts = []
        while self.pos < self.n:
            self.skip_inline_ws()
            start = self.pos
            ch = self.peek()
            if ch in ('"', "'"):
                parts.append((self.read_string(), start))
            else:
                while self.pos < self.n and self.text[self.pos] in _BARE:
                    self.pos += 1
                if self.pos == start:
                    break
                parts.append((self.text[start : self.pos], start))
            self.skip_inline_ws()
            if self.peek() == ".":
                self.pos += 1
                continue
            break
        return parts

    # -- values ----------------------------------------------------------------------------------
    def skip_value(self, path: Path) -> None:
        self.values.setdefault(path, self.linecol(self.pos))
        ch = self.peek()
        if ch == "{":
            self.inline_table(path)
        elif ch == "[":
            self.array(path)
        elif ch in ('"', "'"):
            self.read_string()
        else:
            while self.pos < self.n and self.text[self.pos] not in ",]}\n#":
                self.pos += 1

    def inline_table(self, path: Path) -> None:
        self.pos += 1  # {
        while self.pos < self.n:
            self.skip_ws_comments_newlines()  # TOML 1.1: newlines and comments inside
            ch = self.peek()
            if ch == "}":
                self.pos += 1
                return
            if ch == ",":
                self.pos += 1
                continue
            parts = self.read_key()
            if not parts:
                self.pos += 1
                continue
            full = self._record_parts(path, parts)
            self.skip_inline_ws()
            if self.peek() == "=":
                self.pos += 1
                self.skip_inline_ws()
                self.skip_value(full)

    def array(self, path: Path) -> None:
        self.pos += 1  # [
        index = 0
        while self.pos < self.n:
            self.skip_ws_comments_newlines()
            ch = self.peek()
            if ch == "]":
                self.pos += 1
                return
            if ch == ",":
                self.pos += 1
                index += 1
                continue
            self.record(path + (index,), self.pos)
            before = self.pos
            self.skip_value(path + (index,))
            if self.pos == before:
                self.pos += 1

    def _record_parts(self, base: Path, parts: list[tuple[str, int]]) -> Path:
        path = base
        for name, offset in parts:
            path = path + (name,)
            self.record(path, offset)
        return path

    # -- document --------------------------------------------------------------------------------
    def _resolve_header(self, parts: list[tuple[str, int]]) -> Path:
        """Header parts -> dict path, inserting the current item of arrays of tables on the way."""
        path: Path = ()
        for name, offset in parts:
            path = path + (name,)
            self.record(path, offset)
            if path in self._aot_count:
                path = path + (self._aot_count[path] - 1,)
        return path

    def document(self) -> None:
        current: Path = ()
        while self.pos < self.n:
            self.skip_ws_comments_newlines()
            if self.pos >= self.n:
                break
            if self.peek() == "[":
                is_array = self.peek(1) == "["
                self.pos += 2 if is_array else 1
                parts = self.read_key()
                if is_array and parts:
                    prefix = self._resolve_header(parts[:-1])
                    name, offset = parts[-1]
                    key = prefix + (name,)
                    self.record(key, offset)
                    count = self._aot_count.get(key, 0)
                    self._aot_count[key] = count + 1
                    current = key + (count,)
                    self.record(current, offset)
                else:
                    current = self._resolve_header(parts)
                self.skip_to_eol()
                continue
            parts = self.read_key()
            if not parts:
                self.skip_to_eol()
                continue
            full = self._record_parts(current, parts)
            self.skip_inline_ws()
            if self.peek() == "=":
                self.pos += 1
                self.skip_inline_ws()
                self.skip_value(full)
            # rest of the line (comment) is skipped by the next loop turn


def scan(text: str) -> tuple[dict[Path, tuple[int, int]], dict[Path, tuple[int, int]]]:
    """Every key path (and array item) of ``text`` -> its first (line, column), 1-based; and
    every key path -> where its value starts."""
    scanner = _Scanner(text)
    try:
        scanner.document()
    except Exception:  # a best-effort map; tomli has already validated the syntax
        pass
    return scanner.positions, scanner.values


def key_positions(text: str) -> dict[Path, tuple[int, int]]:
    return scan(text)[0]


class Locator:
    """Looks up the position of a key path; falls back to the nearest enclosing key found."""

    def __init__(self, text: str, prefix: Path = ()):
        self._text = text
        self._scanned: tuple | None = None  # scanned on the first lookup: most loads never need it
        self.prefix = prefix  # e.g. ("tool", "pixi") for pyproject.toml

    @property
    def _positions(self):
        if self._scanned is None:
            self._scanned = scan(self._text)
        return self._scanned[0]

    @property
    def _values(self):
        if self._scanned is None:
            self._scanned = scan(self._text)
        return self._scanned[1]

    def find(self, path: Path, absolute: bool = False, value: bool = False) -> tuple[int, int] | None:
        """Where ``path`` is written (its value, with ``value=True``, when it has one)."""
        full = tuple(path) if absolute else self.prefix + tuple(path)
        if value and full in self._values:
            return self._values[full]
        while full:
            if full in self._positions:
                return self._positions[full]
            full = full[:-1]
        return None
