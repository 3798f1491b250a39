"""The ``query`` kind through the existing claims machinery (Context, evaluate, judge, alternatives), planted data."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import yaml

from conftest import planted_readings, prices_from_returns, write_series_csv
from rotation.claims import evaluate
from rotation.claims.measuring import Context
from rotation.core.verdicts import Verdict

N = 60
SMALL = np.full(N, -0.001)
LARGE = np.zeros(N)
SMALL[10:15] = 0.004  # an earlier 5-session streak
SMALL[-7:] = 0.006  # 7 sessions in force at the end


def setup(tmp_path, block):
    data_dir = tmp_path / "data"
    small, large = prices_from_returns(SMALL, name="small"), prices_from_returns(LARGE, name="large")
    write_series_csv(data_dir, "RUT.csv", small)
    write_series_csv(data_dir, "GSPC.csv", large)
    head = {"title": "planted", "as_of": str(small.index[-1].date()), "small": "rut", "large": "spx"}
    path = tmp_path / "claims.yaml"
    block = planted_readings(block)
    path.write_text(yaml.safe_dump({"article": head, "claims": block}, sort_keys=False), encoding="utf-8")
    return path, data_dir, small.index


def q(query, **extra):
    """A query claim; its query copied, so no two claims share a mapping (the strict loader refuses YAML aliases)."""
    return {"notebook": "01_streak", "kind": "query", "quote": "q", "query": copy.deepcopy(query), **extra}


def test_a_query_claim_can_say_strictly_above_or_below(tmp_path):
    up = {"series": "rut", "measure": "return", "window": {"sessions": 7}}
    block = {
        "rose": q(up, claimed=0, unit="fraction", compare="above"),
        "fell": q(up, claimed=0, unit="fraction", compare="below"),
        "rose_a_lot": q(up, claimed=0.05, unit="fraction", compare="above"),
    }
    path, data_dir, _ = setup(tmp_path, block)
    ctx = Context(claims=str(path), data_dir=str(data_dir))
    rose = evaluate.evaluate(ctx, "rose")
    assert rose.measurement.value == pytest.approx(1.006**7 - 1, abs=1e-12) and rose.verdict == Verdict.CONFIRMED
    assert evaluate.evaluate(ctx, "fell").verdict == Verdict.REFUTED
    assert evaluate.evaluate(ctx, "rose_a_lot").verdict == Verdict.REFUTED  # 4.3% is not above 5%


def test_query_claims_are_judged_by_the_existing_judge(tmp_path):
    block = {
        "length": q(
            {"pair": ["rut", "spx"], "measure": "streak", "condition": "beats"},
            claimed=7,
            unit="sessions",
            compare="equal",
            tolerance=0,
        ),
        "record": q(
            {"pair": ["rut", "spx"], "measure": "streak", "condition": "beats", "history": {"stat": "record"}},
            unit="boolean",
            compare="boolean",
        ),
        "ret": q(
            {"series": "rut", "measure": "return", "window": {"sessions": 7}},
            claimed=0.05,
            unit="fraction",
            compare="at_least",
            tolerance=0,
            alternatives=[{"choice": "window", "label": "3 sessions", "query": {"window": {"sessions": 3}}}],
        ),
    }
    path, data_dir, index = setup(tmp_path, block)
    ctx = Context(claims=str(path), data_dir=str(data_dir))
    length = evaluate.evaluate(ctx, "length")
    assert length.measurement.value == 7 and length.verdict == Verdict.CONFIRMED
    assert evaluate.evaluate(ctx, "record").verdict == Verdict.CONFIRMED
    ret = evaluate.evaluate(ctx, "ret")
    assert ret.measurement.value == pytest.approx(1.006**7 - 1, abs=1e-12)
    assert ret.verdict == Verdict.REFUTED  # 4.3% < 5%
    assert ret.robustness == "robust"  # 3 sessions is smaller still
    assert ret.measurement.window == (index[-8], index[-1])


def test_a_claim_dated_at_its_own_date(tmp_path):
    path, data_dir, index = setup(tmp_path, {})  # placeholder to get the index
    day = str(index[14].date())  # the earlier streak's 4th session (returns start at index[1])
    block = {
        "then": q(
            {"pair": ["rut", "spx"], "measure": "streak", "condition": "beats"},
            about={"at": day},
            claimed=4,
            unit="sessions",
            compare="equal",
            tolerance=0,
        )
    }
    path, data_dir, _ = setup(tmp_path, block)
    assert evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "then").verdict == Verdict.CONFIRMED
    early = Context(claims=str(path), data_dir=str(data_dir), as_of=str(index[5].date()))
    assert evaluate.evaluate(early, "then").verdict == Verdict.NOT_APPLICABLE


def test_an_undefined_window_is_not_verifiable(tmp_path):
    block = {
        "x": q(
            {"series": "rut", "measure": "return", "window": {"from": "2000-01-01", "to": "2000-02-01"}},
            claimed=0.1,
            unit="fraction",
            compare="equal",
            tolerance=0,
        )
    }
    path, data_dir, _ = setup(tmp_path, block)
    assert evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "x").verdict == Verdict.NOT_VERIFIABLE


FORWARD_CAL = {
    "pair": ["rut", "spx"],
    "measure": "forward",
    "event": {"window": {"dates": "07-01 to 12-31"}, "above": 0},
    "then": "next_year",
    "stat": "mean",
}
COUNT_YEARS = {
    "pair": ["rut", "spx"],
    "measure": "return",
    "window": {"first_sessions": 10},
    "history": {"stat": "count", "among": "same_period", "above": 0.025},
}


@pytest.mark.parametrize(
    "query,field",
    [
        ({**COUNT_YEARS, "window": {"dates": "12-01 to 01-31"}}, "query.window.dates"),
        ({**COUNT_YEARS, "window": {"dates": "7-1 to 12-31"}}, "query.window.dates"),
        ({**COUNT_YEARS, "history": {"stat": "count", "among": "same_period"}}, "query.history.above"),
        ({**COUNT_YEARS, "history": {"stat": "rank", "among": "same_period", "above": 0}}, "query.history.above"),
        (
            {**COUNT_YEARS, "history": {"stat": "run", "among": "same_period", "above": 0, "below": 1}},
            "query.history.above",
        ),
        ({**FORWARD_CAL, "horizon": "1m"}, "query.horizon"),
        ({k: v for k, v in FORWARD_CAL.items() if k != "then"}, "query.then"),
        ({**FORWARD_CAL, "then": {"dates": "01-01 to 01-31", "year": "last"}}, "query.then"),
        ({**FORWARD_CAL, "event": {"window": {"period": "month"}, "above": 0}}, "query.event.window"),
        ({**FORWARD_CAL, "event": {"window": {"dates": "07-01 to 12-31"}, "min_length": 3}}, "query.event.min_length"),
        ({**FORWARD_CAL, "event": {"min_length": 3}, "horizon": 5}, "query.then"),
        ({**FORWARD_CAL, "start": "1979-13-01"}, "query.start"),
        ({"series": "rut", "measure": "rsi"}, "query.lookback"),
        ({"series": "rut", "measure": "return", "window": {"sessions": 5}, "lookback": 5}, "query.lookback"),
        ({"series": "rut", "leg": "small", "measure": "level"}, "query.leg"),
        ({"pair": ["rut", "spx"], "measure": "drawdown"}, "query.pair_as"),
        ({"pair": ["rut", "spx"], "measure": "return", "window": {"streak": "rises"}}, "query.window.streak"),
        (
            {"series": "rut", "measure": "return", "window": {"sessions": 5, "pair": ["rut", "spx"]}},
            "query.window.pair",
        ),
        (
            {"series": "rut", "measure": "return", "window": {"streak": "rises", "pair": ["rut", "spx"]}},
            "query.window.streak",
        ),
        ({"series": "rut", "measure": "return", "window": {"months": 0}}, "query.window.months"),
        ({"series": "rut", "measure": "rsi", "lookback": 14, "window": {"sessions": 3}}, "query.window"),
        ({"series": "rut", "measure": "level", "over": {"window": {"sessions": 5}}}, "query.over.stat"),
        ({"series": "rut", "measure": "level", "over": {"window": {"sessions": 5}, "stat": "sum"}}, "query.over.stat"),
        (
            {"series": "rut", "measure": "level", "over": {"window": {"streak": "beats"}, "stat": "max"}},
            "query.over.window.streak",
        ),
        ({**FORWARD_CAL, "over": {"window": {"sessions": 5}, "stat": "max"}}, "query.over"),
        ({"series": "rut", "measure": "level", "history": {"stat": "share"}}, "query.history.above"),
        ({"series": "rut", "measure": "volatility"}, "query.window"),
        ({"series": "rut", "measure": "change_bp", "window": {"sessions": 5}}, "query.measure"),
        ({"series": "DFEDTARL", "measure": "level"}, "query.series"),
        ({"series": "dgs10", "measure": "return", "window": {"sessions": 5}}, "query.measure"),
        ({"pair": ["dgs10", "spx"], "leg": "small", "measure": "drawdown"}, "query.measure"),
        ({**FORWARD_CAL, "event": {"window": {"sessions": 5}}, "horizon": 5}, "query.event.above"),
        ({**FORWARD_CAL, "event": {"window": {"sessions": 5}, "above": 0.02}}, "query.horizon"),
        (
            {
                "series": "rut",
                "measure": "forward",
                "event": {"min_length": 5, "condition": "beats"},
                "horizon": 5,
                "stat": "n",
            },
            "query.event.condition",
        ),
        (
            {
                "pair": ["rut", "spx"],
                "measure": "forward",
                "event": {"min_length": 5, "condition": "rises"},
                "horizon": 5,
                "stat": "n",
            },
            "query.event.condition",
        ),
        (
            {
                "series": "rut",
                "measure": "forward",
                "event": {"min_length": 5},
                "horizon": 5,
                "stat": "mean",
                "of": "large",
            },
            "query.of",
        ),
    ],
)
def test_new_forms_refused_in_one_line_naming_the_field(tmp_path, query, field):
    from rotation.claims.registry import load_registry
    from rotation.core.errors import ParameterError

    path, _, _ = setup(tmp_path, {"c1": q(query, claimed=1, compare="equal", unit="x")})
    with pytest.raises(ParameterError) as err:
        load_registry(path)
    assert f"field '{field}" in str(err.value) and "\n" not in str(err.value), str(err.value)


def test_new_forms_accepted(tmp_path):
    from rotation.claims.registry import load_registry

    block = {
        "c1": q(FORWARD_CAL, claimed=0, compare="at_least", unit="fraction"),
        "c2": q(COUNT_YEARS, claimed=3, compare="equal", unit="years"),
        "c3": q(
            {**FORWARD_CAL, "then": {"dates": "01-01 to 01-31", "year": "next"}, "stat": "excess_mean"},
            claimed=0,
            compare="at_least",
            unit="fraction",
        ),
        "c4": q(
            {**COUNT_YEARS, "history": {"stat": "since_year", "among": "same_period", "start": "1979-01-01"}},
            claimed=2008,
            compare="equal",
            unit="year",
        ),
    }
    path, _, _ = setup(tmp_path, block)
    assert set(load_registry(path)["claims"]) == set(block)


# ---------------------------------------------------------------------------------------------- several criteria


def crit(criteria, **extra):
    return {
        "notebook": "01_streak",
        "kind": "query",
        "quote": "small caps beat for a week and rose",
        "criteria": json.loads(json.dumps(criteria)),  # no shared mappings: the strict loader refuses YAML aliases
        "claimed": "both",
        "unit": "criteria",
        "compare": "criteria",
        **extra,
    }


STREAK = {"pair": ["rut", "spx"], "measure": "streak"}
RISE = {"series": "rut", "measure": "return", "window": {"sessions": 7}}
RECORD = {"pair": ["rut", "spx"], "measure": "streak", "history": {"stat": "record", "among": "streaks"}}


def test_a_claim_of_several_criteria_judges_each_query_on_its_own_rule(tmp_path):
    block = {
        "all": crit(
            {
                "a streak of 7": {"query": STREAK, "compare": "equal", "claimed": 7},
                "rose": {"query": RISE, "compare": "above", "claimed": 0},
            }
        ),
        "some": crit(
            {
                "a streak of 7": {"query": STREAK, "compare": "equal", "claimed": 7},
                "fell": {"query": RISE, "compare": "below", "claimed": 0},
            },
            alternatives=[
                {
                    "choice": "direction",
                    "label": "rose",
                    "reading": "allowed",
                    "rests_on": "rose",
                    "criteria": {"fell": {"compare": "above"}},
                }
            ],
        ),
        "none": crit(
            {
                "a streak of 9": {"query": STREAK, "compare": "at_least", "claimed": 9},
                "an earlier 5-session record": {
                    "query": {**STREAK, "history": {"stat": "record", "among": "streaks"}},
                    "compare": "boolean",
                },
            }
        ),
    }
    path, data_dir, index = setup(tmp_path, block)
    ctx = Context(claims=str(path), data_dir=str(data_dir))
    got = {cid: evaluate.evaluate(ctx, cid) for cid in block}
    assert got["all"].verdict == Verdict.CONFIRMED
    assert got["all"].measurement.value == {"a streak of 7": True, "rose": True}
    assert got["some"].verdict == Verdict.PARTLY_TRUE
    assert got["some"].robustness.startswith("depends on direction")  # the allowed reading meets both criteria
    assert got["none"].verdict == Verdict.PARTLY_TRUE  # 7 is a record (the earlier streak had 5), 7 < 9
    assert got["none"].measurement.value == {"a streak of 9": False, "an earlier 5-session record": True}
    table = got["all"].measurement.evidence
    assert list(table.index) == ["a streak of 7", "rose"] and table.loc["rose", "rule"] == "> 0"


@pytest.mark.parametrize(
    "entry,field",
    [
        (crit({"x": {"query": STREAK, "compare": "equal"}}), "criteria.x.claimed"),
        (crit({"x": {"query": RECORD, "compare": "boolean", "claimed": 1}}), "criteria.x.claimed"),
        (crit({"x": {"query": STREAK, "compare": "boolean"}}), "criteria.x.compare"),
        (crit({"x": {"query": RECORD, "compare": "at_least", "claimed": 0.5}}), "criteria.x.compare"),
        (crit({"": {"query": STREAK, "compare": "equal", "claimed": 7}}), "criteria."),
        (q({"series": "rut", "measure": "level"}, claimed=True, compare="boolean", unit="x"), "compare"),
        (q({"pair": ["rut", "rut"], "measure": "streak"}, claimed=1, compare="equal", unit="x"), "query.pair"),
        (crit({"x": {"query": RISE, "compare": "above", "claimed": 0, "tolerance": 1}}), "criteria.x.tolerance"),
        (
            crit({"x": {"query": {**STREAK, "window": {"sessions": 3}}, "compare": "equal", "claimed": 1}}),
            "criteria.x.query.window",
        ),
        (crit({"x": {"query": STREAK, "compare": "equal", "claimed": 7}}, compare="equal", claimed=1), "criteria"),
        ({**crit({"x": {"query": STREAK, "compare": "equal", "claimed": 7}}), "query": STREAK}, "query"),
        (
            crit(
                {"x": {"query": STREAK, "compare": "equal", "claimed": 7}},
                alternatives=[
                    {
                        "choice": "c",
                        "label": "l",
                        "reading": "allowed",
                        "rests_on": "rose",
                        "criteria": {"y": {"claimed": 1}},
                    }
                ],
            ),
            "alternatives[0].criteria.y",
        ),
        (
            crit(
                {"x": {"query": STREAK, "compare": "equal", "claimed": 7}},
                alternatives=[
                    {
                        "choice": "c",
                        "label": "l",
                        "reading": "allowed",
                        "rests_on": "rose",
                        "criteria": {"x": {"tolerance": 1}},
                    }
                ],
            ),
            "alternatives[0].reading",
        ),
    ],
)
def test_criteria_refused_in_one_line_naming_the_field(tmp_path, entry, field):
    from rotation.claims.registry import load_registry
    from rotation.core.errors import ParameterError

    path, _, _ = setup(tmp_path, {"c1": entry})
    with pytest.raises(ParameterError) as err:
        load_registry(path)
    assert f"field '{field}" in str(err.value) and "\n" not in str(err.value), str(err.value)


def test_a_notebook_shows_what_each_query_claim_measured(tmp_path):
    from rotation.studies.page import query_sections

    block = {
        "length": q(
            {"pair": ["rut", "spx"], "measure": "streak", "history": {"stat": "rank", "among": "streaks"}},
            claimed=1,
            unit="rank",
            compare="equal",
        ),
        "both": crit(
            {
                "a streak of 7": {"query": STREAK, "compare": "equal", "claimed": 7},
                "rose": {"query": RISE, "compare": "above", "claimed": 0},
            }
        ),
        "elsewhere": q(STREAK, claimed=7, unit="sessions", compare="equal", notebook="02_spread"),
    }
    path, data_dir, index = setup(tmp_path, block)
    sections = query_sections(Context(claims=str(path), data_dir=str(data_dir)), "01_streak")
    assert [s.text.split("`")[1] for s in sections] == ["length", "both"]
    first, second = sections
    assert "rut, spx" in first.text and f"to {index[-1].date()}" in first.text and "rank" in first.text
    assert first.table is not None and len(first.table) == 1  # the one earlier streak
    assert list(second.table.index) == ["a streak of 7", "rose"] and second.table["met"].tolist() == [True, True]


def test_an_alternative_removes_a_key_with_null_and_replaces_whole_values(tmp_path):
    mean = {
        "pair": ["rut", "spx"],
        "measure": "session_return",
        "over": {"window": {"streak": "beats"}, "stat": "mean"},
    }
    block = {
        "avg": q(
            mean,
            claimed=0.006,
            unit="fraction",
            compare="equal",
            tolerance=0.0001,
            alternatives=[
                {
                    "choice": "measure",
                    "label": "the mean return over the streak, written without over",
                    "reading": "allowed",
                    "rests_on": "q",
                    "query": {"over": None, "measure": "mean_return", "window": {"streak": "beats"}},
                },
                {
                    "choice": "average",
                    "label": "median",
                    "reading": "allowed",
                    "rests_on": "q",
                    "query": {"over": {"window": {"streak": "beats"}, "stat": "median"}},
                },
            ],
        )
    }
    path, data_dir, _ = setup(tmp_path, block)
    judged = evaluate.evaluate(Context(claims=str(path), data_dir=str(data_dir)), "avg")
    rows = judged.sensitivity.set_index("alternative")
    assert rows.loc["the mean return over the streak, written without over", "measured"] == rows.iloc[0]["measured"]
    assert evaluate.with_alternative(block["avg"], block["avg"]["alternatives"][0])["query"] == {
        "pair": ["rut", "spx"],
        "measure": "mean_return",
        "window": {"streak": "beats"},
    }


def test_a_query_claim_about_a_period_is_dated_at_its_end(tmp_path):
    from rotation.claims.registry import load_registry
    from rotation.core.errors import ParameterError

    forecast = {"pair": ["rut", "spx"], "measure": "return", "window": {"from": "2020-01-01", "to": "2020-03-31"}}
    path, _, _ = setup(
        tmp_path,
        {
            "c1": q(
                forecast,
                about={"period": "2020-01-01 to 2020-03-31", "looks": "ahead"},
                claimed=0,
                compare="at_least",
                unit="fraction",
            )
        },
    )
    with pytest.raises(ParameterError, match="field 'about.period': a query claim is dated with about.at"):
        load_registry(path)


def test_conditions_read_as_words_in_a_query_description():
    from rotation.language.query import condition_text, describe

    assert condition_text("beats") == "beats" and condition_text("rises") == "rises"
    assert condition_text({"rises_by": 0.01}) == "rises by at least 1% a session"
    assert condition_text({"falls_by_bp": 5}) == "falls by at least 5 bp a session"
    text = describe({"series": "rut", "measure": "count", "condition": {"rises_by": 0.01}, "min_length": 5})
    assert "condition rises by at least 1% a session" in text and "{" not in text
    window = describe({"series": "rut", "measure": "return", "window": {"streak": {"falls_by": 0.02}}})
    assert "window streak falls by at least 2% a session" in window
