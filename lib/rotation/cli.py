"""The ``rotation`` command: ``run``, ``params`` (and ``scan``, ``report`` when those modules exist).

Errors the user can fix are printed as one line, ``error: ...``, with exit code 2 (a file or
folder that cannot be read or written included); a run whose notebooks failed exits with 1;
Ctrl-C ends with one line, ``error: interrupted``, and exit code 130. No traceback is shown
unless ``ROTATION_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from pathlib import Path

from rotation.core.errors import ParameterError, RotationError
from rotation.core.threads import on_main_thread

DESCRIPTION = """\
Re-check the January 2026 article on US small caps, claim by claim, on real market data.

Each command works in the project folder: notebooks/ (the templates), runs/<run>/ (rendered
notebooks, results.jsonl, the scorecard) and figures/<run>/."""
EPILOG = """\
examples:
  rotation run                               the article's claims, into runs/article/
  rotation run --as-of 2008-06-06            the same checks at another date
  rotation run -p small iwm -p large spy     any notebook parameter (see: rotation params)
  rotation export article                    SVG and PDF of every figure of the run (a run writes PNG)
  rotation report article                    a browsable HTML folder, reports/article/index.html
  rotation scan --min-length 13              the streak in force on every session

Exit codes: 0 ok, 1 a notebook failed, 2 input refused (one line says which file or parameter).
Help on one command: rotation COMMAND --help."""

# Modules that add their own sub-command through ``add_parser(subparsers)``.
EXTENSIONS = (
    "rotation.run.scan_command",
    "rotation.outputs.report",
    "rotation.run.export_command",
    "rotation.run.timeline_command",
)


def _parse_run_args(args: argparse.Namespace, declared: dict[str, dict]) -> dict:
    """The runs the command line asks for.

    Returns ``{"base", "axes", "run_name", "file_runs", "config"}``: ``base`` holds single values
    (``--config`` mapping, then ``-p``/``--as-of``/``--grid`` values; the command line wins),
    ``axes`` every parameter given more than one distinct value, ``file_runs`` the runs of a
    YAML run file (a list), or None.
    """
    from rotation.core.strict_yaml import read_yaml_file
    from rotation.run import sweep

    base: dict[str, object] = {}
    run_name = None
    file_runs = None
    config = Path(args.config) if args.config else None
    if config is not None:
        parsed = read_yaml_file(config)  # parsed once (size capped before parsing)
        file_runs = sweep.read_run_file(config, declared, doc=parsed)
        if file_runs is None:
            doc = dict(parsed)
            run_name = doc.pop("run_name", None)
            for key in doc:
                if key not in declared or key == "run_name":
                    known = ", ".join(sorted(n for n in declared if n != "run_name"))
                    raise ParameterError(f"{config}: unknown key {key!r} (known: run_name, {known})")
            base.update(doc)
    given: dict[str, list[object]] = {}
    for name, value in args.param or []:
        given.setdefault(name, []).append(value)
    for value in args.as_of or []:
        given.setdefault("as_of", []).append(value)
    for name, values in sweep.parse_grid(args.grid or []).items():
        given.setdefault(name, []).extend(values)
    if args.data_dir:
        given["data_dir"] = [args.data_dir]
    if getattr(args, "claims", None):
        given["claims"] = [args.claims]
    axes = {}
    for name, values in given.items():
        distinct = list(dict.fromkeys(values))
        if len(distinct) == 1:
            base[name] = distinct[0]
        else:
            axes[name] = distinct
    chosen = args.run_name if args.run_name is not None else run_name
    return {
        "base": base,
        "axes": axes,
        "run_name": None if chosen is None else str(chosen),
        "file_runs": file_runs,
        "config": config,
    }


def notebook_names(text: str | None) -> list[str] | None:
    """``--notebooks a,b`` as a list (None: every notebook); an empty or repeated name is refused."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",")]
    if not any(names):
        raise ParameterError(
            "--notebooks is empty: name notebooks such as 01_streak,02_spread, or omit the flag to run all"
        )
    if "" in names:
        raise ParameterError(f"--notebooks {text!r}: an empty name between commas")
    repeated = [n for i, n in enumerate(names) if n in names[:i]]
    if repeated:
        raise ParameterError(f"--notebooks: {repeated[0]} is named twice")
    return names


