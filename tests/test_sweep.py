"""Sweeps: many parameter sets, one folder per run, parallel workers, summary and cross-run verdicts.

The real executions use notebook 01 only, in a throw-away project, two runs at a time.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from conftest import make_project
from rotation import cli
from rotation.core.errors import ParameterError
from rotation.outputs import results
from rotation.run import sweep

DECLARED = {
    name: {"type": kind, "default": None, "help": ""}
    for name, kind in [
        ("as_of", "str"),
        ("min_streak", "int"),
        ("horizons", "list"),
        ("small", "str"),
        ("run_name", "str"),
    ]
}


# ------------------------------------------------------------------------------ planning (no kernel)


def test_split_values_keeps_brackets_and_quotes():
    assert sweep.split_values("8,10") == ["8", "10"]
    assert sweep.split_values("[5,20], [60]") == ["[5,20]", "[60]"]
    assert sweep.split_values("'a,b',c") == ["'a,b'", "c"]


def test_parse_grid_and_expand_make_the_product_in_order():
    axes = sweep.parse_grid(["as_of=2008-06-06,2026-01-21", "min_streak=8,10,8"])
    runs = sweep.expand({"small": "rut"}, axes)
    assert runs == [
        {"small": "rut", "as_of": "2008-06-06", "min_streak": "8"},
        {"small": "rut", "as_of": "2008-06-06", "min_streak": "10"},
        {"small": "rut", "as_of": "2026-01-21", "min_streak": "8"},
        {"small": "rut", "as_of": "2026-01-21", "min_streak": "10"},
    ]


def test_plan_validates_every_run_and_names_them_as_single_runs():
    planned = sweep.plan(
        [(None, {"as_of": "2008-06-06", "min_streak": "8"}), ("mine", {"horizons": "[5, 20]"})], DECLARED, prefix="s"
    )
    assert planned == [
        {"name": "s_as_of-2008-06-06_min_streak-8", "parameters": {"as_of": "2008-06-06", "min_streak": 8}},
        {"name": "mine", "parameters": {"horizons": [5, 20]}},
    ]
    with pytest.raises(
        ParameterError,
        match=r"^run 3 of 3 \(min_streak--1\): parameter min_streak: must be from 1 to 1,000 sessions \(no streak comes near a thousand sessions\), got -1$",
    ):
        sweep.plan([(None, {}), (None, {"min_streak": 3}), (None, {"min_streak": "-1"})], DECLARED)


def test_sweep_name_is_deterministic_and_depends_on_the_runs():
    runs = [{"name": "a"}, {"name": "b"}]
    assert sweep.sweep_name(runs, ["as_of"]) == sweep.sweep_name(list(runs), ["as_of"])
    assert sweep.sweep_name(runs, ["as_of"]).startswith("as_of_2runs_")
    assert sweep.sweep_name(runs, ["as_of"]) != sweep.sweep_name([{"name": "a"}, {"name": "c"}], ["as_of"])
    assert sweep.sweep_name(runs, [], "monthly") == "monthly"


def test_verdict_table_reads_each_runs_results(project):
    for name, verdict in [("r1", "confirmed"), ("r2", "refuted")]:
        results.write_records(
            results.results_path(name),
            [{"claim_id": "streak_length", "verdict": verdict}, {"claim_id": "zz_extra", "verdict": "partly true"}],
        )
    runs = [
        {"name": "r1", "parameters": {"as_of": "2008-06-06"}},
        {"name": "r2", "parameters": {"as_of": "2009-06-05", "min_streak": 8}},
        {"name": "r3", "parameters": {}},
    ]
    statuses = [
        {"run": "r1", "ok": True},
        {"run": "r2", "ok": True},
        {"run": "r3", "ok": False, "notebooks": [], "error": "worker died"},
    ]
    table = sweep.verdict_table(runs, statuses)
    assert list(table.columns) == ["run", "status", "as_of", "min_streak", "streak_length", "zz_extra"]
    assert table["streak_length"].tolist() == ["confirmed", "refuted", ""]
    assert table["status"].tolist() == ["ok", "ok", "FAILED"]


# ------------------------------------------------------------------------------ real sweeps on notebook 01


@pytest.fixture
def project01(tmp_path, monkeypatch, shared_data):
    root = make_project(tmp_path / "project", ["01_streak"])
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    monkeypatch.setenv("ROTATION_DATA_DIR", str(shared_data))
    other = root / "runs" / "other_run"
    other.mkdir(parents=True)
    (other / "keep.txt").write_text("previous run\n")
    return root


def read_csv_rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.sweep
@pytest.mark.notebooks
def test_a_dozen_as_of_dates_with_one_failing_run(project01, capsys):
    dates = [f"{year}-06-06" for year in range(2005, 2016)] + ["2030-01-02"]  # the last is after the data end
    argv = ["run", "--notebooks", "01_streak", "--jobs", "2"]
    for date in dates:
        argv += ["--as-of", date]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == 1
    names = [f"as_of-{d}" for d in dates]
    runs = project01 / "runs"
    assert sorted(p.name for p in runs.iterdir() if p.is_dir() and not p.name.startswith(".")) == sorted(
        [*names, "other_run"]
    )  # .locks, .staging: the runner's
    assert (runs / "other_run" / "keep.txt").read_text() == "previous run\n"
    for name, date in zip(names, dates):
        status = json.loads((runs / name / "status.json").read_text())
        assert status["parameters"] == {"as_of": date}
        assert (runs / name / "01_streak.ipynb").is_file()
        assert status["ok"] == (date != "2030-01-02")
    assert (project01 / "figures" / names[0] / "01_streak_lengths.png").is_file()
    # the summary table: one row per run, the failing one names its notebook, cell and error
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("as_of-")}
    assert set(lines) == set(names)
    assert "FAILED  " in lines["as_of-2030-01-02"] and "01_streak" in lines["as_of-2030-01-02"]
    assert "ParameterError: as_of 2030-01-02 is after the data end" in lines["as_of-2030-01-02"]
    assert all(lines[n].split()[1] == "ok" for n in names[:-1])
    # progress: one line per finished run
    assert sum(line.startswith("[") and "/12] as_of-" in line for line in err.splitlines()) == 12
    # the cross-run verdict table agrees with every run's own results file
    tables = list(runs.glob("sweep_*.csv"))
    assert len(tables) == 1 and tables[0].name.startswith("sweep_as_of_12runs_")
    assert str(tables[0]) in out
    rows = read_csv_rows(tables[0])
    assert [r["run"] for r in rows] == names
    for row in rows:
        records = {  # as the scorecard shows a verdict: with its robustness label
            r["claim_id"]: r.get("verdict_label") or r["verdict"]
            for r in results.read_records(runs / row["run"] / "results.jsonl")
        }
        assert {c: row[c] for c in ("streak_length", "streak_start", "record_2008")} == {
            c: records.get(c, "") for c in ("streak_length", "streak_start", "record_2008")
        }
        assert row["status"] == ("FAILED" if row["run"] == "as_of-2030-01-02" else "ok")
    assert rows[-1]["streak_length"] == ""
    assert all(r["streak_length"] for r in rows[:-1])


@pytest.mark.sweep
@pytest.mark.notebooks
def test_yaml_run_list_on_dask_with_a_summary_path(project01, tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    config = tmp_path / "months.yaml"
    config.write_text("- run_name: june08\n  as_of: 2008-06-06\n- as_of: 2026-01-21\n")
    summary = tmp_path / "verdicts.csv"
    code = cli.main(["run", "--config", str(config), "--executor", "dask", "--jobs", "2", "--summary", str(summary)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    rows = read_csv_rows(summary)
    assert [r["run"] for r in rows] == ["june08", "as_of-2026-01-21"]
    assert [r["status"] for r in rows] == ["ok", "ok"]
    for row in rows:
        status = json.loads((project01 / "runs" / row["run"] / "status.json").read_text())
        assert status["ok"] and status["parameters"]["as_of"] == row["as_of"]
        assert (
            row["streak_length"]
            == results.read_records(project01 / "runs" / row["run"] / "results.jsonl")[0]["verdict"]
        )
    assert not list((project01 / "runs").glob("sweep_*.csv"))  # --summary replaces the default path


@pytest.mark.sweep
@pytest.mark.notebooks
def test_single_run_path_is_unchanged(project01, capsys):
    code = cli.main(["run", "--notebooks", "01_streak", "--as-of", "2009-06-05", "-p", "top_n", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "run as_of-2009-06-05_top_n-5: ok" in out
    assert "01_streak: ok" in err  # per-notebook progress lines of a single run
    status = json.loads((project01 / "runs" / "as_of-2009-06-05_top_n-5" / "status.json").read_text())
    assert status["parameters"] == {"as_of": "2009-06-05", "top_n": 5}
    assert not list((project01 / "runs").glob("sweep_*.csv"))


def test_worker_failure_outside_notebooks_is_reported_not_raised(project01):
    job = {
        "name": "bad/name",
        "parameters": {},
        "notebooks": [],
        "env": {"ROTATION_PROJECT_DIR": os.environ["ROTATION_PROJECT_DIR"]},
    }
    status = sweep.run_one(job)
    assert status["ok"] is False and status["run"] == "bad/name"
    assert status["error"] == "ParameterError: run name 'bad/name' is not a plain folder name: it holds a slash"
    assert sweep.first_failure(status) == ("", "", status["error"])


def test_the_default_path_does_not_import_dask():
    import subprocess
    import sys

    code = "import sys, rotation.cli, rotation.run.sweep; rotation.cli.build_parser(); print('dask' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )


@pytest.mark.sweep
@pytest.mark.notebooks
def test_prestarted_kernels_start_clean(project01):
    """The second notebook runs in a kernel started (and warmed up) during the first: same results, cells from 1."""
    from rotation.run import runner

    path = project01 / "notebooks" / "01_streak.ipynb"
    status = runner.execute_run({"as_of": "2009-06-05"}, "warm", notebooks=[path, path], log=lambda line: None)
    assert status["ok"], status
    import nbformat

    rendered = nbformat.read(project01 / "runs" / "warm" / "01_streak.ipynb", as_version=4)
    code = [c for c in rendered.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    cold = runner.execute_run({"as_of": "2009-06-05"}, "cold", notebooks=[path], log=lambda line: None, prestart=False)
    assert cold["ok"]
    strip = lambda rows: {r["claim_id"]: (r["measured"], r["verdict"]) for r in rows}  # noqa: E731
    assert strip(results.read_records(project01 / "runs" / "warm" / "results.jsonl")) == strip(
        results.read_records(project01 / "runs" / "cold" / "results.jsonl")
    )


def test_runs_of_a_sweep_execute_two_notebooks_at_a_time_while_that_keeps_two_kernels_per_core():
    assert sweep.notebook_jobs_per_run(2, cores=2) == 2  # 4 kernels on 2 cores
    assert sweep.notebook_jobs_per_run(1, cores=2) == 2
    assert sweep.notebook_jobs_per_run(3, cores=2) == 1
    assert sweep.notebook_jobs_per_run(16, cores=8) == 1
