"""A run's folder as its readers and writers share it: the lock on a run name, and the status file.

One process at a time writes a run name: ``run_lock`` holds ``runs/.locks/<run>.lock`` (an
exclusive ``flock``) and refuses a second writer with one line (``RunBusy``); the runner holds it
while it renders, ``rotation export`` while it adds figure formats. ``read_status_file`` reads a
run folder's ``status.json`` with the timings (``timings.json``, kept apart so a rerun of
unchanged code and data leaves the committed run byte-identical) joined back in.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from rotation.core.errors import RotationError
from rotation.core.files import file_lock, folder_mode
from rotation.core.paths import runs_dir

LOCKS = ".locks"
TIMINGS_FILE = "timings.json"  # beside status.json, git-ignored: the seconds, which change on every rerun



class RunBusy(RotationError):
    """Another process is writing the same run name."""


@contextlib.contextmanager
def run_lock(run_name: str) -> Iterator[Path]:
    """Hold ``runs/.locks/<run>.lock`` (an exclusive ``flock``) while writing ``run_name``; refuse if held."""
    folder = runs_dir() / LOCKS
    path = folder / f"{run_name}.lock"
    with contextlib.ExitStack() as stack:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=folder_mode())
            fd = stack.enter_context(file_lock(path, blocking=False))
        except BlockingIOError:
            holder = _read_holder(path)
            raise RunBusy(f"run {run_name} is being written by another rotation process (pid {holder}); wait for it to finish or choose another --run-name") from None
        except PermissionError:
            raise RotationError(f"cannot write in {runs_dir()} (permission denied)") from None
        except OSError as exc:
            raise RotationError(f"cannot write in {runs_dir()} ({exc.strerror or exc})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path


def _read_holder(path: Path) -> str:
    """The process id the holder of a run lock wrote into it (``unknown`` when unreadable)."""
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()[:32] or "unknown"
    except OSError:
        return "unknown"


def read_status_file(folder: Path) -> dict | None:
    """A run folder's ``status.json`` with its timings joined back in (None when there is no status)."""
    try:
        status = json.loads((Path(folder) / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        timings = json.loads((Path(folder) / TIMINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return status
    if "seconds" in timings:
        status["seconds"] = timings["seconds"]
    for entry in status.get("notebooks", []):
        seconds = timings.get("notebooks", {}).get(entry.get("notebook"))
        if seconds is not None:
            entry["seconds"] = seconds
    return status
