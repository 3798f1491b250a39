"""Many runs of the collection at once: plan, validate, execute in parallel, summarise.

A *sweep* is a list of runs, each a parameter set executed into its own run folder
(``runs/<run>/``, ``figures/<run>/``) by ``runner.execute_run`` in a separate worker process.
Runs come from

* a YAML run file (``rotation run --config runs.yaml``) holding a list of mappings, each
  with optional ``run_name``; or
* the command line: a flag given several times (``--as-of A --as-of B``, ``-p min_streak 8
  -p min_streak 10``) or ``--grid NAME=V1,V2`` makes that parameter an *axis*; the runs are
  the cartesian product of the axes (first axis varies slowest), every other value is shared.

Every run's parameters are validated before any kernel starts: one bad value refuses the
whole sweep with one line naming the run and the parameter. Runs are named as they would be
if executed alone (``runner.default_run_name``), or ``<prefix>_<that name>`` with
``--run-name``. A failing run never stops the others. The cross-run verdict table (one row
per run, one column per claim) is written to ``runs/sweep_<name>.csv``.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import itertools
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from rotation.core.errors import ParameterError, RotationError
from rotation.core.files import write_text_atomic
from rotation.core.paths import project_dir, published_run_dir, runs_dir
from rotation.core.threads import on_main_thread
from rotation.outputs import figexport
from rotation.run import kernels, runner, staging
from rotation.run import notebooks as notebooks_module

EXECUTORS = ("process", "dask")
MAX_RUNS = 500  # runs of one sweep: a grid or run file asking more is refused before any run starts


def split_values(text: str) -> list[str]:
    """Split ``a,b,[1,2]`` at top-level commas (commas inside brackets or quotes stay)."""
    parts, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def parse_grid(items: Sequence[str]) -> dict[str, list[str]]:
    """``["min_streak=8,10", "small=rut,iwm"]`` -> ``{"min_streak": ["8", "10"], "small": ["rut", "iwm"]}``."""
    axes: dict[str, list[str]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise ParameterError(f"--grid expects NAME=V1,V2,..., got {item!r}")
        axes.setdefault(name, []).extend(split_values(values))
    return axes


def expand(base: Mapping[str, object], axes: Mapping[str, Sequence[object]]) -> list[dict[str, object]]:
    """The cartesian product of ``axes`` (values de-duplicated, order kept) over the shared ``base`` values."""
    names = list(axes)
    values = [list(dict.fromkeys(axes[n])) for n in names]
    return [{**base, **dict(zip(names, combo))} for combo in itertools.product(*values)]


def check_sweep_size(count: int, where: str = "") -> None:
    """Refuse a sweep of more than ``MAX_RUNS`` runs (one line, before anything is planned)."""
    if count > MAX_RUNS:
        raise ParameterError(
            f"{where + ': ' if where else ''}{count:,} runs asked (at most {MAX_RUNS} in one sweep); use fewer values or split the sweep"
        )


def grid_size(axes: Mapping[str, Sequence[object]]) -> int:
    """The number of runs ``expand`` makes of ``axes``, without making them."""
    import math

    return math.prod(len(dict.fromkeys(map(repr, v))) for v in axes.values()) if axes else 1


def read_run_file(
    path: Path, declared: Mapping[str, dict], doc: object = None
) -> list[tuple[str | None, dict[str, object]]] | None:
    """The runs of a YAML run file (a list of mappings), or None when the file holds one mapping.

    ``doc`` is the file already parsed (``validation.read_yaml_file``), else it is read here.
    Unknown keys are refused with one line naming the file, the run (1-based) and the key.
    """
    from rotation.core.strict_yaml import read_yaml_file

    if doc is None:
        doc = read_yaml_file(path)
    if isinstance(doc, dict):
        return None
    if not isinstance(doc, list) or not doc:
        raise ParameterError(f"{path}: expected a mapping of parameters or a non-empty list of runs (mappings)")
    check_sweep_size(len(doc), str(path))
    known = sorted(n for n in declared if n not in runner.RUNNER_PARAMETERS)
    runs = []
    total = len(doc)
    for i, entry in enumerate(doc, 1):
        if entry is None:
            entry = {}
        if not isinstance(entry, dict):
            raise ParameterError(
                f"{path}: run {i} of {total}: expected a mapping of parameter names to values, got {entry!r}"
            )
        entry = dict(entry)
        name = entry.pop("run_name", None)
        for key in entry:
            if key not in declared or key in runner.RUNNER_PARAMETERS:
                raise ParameterError(
                    f"{path}: run {i} of {total}: unknown key {key!r} (known: run_name, {', '.join(known)})"
                )
        runs.append((None if name is None else str(name), entry))
    return runs


def plan(
    raw_runs: Sequence[tuple[str | None, Mapping[str, object]]],
    declared: Mapping[str, dict],
    *,
    prefix: str | None = None,
    where: str = "",
) -> list[dict]:
    """Validate every run and name it; returns ``[{"name", "parameters"}]`` or raises one ParameterError line.

    ``where`` (e.g. the run file) prefixes error messages; runs are numbered from 1.
    """
    out, seen = [], {}
    total = len(raw_runs)
    for i, (name, raw) in enumerate(raw_runs, 1):
        label = f"{where + ': ' if where else ''}run {i} of {total}"
        try:
            params = runner.validate_parameters(raw, declared)
            if name is None:
                name = runner.default_run_name(params)
                if prefix:
                    name = f"{prefix}_{name}"
            staging.check_run_name(name)  # refuses names that are not plain folder names, and reserved ones
        except ParameterError as exc:
            shown = name or runner.default_run_name({k: v for k, v in raw.items()})
            raise ParameterError(f"{label} ({shown}): {exc}") from None
        if name in seen:
            raise ParameterError(
                f"{label}: run name {name!r} is used by run {seen[name]} too; give the runs distinct run_name values"
            )
        seen[name] = i
        out.append({"name": name, "parameters": params})
    return out


def sweep_name(runs: Sequence[Mapping], axes: Sequence[str] = (), label: str | None = None) -> str:
    """A deterministic name for the sweep's verdict table: ``label``, else axes plus a hash of the run names."""
    if label:
        return label
    digest = hashlib.sha1("\n".join(r["name"] for r in runs).encode()).hexdigest()[:8]
    head = "-".join(axes) or "runs"
    return f"{head}_{len(runs)}runs_{digest}"


