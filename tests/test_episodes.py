"""Episode features on synthetic histories with a planted drawdown, volatility jump and streak."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from conftest import prices_from_returns
from rotation.analytics import episodes, streaks
from rotation.analytics import returns as returns_module
from rotation.core.errors import DataError, ParameterError

# Planted history (sessions counted from 1; session 0 is the first price)
UP, DOWN, STREAK, AFTER = 50, 50, 10, 190
R_DOWN = 0.8 ** (1 / DOWN) - 1  # 50 sessions that take the large index exactly 20% below its peak
JUMP = [-0.02, 0.02] * (STREAK // 2)  # volatility jump during the streak
EDGE = 0.005  # small beats large by 50 bp a session during the streak
LAG = -0.001  # small trails large by 10 bp a session everywhere else
DRIFT_AFTER = 0.001


def planted():
    """Small and large price series, the aligned returns and the streak's first and last session."""
    large_r = np.concatenate([np.full(UP, 0.01), np.full(DOWN, R_DOWN), JUMP, np.full(AFTER, DRIFT_AFTER)])
    spread = np.concatenate([np.full(UP + DOWN, LAG), np.full(STREAK, EDGE), np.full(AFTER, LAG)])
    small = prices_from_returns(large_r + spread, start="2000-01-03", name="small")
    large = prices_from_returns(large_r, start="2000-01-03", name="large")
    returns = streaks.aligned_returns(small, large)
    dates = large.index
    return small, large, returns, dates[UP + DOWN + 1], dates[UP + DOWN + STREAK]


@pytest.fixture(scope="module")
def history():
    small, large, returns, start, end = planted()
    dates = large.index
    vix = pd.Series(15.0, index=dates, name="vix")
    vix.loc[start:end] = 30.0
    rate_days = pd.date_range("1999-01-01", dates[-1], freq="D")
    rate = pd.Series(np.where(rate_days < pd.Timestamp("2000-03-01"), 5.0, 4.0), index=rate_days, name="dff")
    table = streaks.outperformance_streaks(returns)
    return {
        "small": small,
        "large": large,
        "returns": returns,
        "start": start,
        "end": end,
        "vix": vix,
        "rate": rate,
        "table": table,
    }


def test_planted_streak_is_the_only_streak(history):
    table = history["table"]
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["start"], row["end"], row["sessions"]) == (history["start"], history["end"], STREAK)


def test_drawdown_hand_values():
    prices = pd.Series([100.0, 110.0, 99.0, 121.0, 60.5], index=pd.bdate_range("2020-01-01", periods=5))
    assert episodes.drawdown(prices).tolist() == pytest.approx([0.0, 0.0, -0.1, 0.0, -0.5])


def test_realized_vol_matches_statistics_stdev():
    r = pd.Series([0.01, -0.02, 0.03, 0.0, 0.015], index=pd.bdate_range("2020-01-01", periods=5))
    vol = episodes.realized_vol(r, window=3)
    assert vol.iloc[:2].isna().all()
    assert vol.iloc[-1] == pytest.approx(statistics.stdev([0.03, 0.0, 0.015]) * math.sqrt(252))
    with pytest.raises(ParameterError, match="vol_window"):
        episodes.realized_vol(r, window=1)


def test_episode_features_on_planted_history(history):
    eps = history["table"][["start", "end"]].assign(label="planted")
    f = episodes.episode_features(eps, history["returns"], history["large"], history["vix"], history["rate"]).iloc[0]
    large_prices = history["large"]
    base = large_prices.index[UP + DOWN]
    assert f["base"] == base and f["sessions"] == STREAK and f["label"] == "planted"
    # known drawdown: exactly 20% below the peak at the streak's base
    assert f["drawdown"] == pytest.approx(-0.20, abs=1e-12)
    # returns over the streak, by hand
    assert f["large_return"] == pytest.approx(np.prod([1 + x for x in JUMP]) - 1)
    assert f["small_return"] == pytest.approx(np.prod([1 + x + EDGE for x in JUMP]) - 1)
    assert f["mean_spread"] == pytest.approx(EDGE)
    assert f["kind"] == "defensive rotation"
    # known volatility jump: 21-session window ending at the streak's end = 11 quiet sessions + the 10 jump sessions
    expected_vol = statistics.stdev([R_DOWN] * 11 + JUMP) * math.sqrt(252)
    assert f["realized_vol"] == pytest.approx(expected_vol, rel=1e-9)
    # the highest 21-session volatility so far; percentiles count ties (here itself) half: 100 (n - 1/2) / n
    n_vol = episodes.realized_vol(large_prices.pct_change()).loc[: f["end"]].notna().sum()
    assert f["realized_vol_pct"] == pytest.approx(100 * (n_vol - 0.5) / n_vol)
    quiet = episodes.realized_vol(large_prices.pct_change()).loc[base]
    assert quiet == pytest.approx(0.0, abs=1e-12) and f["realized_vol"] > 0.2
    # VIX 30 during the streak, 15 before: average 30, the top of its own history (ties counted half)
    vix_so_far = history["vix"].loc[: f["end"]]
    below, ties = (vix_so_far < 30).sum(), (vix_so_far == 30).sum()
    assert below > 0 and ties == STREAK  # 15 before the streak, 30 during it
    assert f["vix_mean"] == pytest.approx(30.0)
    assert f["vix_pct"] == pytest.approx(100 * (below + 0.5 * ties) / len(vix_so_far))
    # fed funds 4.0 at the base, 5.0 six months earlier
    assert f["rate"] == pytest.approx(4.0) and f["rate_change_6m"] == pytest.approx(-1.0)


