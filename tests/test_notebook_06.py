"""Notebook 06 (aftermath) on the real data: the article run and a run at another date, against plain pandas."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import execute_collection, make_project

STEM = "06_aftermath"


def common(folder) -> pd.DataFrame:
    read = lambda name: pd.read_csv(folder / name, index_col="date", parse_dates=True)["close"]  # noqa: E731
    return pd.concat([read("RUT.csv"), read("GSPC.csv")], axis=1, join="inner").dropna()


def streak_end_by_loop(both: pd.DataFrame, as_of: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The last winning session of the streak in force at as_of (followed in all data) and the session after it."""
    r = both.pct_change().iloc[1:]
    win = (r.iloc[:, 0] > r.iloc[:, 1]).to_numpy()
    i = r.index.get_loc(pd.Timestamp(as_of))
    assert win[i], "the test expects a streak in force at as_of"
    while i + 1 < len(win) and win[i + 1]:
        i += 1
    return r.index[i], r.index[i + 1]


def test_article_run_renders_the_aftermath(article_run, shared_data):
    run = article_run / "runs" / "article"
    status = json.loads((run / "status.json").read_text())
    assert {n["notebook"]: n["status"] for n in status["notebooks"]}[STEM] == "ok"
    both = common(shared_data)
    last_win, ender = streak_end_by_loop(both, "2026-01-21")
    rendered = (run / f"{STEM}.ipynb").read_text()
    assert f"last winning session** was **{last_win.date()}" in rendered
    assert f"first that did not extend it) was **{ender.date()}" in rendered
    rel = (both.iloc[-1, 0] / both.loc[last_win].iloc[0] - 1) - (both.iloc[-1, 1] / both.loc[last_win].iloc[1] - 1)
    assert f"cumulative relative return {rel * 100:+.2f}%" in rendered
    for text in ("Worst point", "first close at least 10% below the peak", "month-end session", "rank (1 = best)"):
        assert text in rendered, text
    for name in ("06_relative_strength_after", "06_outcome_ranks"):
        assert (article_run / "figures" / "article" / f"{name}.png").is_file()


@pytest.mark.notebooks
def test_aftermath_renders_at_other_dates(tmp_path, shared_data):
    root = make_project(tmp_path / "p", [STEM])
    for as_of in ("2008-06-06", "2026-08-21"):
        status = execute_collection(root, shared_data, f"as_of-{as_of}", {"as_of": as_of}, [STEM])
        assert status["ok"], status
    rendered = (root / "runs" / "as_of-2026-08-21" / f"{STEM}.ipynb").read_text()
    assert "no streak of at least" in rendered and "the most recent earlier one" in rendered
