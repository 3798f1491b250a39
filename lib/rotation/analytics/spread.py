"""Average outperformance over a window, how unusual it is, price gains over windows, record highs.

Units: every return, spread and gain is a **fraction** (per session where stated); convert to
bp or percent only for display (``rotation.core.fmt``). Returns are simple close-to-close returns as
produced by ``rotation.analytics.streaks.aligned_returns`` (columns ``small`` and ``large``).

Spread definitions (``spread_definitions``), for ``n`` sessions with returns ``r_s`` and ``r_l``:

* ``arithmetic``  mean of ``r_s - r_l``
* ``median``      median of ``r_s - r_l``
* ``log``         mean of ``log(1 + r_s) - log(1 + r_l)`` (log points per session)
* ``cumulative``  ``(prod(1 + r_s) - 1) - (prod(1 + r_l) - 1)``, divided by ``n``
* ``geometric``   ``(prod(1 + r_s) / prod(1 + r_l)) ** (1 / n) - 1``, the per-session growth
                  rate of the relative price ``P_s / P_l``
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation.analytics.returns import window_return
from rotation.core.errors import DataError, ParameterError

SPREAD_DEFINITIONS: dict[str, str] = {
    "arithmetic": "arithmetic mean of daily return differences, mean(r_small - r_large)",
    "median": "median of daily return differences",
    "log": "mean of daily log-return differences, mean(ln(1+r_small) - ln(1+r_large))",
    "cumulative": "cumulative return spread divided by sessions, (R_small - R_large) / n",
    "geometric": "per-session growth of the relative price, (P_small/P_large end/start)^(1/n) - 1",
}


def _returns_arrays(returns: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in ("small", "large") if c not in returns]
    if missing:
        raise DataError(f"returns frame lacks column {missing[0]!r} (expected the output of streaks.aligned_returns)")
    small = returns["small"].to_numpy(dtype=float)
    large = returns["large"].to_numpy(dtype=float)
    if small.size == 0:
        raise DataError("no sessions in the window: cannot average a spread over zero sessions")
    if not (np.isfinite(small).all() and np.isfinite(large).all()):
        raise DataError("missing or non-finite return in the window")
    if (small <= -1).any() or (large <= -1).any():
        raise DataError("a return of -100% or less in the window: log and geometric spreads are undefined")
    return small, large


def spread_definitions(returns: pd.DataFrame) -> pd.Series:
    """Average daily spread (fraction per session) under each definition of ``SPREAD_DEFINITIONS``.

    ``returns`` holds the window's sessions only (columns ``small`` and ``large``, simple returns).
    """
    small, large = _returns_arrays(returns)
    n = small.size
    diff = small - large
    growth_small = float(np.prod(1.0 + small))
    growth_large = float(np.prod(1.0 + large))
    values = {
        "arithmetic": float(diff.mean()),
        "median": float(np.median(diff)),
        "log": float(np.mean(np.log1p(small) - np.log1p(large))),
        "cumulative": ((growth_small - 1.0) - (growth_large - 1.0)) / n,
        "geometric": (growth_small / growth_large) ** (1.0 / n) - 1.0,
    }
    return pd.Series(values, name="spread", dtype=float)


def window_returns(returns: pd.DataFrame, end: pd.Timestamp, sessions: int) -> pd.DataFrame:
    """The last ``sessions`` rows of ``returns`` ending at session ``end`` (inclusive)."""
    if sessions < 1:
        raise ParameterError(f"window length must be at least 1 session, got {sessions}")
    if end not in returns.index:
        raise ParameterError(f"{pd.Timestamp(end).date()} is not a session of the returns")
    stop = returns.index.get_loc(end) + 1
    if stop < sessions:
        raise DataError(
            f"only {stop} sessions up to {pd.Timestamp(end).date()}; a {sessions}-session window needs more history"
        )
    return returns.iloc[stop - sessions : stop]


def rolling_mean(x: pd.Series, window: int) -> pd.Series:
    """Mean of ``x`` over every window of ``window`` consecutive rows, labelled by the window's last row.

    The first ``window - 1`` rows have no complete window and are dropped. Computed from a
    cumulative sum (vectorised); units are those of ``x``.
    """
    if window < 1:
        raise ParameterError(f"window must be at least 1, got {window}")
    values = x.to_numpy(dtype=float)
    if values.size < window:
        return pd.Series(dtype=float, name=x.name)
    sums = np.concatenate(([0.0], np.cumsum(values)))
    means = (sums[window:] - sums[:-window]) / window
    return pd.Series(means, index=x.index[window - 1 :], name=x.name)


def moving_block_bootstrap_means(
    x: np.ndarray | pd.Series, block_length: int, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Means of ``n_boot`` moving-block bootstrap resamples of ``x`` (Kunsch 1989), vectorised.

    Each resample has the length ``n`` of ``x``: ``ceil(n / block_length)`` blocks of
    ``block_length`` consecutive observations, block starts drawn uniformly (with
    replacement) from the ``n - block_length + 1`` possible starts (no wrap-around),
    concatenated and cut to ``n``. ``block_length = 1`` is the ordinary iid bootstrap.
    Blocks keep short-range serial dependence inside them, so the spread of the returned
    means reflects autocorrelation up to about ``block_length`` lags.

    Returns an array of shape ``(n_boot,)`` in the units of ``x``. Reproducible for a given
    ``rng`` state (``numpy.random.default_rng(seed)``).
    """
    values = np.asarray(x, dtype=float).ravel()
    n = values.size
    if n == 0:
        raise DataError("cannot bootstrap an empty sample")
    if not np.isfinite(values).all():
        raise DataError("cannot bootstrap a sample with missing or non-finite values")
    if not 1 <= int(block_length) <= n:
        raise ParameterError(f"block_length must be between 1 and the sample size {n}, got {block_length}")
    if int(n_boot) < 1:
        raise ParameterError(f"n_boot must be at least 1, got {n_boot}")
    block_length, n_boot = int(block_length), int(n_boot)
    n_blocks = math.ceil(n / block_length)
    starts = rng.integers(0, n - block_length + 1, size=(n_boot, n_blocks))
    index = (starts[:, :, None] + np.arange(block_length)).reshape(n_boot, n_blocks * block_length)[:, :n]
    return values[index].mean(axis=1)


