"""rotation.studies.odds and the notebook-04 kinds' typed results, on planted series (tests/test_measures_odds.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rotation.analytics import nulls
from rotation.claims import evaluate
from rotation.claims.measures import odds
from rotation.core.verdicts import Verdict
from rotation.studies import odds as study
from rotation.studies.page import setup
from test_measures_odds import AS_OF, claims_file, coin_days, path_claim, planted_path_prices, rarity_claim, write_pair


def test_one_simulation_feeds_the_verdict_and_every_rarity_table(tmp_path):
    coin_days(tmp_path)
    claim = rarity_claim(9)
    claim["rare"]["params"]["model"] = "bootstrap"
    page = setup("04_mean_reversion", claims=claims_file(tmp_path, claim), data_dir=str(tmp_path / "data"))
    verdict_p = evaluate.evaluate(page.ctx, "rare").measurement.value
    # the notebook's own simulation settings differ: the rarity section still reads the claim's one simulation
    o = study.open_odds(
        page, n_sims=500, sequence_block_length=5, seed=99, min_streaks=[4], horizons=[5], odds_horizons=[5]
    )
    assert (o.fit.n_sims, o.fit.block_length, o.fit.seed, o.claimed_streak) == (200, 10, 1, 9)
    longest = study.longest_table(o)
    assert longest.loc["bootstrap", "p_length"] == pytest.approx(verdict_p, abs=0)
    assert o.fit.table.loc["bootstrap", "sample"] == pytest.approx(verdict_p, abs=0)
    assert float(np.mean(o.fit.boot["longest"] >= 9)) == pytest.approx(verdict_p, abs=0)
    table = study.rarity_section(o).parts[-1]
    assert table.loc["block bootstrap (10 sessions)", "P(streak >= 9)"] == pytest.approx(round(verdict_p, 4))
    assert study.counts(o)["bootstrap expected"].notna().all()  # counted to the simulation's top length


def test_the_null_choice_sentence_follows_the_planted_probabilities():
    above = study.null_choice_text(pd.Series({"iid": 0.3, "markov": 0.4, "bootstrap": 0.8}), 0.05)
    assert "from 0.300 (iid days) to 0.800" in above and "every null is above that reading" in above
    below = study.null_choice_text(pd.Series({"iid": 0.01, "markov": 0.02}), 0.05)
    assert "every null is at or below that reading" in below
    split = study.null_choice_text(pd.Series({"iid": 0.01, "markov": 0.2}), 0.05)
    assert "the nulls disagree about it" in split


def frequency_claim(length: int, claimed: float) -> dict:
    return {
        "often": {
            "notebook": "04_mean_reversion",
            "kind": "streak_frequency",
            "quote": "exceedingly rare statistical anomaly",
            "part": "exceedingly rare",
            "about": {"at": "as_of"},
            "params": {"length": length},
            "claimed": claimed,
            "unit": "streaks per decade",
            "compare": "at_most",
            "tolerance": 0,
            "alternatives": [{"choice": "rarity cut", "label": "at most once in 20 years", "claimed": claimed / 2}],
        }
    }


def test_streak_frequency_counts_the_planted_streaks_per_decade(tmp_path):
    index = pd.bdate_range(end=AS_OF, periods=2521)  # about ten years of sessions
    steps = np.where(np.arange(2520) % 2 == 0, 0.001, -0.001)  # wins and losses alternate: streaks of 1
    steps[100:113] = 0.001  # a 13-session streak
    steps[113] = -0.001
    steps[1500:1516] = 0.001  # a 16-session streak
    steps[1516] = -0.001
    write_pair(tmp_path / "data", np.concatenate(([0.0], steps)), index)
    page = setup(
        "04_mean_reversion", claims=claims_file(tmp_path, frequency_claim(13, 1.0)), data_dir=str(tmp_path / "data")
    )
    found = odds.streak_count(page.ctx, 13)
    assert list(found.streaks["sessions"]) == [13, 16]
    years = (index[-1] - index[1]).days / 365.25  # from the first session with a return
    j = evaluate.evaluate(page.ctx, "often")
    assert j.measurement.value == pytest.approx(2 / years * 10)
    assert j.verdict == (Verdict.CONFIRMED if 2 / years * 10 <= 1.0 else Verdict.REFUTED)
    text, table = study.plain_rarity(page).parts
    assert "(the words: 'exceedingly rare')" in text and len(table) == 2
    assert odds.streak_count(page.ctx, 17).count == 0


def test_the_period_start_base_reads_the_whole_period(tmp_path):
    after, _ = planted_path_prices(tmp_path / "data", share_ahead=0.3, after_june=0.02)
    entries = path_claim()
    entries["path"]["alternatives"] = [
        {"choice": "base date", "label": "from the last close before the period", "params": {"base": "period_start"}}
    ]
    page = setup("04_mean_reversion", claims=claims_file(tmp_path, entries), data_dir=str(tmp_path / "data"))
    claim = page.ctx.registry["claims"]["path"]
    registered = odds.relative_path(page.ctx, claim)
    from_start = odds.relative_path(page.ctx, evaluate.with_alternative(claim, claim["alternatives"][0]))
    closes = pd.bdate_range("2024-01-01", "2026-08-31")
    assert from_start.base == closes[closes < "2026-01-01"][-1]
    assert registered.base == pd.Timestamp(AS_OF)
    assert from_start.n == int(((closes > from_start.base) & (closes <= "2026-06-30")).sum())
    readings = study.path_readings(page).parts[1]
    assert list(readings.index) == ["as registered", "from the last close before the period"]
    assert readings.loc["as registered", "share ahead (%)"] == pytest.approx(100 * registered.share, abs=0.01)
    assert readings.loc["as registered", "sessions"] == registered.n == len(after[after <= "2026-06-30"])
    text = study.first_half_path(page, "scratch").parts[0]
    assert f"ahead on {registered.ahead} of {registered.n} sessions" in text and ". Rule:" not in text


def test_the_path_section_says_why_when_there_is_no_claim(tmp_path):
    coin_days(tmp_path)
    page = setup("04_mean_reversion", claims=claims_file(tmp_path, rarity_claim(9)), data_dir=str(tmp_path / "data"))
    assert study.first_half_path(page, "scratch").parts[0].startswith("The claims file assigns no claim")
    assert study.plain_rarity(page).parts[0].startswith("The claims file gives this notebook no `streak_frequency`")
    o = study.open_odds(page, n_sims=100, min_streaks=[3], horizons=[5], odds_horizons=[5], max_hazard_length=4)
    hz = study.hazard(o)
    assert hz.p_win == pytest.approx(0.5)
    shares = hz.observed[False]["share"]
    at, cont = (np.ravel(x) for x in nulls.continuation_counts(o.wins, 4))
    assert shares.to_numpy() == pytest.approx(cont / np.where(at > 0, at, 1))
