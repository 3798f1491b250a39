"""Streak episodes side by side: market state during each streak and what followed.

Definitions (used by notebook ``03_history``):

* An **episode** is an outperformance streak (see ``rotation.analytics.streaks``) given by its first
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
  as zero nor imputed, the shared ones are scaled up to ``K`` features. Other
  standardisations (``standardise``): ``rank`` (percentile ranks across the episodes) and
  ``robust`` (median and 1.4826 x MAD).
* **Variant grid** (``resemblance_grid``): the distance from one episode to named ones under
  every combination of feature set, standardisation and minimum streak length, with each
  named episode's rank among all episodes (1 = nearest), the features each distance used,
  the nearest episode, and which named episode is nearer; ``grid_summary`` gives the shares.
* **Lead after a base date** (``lead_after``): small minus large simple price return from the
  base close to the last common session on or before each horizon.

Units: returns, drawdowns and volatilities are fractions; rates in percent per year (as FRED
publishes them); rate changes in percentage points; percentiles in 0-100 (share below plus half the
ties, `rotation.analytics.returns.percentile_rank`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation.analytics.returns import percentile_rank, returns_after, value_on, window_return
from rotation.core.errors import DataError, ParameterError

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
    return (returns.rolling(int(window), min_periods=int(window)).std(ddof=1) * np.sqrt(periods_per_year)).rename(
        "realized_vol"
    )


def month_bounds(month: str, name: str = "crash_month") -> tuple[pd.Timestamp, pd.Timestamp]:
    """``"YYYY-MM"`` -> (first day, last day) of that month; ``ParameterError`` naming ``name`` otherwise."""
    try:
        period = pd.Period(str(month), freq="M")
        if not re.fullmatch(r"\d{4}-\d{2}", str(month).strip()):
            raise ValueError
    except (ValueError, TypeError):
        raise ParameterError(f"{name} {month!r} is not a month (expected YYYY-MM)") from None
    return period.start_time.normalize(), period.end_time.normalize()


def find_crash(prices: pd.Series, month: str = "1987-10") -> pd.Timestamp:
    """The session with the largest one-day fall (most negative close-to-close return) within ``month`` (YYYY-MM).

    ``ParameterError`` when ``month`` is not a month; ``DataError`` naming the series and its
    range when the series has no return in that month (e.g. it starts later).
    """
    first, last = month_bounds(month)
    returns = prices.pct_change()
    window = returns.loc[first:last].dropna()
    if window.empty:
        span = f"{prices.index[0].date()} to {prices.index[-1].date()}" if len(prices) else "no rows"
        raise DataError(f"series {prices.name!r} has no daily return in {month} (it holds {span})")
    return pd.Timestamp(window.idxmin())


def longest_streak_in(table: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series | None:
    """The longest streak of ``table`` (``rotation.analytics.streaks.outperformance_streaks`` rows) lying within [first, last].

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
    ``label``. ``returns``: ``rotation.analytics.streaks.aligned_returns`` output. ``large_prices``: the
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
    for ep in episodes.itertuples(index=False):
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


def relative_path(
    returns: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    after: int = TRADING_DAYS,
    last: pd.Timestamp | None = None,
) -> pd.Series:
    """Relative strength small/large indexed to 100 at the streak's base, from the base to ``after`` sessions past ``end``.

    Index: sessions from the streak start (0 = base close, 1 = first streak session). The path
    stops at ``last`` (e.g. ``as_of``) or the end of the data.
    """
    data = returns if last is None else returns.loc[:last]
    first = data.index.get_loc(start)
    stop = min(len(data) - 1, data.index.get_loc(end) + int(after))
    window = data.iloc[first : stop + 1]
    ratio = np.concatenate(
        ([1.0], np.cumprod(1 + window["small"].to_numpy()) / np.cumprod(1 + window["large"].to_numpy()))
    )
    return pd.Series(
        100.0 * ratio, index=pd.RangeIndex(0, len(ratio), name="sessions from streak start"), name="relative"
    )


# ---------------------------------------------------------------------------------------------
# Resemblance

