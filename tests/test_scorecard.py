"""The scorecard on a fake run folder: one notebook ok, one failed, one never run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, make_project
from rotation.claims import evaluate
from rotation.claims import registry as claims_file
from rotation.claims.measuring import Context
from rotation.core.verdicts import Verdict
from rotation.outputs import results, scorecard
from rotation.run import runner

FAKE_REGISTRY = {
    "article": {"title": "fake", "as_of": "2026-01-21"},
    "claims": {
        "a_len": {
            "notebook": "01_a",
            "quote": "13 sessions",
            "measure": "m",
            "claimed": 13,
            "unit": "sessions",
            "compare": "equal",
            "tolerance": 0,
        },
        "a_gain": {
            "notebook": "01_a",
            "quote": "gained 15%",
            "measure": "m",
            "claimed": 0.15,
            "unit": "fraction",
            "compare": "equal",
            "tolerance": 0.01,
        },
        "a_forgot": {
            "notebook": "01_a",
            "quote": "never recorded",
            "measure": "m",
            "claimed": 1,
            "unit": "x",
            "compare": "equal",
            "tolerance": 0,
        },
        "b_rare": {
            "notebook": "02_b",
            "quote": "rare",
            "measure": "m",
            "claimed": 0.05,
            "unit": "probability",
            "compare": "at_most",
            "tolerance": 0,
        },
        "c_hist": {
            "notebook": "03_c",
            "quote": "like 1988",
            "measure": "m",
            "claimed": True,
            "unit": "boolean",
            "compare": "boolean",
        },
        "d_tax": {
            "notebook": "01_a",
            "quote": "tax relief",
            "measure": "none",
            "compare": "untestable",
            "reason": "tax law",
        },
    },
}
STATUS = {
    "run": "fake",
    "ok": False,
    "parameters": {},
    "notebooks": [
        {"notebook": "01_a", "status": "ok", "cell": None, "error": None, "seconds": 1.0},
        {"notebook": "02_b", "status": "failed", "cell": 7, "error": "KeyError: 'spx'", "seconds": 0.5},
    ],
}


def fake_records() -> list[dict]:
    def rec(cid, measured, verdict, **extra):
        return {
            "claim_id": cid,
            "notebook": "01_a",
            "quote": FAKE_REGISTRY["claims"][cid]["quote"],
            "measured": measured,
            "claimed": FAKE_REGISTRY["claims"][cid].get("claimed"),
            "unit": FAKE_REGISTRY["claims"][cid].get("unit", ""),
            "definition": "d",
            "verdict": verdict,
            "tolerance": "rule",
            "detail": "det",
            "evidence": {"section": "01_a.ipynb#len", "figures": ["01_fig_one", "01_fig_two"]},
            "data_window": ["2025-12-31", "2026-01-21"],
            **extra,
        }

    return [
        rec("a_len", 13, "confirmed"),
        rec("a_gain", 0.0871, "refuted"),
        rec("d_tax", None, "not testable with price data"),
    ]


def test_every_claim_appears_with_its_verdict_or_reason():
    card = scorecard.build_scorecard(FAKE_REGISTRY, fake_records(), STATUS).set_index("claim")
    assert list(card.index) == list(FAKE_REGISTRY["claims"])  # registry order, nothing dropped
    assert card.loc["a_len", "verdict"] == "confirmed" and card.loc["a_len", "measured"] == "13 sessions"
    assert card.loc["a_gain", "measured"] == "+8.71%" and card.loc["a_gain", "claimed"] == "+15.00%"
    assert card.loc["b_rare", "verdict"] == scorecard.FAILED
    assert card.loc["b_rare", "note"] == "notebook failed at cell 7: KeyError: 'spx'"
    assert card.loc["b_rare", "section"] == "02_b.html"  # papermill keeps the partly executed notebook
    assert card.loc["c_hist", "verdict"] == scorecard.NOT_RUN and card.loc["c_hist", "section"] == ""
    assert card.loc["a_forgot", "verdict"] == scorecard.NOT_RECORDED
    assert card.loc["d_tax", "verdict"] == Verdict.NOT_TESTABLE.value
    assert card.loc["a_len", "section"] == "01_a.html#len"
    assert card.loc["a_len", "figures"] == ["figures/01_fig_one.png", "figures/01_fig_two.png"]
    assert card.loc["a_len", "window"] == "2025-12-31 to 2026-01-21"
    counts = scorecard.verdict_counts(card.reset_index())
    assert counts.sum() == len(FAKE_REGISTRY["claims"]) and counts[scorecard.NOT_RUN] == 1


def test_no_status_means_nothing_ran_and_strays_are_kept():
    stray = dict(fake_records()[0], claim_id="gone_from_registry")
    card = scorecard.build_scorecard(FAKE_REGISTRY, [stray], None).set_index("claim")
    assert (card.loc[list(FAKE_REGISTRY["claims"]), "verdict"] == scorecard.NOT_RUN).all()
    assert card.loc["gone_from_registry", "note"] == "recorded claim not in the registry"


def test_real_registry_is_fully_covered_by_an_empty_run():
    registry = claims_file.load_registry(REPO / "data" / "claims.yaml")
    card = scorecard.build_scorecard(registry, [], {"run": "x", "ok": True, "notebooks": []})
    assert set(card["claim"]) == set(registry["claims"]) and (card["verdict"] == scorecard.NOT_RUN).all()


def test_format_value_and_links():
    assert scorecard.format_value({"a": True, "b": False, "c": None}, "criteria") == "a: yes; b: no; c: n/a"
    assert scorecard.format_value(3.5, "percent") == "3.50%"
    assert scorecard.format_value(44.67, "bp per session") == "44.7 bp per session"
    assert scorecard.format_value(None) == "n/a"
    assert scorecard.section_link("05_context.ipynb#rates", "05_context") == "05_context.html#rates"
    assert scorecard.section_link(None, "05_context") == "05_context.html"


def test_csv_is_written_atomically_and_reads_back(tmp_path: Path):
    card = scorecard.build_scorecard(FAKE_REGISTRY, fake_records(), STATUS)
    path = scorecard.write_scorecard(card, tmp_path / "run" / "scorecard.csv")
    back = pd.read_csv(path, keep_default_na=False)
    assert list(back["claim"]) == list(card["claim"]) and list(back["verdict"]) == list(card["verdict"])
    assert back.loc[0, "figures"] == "figures/01_fig_one.png; figures/01_fig_two.png"
    assert json.loads(back.loc[0, "measured_value"]) == 13
    assert [p.name for p in path.parent.iterdir()] == ["scorecard.csv"]  # no temporary file left behind


def test_summary_figure_has_one_tile_per_claim():
    import matplotlib.colors
    import matplotlib.pyplot as plt

    card = scorecard.build_scorecard(FAKE_REGISTRY, fake_records(), STATUS)
    fig = scorecard.summary_figure(card)
    tiles = [p for p in fig.axes[0].patches]
    assert len(tiles) == len(card)
    confirmed = tuple(round(c, 3) for c in matplotlib.colors.to_rgb(scorecard.VERDICT_COLORS["confirmed"]))
    assert {tuple(round(c, 3) for c in t.get_facecolor()[:3]) for t in tiles} >= {confirmed}
    plt.close(fig)


@pytest.mark.notebooks
def test_scorecard_notebook_on_a_fake_run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The notebook itself, on a run whose 02 failed and whose 03/04 never ran: it lists them, writes the CSV."""
    import papermill

    root = make_project(tmp_path / "project", ["99_scorecard"])
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    registry = claims_file.load_registry(root / "data" / "claims.yaml")
    ok_nb = "05_context"
    recorded = {
        cid: c for cid, c in registry["claims"].items() if c["notebook"] == ok_nb and c["compare"] == "untestable"
    }
    ctx = Context(claims=str(root / "data" / "claims.yaml"))  # untestable claims need no data
    for cid in recorded:  # real records through the real writer
        results.record("fake", evaluate.evaluate(ctx, cid))
    failed = "02_spread"
    status = {
        "run": "fake",
        "ok": False,
        "parameters": {},
        "notebooks": [
            {"notebook": ok_nb, "status": "ok", "cell": None, "error": None, "seconds": 1},
            {"notebook": failed, "status": "failed", "cell": 3, "error": "DataError: no IWM.csv", "seconds": 1},
        ],
    }
    (root / "runs" / "fake" / "status.json").write_text(json.dumps(status))
    runner.ensure_kernel()
    papermill.execute_notebook(
        str(root / "notebooks" / "99_scorecard.ipynb"),
        str(root / "runs" / "fake" / "99_scorecard.ipynb"),
        parameters={"run_name": "fake"},
        kernel_name=runner.KERNEL_NAME,
        cwd=str(root),
        progress_bar=False,
    )
    card = pd.read_csv(root / "runs" / "fake" / "scorecard.csv", keep_default_na=False).set_index("claim")
    assert set(card.index) == set(registry["claims"])
    for cid, claim in registry["claims"].items():
        expected = (
            "not testable with price data"
            if cid in recorded
            else scorecard.FAILED
            if claim["notebook"] == failed
            else scorecard.NOT_RECORDED
            if claim["notebook"] == ok_nb
            else scorecard.NOT_RUN
        )
        assert card.loc[cid, "verdict"] == expected, cid
    assert (
        card.loc[card["verdict"] == scorecard.FAILED, "note"] == "notebook failed at cell 3: DataError: no IWM.csv"
    ).all()
    assert (root / "figures" / "fake" / "99_verdicts.png").is_file()


