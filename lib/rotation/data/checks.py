"""Checks on every series as it is loaded: structure, dates, calendar, values, plausibility; and of a pair.

``validate_frame`` turns a raw frame into the validated one or raises one ``DataError`` line naming
the file, the column and the first offending row; ``check_plausible`` refuses values no market
produces; ``check_calendar`` and ``check_distinct`` refuse a pair whose calendars do not match or
that is one file copied twice.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from rotation.core.errors import DataError
from rotation.data.catalogue import EARLIEST_DEFAULT, SeriesSpec

MAX_DAILY_RATIO = 3.0  # plausibility: a price that more than triples, or falls below a third, in one session is refused
MAX_FACTOR_PERCENT = 50.0  # plausibility: a daily factor return beyond +-50 % (percent per day on disk) is refused
RATE_RANGE = (-10.0, 100.0)  # plausibility: an interest rate outside this range (percent per year) is refused
EXCHANGE_SOURCES = ("yahoo", "french")  # daily series of exchange sessions: no Sunday rows, no Saturday rows from SATURDAYS_END
SATURDAYS_END = "1952-09-29"  # the New York Stock Exchange held Saturday sessions until 1952 (and none on Sundays)
SPIKE_RATIO = 1.75  # plausibility: a one-session move of this factor up or down ...
SPIKE_UNDONE = 1.25  # ... that the next session undoes to within this factor is a bad print, not a market move
MAX_CALENDAR_HOLE = 5  # sessions of one series of a pair that may fall between two consecutive rows of the other


def validate_frame(raw: pd.DataFrame, spec: SeriesSpec, where: str) -> pd.DataFrame:
    """Check and convert a raw frame with a ``date`` column (strings or datetimes) and value columns.

    Rules: required columns present; at least two rows; ISO dates, sorted ascending, unique,
    none after today; values numeric and finite; prices strictly positive; plausible values
    (see ``check_plausible``). Raises ``DataError`` naming ``where``, the column, and the
    first offending row.
    """
    missing = [c for c in ("date", *spec.columns) if c not in raw.columns]
    if missing:
        spaced = [str(c) for c in raw.columns if str(c) != str(c).strip() and str(c).strip() == missing[0]]
        if spaced:
            raise DataError(f"{where}: header {spaced[0]!r} has surrounding spaces (expected {missing[0]!r}); remove the spaces from the header line")
        found = ", ".join(map(str, raw.columns)) or "none"
        raise DataError(f"{where}: missing column {missing[0]!r} for series {spec.name!r} (found: {found})")
    if len(raw) == 0:
        raise DataError(f"{where}: has a header but no rows")
    dates = raw["date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        text = dates.astype(str).str.strip()
        dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = dates.isna()
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise DataError(f"{where}: malformed date {text.iloc[i]!r} on data row {i + 1} (expected YYYY-MM-DD)")
    index = pd.DatetimeIndex(dates, name="date")
    if index.has_duplicates:
        raise DataError(f"{where}: duplicate date {index[index.duplicated()][0].date()}")
    if not index.is_monotonic_increasing:
        i = int(np.argmax(np.diff(index.asi8) < 0)) + 1
        raise DataError(f"{where}: dates not sorted ascending ({index[i].date()} follows {index[i - 1].date()})")
    check_calendar_rules(index, spec, where)
    today = latest_today()
    if len(index) and index[-1].date() > today:
        i = int(np.argmax(index.date > today))
        raise DataError(f"{where}: date {index[i].date()} is after today ({today}); a file cannot hold future sessions")
    if spec.kind in ("rate", "level"):
        # FRED leaves a business day blank when it publishes no value: missing, not an error.
        blank = np.zeros(len(raw), dtype=bool)
        for column in spec.columns:
            blank |= raw[column].astype(str).str.strip().isin(["", "."]).to_numpy()
        if blank.any():
            raw, index = raw.loc[~blank], index[~blank]
    out = pd.DataFrame(index=index)
    out.attrs["blank_rows"] = int(blank.sum()) if spec.kind in ("rate", "level") else 0
    for column in spec.columns:
        values = raw[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.astype(str).str.strip()
            numbers = pd.to_numeric(text.where(text != "", "nan"), errors="coerce")
            bad = numbers.isna() & ~text.str.lower().isin(["", "nan"])
            if bad.any():
                i = int(np.argmax(bad.to_numpy()))
                raise DataError(f"{where}: non-numeric value {text.iloc[i]!r} in column {column!r} on {index[i].date()}")
        else:
            numbers = pd.to_numeric(values, errors="coerce")
        array = numbers.to_numpy(dtype="float64")
        finite = np.isfinite(array)
        if not finite.all():
            i = int(np.argmin(finite))
            raise DataError(f"{where}: missing or non-finite value in column {column!r} on {index[i].date()}")
        if spec.kind == "price" and (array <= 0).any():
            i = int(np.argmax(array <= 0))
            raise DataError(f"{where}: non-positive price {array[i]:g} in column {column!r} on {index[i].date()}")
        check_plausible(array, index, spec, column, where)
        out[column] = array
    return out


def check_calendar_rules(index: pd.DatetimeIndex, spec: SeriesSpec, where: str) -> None:
    """Dates a series cannot hold: before ``spec.earliest`` (else ``EARLIEST_DEFAULT``), and, for
    daily exchange series (``EXCHANGE_SOURCES``), a Saturday or a Sunday. One line: file, rows, rule."""
    if not len(index):
        return
    earliest = pd.Timestamp(spec.earliest or EARLIEST_DEFAULT)
    early = index < earliest
    if early.any():
        rule = "its first published value" if spec.earliest else "the first published daily stock average"
        raise DataError(f"{where}: {int(early.sum())} row(s) dated before {earliest.date()} (first: {index[0].date()}); "
                        f"series {spec.name!r} cannot start before {earliest.date()} ({rule})")
    if spec.source in EXCHANGE_SOURCES and getattr(spec, "frequency", "daily") == "daily":
        weekend = (index.day_of_week == 6) | ((index.day_of_week == 5) & (index >= pd.Timestamp(SATURDAYS_END)))
        if weekend.any():
            first = index[weekend][0]
            raise DataError(f"{where}: {int(weekend.sum())} row(s) on a weekend (first: {first.date()}, a {first.day_name()}); "
                            f"series {spec.name!r} holds exchange sessions: weekdays only (Saturdays too before {SATURDAYS_END})")


def calendar_holes(a: pd.Series, b: pd.Series, max_missing: int = MAX_CALENDAR_HOLE) -> tuple[pd.Timestamp, pd.Timestamp, int] | None:
    """The first gap between consecutive dates of ``a`` in which ``b`` has more than ``max_missing``
    sessions, within the span both cover: (last date before the gap, next date, sessions of ``b`` inside); None if none."""
    start, end = max(a.index[0], b.index[0]), min(a.index[-1], b.index[-1])
    dates_a = a.index[(a.index >= start) & (a.index <= end)]
    dates_b = b.index[(b.index >= start) & (b.index <= end)]
    if len(dates_a) < 2:
        return None
    inside = np.searchsorted(dates_b.asi8, dates_a.asi8[1:], side="left") - np.searchsorted(dates_b.asi8, dates_a.asi8[:-1], side="right")
    bad = inside > max_missing
    if not bad.any():
        return None
    i = int(np.argmax(bad))
    return dates_a[i], dates_a[i + 1], int(inside[i])


def check_calendar(small: pd.Series, large: pd.Series, max_missing: int = MAX_CALENDAR_HOLE) -> None:
    """Refuse a pair in which one series lacks more than ``max_missing`` consecutive sessions the other
    trades (rows deleted from one file): one line naming the series, its source, the gap and the rule."""
    for one, other in ((small, large), (large, small)):
        hole = calendar_holes(one, other, max_missing)
        if hole is not None:
            before, after, count = hole
            raise DataError(
                f"series {one.name!r} ({one.attrs.get('source', '?')}): no rows from {before.date()} to {after.date()}, "
                f"where series {other.name!r} has {count} sessions (a pair may differ by at most {max_missing} consecutive sessions)"
            )


def latest_today() -> dt.date:
    """Today's date where it is latest (local or UTC): no session can be dated after it."""
    return max(dt.date.today(), dt.datetime.now(dt.timezone.utc).date())


