"""Execute the notebook collection with papermill, one folder per run.

A run is one set of parameters applied to every notebook in ``notebooks/`` (sorted by
name, so ``99_scorecard`` comes last). Parameters are checked against what the notebooks
declare (papermill's own inspection) and validated *before* any kernel starts. Each notebook
receives only the parameters it declares, and only as plain literals (``rotation.run.parameters``).
The series the run needs are loaded and validated once before any kernel starts
(``rotation.run.preflight``). Rendered notebooks, ``params.yaml``, ``results.jsonl`` and
``status.json`` go to ``runs/<run name>/``; figures to ``figures/<run name>/``; both are
rendered in a staging folder first and replace the previous run only when every notebook
succeeded (``rotation.run.staging``). A failing notebook does not stop the run (the scorecard
reports it), but the run's status, and the command's exit code, say it failed.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from rotation.core import lazy
from rotation.core.errors import ParameterError, RotationError
from rotation.core.files import write_text_atomic
from rotation.core.paths import (
    STAGING_DIR_ENV,
    STAGING_RUN_ENV,
    project_dir,
    published_run_dir,
)
from rotation.core.strict_yaml import YamlRefused, yaml_load
from rotation.core.threads import on_main_thread
from rotation.outputs import figexport, normalize
from rotation.outputs import runs as runs_module
from rotation.outputs.runs import RUN_CLAIMS_FILE
from rotation.run import cache, kernels, staging
from rotation.run import parameters as validation
from rotation.run.notebooks import collection_parameters, notebook_parameters, notebook_paths

lazy.defer_uri_syntax()  # before papermill imports jsonschema (see rotation.core.lazy)

KERNEL_NAME = "rotation"
KERNEL_DISPLAY_NAME = "Python (rotation)"
ARTICLE_RUN = "article"
# Kinds of parameters, from their one declaration (``validation.PARAMETERS``)
DATE_PARAMETERS = validation.names_of_kind("date")
CLAIMS_PARAMETERS = validation.names_of_kind("claims")  # a claims file: must load and validate; made absolute
RUNNER_PARAMETERS = validation.names_of_kind("runner")  # set by the runner, not by the user
SERIES_PARAMETERS = validation.names_of_kind("series")  # series ids or Yahoo tickers, checked against the catalogue
PAIR_PARAMETERS = ("small", "large")  # the compared pair: price series only (catalogue.pair_series)
FOLDER_PARAMETERS = validation.names_of_kind(
    "folder"
)  # must exist; made absolute (notebooks run with the project as cwd)


def coerce_value(
    name: str, value: object, declared_type: str, *, default: str | None = None, optional: bool = False
) -> object:
    """Convert a parameter value (often a command-line string) to the declared type, or refuse it.

    Lists are checked element by element against the shape of the notebook's ``default``
    (source text of the literal); ``optional`` also accepts None (``null``, ``None``).
    """
    kind = declared_type.split("[")[0].strip().lower()
    text = value if isinstance(value, str) else None
    if optional and (value is None or (text is not None and text.strip() in ("None", "null", "~"))):
        return None
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
            out = _parse_yaml_value(name, text) if text is not None else value
            if isinstance(out, (int, float, str)) and not isinstance(out, bool):
                out = [out]
            if not isinstance(out, list):
                raise ValueError
        elif kind == "str":
            out = str(value)
        else:  # None default or unknown annotation: accept YAML scalars
            out = _parse_yaml_value(name, text) if text is not None else value
    except (ValueError, KeyError, TypeError, OverflowError, yaml.YAMLError):
        raise ParameterError(f"parameter {name}: expected {kind}, got {validation._short(value)}") from None
    if kind == "list":
        validation.check_structure(name, out, validation.default_value(default) or [])
    else:
        validation.check_plain(name, out)
    validation.check_meaning(name, out)
    return _check_value(name, out)


def _parse_yaml_value(name: str, text: str) -> object:
    """A command-line value parsed as YAML (strict loader); a refused construct names the parameter."""
    try:
        return yaml_load(text)
    except YamlRefused as exc:
        raise ParameterError(f"parameter {name}: {exc}") from None


def _check_value(name: str, value: object) -> object:
    if name in FOLDER_PARAMETERS and value not in ("", None):
        folder = Path(str(value)).expanduser()
        if not folder.is_dir():
            raise ParameterError(f"parameter {name}: folder {folder} does not exist")
        value = str(folder.resolve())
    if name in CLAIMS_PARAMETERS and value not in ("", None):
        from rotation.claims.registry import load_registry, registry_file

        load_registry(str(value))  # refuses a missing file, bad YAML, an unknown kind or a missing field, in one line
        value = str(registry_file(str(value)))
    if name in SERIES_PARAMETERS and value not in ("", None):
        from rotation.data.catalogue import pair_series, series_spec

        try:
            (pair_series if name in PAIR_PARAMETERS else series_spec)(str(value))
        except ParameterError as exc:
            raise ParameterError(f"parameter {name}: {exc}") from None
    validation.check_declared(name, value)
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
        info = declared[name]
        out[name] = coerce_value(
            name, value, info["type"], default=info.get("default"), optional=bool(info.get("optional"))
        )
        _check_non_negative(name, out[name], info.get("default"))
        _check_null(name, out[name], info)
    ordered = [n for pair in validation.ORDERED_PAIRS for n in pair]
    validation.check_ordered({**{n: _default_of(declared, n) for n in ordered}, **out})
    small, large = out.get("small", _default_of(declared, "small")), out.get("large", _default_of(declared, "large"))
    if small and large and str(small).strip() == str(large).strip():
        raise ParameterError(
            f"parameters small and large are both {str(small).strip()!r}; the comparison needs two different series"
        )
    validation.check_all_literal(out)
    return out


def _check_null(name: str, value: object, info: Mapping) -> None:
    """None reaches only notebooks whose own default is None (``min_streak = None`` in 02, ``8`` in 06)."""
    if value is not None:
        return
    refusing = [
        stem for stem, default in (info.get("defaults") or {}).items() if validation.default_value(default) is not None
    ]
    if refusing:
        shown = info["defaults"][refusing[0]]
        raise ParameterError(
            f"parameter {name}: null is not accepted by {', '.join(refusing)} (default {shown}); give a value"
        )


def _default_of(declared: Mapping[str, dict], name: str) -> object:
    return validation.default_value(declared[name].get("default")) if name in declared else None


def _check_non_negative(name: str, value: object, default: str | None) -> None:
    """A whole-number parameter whose default is zero or more (a count, a year, a seed) cannot be negative."""
    example = validation.default_value(default)
    if (
        isinstance(example, int)
        and not isinstance(example, bool)
        and example >= 0
        and isinstance(value, int)
        and not isinstance(value, bool)
        and value < 0
    ):
        raise ParameterError(f"parameter {name}: must be zero or more, got {value}")


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


def execute_run(
    parameters: Mapping[str, object],
    run_name: str,
    *,
    notebooks: list[Path] | None = None,
    log: Callable[[str], None] | None = None,
    prestart: bool = True,
    partial: bool | None = None,
    check_data: bool = True,
    refresh: bool = False,
    export: bool = False,
    jobs: int | None = None,
    cached_only: bool = False,
) -> dict:
    """Execute the notebooks for one validated parameter set; returns the run status.

    Status: ``{"run", "ok", "state", "partial", "seconds", "parameters", "notebooks":
    [{"notebook", "status", "seconds", "cell", "error"}]}`` (``state``: ``ok``, ``failed`` or
    ``interrupted``; ``partial``: the notebooks re-run, or false); also written to
    ``runs/<run>/status.json``. When the run did not replace a previous good run,
    ``kept_at`` names the folder holding the failed rendering.

    The run renders into a staging folder and replaces ``runs/<run>/`` and ``figures/<run>/``
    only when every notebook succeeded (see ``rotation.run.staging``); a second process writing
    the same run name is refused. A ``partial`` run (default: when ``notebooks`` is not the
    whole collection) keeps the other notebooks' files and results. With ``check_data``,
    the series the run needs are loaded and validated before any kernel starts
    (``rotation.run.preflight``; ``refresh`` downloads them again).

    Every notebook gets a kernel of its own, used once (``rotation.run.kernels``). With
    ``prestart`` (the default) kernels are forked from a process that has already imported the
    scientific libraries, the next one while the current notebook executes; without it each
    kernel is an ordinary cold start.

    Kernels write each figure's PNG (shown in the notebook); with ``export`` also its SVG and PDF
    files. Without it (the default: a run pays only for what it shows) the published SVG and PDF
    of every figure whose PNG is unchanged are kept, the others dropped (``rotation.outputs.figexport``).

    ``jobs`` notebooks execute at once (default ``default_notebook_jobs()``; a sweep gives
    ``sweep.notebook_jobs_per_run``, its runs being parallel already); the summarising notebooks
    (``notebook_waves``) start last.

    With ``cached_only`` no notebook executes: a notebook the execution cache does not hold raises
    ``cache.Miss`` and the staged attempt is discarded (nothing published); see ``restore_run``.
    """
    say = log or (lambda line: print(line, file=sys.stderr, flush=True))
    run_name = staging.check_run_name(run_name)
    paths = notebooks or notebook_paths()
    validation.check_all_literal(parameters)
    if partial is None:
        partial = {p.stem for p in paths} != {p.stem for p in paths[0].parent.glob("[0-9][0-9]_*.ipynb")}
    if partial:  # the other notebooks' files stay: they must have been made with these very parameters
        check_same_parameters(
            run_name,
            (runs_module.previous_status(run_name) or {}).get("parameters") or {},
            parameters,
            bool(runs_module.previous_status(run_name)),
        )
    if check_data:
        from rotation.run import preflight

        preflight.check_data(parameters, collection_parameters(paths), paths, refresh=refresh)
    staging.check_targets(run_name)  # a linked run folder is refused before any kernel starts
    try:
        with staging.run_lock(run_name):
            return _locked_run(parameters, run_name, paths, partial, say, prestart, export, jobs, cached_only)
    except OSError as exc:  # full disk, read-only file system, permissions: one line naming the path
        from rotation.core.files import os_error_line

        raise RotationError(os_error_line(exc, published_run_dir(run_name))) from None


def _locked_run(
    parameters,
    run_name: str,
    paths: list[Path],
    partial: bool,
    say,
    prestart: bool,
    export: bool,
    jobs: int | None,
    cached_only: bool = False,
) -> dict:
    """``execute_run`` once the run's lock is held."""
    staging.recover(run_name)  # a publish a killed process left half done: settled before the published run is read
    good_before = staging.has_good_run(run_name)
    previous = runs_module.previous_status(run_name) if partial else None
    stage = staging.new_stage(run_name, copy_previous=partial)
    if partial:
        staging.drop_results_of(stage, [p.stem for p in paths])
    status: dict = {
        "run": run_name,
        "ok": False,
        "state": "interrupted",
        "partial": [p.stem for p in paths] if partial else False,
        "parameters": dict(parameters),
        "notebooks": [],
    }
    try:
        status = _execute_staged(
            parameters,
            run_name,
            paths,
            stage,
            status,
            say,
            prestart,
            export,
            default_notebook_jobs() if jobs is None else jobs,
            cached_only,
        )
    except cache.Miss:
        staging.discard(stage)  # a restore-only attempt: nothing of it is published or kept
        raise
    except BaseException as exc:
        import signal

        interrupted = isinstance(exc, KeyboardInterrupt)
        previous_handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if interrupted and on_main_thread() else None
        try:
            status["state"] = "interrupted" if interrupted else "failed"
            status["ok"] = False
            if not interrupted:
                status["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            _finish(stage, run_name, status, previous, good_before, say)
        finally:
            if previous_handler is not None:
                signal.signal(signal.SIGINT, previous_handler)
        raise
    _finish(stage, run_name, status, previous, good_before, say)
    return status


def check_same_parameters(
    run_name: str, before: Mapping[str, object], now: Mapping[str, object], exists: bool = True
) -> None:
    """A partial rerun keeps the other notebooks' files: refuse it when its parameters differ from
    those the published run was made with (``params.yaml`` would describe a mixed run)."""
    import json

    if not exists:
        return

    def norm(values: Mapping[str, object]) -> dict:
        return {k: json.loads(json.dumps(v)) for k, v in values.items() if k not in RUNNER_PARAMETERS}

    a, b = norm(before), norm(now)
    changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if changed:
        shown = "; ".join(
            f"{k}: {validation._short(a.get(k, 'default'))} there, {validation._short(b.get(k, 'default'))} here"
            for k in changed[:3]
        )
        raise ParameterError(
            f"run {run_name} was made with other parameters ({shown}); a partial rerun must use the same ones: "
            f"rerun every notebook, or give another --run-name"
        )


def _finish(
    stage: Path, run_name: str, status: dict, previous: dict | None, good_before: bool, say: Callable[[str], None]
) -> None:
    """Write the final status into the staged run, then publish it or keep it aside (see ``staging``)."""
    if status.get("partial"):
        status.update(runs_module.merge_partial_status(status, previous))
    write_status(stage, status)
    if status["ok"] or not good_before:
        staging.publish(stage, run_name)
        return
    kept = staging.keep_failed(stage, run_name)
    status["kept_at"] = str(kept)
    write_status(kept, status)
    if status["state"] != "interrupted":  # an interrupt ends with one line, the command's
        say(
            f"[{run_name}] the previous run in {published_run_dir(run_name)} is kept; this {status['state']} rendering is in {kept}"
        )


def write_status(stage: Path, status: dict) -> None:
    """``staging.write_status``, with the notebooks restored from the execution cache listed in
    ``timings.json`` only (``"cached"``): ``status.json`` is the same whether a notebook executed or was restored."""
    import json

    entries = status.get("notebooks", [])
    staging.write_status(
        stage, {**status, "notebooks": [{k: v for k, v in n.items() if k != "cached"} for n in entries]}
    )
    restored = [n["notebook"] for n in entries if n.get("cached")]
    if restored:
        path = stage / "run" / runs_module.TIMINGS_FILE
        timings = json.loads(path.read_text(encoding="utf-8"))
        write_text_atomic(path, json.dumps({**timings, "cached": restored}, indent=2) + "\n")


SUMMARY_FROM = 90  # notebooks numbered 90 and above summarise the run (99_scorecard reads the others' results)


def notebook_waves(paths: list[Path]) -> list[list[Path]]:
    """The order of a run: every notebook numbered below ``SUMMARY_FROM`` (independent of each other,
    so several may execute at once), then each summarising notebook on its own, in order."""

    def number(path: Path) -> int:
        head = path.stem.split("_", 1)[0]
        return int(head) if head.isdigit() else 0

    first = [p for p in paths if number(p) < SUMMARY_FROM]
    return ([first] if first else []) + [[p] for p in paths if number(p) >= SUMMARY_FROM]


def default_notebook_jobs() -> int:
    """Notebooks a single run executes at once: the cores (at most 2: a kernel holds a few hundred MB)."""
    return max(1, min(2, os.cpu_count() or 1))


def _execute_staged(
    parameters: Mapping[str, object],
    run_name: str,
    paths: list[Path],
    stage: Path,
    status: dict,
    say,
    prestart: bool,
    export_vectors: bool = False,
    jobs: int = 1,
    cached_only: bool = False,
) -> dict:
    """Execute ``paths`` into ``stage`` with the kernels pointed at it; returns the status (``state`` ok or failed).

    ``jobs`` notebooks execute at once (threads, each driving one kernel), wave by wave
    (``notebook_waves``); the status lists the notebooks in collection order whatever order they finish in.
    Before a wave executes, each of its notebooks is looked up in the execution cache
    (``rotation.run.cache``; not with ``ROTATION_NO_CACHE``): a hit is restored into the stage and its
    status entry marked ``cached``; the notebooks that executed and succeeded are stored after the wave.
    """
    import concurrent.futures as cf
    import threading

    folder = stage / "run"
    write_text_atomic(
        folder / "params.yaml", yaml.safe_dump({"run_name": run_name, **dict(parameters)}, sort_keys=True)
    )
    if parameters.get("claims"):  # the claims file this run used, beside its results (rotation report reads it)
        write_text_atomic(folder / RUN_CLAIMS_FILE, Path(str(parameters["claims"])).read_text(encoding="utf-8"))
    else:
        (folder / RUN_CLAIMS_FILE).unlink(missing_ok=True)
    kernel = ensure_kernel()
    status.update(ok=True, state="running")
    started = time.perf_counter()
    cwd = project_dir()
    saved_env = {k: os.environ.get(k) for k in (STAGING_RUN_ENV, STAGING_DIR_ENV)}
    os.environ[STAGING_RUN_ENV] = run_name  # the kernels write into the stage (see rotation.core.paths)
    os.environ[STAGING_DIR_ENV] = str(stage)
    pools: list[kernels.KernelPool] = []  # made when a first notebook executes (a run restored whole starts no kernel)
    rank = {path.stem: i for i, path in enumerate(paths)}
    keys = ExecutionKeys(parameters, run_name, paths, stage, kernel, export_vectors)
    use_cache = cache.enabled()
    restored = 0
    lock = threading.Lock()
    active: set = set()  # kernels executing now (stopped on an interrupt, so their threads return)
    untaken = len(paths)  # kernels still to hand out (the pool prefetches one while more are to come)

    def given_parameters(path: Path) -> dict:
        declared = notebook_parameters(path)
        given = {k: v for k, v in parameters.items() if k in declared}
        if "run_name" in declared:
            given["run_name"] = run_name
        validation.check_all_literal(given)
        return given

    def execute_one(path: Path) -> dict:
        import papermill  # here, not above: a run restored whole from the cache never pays its import
        from papermill.exceptions import PapermillExecutionError

        nonlocal untaken
        given = given_parameters(path)
        t0 = time.perf_counter()
        with lock:
            untaken -= 1
            if not pools:
                pools.append(kernels.KernelPool(kernel, cwd, env=figexport.kernel_env(export_vectors), fork=prestart))
            km = pools[0].take(more=prestart and untaken > 0)
            if km is not None:
                active.add(km)
        entry = {"notebook": path.stem, "status": "ok", "cell": None, "error": None}
        try:
            papermill.execute_notebook(
                str(path),
                str(folder / path.name),
                parameters=given,
                kernel_name=kernel,
                cwd=str(cwd),
                progress_bar=False,
                # one write of the rendering at the end (or at the failing cell), instead of papermill's two
                # whole-notebook writes per cell: with the figures inline that cost grew with cells x size
                request_save_on_cell_execute=False,
                **({"km": km} if km is not None else {}),
            )
        except PapermillExecutionError as exc:
            entry.update(
                status="failed", cell=exc.exec_count, error=f"{exc.ename}: {' '.join(str(exc.evalue).split())}"
            )
        except Exception as exc:  # kernel died, timeout...
            entry.update(status="failed", error=f"{type(exc).__name__}: {' '.join(str(exc).split())}")
        finally:
            if km is not None:
                with lock:
                    active.discard(km)
                kernels.stop_kernel(km)
        if (folder / path.name).is_file():  # no timings or random ids: an unchanged run leaves git status clean
            normalize.normalise_notebook(folder / path.name, template=path)
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        return entry

    def finished(entry: dict, path: Path) -> None:
        status["notebooks"] = sorted([*status["notebooks"], entry], key=lambda e: rank[e["notebook"]])
        status["ok"] = status["ok"] and entry["status"] == "ok"
        where = f" at cell {entry['cell']}" if entry["cell"] is not None else ""
        detail = "ok" if entry["status"] == "ok" else f"FAILED{where}: {entry['error']}"
        detail += " (from the cache)" if entry.get("cached") else ""
        say(f"[{run_name}] {len(status['notebooks'])}/{len(paths)} {path.stem}: {detail} ({entry['seconds']:.1f} s)")
        status["seconds"] = round(time.perf_counter() - started, 2)
        status["state"] = "running"
        write_status(stage, status)

    quiet = False
    threads = cf.ThreadPoolExecutor(max_workers=max(1, int(jobs)), thread_name_prefix="rotation-notebook")
    try:
        for number, wave in enumerate(notebook_waves(paths)):
            todo: list[tuple[Path, str | None]] = []
            hits = []
            for path in wave:
                t0 = time.perf_counter()
                key = keys.key(path, given_parameters(path))
                hit = cache.load(key, path.stem) if key is not None and use_cache else None
                if hit is None:
                    if cached_only:
                        raise cache.Miss(path.stem)
                    todo.append((path, key))
                    continue
                entry = cache.restore(stage, path.stem, *hit, export=export_vectors)
                entry["seconds"] = round(time.perf_counter() - t0, 2)
                hits.append((entry, path))
            with lock:
                untaken -= len(hits)
            restored += len(hits)
            if number == 0:
                later = len(paths) - len(wave)
                say(
                    f"[{run_name}] execution cache: {restored} of {len(wave)} notebooks restored from {cache.entry_dir('')}"
                    + (f", {later} summarising notebook(s) looked up once these are done" if later else "")
                    if use_cache
                    else f"[{run_name}] execution cache not read (--no-cache): every notebook executes"
                )
            for entry, path in hits:
                finished(entry, path)
            before = cache.snapshot(stage)
            futures = {threads.submit(execute_one, path): (path, key) for path, key in todo}
            done = []
            for future in cf.as_completed(futures):
                entry = future.result()
                finished(entry, futures[future][0])
                done.append((*futures[future], entry))
            keys.store(done, before, [p.stem for p in wave], given_parameters)
        cache.prune()
        if use_cache and len(paths) > 1:
            say(
                f"[{run_name}] execution cache: {restored} of {len(paths)} notebooks restored, {len(paths) - restored} executed"
            )
        status["seconds"] = round(time.perf_counter() - started, 2)
        status["state"] = "ok" if status["ok"] else "failed"
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):  # the kernels are stopped on purpose: no "Kernel died" lines
            quiet = True
            logging.disable(logging.CRITICAL)
        status["ok"] = False
        status["seconds"] = round(time.perf_counter() - started, 2)
        with lock:
            running = list(active)
        for km in running:  # the threads driving them return once their kernel is gone (and shut their manager down)
            kernels.kill_kernel(km)
        raise
    finally:
        threads.shutdown(wait=True, cancel_futures=True)
        if quiet:
            logging.disable(logging.NOTSET)
        for pool in pools:
            pool.close()  # interrupted or done: no kernel left behind
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return status


