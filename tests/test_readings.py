"""The reading rule (docs/readings.md) on planted data: which alternatives count in robustness, the
claims-file refusals, a split sentence, and the scorecard's counts of plain and reading-dependent verdicts.

Planted answers: the small-cap index beats the large one on the last 7 sessions (an earlier streak of
5); the ETF pair written beside it beats on the last 3 only. So the registered claim "7 straight
sessions" is confirmed, and re-measured on the ETFs it is refuted: whether that flip counts depends
only on the alternative's declared reading.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from conftest import prices_from_returns, write_series_csv
from rotation.claims import evaluate
from rotation.claims import registry as claims_file
from rotation.claims.measuring import Context
from rotation.core.errors import ParameterError
from rotation.core.verdicts import Verdict
from rotation.outputs import results, scorecard

N = 60
SMALL = np.full(N, -0.001)
SMALL[10:15] = 0.004  # an earlier streak of 5 sessions
SMALL[-7:] = 0.006  # the streak in force at the end: 7 sessions
LARGE = np.zeros(N)
ETF_SMALL = np.full(N, -0.001)
ETF_SMALL[-3:] = 0.006  # on the ETFs the streak at the end is 3 sessions
QUOTE = "Small caps have beaten large caps for 7 straight sessions, matching a record, on the index pair"

ETFS = {"pair": ["iwm", "spy"]}
SAME_PAIR = {"pair": ["rut", "spx"]}


def planted(tmp_path, claims: dict, *, title: str = "planted") -> Context:
    """The planted data folder and a claims file holding ``claims`` (written as given: no tagging)."""
    data = tmp_path / "data"
    write_series_csv(data, "RUT.csv", prices_from_returns(SMALL, name="rut"))
    write_series_csv(data, "GSPC.csv", prices_from_returns(LARGE, name="spx"))
    write_series_csv(data, "IWM.csv", prices_from_returns(ETF_SMALL, name="iwm"), column="adj_close")
    write_series_csv(data, "SPY.csv", prices_from_returns(LARGE, name="spy"), column="adj_close")
    day = str(prices_from_returns(LARGE).index[-1].date())
    head = {"title": title, "as_of": day, "small": "rut", "large": "spx", "streak_premise": 3}
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"article": head, "claims": claims}, sort_keys=False), encoding="utf-8")
    return Context(claims=str(path), data_dir=str(data))


def length(*alternatives: dict, **extra) -> dict:
    return {
        "notebook": "01_streak",
        "kind": "streak_length",
        "quote": QUOTE,
        "claimed": 7,
        "unit": "sessions",
        "compare": "equal",
        "tolerance": 0,
        "alternatives": list(alternatives),
        **extra,
    }


def alt(choice: str, reading: str, words: str | None = None, **change) -> dict:
    key = {"allowed": "rests_on", "context": "contradicts"}.get(reading)
    return {"choice": choice, "label": choice, "reading": reading, **({key: words} if key else {}), **change}


def test_an_alternative_that_contradicts_the_words_is_shown_but_not_counted(tmp_path):
    ctx = planted(
        tmp_path,
        {
            "c": length(
                alt("pair named", "allowed", "small caps", params=SAME_PAIR),
                alt("index pair", "context", "on the index pair", params=ETFS),  # flips: 3 sessions
                alt("claimed length", "sensitivity", claimed=9),  # flips too
            )
        },
    )
    j = evaluate.evaluate(ctx, "c")
    assert j.verdict == Verdict.CONFIRMED
    assert j.robustness == "robust" and j.label == "confirmed"  # only the allowed reading counts, and it agrees
    table = j.sensitivity
    assert list(table["reading"]) == ["registered", "allowed", "context", "sensitivity"]
    assert list(table["verdict"]) == ["confirmed", "confirmed", "refuted", "refuted"]  # shown all the same
    assert list(table["words"]) == ["", "small caps", "on the index pair", ""]
    assert list(table["measured"])[2] == "3 sessions"
    assert evaluate.agreement_share(j) == 1.0


def test_a_sensitivity_is_not_counted_as_a_reading(tmp_path):
    ctx = planted(
        tmp_path, {"c": length(alt("tolerance", "sensitivity", tolerance=3), alt("claimed", "sensitivity", claimed=9))}
    )
    j = evaluate.evaluate(ctx, "c")
    assert j.verdict == Verdict.CONFIRMED
    assert j.robustness == "not varied" and j.label == "confirmed"  # no reading listed: nothing was varied
    assert list(j.sensitivity["verdict"]) == ["confirmed", "confirmed", "refuted"]


def test_an_allowed_reading_that_flips_the_verdict_names_its_choice_and_words(tmp_path):
    ctx = planted(
        tmp_path,
        {
            "c": length(
                alt("pair named", "allowed", "small caps", params=SAME_PAIR),
                alt("index pair", "allowed", "Small  CAPS have", params=ETFS),  # case and spaces do not matter
            )
        },
    )
    j = evaluate.evaluate(ctx, "c")
    assert j.verdict == Verdict.CONFIRMED
    assert j.robustness == 'depends on index pair ("Small  CAPS have")'
    assert j.label == 'confirmed, but depends on index pair ("Small  CAPS have")'  # never plainly confirmed


def test_another_number_the_words_may_mean_is_a_reading(tmp_path):
    """A changed claimed value resting on the quote's words is counted; a widened tolerance is not."""
    ctx = planted(
        tmp_path,
        {
            "c": length(
                alt("claimed length", "allowed", "small caps", claimed=9),  # flips
                alt("tolerance", "sensitivity", tolerance=0.5),
            )
        },
    )
    j = evaluate.evaluate(ctx, "c")
    assert j.verdict == Verdict.CONFIRMED
    assert j.label == 'confirmed, but depends on claimed length ("small caps")'


