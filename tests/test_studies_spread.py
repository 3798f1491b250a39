"""Notebook 02's study functions (rotation.studies.spread) on a planted pair: large caps flat, small caps
+0.6% a session over the last 7 sessions (the streak in force at as_of, 60 bp a day), -0.1% on every other
session but an earlier 5-session streak (+0.4%)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import prices_from_returns
from rotation.claims import evaluate
from rotation.core.verdicts import Verdict
from rotation.studies import spread as study
from rotation.studies.page import setup
from test_measures_core import SMALL, write_article
from test_technicals import rsi_loop

QUOTE = "gained nearly 15% in less than three weeks, 45 basis points per day, as it enters overbought territory"


def claims(claimed_bp: float = 45.0) -> dict:
    base = {"notebook": "02_spread", "quote": QUOTE}
    return {
        "spread": {
            **base,
            "kind": "mean_spread",
            "claimed": claimed_bp,
            "unit": "bp per session",
            "compare": "equal",
            "tolerance": 5,
            "partly_tolerance": 10,
            "params": {"definition": "arithmetic"},
            "alternatives": [
                {"choice": "tolerance", "label": "within 20 bp", "tolerance": 20, "reading": "sensitivity"},
            ],
        },
        "gain": {
            **base,
            "kind": "max_gain",
            "claimed": 0.15,
            "unit": "fraction",
            "compare": "equal",
            "tolerance": 0.015,
            "partly_tolerance": 0.04,
            "params": {"base": "max_window", "max_sessions": 15, "low_lookback": 63},
            "alternatives": [
                {
                    "choice": "base close",
                    "label": "since the low",
                    "params": {"base": "recent_low"},
                    "reading": "context",
                    "contradicts": "in less than three weeks",
                },
                {
                    "choice": "'less than three weeks'",
                    "label": "at most 3 sessions",
                    "params": {"max_sessions": 3},
                    "reading": "allowed",
                    "rests_on": "in less than three weeks",
                },
            ],
        },
        "rsi": {
            **base,
            "kind": "rsi_level",
            "claimed": 70,
            "unit": "RSI points",
            "compare": "at_least",
            "tolerance": 0,
            "partly_tolerance": 5,
            "params": {"rsi_window": 5, "at": "as_of"},
        },
        "level": {
            "notebook": "02_spread",
            "quote": "q",
            "kind": "level_record",
            "claimed": 100,
            "unit": "criteria",
            "compare": "criteria",
            "params": {"series": "rut", "level": 100.0},
        },
    }


def page_of(tmp_path, claimed_bp: float = 45.0, **args):
    path, data_dir = write_article(tmp_path, claims(claimed_bp))
    return setup("02_spread", claims=str(path), data_dir=str(data_dir), run_name="planted", **args)


def test_the_window_is_the_streak_in_force_and_the_article_window_beside_it(tmp_path):
    page = page_of(tmp_path)
    window = study.analysis_window(page, 13)
    assert window.in_streak and window.n == 7 and not window.same
    assert window.rows["spread"].tolist() == pytest.approx([0.006] * 7)
    assert len(window.claimed_rows) == 13 and "are shown beside it" in window.text
    assert study.analysis_window(page, 7).same


def test_without_a_streak_the_last_sessions_are_context(tmp_path):
    page = page_of(tmp_path)
    as_of = page.ctx.returns.index[30]  # a losing session
    page = page_of(tmp_path / "b", as_of=str(as_of.date()))
    window = study.analysis_window(page, 4)
    assert not window.in_streak and window.same and window.n == 4 and window.last == as_of
    assert "no rut > spx streak is in force" in window.text


def test_definitions_are_judged_by_the_claims_file_rule(tmp_path):
    page = page_of(tmp_path, claimed_bp=60.0)
    defs = study.definitions(page, study.analysis_window(page, 7))
    assert defs.values["arithmetic"] == pytest.approx(0.006)
    assert defs.values["log"] == pytest.approx(np.log1p(0.006))
    expected = [k for k, v in defs.values.items() if abs(v * 1e4 - 60) <= 5]
    assert defs.matching == expected and "arithmetic" in expected
    assert (defs.table["judge() on analysis window"] == str(Verdict.CONFIRMED)).sum() == len(expected)
    none = study.definitions(page_of(tmp_path / "b", claimed_bp=20.0), study.analysis_window(page, 7))
    assert none.matching == [] and "No definition reproduces the claim" in none.text


def test_unusual_places_the_mean_and_says_what_the_intervals_are(tmp_path):
    page = page_of(tmp_path)
    window = study.analysis_window(page, 13)
    defs = study.definitions(page, window)
    found = study.unusual(page, window, defs, min_streak=None, block_length=3, n_boot=200, hac_lags=-1, seed=1)
    daily = page.ctx.returns["small"] - page.ctx.returns["large"]
    means = daily.rolling(7).mean().dropna().iloc[:-1]
    assert len(found.window_means) == len(means) and found.window_means.to_numpy() == pytest.approx(means.to_numpy())
    assert found.pct_windows == 100.0  # no earlier 7-session window averages 60 bp
    assert found.earlier.empty and np.isnan(found.pct_streaks)  # the only earlier streak has 5 sessions
    assert found.hac.lower == pytest.approx(0.006) and found.hac.upper == pytest.approx(0.006)
    assert "measured exactly: **60.0 bp**" in found.text
    assert "An edge of 45 bp lies outside the HAC interval" in found.text
    assert study.interval_note(0.006, 45.0, None, None) == ""


def test_gains_and_the_reading_of_less_than_three_weeks(tmp_path):
    page = page_of(tmp_path)
    window = study.analysis_window(page, 13)
    table = study.gains(page, window, 15, 63).table
    assert table.iloc[0]["gain (%)"] == pytest.approx(round(100 * (1.006**7 - 1), 2))
    assert table.loc["over the analysis window", "sessions"] == 7
    assert bool(table.loc["over the analysis window", "at most 15 sessions?"])
    assert study._longer(40, 15) == ", more than 15 sessions" and study._longer(15, 15) == ""
    note = study.readings(page, "max_gain").text
    j = evaluate.evaluate(page.ctx, "gain")
    assert 'since the low (contradicts "in less than three weeks")' in note
    assert 'at most 3 sessions (rests on "in less than three weeks")' in note
    assert f"**Verdict by the rule: {j.label}**" in note


def test_a_sensitivity_is_listed_but_not_counted(tmp_path):
    page = page_of(tmp_path)
    note = study.readings(page, "mean_spread").text
    assert "Sensitivity, not counted" in note and "within 20 bp" in note
    assert "**Verdict by the rule: refuted** (robustness: not varied)" in note  # 60 bp against 45 +/- 10
    assert study.readings(page, "no_such_kind").text == ""


def test_overbought_lists_the_sessions_at_or_above_the_line(tmp_path):
    page = page_of(tmp_path)
    ob = study.overbought(page, study.analysis_window(page, 13), 5, 10, 20)
    closes = list(prices_from_returns(SMALL))
    assert ob.rsi.iloc[-1] == pytest.approx(rsi_loop(closes, 5)[-1], rel=1e-9)
    expected = [d for d, v in ob.rsi.iloc[-7:].items() if v >= 70]
    assert list(ob.at_or_above.index) == expected and len(expected) >= 1
    dist = closes[-1] / np.mean(closes[-20:]) - 1
    assert ob.distance[20].iloc[-1] == pytest.approx(dist)
    assert f"{100 * dist:+.1f}% above its 20-session average" in ob.text


def test_records_and_which_series_the_level_fits(tmp_path):
    page = page_of(tmp_path)
    window = study.analysis_window(page, 13)
    section = study.records(page, window, "spx", 0.10)
    assert list(section.table.columns) == ["rut", "spx"]
    assert bool(section.table.loc["100 fits (within 10%)", "rut"]) and "fits **rut, spx**" in section.text
    assert not study.records(page, window, "spx", 0.10).table.loc["100 fits (within 10%)"].empty


def test_another_articles_file_without_these_kinds_is_measured_and_never_judged(tmp_path):
    """A claims file with none of 02's kinds (another article): every section measures as context, no section
    shows a rule, a claimed value or a judge() column for a claim that does not exist."""
    other = {
        "ret": {
            "notebook": "02_spread",
            "quote": "q",
            "kind": "query",
            "query": {"series": "rut", "measure": "return", "window": {"sessions": 5}},
            "claimed": 0.01,
            "unit": "fraction",
            "compare": "at_least",
        }
    }
    path, data_dir = write_article(tmp_path, other)
    page = setup("02_spread", claims=str(path), data_dir=str(data_dir), run_name="planted")
    window = study.analysis_window(page, 13)
    defs = study.definitions(page, window)
    assert defs.matching == [] and not [c for c in defs.table.columns if "judge" in c or "claimed" in c]
    assert "No `mean_spread` claim in this claims file" in defs.text and "nan" not in defs.text.lower()
    found = study.unusual(page, window, defs, min_streak=None, block_length=3, n_boot=200, hac_lags=-1, seed=1)
    assert not [m for m in found.table.index if "claimed" in m] and "nan" not in found.text.lower()
    assert "measured exactly: **60.0 bp**" in found.text
    gains = study.gains(page, window, 15, 63)
    assert "judge()" not in gains.table.columns and "No `max_gain` claim" in gains.text
    ob = study.overbought(page, window, 5, 10, 20)
    assert "No `rsi_level` claim" in ob.text and "rule:" not in ob.text
    records = study.records(page, window, "spx", 0.10)
    assert "No `level_record` claim" in records.text and "nan" not in records.text.lower()
    assert not [r for r in records.table.index if "nan" in r.lower()]


def test_figures_are_written_under_their_names(tmp_path, project):
    page = page_of(tmp_path)
    window = study.analysis_window(page, 13)
    defs = study.definitions(page, window)
    found = study.unusual(page, window, defs, min_streak=3, block_length=3, n_boot=200, hac_lags=-1, seed=1)
    ob = study.overbought(page, window, 5, 10, 20)
    names = [
        study.figure_cumulative(page, window)[0].stem,
        study.figure_definitions(page, window, defs)[0].stem,
        study.figure_window_means(page, window, found)[0].stem,
        study.figure_price_rsi(page, window, ob, 40, 10, 20)[0].stem,
    ]
    assert names == ["02_cumulative_returns", "02_spread_definitions", "02_window_means", "02_price_rsi"]
    assert study.histogram_range(pd.Series([1.0, 2.0]), 5.0) == (pytest.approx(1.001), 5.0)