def test_features_do_not_look_ahead(history):
    """Changing data after the streak's end changes no feature."""
    eps = history["table"][["start", "end"]]
    before = episodes.episode_features(eps, history["returns"], history["large"], history["vix"], history["rate"])
    large2 = history["large"].copy()
    large2.iloc[-50:] *= 3.0  # a new peak and a volatility spike after the streak
    vix2 = history["vix"].copy()
    vix2.iloc[-50:] = 80.0
    after = episodes.episode_features(eps, history["returns"], large2, vix2, history["rate"] + 0.0)
    pd.testing.assert_frame_equal(before, after)


def test_missing_vix_and_rate_give_nan(history):
    eps = history["table"][["start", "end"]]
    late_vix = history["vix"].loc[history["end"] + pd.Timedelta(days=1) :]  # VIX starting after the streak (like 1988)
    f = episodes.episode_features(eps, history["returns"], history["large"], late_vix, None).iloc[0]
    assert math.isnan(f["vix_mean"]) and math.isnan(f["vix_pct"]) and math.isnan(f["rate"])
    assert not math.isnan(f["realized_vol"])


def test_returns_after_from_the_session_after_the_end(history):
    out = episodes.outcomes_after(history["table"], history["small"], history["large"], horizons=[1, 21, 252])
    row = out.iloc[0]
    assert row["large_21"] == pytest.approx((1 + DRIFT_AFTER) ** 21 - 1)
    assert row["small_21"] == pytest.approx((1 + DRIFT_AFTER + LAG) ** 21 - 1)
    assert row["diff_21"] == pytest.approx(row["small_21"] - row["large_21"])
    assert row["large_1"] == pytest.approx(DRIFT_AFTER)
    assert math.isnan(row["large_252"]) and math.isnan(row["diff_252"])  # only 190 sessions follow
    capped = episodes.outcomes_after(
        history["table"], history["small"], history["large"], horizons=[21], last=history["end"] + pd.Timedelta(days=10)
    )
    assert math.isnan(capped.iloc[0]["large_21"])  # data cut at `last` do not reach 21 sessions


def test_returns_after_refuses_a_non_session():
    prices = pd.Series([100.0, 101.0], index=pd.bdate_range("2020-01-06", periods=2), name="p")
    with pytest.raises(DataError, match="not a session"):
        returns_module.returns_after(prices, pd.Timestamp("2020-01-04"), [1])


def test_relative_path(history):
    path = episodes.relative_path(history["returns"], history["start"], history["end"], after=5)
    assert path.iloc[0] == 100.0 and len(path) == STREAK + 5 + 1
    expected = 100 * np.prod([1 + x + EDGE for x in JUMP]) / np.prod([1 + x for x in JUMP])
    assert path.iloc[STREAK] == pytest.approx(expected)


def test_find_crash_and_named_streak_lookups(history):
    r = np.full(60, 0.001)
    r[30] = -0.2
    prices = prices_from_returns(r, start="1987-09-01", name="spx")
    crash = episodes.find_crash(prices, prices.index[31].strftime("%Y-%m"))
    assert crash == prices.index[31]
    with pytest.raises(ParameterError, match="crash_month"):
        episodes.find_crash(prices, "October")
    table = history["table"]
    assert episodes.longest_streak_in(table, history["start"], history["end"])["sessions"] == STREAK
    assert episodes.longest_streak_in(table, history["start"], history["end"] - pd.Timedelta(days=1)) is None
    assert episodes.longest_streak_overlapping(table, history["end"], history["end"])["start"] == history["start"]


