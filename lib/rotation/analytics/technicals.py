"""Technical indicators on one price series: RSI (Wilder), distance from a moving average, percentiles.

Units: RSI in points from 0 to 100; moving-average distance as a **fraction** (0.05 = 5% above
the average); percentiles in percent (0 to 100). Prices are daily closes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation.core.errors import DataError, ParameterError


def wilder_average(x: np.ndarray, window: int) -> np.ndarray:
    """Wilder's smoothed average of ``x``: NaN for the first ``window - 1`` values, then

    ``a[window-1] = mean(x[0:window])`` and ``a[t] = (a[t-1] * (window - 1) + x[t]) / window``
    (an exponential average with ``alpha = 1 / window`` seeded by a simple mean), computed as
    ``alpha * x[t] + (1 - alpha) * a[t-1]``: one pass in a plain loop (bit for bit what
    ``scipy.signal.lfilter`` gives, without its import, which takes a second or more).
    """
    values = np.asarray(x, dtype=float)
    out = np.full(values.size, np.nan)
    if values.size < window:
        return out
    alpha = 1.0 / window
    keep = 1.0 - alpha
    level = values[:window].mean()
    out[window - 1] = level
    for i in range(window, values.size):
        level = alpha * values[i] + keep * level
        out[i] = level
    return out


def rsi_wilder(prices: pd.Series, window: int = 14) -> pd.Series:
    """Relative Strength Index with Wilder's smoothing (points, 0 to 100).

    Daily changes ``c_t = P_t - P_{t-1}``; gains ``max(c, 0)`` and losses ``max(-c, 0)``
    are each averaged with ``wilder_average`` (the first average is the simple mean of the
    first ``window`` changes); ``RSI = 100 - 100 / (1 + avg_gain / avg_loss)``. An average
    loss of zero gives 100 (50 when the average gain is zero too). The first ``window``
    closes have no RSI (NaN).
    """
    if int(window) < 1:
        raise ParameterError(f"rsi_window must be at least 1, got {window}")
    window = int(window)
    values = prices.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise DataError(f"series {prices.name!r} has missing values; RSI needs a complete series")
    out = np.full(values.size, np.nan)
    if values.size > window:
        change = np.diff(values)
        gain = wilder_average(np.clip(change, 0, None), window)
        loss = wilder_average(np.clip(-change, 0, None), window)
        with np.errstate(divide="ignore", invalid="ignore"):
            rsi = 100.0 - 100.0 / (1.0 + gain / loss)
        rsi = np.where(loss == 0, np.where(gain == 0, 50.0, 100.0), rsi)
        rsi[: window - 1] = np.nan
        out[1:] = rsi
    return pd.Series(out, index=prices.index, name="rsi")


def moving_average(prices: pd.Series, window: int) -> pd.Series:
    """Simple moving average of the last ``window`` closes (inclusive); NaN until ``window`` closes exist."""
    if int(window) < 1:
        raise ParameterError(f"moving-average window must be at least 1, got {window}")
    return prices.rolling(int(window), min_periods=int(window)).mean()


def ma_distance(prices: pd.Series, window: int) -> pd.Series:
    """Distance of the close above its ``window``-session simple moving average: ``P / SMA - 1`` (fraction)."""
    return (prices / moving_average(prices, window) - 1.0).rename(f"ma{window}_distance")
