"""How the labels of a self-evaluation form are recognised, whatever the spelling.

Forms are typed, copied and re-typed by departments: `项目名称：`, `项 目 名 称`,
`产出指标（50分）`, `实施单位(盖章)`, full-width brackets and colons. A label is found by
its normalised text (NFKC, no whitespace, no trailing colon, no trailing bracketed
suffix) against a list of variants, never by its cell address. The blank markers people
put in unused cells (`/`, `—`, `无`) read as blank.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_BRACKET_SUFFIX = re.compile(r"[(\[【〔{<《][^()\[\]【】〔〕{}<>《》]*[)\]】〕}>》]$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
BLANK_MARKS = frozenset({"/", "\\", "-", "--", "—", "——", "－", "无", "n/a", "na", "#n/a"})
"""Cell texts that mean "nothing here" in a form's unused cells."""


@lru_cache(maxsize=1 << 16)  # a sheet is scanned for many labels: each cell once
def norm(text: str | None) -> str:
    """A label's identity: NFKC, no whitespace or stars, no trailing colon or bracket
    suffix (`(50分)`, `(盖章)`, `（万元）`), lower-cased; "" for a blank cell."""
    if text is None:
        return ""
    s = _SPACE.sub("", unicodedata.normalize("NFKC", text)).strip("*※")
    while True:
        s = s.rstrip(":")
        m = _BRACKET_SUFFIX.search(s)
        if m is None or m.start() == 0:
            break
        s = s[: m.start()]
    return s.lower()


def cell_text(text: str | None) -> str | None:
    """A value cell as passed on: stripped, blank markers → None."""
    if text is None:
        return None
    s = text.strip().strip("\u3000")
    if not s or unicodedata.normalize("NFKC", s).lower() in BLANK_MARKS:
        return None
    return s


def number(text: str | None) -> float | None:
    """An amount as written in the funds block (`1,200.50`, `120万元`); None when blank or
    not a number (the caller decides what a non-number means)."""
    s = cell_text(text)
    if s is None:
        return None
    s = unicodedata.normalize("NFKC", s).replace(",", "").replace(" ", "")
    for unit in ("万元", "元"):
        if s.endswith(unit):
            s = s[: -len(unit)]
    return float(s) if _NUMBER.match(s) else None


def fmt_number(value: float) -> str:
    """A sum as text without float noise: 12.5, 100 (not 100.0, not 12.499999999)."""
    text = f"{round(value, 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class MissingLabel(Exception):
    """A label the reader needs is not on the sheet (the message names it)."""


@dataclass(frozen=True)
class Label:
    """One label of the form: its name in messages and the spellings that mean it.

    `exact` variants must be the whole (normalised) cell; `contains` variants may sit
    inside a longer cell (`其中：当年财政拨款`)."""

    name: str
    exact: tuple[str, ...]
    contains: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "exact", tuple(norm(v) for v in self.exact))
        object.__setattr__(self, "contains", tuple(norm(v) for v in self.contains))

    def matches(self, text: str | None) -> bool:
        n = norm(text)
        if not n:
            return False
        return n in self.exact or any(v in n for v in self.contains)

    def starts(self, text: str | None) -> str | None:
        """The rest of a cell that holds this label and its value (`项目名称：某项目`)."""
        if text is None:
            return None
        plain = unicodedata.normalize("NFKC", text).strip()
        for sep in (":", "："):
            if sep in plain:
                head, rest = plain.split(sep, 1)
                if norm(head) in self.exact and rest.strip():
                    return rest.strip()
        return None

    def shown(self) -> str:
        return self.name


Rows = Sequence[Sequence[str | None]]


def find(
    rows: Rows, label: Label, start: int = 0, stop: int | None = None
) -> tuple[int, int] | None:
    """The first (row, column) at or after row `start` whose cell is `label`."""
    for i in range(start, len(rows) if stop is None else min(stop, len(rows))):
        for j, cell in enumerate(rows[i]):
            if label.matches(cell):
                return i, j
    return None


def find_with_value(rows: Rows, label: Label, stop: int | None = None) -> tuple[int, int] | None:
    """Like `find`, also accepting a cell that holds the label and its value after a colon."""
    for i in range(0, len(rows) if stop is None else min(stop, len(rows))):
        for j, cell in enumerate(rows[i]):
            if label.matches(cell) or label.starts(cell) is not None:
                return i, j
    return None


def columns(row: Sequence[str | None], labels: Iterable[Label]) -> dict[str, int]:
    """Label name → the first column of `row` holding it (labels absent are left out)."""
    out: dict[str, int] = {}
    for label in labels:
        for j, cell in enumerate(row):
            if label.matches(cell):
                out[label.name] = j
                break
    return out


def any_label(text: str | None, labels: Iterable[Label]) -> bool:
    return any(label.matches(text) for label in labels)
