"""How rare is a long streak? Null models for the win/loss sequence of the daily spread.

A *win* is a session with spread > 0 (small caps beat large caps; a tie is a loss, as in
``rotation.analytics.streaks``). Three nulls for the sequence of wins:

* **iid**: independent days with a constant win probability ``p`` (estimated as the share of
  wins). Exact probability of a run of at least L wins in n days by recursion, and simulation.
* **Markov**: a two-state Markov chain with transition probabilities fitted by maximum
  likelihood (``p01`` = P(win | loss yesterday), ``p11`` = P(win | win yesterday)). Exact
  probability by dynamic programming on the current run length, and simulation (alternating
  geometric sojourns, so no Python loop over days).
* **Block bootstrap**: moving blocks of the observed daily spread sequence, concatenated to
  the sample length; only the sign of each resampled spread matters for streaks. Keeps any
  dependence shorter than the block length, breaks it at block joins.

Simulations are vectorised over replications and processed in chunks of rows (bounded memory).
All randomness comes from a ``numpy.random.Generator`` passed in by the caller. The plain reference
simulations these fast paths are tested against live in ``rotation.analytics.nulls_reference``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation.core.errors import DataError, ParameterError

DEFAULT_CHUNK = (
    100  # replications per chunk of the day-matrix simulations (fits in cache; the streams do not depend on it)
)
MARKOV_CHUNK = 1000  # replications per chunk of the sojourn simulations (their random stream depends on the chunk)
CELL_BUDGET = 10_000_000  # at most this many replication-days per chunk: memory stays bounded as the history grows


# ------------------------------------------------------------------ sequences and runs


def win_flags(spread: pd.Series | np.ndarray) -> np.ndarray:
    """Boolean win sequence: spread > 0 (ties are losses). NaN is refused."""
    values = np.asarray(spread, dtype=float)
    if np.isnan(values).any():
        raise DataError("spread contains NaN; align the series first")
    return values > 0


def streak_matrix(flags: np.ndarray) -> np.ndarray:
    """Length of the win run in force at each position (0 on losses), along the last axis; int32."""
    flags = np.asarray(flags, dtype=bool)
    n = flags.shape[-1]
    idx = np.arange(n, dtype=np.int32)
    last_loss = np.where(flags, np.int32(-1), idx)
    np.maximum.accumulate(last_loss, axis=-1, out=last_loss)
    return np.where(flags, idx - last_loss, 0).astype(np.int32)


def longest_run(flags: np.ndarray) -> np.ndarray | int:
    """Longest run of True along the last axis (an int for a 1-D input, an array per row otherwise)."""
    flags = np.asarray(flags, dtype=bool)
    if flags.shape[-1] == 0:
        return 0 if flags.ndim == 1 else np.zeros(flags.shape[0], dtype=np.int32)
    idx = np.arange(flags.shape[-1], dtype=np.int32)
    last_loss = np.where(flags, np.int32(-1), idx)
    np.maximum.accumulate(last_loss, axis=-1, out=last_loss)
    longest = (idx - last_loss).max(axis=-1)
    return int(longest) if flags.ndim == 1 else longest.astype(np.int32)


def _check_length(length: int, name: str = "length") -> int:
    if isinstance(length, bool) or int(length) != length or int(length) < 1:
        raise ParameterError(f"{name}: expected a positive whole number, got {length!r}")
    return int(length)


def _check_prob(p: float, name: str) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ParameterError(f"{name}: expected a probability in [0, 1], got {p!r}")
    return p


# ------------------------------------------------------------------ exact probabilities


def iid_prob_run_at_least(n: int, length: int, p: float) -> float:
    """P(at least one run of >= ``length`` wins in ``n`` independent days with win probability ``p``), exactly.

    Independent days are the two-state chain with ``p01 == p11 == p`` and a first day won with
    probability ``p``: one recursion (``markov_prob_run_at_least``) serves both nulls.
    """
    p = _check_prob(p, "p")
    return markov_prob_run_at_least(n, length, p, p, p)


def markov_stationary(p01: float, p11: float) -> float:
    """Stationary win probability of the two-state chain: p01 / (p01 + 1 - p11)."""
    denom = p01 + 1.0 - p11
    return float(p01 / denom) if denom > 0 else 0.5


def markov_prob_run_at_least(n: int, length: int, p01: float, p11: float, p_first: float | None = None) -> float:
    """P(at least one run of >= ``length`` wins in ``n`` days) for a two-state Markov chain, exactly.

    Dynamic programming over the current run length 0..L-1 (absorbed once it reaches L).
    Day 1 is a win with probability ``p_first`` (default: the stationary probability). With
    ``p01 == p11 == p_first`` this is the iid probability.
    """
    L = _check_length(length)
    p01, p11 = _check_prob(p01, "p01"), _check_prob(p11, "p11")
    p_first = markov_stationary(p01, p11) if p_first is None else _check_prob(p_first, "p_first")
    return _markov_dp(int(n), L, p01, p11, p_first)


def _survival(start: np.ndarray, step: np.ndarray, days: int) -> float:
    """P(not yet absorbed after ``days`` more days): ``start @ step**days @ 1`` by repeated squaring (log2(days) products)."""
    return float(start @ np.linalg.matrix_power(step, int(days)) @ np.ones(step.shape[0]))


@functools.lru_cache(maxsize=256)
def _markov_dp(n: int, L: int, p01: float, p11: float, p_first: float) -> float:
    """The dynamic programme of ``markov_prob_run_at_least`` (remembered: notebooks ask for the same values repeatedly).

    States: the current run of wins, 0..L-1 sessions; reaching L is absorbing. One day moves
    run r to r + 1 with probability p01 (r = 0) or p11 (r >= 1) and to 0 otherwise, so the
    n-day answer is 1 - P(still unabsorbed) with the (L x L) step matrix raised to n - 1.
    """
    if n < L:
        return 0.0
    if L == 1:
        return float(1.0 - (1.0 - p_first) * (1.0 - p01) ** (n - 1))
    win = np.full(L, p11)
    win[0] = p01
    step = np.zeros((L, L))
    step[:, 0] = 1.0 - win  # a loss resets the run
    step[np.arange(L - 1), np.arange(1, L)] = win[:-1]  # a win extends it (from L - 1 it is absorbed: no column)
    start = np.zeros(L)
    start[1], start[0] = p_first, 1.0 - p_first
    return float(min(1.0, max(0.0, 1.0 - _survival(start, step, n - 1))))


def longest_run_sf(n: int, lengths, p01: float, p11: float, p_first: float | None = None) -> np.ndarray:
    """P(longest run of wins in ``n`` days >= L) for every L in ``lengths``, exactly (iid days: p01 = p11 = p_first).

    A renewal recursion on f_m = P(no run of L wins in days 1..m, and day m is a loss): day m's
    loss follows a loss (probability 1 - p01) or k = 1..L-1 wins that followed a loss,
    f_m = (1 - p01) f_{m-1} + sum_k p01 p11^(k-1) (1 - p11) f_{m-k-1} + (the sequence opened
    with those wins), a linear recurrence evaluated by ``scipy.signal.lfilter`` in compiled code;
    P(no run) adds the sequences that end in fewer than L wins. The whole distribution of the
    longest run follows: P(longest == L) = sf(L) - sf(L + 1). Agrees with
    ``markov_prob_run_at_least`` (one dynamic programme per L, in Python) to about 1e-14 (absolute).
    """
    from scipy.signal import lfilter

    p01, p11 = _check_prob(p01, "p01"), _check_prob(p11, "p11")
    p_first = markov_stationary(p01, p11) if p_first is None else _check_prob(p_first, "p_first")
    n = int(n)
    L_all = np.array([int(x) for x in np.atleast_1d(lengths)], dtype=np.int64)
    out = np.where(L_all <= 0, 1.0, 0.0)
    if n < 1:
        return out
    for i, L in enumerate(L_all):
        if L < 1 or n < L:
            continue
        k = np.arange(1, L)  # run lengths of wins that do not reach L
        win_run = p11 ** (k - 1)  # P(k - 1 more wins after the first)
        a = np.concatenate(([1.0, -(1.0 - p01)], -p01 * win_run * (1.0 - p11)))  # lags 1..L
        x = np.zeros(n + 1)  # x[m]: sequences whose first loss is day m
        x[1] = 1.0 - p_first
        if L > 1:
            top = min(L, n)
            x[2 : top + 1] = p_first * p11 ** np.arange(0, top - 1) * (1.0 - p11)
        f = lfilter([1.0], a, x)  # f[0] = 0: no day 0
        tail = f[n - k[k < n]] * p01 * win_run[k < n]  # ends in k < L wins after a loss
        opened = p_first * p11 ** (n - 1) if n < L else 0.0  # all n days won
        no_run = f[n] + tail.sum() + opened
        out[i] = min(1.0, max(0.0, 1.0 - no_run))
    return out


def markov_prob_either_run_at_least(n: int, length: int, p01: float, p11: float, p_first: float | None = None) -> float:
    """P(a run of >= ``length`` wins or a run of >= ``length`` losses in ``n`` days) for the two-state chain, exactly.

    The exact counterpart of a simulated ``longest_either``: dynamic programming over the
    current run (wins 1..L-1 or losses 1..L-1), absorbed when either reaches L, as a step matrix
    raised to n - 1 by repeated squaring. Independent
    days: p01 = p11 = p_first = p.
    """
    L = _check_length(length)
    p01, p11 = _check_prob(p01, "p01"), _check_prob(p11, "p11")
    p_first = markov_stationary(p01, p11) if p_first is None else _check_prob(p_first, "p_first")
    n = int(n)
    if n < L:
        return 0.0
    if L == 1:
        return 1.0
    m = L - 1  # states 0..m-1: a run of r + 1 wins; m..2m-1: a run of r + 1 losses
    step = np.zeros((2 * m, 2 * m))
    r = np.arange(m - 1)
    step[r, r + 1] = p11  # a win run grows (from L - 1 wins it is absorbed)
    step[m + r, m + r + 1] = 1.0 - p01  # a loss run grows
    step[:m, m] = 1.0 - p11  # a win run ends: one loss
    step[m:, 0] = p01  # a loss run ends: one win
    start = np.zeros(2 * m)
    start[0], start[m] = p_first, 1.0 - p_first
    return float(min(1.0, max(0.0, 1.0 - _survival(start, step, n - 1))))


def iid_longest_sf(n: int, lengths, p: float) -> np.ndarray:
    """P(longest run of wins in ``n`` independent days >= L) for every L in ``lengths`` (``longest_run_sf`` with p01 = p11 = p)."""
    p = _check_prob(p, "p")
    return longest_run_sf(n, lengths, p, p, p)


@dataclass(frozen=True)
class MarkovFit:
    """A maximum-likelihood two-state Markov chain of win days (1 = win).

    ``n00, n01, n10, n11``: transition counts (from -> to); ``p01`` = P(win | loss yesterday), ``p11`` =
    P(win | win yesterday), with binomial standard errors ``se01``, ``se11``; ``stationary``: the
    chain's long-run win probability; ``p_iid``: the overall win share; ``lr_stat``, ``lr_p``: the
    likelihood-ratio test of the chain against independent days (chi-square, 1 df).
    """

    n00: int
    n01: int
    n10: int
    n11: int
    p01: float
    p11: float
    se01: float
    se11: float
    stationary: float
    p_iid: float
    lr_stat: float
    lr_p: float


def fit_markov(flags: np.ndarray) -> MarkovFit:
    """Maximum-likelihood two-state Markov chain for a win sequence (``MarkovFit``)."""
    from scipy import stats  # here, not at import: the runner validates claims without scipy.stats

    x = np.asarray(flags, dtype=bool)
    if x.size < 3:
        raise DataError("need at least 3 days to fit a Markov chain")
    prev, nxt = x[:-1], x[1:]
    n11 = int((prev & nxt).sum())
    n10 = int((prev & ~nxt).sum())
    n01 = int((~prev & nxt).sum())
    n00 = int((~prev & ~nxt).sum())
    if n11 + n10 == 0 or n01 + n00 == 0:
        raise DataError("the win sequence has no wins or no losses: cannot fit a Markov chain")
    p11, p01 = n11 / (n11 + n10), n01 / (n01 + n00)
    p_pool = (n11 + n01) / (x.size - 1)

    def ll(k: int, m: int, p: float) -> float:  # k successes in m trials
        return (k * np.log(p) if k else 0.0) + ((m - k) * np.log1p(-p) if m - k else 0.0)

    lr = 2.0 * (ll(n11, n11 + n10, p11) + ll(n01, n01 + n00, p01) - ll(n11 + n01, x.size - 1, p_pool))
    return MarkovFit(
        n00=n00,
        n01=n01,
        n10=n10,
        n11=n11,
        p01=p01,
        p11=p11,
        se01=float(np.sqrt(p01 * (1 - p01) / (n01 + n00))),
        se11=float(np.sqrt(p11 * (1 - p11) / (n11 + n10))),
        stationary=markov_stationary(p01, p11),
        p_iid=float(x.mean()),
        lr_stat=float(max(lr, 0.0)),
        lr_p=float(stats.chi2.sf(max(lr, 0.0), 1)),
    )


# ------------------------------------------------------------------ simulated samples (chunks of rows)


def _chunks(n_sims: int, chunk: int, n: int = 1) -> Iterator[int]:
    """Replications per chunk: ``chunk``, fewer when ``chunk`` x ``n`` days would exceed ``CELL_BUDGET``."""
    n_sims, chunk = _check_length(n_sims, "n_sims"), _check_length(chunk, "chunk")
    chunk = max(1, min(chunk, CELL_BUDGET // max(int(n), 1)))
    for start in range(0, n_sims, chunk):
        yield min(chunk, n_sims - start)


# ------------------------------------------------------------------ bit-parallel iid days (64 days per machine word)

BERNOULLI_DIGITS = 32  # binary digits of the uniform each simulated day is compared with: P(win) is p rounded to 2**-32
WORD = 64
SUMMARY_CHUNK = (
    1000  # replications per chunk of ``block_bootstrap_runs`` (its arrays hold one cell per block, not per day)
)
HAZARD_CHUNK = 2000  # replications per chunk of ``iid_hazard_counts`` (about 2.5 MB of words at today's history)


def bernoulli_words(p: float, size: int, rng: np.random.Generator, digits: int = BERNOULLI_DIGITS) -> np.ndarray:
    """``size`` uint64 words whose bits are independent wins with probability ``round(p * 2**digits) / 2**digits``.

    Bit-sliced comparison of a uniform ``k / 2**digits`` with ``p``, 64 days per word: the
    uniforms' binary digits are drawn most significant first, one random word per digit, and a
    day is decided at its first digit that differs from ``p``'s. After a few digits almost every
    word is decided, so later digits are drawn only for the words still undecided: about 10 random
    bits per day instead of the 24 of a float32 draw.
    """
    p = _check_prob(p, "p")
    threshold = int(round(p * 2**digits))
    if threshold <= 0:
        return np.zeros(size, dtype=np.uint64)
    if threshold >= 2**digits:
        return np.full(size, np.iinfo(np.uint64).max, dtype=np.uint64)
    less = np.zeros(size, dtype=np.uint64)  # bits already known to be below p: wins
    equal = np.full(size, np.iinfo(np.uint64).max, dtype=np.uint64)  # bits whose digits so far equal p's
    idx, cur_less = None, less  # the undecided words (None: all of them) and their ``less`` bits
    for j in range(digits):
        if j >= 8 and j % 4 == 0:  # keep only the words with an undecided bit
            keep = np.flatnonzero(equal)
            if idx is not None:
                less[idx] = cur_less
            idx = keep if idx is None else idx[keep]
            if not idx.size:
                return less
            cur_less, equal = less[idx], equal[keep]
        w = rng.bit_generator.random_raw(equal.size).astype(np.uint64, copy=False)
        if (threshold >> (digits - 1 - j)) & 1:  # p has a 1 here: a 0 digit decides a win
            cur_less |= equal & ~w
            equal &= w
        else:  # p has a 0 here: a 1 digit decides a loss
            equal &= ~w
    if idx is not None:
        less[idx] = cur_less
    return less


def iid_words(p: float, n: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Independent win days as bits: a (rows x ceil(n / 64)) uint64 matrix, day t of a row at bit t % 64 of word t // 64.

    Bits past day ``n`` in the last word are losses (0).
    """
    n = _check_length(n, "n")
    width = -(-n // WORD)
    words = bernoulli_words(p, rows * width, rng).reshape(rows, width)
    if n % WORD:
        words[:, -1] &= np.uint64((1 << (n % WORD)) - 1)
    return words


def _shift_one_day(words: np.ndarray) -> np.ndarray:
    """Each row's bits moved one day later (day t takes day t - 1's bit; day 0 gets a loss)."""
    out = words << np.uint64(1)
    out[:, 1:] |= words[:, :-1] >> np.uint64(WORD - 1)
    return out


def iid_hazard_counts(
    p: float, n: int, n_sims: int, rng: np.random.Generator, max_j: int, chunk: int = HAZARD_CHUNK
) -> dict:
    """Continuation counts (as ``continuation_counts``, both versions) of independent days, 64 days per word.

    A bit matrix ``A_j`` marks the days ending j wins in a row (``A_1`` = the wins,
    ``A_j = A_(j-1) AND A_(j-1) one day earlier``), so with popcounts per row: sessions with a
    streak of at least j in force that have a next day = popcount(A_j) minus the last day,
    followed by a win = popcount(A_(j+1)); exact-length counts are differences of neighbours.
    Keys ``at``, ``continued``, ``at_ge``, ``continued_ge`` (rows = replications, columns j = 1..max_j).
    The days come from ``bernoulli_words`` (win probability p rounded to 2**-32); their random
    stream depends on ``chunk`` (words are drawn per chunk), so a seed reproduces a result only
    with the same chunk.
    """
    J = _check_length(max_j, "max_j")
    n = _check_length(n, "n")
    last_word, last_bit = (n - 1) // WORD, np.uint64((n - 1) % WORD)
    parts = []
    for rows in _chunks(n_sims, chunk, -(-n // WORD)):  # cells of a chunk: words
        a = iid_words(p, n, rows, rng)
        ge = np.empty((rows, J + 2), dtype=np.int64)  # ge[:, j - 1] = popcount(A_j)
        last = np.empty((rows, J + 2), dtype=np.int64)  # A_j on the last day (no next day)
        for j in range(J + 2):
            if j:
                a = a & _shift_one_day(a)
            ge[:, j] = np.bitwise_count(a).sum(axis=1, dtype=np.int64)
            last[:, j] = (a[:, last_word] >> last_bit) & np.uint64(1)
        at_ge = ge - last
        parts.append(
            {
                "at_ge": at_ge[:, :J],
                "continued_ge": ge[:, 1 : J + 1],
                "at": at_ge[:, :J] - at_ge[:, 1 : J + 1],
                "continued": ge[:, 1 : J + 1] - ge[:, 2 : J + 2],
            }
        )
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


# ------------------------------------------------------------------ block bootstrap from block summaries


def _edge_runs(table: dict, win: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row of a run table: leading and trailing run of ``win`` days, whether the row is one such run, inner runs' mask."""
    offsets, length, is_win = table["offsets"], table["length"], table["win"]
    first, last = offsets[:-1], offsets[1:] - 1
    kind = is_win == win
    lead = np.where(kind[first], length[first], 0)
    trail = np.where(kind[last], length[last], 0)
    whole = (last == first) & kind[first]
    inner = kind.copy()
    inner[first] = False
    inner[last] = False
    return lead, trail, whole, inner


def block_summaries(wins: np.ndarray, block_length: int, top: int) -> dict:
    """What a moving-block bootstrap needs to know of every block start, for full and last (cut) blocks.

    For each start s = 0..n-b and each block length (``b`` and the last block's ``n - (m-1) b``),
    and for runs of wins (1) and of losses (0): ``lead``, ``trail`` (the runs touching the block's
    edges), ``whole`` (the block is one run), ``inner_max`` (longest run touching neither edge);
    and ``inner_hist`` (win runs touching neither edge by length 0..top, the last cell every run of
    at least ``top``).
    """
    wins = np.asarray(wins, dtype=bool)
    n, b = wins.size, _check_length(block_length, "block_length")
    m = -(-n // b)
    out = {"n": n, "b": b, "m": m, "top": int(top)}
    windows = np.lib.stride_tricks.sliding_window_view(wins, b)
    for name, width in (("full", b), ("cut", n - (m - 1) * b)):
        table = runs_of(np.ascontiguousarray(windows[:, :width]))
        rows = table["offsets"].size - 1
        row = np.repeat(np.arange(rows), np.diff(table["offsets"]))
        part = {}
        for win in (True, False):
            lead, trail, whole, inner = _edge_runs(table, win)
            inner_max = np.zeros(rows, dtype=np.int64)
            np.maximum.at(inner_max, row[inner], table["length"][inner])
            part[win] = {"lead": lead, "trail": trail, "whole": whole, "inner_max": inner_max}
            if win:
                key = row[inner] * (top + 1) + np.minimum(table["length"][inner], top)
                part["inner_hist"] = np.bincount(key, minlength=rows * (top + 1)).reshape(rows, top + 1)
        out[name] = part
    return out


def _joined_runs(
    lead: np.ndarray, trail: np.ndarray, whole: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Runs that cross or touch block joins, for blocks laid end to end (rows = replications, columns = blocks).

    ``ends[k]``: days up to the end of block k. A run open at the end of block k is the trailing run
    of the last block g <= k that is not one run, plus the whole blocks after it. Returns the run
    closed in each block that is not one run (the open run plus its leading run; 0 if none) and
    the run still open on the last day.
    """
    open_after = trail.copy()  # no whole block: the open run is the block's own trailing run
    rows = np.flatnonzero(whole.any(axis=1))
    if rows.size:  # rows with a block that is one run: carry runs across it
        k = np.arange(lead.shape[1])
        g = np.maximum.accumulate(np.where(whole[rows], -1, k), axis=1)  # last block that is not one run
        gi = np.maximum(g, 0)
        open_after[rows] = np.where(
            g >= 0, np.take_along_axis(trail[rows], gi, axis=1) + ends[None, :] - ends[gi], ends[None, :]
        )
    carried = np.zeros_like(open_after)
    carried[:, 1:] = open_after[:, :-1]
    return np.where(whole, 0, carried + lead), open_after[:, -1]


def block_bootstrap_runs(
    spread: pd.Series | np.ndarray,
    n_sims: int,
    block_length: int,
    rng: np.random.Generator,
    max_length: int,
    chunk: int = SUMMARY_CHUNK,
) -> dict:
    """Streak statistics of the moving-block bootstrap (``block_bootstrap_samples``: same draws, same results).

    Works on block summaries (``block_summaries``) instead of resampled days: a replication of m
    blocks costs O(m), not O(n). Keys: ``longest`` (longest win streak per replication),
    ``longest_either`` (longest run of wins or of losses: a streak by either index), ``counts`` (win runs by length 0..max_length pooled, the last cell every
    run of at least ``max_length``), ``n_sims``.
    """
    wins = win_flags(spread)
    n = wins.size
    b = _check_length(block_length, "block_length")
    if b > n:
        raise ParameterError(f"block_length {b} is longer than the sample ({n} sessions)")
    top = int(max_length)
    summary = block_summaries(wins, b, top)
    m, starts_n = summary["m"], n - b + 1
    ends = np.minimum(np.arange(1, m + 1) * b, n)
    fields = ("lead", "trail", "whole", "inner_max")
    # one row per (block kind, start): full blocks first, then cut last blocks; one gather per replication-block
    table = [
        np.concatenate([summary["full"][win][f], summary["cut"][win][f]]).astype(np.int32)
        for win in (True, False)
        for f in fields
    ]
    longest, either, counts = [], [], np.zeros(top + 1, dtype=np.int64)
    for rows in _chunks(n_sims, chunk, m):  # the random stream does not depend on the chunk
        starts = rng.integers(0, starts_n, size=(rows, m))
        starts[:, -1] += starts_n  # the last block is cut to n - (m - 1) b days
        best = []
        for i in (0, 4):  # wins, then losses
            lead, trail, whole, inner_max = (np.take(table[i + k], starts) for k in range(4))
            closed, final = _joined_runs(lead, trail, whole.astype(bool), ends)
            best.append(np.maximum(np.maximum(closed.max(axis=1), final), inner_max.max(axis=1)))
            if i == 0:
                joined = np.concatenate([closed.ravel(), final])
                counts += np.bincount(np.minimum(joined[joined > 0], top), minlength=top + 1)
        used = np.bincount(starts.ravel(), minlength=2 * starts_n)
        counts += used[:starts_n] @ summary["full"]["inner_hist"] + used[starts_n:] @ summary["cut"]["inner_hist"]
        longest.append(best[0])
        either.append(np.maximum(best[0], best[1]))
    return {
        "longest": np.concatenate(longest).astype(np.int64),
        "longest_either": np.concatenate(either).astype(np.int64),
        "counts": counts,
        "n_sims": int(n_sims),
    }


# ------------------------------------------------------------------ run tables: the fast path


def runs_of(x: np.ndarray) -> dict:
    """Every maximal run (wins and losses) of a boolean matrix (rows = replications), flattened in row order.

    Keys: ``n`` (days per row), ``offsets`` (rows + 1 boundaries: the runs of row r are
    ``offsets[r]:offsets[r+1]``), ``length`` and ``win`` (run of wins) per run.
    """
    x = np.atleast_2d(np.asarray(x, dtype=bool))
    rows, n = x.shape
    change = np.empty((rows, n), dtype=bool)
    change[:, 0] = True
    np.not_equal(x[:, 1:], x[:, :-1], out=change[:, 1:])
    starts = np.flatnonzero(change)
    offsets = np.append(np.searchsorted(starts, np.arange(rows) * n), starts.size)
    return {"n": n, "offsets": offsets, "length": np.diff(starts, append=rows * n), "win": x.ravel()[starts]}


def continuation_counts(flags: np.ndarray, max_j: int, at_least: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per row and j = 1..max_j: days with a win streak of exactly j in force (``at_least``: of at
    least j, i.e. the previous j days were all wins) that have a next day (``at``), and how many
    of them were followed by a win (``continued``). Arrays of shape (rows, max_j).

    Direct day-by-day count (the reference for ``summarise_runs``). The ``at_least`` version is
    the statistic of Miller and Sanjurjo (2018).
    """
    J = _check_length(max_j, "max_j")
    x = np.atleast_2d(np.asarray(flags, dtype=bool))
    rows = x.shape[0]
    s = np.minimum(streak_matrix(x), J + 2).astype(np.int64)
    width = J + 3
    offset = (np.arange(rows, dtype=np.int64) * width)[:, None]
    before = np.bincount((s[:, :-1] + offset).ravel(), minlength=rows * width).reshape(rows, width)
    after = np.bincount((s[:, 1:] + offset).ravel(), minlength=rows * width).reshape(rows, width)
    if at_least:  # counts of s >= j: reverse cumulative sums (the clip at J + 2 keeps them exact for j <= J + 1)
        before = np.cumsum(before[:, ::-1], axis=1)[:, ::-1]
        after = np.cumsum(after[:, ::-1], axis=1)[:, ::-1]
    # a streak of j at t continued <=> a streak of j + 1 at t + 1
    return before[:, 1 : J + 1], after[:, 2 : J + 2]


def prob_at_least(longest: np.ndarray, length: int) -> tuple[float, float]:
    """Share of replications whose longest run is >= ``length``, and its Monte Carlo standard error."""
    hits = np.asarray(longest) >= int(length)
    p = float(hits.mean())
    return p, float(np.sqrt(p * (1 - p) / hits.size))


def continuation_hazard(flags: np.ndarray, max_j: int, level: float = 0.95, at_least: bool = False) -> pd.DataFrame:
    """Empirical P(a win streak of length j is followed by a win), j = 1..max_j, for one sequence.

    Columns: ``at`` (days with a streak of exactly j, or ``at_least`` j, in force and a next
    day), ``continued``, ``share`` (NaN when ``at`` is 0), ``ci_low``/``ci_high`` (exact
    binomial at ``level``; descriptive only: the days are not independent draws).
    """
    from scipy import stats  # here, not at import: the runner validates claims without scipy.stats

    at, cont = continuation_counts(np.asarray(flags, dtype=bool)[None, :], max_j, at_least)
    at, cont = at[0], cont[0]
    rows = []
    for j in range(max_j):
        share = cont[j] / at[j] if at[j] else np.nan
        ci = (
            stats.binomtest(int(cont[j]), int(at[j])).proportion_ci(confidence_level=level, method="exact")
            if at[j]
            else None
        )
        rows.append(
            {
                "j": j + 1,
                "at": int(at[j]),
                "continued": int(cont[j]),
                "share": share,
                "ci_low": float(ci.low) if ci else np.nan,
                "ci_high": float(ci.high) if ci else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("j")


def hazard_null(at: np.ndarray, continued: np.ndarray, band: tuple[float, float] = (0.05, 0.95)) -> pd.DataFrame:
    """Null distribution of the within-sample continuation share, by run length j.

    Each replication gives its own share continued/at for each j (undefined when the sample
    has no run of length j); the expectation of this share is below the true probability
    (Miller and Sanjurjo 2018). Columns: ``mean`` (average share over replications where
    defined), ``mean_se`` (its Monte Carlo standard error), ``lo``/``hi`` (quantiles ``band``),
    ``defined`` (share of replications with at least one run of length j), ``pooled`` (total
    continued / total at, no selection bias).
    """
    at = np.asarray(at, dtype=float)
    cont = np.asarray(continued, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(at > 0, cont / at, np.nan)
    defined = (at > 0).mean(axis=0)
    j = np.arange(1, at.shape[1] + 1)
    ok = defined > 0
    mean = np.full(j.size, np.nan)
    mean_se = np.full(j.size, np.nan)
    lo = np.full(j.size, np.nan)
    hi = np.full(j.size, np.nan)
    if ok.any():
        mean[ok] = np.nanmean(share[:, ok], axis=0)
        count = np.sum(np.isfinite(share[:, ok]), axis=0)
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # one defined replication: no spread, s.e. NaN
            mean_se[ok] = np.nanstd(share[:, ok], axis=0, ddof=1) / np.sqrt(count)
        lo[ok], hi[ok] = np.nanquantile(share[:, ok], band, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = cont.sum(axis=0) / at.sum(axis=0)
    return pd.DataFrame(
        {"mean": mean, "mean_se": mean_se, "lo": lo, "hi": hi, "defined": defined, "pooled": pooled},
        index=pd.Index(j, name="j"),
    )


def band_exceedance_p(
    at: np.ndarray, continued: np.ndarray, band: pd.DataFrame, observed: pd.Series
) -> tuple[int, float]:
    """A global check of a continuation profile against its null band (the band's lengths are not independent).

    Counts the lengths j at which the ``observed`` share (indexed by j) lies outside
    ``band`` (``lo``/``hi`` columns, from ``hazard_null``), and returns that count and the share
    of null replications with at least as many lengths outside the same band.
    """
    at = np.asarray(at, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(at > 0, np.asarray(continued, dtype=float) / at, np.nan)
    lo, hi = band["lo"].to_numpy(), band["hi"].to_numpy()
    obs = observed.to_numpy(dtype=float)
    count = int(np.sum((obs < lo) | (obs > hi)))
    sim_count = np.sum((share < lo) | (share > hi), axis=1)
    return count, float(np.mean(sim_count >= count))


def runs_test(flags: np.ndarray, correction: bool = True) -> dict:
    """Wald-Wolfowitz runs test on a win/loss sequence (normal approximation, two-sided).

    Keys: ``n``, ``wins``, ``losses``, ``runs`` (observed), ``expected``, ``sd``, ``z``,
    ``p``. With ``correction`` and fewer than 50 days the statistic is moved 0.5 toward 0
    (as statsmodels' ``runstest_1samp``). ``z < 0``: fewer runs than chance, i.e. wins and
    losses cluster (streaky); ``z > 0``: more alternation than chance.
    """
    from scipy import stats  # here, not at import: the runner validates claims without scipy.stats

    x = np.asarray(flags, dtype=bool)
    n = int(x.size)
    n1 = int(x.sum())
    n2 = n - n1
    runs = int(1 + np.count_nonzero(x[1:] != x[:-1])) if n else 0
    out = {"n": n, "wins": n1, "losses": n2, "runs": runs, "expected": np.nan, "sd": np.nan, "z": np.nan, "p": np.nan}
    if n1 == 0 or n2 == 0:
        return out
    expected = 2.0 * n1 * n2 / n + 1.0
    var = 2.0 * n1 * n2 * (2.0 * n1 * n2 - n) / (n**2 * (n - 1.0))
    diff = runs - expected
    if correction and n < 50:
        diff = diff - 0.5 if diff > 0.5 else diff + 0.5 if diff < -0.5 else 0.0
    sd = float(np.sqrt(var))
    z = diff / sd if sd > 0 else np.nan
    out.update(expected=expected, sd=sd, z=float(z), p=float(2 * stats.norm.sf(abs(z))) if sd > 0 else np.nan)
    return out
