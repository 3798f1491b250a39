"""A results file whose records come from different parameter sets is detected."""

from __future__ import annotations

import nbformat

from rotation.outputs import provenance


def rendered(folder, stem, given, declared="as_of = ''\nmin_streak = 10\n", papermill=True):
    params = nbformat.v4.new_code_cell(declared, id="c01")
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params])
    if papermill:
        nb.metadata["papermill"] = {"parameters": {"run_name": "scratch", **given}}
    nbformat.write(nb, folder / f"{stem}.ipynb")


def records(*stems):
    return [{"claim_id": f"c{i}", "notebook": stem} for i, stem in enumerate(stems)]


def test_one_parameter_set_gives_no_lines(tmp_path):
    rendered(tmp_path, "01_a", {"as_of": "2008-06-06"})
    rendered(tmp_path, "02_b", {"as_of": "2008-06-06"}, declared="as_of = ''\nmin_streak = 8\n")  # defaults may differ
    assert provenance.parameter_mismatches(tmp_path, records("01_a", "02_b")) == []


def test_notebooks_run_at_different_dates_are_flagged(tmp_path):
    rendered(tmp_path, "01_a", {"as_of": "2008-06-06"})
    rendered(tmp_path, "02_b", {})
    rendered(tmp_path, "03_c", {"as_of": "2026-01-21"})
    lines = provenance.parameter_mismatches(tmp_path, records("01_a", "02_b", "03_c"))
    assert lines == ['as_of: "2008-06-06" in 01_a; (its default) in 02_b; "2026-01-21" in 03_c']


def test_a_parameter_only_one_notebook_declares_is_not_compared(tmp_path):
    rendered(tmp_path, "01_a", {"as_of": "2008-06-06", "level": 0.9}, declared="as_of = ''\nlevel = 0.95\n")
    rendered(tmp_path, "02_b", {"as_of": "2008-06-06"}, declared="as_of = ''\n")
    assert provenance.parameter_mismatches(tmp_path, records("01_a", "02_b")) == []


def test_records_without_a_papermill_rendering_are_flagged(tmp_path):
    rendered(tmp_path, "01_a", {"as_of": "2008-06-06"})
    rendered(tmp_path, "02_b", {}, papermill=False)  # saved from JupyterLab
    lines = provenance.parameter_mismatches(tmp_path, records("01_a", "02_b", "04_gone"))
    assert [line.split(":")[0] for line in lines] == ["02_b", "04_gone"]
    assert "parameters of its records are unknown" in lines[0]
