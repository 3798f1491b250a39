"""The strict claims-file schema (rotation.language.schema): each refusal is one line naming file, claim and field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from rotation.claims.measures.base import KINDS
from rotation.claims.measures.params import kind_params
from rotation.claims.registry import load_registry
from rotation.core.errors import ParameterError
from rotation.language import schema
from rotation.language.schema import MAX_CLAIMS, SchemaError


def check_document(path: str, doc: object) -> None:
    """The schema check a claims file gets on loading: with every registered kind and its parameters."""
    schema.check_document(path, doc, kind_params(), KINDS)


REPO = Path(__file__).resolve().parents[1]

ARTICLE = {
    "title": "t",
    "published": "2026-01-21",
    "as_of": "2026-01-21",
    "small": "rut",
    "large": "spx",
    "streak_premise": 5,
}
BASE = {
    "notebook": "02_spread",
    "kind": "max_gain",
    "quote": "up 15%",
    "params": {"base": "max_window", "max_sessions": 15},
    "claimed": 0.15,
    "unit": "fraction",
    "compare": "at_least",
    "tolerance": 0.0,
    "partly_tolerance": 0.01,
}
QUERY = {
    "notebook": "01_streak",
    "kind": "query",
    "quote": "13 straight",
    "about": {"at": "2026-01-16"},
    "query": {"pair": ["rut", "spx"], "measure": "streak", "condition": "beats"},
    "claimed": 13,
    "unit": "sessions",
    "compare": "equal",
    "tolerance": 0,
}


def refuse(claim: dict | None = None, *, doc: dict | None = None, cid: str = "c1") -> str:
    doc = doc or {"article": dict(ARTICLE), "claims": {cid: claim}}
    with pytest.raises(SchemaError) as err:
        check_document("claims.yaml", doc)
    text = str(err.value)
    assert "\n" not in text and text.startswith("claims.yaml: ")
    if claim is not None:
        assert f"claim {cid!r}" in text
    return text


def with_(base: dict, **changes) -> dict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def test_the_project_claims_files_validate():
    for path in (REPO / "data" / "claims.yaml", REPO / "docs" / "example_claims.yaml"):
        doc = load_registry(path)
        assert doc["claims"]


def test_good_claims_pass():
    check_document("claims.yaml", {"article": ARTICLE, "claims": {"a": BASE, "b": QUERY}})


def test_unknown_field_did_you_mean():
    bad = with_(BASE, tolerence=0.01)
    text = refuse(bad)
    assert "field 'tolerence'" in text and "did you mean 'tolerance'" in text


def test_unknown_parameter_did_you_mean():
    text = refuse(with_(BASE, params={"bse": "year_end"}))
    assert "field 'params.bse'" in text and "did you mean 'base'" in text
    rec = {
        "notebook": "01_streak",
        "kind": "streak_record",
        "quote": "q",
        "claimed": "x",
        "unit": "criteria",
        "compare": "criteria",
        "params": {"last_seen": {"year": 2008, "month": [6, 8]}},
    }
    text = refuse(rec)
    assert "params.last_seen.month" in text and "did you mean 'months'" in text


def test_unknown_article_field_and_top_level_key():
    text = refuse(doc={"article": {**ARTICLE, "tittle": "x"}, "claims": {"c1": BASE}})
    assert "article.tittle" in text and "did you mean 'title'" in text
    assert "did you mean 'claims'" in refuse(doc={"article": ARTICLE, "claims": {"c1": BASE}, "claim": {}})


@pytest.mark.parametrize(
    "field,value",
    [
        ("claimed", float("inf")),
        ("claimed", float("nan")),
        ("tolerance", float("nan")),
        ("partly_tolerance", float("inf")),
    ],
)
def test_non_finite_numbers_refused(field, value):
    text = refuse(with_(BASE, **{field: value}))
    assert f"field '{field}'" in text and "finite" in text


def test_negative_tolerance_refused():
    text = refuse(with_(BASE, tolerance=-5))
    assert "field 'tolerance'" in text and "at least 0" in text


def test_partly_tolerance_below_tolerance_refused():
    assert "field 'partly_tolerance'" in refuse(with_(BASE, tolerance=0.02, partly_tolerance=0.01))


def test_boolean_is_not_a_number():
    assert "field 'claimed'" in refuse(with_(BASE, claimed=True))


@pytest.mark.parametrize(
    "period",
    [
        "2025 to 2026",
        "NaT to NaT",
        "now to today",
        "2025-13-01 to 2025-12-31",
        "2025-02-30 to 2025-03-01",
        "2025-06-01 to 2025-01-01",
        "2025-01-01 - 2025-02-01",
        "2025-1-1 to 2025-2-1",
    ],
)
def test_malformed_periods_refused(period):
    entry = with_(BASE, about={"period": period, "looks": "back"})
    text = refuse(entry)
    assert "field 'about.period'" in text


@pytest.mark.parametrize("n_sims", ["1e12", 10**12, 0, 2.5])
def test_simulation_budget_capped(n_sims):
    entry = {
        "notebook": "04_mean_reversion",
        "kind": "streak_rarity",
        "quote": "q",
        "params": {"length": 13, "n_sims": n_sims},
        "claimed": 0.05,
        "unit": "probability",
        "compare": "at_most",
    }
    assert "field 'params.n_sims'" in refuse(entry)


def test_claim_count_capped():
    doc = {"article": ARTICLE, "claims": {f"c{i}": BASE for i in range(MAX_CLAIMS + 1)}}
    text = refuse(doc=doc)
    assert "field 'claims'" in text and str(MAX_CLAIMS) in text


def test_unknown_kind_and_compare_did_you_mean():
    assert "did you mean 'max_gain'" in refuse(with_(BASE, kind="max_gian"))
    assert "did you mean 'at_least'" in refuse(with_(BASE, compare="at_leest"))


def test_alternative_params_checked_and_merged():
    alt = {
        "choice": "base",
        "label": "year end",
        "reading": "allowed",
        "rests_on": "up",
        "params": {"base": "year_ends"},
    }
    text = refuse(with_(BASE, alternatives=[alt]))
    assert "field 'alternatives[0].params.base'" in text and "did you mean 'year_end'" in text
    assert "alternatives[0].tolerance" in refuse(
        with_(BASE, alternatives=[{"choice": "c", "label": "l", "reading": "sensitivity", "tolerance": -1}])
    )


def test_own_date_only_for_query_claims():
    assert "field 'about.at'" in refuse(with_(BASE, about={"at": "2026-01-22"}))
    assert "field 'about.at'" in refuse(with_(QUERY, about={"at": "yesterday"}))


@pytest.mark.parametrize(
    "query,field",
    [
        ({"pair": ["rut", "spx"], "measure": "streak", "condition": "beats", "windw": {"sessions": 5}}, "query.windw"),
        ({"series": "rut", "measure": "return"}, "query.window"),
        ({"series": "rut", "pair": ["rut", "spx"], "measure": "level"}, "query.series"),
        ({"series": "rutt", "measure": "level"}, "query.series"),
        ({"series": "rut", "measure": "return", "window": {"sessions": 0}}, "query.window.sessions"),
        ({"series": "rut", "measure": "return", "window": {"sessions": 5, "period": "month"}}, "query.window"),
        (
            {"series": "rut", "measure": "return", "window": {"from": "2025-12-31", "to": "2025-12-01"}},
            "query.window.to",
        ),
        ({"series": "rut", "measure": "return", "window": {"period": "week"}}, "query.window.period"),
        ({"series": "rut", "measure": "streak", "condition": "beats"}, "query.condition"),
        ({"series": "rut", "measure": "streak", "condition": {"rises_by": float("inf")}}, "query.condition"),
        ({"pair": ["rut", "spx"], "measure": "level"}, "query.pair_as"),
        ({"pair": ["rut", "spx"], "measure": "count", "condition": "beats"}, "query.min_length"),
        ({"series": "rut", "measure": "level", "history": {"stat": "since"}}, "query.history.in"),
        ({"series": "rut", "measure": "level", "history": {"stat": "since", "in": "2024 to 2025"}}, "query.history.in"),
        ({"series": "rut", "measure": "level", "history": {"stat": "best"}}, "query.history.stat"),
        (
            {"pair": ["rut", "spx"], "measure": "forward", "event": {"min_length": 10}, "horizon": "5y", "stat": "n"},
            "query.horizon",
        ),
        ({"pair": ["rut", "spx"], "measure": "forward", "event": {"min_length": 10}, "stat": "n"}, "query.horizon"),
        ({"series": "rut", "measure": "level", "horizon": 5}, "query.horizon"),
    ],
)
def test_query_refusals_name_the_field(query, field):
    text = refuse(with_(QUERY, query=query))
    assert f"field '{field}" in text


FORWARD_SHARE = {"pair": ["rut", "spx"], "measure": "forward", "event": {"min_length": 10}, "horizon": "1m"}


@pytest.mark.parametrize(
    "query, claimed, why",
    [
        ({"series": "rut", "measure": "level", "history": {"stat": "share", "above": 2000}}, 40, "write 40% as 0.4"),
        ({"series": "rut", "measure": "rsi", "lookback": 14}, 500, "0 to 100 points"),
        ({"series": "rut", "measure": "level", "history": {"stat": "percentile"}}, 150, "from 0 to 100"),
        ({"series": "rut", "measure": "level", "history": {"stat": "rank"}}, 0, "1 (the most extreme) or more"),
        ({"series": "rut", "measure": "drawdown"}, -30, "write -20% as -0.2"),
        ({**FORWARD_SHARE, "stat": "share_beating"}, 74, "fraction from 0 to 1"),
        ({**FORWARD_SHARE, "stat": "n"}, -1, "a count"),
        ({"pair": ["rut", "spx"], "measure": "streak", "condition": "beats"}, -13, "0 sessions or more"),
    ],
)
def test_a_claimed_value_the_query_cannot_give_is_refused(query, claimed, why):
    """A share of 40 or an RSI of 500 could only be refuted, "at least" a value below the range never could."""
    for compare in ("equal", "at_least", "at_most"):
        text = refuse(with_(QUERY, query=query, claimed=claimed, compare=compare))
        assert "field 'claimed'" in text and why in text and "outside what the query gives" in text


def test_strict_compares_need_claimed_and_take_no_tolerance():
    level = {"series": "dgs2", "measure": "change_bp", "window": {"sessions": 5}}  # "the 2-year yield rose"
    strict = with_(QUERY, tolerance=...)
    for compare in ("above", "below"):
        check_document(
            "claims.yaml",
            {"article": ARTICLE, "claims": {"c1": with_(strict, query=level, claimed=0, compare=compare)}},
        )
        assert "field 'claimed': missing field" in refuse(with_(strict, query=level, claimed=..., compare=compare))
        for key in ("tolerance", "partly_tolerance"):
            text = refuse(with_(strict, query=level, claimed=0, compare=compare, **{key: 1}))
            assert f"field '{key}': not with compare {compare}" in text
    alt = {"choice": "wider", "label": "wider", "reading": "sensitivity", "tolerance": 5}
    text = refuse(with_(strict, query=level, claimed=0, compare="above", alternatives=[alt]))
    assert "field 'alternatives[0]'" in text and "tolerance does not apply" in text


def test_claimed_values_out_of_range_refused_in_criteria_and_alternatives():
    share = {"series": "rut", "measure": "level", "history": {"stat": "share", "above": 2000}}
    criteria = {"often": {"query": share, "compare": "at_least", "claimed": 60}}
    claim = with_(QUERY, query=..., criteria=criteria, compare="criteria", claimed=...)
    assert "field 'criteria.often.claimed'" in refuse(claim)
    alt = {"choice": "percent", "label": "as percent", "reading": "sensitivity", "claimed": 60}
    text = refuse(with_(QUERY, query=share, claimed=0.6, compare="at_least", alternatives=[alt]))
    assert "field 'alternatives[0].claimed'" in text
    rsi = {
        "choice": "rsi",
        "label": "RSI",
        "reading": "allowed",
        "rests_on": "13",
        "query": {"measure": "rsi", "lookback": 14},
    }
    text = refuse(with_(QUERY, query={"series": "rut", "measure": "level"}, claimed=2600, alternatives=[rsi]))
    assert "field 'alternatives[0].claimed'" in text and "RSI" in text  # the alternative's query, the claim's number
    check_document(
        "claims.yaml",
        {"article": ARTICLE, "claims": {"c1": with_(QUERY, query=share, claimed=0.6, compare="at_least")}},
    )


def test_query_alternative_is_checked_merged():
    alt = {
        "choice": "pair",
        "label": "ETFs",
        "reading": "allowed",
        "rests_on": "13",
        "query": {"pair": ["iwm", "spy"], "condition": "rises"},
    }
    assert "alternatives[0].query.condition" in refuse(with_(QUERY, alternatives=[alt]))
    ok = with_(
        QUERY,
        alternatives=[
            {
                "choice": "pair",
                "label": "ETFs",
                "reading": "context",
                "contradicts": "13",
                "query": {"pair": ["iwm", "spy"]},
            }
        ],
    )
    check_document("claims.yaml", {"article": ARTICLE, "claims": {"c1": ok}})
    assert "alternatives[0].params" in refuse(
        with_(
            QUERY,
            alternatives=[{"choice": "c", "label": "l", "reading": "allowed", "rests_on": "13", "params": {"x": 1}}],
        )
    )


def test_loader_refuses_in_one_line_before_anything_runs(tmp_path):
    """The claims loader (which the runner calls while checking parameters, before kernels) applies the schema."""
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"article": ARTICLE, "claims": {"c1": with_(BASE, tolerance=-1)}}), encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        load_registry(path)
    assert str(err.value).count("\n") == 0 and "bad.yaml: claim 'c1': field 'tolerance'" in str(err.value)


def test_runner_parameter_check_refuses_a_bad_claims_file(tmp_path):
    from rotation.run import runner

    path = tmp_path / "bad.yaml"
    path.write_text(
        yaml.safe_dump({"article": ARTICLE, "claims": {"c1": with_(BASE, tolerence=0.1)}}), encoding="utf-8"
    )
    with pytest.raises(ParameterError, match="field 'tolerence'"):
        runner.validate_parameters({"claims": str(path)}, {"claims": {"type": "str", "default": ""}})


def guide_queries() -> list[str]:
    """Every ``query: {...}`` example of the guide (continuation lines joined, comments dropped)."""
    lines = (REPO / "docs" / "check_another_article.md").read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith("query: {"):
            text = lines[i].split("#")[0]
            while text.count("{") > text.count("}"):
                i += 1
                text += " " + lines[i].split("#")[0].strip()
            out.append(text)
        i += 1
    return out


def test_every_worked_example_of_the_guide_validates():
    from rotation.language.schema import boolean_query, value_range

    examples = guide_queries()
    assert len(examples) >= 18
    for text in examples:
        query = yaml.safe_load(text)["query"]
        compare = "boolean" if boolean_query(query) else "equal"
        low, high, _ = value_range(query) or (1, 1, "")
        claimed = min(max(1, low), high)  # 1, or the nearest value the query can give
        entry = with_(QUERY, query=query, compare=compare, claimed=... if compare == "boolean" else claimed)
        check_document("claims.yaml", {"article": ARTICLE, "claims": {"c1": entry}})


def test_the_guide_example_of_several_criteria_validates():
    text = (REPO / "docs" / "check_another_article.md").read_text(encoding="utf-8")
    block = text.split("### Several criteria")[1].split("```yaml")[1].split("```")[0]
    claims = yaml.safe_load(block)
    assert next(iter(claims.values()))["compare"] == "criteria"
    check_document("claims.yaml", {"article": ARTICLE, "claims": claims})


def test_the_guide_lists_every_catalogue_series():
    from rotation.data.catalogue import CATALOGUE

    text = (REPO / "docs" / "check_another_article.md").read_text(encoding="utf-8")
    missing = [sid for sid in CATALOGUE if f"| `{sid}` |" not in text]
    assert not missing, f"add to the guide's series table: {missing}"


def test_the_guide_example_of_an_untestable_claim_validates():
    text = (REPO / "docs" / "check_another_article.md").read_text(encoding="utf-8")
    block = text.split("## Claims the data cannot settle")[1].split("```yaml")[1].split("```")[0]
    check_document("claims.yaml", {"article": ARTICLE, "claims": yaml.safe_load(block)})


def test_the_articles_pair_must_be_two_price_series():
    """The notebooks build streaks and spreads on daily returns: a rate or a macro level as a leg is refused at load."""
    for leg, sid in (("small", "dgs2"), ("large", "unrate")):
        text = refuse(doc={"article": {**ARTICLE, leg: sid}, "claims": {"c1": dict(QUERY)}})
        assert f"field 'article.{leg}'" in text and "a pair compares the daily returns of two price series" in text
    check_document(
        "claims.yaml", {"article": {**ARTICLE, "small": "ijr", "large": "QQQ"}, "claims": {"c1": dict(QUERY)}}
    )
