"""rotation.analytics.markets on synthetic series with planted answers: rate changes, target range, yield spread and its change, window gains, period ranges."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rotation.analytics import markets
from rotation.core.errors import DataError


def step_series(levels: list[tuple[str, float]], end: str, name: str = "rate") -> pd.Series:
    """A daily (calendar-day) step series: each (date, level) holds until the next date."""
    index = pd.date_range(levels[0][0], end, freq="D", name="date")
    values = pd.Series(np.nan, index=index, name=name)
    for date, level in levels:
        values.loc[pd.Timestamp(date) :] = level
    return values


PLANTED = [
    ("2024-01-01", 5.50),
    ("2024-09-19", 5.00),
    ("2024-11-08", 4.75),
    ("2025-03-03", 4.75 + 0.25),
    ("2025-10-30", 4.50),
]


def test_rate_changes_finds_each_planted_step():
    upper = step_series(PLANTED, "2026-01-31")
    table = markets.rate_changes(upper)
    assert list(table["date"]) == [pd.Timestamp(d) for d, _ in PLANTED[1:]]
    assert np.allclose(table["before"], [5.50, 5.00, 4.75, 5.00])
    assert np.allclose(table["after"], [5.00, 4.75, 5.00, 4.50])
    assert np.allclose(table["change_bp"], [-50, -25, 25, -50])  # a hike is found as well as cuts


def test_rate_changes_window_keeps_the_value_before_the_first_change():
    upper = step_series(PLANTED, "2026-01-31")
    table = markets.rate_changes(upper, start="2025-01-01", end="2025-12-31")
    assert list(table["date"]) == [pd.Timestamp("2025-03-03"), pd.Timestamp("2025-10-30")]
    assert table["before"].iloc[0] == pytest.approx(4.75)  # taken from 2024, outside the window
    assert markets.rate_changes(upper, start="2025-11-01").empty


def test_rate_changes_on_a_range_counts_a_move_of_either_bound():
    upper = step_series([("2020-01-01", 2.0), ("2020-03-04", 1.5), ("2020-03-16", 0.25)], "2020-12-31")
    lower = step_series(
        [("2020-01-01", 1.5), ("2020-03-04", 1.0), ("2020-03-16", 0.0), ("2020-06-01", 0.05)], "2020-12-31"
    )
    table = markets.rate_changes(pd.DataFrame({"lower": lower, "upper": upper}))
    assert list(table["date"].dt.strftime("%Y-%m-%d")) == ["2020-03-04", "2020-03-16", "2020-06-01"]
    assert np.allclose(table["lower_after"], [1.0, 0.0, 0.05])
    assert np.allclose(table["upper_after"], [1.5, 0.25, 0.25])
    assert np.allclose(table["change_bp"], [-50, -100, 5])  # first column (lower bound)


def test_rate_changes_ignores_gaps_and_flat_series():
    flat = step_series([("2021-01-01", 0.25)], "2021-12-31")
    assert markets.rate_changes(flat).empty
    gappy = step_series([("2021-01-01", 1.0), ("2021-06-01", 1.25)], "2021-12-31")
    gappy.loc["2021-05-20":"2021-06-05"] = np.nan  # the change falls inside a gap
    table = markets.rate_changes(gappy)
    assert list(table["date"]) == [pd.Timestamp("2021-06-06")] and table["change_bp"].iloc[0] == pytest.approx(25)


def test_target_range_at_reads_both_bounds_and_flags_a_single_target():
    lower = step_series([("2008-01-01", 3.0), ("2008-12-16", 0.0)], "2009-01-31")
    upper = step_series([("2008-01-01", 3.0), ("2008-12-16", 0.25)], "2009-01-31")
    before = markets.target_range_at(lower, upper, "2008-06-30")
    assert before["single"] and before["lower"] == before["upper"] == 3.0
    after = markets.target_range_at(lower, upper, "2009-01-15")
    assert (after["lower"], after["upper"], after["midpoint"], after["single"]) == (0.0, 0.25, 0.125, False)
    with pytest.raises(DataError, match="ends 2009-01-31"):
        markets.target_range_at(lower, upper, "2009-03-01")


def test_curve_spread_leaves_out_days_either_yield_is_blank():
    days = pd.bdate_range("2026-01-05", periods=5, name="date")
    long = pd.Series([4.20, np.nan, 4.30, 4.25, 4.10], index=days)
    short = pd.Series([3.60, 3.55, np.nan, 3.50, 3.60], index=days)
    spread = markets.curve_spread(long, short)
    assert list(spread.index) == [days[0], days[3], days[4]]
    assert np.allclose(spread.to_numpy(), [0.60, 0.75, 0.50])


def test_level_change_uses_the_last_value_on_or_before_each_end():
    spread = pd.Series([0.50, 0.60, 0.55], index=pd.DatetimeIndex(["2025-12-30", "2025-12-31", "2026-01-20"]))
    ch = markets.level_change(spread, "2026-01-01", "2026-01-21")  # neither end date holds a value
    assert ch["from_date"] == pd.Timestamp("2025-12-31") and ch["to_date"] == pd.Timestamp("2026-01-20")
    assert ch["change_bp"] == pytest.approx(-5.0) and ch["direction"] == "fell"
    assert markets.level_change(spread, "2025-12-30", "2025-12-31")["direction"] == "rose"
    assert markets.level_change(spread, "2025-12-31", "2025-12-31")["direction"] == "unchanged"
    with pytest.raises(DataError, match="more than 7 days"):
        markets.level_change(spread, "2025-12-31", "2026-03-01")
    assert markets.direction(float("nan")) == "n/a"


def test_months_before_clips_month_ends():
    assert markets.months_before("2025-03-31", 1) == pd.Timestamp("2025-02-28")
    assert markets.months_before("2026-01-21", 12) == pd.Timestamp("2025-01-21")


def test_window_gain_needs_only_the_two_end_closes():
    index = pd.bdate_range("2025-12-31", periods=6, name="date")
    prices = pd.Series([10.0, 11.0, 12.5, 11.5, 12.0, 11.8], index=index, name="X")
    holed = prices.drop(index[[1, 2]])  # the closes between the ends are not needed for the return
    full, held = markets.window_gain(prices, index[0], index[-1]), markets.window_gain(holed, index[0], index[-1])
    assert full["return"] == pytest.approx(0.18) and held["return"] == pytest.approx(0.18)
    assert full["peak_close"] == 12.5 and full["peak_date"] == index[2] and full["peak_gain"] == pytest.approx(0.25)
    assert held["peak_close"] == 12.0  # the highest close the series holds
    missing_end = markets.window_gain(prices.drop(index[-1]), index[0], index[-1])
    assert math.isnan(missing_end["return"]) and math.isnan(missing_end["end_close"])


def test_period_bounds_and_year_bounds():
    prices = pd.Series(1.0, index=pd.bdate_range("2024-12-20", "2026-01-10"), name="X")
    assert markets.year_bounds(prices, 2025) == (pd.Timestamp("2024-12-31"), pd.Timestamp("2025-12-31"))
    assert markets.period_bounds(prices, "2025-07-01", "2025-07-31") == (
        pd.Timestamp("2025-06-30"),
        pd.Timestamp("2025-07-31"),
    )
    with pytest.raises(DataError, match="does not cover"):
        markets.year_bounds(prices, 2024)  # no close before 2024
    with pytest.raises(DataError, match="does not cover"):
        markets.period_bounds(prices, "2025-07-01", "2026-06-30")  # ends long before the period does


def test_period_stats_finds_planted_high_low_drawdown_and_distance():
    values = [100, 105, 120, 90, 96, 110]
    prices = pd.Series(values, index=pd.bdate_range("2025-12-31", periods=6), name="X", dtype=float)
    stats = markets.period_stats(prices, prices.index[0], prices.index[-1])
    assert stats["return"] == pytest.approx(0.10) and stats["base_close"] == 100 and stats["end_close"] == 110
    assert stats["high"] == 120 and stats["low"] == 90 and stats["high_date"] == prices.index[2]
    assert stats["range"] == pytest.approx(120 / 90 - 1)
    assert stats["max_drawdown"] == pytest.approx(90 / 120 - 1)
    assert stats["max_away"] == pytest.approx(0.20)


def test_band_range_limit_and_split_years():
    assert markets.band_range_limit(0.10) == pytest.approx(1.1 / 0.9 - 1)
    with pytest.raises(ValueError):
        markets.band_range_limit(10)
    parts = markets.split_years("2023-01-01", "2024-12-31")
    assert [p[0] for p in parts] == ["2023", "2024", "whole period"]
    assert parts[1][1:] == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    assert [p[0] for p in markets.split_years("2025-01-01", "2025-12-31")] == ["whole period"]


def test_dates_text_and_span_of():
    days = list(pd.bdate_range("2026-01-05", periods=6))
    assert markets.dates_text(days[:2]) == "2026-01-05, 2026-01-06"
    assert markets.dates_text(days) == "6 dates, 2026-01-05 to 2026-01-12"
    assert markets.dates_text([]) == "none"
    series = pd.Series([np.nan, 1.0, 2.0, np.nan], index=pd.DatetimeIndex(days[:4]))
    assert markets.span_of(series) == "2026-01-06 to 2026-01-07"
    assert markets.span_of(None) == "no rows"


def test_rate_sensitivity_recovers_a_planted_slope_and_refuses_a_short_history():
    # month ends of a business-day calendar; the small index's monthly return beats the large one's by -2 x the rate change
    days = pd.bdate_range("2019-12-02", "2022-12-30")
    month_end = days.to_series().groupby(days.to_period("M")).transform("max") == days
    rng = np.random.default_rng(7)
    changes = rng.normal(0, 0.2, month_end.sum())  # rate change of each month, percentage points
    rate_ends = 2.0 + np.cumsum(changes)
    rate = pd.Series(np.nan, index=days)
    rate[month_end.to_numpy()] = rate_ends
    rate = rate.ffill().bfill()
    large_ends = 100 * np.cumprod(np.full(len(changes), 1.01))
    relative = np.concatenate([[0.0], -2.0 * np.diff(rate_ends)]) / 100  # fraction; month 1 has no change
    small_ret = np.concatenate([[0.0], large_ends[1:] / large_ends[:-1] - 1]) + relative
    small_ends = 100 * np.cumprod(1 + small_ret)
    small = pd.Series(np.nan, index=days)
    large = pd.Series(np.nan, index=days)
    small[month_end.to_numpy()], large[month_end.to_numpy()] = small_ends, large_ends
    small, large = small.ffill().bfill(), large.ffill().bfill()
    fit = markets.rate_sensitivity(small, large, rate, "2020-02-01", "2022-12-01")
    assert fit["slope"] == pytest.approx(-2.0, abs=1e-9) and fit["se"] == pytest.approx(0.0, abs=1e-9)
    assert fit["months"] == 35 and fit["correlation"] == pytest.approx(-1.0)
    assert fit["low"] <= fit["slope"] <= fit["high"]
    with pytest.raises(DataError, match="at least 12 months"):
        markets.rate_sensitivity(small, large, rate, "2022-06-01", "2022-12-01")


def test_monthly_last_skips_blank_days():
    dates = pd.to_datetime(["2025-01-02", "2025-01-31", "2025-02-03", "2025-02-27"])
    out = markets.monthly_last(pd.Series([1.0, 2.0, 4.0, np.nan], index=dates))
    assert list(out.index) == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")]
    assert out.tolist() == [2.0, 4.0]  # February's last day is blank: its last published value counts