# ---------------------------------------------------------------------------------------------
# Execution


def run_one(job: Mapping) -> dict:
    """Worker: execute one run (``job``: name, parameters, notebooks, env); never raises.

    What the kernels print on stderr (their start-up warnings, tracebacks) goes to
    ``runs/<run>/worker.log`` instead of the terminal shared by every run.
    """
    import signal
    import tempfile

    for key, value in job.get("env", {}).items():
        os.environ[key] = value
    started = time.perf_counter()
    in_main = on_main_thread()
    if in_main:  # Ctrl-C interrupts the run (which then cleans up), never the idle worker
        signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            status = runner.execute_run(
                job["parameters"],
                job["name"],
                notebooks=[Path(p) for p in job["notebooks"]],
                log=lambda line: None,
                partial=job.get("partial"),
                check_data=job.get("check_data", True),
                jobs=int(job.get("notebook_jobs", 1)),  # see notebook_jobs_per_run
            )
        except BaseException as exc:  # noqa: BLE001 - a run's failure is reported, never raised
            error = (
                "interrupted"
                if isinstance(exc, KeyboardInterrupt)
                else f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            )
            status = failed_status(job, error, time.perf_counter() - started)
        finally:
            if in_main:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        try:
            log.seek(0)
            folder = Path(status["kept_at"]) / "run" if status.get("kept_at") else published_run_dir(job["name"])
            if folder.is_dir():
                (folder / "worker.log").write_bytes(log.read())
        except (OSError, ParameterError):  # no folder to put the log in (e.g. an invalid run name)
            pass
    return status


