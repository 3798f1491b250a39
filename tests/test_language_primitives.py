"""Planted-answer tests of the claim language's primitives on synthetic series (rotation.language)."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pytest

from rotation.core.errors import DataError, ParameterError
from rotation.language import primitives as P
from rotation.language.query import evaluate, evaluate_many, query_values


def series(values, start="2020-01-01", name="x", freq="B") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float),
        index=pd.date_range(start, periods=len(values), freq=freq, name="date"),
        name=name,
    )


def loader(**named):
    def load(sid):
        if sid not in named:
            raise DataError(f"no series {sid!r}")
        return named[sid]

    return load


def one(s):
    return pd.DataFrame({"value": s})


# ---------------------------------------------------------------------------------------------- windows


def test_sessions_window_return_and_log_return():
    s = series(100 * 1.01 ** np.arange(30))  # +1% every session
    r = P.window_values(one(s), "return", {"sessions": 5})
    assert r.iloc[:5].isna().all()
    assert r.iloc[5:].to_numpy() == pytest.approx(1.01**5 - 1)
    lr = P.window_values(one(s), "log_return", {"sessions": 3})
    assert lr.iloc[3:].to_numpy() == pytest.approx(3 * np.log(1.01))
    sr = P.window_values(one(s), "session_return")
    assert sr.iloc[1:].to_numpy() == pytest.approx(0.01)


def test_month_and_ytd_windows_start_at_the_previous_period_close():
    idx = pd.bdate_range("2019-12-02", "2020-03-31")
    s = pd.Series(np.arange(len(idx), dtype=float) + 100, index=idx)
    month = P.window_values(one(s), "return", {"period": "month"})
    ytd = P.window_values(one(s), "return", {"period": "ytd"})
    day = pd.Timestamp("2020-02-14")
    jan_end = s.loc[:"2020-01-31"].iloc[-1]
    dec_end = s.loc[:"2019-12-31"].iloc[-1]
    assert month[day] == pytest.approx(s[day] / jan_end - 1)
    assert ytd[day] == pytest.approx(s[day] / dec_end - 1)
    assert np.isnan(month.iloc[0])  # no previous month in the data


def test_first_sessions_window_is_fixed_and_defined_once_complete():
    idx = pd.bdate_range("2019-12-20", "2020-02-28")
    s = pd.Series(np.linspace(100, 150, len(idx)), index=idx)
    v = P.window_values(one(s), "return", {"first_sessions": 10})
    firsts = idx[idx.year == 2020][:10]
    expected = s[firsts[-1]] / s.loc[:"2019-12-31"].iloc[-1] - 1
    assert np.isnan(v[firsts[-2]])  # the tenth session has not closed yet
    assert v[firsts[-1]] == pytest.approx(expected)
    assert v["2020-02-28"] == pytest.approx(expected)  # the same fixed window read later


def test_from_and_from_to_windows():
    s = series([100, 110, 121, 133.1, 146.41, 161.051])
    d = s.index
    frm = P.window_values(one(s), "return", {"from": str(d[1].date())})
    assert np.isnan(frm[d[1]]) and frm[d[4]] == pytest.approx(146.41 / 110 - 1)
    fixed = P.window_values(one(s), "return", {"from": str(d[1].date()), "to": str(d[3].date())})
    assert np.isnan(fixed[d[2]])  # not over yet
    assert fixed[d[3]] == pytest.approx(133.1 / 110 - 1) and fixed[d[5]] == pytest.approx(133.1 / 110 - 1)
    # a base date that is not a session: the last close before it
    weekend = str((d[2] + pd.Timedelta(hours=12)).date())
    assert P.window_values(one(s), "return", {"from": weekend})[d[4]] == pytest.approx(146.41 / 121 - 1)


def test_change_bp_of_a_rate():
    y = series([3.47, 3.50, 3.55, 3.60])
    ch = P.window_values(one(y), "change_bp", {"sessions": 3})
    assert ch.iloc[-1] == pytest.approx(13.0)


def test_pair_spread_return_and_ratio_level():
    small, large = series([100, 102, 104.04], name="a"), series([50, 50.5, 51.005], name="b")
    lv = P.subject_levels({"pair": ["a", "b"]}, loader(a=small, b=large))
    rel = P.window_values(lv, "return", {"sessions": 2})
    assert rel.iloc[-1] == pytest.approx((1.02**2 - 1) - (1.01**2 - 1))
    ratio = P.subject_levels({"pair": ["a", "b"], "pair_as": "ratio"}, loader(a=small, b=large))
    assert P.window_values(ratio, "level").iloc[-1] == pytest.approx(104.04 / 51.005)
    with pytest.raises(ParameterError, match="pair_as: ratio"):
        P.window_values(lv, "level")


def test_pair_keeps_common_dates_and_drops_missing_values():
    a = series([1, 2, 3, 4, 5], name="a")
    b = series([1, np.nan, 3, 4, 5], name="b")
    lv = P.subject_levels({"pair": ["a", "b"]}, loader(a=a, b=b))
    assert len(lv) == 4 and a.index[1] not in lv.index


# ---------------------------------------------------------------------------------------------- streaks


def test_streaks_of_conditions():
    # rises on sessions 1,2,3 then falls, then rises 1, 2
    s = series([10, 11, 12, 13, 12, 13, 14])
    flags = P.condition_flags(one(s), "rises")
    assert P.streak_values(flags).tolist() == [0, 1, 2, 3, 0, 1, 2]
    assert P.streak_values(P.condition_flags(one(s), "falls")).tolist() == [0, 0, 0, 0, 1, 0, 0]
    big = series([100, 102, 103, 105.06, 107.2])  # +2%, +0.98%, +2%, +2.04%
    assert P.streak_values(P.condition_flags(one(big), {"rises_by": 0.02})).tolist() == [0, 1, 0, 1, 2]
    y = series([3.0, 3.06, 3.08, 3.2])
    assert P.streak_values(P.condition_flags(one(y), {"rises_by_bp": 5})).tolist() == [0, 1, 0, 1]


def test_sessions_meeting_a_condition_in_a_window():
    idx = pd.bdate_range("2019-12-23", "2020-01-31")
    up = np.where(
        idx.isin(idx[idx.year == 2020][[0, 1, 2, 4]]), 1.02, 0.99
    )  # rises on 4 of the first 5 sessions of 2020
    s = pd.Series(100 * np.cumprod(up), index=idx)
    flags = P.condition_flags(one(s), "rises")
    first5 = P.sessions_meeting_values(flags, {"first_sessions": 5})
    fifth = idx[idx.year == 2020][4]
    assert np.isnan(first5[idx[idx.year == 2020][3]]) and first5[fifth] == 4 and first5.iloc[-1] == 4
    last3 = P.sessions_meeting_values(flags, {"sessions": 3})
    assert last3[fifth] == 2  # the 3rd, 4th and 5th sessions of 2020: rise, fall, rise
    q = {"series": "x", "measure": "sessions_meeting", "condition": "rises", "window": {"first_sessions": 5}}
    assert evaluate(q, loader(x=s), fifth).value == 4


def test_pair_beats_streak_ties_break_it():
    a = series([100, 101, 102, 103, 104], name="a")
    b = series([100, 100, 101, 102, 103], name="b")  # a: +1, +0.99, +0.98, +0.97 ; b: 0, +1, +0.99, +0.98
    lv = P.subject_levels({"pair": ["a", "b"]}, loader(a=a, b=b))
    flags = P.condition_flags(lv, "beats")
    assert flags.tolist() == [False, True, False, False, False]


def test_streak_count_counts_each_streak_once_when_it_reaches_the_length():
    pattern = [0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1]
    flags = pd.Series(np.array(pattern, dtype=bool), index=pd.bdate_range("2020-01-01", periods=len(pattern)))
    counts = P.streak_count_values(flags, 3)
    assert counts.iloc[-1] == 3 and counts.iloc[3] == 1 and counts.iloc[7] == 2
    assert P.streak_count_values(flags, 3, since=str(flags.index[5].date())).iloc[-1] == 2
    assert P.streak_count_values(flags, 4).iloc[-1] == 1


# ---------------------------------------------------------------------------------------------- history


def test_history_rank_percentile_record_since():
    earlier = pd.Series([5.0, 9.0, 3.0, 7.0], index=pd.bdate_range("2020-01-01", periods=4))
    assert P.history_stat(8.0, earlier, "rank")["value"] == 2
    assert P.history_stat(9.0, earlier, "record")["value"] is True
    assert P.history_stat(8.0, earlier, "record")["value"] is False
    got = P.history_stat(6.0, earlier, "since", within=(earlier.index[3], earlier.index[3]))
    assert got["value"] is True and got["since"] == earlier.index[3]  # 7 is the last value >= 6
    assert P.history_stat(8.0, earlier, "percentile")["value"] == pytest.approx(100 * (3 + 0.5) / 5)
    assert P.history_stat(4.0, earlier, "rank", direction="low")["value"] == 2  # only 3 is lower
    assert P.history_stat(10.0, earlier, "rank")["since"] is pd.NaT  # never as high before
    with pytest.raises(ParameterError, match="history.in"):
        P.history_stat(2.0, earlier, "since")


def test_vectorised_since_equals_single_date_since():
    rng = np.random.default_rng(7)
    v = pd.Series(rng.integers(0, 20, 300).astype(float), index=pd.bdate_range("2020-01-01", periods=300))
    fast = P.last_at_least_series(v)
    for i in range(0, 300, 7):
        got = P.history_stat(v.iloc[i], v.iloc[:i], "rank")["since"]
        assert (pd.isna(got) and pd.isna(fast.iloc[i])) or got == fast.iloc[i]


def test_comparables_same_period_and_every_period():
    idx = pd.bdate_range("2015-01-01", "2020-06-30")
    v = pd.Series(np.arange(len(idx), dtype=float), index=idx)
    at = pd.Timestamp("2020-03-16")
    same = P.comparables(v, at, "same_period", {"period": "ytd"})
    assert list(same.index.year) == [2015, 2016, 2017, 2018, 2019]
    assert all(d.month == 3 and d.day <= 16 and d.day >= 12 for d in same.index)
    months = P.comparables(v, at, "every_period", {"period": "month"})
    assert months.index[-1] == pd.Timestamp("2020-02-28") and len(months) == 12 * 5 + 2
    first = P.comparables(v, at, "same_period", {"first_sessions": 10})
    assert list(first.index.year) == [2015, 2016, 2017, 2018, 2019]


def test_month_rank_among_every_month_planted():
    # 24 months; month 13 (Jan of the 2nd year) is the best; the last month is second best
    months = pd.period_range("2018-01", periods=25, freq="M")
    monthly = np.full(25, 0.01)
    monthly[12], monthly[24] = 0.10, 0.05
    idx, vals, level = [], [], 100.0
    for m, r in zip(months, monthly):
        days = pd.bdate_range(m.start_time, m.end_time)
        daily = (1 + r) ** (1 / len(days))
        for d in days:
            level *= daily
            idx.append(d)
            vals.append(level)
    s = pd.Series(vals, index=pd.DatetimeIndex(idx))
    q = {
        "series": "x",
        "measure": "return",
        "window": {"period": "month"},
        "history": {"stat": "rank", "among": "every_period"},
    }
    r = evaluate(q, loader(x=s), s.index[-1])
    assert r.raw == pytest.approx(0.05) and r.value == 2
    q["history"] = {"stat": "since", "among": "every_period", "in": "2019-01-01 to 2019-01-31"}
    assert evaluate(q, loader(x=s), s.index[-1]).value is True


# ---------------------------------------------------------------------------------------------- queries


def _pair_with_planted_streaks():
    """Small beats large exactly on planted sessions: streaks of 5 (twice) and 8; 1% daily drift otherwise equal."""
    n = 400
    spread = np.full(n, -0.001)
    for start, length in ((50, 5), (150, 8), (250, 5)):
        spread[start : start + length] = 0.002
    large_r = np.full(n, 0.0005)
    small_r = large_r + spread
    a = pd.Series(
        100 * np.cumprod(np.concatenate(([1.0], 1 + small_r))), index=pd.bdate_range("2010-01-01", periods=n + 1)
    )
    b = pd.Series(100 * np.cumprod(np.concatenate(([1.0], 1 + large_r))), index=a.index)
    return a, b


def test_streak_query_length_since_record_rank():
    a, b = _pair_with_planted_streaks()
    load = loader(a=a, b=b)
    at = a.index[255]  # the third streak's fifth session (returns offset by one)
    q = {"pair": ["a", "b"], "measure": "streak", "condition": "beats"}
    assert evaluate(q, load, at).value == 5
    q["history"] = {"stat": "rank"}
    assert evaluate(q, load, at).value == 2  # only the 8-session streak was longer
    q["history"] = {"stat": "record"}
    assert evaluate(q, load, at).value is False
    q["history"] = {"stat": "since", "in": f"{a.index[150].date()} to {a.index[160].date()}"}
    r = evaluate(q, load, at)
    assert r.value is True and r.since == a.index[158]  # the 8-session streak ended there
    q["history"] = {"stat": "since", "among": "rolling", "in": f"{a.index[150].date()} to {a.index[160].date()}"}
    assert evaluate(q, load, at).value is True


def test_count_query_and_forward_outcomes_planted():
    a, b = _pair_with_planted_streaks()
    load = loader(a=a, b=b)
    count = {"pair": ["a", "b"], "measure": "count", "condition": "beats", "min_length": 5}
    assert evaluate(count, load, a.index[-1]).value == 3
    assert evaluate({**count, "min_length": 6}, load, a.index[-1]).value == 1
    fwd = {
        "pair": ["a", "b"],
        "measure": "forward",
        "event": {"min_length": 5, "anchor": "first_loss"},
        "horizon": 10,
        "stat": "n",
    }
    assert evaluate(fwd, load, a.index[-1]).value == 3
    # after each streak small lags large by 0.1% a session (-0.05% vs +0.05%): never beating
    assert evaluate({**fwd, "stat": "n_beating"}, load, a.index[-1]).value == 0
    mean = evaluate({**fwd, "stat": "mean"}, load, a.index[-1]).value
    assert mean == pytest.approx((0.9995**10 - 1) - (1.0005**10 - 1), rel=1e-6)
    assert evaluate({**fwd, "stat": "base_share_beating"}, load, a.index[-1]).value == pytest.approx(
        _share_any_time(a, b, 10)
    )
    excess = evaluate({**fwd, "stat": "excess_mean", "of": "small"}, load, a.index[-1]).value
    any_time_small = float((a.shift(-10) / a - 1).dropna().mean())
    assert excess == pytest.approx((0.9995**10 - 1) - any_time_small, rel=1e-6)
    # only events whose window closed by the claim date count
    assert evaluate(fwd, load, a.index[160]).value == 1


def _share_any_time(a, b, h):
    ra, rb = a.shift(-h) / a - 1, b.shift(-h) / b - 1
    rel = (ra - rb).dropna()  # every base session, the first close included
    return float((rel > 0).mean())


def test_any_time_sample_starts_at_the_first_close():
    idx = pd.bdate_range("2020-01-01", periods=6)
    lv = pd.DataFrame({"small": [100.0, 110, 121, 100, 100, 100], "large": 100.0}, index=idx)
    rows = P.any_time_outcomes(lv, 2)
    assert list(rows.index) == list(idx[:4])  # bases 0..3: sessions 2..5 close their windows
    assert rows["small"].iloc[0] == pytest.approx(0.21)  # from the first close (100) to the third (121)
    assert rows["relative"].to_numpy() == pytest.approx([0.21, 100 / 110 - 1, 100 / 121 - 1, 0.0])


def test_event_study_lists_cases_and_both_rows_per_horizon():
    a, b = _pair_with_planted_streaks()
    lv = P.subject_levels({"pair": ["a", "b"]}, loader(a=a, b=b))
    study = P.event_study(lv, 5, ["1w", 10])
    t = study.table
    assert list(t.index) == [("1w", "after signal"), ("1w", "any time"), ("10", "after signal"), ("10", "any time")]
    # three planted streaks (5, 8, 5 sessions), each broken the session after: anchors at the first loss
    assert list(study.cases["sessions"]) == [5, 8, 5]
    assert list(study.cases["anchor"]) == [a.index[56], a.index[159], a.index[256]]
    after = t.loc[("1w", "after signal")]
    assert after["N"] == 3 and after["independent N"] == 3 and after["% beating"] == 0
    # after each streak small lags by 0.1 % a session: 5 sessions of (0.9995 / 1.0005) relative
    assert study.cases["1w"].to_numpy() == pytest.approx((0.9995**5 - 1) - (1.0005**5 - 1))
    assert after["mean relative"] == pytest.approx((0.9995**5 - 1) - (1.0005**5 - 1))
    # exact interval of 0 successes in 3: [0, 1 - 0.025 ** (1/3)]
    assert after["CI low"] == pytest.approx(0) and after["CI high"] == pytest.approx(100 * (1 - 0.025 ** (1 / 3)))
    any_time = t.loc[("1w", "any time")]
    assert any_time["N"] == len(a) - 5 and any_time["% beating"] == pytest.approx(100 * _share_any_time(a, b, 5))
    # p: exact two-sided test of 0 in 3 against the any-time share q: P(0) = (1 - q) ** 3 plus the tail as likely
    q = _share_any_time(a, b, 5)
    from scipy import stats

    assert after["p vs any time"] == pytest.approx(stats.binomtest(0, 3, q).pvalue)
    p = t.xs("after signal", level="rows")["p vs any time"].to_numpy()
    low, high = sorted(p)
    holm = t.xs("after signal", level="rows")["p Holm"].to_numpy()
    assert sorted(holm) == pytest.approx([min(1, 2 * low), min(1, max(2 * low, high))])
    assert "3 streaks of at least 5 sessions" in study.summary()
    # start: only events from then on
    assert len(P.event_study(lv, 5, ["1w"], start=str(a.index[100].date())).cases) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"series": "a", "measure": "return", "window": {"sessions": 20}, "history": {"stat": "rank"}},
        {"series": "a", "measure": "level", "history": {"stat": "percentile"}},
        {"pair": ["a", "b"], "measure": "streak", "condition": "beats", "history": {"stat": "rank"}},
        {"pair": ["a", "b"], "measure": "count", "condition": "beats", "min_length": 5},
        {"pair": ["a", "b"], "measure": "forward", "event": {"min_length": 5}, "horizon": 10, "stat": "share_beating"},
        {
            "series": "a",
            "measure": "return",
            "window": {"period": "ytd"},
            "history": {"stat": "rank", "among": "same_period"},
        },
        {"pair": ["a", "b"], "measure": "mean_return", "window": {"streak": "beats"}, "history": {"stat": "rank"}},
        {"series": "a", "measure": "rise_from_low", "window": {"months": 2}},
        {"series": "a", "measure": "drawdown", "history": {"stat": "percentile"}},
        {"series": "b", "measure": "rsi", "lookback": 14},
        {"series": "a", "measure": "volatility", "window": {"sessions": 20}},
        {"series": "a", "measure": "rsi", "lookback": 5, "over": {"window": {"sessions": 10}, "stat": "max"}},
        {
            "pair": ["a", "b"],
            "measure": "forward",
            "event": {"window": {"sessions": 3}, "above": 0.0},
            "horizon": 5,
            "stat": "mean",
        },
    ],
)
def test_no_look_ahead_value_at_a_date_ignores_later_data(query):
    a, b = _pair_with_planted_streaks()
    for at in (a.index[120], a.index[256], a.index[330]):
        full = evaluate(query, loader(a=a, b=b), at)
        cut = evaluate(query, loader(a=a.loc[:at], b=b.loc[:at]), at)
        assert full.value == cut.value and full.raw == cut.raw


def test_timeline_reads_the_same_values_as_single_dates():
    a, b = _pair_with_planted_streaks()
    q = {"pair": ["a", "b"], "measure": "streak", "condition": "beats"}
    dates = list(a.index[40:300:13])
    many = evaluate_many(q, loader(a=a, b=b), dates)
    single = [evaluate(q, loader(a=a, b=b), d).value for d in dates]
    assert many["value"].tolist() == single
    assert query_values(q, loader(a=a, b=b)).loc[dates].tolist() == single


def test_stale_or_early_dates_are_data_errors():
    s = series([1, 2, 3], start="2020-01-01")
    with pytest.raises(DataError, match="data start"):
        evaluate({"series": "x", "measure": "level"}, loader(x=s), "2019-01-01")
    with pytest.raises(DataError, match="more than 7 days"):
        evaluate({"series": "x", "measure": "level"}, loader(x=s), "2020-03-01")


# ---------------------------------------------------------------------------------------------- calendar windows of every year


def _yearly_pair():
    """Business days 2010-2014; large flat at 100; small +1 % a session in the second half of even years only."""
    idx = pd.bdate_range("2010-01-01", "2014-12-31")
    r = np.where((idx.month >= 7) & (idx.year % 2 == 0), 0.01, 0.0)
    small = pd.Series(100 * np.cumprod(1 + r), index=idx)
    return small, pd.Series(100.0, index=idx)


def test_dates_window_every_year_base_is_the_close_before_its_first_day():
    small, large = _yearly_pair()
    idx = small.index
    v = P.window_values(one(small), "return", {"dates": "07-01 to 12-31"})
    h2_2012 = idx[(idx.year == 2012) & (idx.month >= 7)]
    assert v["2012-12-31"] == pytest.approx(1.01 ** len(h2_2012) - 1)
    assert np.isnan(v["2012-12-28"])  # the window has not closed yet
    assert v["2013-12-31"] == pytest.approx(0.0)
    # 2011-12-31 is a Saturday: the window is complete at Friday's close
    assert v["2011-12-30"] == pytest.approx(0.0) and not np.isnan(v["2011-12-30"])
    t = P.yearly_windows(idx, {"dates": "07-01 to 12-31"})
    row = t.set_index("year").loc[2011]
    assert idx[row["base_pos"]] == pd.Timestamp("2011-06-30") and idx[row["ready_pos"]] == pd.Timestamp("2011-12-30")
    # the last year of the data: complete only when the data reach its last weekday
    cut = P.yearly_windows(idx[idx <= "2014-12-30"], {"dates": "07-01 to 12-31"}).set_index("year")
    assert cut.loc[2014, "ready_pos"] == -1
    with pytest.raises(ParameterError, match="inside one calendar year"):
        P.month_days("12-01 to 01-31")


def test_history_count_of_years_above_a_threshold_and_since_year():
    small, large = _yearly_pair()
    load = loader(a=small, b=large)
    q = {
        "pair": ["a", "b"],
        "measure": "return",
        "window": {"dates": "07-01 to 12-31"},
        "history": {"stat": "count", "among": "same_period", "above": 0.5},
    }
    # second halves before 2014: 2010 and 2012 gained about 1.01**130 - 1 > 0.5; odd years 0
    assert evaluate(q, load, "2014-12-31").value == 2
    assert evaluate({**q, "history": {**q["history"], "start": "2011-01-01"}}, load, "2014-12-31").value == 1
    below = {**q, "history": {"stat": "count", "among": "same_period", "below": 0.5}}
    assert evaluate(below, load, "2014-12-31").value == 2  # 2011 and 2013
    # counted even where the claim date's own window is not complete
    assert evaluate(q, load, "2014-08-01").value == 2
    # runs of the latest years: second halves before 2014 read 2010 +, 2011 0, 2012 +, 2013 0
    run_below = {**q, "history": {"stat": "run", "among": "same_period", "below": 0.5}}
    assert evaluate(run_below, load, "2014-12-31").value == 1  # 2013 only: 2012 breaks the run
    assert evaluate({**run_below, "history": {**run_below["history"], "below": 10.0}}, load, "2014-12-31").value == 4
    assert evaluate({**q, "history": {**q["history"], "stat": "run"}}, load, "2013-12-31").value == 1  # 2012
    since = {**q, "history": {"stat": "since_year", "among": "same_period"}}
    assert evaluate(since, load, "2013-12-31").value == 2012  # 2013's 0 %: last year at least as high is 2012
    assert evaluate(since, load, "2010-12-31").value is None  # no earlier year: a record
    assert P.history_stat(None, pd.Series([1.0, 3.0]), "count", above=2.0)["value"] == 1


def test_forward_outcomes_after_calendar_events():
    small, large = _yearly_pair()
    idx = small.index
    lv = P.subject_levels({"pair": ["a", "b"]}, loader(a=small, b=large))
    rows = P.calendar_outcomes(lv, {"dates": "07-01 to 12-31"}, "next_year", above=0.0)
    assert list(rows["year"]) == [2010, 2011, 2012, 2013]  # 2014's next year is not in the data
    assert list(rows["is_event"]) == [True, False, True, False]
    assert rows["small"].iloc[0] == pytest.approx(0.0)  # the year after an event: small flat
    h2_2012 = len(idx[(idx.year == 2012) & (idx.month >= 7)])
    assert rows.set_index("year").loc[2011, "small"] == pytest.approx(1.01**h2_2012 - 1)
    first_month = P.calendar_outcomes(lv, {"dates": "07-01 to 12-31"}, {"dates": "01-01 to 01-31", "year": "next"})
    assert first_month["relative"].to_numpy() == pytest.approx(0.0)
    # rest of the year after the first 10 sessions: the even years' second half
    rest = P.calendar_outcomes(lv, {"first_sessions": 10}, "rest_of_year").set_index("year")
    assert rest.loc[2012, "small"] == pytest.approx(1.01**h2_2012 - 1) and rest.loc[2013, "small"] == pytest.approx(0)
    base = {"pair": ["a", "b"], "measure": "forward", "event": {"window": {"dates": "07-01 to 12-31"}, "above": 0.0}}
    load = loader(a=small, b=large)
    q = {**base, "then": "next_year", "stat": "n"}
    assert evaluate(q, load, "2014-12-31").value == 2  # events 2010 and 2012
    assert evaluate({**q, "stat": "mean", "of": "small"}, load, "2014-12-31").value == pytest.approx(0.0)
    assert evaluate({**q, "stat": "base_mean", "of": "small"}, load, "2014-12-31").value == pytest.approx(
        (1.01**h2_2012 - 1 + 1.01 ** len(idx[(idx.year == 2014) & (idx.month >= 7)]) - 1) / 4
    )
    assert evaluate({**q, "start": "2011-01-01"}, load, "2014-12-31").value == 1
    assert evaluate(q, load, "2013-06-30").value == 1  # 2012's next year is not over yet


def test_forward_start_limits_streak_events_and_the_any_time_sample():
    a, b = _pair_with_planted_streaks()
    load = loader(a=a, b=b)
    fwd = {"pair": ["a", "b"], "measure": "forward", "event": {"min_length": 5}, "horizon": 10, "stat": "n"}
    start = str(a.index[100].date())
    assert evaluate({**fwd, "start": start}, load, a.index[-1]).value == 2
    base = evaluate({**fwd, "stat": "base_share_beating", "start": start}, load, a.index[-1]).value
    assert base == pytest.approx(_share_any_time(a.loc[start:], b.loc[start:], 10))


# ---------------------------------------------------------------------------------------------- values over dates


def _varied_pair():
    """Two random walks over six years (seeded): streaks, records and calendar windows of every kind."""
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2010-01-01", "2015-12-31")
    a = pd.Series(100 * np.cumprod(1 + rng.normal(0.0003, 0.01, len(idx))), index=idx)
    b = pd.Series(100 * np.cumprod(1 + rng.normal(0.0003, 0.008, len(idx))), index=idx)
    return a, b


PAIR = {"pair": ["a", "b"]}
TIMELINE_QUERIES = [
    {**PAIR, "measure": "return", "window": {"sessions": 5}},
    {**PAIR, "measure": "return", "window": {"sessions": 5}, "history": {"stat": "rank"}},
    {**PAIR, "measure": "return", "window": {"sessions": 5}, "history": {"stat": "percentile", "direction": "low"}},
    {**PAIR, "measure": "return", "window": {"sessions": 5}, "history": {"stat": "record", "start": "2011-03-01"}},
    {**PAIR, "measure": "return", "window": {"sessions": 20}, "history": {"stat": "since_year"}},
    {
        **PAIR,
        "measure": "return",
        "window": {"sessions": 5},
        "history": {"stat": "since", "in": "2011-01-01 to 2012-06-30"},
    },
    {**PAIR, "measure": "return", "window": {"sessions": 5}, "history": {"stat": "count", "above": 0.02}},
    {**PAIR, "measure": "return", "window": {"sessions": 5}, "history": {"stat": "run", "below": 0.01}},
    {
        **PAIR,
        "measure": "return",
        "window": {"period": "year"},
        "history": {"stat": "run", "among": "every_period", "below": 0},
    },
    {
        "series": "a",
        "measure": "return",
        "window": {"period": "ytd"},
        "history": {"stat": "run", "among": "same_period", "above": 0},
    },
    {
        "series": "a",
        "measure": "return",
        "window": {"period": "month"},
        "history": {"stat": "rank", "among": "every_period"},
    },
    {
        "series": "a",
        "measure": "return",
        "window": {"period": "ytd"},
        "history": {"stat": "rank", "among": "same_period"},
    },
    {
        "series": "a",
        "measure": "return",
        "window": {"period": "month"},
        "history": {"stat": "since_year", "among": "same_period", "start": "2011-01-01"},
    },
    {
        "series": "a",
        "measure": "return",
        "window": {"period": "quarter"},
        "history": {"stat": "percentile", "among": "same_period", "direction": "low"},
    },
    {
        "series": "a",
        "measure": "return",
        "window": {"period": "ytd"},
        "history": {"stat": "count", "among": "same_period", "below": 0},
    },
    {
        "series": "a",
        "measure": "return",
        "window": {"period": "month"},
        "history": {"stat": "since", "among": "same_period", "in": "2011-01-01 to 2012-12-31"},
    },
    {
        **PAIR,
        "measure": "return",
        "window": {"first_sessions": 10},
        "history": {"stat": "rank", "among": "same_period"},
    },
    {
        **PAIR,
        "measure": "return",
        "window": {"dates": "07-01 to 12-31"},
        "history": {"stat": "count", "among": "same_period", "above": 0.0},
    },
    {**PAIR, "measure": "streak", "condition": "beats"},
    {**PAIR, "measure": "mean_return", "window": {"streak": "beats"}, "history": {"stat": "rank"}},
    {"series": "a", "measure": "rise_from_low", "window": {"sessions": 15}, "history": {"stat": "since_year"}},
    {"series": "a", "measure": "return", "window": {"streak": "beats", "pair": ["a", "b"]}},
    {**PAIR, "leg": "large", "measure": "return", "window": {"months": 3}, "history": {"stat": "percentile"}},
    {"series": "a", "measure": "drawdown", "history": {"stat": "count", "below": -0.2}},
    {"series": "a", "measure": "drawdown", "window": {"period": "year"}},
    {"series": "b", "measure": "rsi", "lookback": 14, "history": {"stat": "record"}},
    {**PAIR, "pair_as": "ratio", "measure": "above_average", "lookback": 50},
    {"series": "a", "measure": "annualized_return", "window": {"months": 12}, "history": {"stat": "rank"}},
    {**PAIR, "measure": "volatility", "window": {"sessions": 21}},
    {"series": "a", "measure": "volatility", "window": {"period": "month"}, "history": {"stat": "percentile"}},
    {
        **PAIR,
        "measure": "return",
        "window": {"period": "month"},
        "history": {"stat": "share", "among": "every_period", "above": 0},
    },
    {
        "series": "a",
        "measure": "return",
        "window": {"period": "ytd"},
        "history": {"stat": "share", "among": "same_period", "below": 0},
    },
    {
        "series": "a",
        "measure": "rsi",
        "lookback": 14,
        "over": {"window": {"streak": "beats", "pair": ["a", "b"]}, "stat": "max"},
    },
    {**PAIR, "measure": "session_return", "over": {"window": {"streak": "beats"}, "stat": "median"}},
    {
        "series": "a",
        "measure": "level",
        "history": {"stat": "record"},
        "over": {"window": {"sessions": 10}, "stat": "max"},
    },
    {**PAIR, "measure": "return", "window": {"sessions": 5}, "over": {"window": {"months": 1}, "stat": "mean"}},
    {
        **PAIR,
        "measure": "forward",
        "event": {"window": {"sessions": 5}, "above": 0.02},
        "horizon": 10,
        "stat": "share_beating",
    },
    {
        **PAIR,
        "measure": "forward",
        "event": {"window": {"months": 1}, "below": -0.03},
        "horizon": "1m",
        "stat": "mean",
        "of": "small",
        "independent": True,
    },
    {**PAIR, "measure": "sessions_meeting", "condition": "beats", "window": {"first_sessions": 14}},
    {
        **PAIR,
        "measure": "sessions_meeting",
        "condition": "beats",
        "window": {"sessions": 10},
        "history": {"stat": "rank"},
    },
    {**PAIR, "measure": "streak", "condition": "beats", "history": {"stat": "rank"}},
    {**PAIR, "measure": "streak", "condition": "beats", "history": {"stat": "since_year", "start": "2011-01-01"}},
    {"series": "a", "measure": "streak", "condition": {"rises_by": 0.005}, "history": {"stat": "record"}},
    {**PAIR, "measure": "count", "condition": "beats", "min_length": 5, "since": "2011-01-01"},
    {**PAIR, "measure": "forward", "event": {"min_length": 5}, "horizon": 10, "stat": "share_beating"},
    {
        **PAIR,
        "measure": "forward",
        "event": {"min_length": 4},
        "horizon": "1m",
        "stat": "mean",
        "of": "small",
        "independent": True,
    },
    {**PAIR, "measure": "forward", "event": {"min_length": 4}, "horizon": 10, "stat": "base_mean", "of": "large"},
    {**PAIR, "measure": "forward", "event": {"min_length": 4}, "horizon": 10, "stat": "excess_mean", "of": "large"},
    {
        **PAIR,
        "measure": "forward",
        "event": {"min_length": 4},
        "horizon": 10,
        "stat": "base_median",
        "start": "2012-01-01",
    },
    {
        **PAIR,
        "measure": "forward",
        "event": {"window": {"first_sessions": 10}, "above": 0.0},
        "then": "rest_of_year",
        "stat": "mean",
    },
    {
        **PAIR,
        "measure": "forward",
        "event": {"window": {"dates": "07-01 to 12-31"}},
        "then": "next_year",
        "stat": "base_share_beating",
    },
]


@pytest.mark.parametrize("query", TIMELINE_QUERIES, ids=lambda q: str(q)[:70])
def test_values_over_dates_equal_the_date_by_date_evaluation(query):
    from rotation.language.query import values_over_dates

    a, b = _varied_pair()
    load = loader(a=a, b=b)
    rng = np.random.default_rng(zlib.crc32(str(query).encode()))
    days = pd.Timestamp("2009-12-20") + pd.to_timedelta(rng.integers(0, 6 * 365 + 30, 30), unit="D")
    days = days.append(pd.DatetimeIndex(["2011-12-30", "2013-12-31", "2014-01-15", "2015-12-31"]))
    got = values_over_dates(query, load, days)
    for i, d in enumerate(days):
        try:
            r = evaluate(query, load, d)
            want = np.nan if r.value is None else float(r.value)
        except DataError:
            want = np.nan
        assert got.iloc[i] == pytest.approx(want, nan_ok=True, rel=1e-9, abs=1e-12), (d, query)
    assert got.notna().sum() > 10  # the property is not empty


# ---------------------------------------------------------------------------------------------- indicators and extremes


def test_range_extreme_equals_brute_force():
    rng = np.random.default_rng(3)
    x = rng.normal(size=500)
    lo = rng.integers(-1, 500, 300)
    hi = rng.integers(0, 500, 300)
    got_min, got_max = P.range_extreme(x, lo, hi, "min"), P.range_extreme(x, lo, hi, "max")
    for i in range(300):
        if lo[i] < 0 or hi[i] < lo[i]:
            assert np.isnan(got_min[i]) and np.isnan(got_max[i])
        else:
            assert got_min[i] == x[lo[i] : hi[i] + 1].min() and got_max[i] == x[lo[i] : hi[i] + 1].max()


def test_mean_return_rise_from_low_and_drawdown_planted():
    # 10 flat sessions at 100, a fall to 80, then +1% a session for 20 sessions
    values = [100.0] * 10 + [80.0] + list(80 * 1.01 ** np.arange(1, 21))
    s = series(values)
    mean = P.window_values(one(s), "mean_return", {"sessions": 5})
    assert mean.iloc[-1] == pytest.approx(0.01)
    rise = P.window_values(one(s), "rise_from_low", {"sessions": 25})
    assert rise.iloc[-1] == pytest.approx(1.01**20 - 1)  # from the 80 low
    rise_short = P.window_values(one(s), "rise_from_low", {"sessions": 3})
    assert rise_short.iloc[-1] == pytest.approx(1.01**3 - 1)
    dd = P.window_values(one(s), "drawdown")
    assert dd.iloc[10] == pytest.approx(-0.2) and dd.iloc[-1] == pytest.approx(80 * 1.01**20 / 100 - 1)
    assert (dd <= 0).all()
    dd_window = P.window_values(one(s), "drawdown", {"sessions": 5})
    assert dd_window.iloc[-1] == 0.0  # a high of the last five sessions


def test_rise_from_low_equals_the_largest_trailing_gain():
    from rotation.analytics.spread import max_trailing_gain

    a, _ = _varied_pair()
    rise = P.window_values(one(a), "rise_from_low", {"sessions": 15})
    for end in a.index[[20, 400, 1000, -1]]:
        assert rise[end] == pytest.approx(max_trailing_gain(a, end, 15)["gain"])


def test_rsi_and_distance_above_the_average_are_the_technicals():
    from rotation.analytics.technicals import ma_distance, rsi_wilder

    a, _ = _varied_pair()
    rsi = P.window_values(one(a), "rsi", lookback=14)
    pd.testing.assert_series_equal(rsi, rsi_wilder(a, 14).rename("rsi"))
    above = P.window_values(one(a), "above_average", lookback=200)
    pd.testing.assert_series_equal(above, ma_distance(a, 200).rename("above_average"))
    with pytest.raises(ParameterError, match="lookback"):
        P.window_values(one(a), "rsi")


def test_a_pair_reads_a_leg_or_a_ratio_for_levels_and_indicators():
    a, b = _varied_pair()
    lv = P.subject_levels({"pair": ["a", "b"]}, loader(a=a, b=b))
    with pytest.raises(ParameterError, match="leg"):
        P.window_values(lv, "rsi", lookback=14)
    leg = P.with_leg(lv, "large")
    pd.testing.assert_series_equal(P.window_values(leg, "level"), b.rename("level"), check_freq=False)
    with pytest.raises(ParameterError, match="spread"):
        P.with_leg(one(a), "small")


def test_months_window_starts_at_the_same_day_months_before():
    idx = pd.bdate_range("2020-01-01", "2020-12-31")
    s = pd.Series(np.arange(len(idx), dtype=float) + 100, index=idx)
    r = P.window_values(one(s), "return", {"months": 3})
    day = pd.Timestamp("2020-06-15")
    base = s.loc[:"2020-03-15"].iloc[-1]  # a Sunday: the Friday before
    assert r[day] == pytest.approx(s[day] / base - 1)
    assert r.loc[:"2020-03-31"].isna().all() and r.loc["2020-04-01":].notna().all()


def test_streak_windows_of_the_subject_and_of_another_pair():
    n = 30
    small = np.full(n, -0.001)
    small[20:] = 0.004  # the last 10 sessions beat
    a = series(100 * np.cumprod(1 + small))
    b = series(np.full(n, 100.0))
    c = series(50 * 1.02 ** np.arange(n))  # another series: +2% a session
    load = loader(a=a, b=b, c=c)
    mean = query_values({"pair": ["a", "b"], "measure": "mean_return", "window": {"streak": "beats"}}, load)
    assert mean.iloc[-1] == pytest.approx(0.004) and np.isnan(mean.iloc[10])  # no streak in force there
    other = {"series": "c", "measure": "return", "window": {"streak": "beats", "pair": ["a", "b"]}}
    got = evaluate(other, load, a.index[-1])
    assert got.value == pytest.approx(1.02**10 - 1)
    assert got.window == (a.index[19], a.index[-1])  # the close before the streak's first session
    leg = {"pair": ["a", "b"], "leg": "small", "measure": "return", "window": {"streak": "beats"}}
    assert evaluate(leg, load, a.index[-1]).value == pytest.approx(1.004**10 - 1)


def test_annualized_return_and_volatility_planted():
    idx = pd.date_range("2020-01-01", "2022-01-01", freq="D")  # every calendar day, two years (731 days)
    s = pd.Series(100 * 1.21 ** ((idx - idx[0]).days / 730.5), index=idx)
    ann = P.window_values(one(s), "annualized_return", {"from": "2020-01-01"})
    assert ann.iloc[-1] == pytest.approx(0.1, rel=1e-12)  # 21% over two years: 10% a year
    alternating = series(100 * np.cumprod(np.where(np.arange(60) % 2, 1.01, 1 / 1.01)))
    vol = P.window_values(one(alternating), "volatility", {"sessions": 20})
    daily = np.diff(np.log(alternating.to_numpy()))[-20:]
    assert vol.iloc[-1] == pytest.approx(np.std(daily, ddof=1) * np.sqrt(252))
    assert np.isnan(vol.iloc[1])


def test_share_of_earlier_values_over_a_threshold():
    got = P.history_stat(
        None, pd.Series([0.1, -0.2, 0.3, 0.0], index=pd.bdate_range("2020-01-01", periods=4)), "share", above=0
    )
    assert got["value"] == 0.5 and got["n"] == 4
    assert P.history_stat(None, pd.Series([], dtype=float), "share", below=0)["value"] is None


def test_over_reduces_a_value_over_a_window_planted():
    n = 30
    small = np.full(n, -0.001)
    small[20:] = 0.002
    small[25] = 0.010  # the largest daily spread of the streak
    a = series(100 * np.cumprod(1 + small))
    b = series(np.full(n, 100.0))
    load = loader(a=a, b=b)
    daily = {"pair": ["a", "b"], "measure": "session_return"}
    top = evaluate({**daily, "over": {"window": {"streak": "beats"}, "stat": "max"}}, load, a.index[-1])
    assert top.value == pytest.approx(0.010) and top.window == (a.index[19], a.index[-1])
    med = evaluate({**daily, "over": {"window": {"streak": "beats"}, "stat": "median"}}, load, a.index[-1])
    assert med.value == pytest.approx(0.002)
    mean = evaluate({**daily, "over": {"window": {"streak": "beats"}, "stat": "mean"}}, load, a.index[-1])
    assert mean.value == pytest.approx(
        query_values({**daily, "measure": "mean_return", "window": {"streak": "beats"}}, load).iloc[-1]
    )
    record = {"series": "a", "measure": "level", "history": {"stat": "record"}}
    within = evaluate({**record, "over": {"window": {"sessions": 5}, "stat": "max"}}, load, a.index[-1])
    assert within.value == 1.0  # a new high on the last session
    early = evaluate({**record, "over": {"window": {"sessions": 5}, "stat": "max"}}, load, a.index[15])
    assert early.value == 0.0  # falling: no record close in that window


def test_rolling_window_events_start_when_the_signal_first_passes_the_threshold():
    n = 80
    small = np.zeros(n)
    small[[10, 11, 12]] = 0.02  # the 3-session lead passes 5% at session 12 only (once)
    small[40] = 0.07  # passes at session 40, stays above through 42: one event
    small[60] = -0.01
    a = series(100 * np.cumprod(1 + small))
    b = series(np.full(n, 100.0))
    lv = P.subject_levels({"pair": ["a", "b"]}, loader(a=a, b=b))
    rows = P.crossing_outcomes(lv, {"sessions": 3}, 20, above=0.05)
    assert rows["anchor_pos"].tolist() == [12, 40]
    assert rows["relative"].iloc[0] == pytest.approx(a.iloc[32] / a.iloc[12] - 1)
    assert rows["relative"].iloc[1] == pytest.approx(a.iloc[60] / a.iloc[40] - 1)
    assert rows["independent"].tolist() == [True, True] and rows["ready_pos"].tolist() == [32, 60]
    q = {
        "pair": ["a", "b"],
        "measure": "forward",
        "event": {"window": {"sessions": 3}, "above": 0.05},
        "horizon": 20,
        "stat": "n",
    }
    assert evaluate(q, loader(a=a, b=b), a.index[59]).value == 1.0  # the second outcome closes at session 60
    assert evaluate(q, loader(a=a, b=b), a.index[60]).value == 2.0


def test_forward_outcomes_of_one_series_after_its_own_streaks_of_rises():
    rng = np.random.default_rng(11)
    a = series(100 * np.cumprod(1 + rng.normal(0.0005, 0.01, 400)))
    q = {"series": "a", "measure": "forward", "event": {"condition": "rises", "min_length": 4}, "horizon": 10}
    got = evaluate({**q, "stat": "n"}, loader(a=a), a.index[-1])
    # independent recomputation: streaks of rises reaching 4 sessions, outcome from the first falling session's close
    up = (a.diff() > 0).to_numpy()
    cases, run = [], 0
    for i in range(1, len(a)):
        if up[i]:
            run += 1
        else:
            if run >= 4 and i + 10 < len(a):
                cases.append(a.iloc[i + 10] / a.iloc[i] - 1)
            run = 0
    assert got.value == len(cases)
    mean = evaluate({**q, "stat": "mean", "of": "small"}, loader(a=a), a.index[-1])
    assert mean.value == pytest.approx(np.mean(cases))
    # one series beats nothing: the any-time line says its share positive and its mean return
    assert "any-time: share positive" in got.detail and "mean return" in got.detail and "beating" not in got.detail


def test_nothing_to_compare_with_is_undefined_not_vacuously_true():
    a, b = _varied_pair()
    load = loader(a=a, b=b)
    at = a.index[300]
    later = str(a.index[400].date())
    for stat in ("record", "rank", "percentile", "since_year"):
        got = evaluate({"series": "a", "measure": "level", "history": {"stat": stat, "start": later}}, load, at)
        assert got.value is None and "after the claim's session" in got.detail
    first = evaluate({"series": "a", "measure": "level", "history": {"stat": "record"}}, load, a.index[0])
    assert first.value is None  # the first close has no earlier one
    count = {"pair": ["a", "b"], "measure": "count", "condition": "beats", "min_length": 3, "since": later}
    assert evaluate(count, load, at).value is None
    assert evaluate(count, load, a.index[-1]).value is not None
    from rotation.language.query import values_over_dates

    q = {"series": "a", "measure": "level", "history": {"stat": "record", "start": later}}
    got = values_over_dates(q, load, [at, a.index[-1]])
    assert np.isnan(got.iloc[0]) and not np.isnan(got.iloc[1])


def test_a_zero_base_or_a_short_annualizing_window_is_undefined():
    s = series([0.0, 0.0, 1.0, 1.0, 0.0, 1.0] * 3)  # a 0/1 indicator (a recession flag)
    r = P.window_values(one(s), "return", {"sessions": 1})
    assert np.isnan(r.iloc[2]) and r.iloc[3] == 0.0 and not np.isinf(r).any()
    a, _ = _varied_pair()
    short = P.window_values(one(a), "annualized_return", {"sessions": 100})
    year = P.window_values(one(a), "annualized_return", {"sessions": 300})
    assert short.isna().all() and year.iloc[400:].notna().all()
