"""Result files: csv, parquet and a formatted xlsx workbook, plus JSON manifests.

Every write goes to a temporary file in the target directory, is fsynced and then
renamed over the target, so an interrupted run never leaves a half-written file
(invariant 6). The same tables give byte-identical files (invariant 4): no timestamps,
fixed workbook properties, no dependence on dict order. The one exception is the run
manifest, which records when it was written (`written_at`, see api.write).
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib.util
import json
import os
import sys
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
import xlsxwriter.exceptions
from xlsxwriter.utility import xl_rowcol_to_cell

from jixiao.scoring.errors import JixiaoError, os_errno
from jixiao.scoring.io.atomic import atomic_path as atomic_path  # re-exported
from jixiao.scoring.io.cells import CutCells, excel_text, neutralise
from jixiao.scoring.io.hashing import sha256_file as sha256_file  # moved; re-exported
from jixiao.scoring.io.write_partitioned import write_partitioned
from jixiao.scoring.io.xlsx_props import fix_properties

EXCEL_MAX_ROWS = 1_048_576  # rows per worksheet, the header row included
FORMATS = ("csv", "parquet", "xlsx")
WORKBOOK_NAME = "results.xlsx"
PARQUET_ROW_GROUP = 262_144  # rows; Polars' documented default (512²), made explicit
# Fixed so that two runs give identical workbooks; Excel shows it as the creation date.
WORKBOOK_CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_MAX_WIDTH = 60
_WIDTH_SAMPLE = 1000
_SHEET_BAD_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def write_json(path: Path, obj: object) -> Path:
    """Write JSON for people and diffs: UTF-8 Chinese as is, sorted keys, trailing newline."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2, default=_json_default)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    return path


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically (schemas, effective rulesets, reports)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _json_default(obj: object) -> object:
    if isinstance(obj, Path):
        return obj.as_posix()
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    raise TypeError(f"cannot write {type(obj).__name__} to JSON: {obj!r}")


def output_names(tables: Mapping[str, object], formats: Sequence[str]) -> list[str]:
    """The file names `write_tables` gives these tables in these formats."""
    names = [f"{name}.{fmt}" for fmt in ("csv", "parquet") if fmt in formats for name in tables]
    return [*names, WORKBOOK_NAME] if "xlsx" in formats else names


def write_tables(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame],
    out_dir: Path,
    formats: Sequence[str],
    headers: Mapping[str, Mapping[str, str]] | None = None,
    metadata: Mapping[str, str] | None = None,
    notes: list[str] | None = None,
    partition_by: Sequence[str] = (),
) -> list[Path]:
    """Write every table in every format; returns the files written, in a stable order.

    csv and parquet get one file per table; xlsx gets one workbook `results.xlsx` with a
    sheet per table (split over `name (2)`, … beyond Excel's row limit) whose header row
    shows `headers[table][column]` (the column registry's Chinese headers). `metadata`
    (ruleset id, version, hash) goes into the parquet key-value metadata and the
    workbook's properties, so a file separated from its manifest still says what made it.
    A LazyFrame (a streaming run's spilled rows) is sunk to csv and parquet, in bounded
    memory and to the same bytes; the workbook cannot stream and collects it. Text that a
    spreadsheet could run as a formula is neutralised in csv (`cells.neutralise`); what
    had to be cut to fit the workbook is said in `notes`. `partition_by` (columns) writes
    the parquet outputs partitioned, one folder per value (`io/write_partitioned`).
    """
    meta = dict(metadata or {})
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise JixiaoError(f"unknown output format(s) {unknown}; expected some of {FORMATS}")
    written: list[Path] = []
    for fmt in FORMATS:
        if fmt not in formats:
            continue
        if fmt == "xlsx":
            frames = {
                k: v.collect() if isinstance(v, pl.LazyFrame) else v for k, v in tables.items()
            }
            cut = CutCells()
            written.append(write_xlsx(frames, out_dir / WORKBOOK_NAME, headers or {}, meta, cut))
            if notes is not None:
                notes.extend(cut.notes(WORKBOOK_NAME))
            continue
        if fmt == "parquet" and partition_by:
            written += write_partitioned(
                tables, out_dir, partition_by, lambda f, p: _write_parquet(f, p, meta), atomic_path
            )
            continue
        for name in sorted(tables):
            target = out_dir / f"{name}.{fmt}"
            with atomic_path(target) as tmp:
                if fmt == "parquet":
                    _write_parquet(tables[name], tmp, meta)
                else:
                    _write_csv(tables[name], tmp)
            written.append(target)
    return written


