"""Outperformance streaks of one index over another.

Definitions (used everywhere in the project):

* **Returns** are simple close-to-close returns, as fractions, computed on the *common
  calendar* of the two price series: dates present in only one series are dropped first,
  so a return after a dropped date spans the gap for both series alike.
* **Daily spread** ``d_t = r_small,t - r_large,t`` (fraction; multiply by 1e4 for bp).
* An **outperformance day** has ``d_t > 0``. A tie (``d_t == 0`` exactly) is *not* an
  outperformance day and ends a streak. A missing spread (NaN) is refused.
* A **streak** is a maximal run of consecutive outperformance sessions. The streak *in
  force* on a date is the run that ends on that date, counted only with data up to it
  (0 sessions when small caps did not outperform that day).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation.core.errors import DataError, ParameterError

STREAK_COLUMNS = ["start", "end", "sessions", "small_return", "large_return", "mean_spread", "ongoing"]


def aligned_returns(small: pd.Series, large: pd.Series) -> pd.DataFrame:
    """Close-to-close returns (fractions) of two price series on their common dates.

    Returns a frame with columns ``small`` and ``large`` indexed by the session whose close
    ends the return (the first common date has no return and is dropped).
    ``.attrs["alignment"]`` reports the dates each series had that the other lacked.
    """
    common = small.index.intersection(large.index)
    if len(common) < 2:
        raise DataError(f"series {small.name!r} and {large.name!r} share fewer than two dates")
    prices = pd.DataFrame({"small": small.loc[common], "large": large.loc[common]})
    returns = prices.pct_change().iloc[1:]
    returns.attrs = {
        "alignment": alignment_report(small.index, large.index),
        "small": small.name,
        "large": large.name,
        "small_source": small.attrs.get("source", ""),
        "large_source": large.attrs.get("source", ""),
        "definition": "simple close-to-close returns on the common calendar, fractions",
    }
    return returns


def alignment_report(small: pd.Index, large: pd.Index) -> dict:
    """Dates kept and dropped when two calendars are aligned.

    ``*_only_inside``: dates one series has and the other lacks *within* the overlapping
    range (real gaps); ``*_only_outside``: dates before or after the overlap (history
    the other series does not cover).
    """
    common = small.intersection(large)
    first, last = common[0], common[-1]

    def split(own: pd.Index) -> tuple[int, int]:
        extra = own.difference(common)
        inside = int(((extra >= first) & (extra <= last)).sum())
        return inside, int(len(extra)) - inside

    small_in, small_out = split(small)
    large_in, large_out = split(large)
    return {
        "common_dates": int(len(common)),
        "first": first,
        "last": last,
        "small_only_inside": small_in,
        "large_only_inside": large_in,
        "small_only_outside": small_out,
        "large_only_outside": large_out,
    }


def daily_spread(returns: pd.DataFrame) -> pd.Series:
    """Daily spread ``small - large`` (fraction per session) from ``aligned_returns`` output."""
    spread = (returns["small"] - returns["large"]).rename("spread")
    spread.attrs = dict(returns.attrs)
    return spread


def run_lengths(flags: pd.Series) -> pd.DataFrame:
    """Maximal runs of equal values in a boolean series.

    Columns: ``value`` (the run's boolean), ``first`` and ``last`` (integer positions,
    inclusive), ``start`` and ``end`` (index labels), ``sessions`` (length).
    """
    values = np.asarray(flags, dtype=bool)
    n = values.size
    if n == 0:
        empty = np.array([], dtype=int)
        return pd.DataFrame(
            {
                "value": np.array([], dtype=bool),
                "first": empty,
                "last": empty,
                "start": flags.index[:0],
                "end": flags.index[:0],
                "sessions": empty,
            }
        )
    change = np.flatnonzero(values[1:] != values[:-1]) + 1
    first = np.concatenate(([0], change))
    last = np.concatenate((change - 1, [n - 1]))
    return pd.DataFrame(
        {
            "value": values[first],
            "first": first,
            "last": last,
            "start": flags.index[first],
            "end": flags.index[last],
            "sessions": last - first + 1,
        }
    )


def outperformance_streaks(returns: pd.DataFrame) -> pd.DataFrame:
    """Every streak of sessions on which ``small`` beat ``large`` (spread > 0; ties break a streak).

    Columns: ``start``, ``end`` (session dates), ``sessions``, ``small_return`` and
    ``large_return`` (cumulative simple returns over the streak, fractions),
    ``mean_spread`` (arithmetic mean of the daily spread, fraction per session),
    ``ongoing`` (the streak reaches the last date of the data, so it may continue).
    """
    spread = daily_spread(returns)
    if spread.isna().any():
        raise DataError(f"missing return on {spread.index[spread.isna().to_numpy()][0].date()}; align the series first")
    runs = run_lengths(spread > 0)
    runs = runs[runs["value"]].reset_index(drop=True)
    first, last = runs["first"].to_numpy(), runs["last"].to_numpy()

    def cumulative(column: str) -> np.ndarray:
        logs = np.concatenate(([0.0], np.cumsum(np.log1p(returns[column].to_numpy()))))
        return np.expm1(logs[last + 1] - logs[first])

    sums = np.concatenate(([0.0], np.cumsum(spread.to_numpy())))
    table = pd.DataFrame(
        {
            "start": runs["start"],
            "end": runs["end"],
            "sessions": runs["sessions"].astype(int),
            "small_return": cumulative("small"),
            "large_return": cumulative("large"),
            "mean_spread": (sums[last + 1] - sums[first]) / runs["sessions"].to_numpy(),
            "ongoing": last == len(spread) - 1,
        },
        columns=STREAK_COLUMNS,
    )
    table.attrs = dict(returns.attrs)
    return table


def streak_in_force(spread: pd.Series) -> pd.Series:
    """Length (sessions) of the outperformance streak in force at each date; 0 on non-outperformance days."""
    win = spread.to_numpy() > 0
    position = np.arange(win.size)
    last_break = np.maximum.accumulate(np.where(win, -1, position))
    return pd.Series(np.where(win, position - last_break, 0), index=spread.index, name="streak")


def resolve_as_of(index: pd.DatetimeIndex, as_of: str | pd.Timestamp) -> tuple[pd.Timestamp, str]:
    """The session ``as_of`` refers to, and a note when it was moved.

    A date that is not a session resolves to the previous session. Dates before the first
    or after the last session of ``index`` are refused.
    """
    try:
        when = pd.Timestamp(as_of)
    except (ValueError, TypeError):
        raise ParameterError(f"as_of {as_of!r} is not a date (expected YYYY-MM-DD)") from None
    if when is pd.NaT or pd.isna(when):
        raise ParameterError(f"as_of {as_of!r} is not a date (expected YYYY-MM-DD)")
    when = when.normalize()
    first, last = index[0], index[-1]
    if when < first:
        raise ParameterError(f"as_of {when.date()} is before the data start {first.date()}")
    if when > last:
        raise ParameterError(f"as_of {when.date()} is after the data end {last.date()}")
    if when in index:
        return when, f"as_of {when.date()} is a trading session"
    session = index[index.searchsorted(when, side="right") - 1]
    return session, f"as_of {when.date()} is not a trading session; using the previous session, {session.date()}"


def streak_at(returns: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """The streak in force at session ``as_of``, measured with data up to ``as_of`` only.

    A row of ``outperformance_streaks`` columns; ``sessions`` is 0 (and dates NaT) when
    small caps did not outperform on ``as_of``.
    """
    table = outperformance_streaks(returns.loc[:as_of])
    if len(table) and table["end"].iloc[-1] == as_of:
        return table.iloc[-1]
    return pd.Series(
        {
            "start": pd.NaT,
            "end": pd.NaT,
            "sessions": 0,
            "small_return": 0.0,
            "large_return": 0.0,
            "mean_spread": np.nan,
            "ongoing": False,
        }
    )


def streak_sessions(returns: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The daily rows of one streak: ``small``, ``large`` and ``spread`` returns (fractions)."""
    rows = returns.loc[start:end].copy()
    rows["spread"] = rows["small"] - rows["large"]
    return rows


