"""Macro analytics: inflation, unemployment, payrolls, recessions, oil, bank loans, and what was published by a date.

Pure functions over pandas Series with a ``DatetimeIndex``. Monthly FRED series are dated the first
day of their reference month (``2025-12-01`` is December 2025); a missing month (a value FRED left
blank) stays missing, and every change "over N months" pairs a month with the *calendar* month N
before it, never with the N-th row before it.

Units: inflation and growth rates in **percent** (year over year, or annualised: percent per year);
changes of a rate (unemployment, yields) in **percentage points** (x 100 for basis points); payroll
changes in **thousands of persons** (PAYEMS's unit); oil prices in USD per barrel, their changes as
fractions.

**Publication lags.** A monthly figure for month M is known only from its release date. The data
folder holds one vintage per series (revised values as of its download), not real-time vintages, so
``known_by`` keeps the observations *published* by a date under a declared rule per series
(``PUBLICATION``): the values are still the revised ones, only the months that had been released are
kept. Every output built from ``known_by`` must say so (``VINTAGE_NOTE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation.core.errors import DataError, ParameterError

VINTAGE_NOTE = (
    "values are the revised (current-vintage) figures of the data folder's files, not the first releases; "
    "'published by a date' keeps only the months released by then under a declared lag rule per series"
)


@dataclass(frozen=True)
class LagRule:
    """When an observation dated ``d`` (a month's first day, or a day) becomes public.

    ``rule``: ``day_of_next_month`` (day ``value`` of the month after the reference month),
    ``first_friday`` (the first Friday of the next month falling on or after its day ``value``),
    ``months_after`` (``value`` months after the end of the reference month) or ``days_after``
    (``value`` calendar days after the observation's date; 0 = known at that day's close).
    """

    rule: str
    value: int
    text: str


PUBLICATION: dict[str, LagRule] = {
    "cpi": LagRule("day_of_next_month", 15, "BLS CPI release, about mid-month M+1 (taken as the 15th)"),
    "core_cpi": LagRule("day_of_next_month", 15, "BLS CPI release, about mid-month M+1 (taken as the 15th)"),
    "unrate": LagRule(
        "first_friday",
        3,
        "BLS Employment Situation, first Friday of M+1 (the second when the first falls on the 1st or 2nd)",
    ),
    "payems": LagRule(
        "first_friday",
        3,
        "BLS Employment Situation, first Friday of M+1 (the second when the first falls on the 1st or 2nd)",
    ),
    "indpro": LagRule("day_of_next_month", 17, "Fed G.17 release, about mid-month M+1 (taken as the 17th)"),
    "busloans": LagRule(
        "day_of_next_month",
        14,
        "Fed H.8 weekly release: the week holding the month's last Wednesday is out the Friday after (taken as the 14th of M+1)",
    ),
    "usrec": LagRule(
        "months_after",
        12,
        "NBER dates turning points 4 to 21 months after the fact (taken as 12 months after the month's end)",
    ),
    "wti": LagRule("days_after", 0, "a market price: known at its day's close"),
    "dgs2": LagRule("days_after", 0, "a market yield: known at its day's close"),
    "dgs10": LagRule("days_after", 0, "a market yield: known at its day's close"),
    "t10y2y": LagRule("days_after", 0, "a market yield spread: known at its day's close"),
    "fed_lower": LagRule("days_after", 0, "announced at the FOMC meeting, before its effective date"),
    "fed_upper": LagRule("days_after", 0, "announced at the FOMC meeting, before its effective date"),
    "dff": LagRule("days_after", 1, "published by the New York Fed the next business morning (taken as one day)"),
}


def lag_rule(name: str) -> LagRule:
    """The declared publication rule of series ``name`` (a catalogue id); ``ParameterError`` when none is declared."""
    try:
        return PUBLICATION[str(name)]
    except KeyError:
        raise ParameterError(
            f"series {name!r}: no publication lag declared in rotation.analytics.macro.PUBLICATION (declared: {', '.join(PUBLICATION)})"
        ) from None


def release_dates(index: pd.DatetimeIndex, name: str) -> pd.DatetimeIndex:
    """Release date of each observation dated ``index`` under the series' ``PUBLICATION`` rule."""
    rule = lag_rule(name)
    dates = pd.DatetimeIndex(index)
    month_start = dates.to_period("M").to_timestamp()
    if rule.rule == "day_of_next_month":
        return month_start + pd.DateOffset(months=1) + pd.to_timedelta(rule.value - 1, unit="D")
    if rule.rule == "first_friday":
        earliest = month_start + pd.DateOffset(months=1) + pd.to_timedelta(rule.value - 1, unit="D")
        return earliest + pd.to_timedelta((4 - earliest.day_of_week) % 7, unit="D")
    if rule.rule == "months_after":
        return month_start + pd.DateOffset(months=1 + rule.value)
    if rule.rule == "days_after":
        return dates + pd.to_timedelta(rule.value, unit="D")
    raise ParameterError(f"series {name!r}: unknown publication rule {rule.rule!r}")


def known_by(series: pd.Series, date: object, name: str | None = None) -> pd.Series:
    """The observations of ``series`` published on or before ``date`` (its ``PUBLICATION`` rule).

    ``name``: the catalogue id (default: ``series.attrs["name"]``, then ``series.name``). Values are
    those of the file (revised, current vintage); only the set of months is that of ``date``.
    """
    key = name or series.attrs.get("name") or series.name
    when = pd.Timestamp(date)
    out = series.loc[release_dates(series.index, str(key)) <= when]
    out.attrs = {**series.attrs, "known_by": str(when.date())}
    return out


def monthly(series: pd.Series) -> pd.Series:
    """``series`` on a complete month-start calendar from its first to its last month (missing months NaN)."""
    clean = series.dropna()
    if clean.empty:
        raise DataError(f"series {series.name!r}: no values")
    if (clean.index.day != 1).any():
        raise DataError(
            f"series {series.name!r}: monthly values must be dated the first of the month ({clean.index[clean.index.day != 1][0].date()} is not)"
        )
    # every month start from the first to the last, by numpy month arithmetic (pandas builds a month-start
    # range one date at a time in Python, the largest cost of a macro claim measured on many dates)
    first, last = (np.datetime64(d.to_datetime64(), "M") for d in (clean.index[0], clean.index[-1]))
    starts = np.arange(first, last + np.timedelta64(1, "M")).astype(clean.index.dtype)
    return clean.reindex(pd.DatetimeIndex(starts, name=clean.index.name))


def change_over_months(series: pd.Series, months: int) -> pd.Series:
    """``x[M] - x[M - months]`` for each month M (calendar months; NaN where either month is missing), in the series' unit."""
    if int(months) < 1:
        raise ParameterError(f"months must be at least 1, got {months!r}")
    full = monthly(series)
    return (full - full.shift(int(months))).rename(series.name)


def yoy_inflation(index: pd.Series) -> pd.Series:
    """Year-over-year inflation of a monthly price index, percent: ``100 * (P[M] / P[M - 12] - 1)``."""
    full = monthly(index)
    return (100.0 * (full / full.shift(12) - 1.0)).rename(index.name)


def annualised_growth(series: pd.Series, months: int) -> pd.Series:
    """Growth over ``months`` months, annualised, percent per year: ``100 * ((x[M] / x[M - months]) ** (12 / months) - 1)``."""
    if int(months) < 1:
        raise ParameterError(f"months must be at least 1, got {months!r}")
    full = monthly(series)
    return (100.0 * ((full / full.shift(int(months))) ** (12.0 / int(months)) - 1.0)).rename(series.name)


def payroll_change(payems: pd.Series, months: int = 1) -> pd.Series:
    """Average monthly change of payroll employment over ``months`` months, thousands of persons per month."""
    return change_over_months(payems, months) / int(months)


def sahm_indicator(unrate: pd.Series) -> pd.Series:
    """Sahm-rule indicator, percentage points: the 3-month average unemployment rate minus the lowest
    3-month average of the previous 12 months. A missing month is left out of its 3-month average
    (at least two of the three months needed). The rule's recession signal is a value of 0.50 or more."""
    avg3 = monthly(unrate).rolling(3, min_periods=2).mean()
    low12 = avg3.shift(1).rolling(12, min_periods=10).min()
    return (avg3 - low12).rename("sahm")


def recession_months(usrec: pd.Series, start: object, end: object) -> int:
    """Months with the NBER recession indicator at 1 from ``start`` to ``end`` (inclusive)."""
    part = usrec.loc[pd.Timestamp(start) : pd.Timestamp(end)].dropna()
    return int((part > 0.5).sum())


def in_recession(usrec: pd.Series, start: object, end: object) -> bool:
    """True when any month from ``start`` to ``end`` is an NBER recession month (USREC = 1)."""
    return recession_months(usrec, start, end) > 0


def recession_ahead(usrec: pd.Series, months: int) -> pd.Series:
    """1.0 when any of the ``months`` months after M is a recession month, else 0.0; NaN when the data end before M + months."""
    full = monthly(usrec)
    values = full.to_numpy(dtype=float)
    out = np.full(len(values), np.nan)
    for i in range(len(values) - int(months)):
        ahead = values[i + 1 : i + 1 + int(months)]
        if not np.isnan(ahead).any():
            out[i] = float((ahead > 0.5).any())
    return pd.Series(out, index=full.index, name=f"recession within {int(months)} months")


def change_between(series: pd.Series, start: object, end: object, *, max_age_days: int = 7) -> dict:
    """Change of ``series`` from the last value on or before ``start`` to the last on or before ``end``.

    Keys: ``from_date``, ``from_value``, ``to_date``, ``to_value``, ``change`` (series' unit),
    ``change_bp`` (x 100), ``pct_change`` (fraction: ``to / from - 1``, NaN when ``from <= 0``) and
    ``direction``. ``DataError`` when an end has no value within ``max_age_days`` days.
    """
    from rotation.analytics.markets import level_change

    out = level_change(series, start, end, max_age_days=max_age_days)
    out["pct_change"] = out["to_value"] / out["from_value"] - 1.0 if out["from_value"] > 0 else float("nan")
    return out


def month_end_relative(small: pd.Series, large: pd.Series, months: int) -> pd.Series:
    """Trailing ``months``-month return of ``small`` minus that of ``large`` at each month's last common close,
    fractions, dated the first day of that month (to align with monthly FRED series)."""
    both = pd.concat([small.rename("s"), large.rename("l")], axis=1, join="inner").dropna()
    ends = both.groupby(both.index.to_period("M")).tail(1)
    ends.index = ends.index.to_period("M").to_timestamp()
    ret = ends / ends.shift(int(months)) - 1.0
    return (ret["s"] - ret["l"]).rename(f"{months}-month relative return")


def month_end_compounded(daily: pd.Series, months: int) -> pd.Series:
    """Trailing ``months``-month compounded return of daily returns (fractions), dated the first day of each month."""
    growth = (1.0 + daily.dropna()).groupby(daily.dropna().index.to_period("M")).prod()
    growth.index = growth.index.to_timestamp()
    return (growth.rolling(int(months)).apply(np.prod, raw=True) - 1.0).rename(f"{months}-month compounded")


def conditional_recession_rates(signal: pd.Series, ahead: pd.Series) -> pd.DataFrame:
    """Share of months followed by a recession (``ahead`` = 1), by sign of ``signal`` (lead: > 0; lag: <= 0).

    Rows ``small caps lead`` and ``small caps lag``; columns ``months`` (N), ``followed by a recession``
    (count) and ``share (%)``. Months where either input is missing are left out.
    """
    both = pd.concat([signal.rename("signal"), ahead.rename("ahead")], axis=1).dropna()
    rows = {}
    for label, mask in (("small caps lead", both["signal"] > 0), ("small caps lag", both["signal"] <= 0)):
        part = both.loc[mask, "ahead"]
        rows[label] = {
            "months": int(len(part)),
            "followed by a recession": int(part.sum()),
            "share (%)": float(100.0 * part.mean()) if len(part) else float("nan"),
        }
    return pd.DataFrame(rows).T


__all__ = [
    "PUBLICATION",
    "VINTAGE_NOTE",
    "LagRule",
    "annualised_growth",
    "change_between",
    "change_over_months",
    "conditional_recession_rates",
    "in_recession",
    "known_by",
    "lag_rule",
    "month_end_compounded",
    "month_end_relative",
    "monthly",
    "payroll_change",
    "recession_ahead",
    "recession_months",
    "release_dates",
    "sahm_indicator",
    "yoy_inflation",
]
