"""The exceptions every layer raises; the CLI turns them into one clear message and an exit code."""

from __future__ import annotations

import re

from .lazyre import lazy

# A quoted value this long in a message is cut: input can hold 100 KB in one value, and a message
# must stay readable (the start of the value says which one it is).
LONG_VALUE = 200
_QUOTED = lazy("|".join(f"{q}[^{q}\\n]{{{LONG_VALUE},}}{q}" for q in "'\"`"))  # compiled on first use


def line_col(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``offset`` in ``data``."""
    start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[start:offset].decode("utf-8", "replace")) + 1


def cut_long_values(message: str) -> str:
    """``message`` with every quoted value longer than ``LONG_VALUE`` characters cut to its start
    and its length (``'aaaa...' (100000 characters)``)."""

    def cut(m: re.Match) -> str:
        quote, body = m.group()[0], m.group()[1:-1]
        return f"{quote}{body[:LONG_VALUE // 2]}...{quote} ({len(body)} characters)"

    return _QUOTED.sub(cut, message)


class SolverError(Exception):
    """Base of every error the library raises on purpose. ``str()`` is the message for a person."""

    exit_code = 2


class InputError(SolverError):
    """Bad input: a manifest, a spec, a record, a channel, a lock file. Exit code 2."""

    exit_code = 2


class NetworkError(SolverError):
    """A channel or index could not be reached or answered badly. Exit code 2."""

    exit_code = 2


class UnsolvableError(SolverError):
    """Nothing fits. Exit code 1.

    ``headline`` says what could not be solved, ``details`` why (may be empty); ``str()`` is
    ``"headline:\ndetails"``, or the headline alone. ``explanation`` carries the structured
    derivation. ``stage`` names the stage that gave up (``"conda"``, ``"pypi"``) when one did, so
    callers that add context (which environment) branch on fields, never on the message's text."""

    exit_code = 1

    def __init__(self, headline: str, explanation=None, *, details: str = "", stage: str | None = None):
        super().__init__(f"{headline}:\n{details}" if details else headline)
        self.headline = headline
        self.details = details
        self.explanation = explanation
        self.stage = stage

    def retitled(self, headline: str, *, stage: str | None = None) -> UnsolvableError:
        """The same conflict under another headline (a caller naming what it was solving). An
        error that is only a headline keeps it as its details, so nothing said is lost."""
        return UnsolvableError(
            headline, self.explanation, details=self.details or self.headline,
            stage=stage if stage is not None else self.stage,
        )


class LockOutdatedError(SolverError):
    """``--locked`` and the lock no longer satisfies the manifest. Exit code 1.

    ``reasons``: why, one sentence each (duplicates dropped); the message shows the first up
    front and lists up to nine others after it."""

    exit_code = 1

    def __init__(self, reasons: list[str]):
        self.reasons = list(dict.fromkeys(reasons))  # each platform of a unit may add the same
        head = self.reasons[0] if self.reasons else "the lock file is out of date"
        rest = self.reasons[1:]
        text = f"the lock file is out of date: {head}"
        if rest:
            shown = rest[:9]
            text += "\n" + "\n".join(f"  - {r}" for r in shown)
            if len(rest) > len(shown):
                text += f"\n  ... and {len(rest) - len(shown)} more"
        super().__init__(text)


class InternalError(SolverError):
    """An unexpected failure inside the solver (a bug); exit code 2 like other failures to run."""

    exit_code = 2
