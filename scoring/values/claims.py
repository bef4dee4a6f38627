"""What a self-evaluation form claims, read: scores (`95.5分`, `９５.５`, `/`) and grade words.

A form's claims (自评总分, 自评预算执行得分, 自评等级) arrive as text, as written, so that a
claim that is not a number never stops a project from being scored; re-evaluation reads
them here. A score is a plain number (the amount grammar of `numbers.parse_number`) with
an optional `分` after it; a lone filler (`/`, `-`, `—`, `无`) is blank; anything else is
blank with the reason, never a crash.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from jixiao.scoring.values.normalize import normalize_label, normalize_text
from jixiao.scoring.values.numbers import parse_number

FILLERS: Final = ("", "/", "-", "—", "——", "无", "－")
"""A claim cell holding only one of these claims nothing (blank)."""

SCORE_SUFFIX: Final = r"\s*分$"
"""`95.5分`: the unit people write after a score."""


def parse_claim(text: pl.Expr) -> pl.Expr:
    """A claimed score as struct{value, error}: blank (and fillers) are null without an
    error; a number, with or without `分`, is its value; anything else is null with why."""
    cleaned = normalize_text(text.cast(pl.String)).str.replace(SCORE_SUFFIX, "")
    blank = cleaned.is_null() | cleaned.is_in(list(FILLERS))
    parsed = parse_number(pl.when(blank).then(pl.lit(None, pl.String)).otherwise(cleaned))
    error = pl.when(parsed.struct.field("error").is_not_null()).then(
        pl.format("cannot read score '{}'", text.cast(pl.String).str.strip_chars())
    )
    return pl.struct(value=parsed.struct.field("value"), error=error)


def grade_key(text: pl.Expr) -> pl.Expr:
    """A grade word as a lookup key: half-width, no spaces, no trailing 。 (`优 秀。`)."""
    return normalize_label(text.cast(pl.String))


def grade_key_of(word: str) -> str:
    """`grade_key` of one word (the ruleset's grade words, read once at compile time)."""
    return str(pl.select(grade_key(pl.lit(word))).item())
