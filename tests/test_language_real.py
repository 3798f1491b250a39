"""Queries on the real data, each recomputed independently with plain pandas loops (no package analytics)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rotation.data import loading
from rotation.language.query import evaluate

DATES = ["2008-06-06", "2024-07-16", "2026-01-21"]


@pytest.fixture(scope="module")
def load(shared_data):
    cache = {}

    def get(sid):
        if sid not in cache:
            cache[sid] = loading.load(sid, data_dir=shared_data)
        return cache[sid]

    return get


def _pair(load, a="rut", b="spx"):
    both = pd.concat([load(a).dropna().rename("a"), load(b).dropna().rename("b")], axis=1, join="inner")
    return both


def _plain_streaks(flags: list[bool]) -> list[int]:
    out, n = [], 0
    for f in flags:
        n = n + 1 if f else 0
        out.append(n)
    return out


@pytest.mark.parametrize("day", DATES)
def test_streak_length_and_longest_since(load, day):
    both = _pair(load).loc[:day]
    r = both.pct_change()
    flags = [bool(x) for x in (r["a"] > r["b"]).iloc[1:]]
    lengths = _plain_streaks(flags)
    current = lengths[-1]
    got = evaluate({"pair": ["rut", "spx"], "measure": "streak", "condition": "beats"}, load, day)
    assert got.value == current
    if current:
        # the last earlier session with a streak at least as long, outside the current streak
        earlier = [i for i, n in enumerate(lengths[:-current]) if n >= current]
        when = r.index[1:][earlier[-1]] if earlier else None
        q = {
            "pair": ["rut", "spx"],
            "measure": "streak",
            "condition": "beats",
            "history": {"stat": "rank", "among": "rolling"},
        }
        assert evaluate(q, load, day).since == when


@pytest.mark.parametrize("day", DATES)
def test_five_session_return_rank_of_the_pair(load, day):
    both = _pair(load).loc[:day]
    rel = (both["a"] / both["a"].shift(5) - 1) - (both["b"] / both["b"].shift(5) - 1)
    rel = rel.dropna()
    value = rel.iloc[-1]
    rank = 1 + int((rel.iloc[:-1] > value + 1e-12).sum())
    got = evaluate(
        {"pair": ["rut", "spx"], "measure": "return", "window": {"sessions": 5}, "history": {"stat": "rank"}}, load, day
    )
    assert got.raw == pytest.approx(value, abs=1e-12) and got.value == rank


def test_first_two_weeks_rank_among_years(load):
    px = load("rut").dropna()
    values = {}
    for year in range(px.index[0].year + 1, 2027):
        this = px[px.index.year == year]
        prev = px[px.index.year == year - 1]
        if len(this) >= 10 and len(prev):
            values[year] = this.iloc[9] / prev.iloc[-1] - 1
    day = px[px.index.year == 2026].index[9]
    rank = 1 + sum(v > values[2026] + 1e-12 for y, v in values.items() if y < 2026)
    got = evaluate(
        {
            "series": "rut",
            "measure": "return",
            "window": {"first_sessions": 10},
            "history": {"stat": "rank", "among": "same_period"},
        },
        load,
        day,
    )
    assert got.raw == pytest.approx(values[2026]) and got.value == rank


def test_ratio_highest_since_and_yield_change(load):
    both = _pair(load).loc[:"2026-01-21"]
    ratio = both["a"] / both["b"]
    now = ratio.iloc[-1]
    last = ratio.iloc[:-1][ratio.iloc[:-1] >= now].index[-1]
    got = evaluate(
        {"pair": ["rut", "spx"], "pair_as": "ratio", "measure": "level", "history": {"stat": "record"}},
        load,
        "2026-01-21",
    )
    assert got.since == last and got.value is False
    y = load("dgs2").dropna()
    base = y.loc[:"2025-12-31"].iloc[-1]
    end = y.loc[:"2026-01-21"].iloc[-1]
    got = evaluate({"series": "dgs2", "measure": "change_bp", "window": {"from": "2025-12-31"}}, load, "2026-01-21")
    assert got.value == pytest.approx((end - base) * 100)


def test_count_and_forward_after_streaks(load):
    both = _pair(load).loc[:"2026-01-21"]
    r = both.pct_change().iloc[1:]
    flags = list(r["a"] > r["b"])
    lengths = _plain_streaks(flags)
    since = pd.Timestamp("1999-01-01")
    count = sum(1 for d, n in zip(r.index, lengths) if n == 10 and d >= since)
    got = evaluate(
        {"pair": ["rut", "spx"], "measure": "count", "condition": "beats", "min_length": 10, "since": "1999-01-01"},
        load,
        "2026-01-21",
    )
    assert got.value == count
    # forward: anchor = first session after a streak of >= 10 that did not extend it; 20 sessions later
    prices = both.to_numpy()
    dates = list(r.index)
    anchors = []
    for i in range(1, len(lengths)):
        if lengths[i] == 0 and lengths[i - 1] >= 10:
            anchors.append(i)  # position in r; its close is prices row i + 1
    beating = n = 0
    for i in anchors:
        p0, p1 = i + 1, i + 1 + 20
        if p1 < len(prices):
            n += 1
            beating += (prices[p1, 0] / prices[p0, 0]) - (prices[p1, 1] / prices[p0, 1]) > 0
    q = {
        "pair": ["rut", "spx"],
        "measure": "forward",
        "event": {"min_length": 10, "anchor": "first_loss"},
        "horizon": 20,
    }
    assert evaluate({**q, "stat": "n"}, load, dates[-1]).value == n
    assert evaluate({**q, "stat": "n_beating"}, load, dates[-1]).value == beating
    assert np.isfinite(evaluate({**q, "stat": "base_share_beating"}, load, dates[-1]).value)


@pytest.mark.parametrize(
    "query",
    [
        {"pair": ["rut", "spx"], "measure": "return", "window": {"sessions": 5}, "history": {"stat": "rank"}},
        {"pair": ["rut", "spx"], "measure": "streak", "condition": "beats", "history": {"stat": "since_year"}},
        {"pair": ["rut", "spx"], "measure": "forward", "event": {"min_length": 8}, "horizon": "1m", "stat": "mean"},
        {
            "pair": ["rut", "spx"],
            "measure": "forward",
            "event": {"window": {"dates": "07-01 to 12-31"}, "above": 0},
            "then": "next_year",
            "stat": "mean",
        },
    ],
    ids=["rank", "streak-since", "forward", "calendar-forward"],
)
def test_values_over_dates_on_real_data_equal_single_dates(load, query):
    from rotation.language.query import values_over_dates

    days = pd.DatetimeIndex(["1988-03-15", "1996-05-08", "2000-12-31", "2008-06-06", "2020-03-25", "2026-01-22"])
    got = values_over_dates(query, load, days)
    for i, d in enumerate(days):
        r = evaluate(query, load, d)
        assert got.iloc[i] == pytest.approx(np.nan if r.value is None else float(r.value), nan_ok=True), d
