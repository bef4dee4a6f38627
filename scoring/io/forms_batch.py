"""A batch of form workbooks (files and folders) → the canonical tables, file by file.

Finance receives hundreds of workbooks; one that is corrupt, encrypted, not a workbook
or holds no form must not stop the rest. Each file is read on its own: its forms join
the tables, and anything that went wrong is one line naming the file (and the sheet and
label, for a form that could not be read) in `FormsRead.problems`. Folders are walked
(sorted, hidden files and Office lock files `~$…` left out), so a folder of submissions
is one argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.forms import Form, form_frames, read_form_book, repeated_forms
from jixiao.scoring.io.grids import EXCEL_SUFFIXES, read_grids
from jixiao.scoring.io.hashing import sha256_file
from jixiao.scoring.io.read_excel import ExcelOptions


@dataclass
class FormFile:
    """One input file: what became of it."""

    path: str
    sha256: str | None
    forms: int = 0
    sheets_skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class FormsRead:
    """Forms read from a batch: the canonical `projects` and `indicators` frames (text,
    canonical names, `_file`/`_sheet`/`_row`), and per file what was read or refused."""

    frames: dict[str, pl.DataFrame]
    files: list[FormFile]
    forms: list[Form]

    @property
    def problems(self) -> list[str]:
        return [p for f in self.files for p in f.problems]

    @property
    def notes(self) -> list[str]:
        """Every line the user should see: problems first, then skipped sheets and notes."""
        out = list(self.problems)
        for f in self.files:
            out += [f"{f.path}: {s}" for s in f.sheets_skipped]
            out += [n if n.startswith(f.path) else f"{f.path}: {n}" for n in f.notes]
        return out


def expand(paths: Sequence[str | Path]) -> list[Path]:
    """Files as given; folders walked for workbooks (sorted, no hidden or lock files)."""
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in EXCEL_SUFFIXES
                and p.is_file()
                and not any(part.startswith((".", "~$")) for part in p.relative_to(path).parts)
            )
            out.extend(found)
        else:
            out.append(path)
    return out


def read_form_files(paths: Sequence[str | Path], excel: ExcelOptions | None = None) -> FormsRead:
    """Read every workbook as forms; a file that cannot be read is reported, not fatal.
    Raises InputError only when no form at all was read (the message lists why)."""
    files = expand(paths)
    if not files:
        raise InputError("no form workbooks given (folders are searched for .xlsx/.xls files)")
    seen: dict[str, str] = {}
    projects_seen: dict[str, str] = {}  # project id → the form that gave it
    read: list[FormFile] = []
    forms: list[Form] = []
    for path in files:
        file = str(path)
        entry = FormFile(file, None)
        read.append(entry)
        try:
            entry.sha256 = sha256_file(path) if path.is_file() else None
            if entry.sha256 is not None and entry.sha256 in seen:
                entry.problems.append(
                    f"{file}: has the same content as {seen[entry.sha256]}; read once"
                )
                continue
            grids, _, _, notes = read_grids(path, file, excel or ExcelOptions())
            entry.notes.extend(notes)
            if grids and grids[0].sheet is None:
                raise InputError(f"{file}: not a workbook; forms come as .xlsx or .xls files")
            book = read_form_book(grids, file)
        except (InputError, OSError) as exc:
            entry.problems.append(f"skipped: {_one_line(exc)}")
            continue
        if entry.sha256 is not None:
            seen[entry.sha256] = file
        if book is None:
            entry.problems.append(f"skipped: {file}: no sheet is a self-evaluation form")
            continue
        repeated = repeated_forms(book.forms, projects_seen)
        kept = [f for f in book.forms if (f.file, f.sheet) not in repeated]
        entry.forms = len(kept)
        entry.sheets_skipped = [f"sheet {s.sheet!r} skipped: {s.reason}" for s in book.skipped]
        entry.problems.extend(f"form not read: {p}" for p in book.problems)
        entry.problems.extend(
            f"form not read: {file}, sheet {sheet!r}: {why}"
            for (file, sheet), why in repeated.items()
        )
        entry.notes.extend(n for form in kept for n in form.notes)
        if not book.forms and not book.problems:  # only forms of another kind (部门整体)
            said = "; ".join(s.reason for s in book.skipped if s.form_like)
            entry.problems.append(f"skipped: {file}: no project form ({said})")
        forms.extend(kept)
    if not forms:
        said = "; ".join(p for f in read for p in f.problems) or "no sheet is a form"
        raise InputError(f"no self-evaluation form could be read ({said})")
    return FormsRead(form_frames(forms), read, forms)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
