"""The closed vocabularies of solve options, defined once.

Each is a ``Literal`` type: the record fields that hold one (manifest, ``CondaRequest``,
``PyPIRequest``) are typed with it, so msgspec checks it wherever records are decoded or converted
(snapshots, locks, the manifest's tables); :func:`check_choice` is the same check for a value
handed in from Python. The tuples are the words in order, for help texts and error messages.

A leaf module: it imports nothing of the project but ``errors``, and not msgspec until a value is
checked, so the command line can show the choices without loading the record machinery.
"""

from __future__ import annotations

from typing import Literal, TypeVar, get_args

#: How a conda solve orders a name's candidates: newest first, oldest first, or oldest first
#: for the manifest's own (direct) dependencies only.
SolveStrategy = Literal["highest", "lowest", "lowest-direct"]
#: ``strict``: a name comes from the first channel that has it; ``disabled``: from any channel.
ChannelPriority = Literal["strict", "disabled"]
#: uv's index strategies: which indexes a PyPI name's versions are taken from.
IndexStrategy = Literal["first-index", "unsafe-first-match", "unsafe-best-match"]
#: uv's pre-release modes.
PrereleaseMode = Literal["disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit"]
#: The SAT backends of the solver core.
Backend = Literal["native", "pycosat"]
#: Which conda solution a solve prefers: pixi's (rattler's choices) or conda's classic solver's.
Objective = Literal["pixi", "conda"]

SOLVE_STRATEGIES: tuple[str, ...] = get_args(SolveStrategy)
CHANNEL_PRIORITIES: tuple[str, ...] = get_args(ChannelPriority)
INDEX_STRATEGIES: tuple[str, ...] = get_args(IndexStrategy)
PRERELEASE_MODES: tuple[str, ...] = get_args(PrereleaseMode)
BACKENDS: tuple[str, ...] = get_args(Backend)
OBJECTIVES: tuple[str, ...] = get_args(Objective)

T = TypeVar("T")


def check_choice(value, vocabulary: type[T], what: str) -> T:
    """``value`` when it is one of ``vocabulary``'s words (checked by msgspec); otherwise an
    ``InputError`` naming ``what``, the value and the choices."""
    import msgspec

    try:
        return msgspec.convert(value, vocabulary)
    except msgspec.ValidationError:
        from .errors import InputError

        raise InputError(f"unknown {what} {value!r} (expected one of: {', '.join(get_args(vocabulary))})") from None