def _ignore_interrupts() -> None:
    """Worker initializer: an idle worker ignores Ctrl-C (the parent stops the sweep; ``run_one`` handles a running run)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def failed_status(job: Mapping, error: str, seconds: float = 0.0) -> dict:
    """Status of a run that failed outside any notebook (worker crash, cancelled...)."""
    return {
        "run": job["name"],
        "ok": False,
        "seconds": round(seconds, 2),
        "parameters": dict(job["parameters"]),
        "notebooks": [],
        "error": error,
    }


def notebook_jobs_per_run(workers: int, cores: int | None = None) -> int:
    """Notebooks each run of a sweep executes at once: two while that keeps at most two kernels per core, else one.

    A kernel is idle between cells and while the next one starts; a second one per core fills
    those gaps (measured: a 12-date sweep with ``--jobs 2`` on 2 cores, 0.92 of the wall time of
    one notebook at a time), a third would only compete for the cores.
    """
    cores = cores or os.cpu_count() or 1
    return 2 if max(1, int(workers)) <= cores else 1


def _jobs(
    runs: Sequence[Mapping],
    notebooks: Sequence[Path],
    partial: bool | None = None,
    check_data: bool = True,
    notebook_jobs: int = 1,
) -> list[dict]:
    env = {"ROTATION_PROJECT_DIR": str(project_dir())}
    if os.environ.get("ROTATION_DATA_DIR"):
        env["ROTATION_DATA_DIR"] = str(Path(os.environ["ROTATION_DATA_DIR"]).expanduser().resolve())
    return [
        {
            "name": r["name"],
            "parameters": dict(r["parameters"]),
            "notebooks": [str(p) for p in notebooks],
            "env": env,
            "partial": partial,
            "check_data": check_data,
            "notebook_jobs": notebook_jobs,
        }
        for r in runs
    ]


def check_data(runs: Sequence[Mapping], notebooks: Sequence[Path], *, refresh: bool = False) -> None:
    """Load and validate the series of every run once, in this process, before any worker starts (one line on failure)."""
    import json as _json

    from rotation.run import preflight

    declared = notebooks_module.collection_parameters(list(notebooks))
    done: set[str] = set()
    total = len(runs)
    for i, r in enumerate(runs, 1):
        key = _json.dumps(
            {
                k: v
                for k, v in r["parameters"].items()
                if k in ("data_dir", *preflight.REQUIRED_SERIES, *preflight.OPTIONAL_SERIES_PARAMETERS)
            },
            sort_keys=True,
        )
        if key in done:
            continue
        try:
            preflight.check_data(r["parameters"], declared, notebooks, refresh=refresh)
        except RotationError as exc:
            raise type(exc)(f"run {i} of {total} ({r['name']}): {exc}") from None
        done.add(key)


def execute(
    runs: Sequence[Mapping],
    notebooks: Sequence[Path],
    *,
    jobs: int | None = None,
    executor: str = "process",
    scheduler: str | None = None,
    on_done: Callable[[dict], None] | None = None,
    partial: bool | None = None,
    check_data: bool = True,
) -> list[dict]:
    """Execute ``runs`` (from ``plan``) in parallel; returns their statuses in plan order.

    ``executor="process"``: a pool of ``jobs`` worker processes on this machine (default: the
    number of cores). ``executor="dask"``: tasks on a ``dask.distributed`` cluster at
    ``scheduler`` (default: a local cluster of ``jobs`` single-threaded workers); the workers
    must see the project folder and the data at the same paths. ``on_done`` is called with each
    status as its run finishes.
    """
    if executor not in EXECUTORS:
        raise ParameterError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    workers = jobs or os.cpu_count() or 1
    if workers < 1:
        raise ParameterError(f"--jobs must be a positive integer, got {jobs}")
    runner.ensure_kernel()  # register once, before workers race to do it
    todo = _jobs(
        runs,
        notebooks,
        partial=partial,
        check_data=check_data,
        notebook_jobs=notebook_jobs_per_run(min(workers, len(runs))) if executor == "process" else 1,
    )  # a cluster's cores are unknown here
    done: dict[str, dict] = {}

    def finish(status: dict) -> None:
        done[status["run"]] = status
        if on_done:
            on_done(status)

    every, todo = todo, _not_restored(todo, finish)
    if not todo:  # every run restored whole from the execution cache: no worker, no kernel server
        return [done[job["name"]] for job in every]
    if executor == "dask":
        _execute_dask(todo, workers, scheduler, finish)
    else:
        server = kernels.shared_server(
            runner.ensure_kernel(), figexport.kernel_env()
        )  # one pre-imported kernel server for every worker and run
        if server is not None:
            for job in todo:
                job["env"][kernels.SERVER_ENV] = server.path
        context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
        with cf.ProcessPoolExecutor(
            max_workers=min(workers, len(todo)), mp_context=context, initializer=_ignore_interrupts
        ) as pool:
            futures = {pool.submit(run_one, job): job for job in todo}
            if on_done:  # a line as the workers start: the first finished run may be many seconds away
                print(f"[0/{len(todo)}] started, {min(workers, len(todo))} at a time", file=sys.stderr, flush=True)
            try:
                for future in cf.as_completed(futures):
                    job = futures[future]
                    try:
                        status = future.result()
                    except BaseException as exc:  # noqa: BLE001 - e.g. BrokenProcessPool
                        status = failed_status(job, f"worker died: {type(exc).__name__}: {' '.join(str(exc).split())}")
                    finish(status)
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            finally:
                if server is not None:
                    server.close()
    return [done[job["name"]] for job in every]


def _not_restored(jobs: list[dict], finish: Callable[[dict], None]) -> list[dict]:
    """The jobs left once the runs the execution cache holds whole are restored here, in order, up to
    the first that is not (``runner.restore_run``; a sweep with anything new then pays one lookup)."""
    for i, job in enumerate(jobs):
        status = runner.restore_run(
            job["parameters"],
            job["name"],
            notebooks=[Path(p) for p in job["notebooks"]],
            partial=job.get("partial"),
            check_data=job.get("check_data", True),
        )
        if status is None:
            return jobs[i:]
        finish(status)
    return []


def check_executor(executor: str, scheduler: str | None = None, timeout: float = 1.0) -> None:
    """Refuse, in one line and within ``timeout`` seconds, an executor that cannot start: dask not
    installed, no loopback network for a local cluster, or a scheduler address that does not answer."""
    import socket

    if executor not in EXECUTORS:
        raise ParameterError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if executor != "dask":
        return
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise ParameterError("--executor dask needs dask.distributed: pip install -e '.[dask]'")
    if scheduler:
        address = scheduler.split("://", 1)[-1]
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ParameterError(f"--scheduler: expected an address such as tcp://host:8786, got {scheduler!r}")
        target, label = (host.strip("[]"), int(port)), f"scheduler {scheduler}"
    else:
        target, label = None, "a local dask cluster needs the loopback network (127.0.0.1)"
    try:
        if target is None:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
                server.bind(("127.0.0.1", 0))
                server.listen(1)
                with socket.create_connection(server.getsockname(), timeout=timeout):
                    pass
        else:
            with socket.create_connection(target, timeout=timeout):
                pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        hint = "use --executor process" if target is None else "check the address, or use --executor process"
        raise ParameterError(f"--executor dask: {label}: cannot connect ({reason}); {hint}") from None


def _execute_dask(todo: list[dict], workers: int, scheduler: str | None, finish: Callable[[dict], None]) -> None:
    check_executor("dask", scheduler)
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ParameterError("--executor dask needs dask.distributed: pip install -e '.[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=min(workers, len(todo)), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        futures = {client.submit(run_one, job, pure=False, key=f"rotation-run-{job['name']}"): job for job in todo}
        for future in as_completed(futures):
            job = futures[future]
            try:
                status = future.result()
            except BaseException as exc:  # noqa: BLE001 - worker lost, cancelled...
                status = failed_status(job, f"dask task failed: {type(exc).__name__}: {' '.join(str(exc).split())}")
            finish(status)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------------------------------------
# Reporting


def first_failure(status: Mapping) -> tuple[str, str, str]:
    """(notebook, cell, error) of a run's first failure; empty strings when it succeeded."""
    failed = [n for n in status.get("notebooks", []) if n["status"] != "ok"]
    if failed:
        more = f" (+{len(failed) - 1} more notebooks failed)" if len(failed) > 1 else ""
        cell = "" if failed[0]["cell"] is None else str(failed[0]["cell"])
        return failed[0]["notebook"], cell, f"{failed[0]['error']}{more}"
    if not status.get("ok", False):
        return "", "", status.get("error", "failed")
    return "", "", ""


