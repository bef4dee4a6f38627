"""The re-evaluation's files (`jixiao reevaluate`, docs/reevaluation.md): the tables as
csv/parquet, a summary workbook for finance and one workbook per department to send
back, written into the staging folder `api.write_reevaluation` swaps in whole.

Which sheet holds which table is data here (`SUMMARY_SHEETS`, `DEPARTMENT_SHEETS`); the
sheets' headers are the column registry's Chinese headers. The indicator sheets hold
only the rows with a reason (a claim that does not stand); the parquet/csv table holds
every row. Department file names come from `file_names.unique_names`, so no department
name (`../x`, `CON`, NUL, 300 characters, empty) can write outside `departments/` or
overwrite another department's workbook. Same tables, same bytes (write.write_xlsx).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from jixiao.scoring.io.cells import CutCells
from jixiao.scoring.io.file_names import unique_names
from jixiao.scoring.io.write import FORMATS, write_tables, write_xlsx

SUMMARY_WORKBOOK = "reevaluation.xlsx"
DEPARTMENTS_DIR = "departments"

SUMMARY_SHEETS: dict[str, str] = {
    "部门汇总": "reevaluation_departments",
    "项目复核": "reevaluation_projects",
    "指标差异": "reevaluation_indicators",
    "抽查样本": "sample",
    "偏差标记": "flags",
}
"""Sheet of the summary workbook → the table it shows (in this order)."""

DEPARTMENT_SHEETS: dict[str, str] = {
    "项目复核": "reevaluation_projects",
    "指标差异": "reevaluation_indicators",
    "偏差标记": "flags",
}
"""Sheet of a department's workbook → the table it shows, that department's rows only."""

DIFFERENCES_ONLY = frozenset({"reevaluation_indicators"})
"""Tables whose sheets show only the rows with a reason code (the differences)."""


def department_files(departments: Sequence[str | None]) -> dict[str | None, str]:
    """Department → `departments/<safe name>.xlsx` (relative to the output folder)."""
    return {d: f"{DEPARTMENTS_DIR}/{n}" for d, n in unique_names(departments, ".xlsx").items()}


def output_names(
    tables: Mapping[str, object], formats: Sequence[str], departments: Sequence[str | None]
) -> list[str]:
    """Every file (relative path) `write_reevaluation_files` writes for these arguments."""
    names = [f"{name}.{fmt}" for fmt in ("csv", "parquet") if fmt in formats for name in tables]
    if "xlsx" in formats:
        names += [SUMMARY_WORKBOOK, *sorted(department_files(departments).values())]
    return names


def write_reevaluation_files(
    tables: Mapping[str, pl.DataFrame],
    out_dir: Path,
    formats: Sequence[str],
    headers: Mapping[str, Mapping[str, str]],
    metadata: Mapping[str, str] | None = None,
    notes: list[str] | None = None,
) -> list[Path]:
    """Write every table in csv/parquet, and with xlsx the two kinds of workbook;
    returns the files written (paths under `out_dir`), in a stable order."""
    flat = [f for f in formats if f in FORMATS and f != "xlsx"]
    written = write_tables(tables, out_dir, flat, headers, metadata)
    if "xlsx" not in formats:
        return written
    cut = CutCells()
    written.append(_summary(tables, out_dir / SUMMARY_WORKBOOK, headers, metadata, cut))
    found = cut.notes(SUMMARY_WORKBOOK)
    written += _department_workbooks(tables, out_dir, headers, metadata, found)
    if notes is not None:
        notes.extend(found)
    return written


def _summary(
    tables: Mapping[str, pl.DataFrame],
    target: Path,
    headers: Mapping[str, Mapping[str, str]],
    metadata: Mapping[str, str] | None,
    cut: CutCells,
) -> Path:
    sheets = {sheet: _shown(table, tables[table]) for sheet, table in SUMMARY_SHEETS.items()}
    sheet_headers = {sheet: headers.get(table, {}) for sheet, table in SUMMARY_SHEETS.items()}
    return write_xlsx(sheets, target, sheet_headers, metadata, cut)


def _department_workbooks(
    tables: Mapping[str, pl.DataFrame],
    out_dir: Path,
    headers: Mapping[str, Mapping[str, str]],
    metadata: Mapping[str, str] | None,
    notes: list[str],
) -> list[Path]:
    departments = tables["reevaluation_projects"]["department"].unique().to_list()
    files = department_files(departments)
    (out_dir / DEPARTMENTS_DIR).mkdir(exist_ok=True)
    sheet_headers = {sheet: headers.get(table, {}) for sheet, table in DEPARTMENT_SHEETS.items()}
    written = []
    for department, name in sorted(files.items(), key=lambda item: item[1]):
        sheets = {
            sheet: _shown(table, _of(tables[table], department))
            for sheet, table in DEPARTMENT_SHEETS.items()
        }
        cut = CutCells()
        written.append(write_xlsx(sheets, out_dir / name, sheet_headers, metadata, cut))
        notes.extend(cut.notes(name))
    return written


def _of(frame: pl.DataFrame, department: str | None) -> pl.DataFrame:
    column = pl.col("department")
    return frame.filter(column.is_null() if department is None else column == department)


def _shown(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    if table in DIFFERENCES_ONLY and "reason_code" in frame.columns:
        return frame.filter(pl.col("reason_code").is_not_null())
    return frame
