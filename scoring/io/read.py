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
from jixiao.scoring.io.hashing import sha256_file
from jixiao.scoring.io.headers import Match, check_duplicates, classify, column_letter, lower_header
from jixiao.scoring.io.keys import key_cell, key_notes, repeated_header
from jixiao.scoring.io.paths import check_input
from jixiao.scoring.io.read_excel import ExcelOptions, read_excel_sheets
from jixiao.scoring.io.read_text import (
    HEADER_SCAN_ROWS,
    broken_reason,
    broken_text,
    detect_encoding,
    scan_text,
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

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_TEXT_MAX = 200  # characters of a rejected row's content shown in `text`
_DEEP_ROWS = 500  # rows below the scanned ones searched, only to say where a header is


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
class _Grid:
    """A sheet or file as read: String columns `cells` and `_row`.

    `head` is its first rows as text (stripped, blank → None), where the header is looked
    for unless `headers` is known (parquet); `filled` is how many rows there are up to
    the last non-blank one (all rows, when that is not worth a pass: parquet).
    """

    sheet: str | None
    body: pl.LazyFrame
    cells: list[str]
    head: pl.DataFrame
    filled: int
    headers: list[str | None] | None = None
    broken: dict[int, tuple[str, str]] = field(default_factory=dict)  # line → (why, text)
    notes: list[str] = field(default_factory=list)  # for the run's sources


@dataclass
class _Piece:
    """One sheet or file matched to a table, before rejects are split off."""

    table: str
    frame: pl.LazyFrame
    rows: int
    header_row: int | None
    notes: list[str] = field(default_factory=list)


def _blank(cell: pl.Expr) -> pl.Expr:
    return cell.is_null() | (cell.str.strip_chars() == "")


def _stripped(cell: pl.Expr) -> pl.Expr:
    """A cell without outer whitespace (full-width too); blank → null."""
    return cell.str.strip_chars().replace("", None)


def _filled_rows(body: pl.LazyFrame, cells: list[str], file: str) -> int:
    """Rows up to the last non-blank one, in one streaming pass that also parses the file."""
    if not cells:
        return 0
    filled = pl.any_horizontal(~_blank(pl.col(c)) for c in cells)
    query = body.with_row_index("__i").select(pl.col("__i").filter(filled).max())
    try:
        last = query.collect(engine="streaming").item()
    except pl.exceptions.ComputeError as exc:
        raise InputError(
            f"{file}: malformed CSV that Polars cannot parse, past the line checks: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    return 0 if last is None else int(last) + 1


def _head(body: pl.LazyFrame, cells: list[str]) -> pl.DataFrame:
    return body.head(HEADER_SCAN_ROWS).with_columns(_stripped(pl.col(c)) for c in cells).collect()


def _text_grid(path: Path, file: str) -> tuple[_Grid, str]:
    scan = scan_text(path, file)
    cells = [c for c in scan.body.collect_schema().names() if c != "_row"]
    try:
        filled = _filled_rows(scan.body, cells, file)
    except InputError:  # a quote the quick pass let through: find its line, cell by cell
        scan = scan_text(path, file, exact=True)
        cells = [c for c in scan.body.collect_schema().names() if c != "_row"]
        filled = _filled_rows(scan.body, cells, file)
    body = scan.body
    head = _head(body, cells)
    return _Grid(None, body, cells, head, filled, None, scan.broken, scan.notes), scan.encoding


def _excel_grids(path: Path, file: str, excel: ExcelOptions) -> tuple[list[_Grid], list[str]]:
    grids = []
    sheets, notes = read_excel_sheets(path, file, excel)
    for sheet, frame in sheets:
        cells = [c for c in frame.columns if c != "_row"]
        body = frame.lazy()
        grids.append(_Grid(sheet, body, cells, _head(body, cells), _filled_rows(body, cells, file)))
    return grids, notes


def _parquet_grid(path: Path, file: str) -> _Grid:
    try:
        scan = pl.scan_parquet(path)
        schema = scan.collect_schema()
        height = int(scan.select(pl.len()).collect().item())
    except Exception as exc:
        raise InputError(f"{file}: cannot read as parquet: {exc}") from exc
    cells = [f"c{j}" for j in range(len(schema))]
    body = scan.select(
        _as_text(name, dtype, file).alias(c)
        for c, (name, dtype) in zip(cells, schema.items(), strict=True)
    )
    # Parquet has no header row on screen: the first record is row 1.
    body = body.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    head = _head(body, cells)
    return _Grid(None, body, cells, head, height, list(schema.names()))


def _as_text(name: str, dtype: pl.DataType, file: str) -> pl.Expr:
    """Text as a spreadsheet would show it: integral floats without `.0`."""
    if dtype.is_nested():
        raise InputError(f"{file}: column {name!r} holds {dtype}, not values")
    value = pl.col(name)
    if dtype.is_float():
        whole = value.is_finite() & (value == value.round(0)) & (value.abs() < 2.0**53)
        as_int = value.cast(pl.Int64, strict=False).cast(pl.String)
        return pl.when(whole).then(as_int).otherwise(value.cast(pl.String))
    return value.cast(pl.String)


def _read_grids(
    path: Path, file: str, excel: ExcelOptions
) -> tuple[list[_Grid], str, str | None, list[str]]:
    check_input(path, file)  # a folder, FIFO, device or unreadable file: one line, no wait
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        grids, notes = _excel_grids(path, file, excel)
        return grids, suffix[1:], None, notes
    if suffix in TEXT_SUFFIXES:
        grid, encoding = _text_grid(path, file)
        return [grid], suffix[1:], encoding, []
    if suffix == ".parquet":
        return [_parquet_grid(path, file)], "parquet", None, []
    raise InputError(
        f"{file}: unknown file type {suffix or '(none)'}; expected one of "
        f"{', '.join(EXCEL_SUFFIXES + TEXT_SUFFIXES + ('.parquet',))}"
    )


# --- building canonical frames ------------------------------------------------------


def _head_rows(grid: _Grid) -> list[list[str | None]]:
    return [list(r) for r in grid.head.select(grid.cells).rows()]


def _piece(grid: _Grid, match: Match, file: str) -> tuple[_Piece, list[str]]:
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
    malformed = pl.coalesce(broken, _beyond_header(grid, match, body))
    shown = keyless | malformed.is_not_null()
    frame = body.select(
        *(_canonical(used, name, name in key) for name in match.spec.column_names),
        pl.lit(file, pl.String).alias("_file"),
        pl.lit(grid.sheet, pl.String).alias("_sheet"),
        pl.col("_row"),
        (pl.all_horizontal(_blank(c) for c in cells) if cells else pl.lit(True)).alias(BLANK),
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


def _beyond_header(grid: _Grid, match: Match, body: pl.LazyFrame) -> pl.Expr:
    """In a CSV, a value right of the header's last column: a comma typed inside an
    unquoted cell (`区教育局,一科`) shifts every cell after it, so the row's amounts sit
    under the wrong headers. Rejected rather than scored shifted, unless most rows (three
    or more) have such values: a column left without a header, listed as unused. A
    workbook has no such shift: a value beside the table there is an unused column."""
    width = max((j for j, h in enumerate(match.headers) if h), default=-1) + 1
    extra = grid.cells[width:]
    if grid.sheet is not None or grid.headers is not None or not extra:
        return pl.lit(None, pl.String)
    beyond = pl.any_horizontal(~_blank(pl.col(c)) for c in extra)
    filled = ~pl.all_horizontal(_blank(pl.col(c)) for c in grid.cells)
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


def _header_row(grid: _Grid, match: Match) -> int:
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
        pl.lit(_display_name(c, named, used, spec) + "=") + _stripped(pl.when(only).then(pl.col(c)))
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
) -> tuple[SourceInfo, list[_Piece], Unused]:
    file = str(path)
    grids, fmt, encoding, notes = _read_grids(Path(path), file, excel or ExcelOptions())
    info = SourceInfo(file, sha256_file(path), fmt, encoding, notes=notes)
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
            raise InputError(f"{exc}{_lower_header(grid, specs)}{said}") from None
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
        lower = "".join(_lower_header(g, specs) for g in grids if g.headers is None and g.cells)
        said = "".join(f"; {note}" for note in info.notes)
        raise InputError(
            f"{file}: no sheet holds a known table (sheets: {sheets}; the header is looked "
            f"for in the first {HEADER_SCAN_ROWS} rows of each sheet){said}.{lower}"
        )
    return info, pieces, unused


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
    sources: list[SourceInfo] = []
    pieces: list[_Piece] = []
    unused: Unused = []
    for path in paths:
        info, found, extra = _read_source(path, specs, strict=False, excel=excel)
        _refuse_repeated_file(info, sources)
        sources.append(info)
        pieces.extend(found)
        unused.extend(extra)
    tables: dict[str, pl.LazyFrame] = {}
    rejects = [empty_rejects().lazy()]
    for name, spec in specs.items():
        frames = [p.frame for p in pieces if p.table == name]
        if not frames:
            raise InputError(_missing_table_message(spec, sources))
        tables[name], table_rejects = split_rejects(pl.concat(frames), spec)
        rejects.append(table_rejects)
    return Inputs(tables, pl.concat(rejects), sources, unused)


def _lower_header(grid: _Grid, specs: Mapping[str, TableSpec]) -> str:
    """Where the header is, when it sits below the rows scanned (see `lower_header`)."""
    if grid.headers is not None:
        return ""
    deeper = grid.body.slice(HEADER_SCAN_ROWS, _DEEP_ROWS)
    rows = deeper.select(*(_stripped(pl.col(c)) for c in grid.cells), "_row").collect()
    numbers = rows.get_column("_row").to_list()
    return lower_header([list(r) for r in rows.drop("_row").rows()], numbers, grid.sheet, specs)


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
