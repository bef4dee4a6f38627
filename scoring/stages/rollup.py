"""Roll-up stage: indicator scores → project totals and grades → department summary.

Each project scores independently (the step is a group-by on project_id), so the plan
partitions by project; department roll-ups run after it, over the project rows. Every
rule applied after the sums (total under the missing-category policy, the points roll-up
checks of DOMAIN §2 [sys], completeness, grade bands, department measures) is a compiled
expression of the ruleset (`plan.project`, see scoring/rules/project_rules.py); this
module only sums indicator rows and runs those expressions in order.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.expr import Checked, Type, to_polars
from jixiao.scoring.fmt import shown
from jixiao.scoring.rules.compile import Plan, rounder
from jixiao.scoring.rules.contexts import BUDGET_PART
from jixiao.scoring.rules.project_rules import Message, Messages, l2_points, totals_names

TEMPORARY = ("budget_part", "raw", "present_points", "missing")
"""Intermediate steps of the total, not part of project_scores."""


def _masks(plan: Plan) -> dict[str, pl.Expr]:
    """Points and score of each row, kept only under its category (null elsewhere)."""
    masked: dict[str, pl.Expr] = {}
    for c in plan.categories:
        mine = pl.col("level1") == c
        masked[f"{c}_points"] = pl.when(mine).then(pl.col("applied_points"))
        masked[f"{c}_score"] = pl.when(mine).then(pl.col("score"))
        masked[f"{c}_n"] = mine
    for l1, parts in plan.loaded.ruleset.level2_weights.items():
        for l2 in parts:
            mine = (pl.col("level1") == l1) & (pl.col("level2") == l2)
            masked[l2_points(l1, l2)] = pl.when(mine).then(pl.col("applied_points"))
    return masked


def indicator_totals(scored: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Per project: counts (a row has its full points when its score reaches its points
    rounded to the ruleset precision), and points and score per weighted level-1 category.

    Masked columns and one group-by: a filter per category inside the aggregation
    scans the group once per category (measured 2× slower).
    """
    masks = _masks(plan)
    full = pl.col("evaluable") & (
        pl.col("score") >= rounder("applied_points", plan.loaded.ruleset.precision)
    )
    return (
        scored.select("project_id", "evaluable", "achieved", "applied_points", _full=full, **masks)
        .group_by("project_id")
        .agg(
            pl.len().alias("n_indicators"),
            (~pl.col("evaluable")).sum().alias("n_not_evaluable"),
            (pl.col("achieved") == False).sum().alias("n_missed"),  # noqa: E712 (null stays out)
            pl.col("evaluable").sum().alias("n_evaluable"),
            pl.col("_full").sum().alias("n_full_points"),
            pl.col("applied_points").sum().alias("points_total"),
            *[pl.col(name).sum() for name in masks],
        )
    )


def _message(m: Message) -> pl.Expr:
    args = [shown(to_polars(a)) if a.type == Type.NUMBER else to_polars(a) for a in m.args]
    text = pl.format(m.template, *args) if args else pl.lit(m.template, pl.String)
    return pl.when(to_polars(m.when)).then(text)


def compiled(value: Checked | Messages) -> pl.Expr:
    """One project step as a Polars expression (a message column: first, or all joined)."""
    if isinstance(value, Checked):
        return to_polars(value)
    parts = [_message(m) for m in value.parts]
    if not parts:
        return pl.lit(None, pl.String)
    if value.first:
        return pl.coalesce(parts)
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def project_scores(projects: pl.LazyFrame, totals: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Budget score, category subtotals, total, issues, completeness and grade per project."""
    rules = plan.project
    weight = plan.loaded.ruleset.weights.get(BUDGET_PART, 0.0)
    sums = totals_names(plan.loaded.ruleset, plan.categories)
    frame = projects.join(totals, on="project_id", how="left", maintain_order="left").with_columns(
        *[pl.lit(v, pl.Float64).alias(k) for k, v in rules.constants.items()],
        *[pl.col(c).fill_null(0) for c in (*sums, "n_evaluable", "n_full_points")],
        rate=pl.col("execution_rate"),
        points=pl.lit(weight, pl.Float64),
    )
    frame = frame.with_columns(budget_score=plan.polars(plan.budget_score))
    for name, value in rules.steps:
        frame = frame.with_columns(compiled(value).alias(name))
    return frame.drop("rate", "points", *rules.constants, *TEMPORARY)


def department_summary(projects: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Per department: the ruleset's measures over its projects (counts, totals, money)."""
    rules = plan.project
    params = plan.loaded.ruleset.params
    dept = pl.coalesce(pl.col("department"), pl.lit(rules.department_label)).alias("department")
    measures = [to_polars(m).alias(name) for name, m in rules.measures.items()]
    return (
        projects.with_columns(pl.lit(v, pl.Float64).alias(k) for k, v in params.items())
        .group_by(dept)
        .agg(measures)
        .with_columns(pl.col(name).cast(pl.UInt32) for name in rules.counts)
        .sort("department")
    )
