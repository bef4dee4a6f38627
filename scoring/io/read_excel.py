"""Workbooks → grids of text, blank rows kept so that row numbers stay Excel's.

Workbooks are small (people fill them in by hand), so they are read eagerly; merged
cells are filled from the workbook's XML because calamine does not report them.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import InputError

Merge = tuple[int, int, int, int]
"""0-based (first row, first col, last row, last col) of a merged range."""

_MERGE = re.compile(r'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_SHEET = re.compile(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')


def read_excel_sheets(path: Path, file: str) -> list[tuple[str, pl.DataFrame]]:
    """Every sheet as String columns c0…cN plus `_row` (1-based, Excel's numbering).

    fastexcel is the calamine engine behind pl.read_excel; it is called directly because
    pl.read_excel drops blank rows, which would shift every row number after them.
    """
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        sheets = []
        merges = merged_ranges(path)
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            raw = sheet.to_polars()
            columns = sheet.available_columns()
            first_col = columns[0].absolute_index if columns else 0
            raw = _fill_merged(raw, merges.get(name, []), first_col)
            frame = raw.rename({c: f"c{j}" for j, c in enumerate(raw.columns)})
            frame = frame.with_row_index("_row", offset=1)
            sheets.append((name, frame.with_columns(pl.col("_row").cast(pl.Int64))))
    except Exception as exc:  # fastexcel raises its own hierarchy for broken files
        raise InputError(f"{file}: cannot read as an Excel workbook: {exc}") from exc
    return sheets


def _col_index(letters: str) -> int:
    """`A` → 0, `AB` → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def merged_ranges(path: Path) -> dict[str, list[Merge]]:
    """Merged cell ranges per sheet name.

    Templates merge the 一级指标/二级指标 cells of a block of indicator rows; the value
    sits in the top cell only. A workbook whose parts cannot be read this way has none.
    """
    try:
        with zipfile.ZipFile(path) as z:
            rels = dict(_REL.findall(z.read("xl/_rels/workbook.xml.rels").decode("utf-8")))
            out: dict[str, list[Merge]] = {}
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


def _fill_merged(raw: pl.DataFrame, ranges: list[Merge], first_col: int) -> pl.DataFrame:
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
