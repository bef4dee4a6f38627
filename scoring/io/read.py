"""Input files → lazy canonical tables + a lazy rejects table, with every row's source kept.

Departments hand in .xlsx workbooks (often with a title row above the header), CSVs in
UTF-8 or GBK, or parquet. Each sheet or file is matched to a `TableSpec` by its
headers, its headers are mapped to canonical names, every value is kept as the text
the user wrote (the value parsers read it later and normalise it themselves), and every
row carries `_file`, `_sheet` and `_row` so that any later message can point back at the
cell. Only what must be is stripped here: key cells, and the test for blank rows.

CSV and parquet are scanned, not loaded: a run turns the scans, the stages and the
writers into one query, so a large input is never held twice. Only the first rows (to
find the header) and, for CSV, one streaming pass (row count, trailing blank rows, and
a malformed file found while reading rather than mid-run) are read here.

Invariant "nothing lost": a data row either goes on in `Inputs.frames` or lands in
`Inputs.reject_frame` with its file, sheet, row, column and reason. The only rows not
accounted for are blank rows after the last non-blank row of a sheet or CSV, which
Excel's used range and trailing newlines produce without the user writing them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.forms import (
    FormBook,
    form_frames,
    read_form_book,
    repeated_forms,
    with_reader_columns,
)
from jixiao.scoring.io.grids import Grid, blank, lower_header_note, read_grids, stripped
from jixiao.scoring.io.hashing import sha256_file, sha256_path
from jixiao.scoring.io.headers import Match, check_duplicates, classify, column_letter
from jixiao.scoring.io.keys import key_cell, key_notes, repeated_header
from jixiao.scoring.io.paths import expand_folders
from jixiao.scoring.io.read_excel import ExcelOptions
from jixiao.scoring.io.read_text import (
    HEADER_SCAN_ROWS,
    broken_reason,
    broken_text,
    detect_encoding,
)
from jixiao.scoring.io.rejects import (
    BLANK,
    BROKEN,
    PROVENANCE,
    REJECT_SCHEMA,
    REPEATED,
    TEXT,
    empty_rejects,
    split_rejects,
)
from jixiao.scoring.io.tablespec import TableSpec

__all__ = [
    "PROVENANCE",
    "REJECT_SCHEMA",
    "ExcelOptions",
    "Inputs",
    "SourceInfo",
    "detect_encoding",
    "empty_rejects",
    "read_inputs",
    "read_table",
    "require_column",
]

_TEXT_MAX = 200  # characters of a rejected row's content shown in `text`


@dataclass
class SourceInfo:
    """What was read from one file, for the run manifest and the CLI summary."""

    path: str
    sha256: str
    format: str
    encoding: str | None = None
    sheets: dict[str | None, str | None] = field(default_factory=dict)  # sheet → table
    header_rows: dict[str | None, int] = field(default_factory=dict)  # sheet → 1-based row
    rows: dict[str, int] = field(default_factory=dict)  # table → data rows read
    notes: list[str] = field(default_factory=list)  # what the user should know about it
    columns: dict[str, list[str]] = field(default_factory=dict)  # table → columns found


@dataclass
class Inputs:
    """Canonical tables (all pl.String plus provenance) and the rejected rows, as lazy
    queries; `tables` and `rejects` collect them for callers that want frames."""

    frames: dict[str, pl.LazyFrame]
    reject_frame: pl.LazyFrame
    sources: list[SourceInfo]
    unused_columns: list[tuple[str, str | None, str]]  # (file, sheet, header)
    _collected: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """Every table collected (once)."""
        for name, frame in self.frames.items():
            if name not in self._collected:
                self._collected[name] = frame.collect()
        return {name: self._collected[name] for name in self.frames}

    @property
    def rejects(self) -> pl.DataFrame:
        """The reader's rejects collected (once)."""
        if "\0rejects" not in self._collected:
            self._collected["\0rejects"] = self.reject_frame.collect()
        return self._collected["\0rejects"]


