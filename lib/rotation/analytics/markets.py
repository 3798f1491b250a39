"""Context analytics: policy-rate changes, the yield-curve spread and its change, returns and ranges over a window.

Units: rates and yields in percent per year as FRED publishes them (spreads and changes in
percentage points; ``*_bp`` columns in basis points); returns are simple close-to-close returns
as FRACTIONS (``price[end] / price[base] - 1``: from the close of the *base* session to the close
of the *end* session; see ``rotation.analytics.returns``).

Rate and yield series may have dates without a value (FRED leaves a business day blank when it
publishes nothing); a value "at" a date is the last published value on or before it, never
interpolated, and the date actually used is always returned beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation.analytics.returns import value_at, window_return
from rotation.core.errors import DataError

CHANGE_COLUMNS = ["date", "before", "after", "change", "change_bp"]


def rate_changes(
    rates: pd.Series | pd.DataFrame, start: object = None, end: object = None, *, atol: float = 1e-9
) -> pd.DataFrame:
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


def target_range_at(lower: pd.Series, upper: pd.Series, when: object, *, max_age_days: int = 7) -> dict:
    """The policy-rate target range in force at ``when``: ``date`` (of the values used), ``lower``, ``upper``, ``midpoint`` (percent).

    Raises ``DataError`` when either bound does not reach ``when`` (see ``returns.value_at``).
    ``single`` is True when both bounds are equal (a single target, as before December 2008).
    """
    date, low = value_at(lower, when, max_age_days=max_age_days)
    _, high = value_at(upper, when, max_age_days=max_age_days)
    return {
        "date": date,
        "lower": low,
        "upper": high,
        "midpoint": (low + high) / 2.0,
        "single": bool(abs(high - low) < 1e-9),
    }


def curve_spread(long: pd.Series, short: pd.Series, name: str = "spread") -> pd.Series:
    """``long - short`` (percentage points) on the dates both yields have a value; dates with a blank in either are left out."""
    both = pd.concat([long.rename("long"), short.rename("short")], axis=1, sort=True).dropna()
    out = (both["long"] - both["short"]).rename(name)
    out.attrs = {
        "source": "; ".join(dict.fromkeys(s.attrs.get("source", "") for s in (long, short) if s.attrs.get("source")))
    }
    return out


def direction(change: float, *, atol: float = 1e-9) -> str:
    """``rose`` / ``fell`` / ``unchanged`` for a change (any unit); NaN gives ``n/a``."""
    if change is None or np.isnan(change):
        return "n/a"
    return "rose" if change > atol else "fell" if change < -atol else "unchanged"


def level_change(series: pd.Series, start: object, end: object, *, max_age_days: int = 7) -> dict:
    """Change of a level series (e.g. a yield spread, percentage points) from ``start`` to ``end``.

    Each end uses the last value on or before its date (at most ``max_age_days`` old; else
    ``DataError``). Keys: ``from_date``, ``from_value``, ``to_date``, ``to_value``, ``change``
    (to minus from, in the series' unit), ``change_bp`` (x 100, for percent series) and
    ``direction`` (``rose``/``fell``/``unchanged``).
    """
    from_date, from_value = value_at(series, start, max_age_days=max_age_days)
    to_date, to_value = value_at(series, end, max_age_days=max_age_days)
    change = to_value - from_value
    return {
        "from_date": from_date,
        "from_value": from_value,
        "to_date": to_date,
        "to_value": to_value,
        "change": change,
        "change_bp": round(change * 100, 6),
        "direction": direction(change),
    }


def months_before(when: object, months: int) -> pd.Timestamp:
    """The calendar date ``months`` months before ``when`` (month ends clipped: 2025-03-31 - 1 month = 2025-02-28)."""
    return pd.Timestamp(when) - pd.DateOffset(months=int(months))


def window_gain(prices: pd.Series, base: object, end: object) -> dict:
    """Return and path of ``prices`` from the close of ``base`` to the close of ``end``.

    Keys: ``base``/``end`` (dates), ``base_close``/``end_close`` (NaN when the series has no
    close that day), ``return`` (fraction; NaN when either close is missing), ``peak_close``
    and ``peak_date`` (highest close after the base close, through ``end``; from the closes the
    series holds) and ``peak_gain`` (peak / base - 1). The return itself needs only the two
    end closes (``returns.window_return``).
    """
    base, end = pd.Timestamp(base), pd.Timestamp(end)
    base_close = float(prices.get(base, np.nan))
    end_close = float(prices.get(end, np.nan))
    inside = prices.loc[base:end].dropna()
    inside = inside.iloc[1:] if len(inside) and inside.index[0] == base else inside
    has_peak = len(inside) and not np.isnan(base_close)
    peak_close = float(inside.max()) if len(inside) else np.nan
    return {
        "base": base,
        "end": end,
        "base_close": base_close,
        "end_close": end_close,
        "return": window_return(prices, base, end),
        "peak_close": peak_close,
        "peak_date": inside.idxmax() if len(inside) else pd.NaT,
        "peak_gain": peak_close / base_close - 1.0 if has_peak else np.nan,
    }


def year_bounds(prices: pd.Series, year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Base and end sessions of calendar year ``year``: the last close of ``year - 1`` and of ``year``."""
    return period_bounds(prices, pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31"))


def period_bounds(
    prices: pd.Series, first: object, last: object, *, max_gap_days: int = 7
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Base and end sessions of the period ``first..last``: the last close before ``first`` and the last close on or before ``last``.

    Raises ``DataError`` when the series has no close before ``first``, none inside the period,
    or ends more than ``max_gap_days`` calendar days before ``last`` (it does not reach the end).
    """
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    held = prices.dropna()
    before = held.loc[: first - pd.Timedelta(days=1)]
    inside = held.loc[first:last]
    span = f"{held.index[0].date()} to {held.index[-1].date()}" if len(held) else "no rows"
    if before.empty or inside.empty or (last - inside.index[-1]).days > max_gap_days:
        raise DataError(
            f"series {prices.name!r} does not cover {first.date()} to {last.date()} with a close before it (has {span})"
        )
    return before.index[-1], inside.index[-1]


def period_stats(prices: pd.Series, base: object, end: object) -> dict:
    """Return and range of ``prices`` over ``base..end`` (closes).

    Keys: ``base``, ``end``, ``base_close``, ``end_close``, ``return`` (fraction), ``high``/``low``
    (highest/lowest close after the base close, through ``end``) with their dates, ``range``
    (high / low - 1, fraction), ``max_drawdown`` (largest peak-to-trough fall of the closes, a
    negative fraction), ``max_away`` (largest |close / base close - 1| in the period, fraction).
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
        "base_close": float(part.iloc[0]),
        "end_close": float(part.iloc[-1]),
        "return": float(part.iloc[-1] / part.iloc[0] - 1.0),
        "high": float(inside.max()),
        "high_date": inside.idxmax(),
        "low": float(inside.min()),
        "low_date": inside.idxmin(),
        "range": float(inside.max() / inside.min() - 1.0),
        "max_drawdown": float((part / peak - 1.0).min()),
        "max_away": float((inside / part.iloc[0] - 1.0).abs().max()),
    }


def band_range_limit(band: float) -> float:
    """The widest high/low range (high / low - 1, fraction) of closes that fit inside a +/-``band`` band: (1 + b) / (1 - b) - 1."""
    if not 0 < band < 1:
        raise ValueError(f"band must be between 0 and 1 (a fraction), got {band!r}")
    return (1.0 + band) / (1.0 - band) - 1.0


def split_years(first: object, last: object) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """``first..last`` cut into calendar years (clipped to the period), then the whole period: ``(label, first, last)``."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    parts = [
        (str(y), max(first, pd.Timestamp(f"{y}-01-01")), min(last, pd.Timestamp(f"{y}-12-31")))
        for y in range(first.year, last.year + 1)
    ]
    return (parts if len(parts) > 1 else []) + [("whole period", first, last)]


def dates_text(dates: list | pd.DatetimeIndex, limit: int = 4) -> str:
    """Dates as short text: all of them up to ``limit``, else ``"N dates, first to last"``."""
    dates = sorted(pd.Timestamp(d) for d in dates)
    if not dates:
        return "none"
    if len(dates) <= limit:
        return ", ".join(str(d.date()) for d in dates)
    return f"{len(dates)} dates, {dates[0].date()} to {dates[-1].date()}"


def span_of(series: pd.Series | pd.DataFrame | None) -> str:
    """``first to last`` of the dates a series holds values for (``"no rows"`` when empty)."""
    if series is None:
        return "no rows"
    held = series.dropna(how="all") if isinstance(series, pd.DataFrame) else series.dropna()
    return f"{held.index[0].date()} to {held.index[-1].date()}" if len(held) else "no rows"


def monthly_last(series: pd.Series) -> pd.Series:
    """The last value of each calendar month (blank days skipped), dated the first day of the month."""
    clean = series.dropna()
    out = clean.groupby(clean.index.to_period("M")).last()
    out.index = out.index.to_timestamp()
    return out


def rate_sensitivity(
    small: pd.Series, large: pd.Series, rate: pd.Series, first: object, last: object, *, level: float = 0.95
) -> dict:
    """How the small-cap index's return relative to the large-cap index moves with a rate, month by month.

    For each calendar month M from ``first`` to ``last`` (months dated their first day): the relative return
    ``100 * (small[M] / small[M-1] - large[M] / large[M-1])`` in percentage points (month-end closes of the common
    calendar) and the change of ``rate`` (month-end values, percent per year) ``rate[M] - rate[M-1]`` in percentage
    points. Ordinary least squares of the first on the second: ``slope`` (percentage points of relative return per
    1 percentage point = 100 bp rise of the rate; negative: small caps gain on large caps when the rate falls), its
    standard error, the two-sided ``level`` interval (Student t, n - 2 degrees of freedom), ``correlation``, ``months``
    and the monthly ``frame`` (columns ``relative_pp``, ``rate_change_pp``). Months are non-overlapping, so their
    errors are taken as independent. ``DataError`` with fewer than 12 months.
    """
    from scipy import stats

    both = pd.concat([small.rename("s"), large.rename("l")], axis=1, join="inner").dropna()
    ends = both.groupby(both.index.to_period("M")).tail(1)
    ends.index = ends.index.to_period("M").to_timestamp()
    relative = 100 * (ends["s"] / ends["s"].shift(1) - ends["l"] / ends["l"].shift(1))
    change = monthly_last(rate).diff()
    frame = pd.concat([relative.rename("relative_pp"), change.rename("rate_change_pp")], axis=1).dropna()
    frame = frame.loc[pd.Timestamp(first) : pd.Timestamp(last)]
    n = len(frame)
    if n < 12:
        raise DataError(f"needs at least 12 months with both a relative return and a rate change; found {n}")
    x, y = frame["rate_change_pp"].to_numpy(), frame["relative_pp"].to_numpy()
    xc = x - x.mean()
    if not (xc**2).sum() > 0:
        raise DataError(f"the rate's monthly change is the same in all {n} months: no slope can be fitted")
    slope = float((xc * (y - y.mean())).sum() / (xc**2).sum())
    resid = y - y.mean() - slope * xc
    se = float(np.sqrt((resid**2).sum() / (n - 2) / (xc**2).sum()))
    t = float(stats.t.ppf(0.5 + level / 2, n - 2))
    return {
        "slope": slope,
        "se": se,
        "low": slope - t * se,
        "high": slope + t * se,
        "level": level,
        "correlation": float(np.corrcoef(x, y)[0, 1]),
        "months": n,
        "first": frame.index[0],
        "last": frame.index[-1],
        "frame": frame,
    }


__all__ = [
    "band_range_limit",
    "curve_spread",
    "dates_text",
    "direction",
    "level_change",
    "monthly_last",
    "months_before",
    "period_bounds",
    "period_stats",
    "rate_changes",
    "rate_sensitivity",
    "span_of",
    "split_years",
    "target_range_at",
    "window_gain",
    "year_bounds",
]
