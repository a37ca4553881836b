"""The ``solver`` command. Imports stay inside the handlers so ``solver --help`` is instant."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from .options import BACKENDS, OBJECTIVES

if TYPE_CHECKING:
    from collections.abc import Callable


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` without importing shutil (and its compression
    modules) on every start: ``COLUMNS``, else the terminal of stdout, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse builds a formatter for every ``add_argument`` (to check metavars), and each one
    asks for the terminal size through shutil; this one asks ``_terminal_columns`` instead.
    Same width as argparse's own (columns - 2)."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


COMMANDS = ("solve", "inspect", "replay", "batch", "cache")


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``only``, the top level and that one command alone (what a
    run of that command needs: each command's options cost ~0.5 ms to declare)."""
    p = argparse.ArgumentParser(
        prog="solver",
        formatter_class=_HelpFormatter,
        description="Solve a pixi manifest (pixi.toml or pyproject.toml with [tool.pixi]) into a pixi.lock.",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    if only in (None, "solve"):
        _add_solve(sub)
    if only in (None, "inspect"):
        _add_inspect(sub)
    if only in (None, "replay"):
        _add_replay(sub)
    if only in (None, "batch"):
        from .batch.command import add_parser as add_batch_parser

        add_batch_parser(sub, _HelpFormatter)
    if only in (None, "cache"):
        from .cache_command import add_parser as add_cache_parser

        add_cache_parser(sub, _HelpFormatter)
    return p


def _add_solve(sub) -> None:
    s = sub.add_parser("solve", help="solve the manifest's environments into a lock file", formatter_class=_HelpFormatter)
    s.add_argument("manifest", nargs="?", help="pixi.toml, pyproject.toml or a folder (default: discover)")
    s.add_argument("-e", "--environment", action="append", default=[], help="solve only this environment (repeatable)")
    s.add_argument("-p", "--platform", action="append", default=[], help="solve only this platform (repeatable)")
    s.add_argument("--lock-file", help="the lock file to read and write (default: pixi.lock beside the manifest)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--locked", action="store_true", help="fail if the lock file is out of date; solve nothing")
    g.add_argument("--frozen", action="store_true", help="use the lock file as it is")
    s.add_argument("--update", nargs="*", metavar="NAME", help="re-solve only these packages (all if none named)")
    s.add_argument("--json", action="store_true", help="print a machine-readable result on stdout")
    s.add_argument("--backend", choices=BACKENDS, default=None, help="SAT backend (default: native)")
    s.add_argument("--objective", choices=OBJECTIVES, default=None,
                   help="which solution the conda stage prefers: pixi's (rattler's choices, the default) or conda's "
                        "(its classic solver's sequence of minimisations, legacy features honoured)")
    s.add_argument("--concurrency", type=int, default=None, help="maximum parallel downloads")
    s.add_argument("--timeout", type=float, default=None,
                   help="deadline per request in seconds, retries and redirects included (default 30)")
    s.add_argument("--tls-no-verify", action="store_true", help="do not verify TLS certificates (development only)")
    s.add_argument("-v", "--verbose", action="count", default=0)
    s.add_argument("-q", "--quiet", action="store_true")


def _add_inspect(sub) -> None:
    i = sub.add_parser("inspect", help="show what each environment resolves to, without solving",
                       formatter_class=_HelpFormatter)
    i.add_argument("manifest", nargs="?", help="pixi.toml, pyproject.toml or a folder (default: discover)")
    i.add_argument("-e", "--environment", action="append", default=[])
    i.add_argument("-p", "--platform", action="append", default=[])
    i.add_argument("--json", action="store_true", help="print the documented JSON form")
    i.add_argument("-v", "--verbose", action="count", default=0)


def _add_replay(sub) -> None:
    r = sub.add_parser("replay", help="re-run a conda solve from a snapshot file (see SOLVER_SNAPSHOT_DIR)",
                       formatter_class=_HelpFormatter)
    r.add_argument("snapshot", help="a snapshot written by a solve run with SOLVER_SNAPSHOT_DIR set")
    r.add_argument("--backend", choices=BACKENDS, default=None, help="SAT backend (default: native)")
    r.add_argument("--objective", choices=OBJECTIVES, default=None,
                   help="which solution to prefer (default: pixi; see solve --help); a snapshot written by "
                        "a solve with the same objective replays it exactly")
    r.add_argument("--json", action="store_true", help="print the solution (or the explanation) as JSON")
    r.add_argument("-v", "--verbose", action="count", default=0)
    r.add_argument("-q", "--quiet", action="store_true")


def _run_solve(args) -> int:
    from .commands import solve_command

    return solve_command(args)


def _run_inspect(args) -> int:
    from .manifest.inspect import inspect_command

    return inspect_command(args)


def _run_replay(args) -> int:
    from .commands import replay_command

    return replay_command(args)


def _run_batch(args) -> int:
    from .batch.command import batch_command

    return batch_command(args)


def _run_cache(args) -> int:
    from .cache_command import cache_command

    return cache_command(args)


def main(argv=None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    # ``solver solve ...``: the first word names the command, so only its parser is built (top-level
    # help, --version and mistyped commands get the whole parser)
    parser = _parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(words)
    if args.version:
        from . import __version__

        print(f"solver {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    handler = {"solve": _run_solve, "inspect": _run_inspect, "replay": _run_replay,
               "batch": _run_batch, "cache": _run_cache}[args.command]
    from .errors import SolverError

    try:
        return handler(args)
    except SolverError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if getattr(args, "verbose", 0) > 1:
            import traceback

            traceback.print_exc()
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug (solve reports its own): still one message, the traceback with -vv
        from .redact import mask_credentials  # an unexpected exception may quote a URL with its secret

        print(f"error: internal error: {type(exc).__name__}: {mask_credentials(str(exc))} (run with -vv for the traceback)", file=sys.stderr)
        if getattr(args, "verbose", 0) > 1:
            import traceback

            traceback.print_exc()
        return 2


# The collector's default young-generation threshold (700 allocations) runs ~30 collections
# while a solve imports its modules and builds its records, each scanning objects that live
# until the process ends; at exit the interpreter walks the whole heap once more. Together
# about 10 ms of a 80 ms solve, and nothing to collect: a command allocates little cyclic
# garbage. The process entry raises the threshold (cycles are still collected, in larger
# batches) and, once the command is done, freezes the heap so the exit walk skips it.
_GC_YOUNG_THRESHOLD = 50_000


def run(entry: Callable[[], int | None] | None = None) -> None:
    """The ``solver`` executable (and ``python -m solver``): :func:`main` in a process of its own.

    ``entry`` replaces :func:`main` for a process that runs one stage the same way (the PyPI
    benchmark), so it starts and ends as the executable does."""
    import gc

    _, older, oldest = gc.get_threshold()
    gc.set_threshold(_GC_YOUNG_THRESHOLD, older, oldest)
    try:
        code = (entry or main)()
    except SystemExit as exc:  # argparse: --help, usage errors
        code = exc.code
    gc.freeze()  # only the exit is left: its heap walk would collect nothing we care about
    sys.exit(code)


if __name__ == "__main__":
    run()
