"""The verdict rule and the registry."""

from __future__ import annotations

import math

import pytest

from rotation.claims import registry as claims
from rotation.claims.judge import judge
from rotation.core.verdicts import Verdict

EQUAL = {"compare": "equal", "claimed": 45, "tolerance": 5, "partly_tolerance": 10}


@pytest.mark.parametrize(
    "measured, verdict",
    [
        (45, Verdict.CONFIRMED),
        (50, Verdict.CONFIRMED),
        (39.99, Verdict.PARTLY_TRUE),
        (55.0, Verdict.PARTLY_TRUE),
        (55.01, Verdict.REFUTED),
        (61, Verdict.REFUTED),
        (None, Verdict.NOT_VERIFIABLE),
        (math.nan, Verdict.NOT_VERIFIABLE),
    ],
)
def test_equal_with_partly_band(measured, verdict):
    assert judge(measured, EQUAL) is verdict


def test_at_least_and_at_most():
    at_least = {"compare": "at_least", "claimed": 0.10, "tolerance": 0}
    assert judge(0.10, at_least) is Verdict.CONFIRMED
    assert judge(0.0999, at_least) is Verdict.REFUTED
    at_most = {"compare": "at_most", "claimed": 0.05, "tolerance": 0}
    assert judge(0.01, at_most) is Verdict.CONFIRMED
    assert judge(0.2, at_most) is Verdict.REFUTED


def test_above_and_below_are_strict_without_a_tolerance():
    """ "The yield rose": a change above 0 bp, so one unchanged to the basis point did not rise."""
    rose = {"compare": "above", "claimed": 0.0}
    assert judge(0.5, rose) is Verdict.CONFIRMED
    assert judge(0.0, rose) is Verdict.REFUTED and judge(-3, rose) is Verdict.REFUTED
    fell = {"compare": "below", "claimed": 0.0, "tolerance": 5, "partly_tolerance": 10}  # tolerances never widen it
    assert judge(-0.5, fell) is Verdict.CONFIRMED
    assert judge(0.0, fell) is Verdict.REFUTED and judge(2, fell) is Verdict.REFUTED
    assert judge(None, rose) is Verdict.NOT_VERIFIABLE
    from rotation.claims.judge import tolerance_text

    text = tolerance_text({**rose, "unit": "bp"})
    assert text.startswith("confirmed if the measured value is strictly above 0") and text.endswith(
        "; refuted otherwise"
    )


def test_overrides_take_precedence():
    assert judge(13, {"compare": "equal", "claimed": 13, "tolerance": 0}, claimed=14) is Verdict.REFUTED


def test_criteria_and_boolean():
    rule = {"compare": "criteria"}
    assert judge({"a": True, "b": True}, rule) is Verdict.CONFIRMED
    assert judge({"a": True, "b": False}, rule) is Verdict.PARTLY_TRUE
    assert judge({"a": False, "b": False}, rule) is Verdict.REFUTED
    assert judge({"a": None, "b": True}, rule) is Verdict.NOT_VERIFIABLE
    assert judge(True, {"compare": "boolean"}) is Verdict.CONFIRMED
    assert judge(False, {"compare": "boolean"}) is Verdict.REFUTED


def test_untestable_and_missing_data_are_never_judged():
    assert judge(123, {"compare": "untestable", "reason": "x"}) is Verdict.NOT_TESTABLE
    assert judge(123, {"compare": "no_data", "reason": "x"}) is Verdict.NOT_VERIFIABLE


def test_registry_is_complete_and_consistent():
    registry = claims.load_registry()
    article = registry["article"]
    assert {"as_of", "small", "large"} <= set(article)
    notebooks = {c["notebook"] for c in registry["claims"].values()}
    assert {"01_streak", "02_spread", "03_history", "04_mean_reversion", "05_context"} <= notebooks
    for claim_id, claim in registry["claims"].items():
        assert claim["quote"].strip(), claim_id
        if claim["compare"] in {"equal", "at_least", "at_most"}:
            assert isinstance(claim["claimed"], (int, float)) and "tolerance" in claim, claim_id
        if claim["compare"] in claims.UNJUDGED:
            assert claim["reason"], claim_id
    assert any(c["compare"] == "untestable" for c in registry["claims"].values())


def test_every_quote_is_in_the_article():
    """Quotes are the article's exact words (an ellipsis marks an omission)."""
    from conftest import REPO

    article = REPO.parent / "shared" / "article.md"
    if not article.is_file():
        pytest.fail(f"{article} not found (../shared must sit beside the repo)")
    text = " ".join(article.read_text(encoding="utf-8").replace("\u2019", "'").replace("\u2013", "-").split())
    for claim_id, claim in claims.load_registry()["claims"].items():
        for part in claim["quote"].replace("\u2019", "'").replace("\u2013", "-").split(" ... "):
            assert " ".join(part.split()) in text, f"{claim_id}: {part!r} not in the article"
