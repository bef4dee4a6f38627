"""Input files → canonical tables + a rejects table, with every row's source kept.

Departments hand in .xlsx workbooks (often with a title row above the header), CSVs in
UTF-8 or GBK, or parquet. Each sheet or file is matched to a `TableSpec` by its
headers, its headers are mapped to canonical names, every value is kept as the text
the user wrote (the value parser reads it later), and every row carries `_file`,
`_sheet` and `_row` so that any later message can point back at the cell.

Invariant "nothing lost": a data row either goes on in `Inputs.tables` or lands in
`Inputs.rejects` with its file, sheet, row, column and reason. The only rows not
accounted for are blank rows after the last non-blank row of a sheet, which Excel's
used range and trailing newlines produce without the user writing them.
"""

from __future__ import annotations

import ast
import codecs
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import InputError, did_you_mean
from jixiao.scoring.io.tablespec import TableSpec, normalize_header
from jixiao.scoring.io.write import sha256_file

PROVENANCE = ("_file", "_sheet", "_row")
REJECT_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "sheet": pl.String(),
    "row": pl.Int64(),
    "table": pl.String(),
    "column": pl.String(),
    "text": pl.String(),
    "reason": pl.String(),
}
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
HEADER_SCAN_ROWS = 10  # a title row or two may sit above the header
_TEXT_MAX = 200  # characters of a rejected row's content shown in `text`
# Helper columns that live between reading and splitting off rejects.
_BLANK, _TEXT = "__blank", "__text"


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


@dataclass
class Inputs:
    """Canonical tables (all pl.String plus provenance) and the rows that were rejected."""

    tables: dict[str, pl.DataFrame]
    rejects: pl.DataFrame
    sources: list[SourceInfo]
    unused_columns: list[tuple[str, str | None, str]]  # (file, sheet, header)


@dataclass
class _Grid:
    """A sheet as read: String columns c0…cN and `_row`; the header is still inside
    `body` unless `headers` is known (parquet)."""

    sheet: str | None
    body: pl.DataFrame
    headers: list[str | None] | None = None


@dataclass
class _Piece:
    """One sheet or file matched to a table, before rejects are split off."""

    table: str
    frame: pl.DataFrame
    unused: list[str]
    header_row: int | None


def empty_rejects() -> pl.DataFrame:
    """A rejects table with no rows, for stages that found nothing to reject."""
    return pl.DataFrame(schema=REJECT_SCHEMA)


def _where(file: str, sheet: str | None, row: int | None = None) -> str:
    """`a.xlsx, sheet 指标, row 3`: how every input error starts."""
    parts = [file] + ([f"sheet {sheet!r}"] if sheet is not None else [])
    return ", ".join(parts + ([f"row {row}"] if row is not None else []))


def _column_letter(index: int) -> str:
    """0 → A, 26 → AA: users find columns by letter in Excel."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- reading files into grids -------------------------------------------------------


def detect_encoding(data: bytes, file: str) -> str:
    """BOM, else strict UTF-8, else strict GB18030 (a superset of GBK); never a guess."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            data.decode("gb18030")
            return "gb18030"
        except UnicodeDecodeError as gb_error:
            raise InputError(
                f"{file}: cannot decode as UTF-8 (bad byte 0x{data[utf8_error.start]:02x} at "
                f"offset {utf8_error.start}) nor as GBK/GB18030 (bad byte at offset "
                f"{gb_error.start}); save the file as UTF-8 CSV"
            ) from None


def _delimiter(text: str, suffix: str) -> str:
    """Tab for .tsv, or when the first lines hold tabs and no commas; else comma."""
    if suffix == ".tsv":
        return "\t"
    head = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    return "\t" if "\t" in head and "," not in head else ","


def _read_text(path: Path, file: str) -> tuple[list[_Grid], str]:
    data = path.read_bytes()
    encoding = detect_encoding(data, file)
    text = data.decode(encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text, path.suffix))
    rows: list[list[str]] = []
    starts: list[int] = []
    line = 1
    try:
        for record in reader:
            rows.append(record)
            starts.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{_where(file, None, line)}: malformed CSV: {exc}") from None
    return [_Grid(None, _rows_to_frame(rows, starts))], encoding


