"""The sweep: the grade distribution and mean total of many variants of one ruleset, over
rows read and parsed once.

Each swept value is a variant plan (rules/overrides.py). The input tables are read once
(the caller's `Inputs`) and their rows placed and parsed once (`selfeval.prepare`) for
every variant with the same preparation key (`selfeval.preparation_key`: the catalogue,
the default comparator, the weighted categories, the budget indicator), which is every sweep of a weight, a
param, a grade band or a rule. Each variant then runs only what depends on it (applied
points, scoring, totals, grade) on those rows, keeping only each project's total and
grade. A variant that prepares rows differently gets its own preparation (once per key).

The distribution is the very `project_scores` roll-up `score` runs (stages/rollup.py),
so a swept value equal to the base reproduces the base's grades exactly (tested).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.io.read import Inputs
from jixiao.scoring.jobs.selfeval import Prepared, preparation_key, prepare
from jixiao.scoring.rules.compile import Plan
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


def project_grades(plan: Plan, prepared: Prepared) -> pl.LazyFrame:
    """project_id, total and grade of every project under `plan`, from prepared rows:
    applied points, scoring and the roll-up exactly as `score` runs them."""
    rows = prepared.indicators.lazy()
    sums = None
    if needs_sums(plan):
        # Collected first, as `score` does: joined lazily, the per-direction branches of
        # the scoring each ran the group-by again (measured: 3.9 s against 2.1 s a value).
        sums = group_sums(rows.select(SUM_INPUTS), plan).collect().lazy()
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
    prepared: Prepared | None = None,
    prepared_by: Plan | None = None,
) -> pl.DataFrame:
    """The `sweep` table: for each (value, plan), one row per grade (every grade of every
    plan, 未定级 included, zeros included) with the projects in it and the mean total of
    all projects at that value (the same on each of the value's rows; blank totals left
    out), rounded half away from zero to the plan's precision.

    `prepared`: rows already prepared with the plan `prepared_by` (a whatif's base), used
    by every variant of the same `preparation_key`; other keys are prepared here from `inputs`,
    once each."""
    ready: dict[str, Prepared] = {}
    if prepared is not None and prepared_by is not None:
        ready[preparation_key(prepared_by)] = prepared
    queries = []
    for _, plan in variants:
        key = preparation_key(plan)
        if key not in ready:
            ready[key] = prepare(plan, inputs, year=year)
        queries.append(project_grades(plan, ready[key]))
    # One value at a time: each holds its classified rows while it runs (collected
    # together, ten values held ten copies of 1M rows for no gain on 2 cores: measured).
    tables = [query.collect() for query in queries]
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
