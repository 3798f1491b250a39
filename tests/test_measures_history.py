"""The 03 claim kinds (fear_episode, episode_resemblance, lead_after_event) on synthetic histories
with planted answers: verdicts, the alternatives that flip them (the label names the choice), robust
cases, and the reasons given when a date or a series cannot settle a claim."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import planted_readings, prices_from_returns, write_series_csv
from rotation.claims import evaluate
from rotation.claims.measures import history
from rotation.claims.measuring import Context
from rotation.core.errors import ParameterError
from rotation.core.verdicts import Verdict

LAG = -0.001  # small caps trail large caps by 10 bp on every session outside a planted streak


def build(
    segments: list[tuple[int, float, float]], start: str = "2000-01-03"
) -> tuple[pd.Series, pd.Series, list[tuple[int, int]]]:
    """Prices from segments ``(sessions, large daily return, spread)``; positive-spread segments are streaks.

    Returns (small, large, [(first, last) session positions of each streak]) with position 1 = the first return.
    """
    large_r, spread, spans, pos = [], [], [], 1
    for n, r, s in segments:
        large_r += [r] * n
        spread += [s] * n
        if s > 0:
            spans.append((pos, pos + n - 1))
        pos += n
    large = prices_from_returns(np.array(large_r), start=start, name="large")
    small = prices_from_returns(np.array(large_r) + np.array(spread), start=start, name="small")
    return small, large, spans


def write_case(
    tmp_path: Path,
    small: pd.Series,
    large: pd.Series,
    claims_block: dict,
    vix: pd.Series | None = None,
    as_of: str | None = None,
) -> tuple[Path, Path]:
    data_dir = tmp_path / "data"
    write_series_csv(data_dir, "RUT.csv", small)
    write_series_csv(data_dir, "GSPC.csv", large)
    days = pd.date_range(large.index[0] - pd.Timedelta(days=400), large.index[-1], freq="D", name="date")
    write_series_csv(data_dir, "DFF.csv", pd.Series(np.linspace(5.0, 3.0, len(days)), index=days), column="value")
    if vix is not None:
        write_series_csv(data_dir, "VIX.csv", vix)
    head = {
        "title": "planted",
        "as_of": as_of or str(large.index[-1].date()),
        "small": "rut",
        "large": "spx",
        "streak_premise": 3,
    }
    path = tmp_path / "claims.yaml"
    block = planted_readings(claims_block)
    path.write_text(yaml.safe_dump({"article": head, "claims": block}, sort_keys=False), encoding="utf-8")
    return path, data_dir


def window(index: pd.DatetimeIndex, span: tuple[int, int]) -> str:
    return f"{index[span[0]].date()} to {index[span[1]].date()}"


# ---------------------------------------------------------------------------------------------
# fear_episode: a streak during which large caps fell, starting 8% below the peak and 12% at its deepest

UP, DOWN, STREAK = 60, 10, 10


def fear_history():
    segments = [
        (UP, 0.01, LAG),
        (DOWN, 0.92 ** (1 / DOWN) - 1, LAG),  # exactly 8% below the peak at the streak's base close
        (STREAK // 2, (0.88 / 0.92) ** (1 / (STREAK // 2)) - 1, 0.003),  # down to 12% below the peak
        (STREAK // 2, (0.90 / 0.88) ** (1 / (STREAK // 2)) - 1, 0.003),  # back to 10%: net fall over the streak
        (100, 0.0005, LAG),
    ]
    small, large, spans = build(segments)
    index = large.index
    vix = pd.Series(np.linspace(10.0, 30.0, len(index)), index=index, name="vix")  # median 20, 75th percentile 25
    first, last = spans[0]
    vix.iloc[first : last + 1] = 22.5  # above the median (about 21), below the 75th percentile (about 25)
    return small, large, vix, spans[0]


def fear_claim(span_text: str, **params) -> dict:
    return {
        "notebook": "03_history",
        "kind": "fear_episode",
        "quote": "q",
        "claimed": "fear",
        "unit": "criteria",
        "compare": "criteria",
        "about": {"period": span_text, "looks": "back"},
        "params": {
            "episode": {"window": span_text},
            "drawdown_threshold": 0.10,
            "drawdown_at": "start",
            "vix_cut": 50,
            **params,
        },
    }


def test_fear_episode_criteria_and_the_alternatives_that_flip_it(tmp_path):
    small, large, vix, span = fear_history()
    text = window(large.index, span)
    claim = fear_claim(text)
    claim["alternatives"] = [
        {"choice": "drawdown threshold", "label": "5%", "params": {"drawdown_threshold": 0.05}},
        {"choice": "drawdown threshold", "label": "15%", "params": {"drawdown_threshold": 0.15}},
        {"choice": "VIX cut", "label": "75th percentile", "params": {"vix_cut": 75}},
        {"choice": "drawdown measured at", "label": "deepest", "params": {"drawdown_at": "deepest"}},
    ]
    path, data_dir = write_case(tmp_path, small, large, {"fear": claim}, vix)
    ctx = Context(claims=str(path), data_dir=str(data_dir))
    j = evaluate.evaluate(ctx, "fear")
    m = j.measurement
    found = history.fear_result(ctx, ctx.registry["claims"]["fear"])  # the typed result behind the measurement
    assert found.measurement == m
    assert list(m.value.values()) == [True, True, False]  # fell; VIX above its median; drawdown 8% < 10%
    assert found.episode["start"] == large.index[span[0]] and int(found.episode["sessions"]) == STREAK
    assert found.drawdown == pytest.approx(-0.08, abs=1e-12)
    assert found.other_drawdown == pytest.approx(-0.12, abs=1e-12)
    assert found.vix_level == pytest.approx(np.median(vix.to_numpy()))
    assert j.verdict == Verdict.PARTLY_TRUE
    assert list(j.sensitivity["verdict"]) == ["partly true", "confirmed", "partly true", "partly true", "confirmed"]
    assert j.robustness == 'depends on drawdown threshold ("q"), drawdown measured at ("q")'
    assert j.label == 'partly true, but depends on drawdown threshold ("q"), drawdown measured at ("q")'


def test_fear_episode_robust_when_every_alternative_agrees(tmp_path):
    small, large, vix, span = fear_history()
    text = window(large.index, span)
    claim = fear_claim(text, drawdown_threshold=0.05)
    claim["alternatives"] = [
        {"choice": "drawdown threshold", "label": "6%", "params": {"drawdown_threshold": 0.06}},
        {"choice": "drawdown measured at", "label": "deepest", "params": {"drawdown_at": "deepest"}},
    ]
    path, data_dir = write_case(tmp_path, small, large, {"fear": claim}, vix)
    j = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "fear")
    assert j.verdict == Verdict.CONFIRMED and j.robustness == "robust" and j.label == "confirmed"


def test_fear_episode_dates_and_missing_vix(tmp_path):
    small, large, vix, span = fear_history()
    text = window(large.index, span)
    # the claim's period is not over at an as_of inside the streak: not applicable, never judged on another period
    path, data_dir = write_case(
        tmp_path, small, large, {"fear": fear_claim(text)}, vix, as_of=str(large.index[span[0] + 3].date())
    )
    j = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "fear")
    assert j.verdict == Verdict.NOT_APPLICABLE and "not over" in j.measurement.reason
    # VIX starting after the streak: not verifiable, saying which VIX dates are needed
    late = vix.iloc[span[1] + 5 :]
    path, data_dir = write_case(tmp_path / "late", small, large, {"fear": fear_claim(text)}, late)
    j = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "fear")
    assert j.verdict == Verdict.NOT_VERIFIABLE
    assert (
        "needs VIX closes over the episode" in j.measurement.reason
        and str(late.index[0].date()) in j.measurement.reason
    )


# ---------------------------------------------------------------------------------------------
# episode_resemblance: the current streak copies A's returns but starts at a peak like B


def resemblance_history():
    segments = [
        (30, 0.005, LAG),
        (8, -0.006, 0.005),  # B: starts at the peak (drawdown 0), both fall
        (20, -0.015, LAG),  # a fall of about 26%
        (8, 0.0012, 0.005),  # A: starts deep below the peak, both rise
        (60, 0.01, LAG),  # recovery to new highs
        (8, 0.005, 0.003),  # C
        (20, 0.002, LAG),
        (9, -0.003, 0.002),  # D
        (20, 0.003, LAG),
        (8, 0.0012, 0.005),  # current: the same daily returns as A, at a peak like B
    ]
    small, large, spans = build(segments)
    return small, large, dict(zip("BACD", spans[:4])), spans[4]


SETS = {
    "returns only": ["small_return", "large_return"],
    "drawdown only": ["drawdown"],
    "returns and VIX": ["small_return", "large_return", "vix_pct"],
}


def resemblance_claim(idx: pd.DatetimeIndex, spans: dict, **params) -> dict:
    return {
        "notebook": "03_history",
        "kind": "episode_resemblance",
        "quote": "q",
        "claimed": True,
        "unit": "boolean",
        "compare": "boolean",
        "premise": "streak",
        "params": {
            "episodes": {"A": {"window": window(idx, spans["A"])}, "B": {"window": window(idx, spans["B"])}},
            "nearer": "A",
            "features": "returns only",
            "standardisation": "zscore",
            "min_streak": 8,
            "variants": {"feature_sets": SETS, "standardisations": ["zscore", "rank", "robust"], "min_streaks": [8, 9]},
            **params,
        },
    }


def test_resemblance_verdict_grid_and_the_feature_set_that_flips_it(tmp_path):
    small, large, spans, _ = resemblance_history()
    vix = pd.Series(
        20.0, index=large.index[spans["A"][0] - 2 :], name="vix"
    )  # VIX starts after B: B lacks vix_pct (constant: no feature differences)
    claim = resemblance_claim(large.index, spans)
    claim["alternatives"] = [
        {"choice": "feature set", "label": "drawdown only", "params": {"features": "drawdown only"}},
        {"choice": "standardisation", "label": "ranks", "params": {"standardisation": "rank"}},
        {"choice": "minimum streak length", "label": "9", "params": {"min_streak": 9}},
    ]
    path, data_dir = write_case(tmp_path, small, large, {"res": claim}, vix)
    ctx = Context(claims=str(path), data_dir=str(data_dir))
    j = evaluate.evaluate(ctx, "res")
    m = j.measurement
    found = history.resemblance(ctx, ctx.registry["claims"]["res"])  # the typed result the notebook shows
    assert m.value is True and j.verdict == Verdict.CONFIRMED
    key_a = found.keys["A"]
    assert key_a == str(large.index[spans["A"][0]].date())
    row = found.registered
    assert row["distance A"] == pytest.approx(0.0, abs=1e-9) and row["rank A"] == 1 and row["nearest"] == key_a
    assert row["episodes"] == 4  # A, B, C, D around the current streak
    # the sensitivity: drawdown only puts B (at a peak, like the current streak) nearer: the label names that choice
    assert list(j.sensitivity["verdict"]) == ["confirmed", "refuted", "confirmed", "confirmed"]
    assert j.robustness == 'depends on feature set ("q")'
    # the grid: 3 feature sets x 3 standardisations x 2 lengths; A nearer in every returns-only and returns+VIX variant
    grid = found.grid
    assert len(grid) == 18
    assert (grid.loc[grid["feature_set"] != "drawdown only", "nearer"] == "A").all()
    assert (grid.loc[grid["feature_set"] == "drawdown only", "nearer"] == "B").all()
    summary = found.summary
    assert summary.share_nearer == pytest.approx(12 / 18)
    assert grid.loc[grid["min_streak"] == 9, "episodes"].eq(3).all()  # only D reaches 9 sessions, plus A and B
    # missing VIX is said, not imputed: B's distances on returns and VIX use two of three features
    vix_rows = grid[grid["feature_set"] == "returns and VIX"]
    assert (vix_rows["features B"] == "small_return, large_return").all()
    assert (vix_rows["features A"] == "small_return, large_return, vix_pct").all()
    assert f"in {round(100 * 12 / 18)}%" in m.detail and "nearest is " + key_a in m.detail


def test_resemblance_robust_case(tmp_path):
    small, large, spans, _ = resemblance_history()
    claim = resemblance_claim(large.index, spans)
    claim["alternatives"] = [
        {"choice": "standardisation", "label": "ranks", "params": {"standardisation": "rank"}},
        {"choice": "standardisation", "label": "robust", "params": {"standardisation": "robust"}},
        {"choice": "minimum streak length", "label": "9", "params": {"min_streak": 9}},
    ]
    path, data_dir = write_case(tmp_path, small, large, {"res": claim}, pd.Series(20.0, index=large.index, name="vix"))
    j = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "res")
    assert j.verdict == Verdict.CONFIRMED and j.robustness == "robust"


def test_resemblance_is_not_applicable_when_the_current_streak_is_a_named_one_or_its_window_is_open(tmp_path):
    small, large, spans, _ = resemblance_history()
    claim = resemblance_claim(large.index, spans)
    at_a = str(large.index[spans["A"][1]].date())  # as_of = A's last session: the streak in force is A itself
    path, data_dir = write_case(
        tmp_path, small, large, {"res": claim}, pd.Series(20.0, index=large.index, name="vix"), as_of=at_a
    )
    j = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "res")
    assert j.verdict == Verdict.NOT_APPLICABLE and "is the A episode itself" in j.measurement.reason
    inside_a = str(large.index[spans["A"][0] + 2].date())  # A's window is not over yet
    path, data_dir = write_case(
        tmp_path / "open", small, large, {"res": claim}, pd.Series(20.0, index=large.index, name="vix"), as_of=inside_a
    )
    j = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "res")
    assert j.verdict == Verdict.NOT_APPLICABLE and "is not over at as_of" in j.measurement.reason


def test_resemblance_with_a_crash_the_data_do_not_hold_is_not_verifiable_with_the_reason(tmp_path):
    small, large, spans, _ = resemblance_history()
    claim = resemblance_claim(large.index, spans)
    claim["params"]["episodes"]["A"] = {"after_crash": "1987-10", "months": 12}  # before the data start
    path, data_dir = write_case(tmp_path, small, large, {"res": claim}, pd.Series(20.0, index=large.index, name="vix"))
    j = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "res")
    assert j.verdict == Verdict.NOT_VERIFIABLE
    reason = j.measurement.reason
    assert "needs daily closes of spx in 1987-10" in reason and str(large.index[0].date()) in reason
    assert "not a month" not in reason


# ---------------------------------------------------------------------------------------------
# lead_after_event: small caps fall 5% a day for 5 sessions after the crash, then outrun large caps

CRASH_AT = 40


def lead_history():
    large_r = np.full(700, 0.0005)
    small_r = np.full(700, 0.0005)
    large_r[CRASH_AT - 1] = -0.20  # the crash session is position CRASH_AT (returns are dated one session later)
    small_r[CRASH_AT - 1] = -0.10
    small_r[CRASH_AT : CRASH_AT + 5] = -0.05
    small_r[CRASH_AT + 5 :] = 0.001
    large = prices_from_returns(large_r, start="2001-01-01", name="large")
    small = prices_from_returns(small_r, start="2001-01-01", name="small")
    return small, large, large.index[CRASH_AT]


def lead_claim(month: str, **params) -> dict:
    return {
        "notebook": "03_history",
        "kind": "lead_after_event",
        "quote": "q",
        "claimed": "led",
        "unit": "criteria",
        "compare": "criteria",
        "params": {"crash_month": month, "base": "crash", "horizons_years": [1], **params},
    }


def by_hand(small: pd.Series, large: pd.Series, base: pd.Timestamp, years: int) -> float:
    to = large.index[large.index <= base + pd.DateOffset(years=years)][-1]
    return (small[to] / small[base] - 1) - (large[to] / large[base] - 1)


def test_lead_after_event_planted_flip_under_the_base_date(tmp_path):
    small, large, crash = lead_history()
    claim = lead_claim(f"{crash:%Y-%m}")
    claim["alternatives"] = [
        {"choice": "base date", "label": "one week after", "params": {"base_offset": {"weeks": 1}}},
        {"choice": "horizon", "label": "half a year", "params": {"horizons_years": [0.5]}},
    ]
    path, data_dir = write_case(tmp_path, small, large, {"lead": claim})
    ctx = Context(claims=str(path), data_dir=str(data_dir))
    j = evaluate.evaluate(ctx, "lead")
    m = j.measurement
    found = history.lead_result(ctx, ctx.registry["claims"]["lead"])
    assert found.crash == crash and found.base == crash
    assert found.table["difference"].iloc[0] == pytest.approx(by_hand(small, large, crash, 1))
    assert list(m.value.values()) == [False] and j.verdict == Verdict.REFUTED
    week = large.index[large.index <= crash + pd.DateOffset(weeks=1)][-1]
    assert by_hand(small, large, week, 1) > 0  # from one week after the crash small caps lead: the planted flip
    assert list(j.sensitivity["verdict"]) == ["refuted", "confirmed", "refuted"]
    assert j.robustness == 'depends on base date ("q")'


def test_lead_after_event_robust_case_and_date_base(tmp_path):
    small, large, crash = lead_history()
    base_date = str(large.index[CRASH_AT + 20].date())
    claim = lead_claim(f"{crash:%Y-%m}", base=base_date, horizons_years=[1, 2])
    claim["alternatives"] = [
        {"choice": "horizon", "label": "1 year", "params": {"horizons_years": [1]}},
        {"choice": "base date", "label": "5 days later", "params": {"base_offset": {"days": 5}}},
    ]
    path, data_dir = write_case(tmp_path, small, large, {"lead": claim})
    ctx = Context(claims=str(path), data_dir=str(data_dir))
    j = evaluate.evaluate(ctx, "lead")
    assert history.lead_result(ctx, ctx.registry["claims"]["lead"]).base == pd.Timestamp(base_date)
    assert list(j.measurement.value.values()) == [True, True] and j.robustness == "robust"


def test_lead_after_event_reasons(tmp_path):
    small, large, crash = lead_history()
    # the crash month lies before the data: not verifiable, naming the series and what it holds
    path, data_dir = write_case(tmp_path, small, large, {"lead": lead_claim("1987-10")})
    j = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "lead")
    assert j.verdict == Verdict.NOT_VERIFIABLE
    assert "needs daily closes of spx in 1987-10" in j.measurement.reason and "not a month" not in j.measurement.reason
    # horizons past the data end: not verifiable, with the dates needed
    path, data_dir = write_case(
        tmp_path / "long", small, large, {"lead": lead_claim(f"{crash:%Y-%m}", horizons_years=[5])}
    )
    j = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "lead")
    assert j.verdict == Verdict.NOT_VERIFIABLE and "needs closes of both rut and spx" in j.measurement.reason
    # a fixed period that is not over at as_of: not applicable
    claim = lead_claim(f"{crash:%Y-%m}", horizons_years=[1])
    claim["about"] = {"period": f"{crash.date()} to {(crash + pd.DateOffset(years=2)).date()}", "looks": "back"}
    path, data_dir = write_case(
        tmp_path / "open", small, large, {"lead": claim}, as_of=str((crash + pd.DateOffset(months=3)).date())
    )
    assert (
        evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "lead").verdict == Verdict.NOT_APPLICABLE
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"features": "no such set"}, "params.features: 'no such set' is not a feature set"),
        ({"features": ["small_return", "bogus"]}, "field 'params.features[1]': unknown value 'bogus'"),
        (
            {"variants": {"feature_sets": SETS, "standardisations": ["minmax"], "min_streaks": [8]}},
            "field 'params.variants.standardisations[0]': unknown value 'minmax'",
        ),
        ({"nearer": "C"}, "params.nearer: 'C' is not one of params.episodes"),
    ],
)
def test_bad_resemblance_params_are_refused_with_one_line_naming_the_claim(tmp_path, change, message):
    small, large, spans, _ = resemblance_history()
    claim = resemblance_claim(large.index, spans)
    claim["params"].update(change)
    path, data_dir = write_case(tmp_path, small, large, {"res": claim}, pd.Series(20.0, index=large.index, name="vix"))
    with pytest.raises(ParameterError) as err:
        evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "res")
    assert "claim 'res'" in str(err.value) and message in str(err.value) and "\n" not in str(err.value)
