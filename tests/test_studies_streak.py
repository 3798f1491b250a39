"""Notebook 01's study functions (rotation.studies.streak) on a planted pair: a 7-session streak in force at
as_of after an earlier 5-session record, every other session a loss."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import prices_from_returns, write_series_csv
from rotation.studies import streak as study
from rotation.studies.page import Section, setup
from test_measures_core import SMALL, length_claim, write_article


def page_at(tmp_path, as_of: str = "", run_name: str = "planted"):
    path, data_dir = write_article(tmp_path, {"c": length_claim()})
    return setup("01_streak", as_of=as_of, claims=str(path), data_dir=str(data_dir), run_name=run_name)


def test_the_streak_in_force_and_its_sessions(tmp_path):
    page = page_at(tmp_path)
    now = study.streak_now(page)
    assert isinstance(now, Section)
    assert now.sessions == 7 and now.end == page.ctx.session
    assert len(now.table) == 7
    assert now.table["spread (bp)"].tolist() == [60.0] * 7  # 0.6% against 0% every session
    assert f"**{now.sessions} sessions**" in now.text and "+60.0 bp" in now.text


def test_no_streak_in_force_gives_an_empty_table_and_says_so(tmp_path):
    page = page_at(tmp_path)
    as_of = page.ctx.returns.index[30]  # a losing session (spread -10 bp)
    page = page_at(tmp_path / "b", as_of=str(as_of.date()))
    now = study.streak_now(page)
    assert now.sessions == 0 and now.table.empty
    assert "no rut > spx streak is in force" in now.text and "n/a" not in now.text
    assert study.after_as_of(page, now) == f"No streak was in force at `as_of` ({as_of.date()})."
    window = study.context_window(page, now, 5)
    assert window.index[-1] == as_of and len(window) == 11  # 2 * 5 sessions before as_of, and as_of


def test_rank_against_the_earlier_record(tmp_path):
    ranked = study.streak_rank(page_at(tmp_path), top_n=2)
    assert ranked.rank == 1 and ranked.ties == 0 and ranked.record_sessions == 5
    assert ranked.table["sessions"].tolist() == [7, 5] and list(ranked.table.index) == [1, 2]
    assert "**5 sessions**" in ranked.text and "Most recent earlier streak at least as long" not in ranked.text
    assert int(ranked.counts.sum()) == 2  # the earlier streak and the current one
    assert ranked.counts.loc[7] == 1 and ranked.counts.loc[6] == 0


def test_the_after_as_of_note_follows_the_streak_past_as_of(tmp_path):
    returns = np.concatenate([SMALL[:-2], [-0.002, 0.0]])  # the streak ends two sessions before the data end
    page = page_at(tmp_path)
    as_of = page.ctx.returns.index[-4]  # inside the streak
    data_dir = tmp_path / "data"
    write_series_csv(data_dir, "RUT.csv", prices_from_returns(returns, name="small"))
    page = setup("01_streak", as_of=str(as_of.date()), claims=str(tmp_path / "claims.yaml"), data_dir=str(data_dir))
    now = study.streak_now(page)
    assert now.sessions == 4
    text = study.after_as_of(page, now)
    assert "in all it lasted 5 sessions" in text and str(page.ctx.returns.index[-2].date()) in text
    window = study.context_window(page, now, 2)
    assert (
        window.index[0] == page.ctx.returns.index[-7 - 2] and window.index[-1] == page.ctx.returns.index[-2]
    )  # 2 after as_of
    rel = study.relative_strength(window)
    assert rel.iloc[0] == 100.0 and rel.iloc[-1] == pytest.approx(
        100
        * np.prod(1 + window["small"])
        / np.prod(1 + window["large"])
        / ((1 + window["small"].iloc[0]) / (1 + window["large"].iloc[0]))
    )


def test_pair_table_says_why_a_pair_is_missing(tmp_path):
    table = study.pair_table(page_at(tmp_path), [["iwm", "spy"]])
    assert list(table.index) == ["rut vs spx", "iwm vs spy"]
    assert table.loc["rut vs spx", "streak at as_of (sessions)"] == 7
    assert table.loc["rut vs spx", "record before it (sessions)"] == 5
    assert str(table.loc["iwm vs spy", "note"]).startswith("not available")


def test_figures_are_written_under_their_names(tmp_path, project):
    page = page_at(tmp_path)
    now, ranked = study.streak_now(page), study.streak_rank(page, 3)
    names = [
        study.figure_relative_strength(page, now, 5)[0].stem,
        study.figure_daily_spread(page, now, 5)[0].stem,
        study.figure_streak_lengths(page, now, ranked)[0].stem,
    ]
    assert names == ["01_relative_strength", "01_daily_spread", "01_streak_lengths"]
    assert all((project / "figures" / "planted" / f"{n}.png").is_file() for n in names)
    assert isinstance(study.data_note(page), str) and "common dates" in study.data_note(page)
    # each series with its definition: a price index or an auto-adjusted fund (the pages' Definitions point here)
    assert "Russell 2000 index (price index (no dividends), daily close): " in study.data_note(page)
    assert pd.Timestamp(page.ctx.session) == now.session