def summary_table(statuses: Sequence[Mapping]) -> pd.DataFrame:
    """One row per run: run, status, seconds, failing notebook, cell and error."""
    rows = []
    for s in statuses:
        notebook, cell, error = first_failure(s)
        rows.append(
            {
                "run": s["run"],
                "status": "ok" if s["ok"] else "FAILED",
                "seconds": float(s.get("seconds") or 0.0),
                "notebook": notebook,
                "cell": cell,
                "error": error,
            }
        )
    return pd.DataFrame(rows, columns=["run", "status", "seconds", "notebook", "cell", "error"])


def format_table(table: pd.DataFrame, max_error: int = 100) -> str:
    """A plain-text, left-aligned rendering of ``summary_table`` (errors shortened)."""
    rows = [list(table.columns)] + [
        [
            r.run,
            r.status,
            f"{r.seconds:.1f}",
            r.notebook,
            r.cell,
            r.error if len(r.error) <= max_error else r.error[: max_error - 3] + "...",
        ]
        for r in table.itertuples()
    ]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def _claim_order() -> list[str]:
    try:
        from rotation.claims.registry import load_registry

        return list(load_registry()["claims"])
    except Exception:  # noqa: BLE001 - ordering only
        return []


def verdict_table(runs: Sequence[Mapping], statuses: Sequence[Mapping]) -> pd.DataFrame:
    """The cross-run table: one row per run (its parameters, status), one column per claim holding the verdict
    as the scorecard shows it (with its robustness label, e.g. "refuted, but depends on tolerance").

    Read from each run's ``results.jsonl``; a claim a run did not record is left empty.
    """
    from rotation.outputs.results import read_records, results_path

    labels = {
        r["name"]: {
            record["claim_id"]: record.get("verdict_label") or record["verdict"]  # as the scorecard shows it
            for record in read_records(results_path(r["name"]))
        }
        for r in runs
    }
    return verdict_table_of(runs, statuses, labels)