def cmd_run(args: argparse.Namespace) -> int:
    repeated = len(set(args.as_of or [])) > 1 or len(args.param or []) > len(dict(args.param or []))
    if args.grid or args.config or repeated:  # a sweep: a first line at once, before the imports (piped output too)
        print("sweep: checking every run's parameters and data before any starts", flush=True)
    from rotation.run import notebooks, sweep

    paths = notebooks.notebook_paths(only=notebook_names(args.notebooks))
    if args.no_cache:  # read by every run of this command, sweep workers included (rotation.run.cache.enabled)
        os.environ["ROTATION_NO_CACHE"] = "1"
    declared = notebooks.collection_parameters(paths)
    request = _parse_run_args(args, declared)
    claims_file = request["base"].get("claims")
    if claims_file and args.notebooks is None:
        paths = notebooks.notebooks_for_claims(paths, str(claims_file))
    if args.jobs is not None and args.jobs < 1:
        raise ParameterError(f"--jobs must be a positive integer, got {args.jobs}")
    if args.scheduler and args.executor != "dask":
        raise ParameterError("--scheduler needs --executor dask")
    if args.verdicts_only:  # the verdict table only, no notebook (rotation.run.sweep.verdicts_only_command)
        return sweep.verdicts_only_command(args, request, declared, paths)
    sweep_size = len(request["file_runs"]) if request["file_runs"] is not None else sweep.grid_size(request["axes"])
    sweep.check_sweep_size(sweep_size)
    if sweep_size > 1 or request["file_runs"] is not None:
        sweep.check_executor(args.executor, args.scheduler)
    if request["file_runs"] is None and not request["axes"]:
        return _single_run(args, request, declared, paths)
    return _many_runs(args, request, declared, paths)


def _single_run(args: argparse.Namespace, request: dict, declared: dict, paths: list[Path]) -> int:
    from rotation.outputs import changes
    from rotation.run import runner, staging

    params = runner.validate_parameters(request["base"], declared)
    name = staging.check_run_name(
        request["run_name"] if request["run_name"] is not None else runner.default_run_name(params)
    )
    _say_data(params.get("data_dir"))
    reference = changes.snapshot(name)  # to say afterwards which verdicts moved
    status = runner.execute_run(
        params,
        name,
        notebooks=paths,
        partial=args.notebooks is not None,
        refresh=bool(getattr(args, "refresh", False)),
        export=bool(args.export),
        jobs=args.jobs,
    )
    for line in runner.failure_lines(status):
        print(f"error: {line}", file=sys.stderr)
    if args.summary:
        from rotation.run import sweep

        target = sweep.write_verdict_table(
            sweep.verdict_table([{"name": name, "parameters": params}], [status]), Path(args.summary)
        )
        print(f"verdicts -> {target}")
    if status.get("kept_at"):
        print(
            f"run {name}: FAILED in {status.get('seconds', 0):.1f} s; previous runs/{name}/ and figures/{name}/ kept; this rendering -> {status['kept_at']}/"
        )
    else:
        print(
            f"run {name}: {'ok' if status['ok'] else 'FAILED'} in {status.get('seconds', 0):.1f} s -> runs/{name}/, figures/{name}/"
        )
        print("\n".join(changes.summary_lines(name, reference)))
        _say_pending(name)
    return 0 if status["ok"] else 1


