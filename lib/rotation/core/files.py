"""Atomic file writes (a reader sees the old file or the new one, never half of one) and file locks.

Files are created with the permissions the user's umask allows (``0666 & ~umask``), like
any file written with ``open``, not the private ``0600`` of a bare temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    """The process umask (read from /proc when possible, which does not change it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a new file under the current umask."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """Permissions of a new folder under the current umask."""
    return 0o777 & ~_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it over ``path`` in one step.

    On any exception (Ctrl-C included) the temporary file is removed and ``path`` is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp_path = Path(tmp)
    try:
        try:
            os.fchmod(fd, file_mode())
        finally:
            os.close(fd)
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def remove_temporary_files(folder: str | os.PathLike) -> int:
    """Delete the ``.<name>.<random>.tmp`` files ``atomic_path`` leaves when a process is killed; returns how many."""
    root = Path(folder)
    count = 0
    if root.is_dir():
        for leftover in root.rglob(".*.tmp"):
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
                count += 1
    return count


@contextlib.contextmanager
def file_lock(path: str | os.PathLike, *, exclusive: bool = True, blocking: bool = True) -> Iterator[int]:
    """Hold an ``flock`` on ``path`` (a folder, or a lock file created if missing); yields its descriptor.

    ``exclusive`` False takes a shared lock. With ``blocking`` False a lock held elsewhere raises
    ``BlockingIOError`` at once. Opening the file raises ``OSError`` (permissions, a missing
    folder): each caller says what that means for it. The lock ends when the block does, or with
    the process, however it ends.
    """
    import fcntl

    target = Path(path)
    fd = os.open(target, os.O_RDONLY) if target.is_dir() else os.open(target, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if blocking else fcntl.LOCK_NB))
        yield fd
    finally:
        os.close(fd)  # releases the lock