def verdict_table_of(
    runs: Sequence[Mapping], statuses: Sequence[Mapping], labels: Mapping[str, Mapping[str, str]]
) -> pd.DataFrame:
    """The cross-run table (``verdict_table``) from each run's verdict labels: ``{run name: {claim id: label}}``."""
    by_run = {s["run"]: s for s in statuses}
    parameter_names = sorted({k for r in runs for k in r["parameters"]}, key=lambda k: (k != "as_of", k))
    rows, claims_seen = [], []
    for r in runs:
        status = by_run.get(r["name"], {})
        row: dict[str, object] = {"run": r["name"], "status": "ok" if status.get("ok") else "FAILED"}
        for name in parameter_names:
            value = r["parameters"].get(name, "")
            row[name] = ",".join(map(str, value)) if isinstance(value, list) else value
        for claim_id, label in labels.get(r["name"], {}).items():
            row[claim_id] = label
            if claim_id not in claims_seen:
                claims_seen.append(claim_id)
        rows.append(row)
    order = [c for c in _claim_order() if c in claims_seen] + sorted(c for c in claims_seen if c not in _claim_order())
    return pd.DataFrame(rows, columns=["run", "status", *parameter_names, *order]).fillna("")


# ---------------------------------------------------------------------------------------------
# Verdicts only: the verdict table without notebooks (rotation.claims.timeline)

