"""Text normalisation shared by the value grammar and the tables it reads with.

People type targets with a Chinese IME (`＞＝９５％`), with stray spaces and trailing
punctuation; one normalisation, applied both to cells and to catalogue words, means a
word matches exactly when an analyst would say it is the same text.
"""

from __future__ import annotations

from typing import Final

import polars as pl

_HALF_WIDTH: Final[dict[str, str]] = {
    **{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)},  # ！..～ → !..~
    "\u3000": " ",
    "\u2212": "-",  # − MINUS SIGN, typed by some IMEs and Word
    "【": "[",
    "】": "]",
    "〜": "~",
    "﹪": "%",
}
"""Full-width forms people type with a Chinese IME, mapped to the ASCII the regexes read."""

_TRAILING: Final = "。.!;,、"
"""Sentence punctuation that ends a label without changing its meaning (after half-width)."""

_BLANKS: Final = ["", "/", "-", "—", "无"]
"""Fillers that mean "nothing here" in the comparator and unit columns."""


def normalize_text(expr: pl.Expr) -> pl.Expr:
    """Half-width ASCII, stripped, single spaces: one spelling per thing people type."""
    return expr.str.replace_many(_HALF_WIDTH).str.replace_all(r"\s+", " ").str.strip_chars(" ")


def normalize_label(expr: pl.Expr) -> pl.Expr:
    """Text as a label key: no spaces and no trailing 。 so `达成 年度指标。` matches."""
    return (
        normalize_text(expr).str.replace_all(" ", "", literal=True).str.strip_chars_end(_TRAILING)
    )


def unit_key(expr: pl.Expr) -> pl.Expr:
    """A unit spelling as a lookup key: `ＫＭ`, `km` and ` Km ` are one unit."""
    return normalize_text(expr).str.replace_all(" ", "", literal=True).str.to_lowercase()
