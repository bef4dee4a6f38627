"""Roll-up stage: indicator scores → project totals and grades → department summary.

Each project scores independently (the step is a group-by on project_id), so the plan
partitions by project; department roll-ups run after it, on small tables. Weights are
checked to roll up (DOMAIN §2 [sys]) per project, with the ruleset's policy for a missing
level-1 category; a project that fails a check keeps its total but is marked incomplete.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.fmt import shown
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.contexts import BUDGET_PART
from jixiao.scoring.stages.score import rounder

UNGRADED = "未定级"
"""Grade column value for a project whose grade is withheld because it is incomplete."""


def _category_aggs(plan: Plan) -> list[pl.Expr]:
    aggs: list[pl.Expr] = []
    for c in plan.categories:
        mine = pl.col("level1") == c
        aggs += [
            pl.col("points").filter(mine).sum().alias(f"{c}_points"),
            pl.col("score").filter(mine).sum().alias(f"{c}_score"),
            mine.sum().alias(f"{c}_n"),
        ]
    for l1, parts in plan.loaded.ruleset.level2_weights.items():
        for l2 in parts:
            mine = (pl.col("level1") == l1) & (pl.col("level2") == l2)
            aggs.append(pl.col("points").filter(mine).sum().alias(f"{l1}.{l2}_points"))
    return aggs


def indicator_totals(scored: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Per project: counts, and points and score per weighted level-1 category."""
    return scored.group_by("project_id").agg(
        pl.len().alias("n_indicators"),
        (~pl.col("evaluable")).sum().alias("n_not_evaluable"),
        (pl.col("achieved") == False).sum().alias("n_missed"),  # noqa: E712 (null stays out)
        pl.col("points").sum().alias("points_total"),
        *_category_aggs(plan),
    )


def _fmt(x: float) -> str:
    return f"{x:g}"


def _points_issue(plan: Plan) -> pl.Expr:
    """Why the indicator points do not roll up to the weights, or null when they do."""
    rs = plan.loaded.ruleset
    tol = rs.points_tolerance
    expected = sum(rs.weights[c] for c in plan.categories)
    total_bad = (pl.col("points_total") - expected).abs() > tol
    total_msg = pl.format(
        "indicator points total {}, expected {}",
        shown(pl.col("points_total")),
        pl.lit(_fmt(expected)),
    )
    missing = pl.any_horizontal([pl.col(f"{c}_n") == 0 for c in plan.categories])
    per_cat = [
        pl.when(
            (pl.col(f"{c}_n") > 0) & ((pl.col(f"{c}_points") - rs.weights[c]).abs() > tol)
        ).then(
            pl.format(
                "{} points {} ≠ weight {}",
                pl.lit(plan.vocab.level1_names[c]),
                shown(pl.col(f"{c}_points")),
                pl.lit(_fmt(rs.weights[c])),
            )
        )
        for c in plan.categories
    ]
    per_l2 = [
        pl.when((pl.col(f"{l1}_n") > 0) & ((pl.col(f"{l1}.{l2}_points") - w).abs() > tol)).then(
            pl.format(
                "{} points {} ≠ weight {}",
                pl.lit(plan.vocab.level2_names[l2]),
                shown(pl.col(f"{l1}.{l2}_points")),
                pl.lit(_fmt(w)),
            )
        )
        for l1, parts in rs.level2_weights.items()
        for l2, w in parts.items()
    ]
    categories = pl.concat_str(per_cat + per_l2, separator="; ", ignore_nulls=True)
    categories = pl.when(categories != "").then(categories)
    if rs.points_distribution == "free":
        return pl.when(total_bad).then(total_msg)
    if rs.when_category_missing == "reassigned":
        return pl.when(missing).then(pl.when(total_bad).then(total_msg)).otherwise(categories)
    return categories


def _total(plan: Plan) -> pl.Expr:
    rs = plan.loaded.ruleset
    scores = pl.sum_horizontal([pl.col(f"{c}_score") for c in plan.categories])
    raw = pl.col("budget_score").fill_null(0) + scores
    if rs.when_category_missing != "rescale":
        return raw
    present = pl.sum_horizontal(
        [
            pl.when(pl.col(f"{c}_n") > 0).then(pl.col(f"{c}_points")).otherwise(0.0)
            for c in plan.categories
        ]
    )
    missing = pl.any_horizontal([pl.col(f"{c}_n") == 0 for c in plan.categories])
    rescaled = raw / (rs.weights[BUDGET_PART] + present) * rs.scale
    return pl.when(missing & (present > 0)).then(rescaled).otherwise(raw)


