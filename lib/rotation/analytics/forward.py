"""What followed outperformance streaks: forward returns, episode selection, binomial intervals, HAC regression.

Conventions (used by notebook 04):

* **Forward return at anchor t over h sessions**: the cumulative simple price return over
  sessions ``t+1 .. t+h`` (fractions), i.e. from the close of session ``t`` to the close of
  session ``t+h``. Session ``t`` itself is *not* included. The window is *complete* only
  when session ``t+h`` is in the data; incomplete windows are NaN and never used.
* **Relative return** ``R_small(h) - R_large(h)``: the difference of the two cumulative
  returns (fraction). "Small caps kept outperforming" means relative return > 0.
* **Episode**: one per streak that reaches ``min_streak`` sessions. Its anchor (the session
  whose close is the base of the forward returns) is one of ``ANCHORS``:

  - ``"streak_end"``: the streak's last winning session. The session after it is by
    construction a non-outperformance day, and knowing the end needs that later day.
  - ``"as_of"``: the session on which the streak first reaches ``min_streak``: what an
    observer standing on ``as_of`` with a streak of that length in force knows (no look-ahead).
  - ``"first_loss"``: the first session that did not extend the streak (small caps did not
    beat large caps), the convention of published studies of these streaks ("what followed
    once the streak broke"). A streak still running at the end of the data has no such
    session and no episode under this anchor.
* **Independent episodes** for horizon h: episodes kept greedily in time order so that no
  two forward windows ``t+1 .. t+h`` share a session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rotation.analytics.streaks import run_lengths, streak_in_force
from rotation.core.errors import DataError, ParameterError

ANCHORS = ("streak_end", "as_of", "first_loss")
ANCHOR_TEXT = {
    "streak_end": "close of the streak's last winning session",
    "as_of": "close of the session on which the streak first reached L sessions (no look-ahead)",
    "first_loss": "close of the first session that did not extend the streak (the published studies' convention)",
}


def _check_horizon(h: int) -> int:
    if isinstance(h, bool) or int(h) != h or int(h) < 1:
        raise ParameterError(f"horizons: each horizon must be a positive whole number of sessions, got {h!r}")
    return int(h)


def _log_levels(returns: pd.DataFrame) -> dict[str, np.ndarray]:
    """Cumulative log growth with a leading 0: ``c[k] = sum(log1p(r[0:k]))`` per column."""
    if returns[["small", "large"]].isna().any().any():
        raise DataError("returns contain NaN; align the series first (rotation.analytics.streaks.aligned_returns)")
    return {
        col: np.concatenate(([0.0], np.cumsum(np.log1p(returns[col].to_numpy(dtype=float)))))
        for col in ("small", "large")
    }


def forward_returns(returns: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Forward cumulative returns over sessions t+1..t+h for every anchor session t (fractions).

    ``returns`` has columns ``small`` and ``large`` (``streaks.aligned_returns``). Output
    columns ``small``, ``large``, ``relative`` (small minus large), indexed like ``returns``;
    NaN where session t+h is beyond the data.
    """
    h = _check_horizon(horizon)
    levels = _log_levels(returns)
    n = len(returns)
    out = {}
    for col, c in levels.items():
        values = np.full(n, np.nan)
        if n > h:
            # anchor position i covers return positions i+1 .. i+h -> c[i+h+1] - c[i+1]
            values[: n - h] = np.expm1(c[h + 1 : n + 1] - c[1 : n - h + 1])
        out[col] = values
    frame = pd.DataFrame(out, index=returns.index)
    frame["relative"] = frame["small"] - frame["large"]
    return frame


def forward_paths(returns: pd.DataFrame, anchors: np.ndarray, max_horizon: int) -> pd.DataFrame:
    """Relative return path (small minus large cumulative return, fraction) k = 0..max_horizon sessions after each anchor.

    ``anchors``: integer positions in ``returns``. Rows are k (0 at the anchor's close),
    columns the anchor positions; NaN beyond the data.
    """
    h = _check_horizon(max_horizon)
    levels = _log_levels(returns)
    n = len(returns)
    anchors = np.asarray(anchors, dtype=int)
    k = np.arange(h + 1)
    pos = anchors[None, :] + 1 + k[:, None]  # c index of the close of session anchor+k
    valid = pos <= n
    pos = np.minimum(pos, n)
    base = anchors + 1
    rel = np.expm1(levels["small"][pos] - levels["small"][base]) - np.expm1(
        levels["large"][pos] - levels["large"][base]
    )
    return pd.DataFrame(np.where(valid, rel, np.nan), index=pd.Index(k, name="sessions after anchor"), columns=anchors)