def check_plausible(values: np.ndarray, index: pd.DatetimeIndex, spec: SeriesSpec, column: str, where: str) -> None:
    """Refuse values no market produces: a price moving more than ``MAX_DAILY_RATIO`` times in one
    session, a daily factor return beyond ``MAX_FACTOR_PERCENT`` percent, a rate outside ``RATE_RANGE``."""
    if spec.kind == "price" and len(values) > 1:
        ratio = values[1:] / values[:-1]
        bad = (ratio > MAX_DAILY_RATIO) | (ratio < 1.0 / MAX_DAILY_RATIO)
        if bad.any():
            i = int(np.argmax(bad)) + 1
            raise DataError(
                f"{where}: implausible daily move in column {column!r} on {index[i].date()}: {values[i - 1]:g} to {values[i]:g} "
                f"(more than {MAX_DAILY_RATIO:g} times up or down in one session)"
            )
        if len(values) > 2:
            step = np.log(ratio)
            there, back = step[:-1], step[1:]
            spike = (np.abs(there) >= np.log(SPIKE_RATIO)) & (np.sign(there) != np.sign(back)) & (np.abs(there + back) <= np.log(SPIKE_UNDONE))
            if spike.any():
                i = int(np.argmax(spike)) + 1
                count = int(spike.sum())
                raise DataError(
                    f"{where}: implausible spike in column {column!r} on {index[i].date()}: {values[i - 1]:g} to {values[i]:g} and back to {values[i + 1]:g} "
                    f"the next session ({count} such row(s); rule: a move of {SPIKE_RATIO:g} times or more that the next session undoes is a bad print)"
                )
    elif spec.kind == "factor":
        bad = np.abs(values) > MAX_FACTOR_PERCENT
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{where}: implausible daily factor return {values[i]:g} % in column {column!r} on {index[i].date()} (bound: +-{MAX_FACTOR_PERCENT:g} % per day)")
    elif spec.kind == "rate":
        low, high = RATE_RANGE
        bad = (values < low) | (values > high)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{where}: implausible rate {values[i]:g} in column {column!r} on {index[i].date()} (expected {low:g} to {high:g} percent per year)")


def check_distinct(small: pd.Series, large: pd.Series) -> None:
    """Refuse a small and a large series that hold the same values on every common date (one file copied over the other)."""
    common = small.index.intersection(large.index)
    if len(common) < 2:
        return
    a, b = small.loc[common].to_numpy(dtype=float), large.loc[common].to_numpy(dtype=float)
    if np.array_equal(a, b):
        raise DataError(
            f"small series {small.name!r} ({small.attrs.get('source', '?')}) and large series {large.name!r} ({large.attrs.get('source', '?')}) "
            f"hold identical values on all {len(common)} common dates ({common[0].date()} to {common[-1].date()}); small and large must be different series"
        )
