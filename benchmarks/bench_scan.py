"""Time ``rotation scan`` on the full history: load, scan (numpy, no loop over days), write, figure, and the command.

    ROTATION_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_scan.py

Target (issue 7): the scan of the full history under 0.5 s (loading both series included).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def best_of(repeats: int, func) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> int:
    if not os.environ.get("ROTATION_DATA_DIR"):
        os.environ["ROTATION_DATA_DIR"] = str(REPO.parent / "shared" / "data")
    from rotation import data, scan, streaks

    load, (small, large) = best_of(5, lambda: (data.load("rut"), data.load("spx")))
    align, returns = best_of(5, lambda: streaks.aligned_returns(small, large))
    compute, table = best_of(20, lambda: scan.scan_streaks(returns))
    total = load + align + compute
    print(f"history: {len(table):,} sessions, {table.index[0].date()} to {table.index[-1].date()}")
    print(f"load both series (CSV, validated): {load * 1000:.1f} ms")
    print(f"align returns: {align * 1000:.1f} ms")
    print(f"scan every session: {compute * 1000:.1f} ms")
    print(f"load + align + scan: {total * 1000:.1f} ms (target < 500 ms): {'ok' if total < 0.5 else 'MISSED'}")
    with tempfile.TemporaryDirectory() as tmp:
        write, _ = best_of(3, lambda: scan.write_tables(table, Path(tmp), "scan_rut_spx"))
        print(f"write CSV + Parquet (atomic): {write * 1000:.1f} ms")
        import matplotlib.pyplot as plt

        started = time.perf_counter()
        fig = scan.scan_figure(table, 13)
        scan.save_figure_to(fig, Path(tmp), "scan_rut_spx")
        plt.close(fig)
        print(f"figure (PNG, SVG, PDF): {(time.perf_counter() - started) * 1000:.0f} ms")
        rotation = Path(sys.executable).with_name("rotation")
        started = time.perf_counter()
        subprocess.run([str(rotation), "scan", "--out", tmp, "--no-figure"], check=True, capture_output=True)
        print(f"`rotation scan --no-figure`, whole process (interpreter and imports included): {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