def _rows_to_frame(rows: list[list[str]], starts: list[int]) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    columns = {f"c{j}": [r[j] if j < len(r) else None for r in rows] for j in range(width)}
    frame = pl.DataFrame(columns, schema={c: pl.String for c in columns})
    return frame.with_columns(pl.Series("_row", starts, dtype=pl.Int64))


def _read_excel(path: Path, file: str) -> list[_Grid]:
    """Every sheet as text, blank rows kept so that row numbers stay Excel's.

    fastexcel is the calamine engine behind pl.read_excel; it is called directly because
    pl.read_excel drops blank rows, which would shift every row number after them.
    """
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        grids = []
        merges = merged_ranges(path)
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            raw = sheet.to_polars()
            columns = sheet.available_columns()
            first_col = columns[0].absolute_index if columns else 0
            raw = _fill_merged(raw, merges.get(name, []), first_col)
            frame = raw.rename({c: f"c{j}" for j, c in enumerate(raw.columns)})
            grids.append(_Grid(name, frame.with_row_index("_row", offset=1)))
    except Exception as exc:  # fastexcel raises its own hierarchy for broken files
        raise InputError(f"{file}: cannot read as an Excel workbook: {exc}") from exc
    return [_Grid(g.sheet, g.body.with_columns(pl.col("_row").cast(pl.Int64))) for g in grids]


_MERGE = re.compile(r'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_SHEET = re.compile(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')


def _col_index(letters: str) -> int:
    """`A` → 0, `AB` → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def merged_ranges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged cell ranges per sheet name, 0-based (first row, first col, last row, last col).

    Templates merge the 一级指标/二级指标 cells of a block of indicator rows; the value
    sits in the top cell only. calamine does not report merges, so they are read from
    the workbook's XML. A workbook whose parts cannot be read this way has none.
    """
    import html
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            rels = dict(_REL.findall(z.read("xl/_rels/workbook.xml.rels").decode("utf-8")))
            out: dict[str, list[tuple[int, int, int, int]]] = {}
            for name, rid in _SHEET.findall(z.read("xl/workbook.xml").decode("utf-8")):
                target = rels.get(rid, "").lstrip("/")
                part = target if target.startswith("xl/") else f"xl/{target}"
                xml = z.read(part).decode("utf-8")
                ranges = [
                    (int(r1) - 1, _col_index(c1), int(r2) - 1, _col_index(c2))
                    for c1, r1, c2, r2 in _MERGE.findall(xml)
                ]
                if ranges:
                    out[html.unescape(name)] = ranges
            return out
    except (KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return {}


def _fill_merged(
    raw: pl.DataFrame, ranges: list[tuple[int, int, int, int]], first_col: int
) -> pl.DataFrame:
    """Give every row of a vertically merged cell the value shown in it (the top cell's).

    Only the merge's first column is filled down: a header merged across columns must not
    turn into two columns of the same name.
    """
    fills: dict[int, list[int]] = {}
    for r1, c1, r2, _ in ranges:
        j = c1 - first_col
        if r2 <= r1 or not 0 <= j < raw.width or r1 >= raw.height:
            continue
        index = fills.setdefault(j, list(range(raw.height)))
        for r in range(r1 + 1, min(r2, raw.height - 1) + 1):
            index[r] = r1
    if not fills:
        return raw
    return raw.with_columns(
        raw.to_series(j).gather(index).alias(raw.columns[j]) for j, index in fills.items()
    )


def _read_parquet(path: Path, file: str) -> list[_Grid]:
    try:
        raw = pl.read_parquet(path)
    except Exception as exc:
        raise InputError(f"{file}: cannot read as parquet: {exc}") from exc
    body = pl.DataFrame([_as_text(raw.get_column(c), file) for c in raw.columns])
    body = body.rename({c: f"c{j}" for j, c in enumerate(raw.columns)})
    # Parquet has no header row on screen: the first record is row 1.
    return [_Grid(None, body.with_row_index("_row", offset=1), list(raw.columns))]


def _as_text(series: pl.Series, file: str) -> pl.Series:
    """Text as a spreadsheet would show it: integral floats without `.0`."""
    if series.dtype.is_nested():
        raise InputError(f"{file}: column {series.name!r} holds {series.dtype}, not values")
    if series.dtype.is_float():
        whole = series.is_finite() & (series == series.round(0)) & (series.abs() < 2.0**53)
        frame = pl.DataFrame({"v": series, "w": whole})
        as_int = pl.col("v").cast(pl.Int64, strict=False).cast(pl.String)
        expr = pl.when(pl.col("w")).then(as_int).otherwise(pl.col("v").cast(pl.String))
        return frame.select(expr.alias(series.name)).to_series()
    return series.cast(pl.String)


def _read_grids(path: Path, file: str) -> tuple[list[_Grid], str, str | None]:
    if not path.is_file():
        raise InputError(f"{file}: no such file")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, file), suffix[1:], None
    if suffix in TEXT_SUFFIXES:
        grids, encoding = _read_text(path, file)
        return grids, suffix[1:], encoding
    if suffix == ".parquet":
        return _read_parquet(path, file), "parquet", None
    raise InputError(
        f"{file}: unknown file type {suffix or '(none)'}; expected one of "
        f"{', '.join(EXCEL_SUFFIXES + TEXT_SUFFIXES + ('.parquet',))}"
    )


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    """Strip every cell (full-width spaces too) and turn empty strings into nulls."""
    cells = [c for c in frame.columns if c != "_row"]
    stripped = (pl.col(c).str.strip_chars().replace("", None) for c in cells)
    return frame.lazy().with_columns(stripped).collect()


