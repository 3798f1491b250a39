"""The null models of 04_mean_reversion: time at 10,000 replications, and peak memory at 10x the history.

    ROTATION_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_nulls.py [--quick]

Uses the real daily spread (Russell 2000 minus S&P 500) when the data folder is available,
otherwise a synthetic spread of the same length. Two variants of the notebook's three nulls:

* *day matrices*: the earlier method, kept as the reference (no target): the iid null simulated
  as matrices of days (its longest run and its continuation-hazard band), the Markov chain from
  sojourns, the moving-block bootstrap;
* *simulation only where no closed form*: what the notebook runs: the iid and Markov longest-run probabilities exact
  (``nulls.longest_run_sf``, ``nulls.markov_prob_either_run_at_least``); what remains simulated
  is the iid continuation-hazard band (no closed form for the within-sample share's quantiles)
  and the block bootstrap.

Every simulated probability is printed with its Monte Carlo standard error. The memory
measurement runs in a child process at 10x the history (``resource`` maximum resident set,
interpreter included, and ``tracemalloc`` peak of the computation). ``--quick``: 300
replications, 2x history.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from rotation.analytics import nulls, nulls_reference

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0  # the three nulls at 10,000 replications
TARGET_MEMORY = 1024  # MiB, nulls at 10x the history
CLAIM = 13  # streak length whose probability is printed


def spread_sample(factor: int = 1) -> tuple[np.ndarray, str]:
    try:
        from rotation.analytics import streaks
        from rotation.data import loading

        returns = streaks.aligned_returns(loading.load("rut"), loading.load("spx"))
        spread = streaks.daily_spread(returns).to_numpy()
        what = f"real spread, {returns.index[0].date()} to {returns.index[-1].date()}"
    except Exception as exc:  # noqa: BLE001 - no data folder: synthetic series of the same size
        spread = np.random.default_rng(0).normal(0.0, 0.008, 9_800)
        what = f"synthetic spread ({type(exc).__name__})"
    if factor > 1:
        spread, what = np.tile(spread, factor), f"{what}, repeated {factor}x"
    return spread, what


def three_nulls(spread: np.ndarray, n_sims: int, variant: str, block: int = 21, max_j: int = 12) -> dict:
    """The notebook's three simulated nulls (seeded as the notebook seeds them); returns their summaries."""
    wins = nulls.win_flags(spread)
    n, p = wins.size, float(wins.mean())
    chain = nulls.fit_markov(wins)
    rng_iid, rng_markov, rng_boot = np.random.default_rng(20260121).spawn(3)
    if variant == "simulation only where no closed form":  # what notebook 04 runs
        iid = nulls.iid_hazard_counts(p, n, n_sims, rng_iid, max_j)  # 64 days per machine word
        markov = {
            "exact": [
                nulls.markov_prob_either_run_at_least(n, CLAIM, chain.p01, chain.p11),
                *nulls.longest_run_sf(n, np.arange(0, 40), chain.p01, chain.p11),
            ]
        }
        boot = nulls.block_bootstrap_runs(spread, n_sims, block, rng_boot, max_length=CLAIM + 2)  # block summaries
    else:  # the earlier day-matrix simulations, for comparison
        iid = nulls_reference.simulate(nulls_reference.iid_samples(p, n, n_sims, rng_iid), max_j=max_j)
        markov = nulls_reference.summarise_runs(
            nulls_reference.markov_runs(chain.p01, chain.p11, n, n_sims, rng_markov)
        )
        boot = nulls_reference.simulate(nulls_reference.block_bootstrap_samples(spread, n_sims, block, rng_boot))
    return {"iid": iid, "markov": markov, "boot": boot, "n": n, "p": p, "chain": chain}


def timed(func):
    started = time.perf_counter()
    out = func()
    return time.perf_counter() - started, out


MEMORY_CHILD = """
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {folder!r})
import bench_nulls as b
spread, _ = b.spread_sample({factor})
tracemalloc.start()
t0 = time.perf_counter()
b.three_nulls(spread, {n_sims}, "simulation only where no closed form")
seconds = time.perf_counter() - t0
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({{"seconds": seconds, "traced_peak": peak, "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def bench(quick: bool = False) -> list[dict]:
    n_sims = 300 if quick else 10_000
    spread, what = spread_sample()
    wins = nulls.win_flags(spread)
    n, p = wins.size, float(wins.mean())
    chain = nulls.fit_markov(wins)
    print(f"{what}: {n:,} sessions, win share {p:.4f}; {n_sims:,} replications per null")
    rows = []
    for variant in ("day matrices", "simulation only where no closed form"):
        seconds, out = timed(lambda: three_nulls(spread, n_sims, variant))
        exact_seconds, sf = timed(
            lambda: (
                nulls.iid_longest_sf(n, np.arange(0, 40), p),
                nulls.longest_run_sf(n, np.arange(0, 40), chain.p01, chain.p11),
            )
        )
        reference = variant == "day matrices"
        verdict = (
            "the earlier method, for reference"
            if reference
            else f"target < {TARGET_SECONDS:.1f} s: {'met' if seconds < TARGET_SECONDS else 'MISSED'}"
        )
        print(
            f"  {variant}: three nulls in {seconds:.2f} s ({verdict});"
            f" exact iid and Markov distributions of the longest run (L = 0..39) in {exact_seconds:.2f} s"
        )
        for name, key, exact in (
            ("iid", "iid", sf[0][CLAIM]),
            ("Markov", "markov", sf[1][CLAIM]),
            ("bootstrap", "boot", None),
        ):
            if "longest" not in out[key]:
                print(f"    P(longest >= {CLAIM}) {name:<9}: exact {exact:.4f} (no simulation)")
                continue
            est, se = nulls.prob_at_least(out[key]["longest"], CLAIM)
            beside = f"; exact {exact:.4f}" if exact is not None else ""
            print(f"    P(longest >= {CLAIM}) {name:<9}: {est:.4f} (MC s.e. {se:.4f}){beside}")
        if not reference:
            rows.append(
                {
                    "what": f"04 nulls, {n_sims:,} replications, as the notebook runs them (s)",
                    "ratio": seconds,
                    "target": TARGET_SECONDS,
                }
            )
    factor, mem_sims = (2, 300) if quick else (10, 2_000)
    code = MEMORY_CHILD.format(folder=str(Path(__file__).resolve().parent), factor=factor, n_sims=mem_sims)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ.copy()
    )
    mem = json.loads(result.stdout.strip().splitlines()[-1])
    rss = mem["max_rss_kib"] / 1024
    print(
        f"  {factor}x history ({factor * n:,} sessions), three nulls as notebook 04 runs them, {mem_sims:,} replications: {mem['seconds']:.1f} s;"
        f" peak allocated {mem['traced_peak'] / 2**20:.0f} MiB, max resident {rss:.0f} MiB, interpreter included"
        f" (target < {TARGET_MEMORY} MiB: {'met' if rss < TARGET_MEMORY else 'MISSED'}; chunks bound it, so more replications do not raise it)"
    )
    rows.append(
        {"what": f"nulls at {factor}x history, max resident memory (MiB)", "ratio": rss, "target": TARGET_MEMORY}
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    from bench_run import ensure_data_dir  # the one default for the data folder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 replications, 2x history (a smoke test)")
    args = parser.parse_args(argv)
    if not ensure_data_dir():
        return 2
    bench(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
