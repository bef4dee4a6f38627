"""Input paths checked before anything reads them.

A reader handed a FIFO waits for a writer that never comes, and one handed /dev/zero
reads forever; a folder, a broken link or a file without read permission ends in an
OS traceback deep inside a parser. So every input is looked at first (stat, then one
byte read without blocking) and refused in one line that names it and says why.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from jixiao.scoring.errors import InputError, os_reason

_KINDS = {
    stat.S_IFIFO: "a pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def check_input(path: Path, file: str) -> None:
    """Refuse, with a message naming `file`, anything that is not a readable regular file."""
    reason = unusable(path)
    if reason is None:
        return
    if reason.startswith("is a folder"):
        reason += "; give the files in it"
    elif reason.endswith("not a regular file"):
        reason += "; save the data to a file and give that"
    raise InputError(f"{file}: {reason}")


def unusable(path: Path) -> str | None:
    """Why `path` cannot be read as a file (`is a folder, not a file`, …), or None.

    Never opens a FIFO or device for reading: stat says what it is first, and the one
    byte read to prove permission is non-blocking."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return _missing(path, exc)
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return f"is {_KINDS.get(stat.S_IFMT(info.st_mode), 'special')}, not a regular file"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            os.read(fd, 1)
        finally:
            os.close(fd)
    except OSError as exc:
        return f"cannot be read: {os_reason(exc, path)}"
    return None


def _missing(path: Path, exc: OSError) -> str:
    """Why stat failed: a link pointing nowhere says where it points."""
    if path.is_symlink():
        return f"is a broken link (to {os.readlink(path)}): no such file"
    reason = os_reason(exc, path)
    return "no such file" if reason == "no such file or folder" else reason
