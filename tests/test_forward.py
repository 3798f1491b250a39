"""Forward returns after streaks: alignment (no look-ahead), episodes, intervals, HAC regression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import prices_from_returns
from rotation.analytics import forward, streaks
from rotation.core.errors import DataError, ParameterError


def frame(small, large=None) -> pd.DataFrame:
    """A returns frame (columns small, large) on business days, as streaks.aligned_returns gives."""
    small = np.asarray(small, dtype=float)
    large = np.zeros_like(small) if large is None else np.asarray(large, dtype=float)
    index = pd.bdate_range("2020-01-01", periods=small.size, name="date")
    return pd.DataFrame({"small": small, "large": large}, index=index)


def forward_by_loop(r: np.ndarray, t: int, h: int) -> float:
    """Independent reference: compound returns of sessions t+1..t+h, NaN when t+h is past the end."""
    if t + h >= len(r):
        return np.nan
    growth = 1.0
    for i in range(t + 1, t + h + 1):
        growth *= 1.0 + r[i]
    return growth - 1.0


# ------------------------------------------------------------------ alignment


def test_forward_window_starts_the_session_after_the_anchor():
    # one marker return of +10% on position 3, nothing else moves
    r = np.zeros(10)
    r[3] = 0.10
    fwd = forward.forward_returns(frame(r), 1)["small"].to_numpy()
    assert fwd[2] == pytest.approx(0.10)  # anchor 2: window is session 3 only
    assert fwd[3] == 0.0  # the anchor's own return is not in its forward window
    assert np.isnan(fwd[-1])  # no session after the last one
    fwd3 = forward.forward_returns(frame(r), 3)["small"].to_numpy()
    assert fwd3[0] == pytest.approx(0.10) and fwd3[2] == pytest.approx(0.10)  # windows 1..3 and 3..5 contain session 3
    assert fwd3[3] == 0.0  # window 4..6 does not
    assert np.isnan(fwd3[7:]).all() and not np.isnan(fwd3[:7]).any()  # 7 + 3 = 10 is past the last position 9


@pytest.mark.parametrize("h", [1, 2, 5, 9])
def test_forward_returns_match_a_loop(h):
    rng = np.random.default_rng(h)
    small, large = rng.normal(0, 0.01, 40), rng.normal(0, 0.01, 40)
    out = forward.forward_returns(frame(small, large), h)
    for t in range(40):
        assert out["small"].iloc[t] == pytest.approx(forward_by_loop(small, t, h), nan_ok=True, rel=1e-12)
        assert out["large"].iloc[t] == pytest.approx(forward_by_loop(large, t, h), nan_ok=True, rel=1e-12)
        expected = forward_by_loop(small, t, h) - forward_by_loop(large, t, h)
        assert out["relative"].iloc[t] == pytest.approx(expected, nan_ok=True, rel=1e-12)


def test_forward_returns_from_real_prices_use_closes_after_the_anchor():
    r = np.array([0.01, -0.02, 0.03, 0.04, -0.01, 0.02])
    small = prices_from_returns(r, name="small")
    large = prices_from_returns(np.zeros(6), name="large")
    returns = streaks.aligned_returns(small, large)
    out = forward.forward_returns(returns, 2)
    t = returns.index[1]  # close of the second return session
    assert out.loc[t, "small"] == pytest.approx(small.iloc[4] / small.loc[t] - 1)  # close of t+2 over close of t


def test_forward_paths_agree_with_forward_returns():
    rng = np.random.default_rng(3)
    ret = frame(rng.normal(0, 0.01, 30), rng.normal(0, 0.01, 30))
    anchors = np.array([0, 7, 25])
    paths = forward.forward_paths(ret, anchors, 6)
    assert (paths.iloc[0] == 0).all()
    for h in range(1, 7):
        rel = forward.forward_returns(ret, h)["relative"].to_numpy()
        np.testing.assert_allclose(paths.loc[h].to_numpy(), rel[anchors], rtol=1e-12, equal_nan=True)
    assert np.isnan(paths.loc[5, 25]) and not np.isnan(paths.loc[4, 25])  # 25 + 5 = 30 is past position 29


def test_bad_horizon_and_nan_are_refused():
    with pytest.raises(ParameterError, match="horizons"):
        forward.forward_returns(frame(np.zeros(5)), 0)
    with pytest.raises(DataError):
        forward.forward_returns(frame([0.0, np.nan, 0.0]), 1)


# ------------------------------------------------------------------ episodes

SIGNS = [1, 1, 1, -1, 1, 1, 1, 1, 1, -1, -1, 1, 1, -1, 1, 1, 1, 1, 1]  # streaks 3, 5, 2, 5 (last one ongoing)


def test_episodes_one_per_streak_with_both_anchors():
    spread = pd.Series(np.array(SIGNS) * 0.001, index=pd.bdate_range("2021-01-01", periods=len(SIGNS)))
    end = forward.streak_episodes(spread, 4, "streak_end")
    reach = forward.streak_episodes(spread, 4, "as_of")
    assert list(end["sessions"]) == [5, 5]
    assert list(end["anchor_pos"]) == [8, 18]  # last sessions of the two 5-streaks
    assert list(reach["anchor_pos"]) == [7, 17]  # the 4th session of each: when it first reached 4
    assert list(end["ongoing"]) == [False, True]
    assert list(reach["reach"]) == list(spread.index[[7, 17]])
    assert len(forward.streak_episodes(spread, 6)) == 0
    assert len(forward.streak_episodes(spread, 1)) == 4
    with pytest.raises(ParameterError, match="anchor"):
        forward.streak_episodes(spread, 4, "start")
    with pytest.raises(ParameterError, match="min_streaks"):
        forward.streak_episodes(spread, 0)


def test_a_tie_ends_a_streak_for_episodes_too():
    spread = pd.Series([0.001, 0.001, 0.0, 0.001, 0.001, 0.001], index=pd.bdate_range("2021-01-01", periods=6))
    assert list(forward.streak_episodes(spread, 2)["sessions"]) == [2, 3]


def test_independent_mask_keeps_non_overlapping_windows():
    # windows t+1..t+3: 0 -> 1..3, 2 -> 3..5 (overlaps), 3 -> 4..6, 5 -> 6..8 (overlaps 4..6), 6 -> 7..9
    assert list(forward.independent_mask(np.array([0, 2, 3, 5, 6]), 3)) == [True, False, True, False, True]
    assert forward.independent_mask(np.array([4]), 100).tolist() == [True]


def test_binomial_interval_is_clopper_pearson():
    for k, n in [(0, 2), (1, 2), (15, 19), (19, 19), (3, 40)]:
        lo, hi = forward.binomial_interval(k, n, 0.95)
        exp_lo = 0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1)
        exp_hi = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)
        assert (lo, hi) == pytest.approx((exp_lo, exp_hi), abs=1e-9)
    assert forward.binomial_interval(0, 2) == pytest.approx((0.0, 1 - 0.025**0.5))  # textbook closed form
    assert all(np.isnan(forward.binomial_interval(0, 0)))


def test_horizon_summary_on_a_planted_history():
    # spread +1 bp on streak days, then the planted "after" returns; large index flat
    rng = np.random.default_rng(7)
    n = 400
    small = rng.normal(0, 0.01, n)
    small[small > 0] *= -1  # no wins anywhere ...
    starts = [50, 150, 160, 300]
    for s in starts:  # ... except four planted 5-session streaks
        small[s : s + 5] = 0.002
    ret = frame(small)
    spread = streaks.daily_spread(ret)
    ep = forward.streak_episodes(spread, 5, "streak_end")
    assert list(ep["anchor_pos"]) == [s + 4 for s in starts]
    summary = forward.horizon_summary(ret, ep, [10, 100], level=0.9)
    # horizon 10: all four complete, 150+4 and 160+4 do not overlap (164 >= 154 + 10)
    rel10 = np.array([forward_by_loop(small, s + 4, 10) for s in starts])
    row = summary.loc[10]
    assert (row["episodes"], row["independent"]) == (4, 4)
    assert row["small_ahead"] == int((rel10 > 0).sum())
    assert row["mean"] == pytest.approx(rel10.mean())
    assert row["median"] == pytest.approx(np.median(rel10))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(forward.binomial_interval(int((rel10 > 0).sum()), 4, 0.9))
    all_days = np.array([forward_by_loop(small, t, 10) for t in range(n)])
    all_days = all_days[~np.isnan(all_days)]
    assert row["base_days"] == n - 10
    assert row["base_share"] == pytest.approx((all_days > 0).mean())
    # horizon 100: 304 + 100 = 404 is past the end; 154 starts where 54's window ends; 164 overlaps 154
    row = summary.loc[100]
    assert (row["episodes"], row["independent"]) == (3, 2)
    kept = forward.episode_forward(ret, ep, [100])
    assert list(kept.loc[kept["independent"], "anchor_pos"]) == [54, 154]
    assert row["mean"] == pytest.approx(np.mean([forward_by_loop(small, 54, 100), forward_by_loop(small, 154, 100)]))


def test_horizon_summary_without_episodes_is_empty_not_an_error():
    ret = frame(np.full(50, -0.001))
    ep = forward.streak_episodes(streaks.daily_spread(ret), 3)
    summary = forward.horizon_summary(ret, ep, [5])
    assert summary.loc[5, "independent"] == 0 and np.isnan(summary.loc[5, "share"])


# ------------------------------------------------------------------ HAC regression


def newey_west_slope_se(x: np.ndarray, y: np.ndarray, lags: int) -> tuple[float, float]:
    """Independent Newey-West (Bartlett) standard error of the slope, with the n/(n-k) correction."""
    X = np.column_stack([np.ones_like(x), x])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    u = y - X @ beta
    g = X * u[:, None]
    S = g.T @ g
    for lag in range(1, lags + 1):
        w = 1.0 - lag / (lags + 1.0)
        gamma = g[lag:].T @ g[:-lag]
        S += w * (gamma + gamma.T)
    bread = np.linalg.inv(X.T @ X)
    n, k = X.shape
    cov = bread @ S @ bread * n / (n - k)
    return float(beta[1]), float(np.sqrt(cov[1, 1]))


def test_streak_regression_matches_a_hand_newey_west():
    rng = np.random.default_rng(11)
    small = rng.normal(0.0002, 0.01, 600)
    ret = frame(small)
    h = 5
    out = forward.streak_regression(ret, h)
    y = np.array([forward_by_loop(small, t, h) for t in range(600)])
    x = streaks.streak_in_force(ret["small"] - ret["large"]).to_numpy(dtype=float)
    keep = ~np.isnan(y)
    slope, se = newey_west_slope_se(x[keep], y[keep], h)
    assert out.n == 600 - h and out.maxlags == h
    assert out.slope == pytest.approx(slope, rel=1e-9)
    assert out.se_hac == pytest.approx(se, rel=1e-9)
    assert forward.streak_regression(ret, h, maxlags=12).maxlags == 12
    assert forward.streak_regression(ret, h, maxlags=2).maxlags == h  # never fewer lags than the horizon


def test_streak_regression_finds_a_planted_effect():
    # forward return is planted to rise with the streak in force: after every win, the next return is
    # 0.1% times the streak length; noise elsewhere
    rng = np.random.default_rng(5)
    n = 3000
    small = np.empty(n)
    streak = 0
    for t in range(n):
        base = rng.normal(0, 0.002)
        small[t] = base + 0.001 * streak
        streak = streak + 1 if small[t] > 0 else 0
    out = forward.streak_regression(frame(small), 1)
    assert out.slope > 0 and out.t_hac > 5


# ------------------------------------------------------------------ the published studies' base: the first losing session


def test_first_loss_anchor_is_the_session_after_the_last_win():
    spread = pd.Series(np.array(SIGNS) * 0.001, index=pd.bdate_range("2021-01-01", periods=len(SIGNS)))
    first_loss = forward.streak_episodes(spread, 4, "first_loss")
    # the second 5-streak runs to the end of the data: it has not broken, so it has no first losing session
    assert list(first_loss["anchor_pos"]) == [9]
    assert spread.iloc[9] <= 0 and spread.iloc[8] > 0  # a losing session right after a winning one
    assert not first_loss["ongoing"].any()
    assert set(forward.ANCHORS) == set(forward.ANCHOR_TEXT)


def test_first_loss_forward_return_starts_at_the_close_of_the_losing_session():
    # a 3-session streak (+1% a day), then a losing day of -5%, then +2% a day: from the first loss's close only the +2% count
    small = np.array([0.0, 0.01, 0.01, 0.01, -0.05, 0.02, 0.02, 0.02, 0.0, 0.0])
    returns = frame(small)
    spread = returns["small"] - returns["large"]
    ep = forward.streak_episodes(spread, 3, "first_loss")
    assert list(ep["anchor"]) == [returns.index[4], returns.index[8]]  # the +2% streak breaks on the tie at position 8
    fwd = forward.episode_forward(returns, ep.iloc[:1], [3])
    assert fwd["relative"].iloc[0] == pytest.approx(1.02**3 - 1)
    end = forward.episode_forward(returns, forward.streak_episodes(spread, 3, "streak_end").iloc[:1], [3])
    assert end["relative"].iloc[0] == pytest.approx(0.95 * 1.02**2 - 1)  # the losing day is inside this window


# ------------------------------------------------------------------ many horizons, one family


def holm_by_hand(p: list[float]) -> list[float]:
    order = np.argsort(p)
    m, out, running = len(p), np.empty(len(p)), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out.tolist()


def bh_by_hand(p: list[float]) -> list[float]:
    order = np.argsort(p)[::-1]
    m, out, running = len(p), np.empty(len(p)), 1.0
    for k, i in enumerate(order):
        rank = m - k
        running = min(running, p[i] * m / rank)
        out[i] = running
    return out.tolist()


def test_adjusted_pvalues_holm_and_bh_against_hand_formulas():
    p = [0.01, 0.039, 0.03, 0.20, 0.005]
    out = forward.adjusted_pvalues(pd.Series(p, index=[5, 21, 63, 126, 252]))
    assert out["p_holm"].tolist() == pytest.approx(holm_by_hand(p))
    assert out["p_bh"].tolist() == pytest.approx(bh_by_hand(p))
    # planted: 0.005 * 5 = 0.025 survives Holm at 5%; 0.039 does not (Holm: max(0.039 * 2, 0.03 * 3) = 0.09)
    assert out.loc[252, "reject_holm"] and not out.loc[21, "reject_holm"]
    assert out.loc[21, "reject_bh"]  # BH: 0.039 * 5 / 4 = 0.04875 -> rejected at 5%
    assert (out["p_holm"] >= out["p_bh"] - 1e-15).all() and (out["p_bh"] >= out["p"] - 1e-15).all()


@pytest.mark.parametrize("seed", range(6))
def test_holm_and_bh_equal_statsmodels_multipletests(seed):
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 12))
    p = (
        rng.choice([rng.uniform(0, 0.1), rng.uniform(0, 1)], size=m) if seed % 2 else rng.uniform(0, 0.2, m)
    )  # odd seeds: ties
    for ours, method in ((forward.holm_adjusted, "holm"), (forward.bh_adjusted, "fdr_bh")):
        adjusted, reject = ours(p, 0.05)
        reject_sm, adjusted_sm, _, _ = multipletests(p, alpha=0.05, method=method)
        assert np.array_equal(reject, reject_sm), method
        np.testing.assert_allclose(adjusted, adjusted_sm, rtol=1e-15, atol=0)


def test_adjusted_pvalues_leave_nan_tests_out_of_the_family():
    out = forward.adjusted_pvalues(pd.Series([0.01, np.nan, 0.02]))
    assert np.isnan(out["p_holm"].iloc[1]) and out["reject_bh"].iloc[1] is None
    assert out["p_holm"].iloc[[0, 2]].tolist() == pytest.approx(
        holm_by_hand([0.01, 0.02])
    )  # a family of two, not three


def test_horizon_summary_carries_the_adjusted_family():
    rng = np.random.default_rng(3)
    returns = frame(rng.normal(0.0, 0.01, 600), rng.normal(0.0, 0.01, 600))
    ep = forward.streak_episodes(returns["small"] - returns["large"], 3, "first_loss")
    summary = forward.horizon_summary(returns, ep, [5, 21, 63])
    adjusted = forward.adjusted_pvalues(summary["p_vs_base"])
    assert summary["p_holm"].tolist() == pytest.approx(adjusted["p_holm"].tolist(), nan_ok=True)
    assert summary["p_bh"].tolist() == pytest.approx(adjusted["p_bh"].tolist(), nan_ok=True)