def streak_episodes(spread: pd.Series, min_streak: int, anchor: str = "streak_end") -> pd.DataFrame:
    """One row per outperformance streak (spread > 0) that reaches ``min_streak`` sessions.

    Columns: ``start``, ``end`` (streak dates), ``sessions``, ``reach`` (date the streak
    first reached ``min_streak``), ``anchor`` (date of the anchor session), ``anchor_pos``
    (its integer position in ``spread``), ``ongoing`` (the streak runs to the last date of
    ``spread``, so its end is not known yet; never true with ``anchor="first_loss"``, which
    leaves such a streak out).
    """
    if anchor not in ANCHORS:
        raise ParameterError(f"anchor: expected one of {', '.join(ANCHORS)}, got {anchor!r}")
    if isinstance(min_streak, bool) or int(min_streak) != min_streak or int(min_streak) < 1:
        raise ParameterError(
            f"min_streaks: each length must be a positive whole number of sessions, got {min_streak!r}"
        )
    if spread.isna().any():
        raise DataError("spread contains NaN; align the series first")
    runs = run_lengths(spread > 0)
    runs = runs[runs["value"] & (runs["sessions"] >= int(min_streak))].reset_index(drop=True)
    if anchor == "first_loss":  # a streak still running at the end of the data has not broken yet
        runs = runs[runs["last"] < len(spread) - 1].reset_index(drop=True)
    reach_pos = runs["first"].to_numpy() + int(min_streak) - 1
    end_pos = runs["last"].to_numpy()
    anchor_pos = {"streak_end": end_pos, "as_of": reach_pos, "first_loss": end_pos + 1}[anchor]
    return pd.DataFrame(
        {
            "start": runs["start"],
            "end": runs["end"],
            "sessions": runs["sessions"].astype(int),
            "reach": spread.index[reach_pos],
            "anchor": spread.index[anchor_pos],
            "anchor_pos": anchor_pos.astype(int),
            "ongoing": end_pos == len(spread) - 1,
        }
    )


def independent_mask(anchor_pos: np.ndarray, horizon: int) -> np.ndarray:
    """Greedy, in time order: keep an episode when its window t+1..t+h shares no session with the last kept one."""
    h = _check_horizon(horizon)
    keep = np.zeros(len(anchor_pos), dtype=bool)
    last = None
    for i, pos in enumerate(np.asarray(anchor_pos, dtype=int)):
        if last is None or pos >= last + h:
            keep[i] = True
            last = pos
    return keep