def _write_csv(df: pl.DataFrame | pl.LazyFrame, path: Path) -> None:
    """UTF-8 with BOM: Excel on a Chinese Windows reads BOM-less CSV as GBK and garbles it.
    Text that Excel would run as a formula gets a leading apostrophe (`cells.neutralise`)."""
    if isinstance(df, pl.LazyFrame):
        neutralise(df).sink_csv(path, include_bom=True, engine="streaming")
    else:
        neutralise(df.lazy()).collect().write_csv(path, include_bom=True)


def _write_parquet(df: pl.DataFrame | pl.LazyFrame, path: Path, metadata: dict[str, str]) -> None:
    """zstd (as docs/inputs.md promises): smaller files than snappy at a similar write
    time, and read by every current parquet reader.

    A fixed row-group size: without one, Polars 2.1 cuts pages and row groups where the
    frame's memory chunks end, and those depend on the engine and on how the rows were
    computed, so equal tables of more than a few hundred thousand rows gave different
    bytes. Tables of one row group are written exactly as before. With it, sinking a
    LazyFrame writes the same bytes as writing the collected frame."""
    if isinstance(df, pl.LazyFrame):
        df.sink_parquet(
            path,
            compression="zstd",
            statistics=True,
            row_group_size=PARQUET_ROW_GROUP,
            metadata=metadata or None,
            engine="streaming",
        )
        return
    df.write_parquet(
        path,
        compression="zstd",
        statistics=True,
        row_group_size=PARQUET_ROW_GROUP,
        metadata=metadata or None,
    )


def write_xlsx(
    tables: Mapping[str, pl.DataFrame],
    target: Path,
    headers: Mapping[str, Mapping[str, str]],
    metadata: Mapping[str, str] | None = None,
    cut: CutCells | None = None,
) -> Path:
    """One formatted workbook: Chinese headers, frozen header row, widths, number formats.

    Text is always written as a string cell, never a formula, number or link (the
    `strings_to_*` options off). Cells too long for Excel are cut visibly, into `cut`.
    xlsxwriter's scratch files go beside the workbook, so a killed run leaves none
    elsewhere."""
    cut = cut if cut is not None else CutCells()
    if xlsx_writer() == RUST_WRITER:
        return _write_fast(tables, target, headers, metadata, cut)
    with _workbook(target, metadata) as (workbook, formats):
        for name, df in tables.items():
            _write_table_sheets(workbook, formats, name, df, headers.get(name, {}), cut)
    return target


# --- which library writes the workbook ---------------------------------------------------

RUST_WRITER = "rustpy-xlsxwriter"
XLSX_WRITERS = (RUST_WRITER, "xlsxwriter")
XLSX_WRITER_ENV = "JIXIAO_XLSX_WRITER"
"""Set to `xlsxwriter` to write workbooks with xlsxwriter although the Rust writer is
installed (to compare the two, or to work around a problem in one)."""


def xlsx_writer() -> str:
    """The library that writes workbooks: rustpy-xlsxwriter when installed (the extra
    `jixiao[fast-xlsx]`; 1M rows in seconds), else xlsxwriter (the fallback, always
    installed); `JIXIAO_XLSX_WRITER` chooses one explicitly."""
    chosen = os.environ.get(XLSX_WRITER_ENV, "").strip()
    if chosen and chosen not in XLSX_WRITERS:
        raise JixiaoError(
            f"{XLSX_WRITER_ENV}={chosen!r}: expected one of {', '.join(XLSX_WRITERS)}"
        )
    installed = importlib.util.find_spec("rustpy_xlsxwriter") is not None
    if chosen == RUST_WRITER and not installed:
        raise JixiaoError(
            f"{XLSX_WRITER_ENV}={RUST_WRITER} but it is not installed: "
            "pip install 'jixiao[fast-xlsx]'"
        )
    return RUST_WRITER if installed and chosen != "xlsxwriter" else "xlsxwriter"


