"""The January 2026 article in the claim language (docs/examples/article_2026-01-21_queries.yaml).

Each claim of that file is the registry's claim of the same id (data/claims.yaml) with its
measurement written as a query instead of a kind. Both are evaluated here on the real data, each
through its own code path (the kinds in ``rotation.claims.measures``, the queries in
``rotation.language``), and must agree:

- the verdict, always;
- the measured number, for a claim that is one number in both (the mean daily spread is a
  fraction per session in the query and bp per session in the registry: ``SCALE``);
- the criteria met and not met, for a claim judged on criteria in both;
- the robustness label, whenever the query file lists every allowed reading of the registry's
  entry (the file's header says which readings the language cannot say yet).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO

QUERIES = REPO / "docs" / "examples" / "article_2026-01-21_queries.yaml"
SCALE = {("fraction", "bp per session"): 1e4}  # (query unit, registry unit) -> factor
VALUE_TOL = 1e-9


def _claims(path: Path | None) -> dict:
    from rotation.claims.registry import load_registry

    return load_registry(path)["claims"]


QUERY_IDS = sorted(_claims(QUERIES))


@pytest.fixture(scope="module")
def both(shared_data: Path) -> tuple:
    from rotation.claims.measuring import Context

    shared: dict = {}
    return (
        Context(claims=str(QUERIES), data_dir=str(shared_data), _series=shared),
        Context(data_dir=str(shared_data), _series=shared),
    )


def test_the_file_re_expresses_registry_claims_with_their_words():
    registry = _claims(None)
    for cid, entry in _claims(QUERIES).items():
        assert cid in registry, f"{cid}: not a claim of data/claims.yaml"
        assert entry["quote"] == registry[cid]["quote"]
        assert entry["compare"] == registry[cid]["compare"] or {entry["compare"], registry[cid]["compare"]} == {
            "criteria",
            "at_least",
        }
        if entry["compare"] not in ("untestable", "no_data"):
            assert entry["kind"] == "query"


def test_most_judged_claims_of_the_article_are_queries():
    judged = [c for c, e in _claims(None).items() if e["compare"] not in ("untestable", "no_data")]
    expressed = [c for c in QUERY_IDS if _claims(QUERIES)[c]["compare"] not in ("untestable", "no_data")]
    assert len(expressed) >= 12 and set(expressed) <= set(judged)


@pytest.mark.parametrize("claim_id", QUERY_IDS)
def test_the_query_gives_the_registry_verdict(claim_id: str, both: tuple) -> None:
    from rotation.claims.evaluate import evaluate

    queries, registry = both
    q, k = evaluate(queries, claim_id), evaluate(registry, claim_id)
    assert q.verdict == k.verdict, f"{claim_id}: query {q.verdict.value}, kind {k.verdict.value}"
    qv, kv = q.measurement.value, k.measurement.value
    if isinstance(qv, dict) and isinstance(kv, dict):
        assert sorted(qv.values()) == sorted(kv.values()), (claim_id, qv, kv)
    elif qv is not None and not isinstance(qv, dict) and not isinstance(kv, dict):
        scale = SCALE.get((q.claim.get("unit"), k.claim.get("unit")), 1.0)
        assert abs(float(qv) * scale - float(kv)) <= VALUE_TOL * max(1.0, abs(float(kv))), (claim_id, qv, kv)
    allowed = {a["label"] for a in k.claim.get("alternatives", []) if a.get("reading") == "allowed"}
    listed = {a["label"] for a in q.claim.get("alternatives", [])}
    if allowed <= listed:
        assert q.robustness == k.robustness, claim_id