CONTEXT_PARAMETERS = ("as_of", "data_end", "small", "large", "claims", "data_dir")  # what a notebook's Context reads


def verdicts_of_runs(job: Mapping) -> list[tuple[dict, dict[str, str]]]:
    """Worker: each run's status and verdict labels, judged as the notebooks judge them (``timeline.verdict_labels``).

    ``job``: ``{"runs": [...], "notebooks": [stems]}``; runs sharing a data end, pair, claims file and data
    folder share one series cache. A run the data cannot serve gets a failed status naming why.
    """
    from rotation.claims import timeline

    shared: dict[tuple, object] = {}
    out = []
    for r in job["runs"]:
        p = {k: str(r["parameters"].get(k) or "") for k in CONTEXT_PARAMETERS}
        started = time.perf_counter()
        try:
            key = (p["data_end"], p["small"], p["large"], p["claims"], p["data_dir"])
            if key not in shared:
                shared[key] = timeline.sessions(
                    claims=p["claims"],
                    data_end=p["data_end"],
                    data_dir=p["data_dir"],
                    small=p["small"],
                    large=p["large"],
                )
            s = shared[key]
            ctx = s.context(p["as_of"] or str(s.ctx.article["as_of"]))
            ids = [c for c, claim in ctx.registry["claims"].items() if claim["notebook"] in job["notebooks"]]
            labels = timeline.verdict_labels(ctx, ids)
            status = {"run": r["name"], "ok": True, "seconds": round(time.perf_counter() - started, 2), "notebooks": []}
        except RotationError as exc:
            labels = {}
            status = failed_status(r, " ".join(str(exc).split()), time.perf_counter() - started)
        out.append((status, labels))
    return out


def verdicts_only(
    runs: Sequence[Mapping], notebooks: Sequence[Path], *, jobs: int = 1, on_done: Callable[[dict], None] | None = None
) -> tuple[list[dict], dict[str, dict[str, str]]]:
    """Statuses and verdict labels of ``runs`` (from ``plan``) without executing a notebook or touching a run folder.

    The claims of the given notebooks only (as a notebook sweep records them); ``jobs`` worker
    processes share the runs (one: in this process).
    """
    stems = [Path(n).stem for n in notebooks]
    workers = max(1, min(int(jobs or 1), len(runs)))
    chunks = [{"runs": list(runs[i::workers]), "notebooks": stems} for i in range(workers)]
    results: list[tuple[dict, dict[str, str]]] = []
    if workers == 1:
        results = verdicts_of_runs(chunks[0])
        for status, _ in results:
            if on_done:
                on_done(status)
    else:
        context = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_ignore_interrupts) as pool:
            for future in cf.as_completed([pool.submit(verdicts_of_runs, c) for c in chunks]):
                for status, labels in future.result():
                    results.append((status, labels))
                    if on_done:
                        on_done(status)
    by_name = {status["run"]: (status, labels) for status, labels in results}
    statuses = [by_name[r["name"]][0] for r in runs]
    return statuses, {name: labels for name, (_, labels) in by_name.items()}


