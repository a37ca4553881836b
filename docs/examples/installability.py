"""Which packages of a conda channel cannot be installed, and why.

    python docs/examples/installability.py ../shared/data/conda/conda-forge --platform linux-64 --jobs 2

For each package name of the channel's PLATFORM + noarch subdirs, "install this one" is solved
(with the platform's default virtual packages); the packages that cannot be installed are printed
with the first line of the explanation, then the counts. Results are also kept in
installability-PLATFORM.jsonl: run it again and only what is missing is solved.
"""

from __future__ import annotations

import argparse
import json
import sys

from solver.batch import BatchProgress, installability_problems, run_batch


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("channel", help="a channel: a local path, a file:// or https:// URL")
    ap.add_argument("--platform", default="linux-64")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--per", choices=["name", "record"], default="name")
    args = ap.parse_args(argv)

    output = f"installability-{args.platform}.jsonl"
    problems = installability_problems(args.channel, args.platform, per=args.per)
    summary = run_batch(problems, output, jobs=args.jobs, timeout=60, progress=BatchProgress())
    with open(output) as f:
        for line in f:
            row = json.loads(line)
            if row["status"] == "unsolvable":
                why = row["explanation"]["text"].splitlines()
                print(f"{row['id']}: {why[1].strip() if len(why) > 1 else why[0]}")
            elif row["status"] == "error":
                print(f"{row['id']}: {row['error']['type']}: {row['error']['message']}")
    return 0 if summary.counts.get("error", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
