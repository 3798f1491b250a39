"""One run through the CLI: a failing cell is named, the partial notebook kept, the exit code non-zero."""

from __future__ import annotations

import json

import nbformat
import pytest

from conftest import make_project
from rotation import cli


@pytest.mark.notebooks
def test_failing_cell_is_named_and_partial_notebook_kept(tmp_path, shared_data, monkeypatch, capsys):
    root = make_project(tmp_path / "p", ["01_streak"])
    path = root / "notebooks" / "01_streak.ipynb"
    notebook = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])) + 2
    planted = nbformat.v4.new_code_cell('raise RuntimeError("planted failure")')
    planted.id = "planted"
    notebook.cells.insert(at, planted)  # a cell that fails after the setup cell has run
    nbformat.write(notebook, path)
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    monkeypatch.setenv("ROTATION_DATA_DIR", str(shared_data))
    code = cli.main(["run", "--run-name", "planted", "--notebooks", "01_streak"])
    err = capsys.readouterr().err
    assert code == 1
    line = next(l for l in err.splitlines() if l.startswith("error: run planted"))
    assert "notebook 01_streak failed at cell " in line
    assert line.endswith("RuntimeError: planted failure")
    rendered = nbformat.read(root / "runs" / "planted" / "01_streak.ipynb", as_version=4)
    errors = [
        o for c in rendered.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert errors and errors[0]["ename"] == "RuntimeError"  # the partial notebook shows where it stopped
    status = json.loads((root / "runs" / "planted" / "status.json").read_text())
    assert status["ok"] is False and status["notebooks"][0]["cell"] is not None


def test_a_date_after_the_data_is_refused_before_any_kernel(tmp_path, shared_data, monkeypatch, capsys):
    root = make_project(tmp_path / "p", ["01_streak"])
    monkeypatch.setenv("ROTATION_PROJECT_DIR", str(root))
    monkeypatch.setenv("ROTATION_DATA_DIR", str(shared_data))
    code = cli.main(["run", "--as-of", "2030-01-02", "--notebooks", "01_streak"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "2030-01-02" in err[0]
    assert not (root / "runs" / "as_of-2030-01-02").exists()


def test_params_lists_every_parameter_once_with_type_help_and_notebooks(capsys):
    from rotation.run import notebooks, runner

    assert cli.main(["params"]) == 0
    out = capsys.readouterr().out
    blocks = {}
    for line in out.splitlines():
        if line and not line.startswith((" ", "Notebook parameters")) and "  (" in line:
            name = line.split("  (", 1)[0]
            assert name not in blocks, f"{name} listed twice"
            blocks[name] = line
    declared = notebooks.collection_parameters(notebooks.notebook_paths())
    assert set(blocks) == set(declared) - runner.RUNNER_PARAMETERS
    assert blocks["as_of"].startswith("as_of  (str; default")
    as_of = out.split("\nas_of  (", 1)[1].split("\n", 1)[1]
    assert "date the claims" in as_of.split("used by:")[0]
    assert as_of.split("used by: ", 1)[1].split("\n")[0].split(", ") == declared["as_of"]["notebooks"]


def test_default_run_names():
    from rotation.run.runner import default_run_name

    assert default_run_name({}) == "article"
    assert default_run_name({"data_dir": "/elsewhere"}) == "article"  # where data come from is not in the name
    assert default_run_name({"min_streak": 8, "as_of": "2008-06-06"}) == "as_of-2008-06-06_min_streak-8"
    assert default_run_name({"horizons": [5, 21]}) == "horizons-5,21"