def _write_fast(
    tables: Mapping[str, pl.DataFrame],
    target: Path,
    headers: Mapping[str, Mapping[str, str]],
    metadata: Mapping[str, str] | None,
    cut: CutCells,
    lights: frozenset[str] = frozenset(),
) -> Path:
    """The workbook through the Rust writer (`xlsx_fast`), same sheets and look, its
    `docProps` then fixed (`xlsx_props`): the same tables give the same bytes."""
    from jixiao.scoring.io.xlsx_fast import FastSheet, write_fast

    sheets = []
    for name, df in tables.items():
        titles = [headers.get(name, {}).get(c, c) for c in df.columns]
        widths = [_width(t, df.get_column(c)) for t, c in zip(titles, df.columns, strict=True)]
        for sheet_name, part, note in _sheet_parts(name, df):
            shown = _light_labels(part, lights) if lights else part
            sheets.append(FastSheet(sheet_name, shown, titles, widths, note, lights))
    with atomic_path(target) as tmp:
        write_fast(sheets, tmp, cut, LIGHT_FILLS_BY_LABEL if lights else None)
        fix_properties(tmp, metadata or {}, [s.name for s in sheets])
    return target


def _width(title: str, series: pl.Series) -> float:
    return min(max(_display_width(title), _column_width(series)) + 2, _MAX_WIDTH)


@contextmanager
def _workbook(
    target: Path, metadata: Mapping[str, str] | None
) -> Iterator[tuple[Any, _CellFormats]]:
    """A workbook written atomically to `target`, its properties carrying `metadata` (the
    ruleset id …), closed (and its OS error raised as such) however the writing ends."""
    with atomic_path(target) as tmp:
        workbook = xlsxwriter.Workbook(
            str(tmp),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "tmpdir": str(tmp.parent),
            },
        )
        try:
            comments = "; ".join(f"{k}={v}" for k, v in (metadata or {}).items())
            workbook.set_properties({"created": WORKBOOK_CREATED, "comments": comments})
            yield workbook, _CellFormats(workbook)
        finally:
            _close(workbook, tmp)


def _close(workbook: Any, path: Path) -> None:
    """Close the workbook; its OS error (a full disk) raised as the OSError it wraps.

    xlsxwriter leaves its zip file open when writing fails, and the zip's finaliser
    then prints a traceback at exit ("Exception ignored in …"): it is collected here,
    quietly, before the error goes on."""
    failure: OSError | None = None
    try:
        workbook.close()
    except xlsxwriter.exceptions.XlsxFileError as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        number = os_errno(cause) if cause is not None else None
        if number is None:
            raise JixiaoError(f"{path}: cannot write the workbook: {exc}") from None
        failure = OSError(number, os.strerror(number), str(path))
    if failure is not None:
        hook, sys.unraisablehook = sys.unraisablehook, lambda _: None
        try:
            gc.collect()
        finally:
            sys.unraisablehook = hook
        raise failure


class _CellFormats:
    """The few cell formats the workbook uses, created once per workbook."""

    def __init__(self, workbook: Any) -> None:
        self.header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.float = workbook.add_format({"num_format": "0.00"})
        self.int = workbook.add_format({"num_format": "0"})


SHEET_NAMES: dict[str, str] = {"flags": "偏差标记"}
"""Worksheet name of a table whose sheet is not named after the table itself."""


def _sheet_parts(name: str, df: pl.DataFrame) -> list[tuple[str, pl.DataFrame, str | None]]:
    """The sheets of one table: (sheet name, rows, note for A1 or None).

    A table within Excel's row limit is one sheet. A longer one (9M indicator rows of a
    country) is split over sheets named `name`, `name (2)`, … of at most EXCEL_MAX_ROWS - 1
    data rows: by department when it has a `department` column (each department's rows
    together, in their input order, departments in order of first appearance, whole
    departments packed into a sheet while they fit, one department larger than a sheet
    over several), else by row order. The note on A1 says which part it is and, by
    department, which departments it holds. The csv and parquet outputs hold the table
    whole (docs/outputs.md)."""
    per_sheet = EXCEL_MAX_ROWS - 1
    base = SHEET_NAMES.get(name, name).translate(_SHEET_BAD_CHARS)
    if df.height <= per_sheet:
        return [(base[:31], df, None)]
    groups: list[tuple[pl.DataFrame, str | None]]
    if "department" in df.columns:
        groups = list(_department_groups(df, per_sheet))
    else:
        groups = [(df.slice(start, per_sheet), None) for start in range(0, df.height, per_sheet)]
    out: list[tuple[str, pl.DataFrame, str | None]] = []
    for i, (part, departments) in enumerate(groups):
        suffix = f" ({i + 1})" if i else ""
        note = (
            f"表 {name} 共 {df.height} 行，超过 Excel 每表行数上限（{per_sheet} 行数据），"
            f"{'按主管部门' if departments else ''}分为 {len(groups)} 个工作表；"
            f"本表为第 {i + 1} 部分{departments or ''}；完整的表见本次运行的 csv / parquet 输出。"
        )
        out.append((base[: 31 - len(suffix)] + suffix, part, note))
    return out