ROBUST_MAD_SCALE = 1.4826  # MAD x 1.4826 estimates the standard deviation of a normal sample


def _scaled(values: pd.DataFrame, centre: pd.Series, scale: pd.Series) -> pd.DataFrame:
    """``(values - centre) / scale`` column by column; a column with no positive finite scale gives 0 (NaN kept)."""
    x = values.to_numpy(dtype=float)
    c, sd = np.asarray(centre, dtype=float), np.asarray(scale, dtype=float)
    ok = np.isfinite(sd) & (sd > 0)
    out = np.where(ok, (x - c) / np.where(ok, sd, 1.0), x * 0.0)
    return pd.DataFrame(out, index=values.index, columns=values.columns)


def zscores(features: pd.DataFrame) -> pd.DataFrame:
    """Each column standardized across rows: ``(x - mean) / std`` (ddof=1, NaN ignored); a constant column gives 0."""
    values = features.astype(float)
    return _scaled(values, values.mean(), values.std(ddof=1))


def rank_scores(features: pd.DataFrame) -> pd.DataFrame:
    """Each column as its percentile across rows, ``(rank - 1/2) / n`` in (0, 1) (average rank for ties, NaN kept, n = non-missing rows).

    The scale of a feature does not matter, only the order of the episodes on it; a constant
    column gives 0.5 for every row (it adds nothing to a distance).
    """
    values = features.astype(float)
    n = values.notna().sum()
    return (values.rank(method="average") - 0.5) / n.where(n > 0)


def robust_scores(features: pd.DataFrame) -> pd.DataFrame:
    """Each column as ``(x - median) / (1.4826 * MAD)`` across rows (NaN ignored).

    A column whose MAD is 0 (more than half the rows equal) is scaled by its standard deviation
    instead; a constant column gives 0. One outlying episode moves the median and MAD far less
    than the mean and standard deviation of ``zscores``.
    """
    values = features.astype(float)
    centre = values.median()
    scale = ROBUST_MAD_SCALE * (values - centre).abs().median()
    scale = scale.where(np.isfinite(scale) & (scale > 0), values.std(ddof=1))
    return _scaled(values, centre, scale)


STANDARDISATIONS = {"zscore": zscores, "rank": rank_scores, "robust": robust_scores}
STANDARDISATION_TEXT = {
    "zscore": "z-scores (mean and standard deviation across the episodes)",
    "rank": "percentile ranks across the episodes, (rank - 1/2) / n",
    "robust": "robust z-scores (median and 1.4826 x MAD across the episodes)",
}


def standardise(features: pd.DataFrame, how: str = "zscore") -> pd.DataFrame:
    """``features`` standardized column by column across rows: ``zscore``, ``rank`` or ``robust`` (see those functions)."""
    if how not in STANDARDISATIONS:
        raise ParameterError(f"standardise: unknown standardisation {how!r} (use one of {', '.join(STANDARDISATIONS)})")
    return STANDARDISATIONS[how](features)


def standardized_distance(
    features: pd.DataFrame, target: object, columns: Sequence[str] | None = None, how: str = "zscore"
) -> pd.DataFrame:
    """Distance from row ``target`` to every other row over standardized ``columns`` (see the module docstring).

    ``how``: the standardisation (``zscore``, ``rank``, ``robust``), computed across all rows of
    ``features``. Returns a frame indexed like ``features`` (without ``target``), sorted nearest
    first, with ``distance``, ``shared`` (number of features present for both rows) and
    ``features`` (their names, comma-separated). Rows sharing no feature get NaN.
    """
    cols = list(columns) if columns is not None else list(features.columns)
    if not cols:
        raise ParameterError("distance_features: empty feature list")
    missing = [c for c in cols if c not in features.columns]
    if missing:
        raise ParameterError(f"distance_features: unknown feature {missing[0]!r} (have: {', '.join(features.columns)})")
    if target not in features.index:
        raise DataError(f"standardized_distance: no episode {target!r} in the feature table")
    z = standardise(features[cols].astype(float), how)
    others = z.drop(index=target)
    diff = others.to_numpy() - z.loc[target].to_numpy()
    present = ~np.isnan(diff)
    shared = present.sum(axis=1)
    total = np.where(present, diff, 0.0) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.where(shared > 0, np.sqrt(total.sum(axis=1) * len(cols) / np.maximum(shared, 1)), np.nan)
    names = np.array(cols)
    used = [", ".join(names[mask]) for mask in present]
    out = pd.DataFrame({"distance": distance, "shared": shared.astype(int), "features": used}, index=others.index)
    return out.sort_values("distance", na_position="last", kind="mergesort")


