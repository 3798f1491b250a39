"""Notebook 01 on the real data: the article run, and a second run at another date."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import execute_collection, make_project
from rotation.outputs import results


def streak_by_loop(small: pd.Series, large: pd.Series, as_of: str) -> int:
    """An independent, deliberately naive count of the streak in force at ``as_of``."""
    frame = pd.concat([small, large], axis=1, join="inner").loc[:as_of]
    values = frame.to_numpy()
    count = 0
    for i in range(len(values) - 1, 0, -1):
        r_small = values[i, 0] / values[i - 1, 0] - 1
        r_large = values[i, 1] / values[i - 1, 1] - 1
        if r_small > r_large:
            count += 1
        else:
            break
    return count


def streak_lengths_by_loop(small: pd.Series, large: pd.Series, as_of: str) -> list[int]:
    """Every streak length up to ``as_of``, counted naively day by day (the last one may be in force)."""
    frame = pd.concat([small, large], axis=1, join="inner").loc[:as_of].to_numpy()
    lengths, run = [], 0
    for i in range(1, len(frame)):
        if frame[i, 0] / frame[i - 1, 0] > frame[i, 1] / frame[i - 1, 1]:
            run += 1
        elif run:
            lengths.append(run)
            run = 0
    return lengths + [run]


def read_csv(folder, name):
    return pd.read_csv(folder / name, index_col="date", parse_dates=True)["close"]


def test_article_run_records_the_streak_claims(article_run, shared_data):
    run = article_run / "runs" / "article"
    status = json.loads((run / "status.json").read_text())
    assert {n["notebook"]: n["status"] for n in status["notebooks"]}["01_streak"] == "ok"
    records = {r["claim_id"]: r for r in results.read_records(run / "results.jsonl")}
    assert {"streak_length", "streak_start", "record_2008"} <= set(records)
    expected = streak_by_loop(read_csv(shared_data, "RUT.csv"), read_csv(shared_data, "GSPC.csv"), "2026-01-21")
    assert records["streak_length"]["measured"] == expected
    assert records["streak_length"]["verdict"] == (
        "confirmed" if expected == 13 else "partly true" if abs(expected - 13) == 1 else "refuted"
    )
    lengths = streak_lengths_by_loop(read_csv(shared_data, "RUT.csv"), read_csv(shared_data, "GSPC.csv"), "2026-01-21")
    record_before = max(lengths[:-1])
    criteria = records["record_2008"]["measured"]
    assert criteria["matches or beats the record"] == (expected >= record_before)
    assert f"record before it {record_before} sessions" in records["record_2008"]["detail"]
    pairs = [alt for alt in records["record_2008"]["sensitivity"] if alt["choice"] == "index pair"]
    assert pairs and "IWM" in pairs[0]["alternative"]  # the same check on the ETF pair, as an alternative
    assert records["record_2008"]["robustness"] in ("robust", "not varied") or records["record_2008"][
        "robustness"
    ].startswith("depends on")
    for name in ("01_relative_strength", "01_daily_spread", "01_streak_lengths"):
        for ext in ("png", "svg", "pdf"):
            assert (article_run / "figures" / "article" / f"{name}.{ext}").is_file()


@pytest.mark.notebooks
def test_another_as_of_renders_its_own_run(tmp_path, shared_data):
    root = make_project(tmp_path / "p", ["01_streak"])
    status = execute_collection(root, shared_data, "as_of-2008-06-07", {"as_of": "2008-06-07"}, ["01_streak"])
    assert status["ok"], status
    rendered = (root / "runs" / "as_of-2008-06-07" / "01_streak.ipynb").read_text()
    assert "not a trading session; using the previous session, 2008-06-06" in rendered  # a Saturday
    record = results.read_records(root / "runs" / "as_of-2008-06-07" / "results.jsonl")[0]
    assert record["measured"] == streak_by_loop(
        read_csv(shared_data, "RUT.csv"), read_csv(shared_data, "GSPC.csv"), "2008-06-06"
    )
    assert record["data_window"][1] == "2008-06-06"