def test_classify():
    assert episodes.classify(0.01, -0.02) == "defensive rotation"
    assert episodes.classify(0.0, -0.02) == "defensive rotation"
    assert episodes.classify(0.03, 0.01) == "broad rally"
    assert episodes.classify(-0.01, -0.02) == "both fell"


def test_standardized_distance_hand_computed():
    feats = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.0, 2.0, np.nan], "c": [5.0, 5.0, 5.0]}, index=["a", "b", "c_"])
    d = episodes.standardized_distance(feats, "a", ["x", "y"])
    # z(x) = -1, 0, 1; z(y) = -1/sqrt2, +1/sqrt2, NaN
    assert d.loc["b", "distance"] == pytest.approx(math.sqrt(1 + 2))
    assert d.loc["c_", "distance"] == pytest.approx(math.sqrt(4 * 2 / 1))  # one shared feature, scaled to two
    assert d.loc["b", "shared"] == 2 and d.loc["c_", "shared"] == 1
    assert list(d.index) == ["b", "c_"]  # nearest first
    with_constant = episodes.standardized_distance(feats, "a", ["x", "c"])
    assert with_constant.loc["b", "distance"] == pytest.approx(1.0)  # a constant feature adds nothing
    with pytest.raises(ParameterError, match="distance_features"):
        episodes.standardized_distance(feats, "a", ["nope"])


def test_sign_agreement_hand_counts():
    idx = pd.bdate_range("2020-01-01", periods=5)
    a = pd.Series([0.1, -0.1, 0.2, 0.0, -0.3], index=idx, name="smb")
    b = pd.Series([0.5, 0.4, 0.1, -0.1, -0.2], index=idx, name="spread")
    out = episodes.sign_agreement(a, b.iloc[:4])
    assert out["n"] == 4 and out["rate"] == pytest.approx(2 / 4)
    assert out["positive_agreement"] == pytest.approx(2 / 3)


# ---------------------------------------------------------------------------------------------
# Standardisations, ranks and the variant grid (hand-computed answers)


def test_rank_and_robust_scores_hand_values():
    feats = pd.DataFrame(
        {"x": [1.0, 2.0, 3.0, 10.0], "y": [5.0, 5.0, 5.0, 5.0], "w": [0.0, 0.0, 0.0, 4.0]}, index=list("abcd")
    )
    ranks = episodes.rank_scores(feats)
    assert ranks["x"].tolist() == pytest.approx([0.125, 0.375, 0.625, 0.875])  # (rank - 1/2) / n
    assert ranks["y"].tolist() == pytest.approx([0.5] * 4)  # a constant column: the middle for everyone
    robust = episodes.robust_scores(feats)
    # x: median 2.5, |x - 2.5| = 1.5, 0.5, 0.5, 7.5 -> MAD 1.0, scale 1.4826
    assert robust["x"].tolist() == pytest.approx([(v - 2.5) / 1.4826 for v in (1, 2, 3, 10)])
    assert robust["y"].tolist() == pytest.approx([0.0] * 4)
    # w: MAD 0 (three equal values) -> scaled by its standard deviation instead
    assert robust["w"].tolist() == pytest.approx([0.0, 0.0, 0.0, 4.0 / statistics.stdev([0, 0, 0, 4])])
    with pytest.raises(ParameterError, match="standardisation"):
        episodes.standardise(feats, "minmax")


def test_distance_names_the_features_used_and_ranks_share_ties():
    feats = pd.DataFrame({"x": [0.0, 1.0, 1.0, 3.0], "v": [0.0, np.nan, 1.0, 2.0]}, index=["t", "p", "q", "r"])
    d = episodes.standardized_distance(feats, "t", ["x", "v"], how="rank")
    assert d.loc["p", "features"] == "x" and d.loc["q", "features"] == "x, v"
    z = episodes.rank_scores(feats)
    assert d.loc["p", "distance"] == pytest.approx(math.sqrt(2 * (z.loc["p", "x"] - z.loc["t", "x"]) ** 2))
    zd = episodes.standardized_distance(feats, "t", ["x"])
    assert (
        episodes.distance_rank(zd, "p") == 1
        and episodes.distance_rank(zd, "q") == 1
        and episodes.distance_rank(zd, "r") == 3
    )
    assert episodes.distance_rank(zd, "nope") is None


