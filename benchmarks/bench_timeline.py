"""``rotation timeline``: the article's claims on every session since 1988 (whole process), and time and
memory at 1x, 10x and 30x the history (linear?); with ``--with-run``, beside one ``rotation run`` and a
12-date ``--verdicts-only`` sweep in the same script.

    ROTATION_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_timeline.py [--quick] [--with-run]

The longer histories repeat the real daily returns of the pair end to end on a longer
business-day calendar (prices rebuilt from them), handed to the timeline in place of the loaded
series; they time the claims with a fast path (and the untestable entries), whose cost grows with
the history: claims measured per date are bounded by the time budget, not by the history.
Peak memory is what numpy and Python allocate (``tracemalloc``). ``--quick``: one repetition, 2x and 3x.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import SWEEP_DATES, ensure_data_dir, machine, make_project, verdict  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TARGET_PROCESS = 10.0  # seconds, `rotation timeline --from 1988-01-01`, whole process, 2 cores
TARGET_VERDICTS_ONLY = 1.0  # a 12-date --verdicts-only sweep / one `rotation run`, wall
START = "1988-01-01"


def best_of(repeats: int, func) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def peak_memory(func) -> tuple[float, int, object]:
    """(seconds, peak bytes allocated, result) of ``func()``."""
    tracemalloc.start()
    started = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, result


def longer_prices(small, large, factor: int):
    """The pair's common-calendar returns repeated ``factor`` times, as two price series on a business-day calendar."""
    import numpy as np
    import pandas as pd

    from rotation.analytics.streaks import aligned_returns

    returns = aligned_returns(small, large)
    values = np.tile(returns[["small", "large"]].to_numpy(), (factor, 1))
    index = pd.bdate_range("1900-01-01", periods=len(values) + 1, name="date")
    prices = 100.0 * np.vstack([np.ones((1, 2)), np.cumprod(1.0 + values, axis=0)])
    return (
        pd.Series(prices[:, 0], index=index, name=small.name),
        pd.Series(prices[:, 1], index=index, name=large.name),
    )


def whole_process(args: list[str], repeats: int, env: dict | None = None, warm: bool = True) -> float:
    rotation = Path(sys.executable).with_name("rotation")
    command = [str(rotation), *args]
    if warm:
        subprocess.run(command, check=True, capture_output=True, env=env)  # warm-up: bytecode, font cache
    seconds, _ = best_of(repeats, lambda: subprocess.run(command, check=True, capture_output=True, env=env))
    return seconds


