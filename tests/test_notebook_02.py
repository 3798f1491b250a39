"""Notebook 02_spread on the real data: the article run, and one run at another as_of.

Expected numbers are recomputed here straight from the CSV files with plain pandas and loops
(not through rotation.analytics.spread / rotation.analytics.technicals), then compared with what the notebook recorded.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import REPO, execute_collection, make_project
from rotation.claims.judge import judge
from rotation.claims.registry import get_claim
from rotation.core.verdicts import Verdict
from test_technicals import rsi_loop

STEM = "02_spread"
CLAIMS = {"mean_spread_45bp", "gain_15pct_3weeks", "overbought", "iwm_record_2650"}
FIGURES = ["02_cumulative_returns", "02_spread_definitions", "02_window_means", "02_price_rsi"]


def read_close(data_dir: Path, file: str, column: str = "close") -> pd.Series:
    frame = pd.read_csv(data_dir / file, parse_dates=["date"]).set_index("date")
    return frame[column].astype(float)


def expected(data_dir: Path, as_of: str) -> dict:
    """Independent recomputation of the four measured values at ``as_of``."""
    rut, spx = read_close(data_dir, "RUT.csv"), read_close(data_dir, "GSPC.csv")
    both = pd.concat({"s": rut, "l": spx}, axis=1, join="inner")
    rets = both.pct_change().iloc[1:]
    session = rets.index[rets.index <= pd.Timestamp(as_of)][-1]
    diffs = list((rets["s"] - rets["l"]).loc[:session])
    k = 0
    while k < len(diffs) and diffs[-1 - k] > 0:
        k += 1
    window = diffs[-k:] if k else diffs[-13:]
    closes = list(rut.loc[:session])
    gains = [closes[-1] / closes[-1 - j] - 1 for j in range(1, 16)]
    start = rets.loc[:session].index[-len(window)]
    iwm = read_close(data_dir, "IWM.csv", "adj_close").loc[:session]
    before, inside = iwm[iwm.index < start], iwm[iwm.index >= start]
    running, record = (before.max() if len(before) else -math.inf), False
    for value in inside:
        if value > running:
            record, running = True, value
    return {
        "session": session,
        "mean_spread_bp": 1e4 * sum(window) / len(window),
        "gain": max(gains),
        "rsi": rsi_loop(closes, 14)[-1],
        "iwm_record": record,
        "iwm_above": bool(inside.max() > 2650) if len(inside) else None,
    }


def records_of(project: Path, run: str) -> dict[str, dict]:
    lines = (project / "runs" / run / "results.jsonl").read_text(encoding="utf-8").splitlines()
    found = [json.loads(line) for line in lines if line.strip()]
    return {r["claim_id"]: r for r in found if r["notebook"] == STEM}


def check_run(project: Path, run: str, data_dir: Path, as_of: str) -> dict[str, dict]:
    status = json.loads((project / "runs" / run / "status.json").read_text(encoding="utf-8"))
    entry = next(n for n in status["notebooks"] if n["notebook"] == STEM)
    assert entry["status"] == "ok", entry["error"]
    recs = records_of(project, run)
    assert set(recs) == CLAIMS
    exp = expected(data_dir, as_of)
    for claim_id, r in recs.items():
        assert r["verdict"] in {v.value for v in Verdict}
        assert r["definition"] and r["quote"] == get_claim(claim_id)["quote"]
        if r["verdict"] not in (Verdict.NOT_VERIFIABLE.value, Verdict.NOT_TESTABLE.value, Verdict.NOT_APPLICABLE.value):
            # the recorded verdict is the registry rule applied to the recorded measurement
            assert r["verdict"] == judge(r["measured"], get_claim(claim_id), claimed=r["claimed"]).value
    assert recs["mean_spread_45bp"]["data_window"][1] == str(exp["session"].date())
    assert recs["mean_spread_45bp"]["measured"] == pytest.approx(exp["mean_spread_bp"], rel=1e-9)
    assert recs["gain_15pct_3weeks"]["measured"] == pytest.approx(exp["gain"], rel=1e-9)
    assert recs["overbought"]["measured"] == pytest.approx(exp["rsi"], rel=1e-9)
    measured = recs["iwm_record_2650"]["measured"]
    flags = {("record" if "high" in key else "above"): value for key, value in measured.items()}
    assert flags == {"record": exp["iwm_record"], "above": exp["iwm_above"]}
    figures = project / "figures" / run
    for name in FIGURES:
        assert (figures / f"{name}.png").is_file(), name
    return recs


def test_template_has_no_outputs_and_one_parameters_cell():
    nb = nbformat.read(REPO / "notebooks" / f"{STEM}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None
    for line in tagged[0].source.splitlines():
        if line.strip():
            assert "  # " in line, f"parameter without help comment: {line}"


@pytest.mark.notebooks
def test_article_run(article_run, shared_data):
    recs = check_run(article_run, "article", shared_data, "2026-01-21")
    detail = recs["iwm_record_2650"]["detail"]
    assert "auto-adjusted" in recs["iwm_record_2650"]["definition"]
    assert "fits" in detail


@pytest.mark.notebooks
def test_other_as_of_recomputes(tmp_path, shared_data):
    project = make_project(tmp_path / "project", [STEM])
    status = execute_collection(project, shared_data, "alt", {"as_of": "2008-06-06"}, [STEM])
    assert status["ok"], status
    check_run(project, "alt", shared_data, "2008-06-06")
