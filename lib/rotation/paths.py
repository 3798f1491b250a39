"""Where the project keeps its run folders, figures, cache and claims registry.

The project directory is ``ROTATION_PROJECT_DIR`` when set, otherwise the source checkout
this package was installed from (editable install), otherwise the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]
FIGURE_FORMATS = ("png", "svg", "pdf")  # every saved figure, in this order (see plots.save_figure)


def project_dir() -> Path:
    """The project root: holds ``notebooks/``, ``data/``, ``runs/`` and ``figures/``."""
    env = os.environ.get("ROTATION_PROJECT_DIR", "").strip()
    if env:
        return Path(env).expanduser().resolve()
    if (_CHECKOUT / "data" / "claims.yaml").is_file():
        return _CHECKOUT
    return Path.cwd()


def notebooks_dir() -> Path:
    return project_dir() / "notebooks"


def registry_path() -> Path:
    return project_dir() / "data" / "claims.yaml"


def cache_dir() -> Path:
    return project_dir() / "data" / "cache"


def runs_dir() -> Path:
    return project_dir() / "runs"


def run_dir(run_name: str) -> Path:
    """Folder of one run: rendered notebooks, ``results.jsonl``, ``params.yaml``, ``status.json``."""
    return runs_dir() / _checked_name(run_name)


def figures_dir(run_name: str) -> Path:
    """Folder of one run's figures: ``figures/<run name>/``."""
    return project_dir() / "figures" / _checked_name(run_name)


def _checked_name(run_name: str) -> str:
    from rotation.errors import ParameterError

    name = str(run_name).strip()
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ParameterError(f"run_name {run_name!r} is not a valid folder name (no slashes, not empty)")
    return name