def refusal(tmp_path, entry: dict, **article) -> str:
    path = tmp_path / "bad.yaml"
    head = {"title": "t", "as_of": "2026-01-21", "small": "rut", "large": "spx", **article}
    path.write_text(yaml.safe_dump({"article": head, "claims": {"c": entry}}), encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        claims_file.load_registry(path)
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{path}: ")
    return text


@pytest.mark.parametrize(
    "entry,field,what",
    [
        (
            length(alt("pair", "allowed", "large caps lead", params=ETFS)),
            "alternatives[0].rests_on",
            "does not occur in the quote",
        ),
        (
            length(alt("pair", "context", "not in it", params=ETFS)),
            "alternatives[0].contradicts",
            "does not occur in the quote",
        ),
        (length({"choice": "pair", "label": "l", "params": ETFS}), "alternatives[0].reading", "missing field"),
        (
            length({"choice": "pair", "label": "l", "reading": "allowed", "params": ETFS}),
            "alternatives[0].rests_on",
            "missing field",
        ),
        (
            length(alt("tolerance", "allowed", "small caps", tolerance=1)),
            "alternatives[0].reading",
            "reading: sensitivity",
        ),
        (
            length(alt("partly", "context", "record", partly_tolerance=2)),
            "alternatives[0].reading",
            "reading: sensitivity",
        ),
        (length(alt("pair", "sensitivity", params=ETFS)), "alternatives[0].reading", "changes the measurement"),
        (length(alt("pair", "sometimes", params=ETFS)), "alternatives[0].reading", "unknown value"),
        (length(part="nine straight sessions"), "part", "does not occur in the quote"),
        (length(quote="q" * 2001), "quote", "longer than 2000"),
        (length(alt("pair", "allowed", "x" * 301, params=ETFS)), "alternatives[0].rests_on", "longer than 300"),
    ],
)
def test_a_bad_reading_is_refused_in_one_line_naming_file_claim_and_field(tmp_path, entry, field, what):
    text = refusal(tmp_path, entry)
    assert f"claim 'c': field '{field}'" in text and what in text


def test_a_long_title_is_refused_in_one_line(tmp_path):
    text = refusal(tmp_path, length(), title="t" * 300_000)
    assert "field 'article.title'" in text and "longer than 300" in text and len(text) < 300


def test_a_split_sentence_gives_two_records_each_with_its_part(tmp_path, project):
    record = {
        "notebook": "01_streak",
        "kind": "streak_record",
        "quote": QUOTE,
        "part": "matching a record",
        "claimed": "record matched",
        "unit": "criteria",
        "compare": "criteria",
    }
    ctx = planted(tmp_path, {"len": length(part="for 7 straight sessions"), "rec": record})
    entries = results.record_notebook("split", ctx, "01_streak", {})
    assert [(e["claim_id"], e["quote"], e["part"]) for e in entries] == [
        ("len", QUOTE, "for 7 straight sessions"),
        ("rec", QUOTE, "matching a record"),
    ]
    assert [e["verdict"] for e in entries] == ["confirmed", "confirmed"]  # 7 sessions; beats the earlier 5
    stored = results.read_records(results.results_path("split"))
    assert len(stored) == 2
    card = scorecard.build_scorecard(ctx.registry, stored, {"notebooks": [{"notebook": "01_streak", "status": "ok"}]})
    assert list(card["part"]) == ["for 7 straight sessions", "matching a record"]
    assert "<b>judged:</b> matching a record" in scorecard.scorecard_html(card)


PLANTED_RECORDS = [
    {"claim_id": "a", "verdict": "confirmed", "robustness": "robust"},
    {"claim_id": "b", "verdict": "confirmed", "robustness": 'depends on window ("this run")'},
    {"claim_id": "c", "verdict": "confirmed", "robustness": "not varied"},
    {"claim_id": "d", "verdict": "refuted", "robustness": 'depends on base ("three weeks"), pair ("index")'},
    {"claim_id": "e", "verdict": "refuted", "robustness": "robust"},
    {"claim_id": "f", "verdict": "partly true", "robustness": "robust (1 of 2 allowed readings could be judged)"},
]


def planted_card():
    records = [{"notebook": "01_streak", "quote": r["claim_id"], "unit": "", **r} for r in PLANTED_RECORDS]
    return scorecard.build_scorecard({"claims": {}}, records, None)


def test_the_scorecard_counts_plain_verdicts_apart_from_those_that_depend_on_a_reading(tmp_path):
    card = planted_card()
    assert list(card["depends on a reading"]) == [False, True, False, True, False, False]
    table = scorecard.verdict_count_table(card)
    assert table.loc["confirmed", ["claims", "plain", "depends on a reading"]].tolist() == [3, 2, 1]
    assert table.loc["refuted", ["claims", "plain", "depends on a reading"]].tolist() == [2, 1, 1]
    assert table.loc["partly true", ["claims", "plain", "depends on a reading"]].tolist() == [1, 1, 0]
    assert scorecard.count_text(card) == (
        "confirmed 3 (plain 2, depends on a reading 1); partly true 1; refuted 2 (plain 1, depends on a reading 1)"
    )
    path = scorecard.write_scorecard(card, tmp_path / "scorecard.csv")
    import pandas as pd

    back = pd.read_csv(path, keep_default_na=False)
    assert list(back["depends on a reading"]) == [False, True, False, True, False, False]


def test_the_chart_hatches_the_verdicts_that_depend_on_a_reading():
    import matplotlib.pyplot as plt

    card = planted_card()
    fig = scorecard.summary_figure(card)
    bars = fig.axes[1].patches
    hatched = sum(p.get_width() for p in bars if p.get_hatch())
    assert hatched == 2 and sum(p.get_width() for p in bars) == len(card)
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert "confirmed 3 (plain 2, depends on a reading 1)" in labels
    plt.close(fig)
