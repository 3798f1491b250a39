"""Atomic file writes (a reader sees the old file or the new one, never half of one) and file locks.

Files are created with the permissions the user's umask allows (``0666 & ~umask``), like
any file written with ``open``, not the private ``0600`` of a bare temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
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


def open_lock_file(path: str | os.PathLike) -> int:
    """Open (creating if missing) the lock file ``path`` for reading and writing; returns its descriptor.

    The file is opened without following a symbolic link and without truncating it; a path that is a
    link, a folder or anything but a plain file with one name raises ``LockPathError`` (one line naming
    the path), so a lock can never write into another file.
    """
    target = Path(path)
    flags = (
        os.O_RDWR
        | os.O_CREAT
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_CLOEXEC", 0)
        | getattr(os, "O_NONBLOCK", 0)
    )
    try:
        fd = os.open(target, flags, 0o666)
    except IsADirectoryError:
        raise LockPathError(
            f"lock file {target} is a folder, not a file; remove it (no rotation process is using it)"
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP or target.is_symlink():
            raise LockPathError(
                f"lock file {target} is a symbolic link; refusing to follow it (remove the link)"
            ) from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        os.close(fd)
        what = "has other names (hard links)" if stat.S_ISREG(info.st_mode) else "is not a plain file"
        raise LockPathError(f"lock file {target} {what}; refusing to use it (remove it)")
    return fd


@contextlib.contextmanager
def file_lock(
    path: str | os.PathLike, *, exclusive: bool = True, blocking: bool = True, folder: bool = True
) -> Iterator[int]:
    """Hold an ``flock`` on ``path`` (a folder, or a lock file created if missing); yields its descriptor.

    ``exclusive`` False takes a shared lock. With ``blocking`` False a lock held elsewhere raises
    ``BlockingIOError`` at once. A lock file is opened by ``open_lock_file`` (no link followed,
    never truncated; ``LockPathError`` otherwise). Opening raises ``OSError`` (permissions, a
    missing folder): each caller says what that means for it. With ``folder`` False a folder at
    ``path`` is refused (``LockPathError``) instead of locked. The lock ends when the block does,
    or with the process, however it ends.
    """
    import fcntl

    target = Path(path)
    if folder and target.is_dir() and not target.is_symlink():
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
    else:
        fd = open_lock_file(target)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if blocking else fcntl.LOCK_NB))
        yield fd
    finally:
        os.close(fd)  # releases the lock


class LockPathError(OSError):
    """A lock path that is a link, a folder or not a plain file (the message is the whole line)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "bad lock file"


def os_error_line(exc: OSError, path: str | os.PathLike | None = None, doing: str = "writing") -> str:
    """One line for a file-system error: the cause in words and the path (``path`` when the error names none).

    ``doing`` is what was being done (``writing``, ``reading``, ``replacing``...): a full disk
    reads "disk full writing <path>".
    """
    if isinstance(exc, LockPathError):
        return str(exc)
    where = exc.filename if exc.filename is not None else path
    if exc.filename2 is not None:
        where = f"{where} -> {exc.filename2}"
    where = "" if where is None else str(where)
    causes = {
        errno.ENOSPC: "disk full",
        errno.EDQUOT: "disk quota exceeded",
        errno.EROFS: "read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.ELOOP: "symbolic link refused",
        errno.EISDIR: "a folder stands where a file is needed",
        errno.ENOTDIR: "a file stands where a folder is needed",
        errno.ENOENT: "no such file or folder",
        errno.EIO: "input/output error (damaged disk or file)",
        errno.ENAMETOOLONG: "file name too long",
        errno.EMFILE: "too many open files",
    }
    cause = causes.get(exc.errno or -1) or exc.strerror or _first_cause(exc) or type(exc).__name__
    return " ".join(str(cause).split()) + (f" {doing} {where}" if where else "")


def _first_cause(exc: OSError) -> str:
    """The first failure a ``shutil.Error`` (a list of ``(source, destination, reason)``) or a bare ``OSError`` holds."""
    args = exc.args[0] if len(exc.args) == 1 else None
    if isinstance(args, list) and args and isinstance(args[0], tuple) and len(args[0]) == 3:
        return f"{args[0][2]} (copying {args[0][0]})"
    return " ".join(str(exc).split())
