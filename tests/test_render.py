"""Deterministic renderings: volatile metadata is removed, what describes the run is kept."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from rotation.outputs import normalize


def rendered(start: str, seconds: float, injected_id: str, root: str) -> dict:
    """A notebook as papermill writes it, with the times and ids of one execution."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "rotation", "display_name": "Python (rotation)", "language": "python"},
        "language_info": {"name": "python", "version": "3.11.7"},
        "papermill": {
            "duration": seconds,
            "start_time": start,
            "end_time": start,
            "exception": None,
            "parameters": {"as_of": "2008-06-06"},
            "input_path": f"{root}/notebooks/01_x.ipynb",
            "output_path": f"{root}/runs/r/01_x.ipynb",
            "version": "2.7.0",
            "environment_variables": {},
            "default_parameters": {},
        },
    }
    cells = [
        nbformat.v4.new_markdown_cell("# title", id="c00"),
        nbformat.v4.new_code_cell("as_of = ''", id="c01"),
        nbformat.v4.new_code_cell("as_of = '2008-06-06'", id=injected_id),
        nbformat.v4.new_code_cell("print(1)", id="c02"),
    ]
    cells[1].metadata["tags"] = ["parameters"]
    cells[2].metadata["tags"] = ["injected-parameters"]
    for cell in cells:
        cell.metadata["papermill"] = {
            "duration": seconds / 4,
            "start_time": start,
            "end_time": start,
            "exception": False,
            "status": "completed",
        }
        if cell.cell_type == "code":
            cell.metadata["execution"] = {"iopub.status.busy": start, "shell.execute_reply": start}
    nb.cells = cells
    return json.loads(json.dumps(nb))


def test_two_executions_normalise_to_the_same_file(tmp_path):
    a = rendered("2026-12-02T00:29:49Z", 17.0, "39e45dff", str(tmp_path))
    b = rendered("2026-12-03T08:00:00Z", 21.5, "0a1b2c3d", str(tmp_path))
    ids = {"c00", "c01", "c02"}
    for nb in (a, b):
        normalize.normalise(nb, "01_x", tmp_path, ids)
    assert a == b
    assert [c["id"] for c in a["cells"]][:2] == ["c00", "c01"] and a["cells"][3]["id"] == "c02"
    assert a["cells"][2]["id"] == normalize.stable_cell_id("01_x", 2, "as_of = '2008-06-06'")
    run = a["metadata"]["papermill"]
    assert run["parameters"] == {"as_of": "2008-06-06"} and run["version"] == "2.7.0"
    assert run["input_path"] == "notebooks/01_x.ipynb" and run["output_path"] == "runs/r/01_x.ipynb"
    assert not {"duration", "start_time", "end_time"} & run.keys()
    assert a["metadata"]["language_info"]["version"] == "3.11.7"
    assert all(
        "execution" not in c["metadata"] and c["metadata"]["papermill"] == {"exception": False, "status": "completed"}
        for c in a["cells"]
    )


def test_normalise_notebook_is_idempotent_and_valid(tmp_path):
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps(rendered("2026-12-02T00:29:49Z", 17.0, "39e45dff", str(tmp_path))), encoding="utf-8")
    normalize.normalise_notebook(path, root=tmp_path)
    first = path.read_bytes()
    nbformat.validate(nbformat.read(path, as_version=4))
    normalize.normalise_notebook(path, root=tmp_path)
    assert path.read_bytes() == first


def test_duplicate_ids_become_unique():
    nb = rendered("t", 1.0, "c01", "/x")  # the injected cell reuses a template id
    normalize.normalise(copy.deepcopy(nb), "01_x", __import__("pathlib").Path("/x"))
    out = normalize.normalise(nb, "01_x", __import__("pathlib").Path("/x"), {"c00", "c01", "c02"})
    ids = [c["id"] for c in out["cells"]]
    assert len(set(ids)) == len(ids)


@pytest.mark.notebooks
def test_a_notebook_executed_twice_by_papermill_is_byte_identical(tmp_path):
    import papermill

    from rotation.run.runner import ensure_kernel

    template = tmp_path / "01_t.ipynb"
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "rotation", "display_name": "Python (rotation)", "language": "python"}}
    )
    params = nbformat.v4.new_code_cell("x = 1", id="c01")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# t", id="c00"),
        params,
        nbformat.v4.new_code_cell("print(x * 2)", id="c02"),
    ]
    nbformat.write(nb, template)
    outputs = []
    for i in range(2):
        out = tmp_path / f"out{i}" / "01_t.ipynb"
        out.parent.mkdir()
        papermill.execute_notebook(
            str(template), str(out), parameters={"x": 3}, kernel_name=ensure_kernel(), progress_bar=False
        )
        normalize.normalise_notebook(out, template=template, root=tmp_path / f"out{i}")
        outputs.append(out.read_text(encoding="utf-8").replace(f"out{i}", "outN"))
    assert outputs[0] == outputs[1]
    assert '"text": [\n      "6\\n"' in outputs[0] or '"6\\n"' in outputs[0]
