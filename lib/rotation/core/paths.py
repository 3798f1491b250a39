"""Where the project keeps its run folders, figures, cache and claims registry.

The project directory is ``ROTATION_PROJECT_DIR`` when set, otherwise the source checkout
this package was installed from (editable install), otherwise the current directory.

While ``rotation run`` executes a run, its kernels write into a staging folder, not into
``runs/<run>/`` and ``figures/<run>/``: the runner sets ``ROTATION_STAGING_RUN`` (the run
name) and ``ROTATION_STAGING_DIR`` (the staging folder) for them, and ``run_dir`` and
``figures_dir`` honour those two variables for that run name only. The notebooks are not
changed (their parameters cell shows the real run name); the runner moves the staged
folders into place when every notebook succeeded (see ``rotation.run.staging``).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[3]
FIGURE_FORMATS = ("png", "svg", "pdf")  # every saved figure, in this order (see plots.save_figure)
STAGING_RUN_ENV = "ROTATION_STAGING_RUN"
STAGING_DIR_ENV = "ROTATION_STAGING_DIR"
MAX_RUN_NAME_BYTES = 200  # leaves room under the usual 255-byte file-name limit for suffixes (.lock)


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


def executions_cache_dir() -> Path:
    """The execution cache (``rotation.run.cache``): ``data/cache/executions/``, git-ignored like all of ``data/cache/``."""
    return cache_dir() / "executions"


def runs_dir() -> Path:
    return project_dir() / "runs"


def _staging(run_name: str) -> Path | None:
    """The staging folder of ``run_name`` when the runner is executing it, else None."""
    folder = os.environ.get(STAGING_DIR_ENV, "").strip()
    if folder and os.environ.get(STAGING_RUN_ENV) == run_name:
        return Path(folder)
    return None


def run_dir(run_name: str) -> Path:
    """Folder of one run: rendered notebooks, ``results.jsonl``, ``params.yaml``, ``status.json``."""
    name = _checked_name(run_name)
    staged = _staging(name)
    return staged / "run" if staged is not None else published_run_dir(name)


def figures_dir(run_name: str) -> Path:
    """Folder of one run's figures: ``figures/<run name>/``."""
    name = _checked_name(run_name)
    staged = _staging(name)
    return staged / "figures" if staged is not None else published_figures_dir(name)


def published_run_dir(run_name: str) -> Path:
    """``runs/<run name>/`` itself, whether or not the run is being staged."""
    return runs_dir() / _checked_name(run_name)


def published_figures_dir(run_name: str) -> Path:
    """``figures/<run name>/`` itself, whether or not the run is being staged."""
    return project_dir() / "figures" / _checked_name(run_name)


def run_name_problem(run_name: object) -> str | None:
    """Why ``run_name`` is not a plain folder name (None when it is one)."""
    name = str(run_name)
    if not name.strip():
        return "is empty"
    if name != name.strip():
        return "starts or ends with white space"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        return "holds a control character"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 (decoded as surrogate escapes), or a lone surrogate
        return "is not valid UTF-8 text"
    if "/" in name or "\\" in name:
        return "holds a slash"
    if name.startswith("."):
        return "starts with a dot"
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_RUN_NAME_BYTES:
        return f"is {size} bytes long (at most {MAX_RUN_NAME_BYTES})"
    return None


def _checked_name(run_name: str) -> str:
    from rotation.core.errors import ParameterError

    problem = run_name_problem(run_name)
    if problem:
        raise ParameterError(f"run name {_shown(run_name)} is not a plain folder name: it {problem}")
    return str(run_name)


def _shown(run_name: object) -> str:
    """A run name as shown in one error line: quoted, control characters escaped, long names cut."""
    text = repr(str(run_name))
    return text if len(text) <= 80 else text[:60] + "..." + text[-10:]
