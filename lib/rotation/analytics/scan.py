"""The streak in force on every session of the history, computed at once (what ``rotation scan`` shows).

For each session ``t`` (common calendar of the two price series, simple close-to-close
returns as fractions, spread = small minus large, ties break a streak; the definitions of
``rotation.analytics.streaks``), the table holds:

* ``small_return``, ``large_return``, ``spread``: that session's returns (fractions);
* ``streak``: sessions in the outperformance streak in force at ``t`` (0 when small caps did
  not outperform on ``t``), counted with data up to ``t`` only; ``streak_start``;
* ``streak_small_return``, ``streak_large_return``: cumulative simple returns over the streak
  up to ``t`` (fractions); ``streak_mean_spread``: arithmetic mean daily spread over the
  streak up to ``t`` (fraction per session);
* ``completed_streaks``: streaks that ended before ``t``; ``rank``: 1 + the number of those
  strictly longer than the streak in force (equal lengths share a rank; empty when
  ``streak`` is 0); ``ties``: completed streaks of the same length; ``record_before``: the
  longest completed streak; ``is_record``: the streak in force is at least as long as every
  completed one; ``last_at_least_end``: end of the most recent completed streak at least as
  long as the one in force.

These match ``streaks.streak_at`` and ``streaks.rank_streak`` evaluated at each date, but
are computed for all dates at once with numpy (no loop over days).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation.core.errors import DataError, ParameterError

DEFINITION = (
    "Simple close-to-close returns on the common calendar (fractions); spread = small minus large; "
    "streak = consecutive sessions with spread > 0 (a tie ends it), counted with data up to each date"
)


def scan_streaks(returns: pd.DataFrame) -> pd.DataFrame:
    """The streak in force, its rank and running statistics on every session (see module docstring).

    ``returns``: output of ``streaks.aligned_returns`` (columns ``small``, ``large``; fractions).
    """
    small = returns["small"].to_numpy(dtype="float64")
    large = returns["large"].to_numpy(dtype="float64")
    spread = small - large
    if np.isnan(spread).any():
        raise DataError(f"missing return on {returns.index[np.isnan(spread)][0].date()}; align the series first")
    n = spread.size
    pos = np.arange(n)
    win = spread > 0
    last_break = np.maximum.accumulate(np.where(win, -1, pos))
    length = np.where(win, pos - last_break, 0)
    first = pos - length + 1  # streak start position (meaningful where length > 0)
    has = length > 0
    safe_first = np.where(has, first, pos)

    def running_sum(values: np.ndarray) -> np.ndarray:
        acc = np.concatenate(([0.0], np.cumsum(values)))
        return acc[pos + 1] - acc[safe_first]

    # Like streaks.streak_at: cumulative returns 0 and mean spread NaN when no streak is in force.
    streak_small = np.where(has, np.expm1(running_sum(np.log1p(small))), 0.0)
    streak_large = np.where(has, np.expm1(running_sum(np.log1p(large))), 0.0)
    mean_spread = np.where(has, running_sum(spread) / np.maximum(length, 1), np.nan)

    # Completed streaks: a streak "ends" at e when it outperforms on e and not on e + 1.
    ends = np.flatnonzero(win & ~np.concatenate((win[1:], [False])))
    end_len = length[ends]
    completed = np.searchsorted(ends, pos, side="left")  # streaks with end < t
    record = np.concatenate(([0], np.maximum.accumulate(end_len))) if ends.size else np.zeros(1, dtype=int)
    record_before = record[completed]

    longer, at_least, which = _dominance(length, ends, end_len, completed)
    dates = returns.index.to_numpy()
    nat = np.array("NaT", dtype=dates.dtype)
    end_dates = np.concatenate((dates[ends], [nat]))  # position -1: no such streak
    last_end = np.where(has, end_dates[which], nat)
    rank = pd.array(longer + 1, dtype="Int64")
    rank[~has] = pd.NA

    table = pd.DataFrame(
        {
            "small_return": small,
            "large_return": large,
            "spread": spread,
            "streak": length.astype(np.int64),
            "streak_start": np.where(has, dates[safe_first], nat),
            "streak_small_return": streak_small,
            "streak_large_return": streak_large,
            "streak_mean_spread": mean_spread,
            "completed_streaks": completed.astype(np.int64),
            "rank": rank,
            "ties": np.where(has, at_least - longer, 0).astype(np.int64),
            "record_before": record_before.astype(np.int64),
            "is_record": has & (length >= record_before),
            "last_at_least_end": last_end,
        },
        index=returns.index.rename("date"),
    )
    table.attrs = {
        "small": returns.attrs.get("small", "small"),
        "large": returns.attrs.get("large", "large"),
        "small_source": returns.attrs.get("small_source", ""),
        "large_source": returns.attrs.get("large_source", ""),
        "definition": DEFINITION,
    }
    return table


def _rank_in_groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each element: how many earlier elements share its key, and the position of the latest of them (-1: none).

    One stable sort by key (radix sort for the small integer keys here), so linear in practice.
    """
    narrow = keys.astype(np.int16 if keys.size and keys.max() < np.iinfo(np.int16).max else np.int64)
    order = np.argsort(narrow, kind="stable")
    sorted_keys = narrow[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    group_start = np.maximum.accumulate(np.where(first, np.arange(order.size), 0))
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size) - group_start
    previous = np.empty(order.size, dtype=np.int64)
    previous[order] = np.where(first, -1, np.concatenate(([-1], order[:-1])))
    return rank, previous


