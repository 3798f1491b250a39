"""How rare is a streak of L sessions? Two framings under each null model of the win/loss sequence.

* **given its start** ("a streak reaching L once begun"): the chance that a win streak, once
  it has begun, runs to at least L sessions. iid days with win probability ``p``: ``p**(L-1)``;
  two-state Markov chain: ``p11**(L-1)`` (each further day is a win after a win); block
  bootstrap: the share of win runs in the resampled sequences that reach L.
* **in a sample of this length** ("some streak that long anywhere in n sessions"): the chance
  that the longest win streak in ``n`` sessions is at least L (``rotation.nulls`` gives it
  exactly for iid days and the Markov chain; by simulation for the bootstrap).

The first is the chance of *this* streak; the second is the chance of seeing such a streak at
all in a record of this length, which is what an "anomaly" of a record has to beat.
Also: expected numbers of streaks of at least L sessions, to set beside the observed counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation import nulls

FRAMINGS = {
    "given_start": "a streak, once begun, reaches L sessions",
    "sample": "some streak of at least L sessions in a sample of n sessions",
}
NULLS = {
    "iid": "iid days (constant win probability)",
    "markov": "two-state Markov chain (maximum likelihood)",
    "bootstrap": "moving-block bootstrap of the daily spread",
}


def reach_probability(length: int, p_continue: float) -> float:
    """P(a streak that has begun reaches at least ``length`` sessions) = ``p_continue ** (length - 1)``."""
    return float(p_continue ** (int(length) - 1))


def expected_runs_at_least(n: int, length: int, p01: float, p11: float, p_first: float | None = None) -> float:
    """Expected number of win streaks of at least ``length`` sessions in ``n`` days of a two-state chain.

    A streak of at least L starts on day 1 with probability ``p_first * p11**(L-1)`` and on each
    day t = 2..n-L+1 with probability ``(1 - pi) * p01 * p11**(L-1)`` (a loss, then a win, then
    L-1 wins), ``pi`` the stationary win probability; ``p_first`` defaults to ``pi``. iid days are
    the case ``p01 == p11 == p``: ``p**L + (n - L) * (1 - p) * p**L``.
    """
    L, n = int(length), int(n)
    if n < L:
        return 0.0
    pi = nulls.markov_stationary(p01, p11)
    first = pi if p_first is None else float(p_first)
    tail = p11 ** (L - 1)
    return float(first * tail + (n - L) * (1.0 - pi) * p01 * tail)


def bootstrap_runs(spread: pd.Series | np.ndarray, n_sims: int, block_length: int, rng: np.random.Generator, max_length: int) -> dict:
    """Streak statistics of a moving-block bootstrap of the spread (``nulls.block_bootstrap_samples``).

    Keys: ``longest`` (longest win streak per replication), ``longest_either`` (longest run of
    wins or of losses: a streak by either index), ``counts`` (win runs by length 0..max_length
    pooled over replications, the last cell holding every run of at least ``max_length``), ``n_sims``.
    """
    top = int(max_length)
    longest, either, counts = [], [], np.zeros(top + 1, dtype=np.int64)
    for x in nulls.block_bootstrap_samples(spread, n_sims, block_length, rng):
        table = nulls.runs_of(x)
        heads = table["offsets"][:-1]
        longest.append(np.maximum.reduceat(np.where(table["win"], table["length"], 0), heads))
        either.append(np.maximum.reduceat(table["length"], heads))
        counts += np.bincount(np.minimum(table["length"][table["win"]], top), minlength=top + 1)
    return {"longest": np.concatenate(longest), "longest_either": np.concatenate(either), "counts": counts, "n_sims": int(n_sims)}


def rarity_table(wins: np.ndarray, spread: pd.Series | np.ndarray, length: int, n_sims: int, block_length: int, rng: np.random.Generator,
                 boot: dict | None = None) -> pd.DataFrame:
    """P(streak of at least ``length``) under each null (rows) and framing (columns ``given_start``, ``sample``).

    Column ``mc_se`` is the Monte Carlo standard error of a simulated ``sample`` probability
    (0 when exact), ``method`` says which are exact. Fitted to the win sequence ``wins``.
    ``boot``: a ``bootstrap_runs`` result to reuse (its ``max_length`` at least ``length``);
    otherwise one is simulated with ``n_sims``, ``block_length`` and ``rng``.
    """
    L, n = int(length), int(np.asarray(wins).size)
    p = float(np.mean(wins))
    chain = nulls.fit_markov(wins)
    if boot is None or len(boot["counts"]) <= L:
        boot = bootstrap_runs(spread, n_sims, block_length, rng, max_length=L)
    n_sims = boot["n_sims"]
    p_boot, se_boot = nulls.prob_at_least(boot["longest"], L)
    runs = boot["counts"][1:].sum()
    rows = {
        "iid": {"given_start": reach_probability(L, p), "sample": nulls.iid_prob_run_at_least(n, L, p), "mc_se": 0.0, "method": "exact"},
        "markov": {"given_start": reach_probability(L, chain["p11"]), "sample": nulls.markov_prob_run_at_least(n, L, chain["p01"], chain["p11"]),
                   "mc_se": 0.0, "method": "exact"},
        "bootstrap": {"given_start": float(boot["counts"][L:].sum() / runs) if runs else float("nan"), "sample": p_boot, "mc_se": se_boot,
                      "method": f"simulated, {int(n_sims):,} replications, blocks of {int(block_length)} sessions"},
    }
    return pd.DataFrame(rows).T.rename_axis("null")


def counts_by_length(observed_lengths: pd.Series | np.ndarray, n: int, lengths: list[int], p: float, p01: float, p11: float,
                     bootstrap_counts: np.ndarray | None = None, n_sims: int = 0) -> pd.DataFrame:
    """Observed number of streaks of at least L sessions against the number each null expects, per L.

    ``observed_lengths``: the lengths of every streak in the sample; ``bootstrap_counts``: win
    runs by length pooled over ``n_sims`` replications (``bootstrap_runs``; its last cell holds
    every run at least that long).
    """
    observed = np.asarray(observed_lengths, dtype=int)
    rows = []
    for L in lengths:
        row = {"L": int(L), "observed": int((observed >= L).sum()),
               "iid expected": expected_runs_at_least(n, L, p, p, p), "Markov expected": expected_runs_at_least(n, L, p01, p11)}
        if bootstrap_counts is not None and n_sims:
            top = len(bootstrap_counts) - 1
            row["bootstrap expected"] = float(bootstrap_counts[min(L, top):].sum() / n_sims) if L <= top else float("nan")
        rows.append(row)
    return pd.DataFrame(rows).set_index("L")


__all__ = ["FRAMINGS", "NULLS", "bootstrap_runs", "counts_by_length", "expected_runs_at_least", "rarity_table", "reach_probability"]
