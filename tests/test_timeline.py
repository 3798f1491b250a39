"""``rotation timeline`` and ``rotation run --verdicts-only``: planted answers on synthetic data, and the
timeline's verdicts against ``evaluate()`` on the real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import make_project, prices_from_returns, write_series_csv
from rotation import cli
from rotation.claims import timeline
from rotation.claims.evaluate import evaluate
from rotation.claims.judge import tolerance_text
from rotation.claims.measures.base import Measurement
from rotation.claims.measuring import Context
from rotation.core.verdicts import Verdict

# Planted pair: small caps lose every session except a 15-session streak (sessions 120..134 of the returns)
# and a 4-session streak (sessions 60..63); the spread is 50 bp a day inside the 15-session streak.
N = 200
LARGE = np.full(N, 0.001)
SMALL = LARGE - 0.002
SMALL[60:64] = LARGE[60:64] + 0.003
SMALL[120:135] = LARGE[120:135] + 0.005
SMALL[150:165] += np.linspace(-0.01, 0.02, 15)  # some movement for RSI and gains after the streak
PREMISE = 3


def claim(kind: str, claimed, compare: str = "equal", **extra) -> dict:
    return {"notebook": "01_streak", "kind": kind, "quote": "q", "claimed": claimed, "compare": compare, **extra}


CLAIMS = {
    "exactly_13": claim("streak_length", 13, unit="sessions", tolerance=0, partly_tolerance=1),
    "at_least_13": claim("streak_length", 13, "at_least", unit="sessions", tolerance=0),
    "spread_50bp": claim("mean_spread", 50, unit="bp per session", tolerance=1, premise="streak"),
    "median_50bp": claim(
        "mean_spread", 50, unit="bp per session", tolerance=1, premise="streak", params={"definition": "median"}
    ),
    "began_early": {
        **claim("streak_start", "01-01 to 01-10", "criteria", unit="criteria", premise="streak"),
        "params": {"window": "06-01 to 06-30"},
    },
    "record": {
        **claim("streak_record", "record", "criteria", unit="criteria", premise="streak"),
        "params": {"last_seen": {"year": 2020, "months": [3, 4]}},
    },
    "gain_5pct": claim(
        "max_gain", 0.05, unit="fraction", tolerance=0.01, partly_tolerance=0.02, params={"max_sessions": 15}
    ),
    "overbought": claim("rsi_level", 70, "at_least", unit="RSI points", tolerance=0, params={"rsi_window": 14}),
    "not_testable": {"notebook": "01_streak", "quote": "q", "compare": "untestable", "reason": "about earnings"},
}


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, Path, pd.DatetimeIndex]:
    """(claims file, data folder, the sessions of the returns) of the planted pair."""
    data_dir = tmp_path / "data"
    small = prices_from_returns(SMALL, name="small")
    large = prices_from_returns(LARGE, name="large")
    write_series_csv(data_dir, "RUT.csv", small)
    write_series_csv(data_dir, "GSPC.csv", large)
    article = {
        "title": "planted",
        "published": str(small.index[-1].date()),
        "as_of": str(small.index[-1].date()),
        "small": "rut",
        "large": "spx",
        "streak_premise": PREMISE,
    }
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"article": article, "claims": CLAIMS}, sort_keys=False), encoding="utf-8")
    return path, data_dir, small.index[1:]


def rows_of(table: pd.DataFrame, claim_id: str) -> pd.DataFrame:
    return table[table["claim_id"] == claim_id].set_index("date").sort_index()


def test_a_planted_streak_is_confirmed_on_exactly_the_dates_it_is_in_force(planted):
    path, data_dir, dates = planted
    s = timeline.sessions(claims=str(path), data_dir=str(data_dir))
    table = timeline.timeline(s, budget=None)
    streak = np.zeros(N, dtype=int)
    for i in range(N):
        streak[i] = streak[i - 1] + 1 if SMALL[i] > LARGE[i] else 0
    at_least = rows_of(table, "at_least_13")
    assert list(at_least.index[at_least["verdict"] == "confirmed"]) == list(dates[streak >= 13])
    exactly = rows_of(table, "exactly_13")
    assert list(exactly.index[exactly["verdict"] == "confirmed"]) == list(dates[streak == 13])
    assert list(exactly.index[exactly["verdict"] == "partly true"]) == list(dates[(streak == 12) | (streak == 14)])
    assert exactly["measured"].tolist() == streak.tolist()
    assert set(exactly["how"]) == {timeline.FAST}
    # "the streak" claims apply only with at least PREMISE sessions in force; the planted spread is 50 bp
    spread = rows_of(table, "spread_50bp")
    applies = streak >= PREMISE
    assert (spread["verdict"] == Verdict.NOT_APPLICABLE.value).tolist() == (~applies).tolist()
    inside = spread[applies & (np.arange(N) >= 120) & (np.arange(N) < 135)]
    assert np.allclose(inside["measured"], 50.0) and set(inside["verdict"]) == {"confirmed"}
    assert set(spread.loc[~applies, "how"]) == {timeline.APPLICABILITY}
    # the untestable entry is listed on every date with its status
    listed = rows_of(table, "not_testable")
    assert len(listed) == N and set(listed["verdict"]) == {Verdict.NOT_TESTABLE.value}
    assert set(listed["how"]) == {timeline.CLAIMS_FILE}
    assert set(table["rule"][table["claim_id"] == "exactly_13"]) == {tolerance_text(CLAIMS["exactly_13"])}


def test_every_fast_path_equals_the_per_date_reference(planted):
    path, data_dir, _ = planted
    s = timeline.sessions(claims=str(path), data_dir=str(data_dir))
    ids = [c for c in CLAIMS if CLAIMS[c].get("kind") in timeline.FAST_PATHS and c != "median_50bp"]
    fast = timeline.timeline(s, ids, budget=None)
    reference = timeline.timeline(s, ids, budget=None, reference=True)
    assert set(fast.loc[fast["how"] != timeline.APPLICABILITY, "how"]) == {timeline.FAST}
    assert set(reference.loc[reference["how"] != timeline.APPLICABILITY, "how"]) == {timeline.REFERENCE}
    keys = ["claim_id", "date"]
    a = fast.sort_values(keys, ignore_index=True)
    b = reference.sort_values(keys, ignore_index=True)
    assert a["verdict"].astype(str).tolist() == b["verdict"].astype(str).tolist()
    assert np.allclose(a["measured"], b["measured"], equal_nan=True, rtol=1e-9, atol=1e-9)
    assert a["unit"].astype(str).tolist() == b["unit"].astype(str).tolist()
    judged = a[a["verdict"].isin(["confirmed", "partly true", "refuted"])]
    assert set(judged["claim_id"]) == set(ids)  # every fast path was exercised on judged dates


def test_the_timeline_equals_evaluate_on_planted_dates(planted):
    path, data_dir, dates = planted
    chosen = [dates[5], dates[63], dates[122], dates[132], dates[134], dates[-1]]
    s = timeline.sessions(claims=str(path), data_dir=str(data_dir), dates=chosen)
    table = timeline.timeline(s, budget=None)
    for day in chosen:
        ctx = Context(as_of=str(day.date()), claims=str(path), data_dir=str(data_dir))
        for cid in CLAIMS:
            got = table[(table["claim_id"] == cid) & (table["date"] == day)]["verdict"].astype(str).tolist()
            assert got == [evaluate(ctx, cid).verdict.value], (cid, day)


def test_a_kind_without_fast_path_runs_the_reference_or_a_stated_grid(planted):
    path, data_dir, _ = planted
    s = timeline.sessions(claims=str(path), data_dir=str(data_dir))
    every = timeline.timeline(s, ["median_50bp"], budget=None)
    measured = every[every["how"] != timeline.APPLICABILITY]
    assert set(measured["how"]) == {timeline.REFERENCE} and len(measured) == int((s.scan["streak"] >= PREMISE).sum())
    tight = timeline.timeline(s, ["median_50bp"], budget=0.0)
    how = set(tight.loc[tight["how"] != timeline.APPLICABILITY, "how"].astype(str))
    assert len(how) == 1 and next(iter(how)).startswith("reference on a grid: ")
    assert tight.attrs["plans"]["median_50bp"]["how"] == next(iter(how))
    gridded = tight[tight["how"] != timeline.APPLICABILITY]
    assert 1 <= len(gridded) < len(measured)
    assert gridded["date"].max() == measured["date"].max()  # the last applicable date is in every grid


def test_grid_dates_keep_the_last_date_of_each_period():
    days = pd.bdate_range("2020-01-01", "2022-12-31")
    assert timeline.grid_dates(days, "every session").equals(days)
    months = timeline.grid_dates(days, "month-ends")
    assert len(months) == 36 and all(d == days[days.to_period("M") == d.to_period("M")][-1] for d in months)
    assert len(timeline.grid_dates(days, "quarter-ends")) == 12
    assert list(timeline.grid_dates(days, "year-ends").year) == [2020, 2021, 2022]
    assert list(timeline.grid_dates(days, "every 2 years (year-ends)").year) == [2020, 2022]
    assert timeline.choose_grid(days, cost=0.001, budget=10.0) == "every session"
    assert timeline.choose_grid(days, cost=0.1, budget=4.0) == "month-ends"
    assert timeline.choose_grid(days, cost=1.0, budget=1.0) == timeline.LAST_ONLY
    assert timeline.choose_grid(days, cost=1.0, budget=2.0) == "every 2 years (year-ends)"
    assert list(timeline.grid_dates(days, timeline.LAST_ONLY)) == [days[-1]]


def test_a_claim_needing_data_after_the_data_end_says_so():
    day = pd.Timestamp("2026-01-21")
    ahead = {"about": {"period": "2026-01-01 to 2026-06-30", "looks": "ahead"}}
    assert timeline.needed_end(ahead, Measurement(value=1.0), day) == pd.Timestamp("2026-06-30")
    back = Measurement(value=1.0, window=(pd.Timestamp("2025-01-02"), day))
    assert timeline.needed_end({}, back, day) is None
    later = Measurement(value=1.0, window=(day, pd.Timestamp("2026-07-21")))
    assert timeline.needed_end({}, later, day) == pd.Timestamp("2026-07-21")


def test_the_command_writes_csv_parquet_and_figure_and_refuses_bad_input(planted, project, tmp_path, capsys):
    path, data_dir, dates = planted
    out_dir = tmp_path / "out"
    args = ["timeline", "--claims", str(path), "--data-dir", str(data_dir), "--out", str(out_dir)]
    assert cli.main([*args, "--from", str(dates[100].date()), "--to", str(dates[140].date())]) == 0
    csv = pd.read_csv(out_dir / "timeline_claims.csv", parse_dates=["date"])
    parquet = pd.read_parquet(out_dir / "timeline_claims.parquet")
    assert list(csv.columns) == timeline.COLUMNS == list(parquet.columns)
    assert len(csv) == len(parquet) == 41 * len(CLAIMS)
    assert csv["date"].min() == dates[100] and csv["date"].max() == dates[140]
    assert csv["verdict"].tolist() == parquet["verdict"].astype(str).tolist()
    assert (out_dir / "timeline_claims.png").is_file() and (out_dir / "timeline_claims.txt").is_file()
    assert not list(out_dir.glob(".*.tmp"))
    capsys.readouterr()
    for bad, words in (
        (["--from", "2020-13-01"], "--from: "),
        (["--to", "yesterday"], "--to: "),
        (["--from", "2020-06-01", "--to", "2020-05-01"], "is after --to"),
        (["--budget", "-1"], "--budget"),
    ):
        assert cli.main([*args, *bad]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and words in err[0], (bad, err)
    assert cli.main(["timeline", "--claims", str(tmp_path / "missing.yaml"), "--data-dir", str(data_dir)]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    inside = ["timeline", "--claims", str(path), "--data-dir", str(data_dir), "--out", str(project / "runs" / "x")]
    assert cli.main(inside) == 2
    assert "runs" in capsys.readouterr().err


def verdicts_only_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "vo_project", notebooks=["01_streak"])
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    return root


def test_verdicts_only_writes_the_sweep_table_without_notebooks_or_run_folders(planted, tmp_path, monkeypatch, capsys):
    path, data_dir, dates = planted
    root = verdicts_only_project(tmp_path, monkeypatch)
    days = [str(dates[i].date()) for i in (10, 125, 133)]
    argv = ["run", "--claims", str(path), "--data-dir", str(data_dir), "--run-name", "vo", "--jobs", "1"]
    argv += [*(x for d in days for x in ("--as-of", d)), "--verdicts-only"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("sweep: checking")  # the first line, printed before any import
    assert out.splitlines()[1].startswith("verdicts only")
    tables = list((root / "runs").glob("sweep_*.csv"))
    assert [t.name for t in tables] == ["sweep_vo.csv"]
    assert not [p for p in (root / "runs").iterdir() if p.is_dir()]
    assert not (root / "figures").exists() or not any((root / "figures").iterdir())
    table = pd.read_csv(tables[0], dtype=str, keep_default_na=False)
    assert list(table.columns[:3]) == ["run", "status", "as_of"]  # then the other parameters given, then claims
    assert set(table.columns[-len(CLAIMS) :]) == set(CLAIMS)  # the claims of the notebooks run
    assert table["as_of"].tolist() == days and set(table["status"]) == {"ok"}
    for _, row in table.iterrows():
        ctx = Context(as_of=row["as_of"], claims=str(path), data_dir=str(data_dir))
        assert [row[c] for c in CLAIMS] == [evaluate(ctx, c).label for c in CLAIMS]


@pytest.mark.sweep
@pytest.mark.notebooks
def test_verdicts_only_table_equals_the_notebook_sweep_table(planted, tmp_path, monkeypatch, capsys):
    path, data_dir, dates = planted
    root = verdicts_only_project(tmp_path, monkeypatch)
    days = [x for i in (10, 133) for x in ("--as-of", str(dates[i].date()))]
    base = ["run", "--claims", str(path), "--data-dir", str(data_dir), "--jobs", "2", *days]
    assert cli.main([*base, "--run-name", "nb", "--summary", str(tmp_path / "nb.csv")]) == 0
    assert cli.main([*base, "--run-name", "nb", "--summary", str(tmp_path / "vo.csv"), "--verdicts-only"]) == 0
    assert (tmp_path / "nb.csv").read_text() == (tmp_path / "vo.csv").read_text()
    assert (root / "runs").is_dir()


@pytest.fixture(scope="module")
def real_dates(shared_data) -> list[str]:
    """12 sessions by a stated rule: 6 spread evenly over the history, the last session of the 5 longest streaks
    (claims about the streak apply there), and the article's date."""
    from rotation.analytics.scan import scan_series

    table = scan_series("rut", "spx", str(shared_data))
    even = [table.index[int(i)] for i in np.linspace(0, len(table) - 1, 6)]
    ends = table[(table["streak"] > 0) & (table["streak"].shift(-1, fill_value=0) == 0)]
    longest = ends.sort_values("streak", kind="stable").index[-5:]
    article = pd.Timestamp(Context(data_dir=str(shared_data)).article["as_of"])
    return sorted({str(d.date()) for d in [*even, *longest, article]})


