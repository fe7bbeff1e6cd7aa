"""python -m bench [--quick] [--json] [--cache-dir DIR]: measure, print the figures."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.figures import FULL, QUICK, compute_figures, table


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="fewer repetitions (same databases): under 2 minutes once they are built")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="where built databases are kept (default ~/.cache/ward-app-bench, "
                             "or $WARD_APP_BENCH_CACHE)")
    args = parser.parse_args(argv)
    result = compute_figures(QUICK if args.quick else FULL, args.cache_dir, log=_progress)
    result["details"]["mode"] = "quick" if args.quick else "full"
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