def distance_rank(distances: pd.DataFrame, key: object) -> int | None:
    """Rank of episode ``key`` by distance (1 = nearest; equal distances share the better rank); None when it has no distance."""
    if key not in distances.index or pd.isna(distances.loc[key, "distance"]):
        return None
    d = distances["distance"]
    return int((d < d.loc[key] - 1e-12).sum()) + 1


def episode_rows(table: pd.DataFrame, min_streak: int, named: Mapping[str, pd.Series | None]) -> pd.DataFrame:
    """The episodes compared: every streak of ``table`` with at least ``min_streak`` sessions, plus the named ones.

    ``named`` maps a label (``"current"``, ``"1988 episode"``...) to a streak row or None. A named
    streak shorter than ``min_streak`` is added; one already in the table gets the label.
    Columns ``start``, ``end``, ``label``; sorted by start.
    """
    if int(min_streak) < 1:
        raise ParameterError(f"min_streak: must be at least 1 session, got {min_streak!r}")
    rows = table.loc[table["sessions"] >= int(min_streak), ["start", "end"]].copy()
    rows["label"] = ""
    for name, ep in named.items():
        if ep is None:
            continue
        hit = rows["start"] == ep["start"]
        if hit.any():
            rows.loc[hit, "label"] = (rows.loc[hit, "label"] + "; " + name).str.strip("; ")
        else:
            rows = pd.concat([rows, pd.DataFrame({"start": [ep["start"]], "end": [ep["end"]], "label": [name]})])
    return rows.sort_values("start").reset_index(drop=True)


def episode_key(start: pd.Timestamp) -> str:
    """The id of an episode in feature tables: its first session, ``YYYY-MM-DD``."""
    return f"{pd.Timestamp(start):%Y-%m-%d}"


def resemblance_grid(
    tables: Mapping[int, pd.DataFrame],
    target: str,
    named: Mapping[str, str],
    feature_sets: Mapping[str, Sequence[str]],
    standardisations: Sequence[str] = ("zscore",),
) -> pd.DataFrame:
    """Distances from episode ``target`` under every (minimum length, feature set, standardisation) variant.

    ``tables``: minimum streak length -> feature table (``episode_features`` output indexed by
    ``episode_key``), each holding ``target`` and the ``named`` episodes (name -> key, e.g.
    ``{"1988": "1988-03-01", "2008": "2008-05-20"}``). One row per variant with:
    ``min_streak``, ``feature_set``, ``standardisation``, ``episodes`` (episodes with a
    distance), for each name ``distance <name>``, ``rank <name>`` (1 = nearest among all
    episodes), ``features <name>`` (the features that entered that distance); ``nearest``
    (key of the nearest episode), ``nearest distance``, ``nearest features``, and ``nearer``
    (the name with the smallest distance; ``"tie"``; None when a named distance is missing).
    """
    rows = []
    for min_streak, feats in tables.items():
        for set_name, columns in feature_sets.items():
            for how in standardisations:
                dist = standardized_distance(feats, target, list(columns), how)
                valid = dist[dist["distance"].notna()]
                row = {
                    "min_streak": int(min_streak),
                    "feature_set": set_name,
                    "standardisation": how,
                    "episodes": int(len(valid)),
                }
                for name, key in named.items():
                    has = key in dist.index and pd.notna(dist.loc[key, "distance"])
                    row[f"distance {name}"] = float(dist.loc[key, "distance"]) if has else float("nan")
                    row[f"rank {name}"] = distance_rank(dist, key)
                    row[f"features {name}"] = dist.loc[key, "features"] if key in dist.index else ""
                row["nearest"] = valid.index[0] if len(valid) else None
                row["nearest distance"] = float(valid["distance"].iloc[0]) if len(valid) else float("nan")
                row["nearest features"] = valid["features"].iloc[0] if len(valid) else ""
                row["nearer"] = nearer(row, list(named))
                rows.append(row)
    return pd.DataFrame(rows)


