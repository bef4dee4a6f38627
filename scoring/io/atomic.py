"""Atomic file replacement: a temporary file beside the target, fsynced, renamed over it.

An interrupted write leaves the old file or the new one, never half of one; the temp
file gets the umask's permissions; an OS error names the target (also when Polars
wrapped it in its own error); a device, pipe or socket is never replaced.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import JixiaoError, os_errno

try:
    import resource
except ImportError:  # pragma: no cover - not on POSIX
    resource = None  # type: ignore[assignment]


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`; on success it replaces `target`, else vanishes.

    The temp file lives in the same directory so that os.replace is a rename on one
    file system, which is atomic. It is created with mode 0o666 less the umask, as
    `open()` would create the target (mkstemp's 0o600 would make every output private).
    An OS error (Polars reports them as its own errors) names `target`, not the temp file.
    """
    _check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_temp(target)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        number = _io_errno(exc, tmp)
        tmp.unlink(missing_ok=True)
        if number is None:
            raise
        raise OSError(number, os.strerror(number), str(target)) from None
    fsync_dir(target.parent)


def _io_errno(exc: BaseException, tmp: Path) -> int | None:
    """The OS error behind a failed write, if it was one.

    Polars sometimes loses the OS error in its own (a parquet write on a full disk
    ends in "Invalid thrift: transport error"); then the disk and the file size limit
    say what happened."""
    if not isinstance(exc, OSError | pl.exceptions.PolarsError):
        return None
    number = os_errno(exc)
    if number is not None:
        return number
    try:
        disk = os.statvfs(tmp.parent)
        size = tmp.stat().st_size
    except OSError:
        return None
    if disk.f_bavail * disk.f_frsize < 1 << 20:
        return errno.ENOSPC
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0] if resource else -1
    if limit not in (-1, resource.RLIM_INFINITY if resource else -1) and size >= limit:
        return errno.EFBIG
    return None


def _check_target(target: Path) -> None:
    """Only a regular file (or nothing) may be replaced: renaming over /dev/null as root
    would swap the device for a file, and over a folder cannot work."""
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError:
        return  # the parent is not a folder: mkdir says so with the path
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(target))
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise JixiaoError(f"{target}: is a device, pipe or socket, not a file; give a file name")


def _new_temp(target: Path) -> Path:
    """`.<name>.<random>.tmp`, created exclusively with the umask's permissions."""
    while True:
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp


def fsync_dir(directory: Path) -> None:
    """Make the rename itself durable where the platform allows opening directories."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
