"""The exceptions every layer raises; the CLI turns them into one clear message and an exit code."""

import re

# A quoted value this long in a message is cut: input can hold 100 KB in one value, and a message
# must stay readable (the start of the value says which one it is).
LONG_VALUE = 200
_QUOTED = re.compile("|".join(f"{q}[^{q}\\n]{{{LONG_VALUE},}}{q}" for q in "'\"`"))


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
    """Nothing fits. ``explanation`` carries the structured derivation. Exit code 1."""

    exit_code = 1

    def __init__(self, message: str, explanation=None):
        super().__init__(message)
        self.explanation = explanation


class LockOutdatedError(SolverError):
    """``--locked`` and the lock no longer satisfies the manifest. Exit code 1."""

    exit_code = 1