def nearer(row: Mapping, names: Sequence[str]) -> str | None:
    """The name whose ``distance <name>`` is smallest in ``row``; ``"tie"`` when equal; None when one is missing."""
    values = {n: row[f"distance {n}"] for n in names}
    if any(pd.isna(v) for v in values.values()):
        return None
    best = min(values.values())
    winners = [n for n, v in values.items() if abs(v - best) <= 1e-12]
    return winners[0] if len(winners) == 1 else "tie"


@dataclass(frozen=True)
class GridSummary:
    """How often a named episode is the nearer one, and which episode is nearest most often, across a grid's variants.

    ``variants`` (rows), ``comparable`` (rows where every named distance exists), ``share_nearer``
    (fraction of comparable rows where the name is nearer; NaN when none), ``nearest`` (the most
    frequent nearest episode; ties: the earliest key; None when none), ``share_nearest`` (fraction of
    rows with a nearest episode in which it is that one), ``nearest_counts`` (variants per nearest episode).
    """

    variants: int
    comparable: int
    share_nearer: float
    nearest: str | None
    share_nearest: float
    nearest_counts: pd.Series


def grid_summary(grid: pd.DataFrame, name: str) -> GridSummary:
    """The ``GridSummary`` of ``name`` over the grid's variants (``resemblance_grid`` rows)."""
    comparable = grid[grid["nearer"].notna()]
    counts = grid["nearest"].dropna().value_counts()
    top = sorted(counts[counts == counts.max()].index)[0] if len(counts) else None
    return GridSummary(
        variants=int(len(grid)),
        comparable=int(len(comparable)),
        share_nearer=float((comparable["nearer"] == name).mean()) if len(comparable) else float("nan"),
        nearest=top,
        share_nearest=float(counts[top] / counts.sum()) if top is not None else float("nan"),
        nearest_counts=counts,
    )


# ---------------------------------------------------------------------------------------------
# Relative returns after an event


def lead_after(
    small: pd.Series,
    large: pd.Series,
    base: pd.Timestamp,
    horizons_years: Sequence[float],
    last: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Small minus large price return from the close of ``base`` to the last common session on or before ``base + h years``.

    ``small``/``large``: closes; only their common sessions are used, up to ``last`` when given.
    One row per horizon: ``years``, ``base``, ``to`` (NaT when the data stop before the target
    date), ``small``, ``large`` (simple price returns, fractions) and ``difference``.
    """
    common = pd.concat([small.rename("small"), large.rename("large")], axis=1, join="inner").dropna()
    if last is not None:
        common = common.loc[:last]
    rows = []
    for years in horizons_years:
        target = pd.Timestamp(base) + pd.DateOffset(months=round(12 * float(years)))
        covered = len(common) and common.index[-1] >= target and pd.Timestamp(base) in common.index
        to = common.index[common.index <= target][-1] if covered else pd.NaT
        rs = window_return(common["small"], base, to) if covered else float("nan")
        rl = window_return(common["large"], base, to) if covered else float("nan")
        rows.append(
            {"years": years, "base": pd.Timestamp(base), "to": to, "small": rs, "large": rl, "difference": rs - rl}
        )
    return pd.DataFrame(rows)


__all__ = [
    "FEATURE_COLUMNS",
    "STANDARDISATIONS",
    "distance_rank",
    "episode_key",
    "episode_rows",
    "GridSummary",
    "grid_summary",
    "lead_after",
    "month_bounds",
    "nearer",
    "rank_scores",
    "resemblance_grid",
    "robust_scores",
    "standardise",
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