def _department_groups(df: pl.DataFrame, per_sheet: int) -> list[tuple[pl.DataFrame, str]]:
    """Rows gathered by department and packed into sheets of at most `per_sheet` rows."""
    groups = (
        df.select(pl.col("department"))
        .with_row_index("__row")
        .group_by("department", maintain_order=True)
        .agg(pl.col("__row"))
    )
    sheets: list[tuple[list[int], list[str]]] = []
    rows: list[int] = []
    names: list[str] = []
    for department, indices in groups.iter_rows():
        label = "（未填部门）" if department is None else str(department)
        for start in range(0, len(indices), per_sheet):
            chunk = indices[start : start + per_sheet]
            if rows and len(rows) + len(chunk) > per_sheet:
                sheets.append((rows, names))
                rows, names = [], []
            rows.extend(chunk)
            if not names or names[-1] != label:
                names.append(label)
    if rows:
        sheets.append((rows, names))
    return [(df[indices], _departments_said(names)) for indices, names in sheets]


def _departments_said(names: list[str]) -> str:
    shown = "、".join(names[:3]) + (f" 等 {len(names)} 个部门" if len(names) > 3 else "")
    return f"（{shown}）"


def _write_table_sheets(
    workbook: Any,
    formats: _CellFormats,
    name: str,
    df: pl.DataFrame,
    headers: Mapping[str, str],
    cut: CutCells,
) -> None:
    for sheet_name, part, note in _sheet_parts(name, df):
        sheet = workbook.add_worksheet(sheet_name)
        _write_header(sheet, formats, df, headers)
        if note:
            sheet.write_comment(0, 0, note)
        for row, col in _write_body(sheet, formats, part):
            column = part.columns[col]
            cut.add(sheet_name, headers.get(column, column), xl_rowcol_to_cell(row, col))


def _write_header(
    sheet: Any, formats: _CellFormats, df: pl.DataFrame, headers: Mapping[str, str]
) -> None:
    for col_index, column in enumerate(df.columns):
        title = headers.get(column, column)
        width = max(_display_width(title), _column_width(df.get_column(column)))
        sheet.set_column(
            col_index,
            col_index,
            min(width + 2, _MAX_WIDTH),
            _column_format(formats, df.schema[column]),
        )
        sheet.write_string(0, col_index, title, formats.header)
    sheet.freeze_panes(1, 0)


def _column_format(formats: _CellFormats, dtype: pl.DataType) -> Any:
    if dtype.is_float():
        return formats.float
    if dtype.is_integer():
        return formats.int
    return None


def _write_body(sheet: Any, formats: _CellFormats, df: pl.DataFrame) -> list[tuple[int, int]]:
    """Row by row, as constant_memory mode requires; nulls stay empty cells. Returns the
    (row, column) of every cell cut to fit."""
    cell_formats = [_column_format(formats, df.schema[c]) for c in df.columns]
    text = df.with_columns(
        pl.col(c).cast(pl.String)
        for c, t in df.schema.items()
        if not (t.is_numeric() or t == pl.Boolean or t == pl.String)
    )
    cut = []
    for row_index, row in enumerate(text.iter_rows(), start=1):
        for col_index, value in enumerate(row):
            if value is None:
                continue
            if _write_cell(sheet, row_index, col_index, value, cell_formats[col_index]):
                cut.append((row_index, col_index))
    return cut


