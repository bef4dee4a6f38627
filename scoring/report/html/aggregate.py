"""Every chart's data, aggregated by Polars before it reaches a chart.

A chart never receives one row per project: 100k projects become a few dozen rows
(counts per grade, per score bin, per department), so the page stays small and the
browser draws quickly. Each function takes the results tables as written and returns a
small DataFrame whose columns the matching function in `charts` reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

UNGRADED = "未定级"
BLANK_DEPARTMENT = "（未填写部门）"
"""A project without a department is charted under this label (never as a null)."""

LIGHTS = ("red", "yellow", "green", "grey")
LIGHT_LABELS = {"red": "红", "yellow": "黄", "green": "绿", "grey": "灰"}
LIGHT_KINDS = {
    "light": "综合",
    "budget_light": "预算执行",
    "goal_light": "目标完成",
    "forecast_light": "全年预计",
}


def grade_order(department_summary: pl.LazyFrame | None, grades: Sequence[str]) -> list[str]:
    """Grades best first, 未定级 last: the order of department_summary's `grade_*`
    columns (the ruleset's bands); grades seen only in the data follow in their order."""
    order: list[str] = []
    if department_summary is not None:
        names = department_summary.collect_schema().names()
        order = [c.removeprefix("grade_") for c in names if c.startswith("grade_")]
    extra = [g for g in grades if g not in order]
    return [*order, *extra]


def grade_distribution(project_scores: pl.LazyFrame, order: Sequence[str]) -> pl.DataFrame:
    """grade, n, share: projects per grade in `order` (a grade with none shows 0); a
    missing grade counts as 未定级."""
    counts = dict(
        project_scores.select(pl.col("grade").fill_null(UNGRADED))
        .group_by("grade")
        .len()
        .collect()
        .iter_rows()
    )
    names = [*order, *sorted(g for g in counts if g not in order)]
    total = sum(counts.values()) or 1
    rows = [(g, int(counts.get(g, 0))) for g in names]
    return pl.DataFrame(
        {
            "grade": [g for g, _ in rows],
            "n": [n for _, n in rows],
            "share": [round(n / total, 4) for _, n in rows],
        },
        schema={"grade": pl.String, "n": pl.Int64, "share": pl.Float64},
    )


def histogram(frame: pl.LazyFrame, column: str, width: float = 5.0) -> pl.DataFrame:
    """bin_start, bin_end, n: the column's non-null values in bins of `width` (a value on
    a boundary goes to the bin it starts; the top value to the last bin, so 100 is
    counted with 95–100 rather than alone)."""
    values = frame.select(pl.col(column).cast(pl.Float64)).drop_nulls().drop_nans()
    stats = values.select(lo=pl.col(column).min(), hi=pl.col(column).max()).collect()
    lo, hi = stats["lo"][0], stats["hi"][0]
    schema = {"bin_start": pl.Float64, "bin_end": pl.Float64, "n": pl.Int64}
    if lo is None or hi is None:
        return pl.DataFrame(schema=schema)
    first = math.floor(lo / width) * width
    last_start = max(first, math.ceil(hi / width) * width - width)
    index = ((pl.col(column) - first) / width).floor().clip(0, (last_start - first) / width)
    counts = dict(
        values.select(index.cast(pl.Int64).alias("i")).group_by("i").len().collect().iter_rows()
    )
    n_bins = round((last_start - first) / width) + 1
    return pl.DataFrame(
        {
            "bin_start": [first + i * width for i in range(n_bins)],
            "bin_end": [first + (i + 1) * width for i in range(n_bins)],
            "n": [int(counts.get(i, 0)) for i in range(n_bins)],
        },
        schema=schema,
    )


def department_spread(project_scores: pl.LazyFrame, value: str = "total") -> pl.DataFrame:
    """department, n, mean, min, q1, median, q3, max of `value`, best mean first (ties
    by name, so the order is stable); projects without a value are not counted."""
    v = pl.col(value)
    return (
        project_scores.filter(v.is_not_null())
        .with_columns(pl.col("department").fill_null(BLANK_DEPARTMENT))
        .group_by("department")
        .agg(
            n=pl.len(),
            mean=v.mean().round(2),
            min=v.min(),
            q1=v.quantile(0.25, "linear").round(2),
            median=v.median().round(2),
            q3=v.quantile(0.75, "linear").round(2),
            max=v.max(),
        )
        .sort(["mean", "department"], descending=[True, False])
        .collect()
    )


def category_columns(project_scores: pl.LazyFrame) -> list[str]:
    """The per-category score columns (`<level1>_score`, and `budget_score`) of a
    project_scores table, in table order: `<x>_score` columns that have an `<x>_points`
    partner, which only weighted categories have."""
    names = project_scores.collect_schema().names()
    cats = [
        c for c in names if c.endswith("_score") and f"{c.removesuffix('_score')}_points" in names
    ]
    return [c for c in ("budget_score",) if c in names] + cats


def category_means(
    project_scores: pl.LazyFrame, score_columns: Sequence[str], labels: dict[str, str]
) -> pl.DataFrame:
    """department, category, mean, order: each category's mean score per department, and
    over all projects (department 全部), for a stacked bar per department."""
    if not score_columns:
        return pl.DataFrame(
            schema={
                "department": pl.String,
                "category": pl.String,
                "mean": pl.Float64,
                "order": pl.Int64,
            }
        )
    means = [pl.col(c).mean().round(2).alias(c) for c in score_columns]
    per_dept = (
        project_scores.with_columns(pl.col("department").fill_null(BLANK_DEPARTMENT))
        .group_by("department")
        .agg(means)
    )
    overall = project_scores.select(means).with_columns(department=pl.lit("全部"))
    wide = pl.concat([overall, per_dept.sort("department")], how="diagonal").collect()
    rows = []
    for dept, *vals in wide.select("department", *score_columns).iter_rows():
        for i, (col, val) in enumerate(zip(score_columns, vals, strict=True)):
            rows.append((dept, labels.get(col, col), val, i))
    return pl.DataFrame(
        rows,
        schema={
            "department": pl.String,
            "category": pl.String,
            "mean": pl.Float64,
            "order": pl.Int64,
        },
        orient="row",
    )


def flag_counts(flags: pl.LazyFrame) -> pl.DataFrame:
    """flag, severity, department, n: flags raised per id and department (a flag raised
    at department level counts for its department), most frequent flag first."""
    counts = (
        flags.with_columns(pl.col("department").fill_null(""))
        .group_by("flag", "severity", "department")
        .len("n")
        .collect()
    )
    totals = counts.group_by("flag").agg(total=pl.col("n").sum())
    return (
        counts.join(totals, on="flag")
        .sort(["total", "flag", "department"], descending=[True, False, False])
        .select("flag", "severity", "department", pl.col("n").cast(pl.Int64))
    )


def flag_totals(counts: pl.DataFrame) -> pl.DataFrame:
    """flag, severity, n: the flag_counts summed over departments, most frequent first."""
    return (
        counts.group_by("flag", "severity")
        .agg(n=pl.col("n").sum())
        .sort(["n", "flag"], descending=[True, False])
    )


def light_counts(projects: pl.LazyFrame) -> pl.DataFrame:
    """kind, light, n, order: projects per light for each light column present (综合,
    预算执行, 目标完成, 全年预计), every colour listed (0 when none)."""
    names = projects.collect_schema().names()
    kinds = [k for k in LIGHT_KINDS if k in names]
    rows = []
    if kinds:
        got = projects.select(
            [(pl.col(k) == light).sum().alias(f"{k}|{light}") for k in kinds for light in LIGHTS]
        ).collect()
        for k in kinds:
            for i, light in enumerate(LIGHTS):
                rows.append((LIGHT_KINDS[k], LIGHT_LABELS[light], int(got[f"{k}|{light}"][0]), i))
    return pl.DataFrame(
        rows,
        schema={"kind": pl.String, "light": pl.String, "n": pl.Int64, "order": pl.Int64},
        orient="row",
    )


def department_lights(departments: pl.LazyFrame) -> pl.DataFrame:
    """department, light, n, order: each department's projects per overall light (from
    monitor_departments' `n_light_*`), departments with the most red first."""
    wide = departments.collect()
    cols = [f"n_light_{light}" for light in LIGHTS]
    if not set(cols) <= set(wide.columns):
        return pl.DataFrame(
            schema={"department": pl.String, "light": pl.String, "n": pl.Int64, "order": pl.Int64}
        )
    wide = wide.sort(
        ["n_light_red", "n_light_yellow", "department"], descending=[True, True, False]
    )
    rows = []
    for dept, *vals in wide.select("department", *cols).iter_rows():
        for i, (light, n) in enumerate(zip(LIGHTS, vals, strict=True)):
            rows.append((dept, LIGHT_LABELS[light], int(n or 0), i))
    return pl.DataFrame(
        rows,
        schema={"department": pl.String, "light": pl.String, "n": pl.Int64, "order": pl.Int64},
        orient="row",
    )