# --- matching headers to a table ----------------------------------------------------


@dataclass
class _Match:
    """Headers of one row read against one spec."""

    spec: TableSpec
    header_index: int  # index into the grid body; -1 when headers were given
    headers: list[str | None]
    mapping: dict[int, str]  # column position → canonical name

    @property
    def complete(self) -> bool:
        return all(c.name in self.mapping.values() for c in self.spec.required)


def _match_row(spec: TableSpec, headers: list[str | None], index: int) -> _Match:
    mapping: dict[int, str] = {}
    for j, header in enumerate(headers):
        canonical = spec.match(header) if header else None
        if canonical is not None:
            mapping[j] = canonical
    return _Match(spec, index, headers, mapping)


def _best_match(spec: TableSpec, grid: _Grid) -> _Match:
    """The row among the first few that names the most of this table's columns."""
    if grid.headers is not None:
        return _match_row(spec, grid.headers, -1)
    cells = [c for c in grid.body.columns if c != "_row"]
    head = grid.body.head(HEADER_SCAN_ROWS).select(cells).rows()
    candidates = [_match_row(spec, list(row), i) for i, row in enumerate(head)]
    best = max(candidates, key=lambda m: len(set(m.mapping.values())), default=None)
    return best if best is not None else _match_row(spec, [], 0)


def _missing_message(match: _Match, file: str, sheet: str | None) -> str:
    spec = match.spec
    missing = [c for c in spec.required if c.name not in match.mapping.values()]
    unmatched = [h for j, h in enumerate(match.headers) if h and j not in match.mapping]
    hints = [h for c in missing if (h := _hint((*c.aliases, c.name), unmatched))]
    row = match.header_index + 1 if match.header_index >= 0 else None
    found = ", ".join(repr(h) for h in match.headers if h) or "none"
    text = (
        f"{_where(file, sheet, row)}: table {spec.name!r} lacks required column(s) "
        f"{'; '.join(c.label() for c in missing)}. Headers found: {found}."
    )
    return text + (f" Hint: {'; '.join(hints)}" if hints else "")


def _hint(names: tuple[str, ...], headers: list[str]) -> str | None:
    by_norm = {normalize_header(h): h for h in headers}
    for name in names:
        hint = did_you_mean(normalize_header(name), by_norm)
        if hint is not None:
            close = ast.literal_eval(hint.removeprefix("did you mean ").removesuffix("?"))
            return f"for {name!r}, did you mean {by_norm[close]!r}?"
    return None


def _check_duplicates(match: _Match, file: str, sheet: str | None) -> None:
    seen: dict[str, int] = {}
    for j, canonical in sorted(match.mapping.items()):
        if canonical in seen:
            first = seen[canonical]
            raise InputError(
                f"{_where(file, sheet)}: columns {match.headers[first]!r} "
                f"(column {_column_letter(first)}) and {match.headers[j]!r} "
                f"(column {_column_letter(j)}) both mean "
                f"{match.spec.column(canonical).label()}; keep one"
            )
        seen[canonical] = j