@dataclass(frozen=True)
class MeanInterval:
    """An interval for the underlying mean of a sample, in the sample's units.

    ``mean`` (the sample mean), ``se`` (standard error), ``lower``/``upper`` at ``level``, ``n``
    observations; ``method`` says how (``HAC`` with ``lags``, or ``block bootstrap`` with
    ``block_length`` and ``n_boot`` resamples; the other method's fields are None).
    """

    method: str
    mean: float
    se: float
    lower: float
    upper: float
    level: float
    n: int
    lags: int | None = None
    block_length: int | None = None
    n_boot: int | None = None


def block_bootstrap_mean_ci(
    x: np.ndarray | pd.Series, block_length: int, n_boot: int, rng: np.random.Generator, level: float = 0.95
) -> MeanInterval:
    """Percentile interval for the mean of ``x`` from a moving-block bootstrap.

    ``mean``: the sample mean; ``lower``, ``upper``: the ``(1-level)/2`` and ``(1+level)/2``
    quantiles of the bootstrap means; ``se``: the standard deviation of the bootstrap means.
    Units of ``x``.
    """
    if not 0 < level < 1:
        raise ParameterError(f"level must be between 0 and 1, got {level}")
    means = moving_block_bootstrap_means(x, block_length, n_boot, rng)
    lower, upper = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    values = np.asarray(x, dtype=float).ravel()
    return MeanInterval(
        method="block bootstrap",
        mean=float(np.mean(values)),
        se=float(means.std(ddof=1)) if means.size > 1 else float("nan"),
        lower=float(lower),
        upper=float(upper),
        level=level,
        n=int(values.size),
        block_length=int(block_length),
        n_boot=int(n_boot),
    )


def newey_west_lags(n: int) -> int:
    """The Newey-West (1994) rule of thumb for HAC lags: ``floor(4 * (n / 100) ** (2 / 9))``."""
    return int(math.floor(4 * (n / 100) ** (2 / 9))) if n > 0 else 0


