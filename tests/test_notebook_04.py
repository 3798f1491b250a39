"""Notebook 04 on the real data: the article run, and a second run at another date, against independent recomputation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import execute_collection, make_project
from rotation import results

STEM = "04_mean_reversion"


def closes(folder, name) -> pd.Series:
    return pd.read_csv(folder / name, index_col="date", parse_dates=True)["close"]


def win_sequence(folder, as_of: str) -> np.ndarray:
    """Wins (RUT daily price return above the S&P 500's) on the common calendar, up to as_of, by plain pandas."""
    both = pd.concat([closes(folder, "RUT.csv"), closes(folder, "GSPC.csv")], axis=1, join="inner").loc[:as_of]
    r = both.pct_change().iloc[1:]
    return (r.iloc[:, 0] - r.iloc[:, 1] > 0).to_numpy()


def markov_probability_by_matrix_power(wins: np.ndarray, length: int) -> float:
    """P(some run >= length) for the fitted chain: absorbing transition matrix raised to the power n - 1."""
    prev, nxt = wins[:-1], wins[1:]
    p11 = (prev & nxt).sum() / prev.sum()
    p01 = (~prev & nxt).sum() / (~prev).sum()
    pi = p01 / (p01 + 1 - p11)
    size = length + 1  # states: run length 0..length-1, then absorbed
    M = np.zeros((size, size))
    for r in range(length):
        p_win = p01 if r == 0 else p11
        M[r, r + 1] += p_win
        M[r, 0] += 1 - p_win
    M[length, length] = 1.0
    start = np.zeros(size)
    start[0], start[1 if length > 1 else length] = 1 - pi, pi
    return float((start @ np.linalg.matrix_power(M, wins.size - 1))[length])


def records_of(run_dir) -> dict:
    return {r["claim_id"]: r for r in results.read_records(run_dir / "results.jsonl") if r["notebook"] == STEM}


def test_article_run_renders_notebook_04(article_run, shared_data):
    run = article_run / "runs" / "article"
    status = json.loads((run / "status.json").read_text())
    assert {n["notebook"]: n["status"] for n in status["notebooks"]}[STEM] == "ok"
    records = records_of(run)
    assert set(records) == {"exceedingly_rare", "continue_first_half_2026"}

    rare = records["exceedingly_rare"]
    expected = markov_probability_by_matrix_power(win_sequence(shared_data, "2026-01-21"), 13)
    assert rare["measured"] == pytest.approx(expected, rel=1e-9)
    assert rare["verdict"] == ("confirmed" if expected <= 0.05 else "refuted")
    assert rare["data_window"][1] == "2026-01-21"

    cont = records["continue_first_half_2026"]
    data_end = min(closes(shared_data, "RUT.csv").index[-1], closes(shared_data, "GSPC.csv").index[-1])
    if data_end < pd.Timestamp("2026-06-30"):
        assert cont["verdict"] == "not verifiable with the data at hand" and cont["measured"] is None
        assert cont["detail"].startswith(f"not yet knowable: data end {data_end.date()}")
    else:  # pragma: no cover - when the data folder is extended past mid-2026
        assert cont["measured"] is not None

    rendered = (run / f"{STEM}.ipynb").read_text()
    for text in ("episodes (complete)", "independent", "CI low", "base rate share", "HAC s.e.",
                 "iid days", "Markov chain", "block bootstrap", "historical odds", "past episodes (independent)"):
        assert text in rendered, text
    for name in ("04_fan_chart", "04_longest_streak_nulls", "04_continuation_hazard"):
        for ext in ("png", "svg", "pdf"):
            assert (article_run / "figures" / "article" / f"{name}.{ext}").is_file()


def test_another_as_of_measures_the_first_half_outcome(tmp_path, shared_data):
    root = make_project(tmp_path / "p", [STEM])
    name = "as_of-2008-06-06"
    status = execute_collection(root, shared_data, name, {"as_of": "2008-06-06", "n_sims": 2000}, [STEM])
    assert status["ok"], status
    records = records_of(root / "runs" / name)

    rut, spx = closes(shared_data, "RUT.csv"), closes(shared_data, "GSPC.csv")
    start, end = pd.Timestamp("2008-06-06"), pd.Timestamp("2008-06-30")  # June 30 of the as_of year
    relative = (rut[end] / rut[start] - 1) - (spx[end] / spx[start] - 1)
    cont = records["continue_first_half_2026"]
    assert cont["measured"] == pytest.approx(relative, rel=1e-9)
    assert cont["verdict"] == ("confirmed" if relative >= 0 else "refuted")
    assert cont["data_window"] == ["2008-06-06", "2008-06-30"]

    rare = records["exceedingly_rare"]
    expected = markov_probability_by_matrix_power(win_sequence(shared_data, "2008-06-06"), 13)
    assert rare["measured"] == pytest.approx(expected, rel=1e-9)
    assert rare["data_window"] == ["1987-09-11", "2008-06-06"]
