"""What happened after a streak, on synthetic series with planted answers; and the rarity analytics."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from conftest import prices_from_returns
from rotation.analytics import aftermath, nulls, nulls_reference, rarity
from rotation.core.errors import DataError


def flat(index: pd.DatetimeIndex, level: float = 100.0, name: str = "large") -> pd.Series:
    return pd.Series(level, index=index, name=name, dtype=float)


# ------------------------------------------------------------------ the relative path


def test_relative_path_is_the_difference_of_simple_returns_from_the_base_close():
    small = prices_from_returns([0.10, -0.05, 0.02, 0.0], name="small")
    large = prices_from_returns([0.01, 0.01, 0.01, 0.01], name="large")
    base = small.index[1]  # the close after the +10% day
    path = aftermath.relative_return_path(small, large, base)
    assert path.index[0] == base and path.iloc[0]["relative"] == 0.0 and path.iloc[0]["strength"] == 100.0
    assert path["small"].iloc[2] == pytest.approx(0.95 * 1.02 - 1)
    assert path["relative"].iloc[2] == pytest.approx((0.95 * 1.02 - 1) - (1.01**2 - 1))
    assert path["strength"].iloc[2] == pytest.approx(100 * 0.95 * 1.02 / 1.01**2)
    assert list(aftermath.relative_return_path(small, large, base, small.index[3]).index) == list(small.index[1:4])
    with pytest.raises(DataError, match="not a common session"):
        aftermath.relative_return_path(small, large, pd.Timestamp("2019-01-01"))


def test_share_positive_counts_sessions_after_the_base_strictly_above_zero():
    rel = pd.Series([0.0, -0.01, 0.02, 0.0, 0.03, 0.01])  # base, then 5 sessions: 3 above 0, one tie
    assert aftermath.share_positive(rel) == (pytest.approx(0.6), 3, 5)
    share, k, n = aftermath.share_positive(pd.Series([0.0]))
    assert np.isnan(share) and (k, n) == (0, 0)


def test_month_end_table_takes_the_last_session_of_each_month_and_flags_a_partial_month():
    index = pd.bdate_range("2026-01-21", "2026-04-15")
    rel = pd.Series(np.arange(len(index), dtype=float), index=index)
    path = pd.DataFrame({"relative": rel})
    table = aftermath.month_ends(path)
    assert list(table.index) == [
        pd.Timestamp("2026-01-30"),
        pd.Timestamp("2026-02-27"),
        pd.Timestamp("2026-03-31"),
        pd.Timestamp("2026-04-15"),
    ]
    assert list(table["month"]) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert list(table["complete"]) == [True, True, True, False]  # April stops on the 15th
    assert table["relative"].iloc[1] == rel[pd.Timestamp("2026-02-27")]
    whole = aftermath.month_ends(pd.DataFrame({"relative": rel.loc[:"2026-03-31"]}))
    assert whole["complete"].all()


# ------------------------------------------------------------------ corrections and worst points


def test_first_correction_is_the_first_close_ten_percent_below_the_running_peak():
    index = pd.bdate_range("2026-02-02", periods=8)
    prices = pd.Series([100, 105, 110, 104, 99.5, 99.0, 120, 90], index=index, name="x", dtype=float)
    out = aftermath.first_correction(prices, index[0])
    assert out["found"] and out["date"] == index[5]  # 99.0 / 110 - 1 = -10.0%; 99.5 is only -9.5%
    assert out["peak_date"] == index[2] and out["peak"] == 110.0
    assert out["drawdown"] == pytest.approx(99.0 / 110 - 1)
    assert (
        out["max_drawdown"] == pytest.approx(90 / 120 - 1)
        and out["max_drawdown_date"] == index[7]
        and out["max_peak_date"] == index[6]
    )
    later = aftermath.first_correction(prices, index[6])
    assert later["found"] and later["date"] == index[7] and later["peak_date"] == index[6]
    none = aftermath.first_correction(prices.iloc[:5], index[0])
    assert not none["found"] and pd.isna(none["date"]) and none["max_drawdown"] == pytest.approx(99.5 / 110 - 1)
    assert aftermath.first_correction(prices, index[0], threshold=0.2)["date"] == index[7]


def test_worst_point():
    series = pd.Series([100.0, 97.0, 95.0, 95.0, 99.0], index=pd.bdate_range("2026-01-01", periods=5))
    assert aftermath.worst_point(series) == (series.index[2], 95.0)


# ------------------------------------------------------------------ how the streak ended


def test_streak_break_names_the_last_win_and_the_session_that_ended_it():
    index = pd.bdate_range("2026-01-01", periods=8)
    returns = pd.DataFrame(
        {
            "small": [0.0, 0.01, 0.02, 0.01, 0.005, -0.01, 0.02, 0.01],
            "large": [0.0, 0.0, 0.01, 0.0, 0.005, 0.002, 0.0, 0.0],
        },
        index=index,
    )
    out = aftermath.streak_break(returns, index[1])
    assert out["last_win"] == index[3] and out["sessions"] == 3 and not out["ongoing"]
    assert out["ended_on"] == index[4]  # a tie (0.5% each) does not extend a streak
    assert (out["small"], out["large"], out["spread"]) == (0.005, 0.005, 0.0)
    running = aftermath.streak_break(returns, index[6])
    assert running["ongoing"] and pd.isna(running["ended_on"]) and running["last_win"] == index[7]
    with pytest.raises(DataError, match="did not beat"):
        aftermath.streak_break(returns, index[5])


# ------------------------------------------------------------------ ranks among earlier streaks


def test_outcome_rank_counts_better_earlier_outcomes():
    out = aftermath.outcome_rank(0.02, [0.05, -0.01, 0.03, 0.0, np.nan])
    assert out == {"rank": 3, "of": 5, "n_earlier": 4, "percentile": 50.0, "better_than": 2}
    assert aftermath.outcome_rank(0.10, [0.05, 0.01])["rank"] == 1
    assert aftermath.outcome_rank(-0.10, [0.05, 0.01])["rank"] == 3
    unknown = aftermath.outcome_rank(float("nan"), [0.05])
    assert unknown["rank"] is None and np.isnan(unknown["percentile"])


def test_earlier_outcomes_keep_only_streaks_before_and_independent_windows():
    # planted wins: streaks of 3 at positions 1-3, 6-8 and 30-32; everything else small losses
    n = 60
    small = np.full(n, -0.001)
    for start in (1, 6, 30):
        small[start : start + 3] = 0.01
    index = pd.bdate_range("2020-01-01", periods=n)
    returns = pd.DataFrame({"small": small, "large": np.zeros(n)}, index=index)
    table = aftermath.earlier_outcomes(returns, 3, [10], before=index[30])
    # both earlier streaks qualify, but the second's 10-session window (from position 8) overlaps the first's (from 3)
    assert list(table["start"]) == [index[1]]
    expected = np.prod(1 + small[4:14]) - 1
    assert table["relative"].iloc[0] == pytest.approx(expected)
    assert len(aftermath.earlier_outcomes(returns, 3, [2], before=index[30])) == 2  # short windows do not overlap


# ------------------------------------------------------------------ rarity: expected counts against enumeration


def enumerate_expected_runs(n: int, length: int, p01: float, p11: float, p_first: float) -> float:
    """Exact expected number of win runs of at least ``length`` over all 2**n sequences of a two-state chain."""
    total = 0.0
    for seq in itertools.product((0, 1), repeat=n):
        prob = p_first if seq[0] else 1 - p_first
        for a, b in zip(seq, seq[1:]):
            p_win = p11 if a else p01
            prob *= p_win if b else 1 - p_win
        runs, run = 0, 0
        for x in seq + (0,):
            if x:
                run += 1
            else:
                runs += run >= length
                run = 0
        total += prob * runs
    return total


@pytest.mark.parametrize("p01,p11", [(0.5, 0.5), (0.4, 0.6), (0.3, 0.45)])
def test_expected_runs_at_least_matches_enumeration(p01, p11):
    from rotation.analytics import nulls

    pi = nulls.markov_stationary(p01, p11)
    for length in (1, 2, 3, 5):
        assert rarity.expected_runs_at_least(10, length, p01, p11) == pytest.approx(
            enumerate_expected_runs(10, length, p01, p11, pi)
        )


def test_reach_probability_and_counts_by_length():
    assert rarity.reach_probability(13, 0.5) == pytest.approx(0.5**12)
    table = rarity.counts_by_length(
        [1, 3, 3, 5, 12, 14],
        n=1000,
        lengths=[1, 3, 12],
        p=0.5,
        p01=0.5,
        p11=0.5,
        bootstrap_counts=np.array([0, 10, 6, 4]),
        n_sims=2,
    )
    assert table["observed"].tolist() == [6, 5, 2]
    assert table.loc[12, "iid expected"] == pytest.approx(0.5**12 + 988 * 0.5**13)
    assert table.loc[3, "bootstrap expected"] == pytest.approx(4 / 2) and table.loc[
        1, "bootstrap expected"
    ] == pytest.approx(10)
    assert np.isnan(table.loc[12, "bootstrap expected"])  # beyond the pooled counts


def test_bootstrap_runs_of_a_sequence_with_no_losses_is_one_run_per_replication():
    spread = pd.Series(np.full(50, 0.001))
    out = nulls.block_bootstrap_runs(spread, 7, 5, np.random.default_rng(1), max_length=20)
    assert out["longest"].tolist() == [50] * 7 and out["counts"].tolist() == [0] * 20 + [7]


def test_rarity_table_two_framings_under_each_null():
    from rotation.analytics import nulls

    rng = np.random.default_rng(5)
    spread = pd.Series(rng.normal(0, 1, 1500))
    wins = spread.to_numpy() > 0
    table = rarity.rarity_table(wins, spread, 8, 300, 10, np.random.default_rng(2))
    p, chain = wins.mean(), nulls.fit_markov(wins)
    assert table.loc["iid", "given_start"] == pytest.approx(p**7)
    assert table.loc["markov", "given_start"] == pytest.approx(chain.p11**7)
    assert table.loc["iid", "sample"] == pytest.approx(nulls.iid_prob_run_at_least(1500, 8, p))
    assert table.loc["markov", "sample"] == pytest.approx(nulls.markov_prob_run_at_least(1500, 8, chain.p01, chain.p11))
    assert 0 <= table.loc["bootstrap", "given_start"] <= 1 and table.loc["bootstrap", "mc_se"] > 0
    for null in ("iid", "markov"):  # the chance of this streak is far below the chance of some streak that long
        assert table.loc[null, "given_start"] < table.loc[null, "sample"]


def test_rarity_table_reuses_a_bootstrap_with_longer_counts():
    rng = np.random.default_rng(8)
    spread = pd.Series(rng.normal(0, 1, 800))
    wins = spread.to_numpy() > 0
    boot = nulls.block_bootstrap_runs(spread, 100, 10, np.random.default_rng(3), max_length=12)
    table = rarity.rarity_table(wins, spread, 6, 100, 10, None, boot=boot)
    counts = boot["counts"]
    assert table.loc["bootstrap", "given_start"] == pytest.approx(counts[6:].sum() / counts[1:].sum())
    assert table.loc["bootstrap", "sample"] == pytest.approx(np.mean(boot["longest"] >= 6))


def test_bootstrap_runs_longest_agrees_with_a_direct_count():
    from rotation.analytics import nulls

    spread = pd.Series(np.random.default_rng(4).normal(0, 1, 300))
    out = nulls.block_bootstrap_runs(spread, 20, 7, np.random.default_rng(9), max_length=30)
    samples = np.concatenate(list(nulls_reference.block_bootstrap_samples(spread, 20, 7, np.random.default_rng(9))))
    assert out["longest"].tolist() == nulls.longest_run(samples).tolist()
    assert (
        out["longest_either"].tolist() == np.maximum(nulls.longest_run(samples), nulls.longest_run(~samples)).tolist()
    )
    assert out["counts"][1:].sum() == sum(int(nulls.runs_of(row)["win"].sum()) for row in samples)


def test_longest_streak_table_is_exact_for_iid_and_markov_and_simulated_for_the_bootstrap():
    spread = pd.Series(np.random.default_rng(12).normal(0, 1, 1200))
    wins = spread.to_numpy() > 0
    boot = nulls.block_bootstrap_runs(spread, 400, 10, np.random.default_rng(3), max_length=15)
    pmfs = rarity.longest_streak_pmfs(wins, boot)
    chains = rarity.exact_null_chains(wins)
    for name, (p01, p11, first) in chains.items():
        assert pmfs[name].sum() == pytest.approx(1.0, abs=1e-9)
        tail = float(pmfs[name][pmfs[name].index >= 8].sum())
        assert tail == pytest.approx(nulls.markov_prob_run_at_least(1200, 8, p01, p11, first), abs=1e-9)
    table = rarity.longest_streak_table(wins, boot, 8, 11)
    assert table.loc["iid", "method"] == "exact" and table.loc["iid", "se_length"] == 0
    assert table.loc["markov", "p_record"] == pytest.approx(nulls.markov_prob_run_at_least(1200, 11, *chains["markov"]))
    assert table.loc["bootstrap", "p_length"] == pytest.approx(np.mean(boot["longest"] >= 8))
    assert table.loc["bootstrap", "se_length"] > 0
    cdf = pmfs["iid"].cumsum()
    assert cdf[table.loc["iid", "median"]] >= 0.5 > cdf[table.loc["iid", "median"] - 1]  # the inverted-CDF median


def test_length_grid_counts_planted_streaks_and_agrees_with_the_exact_nulls():
    wins = np.array([1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1], dtype=bool)  # planted streaks: 3, 5, 1, 2
    grid = rarity.length_grid(wins, pd.Series([3, 5, 1, 2]), [1, 2, 3, 5, 6])
    assert grid["observed"].tolist() == [4, 3, 2, 1, 0]
    p = wins.mean()
    assert grid.loc[3, "iid_reach"] == pytest.approx(p**2) and grid.loc[5, "iid_expected"] == pytest.approx(
        15 * (1 - p) * p**5
    )
    chain = nulls.fit_markov(wins)
    assert grid.loc[5, "markov_p_any"] == pytest.approx(nulls.markov_prob_run_at_least(15, 5, chain.p01, chain.p11))
    assert grid.loc[5, "iid_p_any"] == pytest.approx(nulls.iid_prob_run_at_least(15, 5, p))
    # by enumeration of all 2**15 sequences: P(some run of wins >= 5) under iid days with win probability p
    seqs = np.array(list(itertools.product([0, 1], repeat=15)), dtype=bool)
    weights = np.where(seqs, p, 1 - p).prod(axis=1)
    assert grid.loc[5, "iid_p_any"] == pytest.approx(float(weights[nulls.longest_run(seqs) >= 5].sum()), abs=1e-12)
