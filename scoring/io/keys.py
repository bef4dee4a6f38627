"""Key cells (项目编号) as the reader passes them on, and the rows whose key says "not a row".

A key joins indicators to projects and decides duplicates, so two spellings of one ID
must not make two projects: `Ｐ００１` (full-width, typed with a Chinese input method)
and `P001\u200b` (a zero-width space pasted from a web page or WeChat) look like `P001`
on screen. Keys are normalised (NFKC, invisible characters removed, outer whitespace
stripped), and the reader counts and notes the cells it changed.

Two kinds of key are not IDs at all: a header row repeated inside the data (the key cell
reads 项目编号), and an ID that Excel stored as a number and printed in scientific
notation (`1.23456789012346E+17`), whose last digits are gone.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.io.headers import Match, where
from jixiao.scoring.io.tablespec import ColumnSpec, TableSpec, normalize_header

# Zero-width space/joiners, word joiner, BOM, soft hyphen, LTR/RTL marks, Mongolian vowel
# separator: invisible in every editor, different bytes.
INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u180e]"
SCIENTIFIC = r"^[+-]?[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$"
_BRACKET_SUFFIX = r"[(\[【〔{<《][^()\[\]【】〔〕{}<>《》]*[)\]】〕}>》]$"


def key_cell(cell: pl.Expr) -> pl.Expr:
    """The key as compared: NFKC, no invisible characters, no outer space; blank → null."""
    return (
        cell.str.normalize("NFKC")
        .str.replace_all(INVISIBLE, "")
        .str.strip_chars()
        .replace("", None)
    )


def changed_key(raw: pl.Expr) -> pl.Expr:
    """Whether normalising changed more than outer whitespace (what the note counts)."""
    return raw.str.strip_chars() != key_cell(raw)


def header_like(key: pl.Expr, column: ColumnSpec, written: str | None) -> pl.Expr:
    """Whether a (normalised) key cell reads as the key column's header: a header row
    repeated inside the data. Compared as headers are (see `normalize_header`)."""
    forms = {normalize_header(h) for h in (column.name, *column.aliases, written or "") if h}
    forms.discard("")
    norm = key.str.replace_all(r"\s+", "").str.replace(r"^[*※]+", "")
    for _ in range(2):
        norm = norm.str.replace(_BRACKET_SUFFIX, "")
    return norm.str.to_lowercase().is_in(sorted(forms)).fill_null(False)


def scientific(key: pl.Expr) -> pl.Expr:
    """An ID Excel stored as a number and wrote in scientific notation: digits lost."""
    return key.str.contains(SCIENTIFIC).fill_null(False)


def id_label(name: str) -> str:
    """`project ID` for messages (convention 3); other keys by their name."""
    return "project ID" if name == "project_id" else name


def repeated_header(used: dict[str, str], match: Match) -> pl.Expr:
    """A row whose key cell reads as the key column's header: the header repeated."""
    found = [
        header_like(key_cell(pl.col(c)), match.spec.column(name), match.headers[int(c[1:])])
        for c, name in used.items()
        if name in match.spec.key
    ]
    return pl.any_horizontal(found) if found else pl.lit(False)


def key_notes(
    body: pl.LazyFrame, used: dict[str, str], spec: TableSpec, file: str, sheet: str | None
) -> list[str]:
    """How many key cells normalising changed, with the first one (one pass each)."""
    notes = []
    for c, name in used.items():
        if name not in spec.key:
            continue
        changed = body.filter(changed_key(pl.col(c)).fill_null(False))
        stats = changed.select(
            pl.len().alias("n"), pl.col(c).first().alias("raw"), pl.col("_row").first().alias("row")
        ).collect(engine="streaming")
        n, raw, row = stats.row(0)
        if n:
            shown = pl.select(key_cell(pl.lit(raw, pl.String))).item()
            notes.append(
                f"{where(file, sheet)}: {n} {spec.column(name).first_alias()} cell(s) held "
                f"full-width or invisible characters and were normalised (row {row}: "
                f"{raw!r} → {shown!r})"
            )
    return notes