def _write_cell(sheet: Any, row: int, col: int, value: object, fmt: Any) -> bool:
    """Write one typed cell; True when its text had to be cut to Excel's cell limit."""
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        if isinstance(value, float) and (value != value or value in (float("inf"), -float("inf"))):
            sheet.write_string(row, col, str(value))  # Excel has no NaN or infinity
        else:
            sheet.write_number(row, col, value, fmt)
    else:
        text, was_cut = excel_text(str(value))
        sheet.write_string(row, col, text)
        return was_cut
    return False


def _column_width(series: pl.Series) -> int:
    sample = series.head(_WIDTH_SAMPLE).drop_nulls()
    if sample.dtype.is_float():
        sample = sample.round(2)
    return max((_display_width(str(v)) for v in sample.to_list()), default=0)


def _display_width(text: str) -> int:
    """Columns a string takes on screen: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --- monitoring tables: lights as 红/黄/绿/灰 with a cell colour in the workbook -----------

LIGHT_LABELS = {"red": "红", "yellow": "黄", "green": "绿", "grey": "灰"}
"""How a light (red/yellow/green/grey in csv and parquet) is shown in the workbook."""
LIGHT_FILLS = {"red": "#FF9C9C", "yellow": "#FFE699", "green": "#A9D08E", "grey": "#D9D9D9"}
LIGHT_FILLS_BY_LABEL = {LIGHT_LABELS[k]: v for k, v in LIGHT_FILLS.items()}


def _light_labels(frame: pl.DataFrame, lights: frozenset[str]) -> pl.DataFrame:
    """Lights shown as 红/黄/绿/灰 (other values as they are), for the Rust writer."""
    return frame.with_columns(
        pl.col(c).cast(pl.String).replace(LIGHT_LABELS) for c in frame.columns if c in lights
    )


def write_light_tables(
    tables: Mapping[str, pl.DataFrame],
    out_dir: Path,
    formats: Sequence[str],
    headers: Mapping[str, Mapping[str, str]],
    light_columns: frozenset[str],
    metadata: Mapping[str, str] | None = None,
    notes: list[str] | None = None,
) -> list[Path]:
    """`write_tables` for tables holding lights (`jixiao monitor`): csv and parquet as
    they are (`red` …), the workbook with 红/黄/绿/灰 on a cell of the light's colour."""
    written = write_tables(tables, out_dir, [f for f in formats if f != "xlsx"], headers, metadata)
    if "xlsx" not in formats:
        return written
    cut = CutCells()
    if xlsx_writer() == RUST_WRITER:
        _write_fast(tables, out_dir / WORKBOOK_NAME, headers, metadata, cut, light_columns)
        if notes is not None:
            notes.extend(cut.notes(WORKBOOK_NAME))
        return [*written, out_dir / WORKBOOK_NAME]
    with _workbook(out_dir / WORKBOOK_NAME, metadata) as (workbook, formats_):
        fills = {k: workbook.add_format({"bg_color": v}) for k, v in LIGHT_FILLS.items()}
        for name, df in tables.items():
            _write_light_sheets(
                workbook, formats_, fills, name, df, headers.get(name, {}), light_columns, cut
            )
    if notes is not None:
        notes.extend(cut.notes(WORKBOOK_NAME))
    return [*written, out_dir / WORKBOOK_NAME]


def _write_light_sheets(
    workbook: Any,
    formats: _CellFormats,
    fills: Mapping[str, Any],
    name: str,
    df: pl.DataFrame,
    headers: Mapping[str, str],
    light_columns: frozenset[str],
    cut: CutCells,
) -> None:
    lights = {i for i, c in enumerate(df.columns) if c in light_columns}
    for sheet_name, part, note in _sheet_parts(name, df):
        sheet = workbook.add_worksheet(sheet_name)
        _write_header(sheet, formats, df, headers)
        if note:
            sheet.write_comment(0, 0, note)
        cell_formats = [_column_format(formats, df.schema[c]) for c in df.columns]
        for row_index, row in enumerate(part.iter_rows(), start=1):
            for col_index, value in enumerate(row):
                if value is None:
                    continue
                if col_index in lights and value in LIGHT_LABELS:
                    sheet.write_string(row_index, col_index, LIGHT_LABELS[value], fills[value])
                elif _write_cell(sheet, row_index, col_index, value, cell_formats[col_index]):
                    column = part.columns[col_index]
                    cut.add(
                        sheet_name,
                        headers.get(column, column),
                        xl_rowcol_to_cell(row_index, col_index),
                    )
