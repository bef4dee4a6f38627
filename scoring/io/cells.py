"""What a spreadsheet would do to a text cell we write, and how to stop it.

CSV: Excel and WPS run a cell that starts with `=`, `+`, `-` or `@` as a formula (a
tab or carriage return first is the same attack with a hidden lead), so a project
named `=HYPERLINK(…)` in an input becomes a live link, or worse, in rejects.csv. Such
text cells get a leading apostrophe (the usual neutralisation; OWASP "CSV injection"),
which the spreadsheet shows as text. Number columns are never touched, and neither is
a text cell that is exactly a number (`-5`, `+3.5`, `-12%`, `-1,000`): a spreadsheet reads
it as that number, not as a formula, and a reader of the csv should see it as written.

xlsx: cells are typed, so text never becomes a formula (the writer stores strings as
strings), but a cell holds at most 32,767 characters: a longer text is cut, visibly,
and the run says where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

FORMULA_START = r"^(?:[\t\r]|\s*[=+\-@])"
"""A text that a spreadsheet may run as a formula (leading blanks are skipped by some)."""
PLAIN_NUMBER = r"^ *[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?%? *$"
"""A text that a spreadsheet reads as a number: left as written."""
_HAS_DIGIT = "[0-9]"
EXCEL_MAX_CHARS = 32_767
"""Characters a cell holds (Excel specifications and limits), counted in UTF-16 units."""


def _text_dtype(dtype: pl.DataType) -> bool:
    return dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)


def neutralise(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Every text cell that could run as a formula gets a leading `'`; numbers untouched."""
    schema = frame.collect_schema()
    texts = [name for name, dtype in schema.items() if _text_dtype(dtype)]
    return frame.with_columns(safe_text(pl.col(name).cast(pl.String)).alias(name) for name in texts)


def safe_text(text: pl.Expr) -> pl.Expr:
    """`'` + text where the text could run as a formula and is not a plain number."""
    number = text.str.contains(PLAIN_NUMBER) & text.str.contains(_HAS_DIGIT)
    risky = text.str.contains(FORMULA_START) & ~number
    return pl.when(risky).then(pl.lit("'") + text).otherwise(text)


def utf16_length(text: str) -> int:
    """Length as Excel counts it: characters outside the BMP take two units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def cut_marker(length: int) -> str:
    return (
        f"…[cut: {length:,} characters, more than Excel's {EXCEL_MAX_CHARS:,}; "
        "the csv and parquet outputs hold the whole text]"
    )


def excel_text(text: str) -> tuple[str, bool]:
    """The text as one cell can hold it, and whether it had to be cut (marked at the end)."""
    if len(text) <= EXCEL_MAX_CHARS // 2 or utf16_length(text) <= EXCEL_MAX_CHARS:
        return text, False
    marker = cut_marker(utf16_length(text))
    room = EXCEL_MAX_CHARS - utf16_length(marker)
    units = 0
    for index, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > room:
            return text[:index] + marker, True
    return text, False  # pragma: no cover - the length test above rules this out


@dataclass
class CutCells:
    """Cells cut to fit Excel, by sheet and column: `results.xlsx: rejects!H2 (text) …`."""

    cells: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, sheet: str, column: str, cell: str) -> None:
        self.cells.setdefault((sheet, column), []).append(cell)

    def notes(self, workbook: str) -> list[str]:
        out = []
        for (sheet, column), cells in self.cells.items():
            where = ", ".join(f"{sheet}!{c}" for c in cells[:5])
            more = f" and {len(cells) - 5} more" if len(cells) > 5 else ""
            out.append(
                f"{workbook}: {len(cells)} cell(s) of column {column} ({where}{more}) held more "
                f"than Excel's {EXCEL_MAX_CHARS:,} characters and are cut, marked at the end; "
                "the csv and parquet outputs hold the whole text"
            )
        return out
