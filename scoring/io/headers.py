"""Which table a sheet holds, and which of its columns mean which canonical column.

The header is found among the first rows (a title row or two may sit above it) as the
row that names most of a table's columns; a sheet is matched to a table by its headers
first and by its name second.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jixiao.scoring.errors import InputError, did_you_mean
from jixiao.scoring.io.tablespec import TableSpec, normalize_header

Row = Sequence[str | None]

HEADER_SCAN_ROWS = 10  # a title row or two may sit above the header


def where(file: str, sheet: str | None, row: int | None = None) -> str:
    """`a.xlsx, sheet 指标, row 3`: how every input error starts."""
    parts = [file] + ([f"sheet {sheet!r}"] if sheet is not None else [])
    return ", ".join(parts + ([f"row {row}"] if row is not None else []))


def column_letter(index: int) -> str:
    """0 → A, 26 → AA: users find columns by letter in Excel."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass
class Match:
    """Headers of one row read against one spec."""

    spec: TableSpec
    header_index: int  # index into the grid's rows; -1 when headers were given
    headers: list[str | None]
    mapping: dict[int, str]  # column position → canonical name

    @property
    def complete(self) -> bool:
        return all(c.name in self.mapping.values() for c in self.spec.required)


def _match_row(spec: TableSpec, headers: Row, index: int) -> Match:
    mapping: dict[int, str] = {}
    for j, header in enumerate(headers):
        canonical = spec.match(header) if header else None
        if canonical is not None:
            mapping[j] = canonical
    return Match(spec, index, list(headers), mapping)


def best_match(spec: TableSpec, head: Sequence[Row], given: Row | None) -> Match:
    """The row among the first few that names the most of this table's columns."""
    if given is not None:
        return _match_row(spec, given, -1)
    candidates = [_match_row(spec, row, i) for i, row in enumerate(head)]
    best = max(candidates, key=lambda m: len(set(m.mapping.values())), default=None)
    return best if best is not None else _match_row(spec, [], 0)


def _missing_message(match: Match, file: str, sheet: str | None, scanned: int) -> str:
    spec = match.spec
    missing = [c for c in spec.required if c.name not in match.mapping.values()]
    unmatched = [h for j, h in enumerate(match.headers) if h and j not in match.mapping]
    hints = [h for c in missing if (h := _hint((*c.aliases, c.name), unmatched))]
    row = match.header_index + 1 if match.header_index >= 0 else None
    found = ", ".join(repr(h) for h in match.headers if h) or "none"
    text = (
        f"{where(file, sheet, row)}: table {spec.name!r} lacks required column(s) "
        f"{'; '.join(c.label() for c in missing)}. Headers found: {found}."
    )
    text += f" Hint: {'; '.join(hints)}" if hints else ""
    return text + _scanned(scanned)


def _scanned(rows: int) -> str:
    """Said only when the header could sit lower than the rows looked at."""
    return (
        f" The header is looked for in the first {rows} rows." if rows >= HEADER_SCAN_ROWS else ""
    )


def _hint(names: tuple[str, ...], headers: list[str]) -> str | None:
    by_norm = {normalize_header(h): h for h in headers}
    for name in names:
        hint = did_you_mean(normalize_header(name), by_norm)
        if hint is not None:
            close = ast.literal_eval(hint.removeprefix("did you mean ").removesuffix("?"))
            return f"for {name!r}, did you mean {by_norm[close]!r}?"
    return None


def check_duplicates(match: Match, file: str, sheet: str | None) -> None:
    """Two headers meaning one canonical column is an error: which one holds the data?"""
    seen: dict[str, int] = {}
    for j, canonical in sorted(match.mapping.items()):
        if canonical in seen:
            first = seen[canonical]
            raise InputError(
                f"{where(file, sheet)}: columns {match.headers[first]!r} "
                f"(column {column_letter(first)}) and {match.headers[j]!r} "
                f"(column {column_letter(j)}) both mean "
                f"{match.spec.column(canonical).label()}; keep one"
            )
        seen[canonical] = j


def classify(
    head: Sequence[Row],
    given: Row | None,
    sheet: str | None,
    specs: Mapping[str, TableSpec],
    file: str,
    strict: bool,
) -> Match | None:
    """The table this sheet or file holds, by headers first and its name second.

    A workbook may hold sheets that are not tables (说明, 填表说明); with `strict` off, a
    sheet that matches no table by headers and is not named like one is skipped.
    """
    matches = [best_match(spec, head, given) for spec in specs.values()]
    label = sheet if sheet is not None else Path(file).stem
    complete = [m for m in matches if m.complete]
    if len(complete) > 1:
        complete = [m for m in complete if m.spec.matches_sheet_name(label)] or complete
    if len(complete) == 1:
        return complete[0]
    if complete:
        names = ", ".join(m.spec.name for m in complete)
        raise InputError(
            f"{where(file, sheet)}: headers fit several tables ({names}); name the "
            f"sheet or file after one of them"
        )
    named = [m for m in matches if m.spec.matches_sheet_name(label)]
    if named:
        closest = max(named, key=lambda m: len(m.mapping))
        raise InputError(_missing_message(closest, file, sheet, len(head)))
    if not strict:
        return None
    raise _unclassified(matches, file, sheet, len(head))


def _unclassified(matches: list[Match], file: str, sheet: str | None, scanned: int) -> InputError:
    headers = max(matches, key=lambda m: len(m.mapping)).headers if matches else []
    found = ", ".join(repr(h) for h in headers if h) or "none"
    wants = "; ".join(
        f"{m.spec.name} needs {', '.join(c.label() for c in m.spec.required)}" for m in matches
    )
    return InputError(
        f"{where(file, sheet)}: cannot tell which table this is. Headers found: {found}. "
        f"Expected: {wants}.{_scanned(scanned)}"
    )


def lower_header(
    rows: Sequence[Row], numbers: Sequence[int], sheet: str | None, specs: Mapping[str, TableSpec]
) -> str:
    """` The projects header is at row 14 …`: said when the header sits below the rows
    scanned (`rows` are the next ones, `numbers` their row numbers), else ""."""
    for spec in specs.values():
        match = best_match(spec, rows, None)
        if match.complete:
            of_sheet = f" of sheet {sheet!r}" if sheet is not None else ""
            return (
                f" The {spec.name} header is at row {numbers[match.header_index]}{of_sheet}, "
                f"below the {HEADER_SCAN_ROWS} rows scanned: delete the rows above it."
            )
    return ""
