"""Where the records of a CSV begin and end, and which physical lines break the quoting.

Polars parses the cells; this pass only finds what Polars cannot say: the line a broken
quote starts on. A quote left open runs on until the next quote character, swallowing
every line between into one cell (rows lost without a word), or to the end of the file.
A record is taken for a broken quote when

- its quoted cell is still open at the end of the file;
- text follows a closing quote in the same cell (`"ab"c`), or a quote sits inside a
  cell that did not start with one (`ab"c`): RFC 4180 allows neither;
- its quoted cell runs over more than `MAX_CELL_LINES` lines, or a line inside it holds
  as many delimiters as a whole row (those are rows, not a paragraph of one cell);
- it ends up with more cells than any single-line record before it (below the first
  `HEADER_SCAN_ROWS` lines, where a narrow title and a header with line breaks sit).

The last three are judgements: a cell that really holds a row's worth of commas on one
of its lines, or more than `MAX_CELL_LINES` lines, is taken for a broken quote too.

The start line of such a record is reported and the lines after it are read again as
records of their own, so one stray quote costs one row (rejected with its line number),
never the rows after it. Lines are counted as an editor counts them (`\\n`).
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from jixiao.scoring.io.headers import HEADER_SCAN_ROWS, column_letter

MAX_CELL_LINES = 20
"""A quoted cell over more lines than this is taken for a quote left open."""

_QUOTE = ord('"')
_BLOCK = 1 << 20


@dataclass
class Records:
    """What the pass found: cells in the widest good record, whether any good record
    spans lines, how many lines, and the broken lines (line → (reason, line text))."""

    width: int = 1
    multiline: bool = False
    lines: int = 0
    broken: dict[int, tuple[str, str]] = field(default_factory=dict)


class _Broken(Exception):
    """A record breaks the quoting; `reason` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Open:
    """The record being read: its lines so far, cells so far, open quote's column."""

    start: int
    lines: list[bytes]
    cells: int
    quote_cell: int


def scan_records(source: Path | bytes, delimiter: bytes, *, exact: bool = False) -> Records:
    """The records of a file (or of UTF-8 bytes), read in blocks of whole lines."""
    scanner = RecordScanner(delimiter, exact=exact)
    for block in _blocks(source):
        scanner.feed_block(block)
    return scanner.finish()


def _blocks(source: Path | bytes) -> Iterator[bytes]:
    """Blocks of whole lines (the last may lack its newline), without a leading BOM."""
    with open(source, "rb") if isinstance(source, Path) else io.BytesIO(source) as fh:
        rest = fh.read(len(codecs.BOM_UTF8)).removeprefix(codecs.BOM_UTF8)
        for chunk in iter(lambda: fh.read(_BLOCK), b""):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if cut:
                yield data[:cut]
            rest = data[cut:]
        if rest:
            yield rest