def test_episode_rows_adds_short_named_streaks_and_labels_long_ones():
    days = pd.bdate_range("2020-01-01", periods=40)
    table = pd.DataFrame(
        {"start": [days[0], days[10], days[25]], "end": [days[9], days[13], days[37]], "sessions": [10, 4, 13]}
    )
    rows = episodes.episode_rows(table, 10, {"current": table.iloc[2], "short one": table.iloc[1], "missing": None})
    assert rows["start"].tolist() == [days[0], days[10], days[25]]
    assert rows["label"].tolist() == ["", "short one", "current"]
    with pytest.raises(ParameterError, match="min_streak"):
        episodes.episode_rows(table, 0, {})


def planted_features() -> pd.DataFrame:
    """Target T; A matches T on returns, B matches T on drawdown; N (no VIX) is nearest on VIX-free features."""
    return pd.DataFrame(
        {
            "small_return": [0.05, 0.05, -0.02, 0.04, 0.10],
            "large_return": [0.01, 0.01, -0.05, 0.012, 0.06],
            "drawdown": [0.0, -0.30, 0.0, -0.02, -0.10],
            "vix_pct": [40.0, 80.0, 45.0, np.nan, 90.0],
        },
        index=["T", "A", "B", "N", "E"],
    )


def test_resemblance_grid_planted_nearer_ranks_and_summary():
    sets = {"returns": ["small_return", "large_return"], "drawdown": ["drawdown"]}
    grid = episodes.resemblance_grid({5: planted_features()}, "T", {"A": "A", "B": "B"}, sets, ["zscore", "rank"])
    assert len(grid) == 4 and set(grid["standardisation"]) == {"zscore", "rank"}
    returns_rows = grid[grid["feature_set"] == "returns"]
    assert (
        (returns_rows["nearer"] == "A").all()
        and (returns_rows["rank A"] == 1).all()
        and (returns_rows["distance A"] == 0).all()
    )
    drawdown_rows = grid[grid["feature_set"] == "drawdown"]
    assert (drawdown_rows["nearer"] == "B").all() and (drawdown_rows["nearest"] == "B").all()
    assert (grid["episodes"] == 4).all()
    summary = episodes.grid_summary(grid, "A")
    assert summary.share_nearer == pytest.approx(0.5) and summary.comparable == 4
    assert summary.nearest == "A" and summary.share_nearest == pytest.approx(0.5)  # A and B tie; the earlier key wins
    with_vix = episodes.resemblance_grid(
        {5: planted_features()}, "T", {"A": "A", "N": "N"}, {"r+v": ["small_return", "large_return", "vix_pct"]}
    )
    assert (
        with_vix["features N"].iloc[0] == "small_return, large_return"
        and with_vix["features A"].iloc[0] == "small_return, large_return, vix_pct"
    )


def test_nearer_tie_and_missing():
    assert episodes.nearer({"distance a": 1.0, "distance b": 1.0}, ["a", "b"]) == "tie"
    assert episodes.nearer({"distance a": 1.0, "distance b": float("nan")}, ["a", "b"]) is None
    assert episodes.nearer({"distance a": 2.0, "distance b": 1.0}, ["a", "b"]) == "b"


def test_lead_after_hand_values():
    idx = pd.bdate_range("2001-01-01", periods=600)
    small = pd.Series(np.linspace(100, 160, 600), index=idx)
    large = pd.Series(np.linspace(100, 130, 600), index=idx).drop(idx[300])  # one session only small has
    out = episodes.lead_after(small, large, idx[10], [1, 5])
    to = large.index[large.index <= idx[10] + pd.DateOffset(years=1)][-1]
    assert out["to"].iloc[0] == to
    assert out["difference"].iloc[0] == pytest.approx(
        (small[to] / small[idx[10]] - 1) - (large[to] / large[idx[10]] - 1)
    )
    assert pd.isna(out["to"].iloc[1]) and math.isnan(out["difference"].iloc[1])  # five years: the data stop first


def test_find_crash_outside_the_data_names_the_series_not_the_month_format():
    prices = prices_from_returns(np.full(30, 0.001), start="1993-01-29", name="spy")
    with pytest.raises(DataError, match=r"series 'spy' has no daily return in 1987-10 \(it holds 1993-01-29 to "):
        episodes.find_crash(prices, "1987-10")
    with pytest.raises(ParameterError, match="is not a month"):
        episodes.month_bounds("1987-13")
