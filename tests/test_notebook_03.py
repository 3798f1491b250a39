"""Notebook 03_history on the real data: the article run, checked against independent computations from the CSVs,
and runs at a date where the 2008 window is still open and on an index pair that starts after 1987."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import REPO, execute_collection, make_project

pytestmark = pytest.mark.notebooks
STEM = "03_history"
CLAIMS = {"fear_driven_2008", "mirrors_1988", "post_1987_small_caps_led"}
JUDGED = {"confirmed", "partly true", "refuted"}
FIGURES = ("03_episode_paths", "03_feature_heatmap", "03_smb_streaks", "03_resemblance_ranks", "03_after_1987")


def closes(data_dir: Path, file: str) -> pd.Series:
    frame = pd.read_csv(data_dir / file, parse_dates=["date"]).set_index("date")
    return frame["close"]


def plain_streaks(data_dir: Path, last: str) -> list[tuple[pd.Timestamp, pd.Timestamp, int, float, pd.Timestamp]]:
    """RUT > S&P 500 streaks with a plain loop: (first session, last session, length, S&P return over it, base date)."""
    both = pd.concat(
        [closes(data_dir, "RUT.csv").rename("rut"), closes(data_dir, "GSPC.csv").rename("spx")], axis=1, join="inner"
    )
    both = both.loc[:last]
    dates, rut, spx = list(both.index), both["rut"].tolist(), both["spx"].tolist()
    runs, first = [], None
    for i in range(1, len(dates)):
        win = rut[i] / rut[i - 1] > spx[i] / spx[i - 1]
        if win and first is None:
            first = i
        if first is not None and (not win or i == len(dates) - 1):
            stop = i - 1 if not win else i
            runs.append((dates[first], dates[stop], stop - first + 1, spx[stop] / spx[first - 1] - 1, dates[first - 1]))
            first = None
    return runs


def records(run: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines() if line.strip()]
    return {r["claim_id"]: r for r in rows if r["notebook"] == STEM}


def alternative(record: dict, label_start: str) -> dict:
    return next(a for a in record["sensitivity"] if a["alternative"].startswith(label_start))


def test_template_has_one_parameters_cell_and_no_outputs():
    nb = nbformat.read(REPO / "notebooks" / f"{STEM}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    verdict_cells = [c.source for c in nb.cells if c.cell_type == "code" and "page.record(" in c.source]
    assert len(verdict_cells) == 1 and " if " not in verdict_cells[0]  # no decision logic in the verdict cell


def test_article_run_records_judged_verdicts_with_labels(article_run: Path):
    run = article_run / "runs" / "article"
    status = json.loads((run / "status.json").read_text())
    entry = next(n for n in status["notebooks"] if n["notebook"] == STEM)
    assert entry["status"] == "ok", entry["error"]
    got = records(run)
    assert set(got) == CLAIMS
    assert all(r["verdict"] in JUDGED for r in got.values())  # the data cover 1987-2026
    assert len(got["mirrors_1988"]["measured"]) == 2  # read from the grid: nearer than 2008, nearest of all
    assert len(got["fear_driven_2008"]["measured"]) == 3 and len(got["post_1987_small_caps_led"]["measured"]) == 3
    for r in got.values():
        assert r["sensitivity"] and r["robustness"]
        # only readings the words allow count; a context or sensitivity row that flips never names its choice
        flipped = list(
            dict.fromkeys(
                a["choice"] for a in r["sensitivity"][1:] if a["agrees"] is False and a.get("reading") == "allowed"
            )
        )
        assert all(f"{c} (" in r["robustness"] or r["robustness"].endswith(c) for c in flipped), r["robustness"]
        assert r["robustness"].startswith("depends on ") if flipped else r["robustness"].startswith("robust")
        assert r["verdict_label"] == (f"{r['verdict']}, but {r['robustness']}" if flipped else r["verdict"])
    figures = article_run / "figures" / "article"
    for name in FIGURES:
        assert (figures / f"{name}.png").is_file(), name


def test_post_1987_criteria_and_calendar_1988_match_an_independent_computation(article_run: Path, shared_data: Path):
    rut, spx = closes(shared_data, "RUT.csv"), closes(shared_data, "GSPC.csv")
    crash = spx.pct_change().loc["1987-10"].idxmin()
    expected = []
    for years in (1, 2, 3):
        to = spx.index[spx.index <= crash + pd.DateOffset(years=years)][-1]
        expected.append(rut[to] / rut[crash] - spx[to] / spx[crash] > 0)
    record = records(article_run / "runs" / "article")["post_1987_small_caps_led"]
    measured = record["measured"]
    assert [measured[k] for k in sorted(measured)] == expected  # keys sort as 1, 2, 3 years
    assert str(crash.date()) in record["detail"]
    first, last = pd.Timestamp("1987-12-31"), spx.loc[:"1988-12-31"].index[-1]
    beat_1988 = rut[last] / rut[first] - spx[last] / spx[first] > 0
    assert alternative(record, "calendar 1988 only")["verdict"] == ("confirmed" if beat_1988 else "refuted")


def test_2008_criteria_and_resemblance_inputs_match_plain_loops(article_run: Path, shared_data: Path):
    runs = plain_streaks(shared_data, "2026-01-21")
    touching = [r for r in runs if r[1] >= pd.Timestamp("2008-05-01") and r[0] <= pd.Timestamp("2008-06-30")]
    ep2008 = max(touching, key=lambda r: (r[2], -r[0].value))
    got = records(article_run / "runs" / "article")
    fear = got["fear_driven_2008"]
    fell = next(v for k, v in fear["measured"].items() if "fell over the streak" in k)
    assert fell == (ep2008[3] < 0)
    assert f"{ep2008[0].date()} to {ep2008[1].date()}, {ep2008[2]} sessions" in fear["detail"]
    spx = closes(shared_data, "GSPC.csv")
    drawdown = spx[ep2008[4]] / spx.loc[: ep2008[4]].max() - 1
    deep = next(v for k, v in fear["measured"].items() if "below its prior peak" in k)
    assert deep == (drawdown <= -0.10)
    vix = closes(shared_data, "VIX.csv").loc[:"2026-01-21"]
    elevated = vix.loc[ep2008[0] : ep2008[1]].mean() > vix.median()
    assert next(v for k, v in fear["measured"].items() if "VIX average" in k) == elevated
    for label, threshold in (("at least 5%", 0.05), ("at least 15%", 0.15)):
        met = [ep2008[3] < 0, elevated, drawdown <= -threshold]
        assert alternative(fear, label)["verdict"] == (
            "confirmed" if all(met) else "partly true" if any(met) else "refuted"
        )
    mirrors = got["mirrors_1988"]
    distances = re.findall(
        r"to the 1988 episode \(.*?\) ([\d.]+) over .*?; to the 2008 episode \(.*?\) ([\d.]+) over", mirrors["detail"]
    )
    assert distances, mirrors["detail"]
    d1988, d2008 = map(float, distances[0])
    assert d1988 > 0 and d2008 > 0  # the registered variant's distances, shown beside the grid's verdict
    # the verdict reads the grid: each criterion is a majority of the variants counted in the detail
    counted = re.findall(
        r"Decided on the grid \(every variant\): 1988 nearer than 2008 in (\d+) of (\d+) comparable variants, "
        r"the nearest of all episodes in (\d+) of (\d+)",
        mirrors["detail"],
    )
    assert counted, mirrors["detail"]
    nearer, comparable, nearest, variants = map(int, counted[0])
    assert variants == 48 and list(mirrors["measured"].values()) == [
        nearer / comparable > 0.5,
        nearest / variants > 0.5,
    ]
    both = sum(mirrors["measured"].values())
    assert mirrors["verdict"] == ("confirmed" if both == 2 else "partly true" if both else "refuted")
    # the episodes compared at the registered minimum length: streaks >= 10 plus the shorter 1988 episode, less the current one
    crash = spx.pct_change().loc["1987-10"].idxmin()
    ep1988 = max(
        (r for r in runs if r[0] > crash and r[1] <= crash + pd.DateOffset(months=12)),
        key=lambda r: (r[2], -r[0].value),
    )
    compared = sum(r[2] >= 10 for r in runs) + (ep1988[2] < 10) - 1
    assert f"{compared} episodes compared" in mirrors["detail"]
    share = re.findall(
        r"closer to 1988 than to 2008 on these features in (\d+)% \((\d+) of (\d+) comparable\)", mirrors["detail"]
    )
    assert share and int(share[0][0]) == round(100 * int(share[0][1]) / int(share[0][2]))


def rendered_text(nb_path: Path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    return "\n".join(
        o.get("data", {}).get("text/markdown", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )


def test_a_date_inside_the_2008_window_judges_only_the_closed_period(tmp_path: Path, shared_data: Path):
    as_of, min_streak = "2008-06-06", 8
    root = make_project(tmp_path / "project", [STEM])
    status = execute_collection(root, shared_data, "alt", {"as_of": as_of, "min_streak": min_streak}, [STEM])
    assert status["ok"], status["notebooks"]
    run = root / "runs" / "alt"
    got = records(run)
    # May-June 2008 is not over at 2008-06-06: the claims about it are not applicable, never judged on another period
    assert (
        got["fear_driven_2008"]["verdict"] == "not applicable at this date"
        and "not over" in got["fear_driven_2008"]["detail"]
    )
    assert got["mirrors_1988"]["verdict"] == "not applicable at this date"
    assert got["post_1987_small_caps_led"]["verdict"] in JUDGED  # 1987-1990 is over
    assert all(r["data_window"] is None or r["data_window"][1] <= as_of for r in got.values())
    # the context table: every streak >= min_streak up to as_of, plus the 1988 episode when shorter
    runs = plain_streaks(shared_data, as_of)
    spx = closes(shared_data, "GSPC.csv")
    crash = spx.pct_change().loc["1987-10"].idxmin()
    after_crash = [r for r in runs if r[0] > crash and r[1] <= crash + pd.DateOffset(months=12)]
    expected = sum(r[2] >= min_streak for r in runs) + (max(r[2] for r in after_crash) < min_streak)
    assert f"**{expected} episodes**" in rendered_text(run / f"{STEM}.ipynb")
    assert (root / "figures" / "alt" / "03_episode_paths.png").is_file()


def test_an_index_pair_starting_after_1987_says_which_series_would_settle_it(tmp_path: Path, shared_data: Path):
    root = make_project(tmp_path / "project", [STEM])
    status = execute_collection(root, shared_data, "etf", {"small": "iwm", "large": "spy"}, [STEM])
    assert status["ok"], status["notebooks"]
    got = records(root / "runs" / "etf")
    assert got["fear_driven_2008"]["verdict"] in JUDGED  # IWM and SPY cover 2008
    spy_start = str(pd.read_csv(shared_data / "SPY.csv", parse_dates=["date"])["date"].iloc[0].date())
    for cid in ("mirrors_1988", "post_1987_small_caps_led"):
        r = got[cid]
        assert r["verdict"] == "not verifiable with the data at hand"
        assert "spy" in r["detail"] and spy_start in r["detail"] and "1987-10" in r["detail"]
        assert "not a month" not in r["detail"]