def _grade(plan: Plan) -> pl.Expr:
    rs = plan.loaded.ruleset
    expr: pl.Expr = pl.lit(None, pl.String)
    top = max(g.max for g in rs.grades)
    for g in sorted(rs.grades, key=lambda g: g.min):
        upper = pl.col("total") <= g.max if g.max == top else pl.col("total") < g.max
        expr = pl.when((pl.col("total") >= g.min) & upper).then(pl.lit(g.name)).otherwise(expr)
    return expr


def project_scores(projects: pl.LazyFrame, totals: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Budget score, category subtotals, total, grade and completeness per project."""
    rs = plan.loaded.ruleset
    weight = rs.weights.get(BUDGET_PART, 0.0)
    params = [pl.lit(v, pl.Float64).alias(k) for k, v in rs.params.items()]
    frame = projects.join(totals, on="project_id", how="left", maintain_order="left").with_columns(
        *params,
        pl.col("n_indicators", "n_not_evaluable", "n_missed").fill_null(0),
        *[
            pl.col(f"{c}_{s}").fill_null(0)
            for c in plan.categories
            for s in ("points", "score", "n")
        ],
        pl.col("points_total").fill_null(0.0),
        rate=pl.col("execution_rate"),
        points=pl.lit(weight, pl.Float64),
    )
    frame = frame.with_columns(budget_score=plan.polars(plan.budget_score))
    indicator_score = pl.sum_horizontal([pl.col(f"{c}_score") for c in plan.categories])
    frame = frame.with_columns(
        total=_total(plan),
        indicator_score=indicator_score,
        points_issue=_points_issue(plan),
        budget_issue=_budget_issue(),
    ).with_columns(rounder("total", rs.precision), rounder("indicator_score", rs.precision))
    frame = frame.with_columns(
        complete=(pl.col("n_not_evaluable") == 0)
        & (pl.col("n_indicators") > 0)
        & pl.col("points_issue").is_null()
        & pl.col("budget_issue").is_null(),
    )
    frame = frame.with_columns(grade=_grade(plan), issues=_issues())
    if rs.incomplete_grade == "withhold":
        frame = frame.with_columns(
            grade=pl.when(pl.col("complete")).then(pl.col("grade")).otherwise(pl.lit(UNGRADED))
        )
    for c in plan.categories:
        frame = frame.with_columns(rounder(f"{c}_score", rs.precision).alias(f"{c}_score"))
    return frame.drop("rate", "points", *rs.params)


def _budget_issue() -> pl.Expr:
    return (
        pl.when(pl.col("amount_errors").is_not_null() & (pl.col("amount_errors") != ""))
        .then(pl.col("amount_errors"))
        .when(pl.col("budget_score").is_null())
        .then(
            pl.format(
                "budget execution rate not computable (全年预算数 {}, 全年执行数 {})",
                shown(pl.col("budget")),
                shown(pl.col("spent")),
            )
        )
    )


def _issues() -> pl.Expr:
    parts = [
        pl.col("budget_issue"),
        pl.col("points_issue"),
        pl.when(pl.col("n_indicators") == 0).then(pl.lit("no indicator rows")),
        pl.when(pl.col("n_not_evaluable") > 0).then(
            pl.format("{} indicator(s) not evaluable", pl.col("n_not_evaluable"))
        ),
    ]
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def department_summary(projects: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Per department: counts, mean/min/max total, grade distribution, money."""
    rs = plan.loaded.ruleset
    names = [g.name for g in sorted(rs.grades, key=lambda g: -g.min)]
    dept = pl.coalesce(pl.col("department"), pl.lit("(未填部门)")).alias("department")
    summary = projects.group_by(dept).agg(
        pl.len().alias("n_projects"),
        (~pl.col("complete")).sum().alias("n_incomplete"),
        pl.col("total").mean().alias("mean_total"),
        pl.col("total").min().alias("min_total"),
        pl.col("total").max().alias("max_total"),
        *[(pl.col("grade") == n).sum().alias(f"grade_{n}") for n in [*names, UNGRADED]],
        pl.col("budget").sum().alias("budget"),
        pl.col("spent").sum().alias("spent"),
    )
    return summary.with_columns(
        rounder("mean_total", rs.precision).alias("mean_total"),
        execution_rate=pl.when(pl.col("budget") != 0).then(pl.col("spent") / pl.col("budget")),
    ).sort("department")
