"""Deterministic renderings: a notebook executed twice on the same code and data is the same file.

papermill and the kernel write what changes on every execution: start/end times and durations
(notebook and cell metadata), the kernel's execution timestamps (``metadata.execution``), a random
id for the injected-parameters cell, and the absolute input/output paths of this machine.
``normalise_notebook`` removes the timings, gives cells without a stable id one derived from the
notebook and the cell's position and source, and writes paths relative to the project folder. What
describes the run stays: the parameters, the papermill version, each cell's status and exception
flag, the kernel and language versions.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from rotation.core.files import write_text_atomic

VOLATILE_RUN_KEYS = ("start_time", "end_time", "duration")  # in metadata.papermill and each cell's metadata.papermill
VOLATILE_CELL_KEYS = ("execution", "ExecuteTime")  # kernel/extension timestamps in cell metadata
INJECTED_TAG = "injected-parameters"


def stable_cell_id(notebook: str, index: int, source: str) -> str:
    """A deterministic nbformat cell id (8 hex digits) for cell ``index`` of ``notebook``."""
    return hashlib.sha1(f"{notebook}\n{index}\n{source}".encode()).hexdigest()[:8]


def _relative(path: object, root: Path) -> object:
    if not isinstance(path, str) or not os.path.isabs(path):
        return path
    try:
        return Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return Path(path).name


def normalise(nb: dict, name: str, root: Path, template_ids: set[str] | None = None) -> dict:
    """``nb`` (notebook JSON as a dict) without volatile metadata, in place; see the module docstring.

    ``template_ids``: the cell ids of the template; a cell keeps its id when it is one of them (or
    when no template ids are given and the cell is not the injected-parameters cell).
    """
    meta = nb.setdefault("metadata", {})
    run = meta.get("papermill")
    if isinstance(run, dict):
        for key in VOLATILE_RUN_KEYS:
            run.pop(key, None)
        for key in ("input_path", "output_path"):
            if key in run:
                run[key] = _relative(run[key], root)
    seen: set[str] = set()
    for index, cell in enumerate(nb.get("cells", [])):
        cmeta = cell.setdefault("metadata", {})
        for key in VOLATILE_CELL_KEYS:
            cmeta.pop(key, None)
        if isinstance(cmeta.get("papermill"), dict):
            for key in VOLATILE_RUN_KEYS:
                cmeta["papermill"].pop(key, None)
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        injected = INJECTED_TAG in cmeta.get("tags", [])
        keep = cell.get("id") and not injected and (template_ids is None or cell["id"] in template_ids)
        if "id" in cell or nb.get("nbformat_minor", 5) >= 5:
            cell_id = cell["id"] if keep and cell["id"] not in seen else stable_cell_id(name, index, source)
            while cell_id in seen:
                cell_id = stable_cell_id(name, index, source + cell_id)
            cell["id"] = cell_id
            seen.add(cell_id)
    return nb


def normalise_notebook(
    path: str | os.PathLike, template: str | os.PathLike | None = None, root: str | os.PathLike | None = None
) -> Path:
    """Rewrite the rendered notebook ``path`` deterministically (atomically, only if it changes).

    ``template``: the notebook it was rendered from (its cell ids are kept); ``root``: the folder
    paths are written relative to (default: the project folder).
    """
    import json

    import nbformat

    from rotation.core.paths import project_dir

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    template_ids = None
    if template is not None and Path(template).is_file():
        template_ids = {
            c.get("id") for c in json.loads(Path(template).read_text(encoding="utf-8")).get("cells", []) if c.get("id")
        }
    normalise(nb, path.stem, Path(root) if root is not None else project_dir(), template_ids)
    out = nbformat.writes(nbformat.from_dict(nb), version=nbformat.NO_CONVERT)
    if not out.endswith("\n"):
        out += "\n"
    if out != text:
        write_text_atomic(path, out)
    return path


__all__ = ["normalise", "normalise_notebook", "stable_cell_id"]