def _classify(
    grid: _Grid, specs: Mapping[str, TableSpec], file: str, strict: bool
) -> _Match | None:
    """The table this sheet or file holds, by headers first and its name second.

    A workbook may hold sheets that are not tables (说明, 填表说明); with `strict` off, a
    sheet that matches no table by headers and is not named like one is skipped.
    """
    matches = [_best_match(spec, grid) for spec in specs.values()]
    label = grid.sheet if grid.sheet is not None else Path(file).stem
    complete = [m for m in matches if m.complete]
    if len(complete) > 1:
        complete = [m for m in complete if m.spec.matches_sheet_name(label)] or complete
    if len(complete) == 1:
        return complete[0]
    if complete:
        names = ", ".join(m.spec.name for m in complete)
        raise InputError(
            f"{_where(file, grid.sheet)}: headers fit several tables ({names}); name the "
            f"sheet or file after one of them"
        )
    named = [m for m in matches if m.spec.matches_sheet_name(label)]
    if named:
        closest = max(named, key=lambda m: len(m.mapping))
        raise InputError(_missing_message(closest, file, grid.sheet))
    if not strict:
        return None
    raise _unclassified(matches, file, grid.sheet)


def _unclassified(matches: list[_Match], file: str, sheet: str | None) -> InputError:
    headers = max(matches, key=lambda m: len(m.mapping)).headers if matches else []
    found = ", ".join(repr(h) for h in headers if h) or "none"
    wants = "; ".join(
        f"{m.spec.name} needs {', '.join(c.label() for c in m.spec.required)}" for m in matches
    )
    return InputError(
        f"{_where(file, sheet)}: cannot tell which table this is. Headers found: {found}. "
        f"Expected: {wants}"
    )


# --- building canonical frames ------------------------------------------------------


def _piece(grid: _Grid, match: _Match, file: str) -> tuple[_Piece, list[tuple[int, str]]]:
    """Canonical columns plus provenance and the helpers used to build rejects."""
    body = grid.body.slice(match.header_index + 1)
    cells = [c for c in body.columns if c != "_row"]
    body = _drop_trailing_blank(body, cells)
    named = {f"c{j}": (h or f"column {_column_letter(j)}") for j, h in enumerate(match.headers)}
    used = {f"c{j}": name for j, name in match.mapping.items()}
    unused = [(j, named.get(c, c)) for j, c in enumerate(cells) if c not in used]
    unused = [(j, h) for j, h in unused if _has_data(body, f"c{j}", match.headers, j)]
    frame = body.select(
        *(_canonical(used, name) for name in match.spec.column_names),
        pl.lit(file, pl.String).alias("_file"),
        pl.lit(grid.sheet, pl.String).alias("_sheet"),
        pl.col("_row"),
        pl.all_horizontal(pl.col(c).is_null() for c in cells).alias(_BLANK)
        if cells
        else pl.lit(True).alias(_BLANK),
    )
    # The row's text is only shown for rows rejected for a blank key: build it for those.
    key_cells = [c for c, name in used.items() if name in match.spec.key]
    keyless = pl.any_horizontal(pl.col(c).is_null() for c in key_cells) if key_cells else None
    texts = body.filter(keyless if keyless is not None else pl.lit(True)).select(
        "_row", _row_text(cells, named, used, match.spec).alias(_TEXT)
    )
    frame = frame.join(texts, on="_row", how="left", maintain_order="left")
    header_row = None if match.header_index < 0 else _header_row(grid, match)
    return _Piece(match.spec.name, frame, [h for _, h in unused], header_row), unused


def _header_row(grid: _Grid, match: _Match) -> int:
    return int(grid.body.get_column("_row")[match.header_index])


def _has_data(body: pl.DataFrame, column: str, headers: list[str | None], j: int) -> bool:
    """An unused column is worth mentioning if it has a header or any value."""
    named = j < len(headers) and headers[j] is not None
    return named or body.get_column(column).null_count() < body.height


