"""Write transcribed forms as .xlsx: rows of cells and merged ranges (`A5:A9`), as the
published table shows them (merged cells hold their value in the top-left cell only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook


@dataclass
class Sheet:
    """One transcribed sheet: its rows and merged ranges."""

    rows: list[list[Any]]
    merges: list[str] = field(default_factory=list)


def build(path: Path, sheets: dict[str, Sheet]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, sheet in sheets.items():
        ws = book.create_sheet(name)
        for row in sheet.rows:
            ws.append(row)
        for merged in sheet.merges:
            ws.merge_cells(merged)
    book.save(path)
    return path