def _many_runs(args: argparse.Namespace, request: dict, declared: dict, paths: list[Path]) -> int:
    import time

    from rotation.run import sweep

    config = request["config"]
    if request["file_runs"] is not None:
        if request["axes"]:
            raise ParameterError(
                f"{config} holds a list of runs: put every run in the file instead of adding --grid or repeated flags"
            )
        raw_runs = [(name, {**params, **request["base"]}) for name, params in request["file_runs"]]
        runs = sweep.plan(raw_runs, declared, prefix=_prefix(request["run_name"]), where=str(config))
        label = request["run_name"] or config.stem
    else:
        raw_runs = [(None, params) for params in sweep.expand(request["base"], request["axes"])]
        runs = sweep.plan(raw_runs, declared, prefix=_prefix(request["run_name"]))
        label = request["run_name"]
    target = (
        Path(args.summary)
        if args.summary
        else sweep.default_summary_path(sweep.sweep_name(runs, list(request["axes"]), label))
    )
    jobs = args.jobs or os.cpu_count() or 1
    _say_data(request["base"].get("data_dir"))
    print(
        f"{len(runs)} runs of {len(paths)} notebook(s), {min(jobs, len(runs))} at a time ({args.executor})",
        file=sys.stderr,
    )
    sweep.check_data(runs, paths, refresh=bool(getattr(args, "refresh", False)))
    started = time.perf_counter()
    statuses = sweep.execute(
        runs,
        paths,
        jobs=jobs,
        executor=args.executor,
        scheduler=args.scheduler,
        on_done=sweep.progress(len(runs)),
        partial=args.notebooks is not None,
        check_data=False,
    )
    wall = time.perf_counter() - started
    print(sweep.format_table(sweep.summary_table(statuses)))
    sweep.write_verdict_table(sweep.verdict_table(runs, statuses), target)
    failed = sum(not s["ok"] for s in statuses)
    print(
        f"{len(runs) - failed} of {len(runs)} runs ok in {wall:.1f} s; runs/<run>/ and figures/<run>/ per run (PNG; SVG and PDF: rotation export <run>); "
        f"verdicts per run -> {target}"
    )
    return 0 if not failed else 1


def _say_data(data_dir: object) -> None:
    """The first line of a run: which data folder, or a download into which cache (``data.data_line``)."""
    from rotation.data import loading

    print(loading.data_line(str(data_dir) if data_dir else None), flush=True)


def _say_pending(name: str) -> None:
    """Tell how to get the SVG/PDF files when the run kept figures for them."""
    from rotation.core.paths import published_figures_dir
    from rotation.outputs import figexport

    if figexport.pending(published_figures_dir(name)):
        print(f"SVG and PDF of the figures: rotation export {name} (runs the notebooks again)")


def _prefix(run_name: str | None) -> str | None:
    """A sweep's ``--run-name`` prefix, checked as a folder name (each run's full name is checked by ``sweep.plan``)."""
    if run_name is None:
        return None
    from rotation.core.paths import _checked_name

    return _checked_name(run_name)


def cmd_params(args: argparse.Namespace) -> int:
    """Every parameter once: its type, default(s), help and the notebooks that use it."""
    from rotation.run import notebooks

    for line in params_lines(notebooks.notebook_paths()):
        print(line)
    return 0


def params_lines(paths: list[Path]) -> list[str]:
    """``rotation params`` output: one block per parameter, in the order the notebooks declare them."""
    from rotation.run import notebooks, runner

    merged: dict[str, list[tuple[str, dict]]] = {}
    for path in paths:
        for name, info in notebooks.notebook_parameters(path).items():
            if name not in runner.RUNNER_PARAMETERS:
                merged.setdefault(name, []).append((path.stem, info))
    lines = ["Notebook parameters: give any with  rotation run -p NAME VALUE  (dates also with --as-of).", ""]
    for name, uses in merged.items():
        types = sorted({info["type"] for _, info in uses})
        defaults = {stem: info["default"] for stem, info in uses}
        helps: dict[str, list[str]] = {}
        for stem, info in uses:
            if info["help"]:
                helps.setdefault(info["help"], []).append(stem)
        if len(set(defaults.values())) == 1:
            default = f"default {next(iter(defaults.values()))}"
        else:
            default = "defaults " + ", ".join(f"{value} ({stem})" for stem, value in defaults.items())
        lines.append(f"{name}  ({' or '.join(types)}; {default})")
        if len(helps) == 1:
            lines.append(f"    {next(iter(helps))}")
        else:
            lines.extend(f"    {', '.join(stems)}: {text}" for text, stems in helps.items())
        lines.append(f"    used by: {', '.join(stem for stem, _ in uses)}")
    return lines


