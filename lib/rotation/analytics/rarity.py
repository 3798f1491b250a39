"""How rare is a streak of L sessions? Two framings under each null model of the win/loss sequence.

* **given its start** ("a streak reaching L once begun"): the chance that a win streak, once
  it has begun, runs to at least L sessions. iid days with win probability ``p``: ``p**(L-1)``;
  two-state Markov chain: ``p11**(L-1)`` (each further day is a win after a win); block
  bootstrap: the share of win runs in the resampled sequences that reach L.
* **in a sample of this length** ("some streak that long anywhere in n sessions"): the chance
  that the longest win streak in ``n`` sessions is at least L (``rotation.analytics.nulls`` gives it
  exactly for iid days and the Markov chain; by simulation for the bootstrap).

The first is the chance of *this* streak; the second is the chance of seeing such a streak at
all in a record of this length, which is what an "anomaly" of a record has to beat.
Also: expected numbers of streaks of at least L sessions, to set beside the observed counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation.analytics import nulls

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


def exact_null_chains(wins: np.ndarray) -> dict[str, tuple[float, float, float | None]]:
    """``(p01, p11, p_first)`` of the two exact nulls fitted to ``wins``: iid days (all three the win
    share) and the maximum-likelihood Markov chain (``p_first`` None: its stationary probability)."""
    p = float(np.mean(wins))
    chain = nulls.fit_markov(wins)
    return {"iid": (p, p, p), "markov": (chain.p01, chain.p11, None)}


def length_grid(wins: np.ndarray, observed_lengths: pd.Series | np.ndarray, lengths: list[int]) -> pd.DataFrame:
    """Per streak length L (rows): the streaks of at least L observed, and what independent and Markov days imply.

    Columns: ``observed`` (completed or current streaks of at least L), ``iid_p_any`` and
    ``markov_p_any`` (exact P(some streak >= L) in a sample as long as ``wins``, the nulls of
    ``exact_null_chains``), ``iid_expected`` (approximate expected number of such streaks,
    ``n (1 - p) p**L``) and ``iid_reach`` (P(a streak that has begun reaches L), ``p**(L - 1)``).
    """
    chains = exact_null_chains(wins)
    n, p = len(wins), float(np.mean(wins))
    observed = np.asarray(observed_lengths)
    rows = {
        int(L): {
            "observed": int((observed >= L).sum()),
            "iid_p_any": nulls.iid_prob_run_at_least(n, int(L), chains["iid"][1]),
            "markov_p_any": nulls.markov_prob_run_at_least(n, int(L), *chains["markov"][:2]),
            "iid_expected": n * (1 - p) * p ** int(L),
            "iid_reach": reach_probability(int(L), p),
        }
        for L in lengths
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("length")


def longest_streak_pmfs(wins: np.ndarray, boot: dict, spare: int = 30) -> dict[str, pd.Series]:
    """Distribution of the longest win streak in a sample as long as ``wins`` under each null (keys of ``NULLS``).

    iid days and the Markov chain (fitted to ``wins``): exact, ``nulls.longest_run_sf`` for
    L = 0 .. (the longest simulated or observed streak + ``spare``), beyond which the remaining
    mass is below rounding at today's history. Bootstrap: the share of the ``boot`` replications
    (``nulls.block_bootstrap_runs``) whose longest streak is L. Each Series: P(longest == L), indexed by L.
    """
    wins = np.asarray(wins, dtype=bool)
    top = int(max(np.max(boot["longest"]), nulls.longest_run(wins))) + int(spare)
    lengths = np.arange(0, top + 2)
    out = {}
    for name, (p01, p11, first) in exact_null_chains(wins).items():
        sf = nulls.longest_run_sf(wins.size, lengths, p01, p11, first)
        out[name] = pd.Series(np.clip(sf[:-1] - sf[1:], 0.0, 1.0), index=pd.Index(lengths[:-1], name="L"))
    sims = np.bincount(np.asarray(boot["longest"], dtype=np.int64), minlength=top + 1)[: top + 1] / len(boot["longest"])
    out["bootstrap"] = pd.Series(sims, index=pd.Index(lengths[:-1], name="L"))
    return out


def _quantile(pmf: pd.Series, q: float) -> int:
    """Smallest L with P(longest <= L) >= q (the inverted-CDF quantile)."""
    cdf = pmf.cumsum().to_numpy()
    return int(pmf.index[min(int(np.searchsorted(cdf, q - 1e-12)), len(cdf) - 1)])


def longest_streak_table(wins: np.ndarray, boot: dict, length: int, record: int) -> pd.DataFrame:
    """Per null: P(some streak of at least ``length``) and of at least ``record`` sessions, P(either index >= ``length``),
    and the 5%, 50% and 95% points of the longest streak, in a sample as long as ``wins``.

    Exact for iid days and the Markov chain (``longest_streak_pmfs``,
    ``nulls.markov_prob_either_run_at_least``); simulated for the bootstrap, with the Monte Carlo
    standard errors of its probabilities (0 where exact). Quantiles: inverted CDF.
    """
    wins = np.asarray(wins, dtype=bool)
    n, chains = wins.size, exact_null_chains(wins)
    pmfs = longest_streak_pmfs(wins, boot)
    n_sims = int(boot["n_sims"])
    rows = {}
    for name, pmf in pmfs.items():
        if name == "bootstrap":
            (p_len, se_len), (p_rec, se_rec), (either, se_either) = (
                nulls.prob_at_least(boot[key], L)
                for key, L in (("longest", length), ("longest", record), ("longest_either", length))
            )
            method = f"simulated, {n_sims:,} replications"
        else:
            p01, p11, first = chains[name]
            p_len, p_rec = (nulls.markov_prob_run_at_least(n, L, p01, p11, first) for L in (length, record))
            either = nulls.markov_prob_either_run_at_least(n, length, p01, p11, first)
            se_len = se_rec = se_either = 0.0
            method = "exact"
        rows[name] = {
            "method": method,
            "p_length": p_len,
            "se_length": se_len,
            "p_record": p_rec,
            "se_record": se_rec,
            "p_either": either,
            "se_either": se_either,
            "q05": _quantile(pmf, 0.05),
            "median": _quantile(pmf, 0.5),
            "q95": _quantile(pmf, 0.95),
        }
    return pd.DataFrame(rows).T.rename_axis("null")


def rarity_table(
    wins: np.ndarray,
    spread: pd.Series | np.ndarray,
    length: int,
    n_sims: int,
    block_length: int,
    rng: np.random.Generator,
    boot: dict | None = None,
) -> pd.DataFrame:
    """P(streak of at least ``length``) under each null (rows) and framing (columns ``given_start``, ``sample``).

    Column ``mc_se`` is the Monte Carlo standard error of a simulated ``sample`` probability
    (0 when exact), ``method`` says which are exact. Fitted to the win sequence ``wins``.
    ``boot``: a ``nulls.block_bootstrap_runs`` result to reuse (its ``max_length`` at least ``length``);
    otherwise one is simulated with ``n_sims``, ``block_length`` and ``rng``.
    """
    L, n = int(length), int(np.asarray(wins).size)
    p = float(np.mean(wins))
    chain = nulls.fit_markov(wins)
    if boot is None or len(boot["counts"]) <= L:
        boot = nulls.block_bootstrap_runs(spread, n_sims, block_length, rng, max_length=L)
    n_sims = boot["n_sims"]
    p_boot, se_boot = nulls.prob_at_least(boot["longest"], L)
    runs = boot["counts"][1:].sum()
    rows = {
        "iid": {
            "given_start": reach_probability(L, p),
            "sample": nulls.iid_prob_run_at_least(n, L, p),
            "mc_se": 0.0,
            "method": "exact",
        },
        "markov": {
            "given_start": reach_probability(L, chain.p11),
            "sample": nulls.markov_prob_run_at_least(n, L, chain.p01, chain.p11),
            "mc_se": 0.0,
            "method": "exact",
        },
        "bootstrap": {
            "given_start": float(boot["counts"][L:].sum() / runs) if runs else float("nan"),
            "sample": p_boot,
            "mc_se": se_boot,
            "method": f"simulated, {int(n_sims):,} replications, blocks of {int(block_length)} sessions",
        },
    }
    return pd.DataFrame(rows).T.rename_axis("null")


def counts_by_length(
    observed_lengths: pd.Series | np.ndarray,
    n: int,
    lengths: list[int],
    p: float,
    p01: float,
    p11: float,
    bootstrap_counts: np.ndarray | None = None,
    n_sims: int = 0,
) -> pd.DataFrame:
    """Observed number of streaks of at least L sessions against the number each null expects, per L.

    ``observed_lengths``: the lengths of every streak in the sample; ``bootstrap_counts``: win
    runs by length pooled over ``n_sims`` replications (``nulls.block_bootstrap_runs``; its last cell holds
    every run at least that long).
    """
    observed = np.asarray(observed_lengths, dtype=int)
    rows = []
    for L in lengths:
        row = {
            "L": int(L),
            "observed": int((observed >= L).sum()),
            "iid expected": expected_runs_at_least(n, L, p, p, p),
            "Markov expected": expected_runs_at_least(n, L, p01, p11),
        }
        if bootstrap_counts is not None and n_sims:
            top = len(bootstrap_counts) - 1
            row["bootstrap expected"] = (
                float(bootstrap_counts[min(L, top) :].sum() / n_sims) if top >= L else float("nan")
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("L")


__all__ = [
    "FRAMINGS",
    "NULLS",
    "exact_null_chains",
    "longest_streak_pmfs",
    "longest_streak_table",
    "counts_by_length",
    "expected_runs_at_least",
    "rarity_table",
    "reach_probability",
]
