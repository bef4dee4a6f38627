"""The error hierarchy: every problem knows where it is.

Analysts fix rulesets from the message alone, so each problem carries the file, line,
column and key path of the offending value, and a ruleset's problems are collected and
raised together rather than one per run.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """`rules.quantitative[0].when` style, the way an analyst reads the YAML."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


@dataclass(frozen=True)
class Problem:
    """One finding at one place in one source file (1-based line and column)."""

    file: str
    line: int
    col: int
    message: str
    path: KeyPath = ()
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        key = format_path(self.path)
        text = f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class JixiaoError(Exception):
    """Base of every error the engine raises on purpose (the CLI turns it into exit 1)."""


class RulesetError(JixiaoError):
    """All problems found in a ruleset or catalogue, reported together."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.col))
        super().__init__(self._summary())

    def _summary(self) -> str:
        lines = [str(p) for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"… and {len(self.problems) - 50} more")
        return "\n".join(lines)


class InputError(JixiaoError):
    """An input file that cannot be used at all (unreadable, no usable sheet, missing columns)."""


class OutputError(JixiaoError):
    """Results that could not be written (a full disk, a read-only or occupied folder)."""


_REASONS = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is larger than the file system or the file size limit (ulimit -f) allows",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOENT: "no such file or folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "input/output error (a disk, network share or device problem)",
    errno.ELOOP: "too many levels of symbolic links",
    errno.EMFILE: "too many open files",
    errno.ENOTEMPTY: "the folder is not empty",
    errno.EEXIST: "it already exists",
    errno.EBUSY: "it is in use",
    errno.ENXIO: "no such device",
}
_OS_ERROR = re.compile(r"\(os error (\d+)\)")


def os_errno(exc: BaseException) -> int | None:
    """The errno of an OS error, also when Polars wrapped it in its own message
    (`… No space left on device (os error 28)`)."""
    number = getattr(exc, "errno", None)
    if isinstance(number, int):
        return number
    found = _OS_ERROR.search(str(exc))
    return int(found.group(1)) if found else None


def os_reason(exc: BaseException, path: str | os.PathLike[str] | None = None) -> str:
    """The problem in plain words; for "not a directory", which part of `path` is a file."""
    number = os_errno(exc)
    if number in (errno.ENOTDIR, errno.EEXIST):
        blocker = _file_in_the_way(path if path is not None else getattr(exc, "filename", None))
        if blocker is not None:
            return f"{blocker} is a file, not a folder"
        if number == errno.ENOTDIR:
            return "a part of the path is a file, not a folder"
    if number in _REASONS:
        return _REASONS[number]
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0]


def _file_in_the_way(path: object) -> str | None:
    """The nearest part of `path` that exists and is not a folder."""
    if not isinstance(path, str | os.PathLike):
        return None
    for part in [Path(path), *Path(path).parents]:
        if part.exists() or part.is_symlink():
            return None if part.is_dir() else str(part)
    return None


def os_message(exc: BaseException, path: str | os.PathLike[str] | None = None) -> str:
    """One line naming the path and the problem: `out/x.csv: no space left on the disk`."""
    where = path if path is not None else getattr(exc, "filename", None)
    reason = os_reason(exc, where)
    return f"{os.fspath(where)}: {reason}" if where is not None else reason
