"""Streak analytics on synthetic series with planted, known answers."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import prices_from_returns
from rotation.analytics import streaks
from rotation.core.errors import DataError, ParameterError


def pair(spreads, large=0.001):
    """Small and large price series where small beats large by ``spreads`` (fractions) each day."""
    spreads = np.asarray(spreads, dtype=float)
    large_r = np.full(spreads.size, large)
    return prices_from_returns(large_r + spreads, name="small"), prices_from_returns(large_r, name="large")


def table_for(spreads, large=0.001):
    small, big = pair(spreads, large)
    return streaks.outperformance_streaks(streaks.aligned_returns(small, big))


def test_planted_streak_length_and_mean_spread():
    planted = [0.004, 0.005, 0.003, 0.006, 0.002]  # 5 sessions, mean 40 bp
    spreads = [-0.001, 0.002, -0.003, *planted, -0.002, 0.001]
    table = table_for(spreads)
    longest = table.loc[table["sessions"].idxmax()]
    assert longest["sessions"] == 5
    assert longest["mean_spread"] == pytest.approx(0.004, abs=1e-12)
    assert list(table["sessions"]) == [1, 5, 1]


def test_cumulative_returns_over_a_streak():
    small, big = pair([0.01, 0.02, -0.01], large=0.0)
    table = streaks.outperformance_streaks(streaks.aligned_returns(small, big))
    first = table.iloc[0]
    assert first["sessions"] == 2
    assert first["small_return"] == pytest.approx(1.01 * 1.02 - 1)
    assert first["large_return"] == pytest.approx(0.0)


def test_tie_breaks_a_streak():
    small, big = pair([0.001, 0.001, 0.0, 0.001], large=0.0)  # exact tie on day 3
    table = streaks.outperformance_streaks(streaks.aligned_returns(small, big))
    assert list(table["sessions"]) == [2, 1]


def test_streak_at_start_and_end_of_data():
    table = table_for([0.001, 0.001, 0.001, -0.001, 0.002, 0.002])
    first, last = table.iloc[0], table.iloc[-1]
    assert (first["sessions"], last["sessions"]) == (3, 2)
    assert not first["ongoing"] and last["ongoing"]


def test_missing_day_is_dropped_and_return_spans_the_gap():
    small, big = pair([0.001, 0.002, 0.003, 0.004])
    big = big.drop(big.index[2])  # large-cap series lacks one date
    returns = streaks.aligned_returns(small, big)
    assert returns.attrs["alignment"]["small_only_inside"] == 1
    assert len(returns) == 3
    # the return ending after the gap spans two sessions for both series
    expected_small = small.iloc[3] / small.iloc[1] - 1
    assert returns["small"].iloc[1] == pytest.approx(expected_small)


def test_alignment_counts_history_outside_the_overlap():
    small, big = pair([0.001] * 10)
    longer = pd.concat([prices_from_returns([0.0] * 4, start="2019-06-03").iloc[:-1] * 0 + 50, big])
    report = streaks.alignment_report(small.index, longer.index)
    assert report["large_only_outside"] == 4
    assert report["large_only_inside"] == 0


def test_streak_at_as_of_uses_data_up_to_as_of_only():
    small, big = pair([-0.001, 0.001, 0.001, 0.001, 0.001, -0.001])
    returns = streaks.aligned_returns(small, big)
    as_of = returns.index[2]  # two sessions into a four-session streak
    current = streaks.streak_at(returns, as_of)
    assert current["sessions"] == 2 and current["end"] == as_of


def test_streak_at_is_zero_on_an_underperformance_day():
    small, big = pair([0.001, -0.001])
    returns = streaks.aligned_returns(small, big)
    assert streaks.streak_at(returns, returns.index[-1])["sessions"] == 0


def test_rank_record_and_last_at_least():
    spreads = [0.001] * 4 + [-0.001] + [0.001] * 6 + [-0.001] + [0.001] * 3 + [-0.001] + [0.001] * 4
    small, big = pair(spreads)
    returns = streaks.aligned_returns(small, big)
    table = streaks.outperformance_streaks(returns)
    current = table.iloc[-1]  # 4 sessions, at the end of the data
    rank = streaks.rank_streak(table, current)
    assert rank["sessions"] == 4
    assert rank["record_sessions"] == 6
    assert rank["rank"] == 2 and rank["ties"] == 1
    assert not rank["is_record"]
    assert rank["last_at_least"]["sessions"] == 6  # the 3-session streak is shorter, the 6 is the latest >= 4


def test_resolve_as_of_weekend_moves_to_previous_session():
    index = pd.bdate_range("2026-01-05", "2026-01-16")
    session, note = streaks.resolve_as_of(index, "2026-01-10")  # a Saturday
    assert session == pd.Timestamp("2026-01-09")
    assert "not a trading session" in note and "2026-01-09" in note


@pytest.mark.parametrize(
    "as_of, message",
    [
        ("2025-12-31", "as_of 2025-12-31 is before the data start 2026-01-05"),
        ("2026-02-01", "as_of 2026-02-01 is after the data end 2026-01-16"),
        ("2026-13-01", "as_of '2026-13-01' is not a date (expected YYYY-MM-DD)"),
    ],
)
def test_resolve_as_of_refuses_out_of_range_and_malformed(as_of, message):
    with pytest.raises(ParameterError) as err:
        streaks.resolve_as_of(pd.bdate_range("2026-01-05", "2026-01-16"), as_of)
    assert str(err.value) == message


def test_nan_spread_is_refused():
    returns = pd.DataFrame(
        {"small": [0.01, np.nan], "large": [0.0, 0.0]}, index=pd.bdate_range("2026-01-05", periods=2)
    )
    with pytest.raises(DataError, match="missing return on 2026-01-06"):
        streaks.outperformance_streaks(returns)


def test_forty_years_in_milliseconds():
    rng = np.random.default_rng(0)
    spreads = rng.normal(0, 0.01, 10_000)
    small, big = pair(spreads)
    returns = streaks.aligned_returns(small, big)
    started = time.perf_counter()
    table = streaks.outperformance_streaks(returns)
    elapsed = time.perf_counter() - started
    assert len(table) > 1000
    assert elapsed < 0.25  # typically ~2 ms; generous bound for a loaded CI machine


spread_lists = st.lists(st.sampled_from([-0.002, -0.001, 0.0, 0.001, 0.003]), min_size=1, max_size=200)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(spread_lists)
def test_run_table_invariants(spreads):
    small, big = pair(spreads, large=0.0)
    returns = streaks.aligned_returns(small, big)
    spread = streaks.daily_spread(returns)
    table = streaks.outperformance_streaks(returns)
    wins = spread > 0
    # every outperformance session belongs to exactly one streak
    assert table["sessions"].sum() == wins.sum()
    # streaks are ordered, disjoint, and separated by at least one non-outperformance session
    positions = [returns.index.get_loc(d) for d in table["start"]]
    ends = [returns.index.get_loc(d) for d in table["end"]]
    assert all(e - s + 1 == n for s, e, n in zip(positions, ends, table["sessions"]))
    assert all(nxt > end + 1 for end, nxt in zip(ends[:-1], positions[1:]))
    assert (table["mean_spread"] > 0).all()
    # the streak in force on each day agrees with the table
    in_force = streaks.streak_in_force(spread)
    assert int(in_force.max() if len(in_force) else 0) == int(table["sessions"].max() if len(table) else 0)
    for row in table.itertuples():
        assert in_force.loc[row.end] == row.sessions
    # counts by length add up
    assert streaks.streak_length_counts(table).sum() == len(table)


def test_record_check_bundles_streak_and_rank_up_to_as_of():
    spreads = [0.001] * 5 + [-0.001] + [0.001] * 3 + [-0.001] + [0.001] * 2
    small, big = pair(spreads)
    returns = streaks.aligned_returns(small, big)
    as_of = returns.index[8]  # third session of the second streak; later data must not count
    found = streaks.record_check(returns, as_of)
    assert found["session"] == as_of and found["first_return"] == returns.index[0]
    assert found["current"]["sessions"] == 3
    assert found["rank"]["record_sessions"] == 5 and found["rank"]["rank"] == 2
    assert len(found["table"]) == 2  # the third streak lies after as_of
