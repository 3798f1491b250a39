"""rotation.analytics.spread: spread definitions, rolling means, block bootstrap, HAC interval, gains, record highs.

Every expected value is computed by hand in the test (literal arithmetic or a plain loop), not by
the function under test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from conftest import prices_from_returns
from rotation.analytics import spread
from rotation.core.errors import DataError, ParameterError


def frame(small, large, start="2021-03-01"):
    index = pd.bdate_range(start, periods=len(small), name="date")
    return pd.DataFrame({"small": small, "large": large}, index=index, dtype=float)


# --------------------------------------------------------------------------- spread definitions


def test_spread_definitions_hand_computed():
    # r_s = 2%, -1%, 3%; r_l = 1%, 0%, -1%; differences 1%, -1%, 4%
    defs = spread.spread_definitions(frame([0.02, -0.01, 0.03], [0.01, 0.00, -0.01]))
    assert list(defs.index) == list(spread.SPREAD_DEFINITIONS)
    assert defs["arithmetic"] == pytest.approx((0.01 - 0.01 + 0.04) / 3, abs=1e-15)  # 0.013333...
    assert defs["median"] == pytest.approx(0.01, abs=1e-15)
    logs = (math.log(1.02) - math.log(1.01)) + (math.log(0.99) - math.log(1.00)) + (math.log(1.03) - math.log(0.99))
    assert defs["log"] == pytest.approx(logs / 3, abs=1e-15)
    # cumulative: small 1.02*0.99*1.03 = 1.040094; large 1.01*1.00*0.99 = 0.9999
    assert defs["cumulative"] == pytest.approx((0.040094 - (-0.0001)) / 3, abs=1e-12)
    assert defs["geometric"] == pytest.approx((1.040094 / 0.9999) ** (1 / 3) - 1, abs=1e-12)
    # the definitions really differ on this example
    assert defs["median"] < defs["arithmetic"] < defs["cumulative"]


def test_spread_definitions_constant_outperformance():
    r, n = 0.005, 10  # small caps +0.5% every session, large caps flat
    defs = spread.spread_definitions(frame([r] * n, [0.0] * n))
    assert defs["arithmetic"] == pytest.approx(0.005)
    assert defs["median"] == pytest.approx(0.005)
    assert defs["geometric"] == pytest.approx(0.005)
    assert defs["log"] == pytest.approx(math.log(1.005))
    assert defs["cumulative"] == pytest.approx((1.005**10 - 1) / 10)


def test_spread_definitions_relative_identity_and_sign():
    rng = np.random.default_rng(3)
    small, large = rng.normal(0.0005, 0.012, 40), rng.normal(0.0003, 0.010, 40)
    defs = spread.spread_definitions(frame(small, large))
    # geometric rate of the relative price = exp(mean log difference) - 1
    assert defs["geometric"] == pytest.approx(math.expm1(defs["log"]), rel=1e-12)
    # swapping the series flips the sign of the arithmetic, median and cumulative spreads
    swapped = spread.spread_definitions(frame(large, small))
    for name in ("arithmetic", "median", "log", "cumulative"):
        assert swapped[name] == pytest.approx(-defs[name], abs=1e-15)


def test_spread_definitions_refuses_bad_input():
    with pytest.raises(DataError, match="zero sessions"):
        spread.spread_definitions(frame([], []))
    with pytest.raises(DataError, match="non-finite"):
        spread.spread_definitions(frame([0.01, np.nan], [0.0, 0.0]))
    with pytest.raises(DataError, match="-100%"):
        spread.spread_definitions(frame([-1.0], [0.0]))
    with pytest.raises(DataError, match="lacks column 'large'"):
        spread.spread_definitions(pd.DataFrame({"small": [0.01]}))


def test_window_returns_takes_the_last_sessions():
    returns = frame(np.arange(6) / 100, np.zeros(6))
    window = spread.window_returns(returns, returns.index[4], 3)
    assert list(window["small"]) == [0.02, 0.03, 0.04]
    with pytest.raises(DataError, match="needs more history"):
        spread.window_returns(returns, returns.index[1], 3)
    with pytest.raises(ParameterError):
        spread.window_returns(returns, pd.Timestamp("1999-01-01"), 3)
    with pytest.raises(ParameterError):
        spread.window_returns(returns, returns.index[4], 0)


def test_rolling_mean_matches_a_loop():
    x = pd.Series(np.random.default_rng(0).normal(size=50), index=pd.bdate_range("2020-01-01", periods=50))
    got = spread.rolling_mean(x, 7)
    assert len(got) == 44 and got.index[0] == x.index[6] and got.index[-1] == x.index[-1]
    for i, (label, value) in enumerate(got.items()):
        assert value == pytest.approx(sum(x.iloc[i : i + 7]) / 7, abs=1e-12)
        assert label == x.index[i + 6]
    assert spread.rolling_mean(x.iloc[:3], 7).empty


# --------------------------------------------------------------------------- block bootstrap


def test_block_bootstrap_uses_contiguous_blocks_without_wrapping():
    x = np.array([0.0, 1.0, 10.0, 100.0])
    means = spread.moving_block_bootstrap_means(x, 2, 4000, np.random.default_rng(7))
    assert means.shape == (4000,)
    block_sums = [1.0, 11.0, 110.0]  # blocks (0,1), (1,10), (10,100); (100,0) would be wrap-around
    allowed = {(a + b) / 4 for a, b in itertools.product(block_sums, repeat=2)}
    assert set(np.round(means, 12)) == {round(v, 12) for v in allowed}
    # block starts are uniform: each ordered pair has probability 1/9
    assert np.mean(np.isclose(means, 2 / 4)) == pytest.approx(1 / 9, abs=0.02)


def test_block_bootstrap_truncates_the_last_block():
    x = np.array([0.0, 1.0, 10.0, 100.0, 1000.0])  # n = 5, blocks of 2 -> 3 blocks, 6 values cut to 5
    means = spread.moving_block_bootstrap_means(x, 2, 3000, np.random.default_rng(1))
    blocks = [(0.0, 1.0), (1.0, 10.0), (10.0, 100.0), (100.0, 1000.0)]
    allowed = {round((sum(a) + sum(b) + c[0]) / 5, 9) for a, b, c in itertools.product(blocks, repeat=3)}
    assert set(np.round(means, 9)) <= allowed


def test_block_bootstrap_edge_cases_and_reproducibility():
    x = np.random.default_rng(2).normal(size=20)
    whole = spread.moving_block_bootstrap_means(x, 20, 50, np.random.default_rng(0))
    assert np.allclose(whole, x.mean())  # one block = the sample itself
    a = spread.moving_block_bootstrap_means(x, 3, 200, np.random.default_rng(11))
    b = spread.moving_block_bootstrap_means(pd.Series(x), 3, 200, np.random.default_rng(11))
    assert np.array_equal(a, b)
    iid = spread.moving_block_bootstrap_means(x, 1, 20000, np.random.default_rng(5))
    assert iid.mean() == pytest.approx(x.mean(), abs=0.01)
    assert iid.std() == pytest.approx(x.std(ddof=0) / math.sqrt(20), rel=0.05)
    for bad in (0, 21):
        with pytest.raises(ParameterError, match="block_length"):
            spread.moving_block_bootstrap_means(x, bad, 10, np.random.default_rng(0))
    with pytest.raises(ParameterError, match="n_boot"):
        spread.moving_block_bootstrap_means(x, 2, 0, np.random.default_rng(0))
    with pytest.raises(DataError):
        spread.moving_block_bootstrap_means([], 1, 10, np.random.default_rng(0))
    with pytest.raises(DataError):
        spread.moving_block_bootstrap_means([1.0, np.nan], 1, 10, np.random.default_rng(0))


def test_block_bootstrap_interval_brackets_the_mean():
    x = np.random.default_rng(4).normal(0.002, 0.01, 60)
    ci = spread.block_bootstrap_mean_ci(x, 4, 3000, np.random.default_rng(0), level=0.9)
    assert ci.lower < ci.mean < ci.upper
    assert ci.mean == pytest.approx(x.mean())
    assert (ci.block_length, ci.n_boot, ci.level) == (4, 3000, 0.9)


# --------------------------------------------------------------------------- HAC


def newey_west_se(x: np.ndarray, lags: int) -> float:
    """Independent Newey-West standard error of a mean (Bartlett weights, no small-sample correction)."""
    n = len(x)
    m = sum(x) / n
    e = [v - m for v in x]
    s = sum(v * v for v in e) / n
    for lag in range(1, lags + 1):
        gamma = sum(e[t] * e[t - lag] for t in range(lag, n)) / n
        s += 2 * (1 - lag / (lags + 1)) * gamma
    return math.sqrt(s / n)


@pytest.mark.parametrize("lags", [0, 1, 3])
def test_hac_mean_ci_matches_hand_newey_west(lags):
    x = np.random.default_rng(lags).normal(0.001, 0.01, 30)
    got = spread.hac_mean_ci(x, maxlags=lags)
    se = newey_west_se(list(x), lags)
    assert got.mean == pytest.approx(x.mean())
    assert got.se == pytest.approx(se, rel=1e-9)
    t = 2.045229642132703  # Student t, 29 degrees of freedom, 97.5% quantile
    assert got.lower == pytest.approx(x.mean() - t * se, rel=1e-9)
    assert got.upper == pytest.approx(x.mean() + t * se, rel=1e-9)
    assert got.lags == lags and got.n == 30


def test_hac_default_lags_and_errors():
    assert spread.newey_west_lags(13) == 2  # floor(4 * 0.13 ** (2/9)) = floor(2.54)
    assert spread.newey_west_lags(100) == 4
    x = np.random.default_rng(0).normal(size=13)
    assert spread.hac_mean_ci(x).lags == 2
    with pytest.raises(DataError):
        spread.hac_mean_ci([1.0])
    with pytest.raises(ParameterError):
        spread.hac_mean_ci(x, maxlags=13)


# --------------------------------------------------------------------------- gains


@pytest.fixture
def closes() -> pd.Series:
    index = pd.DatetimeIndex(
        ["2020-12-29", "2020-12-30", "2020-12-31", "2021-01-04", "2021-01-05", "2021-01-06"], name="date"
    )
    return pd.Series([100.0, 90.0, 80.0, 95.0, 100.0, 99.0], index=index, name="x")


def test_trailing_gains_and_max(closes):
    end = closes.index[-1]
    table = spread.trailing_gains(closes, end, 10)
    assert list(table.index) == [1, 2, 3, 4, 5]  # only 5 earlier closes exist
    assert list(table["base_close"]) == [100.0, 95.0, 80.0, 90.0, 100.0]
    assert table.loc[3, "gain"] == pytest.approx(99 / 80 - 1)
    best = spread.max_trailing_gain(closes, end, 10)
    assert best["sessions"] == 3 and best["base_date"] == pd.Timestamp("2020-12-31")
    assert best["gain"] == pytest.approx(0.2375)
    short = spread.max_trailing_gain(closes, end, 2)  # bases 100 (1 back) and 95 (2 back)
    assert short["sessions"] == 2 and short["gain"] == pytest.approx(99 / 95 - 1)
    with pytest.raises(DataError):
        spread.trailing_gains(closes, closes.index[0], 3)


def test_the_gain_at_every_session_equals_max_trailing_gain_at_each(closes):
    for n in (1, 2, 3, 10):
        every = spread.max_trailing_gain_series(closes, n)
        assert np.isnan(every.iloc[0])  # the first close has no earlier one
        for end in closes.index[1:]:  # near the start, fewer windows: as max_trailing_gain
            assert every[end] == pytest.approx(spread.max_trailing_gain(closes, end, n)["gain"])
    assert spread.max_trailing_gain_series(closes, 2).iloc[-1] == pytest.approx(99 / 95 - 1)  # planted above
    with pytest.raises(ParameterError):
        spread.max_trailing_gain_series(closes, 0)


def test_year_start_low_and_gain_between(closes):
    end = closes.index[-1]
    base = spread.year_start_base(closes, end)
    assert base == pd.Timestamp("2020-12-31")
    ytd = spread.gain_between(closes, base, end)
    assert ytd["gain"] == pytest.approx(99 / 80 - 1) and ytd["sessions"] == 3
    assert spread.recent_low(closes, end, 63) == pd.Timestamp("2020-12-31")
    assert spread.recent_low(closes, end, 2) == pd.Timestamp("2021-01-04")  # only the 2 closes before end
    with pytest.raises(DataError):
        spread.year_start_base(closes, closes.index[0])


def test_gain_windows_on_compounded_returns():
    prices = prices_from_returns([0.01] * 20, start="2022-03-01")
    best = spread.max_trailing_gain(prices, prices.index[-1], 15)
    assert best["sessions"] == 15 and best["gain"] == pytest.approx(1.01**15 - 1)


# --------------------------------------------------------------------------- records


def test_record_highs_are_strict_and_start_after_the_first_close():
    index = pd.bdate_range("2021-01-01", periods=7, name="date")
    px = pd.Series([1.0, 3.0, 2.0, 3.0, 4.0, 4.0, 5.0], index=index, name="x")
    assert list(spread.record_highs(px)) == [False, True, False, False, True, False, True]
    window = spread.records_in_window(px, index[2], index[5])
    assert list(window.index) == [index[4]]
    # data after `end` is not used: a later, higher close does not matter
    assert list(spread.records_in_window(px, index[3], index[4]).index) == [index[4]]
    high = spread.running_high(px, index[5])
    assert high == {"close": 4.0, "date": index[4]}
    assert spread.record_highs(px.iloc[:0]).empty


def test_a_level_fits_a_series_within_the_band_of_its_closes():
    closes = pd.Series([90.0, 100.0])
    assert spread.level_fits(closes, 110.0, 0.10) and spread.level_fits(
        closes, 81.0, 0.10
    )  # edges: 1.1 * 100, 0.9 * 90
    assert not spread.level_fits(closes, 110.1, 0.10) and not spread.level_fits(closes, 80.9, 0.10)
    assert spread.level_fits(closes, 2650.0, 30.0) and not spread.level_fits(closes, float("nan"))
    assert not spread.level_fits(pd.Series([], dtype=float), 1.0)
    assert spread.LEVEL_BAND == 0.10