def binomial_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval for a binomial share; (nan, nan) with no trials."""
    from scipy import stats  # here, not at import: the runner validates claims without scipy.stats

    if trials <= 0:
        return (float("nan"), float("nan"))
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=level, method="exact")
    return (float(ci.low), float(ci.high))


def base_rates(returns: pd.DataFrame, horizons: list[int]) -> pd.DataFrame:
    """Unconditional forward statistics over every session with a complete window, per horizon.

    Columns: ``days`` (anchor sessions used, overlapping windows), ``share_positive``
    (share with relative return > 0), ``mean``, ``median`` (relative return, fractions).
    """
    rows = []
    for h in horizons:
        rel = forward_returns(returns, h)["relative"].dropna()
        rows.append(
            {
                "horizon": int(h),
                "days": int(rel.size),
                "share_positive": float((rel > 0).mean()) if rel.size else np.nan,
                "mean": float(rel.mean()) if rel.size else np.nan,
                "median": float(rel.median()) if rel.size else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("horizon")


def episode_forward(returns: pd.DataFrame, episodes: pd.DataFrame, horizons: list[int]) -> pd.DataFrame:
    """Forward returns after each episode: one row per (episode, horizon) with a complete window.

    Columns: ``start``, ``end``, ``sessions``, ``anchor``, ``anchor_pos``, ``horizon``,
    ``small``, ``large``, ``relative`` (fractions, sessions anchor+1..anchor+h),
    ``independent`` (kept by ``independent_mask`` among the complete windows of that horizon).
    """
    frames = []
    for h in horizons:
        fwd = forward_returns(returns, h)
        pos = episodes["anchor_pos"].to_numpy(dtype=int)
        vals = fwd.iloc[pos] if len(pos) else fwd.iloc[0:0]
        part = episodes[["start", "end", "sessions", "anchor", "anchor_pos"]].assign(
            horizon=int(h),
            small=vals["small"].to_numpy(),
            large=vals["large"].to_numpy(),
            relative=vals["relative"].to_numpy(),
        )
        part = part[part["relative"].notna()].reset_index(drop=True)
        part["independent"] = (
            independent_mask(part["anchor_pos"].to_numpy(), h) if len(part) else np.zeros(0, dtype=bool)
        )
        frames.append(part)
    columns = [
        "start",
        "end",
        "sessions",
        "anchor",
        "anchor_pos",
        "horizon",
        "small",
        "large",
        "relative",
        "independent",
    ]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def horizon_summary(
    returns: pd.DataFrame, episodes: pd.DataFrame, horizons: list[int], level: float = 0.95
) -> pd.DataFrame:
    """Per horizon: what followed the episodes, against the unconditional base rate.

    Statistics use the *independent* episodes only (non-overlapping forward windows), so the
    exact binomial interval's independence assumption is not violated by construction.
    Columns: ``episodes`` (complete windows), ``independent``, ``mean``, ``median``
    (relative return, fraction), ``small_ahead`` (count with relative > 0), ``share``,
    ``ci_low``, ``ci_high`` (Clopper-Pearson at ``level``), ``mean_small``, ``mean_large``,
    ``base_share``, ``base_mean``, ``base_days`` (all sessions), ``p_vs_base`` (exact
    two-sided binomial test of ``small_ahead`` out of ``independent`` against ``base_share``),
    ``p_holm``/``p_bh`` (``p_vs_base`` adjusted over the horizons of this call, one family).
    """
    from scipy import stats  # here, not at import: the runner validates claims without scipy.stats

    fwd = episode_forward(returns, episodes, horizons)
    base = base_rates(returns, horizons)
    rows = []
    for h in horizons:
        part = fwd[fwd["horizon"] == int(h)]
        ind = part[part["independent"]]
        k, n = int((ind["relative"] > 0).sum()), int(len(ind))
        lo, hi = binomial_interval(k, n, level)
        b = base.loc[int(h)]
        p_base = (
            float(stats.binomtest(k, n, float(b["share_positive"])).pvalue)
            if n and 0 < b["share_positive"] < 1
            else np.nan
        )
        rows.append(
            {
                "horizon": int(h),
                "episodes": int(len(part)),
                "independent": n,
                "mean": float(ind["relative"].mean()) if n else np.nan,
                "median": float(ind["relative"].median()) if n else np.nan,
                "small_ahead": k,
                "share": k / n if n else np.nan,
                "ci_low": lo,
                "ci_high": hi,
                "mean_small": float(ind["small"].mean()) if n else np.nan,
                "mean_large": float(ind["large"].mean()) if n else np.nan,
                "base_share": float(b["share_positive"]),
                "base_mean": float(b["mean"]),
                "base_days": int(b["days"]),
                "p_vs_base": p_base,
            }
        )
    table = pd.DataFrame(rows).set_index("horizon")
    adjusted = adjusted_pvalues(table["p_vs_base"])
    table["p_holm"], table["p_bh"] = adjusted["p_holm"], adjusted["p_bh"]
    return table


def adjusted_pvalues(pvalues: pd.Series | np.ndarray, alpha: float = 0.05) -> pd.DataFrame:
    """Family-wise adjusted p-values for tests run together (several horizons or thresholds).

    Holm (step-down; controls the family-wise error rate) and Benjamini-Hochberg (step-up;
    controls the false discovery rate), the formulas of ``statsmodels.stats.multitest.multipletests``
    (``holm_adjusted``, ``bh_adjusted``; equal to it, tested). NaN p-values (a test that could not
    be run) are left out of the family and stay NaN. Columns: ``p``, ``p_holm``, ``p_bh``,
    ``reject_holm``, ``reject_bh`` (at ``alpha``; None where p is NaN).
    """
    p = pd.Series(pvalues, dtype=float) if not isinstance(pvalues, pd.Series) else pvalues.astype(float)
    out = pd.DataFrame(
        {"p": p, "p_holm": np.nan, "p_bh": np.nan, "reject_holm": None, "reject_bh": None}, index=p.index
    )
    ok = p.notna().to_numpy()
    if ok.any():
        for adjust, name in ((holm_adjusted, "holm"), (bh_adjusted, "bh")):
            adjusted, reject = adjust(p[ok].to_numpy(), alpha)
            out.loc[ok, f"p_{name}"] = adjusted
            out.loc[ok, f"reject_{name}"] = pd.Series(reject, index=p.index[ok]).astype(object)
    return out


def holm_adjusted(p: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Holm's step-down adjusted p-values and rejections at ``alpha`` of the family ``p`` (no NaN).

    With p sorted ascending, ``p_(i)`` is rejected while ``p_(j) <= alpha / (m - j + 1)`` for
    every ``j <= i``; the adjusted value is ``min(1, max_{j<=i} (m - j + 1) p_(j))``.
    (statsmodels' ``multipletests(method="holm")`` computes the same but calls ``gc.collect()``
    on every call, which costs a tenth of a second in a kernel holding the data.)
    """
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    ranked = p[order]
    factor = np.arange(len(p), 0, -1)
    refused = ranked > alpha / factor
    first_kept = int(np.argmax(refused)) if refused.any() else len(p)
    adjusted, reject = np.empty_like(p), np.empty(len(p), dtype=bool)
    adjusted[order] = np.minimum(np.maximum.accumulate(ranked * factor), 1.0)
    reject[order] = np.arange(len(p)) < first_kept
    return adjusted, reject


