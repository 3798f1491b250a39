"""02's claim kinds on planted data: largest gain, RSI level, record closes above a level, spread definitions."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import prices_from_returns
from rotation.claims import evaluate
from rotation.claims.measuring import Context
from rotation.core.verdicts import Verdict
from test_measures_core import SMALL, write_article
from test_technicals import rsi_loop


def judged(tmp_path, entry: dict, **ctx_args):
    path, data_dir = write_article(tmp_path, {"c": entry})
    return evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir), **ctx_args), "c")


def test_max_gain_is_the_largest_over_at_most_n_sessions(tmp_path):
    # the small-cap prices end with 7 gains of 0.6%: the best window of at most 15 sessions is those 7
    entry = {
        "notebook": "02_spread",
        "kind": "max_gain",
        "quote": "q",
        "claimed": 0.15,
        "unit": "fraction",
        "compare": "equal",
        "tolerance": 0.01,
        "params": {"max_sessions": 15, "base": "max_window"},
    }
    j = judged(tmp_path, entry)
    assert j.measurement.value == pytest.approx(1.006**7 - 1, rel=1e-12)
    assert j.verdict == Verdict.REFUTED
    entry["params"]["max_sessions"] = 3
    assert judged(tmp_path / "b", entry).measurement.value == pytest.approx(1.006**3 - 1, rel=1e-12)


def test_rsi_level_after_only_gains_is_100_and_its_alternative_date(tmp_path):
    entry = {
        "notebook": "02_spread",
        "kind": "rsi_level",
        "quote": "q",
        "claimed": 70,
        "unit": "RSI points",
        "compare": "at_least",
        "tolerance": 0,
        "params": {"rsi_window": 5, "at": "as_of"},
    }
    j = judged(tmp_path, entry)
    expected = rsi_loop(list(prices_from_returns(SMALL)), 5)[-1]  # an independent loop over the closes
    assert j.measurement.value == pytest.approx(expected, rel=1e-9)
    assert expected > 90  # the last 7 closes all rose
    assert j.verdict == Verdict.CONFIRMED


def test_level_record_finds_the_new_high_and_the_previous_one(tmp_path):
    entry = {
        "notebook": "02_spread",
        "kind": "level_record",
        "quote": "q",
        "claimed": 1,
        "unit": "criteria",
        "compare": "criteria",
        "params": {"series": "rut", "level": 1000.0},
    }
    j = judged(tmp_path, entry)
    small = prices_from_returns(SMALL)
    criteria = list(j.measurement.value.values())
    previous_max = small.iloc[:-7].max()  # the high before the streak began
    assert criteria[0] == bool(small.iloc[-1] > previous_max)
    assert criteria[1] is False  # prices near 100 never close above 1,000
    assert f"{previous_max:,.2f}" in j.measurement.detail
    assert j.verdict == (Verdict.PARTLY_TRUE if criteria[0] else Verdict.REFUTED)


def test_mean_spread_definitions_differ_as_alternatives(tmp_path):
    entry = {
        "notebook": "02_spread",
        "kind": "mean_spread",
        "quote": "q",
        "claimed": 60,
        "unit": "bp per session",
        "compare": "equal",
        "tolerance": 0.5,
        "params": {"definition": "arithmetic"},
        "alternatives": [{"choice": "average definition", "label": "log", "params": {"definition": "log"}}],
    }
    j = judged(tmp_path, entry)
    assert j.verdict == Verdict.CONFIRMED
    log_value = 1e4 * np.log1p(0.006)  # large caps are flat: the mean log difference is ln(1.006)
    assert j.sensitivity.iloc[1]["measured"] == f"{log_value:.1f} bp per session"
    assert j.robustness == ("robust" if abs(log_value - 60) <= 0.5 else 'depends on average definition ("q")')