@pytest.mark.slow
def test_the_timeline_equals_evaluate_on_the_real_data(shared_data, real_dates):
    assert len(real_dates) == 12
    s = timeline.sessions(data_dir=str(shared_data), dates=real_dates)
    table = timeline.timeline(s, budget=None)
    assert len(table) == 12 * len(s.ctx.registry["claims"])
    shared: dict = {}
    for day in real_dates:
        ctx = Context(as_of=day, data_dir=str(shared_data), _series=shared)
        got = table[table["date"] == pd.Timestamp(day)].set_index("claim_id")["verdict"].astype(str)
        for cid in ctx.registry["claims"]:
            assert got[cid] == evaluate(ctx, cid).verdict.value, (cid, day)


@pytest.mark.parametrize("name", ["bespoke_2024-07-16", "schaeffers_2026-01-28", "article_2026-01-21_queries"])
def test_claim_language_fast_path_equals_the_reference_on_the_real_data(shared_data, name):
    from conftest import REPO

    path = str(REPO / "docs" / "examples" / f"{name}.yaml")
    index = timeline.sessions(claims=path, data_dir=str(shared_data)).dates
    days = [index[int(i)] for i in np.linspace(len(index) * 0.3, len(index) - 1, 20)]  # 20 sessions, evenly spread
    s = timeline.sessions(claims=path, data_dir=str(shared_data), dates=days)
    fast = timeline.timeline(s, budget=None).sort_values(["claim_id", "date"], ignore_index=True)
    reference = timeline.timeline(s, budget=None, reference=True).sort_values(["claim_id", "date"], ignore_index=True)
    queries = [c for c, e in s.ctx.registry["claims"].items() if e.get("kind") == "query"]
    assert queries and {fast.attrs["plans"][c]["how"] for c in queries} == {timeline.FAST}
    assert fast["verdict"].astype(str).tolist() == reference["verdict"].astype(str).tolist()
    assert np.allclose(fast["measured"], reference["measured"], equal_nan=True)


