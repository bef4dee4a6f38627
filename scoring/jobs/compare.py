"""Compare two rulesets over the same inputs: who moves, which departments win or lose,
which keys differ (`jixiao compare`, `jixiao whatif`; docs/compare.md).

The inputs are read and parsed once: both plans score the same prepared rows
(`selfeval.prepare` / `score_prepared`) when they prepare rows alike (same catalogue,
default comparator and weighted categories: `selfeval.preparation_key`). When they do
not, each side prepares its own rows, and the results say so (`CompareResults.notes`).
Each side's scores are exactly what `score` gives for that ruleset (tested); the tables
here are joins and counts over the two project tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.io.read import Inputs
from jixiao.scoring.jobs.ruleset_diff import ruleset_diff
from jixiao.scoring.jobs.selfeval import (
    Prepared,
    Results,
    preparation_key,
    prepare,
    score_prepared,
)
from jixiao.scoring.rules.compile import Plan, rounder

TOP_MOVERS = 50
"""Rows of `top_movers`: the projects that moved most."""

NOT_SCORED = "未评分"
"""Grade shown in `migration` for a project one side did not score (it was rejected
there: possible only when the two sides prepared the rows differently)."""

_ORDER = "_order"
_UNGRADED = 1_000_000
"""The place of the withheld grade (and NOT_SCORED) after every band."""


@dataclass
class CompareResults:
    """Both sides' scored results and the comparison tables (columns.COMPARE_TABLES)."""

    base: Results
    candidate: Results
    compare_projects: pl.DataFrame
    migration: pl.DataFrame
    compare_departments: pl.DataFrame
    ruleset_diff: pl.DataFrame
    top_movers: pl.DataFrame
    grades: list[str]
    """Every grade of either side, best first, withheld and not-scored last."""
    shared: bool
    """True when both sides scored the same prepared rows (read and parsed once)."""
    notes: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    inputs: Inputs | None = None
    """The inputs as read (the base's reading), for a caller to say what was read."""

    def tables(self) -> dict[str, pl.DataFrame]:
        return {
            "compare_projects": self.compare_projects,
            "migration": self.migration,
            "compare_departments": self.compare_departments,
            "ruleset_diff": self.ruleset_diff,
            "top_movers": self.top_movers,
            "near_boundary_base": self.base.near_boundary,
            "near_boundary_candidate": self.candidate.near_boundary,
            "rejects": self.base.rejects,
        }

    @property
    def n_changed(self) -> int:
        """Projects whose grade differs between the two sides."""
        frame = self.compare_projects
        return int(frame.select(_changed().sum()).item())


def run(
    base: Plan,
    candidate: Plan,
    inputs: Inputs,
    *,
    year: int | None = None,
    candidate_inputs: Inputs | None = None,
    full: bool = False,
) -> CompareResults:
    """Score `inputs` under both plans, preparing the rows once when the plans allow it
    (`candidate_inputs`: the inputs read with the candidate's catalogue, when its column
    aliases differ from the base's; default `inputs`).

    Each side is scored lean (`selfeval.score_prepared`: totals, grades, departments
    and near-boundary lists as `score` gives them, no indicator rows kept, no flags);
    `full` keeps both sides' indicator rows and flags too, at about twice the time."""
    started = time.perf_counter()
    prepared = prepare(base, inputs, year=year)
    notes: list[str] = []
    shared = preparation_key(candidate) == prepared.key and candidate_inputs is None
    if shared:
        other: Prepared = prepared
    else:
        other = prepare(candidate, candidate_inputs or inputs, year=year)
        notes.append(
            "the candidate reads or places rows differently from the base (catalogue, "
            "default comparator or weighted categories differ): the inputs were prepared "
            "for each side"
        )
    out = compare(
        score_prepared(base, prepared, lean=not full),
        score_prepared(candidate, other, lean=not full),
        shared=shared,
        notes=notes,
        seconds=time.perf_counter() - started,
    )
    out.inputs = inputs
    extra = out.candidate.rejects.height - out.base.rejects.height
    if not shared and extra:
        out.notes.append(
            f"the candidate rejects {extra:+,} rows against the base (rejects holds the "
            "base's; the candidate's row accounting is in manifest.json)"
        )
        out.manifest["notes"] = out.notes
    return out


