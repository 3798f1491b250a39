"""The run's results file: one record per claim, from a claims.evaluate judgement only."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rotation.claims import evaluate, judge
from rotation.claims.measures.base import Measurement
from rotation.core.verdicts import Verdict
from rotation.outputs import results

CLAIM = {
    "id": "streak_length",
    "notebook": "01_streak",
    "kind": "streak_length",
    "quote": "q",
    "claimed": 13,
    "unit": "sessions",
    "compare": "equal",
    "tolerance": 0,
    "partly_tolerance": 1,
}


def judgement_of(value, status=None) -> evaluate.Judgement:
    m = Measurement(
        value=value,
        unit="sessions",
        window=(pd.Timestamp("1987-09-11"), pd.Timestamp("2026-01-21")),
        definition="d",
        detail="x",
        status=status,
        reason="series too short" if status else "",
    )
    return evaluate.Judgement(claim=CLAIM, measurement=m, verdict=judge.judge(m, CLAIM), robustness="not varied")


def test_record_stores_the_judgement_and_replaces_an_earlier_one(project):
    entry = results.record("r1", judgement_of(np.int64(12)), section="streak", figures=["01_x"])
    assert entry["verdict"] == "partly true" and entry["claimed"] == 13 and entry["measured"] == 12
    assert entry["data_window"] == ["1987-09-11", "2026-01-21"]
    assert entry["evidence"] == {"section": "01_streak.ipynb#streak", "figures": ["01_x"]}
    results.record("r1", judgement_of(13))
    lines = (project / "runs" / "r1" / "results.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["verdict"] == "confirmed"


def test_record_refuses_anything_but_a_judgement(project):
    with pytest.raises(TypeError):
        results.record("r1", "streak_length")  # a verdict can only come from claims.evaluate


def test_a_claim_that_cannot_be_judged_keeps_its_reason(project):
    entry = results.record("r1", judgement_of(None, status=Verdict.NOT_VERIFIABLE))
    assert entry["verdict"] == "not verifiable with the data at hand" and entry["measured"] is None
    assert entry["detail"].startswith("series too short")


def test_nan_is_stored_as_null(project):
    entry = results.record("r1", judgement_of(float("nan")))
    assert entry["measured"] is None and entry["verdict"] == "not verifiable with the data at hand"
    assert len(results.read_results("r1")) == 1


def test_file_lock_shared_exclusive_and_non_blocking(tmp_path):
    from rotation.core.files import file_lock

    path = tmp_path / "x.lock"
    with file_lock(path, exclusive=False), file_lock(path, exclusive=False, blocking=False):
        pass  # shared locks coexist
    with file_lock(path):
        with pytest.raises(BlockingIOError):
            with file_lock(path, exclusive=False, blocking=False):
                pass
    with (
        file_lock(path, blocking=False),
        file_lock(tmp_path, exclusive=False),
    ):  # released once its block ended; a folder too
        pass
