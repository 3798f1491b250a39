"""Context claims: policy-rate changes, returns over a window, and whether a series covers that window.

Units: rates in percent per year as FRED publishes them (changes in percentage points, ``*_bp``
columns in basis points); returns are simple close-to-close price returns as FRACTIONS.

A *window* is given by its base session (the close the return starts from) and its end session;
a window return is ``price[end] / price[base] - 1``. Coverage is always checked against a
reference trading calendar (the large-cap index's sessions), so a series that silently lacks a
session is reported, never interpolated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation.errors import DataError, ParameterError
from rotation.returns import compounded, rebased, value_at, window_return  # noqa: F401 (re-exported)

CHANGE_COLUMNS = ["date", "before", "after", "change", "change_bp"]


def rate_changes(rates: pd.Series | pd.DataFrame, start: object = None, end: object = None, *, atol: float = 1e-9) -> pd.DataFrame:
    """Every date on which a step series (e.g. a policy-rate target) changes value.

    ``rates``: one series, or a frame of several (e.g. upper and lower bound); a date counts as a
    change when any column moves by more than ``atol``. ``start``/``end`` (inclusive) filter the
    change dates, but the value before the first change is taken from the full history.

    Returns one row per change: ``date``; for a series ``before``, ``after``, ``change``
    (percentage points, after minus before) and ``change_bp``; for a frame these columns are
    prefixed by the column name (``upper_before``...), plus ``change``/``change_bp`` of the
    first column. Gaps (NaN) are skipped: a change is measured against the last known value.
    """
    frame = rates.to_frame() if isinstance(rates, pd.Series) else rates
    if frame.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    frame = frame.dropna(how="any").astype("float64")
    values = frame.to_numpy()
    moved = np.zeros(len(frame), dtype=bool)
    moved[1:] = (np.abs(np.diff(values, axis=0)) > atol).any(axis=1)
    positions = np.flatnonzero(moved)
    dates = frame.index[positions]
    out = pd.DataFrame({"date": dates})
    single = isinstance(rates, pd.Series)
    for j, column in enumerate(frame.columns):
        prefix = "" if single else f"{column}_"
        out[f"{prefix}before"] = values[positions - 1, j]
        out[f"{prefix}after"] = values[positions, j]
    out["change"] = values[positions, 0] - values[positions - 1, 0]
    out["change_bp"] = np.round(out["change"] * 100, 6)
    keep = np.ones(len(out), dtype=bool)
    if start not in (None, ""):
        keep &= (out["date"] >= pd.Timestamp(start)).to_numpy()
    if end not in (None, ""):
        keep &= (out["date"] <= pd.Timestamp(end)).to_numpy()
    return out[keep].reset_index(drop=True)



def streak_window(returns: pd.DataFrame, as_of: pd.Timestamp, sessions: int = 0) -> dict:
    """The measurement window ending at session ``as_of``, on the calendar of ``returns``.

    ``sessions`` 0: the outperformance streak in force at ``as_of`` (``streaks.streak_at``);
    otherwise the last ``sessions`` sessions. Returns ``base`` (the close before the first
    session, where window returns start), ``start``, ``end``, ``sessions`` and ``kind``;
    ``sessions`` is 0 (dates NaT) when no streak is in force.
    """
    from rotation.streaks import streak_at

    index = returns.index
    if as_of not in index:
        raise ParameterError(f"as_of {pd.Timestamp(as_of).date()} is not a session of the return calendar")
    end_pos = index.get_loc(as_of)
    if sessions:
        n = int(sessions)
        kind = f"last {n} sessions"
    else:
        n = int(streak_at(returns, as_of)["sessions"])
        kind = "streak in force at as_of"
    if n == 0:
        return {"base": pd.NaT, "start": pd.NaT, "end": as_of, "sessions": 0, "kind": kind}
    start_pos = end_pos - n + 1
    if start_pos < 1:
        raise ParameterError(f"window of {n} sessions ending {pd.Timestamp(as_of).date()} starts before the data")
    return {"base": index[start_pos - 1], "start": index[start_pos], "end": as_of, "sessions": n, "kind": kind}


def coverage(series: pd.Series, calendar: pd.DatetimeIndex, base: object, end: object, *, exclude: list | tuple = ()) -> dict:
    """Which closes of the window ``base..end`` (sessions of ``calendar``) ``series`` holds.

    ``exclude``: dates to treat as missing (e.g. rows flagged suspect). Keys: ``needed`` and
    ``present`` (session counts), ``missing`` (list of missing sessions), ``complete`` (every
    session present, base and end included), ``first``/``last`` (first and last session present
    in the window, NaT if none), ``series_first``/``series_last`` (the series' own range).
    """
    base, end = pd.Timestamp(base), pd.Timestamp(end)
    sessions = calendar[(calendar >= base) & (calendar <= end)]
    have = series.dropna().index
    if len(exclude):
        have = have.difference(pd.DatetimeIndex(pd.to_datetime(list(exclude))))
    present = sessions.intersection(have)
    missing = sessions.difference(have)
    return {
        "needed": int(len(sessions)),
        "present": int(len(present)),
        "missing": list(missing),
        "complete": bool(len(sessions)) and not len(missing),
        "first": present[0] if len(present) else pd.NaT,
        "last": present[-1] if len(present) else pd.NaT,
        "series_first": series.index[0] if len(series) else pd.NaT,
        "series_last": series.index[-1] if len(series) else pd.NaT,
    }


def dates_text(dates: list | pd.DatetimeIndex, limit: int = 4) -> str:
    """Dates as short text: all of them up to ``limit``, else ``"N sessions, first to last"``."""
    dates = sorted(pd.Timestamp(d) for d in dates)
    if not dates:
        return "none"
    if len(dates) <= limit:
        return ", ".join(str(d.date()) for d in dates)
    return f"{len(dates)} sessions, {dates[0].date()} to {dates[-1].date()}"




def year_bounds(prices: pd.Series, year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Base and end sessions of calendar year ``year``: the last close of ``year - 1`` and of ``year``."""
    before = prices.loc[: pd.Timestamp(f"{year - 1}-12-31")]
    inside = prices.loc[pd.Timestamp(f"{year}-01-01") : pd.Timestamp(f"{year}-12-31")]
    if before.empty or inside.empty:
        raise DataError(f"series {prices.name!r} does not cover calendar year {year} (has {prices.index[0].date()} to {prices.index[-1].date()})")
    return before.index[-1], inside.index[-1]


def period_stats(prices: pd.Series, base: object, end: object) -> dict:
    """Return and range of ``prices`` over ``base..end`` (closes).

    Keys: ``base``, ``end``, ``return`` (fraction), ``high``/``low`` (highest/lowest close after
    the base close, through ``end``) with their dates, ``range`` (high / low - 1, fraction),
    ``max_drawdown`` (largest peak-to-trough fall of the closes, a negative fraction).
    """
    base, end = pd.Timestamp(base), pd.Timestamp(end)
    part = prices.loc[base:end].dropna()
    if part.empty or part.index[0] != base or part.index[-1] != end:
        raise DataError(f"series {prices.name!r} lacks the close on {base.date()} or {end.date()}")
    inside = part.iloc[1:] if len(part) > 1 else part
    peak = part.cummax()
    return {
        "base": base,
        "end": end,
        "return": float(part.iloc[-1] / part.iloc[0] - 1.0),
        "high": float(inside.max()),
        "high_date": inside.idxmax(),
        "low": float(inside.min()),
        "low_date": inside.idxmin(),
        "range": float(inside.max() / inside.min() - 1.0),
        "max_drawdown": float((part / peak - 1.0).min()),
    }



def parse_period(text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``"YYYY-MM-DD to YYYY-MM-DD"`` -> two timestamps (first not after second)."""
    parts = [p.strip() for p in str(text).split(" to ")]
    try:
        first, last = (pd.Timestamp(p) for p in parts)
    except (ValueError, TypeError):
        raise ParameterError(f"period {text!r}: expected 'YYYY-MM-DD to YYYY-MM-DD'") from None
    if first > last:
        raise ParameterError(f"period {text!r}: first date after last date")
    return first, last


__all__ = [
    "compounded",
    "coverage",
    "dates_text",
    "parse_period",
    "period_stats",
    "rate_changes",
    "rebased",
    "streak_window",
    "value_at",
    "window_return",
    "year_bounds",
]