def test_run_status_is_the_staged_status_of_the_run_being_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """While `rotation run` executes a run, the scorecard reads that run's staged status, not the published one;
    for a partial run the published entries of the notebooks not re-run are kept."""
    from rotation.core.paths import STAGING_DIR_ENV, STAGING_RUN_ENV
    from rotation.run import staging

    root = make_project(tmp_path / "project", [])
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    published = root / "runs" / "fake"
    published.mkdir(parents=True)
    entry = {"cell": None, "error": None}
    (published / "status.json").write_text(
        json.dumps(
            {
                "run": "fake",
                "ok": True,
                "partial": False,
                "notebooks": [
                    {"notebook": "01_a", "status": "ok", **entry},
                    {"notebook": "02_b", "status": "ok", **entry},
                ],
            }
        )
    )
    assert [n["status"] for n in scorecard.run_status("fake")["notebooks"]] == [
        "ok",
        "ok",
    ]  # outside a run: the published one

    stage = root / "runs" / ".staging" / "fake.1"
    (stage / "run").mkdir(parents=True)
    monkeypatch.setenv(STAGING_RUN_ENV, "fake")
    monkeypatch.setenv(STAGING_DIR_ENV, str(stage))
    assert scorecard.run_status("fake") is None  # a first notebook still running: no status yet, not the old one
    failed = {"notebook": "01_a", "status": "failed", "cell": 3, "error": "ValueError: x"}
    staging.write_status(stage, {"run": "fake", "ok": False, "partial": False, "notebooks": [failed]})
    status = scorecard.run_status("fake")
    assert [(n["notebook"], n["status"]) for n in status["notebooks"]] == [("01_a", "failed")]
    card = scorecard.build_scorecard(FAKE_REGISTRY, [], status)
    assert set(card.loc[card["notebook"] == "01_a", "verdict"]) == {scorecard.FAILED}

    staging.write_status(stage, {"run": "fake", "ok": False, "partial": ["01_a", "99_x"], "notebooks": [failed]})
    merged = scorecard.run_status("fake")
    assert [(n["notebook"], n["status"]) for n in merged["notebooks"]] == [("01_a", "failed"), ("02_b", "ok")]
    monkeypatch.setenv(STAGING_RUN_ENV, "other")  # the staging variables name another run: the published status
    assert [n["status"] for n in scorecard.run_status("fake")["notebooks"]] == ["ok", "ok"]
