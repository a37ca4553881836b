"""``ManifestError``: a manifest problem named by file, line:column, key path and a fix."""

from __future__ import annotations

import re

from ..errors import InputError, cut_long_values
from ..lazyre import lazy
from ..redact import mask_credentials

# Messages and inspect output show that credentials were there, never what they are.

# Control characters (TOML 1.1's "\e", "\x1b") would print invisibly or drive the terminal: a
# message shows them escaped, as they would be written in the manifest.
_CONTROL = lazy(r"[\x00-\x08\x0b-\x1f\x7f]")


def printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def format_key(path) -> str:
    """``("feature", "cuda", "dependencies", "x")`` -> ``feature.cuda.dependencies.x``; items as ``[i]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else '"' + part.replace('"', '\\"') + '"'
            out += ("." if out else "") + text
    return out


def did_you_mean(word: str, choices) -> str | None:
    import difflib  # only on the way to an error message

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None


class ManifestError(InputError):
    """A manifest is wrong. ``str()``: ``file:line:col: key: message`` plus a ``help:`` line."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
        suggestion: str | None = None,
    ):
        self.message = printable(mask_credentials(cut_long_values(message)))
        self.file = printable(file) if file else file
        self.line = line
        self.column = column
        self.key = printable(key) if key else key
        self.suggestion = printable(mask_credentials(suggestion)) if suggestion else None
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or "<manifest>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        head = f"{where}: "
        if self.key:
            head += f"{self.key}: "
        text = head + self.message
        if self.suggestion:
            text += f"\n  help: {self.suggestion}"
        return text
