"""A catalogue (plus the ruleset's extra aliases) turned into lookup tables for the run.

Labels in real tables vary (`产出指标(50分)`, `产出`, `产出 指标`); they are matched by a
normalized key computed with the same Polars expression on both sides, so the catalogue
and the cells can never disagree about what "the same label" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from jixiao.scoring.io.tablespec import ColumnSpec, TableSpec
from jixiao.scoring.rules.models import Catalogue, Ruleset
from jixiao.scoring.values.grammar import normalize_label
from jixiao.scoring.values.units import TierTable, Unit, UnitTable

MONITOR_TABLES = ("monitoring",)
"""Catalogue tables only `jixiao monitor` reads."""


def level_key(expr: pl.Expr) -> pl.Expr:
    """`产出指标（50分）` → `产出`: no points suffix, no 指标 suffix, no spaces."""
    return (
        normalize_label(expr)
        .str.replace(r"\([^()]*\)$", "")
        .str.replace(r"(类)?指标$", "")
        .str.replace(r"^[一二三四五六七八九十\d]+[、.．]", "")
    )


def keys_of(texts: Sequence[str]) -> list[str]:
    """`level_key` applied to Python strings (the catalogue side of the match)."""
    frame = pl.DataFrame({"t": list(texts)}, schema={"t": pl.String})
    return [str(v) for v in frame.select(level_key(pl.col("t"))).to_series()]


@dataclass(frozen=True)
class Vocabulary:
    """Everything the prepare stage needs to read a catalogue's tables."""

    units: UnitTable
    tiers: TierTable
    specs: dict[str, TableSpec]
    """The tables `score` reads (projects, indicators)."""
    level1: dict[str, str]
    """Normalized label → level-1 id."""
    level2: dict[str, str]
    """`<level-1 id>/<normalized label>` → level-2 id."""
    level1_names: dict[str, str]
    """Level-1 id → Chinese name."""
    level2_names: dict[str, str]
    """Level-2 id → Chinese name."""
    monitor_specs: dict[str, TableSpec] = field(default_factory=dict)
    """The tables `monitor` reads (the catalogue's `monitoring` table)."""

    @classmethod
    def build(cls, cat: Catalogue, rs: Ruleset) -> Vocabulary:
        units = UnitTable.from_units(
            Unit(u.name, tuple(u.aliases), u.dimension, u.factor) for u in cat.units
        )
        level1: dict[str, str] = {}
        level2: dict[str, str] = {}
        for lv in cat.levels:
            for key in keys_of([lv.id, lv.name, *lv.aliases]):
                level1.setdefault(key, lv.id)
            for child in lv.children:
                for key in keys_of([child.id, child.name, *child.aliases]):
                    level2.setdefault(f"{lv.id}/{key}", child.id)
        specs = _specs(cat, rs)
        return cls(
            units=units,
            tiers=TierTable.from_mapping(cat.tiers),
            specs={k: v for k, v in specs.items() if k not in MONITOR_TABLES},
            level1=level1,
            level2=level2,
            level1_names={lv.id: lv.name for lv in cat.levels},
            level2_names={c.id: c.name for lv in cat.levels for c in lv.children},
            monitor_specs={k: v for k, v in specs.items() if k in MONITOR_TABLES},
        )


def _specs(cat: Catalogue, rs: Ruleset) -> dict[str, TableSpec]:
    specs: dict[str, TableSpec] = {}
    for name, table in cat.tables.items():
        columns = tuple(
            ColumnSpec(
                c.name,
                tuple([*c.aliases, *rs.column_aliases.get(c.name, [])]),
                c.required,
                c.description,
            )
            for c in table.columns
        )
        specs[name] = TableSpec(
            name, tuple(table.sheet_names), columns, tuple(table.key), unique_key=name == "projects"
        )
    return specs