def verdicts_only_command(args, request: Mapping, declared: Mapping, paths: Sequence[Path]) -> int:
    """``rotation run ... --verdicts-only``: the sweep's verdict table (``runs/sweep_<name>.csv``), no notebook executed.

    The runs are planned and validated as a notebook sweep plans them (same names, same table
    file); nothing is written under ``runs/<run>/`` or ``figures/<run>/``.
    """
    print("verdicts only: planning the runs (no notebook is executed)", flush=True)  # at once, even when piped
    if getattr(args, "export", False):
        raise ParameterError("--verdicts-only draws no figure: drop --export")
    prefix = staging.check_run_name(request["run_name"]) if request["run_name"] is not None else None
    config = request["config"]
    if request["file_runs"] is not None:
        if request["axes"]:
            raise ParameterError(
                f"{config} holds a list of runs: put every run in the file instead of adding --grid or repeated flags"
            )
        raw = [(name, {**params, **request["base"]}) for name, params in request["file_runs"]]
        runs = plan(raw, declared, prefix=prefix, where=str(config))
        label = request["run_name"] or Path(config).stem
    else:
        runs = plan([(None, p) for p in expand(request["base"], request["axes"])], declared, prefix=prefix)
        label = request["run_name"]
    target = (
        Path(args.summary) if args.summary else default_summary_path(sweep_name(runs, list(request["axes"]), label))
    )
    check_data(runs, paths, refresh=bool(getattr(args, "refresh", False)))  # the notebook sweep's refusals, same lines
    jobs = args.jobs or os.cpu_count() or 1
    print(
        f"{len(runs)} run(s), verdicts of {len(paths)} notebook(s)' claims, {min(jobs, len(runs))} at a time",
        flush=True,
    )
    started = time.perf_counter()
    statuses, labels = verdicts_only(runs, paths, jobs=jobs, on_done=progress(len(runs)))
    write_verdict_table(verdict_table_of(runs, statuses, labels), target)
    failed = [s for s in statuses if not s["ok"]]
    for s in failed:
        print(f"error: {s['run']}: {s.get('error', '')}", file=sys.stderr)
    print(
        f"{len(runs) - len(failed)} of {len(runs)} runs judged in {time.perf_counter() - started:.1f} s without notebooks; "
        f"verdicts per run -> {target}",
        flush=True,
    )
    return 0 if not failed else 1


def write_verdict_table(table: pd.DataFrame, path: Path) -> Path:
    """Write the cross-run table as CSV, atomically."""
    return write_text_atomic(path, table.to_csv(index=False))


def default_summary_path(name: str) -> Path:
    return runs_dir() / f"sweep_{name}.csv"


def progress(total: int, stream=None) -> Callable[[dict], None]:
    """A callback reporting each finished run: one line per run (``[k/n] run: ok (s)`` or the
    failure), printed above a tqdm bar when ``stream`` is a terminal."""
    out = stream or sys.stderr
    bar = None
    if hasattr(out, "isatty") and out.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, file=out, unit="run", leave=False)
    count = {"done": 0}

    def report(status: dict) -> None:
        count["done"] += 1
        notebook, cell, error = first_failure(status)
        where = f" {notebook}" + (f" cell {cell}" if cell else "") if notebook else ""
        text = "ok" if status["ok"] else f"FAILED{where}: {error}"
        line = f"[{count['done']}/{total}] {status['run']}: {text} ({float(status.get('seconds') or 0):.1f} s)"
        if bar is None:
            print(line, file=out, flush=True)
            return
        bar.write(line, file=out)
        bar.update(1)
        if count["done"] == total:
            bar.close()

    return report


__all__ = [
    "execute",
    "expand",
    "failed_status",
    "format_table",
    "parse_grid",
    "plan",
    "read_run_file",
    "run_one",
    "split_values",
    "summary_table",
    "sweep_name",
    "verdict_table",
    "verdict_table_of",
    "verdicts_only",
    "verdicts_only_command",
    "write_verdict_table",
]
