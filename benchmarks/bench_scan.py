"""``rotation scan``: whole process, its computation, and time and memory at 10x and 30x the history (linear?).

    ROTATION_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_scan.py [--quick]

The longer histories repeat the real daily returns end to end on a longer business-day
calendar, so the streak structure stays realistic. Peak memory is what numpy and Python
allocate during the scan (``tracemalloc``). ``--quick``: one repetition, 2x and 3x.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_PROCESS = 1.5  # seconds, `rotation scan` (default command, PNG figure)
TARGET_COMPUTE = 0.1  # seconds, the scan of the full history


def best_of(repeats: int, func) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def longer_history(returns, factor: int):
    """The real returns repeated ``factor`` times on a business-day calendar (attrs kept)."""
    import numpy as np
    import pandas as pd

    values = np.tile(returns[["small", "large"]].to_numpy(), (factor, 1))
    frame = pd.DataFrame(
        values, columns=["small", "large"], index=pd.bdate_range("1900-01-01", periods=len(values), name="date")
    )
    frame.attrs = dict(returns.attrs)
    return frame


def peak_memory(func) -> tuple[float, int]:
    """(seconds, peak bytes allocated) of ``func()``."""
    tracemalloc.start()
    started = time.perf_counter()
    func()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def bench(quick: bool = False) -> list[dict]:
    from rotation.analytics import scan, streaks
    from rotation.data import loading
    from rotation.run import scan_command

    repeats = 1 if quick else 5
    load, (small, large) = best_of(repeats, lambda: (loading.load("rut"), loading.load("spx")))
    align, returns = best_of(repeats, lambda: streaks.aligned_returns(small, large))
    compute, table = best_of(1 if quick else 20, lambda: scan.scan_streaks(returns))
    print(f"history: {len(table):,} sessions, {table.index[0].date()} to {table.index[-1].date()}")
    print(f"load both series (CSV, validated): {load * 1000:.1f} ms; align returns: {align * 1000:.1f} ms")
    print(
        f"scan every session (computation): {compute * 1000:.1f} ms (target < {TARGET_COMPUTE * 1000:.0f} ms: {'met' if compute < TARGET_COMPUTE else 'MISSED'})"
    )
    rows = [{"what": "scan computation, full history (s)", "ratio": compute, "target": TARGET_COMPUTE}]
    base_seconds, base_peak = peak_memory(lambda: scan.scan_streaks(returns))
    factors = (2, 3) if quick else (10, 30)
    sizes = {1: (len(returns), compute, base_peak)}
    for factor in factors:
        longer = longer_history(returns, factor)
        seconds, _ = best_of(repeats if not quick else 1, lambda: scan.scan_streaks(longer))
        _, peak = peak_memory(lambda: scan.scan_streaks(longer))
        sizes[factor] = (len(longer), seconds, peak)
    for factor, (n, seconds, peak) in sizes.items():
        print(
            f"  {factor:>2}x history: {n:>9,} sessions  {seconds * 1000:8.1f} ms ({seconds / n * 1e6:.2f} us per session)  peak {peak / 2**20:7.1f} MiB ({peak / n:.0f} B per session)"
        )
    lo, hi = factors
    time_growth = sizes[hi][1] / sizes[lo][1]
    memory_growth = sizes[hi][2] / sizes[lo][2]
    print(f"  {hi}x / {lo}x: time x{time_growth:.2f}, memory x{memory_growth:.2f} (linear: x{hi / lo:.2f})")
    rows += [
        {
            "what": f"scan time growth {lo}x -> {hi}x history (linear = {hi / lo:.1f})",
            "ratio": time_growth,
            "target": 1.25 * hi / lo,
        },
        {
            "what": f"scan memory growth {lo}x -> {hi}x history (linear = {hi / lo:.1f})",
            "ratio": memory_growth,
            "target": 1.25 * hi / lo,
        },
    ]
    with tempfile.TemporaryDirectory() as tmp:
        write, _ = best_of(1 if quick else 3, lambda: scan_command.write_tables(table, Path(tmp), "scan_rut_spx"))
        print(f"write CSV + Parquet (atomic): {write * 1000:.1f} ms")
        rotation = Path(sys.executable).with_name("rotation")
        command = [str(rotation), "scan", "--out", tmp]
        subprocess.run(command, check=True, capture_output=True)  # warm-up: bytecode, font cache
        process, _ = best_of(1 if quick else 3, lambda: subprocess.run(command, check=True, capture_output=True))
        no_figure, _ = best_of(
            1 if quick else 3, lambda: subprocess.run([*command, "--no-figure"], check=True, capture_output=True)
        )
        print(
            f"`rotation scan` (tables and PNG figure), whole process: {process:.2f} s (target < {TARGET_PROCESS:.1f} s: {'met' if process < TARGET_PROCESS else 'MISSED'})"
        )
        print(f"`rotation scan --no-figure`, whole process: {no_figure:.2f} s")
        rows.append({"what": "`rotation scan` whole process (s)", "ratio": process, "target": TARGET_PROCESS})
    return rows


def main(argv: list[str] | None = None) -> int:
    from bench_run import ensure_data_dir  # the one default for the data folder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition, 2x and 3x the history (a smoke test)")
    args = parser.parse_args(argv)
    if not ensure_data_dir():
        return 2
    bench(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
