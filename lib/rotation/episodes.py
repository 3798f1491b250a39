"""Streak episodes side by side: market state during each streak and what followed.

Definitions (used by notebook ``03_history``):

* An **episode** is an outperformance streak (see ``rotation.streaks``) given by its first
  and last session. Its **base** is the session before its first session: the close from
  which the streak's returns are measured ("at the streak start").
* **Drawdown** of a price series on a date: ``close / running maximum of closes up to that
  date - 1`` (a fraction, 0 at a new high, negative below it).
* **Realized volatility**: standard deviation (ddof=1) of the daily simple returns over the
  last ``window`` sessions, times ``sqrt(252)`` (annualized, a fraction).
* **Percentile of its own history**: share (0-100) of the series' values from its first date
  up to the reference date that are ``<=`` the value. Only data up to the reference date are
  used, so no feature looks ahead.
* **Returns after an episode** (``returns_after``): simple price return from the close of the
  episode's last session to the close ``h`` sessions later (the first session counted is the
  one after the episode ends); NaN when the data stop before that.
* **Standardized distance** (``standardized_distance``): features are z-scored across the
  episodes of the table; the distance between two episodes is
  ``sqrt(K / K_shared * sum over shared features of (z_a - z_b)^2)``, where the sum runs
  over the features present for both and ``K`` is the number of features. With every
  feature present it is the plain Euclidean distance; a missing feature is neither counted
  as zero nor imputed, the shared ones are scaled up to ``K`` features.

Units: returns, drawdowns and volatilities are fractions; rates in percent per year (as FRED
publishes them); rate changes in percentage points; percentiles in 0-100 (share below plus half the
ties, `rotation.technicals.percentile_rank`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from rotation.errors import DataError, ParameterError
from rotation.returns import percentile_rank, returns_after, value_on  # noqa: F401 (re-exported)

TRADING_DAYS = 252
FEATURE_COLUMNS = [
    "sessions",
    "small_return",
    "large_return",
    "mean_spread",
    "vix_mean",
    "vix_pct",
    "realized_vol",
    "realized_vol_pct",
    "drawdown",
    "rate",
    "rate_change_6m",
]


# ---------------------------------------------------------------------------------------------
# Building blocks


def drawdown(prices: pd.Series) -> pd.Series:
    """Drawdown from the prior peak on each date: ``close / cummax(close) - 1`` (fraction, <= 0)."""
    values = prices.astype(float)
    return (values / values.cummax() - 1.0).rename("drawdown")


def realized_vol(returns: pd.Series, window: int = 21, periods_per_year: int = TRADING_DAYS) -> pd.Series:
    """Annualized realized volatility (fraction): rolling std (ddof=1) of ``window`` daily returns x sqrt(periods_per_year).

    NaN until ``window`` returns are available.
    """
    if int(window) < 2:
        raise ParameterError(f"vol_window: need at least 2 sessions, got {window}")
    return (returns.rolling(int(window), min_periods=int(window)).std(ddof=1) * np.sqrt(periods_per_year)).rename("realized_vol")




def find_crash(prices: pd.Series, month: str = "1987-10") -> pd.Timestamp:
    """The session with the largest one-day fall (most negative close-to-close return) within ``month`` (YYYY-MM)."""
    returns = prices.pct_change()
    try:
        window = returns.loc[month].dropna()
    except (KeyError, ValueError):
        raise ParameterError(f"crash_month {month!r} is not a month (expected YYYY-MM)") from None
    if window.empty:
        raise DataError(f"series {prices.name!r} has no returns in {month}")
    return pd.Timestamp(window.idxmin())


def longest_streak_in(table: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series | None:
    """The longest streak of ``table`` (``rotation.streaks.outperformance_streaks`` rows) lying within [first, last].

    Ties go to the earliest. None when no streak lies within the window.
    """
    inside = table[(table["start"] >= first) & (table["end"] <= last)]
    if inside.empty:
        return None
    return inside.loc[inside["sessions"].idxmax()]  # idxmax returns the first maximum


def longest_streak_overlapping(table: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series | None:
    """The longest streak of ``table`` with at least one session in [first, last]; ties go to the earliest; None if none."""
    touching = table[(table["end"] >= first) & (table["start"] <= last)]
    if touching.empty:
        return None
    return touching.loc[touching["sessions"].idxmax()]


def classify(small_return: float, large_return: float) -> str:
    """``defensive rotation`` (large fell, small held up: >= 0), ``broad rally`` (both rose) or ``both fell``."""
    if not (np.isfinite(small_return) and np.isfinite(large_return)):
        return "n/a"
    if large_return < 0 <= small_return:
        return "defensive rotation"
    if large_return >= 0 and small_return > 0:
        return "broad rally"
    return "both fell"


def sign_agreement(a: pd.Series, b: pd.Series) -> dict:
    """How often ``sign(a) == sign(b)`` on the dates both have (zeros count as their own sign).

    Keys: ``rate`` (fraction), ``n`` (common dates), ``first``, ``last``, ``positive_agreement``
    (share of days with b > 0 on which a > 0 too).
    """
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    if both.empty:
        raise DataError(f"series {a.name!r} and {b.name!r} share no dates")
    sa, sb = np.sign(both["a"].to_numpy()), np.sign(both["b"].to_numpy())
    pos = sb > 0
    return {
        "rate": float((sa == sb).mean()),
        "n": int(len(both)),
        "first": both.index[0],
        "last": both.index[-1],
        "positive_agreement": float((sa[pos] > 0).mean()) if pos.any() else float("nan"),
    }


# ---------------------------------------------------------------------------------------------
# Episode features


def episode_features(
    episodes: pd.DataFrame,
    returns: pd.DataFrame,
    large_prices: pd.Series,
    vix: pd.Series | None = None,
    rate: pd.Series | None = None,
    *,
    vol_window: int = 21,
    rate_lookback_months: int = 6,
) -> pd.DataFrame:
    """Market state during each episode, using only data up to the episode's last session.

    ``episodes``: rows with ``start`` and ``end`` (sessions of ``returns``) and optionally
    ``label``. ``returns``: ``rotation.streaks.aligned_returns`` output. ``large_prices``: the
    large-cap index on its own full calendar (drawdown and realized volatility use its whole
    history, e.g. the S&P 500 from 1928). ``vix`` and ``rate`` may be None or not cover an
    episode: those features are NaN then.

    Columns: ``label``, ``start``, ``end``, ``base`` (session before ``start``), ``sessions``,
    ``small_return``, ``large_return`` (cumulative over the streak), ``mean_spread`` (fraction
    per session), ``kind`` (see ``classify``), ``vix_mean`` (average VIX close over the
    streak's sessions), ``vix_pct`` (its percentile among VIX closes up to ``end``),
    ``realized_vol`` (large index, ``vol_window`` sessions ending at ``end``), ``realized_vol_pct``
    (its percentile among that series' values up to ``end``), ``drawdown`` (large index at the
    base close), ``rate`` (level on the base date, percent), ``rate_change_6m`` (level on the
    base date minus the level ``rate_lookback_months`` calendar months earlier, percentage points).
    """
    if returns.empty:
        raise DataError("episode_features: no returns")
    large_r = large_prices.pct_change()
    vol = realized_vol(large_r, vol_window)
    dd = drawdown(large_prices)
    logs = {c: np.concatenate(([0.0], np.cumsum(np.log1p(returns[c].to_numpy())))) for c in ("small", "large")}
    index = returns.index
    rows = []
    for i, ep in enumerate(episodes.itertuples(index=False)):
        start, end = pd.Timestamp(ep.start), pd.Timestamp(ep.end)
        if start not in index or end not in index or end < start:
            raise DataError(f"episode {start.date()} to {end.date()}: not sessions of the return calendar")
        first, last = index.get_loc(start), index.get_loc(end)
        # base: the close the first streak return starts from (first return date's previous common session)
        base = index[first - 1] if first > 0 else returns.attrs.get("alignment", {}).get("first", start)
        small_ret = float(np.expm1(logs["small"][last + 1] - logs["small"][first]))
        large_ret = float(np.expm1(logs["large"][last + 1] - logs["large"][first]))
        spread = (returns["small"].iloc[first : last + 1] - returns["large"].iloc[first : last + 1]).mean()
        vix_mean = vix_pct = float("nan")
        if vix is not None and not vix.empty:
            during = vix.loc[start:end]
            if len(during) and vix.index[0] <= start:
                vix_mean = float(during.mean())
                vix_pct = percentile_rank(vix_mean, vix.loc[:end])
        rv = value_on(vol, end)
        rate_level = rate_change = float("nan")
        if rate is not None and not rate.empty:
            rate_level = value_on(rate, base)
            rate_change = rate_level - value_on(rate, base - pd.DateOffset(months=rate_lookback_months))
        rows.append(
            {
                "label": getattr(ep, "label", "") or "",
                "start": start,
                "end": end,
                "base": pd.Timestamp(base),
                "sessions": last - first + 1,
                "small_return": small_ret,
                "large_return": large_ret,
                "mean_spread": float(spread),
                "kind": classify(small_ret, large_ret),
                "vix_mean": vix_mean,
                "vix_pct": vix_pct,
                "realized_vol": rv,
                "realized_vol_pct": percentile_rank(rv, vol.loc[:end]),
                "drawdown": value_on(dd, pd.Timestamp(base)),
                "rate": rate_level,
                "rate_change_6m": rate_change,
            }
        )
    return pd.DataFrame(rows)


def outcomes_after(
    episodes: pd.DataFrame,
    small_prices: pd.Series,
    large_prices: pd.Series,
    horizons: Sequence[int] = (21, 63, 126, 252),
    last: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """What followed each episode: returns of each index and small minus large after ``end``.

    Prices are taken on the two series' common calendar; ``last`` (e.g. ``as_of``) caps the data
    used. Columns ``small_<h>``, ``large_<h>``, ``diff_<h>`` (= small - large, simple returns,
    fractions) for each horizon ``h`` in sessions; NaN where the data stop first.
    """
    common = small_prices.index.intersection(large_prices.index)
    small_c, large_c = small_prices.loc[common], large_prices.loc[common]
    rows = []
    for end in pd.to_datetime(episodes["end"]):
        s = returns_after(small_c, end, horizons, last)
        lg = returns_after(large_c, end, horizons, last)
        row = {}
        for h in horizons:
            row[f"small_{h}"] = s[int(h)]
            row[f"large_{h}"] = lg[int(h)]
            row[f"diff_{h}"] = s[int(h)] - lg[int(h)]
        rows.append(row)
    return pd.DataFrame(rows, index=episodes.index)


def relative_path(returns: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, after: int = TRADING_DAYS, last: pd.Timestamp | None = None) -> pd.Series:
    """Relative strength small/large indexed to 100 at the streak's base, from the base to ``after`` sessions past ``end``.

    Index: sessions from the streak start (0 = base close, 1 = first streak session). The path
    stops at ``last`` (e.g. ``as_of``) or the end of the data.
    """
    data = returns if last is None else returns.loc[:last]
    first = data.index.get_loc(start)
    stop = min(len(data) - 1, data.index.get_loc(end) + int(after))
    window = data.iloc[first : stop + 1]
    ratio = np.concatenate(([1.0], np.cumprod(1 + window["small"].to_numpy()) / np.cumprod(1 + window["large"].to_numpy())))
    return pd.Series(100.0 * ratio, index=pd.RangeIndex(0, len(ratio), name="sessions from streak start"), name="relative")


# ---------------------------------------------------------------------------------------------
# Resemblance


def zscores(features: pd.DataFrame) -> pd.DataFrame:
    """Each column standardized across rows: ``(x - mean) / std`` (ddof=1, NaN ignored); a constant column gives 0."""
    values = features.astype(float)
    z = pd.DataFrame(index=values.index)
    for column in values.columns:
        x = values[column]
        std = x.std(ddof=1)
        z[column] = (x - x.mean()) / std if np.isfinite(std) and std > 0 else x * 0.0
    return z


def standardized_distance(features: pd.DataFrame, target: object, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Distance from row ``target`` to every other row over z-scored ``columns`` (see the module docstring).

    Returns a frame indexed like ``features`` (without ``target``), sorted nearest first, with
    ``distance`` and ``shared`` (number of features present for both rows). Rows sharing no
    feature get NaN.
    """
    cols = list(columns) if columns is not None else list(features.columns)
    missing = [c for c in cols if c not in features.columns]
    if missing:
        raise ParameterError(f"distance_features: unknown feature {missing[0]!r} (have: {', '.join(features.columns)})")
    if target not in features.index:
        raise DataError(f"standardized_distance: no episode {target!r} in the feature table")
    z = zscores(features[cols].astype(float))
    diff = z.drop(index=target) - z.loc[target]
    shared = diff.notna().sum(axis=1)
    total = (diff**2).sum(axis=1, min_count=1)
    distance = np.sqrt(total * len(cols) / shared.where(shared > 0))
    out = pd.DataFrame({"distance": distance, "shared": shared.astype(int)})
    return out.sort_values("distance", na_position="last")


__all__ = [
    "FEATURE_COLUMNS",
    "classify",
    "drawdown",
    "episode_features",
    "find_crash",
    "longest_streak_in",
    "longest_streak_overlapping",
    "outcomes_after",
    "realized_vol",
    "relative_path",
    "returns_after",
    "sign_agreement",
    "standardized_distance",
    "value_on",
    "zscores",
]