def compare(
    base: Results,
    candidate: Results,
    *,
    shared: bool = True,
    notes: list[str] | None = None,
    seconds: float = 0.0,
) -> CompareResults:
    """The comparison tables of two scored results of the same inputs."""
    base_plan, candidate_plan = _plan(base), _plan(candidate)
    projects = compare_projects(base, candidate)
    grades = grade_order(base_plan, candidate_plan, projects)
    out = CompareResults(
        base=base,
        candidate=candidate,
        compare_projects=projects,
        migration=migration(projects, grades),
        compare_departments=departments(
            projects,
            _bands(base_plan),
            _bands(candidate_plan),
            _precision(base_plan, candidate_plan),
        ),
        ruleset_diff=ruleset_diff(base_plan.loaded, candidate_plan.loaded),
        top_movers=top_movers(projects),
        grades=grades,
        shared=shared,
        notes=list(notes or []),
    )
    out.manifest = _manifest(out, seconds)
    return out


def _plan(results: Results) -> Plan:
    if results.plan is None:
        raise ValueError("results without a plan cannot be compared")
    return results.plan


def _precision(base: Plan, candidate: Plan) -> int:
    return max(base.loaded.ruleset.precision, candidate.loaded.ruleset.precision)


def _side(results: Results, side: str) -> pl.LazyFrame:
    total = pl.col("total")
    return (
        results.project_scores.lazy()
        .with_row_index(f"_{side}_order")
        .select(
            f"_{side}_order",
            "project_id",
            pl.col("project_name").alias(f"_{side}_name"),
            pl.col("department").alias(f"_{side}_department"),
            total.alias(f"{side}_total"),
            pl.col("grade").alias(f"{side}_grade"),
            total.rank("min", descending=True).cast(pl.Int64).alias(f"{side}_rank"),
        )
    )


def compare_projects(base: Results, candidate: Results) -> pl.DataFrame:
    """One row per project scored on either side: the base's projects in input order,
    then any only the candidate scored."""
    precision = _precision(_plan(base), _plan(candidate))
    joined = _side(base, "base").join(
        _side(candidate, "candidate"), on="project_id", how="full", coalesce=True
    )
    frame = joined.sort("_base_order", "_candidate_order", nulls_last=True).with_columns(
        project_name=pl.coalesce("_base_name", "_candidate_name"),
        department=pl.coalesce("_base_department", "_candidate_department"),
        delta=pl.col("candidate_total") - pl.col("base_total"),
    )
    frame = frame.with_columns(delta=rounder("delta", precision))
    schema = columns.compare_schema("compare_projects")
    return frame.select(pl.col(n).cast(t) for n, t in schema.items()).collect()


def _bands(plan: Plan) -> list[str]:
    rs = plan.loaded.ruleset
    return [g.name for g in sorted(rs.grades, key=lambda g: -g.min)]


def grade_order(base: Plan, candidate: Plan, projects: pl.DataFrame) -> list[str]:
    """Every grade, best first: the base's bands, the candidate's other bands, then the
    withheld grades, then any grade written that no band names, then NOT_SCORED."""
    order: list[str] = []
    withheld = [base.loaded.ruleset.withheld_grade, candidate.loaded.ruleset.withheld_grade]
    for name in [*_bands(base), *_bands(candidate), *withheld]:
        if name not in order:
            order.append(name)
    for side in ("base_grade", "candidate_grade"):
        for name in projects[side].drop_nulls().unique(maintain_order=True).to_list():
            if name not in order:
                order.append(name)
    if projects.select(pl.col("base_grade", "candidate_grade").null_count()).sum_horizontal()[0]:
        order.append(NOT_SCORED)
    return order


def _changed() -> pl.Expr:
    """The grade differs (a project scored on one side only counts as changed)."""
    return pl.col("base_grade").ne_missing(pl.col("candidate_grade"))


def _labelled(projects: pl.DataFrame) -> pl.LazyFrame:
    return projects.lazy().with_columns(
        pl.col("base_grade", "candidate_grade").fill_null(NOT_SCORED)
    )