@dataclass
class _Piece:
    """One sheet or file matched to a table, before rejects are split off."""

    table: str
    frame: pl.LazyFrame
    rows: int
    header_row: int | None
    notes: list[str] = field(default_factory=list)


# --- building canonical frames ------------------------------------------------------


def _head_rows(grid: Grid) -> list[list[str | None]]:
    return [list(r) for r in grid.head.select(grid.cells).rows()]


def _piece(grid: Grid, match: Match, file: str) -> tuple[_Piece, list[str]]:
    """Canonical columns plus provenance and the helpers used to build rejects."""
    start = match.header_index + 1
    rows = max(grid.filled - start, 0)
    body = grid.body.slice(start, rows)
    named = {f"c{j}": (h or f"column {column_letter(j)}") for j, h in enumerate(match.headers)}
    used = {f"c{j}": name for j, name in match.mapping.items()}
    key = set(match.spec.key)
    unused = [c for c in grid.cells if c not in used]
    unused = _with_data(body, unused, {f"c{j}" for j, h in enumerate(match.headers) if h})
    cells = [pl.col(c) for c in grid.cells]
    key_cells = [key_cell(pl.col(c)) for c, name in used.items() if name in key]
    keyless = pl.any_horizontal(c.is_null() for c in key_cells) if key_cells else pl.lit(True)
    broken = broken_reason(grid.broken, grid.cells[0]) if grid.cells else pl.lit(None, pl.String)
    # Computed once as columns: written inline, every cell of the row text would repeat
    # an expression over every cell, and a 300-column row took minutes to plan.
    flagged = body.with_columns(
        pl.coalesce(broken, _beyond_header(grid, match, body)).alias("__malformed"),
    ).with_columns((keyless | pl.col("__malformed").is_not_null()).alias("__shown"))
    malformed, shown = pl.col("__malformed"), pl.col("__shown")
    frame = flagged.select(
        *(_canonical(used, name, name in key) for name in match.spec.column_names),
        (pl.col("_file") if grid.file_column else pl.lit(file, pl.String)).alias("_file"),
        pl.lit(grid.sheet, pl.String).alias("_sheet"),
        pl.col("_row"),
        (pl.all_horizontal(blank(c) for c in cells) if cells else pl.lit(True)).alias(BLANK),
        malformed.alias(BROKEN),
        repeated_header(used, match).alias(REPEATED),
        # The row's text is only shown for rows rejected for a blank key or a bad line.
        pl.when(broken.is_not_null())
        .then(broken_text(grid.broken, _TEXT_MAX))
        .when(shown)
        .then(_row_text(grid.cells, named, used, match.spec, shown))
        .alias(TEXT),
    )
    header_row = None if match.header_index < 0 else _header_row(grid, match)
    piece = _Piece(match.spec.name, frame, rows, header_row)
    piece.notes = key_notes(body, used, match.spec, file, grid.sheet)
    return piece, [named.get(c, c) for c in unused]


def _beyond_header(grid: Grid, match: Match, body: pl.LazyFrame) -> pl.Expr:
    """In a CSV, a value right of the header's last column: a comma typed inside an
    unquoted cell (`区教育局,一科`) shifts every cell after it, so the row's amounts sit
    under the wrong headers. Rejected rather than scored shifted, unless most rows (three
    or more) have such values: a column left without a header, listed as unused. A
    workbook has no such shift: a value beside the table there is an unused column."""
    width = max((j for j, h in enumerate(match.headers) if h), default=-1) + 1
    extra = grid.cells[width:]
    if grid.sheet is not None or grid.headers is not None or not extra:
        return pl.lit(None, pl.String)
    beyond = pl.any_horizontal(~blank(pl.col(c)) for c in extra)
    filled = ~pl.all_horizontal(blank(pl.col(c)) for c in grid.cells)
    n_beyond, n_filled = body.select(beyond.sum(), filled.sum()).collect().row(0)
    if n_beyond == 0 or (n_beyond >= 3 and 2 * n_beyond > n_filled):
        return pl.lit(None, pl.String)
    reason = (
        f"more cells than the header's {width} columns (a value in column "
        f"{column_letter(width)} or beyond): a comma inside an unquoted cell shifts the "
        f"cells after it; quote that cell"
    )
    return pl.when(beyond).then(pl.lit(reason))


