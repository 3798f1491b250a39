"""The committed article run must be what the code produces today."""

from __future__ import annotations

import json
import math

import pytest

from conftest import REPO
from rotation.outputs import results


def same(a, b) -> bool:
    """Equal values, floats to 1e-9 relative (different BLAS builds), recursively."""
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope="module")
def committed():
    path = REPO / "runs" / "article" / "results.jsonl"
    if not path.is_file():
        pytest.fail(
            "runs/article/results.jsonl is not committed: run `make run` and commit runs/article and figures/article"
        )
    return {r["claim_id"]: r for r in results.read_records(path)}


def test_fresh_article_run_matches_committed_results(article_run, committed):
    fresh = {r["claim_id"]: r for r in results.read_records(article_run / "runs" / "article" / "results.jsonl")}
    assert sorted(fresh) == sorted(committed), "claims recorded differ from the committed run"
    stale = [
        cid
        for cid in fresh
        if not (
            same(fresh[cid]["measured"], committed[cid]["measured"])
            and fresh[cid]["verdict"] == committed[cid]["verdict"]
        )
    ]
    assert not stale, f"committed results are stale for {stale}: re-run `make run` and commit"


def test_committed_run_is_complete(article_run):
    status = json.loads((REPO / "runs" / "article" / "status.json").read_text())
    assert status["ok"], [n for n in status["notebooks"] if n["status"] != "ok"]
    fresh = json.loads((article_run / "runs" / "article" / "status.json").read_text())
    assert fresh["ok"], [n for n in fresh["notebooks"] if n["status"] != "ok"]
    assert [n["notebook"] for n in status["notebooks"]] == [n["notebook"] for n in fresh["notebooks"]]
    for entry in status["notebooks"]:
        assert (REPO / "runs" / "article" / f"{entry['notebook']}.ipynb").is_file()
    committed_figures = sorted(p.name for p in (REPO / "figures" / "article").iterdir())
    fresh_figures = sorted(p.name for p in (article_run / "figures" / "article").iterdir())
    assert committed_figures == fresh_figures
