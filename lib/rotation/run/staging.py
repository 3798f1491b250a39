"""Runs that replace the previous one only when they succeed: run-name checks, locks, staging and swap-in.

A run renders into ``runs/.staging/<run>.<pid>/`` (``run/`` and ``figures/`` inside; the
kernels find it through ``paths.run_dir``/``paths.figures_dir``, see ``rotation.core.paths``).
When every notebook succeeded, ``run/`` replaces ``runs/<run>/`` and ``figures/`` replaces
``figures/<run>/``, each in one rename. When a notebook failed or the run was interrupted,
a previous good run stays untouched and the failed rendering moves to
``runs/.failed/<run>/`` for inspection; with no good previous run the failed rendering
becomes ``runs/<run>/`` (its ``status.json`` says what happened). A partial run (some
notebooks only) starts from a copy of the previous run, so only those notebooks' files and
results change. One process at a time writes a run name: a second one is refused with one
line (``RunBusy``). Names that are not plain folder names, and the reserved ``scan`` and
``scratch``, are refused.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from rotation.core.errors import ParameterError, RotationError
from rotation.core.files import file_lock, folder_mode, remove_temporary_files, write_text_atomic
from rotation.outputs.runs import TIMINGS_FILE, read_status_file
from rotation.core.paths import _checked_name, published_figures_dir, published_run_dir, runs_dir

RESERVED_RUN_NAMES = {
    "scan": "the output of `rotation scan`",
    "scratch": "the run name notebooks use when executed outside `rotation run`",
}
STAGING = ".staging"
FAILED = ".failed"


def check_run_name(run_name: object) -> str:
    """``run_name`` if it is a plain folder name that is not reserved; else one ``ParameterError`` line."""
    name = _checked_name(str(run_name))
    reserved = RESERVED_RUN_NAMES.get(name.lower())
    if reserved:
        raise ParameterError(f"run name {name!r} is reserved ({reserved}); choose another --run-name")
    return name


def _mkdir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=folder_mode())
    return folder


def previous_status(run_name: str) -> dict | None:
    """The published run's status (``read_status_file``; None when the run or the file does not exist)."""
    return read_status_file(published_run_dir(run_name))


def has_good_run(run_name: str) -> bool:
    """A published run exists whose status does not say it failed (a folder without status counts as good)."""
    folder = published_run_dir(run_name)
    if not folder.is_dir():
        return False
    if not (folder / "status.json").is_file():
        return True
    status = previous_status(run_name)
    return bool(status and status.get("ok"))


def new_stage(run_name: str, *, copy_previous: bool) -> Path:
    """A fresh staging folder for ``run_name`` (leftovers of killed runs of that name removed first).

    ``copy_previous`` copies the published run and figures in (partial runs).
    """
    root = _mkdir(runs_dir() / STAGING)
    for leftover in root.glob(f"{glob_escape(run_name)}.*"):  # we hold the lock: these are dead runs
        shutil.rmtree(leftover, ignore_errors=True)
    stage = root / f"{run_name}.{os.getpid()}"
    _mkdir(stage)
    for source, part in ((published_run_dir(run_name), "run"), (published_figures_dir(run_name), "figures")):
        if copy_previous and source.is_dir():
            shutil.copytree(source, stage / part, symlinks=True)
        else:
            _mkdir(stage / part)
    remove_temporary_files(stage)
    return stage


def glob_escape(text: str) -> str:
    """``text`` with glob wildcards escaped."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2``); False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))


def replace_folder(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target``, replacing what was there; a reader sees the old or the new folder."""
    _mkdir(target.parent)
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new)  # now holds the old content
        return
    old = new.with_name(new.name + ".old")
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old)


def unstage_paths(stage: Path, run_name: str, folder: Path | None = None) -> None:
    """In the staged rendered notebooks, write the final folders where the staging folders appear
    (papermill's ``output_path`` metadata, printed paths), so a published notebook never names the stage."""
    swaps = [(stage / "run", published_run_dir(run_name)), (stage / "figures", published_figures_dir(run_name))]
    from rotation.core.paths import project_dir

    root = project_dir()
    for old, final in list(swaps):  # the project-relative forms too (rendered metadata holds relative paths)
        try:
            swaps.append((old.relative_to(root), final.relative_to(root)))
        except ValueError:
            pass
    for path in sorted((folder or stage / "run").glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        new = text
        for old, final in swaps:
            for a, b in ((str(old), str(final)), (json.dumps(str(old))[1:-1], json.dumps(str(final))[1:-1])):
                new = new.replace(a, b)
        if new != text:
            write_text_atomic(path, new)


def publish(stage: Path, run_name: str) -> None:
    """Move a staged run into ``runs/<run>/`` and ``figures/<run>/``."""
    remove_temporary_files(stage)
    unstage_paths(stage, run_name)
    replace_folder(stage / "run", published_run_dir(run_name))
    figures = stage / "figures"
    if any(figures.iterdir()) or published_figures_dir(run_name).exists():
        replace_folder(figures, published_figures_dir(run_name))
    shutil.rmtree(stage, ignore_errors=True)


def keep_failed(stage: Path, run_name: str) -> Path:
    """Move a failed or interrupted staged run to ``runs/.failed/<run>/`` (replacing an older one); returns it."""
    remove_temporary_files(stage)
    target = runs_dir() / FAILED / run_name
    _mkdir(target.parent)
    if target.exists():
        shutil.rmtree(target)
    os.rename(stage, target)
    return target


def discard(stage: Path) -> None:
    shutil.rmtree(stage, ignore_errors=True)


def drop_results_of(stage: Path, notebooks: Iterable[str]) -> None:
    """Remove from a staged (copied) ``results.jsonl`` the records the re-run notebooks will write again."""
    from rotation.outputs.results import RESULTS_FILE, read_records, write_records

    path = stage / "run" / RESULTS_FILE
    if not path.is_file():
        return
    rerun = set(notebooks)
    kept = [r for r in read_records(path) if r.get("notebook") not in rerun]
    write_records(path, kept)


def merge_partial_status(status: dict, previous: dict | None) -> dict:
    """A partial run's status: the previous run's entries for the notebooks not re-run, then the new ones."""
    if not previous:
        return status
    rerun = {n["notebook"] for n in status["notebooks"]}
    kept = [n for n in previous.get("notebooks", []) if n.get("notebook") not in rerun]
    merged = sorted([*kept, *status["notebooks"]], key=lambda n: n["notebook"])
    out = dict(status)
    out["notebooks"] = merged
    out["ok"] = status["ok"] and all(n.get("status") == "ok" for n in merged)
    return out


def write_status(stage: Path, status: dict) -> None:
    """Write a run's status: ``status.json`` without the timings (so a rerun of unchanged code and data
    leaves the committed run byte-identical) and ``timings.json`` with them (``read_status_file`` joins them)."""
    notebooks = status.get("notebooks", [])
    plain = {k: v for k, v in status.items() if k != "seconds"}
    plain["notebooks"] = [{k: v for k, v in n.items() if k != "seconds"} for n in notebooks]
    timings = {"seconds": status.get("seconds"), "notebooks": {n["notebook"]: n.get("seconds") for n in notebooks}}
    folder = stage / "run"
    write_text_atomic(folder / "status.json", json.dumps(plain, indent=2, default=str) + "\n")
    write_text_atomic(folder / TIMINGS_FILE, json.dumps(timings, indent=2) + "\n")


__all__ = [
    "RESERVED_RUN_NAMES",
    "check_run_name",
    "discard",
    "has_good_run",
    "keep_failed",
    "new_stage",
    "publish",
    "replace_folder",
]