def rank_streak(table: pd.DataFrame, current: pd.Series) -> dict:
    """How the streak ``current`` (a row of ``table``, or 0 sessions) ranks against all *other* streaks in ``table``.

    Keys: ``sessions``; ``rank`` (1 + number of strictly longer streaks; equal lengths share
    a rank); ``ties`` (other streaks of the same length); ``n_streaks`` (other streaks);
    ``record_sessions`` and ``record_streaks`` (the longest other streak(s), as
    ``(start, end)`` pairs); ``is_record`` (at least as long as every other);
    ``matches_record`` (exactly as long as the record); ``last_at_least`` (the most recent
    other streak at least as long, as a dict, or None).
    """
    length = int(current["sessions"])
    others = table[table["end"] != current["end"]] if length else table
    record = int(others["sessions"].max()) if len(others) else 0
    holders = others[others["sessions"] == record]
    at_least = others[others["sessions"] >= length] if length else others.iloc[0:0]
    last = at_least.iloc[-1] if len(at_least) else None
    return {
        "sessions": length,
        "rank": int((others["sessions"] > length).sum()) + 1,
        "ties": int((others["sessions"] == length).sum()),
        "n_streaks": int(len(others)),
        "record_sessions": record,
        "record_streaks": [(r.start, r.end) for r in holders.itertuples()],
        "is_record": length >= record and length > 0,
        "matches_record": length == record and length > 0,
        "last_at_least": None
        if last is None
        else {"start": last["start"], "end": last["end"], "sessions": int(last["sessions"])},
    }


def streak_length_counts(table: pd.DataFrame) -> pd.Series:
    """Number of streaks of each length (sessions), every length from 1 to the longest."""
    if table.empty:
        return pd.Series(dtype=int, name="streaks")
    counts = table["sessions"].value_counts().sort_index()
    return counts.reindex(range(1, int(counts.index.max()) + 1), fill_value=0).rename("streaks")


def record_check(returns: pd.DataFrame, as_of: str | pd.Timestamp) -> dict:
    """The streak at ``as_of`` and how it ranks, in one call (history up to ``as_of`` only).

    Keys: ``session`` and ``note`` (from ``resolve_as_of``), ``first_return`` (first date with a
    return), ``current`` (row of the streak in force), ``table`` (all streaks up to the
    session) and ``rank`` (``rank_streak`` of the current streak).
    """
    session, note = resolve_as_of(returns.index, as_of)
    table = outperformance_streaks(returns.loc[:session])
    current = streak_at(returns, session)
    return {
        "session": session,
        "note": note,
        "first_return": returns.index[0],
        "current": current,
        "table": table,
        "rank": rank_streak(table, current),
    }
