"""Notebook 07's study functions (rotation.studies.macro) on the planted macro data of test_measures_macro: CPI
published on the 15th of M+1, a planted cut of the target on 2025-12-11, oil 80 -> 60 from July 2025."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from IPython.display import Image, Markdown

from conftest import planted_readings
from rotation.studies import macro as study
from rotation.studies.page import setup
from test_measures_macro import build, claim


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("macro_study_data")
    build(folder)
    return folder


@pytest.fixture(autouse=True)
def project_dir(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    return root


def page_for(tmp_path: Path, data_dir: Path, block: dict, as_of: str = "2026-01-21"):
    head = {"title": "planted", "published": as_of, "as_of": as_of, "small": "rut", "large": "spx", "streak_premise": 3}
    path = tmp_path / f"claims_{as_of}.yaml"
    path.write_text(
        yaml.safe_dump({"article": head, "claims": planted_readings(block)}, sort_keys=False), encoding="utf-8"
    )
    return setup("07_macro", claims=str(path), data_dir=str(data_dir), run_name="planted")


ANY = {"g": claim("inflation_trend", {"series": ["cpi"]})}


def test_the_lag_table_follows_the_release_rule(tmp_path, data_dir):
    before = study.lags_table(page_for(tmp_path, data_dir, ANY, as_of="2026-01-14"), ["cpi", "busloans"])
    after = study.lags_table(page_for(tmp_path, data_dir, ANY, as_of="2026-01-15"), ["cpi"])
    assert before.loc["cpi", "latest published by as_of"] == "2025-11"  # December CPI comes out on the 15th
    assert after.loc["cpi", "latest published by as_of"] == "2025-12"
    assert after.loc["cpi", "its release (rule)"] == "2026-01-15"
    assert before.loc["cpi", "latest in the file"] == "2026-07"  # the revised file runs on: hindsight
    missing = study.lags_table(page_for(tmp_path, data_dir, ANY), ["payems", "usrec", "unrate", "core_cpi"])
    assert set(missing.index) == {"payems", "usrec", "unrate", "core_cpi"}


def test_inflation_section_shows_both_views_and_its_figure(tmp_path, data_dir, project_dir):
    page = page_for(tmp_path, data_dir, {"g": claim("inflation_trend", {"series": ["cpi"], "months": 3})})
    section = study.inflation(page, years=2)
    (shown,) = section.shown
    assert [type(i) for i in shown.items] == [Markdown, pd.DataFrame, Image, Markdown]  # words, table, figure, readings
    table = shown.items[1]
    assert set(table.index.get_level_values("view")) == {"published", "revised"}
    assert (project_dir / "figures" / "planted" / "07_g.png").is_file()


def test_leadership_evidence_holds_the_published_and_the_revised_view(tmp_path, data_dir):
    page = page_for(
        tmp_path, data_dir, {"h": claim("leadership_recession", {"lookback_months": 3, "horizon_months": 3})}
    )
    (shown,) = study.expansion(page).shown
    m = shown.measurement
    assert set(m.tables) == {"published", "revised"}
    assert set(m.evidence.index.get_level_values("view")) == {"published", "revised"}


def test_evidence_maps_each_kind_to_its_anchor_and_every_figure_of_its_claims(tmp_path, data_dir):
    block = {
        "oil": claim("series_change", {"series": "wti", "direction": "fell", "window": "months", "months": 12}),
        "rates": claim("series_change", {"series": "dgs2", "direction": "fell", "window": "months", "months": 3}),
    }
    page = page_for(tmp_path, data_dir, block)
    moves, loans = study.market_moves(page, years=1), study.loans(page, years=1)
    mapping = study.evidence([moves, loans])
    assert mapping == {"series_change": ("markets", ["07_oil", "07_rates"]), "loan_growth": ("loans", [])}
    table = page.record(mapping)
    assert len(table) == 2
