"""Input paths checked before anything reads them.

A reader handed a FIFO waits for a writer that never comes, and one handed /dev/zero
reads forever; a folder, a broken link or a file without read permission ends in an
OS traceback deep inside a parser. So every input is looked at first (stat, then one
byte read without blocking) and refused in one line that names it and says why.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from jixiao.scoring.errors import InputError, os_reason
from jixiao.scoring.io.read_partitioned import is_partitioned

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


# --- folders given as inputs ------------------------------------------------------------

FOLDER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".tsv", ".parquet")
"""What a folder given as an input is searched for (.txt is left out: a folder's README
is not a table)."""


def expand_folders(
    paths: Sequence[str | Path],
) -> tuple[list[str | Path], list[str], dict[str, str]]:
    """Files as given; each folder replaced by the data files under it, sorted by their
    path inside it so the order (and every output) does not depend on the file system.

    Hidden files and folders, Office lock files (`~$…`) and earlier output folders (a
    folder holding a `manifest.json`: `score -o` inside its own input folder) are left
    out, and files of other types (a .pdf or .docx among the submissions) are noted, not
    read. A folder holding no data file, or one table in two formats (`projects.csv` and
    `projects.parquet`: which is meant?), is refused in one line. Returns the files, the
    notes, and each file found in a folder → the folder as given."""
    out: list[str | Path] = []
    notes: list[str] = []
    origin: dict[str, str] = {}
    for given in paths:
        folder = Path(given)
        if not folder.is_dir() or is_partitioned(folder):  # a partitioned dataset is one input
            out.append(given)
            continue
        found: list[Path] = []
        others: list[str] = []
        outputs = {
            p.parent for p in folder.rglob("manifest.json") if p.is_file() and p.parent != folder
        }
        datasets = _datasets(folder, outputs)
        found.extend(datasets)
        for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).parts):
            inside = path.relative_to(folder)
            if any(part.startswith((".", "~$")) for part in inside.parts) or not path.is_file():
                continue
            if any(out_dir == path.parent or out_dir in path.parents for out_dir in outputs):
                continue
            if any(root in path.parents for root in datasets):
                continue
            if path.suffix.lower() in FOLDER_SUFFIXES:
                found.append(path)
            else:
                others.append(str(inside))
        if not found:
            raise InputError(
                f"{given}: the folder holds no data file (searched for "
                f"{', '.join(FOLDER_SUFFIXES)}, hidden and lock files left out)"
            )
        found.sort(key=lambda p: p.relative_to(folder).parts)
        _refuse_two_formats(given, found, folder)
        out.extend(found)
        origin.update((str(path), str(given)) for path in found)
        if others:
            notes.append(f"{given}: not read (not a workbook or table): {', '.join(others)}")
        notes.extend(
            f"{given}: left out {d.relative_to(folder)} (an earlier output folder)"
            for d in sorted(outputs)
        )
    return out, notes, origin


def _datasets(folder: Path, outputs: set[Path]) -> list[Path]:
    """Hive-partitioned folders inside `folder` (each read as one input), outermost only."""
    roots: list[Path] = []
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).parts):
        inside = path.relative_to(folder)
        if any(part.startswith((".", "~$")) for part in inside.parts) or not path.is_dir():
            continue
        if path in outputs or any(o in path.parents for o in outputs):
            continue
        if any(root in path.parents for root in roots):
            continue
        if is_partitioned(path):
            roots.append(path)
    return roots


def _refuse_two_formats(given: str | Path, found: list[Path], folder: Path) -> None:
    by_stem: dict[Path, list[Path]] = {}
    for path in found:
        by_stem.setdefault(path.with_suffix(""), []).append(path)
    for same in by_stem.values():
        if len(same) > 1:
            names = ", ".join(str(p.relative_to(folder)) for p in same)
            raise InputError(
                f"{given}: the folder holds one name in several formats ({names}): the "
                "same table twice, or two different ones? Give the files you mean"
            )