def _with_data(body: pl.LazyFrame, unused: list[str], named: set[str]) -> list[str]:
    """Unused columns worth mentioning: those with a header, or with any value."""
    unnamed = [c for c in unused if c not in named]
    if not unnamed:
        return unused
    has = body.select(pl.col(c).is_not_null().any() for c in unnamed).collect().row(0)
    filled = {c for c, h in zip(unnamed, has, strict=True) if h}
    return [c for c in unused if c in named or c in filled]


def _header_row(grid: Grid, match: Match) -> int:
    return int(grid.head.get_column("_row")[match.header_index])


def _canonical(used: dict[str, str], name: str, is_key: bool) -> pl.Expr:
    for source, canonical in used.items():
        if canonical == name:
            cell = pl.col(source)
            return (key_cell(cell) if is_key else cell).alias(name)
    return pl.lit(None, pl.String).alias(name)


def _row_text(
    cells: list[str], named: dict[str, str], used: dict[str, str], spec: TableSpec, only: pl.Expr
) -> pl.Expr:
    """`项目名称=合计; 全年预算数=100`: what a rejected row held, so users can find it.

    Built from the cells of the rows where `only` holds, null elsewhere: a when/then
    computes its branch for every row, and the text of every row of a large table cost
    300 MiB per million rows (measured, streaming engine)."""
    if not cells:
        return pl.lit(None, pl.String)
    parts = [
        pl.lit(_display_name(c, named, used, spec) + "=") + stripped(pl.when(only).then(pl.col(c)))
        for c in cells
    ]
    return pl.concat_str(parts, separator="; ", ignore_nulls=True).str.slice(0, _TEXT_MAX)


def _display_name(cell: str, named: dict[str, str], used: dict[str, str], spec: TableSpec) -> str:
    if cell in used:
        return spec.column(used[cell]).first_alias()
    return named.get(cell, cell)


# --- public entry points ----------------------------------------------------------------


Unused = list[tuple[str, str | None, str]]


def _read_source(
    path: str | Path,
    specs: Mapping[str, TableSpec],
    strict: bool,
    excel: ExcelOptions | None = None,
    forms_seen: dict[str, str] | None = None,
) -> tuple[SourceInfo, list[_Piece], Unused]:
    file = str(path)
    grids, fmt, encoding, notes = read_grids(Path(path), file, excel or ExcelOptions())
    info = SourceInfo(file, sha256_path(path), fmt, encoding, notes=notes)
    book = read_form_book(grids, file) if grids and grids[0].sheet is not None else None
    if book is not None:
        seen = {} if forms_seen is None else forms_seen
        return _form_source(info, book, specs), _form_pieces(book, specs, seen), []
    pieces: list[_Piece] = []
    unused: Unused = []
    for grid in grids:
        if not grid.cells or grid.filled == 0:
            if grid.sheet is None:
                raise InputError(f"{file}: the file is empty")
            info.sheets[grid.sheet] = None  # an unused template sheet, not a table
            continue
        try:
            match = classify(
                _head_rows(grid),
                grid.headers,
                grid.sheet,
                specs,
                file,
                strict or grid.sheet is None,
            )
        except InputError as exc:
            said = "".join(f" ({n})" for n in grid.notes)
            raise InputError(f"{exc}{lower_header_note(grid, specs)}{said}") from None
        info.sheets[grid.sheet] = match.spec.name if match else None
        if match is None:
            continue
        check_duplicates(match, file, grid.sheet)
        piece, extra = _piece(grid, match, file)
        pieces.append(piece)
        unused.extend((file, grid.sheet, h) for h in extra)
        info.rows[piece.table] = info.rows.get(piece.table, 0) + piece.rows
        found = info.columns.setdefault(piece.table, [])
        found.extend(n for n in match.mapping.values() if n not in found)
        info.notes.extend(piece.notes)
        if piece.header_row is not None:
            info.header_rows[grid.sheet] = piece.header_row
    for grid in grids:
        info.notes.extend(grid.notes)
    if not pieces:
        sheets = ", ".join(repr(s) for s in info.sheets) or "none"
        lower = "".join(lower_header_note(g, specs) for g in grids if g.headers is None and g.cells)
        said = "".join(f"; {note}" for note in info.notes)
        raise InputError(
            f"{file}: no sheet holds a known table (sheets: {sheets}; the header is looked "
            f"for in the first {HEADER_SCAN_ROWS} rows of each sheet){said}.{lower}"
        )
    return info, pieces, unused