class ExecutionKeys:
    """The execution-cache keys of one run's notebooks, and the storing of what they wrote (``rotation.run.cache``)."""

    def __init__(
        self, parameters: Mapping[str, object], run_name: str, paths: list[Path], stage: Path, kernel: str, export: bool
    ) -> None:
        from rotation.core.paths import registry_path
        from rotation.run import preflight

        self.parameters, self.run_name, self.stage, self.kernel, self.export = (
            parameters,
            run_name,
            stage,
            kernel,
            export,
        )
        self.claims_file = Path(str(parameters["claims"])) if parameters.get("claims") else registry_path()
        try:
            self.code, self.environment = cache.code_digest(), cache.environment_digest(kernel)
            required, optional = preflight.series_needed(parameters, collection_parameters(paths), paths)
            self.series = [*required, *optional]
        except Exception:  # noqa: BLE001 - inputs that cannot be read: nothing cached, the run itself goes on
            self.code = None
        self.data: dict[object, str] = {}
        self.run_inputs: dict[str, object] = {}

    def _summarising(self, path: Path) -> bool:
        head = path.stem.split("_", 1)[0]
        return head.isdigit() and int(head) >= SUMMARY_FROM

    def _run_inputs(self) -> object:
        """What a summarising notebook reads of the run: the staged records and status entries."""
        from rotation.outputs.results import RESULTS_FILE, read_records

        # what rotation.outputs.scorecard.run_status returns during the run (without importing the plotting stack)
        status = runs_module.read_status_file(self.stage / "run")
        if status and status.get("partial"):
            status = runs_module.merge_partial_status(status, runs_module.previous_status(self.run_name))
        return {
            "records": read_records(self.stage / "run" / RESULTS_FILE),
            "status": cache.plain_status_entries(status),
        }

    def key(self, path: Path, given: Mapping[str, object], *, fresh: bool = False) -> str | None:
        """The key of ``path``'s execution with ``given`` (None when an input cannot be read).
        ``fresh``: data hashed again, and a summarising notebook's run inputs as read before it executed."""
        if self.code is None:
            return None
        try:
            summarising = self._summarising(path)
            data = None
            if not summarising:
                end = given.get("data_end") or None
                if fresh or end not in self.data:
                    self.data[end] = cache.data_digest(self.parameters.get("data_dir"), end, self.series)
                data = self.data[end]
            if summarising and (not fresh or path.stem not in self.run_inputs):
                self.run_inputs[path.stem] = self._run_inputs()
            return cache.execution_key(
                path,
                given,
                kernel=self.kernel,
                export=self.export,
                claims_file=self.claims_file,
                summarising=summarising,
                data=data,
                code=self.code,
                environment=self.environment,
                run_inputs=self.run_inputs.get(path.stem) if summarising else None,
            )
        except Exception:  # noqa: BLE001 - an input that cannot be read: executed, not cached
            return None

    def store(
        self,
        done: list[tuple[Path, str | None, dict]],
        before: Mapping,
        wave: list[str],
        given_of: Callable[[Path], dict],
    ) -> None:
        """Store the notebooks of a wave that executed and succeeded, when their inputs did not change
        while they executed (a download, an edit) and their files can be told apart."""

        try:
            self._store(done, before, wave, given_of)
        except Exception:  # noqa: BLE001 - a cache that cannot be written is not the run's failure
            return

    def _store(self, done, before, wave, given_of) -> None:
        import tempfile

        from rotation.outputs.results import RESULTS_FILE, read_records

        if not done:
            return
        owners = cache.attribute_outputs(before, cache.snapshot(self.stage), [p.stem for p, _, _ in done], wave)
        if owners is None:
            return
        records = read_records(self.stage / "run" / RESULTS_FILE)
        for path, key, entry in done:
            if key is None or entry["status"] != "ok" or self.key(path, given_of(path), fresh=True) != key:
                continue
            files = []
            for part, name in owners[path.stem]:
                source = self.stage / part / name
                data = None
                if part == "run" and name == path.name:  # as published: the staging folder's name replaced
                    with tempfile.TemporaryDirectory() as tmp:
                        copy = Path(tmp) / name
                        copy.write_bytes(source.read_bytes())
                        staging.unstage_paths(self.stage, self.run_name, folder=Path(tmp))
                        data = copy.read_bytes()
                files.append((part, source, data))
            mine = [r for r in records if r.get("notebook") == path.stem]
            cache.store(key, path.stem, files, mine, entry)


