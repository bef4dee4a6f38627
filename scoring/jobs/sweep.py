"""The sweep: the grade distribution and mean total of many variants of one ruleset, over
rows read and parsed once.

Each swept value is a variant plan (rules/overrides.py). The input tables are read once
(the caller's `Inputs`); the projects and indicator rows are placed and their values
parsed once per *preparation*: what the prepare stage reads of a ruleset (the catalogue,
the weighted categories, the default comparator, the budget indicator; see
`preparation_key`). Variants that agree on it, which is every sweep of a weight, a param,
a grade band or a rule, share one prepared table; then each variant runs only what
depends on it (applied points, scoring, totals, grade) on those rows, and the variants'
queries are collected together, one pass of Polars over the shared table.

The distribution is the very `project_scores` roll-up `score` runs (stages/rollup.py),
so a swept value equal to the base reproduces the base's grades exactly (tested).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.io.read import Inputs, require_column
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.stages.prepare import prepare_indicators, prepare_projects
from jixiao.scoring.stages.rollup import indicator_totals, project_scores
from jixiao.scoring.stages.score import score_indicators
from jixiao.scoring.stages.weighting import SUM_INPUTS, group_sums, needs_sums

TOTALS_INPUTS = [
    "project_id",
    "level1",
    "level2",
    "evaluable",
    "achieved",
    "points",
    "applied_points",
    "score",
]
"""What the roll-up reads of each scored row (as jobs/selfeval.py keeps per slice)."""


def preparation_key(plan: Plan) -> str:
    """What the prepare stage reads of a plan (stages/prepare.py): the catalogue (tree,
    units, tiers, comparator words, common indicators, input columns), the ruleset's
    weighted categories (rows of others are rejected), its default comparator, its
    budget indicator and its extra column aliases. Plans with the same key prepare the
    same rows."""
    rs = plan.loaded.ruleset
    return json.dumps(
        {
            "catalogue": plan.loaded.catalogue.model_dump(mode="json"),
            "categories": list(plan.categories),
            "weighted": sorted(rs.weights),
            "default_comparator": rs.default_comparator,
            "budget_indicator": rs.budget_execution.indicator,
            "column_aliases": rs.column_aliases,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


@dataclass(frozen=True)
class Prepared:
    """Projects and indicator rows placed and parsed for one preparation key."""

    projects: pl.DataFrame
    indicators: pl.DataFrame


def prepare(plan: Plan, inputs: Inputs, year: int | None) -> Prepared:
    """Place and parse the (already read) rows once: the rejected rows are left out, as
    they are of every total."""
    if year is not None:
        label = plan.vocab.specs["projects"].column("year").label()
        why = f"--year {year} needs it to tell each project's year; add it or leave out --year"
        require_column(inputs, "projects", "year", f"no {label} column; {why}")
    projects_lazy, _ = prepare_projects(inputs.frames["projects"], plan, year)
    projects = projects_lazy.collect()
    indicators, _ = prepare_indicators(inputs.frames["indicators"], projects.lazy(), plan)
    return Prepared(projects, indicators.collect())


def project_grades(plan: Plan, prepared: Prepared) -> pl.LazyFrame:
    """project_id, total and grade of every project under `plan`, from prepared rows:
    applied points, scoring and the roll-up exactly as `score` runs them."""
    rows = prepared.indicators.lazy()
    sums = group_sums(rows.select(SUM_INPUTS), plan) if needs_sums(plan) else None
    scored = score_indicators(rows, plan, sums).select(TOTALS_INPUTS)
    totals = indicator_totals(scored, plan)
    return project_scores(prepared.projects.lazy(), totals, plan).select(
        "project_id", "total", "grade"
    )


def grade_order(plans: Sequence[Plan]) -> list[str]:
    """Every grade of the plans, best band first, the withheld grade last."""
    out: list[str] = []
    withheld: list[str] = []
    for plan in plans:
        rs = plan.loaded.ruleset
        bands = sorted(rs.grades, key=lambda g: -g.min)
        out += [g.name for g in bands if g.name not in out]
        if rs.withheld_grade not in withheld:
            withheld.append(rs.withheld_grade)
    return [*out, *(w for w in withheld if w not in out)]


def sweep(
    variants: Sequence[tuple[float, Plan]],
    inputs: Inputs,
    *,
    year: int | None = None,
    base: Plan | None = None,
) -> pl.DataFrame:
    """The `sweep` table: for each (value, plan), one row per grade (every grade of every
    plan, 未定级 included, zeros included) with the projects in it and the mean total of
    all projects at that value (the same on each of the value's rows; blank totals left
    out), rounded half away from zero to the plan's precision.

    `base`, when given, prepares the rows when its preparation key matches (a whatif's
    base and its sweep share them)."""
    prepared: dict[str, Prepared] = {}
    if base is not None:
        prepared[preparation_key(base)] = prepare(base, inputs, year)
    queries = []
    for _, plan in variants:
        key = preparation_key(plan)
        if key not in prepared:
            prepared[key] = prepare(plan, inputs, year)
        queries.append(project_grades(plan, prepared[key]))
    tables = pl.collect_all(queries) if queries else []
    order = grade_order([plan for _, plan in variants])
    rows: list[dict[str, object]] = []
    for (value, plan), table in zip(variants, tables, strict=True):
        counts = dict(table.group_by("grade").len().iter_rows())
        mean = table["total"].drop_nulls().mean()
        mean_total = None if mean is None else _round(float(mean), plan)  # type: ignore[arg-type]
        rows += [
            {"value": value, "grade": g, "n": counts.get(g, 0), "mean_total": mean_total}
            for g in order
        ]
    return pl.DataFrame(rows, schema=columns.sweep_schema(), orient="row")


def _round(value: float, plan: Plan) -> float:
    """四舍五入 to the ruleset's precision, as every score is."""
    places = Decimal(1).scaleb(-plan.loaded.ruleset.precision)
    return float(Decimal(repr(value)).quantize(places, rounding=ROUND_HALF_UP))