def _dominance(
    length: np.ndarray, ends: np.ndarray, end_len: np.ndarray, completed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per session: completed streaks longer than the streak in force, at least as long, and the latest at least as long.

    Linear in sessions. On a session where the streak in force (streak k) is l long, the
    completed streaks at least l long are the streaks before k that reached length l, i.e. the
    earlier sessions where a streak was l long; grouping the sessions by l (``_rank_in_groups``)
    counts them and finds the latest. "Longer than l" is "at least l + 1": the next session of
    the same streak, or, on a streak's last session, "at least l" minus the earlier streaks of
    exactly l. Sessions outside a streak get ``completed`` for both counts and -1.
    """
    longer = completed.astype(np.int64)
    at_least = longer.copy()
    which = np.full(length.size, -1, dtype=np.int64)
    inside = np.flatnonzero(length > 0)  # sessions in a streak, in time order
    if inside.size == 0:
        return longer, at_least, which
    streak_id = completed[inside]  # streak k is preceded by k completed streaks
    rank, previous = _rank_in_groups(length[inside])
    at_least[inside] = rank
    which[inside] = np.where(previous >= 0, streak_id[np.maximum(previous, 0)], -1)
    is_end = np.zeros(length.size, dtype=bool)
    is_end[ends] = True
    ties_before, _ = _rank_in_groups(end_len)  # earlier streaks of exactly the same length
    nxt = np.minimum(inside + 1, length.size - 1)
    longer[inside] = np.where(is_end[inside], 0, at_least[nxt])
    longer[ends] = at_least[ends] - ties_before
    return longer, at_least, which


def qualifying_dates(table: pd.DataFrame, length: int, exact: bool = False) -> pd.DataFrame:
    """Rows of a scan on which a claim of ``length`` straight sessions held (``streak >= length``, or ``==`` if exact)."""
    if int(length) <= 0:
        raise ParameterError(f"--min-length must be a positive number of sessions, got {length}")
    mask = table["streak"] == length if exact else table["streak"] >= length
    return table.loc[mask]


def scan_series(small: str = "rut", large: str = "spx", data_dir: str | None = None) -> pd.DataFrame:
    """Load two price series and scan them (see ``scan_streaks``)."""
    from rotation.analytics import streaks
    from rotation.data import loading

    returns = streaks.aligned_returns(loading.load(small, data_dir=data_dir), loading.load(large, data_dir=data_dir))
    return scan_streaks(returns)


__all__ = ["qualifying_dates", "scan_series", "scan_streaks"]