def test_policy_rate_fast_path_equals_the_reference_on_the_real_data(shared_data):
    index = timeline.sessions(data_dir=str(shared_data)).dates
    days = [index[int(i)] for i in np.linspace(0, len(index) - 1, 40)]  # 40 sessions, evenly spread
    s = timeline.sessions(data_dir=str(shared_data), dates=days)
    ids = [c for c, e in s.ctx.registry["claims"].items() if e.get("kind") == "policy_rate"]
    fast = timeline.timeline(s, ids, budget=None)
    reference = timeline.timeline(s, ids, budget=None, reference=True)
    assert ids and {fast.attrs["plans"][c]["how"] for c in ids} == {timeline.FAST}
    assert fast["verdict"].astype(str).tolist() == reference["verdict"].astype(str).tolist()
    assert np.allclose(fast["measured"], reference["measured"], equal_nan=True)
    assert fast["measured"].notna().sum() >= 30  # the target range reaches most of the history


def test_a_claim_looking_past_the_data_is_reported_as_future_not_in_the_data(planted, tmp_path):
    path, data_dir, dates = planted
    first, beyond = dates[100], dates[-1] + pd.Timedelta(days=60)  # the period ends after the data
    ahead = {
        **claim("relative_path_ahead", "ahead", "criteria", unit="criteria"),
        "about": {"period": f"{first.date()} to {beyond.date()}", "looks": "ahead"},
        "params": {"base": "as_of", "end": "data_end"},  # the measure itself would use the data it has
    }
    doc = yaml.safe_load(path.read_text())
    doc["claims"] = {"path_ahead": ahead}
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    s = timeline.sessions(claims=str(path), data_dir=str(data_dir), start=str(dates[90].date()))
    rows = rows_of(timeline.timeline(s, budget=None), "path_ahead")
    inside = rows.index >= first
    assert set(rows.loc[~inside, "verdict"]) == {Verdict.NOT_APPLICABLE.value}
    assert set(rows.loc[inside, "verdict"]) == {Verdict.NOT_VERIFIABLE.value}
    assert rows.loc[inside, "note"].str.startswith(timeline.FUTURE).all() and rows.loc[inside, "measured"].isna().all()