def hac_mean_ci(x: np.ndarray | pd.Series, maxlags: int | None = None, level: float = 0.95) -> MeanInterval:
    """Mean of ``x`` with a HAC (Newey-West, Bartlett kernel) standard error and Student-t interval.

    Fits OLS of ``x`` on a constant with statsmodels, ``cov_type="HAC"``; ``maxlags`` defaults to
    ``newey_west_lags(n)``. The interval uses t quantiles with n - 1 degrees of freedom, not
    normal ones: streak windows are short (13 sessions), where normal quantiles are too
    optimistic. Units of ``x``.
    """
    from statsmodels.regression.linear_model import OLS

    values = np.asarray(x, dtype=float).ravel()
    n = values.size
    if n < 2:
        raise DataError(f"a HAC standard error needs at least 2 observations, got {n}")
    if not np.isfinite(values).all():
        raise DataError("cannot compute a HAC interval for a sample with missing values")
    if not 0 < level < 1:
        raise ParameterError(f"level must be between 0 and 1, got {level}")
    lags = newey_west_lags(n) if maxlags is None else int(maxlags)
    if not 0 <= lags < n:
        raise ParameterError(f"HAC lags must be between 0 and n-1 = {n - 1}, got {lags}")
    fit = OLS(values, np.ones((n, 1))).fit(cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True)
    lower, upper = fit.conf_int(alpha=1 - level)[0]
    return MeanInterval(
        method="HAC",
        mean=float(fit.params[0]),
        se=float(fit.bse[0]),
        lower=float(lower),
        upper=float(upper),
        level=level,
        n=n,
        lags=lags,
    )


# ---------------------------------------------------------------------------------------------
# Price gains over windows


def trailing_gains(prices: pd.Series, end: pd.Timestamp, max_sessions: int) -> pd.DataFrame:
    """Close-to-close gain (fraction) from each of the ``max_sessions`` earlier closes to the close at ``end``.

    One row per window length ``sessions`` = 1..max_sessions (the window holds ``sessions``
    daily returns; its base is the close ``sessions`` sessions before ``end``). Columns:
    ``base_date``, ``base_close``, ``gain``. Lengths reaching before the data start are omitted.
    """
    if max_sessions < 1:
        raise ParameterError(f"max_sessions must be at least 1, got {max_sessions}")
    if end not in prices.index:
        raise ParameterError(f"{pd.Timestamp(end).date()} is not a session of series {prices.name!r}")
    pos = prices.index.get_loc(end)
    lengths = np.arange(1, min(max_sessions, pos) + 1)
    if lengths.size == 0:
        raise DataError(f"series {prices.name!r} has no close before {pd.Timestamp(end).date()}")
    base = prices.iloc[pos - lengths]
    table = pd.DataFrame(
        {"base_date": base.index, "base_close": base.to_numpy(), "gain": prices.iloc[pos] / base.to_numpy() - 1.0},
        index=pd.Index(lengths, name="sessions"),
    )
    return table


def max_trailing_gain(prices: pd.Series, end: pd.Timestamp, max_sessions: int) -> dict:
    """The largest gain over any window of at most ``max_sessions`` sessions ending at ``end``.

    Keys: ``gain`` (fraction), ``sessions``, ``base_date``, ``base_close``, ``end``, ``end_close``.
    Ties go to the shortest window.
    """
    table = trailing_gains(prices, end, max_sessions)
    best = table["gain"].idxmax()
    row = table.loc[best]
    return {
        "gain": float(row["gain"]),
        "sessions": int(best),
        "base_date": row["base_date"],
        "base_close": float(row["base_close"]),
        "end": pd.Timestamp(end),
        "end_close": float(prices.loc[end]),
    }


def max_trailing_gain_series(prices: pd.Series, max_sessions: int) -> pd.Series:
    """``max_trailing_gain``'s gain at every session at once: ``P_t / min(P_{t-N} .. P_{t-1}) - 1`` (fraction).

    The windows are those of at most ``max_sessions`` sessions that the data hold, so near the data
    start fewer of them; NaN at the first close (no earlier one).
    """
    if max_sessions < 1:
        raise ParameterError(f"max_sessions must be at least 1, got {max_sessions}")
    lowest = prices.shift(1).rolling(int(max_sessions), min_periods=1).min()
    return (prices / lowest - 1.0).rename("max_trailing_gain")


