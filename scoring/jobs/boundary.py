"""The near-boundary list: projects within `params.boundary_margin` points of a grade
boundary, the boundary and the distance — the projects a small change would flip.

`score` writes it beside project_scores; `compare` can call `near_boundary` on either
side's project table. The test per boundary is the plan's compiled expression
(rules/boundary_rules.py, from the band table `grade` is compiled from); this module only
runs it and lays out the rows.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.expr import to_polars
from jixiao.scoring.rules.compile import Plan

_INDEX = "_project_order"


def near_boundary(plan: Plan, project_scores: pl.DataFrame) -> pl.DataFrame:
    """One row per project and boundary it sits near, projects in their input order and
    each project's boundaries from low to high; columns from the registry
    (`columns.NEAR_BOUNDARY`). `project_scores` needs `project_id`, `project_name`,
    `department`, `total` and `grade`."""
    rules = plan.boundary
    frame = project_scores.lazy().with_row_index(_INDEX)
    frame = frame.with_columns(pl.lit(v, pl.Float64).alias(k) for k, v in rules.constants.items())
    parts = [
        frame.filter(to_polars(edge.near).fill_null(False)).select(
            _INDEX,
            "project_id",
            "project_name",
            "department",
            "total",
            "grade",
            boundary=pl.lit(edge.boundary, pl.Float64),
            distance=to_polars(edge.distance),
            grade_below=pl.lit(edge.below, pl.String),
            grade_above=pl.lit(edge.above, pl.String),
            margin=pl.lit(rules.margin, pl.Float64),
        )
        for edge in rules.edges
    ]
    schema = columns.schema("near_boundary")
    if not parts:
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).sort(_INDEX, "boundary", maintain_order=True).drop(_INDEX)
    return out.select(pl.col(name).cast(dtype) for name, dtype in schema.items()).collect()