class RecordScanner:
    """Feed physical lines (bytes, `\\n` kept or not) in order, then `finish()`."""

    def __init__(self, delimiter: bytes, *, exact: bool = False) -> None:
        self.sep = delimiter
        self.exact = exact
        d = re.escape(delimiter)
        field_ = rb'(?:"[^"\n]*(?:""[^"\n]*)*"|[^"\n' + d + rb"]*)"
        line_ = field_ + rb"(?:" + d + field_ + rb")*"
        self._whole = re.compile(line_)  # a line whose quoted cells all close on it
        # A quote with neither a cell edge nor another quote beside it: inside a cell.
        self._stray = re.compile(rb'"(?<=[^"\n' + d + rb']")(?=[^"\r\n' + d + rb"])")
        self._block = re.compile(rb"(?:" + line_ + rb"\r?\n)*(?:" + line_ + rb"\r?)?")
        self.found = Records()
        self._open: _Open | None = None
        self._single_width = 0  # widest single-line record so far

    def feed_block(self, block: bytes) -> None:
        """Many whole lines at once: checked by one regular expression when no record is
        open, so a million-line file costs C loops, not a Python loop per line."""
        lines = block.split(b"\n")
        if block.endswith(b"\n"):
            lines.pop()
        if self._open is None and (b'"' not in block or self._fast(block, lines)):
            outside = lines if b'"' not in block else b"".join(block.split(b'"')[0::2]).split(b"\n")
            widest = max(map(bytes.count, outside, repeat(self.sep)), default=0) + 1
            self.found.lines += len(lines)
            self._done(self.found.lines, widest, single=True)
            return
        for line in lines:
            self.feed(line)

    def _fast(self, block: bytes, lines: list[bytes]) -> bool:
        """Whether the block's quoted cells all close on their line: checked by parity and
        the absence of a quote inside a cell (`exact` off; should Polars still refuse the
        file, the caller scans again with `exact`), or by a full regular expression."""
        if self.exact:
            return self._block.fullmatch(block) is not None
        if self._stray.search(block):
            return False
        return not any(n & 1 for n in map(bytes.count, lines, repeat(b'"')))

    def feed_all(self, lines: Iterable[bytes]) -> Records:
        for line in lines:
            self.feed(line)
        return self.finish()

    def feed(self, raw: bytes) -> None:
        self.found.lines += 1
        self._take(self.found.lines, raw.rstrip(b"\n").rstrip(b"\r"))

    def finish(self) -> Records:
        while self._open is not None:
            record = self._open
            self._fail(
                record,
                f"a quote opened in column {column_letter(record.quote_cell)} is "
                "never closed: it runs to the end of the file",
            )
        return self.found

    def _take(self, number: int, line: bytes) -> None:
        record = self._open
        if record is None:
            if _QUOTE not in line:  # the common case: no quoting on this line
                self._done(number, line.count(self.sep) + 1, single=True)
                return
            if self._whole.fullmatch(line):  # quoted cells, all closed: count outside quotes
                outside = b"".join(line.split(b'"')[0::2])
                self._done(number, outside.count(self.sep) + 1, single=True)
                return
            record = _Open(number, [], 0, 0)
        record.lines.append(line)
        try:
            closed = self._cells(record, line, continuing=self._open is not None)
        except _Broken as exc:
            self._fail(record, exc.reason)
            return
        quote = f"a quote opened in column {column_letter(record.quote_cell)}"
        if len(record.lines) > MAX_CELL_LINES:
            self._fail(record, f"{quote} runs over more than {MAX_CELL_LINES} lines: close it")
            return
        if not closed:
            self._open = record
            return
        self._open = None
        single = len(record.lines) == 1
        if not single and self._wider(record):
            self._fail(
                record,
                f"{quote} runs over {len(record.lines)} lines into a record of "
                f"{record.cells} cells (rows have {self._single_width})",
            )
            return
        self._done(record.start, record.cells, single=single)

    def _wider(self, record: _Open) -> bool:
        """More cells than any one-line row: lines swallowed. Not judged in the first
        rows, where a title row is narrow and a header may break its cells over lines."""
        return record.start > HEADER_SCAN_ROWS and 0 < self._single_width < record.cells

    def _done(self, start: int, cells: int, *, single: bool) -> None:
        self.found.width = max(self.found.width, cells)
        if single:
            self._single_width = max(self._single_width, cells)
        else:
            self.found.multiline = True

    def _fail(self, record: _Open, reason: str) -> None:
        """Report the record's first line; read the lines after it again, afresh."""
        self._open = None
        self.found.broken[record.start] = (reason, record.lines[0].decode("utf-8", "replace"))
        for offset, line in enumerate(record.lines[1:], start=1):
            self._take(record.start + offset, line)

    def _cells(self, record: _Open, line: bytes, *, continuing: bool) -> bool:
        """Count the line's cells into `record`; False while a quoted cell stays open."""
        i, n, sep = 0, len(line), self.sep
        if continuing:
            i = self._quoted(record, line, 0)
            if i < 0:
                return False
            if i >= n:
                record.cells += 1
                return True
        while True:
            if i < n and line[i] == _QUOTE:
                record.quote_cell = record.cells
                i = self._quoted(record, line, i + 1)
                if i < 0:
                    return False
                if i >= n:
                    record.cells += 1
                    return True
                continue
            j = line.find(sep, i)
            end = n if j < 0 else j
            if line.find(b'"', i, end) >= 0:
                raise _Broken(
                    f"a quote inside column {column_letter(record.cells)}, whose cell "
                    "does not start with one: quote the whole cell and double "
                    'the quote inside ("")'
                )
            record.cells += 1
            if j < 0:
                return True
            i = j + 1

    def _quoted(self, record: _Open, line: bytes, i: int) -> int:
        """From inside a quoted cell: the index after its closing quote and the delimiter
        that follows (n at the line's end), or -1 when the cell goes on to the next line."""
        n = len(line)
        while True:
            j = line.find(b'"', i)
            if j < 0:
                self._check_inner(record, line[i:])
                return -1
            if j + 1 < n and line[j + 1] == _QUOTE:
                i = j + 2
                continue
            if j + 1 == n:
                return n
            if line[j + 1 : j + 1 + len(self.sep)] == self.sep:
                record.cells += 1
                return j + 1 + len(self.sep)
            raise _Broken(
                f"text after the closing quote in column {column_letter(record.cells)} "
                f"(…{_snippet(line, j)}…)"
            )

    def _check_inner(self, record: _Open, text: bytes) -> None:
        """A line inside a quoted cell with a whole row's delimiters is a row."""
        if self._single_width > 2 and text.count(self.sep) >= self._single_width - 1:
            raise _Broken(
                f"a quote opened in column {column_letter(record.quote_cell)} swallows "
                "the next lines, which look like rows: close it"
            )


def _snippet(line: bytes, at: int) -> str:
    return line[max(at - 8, 0) : at + 9].decode("utf-8", "replace")
