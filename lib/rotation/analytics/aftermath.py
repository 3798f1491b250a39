"""What happened after a streak: how it broke, the relative path, corrections, month-end values, ranks.

Definitions (used by notebook 06 and by the ``relative_path_ahead`` claim kind):

* **Cumulative relative return** from the close of a *base* session ``b`` to the close of
  session ``t``: ``(S_t / S_b - 1) - (L_t / L_b - 1)`` (fraction), the difference of the two
  simple price returns, on the common calendar of the small-cap series ``S`` and the
  large-cap series ``L``.
* **Relative strength**: ``100 * (S_t / S_b) / (L_t / L_b)``, the small/large price ratio
  rebased to 100 at the base close.
* **Correction**: the first close at least ``threshold`` (10% by default) below the highest
  close since the base (the running peak, the base close included).
* **The session that ended a streak**: the first session that did not extend it (small-cap
  return not above large-cap return); the streak's *last winning session* is the one before.

All functions are pure; dates are session labels of the inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rotation.analytics.returns import percentile_rank
from rotation.core.errors import DataError


def common_closes(small: pd.Series, large: pd.Series) -> pd.DataFrame:
    """Closes of both series on their common dates (columns ``small``, ``large``), NaN rows dropped."""
    both = pd.concat({"small": small, "large": large}, axis=1, join="inner").dropna()
    if both.empty:
        raise DataError(f"series {small.name!r} and {large.name!r} share no dates")
    return both


def relative_return_path(
    small: pd.Series, large: pd.Series, base: pd.Timestamp, end: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Cumulative returns from the close of ``base`` to each common session up to ``end`` (fractions).

    Columns ``small``, ``large``, ``relative`` (small minus large) and ``strength`` (relative
    strength, 100 at ``base``). The first row is ``base`` itself (all returns 0).
    """
    both = common_closes(small, large)
    base = pd.Timestamp(base)
    if base not in both.index:
        raise DataError(f"{base.date()} is not a common session of {small.name!r} and {large.name!r}")
    part = both.loc[base:] if end is None else both.loc[base : pd.Timestamp(end)]
    growth = part / part.iloc[0]
    out = pd.DataFrame({"small": growth["small"] - 1.0, "large": growth["large"] - 1.0}, index=part.index)
    out["relative"] = out["small"] - out["large"]
    out["strength"] = 100.0 * growth["small"] / growth["large"]
    return out


def share_positive(relative: pd.Series) -> tuple[float, int, int]:
    """Share of sessions after the base (first row excluded) with a cumulative relative return above 0.

    Returns ``(share, sessions ahead, sessions)``; NaN share when there is no session after the base.
    """
    after = relative.iloc[1:]
    n = int(after.size)
    k = int((after > 0).sum())
    return (k / n if n else float("nan")), k, n


