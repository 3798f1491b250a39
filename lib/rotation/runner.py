"""Execute the notebook collection with papermill, one folder per run.

A run is one set of parameters applied to every notebook in ``notebooks/`` (sorted by
name, so ``99_scorecard`` comes last). Parameters are checked against what the notebooks
declare (papermill's own inspection) and validated *before* any kernel starts. Each notebook
receives only the parameters it declares. Rendered notebooks, ``params.yaml``,
``results.jsonl`` and ``status.json`` go to ``runs/<run name>/``; figures to
``figures/<run name>/``. A failing notebook does not stop the run (the scorecard reports it),
but the run's status, and the command's exit code, say it failed.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from rotation.errors import ParameterError, RotationError
from rotation import render
from rotation.io import write_text_atomic
from rotation.paths import figures_dir, notebooks_dir, project_dir, run_dir

KERNEL_NAME = "rotation"
KERNEL_DISPLAY_NAME = "Python (rotation)"
ARTICLE_RUN = "article"
DATE_PARAMETERS = {"as_of", "data_end", "start", "end", "crash_date"}
CLAIMS_PARAMETERS = {"claims"}  # a claims file: must load and validate; made absolute
POSITIVE_PARAMETERS = {"min_streak", "min_streaks", "horizons", "odds_horizons", "n_sims", "n_boot", "block_length", "sequence_block_length", "max_hazard_length", "rsi_window", "window"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RUNNER_PARAMETERS = {"run_name"}  # set by the runner, not by the user
SERIES_PARAMETERS = {"small", "large"}  # series ids or Yahoo tickers, checked against the catalogue
FOLDER_PARAMETERS = {"data_dir"}  # must exist; made absolute (notebooks run with the project as cwd)


class _NoDatesLoader(yaml.SafeLoader):
    """YAML loader that keeps dates as strings (dates are parsed by the package, never by YAML)."""


_NoDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


def yaml_load(text: str) -> object:
    """Parse YAML keeping ISO dates as strings."""
    return yaml.load(text, Loader=_NoDatesLoader)  # noqa: S506 (SafeLoader subclass)


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
    from rotation.claims import load_registry

    wanted = {c["notebook"] for c in load_registry(claims_file)["claims"].values()}
    unknown = sorted(wanted - {p.stem for p in paths})
    if unknown:
        raise ParameterError(f"{claims_file}: claims name notebook {unknown[0]!r}, which the collection does not have (have: {', '.join(p.stem for p in paths)})")
    return [p for p in paths if p.stem in wanted or p.stem.startswith("99_")]


def notebook_parameters(path: Path) -> dict[str, dict]:
    """Parameters a notebook declares in its ``parameters`` cell: name -> default, type and help."""
    import papermill

    found = papermill.inspect_notebook(str(path))
    return {
        name: {"default": info["default"], "type": _declared_type(info["inferred_type_name"], info["default"]), "help": info["help"]}
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
            if entry["type"] != info["type"]:  # declared differently: accept any YAML scalar
                entry["type"] = "None"
            entry["notebooks"].append(path.stem)
    return merged


def coerce_value(name: str, value: object, declared_type: str) -> object:
    """Convert a parameter value (often a command-line string) to the declared type, or refuse it."""
    kind = declared_type.split("[")[0].strip().lower()
    text = value if isinstance(value, str) else None
    try:
        if kind == "int":
            out: object = int(text) if text is not None else value
            if isinstance(out, bool) or not isinstance(out, int):
                raise ValueError
        elif kind == "float":
            out = float(text) if text is not None else float(value)  # type: ignore[arg-type]
        elif kind == "bool":
            lowered = text.strip().lower() if text is not None else None
            out = {"true": True, "false": False, "1": True, "0": False}[lowered] if lowered is not None else value
            if not isinstance(out, bool):
                raise ValueError
        elif kind == "list":
            out = yaml_load(text) if text is not None else value
            if isinstance(out, (int, float, str)) and not isinstance(out, bool):
                out = [out]
            if not isinstance(out, list):
                raise ValueError
        elif kind == "str":
            out = str(value)
        else:  # None default or unknown annotation: accept YAML scalars
            out = yaml_load(text) if text is not None else value
    except (ValueError, KeyError, TypeError, yaml.YAMLError):
        raise ParameterError(f"parameter {name}: expected {kind}, got {value!r}") from None
    return _check_value(name, out)


def _check_value(name: str, value: object) -> object:
    if name in FOLDER_PARAMETERS and value not in ("", None):
        folder = Path(str(value)).expanduser()
        if not folder.is_dir():
            raise ParameterError(f"parameter {name}: folder {folder} does not exist")
        value = str(folder.resolve())
    if name in CLAIMS_PARAMETERS and value not in ("", None):
        from rotation.claims import load_registry, registry_file

        load_registry(str(value))  # refuses a missing file, bad YAML, an unknown kind or a missing field, in one line
        value = str(registry_file(str(value)))
    if name in SERIES_PARAMETERS and value not in ("", None):
        from rotation.data import series_spec

        try:
            series_spec(str(value))
        except ParameterError as exc:
            raise ParameterError(f"parameter {name}: {exc}") from None
    if name in DATE_PARAMETERS and value not in ("", None):
        try:
            if not _ISO_DATE.fullmatch(str(value).strip()):
                raise ValueError
            dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ParameterError(f"parameter {name}: {value!r} is not a date (expected YYYY-MM-DD)") from None
    if name in POSITIVE_PARAMETERS:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, (int, float)) or isinstance(item, bool) or item <= 0:
                raise ParameterError(f"parameter {name}: must be positive, got {value!r}")
    return value


def validate_parameters(raw: Mapping[str, object], declared: Mapping[str, dict]) -> dict[str, object]:
    """Refuse unknown names and badly typed values; returns coerced values."""
    out = {}
    for name, value in raw.items():
        if name in RUNNER_PARAMETERS:
            raise ParameterError(f"parameter {name} is set by the runner; use --run-name")
        if name not in declared:
            known = ", ".join(sorted(n for n in declared if n not in RUNNER_PARAMETERS))
            raise ParameterError(f"unknown parameter {name!r}: no notebook declares it (known: {known})")
        out[name] = coerce_value(name, value, declared[name]["type"])
    return out


def default_run_name(overrides: Mapping[str, object]) -> str:
    """``article`` for the article's defaults; otherwise a name built from the overrides.

    Where the data come from (``data_dir``) is not part of the name.
    """
    named = [k for k in overrides if k not in FOLDER_PARAMETERS and k not in CLAIMS_PARAMETERS]
    claims_file = overrides.get("claims")
    prefix = Path(str(claims_file)).stem if claims_file else ""
    if not named:
        return prefix or ARTICLE_RUN
    parts = []
    for key in sorted(named, key=lambda k: (k != "as_of", k)):
        value = overrides[key]
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}-{text}" if key != "as_of" else f"as_of-{text}")
    name = "_".join(([prefix] if prefix else []) + parts).replace("/", "-").replace(" ", "")
    return name[:120] or ARTICLE_RUN


def ensure_kernel() -> str:
    """Make sure the ``rotation`` kernel (this Python environment) is registered; returns its name."""
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL_NAME not in KernelSpecManager().find_kernel_specs():
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY_NAME, prefix=sys.prefix)
        print(f"registered Jupyter kernel {KERNEL_NAME!r} for {sys.prefix}", file=sys.stderr)
    return KERNEL_NAME


# Imported (silently, binding no names) in a kernel started ahead of its notebook; see execute_run.
WARM_MODULES = ("numpy", "pandas", "matplotlib.pyplot", "seaborn", "scipy.stats", "statsmodels.api", "rotation.plots", "rotation.data")
_WARM_CODE = "import importlib as _il\nfor _m in {modules!r}:\n    try:\n        _il.import_module(_m)\n    except Exception:\n        pass\ndel _il, _m\n"


def start_warm_kernel(kernel: str, cwd: Path):
    """Start a kernel and import ``WARM_MODULES`` in it; returns its (started) kernel manager.

    Runs in a background thread while the previous notebook executes. The warm-up is silent
    and outside the history, so the notebook's cells still count from 1 and its namespace is
    empty; only ``sys.modules`` is already filled. The caller shuts the kernel down.
    """
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=kernel)
    km.client_class = "jupyter_client.asynchronous.AsyncKernelClient"  # what nbclient expects from km.client()
    km.start_kernel(cwd=str(cwd), extra_arguments=["--HistoryManager.hist_file=:memory:"])
    try:
        kc = km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            msg_id = kc.execute(_WARM_CODE.format(modules=WARM_MODULES), silent=True, store_history=False)
            while True:
                reply = kc.get_shell_msg(timeout=120)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
        finally:
            kc.stop_channels()
    except BaseException:
        stop_kernel(km)
        raise
    return km


def stop_kernel(km) -> None:
    """Shut a kernel down, quietly (it may already be dead)."""
    try:
        km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - best effort
        pass


def execute_run(
    parameters: Mapping[str, object],
    run_name: str,
    *,
    notebooks: list[Path] | None = None,
    log: Callable[[str], None] | None = None,
    prestart: bool = True,
) -> dict:
    """Execute the notebooks for one validated parameter set; returns the run status.

    Status: ``{"run", "ok", "seconds", "parameters", "notebooks": [{"notebook", "status",
    "seconds", "cell", "error"}]}``; also written to ``runs/<run>/status.json``.

    Every notebook gets a fresh kernel. With ``prestart`` (the default), the kernel of the
    next notebook is started, and the common libraries imported in it, while the current
    notebook executes, so kernel start-up overlaps with work instead of adding to it.
    """
    import concurrent.futures as cf

    import papermill
    from papermill.exceptions import PapermillExecutionError

    say = log or (lambda line: print(line, file=sys.stderr, flush=True))
    paths = notebooks or notebook_paths()
    folder, figs = run_dir(run_name), figures_dir(run_name)
    for old in (folder, figs):
        if old.exists():
            shutil.rmtree(old)
    folder.mkdir(parents=True)
    write_text_atomic(folder / "params.yaml", yaml.safe_dump({"run_name": run_name, **dict(parameters)}, sort_keys=True))
    kernel = ensure_kernel()
    status: dict = {"run": run_name, "ok": True, "parameters": dict(parameters), "notebooks": []}
    started = time.perf_counter()
    cwd = project_dir()
    warmer = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="rotation-kernel") if prestart and len(paths) > 1 else None
    pending: cf.Future | None = None
    try:
        for i, path in enumerate(paths, 1):
            declared = notebook_parameters(path)
            given = {k: v for k, v in parameters.items() if k in declared}
            if "run_name" in declared:
                given["run_name"] = run_name
            t0 = time.perf_counter()
            km = None
            if pending is not None:
                try:
                    km = pending.result()
                except Exception:  # noqa: BLE001 - fall back to papermill's own kernel start
                    km = None
            pending = warmer.submit(start_warm_kernel, kernel, cwd) if warmer is not None and i < len(paths) else None
            entry = {"notebook": path.stem, "status": "ok", "cell": None, "error": None}
            try:
                papermill.execute_notebook(
                    str(path),
                    str(folder / path.name),
                    parameters=given,
                    kernel_name=kernel,
                    cwd=str(cwd),
                    progress_bar=False,
                    **({"km": km} if km is not None else {}),
                )
            except PapermillExecutionError as exc:
                entry.update(status="failed", cell=exc.exec_count, error=f"{exc.ename}: {' '.join(str(exc.evalue).split())}")
            except Exception as exc:  # kernel died, timeout...
                entry.update(status="failed", error=f"{type(exc).__name__}: {' '.join(str(exc).split())}")
            finally:
                if km is not None:
                    stop_kernel(km)
            if (folder / path.name).is_file():  # no timings or random ids: an unchanged run leaves git status clean
                render.normalise_notebook(folder / path.name, template=path)
            entry["seconds"] = round(time.perf_counter() - t0, 2)
            status["notebooks"].append(entry)
            status["ok"] = status["ok"] and entry["status"] == "ok"
            where = f" at cell {entry['cell']}" if entry["cell"] is not None else ""
            detail = "ok" if entry["status"] == "ok" else f"FAILED{where}: {entry['error']}"
            say(f"[{run_name}] {i}/{len(paths)} {path.stem}: {detail} ({entry['seconds']:.1f} s)")
            status["seconds"] = round(time.perf_counter() - started, 2)
            write_text_atomic(folder / "status.json", json.dumps(status, indent=2, default=str) + "\n")
    finally:
        if pending is not None:  # interrupted: do not leave a warm kernel behind
            try:
                stop_kernel(pending.result())
            except Exception:  # noqa: BLE001
                pass
        if warmer is not None:
            warmer.shutdown(wait=True)
    return status


def read_status(run_name: str) -> dict | None:
    """The ``status.json`` of a run, or None if the run never started."""
    path = run_dir(run_name) / "status.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def failure_lines(status: Mapping) -> list[str]:
    """One line per failed notebook: run, notebook, cell and error."""
    return [
        f"run {status['run']}: notebook {n['notebook']} failed" + (f" at cell {n['cell']}" if n["cell"] is not None else "") + f": {n['error']}"
        for n in status["notebooks"]
        if n["status"] != "ok"
    ]


__all__ = [
    "ARTICLE_RUN",
    "KERNEL_NAME",
    "RotationError",
    "collection_parameters",
    "default_run_name",
    "ensure_kernel",
    "execute_run",
    "failure_lines",
    "notebook_parameters",
    "notebook_paths",
    "validate_parameters",
    "yaml_load",
]
