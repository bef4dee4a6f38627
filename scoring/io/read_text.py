"""CSV and TSV files → a lazy grid of text, parsed by Polars (not Python's `csv`).

A UTF-8 file is scanned where it lies, so a million-row CSV is never held as Python
lists; a file in another encoding (GBK from older Excel, UTF-16 "Unicode text", Big5)
is transcoded to UTF-8 in memory first, since Polars reads UTF-8 only. One pass over
the lines (`text_records`) finds the records and any line that breaks the quoting;
such a line is replaced by a marker row (same line count, so every other row keeps its
line number) and rejected with the reason, and Polars parses the rest strictly. Every
cell stays the text the user wrote; row numbers are the editor's line numbers, also
when a quoted cell spans lines.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from jixiao.scoring.io.headers import HEADER_SCAN_ROWS
from jixiao.scoring.io.text_encoding import NOTES, detect_encoding
from jixiao.scoring.io.text_records import Records, scan_records

__all__ = ["BROKEN_MARK", "HEADER_SCAN_ROWS", "TextScan", "detect_encoding", "scan_text"]

BROKEN_MARK = "\x1fjixiao:broken-line\x1f"  # cell c0 of a line that breaks the quoting
_HEAD_BYTES = 1 << 16  # enough of the file to see its delimiter
_CHUNK = 1 << 20


@dataclass
class TextScan:
    """A lazy grid (String columns c0…cN and `_row`), its encoding, the broken lines
    (line → (reason, the line's text)) and notes for the run's sources."""

    body: pl.LazyFrame
    encoding: str
    broken: dict[int, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _is_utf8(path: Path) -> bool:
    """Whether the whole file is strict UTF-8, decoded in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _delimiter(head: str, suffix: str) -> str:
    """Tab for .tsv, or when the first lines hold tabs and no commas; else comma."""
    if suffix == ".tsv":
        return "\t"
    lines = "\n".join(head.splitlines()[:HEADER_SCAN_ROWS])
    return "\t" if "\t" in lines and "," not in lines else ","


def _lines(source: Path | bytes) -> Iterator[bytes]:
    """Physical lines, the UTF-8 BOM left off the first (a quote may follow it)."""
    with open(source, "rb") if isinstance(source, Path) else io.BytesIO(source) as fh:
        first = True
        for line in fh:
            yield line.removeprefix(codecs.BOM_UTF8) if first else line
            first = False


def _decoded(path: Path, file: str) -> tuple[bytes | None, str, str]:
    """(UTF-8 bytes when transcoded, else None; the encoding; the head as text)."""
    with open(path, "rb") as fh:
        head_bytes = fh.read(_HEAD_BYTES)
    odd = b"\x00" in head_bytes or head_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not odd and _is_utf8(path):
        encoding = "utf-8-sig" if head_bytes.startswith(codecs.BOM_UTF8) else "utf-8"
        return None, encoding, head_bytes.decode("utf-8-sig", errors="ignore")
    data = path.read_bytes()
    encoding = detect_encoding(data, file)
    text = data.decode(encoding).removeprefix("\ufeff")
    return text.encode("utf-8"), encoding, text[:_HEAD_BYTES]


def _without_broken(source: Path | bytes, broken: dict[int, tuple[str, str]]) -> bytes:
    """The file with each broken line replaced by the marker row (line count kept)."""
    out = io.BytesIO()
    mark = f"{BROKEN_MARK}\n".encode()
    for number, line in enumerate(_lines(source), start=1):
        out.write(mark if number in broken else line)
    return out.getvalue()


def scan_text(path: Path, file: str, *, exact: bool = False) -> TextScan:
    """The file as a lazy grid; broken lines are marked, not parsed. With `exact`, every
    line with a quote is checked cell by cell (see `RecordScanner`): for a file Polars
    refused after the quick pass."""
    utf8, encoding, head = _decoded(path, file)
    notes = [f"{file}: {NOTES[encoding]}"] if encoding in NOTES else []
    if "\r" in head and "\n" not in head:  # "CSV (Macintosh)": lines end in CR alone
        utf8 = (utf8 if utf8 is not None else path.read_bytes()).replace(b"\r", b"\n")
        head = head.replace("\r", "\n")
        notes.append(f"{file}: lines end in CR alone (classic Mac); read as lines")
    delimiter = _delimiter(head, path.suffix.lower())
    found = scan_records(utf8 if utf8 is not None else path, delimiter.encode(), exact=exact)
    source: Path | io.BytesIO = path if utf8 is None else io.BytesIO(utf8)
    if found.broken:
        source = io.BytesIO(_without_broken(utf8 if utf8 is not None else path, found.broken))
    cells = [f"c{j}" for j in range(found.width)]
    body = pl.scan_csv(
        source,
        has_header=False,
        separator=delimiter,
        schema=dict.fromkeys(cells, pl.String),
        missing_columns="insert",
    )
    notes += [_broken_note(file, found)] if found.broken else []
    return TextScan(_with_lines(body, cells, found.multiline), encoding, found.broken, notes)


def _broken_note(file: str, found: Records) -> str:
    lines = sorted(found.broken)
    shown = ", ".join(str(n) for n in lines[:5]) + (" …" if len(lines) > 5 else "")
    return f"{file}: {len(lines)} line(s) break the CSV quoting and are rejected (line {shown})"


def _with_lines(body: pl.LazyFrame, cells: list[str], multiline: bool) -> pl.LazyFrame:
    """`_row`: the line a record starts on; a quoted cell with line breaks takes several."""
    if not multiline:
        return body.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    breaks = pl.sum_horizontal(
        pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in cells
    ).cast(pl.Int64)
    return body.with_columns(_row=(1 + breaks).cum_sum() - breaks)


def broken_reason(broken: dict[int, tuple[str, str]], first_cell: str) -> pl.Expr:
    """The reason a line breaking the CSV quoting is rejected (null on other rows)."""
    if not broken:
        return pl.lit(None, pl.String)
    reasons = {n: f"broken CSV quoting on this line: {why}" for n, (why, _) in broken.items()}
    return pl.when(pl.col(first_cell) == BROKEN_MARK).then(
        pl.col("_row").replace_strict(reasons, default=None, return_dtype=pl.String)
    )


def broken_text(broken: dict[int, tuple[str, str]], limit: int) -> pl.Expr:
    """The broken line as written (its first `limit` characters), for the reject's text."""
    if not broken:
        return pl.lit(None, pl.String)
    texts = {n: text[:limit] for n, (_, text) in broken.items()}
    return pl.col("_row").replace_strict(texts, default=None, return_dtype=pl.String)
