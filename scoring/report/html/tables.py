"""Sortable HTML tables of the top rows (the full tables stay in xlsx/parquet).

Every cell carries its value in `data-v` (numbers as written by Python, so sorting is
numeric and a test can compare a cell with the results table exactly); the header row's
buttons sort with a few lines of inline JavaScript (`page.SORT_JS`), no framework.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from jixiao.scoring.report.html.aggregate import LIGHT_LABELS

NUMERIC = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


def number_text(value: float | int) -> str:
    """A number as people read it: thousands separated, at most 6 decimals, no trailing 0."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    if math.isnan(value) or math.isinf(value):
        return "—"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def cell_text(value: Any, column: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return number_text(value)
    text = str(value)
    if column.endswith("light") and text in LIGHT_LABELS:
        return LIGHT_LABELS[text]
    return text


def table(
    frame: pl.DataFrame,
    headers: Mapping[str, str],
    table_id: str,
    caption: str,
    *,
    total_rows: int | None = None,
) -> str:
    """One sortable table; `total_rows` (when more than shown) is said in the caption."""
    cols = [c for c in frame.columns if c in headers] or frame.columns
    numeric = {c for c in cols if frame.schema[c].is_numeric()}
    shown = frame.height
    more = (
        f"（显示前 {shown:,} 行，共 {total_rows:,} 行，完整数据见 xlsx/parquet）"
        if total_rows is not None and total_rows > shown
        else f"（{shown:,} 行）"
    )
    out = [
        f'<table class="sortable" id="{html.escape(table_id)}">',
        f"<caption>{html.escape(caption)}{html.escape(more)}</caption>",
        "<thead><tr>",
    ]
    for c in cols:
        kind = "num" if c in numeric else "text"
        label = html.escape(headers.get(c, c))
        out.append(
            f'<th data-col="{html.escape(c)}" data-type="{kind}" aria-sort="none">'
            f'<button type="button">{label}</button></th>'
        )
    out.append("</tr></thead><tbody>")
    for row in frame.select(cols).iter_rows():
        cells = []
        for c, value in zip(cols, row, strict=True):
            raw = "" if value is None else _raw(value)
            cls = ' class="num"' if c in numeric else ""
            cells.append(
                f'<td{cls} data-v="{html.escape(raw)}">{html.escape(cell_text(value, c))}</td>'
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _raw(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def pick(frame: pl.DataFrame, wanted: Sequence[str]) -> pl.DataFrame:
    """The wanted columns the frame has, in the wanted order."""
    return frame.select([c for c in wanted if c in frame.columns])