def bh_adjusted(p: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg step-up adjusted p-values and rejections at ``alpha`` of the family ``p`` (no NaN).

    With p sorted ascending, every ``p_(j)`` with ``j <= k`` is rejected, ``k`` the largest ``i``
    with ``p_(i) <= alpha i / m``; the adjusted value is ``min(1, min_{j>=i} p_(j) m / j)``.
    """
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    ranked = p[order]
    factor = np.arange(1, len(p) + 1) / len(p)
    passed = np.nonzero(ranked <= factor * alpha)[0]
    last = int(passed.max()) + 1 if passed.size else 0
    adjusted, reject = np.empty_like(p), np.empty(len(p), dtype=bool)
    adjusted[order] = np.minimum(np.minimum.accumulate((ranked / factor)[::-1])[::-1], 1.0)
    reject[order] = np.arange(len(p)) < last
    return adjusted, reject


@dataclass(frozen=True)
class StreakRegression:
    """The all-days OLS of the forward ``horizon``-session relative return on the streak in force.

    ``n`` sessions used, ``maxlags`` (HAC lags), ``intercept`` (fraction), ``slope`` (fraction per
    streak session), its HAC (Newey-West) ``se_hac``, ``t_hac``, ``p_hac`` and its plain OLS
    ``se_ols``, ``t_ols`` (too small when windows overlap; shown beside).
    """

    horizon: int
    n: int
    maxlags: int
    intercept: float
    slope: float
    se_hac: float
    t_hac: float
    p_hac: float
    se_ols: float
    t_ols: float


def streak_regression(returns: pd.DataFrame, horizon: int, maxlags: int | None = None) -> StreakRegression:
    """All-days OLS of the forward h-session relative return on the streak in force (sessions).

    ``y_t`` = relative return over sessions t+1..t+h (fraction), ``x_t`` =
    ``streaks.streak_in_force`` at t. Standard errors: HAC (Newey-West, Bartlett kernel)
    with ``maxlags = max(h, maxlags)``, because overlapping windows make plain OLS errors
    too small; the plain OLS error is reported beside it (``StreakRegression``).
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    h = _check_horizon(horizon)
    lags = max(h, int(maxlags or 0))
    y = forward_returns(returns, h)["relative"]
    x = streak_in_force(returns["small"] - returns["large"]).astype(float)
    keep = y.notna().to_numpy()
    if keep.sum() < 3:
        raise DataError(f"horizon {h}: fewer than 3 sessions with a complete forward window")
    design = add_constant(x.to_numpy()[keep])
    model = OLS(y.to_numpy()[keep], design)
    hac = model.fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
    ols = model.fit()
    return StreakRegression(
        horizon=h,
        n=int(keep.sum()),
        maxlags=lags,
        intercept=float(hac.params[0]),
        slope=float(hac.params[1]),
        se_hac=float(hac.bse[1]),
        t_hac=float(hac.tvalues[1]),
        p_hac=float(hac.pvalues[1]),
        se_ols=float(ols.bse[1]),
        t_ols=float(ols.tvalues[1]),
    )