def bench(quick: bool = False, with_run: bool = False) -> list[dict]:
    from rotation.claims import timeline
    from rotation.claims.registry import UNJUDGED
    from rotation.data import loading
    from rotation.outputs import timeline as written_out

    repeats = 1 if quick else 3
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="rotation-bench-timeline-") as tmp:
        out = Path(tmp) / "out"
        process = whole_process(["timeline", "--from", START, "--out", str(out)], repeats)
        tables = whole_process(["timeline", "--from", START, "--out", str(out), "--no-figure"], repeats)
        s = timeline.sessions(start=START)
        print(
            f"`rotation timeline --from {START}` ({len(s.ctx.registry['claims'])} claims x {len(s.dates):,} sessions, "
            f"table and PNG), whole process: {process:.2f} s (target <= {TARGET_PROCESS:.0f} s: "
            f"{'met' if process <= TARGET_PROCESS else 'MISSED'}); tables only: {tables:.2f} s"
        )
        rows.append(
            {"what": "`rotation timeline` since 1988, whole process (s)", "ratio": process, "target": TARGET_PROCESS}
        )
        compute, table = best_of(1, lambda: timeline.timeline(s))
        plans = table.attrs["plans"]
        how: dict[str, list[str]] = {}
        for cid, plan in plans.items():
            how.setdefault(plan["how"], []).append(cid)
        print(f"  in process: the table {compute:.2f} s ({len(table):,} rows); claims by how they were evaluated:")
        for name, ids in sorted(how.items()):
            print(f"    {name}: {len(ids)} ({', '.join(ids)})")
        write, _ = best_of(repeats, lambda: written_out.write_tables(table, out, "bench"))
        print(f"  write CSV + Parquet + JSON (atomic): {write:.2f} s")

        registry = s.ctx.registry["claims"]
        fast_ids = [c for c, e in registry.items() if e.get("kind") in timeline.FAST_PATHS or e["compare"] in UNJUDGED]
        small, large = loading.load(s.ctx.small), loading.load(s.ctx.large)
        factors = (1, 2, 3) if quick else (1, 10, 30)
        sizes = {}
        for factor in factors:
            long_small, long_large = longer_prices(small, large, factor)
            series = {s.ctx.small: long_small, s.ctx.large: long_large}

            def run(series=series):
                longer = timeline.sessions(series=series)
                return timeline.timeline(longer, fast_ids, budget=None)

            seconds, _ = best_of(1 if factor > 1 else repeats, run)
            _, peak, result = peak_memory(run)
            sizes[factor] = (len(long_small) - 1, seconds, peak, len(result))
        for factor, (n, seconds, peak, nrows) in sizes.items():
            print(
                f"  {factor:>2}x history: {n:>9,} sessions, {len(fast_ids)} claims ({nrows:,} rows): {seconds:7.2f} s "
                f"({seconds / n * 1e6:.1f} us per session), peak {peak / 2**20:7.1f} MiB ({peak / n:,.0f} B per session)"
            )
        lo, hi = factors[1], factors[2]
        time_growth = sizes[hi][1] / sizes[lo][1]
        memory_growth = sizes[hi][2] / sizes[lo][2]
        print(
            f"  {hi}x / {lo}x: time x{time_growth:.2f}, memory x{memory_growth:.2f} (linear: x{hi / lo:.2f}); "
            f"{lo}x / 1x: time x{sizes[lo][1] / sizes[1][1]:.2f}, memory x{sizes[lo][2] / sizes[1][2]:.2f} (linear: x{lo})"
        )
        rows += [
            {
                "what": f"timeline time growth {lo}x -> {hi}x (linear = {hi / lo:.1f})",
                "ratio": time_growth,
                "target": 1.25 * hi / lo,
            },
            {
                "what": f"timeline memory growth {lo}x -> {hi}x (linear = {hi / lo:.1f})",
                "ratio": memory_growth,
                "target": 1.25 * hi / lo,
            },
        ]
        if with_run:
            root = make_project(Path(tmp) / "project", None)
            env = {**os.environ, "ROTATION_PROJECT_DIR": str(root)}
            rotation = Path(sys.executable).with_name("rotation")
            helptext = subprocess.run([str(rotation), "run", "--help"], capture_output=True, text=True).stdout
            fresh = ["--no-cache"] if "--no-cache" in helptext else []  # the execution cache would skip every notebook
            one = whole_process(["run", "--run-name", "bench", *fresh], 1, env, warm=False)
            dates = SWEEP_DATES[:2] if quick else SWEEP_DATES
            sweep = [x for d in dates for x in ("--as-of", d)]
            only = whole_process(
                ["run", *sweep, "--run-name", "bench", "--verdicts-only", "--jobs", "2"], 1, env, warm=False
            )
            print(
                f"one `rotation run` (every notebook executed{', --no-cache' if fresh else ''}), whole process: {one:.1f} s"
            )
            print(
                f"`rotation run` of {len(dates)} as_of dates --verdicts-only --jobs 2, whole process: {only:.1f} s; "
                f"ratio to one run {only / one:.2f} {verdict(only / one, TARGET_VERDICTS_ONLY)}"
            )
            print(f"  the timeline since {START}, whole process, is {process / one:.2f} of one run")
            rows.append(
                {
                    "what": f"{len(dates)}-date --verdicts-only sweep / one run, wall",
                    "ratio": only / one,
                    "target": TARGET_VERDICTS_ONLY,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition, 2x and 3x the history (a smoke test)")
    parser.add_argument(
        "--with-run", action="store_true", help="also one `rotation run` and a 12-date --verdicts-only sweep, compared"
    )
    args = parser.parse_args(argv)
    if not ensure_data_dir():
        return 2
    print(machine())
    rows = bench(args.quick, args.with_run)
    width = max(len(r["what"]) for r in rows)
    print("\n== summary" + (" (quick mode: small inputs, targets do not apply)" if args.quick else ""))
    for r in rows:
        print(
            f"  {r['what']:<{width}}  {r['ratio']:9.2f}  target <= {r['target']:<7g} {'met' if r['ratio'] <= r['target'] else 'MISSED'}"
        )
    print(machine())
    return 0


if __name__ == "__main__":
    sys.exit(main())
