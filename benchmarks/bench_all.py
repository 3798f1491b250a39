"""Every benchmark in one run, each ratio printed against its target (issue 16).

    ROTATION_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_all.py [--quick]

Runs ``bench_nulls``, ``bench_scan`` and ``bench_run`` in this order (the run last: it is the
longest) and ends with one table: measured value, target, met or not. Timings on a shared
machine vary; the run's ratios compare measurements taken in the same script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_nulls  # noqa: E402
import bench_run  # noqa: E402
import bench_scan  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every benchmark in its quick mode (a smoke test)")
    args = parser.parse_args(argv)
    if not bench_run.ensure_data_dir():
        return 2
    print(bench_run.machine())
    rows = []
    for title, module in (("nulls", bench_nulls), ("scan", bench_scan), ("run and sweep", bench_run)):
        print(f"\n== {title}")
        rows += module.bench(args.quick)
    print("\n== summary" + (" (quick mode: small inputs, targets do not apply)" if args.quick else ""))
    width = max(len(r["what"]) for r in rows)
    for r in rows:
        print(
            f"  {r['what']:<{width}}  {r['ratio']:9.2f}  target <= {r['target']:<7g} {'met' if r['ratio'] <= r['target'] else 'MISSED'}"
        )
    print(bench_run.machine())
    return 0


if __name__ == "__main__":
    sys.exit(main())