def _canonical(used: dict[str, str], name: str) -> pl.Expr:
    for source, canonical in used.items():
        if canonical == name:
            return pl.col(source).alias(name)
    return pl.lit(None, pl.String).alias(name)


def _row_text(
    cells: list[str], named: dict[str, str], used: dict[str, str], spec: TableSpec
) -> pl.Expr:
    """`项目名称=合计; 全年预算数=100`: what a rejected row held, so users can find it."""
    if not cells:
        return pl.lit(None, pl.String)
    parts = [pl.lit(_display_name(c, named, used, spec) + "=") + pl.col(c) for c in cells]
    return pl.concat_str(parts, separator="; ", ignore_nulls=True).str.slice(0, _TEXT_MAX)


def _display_name(cell: str, named: dict[str, str], used: dict[str, str], spec: TableSpec) -> str:
    if cell in used:
        return spec.column(used[cell]).first_alias()
    return named.get(cell, cell)


def _drop_trailing_blank(body: pl.DataFrame, cells: list[str]) -> pl.DataFrame:
    if not cells or body.height == 0:
        return body
    filled = body.select(pl.any_horizontal(pl.col(c).is_not_null() for c in cells)).to_series()
    positions = filled.arg_true()
    return body.head(int(positions[-1]) + 1 if positions.len() else 0)


# --- rejects --------------------------------------------------------------------------


def _reject_frame(
    frame: pl.DataFrame, table: str, column: pl.Expr, reason: pl.Expr, text: pl.Expr
) -> pl.DataFrame:
    return frame.select(
        pl.col("_file").alias("file"),
        pl.col("_sheet").alias("sheet"),
        pl.col("_row").alias("row"),
        pl.lit(table, pl.String).alias("table"),
        column.cast(pl.String).alias("column"),
        text.cast(pl.String).alias("text"),
        reason.cast(pl.String).alias("reason"),
        pl.col("__seq"),
    )