def gain_between(prices: pd.Series, base_date: pd.Timestamp, end: pd.Timestamp) -> dict:
    """Gain (fraction) from the close on ``base_date`` to the close on ``end``, with the session count."""
    for when in (base_date, end):
        if when not in prices.index:
            raise ParameterError(f"{pd.Timestamp(when).date()} is not a session of series {prices.name!r}")
    sessions = int(prices.index.get_loc(end) - prices.index.get_loc(base_date))
    return {
        "gain": window_return(prices, base_date, end),
        "sessions": sessions,
        "base_date": pd.Timestamp(base_date),
        "base_close": float(prices.loc[base_date]),
        "end": pd.Timestamp(end),
        "end_close": float(prices.loc[end]),
    }


def year_start_base(prices: pd.Series, end: pd.Timestamp) -> pd.Timestamp:
    """The last session before January 1 of ``end``'s year (the base of a year-to-date gain)."""
    cutoff = pd.Timestamp(year=pd.Timestamp(end).year, month=1, day=1)
    before = prices.index[prices.index < cutoff]
    if before.empty:
        raise DataError(f"series {prices.name!r} starts after {cutoff.date()}: no prior year-end close")
    return before[-1]


def recent_low(prices: pd.Series, end: pd.Timestamp, lookback: int) -> pd.Timestamp:
    """Date of the lowest close in the ``lookback`` sessions before ``end`` (``end`` excluded; earliest if tied)."""
    if lookback < 1:
        raise ParameterError(f"lookback must be at least 1 session, got {lookback}")
    if end not in prices.index:
        raise ParameterError(f"{pd.Timestamp(end).date()} is not a session of series {prices.name!r}")
    pos = prices.index.get_loc(end)
    if pos == 0:
        raise DataError(f"series {prices.name!r} has no close before {pd.Timestamp(end).date()}")
    window = prices.iloc[max(0, pos - lookback) : pos]
    return window.idxmin()


# ---------------------------------------------------------------------------------------------
# Record highs


LEVEL_BAND = 0.10  # a level "fits" a series within this fraction of its closes (the record-close claim's default)


def level_fits(closes: pd.Series, level: float, band: float = LEVEL_BAND) -> bool:
    """A quoted price ``level`` *fits* a series when it lies within ``band`` (a fraction) of the series' closes:
    ``min * (1 - band) <= level <= max * (1 + band)``. False for no closes or a NaN level."""
    values = pd.Series(closes, dtype=float).dropna()
    if values.empty or pd.isna(level):
        return False
    return bool(values.min() * (1 - band) <= level <= values.max() * (1 + band))


def record_highs(prices: pd.Series) -> pd.Series:
    """True on sessions whose close is strictly above every earlier close in the series.

    The first close has no history and is not a record. "All-time" therefore means "since the
    series starts" (check where the data begin before calling a close an all-time high).
    """
    values = prices.to_numpy(dtype=float)
    if values.size == 0:
        return pd.Series(dtype=bool, name="record")
    previous_max = np.concatenate(([np.inf], np.maximum.accumulate(values)[:-1]))
    return pd.Series(values > previous_max, index=prices.index, name="record")


def records_in_window(prices: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Closes on sessions from ``start`` to ``end`` (inclusive) that set a new high since the series start.

    Only data up to ``end`` is used. Returns the record closes (empty when none).
    """
    history = prices.loc[:end]
    flags = record_highs(history)
    return history[flags].loc[start:end]


def running_high(prices: pd.Series, end: pd.Timestamp) -> dict:
    """The highest close up to ``end`` (inclusive): ``close``, ``date`` (first date it was reached)."""
    history = prices.loc[:end]
    if history.empty:
        raise DataError(f"series {prices.name!r} has no data up to {pd.Timestamp(end).date()}")
    return {"close": float(history.max()), "date": history.idxmax()}


def previous_high(prices: pd.Series, before: pd.Timestamp) -> dict:
    """The highest close strictly before ``before``: ``close`` and ``date`` (the all-time high a later record breaks)."""
    history = prices.loc[: pd.Timestamp(before)]
    history = history[history.index < pd.Timestamp(before)]
    if history.empty:
        return {"close": float("nan"), "date": pd.NaT}
    return {"close": float(history.max()), "date": history.idxmax()}
