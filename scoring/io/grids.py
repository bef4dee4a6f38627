"""Input files → grids of text: String cells c0…cN and `_row`, one grid per sheet or file.

The first step of reading (read.py then matches a grid's header to a table): each file
type has its reader (read_text, read_excel, parquet here), and every grid comes with its
first rows (where the header is looked for) and the count of rows up to the last
non-blank one, so that trailing blank rows are not taken for data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.headers import lower_header
from jixiao.scoring.io.paths import check_input
from jixiao.scoring.io.read_excel import ExcelOptions, read_excel_sheets
from jixiao.scoring.io.read_partitioned import is_partitioned, scan_dataset
from jixiao.scoring.io.read_text import HEADER_SCAN_ROWS, scan_text
from jixiao.scoring.io.tablespec import TableSpec

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_DEEP_ROWS = 500  # rows below the scanned ones searched, only to say where a header is


@dataclass
class Grid:
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
    file_column: bool = False  # the body's `_file` names each row's file (a partitioned folder)


def blank(cell: pl.Expr) -> pl.Expr:
    return cell.is_null() | (cell.str.strip_chars() == "")


def stripped(cell: pl.Expr) -> pl.Expr:
    """A cell without outer whitespace (full-width too); blank → null.

    `when`, not `.replace("", None)`: Polars plans one `replace` per column in time that
    grows with the frame's width, so a sheet 3,000 columns wide took minutes."""
    text = cell.str.strip_chars()
    return pl.when(text != "").then(text)


def _filled_rows(body: pl.LazyFrame, cells: list[str], file: str) -> int:
    """Rows up to the last non-blank one, in one streaming pass that also parses the file."""
    if not cells:
        return 0
    filled = pl.any_horizontal(~blank(pl.col(c)) for c in cells)
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
    return body.head(HEADER_SCAN_ROWS).with_columns(stripped(pl.col(c)) for c in cells).collect()


def _text_grid(path: Path, file: str) -> tuple[Grid, str]:
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
    return Grid(None, body, cells, head, filled, None, scan.broken, scan.notes), scan.encoding


def _excel_grids(path: Path, file: str, excel: ExcelOptions) -> tuple[list[Grid], list[str]]:
    grids = []
    sheets, notes = read_excel_sheets(path, file, excel)
    for sheet, frame in sheets:
        cells = [c for c in frame.columns if c != "_row"]
        body = frame.lazy()
        grids.append(Grid(sheet, body, cells, _head(body, cells), _filled_rows(body, cells, file)))
    return grids, notes


def _parquet_grid(path: Path, file: str) -> Grid:
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
    return Grid(None, body, cells, head, height, list(schema.names()))


def _partitioned_grid(path: Path, file: str) -> Grid:
    """The dataset's columns (partition keys included) as text, `_file` per row."""
    scan, columns, height, notes = scan_dataset(path, file)
    schema = scan.collect_schema()
    cells = [f"c{j}" for j in range(len(columns))]
    body = scan.select(
        *(
            _as_text(name, schema[name], file).alias(c)
            for c, name in zip(cells, columns, strict=True)
        ),
        "_row",
        "_file",
    )
    head = _head(body, cells)
    return Grid(None, body, cells, head, height, list(columns), notes=notes, file_column=True)


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


def read_grids(
    path: Path, file: str, excel: ExcelOptions
) -> tuple[list[Grid], str, str | None, list[str]]:
    if is_partitioned(path):  # a Hive-partitioned folder of parquet files: one table
        return [_partitioned_grid(path, file)], "parquet (hive-partitioned)", None, []
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


def lower_header_note(grid: Grid, specs: Mapping[str, TableSpec]) -> str:
    """Where the header is, when it sits below the rows scanned (see `lower_header`)."""
    if grid.headers is not None:
        return ""
    deeper = grid.body.slice(HEADER_SCAN_ROWS, _DEEP_ROWS)
    rows = deeper.select(*(stripped(pl.col(c)) for c in grid.cells), "_row").collect()
    numbers = rows.get_column("_row").to_list()
    return lower_header([list(r) for r in rows.drop("_row").rows()], numbers, grid.sheet, specs)
