"""Claim kinds of notebook 04 on synthetic series with planted answers: the path claim and the rarity claim."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import planted_readings, write_series_csv
from rotation.analytics import nulls
from rotation.claims import evaluate
from rotation.claims import measuring as measures
from rotation.claims.measures import odds
from rotation.core.verdicts import Verdict

AS_OF = "2026-01-21"
PERIOD = "2026-01-01 to 2026-06-30"


def write_pair(folder, small_returns: np.ndarray, index: pd.DatetimeIndex) -> None:
    """RUT with the given daily returns, GSPC flat at 100 (so the relative return is the small-cap return)."""
    small = pd.Series(100 * np.cumprod(1 + small_returns), index=index, name="rut")
    write_series_csv(folder, "RUT.csv", small)
    write_series_csv(folder, "GSPC.csv", pd.Series(100.0, index=index, name="spx"))


def planted_path_prices(
    folder, share_ahead: float, after_june: float, streak_goes_on: int = 0
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """RUT/GSPC closes whose relative return from the close of AS_OF is planted session by session.

    Before AS_OF: alternating +/-0.1% with a 6-session winning streak into AS_OF. After AS_OF to
    June 30: the relative return is -1% on the first (1 - share_ahead) of the sessions and +1%
    after; after June 30 it is ``after_june``. With ``streak_goes_on`` the streak continues that
    many sessions after AS_OF (+0.1% relative per session) before the -1% days. Returns the
    calendar and the planted relative path.
    """
    index = pd.bdate_range("2024-01-01", "2026-08-31")
    as_of = pd.Timestamp(AS_OF)
    before = index[index <= as_of]
    level = np.empty(len(index))
    steps = np.where(np.arange(len(before)) % 2 == 0, 1.001, 0.999)
    steps[-6:] = 1.002
    level[: len(before)] = 100 * np.cumprod(steps)
    base = level[len(before) - 1]
    to_june = index[(index > as_of) & (index <= "2026-06-30")]
    n_behind = int(round((1 - share_ahead) * len(to_june)))
    rel = np.concatenate(
        [
            np.full(n_behind, -0.01),
            np.full(len(to_june) - n_behind, 0.01),
            np.full(int((index > "2026-06-30").sum()), after_june),
        ]
    )
    rel[:streak_goes_on] = 0.001 * np.arange(1, streak_goes_on + 1)
    level[len(before) :] = base * (1 + rel)
    write_series_csv(folder, "RUT.csv", pd.Series(level, index=index, name="rut"))
    write_series_csv(folder, "GSPC.csv", pd.Series(100.0, index=index, name="spx"))
    return index[len(before) :], rel


def claims_file(folder, entries: dict) -> str:
    doc = {
        "article": {"title": "synthetic", "as_of": AS_OF, "small": "rut", "large": "spx", "streak_premise": 5},
        "claims": planted_readings(entries),
    }
    path = folder / "claims.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def path_claim(**alternatives) -> dict:
    return {
        "path": {
            "notebook": "04_mean_reversion",
            "kind": "relative_path_ahead",
            "quote": "could continue through the first half",
            "about": {"period": PERIOD, "looks": "ahead"},
            "params": {"base": "as_of", "end": "period_end", "share_threshold": 0.5},
            "rule": "confirmed only if ahead at the end and on most sessions; partly true if only at the end; refuted otherwise",
            "compare": "criteria",
            "unit": "criteria",
            "claimed": "ahead",
            "alternatives": list(alternatives.values()),
        }
    }


SHARE_ALT = {"choice": "share threshold", "label": "two-thirds", "params": {"share_threshold": 0.6667}}
END_ALT = {"choice": "end date", "label": "to the data end", "params": {"end": "data_end"}}


def test_path_share_and_month_ends_are_the_planted_ones(tmp_path):
    after, rel = planted_path_prices(tmp_path / "data", share_ahead=0.6, after_june=0.02)
    ctx = measures.Context(claims=claims_file(tmp_path, path_claim()), data_dir=str(tmp_path / "data"))
    m = evaluate.measure(ctx, ctx.registry["claims"]["path"])
    found = odds.relative_path(ctx, ctx.registry["claims"]["path"])
    n = int((after <= "2026-06-30").sum())
    planted_share = float(np.mean(rel[:n] > 0))
    assert found.share == pytest.approx(planted_share) and 0.55 < planted_share < 0.65
    assert found.final == pytest.approx(0.01) and found.at_period_end == pytest.approx(0.01)
    assert m.window == (pd.Timestamp(AS_OF), pd.Timestamp("2026-06-30"))
    month_end = pd.Series(rel, index=after).groupby(after.to_period("M")).tail(1).loc[:"2026-06-30"]
    assert list(m.evidence.index) == list(month_end.index)
    assert m.evidence["relative"].to_numpy() == pytest.approx(month_end.to_numpy())
    assert "Rule: confirmed only if" in m.detail and "month ends: 2026-01" in m.detail


def test_path_claim_flips_under_the_share_threshold_and_the_label_names_it(tmp_path):
    planted_path_prices(tmp_path / "data", share_ahead=0.6, after_june=0.02)
    ctx = measures.Context(
        claims=claims_file(tmp_path, path_claim(a=SHARE_ALT, b=END_ALT)), data_dir=str(tmp_path / "data")
    )
    j = evaluate.evaluate(ctx, "path")
    assert j.verdict == Verdict.CONFIRMED  # ahead at the end, and on 60% > 50% of the sessions
    assert (
        j.robustness == 'depends on share threshold ("could continue through the first half")'
    )  # 60% is not above two-thirds: partly true
    assert list(j.sensitivity["verdict"]) == ["confirmed", "partly true", "confirmed"]
    assert j.label == 'confirmed, but depends on share threshold ("could continue through the first half")'


def test_path_claim_robust_when_every_alternative_agrees(tmp_path):
    planted_path_prices(tmp_path / "data", share_ahead=0.9, after_june=0.02)
    ctx = measures.Context(
        claims=claims_file(tmp_path, path_claim(a=SHARE_ALT, b=END_ALT)), data_dir=str(tmp_path / "data")
    )
    j = evaluate.evaluate(ctx, "path")
    assert j.verdict == Verdict.CONFIRMED and j.robustness == "robust"


def test_path_claim_ahead_only_at_the_end_is_partly_true_and_behind_at_the_end_refuted(tmp_path):
    planted_path_prices(tmp_path / "a", share_ahead=0.3, after_june=-0.02)
    ctx = measures.Context(claims=claims_file(tmp_path, path_claim(b=END_ALT)), data_dir=str(tmp_path / "a"))
    j = evaluate.evaluate(ctx, "path")
    assert j.verdict == Verdict.PARTLY_TRUE
    assert (
        j.robustness == 'depends on end date ("could continue through the first half")'
    )  # behind at the data end (-2%): refuted there
    assert list(j.sensitivity["verdict"]) == ["partly true", "refuted"]


def test_path_claim_not_yet_knowable_and_not_applicable_at_other_dates(tmp_path):
    planted_path_prices(tmp_path / "data", share_ahead=0.6, after_june=0.02)
    path = claims_file(tmp_path, path_claim())
    early = evaluate.evaluate(
        measures.Context(claims=path, data_end="2026-05-29", data_dir=str(tmp_path / "data")), "path"
    )
    assert early.verdict == Verdict.NOT_VERIFIABLE and "not yet knowable" in early.measurement.reason
    assert "2026-06-30" in early.measurement.reason and "2026-05-29" in early.measurement.reason
    entries = path_claim()
    entries["path"]["params"]["base"] = (
        "streak_last_win"  # the streak is still running at this data end: still "not yet knowable"
    )
    early_win = evaluate.evaluate(
        measures.Context(claims=claims_file(tmp_path, entries), data_end=AS_OF, data_dir=str(tmp_path / "data")), "path"
    )
    assert early_win.verdict == Verdict.NOT_VERIFIABLE and "not yet knowable" in early_win.measurement.reason
    path = claims_file(tmp_path, path_claim())
    shifted = evaluate.evaluate(
        measures.Context(as_of="2025-06-02", claims=path, data_dir=str(tmp_path / "data")), "path"
    )
    assert (
        shifted.verdict == Verdict.NOT_APPLICABLE and "never judged on a shifted period" in shifted.measurement.reason
    )


def test_path_claim_from_the_streaks_last_winning_session(tmp_path):
    after, rel = planted_path_prices(tmp_path / "data", share_ahead=0.6, after_june=0.02, streak_goes_on=2)
    entries = path_claim()
    entries["path"]["params"]["base"] = "streak_last_win"
    ctx = measures.Context(claims=claims_file(tmp_path, entries), data_dir=str(tmp_path / "data"))
    m = evaluate.measure(ctx, ctx.registry["claims"]["path"])
    assert ctx.streak["sessions"] == 6  # in force at AS_OF, known then
    found = odds.relative_path(ctx, ctx.registry["claims"]["path"])
    assert found.base == after[1]  # the streak went on two more sessions after AS_OF
    assert found.final == pytest.approx(1.01 / 1.002 - 1)  # small vs flat large, from the close of the last win
    assert "last winning session (" + str(after[1].date()) in m.detail


# ------------------------------------------------------------------ rarity


def rarity_claim(length: int, *alternatives) -> dict:
    return {
        "rare": {
            "notebook": "04_mean_reversion",
            "kind": "streak_rarity",
            "quote": "exceedingly rare",
            "about": {"at": "as_of"},
            "params": {
                "length": length,
                "model": "markov",
                "framing": "sample",
                "n_sims": 200,
                "block_length": 10,
                "seed": 1,
            },
            "claimed": 0.05,
            "unit": "probability",
            "compare": "at_most",
            "tolerance": 0,
            "alternatives": list(alternatives),
        }
    }


FRAMING_ALT = {"choice": "framing", "label": "given its start", "params": {"framing": "given_start"}}
IID_ALT = {"choice": "null model", "label": "iid", "params": {"model": "iid"}}
CUT_ALT = {"choice": "rarity cut", "label": "1%", "claimed": 0.01}


def coin_days(tmp_path, n: int = 1200) -> np.ndarray:
    """RUT returns of +/-0.1% with exactly half wins in a shuffled order; GSPC flat."""
    rng = np.random.default_rng(11)
    signs = np.array([1] * (n // 2) + [-1] * (n // 2))
    rng.shuffle(signs)
    index = pd.bdate_range(end=AS_OF, periods=n + 1)
    write_pair(tmp_path / "data", np.concatenate(([0.0], 0.001 * signs)), index)
    return signs > 0


def test_rarity_framings_differ_and_the_label_names_the_framing(tmp_path):
    wins = coin_days(tmp_path)
    ctx = measures.Context(
        claims=claims_file(tmp_path, rarity_claim(11, FRAMING_ALT, IID_ALT, CUT_ALT)), data_dir=str(tmp_path / "data")
    )
    j = evaluate.evaluate(ctx, "rare")
    chain = nulls.fit_markov(wins)
    assert j.measurement.value == pytest.approx(nulls.markov_prob_run_at_least(wins.size, 11, chain.p01, chain.p11))
    assert j.measurement.evidence.loc["iid", "given_start"] == pytest.approx(0.5**10)  # exactly half wins: p = 1/2
    assert j.measurement.evidence.loc["markov", "given_start"] == pytest.approx(chain.p11**10)
    # planted: in 1,200 fair coin days a run of 11 turns up with probability about 1 - exp(-600 / 2**11) = 0.25 (> 5%),
    # while a given run reaches 11 with probability 2**-10 (< 1%)
    assert j.verdict == Verdict.REFUTED
    assert j.robustness == 'depends on framing ("exceedingly rare")'
    assert list(j.sensitivity["choice"]) == ["as registered", "framing", "null model", "rarity cut"]


def test_rarity_robust_when_the_streak_is_far_too_long_for_the_sample(tmp_path):
    coin_days(tmp_path)
    ctx = measures.Context(
        claims=claims_file(tmp_path, rarity_claim(40, FRAMING_ALT, IID_ALT, CUT_ALT)), data_dir=str(tmp_path / "data")
    )
    j = evaluate.evaluate(ctx, "rare")
    assert j.verdict == Verdict.CONFIRMED and j.robustness == "robust"


def test_rarity_with_too_short_a_history_is_not_verifiable(tmp_path):
    index = pd.bdate_range(end=AS_OF, periods=100)
    write_pair(tmp_path / "data", np.where(np.arange(100) % 2, 0.001, -0.001), index)
    ctx = measures.Context(claims=claims_file(tmp_path, rarity_claim(13)), data_dir=str(tmp_path / "data"))
    j = evaluate.evaluate(ctx, "rare")
    assert j.verdict == Verdict.NOT_VERIFIABLE and "needs at least 250 sessions" in j.measurement.reason