def build_parser() -> argparse.ArgumentParser:
    from rotation import __version__

    parser = argparse.ArgumentParser(
        prog="rotation", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"rotation {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")

    run = sub.add_parser(
        "run",
        help="check the claims: execute every notebook with one parameter set, or with many (a sweep)",
        description=(
            "One run: every notebook with one parameter set, into runs/<run>/ and figures/<run>/. "
            "Many runs (a sweep): give a flag several times (--as-of A --as-of B, -p NAME V1 -p NAME V2) or "
            "--grid NAME=V1,V2 (the runs are the product of all such axes), or --config with a YAML list of runs. "
            "Runs execute in parallel worker processes (--jobs); every run's parameters are validated before any starts; "
            "a summary table and a cross-run verdict table (runs/sweep_<name>.csv) close the sweep. "
            "Exit code: 0 all runs ok, 1 a notebook failed, 2 bad parameters."
        ),
    )
    run.add_argument(
        "--as-of",
        dest="as_of",
        action="append",
        help="date the claims are checked at (YYYY-MM-DD); repeat for several runs",
    )
    run.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="any notebook parameter; repeat a NAME with other values for several runs",
    )
    run.add_argument(
        "--grid",
        action="append",
        metavar="NAME=V1,V2",
        help="one run per value (combined with other axes as a grid); commas inside [...] stay, e.g. horizons=[5,20],[60]",
    )
    run.add_argument(
        "--config",
        help="YAML file: a mapping of parameters (one run; may hold run_name), or a list of such mappings (one run each)",
    )
    run.add_argument(
        "--run-name",
        dest="run_name",
        help="folder name under runs/ and figures/ (default: article, or built from the parameters); for many runs, a prefix and the sweep's name",
    )
    run.add_argument(
        "--claims",
        help="claims file (YAML) of another article of this kind: its title, date, index pair and claims (default: data/claims.yaml); see docs/check_another_article.md",
    )
    run.add_argument(
        "--data-dir",
        dest="data_dir",
        help="folder of CSV files (default: ROTATION_DATA_DIR, then ../shared/data beside the project, then download into data/cache/)",
    )
    run.add_argument("--notebooks", help="comma-separated notebook names to run (default: all)")
    run.add_argument(
        "--export",
        action="store_true",
        help="also write every figure's SVG and PDF (one pass beside the notebooks; otherwise: rotation export RUN)",
    )
    run.add_argument(
        "--refresh",
        action="store_true",
        help="download the series again into data/cache/ even when the cached copy is fresh (no effect on a local data folder)",
    )
    run.add_argument(
        "--no-cache",
        action="store_true",
        help="execute every notebook, even those whose inputs are unchanged (the execution cache, data/cache/executions/, is still written)",
    )
    run.add_argument(
        "--jobs",
        "-j",
        type=int,
        help="runs executed at the same time in a sweep, notebooks at the same time in one run (default: number of cores; one run: at most 2)",
    )
    run.add_argument(
        "--executor",
        choices=("process", "dask"),
        default="process",
        help="many runs: local worker processes (default) or a dask.distributed cluster (pip install -e '.[dask]')",
    )
    run.add_argument(
        "--scheduler",
        help="with --executor dask: scheduler address, e.g. tcp://host:8786 (default: a local cluster of --jobs workers)",
    )
    run.add_argument(
        "--verdicts-only",
        dest="verdicts_only",
        action="store_true",
        help="write only the cross-run verdict table (runs/sweep_<name>.csv), judged without executing any notebook",
    )
    run.add_argument(
        "--summary",
        help="many runs: path of the cross-run verdict table (default: runs/sweep_<run-name, run file name, or axes + hash>.csv)",
    )
    run.set_defaults(func=cmd_run)

    params = sub.add_parser(
        "params",
        help="every parameter you can set: type, default, meaning and the notebooks using it",
        description="Every notebook parameter once, with its type, default, help and the notebooks that use it.",
    )
    params.set_defaults(func=cmd_params)

    for module_name in EXTENSIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.add_parser(sub)
    return parser


