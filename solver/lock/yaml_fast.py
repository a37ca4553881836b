"""A fast reader for the block-style YAML subset lock files are written in.

``pixi.lock`` files are large (megabytes) and regular: block mappings and sequences, plain,
single- and double-quoted one-line scalars, ``[]`` and ``{}``. Reading that subset line by line
is several times faster than PyYAML's constructor. Anything outside the subset (anchors, tags,
flow collections with content, multi-line scalars, tabs, several documents) raises
:class:`Unsupported`, and the caller falls back to PyYAML for the whole file.

Plain scalars resolve as YAML 1.2's core schema does for what locks hold: ``null``/``~``, bools,
integers; everything else (including float-looking text) stays a string.
"""

from __future__ import annotations

import re


class Unsupported(Exception):
    """The text uses YAML beyond the lock subset; parse it with a full YAML parser instead."""


_NULL = {"~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# Longer digit runs stay strings (Python refuses to convert more than 4300 digits; no lock field
# holds such a number, so the field's type check reports it).
_INT = re.compile(r"[-+]?[0-9]{1,4000}\Z")
_SPECIAL_START = set("&*!|>%@`{[?")
_DQ_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
               "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
               "L": "\u2028", "P": "\u2029"}


def _plain(text: str):
    if " #" in text:
        text = text.split(" #", 1)[0].rstrip()
    if text in _NULL or text == "":
        return None
    b = _BOOL.get(text)
    if b is not None:
        return b
    if _INT.match(text):
        return int(text)
    if text[0] in _SPECIAL_START:
        raise Unsupported(text)
    return text


def _single_quoted(text: str) -> tuple[str, str]:
    """``'it''s' rest`` -> ("it's", " rest")."""
    out = []
    i = 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            if i + 1 < n and text[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), text[i + 1 :]
        out.append(ch)
        i += 1
    raise Unsupported("multi-line single-quoted scalar")


def _double_quoted(text: str) -> tuple[str, str]:
    out = []
    i = 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return "".join(out), text[i + 1 :]
        if ch == "\\":
            if i + 1 >= n:
                raise Unsupported("escaped line break")
            e = text[i + 1]
            if e in _DQ_ESCAPES:
                out.append(_DQ_ESCAPES[e])
                i += 2
                continue
            width = {"x": 2, "u": 4, "U": 8}.get(e)
            if width is None:
                raise Unsupported(f"escape \\{e}")
            digits = text[i + 2 : i + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits) \
                    or int(digits, 16) > 0x10FFFF:
                raise Unsupported(f"bad escape \\{e}{digits}")  # PyYAML reports it with its line
            out.append(chr(int(digits, 16)))
            i += 2 + width
            continue
        out.append(ch)
        i += 1
    raise Unsupported("multi-line double-quoted scalar")


def _scalar(text: str):
    """A value as written after ``key: `` or ``- `` (the whole rest of the line)."""
    if not text:
        return None
    first = text[0]
    if first == "'" or first == '"':
        value, rest = (_single_quoted if first == "'" else _double_quoted)(text)
        rest = rest.strip()
        if rest and not rest.startswith("#"):
            raise Unsupported("text after a quoted scalar")
        return value
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return _plain(text)


def _split_key(content: str) -> tuple[str, str] | None:
    """``key: value`` -> (key, value text); ``key:`` -> (key, ""); None if not a mapping entry."""
    if content[0] in "'\"":
        key, rest = (_single_quoted if content[0] == "'" else _double_quoted)(content)
        if rest == ":":
            return key, ""
        if rest.startswith(": "):
            return key, rest[2:].strip()
        return None
    idx = content.find(": ")
    if idx < 0:
        if content.endswith(":"):
            key = content[:-1]
            return (_plain_key(key), "") if key and " #" not in key else None
        return None
    key = content[:idx]
    if " #" in key:
        return None
    return _plain_key(key), content[idx + 2 :].strip()


class _Parser:
    __slots__ = ("lines", "pos")

    def __init__(self, text: str):
        if "\t" in text:
            raise Unsupported("tab characters")
        lines = []
        for raw in text.split("\n"):
            stripped = raw.lstrip(" ")
            if not stripped or stripped.startswith("#"):
                continue
            if raw.startswith(("---", "...", "%")):
                raise Unsupported("document markers or directives")
            lines.append((len(raw) - len(stripped), stripped.rstrip()))
        self.lines = lines
        self.pos = 0

    def parse(self):
        if not self.lines:
            return None
        indent, content = self.lines[0]
        if indent != 0:
            raise Unsupported("indented document")
        value = self.block(0)
        if self.pos != len(self.lines):
            raise Unsupported("trailing content")
        return value

    def block(self, indent: int):
        _, content = self.lines[self.pos]
        if content == "-" or content.startswith("- "):
            return self.sequence(indent)
        return self.mapping(indent)

    def value_after_key(self, indent: int, text: str, seq_same_indent: bool):
        """The value of ``key:`` whose text after the colon is ``text``."""
        if text:
            return _scalar(text)
        if self.pos >= len(self.lines):
            return None
        nxt_indent, nxt = self.lines[self.pos]
        if nxt_indent > indent:
            return self.block(nxt_indent)
        if seq_same_indent and nxt_indent == indent and (nxt == "-" or nxt.startswith("- ")):
            return self.sequence(indent)  # "key:\n- item" (sequences in mappings are not indented)
        return None

    def mapping(self, indent: int) -> dict:
        out: dict = {}
        lines = self.lines
        while self.pos < len(lines):
            line_indent, content = lines[self.pos]
            if line_indent < indent:
                break
            if line_indent > indent:
                raise Unsupported("unexpected indentation")
            if content == "-" or content.startswith("- "):
                break  # a sequence at this indent belongs to the parent key
            kv = _split_key(content)
            if kv is None:
                raise Unsupported(f"not a mapping entry: {content[:40]!r}")
            key, text = kv
            self.pos += 1
            if key in out:
                raise Unsupported(f"duplicate key {key!r}")
            out[key] = self.value_after_key(indent, text, True)
        return out

    def sequence(self, indent: int) -> list:
        out: list = []
        lines = self.lines
        while self.pos < len(lines):
            line_indent, content = lines[self.pos]
            if line_indent != indent or not (content == "-" or content.startswith("- ")):
                if line_indent > indent:
                    raise Unsupported("unexpected indentation")
                break
            item = content[2:].lstrip(" ") if content != "-" else ""
            self.pos += 1
            if not item:
                out.append(self.value_after_key(indent, "", False))
                continue
            if item.startswith("- "):
                raise Unsupported("nested sequence on one line")
            kv = _split_key(item) if item[0] not in "[{" else None
            if kv is None:
                out.append(_scalar(item))
                continue
            # a mapping starting on the "- " line; its other keys are indented to match
            child_indent = indent + (len(content) - len(item))
            key, text = kv
            entry = {key: self.value_after_key(child_indent, text, True)}
            if self.pos < len(lines) and lines[self.pos][0] == child_indent and not lines[self.pos][1].startswith("- "):
                rest = self.mapping(child_indent)
                for k in rest:
                    if k in entry:
                        raise Unsupported(f"duplicate key {k!r}")
                entry.update(rest)
            out.append(entry)
        return out


def _plain_key(text: str):
    value = _plain(text)
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else text


def load(text: str):
    """Parse ``text`` (the lock subset of YAML) or raise :class:`Unsupported`."""
    return _Parser(text).parse()
