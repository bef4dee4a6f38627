"""What an input table must look like: canonical columns, the headers people really write.

Departments fill in templates that drift: `全年预算数（万元）`, `预算执行数`, `* 项目编号`,
full-width brackets, stray spaces. The readers match those headers to canonical names
through a `TableSpec`, so the rest of the pipeline only ever sees `budget`, `spent`, ….
The catalogue loader builds the specs; this module only defines them and the one
normalization rule every header and alias goes through.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

# A bracketed suffix at the end of a header carries units or points, not identity:
# `全年预算数(万元)`, `产出指标(50分)`, `完成率(%)`, `分值【10】`.
_BRACKET_SUFFIX = re.compile(r"[(\[【〔{<《][^()\[\]【】〔〕{}<>《》]*[)\]】〕}>》]$")
_WHITESPACE = re.compile(r"\s+")


def normalize_header(text: str) -> str:
    """The identity of a header: NFKC (full-width → half-width), no whitespace, no
    leading required-field stars, no trailing bracketed unit, ASCII lower-cased.

    Returns "" for a header that is only decoration, which matches nothing.
    """
    s = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).lstrip("*※")
    while (m := _BRACKET_SUFFIX.search(s)) is not None and m.start() > 0:
        s = s[: m.start()]
    return s.lower()


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column and the headers that mean it."""

    name: str
    aliases: tuple[str, ...]
    required: bool
    description: str = ""

    def label(self) -> str:
        """`budget (全年预算数, 调整后预算数)`: how messages name the column to a user."""
        return f"{self.name} ({', '.join(self.aliases)})" if self.aliases else self.name

    def first_alias(self) -> str:
        """The Chinese header used in messages and exported workbooks."""
        return self.aliases[0] if self.aliases else self.name


@dataclass(frozen=True)
class TableSpec:
    """One input table: its canonical columns and the sheet names it may come under.

    `key` columns must be non-blank in every row; with `unique_key` the key must also be
    unique over all input files (projects: one row per project_id).
    """

    name: str
    sheet_names: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ()
    unique_key: bool = False

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name!r}: duplicate column names in {names}")
        unknown = [k for k in self.key if k not in names]
        if unknown:
            raise ValueError(f"table {self.name!r}: key columns {unknown} are not columns")
        _ = self.lookup  # alias collisions are a catalogue error: fail when built

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @cached_property
    def lookup(self) -> dict[str, str]:
        """Normalized header → canonical name, over names and aliases."""
        out: dict[str, str] = {}
        for col in self.columns:
            for header in (col.name, *col.aliases):
                norm = normalize_header(header)
                if out.get(norm, col.name) != col.name:
                    raise ValueError(
                        f"table {self.name!r}: header {header!r} means both "
                        f"{out[norm]!r} and {col.name!r}"
                    )
                out[norm] = col.name
        return out

    def match(self, header: str) -> str | None:
        """The canonical column a header means, or None."""
        return self.lookup.get(normalize_header(header))

    def matches_sheet_name(self, sheet: str) -> bool:
        """Whether a sheet (or file stem) is named like this table: `项目表`, `绩效指标`."""
        norm = normalize_header(sheet)
        return any(normalize_header(n) in norm for n in (*self.sheet_names, self.name) if n.strip())
