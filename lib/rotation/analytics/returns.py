"""Returns, values on a date and percentiles: the one home of these helpers for the whole package.

Units: prices as published; returns are simple close-to-close price returns as FRACTIONS
(``P[end] / P[base] - 1``: from the close of the *base* session to the close of the *end*
session). A point-to-point return needs exactly those two closes, not every close between.
Percentiles are 0 to 100 (share strictly below plus half the ties).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from rotation.core.errors import DataError


def window_return(prices: pd.Series, base: object, end: object) -> float:
    """Simple price return ``prices[end] / prices[base] - 1`` (fraction); NaN if either close is missing."""
    base, end = pd.Timestamp(base), pd.Timestamp(end)
    if base not in prices.index or end not in prices.index:
        return float("nan")
    first, last = prices.loc[base], prices.loc[end]
    if pd.isna(first) or pd.isna(last):
        return float("nan")
    return float(last / first - 1.0)


def returns_after(
    prices: pd.Series, end: pd.Timestamp, horizons: Iterable[int], last: pd.Timestamp | None = None
) -> pd.Series:
    """Simple returns (fractions) from the close of ``end`` to the close ``h`` sessions later, for each ``h``.

    Sessions are those of ``prices`` (``end`` must be one). A horizon that reaches past the
    data, or past ``last`` when given, gives NaN. Index: the horizons.
    """
    index = prices.index if last is None else prices.index[prices.index <= last]
    if end not in index:
        raise DataError(f"returns_after: {pd.Timestamp(end).date()} is not a session of series {prices.name!r}")
    pos = index.get_loc(end)
    values = prices.to_numpy(dtype=float)
    out = {
        int(h): (values[pos + int(h)] / values[pos] - 1.0 if pos + int(h) < len(index) else float("nan"))
        for h in horizons
    }
    return pd.Series(out, name="return_after", dtype=float)


def rebased(prices: pd.Series, base: object, end: object, level: float = 100.0) -> pd.Series:
    """``prices`` from ``base`` to ``end`` rescaled so the close at ``base`` equals ``level`` (NaN-free)."""
    part = prices.loc[pd.Timestamp(base) : pd.Timestamp(end)].dropna()
    if part.empty or part.index[0] != pd.Timestamp(base):
        raise DataError(f"series {prices.name!r} has no close on {pd.Timestamp(base).date()}")
    return level * part / part.iloc[0]


def compounded(daily: pd.Series, start: object, end: object) -> float:
    """Compounded return ``prod(1 + r) - 1`` (fraction) of daily returns (fractions) dated ``start..end`` inclusive."""
    part = daily.loc[pd.Timestamp(start) : pd.Timestamp(end)].dropna()
    if part.empty:
        return float("nan")
    return float(np.expm1(np.log1p(part.to_numpy()).sum()))


def value_at(series: pd.Series, when: object, *, max_age_days: int = 7) -> tuple[pd.Timestamp, float]:
    """The last observation on or before ``when``: ``(date, value)``.

    Raises ``DataError`` when the series starts after ``when`` or its last observation before
    ``when`` is more than ``max_age_days`` calendar days old (the series does not reach ``when``).
    """
    when = pd.Timestamp(when)
    before = series.loc[:when].dropna()
    name = series.name or "series"
    if before.empty:
        raise DataError(f"series {name!r} starts {series.index[0].date()}, after {when.date()}")
    date = before.index[-1]
    if (when - date).days > max_age_days:
        raise DataError(f"series {name!r} ends {date.date()}, more than {max_age_days} days before {when.date()}")
    return date, float(before.iloc[-1])


def value_on(series: pd.Series, when: object) -> float:
    """The last value of ``series`` on or before ``when``, however old (NaN before its first date)."""
    when = pd.Timestamp(when)
    if series.empty or when < series.index[0]:
        return float("nan")
    return float(series.asof(when))


def session_on_or_before(index: pd.DatetimeIndex, when: object) -> pd.Timestamp | None:
    """The last date of ``index`` on or before ``when`` (None when ``index`` starts after it)."""
    before = index[index <= pd.Timestamp(when)]
    return before[-1] if len(before) else None


def percentile_rank(value: float, history: pd.Series | np.ndarray) -> float:
    """Percentile (0 to 100) of ``value`` in ``history``: share strictly below plus half the ties.

    NaNs in ``history`` are ignored; NaN when ``value`` is NaN or ``history`` is empty.
    """
    values = np.asarray(history, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0 or value is None or np.isnan(value):
        return float("nan")
    below = np.count_nonzero(values < value)
    ties = np.count_nonzero(values == value)
    return float(100.0 * (below + 0.5 * ties) / values.size)


def span_text(series: pd.Series | pd.DataFrame | pd.Index) -> str:
    """``first to last`` dates of a series, frame or index (``"no data"`` when empty)."""
    index = series if isinstance(series, pd.Index) else series.index
    return f"{index[0].date()} to {index[-1].date()}" if len(index) else "no data"


__all__ = [
    "compounded",
    "percentile_rank",
    "rebased",
    "returns_after",
    "session_on_or_before",
    "span_text",
    "value_at",
    "value_on",
    "window_return",
]
