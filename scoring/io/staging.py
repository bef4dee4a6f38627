"""A run's output folder is one unit: written in a staging folder beside it, swapped in.

Files written one by one into `--out` leave, when the run is killed half-way, some new
files beside some old ones (and a manifest describing neither). So every file of a run
goes into `.<out>.jixiao-staging-<random>` in the same parent folder (the same file
system, so a rename moves it); when all are complete and synced, the staging folder
takes the place of `--out` in one step: `renameat2(RENAME_EXCHANGE)` where Linux offers
it, so `--out` always holds a complete set; elsewhere two renames, so a kill between
them leaves nothing at `--out` (and the previous set in a hidden folder), never a mix.

Leftovers of killed runs (`.<out>.jixiao-*` beside `--out`) are removed by the next run;
a live run holds an exclusive `flock` on its own folder, so a concurrent run never
removes it. The whole folder is replaced, so `--out` may hold only what jixiao wrote:
anything else (a user's file, a folder named like an output) is refused, not deleted.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from jixiao.scoring.errors import OutputError, os_reason
from jixiao.scoring.io.atomic import fsync_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

MARK = ".jixiao-"
"""Every hidden folder or file a run makes beside `--out` has `.<out name>` + MARK."""
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def hidden_prefix(out: Path) -> str:
    """`.<out>.jixiao-`, with at most 64 characters of the name: a name near the file
    system's 255 must still leave room for the suffix."""
    return f".{out.name[:64]}{MARK}"


def hidden_name(out: Path, kind: str) -> str:
    """`.<out>.jixiao-<kind>-<random>`: unique, hidden, and found again by `sweep`."""
    return f"{hidden_prefix(out)}{kind}-{secrets.token_hex(4)}"


@contextmanager
def locked_dir(parent: Path, name: str) -> Iterator[Path]:
    """A new folder `parent/name` (mode from the umask), locked while the `with` runs.

    Made as `name.new`, locked, then renamed: a concurrent run's `sweep` never sees it
    unlocked under its final name, and leaves a `.new` alone while it is young."""
    fresh, path = parent / f"{name}{_NEW}", parent / name
    os.mkdir(fresh, 0o777)
    fd = os.open(fresh, os.O_RDONLY)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(fresh, path)
        yield path
    finally:
        os.close(fd)


_NEW = ".new"
_NEW_GRACE_SECONDS = 60
"""A folder being created is `….new` for microseconds; one older than this is a leftover."""


@contextmanager
def scratch_beside(out: Path, kind: str) -> Iterator[Path]:
    """A locked scratch folder `.<out>.jixiao-<kind>-…` beside `out`, removed after use;
    a killed run's is removed by the next run's `sweep`."""
    real = Path(os.path.realpath(out))
    stack = contextlib.ExitStack()
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        sweep(real.parent, f"{hidden_prefix(real)}{kind}-")
        folder = stack.enter_context(locked_dir(real.parent, hidden_name(real, kind)))
    except OSError as exc:
        raise OutputError(_failure(exc, out, None, real.exists())) from None
    with stack:
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def sweep(parent: Path, prefix: str) -> list[Path]:
    """Remove leftovers named `prefix…` in `parent` that no live run holds; returns them."""
    removed = []
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(prefix)]
    except OSError:
        return []
    for entry in entries:
        path = Path(entry.path)
        if _held(path) or _young_new(entry):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(path)
    return removed


def _young_new(entry: os.DirEntry[str]) -> bool:
    """A folder another run is creating right now (see `locked_dir`)."""
    if not entry.name.endswith(_NEW):
        return False
    try:
        return time.time() - entry.stat(follow_symlinks=False).st_mtime < _NEW_GRACE_SECONDS
    except OSError:
        return False


