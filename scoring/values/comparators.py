"""Comparator words: how people write ≥, ≤, >, <, = around a target number.

The words are catalogue data (`comparators:` in indicators/*.yaml), not constants in
code, so an analyst who meets `达到90%` adds `达到` to the catalogue and the grammar reads
it. Words are normalized once here with the same Polars expressions the parser applies
to cells (full-width → half-width), so `＞＝` in the catalogue matches `>=` in a cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.values.normalize import normalize_label, normalize_text

COMPARATORS: Final = (">=", ">", "<=", "<", "=")
"""Canonical comparators a target number can have."""

COLUMN_CODES: Final = ("pos", "neg", "qual", "range", "none")
"""What the comparator column (指标性质) may say besides a comparator: a direction
(正向 ≥, 反向 ≤), qualitative (定性), a range (区间), or just "quantitative" (定量)."""


def _keys(expr: pl.Expr, texts: Sequence[str]) -> list[str]:
    frame = pl.DataFrame({"t": list(texts)}, schema={"t": pl.String})
    return [str(v) for v in frame.select(expr).to_series()]


def _table(
    words: Mapping[Any, Sequence[str]], normalize: pl.Expr, allowed: Sequence[str], part: str
) -> dict[str, str]:
    """Normalized word → code; a word claimed by two codes is an error, not a coin toss."""
    out: dict[str, str] = {}
    for code, spellings in words.items():
        if code not in allowed:
            raise JixiaoError(f"comparators.{part}: unknown key {code!r}; use one of {allowed}")
        for raw, key in zip(spellings, _keys(normalize, list(spellings)), strict=True):
            if not key:
                raise JixiaoError(f"comparators.{part}.{code}: blank word {raw!r}")
            other = out.setdefault(key, code)
            if other != code:
                raise JixiaoError(
                    f"comparator word {raw!r} is declared for both {other!r} and {code!r}"
                )
    return out


def _alternation(words: Mapping[str, str]) -> str:
    """Longest first, so `大于等于` wins over `大于`; never-matching when empty."""
    if not words:
        return r"[^\s\S]"
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class ComparatorTable:
    """Comparator words before the number (`不低于`), after it (`以上`), and in the
    comparator column (`正向`), each normalized word → canonical code."""

    prefix: Mapping[str, str]
    suffix: Mapping[str, str]
    column: Mapping[str, str]

    @classmethod
    def from_words(
        cls,
        before: Mapping[Any, Sequence[str]],
        after: Mapping[Any, Sequence[str]] | None = None,
        column: Mapping[Any, Sequence[str]] | None = None,
    ) -> ComparatorTable:
        """Build from the catalogue's `comparators:` block (code → words)."""
        text = normalize_text(pl.col("t"))
        prefix = _table(before, text, COMPARATORS, "before")
        suffix = _table(after or {}, text, COMPARATORS, "after")
        words: dict[Any, Sequence[str]] = {**before, **(column or {})}
        merged = _table(
            words, normalize_label(pl.col("t")), (*COMPARATORS, *COLUMN_CODES), "column"
        )
        return cls(prefix=prefix, suffix=suffix, column=merged)

    @property
    def prefix_pattern(self) -> str:
        return rf"^({_alternation(self.prefix)})"

    @property
    def suffix_pattern(self) -> str:
        return rf"({_alternation(self.suffix)})$"
