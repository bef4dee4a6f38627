"""One worksheet part → a grid of display text, streamed with defusedxml's iterparse.

Each cell becomes the text the person sees (convention 1 of issue 8): a shared or
inline string as written, a number through its number format (`95%`, `2025-03-01`,
`1.23456789012346E+17`), an error as Excel shows it (`#N/A`), TRUE/FALSE, and a formula
with no computed value as its formula text (`=SUM(B2:B4)`), so that the value parsers
can say why a cell is unreadable instead of calling it blank.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import polars as pl

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.xlsx_format import GENERAL, display, iso_date_cell
from jixiao.scoring.io.xlsx_package import Package, rich_text
from jixiao.scoring.io.xlsx_xml import local

Merge = tuple[int, int, int, int]
"""0-based (first row, first col, last row, last col) of a merged range."""

MAX_CELLS = 30_000_000
"""Rows × columns of a sheet's grid: a stray value in XFD1048576 must not allocate 17e9."""

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@dataclass
class SheetCells:
    """The non-empty cells of a sheet (0-based) and its merged ranges."""

    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    uncomputed: int = 0  # formula cells given as their formula text


def col_index(letters: str) -> int:
    """`A` → 0, `AB` → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


_COLUMNS: dict[str, int] = {}
_DIGITS = "0123456789"


def parse_ref(ref: str) -> tuple[int, int] | None:
    """`B5` → (4, 1), 0-based row and column (`$B$5` too)."""
    ref = ref.strip().replace("$", "")
    letters = ref.rstrip(_DIGITS)
    col = _COLUMNS.get(letters)
    if col is None:
        if not _REF.match(ref):
            return None
        col = _COLUMNS[letters] = col_index(letters)  # at most 3 letters: bounded
    digits = ref[len(letters) :]
    if not digits.isdigit() or len(digits) > 7:
        return None
    return int(digits) - 1, col


class _SheetReader:
    """Streams a sheet part; element names are compared in the part's own namespace
    (transitional or strict, found on the first row), a sheet holding millions of them."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self.shared_formulas: dict[str, str] = {}
        self.out = SheetCells()
        self.ns = ""

    def read(self, part: str) -> SheetCells:
        row_no = -1
        for _, elem in self.package.iterparse(part, ("end",)):
            tag = elem.tag
            if tag.endswith("row") and local(tag) == "row":
                self.ns = tag[:-3]
                row_no = _int(elem.get("r"), row_no + 2) - 1
                self._row(elem, row_no)
                elem.clear()
            elif tag.endswith("mergeCell") and local(tag) == "mergeCell":
                self._merge(elem.get("ref") or "")
            elif tag.endswith("sheetData") and local(tag) == "sheetData":
                elem.clear()
        return self.out

    def _row(self, row: Element, row_no: int) -> None:
        col = -1
        c_tag = self.ns + "c"
        rows, cols, texts = self.out.rows, self.out.cols, self.out.texts
        for cell in row:
            if cell.tag != c_tag:
                continue
            ref = cell.get("r")
            where = parse_ref(ref) if ref else None
            col = where[1] if where else col + 1
            text = self._text(cell)
            if text:
                rows.append(where[0] if where else row_no)
                cols.append(col)
                texts.append(text)

    def _text(self, cell: Element) -> str | None:
        kind = cell.get("t") or "n"
        value: str | None = None
        formula: Element | None = None
        inline: str | None = None
        ns = self.ns
        for child in cell:
            tag = child.tag
            if tag == ns + "v":
                value = child.text or ""
            elif tag == ns + "f":
                formula = child
            elif tag == ns + "is":
                inline = rich_text(child)
        if formula is not None:
            if self.package.stale_formulas or value is None or (value == "" and kind != "str"):
                self.out.uncomputed += 1
                return f"={self._formula_text(formula)}"
            if formula.text and formula.get("t") == "shared":
                self._formula_text(formula)  # remember the text for the cells that share it
            if value == "":
                return None  # a text formula that computed "" (=IF(A1="","",…)) shows blank
        if kind == "inlineStr":
            return inline if inline is not None else value
        if value is None:
            return None
        if kind == "n":
            return self._number(value, cell)
        if kind == "s":
            return self._shared(value) if value.strip() else None
        if kind == "b":
            return "TRUE" if value.strip() in ("1", "true") else "FALSE"
        if kind == "d":
            return iso_date_cell(value)
        return value  # e (an error as Excel shows it), str (a formula's text result)

    def _formula_text(self, formula: Element) -> str:
        """The formula as written; a shared formula's followers carry only its index."""
        text = formula.text or ""
        index = formula.get("si")
        if formula.get("t") == "shared" and index is not None:
            if text:
                self.shared_formulas[index] = text
            else:
                text = self.shared_formulas.get(index, "")
        return text or "(formula)"

    def _shared(self, value: str) -> str:
        try:
            return self.package.shared[int(value)]
        except (ValueError, IndexError):
            raise InputError(
                f"{self.package.file}: cannot read as an Excel workbook: a cell refers to "
                f"shared string {value!r}, which the workbook does not hold"
            ) from None

    def _number(self, value: str, cell: Element) -> str:
        try:
            number = float(value)
        except ValueError:
            return value  # a writer that put text in a number cell: show it as written
        if not math.isfinite(number):
            return value
        formats = self.package.formats
        style = _int(cell.get("s"), 0)
        fmt = formats[style] if 0 <= style < len(formats) else GENERAL
        return display(number, fmt, self.package.date1904)

    def _merge(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        a, b = parse_ref(first), parse_ref(last or first)
        if a and b:
            self.out.merges.append((a[0], a[1], b[0], b[1]))


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def read_sheet(package: Package, part: str) -> SheetCells:
    return _SheetReader(package).read(part)


def to_frame(cells: SheetCells, file: str, sheet: str) -> pl.DataFrame:
    """String columns c0… (c0 is column A) and `_row` (1-based, Excel's numbering)."""
    height = max(cells.rows, default=-1) + 1
    width = max(cells.cols, default=-1) + 1
    if height * width > MAX_CELLS:
        raise InputError(
            f"{file}: sheet {sheet!r} has values as far as row {height}, column {width}: "
            f"{height * width:,} cells, more than the {MAX_CELLS:,} read from one sheet; "
            "delete the stray cells far from the table"
        )
    columns: dict[int, list[str | None]] = {}
    for r, c, text in zip(cells.rows, cells.cols, cells.texts, strict=True):
        column = columns.get(c)
        if column is None:
            column = columns[c] = [None] * height
        column[r] = text
    frame = pl.DataFrame(
        [
            pl.Series(f"c{j}", columns[j], dtype=pl.String)
            if j in columns
            else pl.repeat(None, height, dtype=pl.String, eager=True).alias(f"c{j}")
            for j in range(width)
        ]
    )
    return frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