def test_verdicts_only_a_run_the_data_cannot_serve_fails_alone_in_one_line(planted, tmp_path, monkeypatch, capsys):
    path, data_dir, dates = planted
    root = verdicts_only_project(tmp_path, monkeypatch)
    late = str((dates[-1] + pd.Timedelta(days=400)).date())
    argv = ["run", "--claims", str(path), "--data-dir", str(data_dir), "--jobs", "1", "--verdicts-only"]
    assert cli.main([*argv, "--as-of", str(dates[5].date()), "--as-of", late, "--run-name", "late"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and late in errors[0]
    table = pd.read_csv(root / "runs" / "sweep_late.csv", dtype=str, keep_default_na=False)
    assert table["status"].tolist() == ["ok", "FAILED"]
    assert (table.loc[1, list(CLAIMS)] == "").all() and (table.loc[0, list(CLAIMS)] != "").all()


def test_the_verdict_band_legend_sits_below_the_x_label_not_over_a_row(planted):
    from rotation.outputs.timeline import timeline_figure

    path, data_dir, dates = planted
    s = timeline.sessions(claims=str(path), data_dir=str(data_dir), dates=list(dates[100:160]))
    fig = timeline_figure(timeline.timeline(s, budget=None))
    try:
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        legend = ax.get_legend().get_window_extent(renderer)
        xlabel = ax.xaxis.label.get_window_extent(renderer)
        assert legend.y1 <= xlabel.y0 + 1  # display coordinates: y grows upwards
        assert legend.y1 <= ax.bbox.y0
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