def month_ends(path: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``path`` on the last session of each calendar month it covers (the base row left out).

    Column ``month`` (``YYYY-MM``) is added, and ``complete``: False only for a final month the
    path stops in before that month's last weekday (its month-end value is not known yet).
    """
    after = path.iloc[1:]
    last = after.groupby(after.index.to_period("M")).tail(1).copy()
    last["month"] = last.index.to_period("M").astype(str)
    last["complete"] = True
    if len(last) and last.index[-1] == path.index[-1]:
        final = last.index[-1]
        last.loc[final, "complete"] = bool(final >= final + pd.offsets.BMonthEnd(0))
    return last


def first_correction(prices: pd.Series, start: pd.Timestamp, threshold: float = 0.10) -> dict:
    """The first close at least ``threshold`` below the running peak since ``start`` (``start``'s close included).

    Keys: ``found`` (bool), ``date``, ``close``, ``peak_date``, ``peak`` (the peak it fell from),
    ``drawdown`` (fraction, negative), and ``max_drawdown``/``max_drawdown_date``/``max_peak_date``
    (the deepest fall from a running peak over the whole span, for when no correction is found).
    """
    part = prices.loc[pd.Timestamp(start) :].dropna()
    if part.empty:
        raise DataError(f"series {prices.name!r} has no close on or after {pd.Timestamp(start).date()}")
    peak = part.cummax()
    drawdown = part / peak - 1.0
    hit = drawdown <= -float(threshold) + 1e-12
    deepest = drawdown.idxmin()
    peak_of_deepest = part.loc[:deepest].idxmax()
    out = {
        "found": bool(hit.any()),
        "date": pd.NaT,
        "close": np.nan,
        "peak_date": pd.NaT,
        "peak": np.nan,
        "drawdown": np.nan,
        "max_drawdown": float(drawdown.min()),
        "max_drawdown_date": deepest,
        "max_peak_date": peak_of_deepest,
        "threshold": float(threshold),
    }
    if out["found"]:
        when = hit.idxmax()
        peak_date = part.loc[:when].idxmax()
        out.update(
            date=when,
            close=float(part[when]),
            peak_date=peak_date,
            peak=float(part[peak_date]),
            drawdown=float(drawdown[when]),
        )
    return out


def worst_point(series: pd.Series) -> tuple[pd.Timestamp, float]:
    """The date and value of the lowest point of ``series`` (its first occurrence)."""
    clean = series.dropna()
    if clean.empty:
        raise DataError("worst_point: the series is empty")
    when = clean.idxmin()
    return when, float(clean[when])


def streak_break(returns: pd.DataFrame, start: pd.Timestamp) -> dict:
    """How the outperformance streak that began on ``start`` ended, from daily returns (``small``, ``large``).

    Keys: ``start``, ``last_win`` (its last winning session), ``sessions``, ``ongoing`` (still
    running at the end of ``returns``), ``ended_on`` (the first session that did not extend it;
    NaT when ongoing) and that session's ``small``, ``large`` and ``spread`` returns (fractions).
    """
    spread = (returns["small"] - returns["large"]).to_numpy()
    index = returns.index
    start = pd.Timestamp(start)
    if start not in index:
        raise DataError(f"streak start {start.date()} is not a session of the returns")
    i = index.get_loc(start)
    if spread[i] <= 0:
        raise DataError(f"small caps did not beat large caps on {start.date()}: no streak starts there")
    j = i
    while j + 1 < len(index) and spread[j + 1] > 0:
        j += 1
    out = {
        "start": start,
        "last_win": index[j],
        "sessions": int(j - i + 1),
        "ongoing": j + 1 >= len(index),
        "ended_on": pd.NaT,
        "small": np.nan,
        "large": np.nan,
        "spread": np.nan,
    }
    if not out["ongoing"]:
        k = j + 1
        out.update(
            ended_on=index[k],
            small=float(returns["small"].iloc[k]),
            large=float(returns["large"].iloc[k]),
            spread=float(spread[k]),
        )
    return out


def outcome_rank(value: float, history: pd.Series | np.ndarray) -> dict:
    """Where ``value`` ranks among earlier outcomes ``history`` (NaNs ignored).

    Keys: ``rank`` (1 = the best, i.e. the highest relative return; 1 + the number of earlier
    outcomes strictly above ``value``), ``of`` (earlier outcomes + 1), ``n_earlier``,
    ``percentile`` (``returns.percentile_rank``: share strictly below plus half the ties, 0-100),
    ``better_than`` (count strictly below). NaN/None fields when ``value`` is NaN.
    """
    values = np.asarray(history, dtype=float)
    values = values[~np.isnan(values)]
    if value is None or np.isnan(value):
        return {
            "rank": None,
            "of": int(values.size) + 1,
            "n_earlier": int(values.size),
            "percentile": float("nan"),
            "better_than": None,
        }
    return {
        "rank": int(1 + np.count_nonzero(values > value)),
        "of": int(values.size) + 1,
        "n_earlier": int(values.size),
        "percentile": percentile_rank(value, values),
        "better_than": int(np.count_nonzero(values < value)),
    }


def earlier_outcomes(
    returns: pd.DataFrame, min_streak: int, horizons: list[int], before: pd.Timestamp, anchor: str = "streak_end"
) -> pd.DataFrame:
    """Outcomes of the streaks of at least ``min_streak`` sessions that began before ``before``.

    One row per (episode, horizon) with a complete window (``forward.episode_forward``), kept
    only when independent among these earlier episodes (no two forward windows of a horizon
    share a session). Columns as ``forward.episode_forward``.
    """
    from rotation.analytics import forward

    spread = returns["small"] - returns["large"]
    episodes = forward.streak_episodes(spread, min_streak, anchor)
    episodes = episodes[episodes["start"] < pd.Timestamp(before)].reset_index(drop=True)
    table = forward.episode_forward(returns, episodes, horizons)
    return table[table["independent"]].reset_index(drop=True)


__all__ = [
    "common_closes",
    "earlier_outcomes",
    "first_correction",
    "month_ends",
    "outcome_rank",
    "relative_return_path",
    "share_positive",
    "streak_break",
    "worst_point",
]
