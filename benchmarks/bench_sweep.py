"""Sweeps against one run, through the command line: a 12-date notebook sweep, the same sweep rerun
unchanged (every notebook restored from the execution cache, ``rotation.run.cache``), and a
verdicts-only sweep when the command offers ``--verdicts-only``.

Each measurement is one whole ``rotation run`` process (``subprocess``; wall seconds by
``time.perf_counter``), in a throw-away copy of the project (notebooks and claims file; its
own empty ``data/cache/executions/``), so the committed ``runs/article`` is never touched and
no earlier cache entry helps. The single run is the first, with an empty cache; the ratios
compare measurements taken in the same script.

    ROTATION_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_sweep.py [--quick]

``--quick`` (a smoke test): one notebook and two dates.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import SWEEP_DATES, ensure_data_dir, machine, make_project, verdict  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TARGET_SWEEP = 4.0  # 12-date notebook sweep, --jobs 2 / one run
TARGET_RERUN = 0.2  # the same sweep rerun unchanged / one run
TARGET_VERDICTS = 1.0  # a verdicts-only 12-date sweep / one run


def rotation_command() -> list[str]:
    """The ``rotation`` console script of this environment (else ``python -m rotation.cli``)."""
    script = Path(sys.executable).with_name("rotation")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "rotation.cli"]


def timed(args: list[str], root: Path) -> float:
    """Wall seconds of one ``rotation`` process in project ``root``; a failure stops the benchmark."""
    env = {**os.environ, "ROTATION_PROJECT_DIR": str(root), "MPLBACKEND": "Agg"}
    t0 = time.perf_counter()
    done = subprocess.run([*rotation_command(), *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"rotation {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def restored(root: Path) -> tuple[int, int]:
    """(notebooks restored from the cache, notebooks) over every run folder of ``root``, from their timings."""
    hits = total = 0
    for timings in (root / "runs").glob("*/timings.json"):
        data = json.loads(timings.read_text(encoding="utf-8"))
        hits += len(data.get("cached", []))
        total += len(data.get("notebooks", {}))
    return hits, total


def has_verdicts_only() -> bool:
    """True when ``rotation run`` offers ``--verdicts-only``."""
    done = subprocess.run([*rotation_command(), "run", "--help"], capture_output=True, text=True)
    return "--verdicts-only" in done.stdout


def bench(quick: bool = False) -> list[dict]:
    """Measure and print; returns rows ``{"what", "ratio", "target"}`` for a summary."""
    stems = ["01_streak"] if quick else None
    dates = SWEEP_DATES[: 2 if quick else 12]
    as_of = [arg for d in dates for arg in ("--as-of", d)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="rotation-bench-sweep-") as tmp:
        root = make_project(Path(tmp) / "project", stems)
        print(f"notebooks: {', '.join(p.stem for p in sorted((root / 'notebooks').glob('*.ipynb')))}")
        one = timed(["run"], root)
        print(f"one run (empty cache): {one:.1f} s wall")
        sweep = timed(["run", *as_of, "--jobs", "2"], root)
        hits, total = restored(root)
        print(
            f"notebook sweep of {len(dates)} dates, --jobs 2: {sweep:.1f} s wall ({hits} of {total} notebooks restored)"
        )
        print(f"  ratio sweep / one run: {sweep / one:.2f} {verdict(sweep / one, TARGET_SWEEP)}")
        rerun = timed(["run", *as_of, "--jobs", "2"], root)
        hits, total = restored(root)
        print(f"the same sweep rerun unchanged: {rerun:.1f} s wall ({hits} of {total} notebooks restored)")
        print(f"  ratio rerun / one run: {rerun / one:.2f} {verdict(rerun / one, TARGET_RERUN)}")
        rows += [
            {
                "what": f"notebook sweep of {len(dates)} dates (--jobs 2) / one run",
                "ratio": sweep / one,
                "target": TARGET_SWEEP,
            },
            {"what": "the same sweep rerun unchanged / one run", "ratio": rerun / one, "target": TARGET_RERUN},
        ]
        if has_verdicts_only():
            verdicts = timed(["run", *as_of, "--verdicts-only"], root)
            print(f"verdicts-only sweep of {len(dates)} dates: {verdicts:.1f} s wall")
            print(f"  ratio verdicts-only / one run: {verdicts / one:.2f} {verdict(verdicts / one, TARGET_VERDICTS)}")
            rows.append(
                {
                    "what": f"verdicts-only sweep of {len(dates)} dates / one run",
                    "ratio": verdicts / one,
                    "target": TARGET_VERDICTS,
                }
            )
        else:
            print("verdicts-only sweep: `rotation run --verdicts-only` not available; not measured")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one notebook, two dates (a smoke test)")
    args = parser.parse_args(argv)
    if not ensure_data_dir():
        return 2
    print(machine())
    bench(args.quick)
    print(machine())
    return 0


if __name__ == "__main__":
    sys.exit(main())
