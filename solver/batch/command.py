"""``solver batch``: many conda problems into one JSON Lines results file.

Exit codes: 0 the batch ran (whatever the problems' statuses: they are in the results), 2 bad
usage or input that stops the whole batch (an unreadable requests file, a missing folder, an
output file that is not a results file, an unreachable Dask scheduler).
"""

from __future__ import annotations

import os

from ..errors import InputError
from ..options import BACKENDS, OBJECTIVES


def add_parser(sub, formatter_class) -> None:
    b = sub.add_parser("batch", help="solve many conda problems into a JSON Lines results file",
                       formatter_class=formatter_class,
                       description="Solve many conda problems (one result row each, in input order) in this "
                                   "process, a local process pool (--jobs N) or on a Dask cluster.")
    src = b.add_mutually_exclusive_group(required=True)
    src.add_argument("--requests", metavar="FILE", help="JSON Lines file of conda requests, one per line ('-': standard input)")
    src.add_argument("--manifests", metavar="FOLDER", help="every pixi manifest under FOLDER (conda stage only)")
    src.add_argument("--snapshots", metavar="FOLDER", help="every *.snapshot file in FOLDER (SOLVER_SNAPSHOT_DIR output)")
    src.add_argument("--installable", metavar="CHANNEL",
                     help="installability check: 'install this one' for each name (or record) of CHANNEL")
    b.add_argument("-p", "--platform", action="append", default=[],
                   help="with --installable: platform to check (repeatable; default linux-64)")
    b.add_argument("--per", choices=["name", "record"], default="name",
                   help="with --installable: one problem per package name (default) or per record")
    b.add_argument("--with-channel", action="append", default=[], metavar="CHANNEL",
                   help="with --installable: more channels to take dependencies from (repeatable)")
    b.add_argument("-o", "--output", metavar="FILE",
                   help="results file (JSON Lines); ids already in it are skipped (default: stdout)")
    b.add_argument("--no-resume", action="store_true", help="overwrite the output instead of skipping ids it has")
    b.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1: this process)")
    b.add_argument("--executor", choices=["sequential", "pool", "dask"], default=None,
                   help="default: pool when --jobs > 1, else sequential")
    b.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --executor dask)")
    b.add_argument("--timeout", type=float, default=None,
                   help="seconds per problem (default 60; 0: none); a problem over it is reported, the rest go on")
    b.add_argument("--no-timings", action="store_true",
                   help="leave timings out of the rows (byte-identical results across runs and executors)")
    b.add_argument("--backend", choices=BACKENDS, default="native", help="SAT backend (default: native)")
    b.add_argument("--objective", choices=OBJECTIVES, default="pixi",
                   help="which solution to pick, as for solver solve (default: pixi)")
    b.add_argument("-v", "--verbose", action="count", default=0)
    b.add_argument("-q", "--quiet", action="store_true")


def batch_command(args) -> int:
    from .run import DEFAULT_TIMEOUT, BatchProgress, run_batch
    from . import sources

    alias = os.environ.get("SOLVER_CHANNEL_ALIAS") or None
    if args.installable is None and (args.platform or args.with_channel or args.per != "name"):
        raise InputError("--platform, --per and --with-channel go with --installable")
    if args.requests:
        problems = sources.read_requests(args.requests, channel_alias=alias)
    elif args.manifests:
        problems = sources.manifest_problems(args.manifests, channel_alias=alias)
    elif args.snapshots:
        problems = sources.snapshot_problems(args.snapshots)
    else:
        problems = []
        for platform in list(dict.fromkeys(args.platform)) or ["linux-64"]:
            problems += sources.installability_problems(args.installable, platform, per=args.per,
                                                        channels=args.with_channel, channel_alias=alias)
    if args.output is not None and os.path.isdir(args.output):
        raise InputError(f"the output {args.output} is a folder: name a file (e.g. {os.path.join(args.output, 'results.jsonl')})")
    if args.executor == "dask" and not args.scheduler:
        raise InputError("--executor dask needs --scheduler ADDRESS (the Dask scheduler, e.g. tcp://127.0.0.1:8786)")
    if args.jobs > 1 and args.executor == "sequential":
        raise InputError("--jobs N runs a process pool: leave out --executor sequential (or use --executor pool)")
    if args.scheduler and args.executor != "dask":
        raise InputError("--scheduler goes with --executor dask")
    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    if not 0 <= timeout < float("inf"):
        raise InputError("--timeout must be 0 (none) or a positive number of seconds")
    progress = BatchProgress(quiet=args.quiet, verbose=args.verbose)
    try:
        run_batch(problems, args.output, resume=not args.no_resume, timings=not args.no_timings, progress=progress,
                  executor=args.executor, jobs=args.jobs, scheduler=args.scheduler, timeout=timeout,
                  backend=args.backend, objective=args.objective, channel_alias=alias)
    except BrokenPipeError:
        # the reader of stdout went away (``solver batch ... | head``): stop quietly, as other
        # command-line tools do, with the shell's code for a pipe closed under a writer
        import sys

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 0
