"""Null models of the win/loss sequence: exact probabilities, simulations, Markov fit, runs test, hazard."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.sandbox.stats.runs import runstest_1samp

from rotation.analytics import nulls, nulls_reference
from rotation.core.errors import DataError, ParameterError


def all_sequences(n: int) -> np.ndarray:
    """Every win/loss sequence of n days (2**n rows), by bit pattern."""
    codes = np.arange(2**n)[:, None]
    return ((codes >> np.arange(n)) & 1).astype(bool)


def longest_by_loop(seq) -> int:
    best = cur = 0
    for v in seq:
        cur = cur + 1 if v else 0
        best = max(best, cur)
    return best


def brute_force_iid(n: int, length: int, p: float) -> float:
    seqs = all_sequences(n)
    k = seqs.sum(axis=1)
    prob = p**k * (1 - p) ** (n - k)
    hit = np.array([longest_by_loop(s) >= length for s in seqs])
    return float(prob[hit].sum())


def brute_force_markov(n: int, length: int, p01: float, p11: float, p_first: float) -> float:
    seqs = all_sequences(n)
    prob = np.where(seqs[:, 0], p_first, 1 - p_first)
    for t in range(1, n):
        p_win = np.where(seqs[:, t - 1], p11, p01)
        prob = prob * np.where(seqs[:, t], p_win, 1 - p_win)
    hit = np.array([longest_by_loop(s) >= length for s in seqs])
    return float(prob[hit].sum())


# ------------------------------------------------------------------ runs and exact probabilities


def test_longest_run_and_streak_matrix_against_loops():
    rng = np.random.default_rng(0)
    x = rng.random((200, 37)) < 0.6
    assert list(nulls.longest_run(x)) == [longest_by_loop(row) for row in x]
    s = nulls.streak_matrix(x)
    for row, srow in zip(x[:20], s[:20]):
        cur, expected = 0, []
        for v in row:
            cur = cur + 1 if v else 0
            expected.append(cur)
        assert list(srow) == expected
    assert nulls.longest_run(np.array([True] * 5)) == 5
    assert nulls.longest_run(np.array([False] * 5)) == 0


@pytest.mark.parametrize("n", [1, 4, 7, 10, 12])
@pytest.mark.parametrize("p", [0.3, 0.5, 0.62])
def test_iid_recursion_equals_enumeration_of_all_sequences(n, p):
    for length in range(1, n + 2):
        assert nulls.iid_prob_run_at_least(n, length, p) == pytest.approx(brute_force_iid(n, length, p), abs=1e-12)


def test_iid_recursion_closed_forms():
    assert nulls.iid_prob_run_at_least(5, 5, 0.5) == pytest.approx(1 / 32)
    assert nulls.iid_prob_run_at_least(6, 5, 0.5) == pytest.approx(3 / 64)  # WWWWWW, WWWWWL, LWWWWW
    assert nulls.iid_prob_run_at_least(3, 4, 0.9) == 0.0
    assert nulls.iid_prob_run_at_least(10, 1, 0.5) == pytest.approx(1 - 0.5**10)
    with pytest.raises(ParameterError):
        nulls.iid_prob_run_at_least(10, 0, 0.5)
    with pytest.raises(ParameterError):
        nulls.iid_prob_run_at_least(10, 3, 1.5)


@pytest.mark.parametrize("n", [1, 5, 9, 11])
def test_markov_dp_equals_enumeration(n):
    for p01, p11, p_first in [(0.3, 0.7, 0.4), (0.55, 0.45, 0.5), (0.5, 0.5, 0.5)]:
        for length in range(1, n + 2):
            got = nulls.markov_prob_run_at_least(n, length, p01, p11, p_first)
            assert got == pytest.approx(brute_force_markov(n, length, p01, p11, p_first), abs=1e-12)


def test_markov_dp_reduces_to_iid_and_uses_the_stationary_start():
    for n, length, p in [(500, 6, 0.5), (9663, 13, 0.505), (50, 3, 0.2)]:
        assert nulls.markov_prob_run_at_least(n, length, p, p) == pytest.approx(
            nulls.iid_prob_run_at_least(n, length, p), rel=1e-10
        )
    assert nulls.markov_stationary(0.3, 0.7) == pytest.approx(0.5)
    assert nulls.markov_stationary(0.2, 0.6) == pytest.approx(1 / 3)
    # persistence makes long runs more likely than iid days with the same win share
    assert nulls.markov_prob_run_at_least(1000, 10, 0.4, 0.6) > nulls.iid_prob_run_at_least(1000, 10, 0.5)


def test_iid_is_the_markov_recursion_with_equal_transitions():
    # one recursion for both nulls: the iid probability is the chain with p01 = p11 = p_first = p, bit for bit
    for n, length, p in [(500, 6, 0.5), (9663, 13, 0.505), (50, 3, 0.2), (7, 1, 0.9)]:
        assert nulls.iid_prob_run_at_least(n, length, p) == nulls.markov_prob_run_at_least(n, length, p, p, p)


@pytest.mark.parametrize("n", [1, 6, 11])
def test_longest_run_sf_equals_enumeration_for_every_length(n):
    lengths = list(range(0, n + 3))
    for p01, p11, p_first in [(0.3, 0.7, 0.4), (0.5, 0.5, 0.5), (0.8, 0.1, 0.9)]:
        got = nulls.longest_run_sf(n, lengths, p01, p11, p_first)
        want = [1.0] + [brute_force_markov(n, L, p01, p11, p_first) for L in lengths[1:]]
        assert got == pytest.approx(want, abs=1e-12)
    iid = nulls.iid_longest_sf(n, lengths, 0.6)
    assert iid == pytest.approx([1.0] + [brute_force_iid(n, L, 0.6) for L in lengths[1:]], abs=1e-12)


def test_longest_run_sf_agrees_with_the_single_length_recursion_on_a_long_sample():
    n, p01, p11 = 9_700, 0.47, 0.53
    lengths = np.arange(1, 30)
    sf = nulls.longest_run_sf(n, lengths, p01, p11)
    single = [nulls.markov_prob_run_at_least(n, int(L), p01, p11) for L in lengths]
    assert sf == pytest.approx(single, rel=0, abs=1e-13)  # 1 - P(no run): absolute rounding about 1e-14
    assert np.all(np.diff(sf) <= 1e-12)  # a survival function (to rounding near 1)


@pytest.mark.parametrize("n", [1, 5, 10])
def test_either_run_probability_equals_enumeration(n):
    seqs = all_sequences(n)
    for p01, p11, p_first in [(0.3, 0.7, 0.4), (0.5, 0.5, 0.5), (0.8, 0.1, 0.9)]:
        prob = np.where(seqs[:, 0], p_first, 1 - p_first)
        for t in range(1, n):
            p_win = np.where(seqs[:, t - 1], p11, p01)
            prob = prob * np.where(seqs[:, t], p_win, 1 - p_win)
        either = np.array([max(longest_by_loop(s), longest_by_loop(~s)) for s in seqs])
        for L in range(1, n + 2):
            want = float(prob[either >= L].sum())
            assert nulls.markov_prob_either_run_at_least(n, L, p01, p11, p_first) == pytest.approx(want, abs=1e-12)


def test_either_run_probability_matches_simulation_within_monte_carlo_error():
    n, L, p01, p11, sims = 300, 8, 0.45, 0.6, 20_000
    sim = nulls_reference.summarise_runs(nulls_reference.markov_runs(p01, p11, n, sims, np.random.default_rng(8)))
    got, se = nulls.prob_at_least(sim["longest_either"], L)
    assert abs(got - nulls.markov_prob_either_run_at_least(n, L, p01, p11)) < 4 * se


def test_exact_iid_distribution_matches_simulation_within_monte_carlo_error():
    n, p, sims = 400, 0.52, 20_000
    sim = nulls_reference.summarise_runs(nulls_reference.iid_runs(p, n, sims, np.random.default_rng(11)))
    mat = nulls_reference.simulate(nulls_reference.iid_samples(p, n, sims, np.random.default_rng(12)))
    for L in (5, 8, 11):
        exact = nulls.iid_longest_sf(n, [L], p)[0]
        for out in (sim, mat):
            got, se = nulls.prob_at_least(out["longest"], L)
            assert se > 0 and abs(got - exact) < 4 * se


def test_day_matrix_simulations_do_not_depend_on_the_chunk_size():
    # chunks only bound memory: the same seed gives the same replications whatever the chunk
    spread = np.random.default_rng(5).normal(0.0, 1.0, 700)
    for make in (
        lambda rng, c: nulls_reference.iid_samples(0.55, 700, 250, rng, chunk=c),
        lambda rng, c: nulls_reference.block_bootstrap_samples(spread, 250, 9, rng, chunk=c),
    ):
        a = np.concatenate(list(make(np.random.default_rng(3), 1000)))
        b = np.concatenate(list(make(np.random.default_rng(3), 7)))
        assert a.shape == (250, 700) and (a == b).all()


def test_chunks_shrink_to_the_memory_budget_on_long_histories():
    rows = list(nulls._chunks(5_000, 1_000, n=10 * nulls.CELL_BUDGET // 1_000))
    assert sum(rows) == 5_000 and max(rows) * 10 * nulls.CELL_BUDGET // 1_000 <= nulls.CELL_BUDGET
    assert list(nulls._chunks(2_500, 1_000, n=9_800)) == [
        1_000,
        1_000,
        500,
    ]  # today's history: the stream of the Markov null is unchanged


# ------------------------------------------------------------------ simulations against exact answers


def test_iid_simulation_matches_the_exact_probability():
    n, length, p, sims = 300, 7, 0.5, 20_000
    out = nulls_reference.simulate(nulls_reference.iid_samples(p, n, sims, np.random.default_rng(1), chunk=3000))
    got, se = nulls.prob_at_least(out["longest"], length)
    assert out["longest"].shape == (sims,)
    assert abs(got - nulls.iid_prob_run_at_least(n, length, p)) < 4 * se


def test_markov_simulations_match_the_exact_probability():
    n, length, p01, p11, sims = 400, 8, 0.35, 0.7, 20_000
    exact = nulls.markov_prob_run_at_least(n, length, p01, p11)
    runs = nulls_reference.summarise_runs(
        nulls_reference.markov_runs(p01, p11, n, sims, np.random.default_rng(2), chunk=4096)
    )
    got, se = nulls.prob_at_least(runs["longest"], length)
    assert abs(got - exact) < 4 * se
    mats = nulls_reference.simulate(
        nulls_reference.markov_samples(p01, p11, n, sims, np.random.default_rng(3), chunk=4096)
    )
    got, se = nulls.prob_at_least(mats["longest"], length)
    assert abs(got - exact) < 4 * se


def test_markov_run_tables_equal_the_day_matrices_they_describe():
    # same seed: the run-table path and the day-matrix path draw the same sojourns
    a = nulls_reference.summarise_runs(
        nulls_reference.markov_runs(0.3, 0.8, 250, 300, np.random.default_rng(9), chunk=128), max_j=9
    )
    x = np.concatenate(list(nulls_reference.markov_samples(0.3, 0.8, 250, 300, np.random.default_rng(9), chunk=128)))
    assert x.shape == (300, 250)
    at, cont = nulls.continuation_counts(x, 9)
    assert (a["longest"] == nulls.longest_run(x)).all()
    assert (a["at"] == at).all() and (a["continued"] == cont).all()


def test_markov_fit_recovers_known_transition_probabilities():
    p01, p11 = 0.3, 0.65
    x = next(nulls_reference.markov_samples(p01, p11, 200_000, 1, np.random.default_rng(4)))[0]
    fit = nulls.fit_markov(x)
    assert fit.n00 + fit.n01 + fit.n10 + fit.n11 == x.size - 1
    assert abs(fit.p01 - p01) < 4 * fit.se01
    assert abs(fit.p11 - p11) < 4 * fit.se11
    assert fit.stationary == pytest.approx(p01 / (p01 + 1 - p11), abs=0.01)
    assert fit.lr_p < 1e-6  # clearly not iid
    iid = nulls.fit_markov(np.random.default_rng(5).random(100_000) < 0.5)
    assert abs(iid.p01 - iid.p11) < 4 * np.hypot(iid.se01, iid.se11)


def test_markov_fit_counts_on_a_hand_sequence():
    fit = nulls.fit_markov(np.array([1, 1, 0, 1, 0, 0, 1, 1, 1], dtype=bool))
    # transitions: 11, 10, 01, 10, 00, 01, 11, 11
    assert (fit.n11, fit.n10, fit.n01, fit.n00) == (3, 2, 2, 1)
    assert fit.p11 == pytest.approx(3 / 5) and fit.p01 == pytest.approx(2 / 3)
    with pytest.raises(DataError):
        nulls.fit_markov(np.ones(10, dtype=bool))


def test_block_bootstrap_keeps_blocks_and_win_share():
    rng = np.random.default_rng(6)
    spread = rng.normal(0.0, 1.0, 500)
    wins = spread > 0
    whole = next(nulls_reference.block_bootstrap_samples(spread, 5, 500, rng))  # one block = the whole sample
    assert (whole == wins).all()
    boot = np.concatenate(list(nulls_reference.block_bootstrap_samples(spread, 2000, 25, rng, chunk=700)))
    assert boot.shape == (2000, 500)
    assert abs(boot.mean() - wins.mean()) < 0.01
    # every block of 25 in a replication is a contiguous piece of the observed sequence
    pieces = {tuple(wins[i : i + 25]) for i in range(500 - 24)}
    assert all(tuple(row[k : k + 25]) in pieces for row in boot[:20] for k in range(0, 500, 25))
    with pytest.raises(ParameterError, match="block_length"):
        next(nulls_reference.block_bootstrap_samples(spread, 5, 501, rng))


# ------------------------------------------------------------------ continuation hazard


def test_continuation_counts_on_a_hand_sequence():
    x = np.array([1, 1, 1, 0, 1, 1, 0, 1, 1], dtype=bool)  # last run of 2 is cut by the end of the data
    hazard = nulls.continuation_hazard(x, 4)
    assert list(hazard["at"]) == [3, 2, 1, 0]  # j=2 at the end has no next day
    assert list(hazard["continued"]) == [3, 1, 0, 0]
    assert hazard.loc[2, "share"] == pytest.approx(0.5) and np.isnan(hazard.loc[4, "share"])
    ge = nulls.continuation_hazard(x, 4, at_least=True)
    assert list(ge["at"]) == [6, 3, 1, 0]  # days after 1+ wins: positions 0,1,2,4,5,7 (8 is the last day)
    assert list(ge["continued"]) == [4, 1, 0, 0]


def test_fast_run_summaries_equal_direct_counts():
    rng = np.random.default_rng(8)
    x = rng.random((400, 60)) < 0.7
    x[0], x[1] = True, False  # all wins, all losses
    fast = nulls_reference.simulate(iter([x[:150], x[150:]]), max_j=12)
    at, cont = nulls.continuation_counts(x, 12)
    assert (fast["at"] == at).all() and (fast["continued"] == cont).all()
    at, cont = nulls.continuation_counts(x, 12, at_least=True)
    assert (fast["at_ge"] == at).all() and (fast["continued_ge"] == cont).all()
    # the same with runs far longer than max_j
    small_j = nulls_reference.simulate(iter([x]), max_j=3)
    at, cont = nulls.continuation_counts(x, 3, at_least=True)
    assert (small_j["at_ge"] == at).all() and (small_j["continued_ge"] == cont).all()
    assert (fast["longest"] == nulls.longest_run(x)).all()
    assert (fast["longest_either"] == np.maximum(nulls.longest_run(x), nulls.longest_run(~x))).all()


def test_hazard_null_shares_and_band():
    at = np.array([[4, 2, 0], [2, 1, 1], [0, 0, 0]])
    cont = np.array([[2, 1, 0], [1, 0, 1], [0, 0, 0]])
    band = nulls.hazard_null(at, cont, (0.0, 1.0))
    assert list(band["mean"].round(6)) == [0.5, 0.25, 1.0]  # per-sample shares averaged where defined
    assert list(band["defined"].round(6)) == [round(2 / 3, 6), round(2 / 3, 6), round(1 / 3, 6)]
    assert band.loc[2, "lo"] == 0.0 and band.loc[2, "hi"] == 0.5
    assert band.loc[1, "pooled"] == pytest.approx(3 / 6)


def test_band_exceedance_p_counts_lengths_outside_the_band():
    import pandas as pd

    at = np.array([[10, 10], [10, 10], [10, 10], [10, 0]])
    cont = np.array([[5, 5], [9, 5], [9, 9], [1, 0]])
    band = pd.DataFrame({"lo": [0.2, 0.2], "hi": [0.8, 0.8]}, index=[1, 2])
    count, p = nulls.band_exceedance_p(at, cont, band, pd.Series([0.9, 0.5], index=[1, 2]))
    assert count == 1 and p == pytest.approx(3 / 4)  # rows 2, 3 and 4 have at least one length outside
    count, p = nulls.band_exceedance_p(at, cont, band, pd.Series([0.9, 0.95], index=[1, 2]))
    assert count == 2 and p == pytest.approx(1 / 4)


def test_short_sample_hazard_shows_the_miller_sanjurjo_bias():
    # 100 fair coin flips: Miller and Sanjurjo (2018) give about 0.46 for the expected share of heads
    # right after 3 heads in a row (0.5 minus about 0.04), while pooling over samples gives 0.5
    sims = nulls_reference.simulate(nulls_reference.iid_samples(0.5, 100, 20_000, np.random.default_rng(10)), max_j=3)
    band = nulls.hazard_null(sims["at_ge"], sims["continued_ge"])
    assert 0.45 < band.loc[3, "mean"] < 0.47
    assert band.loc[1, "mean"] < 0.5
    assert band.loc[3, "pooled"] == pytest.approx(0.5, abs=0.01)


# ------------------------------------------------------------------ runs test


@pytest.mark.parametrize("seed", range(5))
def test_runs_test_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(60, 3000))
    x = rng.random(n) < rng.uniform(0.3, 0.7)
    ours = nulls.runs_test(x)
    z, p = runstest_1samp(x.astype(float), cutoff=0.5, correction=True)
    assert ours["z"] == pytest.approx(z, rel=1e-10) and ours["p"] == pytest.approx(p, rel=1e-10)
    small = x[:30]
    if small.all() or not small.any():
        return
    z, p = runstest_1samp(small.astype(float), cutoff=0.5, correction=False)
    ours = nulls.runs_test(small, correction=False)
    assert ours["z"] == pytest.approx(z, rel=1e-10) and ours["p"] == pytest.approx(p, rel=1e-10)


def test_runs_test_counts_and_direction():
    alternating = np.tile([True, False], 50)
    out = nulls.runs_test(alternating)
    assert out["runs"] == 100 and out["expected"] == pytest.approx(51) and out["z"] > 5
    clustered = np.repeat([True, False], 50)
    assert nulls.runs_test(clustered)["runs"] == 2 and nulls.runs_test(clustered)["z"] < -5
    assert np.isnan(nulls.runs_test(np.ones(10, dtype=bool))["z"])


# ------------------------------------------------------------------ fast paths against the direct computation


@pytest.mark.parametrize(
    "n, block, seed", [(300, 7, 1), (301, 7, 2), (1000, 21, 4), (64, 64, 5), (97, 1, 6), (50, 5, 7)]
)
def test_block_bootstrap_runs_equal_the_resampled_days(n, block, seed):
    # same draws as block_bootstrap_samples: the block summaries give exactly what the resampled days give
    spread = np.random.default_rng(seed).normal(0.1, 1.0, n)
    if seed == 7:
        spread = np.abs(spread) + 0.01  # no losses: every block is one run, runs cross every join
    top = 12
    got = nulls.block_bootstrap_runs(spread, 57, block, np.random.default_rng(seed), max_length=top, chunk=10)
    x = np.concatenate(list(nulls_reference.block_bootstrap_samples(spread, 57, block, np.random.default_rng(seed))))
    table = nulls.runs_of(x)
    assert got["longest"].tolist() == nulls.longest_run(x).tolist()
    assert got["longest_either"].tolist() == np.maximum(nulls.longest_run(x), nulls.longest_run(~x)).tolist()
    assert (
        got["counts"].tolist()
        == np.bincount(np.minimum(table["length"][table["win"]], top), minlength=top + 1).tolist()
    )
    again = nulls.block_bootstrap_runs(
        spread, 57, block, np.random.default_rng(seed), max_length=top
    )  # another chunk size
    assert again["longest"].tolist() == got["longest"].tolist() and again["counts"].tolist() == got["counts"].tolist()


@pytest.mark.parametrize("n", [1, 63, 64, 65, 130, 1000])
def test_iid_hazard_counts_equal_direct_counts_of_the_same_days(n):
    words = nulls.iid_words(0.55, n, 40, np.random.default_rng(n))
    days = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")
    assert not days[:, n:].any()  # nothing past the last day
    days = days[:, :n].astype(bool)
    got = nulls.iid_hazard_counts(0.55, n, 40, np.random.default_rng(n), max_j=6, chunk=40)  # one chunk: the same words
    for at_least, at_key, cont_key in ((False, "at", "continued"), (True, "at_ge", "continued_ge")):
        at, cont = nulls.continuation_counts(days, 6, at_least=at_least)
        assert (got[at_key] == at).all() and (got[cont_key] == cont).all()


@pytest.mark.parametrize("p", [0.0, 0.3, 0.49, 0.5, 0.9, 1.0])
def test_bernoulli_words_have_the_win_probability_and_independent_bits(p):
    words = nulls.bernoulli_words(p, 50_000, np.random.default_rng(3))
    bits = np.unpackbits(words.view(np.uint8), bitorder="little").reshape(-1, 64).astype(float)
    share = bits.mean()
    se = np.sqrt(p * (1 - p) / bits.size)
    assert abs(share - p) <= 5 * se + 1e-12
    if 0 < p < 1:
        by_position = bits.mean(axis=0)  # every bit position of the word has the same probability
        assert np.abs(by_position - p).max() < 5 * np.sqrt(p * (1 - p) / bits.shape[0])
        x = bits.ravel() - p  # neighbouring days are uncorrelated
        assert abs(np.mean(x[1:] * x[:-1])) / (p * (1 - p)) < 5 / np.sqrt(x.size)


def test_bernoulli_words_round_the_probability_to_the_digits():
    # with 3 digits, p = 0.3 is rounded to 2/8: the lazy digit-by-digit comparison is exact for the rounded value
    words = nulls.bernoulli_words(0.3, 100_000, np.random.default_rng(4), digits=3)
    share = np.bitwise_count(words).sum() / (64 * words.size)
    assert abs(share - 0.25) < 5 * np.sqrt(0.25 * 0.75 / (64 * words.size))


def test_iid_hazard_counts_match_the_day_matrix_simulation_in_distribution():
    n, p, sims, J = 400, 0.52, 4_000, 5
    bits = nulls.iid_hazard_counts(p, n, sims, np.random.default_rng(1), J)
    days = nulls_reference.simulate(nulls_reference.iid_samples(p, n, sims, np.random.default_rng(2)), max_j=J)
    for key in ("at", "continued", "at_ge", "continued_ge"):
        a, b = bits[key].astype(float), days[key].astype(float)
        se = np.sqrt(a.var(axis=0) / sims + b.var(axis=0) / sims)
        assert (np.abs(a.mean(axis=0) - b.mean(axis=0)) < 5 * se + 1e-9).all(), key
