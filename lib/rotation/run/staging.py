"""Runs that replace the previous one only when they succeed: run-name checks, locks, staging and swap-in.

A run renders into a folder of its own, ``runs/.staging/<run>/<attempt>/`` (``run/`` and
``figures/`` inside; the kernels find it through ``paths.run_dir``/``paths.figures_dir``, see
``rotation.core.paths``). ``runs/.staging/<run>/`` belongs to the run name exactly (``a`` never
touches ``a.b``'s folder) and is only changed under that name's lock.

Publishing is all or nothing for the two folders together: a journal
(``runs/.staging/<run>/publish.json``) records which folders are about to be swapped and the
identity (inode) of the old and new ones; then ``run/`` is swapped with ``runs/<run>/`` and
``figures/`` with ``figures/<run>/`` (each one ``renameat2`` exchange, or two renames), with
SIGINT, SIGTERM and SIGHUP held until both swaps are done; only then is the journal removed
and the old content deleted. A process killed in between (SIGKILL, power loss) leaves the
journal: the next run of that name (or ``rotation export``) first completes the publish when
both folders are already new, or puts the old folders back otherwise (``recover``), so a
reader never finds one folder new and the other old once the run name's lock is free. When a notebook failed or the run was interrupted,
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
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from rotation.core.errors import ParameterError, RotationError
from rotation.core.files import (
    LockPathError,
    file_lock,
    folder_mode,
    os_error_line,
    remove_temporary_files,
    write_text_atomic,
)
from rotation.core.paths import _checked_name, published_figures_dir, published_run_dir, runs_dir
from rotation.outputs.runs import TIMINGS_FILE, previous_status

LOCKS = ".locks"


class RunBusy(RotationError):
    """Another process is writing the same run name."""


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


@contextlib.contextmanager
def run_lock(run_name: str) -> Iterator[Path]:
    """Hold ``runs/.locks/<run>.lock`` (an exclusive ``flock``) while writing ``run_name``; refuse if held."""
    folder = runs_dir() / LOCKS
    path = folder / f"{run_name}.lock"
    with contextlib.ExitStack() as stack:
        try:
            _mkdir(folder)
            fd = stack.enter_context(file_lock(path, blocking=False, folder=False))
        except BlockingIOError:
            holder = _read_holder(path)
            raise RunBusy(
                f"run {run_name} is being written by another rotation process (pid {holder}); wait for it to finish or choose another --run-name"
            ) from None
        except LockPathError as exc:
            raise RotationError(str(exc)) from None
        except PermissionError:
            raise RotationError(f"cannot write in {runs_dir()} (permission denied)") from None
        except OSError as exc:
            raise RotationError(f"cannot write in {runs_dir()} ({exc.strerror or exc})") from None
        # our own lock file (a plain file with one name, opened without following links: see io.open_lock_file)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path


def _read_holder(path: Path) -> str:
    """The process id the holder of a run lock wrote into it (``unknown`` when unreadable)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            text = os.read(fd, 64).decode("ascii", errors="replace").strip()
        finally:
            os.close(fd)
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"


def has_good_run(run_name: str) -> bool:
    """A published run exists whose status does not say it failed (a folder without status counts as good)."""
    folder = published_run_dir(run_name)
    if not folder.is_dir():
        return False
    if not (folder / "status.json").is_file():
        return True
    status = previous_status(run_name)
    return bool(status and status.get("ok"))


def stage_root(run_name: str) -> Path:
    """``runs/.staging/<run>/``: the staging folders of exactly this run name (and its publish journal)."""
    return runs_dir() / STAGING / run_name


def check_targets(run_name: str) -> None:
    """Refuse (one line) a published run or figures folder that is a symbolic link or not a folder:
    a run replaces only real folders, never the target of a link."""
    for folder in (published_run_dir(run_name), published_figures_dir(run_name), stage_root(run_name)):
        if folder.is_symlink():
            raise RotationError(
                f"{folder} is a symbolic link; a run replaces only real folders (remove the link, or choose another --run-name)"
            )
        if folder.exists() and not folder.is_dir():
            raise RotationError(f"{folder} is not a folder; remove it or choose another --run-name")


