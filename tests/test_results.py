"""The run's results file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rotation import results
from rotation.claims import Verdict


def test_record_judges_and_replaces(project):
    entry = results.record("r1", "01_streak", "streak_length", np.int64(12), definition="d",
                           data_window=(pd.Timestamp("1987-09-11"), pd.Timestamp("2026-01-21")))
    assert entry["verdict"] == "partly true" and entry["claimed"] == 13
    assert entry["data_window"] == ["1987-09-11", "2026-01-21"]
    results.record("r1", "01_streak", "streak_length", 13, definition="d", data_window=None)
    lines = (project / "runs" / "r1" / "results.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["verdict"] == "confirmed"


def test_record_refuses_hand_written_verdicts(project):
    with pytest.raises(ValueError):
        results.record("r1", "01_streak", "streak_length", 13, definition="d", data_window=None, verdict=Verdict.CONFIRMED)
    entry = results.record("r1", "01_streak", "streak_length", None, definition="d", data_window=None,
                           verdict=Verdict.NOT_VERIFIABLE, detail="series too short")
    assert entry["verdict"] == "not verifiable with the data at hand"


def test_nan_is_stored_as_null(project):
    entry = results.record("r1", "02_spread", "mean_spread_45bp", float("nan"), definition="d", data_window=None)
    assert entry["measured"] is None and entry["verdict"] == "not verifiable with the data at hand"
    assert len(results.read_results("r1")) == 1
