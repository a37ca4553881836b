"""``ManifestError``: a manifest problem named by file, line:column, key path and a fix."""

from __future__ import annotations

import difflib
import re

from ..errors import InputError
from ..redact import mask_credentials

# Messages and inspect output show that credentials were there, never what they are.
redact = mask_credentials


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
        self.message = redact(message)
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.suggestion = redact(suggestion) if suggestion else None
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