def new_stage(run_name: str, *, copy_previous: bool) -> Path:
    """A fresh staging folder for ``run_name``, for one attempt; call while holding ``run_lock(run_name)``.

    A publish a killed process left half done is settled first (``recover``), then the
    leftovers of killed attempts *of this run name* are removed (nothing outside
    ``stage_root(run_name)`` is touched). ``copy_previous`` copies the published run and
    figures in (partial runs).
    """
    check_targets(run_name)
    recover(run_name)
    root = stage_root(run_name)
    stage = None
    try:
        _mkdir(root)
        for leftover in root.iterdir():  # we hold the name's lock: these are dead attempts of this very name
            _remove(leftover)
        stage = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
        os.chmod(stage, folder_mode())
        for source, part in ((published_run_dir(run_name), "run"), (published_figures_dir(run_name), "figures")):
            if copy_previous and source.is_dir():
                shutil.copytree(source, stage / part, symlinks=True)
            else:
                _mkdir(stage / part)
        remove_temporary_files(stage)
    except OSError as exc:
        if stage is not None:  # a half copy (full disk) is not left behind
            _remove(stage)
        raise RotationError(os_error_line(exc, root)) from None
    return stage


def _remove(path: Path) -> None:
    """Delete a file, link or folder tree (a link itself, never its target)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


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
    old = _swap_in(new, target)
    if old is not None:
        shutil.rmtree(old)


def _swap_in(new: Path, target: Path) -> Path | None:
    """Move folder ``new`` to ``target``; the previous ``target`` (if any) ends at the returned path (``new``
    itself after an exchange, ``new`` + ``.old`` after two renames)."""
    if not os.path.lexists(target):
        _rename(new, target)
        return None
    if _exchange(new, target):
        return new
    old = new.with_name(new.name + ".old")
    _rename(target, old)
    _rename(new, target)
    return old


def _rename(source: Path, target: Path) -> None:
    """``os.rename`` (one place, so tests can fail or interrupt any step of a publish)."""
    os.rename(source, target)


JOURNAL = "publish.json"


def _inode(path: Path) -> int | None:
    try:
        return os.lstat(path).st_ino
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def signals_held(signals: tuple[str, ...] = ("SIGINT", "SIGTERM", "SIGHUP")) -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP during a block that must not be cut in two; deliver them after.

    A signal received meanwhile is re-sent once the block is done (SIGINT as ``KeyboardInterrupt``
    through the handler that was in force). Outside the main thread the block runs as is.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    saved = {}
    for name in signals:
        number = getattr(signal, name, None)
        if number is not None:
            saved[number] = signal.signal(number, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(received):
            os.kill(os.getpid(), number)


def publish(stage: Path, run_name: str) -> None:
    """Move a staged run into ``runs/<run>/`` and ``figures/<run>/``: both folders or neither (see the module docstring)."""
    from rotation.outputs import figexport

    check_targets(run_name)
    remove_temporary_files(stage)
    unstage_paths(stage, run_name)
    figures = stage / "figures"
    figexport.carry_vectors(figures, published_figures_dir(run_name))
    pairs = [("run", published_run_dir(run_name))]
    if any(figures.iterdir()) or os.path.lexists(published_figures_dir(run_name)):
        pairs.append(("figures", published_figures_dir(run_name)))
    else:
        figures.rmdir()
    journal_path = stage.parent / JOURNAL
    journal = {
        "stage": stage.name,
        "pairs": [
            {"part": part, "target": str(target), "new": _inode(stage / part), "old": _inode(target)}
            for part, target in pairs
        ],
    }
    with signals_held():
        for _, target in pairs:
            _mkdir(target.parent)
        write_text_atomic(journal_path, json.dumps(journal, indent=2) + "\n")
        for part, target in pairs:
            _swap_in(stage / part, target)
        journal_path.unlink()  # the commit point: both folders are new
    shutil.rmtree(stage, ignore_errors=True)  # the old folders
    _remove_if_empty(stage.parent)


def recover(run_name: str) -> str | None:
    """Settle a publish of ``run_name`` that a killed process left half done (hold the run's lock).

    When every folder of the journal is already the new one, the publish is completed (the old
    folders deleted); otherwise each folder swapped so far is swapped back, so the previous run
    is whole again, and the unpublished rendering is discarded. Returns ``completed``,
    ``rolled back`` or None (nothing to do).
    """
    root = stage_root(run_name)
    journal_path = root / JOURNAL
    if not journal_path.is_file() or journal_path.is_symlink():
        return None
    try:
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
        stage = root / _checked_part(journal["stage"])
        pairs = [(_checked_part(p["part"]), Path(p["target"]), p["new"], p["old"]) for p in journal["pairs"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RotationError(
            f"publish journal {journal_path} is unreadable ({exc}); inspect runs/{run_name} and figures/{run_name}, then delete it"
        ) from None
    allowed = {published_run_dir(run_name), published_figures_dir(run_name)}
    if any(target not in allowed for _, target, _, _ in pairs):
        raise RotationError(
            f"publish journal {journal_path} names folders other than runs/{run_name} and figures/{run_name}; delete it"
        )

    def where(inode: int | None, part: str, target: Path) -> Path | None:
        if inode is None:
            return None
        for place in (target, stage / part, stage / f"{part}.old", stage / f"{part}.back"):
            if _inode(place) == inode:
                return place
        return None

    if all(where(new, part, target) == target for part, target, new, _ in pairs):
        outcome = "completed"
    else:
        outcome = "rolled back"
        with signals_held():
            for part, target, new, old in pairs:
                at_new, at_old = where(new, part, target), where(old, part, target)
                if at_new == target:
                    _rename(target, stage / f"{part}.back")
                if at_old is not None and at_old != target:
                    _rename(at_old, target)
    journal_path.unlink()
    _remove(stage)
    return outcome


@contextlib.contextmanager
def settled(run_name: str) -> Iterator[str | None]:
    """For a reader of a published run (``rotation report``): hold the run's lock, settle a publish a
    killed process left half done (``recover``), and yield its outcome; the run stays whole while the
    block reads it. A run being written is refused in one line (``RunBusy``)."""
    name = _checked_name(run_name)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(run_lock(name))
        except RunBusy:
            holder = _read_holder(runs_dir() / LOCKS / f"{name}.lock")
            raise RunBusy(
                f"run {name} is being written by another rotation process (pid {holder}); try again when it has finished"
            ) from None
        check_targets(name)
        yield recover(name)


def _checked_part(name: object) -> str:
    """A journal entry that must be a plain name inside the staging folder."""
    text = str(name)
    if not text or "/" in text or text in (".", "..") or "\0" in text:
        raise ValueError(f"bad entry {text!r}")
    return text


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


def keep_failed(stage: Path, run_name: str) -> Path:
    """Move a failed or interrupted staged run to ``runs/.failed/<run>/`` (replacing an older one); returns it."""
    remove_temporary_files(stage)
    target = runs_dir() / FAILED / run_name
    _mkdir(target.parent)
    _remove(target)
    os.rename(stage, target)
    _remove_if_empty(stage.parent)
    return target


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def discard(stage: Path) -> None:
    shutil.rmtree(stage, ignore_errors=True)
    _remove_if_empty(stage.parent)


def drop_results_of(stage: Path, notebooks: Iterable[str]) -> None:
    """Remove from a staged (copied) ``results.jsonl`` the records the re-run notebooks will write again."""
    from rotation.outputs.results import RESULTS_FILE, read_records, write_records

    path = stage / "run" / RESULTS_FILE
    if not path.is_file():
        return
    rerun = set(notebooks)
    kept = [r for r in read_records(path) if r.get("notebook") not in rerun]
    write_records(path, kept)


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
    "settled",
]
