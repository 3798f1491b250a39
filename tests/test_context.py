"""rotation.context on synthetic series with planted answers: rate changes, windows, coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import prices_from_returns
from rotation import context, streaks
from rotation.errors import DataError, ParameterError


def step_series(levels: list[tuple[str, float]], end: str, name: str = "rate") -> pd.Series:
    """A daily (calendar-day) step series: each (date, level) holds until the next date."""
    index = pd.date_range(levels[0][0], end, freq="D", name="date")
    values = pd.Series(np.nan, index=index, name=name)
    for date, level in levels:
        values.loc[pd.Timestamp(date):] = level
    return values


PLANTED = [("2024-01-01", 5.50), ("2024-09-19", 5.00), ("2024-11-08", 4.75), ("2025-03-03", 4.75 + 0.25), ("2025-10-30", 4.50)]


def test_rate_changes_finds_each_planted_step():
    upper = step_series(PLANTED, "2026-01-31")
    table = context.rate_changes(upper)
    assert list(table["date"]) == [pd.Timestamp(d) for d, _ in PLANTED[1:]]
    assert np.allclose(table["before"], [5.50, 5.00, 4.75, 5.00])
    assert np.allclose(table["after"], [5.00, 4.75, 5.00, 4.50])
    assert np.allclose(table["change_bp"], [-50, -25, 25, -50])  # a hike is found as well as cuts


def test_rate_changes_window_keeps_the_value_before_the_first_change():
    upper = step_series(PLANTED, "2026-01-31")
    table = context.rate_changes(upper, start="2025-01-01", end="2025-12-31")
    assert list(table["date"]) == [pd.Timestamp("2025-03-03"), pd.Timestamp("2025-10-30")]
    assert table["before"].iloc[0] == pytest.approx(4.75)  # taken from 2024, outside the window
    assert context.rate_changes(upper, start="2025-11-01").empty


def test_rate_changes_on_a_range_counts_a_move_of_either_bound():
    upper = step_series([("2020-01-01", 2.0), ("2020-03-04", 1.5), ("2020-03-16", 0.25)], "2020-12-31")
    lower = step_series([("2020-01-01", 1.5), ("2020-03-04", 1.0), ("2020-03-16", 0.0), ("2020-06-01", 0.05)], "2020-12-31")
    table = context.rate_changes(pd.DataFrame({"lower": lower, "upper": upper}))
    assert list(table["date"].dt.strftime("%Y-%m-%d")) == ["2020-03-04", "2020-03-16", "2020-06-01"]
    assert np.allclose(table["lower_after"], [1.0, 0.0, 0.05])
    assert np.allclose(table["upper_after"], [1.5, 0.25, 0.25])
    assert np.allclose(table["change_bp"], [-50, -100, 5])  # first column (lower bound)


def test_rate_changes_ignores_gaps_and_flat_series():
    flat = step_series([("2021-01-01", 0.25)], "2021-12-31")
    assert context.rate_changes(flat).empty
    gappy = step_series([("2021-01-01", 1.0), ("2021-06-01", 1.25)], "2021-12-31")
    gappy.loc["2021-05-20":"2021-06-05"] = np.nan  # the change falls inside a gap
    table = context.rate_changes(gappy)
    assert list(table["date"]) == [pd.Timestamp("2021-06-06")] and table["change_bp"].iloc[0] == pytest.approx(25)


def test_value_at_and_stale_series():
    s = step_series(PLANTED, "2025-12-31")
    assert context.value_at(s, "2025-12-31") == (pd.Timestamp("2025-12-31"), 4.50)
    assert context.value_at(s, "2024-09-18")[1] == 5.50
    with pytest.raises(DataError, match="ends 2025-12-31"):
        context.value_at(s, "2026-02-28")
    with pytest.raises(DataError, match="starts"):
        context.value_at(s, "2023-06-01")


def test_coverage_counts_missing_and_excluded_sessions():
    calendar = pd.bdate_range("2026-01-01", "2026-01-16")
    prices = pd.Series(np.arange(1.0, len(calendar) + 1), index=calendar, name="X").drop(calendar[[3, 10]])
    cov = context.coverage(prices, calendar, calendar[1], calendar[-1], exclude=["2026-01-14"])  # a held row, excluded
    assert cov["needed"] == len(calendar) - 1
    assert cov["missing"] == [calendar[3], calendar[9], calendar[10]]
    assert cov["present"] == cov["needed"] - 3 and not cov["complete"]
    full = context.coverage(prices, calendar, calendar[4], calendar[8])
    assert full["complete"] and full["first"] == calendar[4] and full["last"] == calendar[8]


def test_window_return_and_rebased_by_hand():
    prices = pd.Series([100.0, 110.0, 99.0, 121.0], index=pd.bdate_range("2025-12-29", periods=4), name="X")
    assert context.window_return(prices, prices.index[0], prices.index[3]) == pytest.approx(0.21)
    assert context.window_return(prices, prices.index[1], prices.index[2]) == pytest.approx(-0.1)
    assert math.isnan(context.window_return(prices, "2025-12-25", prices.index[3]))
    line = context.rebased(prices, prices.index[1], prices.index[3])
    assert list(line.round(6)) == [100.0, 90.0, 110.0]


def test_streak_window_is_the_planted_streak():
    spread = [-0.01, 0.01, -0.02, 0.003, 0.002, 0.001, 0.004]  # streak of 4 at the end
    small = prices_from_returns(spread, name="small")
    large = prices_from_returns([0.0] * len(spread), name="large")
    returns = streaks.aligned_returns(small, large)
    win = context.streak_window(returns, returns.index[-1])
    assert win["sessions"] == 4
    assert win["start"] == returns.index[-4] and win["base"] == returns.index[-5]
    assert context.window_return(small, win["base"], win["end"]) == pytest.approx(1.003 * 1.002 * 1.001 * 1.004 - 1)
    assert context.streak_window(returns, returns.index[2])["sessions"] == 0  # small caps lost that day
    assert context.streak_window(returns, returns.index[-1], 2)["start"] == returns.index[-2]
    with pytest.raises(ParameterError):
        context.streak_window(returns, returns.index[-1], 50)


def test_period_stats_finds_planted_high_low_and_drawdown():
    values = [100, 105, 120, 90, 96, 110]
    prices = pd.Series(values, index=pd.bdate_range("2025-12-31", periods=6), name="X", dtype=float)
    stats = context.period_stats(prices, prices.index[0], prices.index[-1])
    assert stats["return"] == pytest.approx(0.10)
    assert stats["high"] == 120 and stats["low"] == 90 and stats["high_date"] == prices.index[2]
    assert stats["range"] == pytest.approx(120 / 90 - 1)
    assert stats["max_drawdown"] == pytest.approx(90 / 120 - 1)


def test_year_bounds_and_compounded():
    prices = pd.Series(1.0, index=pd.bdate_range("2024-12-20", "2026-01-10"), name="X")
    assert context.year_bounds(prices, 2025) == (pd.Timestamp("2024-12-31"), pd.Timestamp("2025-12-31"))
    with pytest.raises(DataError):
        context.year_bounds(prices, 2024)
    daily = pd.Series([0.01, -0.02, 0.03], index=pd.bdate_range("2023-01-02", periods=3))
    assert context.compounded(daily, "2023-01-01", "2023-12-31") == pytest.approx(1.01 * 0.98 * 1.03 - 1)
    assert context.compounded(daily, "2023-01-03", "2023-01-03") == pytest.approx(-0.02)


def test_parse_period_and_dates_text():
    assert context.parse_period("2023-01-01 to 2024-12-31") == (pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31"))
    with pytest.raises(ParameterError):
        context.parse_period("2024-12-31 to 2023-01-01")
    with pytest.raises(ParameterError):
        context.parse_period("2023")
    days = list(pd.bdate_range("2026-01-05", periods=6))
    assert context.dates_text(days[:2]) == "2026-01-05, 2026-01-06"
    assert context.dates_text(days) == "6 sessions, 2026-01-05 to 2026-01-12"
    assert context.dates_text([]) == "none"
