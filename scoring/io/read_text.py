"""CSV and TSV files → a lazy grid of text, scanned by Polars (not Python's `csv`).

A UTF-8 file is scanned where it lies, so a million-row CSV is never held as Python
lists; a file in another encoding (GBK from older Excel, UTF-16 "Unicode text") is
transcoded to UTF-8 in memory first, since Polars reads UTF-8 only. Every cell stays the
text the user wrote; row numbers are the editor's line numbers, also when a quoted cell
spans lines.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import InputError

HEADER_SCAN_ROWS = 10  # a title row or two may sit above the header
_HEAD_BYTES = 1 << 16  # enough of the file to see its delimiter and width
_CHUNK = 1 << 20


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


def _utf8_file(path: Path) -> tuple[bool, bool]:
    """(whether the file is strict UTF-8, whether it holds a quote character), in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    quoted = False
    with open(path, "rb") as fh:
        try:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                decoder.decode(chunk)
                quoted = quoted or b'"' in chunk
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, quoted
    return True, quoted


def _delimiter(head: str, suffix: str) -> str:
    """Tab for .tsv, or when the first lines hold tabs and no commas; else comma."""
    if suffix == ".tsv":
        return "\t"
    lines = "\n".join(head.splitlines()[:HEADER_SCAN_ROWS])
    return "\t" if "\t" in lines and "," not in lines else ","


def _width(head: str, delimiter: str, complete: bool) -> int:
    """Most cells in a record of the file's head (its last, cut line left out)."""
    if not complete:
        head = head[: head.rfind("\n") + 1]
    width = 0
    try:
        for record in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter):
            width = max(width, len(record))
    except csv.Error:
        pass  # a quoted cell cut by the head's end; the records before it count
    return max(width, 1)


def scan_text(path: Path, file: str) -> tuple[pl.LazyFrame, str]:
    """A lazy grid (String columns c0…cN and `_row`) and the encoding it was read in."""
    with open(path, "rb") as fh:
        head_bytes = fh.read(_HEAD_BYTES)
        complete = not fh.read(1)
    source: Path | io.BytesIO = path
    is_utf8, quoted = _utf8_file(path)
    encoding = "utf-8-sig" if head_bytes.startswith(codecs.BOM_UTF8) else "utf-8"
    if head_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not is_utf8:
        data = path.read_bytes()
        encoding = detect_encoding(data, file)
        text = data.decode(encoding)
        source, quoted = io.BytesIO(text.encode("utf-8")), '"' in text
        head = text[:_HEAD_BYTES]
    else:
        head = head_bytes.decode("utf-8-sig", errors="ignore")
    delimiter = _delimiter(head, path.suffix.lower())
    width = _width(head, delimiter, complete)
    cells = [f"c{j}" for j in range(width)]
    body = pl.scan_csv(
        source,
        has_header=False,
        separator=delimiter,
        schema=dict.fromkeys(cells, pl.String),
        missing_columns="insert",
    )
    return _with_lines(body, cells, quoted), encoding


def _with_lines(body: pl.LazyFrame, cells: list[str], quoted: bool) -> pl.LazyFrame:
    """`_row`: the line a record starts on; a quoted cell with line breaks takes several."""
    if not quoted:
        return body.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    breaks = pl.sum_horizontal(
        pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in cells
    ).cast(pl.Int64)
    return body.with_columns(_row=(1 + breaks).cum_sum() - breaks)
