"""Time 10,000 replications of each streak null over the full history (a script, not a test).

Usage: ROTATION_DATA_DIR=/path/to/data python benchmarks/bench_bootstrap.py [n_sims] [block_length]

Uses the real daily spread (Russell 2000 minus S&P 500) when the data folder is available,
otherwise a synthetic spread of the same length (9,700 sessions). Prints one line per null:
wall-clock seconds, replications per second and P(longest streak >= 13).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from rotation import nulls


def spread_sample() -> tuple[np.ndarray, str]:
    try:
        from rotation import data, streaks

        returns = streaks.aligned_returns(data.load("rut"), data.load("spx"))
        return streaks.daily_spread(returns).to_numpy(), f"real spread, {returns.index[0].date()} to {returns.index[-1].date()}"
    except Exception as exc:  # no data folder: synthetic series of the same size
        return np.random.default_rng(0).normal(0.0, 0.008, 9_700), f"synthetic spread ({type(exc).__name__}: {exc})"


def main() -> None:
    n_sims = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    block = int(sys.argv[2]) if len(sys.argv) > 2 else 21
    spread, what = spread_sample()
    wins = nulls.win_flags(spread)
    n, p = wins.size, float(wins.mean())
    chain = nulls.fit_markov(wins)
    rng_iid, rng_markov, rng_boot = np.random.default_rng(20260121).spawn(3)
    print(f"{what}: {n:,} sessions, win share {p:.4f}; {n_sims:,} replications per null")
    cases = {
        "iid days (+ continuation counts j <= 12)": lambda: nulls.simulate(nulls.iid_samples(p, n, n_sims, rng_iid), max_j=12),
        "Markov chain (sojourns)": lambda: nulls.summarise_runs(nulls.markov_runs(chain["p01"], chain["p11"], n, n_sims, rng_markov)),
        f"moving-block bootstrap (block {block})": lambda: nulls.simulate(nulls.block_bootstrap_samples(spread, n_sims, block, rng_boot)),
    }
    total = 0.0
    for name, run in cases.items():
        t0 = time.perf_counter()
        out = run()
        seconds = time.perf_counter() - t0
        total += seconds
        print(f"  {name:45s} {seconds:6.2f} s  ({n_sims / seconds:,.0f} replications/s)  P(longest >= 13) = {(out['longest'] >= 13).mean():.4f}")
    t0 = time.perf_counter()
    exact = nulls.markov_prob_run_at_least(n, 13, chain["p01"], chain["p11"])
    print(f"  {'Markov chain, exact dynamic programming':45s} {time.perf_counter() - t0:6.2f} s  P(longest >= 13) = {exact:.4f}")
    print(f"total simulation time: {total:.2f} s")


if __name__ == "__main__":
    main()
