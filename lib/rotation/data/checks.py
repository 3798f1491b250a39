"""Checks on every series as it is loaded: structure, dates, values, plausibility; and of a pair.

``validate_frame`` turns a raw frame into the validated one or raises one ``DataError`` line naming
the file, the column and the first offending row; ``check_plausible`` refuses values no market
produces; ``check_distinct`` refuses a small and a large series that are one file copied twice.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from rotation.core.errors import DataError
from rotation.data.catalogue import SeriesSpec

MAX_DAILY_RATIO = 3.0  # plausibility: a price that more than triples, or falls below a third, in one session is refused
MAX_FACTOR_PERCENT = 50.0  # plausibility: a daily factor return beyond +-50 % (percent per day on disk) is refused
RATE_RANGE = (-10.0, 100.0)  # plausibility: an interest rate outside this range (percent per year) is refused


def validate_frame(raw: pd.DataFrame, spec: SeriesSpec, where: str) -> pd.DataFrame:
    """Check and convert a raw frame with a ``date`` column (strings or datetimes) and value columns.

    Rules: required columns present; at least two rows; ISO dates, sorted ascending, unique,
    none after today; values numeric and finite; prices strictly positive; plausible values
    (see ``check_plausible``). Raises ``DataError`` naming ``where``, the column, and the
    first offending row.
    """
    missing = [c for c in ("date", *spec.columns) if c not in raw.columns]
    if missing:
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
    today = latest_today()
    if len(index) and index[-1].date() > today:
        i = int(np.argmax(index.date > today))
        raise DataError(f"{where}: date {index[i].date()} is after today ({today}); a file cannot hold future sessions")
    if spec.kind == "rate":
        # FRED leaves a business day blank when it publishes no value: missing, not an error.
        blank = np.zeros(len(raw), dtype=bool)
        for column in spec.columns:
            blank |= raw[column].astype(str).str.strip().isin(["", "."]).to_numpy()
        if blank.any():
            raw, index = raw.loc[~blank], index[~blank]
    out = pd.DataFrame(index=index)
    out.attrs["blank_rows"] = int(blank.sum()) if spec.kind == "rate" else 0
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