def _held(path: Path) -> bool:
    """True while another run holds `path`'s lock."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def check_out(out: Path, ours: Iterable[str], shown: Path | None = None) -> None:
    """Refuse an `--out` that is not a folder of jixiao outputs: it is replaced whole.

    `ours` are the names a run writes or a previous run listed in its manifest (files of
    those names count as ours only beside a manifest); hidden
    leftovers of older runs (`.jixiao-spill-*`, `.<file>.<random>.tmp`) count as ours.
    Messages name `shown` (the path as the user gave it)."""
    shown = shown or out
    if out.exists() and not out.is_dir():
        what = "a file" if out.is_file() else "a device, pipe or socket"
        raise OutputError(f"{shown}: is {what}, not a folder; give a folder for the results")
    if out.exists() and Path.cwd().resolve() == out.resolve():
        raise OutputError(
            f"{shown}: is the current folder, which a run replaces whole; give a new folder"
        )
    if out.is_dir() and os.path.ismount(out):
        raise OutputError(
            f"{shown}: is a mount point, which a run cannot replace; give a folder in it, "
            f"e.g. -o {shown / 'jixiao-out'}"
        )
    names = set(ours)
    # Every run writes manifest.json: a folder without one was not written by jixiao, so
    # even a file named like an output (project_scores.csv) is the user's, not replaced.
    files = names if (out / MANIFEST).is_file() else set()
    for entry in sorted(os.scandir(out), key=lambda e: e.name) if out.is_dir() else []:
        if entry.is_dir(follow_symlinks=False):
            if entry.name.startswith(MARK) or _listed_folder(Path(entry.path), files):
                continue
            what = "a folder named like an output" if entry.name in names else "a folder"
            raise OutputError(_foreign(shown, entry.name, what))
        if entry.name not in files and not _leftover(entry.name):
            raise OutputError(_foreign(shown, entry.name, "a file jixiao did not write"))


def _listed_folder(folder: Path, files: set[str]) -> bool:
    """A folder of a previous run's files (`departments/`): every entry in it is a file
    its manifest lists as `<folder>/<name>` (or a leftover of an interrupted write)."""
    prefix = f"{folder.name}/"
    if not any(f.startswith(prefix) for f in files):
        return False
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):  # a partition (`department=…/`)
            inner = {f[len(prefix) :] for f in files if f.startswith(prefix)}
            if not _listed_folder(Path(entry.path), inner):
                return False
            continue
        if not entry.is_file(follow_symlinks=False):
            return False
        if prefix + entry.name not in files and not _leftover(entry.name):
            return False
    return True


def _leftover(name: str) -> bool:
    return name.startswith(MARK) or (name.startswith(".") and name.endswith(".tmp"))


def _foreign(out: Path, name: str, what: str) -> str:
    return (
        f"{out / name}: is {what}; a run replaces the whole folder {out}, so move it "
        "away or give a new folder with -o"
    )


@contextmanager
def staged(out: Path, ours: Iterable[str]) -> Iterator[Path]:
    """A locked staging folder beside `out`; on success it becomes `out`, else vanishes.

    Every OS error becomes one OutputError naming `out` (and the file being written,
    by its final name), saying that `out` was left as it was."""
    given, out = out, Path(os.path.realpath(out))
    staging: Path | None = None
    existed = False
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        sweep(out.parent, hidden_prefix(out))
        existed = out.exists()
        check_out(out, {*ours, *previous_outputs(out)}, given)
        with locked_dir(out.parent, hidden_name(out, "staging")) as staging:
            try:
                yield staging
                swap_in(staging, out)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        raise OutputError(_failure(exc, given, staging, existed)) from None


def _failure(exc: OSError, given: Path, staging: Path | None, existed: bool) -> str:
    """`cannot write out/x.csv: no space left on the disk; out was left as it was`."""
    after = f"{given} was left as it was" if existed else "nothing was written"
    where = Path(exc.filename) if isinstance(exc.filename, str) else None
    reason = os_reason(exc, where)
    if where is not None and staging is not None and where.parent == staging:
        return f"cannot write {given / where.name}: {reason}; {after}"
    if where is not None and MARK in where.name:
        return (
            f"cannot write the results to {given}: cannot create a folder in {where.parent}: "
            f"{reason} (a run is written beside its folder, then swapped in); {after}"
        )
    if where is not None and exc.errno not in (errno.ENOTDIR, errno.EEXIST):
        reason = f"{where}: {reason}"
    return f"cannot write the results to {given}: {reason}; {after}"


MANIFEST = "manifest.json"
_MANIFEST_MAX_BYTES = 10 << 20


def previous_outputs(out: Path) -> list[str]:
    """The file names the previous run's manifest lists (it wrote them), if it has one."""
    path = out / MANIFEST
    try:
        if not path.is_file() or path.stat().st_size > _MANIFEST_MAX_BYTES:
            return []
        listed = json.loads(path.read_text("utf-8")).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [n for n in listed if isinstance(n, str)] if isinstance(listed, list) else []


def swap_in(staging: Path, out: Path) -> None:
    """Put the complete `staging` folder at `out`; the previous set is deleted after."""
    fsync_dir(staging)
    if out.exists():
        os.chmod(staging, out.stat().st_mode & 0o7777)  # keep the folder's permissions
        if not any(out.iterdir()):
            os.rename(staging, out)  # replaces an empty folder in one step
        elif _exchange(staging, out):
            shutil.rmtree(staging, ignore_errors=True)  # now holds the previous set
        else:
            old = out.parent / hidden_name(out, "old")
            os.rename(out, old)
            try:
                os.rename(staging, out)
            except OSError:
                os.rename(old, out)  # put the previous set back
                raise
            shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, out)
    fsync_dir(out.parent)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where that is not offered."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = function(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # this file system cannot exchange: fall back to two renames
    raise OSError(number, os.strerror(number), str(b))
