"""Weighting stage: every prepared indicator row → its applied points (rules/weighting_rules.py).

Under `weighting: proportional` a row's applied points depend on its project's other rows
(the sum of the written points of its group), so the sums are taken over the whole table
before any slice is scored (`group_sums`, one group-by in input order, whatever the
slicing); each slice then joins them (`with_applied`). The arithmetic is the compiled
expressions of the plan; this module only sums, joins and applies them in order.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.expr import to_polars
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.weighting_rules import GroupSum

SUM_INPUTS = ["project_id", "level1", "level2", "points"]
"""What `group_sums` reads of each prepared row."""


def _aggregate(s: GroupSum) -> pl.Expr:
    mine = pl.lit(True) if s.level1 is None else pl.col("level1") == s.level1
    if s.level2 is not None:
        mine = mine & (pl.col("level2") == s.level2)
    if s.what == "n":
        return mine.sum().cast(pl.Float64).alias(s.name)
    return pl.when(mine).then(pl.col("points")).otherwise(0.0).sum().alias(s.name)


def needs_sums(plan: Plan) -> bool:
    """Whether applied points read per-project sums (`weighting: proportional`)."""
    return bool(plan.weighting.sums)


def group_sums(rows: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Per project: the counts and written-points sums the weighting steps read, then the
    per-project steps (present weights, effective category weights)."""
    sums = rows.group_by("project_id", maintain_order=True).agg(
        *[_aggregate(s) for s in plan.weighting.sums]
    )
    for name, checked in plan.weighting.project:
        sums = sums.with_columns(to_polars(checked).alias(name))
    return sums


def with_applied(frame: pl.LazyFrame, sums: pl.LazyFrame | None, plan: Plan) -> pl.LazyFrame:
    """`applied_points` and `claimed_applied` on every row (the sums of its project joined
    when the ruleset needs them); the helper columns are dropped again."""
    rules = plan.weighting
    if rules.sums:
        if sums is None:
            sums = group_sums(frame.select(SUM_INPUTS), plan)
        frame = frame.join(sums, on="project_id", how="left", maintain_order="left")
    for name, checked in rules.row:
        frame = frame.with_columns(to_polars(checked).alias(name))
    return frame.drop(rules.temporary)
