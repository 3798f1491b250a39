"""Notebook 06's study functions (rotation.studies.aftermath) on a planted pair with known answers.

Large caps are flat. Small caps lose 0.1% a session except: two earlier 9-session streaks (+0.5% a
session), the followed 6-session streak (+0.6% a session), then a -12% session that ends it, then
flat. as_of is the streak's fifth session (the premise: 5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import prices_from_returns, write_series_csv
from rotation.studies import aftermath as study
from rotation.studies.page import setup
from test_measures_core import length_claim

N = 400
EARLY = [(40, 49), (150, 159)]  # earlier streaks: return positions [a, b)
STREAK = (300, 306)  # the followed streak
SMALL = np.full(N, -0.001)
for a, b in EARLY:
    SMALL[a:b] = 0.005
SMALL[STREAK[0] : STREAK[1]] = 0.006
SMALL[STREAK[1]] = -0.12  # ends the streak, and a correction of more than 10%
SMALL[STREAK[1] + 1 :] = 0.0


def planted(tmp_path, as_of_pos: int = STREAK[0] + 4, small=SMALL, premise: int = 5):
    data_dir = tmp_path / "data"
    s = prices_from_returns(small, name="small")
    write_series_csv(data_dir, "RUT.csv", s)
    write_series_csv(data_dir, "GSPC.csv", prices_from_returns(np.zeros(N), name="large"))
    path = tmp_path / "claims.yaml"
    last = str(s.index[-1].date())
    article = {
        "title": "planted",
        "published": last,
        "as_of": last,
        "small": "rut",
        "large": "spx",
        "streak_premise": premise,
    }
    path.write_text(
        yaml.safe_dump({"article": article, "claims": {"c": length_claim()}}, sort_keys=False), encoding="utf-8"
    )
    dates = s.index[1:]  # return positions -> session dates
    return setup(
        "06_aftermath", as_of=str(dates[as_of_pos].date()), claims=str(path), data_dir=str(data_dir), run_name="planted"
    ), dates


def test_the_streak_in_force_is_followed_to_its_end(tmp_path):
    page, dates = planted(tmp_path)
    streak = study.followed(page)
    assert streak.start == dates[STREAK[0]]
    assert streak.ended["last_win"] == dates[STREAK[1] - 1] and streak.ended["ended_on"] == dates[STREAK[1]]
    assert streak.ended["sessions"] == STREAK[1] - STREAK[0] and streak.has_after
    assert streak.table.loc[str(dates[STREAK[1]].date()), "role"] == "ended the streak"
    assert streak.table.loc[str(dates[STREAK[1] - 1].date()), "role"] == "last winning session"
    assert len(streak.table) == 6 and "the streak in force at as_of" in streak.intro


def test_without_a_long_streak_at_as_of_the_most_recent_earlier_one_is_followed(tmp_path):
    page, dates = planted(tmp_path, as_of_pos=200)
    start, which = study.streak_to_follow(page)
    assert start == dates[EARLY[1][0]] and "the most recent earlier one" in which
    page, _ = planted(tmp_path / "b", as_of_pos=200, premise=10)  # no streak that long anywhere
    streak = study.followed(page)
    assert streak.start is None and streak.ended is None and not streak.has_after
    assert streak.text == study.NONE_TO_FOLLOW and "none before it either" in streak.intro
    assert study.path_after(page, streak).text == study.NO_PATH
    assert study.ranks(page, streak, 8, [21]).text == "No ended streak to rank."
    assert study.figure_ranks(page, study.ranks(page, streak, 8, [21])) == []


def test_path_worst_point_corrections_and_month_ends(tmp_path):
    page, dates = planted(tmp_path)
    streak = study.followed(page)
    after = study.path_after(page, streak)
    base = dates[STREAK[1] - 1]
    assert after.path.index[0] == base and after.worst_day == dates[STREAK[1]]
    assert after.worst_value == pytest.approx(100 * 0.88)  # one -12% session against flat large caps, then flat
    assert "**Worst point**: 88.0" in after.text
    table = study.corrections(page, streak, after, 0.10).table
    assert table.loc["rut", "correction"] == "yes" and table.loc["spx", "correction"] == "none in the data"
    assert table.loc["rut", "fall from the peak (%)"] == pytest.approx(-12.0)
    months = study.month_table(page, streak, after, months_shown=1)
    assert len(months.table) == 2 and months.text.startswith(
        f"{len(after.path.index[1:].to_period('M').unique())} month ends"
    )
    assert study.shown_month_ends(pd.DataFrame({"x": range(3)}), 2).shape[0] == 3  # 2 + the last = all of them


def test_ranks_against_earlier_streaks(tmp_path):
    page, dates = planted(tmp_path)
    ranked = study.ranks(page, study.followed(page), 8, [63, 21, 21])
    assert ranked.horizons == [21, 63]
    # each earlier 9-session streak is followed by -0.1% a session: relative 0.999**h - 1
    expected_earlier = 0.999**21 - 1
    assert ranked.earlier.loc[ranked.earlier["horizon"] == 21, "relative"].tolist() == pytest.approx(
        [expected_earlier] * 2
    )
    row = ranked.table.loc[study.horizon_label(21)]
    assert row["outcome (%)"] == pytest.approx(100 * (0.88 - 1))  # the -12% session, then flat
    assert row["rank (1 = best)"] == "3 of 3" and row["status"] == "known"
    assert (
        study.horizon_label(21) == "21 sessions (~1 month)" and study.horizon_label(126) == "126 sessions (~6 months)"
    )


def test_an_unknown_horizon_says_how_many_sessions_it_needs(tmp_path):
    page, dates = planted(tmp_path)
    ranked = study.ranks(page, study.followed(page), 8, [200])
    have = N - STREAK[1]  # sessions after the last win in the data
    assert (
        ranked.table.iloc[0]["status"]
        == f"not yet known (needs 200 sessions after {dates[STREAK[1] - 1].date()}; the data have {have})"
    )


def test_figures_are_written_under_their_names(tmp_path, project):
    page, _ = planted(tmp_path)
    streak = study.followed(page)
    after = study.path_after(page, streak)
    assert study.figure_path(page, streak, after, 20)[0].stem == "06_relative_strength_after"
    assert study.figure_ranks(page, study.ranks(page, streak, 8, [21, 63]))[0].stem == "06_outcome_ranks"
    assert (project / "figures" / "planted" / "06_outcome_ranks.png").is_file()