# --- self-evaluation forms (io/forms.py): one project per sheet -------------------------


def _form_source(info: SourceInfo, book: FormBook, specs: Mapping[str, TableSpec]) -> SourceInfo:
    """The source entry of a form workbook: each sheet's role, the notes of sheets
    skipped and forms refused; no form read at all is an error naming why."""
    info.format = f"{info.format}{FORMS_FORMAT}"
    for form in book.forms:
        info.sheets[form.sheet] = f"form ({form.layout})"
        info.header_rows[form.sheet] = form.project_row
    for name in [*(s.sheet for s in book.skipped), *(p.sheet for p in book.problems)]:
        info.sheets[name] = None
    info.notes.extend(book.notes)
    if not book.forms:
        raise InputError(f"{info.path}: no form could be read: " + "; ".join(book.notes))
    for name, frame in form_frames(book.forms, specs).items():
        filled = frame.select(pl.all().is_not_null().any()).row(0, named=True)
        info.columns[name] = [c for c, has in filled.items() if has and not c.startswith("_")]
        info.rows[name] = frame.height
    return info


def _form_pieces(
    book: FormBook, specs: Mapping[str, TableSpec], seen: dict[str, str]
) -> list[_Piece]:
    frames = form_frames(book.forms, specs)
    repeated = repeated_forms(book.forms, seen)
    return [
        _Piece(name, with_reader_columns(frames[name], repeated), frames[name].height, None)
        for name in specs
        if name in frames
    ]


FORMS_FORMAT = " (self-evaluation forms)"


def _skipped_in_form_batch(
    failed: list[tuple[str | Path, InputError]], sources: list[SourceInfo]
) -> list[SourceInfo]:
    """In a batch of form workbooks, a file that cannot be read (corrupt, encrypted, no
    form) is skipped with its message, and the rest is scored; among tables, the first
    such error stops the run as before."""
    if not failed:
        return []
    if not any(s.format.endswith(FORMS_FORMAT) for s in sources):
        raise failed[0][1]
    skipped = []
    for path, exc in failed:
        try:
            digest = sha256_file(path) if Path(path).is_file() else ""
        except OSError:
            digest = ""  # unreadable: its message says so
        skipped.append(SourceInfo(str(path), digest, "skipped", notes=[f"skipped: {exc}"]))
    return skipped


def read_inputs(
    paths: Sequence[str | Path],
    specs: Mapping[str, TableSpec],
    *,
    excel: ExcelOptions | None = None,
) -> Inputs:
    """Read every file; one canonical table per spec, concatenated in file order.

    `excel`: whether hidden sheets are read, and the unpacked-size limit of a workbook."""
    if not paths:
        raise InputError("no input files given")
    paths, folder_notes, origin = expand_folders(paths)  # a folder of submissions is one argument
    sources: list[SourceInfo] = []
    pieces: list[_Piece] = []
    unused: Unused = []
    failed: list[tuple[str | Path, InputError]] = []
    forms_seen: dict[str, str] = {}  # project id → the form that gave it
    for path in paths:
        try:
            info, found, extra = _read_source(path, specs, False, excel, forms_seen)
            _refuse_repeated_file(info, sources)
        except InputError as exc:
            failed.append((path, exc))  # fatal unless this is a batch of forms (below)
            continue
        sources.append(info)
        pieces.extend(found)
        unused.extend(extra)
    sources.extend(_skipped_in_form_batch(failed, sources))
    if sources and folder_notes:
        sources[0].notes.extend(folder_notes)
    _refuse_same_projects_in_folder(pieces, sources, origin, specs)
    tables: dict[str, pl.LazyFrame] = {}
    rejects = [empty_rejects().lazy()]
    for name, spec in specs.items():
        frames = [p.frame for p in pieces if p.table == name]
        if not frames:
            raise InputError(_missing_table_message(spec, sources))
        tables[name], table_rejects = split_rejects(pl.concat(frames), spec)
        rejects.append(table_rejects)
    return Inputs(tables, pl.concat(rejects), sources, unused)


