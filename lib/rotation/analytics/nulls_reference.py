"""Reference implementations of the null simulations: day matrices and run tables drawn the plain way.

The fast paths in ``rotation.analytics.nulls`` (exact recursions, ``block_bootstrap_runs`` on block
summaries, ``iid_hazard_counts`` on 64-day machine words) are tested against these: the same draws
give the same results (``block_bootstrap_samples`` and ``block_bootstrap_runs``), or the same
distribution (``markov_samples``/``markov_runs`` against the exact Markov recursion). No notebook or
measure uses this module; ``tests/test_nulls.py`` and ``benchmarks/bench_nulls.py`` do.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from rotation.analytics.nulls import (
    DEFAULT_CHUNK,
    MARKOV_CHUNK,
    _check_length,
    _check_prob,
    _chunks,
    markov_stationary,
    runs_of,
    win_flags,
)
from rotation.core.errors import ParameterError


def iid_samples(
    p: float, n: int, n_sims: int, rng: np.random.Generator, chunk: int = DEFAULT_CHUNK
) -> Iterator[np.ndarray]:
    """Boolean matrices (rows = replications, columns = ``n`` days) of independent wins with probability ``p``."""
    p = _check_prob(p, "p")
    n = _check_length(n, "n")
    for rows in _chunks(n_sims, chunk, n):
        yield rng.random((rows, n), dtype=np.float32) < np.float32(p)


def _geometric(rng: np.random.Generator, q: float, size: tuple[int, int], cap: int) -> np.ndarray:
    """Sojourn lengths >= 1 that end with probability ``q`` each day (capped at ``cap``; q = 0 never ends).

    Inverse transform of float64 uniforms, ``1 + floor(log U / log(1 - q))`` (several times
    faster than ``Generator.geometric``); exact in distribution up to the 2**-53 resolution of U.
    """
    if q <= 0.0:
        return np.full(size, cap, dtype=np.int64)
    if q >= 1.0:
        return np.ones(size, dtype=np.int64)
    u = 1.0 - rng.random(size)  # in (0, 1]
    np.log(u, out=u)
    u /= np.log1p(-q)
    return np.minimum(u.astype(np.int64) + 1, cap)


def _markov_sojourns(
    p01: float, p11: float, n: int, rows: int, rng: np.random.Generator, p_first: float
) -> tuple[np.ndarray, np.ndarray]:
    """Alternating sojourn lengths (rows x m) covering at least ``n`` days, and the first day's state per row.

    Win sojourns end with probability ``1 - p11`` per day, loss sojourns with ``p01``;
    column k is a win sojourn when ``first`` is True and k is even (or False and k odd).
    """
    q_win, q_loss = 1.0 - p11, p01
    mean_cycle = (1.0 / q_win if q_win > 0 else n) + (1.0 / q_loss if q_loss > 0 else n)
    pairs = int(np.ceil(1.15 * n / mean_cycle)) + 32
    first = rng.random(rows) < p_first
    parts, total = [], np.zeros(rows, dtype=np.int64)
    while True:  # draw (win, loss) pairs until every row covers n days
        w = _geometric(rng, q_win, (rows, pairs), n)
        lo = _geometric(rng, q_loss, (rows, pairs), n)
        pair = np.empty((rows, 2 * pairs), dtype=np.int64)
        pair[:, 0::2] = np.where(first[:, None], w, lo)
        pair[:, 1::2] = np.where(first[:, None], lo, w)
        parts.append(pair)
        total += pair.sum(axis=1)
        if total.min() >= n:
            break
    return (np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]), first


def markov_samples(
    p01: float,
    p11: float,
    n: int,
    n_sims: int,
    rng: np.random.Generator,
    p_first: float | None = None,
    chunk: int = MARKOV_CHUNK,
) -> Iterator[np.ndarray]:
    """Boolean matrices (rows = replications, ``n`` days) of a two-state Markov chain, vectorised.

    A chain alternates win runs (geometric, ending with probability ``1 - p11`` per day) and
    loss runs (ending with probability ``p01``). Run lengths are drawn for all rows at once,
    their cumulative sums mark the switching days, and an XOR-accumulate turns switches into
    the daily sequence. Day 1 is a win with probability ``p_first`` (default: stationary).
    """
    p01, p11 = _check_prob(p01, "p01"), _check_prob(p11, "p11")
    p_first = markov_stationary(p01, p11) if p_first is None else _check_prob(p_first, "p_first")
    n = _check_length(n, "n")
    for rows in _chunks(n_sims, chunk, n):
        lengths, first = _markov_sojourns(p01, p11, n, rows, rng, p_first)
        switch = np.cumsum(lengths, axis=1)[:, :-1]  # day index where the next sojourn starts
        r_idx, c_idx = np.nonzero(switch < n)
        toggles = np.zeros((rows, n), dtype=bool)
        toggles[r_idx, switch[r_idx, c_idx]] = True
        yield np.logical_xor.accumulate(toggles, axis=1) ^ first[:, None]


def block_bootstrap_samples(
    spread: pd.Series | np.ndarray, n_sims: int, block_length: int, rng: np.random.Generator, chunk: int = DEFAULT_CHUNK
) -> Iterator[np.ndarray]:
    """Win sequences from a moving-block bootstrap of the daily spread sequence.

    Blocks of ``block_length`` consecutive sessions start uniformly at any of the
    ``n - block_length + 1`` positions; blocks are concatenated and cut to ``n`` days. Only
    the sign of the resampled spread is kept (a win is spread > 0).
    """
    wins = win_flags(spread)
    n = wins.size
    b = _check_length(block_length, "block_length")
    if b > n:
        raise ParameterError(f"block_length {b} is longer than the sample ({n} sessions)")
    n_blocks = -(-n // b)
    offsets = np.arange(b)
    for rows in _chunks(n_sims, chunk, n):
        starts = rng.integers(0, n - b + 1, size=(rows, n_blocks))
        idx = (starts[:, :, None] + offsets).reshape(rows, n_blocks * b)[:, :n]
        yield wins[idx]


def markov_runs(
    p01: float,
    p11: float,
    n: int,
    n_sims: int,
    rng: np.random.Generator,
    p_first: float | None = None,
    chunk: int = MARKOV_CHUNK,
) -> Iterator[dict]:
    """Run tables (as ``runs_of``) of a two-state Markov chain, straight from the sojourn lengths (no day matrix)."""
    p01, p11 = _check_prob(p01, "p01"), _check_prob(p11, "p11")
    p_first = markov_stationary(p01, p11) if p_first is None else _check_prob(p_first, "p_first")
    n = _check_length(n, "n")
    for rows in _chunks(n_sims, chunk, n):
        lengths, first = _markov_sojourns(p01, p11, n, rows, rng, p_first)
        ends = np.cumsum(lengths, axis=1)
        keep = ends - lengths < n  # sojourns that start inside the sample (a prefix of each row)
        truncated = np.minimum(ends, n) - (ends - lengths)
        win = first[:, None] ^ (np.arange(lengths.shape[1]) % 2 == 1)[None, :]
        offsets = np.concatenate(([0], np.cumsum(keep.sum(axis=1))))
        yield {"n": n, "offsets": offsets, "length": truncated[keep], "win": win[keep]}


def iid_runs(p: float, n: int, n_sims: int, rng: np.random.Generator, chunk: int = DEFAULT_CHUNK) -> Iterator[dict]:
    """Run tables of independent days with win probability ``p``: ``markov_runs`` with p01 = p11 = p_first = ``p``.

    Same distribution as ``runs_of`` over ``iid_samples``, drawn as geometric run lengths (no day
    matrix: less memory per replication; not faster than ``iid_samples`` in chunks of 100,
    measured), and a different random stream for the same seed.
    """
    p = _check_prob(p, "p")
    return markov_runs(p, p, n, n_sims, rng, p_first=p, chunk=chunk)


def summarise_runs(chunks: Iterator[dict], max_j: int | None = None) -> dict:
    """Streak statistics per replication from run tables, chunk by chunk.

    Keys: ``longest`` (longest win run), ``longest_either`` (longest run of wins or of
    losses) and, with ``max_j``, ``at`` and ``continued`` (rows x max_j, as
    ``continuation_counts``: a run of length L holds a streak of exactly j once for every
    j <= L; that day has a next day unless the run is the row's last and L == j), and
    ``at_ge``/``continued_ge`` (the same for a streak of *at least* j, as
    ``continuation_counts(..., at_least=True)``).
    """
    longest, either, ats, conts, ats_ge, conts_ge = [], [], [], [], [], []
    for t in chunks:
        offsets, length, win = t["offsets"], t["length"], t["win"]
        rows, heads = offsets.size - 1, offsets[:-1]
        longest.append(np.maximum.reduceat(np.where(win, length, 0), heads))
        either.append(np.maximum.reduceat(length, heads))
        if max_j:
            J = _check_length(max_j, "max_j")
            width = J + 2
            row = np.repeat(np.arange(rows), np.diff(offsets))
            key = row * width + np.minimum(length, J + 1)
            hist = np.bincount(key[win], minlength=rows * width).reshape(rows, width)
            ge = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1]  # ge[:, j] = win runs of length >= j
            at = ge[:, 1 : J + 1].copy()
            last = offsets[1:] - 1
            cens = win[last] & (length[last] <= J)  # last run of the row ends on the last day
            at[np.flatnonzero(cens), length[last][cens] - 1] -= 1
            cont = ge[:, 2 : J + 2]
            # at least j: sum over i >= j of the exact counts; days with a streak above J come from the run lengths
            tail_at = np.bincount(row, weights=np.where(win, np.maximum(length - J, 0), 0), minlength=rows).astype(
                np.int64
            )
            tail_at -= win[last] & (length[last] > J)  # the last day of the data has no next day
            tail_cont = np.bincount(
                row, weights=np.where(win, np.maximum(length - J - 1, 0), 0), minlength=rows
            ).astype(np.int64)
            ats.append(at)
            conts.append(cont)
            ats_ge.append(np.cumsum(at[:, ::-1], axis=1)[:, ::-1] + tail_at[:, None])
            conts_ge.append(np.cumsum(cont[:, ::-1], axis=1)[:, ::-1] + tail_cont[:, None])
    out = {"longest": np.concatenate(longest), "longest_either": np.concatenate(either)}
    if max_j:
        out["at"], out["continued"] = np.concatenate(ats), np.concatenate(conts)
        out["at_ge"], out["continued_ge"] = np.concatenate(ats_ge), np.concatenate(conts_ge)
    return out


def simulate(samples: Iterator[np.ndarray], max_j: int | None = None) -> dict:
    """``summarise_runs`` over boolean sample matrices (iid or bootstrap generators)."""
    return summarise_runs((runs_of(x) for x in samples), max_j)


__all__ = [
    "block_bootstrap_samples",
    "iid_runs",
    "iid_samples",
    "markov_runs",
    "markov_samples",
    "simulate",
    "summarise_runs",
]
