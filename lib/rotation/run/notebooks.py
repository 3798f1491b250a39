"""The notebook collection: which notebooks there are, and the parameters each declares.

``notebook_paths`` lists the collection (``notebooks/NN_name.ipynb``); ``notebook_parameters``
reads a notebook's ``parameters`` cell with papermill's inspection (name, default, type, help),
once per version of the file; ``collection_parameters`` merges them over the collection.
Used by the runner (what to execute, which parameters to accept) and the preflight (which
series the notebooks will load).
"""

from __future__ import annotations

import ast
import copy
import functools
from collections.abc import Mapping
from pathlib import Path

from rotation.core.errors import ParameterError
from rotation.core.paths import notebooks_dir
from rotation.run.parameters import _short


def notebook_paths(directory: Path | None = None, only: list[str] | None = None) -> list[Path]:
    """The collection's notebooks (``NN_name.ipynb``), sorted; ``only`` keeps the named stems."""
    folder = directory or notebooks_dir()
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        stems = {p.stem: p for p in paths}
        unknown = [name for name in only if name not in stems]
        if unknown:
            raise ParameterError(f"unknown notebook {unknown[0]!r} (have: {', '.join(stems)})")
        paths = [stems[name] for name in only]
    if not paths:
        raise ParameterError(f"no notebooks found in {folder}")
    return paths


def notebooks_for_claims(paths: list[Path], claims_file: str) -> list[Path]:
    """The notebooks a claims file needs: those its claims name, plus the scorecard (``99_*``)."""
    from rotation.claims.registry import load_registry

    wanted = set()
    for claim_id, claim in load_registry(claims_file)["claims"].items():
        stem = claim.get("notebook") if isinstance(claim, Mapping) else None
        if not isinstance(stem, str):
            raise ParameterError(
                f"{claims_file}: claim {claim_id}: notebook must be one notebook name such as 01_streak, got {_short(stem)}"
            )
        wanted.add(stem)
    unknown = sorted(wanted - {p.stem for p in paths})
    if unknown:
        raise ParameterError(
            f"{claims_file}: claims name notebook {unknown[0]!r}, which the collection does not have (have: {', '.join(p.stem for p in paths)})"
        )
    return [p for p in paths if p.stem in wanted or p.stem.startswith("99_")]


def notebook_parameters(path: Path) -> dict[str, dict]:
    """Parameters a notebook declares in its ``parameters`` cell: name -> default, type and help.

    Inspected once per version of the file (papermill's inspection is slow; the runner asks often).
    """
    stat = Path(path).stat()
    return copy.deepcopy(_inspect_parameters(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=256)
def _inspect_parameters(path: str, mtime_ns: int, size: int) -> dict[str, dict]:
    import papermill

    found = papermill.inspect_notebook(path)
    return {
        name: {
            "default": info["default"],
            "type": _declared_type(info["inferred_type_name"], info["default"]),
            "help": info["help"],
        }
        for name, info in found.items()
    }


def _declared_type(annotation: str | None, default: str | None) -> str:
    """The parameter's type: its annotation, else the type of its literal default (``""`` -> str, ``10`` -> int)."""
    if annotation and annotation != "None":
        return annotation
    try:
        value = ast.literal_eval(default) if default else None
    except (ValueError, SyntaxError):
        return "None"
    if isinstance(value, tuple):
        return "list"
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list"}.get(type(value), "None")


def collection_parameters(paths: list[Path]) -> dict[str, dict]:
    """Parameters of all notebooks: name -> default, type, help and the notebooks declaring it."""
    merged: dict[str, dict] = {}
    for path in paths:
        for name, info in notebook_parameters(path).items():
            entry = merged.setdefault(name, {**info, "notebooks": []})
            if entry["type"] != info["type"]:
                if "None" in (entry["type"], info["type"]):  # one notebook also accepts None: the other's type, or None
                    if entry["type"] == "None":
                        entry["type"], entry["default"] = info["type"], info["default"]
                    entry["optional"] = True
                else:  # declared differently: accept any YAML scalar
                    entry["type"] = "None"
            entry["notebooks"].append(path.stem)
            entry.setdefault("defaults", {})[path.stem] = info["default"]
    return merged