def split_rejects(frame: pl.DataFrame, spec: TableSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Blank rows, blank keys and (for unique keys) repeated keys go to rejects, in that
    order, each row at most once."""
    frame = frame.with_row_index("__seq")
    blank = frame.filter(pl.col(_BLANK))
    rejects = [_reject_frame(blank, spec.name, pl.lit(None), pl.lit("blank row"), pl.lit(None))]
    rest = frame.filter(~pl.col(_BLANK))
    if spec.key:
        no_key = pl.any_horizontal(pl.col(k).is_null() for k in spec.key)
        rejects.append(_missing_key_rejects(rest.filter(no_key), spec))
        rest = rest.filter(~no_key)
    if spec.unique_key and spec.key:
        rest, dupes = _split_duplicates(rest, spec)
        rejects.append(dupes)
    kept = rest.select(*spec.column_names, *PROVENANCE)
    ordered = pl.concat(rejects).sort("__seq").drop("__seq")  # input order, not reason order
    return kept, ordered.cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def _missing_key_rejects(frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    blank_names = [pl.when(pl.col(k).is_null()).then(pl.lit(k)) for k in spec.key]
    reasons = [
        pl.when(pl.col(k).is_null()).then(pl.lit(f"missing {spec.column(k).first_alias()} ({k})"))
        for k in spec.key
    ]
    return _reject_frame(
        frame,
        spec.name,
        pl.concat_str(blank_names, separator=",", ignore_nulls=True),
        pl.concat_str(reasons, separator="; ", ignore_nulls=True),
        pl.col(_TEXT),
    )


def _split_duplicates(frame: pl.DataFrame, spec: TableSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep each key's first row; later rows are rejected, pointing at the first."""
    key = list(spec.key)
    first = frame.group_by(key, maintain_order=True).agg(
        pl.col("_file").first().alias("__f_file"),
        pl.col("_sheet").first().alias("__f_sheet"),
        pl.col("_row").first().alias("__f_row"),
    )
    marked = frame.with_columns(pl.struct(key).is_first_distinct().alias("__first"))
    dupes = marked.filter(~pl.col("__first")).join(first, on=key, how="left", nulls_equal=True)
    same_place = (pl.col("__f_file") == pl.col("_file")) & pl.col("__f_sheet").eq_missing(
        pl.col("_sheet")
    )
    elsewhere = pl.concat_str(
        pl.col("__f_file"),
        pl.when(pl.col("__f_sheet").is_not_null()).then(
            pl.lit(", sheet '") + pl.col("__f_sheet") + pl.lit("'")
        ),
        ignore_nulls=True,
    )
    where = pl.when(same_place).then(pl.lit("")).otherwise(elsewhere + pl.lit(" "))
    value = pl.concat_str([pl.col(k) for k in key], separator="', '")
    reason = pl.format(
        "duplicate {} '{}', first at {}row {}",
        pl.lit(", ".join(key)),
        value,
        where,
        pl.col("__f_row"),
    )
    rejects = _reject_frame(dupes, spec.name, pl.lit(",".join(key)), reason, value)
    return marked.filter(pl.col("__first")).drop("__first"), rejects


# --- public entry points ----------------------------------------------------------------


def _read_source(
    path: str | Path, specs: Mapping[str, TableSpec], strict: bool
) -> tuple[SourceInfo, list[_Piece], list[tuple[str, str | None, str]]]:
    file = str(path)
    grids, fmt, encoding = _read_grids(Path(path), file)
    info = SourceInfo(file, sha256_file(path), fmt, encoding)
    pieces: list[_Piece] = []
    unused: list[tuple[str, str | None, str]] = []
    for grid in grids:
        grid = _Grid(grid.sheet, _clean(grid.body), grid.headers)
        if _is_empty(grid.body):
            if grid.sheet is None:
                raise InputError(f"{file}: the file is empty")
            info.sheets[grid.sheet] = None  # an unused template sheet, not a table
            continue
        match = _classify(grid, specs, file, strict or grid.sheet is None)
        info.sheets[grid.sheet] = match.spec.name if match else None
        if match is None:
            continue
        _check_duplicates(match, file, grid.sheet)
        piece, extra = _piece(grid, match, file)
        pieces.append(piece)
        unused.extend((file, grid.sheet, h) for _, h in extra)
        info.rows[piece.table] = info.rows.get(piece.table, 0) + piece.frame.height
        if piece.header_row is not None:
            info.header_rows[grid.sheet] = piece.header_row
    if not pieces:
        sheets = ", ".join(repr(s) for s in info.sheets) or "none"
        raise InputError(f"{file}: no sheet holds a known table (sheets: {sheets})")
    return info, pieces, unused


def _is_empty(body: pl.DataFrame) -> bool:
    cells = [c for c in body.columns if c != "_row"]
    return (
        not cells
        or body.height == 0
        or body.select(cells).null_count().sum_horizontal().item() == (body.height * len(cells))
    )


def read_inputs(paths: Sequence[str | Path], specs: Mapping[str, TableSpec]) -> Inputs:
    """Read every file; one canonical table per spec, concatenated in file order."""
    if not paths:
        raise InputError("no input files given")
    sources: list[SourceInfo] = []
    pieces: list[_Piece] = []
    unused: list[tuple[str, str | None, str]] = []
    for path in paths:
        info, found, extra = _read_source(path, specs, strict=False)
        sources.append(info)
        pieces.extend(found)
        unused.extend(extra)
    tables: dict[str, pl.DataFrame] = {}
    rejects = [empty_rejects()]
    for name, spec in specs.items():
        frames = [p.frame for p in pieces if p.table == name]
        if not frames:
            raise InputError(_missing_table_message(spec, sources))
        tables[name], table_rejects = split_rejects(pl.concat(frames), spec)
        rejects.append(table_rejects)
    return Inputs(tables, pl.concat(rejects), sources, unused)


def _missing_table_message(spec: TableSpec, sources: list[SourceInfo]) -> str:
    read = "; ".join(
        f"{s.path} ({', '.join(t for t in s.sheets.values() if t) or 'nothing'})" for s in sources
    )
    required = ", ".join(c.label() for c in spec.required)
    return (
        f"no input provides the {spec.name} table (a sheet named "
        f"{' / '.join(spec.sheet_names)}, or a file with columns {required}). Read: {read}"
    )


def read_table(path: str | Path, spec: TableSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One file holding one table: (canonical table, rejects)."""
    _, pieces, _ = _read_source(path, {spec.name: spec}, strict=False)
    return split_rejects(pl.concat([p.frame for p in pieces]), spec)
