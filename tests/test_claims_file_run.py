"""Another article checked from a claims file alone: `rotation run --claims` end to end on the real data."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import REPO, make_project

pytestmark = pytest.mark.notebooks


def test_example_claims_file_runs_into_its_own_run_folder_and_scorecard(tmp_path, shared_data):
    root = make_project(tmp_path / "p")
    shutil.copy(REPO / "docs" / "example_claims.yaml", root / "example_claims.yaml")
    env = {**os.environ, "ROTATION_PROJECT_DIR": str(root), "ROTATION_DATA_DIR": str(shared_data)}
    done = subprocess.run(
        [sys.executable, "-m", "rotation.cli", "run", "--claims", str(root / "example_claims.yaml")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    run = root / "runs" / "example_claims"
    rendered = sorted(p.name for p in run.glob("*.ipynb"))
    assert rendered == [
        "01_streak.ipynb",
        "02_spread.ipynb",
        "99_scorecard.ipynb",
    ]  # only the notebooks its claims name
    with open(run / "scorecard.csv", newline="", encoding="utf-8") as handle:
        card = {row["claim"]: row for row in csv.DictReader(handle)}
    from rotation.claims import registry as claims

    registry = claims.load_registry(root / "example_claims.yaml")
    assert set(card) == set(registry["claims"])
    verdicts = {row["verdict"] for row in card.values()}
    assert "refuted" in verdicts and "not verifiable with the data at hand" in verdicts
    # the scorecard shows the file's own title, as literal Markdown (claims.registry.markdown_text)
    scorecard_nb = nbformat.read(run / "99_scorecard.ipynb", as_version=4)
    shown = "\n".join(
        str(value)
        for cell in scorecard_nb.cells
        for output in cell.get("outputs", [])
        for value in output.get("data", {}).values()
    )
    assert claims.markdown_text(registry["article"]["title"]) in shown
