"""What if: a ruleset against itself with key overrides, and sweeps of one key
(`jixiao whatif`, docs/whatif.md).

A whatif is a comparison (jobs/compare.py) whose candidate is the variant ruleset made of
the overrides (rules/overrides.py): the inputs are read once and their rows prepared once
(`selfeval.prepare`), the base and the variant score those rows (`score_prepared`, what
`score` gives for each ruleset), and the sweep's variants score them too (jobs/sweep.py),
so `whatif --set … --sweep …` parses the inputs once for every ruleset it runs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import polars as pl

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.io.read import Inputs
from jixiao.scoring.jobs.compare import CompareResults, compare
from jixiao.scoring.jobs.selfeval import preparation_key, prepare, score_prepared
from jixiao.scoring.jobs.sweep import sweep
from jixiao.scoring.rules.compile import Plan


@dataclass
class WhatifResults(CompareResults):
    """The comparison of the base with its variant, and the sweep table when swept."""

    sweep: pl.DataFrame | None = None
    """value, grade, n, mean_total (columns.SWEEP), or None without --sweep."""

    def tables(self) -> dict[str, pl.DataFrame]:
        tables = super().tables()
        if self.sweep is not None:
            tables["sweep"] = self.sweep
        return tables


@dataclass(frozen=True)
class SweepSpec:
    """The sweep's key as written, its values and their variant plans, and the absorbing key."""

    key: str
    variants: Sequence[tuple[float, Plan]]
    absorb: str | None = None


def run(
    base: Plan,
    variant: Plan,
    inputs: Inputs,
    *,
    year: int | None = None,
    sweep_spec: SweepSpec | None = None,
    whatif: dict[str, Any] | None = None,
) -> WhatifResults:
    """Compare `base` with `variant` (its overrides) over rows prepared once, and sweep.

    `whatif` (the overrides as written, the notes, the variant as YAML) goes into the
    manifest under `whatif`."""
    started = time.perf_counter()
    prepared = prepare(base, inputs, year=year)
    notes = list((whatif or {}).get("notes", []))
    if variant.loaded.ruleset.column_aliases != base.loaded.ruleset.column_aliases:
        raise JixiaoError(
            "column_aliases change how the input files are read, which a whatif does once "
            "with the base ruleset; save the variant (--save) and run `jixiao compare`"
        )
    shared = preparation_key(variant) == preparation_key(base)
    other = prepared if shared else prepare(variant, inputs, year=year)
    if not shared:
        notes.append(
            "the variant places rows differently from the base (catalogue, default "
            "comparator, weighted categories or budget indicator differ): the inputs were "
            "read once and prepared for each"
        )
    # Lean (as compare scores its sides): totals, grades, departments and near-boundary
    # lists, the same as `score` gives; no indicator rows kept, no flags raised.
    base_results = score_prepared(base, prepared, lean=True)
    candidate = base_results if variant is base else score_prepared(variant, other, lean=True)
    table = None
    if sweep_spec is not None:
        table = sweep(sweep_spec.variants, inputs, year=year, prepared=prepared, prepared_by=base)
    comparison = compare(
        base_results, candidate, shared=shared, notes=notes, seconds=time.perf_counter() - started
    )
    comparison.inputs = inputs
    out = WhatifResults(**{f.name: getattr(comparison, f.name) for f in fields(comparison)})
    out.sweep = table
    out.manifest = {**comparison.manifest, "job": "whatif", "whatif": dict(whatif or {})}
    if sweep_spec is not None:
        out.manifest |= {
            "sweep_key": sweep_spec.key,
            "sweep_values": [v for v, _ in sweep_spec.variants],
            "sweep_absorb": sweep_spec.absorb,
        }
    return out
