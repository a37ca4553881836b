"""A small deterministic YAML emitter for lock files.

The lock is written in block style the way rattler's serializer (serde_yaml on libyaml) lays it
out, so a lock we write and one pixi writes diff cleanly: sequences inside mappings are not
indented, empty sequences and mappings are written ``[]`` / ``{}``, and a string is quoted only
when a plain scalar would be read back as something else (a number, a bool, null) or is not
allowed by YAML's plain-scalar rules. We write it ourselves (rather than with PyYAML's dumper)
because the exact bytes matter: the same solve must give the same file.

Values are ``dict`` (insertion order kept), ``list``, ``str``, ``int``, ``bool`` or ``None``.
"""

from __future__ import annotations

from functools import lru_cache

# YAML 1.2 core schema (what serde_yaml resolves) plus the YAML 1.1 bool words, so that readers
# using either schema read our strings back as strings. Checked with set lookups and str methods
# rather than the schema's regular expressions, which every lock write would compile (~0.8 ms):
#   null  ~|null|Null|NULL            bool  true|True|TRUE|false|False|FALSE (+ YAML 1.1 words)
#   int   [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
#   float [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
_NON_STRING_WORDS = frozenset(
    "~ null Null NULL true True TRUE false False FALSE "
    "y Y yes Yes YES n N no No NO on On ON off Off OFF".split()
) | {""}
_OCTAL = frozenset("01234567")
_HEX = frozenset("0123456789abcdefABCDEF")
_NUMBER_STARTS = frozenset("0123456789+-.")


def _ascii_digits(s: str) -> bool:
    return s.isascii() and s.isdigit()  # isdigit alone also takes "²" and other scripts' digits


def _is_core_number(s: str) -> bool:
    if s[:1] not in _NUMBER_STARTS:  # names, URLs, specs: most strings stop here
        return False
    if s[:2] in ("0o", "0x"):
        return len(s) > 2 and set(s[2:]) <= (_OCTAL if s[1] == "o" else _HEX)
    if s in (".nan", ".NaN", ".NAN"):
        return True
    body = s[1:] if s[:1] in ("-", "+") else s
    if body in (".inf", ".Inf", ".INF"):
        return True
    mantissa, e, exponent = body.replace("E", "e").partition("e")
    if e and not _ascii_digits(exponent[1:] if exponent[:1] in ("-", "+") else exponent):
        return False
    if mantissa[:1] == ".":
        return _ascii_digits(mantissa[1:])
    whole, _, fraction = mantissa.partition(".")
    return _ascii_digits(whole) and (not fraction or _ascii_digits(fraction))


_FLOW_BLOCK_INDICATORS = set("#,[]{}&*!|>'\"%@`")
_ESCAPES = {"\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v",
            "\f": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\",
            "\x85": "\\N", "\xa0": "\\_", "\u2028": "\\L", "\u2029": "\\P"}


def _resolves_to_non_string(s: str) -> bool:
    """Whether a plain scalar ``s`` (one line, no surrounding spaces) reads back as null, a bool
    or a number."""
    return s in _NON_STRING_WORDS or _is_core_number(s)


def _is_printable(ch: str) -> bool:
    o = ord(ch)
    if ch in "\t":
        return False  # allowed in YAML, but we never want a tab inside a plain/single-quoted value
    if o in (0x85, 0x2028, 0x2029):  # line breaks to a YAML reader: escape them
        return False
    return (
        0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or 0xE000 <= o <= 0xFFFD and o != 0xFEFF
        or 0x10000 <= o <= 0x10FFFF
    )


def _plain_allowed(s: str) -> bool:
    """libyaml's rules for a plain scalar in block context (analyze_scalar, simplified)."""
    if not s or s[0] == " " or s[-1] == " ":
        return False
    if s.startswith(("---", "...")):
        return False
    first = s[0]
    if first in _FLOW_BLOCK_INDICATORS:
        return False
    if first in "?:-" and (len(s) == 1 or s[1] == " "):
        return False
    if s[-1] == ":" or ": " in s or " #" in s:
        return False
    if s.isascii() and s.isprintable():  # every character in 0x20-0x7e
        return True
    return all(_is_printable(ch) for ch in s)


def scalar(value) -> str:
    """One scalar as it appears after ``key: `` or ``- ``."""
    if type(value) is str:
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    return _string(str(value))


@lru_cache(maxsize=65536)
def _string(s: str) -> str:
    if _plain_allowed(s) and not _resolves_to_non_string(s):
        return s
    if all(_is_printable(ch) for ch in s):
        return "'" + s.replace("'", "''") + "'"
    return '"' + "".join(_ESCAPES.get(ch, ch if _is_printable(ch) or ch == " " else f"\\u{ord(ch):04x}") for ch in s) + '"'


def _emit(value, indent: int, out: list[str]) -> None:
    # Strings (names, URLs, hashes, dependency specs) are most of a lock's scalars: they take the
    # short way to their cached form, everything else goes through ``scalar``.
    pad = " " * indent
    append = out.append
    if isinstance(value, dict):
        for key, item in value.items():
            k = _string(key) if type(key) is str else scalar(key)
            if type(item) is str:
                append(f"{pad}{k}: {_string(item)}\n")
            elif isinstance(item, dict) and item:
                append(f"{pad}{k}:\n")
                _emit(item, indent + 2, out)
            elif isinstance(item, list) and item:
                append(f"{pad}{k}:\n")
                _emit(item, indent, out)  # block sequences in a mapping are not indented
            else:
                append(f"{pad}{k}: {_inline(item)}\n")
    elif isinstance(value, list):
        for item in value:
            if type(item) is str:
                append(f"{pad}- {_string(item)}\n")
            elif isinstance(item, dict) and item:
                first = True
                for key, sub in item.items():
                    lead = f"{pad}- " if first else f"{pad}  "
                    first = False
                    k = _string(key) if type(key) is str else scalar(key)
                    if type(sub) is str:
                        append(f"{lead}{k}: {_string(sub)}\n")
                    elif isinstance(sub, dict) and sub:
                        append(f"{lead}{k}:\n")
                        _emit(sub, indent + 4, out)
                    elif isinstance(sub, list) and sub:
                        append(f"{lead}{k}:\n")
                        _emit(sub, indent + 2, out)
                    else:
                        append(f"{lead}{k}: {_inline(sub)}\n")
            elif isinstance(item, list) and item:
                raise ValueError("nested sequences are not used in lock files")
            else:
                append(f"{pad}- {_inline(item)}\n")
    else:
        raise TypeError(f"top level must be a mapping or a sequence, not {type(value).__name__}")


def _inline(value) -> str:
    if isinstance(value, dict):
        return "{}"  # only called for empty containers
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def dump(document: dict) -> str:
    """The YAML text of ``document`` (a mapping), ending in a newline."""
    out: list[str] = []
    _emit(document, 0, out)
    return "".join(out)
