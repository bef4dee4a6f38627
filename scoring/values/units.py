"""Unit and tier tables: the vocabulary the value parser reads targets and actuals with.

The tables are data declared by a catalogue, not constants in code, because units and tier
labels differ between provinces and templates. Keys are normalized once here with the very
same Polars expressions the parser applies to cells, so a label matches exactly when the
analyst would say it is the same text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.values.normalize import normalize_label, unit_key


def _keys(exprs: pl.Expr, texts: Sequence[str]) -> list[str]:
    """Run a normalizing expression over Python strings, so tables and cells agree."""
    frame = pl.DataFrame({"t": list(texts)}, schema={"t": pl.String})
    return [str(v) for v in frame.select(exprs).to_series()]


@dataclass(frozen=True)
class Unit:
    """A unit as a catalogue declares it: `万元` is money with factor 10000 (元 = 1)."""

    name: str
    aliases: tuple[str, ...]
    dimension: str
    factor: float


@dataclass(frozen=True)
class UnitTable:
    """Every unit a target or actual may carry, with spelling variants resolved."""

    units: tuple[Unit, ...]
    aliases: Mapping[str, str]
    """Normalized spelling (lower case, half-width, no spaces) → canonical unit name."""

    @classmethod
    def from_units(cls, units: Iterable[Unit]) -> UnitTable:
        """Build the table; a spelling claimed by two units is an error, not a coin toss."""
        units = tuple(units)
        aliases: dict[str, str] = {}
        # Every spelling normalised in one query (one per unit was most of compiling).
        every = [s for unit in units for s in (unit.name, *unit.aliases)]
        keys = iter(_keys(unit_key(pl.col("t")), every))
        for unit in units:
            if unit.factor <= 0:
                raise JixiaoError(f"unit {unit.name!r}: factor must be > 0, got {unit.factor}")
            spellings = [unit.name, *unit.aliases]
            unit_keys = [next(keys) for _ in spellings]
            for raw, key in zip(spellings, unit_keys, strict=True):
                if not key:
                    raise JixiaoError(f"unit {unit.name!r}: blank spelling {raw!r}")
                if any(ch.isdecimal() for ch in key):
                    raise JixiaoError(
                        f"unit {unit.name!r}: spelling {raw!r} contains a digit, which would "
                        "be read as part of the number; write 'm²' or '㎡' instead of 'm2'"
                    )
                other = aliases.setdefault(key, unit.name)
                if other != unit.name:
                    raise JixiaoError(
                        f"unit spelling {raw!r} is declared for both {other!r} and {unit.name!r}"
                    )
        return cls(units=units, aliases=aliases)

    def _by_name(self) -> dict[str, Unit]:
        return {u.name: u for u in self.units}

    @property
    def factors(self) -> dict[str, float]:
        """Canonical name → factor, for vectorized conversion."""
        return {name: float(u.factor) for name, u in self._by_name().items()}

    @property
    def dimensions(self) -> dict[str, str]:
        """Canonical name → dimension, for vectorized compatibility checks."""
        return {name: u.dimension for name, u in self._by_name().items()}


@dataclass(frozen=True)
class TierTable:
    """Qualitative tier labels (达成年度指标, 基本达成, 好 …) → canonical tier (达成 …)."""

    labels: Mapping[str, str]
    """Normalized label → canonical tier; each canonical name is also its own label."""

    @classmethod
    def from_mapping(cls, tiers: Mapping[str, Sequence[str]]) -> TierTable:
        """Build from the catalogue's `tiers:` block; a label in two tiers is an error."""
        labels: dict[str, str] = {}
        for tier, variants in tiers.items():
            spellings = [tier, *variants]
            keys = _keys(normalize_label(pl.col("t")), spellings)
            for raw, key in zip(spellings, keys, strict=True):
                if not key:
                    raise JixiaoError(f"tier {tier!r}: blank label {raw!r}")
                other = labels.setdefault(key, tier)
                if other != tier:
                    raise JixiaoError(
                        f"tier label {raw!r} is declared for both {other!r} and {tier!r}"
                    )
        return cls(labels=labels)

    @property
    def tiers(self) -> tuple[str, ...]:
        """Canonical tier names, in declaration order."""
        return tuple(dict.fromkeys(self.labels.values()))