def restore_run(
    parameters: Mapping[str, object],
    run_name: str,
    *,
    notebooks: list[Path],
    partial: bool | None = None,
    check_data: bool = True,
) -> dict | None:
    """The run restored whole from the execution cache in this process (no kernel, no worker); returns its
    status, or None (nothing published) when a notebook is not cached, the cache is off, or the attempt
    failed otherwise (the caller then executes the run as usual, which reports any failure)."""
    if not cache.enabled():
        return None
    try:
        return execute_run(
            parameters,
            run_name,
            notebooks=notebooks,
            log=lambda line: None,
            partial=partial,
            check_data=check_data,
            cached_only=True,
        )
    except Exception:  # noqa: BLE001 - a miss, a busy run name, bad data: the ordinary execution deals with it
        return None


def failure_lines(status: Mapping) -> list[str]:
    """One line per failed notebook: run, notebook, cell and error."""
    return [
        f"run {status['run']}: notebook {n['notebook']} failed"
        + (f" at cell {n['cell']}" if n["cell"] is not None else "")
        + f": {n['error']}"
        for n in status["notebooks"]
        if n["status"] != "ok"
    ]


__all__ = [
    "ARTICLE_RUN",
    "KERNEL_NAME",
    "RotationError",
    "default_run_name",
    "ensure_kernel",
    "default_notebook_jobs",
    "execute_run",
    "restore_run",
    "failure_lines",
    "notebook_waves",
    "validate_parameters",
]