def os_error_line(exc: OSError) -> str:
    """One line for a file-system error: what could not be done to which path, and why (in words: a full disk,
    a read-only file system or a copy that failed part-way is named as such, never by the exception's class)."""
    import errno

    from rotation.core import files

    where = exc.filename if exc.filename is not None else ""
    if exc.filename2 is not None:
        where = f"{where} -> {exc.filename2}"
    if isinstance(exc, IsADirectoryError):
        return f"{where}: is a folder, expected a file"
    if isinstance(exc, NotADirectoryError):
        return f"{where}: a file stands where a folder is needed"
    if isinstance(exc, PermissionError):
        return f"{where}: permission denied"
    if exc.strerror is None or exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO):
        return files.os_error_line(exc, doing="at")
    return f"{where}: {exc.strerror}" if where else exc.strerror


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _interrupted_early(signum, frame) -> None:
    """Ctrl-C before the command started (imports, parsing) or after it ended: one line, exit 130."""
    os.write(2, b"error: interrupted\n")
    os._exit(130)


def _is_the_command() -> bool:
    """True in the process the ``rotation`` console script started, not in a test or a kernel importing this
    module (the same test as in ``rotation/__init__.py``, which installs the first handler)."""
    script = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    return os.path.basename(script) in ("rotation", "rotation.exe")


def main(argv: list[str] | None = None) -> int:
    """The ``rotation`` command; returns its exit code (Ctrl-C: one line and 130 from start to end)."""
    early = None  # the handler the command runs with; None: SIGINT left as it is (ignored, or not the main thread)
    if on_main_thread() and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        early = signal.signal(signal.SIGINT, _interrupted_early)  # imports, parsing: one line too
        if _is_the_command():  # the package put in its own early handler (rotation/__init__.py) in place of Python's
            early = signal.default_int_handler
    try:
        return _main(argv, early)
    finally:
        if early is not None and _is_the_command() and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, _interrupted_early)  # after the command, while the interpreter exits


def _main(argv: list[str] | None, early) -> int:
    from rotation.core.paths import STAGING_DIR_ENV, STAGING_RUN_ENV

    for key in (
        STAGING_RUN_ENV,
        STAGING_DIR_ENV,
    ):  # the runner sets these for its kernels only; inherited ones mean nothing here
        os.environ.pop(key, None)
    parser = build_parser()
    parser.set_defaults(settled_run=_settled_run)
    args = parser.parse_args(argv)
    debug = os.environ.get("ROTATION_DEBUG", "").strip() not in ("", "0")
    try:
        if early is not None:
            signal.signal(signal.SIGINT, early)  # from here a Ctrl-C is a KeyboardInterrupt, handled below
        return int(args.func(args) or 0)
    except RotationError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if on_main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while exiting prints nothing more
        print("error: interrupted", file=sys.stderr, flush=True)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # unreadable or unwritable file or folder, disk full...
        if debug:
            raise
        print(f"error: {_one_line(os_error_line(exc))}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a bug: still one line; ROTATION_DEBUG=1 shows the traceback
        if debug:
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {_one_line(exc)} (set ROTATION_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


def _settled_run(run_name: str):
    """The run layer's lock and publish recovery (``staging.settled``), handed to commands of lower layers that
    read a published run (``rotation report``: ``args.settled_run``), which may not import the run layer."""
    from rotation.run import staging

    return staging.settled(run_name)


if __name__ == "__main__":
    sys.exit(main())