def migration(projects: pl.DataFrame, grades: list[str]) -> pl.DataFrame:
    """Projects per (base grade, candidate grade): every pair of `grades`, zeros included,
    rows in grade order (the report's heatmap reads the order from the rows)."""
    pairs = pl.DataFrame(
        {
            "base_grade": [b for b in grades for _ in grades],
            "candidate_grade": [c for _ in grades for c in grades],
        }
    ).lazy()
    counts = _labelled(projects).group_by("base_grade", "candidate_grade").agg(n=pl.len())
    frame = pairs.join(
        counts, on=["base_grade", "candidate_grade"], how="left", maintain_order="left"
    )
    schema = columns.compare_schema("migration")
    return frame.select(pl.col(n).fill_null(0).cast(t) for n, t in schema.items()).collect()


def _position(column: str, bands: list[str]) -> pl.Expr:
    """A grade's place among its own ruleset's bands, best first; the withheld grade and
    NOT_SCORED after every band."""
    order = {g: i for i, g in enumerate(bands)}
    last = _UNGRADED  # the same on both sides, whatever their number of bands
    return pl.col(column).replace_strict(order, default=last, return_dtype=pl.Int64)


def departments(
    projects: pl.DataFrame,
    base_bands: list[str],
    candidate_bands: list[str],
    precision: int,
) -> pl.DataFrame:
    """Per department: projects, mean totals on both sides, mean delta, grade changes.
    Up and down compare each grade's place among its own ruleset's bands (best first,
    withheld last), so a renamed band (优 → A) is neither. Largest mean gain first."""
    before = _position("base_grade", base_bands)
    after = _position("candidate_grade", candidate_bands)
    frame = (
        _labelled(projects)
        .group_by("department", maintain_order=True)
        .agg(
            n_projects=pl.len(),
            base_mean_total=pl.col("base_total").mean(),
            candidate_mean_total=pl.col("candidate_total").mean(),
            mean_delta=pl.col("delta").mean(),
            n_changed_grade=(pl.col("base_grade") != pl.col("candidate_grade")).sum(),
            n_up=(after < before).sum(),
            n_down=(after > before).sum(),
        )
        .with_columns(
            rounder(name, precision + 2).alias(name)
            for name in ("base_mean_total", "candidate_mean_total", "mean_delta")
        )
        .sort(["mean_delta", "department"], descending=[True, False], nulls_last=True)
    )
    schema = columns.compare_schema("compare_departments")
    return frame.select(pl.col(n).cast(t) for n, t in schema.items()).collect()


def top_movers(projects: pl.DataFrame, n: int = TOP_MOVERS) -> pl.DataFrame:
    """The projects that moved: largest |delta| first; a grade change without a score
    change (or a side not scored) after them; ties in input order."""
    moved = projects.lazy().with_row_index(_ORDER).filter((pl.col("delta") != 0) | _changed())
    ordered = moved.sort(
        [pl.col("delta").abs(), _changed(), pl.col(_ORDER)],
        descending=[True, True, False],
        nulls_last=True,
    )
    return ordered.drop(_ORDER).head(n).collect()


def _manifest(out: CompareResults, seconds: float) -> dict[str, Any]:
    """The base's manifest (ruleset, catalogue, inputs with hashes, row accounting), the
    candidate's ruleset and rows, and what the comparison found."""
    head = {k: v for k, v in out.base.manifest.items() if k not in ("job", "timings")}
    side = out.candidate.manifest
    return {
        "job": "compare",
        **head,
        "candidate": {k: side.get(k) for k in ("ruleset", "catalogue", "rows")},
        "prepared": "once" if out.shared else "for each side",
        "notes": out.notes,
        "compare": {
            "projects": out.compare_projects.height,
            "changed_grade": out.n_changed,
            "keys_differing": out.ruleset_diff.height,
        },
        "timings": {"compare_seconds": round(seconds, 3)},
    }


__all__ = [
    "TOP_MOVERS",
    "CompareResults",
    "compare",
    "compare_projects",
    "departments",
    "grade_order",
    "migration",
    "run",
    "top_movers",
]
