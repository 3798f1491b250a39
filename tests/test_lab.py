"""JupyterLab: saving a template through the server keeps it free of outputs and volatile metadata."""

from __future__ import annotations

import json
import shutil

import nbformat
from jupyter_server.services.contents.filemanager import FileContentsManager

from conftest import REPO
from rotation.run import lab


def test_template_paths_are_recognised():
    assert lab.is_template("notebooks/01_streak.ipynb") and lab.is_template("/notebooks/99_scorecard.ipynb")
    assert not lab.is_template("runs/article/01_streak.ipynb")
    assert not lab.is_template("notebooks/scratch.ipynb") and not lab.is_template("notebooks/sub/01_x.ipynb")


def test_saving_a_run_template_through_the_server_leaves_the_file_unchanged(tmp_path):
    (tmp_path / "notebooks").mkdir()
    source = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))[0]
    target = tmp_path / "notebooks" / source.name
    shutil.copy(source, target)
    before = target.read_bytes()
    manager = FileContentsManager(root_dir=str(tmp_path), pre_save_hook="rotation.run.lab.template_pre_save_hook")
    model = manager.get(f"notebooks/{source.name}")
    nb = model["content"]
    nb.metadata["language_info"] = {"name": "python", "version": "3.99.0"}  # what a kernel of this machine adds
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    code.execution_count = 7
    code.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    code.metadata["scrolled"] = True
    manager.save({"type": "notebook", "content": json.loads(json.dumps(nb))}, f"notebooks/{source.name}")
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert saved == json.loads(before.decode("utf-8"))


def test_a_source_edit_is_kept_and_other_notebooks_are_saved_as_they_are(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", id="a1")],
        metadata={"kernelspec": {"name": "rotation", "display_name": "Python (rotation)"}},
    )
    nbformat.write(nb, tmp_path / "notebooks" / "01_t.ipynb")
    nbformat.write(nb, tmp_path / "mine.ipynb")
    manager = FileContentsManager(root_dir=str(tmp_path), pre_save_hook="rotation.run.lab.template_pre_save_hook")
    for path in ("notebooks/01_t.ipynb", "mine.ipynb"):
        content = manager.get(path)["content"]
        content.cells[0].source = "x = 2"
        content.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
        manager.save({"type": "notebook", "content": json.loads(json.dumps(content))}, path)
    template = nbformat.read(tmp_path / "notebooks" / "01_t.ipynb", as_version=4)
    mine = nbformat.read(tmp_path / "mine.ipynb", as_version=4)
    assert template.cells[0].source == "x = 2" and template.cells[0].outputs == []
    assert mine.cells[0].outputs[0]["text"] == "2\n"
