"""Explain one project step by step, recomputed with the reference evaluator.

The batch path scores with compiled Polars expressions; this module re-derives every
number of one project from the same parsed inputs with the one-row reference evaluator
(simpleeval over the checked IR) and refuses to answer if the two disagree, so what an
analyst reads is what the batch produced.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from jixiao.scoring.errors import JixiaoError, did_you_mean
from jixiao.scoring.explain.indicator import explain_row
from jixiao.scoring.jobs.selfeval import Results
from jixiao.scoring.rules.compile import Plan, rounding
from jixiao.scoring.rules.contexts import BUDGET_PART
from jixiao.scoring.stages.rollup import UNGRADED

AGREE = 1e-9


@dataclass
class IndicatorStep:
    """One indicator: what was read, which rule applied, what it gave."""

    level1: str
    level2: str
    indicator: str
    target_text: str | None
    actual_text: str | None
    comparator: str | None
    target: float | None
    upper: float | None
    actual: float | None
    unit: str | None
    tier: str | None
    rule: str
    expression: str
    points: float
    score: float | None
    evaluable: bool
    reason: str | None
    note: str | None
    source: str
    kind: str | None
    direction: str | None
    achieved: bool | None
    ratio: float | None
    has_explanation: bool


@dataclass
class Explanation:
    """A project's score, step by step, as the reference evaluator computed it."""

    project_id: str
    project_name: str | None
    department: str | None
    ruleset: str
    budget: float | None
    spent: float | None
    execution_rate: float | None
    budget_rule: str
    budget_points: float
    budget_score: float | None
    categories: dict[str, dict[str, float]] = field(default_factory=dict)
    indicators: list[IndicatorStep] = field(default_factory=list)
    total: float = 0.0
    grade: str | None = None
    complete: bool = True
    issues: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    """Catalogue names of the level-1 and level-2 ids, for display."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _round(plan: Plan, value: float | None, precision: int) -> float | None:
    result = plan.reference(rounding("value", precision), {"value": value})
    return None if result is None else float(result)  # type: ignore[arg-type]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _expression(plan: Plan, row: dict[str, Any]) -> str:
    rs = plan.loaded.ruleset
    if row["kind"] == "qualitative":
        q = rs.rules.qualitative
        tier = q.tiers.get(row["tier"] or "")
        band = f"{tier.min:g}–{tier.max:g} × points, default {tier.default:g}" if tier else "?"
        return f"tier {row['tier']}: claimed score within {band}"
    direction = row["direction"]
    return str(getattr(rs.rules.quantitative, direction)) if direction else "?"


def _step(plan: Plan, row: dict[str, Any]) -> IndicatorStep:
    got = explain_row(plan, row, f"indicator {row['indicator']!r} (row {row['source_row']})")
    source = f"{row['source_file']}" + (f"[{row['source_sheet']}]" if row["source_sheet"] else "")
    return IndicatorStep(
        level1=row["level1"],
        level2=row["level2"],
        indicator=row["indicator"],
        target_text=row["target_text"],
        actual_text=row["actual_text"],
        comparator=row["comparator"],
        target=row["target"],
        upper=row["upper"],
        actual=got.actual,
        unit=row["unit"],
        tier=row["tier"],
        rule=got.rule,
        expression=" ".join(_expression(plan, {**row, **asdict(got)}).split()),
        points=row["points"],
        score=got.score,
        evaluable=got.evaluable,
        reason=got.reason,
        note=row["note"],
        source=f"{source} row {row['source_row']}",
        kind=got.kind,
        direction=got.direction,
        achieved=got.achieved,
        ratio=got.ratio,
        has_explanation=got.has_explanation,
    )


def _agree(reference: float | None, batch: float | None, what: str) -> None:
    same = (reference is None and batch is None) or (
        reference is not None
        and batch is not None
        and math.isclose(reference, batch, abs_tol=AGREE)
    )
    if not same:
        raise JixiaoError(
            f"internal error: {what}: reference gives {reference}, batch gave {batch}"
        )


def _grade(plan: Plan, total: float, complete: bool) -> str | None:
    rs = plan.loaded.ruleset
    if not complete and rs.incomplete_grade == "withhold":
        return UNGRADED
    top = max(g.max for g in rs.grades)
    for g in rs.grades:
        if g.min <= total and (total < g.max or (g.max == top and total <= g.max)):
            return g.name
    return None


def explain(plan: Plan, results: Results, project_id: str) -> Explanation:
    """Recompute one project with the reference evaluator; raise if it disagrees with batch."""
    rs = plan.loaded.ruleset
    projects = results.project_scores.filter(pl.col("project_id") == project_id)
    if projects.is_empty():
        known = results.project_scores["project_id"].to_list()
        hint = did_you_mean(project_id, known)
        msg = f"no scored project {project_id!r} (not in the projects table, or rejected: see rejects)"
        raise JixiaoError(msg + (f" — {hint}" if hint else ""))
    p = projects.row(0, named=True)
    weight = rs.weights.get(BUDGET_PART, 0.0)
    names = {c: p.get(c) for c in ("budget_initial", "budget", "spent", "allocated")}
    rate = _num(plan.reference(plan.budget_rate, names))
    budget_score = _num(plan.reference(plan.budget_score, {"rate": rate, "points": weight}))
    _agree(budget_score, p["budget_score"], "budget score")
    out = Explanation(
        project_id=project_id,
        project_name=p["project_name"],
        department=p["department"],
        ruleset=f"{rs.id} {rs.version}",
        budget=p["budget"],
        spent=p["spent"],
        execution_rate=rate,
        budget_rule=rs.budget_execution.score,
        budget_points=weight,
        budget_score=budget_score,
        names={**plan.vocab.level1_names, **plan.vocab.level2_names},
    )
    rows = results.indicator_scores.filter(pl.col("project_id") == project_id).iter_rows(named=True)
    out.indicators = [_step(plan, row) for row in rows]
    _roll_up(plan, out, p)
    return out


def _roll_up(plan: Plan, out: Explanation, batch: dict[str, Any]) -> None:
    rs = plan.loaded.ruleset
    for c in plan.categories:
        steps = [s for s in out.indicators if s.level1 == c]
        scored = sum(s.score for s in steps if s.score is not None)
        out.categories[c] = {
            "weight": rs.weights[c],
            "points": sum(s.points for s in steps),
            "score": _round(plan, scored, rs.precision) or 0.0,
        }
        _agree(out.categories[c]["score"], batch[f"{c}_score"], f"{c} subtotal")
    raw = (out.budget_score or 0.0) + sum(v["score"] for v in out.categories.values())
    if rs.when_category_missing == "rescale" and any(
        v["points"] == 0 for v in out.categories.values()
    ):
        present = sum(v["points"] for v in out.categories.values())
        if present > 0:
            raw = raw / (rs.weights.get(BUDGET_PART, 0.0) + present) * rs.scale
    out.total = _round(plan, raw, rs.precision) or 0.0
    _agree(out.total, batch["total"], "total")
    out.complete = bool(batch["complete"])
    out.issues = batch["issues"]
    out.grade = _grade(plan, out.total, out.complete)
    if out.grade != batch["grade"]:
        raise JixiaoError(f"internal error: grade: reference {out.grade}, batch {batch['grade']}")
