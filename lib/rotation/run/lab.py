"""JupyterLab support: saving a notebook template leaves no outputs and no volatile metadata.

``make lab`` starts JupyterLab with ``--ContentsManager.pre_save_hook=rotation.run.lab.template_pre_save_hook``.
When a *template* (``notebooks/NN_name.ipynb`` of the project) is saved, by hand or by autosave,
the hook removes what running or merely opening it adds: outputs, execution counts, execution
timings and UI state in cell metadata, and changes to the notebook-level metadata (kernel and
language versions); the notebook metadata already on disk is kept. So opening a template,
running it and closing it leaves ``git status`` clean; edits to cell sources are saved as usual.
Other notebooks (rendered runs, your own) are saved untouched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

TEMPLATE_NAME = re.compile(r"\d\d_[^/]*\.ipynb")
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "jupyter", "papermill", "ExecuteTime")


def is_template(path: str) -> bool:
    """True for a template path relative to the project root: ``notebooks/NN_name.ipynb``."""
    parts = Path(path.strip("/")).parts
    return len(parts) == 2 and parts[0] == "notebooks" and TEMPLATE_NAME.fullmatch(parts[1]) is not None


def clean_template(content: dict, on_disk: Mapping | None = None) -> dict:
    """``content`` (notebook JSON as a dict) without outputs, counts and volatile metadata, in place.

    ``on_disk`` is the template as last saved: its notebook-level metadata replaces the one in
    ``content`` (so a kernel or language version of this machine never lands in the template).
    """
    for cell in content.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        metadata = cell.get("metadata", {})
        for key in VOLATILE_CELL_METADATA:
            metadata.pop(key, None)
    if on_disk is not None and "metadata" in on_disk:
        content["metadata"] = json.loads(json.dumps(on_disk["metadata"]))
    return content


def template_pre_save_hook(model: dict, path: str, contents_manager=None, **kwargs) -> None:
    """Jupyter server pre-save hook: clean a template notebook before it is written."""
    if model.get("type") != "notebook" or not is_template(path) or not isinstance(model.get("content"), dict):
        return
    on_disk = None
    root = getattr(contents_manager, "root_dir", None)
    if root:
        current = Path(root) / path.strip("/")
        if current.is_file():
            try:
                on_disk = json.loads(current.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                on_disk = None
    clean_template(model["content"], on_disk)


__all__ = ["clean_template", "is_template", "template_pre_save_hook"]