def _refuse_same_projects_in_folder(
    pieces: list[_Piece],
    sources: list[SourceInfo],
    origin: Mapping[str, str],
    specs: Mapping[str, TableSpec],
) -> None:
    """A folder whose tables give one project twice (`projects.csv` beside the workbook
    `sample-district.xlsx` holding the same table, or beside forms made from it) is
    ambiguous: which copy is meant? Refused in one line naming both files, rather than
    every project rejected as a repeated key. Two forms of one project stay a rejected
    repeated form, as when the files are given one by one."""
    spec = specs.get("projects")
    tables = {s.path for s in sources if not s.format.endswith(FORMS_FORMAT)}
    if spec is None or not origin or not tables & set(origin):
        return
    keys = list(spec.key)
    frames = [p.frame.select(*keys, "_file") for p in pieces if p.table == "projects"]
    found = (
        pl.concat(frames)
        .filter(pl.col("_file").is_in(list(origin)) & pl.all_horizontal(pl.col(keys).is_not_null()))
        .unique()
        .group_by(keys)
        .agg(pl.col("_file").sort())
        .filter(
            (pl.col("_file").list.len() > 1)
            & pl.col("_file").list.eval(pl.element().is_in(list(tables))).list.any()
        )
        .sort(keys)
        .collect()
    )
    if found.height:
        row = found.row(0, named=True)
        a, b = row["_file"][:2]
        raise InputError(
            f"{origin[a]}: {a} and {b} both hold project {row[keys[0]]} ({found.height} "
            "project(s) given twice in the folder): the same data in two files? Give the "
            "files you mean"
        )


def _refuse_repeated_file(info: SourceInfo, sources: list[SourceInfo]) -> None:
    """The same content given twice would score every project twice (or reject each as
    a duplicate of itself): refused, whatever the two names."""
    for earlier in sources:
        if earlier.sha256 == info.sha256:
            same = (
                "is given twice"
                if info.path == earlier.path
                else f"has the same content as {earlier.path}"
            )
            raise InputError(
                f"{info.path}: {same} (SHA-256 {info.sha256[:12]}…); give each file once"
            )


def require_column(inputs: Inputs, table: str, column: str, message: str) -> None:
    """Raise `files: message` when a file provides `table` without `column` (`--year`
    needs 年度 to tell the year of each project; rows without it would pass unchecked)."""
    lacking = [
        s.path for s in inputs.sources if table in s.columns and column not in s.columns[table]
    ]
    if lacking:
        raise InputError(f"{', '.join(lacking)}: {message}")


def _missing_table_message(spec: TableSpec, sources: list[SourceInfo]) -> str:
    read = "; ".join(
        f"{s.path} ({', '.join([*(t for t in s.sheets.values() if t), *s.notes]) or 'nothing'})"
        for s in sources
    )
    required = ", ".join(c.label() for c in spec.required)
    return (
        f"no input provides the {spec.name} table (a sheet named "
        f"{' / '.join(spec.sheet_names)}, or a file with columns {required}). Read: {read}"
    )


def read_table(path: str | Path, spec: TableSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One file holding one table: (canonical table, rejects)."""
    _, pieces, _ = _read_source(path, {spec.name: spec}, strict=False)
    kept, rejects = split_rejects(pl.concat([p.frame for p in pieces]), spec)
    return tuple(pl.collect_all([kept, rejects]))  # type: ignore[return-value]
