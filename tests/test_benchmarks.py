"""The benchmark scripts still run: each in its quick mode (small inputs, one repetition), all through bench_all."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO

BENCHMARKS = REPO / "benchmarks"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCHMARKS.glob("bench_*.py")))
def test_every_benchmark_has_a_quick_mode(script):
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--quick" in out


@pytest.mark.benchmarks
def test_all_benchmarks_run_in_quick_mode(shared_data, tmp_path):
    env = {**os.environ, "ROTATION_DATA_DIR": str(shared_data), "MPLBACKEND": "Agg"}
    env.pop("ROTATION_PROJECT_DIR", None)
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_all.py"), "--quick"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for line in (
        "article run / floor, wall",
        "article run / floor, CPU",
        "sweep of 2 dates",
        "04 nulls",
        "scan computation",
        "scan time growth",
        "scan memory growth",
        "`rotation scan` whole process",
        "max resident memory",
    ):
        assert line in out, f"{line!r} missing from the benchmark summary:\n{out}"
    assert "[run had failures]" not in out and "[a run had failures]" not in out
