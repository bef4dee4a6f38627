"""Explain one project step by step, recomputed with the reference evaluator.

The batch path scores with compiled Polars expressions; this module re-derives every
number of one project from the same parsed inputs with the one-row reference evaluator
(simpleeval over the checked IR) and refuses to answer if the two disagree, so what an
analyst reads is what the batch produced.

The project level runs the compiled roll-up steps of the ruleset (`plan.project`: total,
roll-up checks, issues, completeness, grade) over sums of the recomputed indicator steps;
`explain_department` runs the department measures with `evaluate_aggregate`. The one input
project_scores does not carry is the reader's message for an unreadable amount; it is taken
from the batch issues (the rest of that text is still recomputed and compared).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from jixiao.scoring.errors import JixiaoError, did_you_mean
from jixiao.scoring.explain import flags as flag_rules
from jixiao.scoring.explain.flags import FlagStep
from jixiao.scoring.explain.indicator import applied, explain_row, project_sums
from jixiao.scoring.explain.reevaluation import ReevaluationStep, explain_reevaluation
from jixiao.scoring.expr import Type, evaluate, evaluate_aggregate
from jixiao.scoring.fmt import shown
from jixiao.scoring.jobs.selfeval import Results
from jixiao.scoring.rules.compile import Plan, rounding
from jixiao.scoring.rules.contexts import BUDGET_PART
from jixiao.scoring.rules.project_rules import Messages, l2_points
from jixiao.scoring.rules.weighting_rules import APPLIED
from jixiao.scoring.stages.prepare import BUDGET_CUT_RATE

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
    """Points as the department wrote them."""
    applied_points: float
    """Points the rules used (`weighting`: as written under check, scaled under
    proportional)."""
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
    claimed_in_band: bool | None = None
    """A qualitative row's claimed score inside its tier band (null: no claim, quantitative)."""
    claimed_differs: bool | None = None
    """The claimed score is more than half a unit of the precision from the score."""


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
    total: float | None = 0.0
    indicator_score: float | None = None
    grade: str | None = None
    complete: bool = True
    issues: str | None = None
    n_indicators: int = 0
    n_not_evaluable: int = 0
    n_missed: int = 0
    """Indicators not met (evaluable and `achieved` false), recomputed from the steps."""
    names: dict[str, str] = field(default_factory=dict)
    """Catalogue names of the level-1 and level-2 ids, for display."""
    flags: list[FlagStep] = field(default_factory=list)
    """The project's indicator and project flags (explain/flags.py), recomputed."""
    reevaluation: ReevaluationStep | None = None
    """Claimed against recomputed, line by line with the reason (explain/reevaluation.py);
    None when the project claims nothing or the ruleset has no reevaluation section."""
    near_boundary: list[dict[str, Any]] = field(default_factory=list)
    """The grade boundaries the total sits within params.boundary_margin of (boundary,
    distance, grade_below, grade_above), recomputed (rules/boundary_rules.py)."""

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


def _step(plan: Plan, row: dict[str, Any], sums: dict[str, Any]) -> IndicatorStep:
    what = f"indicator {row['indicator']!r} (row {row['source_row']})"
    got = explain_row(plan, row, what, sums)
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
        applied_points=applied(plan, row, sums)[APPLIED],
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
        claimed_in_band=got.claimed_in_band,
        claimed_differs=got.claimed_differs,
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
    rows = list(
        results.indicator_scores.filter(pl.col("project_id") == project_id).iter_rows(named=True)
    )
    sums = project_sums(plan, rows)
    out.indicators = [_step(plan, row, sums) for row in rows]
    _roll_up(plan, out, p)
    out.near_boundary = _near_boundary(plan, out, results, project_id)
    out.flags = flag_rules.project_flags(plan, rows, p)
    batch = results.flags.filter(
        (pl.col("project_id") == project_id) & (pl.col("level") != "department")
    )
    flag_rules.agree(out.flags, batch, f"project {project_id!r}")
    out.reevaluation = explain_reevaluation(plan, results, project_id)
    return out


def _sums(plan: Plan, steps: list[IndicatorStep]) -> dict[str, object]:
    """The per-project sums the roll-up reads, from the recomputed indicator steps."""
    rs = plan.loaded.ruleset
    row: dict[str, object] = {
        "n_indicators": float(len(steps)),
        "n_not_evaluable": float(sum(not s.evaluable for s in steps)),
        "n_missed": float(sum(s.achieved is False for s in steps)),
        "points_total": sum(s.applied_points for s in steps),
    }
    for c in plan.categories:
        mine = [s for s in steps if s.level1 == c]
        row[f"{c}_points"] = sum(s.applied_points for s in mine)
        row[f"{c}_score"] = sum(s.score for s in mine if s.score is not None)
        row[f"{c}_n"] = float(len(mine))
    for l1, parts in rs.level2_weights.items():
        for l2 in parts:
            points = [s.applied_points for s in steps if s.level1 == l1 and s.level2 == l2]
            row[l2_points(l1, l2)] = sum(points)
    return row


def _shown(value: object) -> str:
    """A number inside a message, formatted exactly as the batch formats it."""
    return str(pl.select(shown(pl.lit(value, pl.Float64))).item())


def _text(value: Messages, row: dict[str, object]) -> str | None:
    texts = []
    for m in value.parts:
        if evaluate(m.when, row) is True:
            args = [
                _shown(evaluate(a, row)) if a.type == Type.NUMBER else evaluate(a, row)
                for a in m.args
            ]
            texts.append(m.template.format(*args))
    if value.first:
        return texts[0] if texts else None
    return "; ".join(texts) or None


def _run_steps(plan: Plan, row: dict[str, object]) -> dict[str, object]:
    """Every project step of the compiled ruleset, in order, with the reference evaluator."""
    row = {**plan.project.constants, **row}
    for name, value in plan.project.steps:
        row[name] = _text(value, row) if isinstance(value, Messages) else evaluate(value, row)
    return row


def _reader_message(batch_issues: str | None, rest: str | None) -> str | None:
    """The reader's message for an unreadable amount, which project_scores does not carry:
    the part of the batch issues before the recomputed rest (that rest is still checked)."""
    if batch_issues is None:
        return None
    if rest is None:
        return batch_issues
    tail = "; " + rest
    return batch_issues[: -len(tail)] if batch_issues.endswith(tail) else None


def _roll_up(plan: Plan, out: Explanation, batch: dict[str, Any]) -> None:
    """Recompute every project-level column shown, then insist the batch agrees."""
    rs = plan.loaded.ruleset
    inputs: dict[str, object] = {
        **_sums(plan, out.indicators),
        "budget_score": out.budget_score,
        "budget": out.budget,
        "spent": out.spent,
        "amount_errors": batch.get("amount_errors"),
    }
    row = _run_steps(plan, inputs)
    if (
        "amount_errors" not in batch
        and out.budget_score is None
        and row["issues"] != batch["issues"]
    ):
        rest = _run_steps(plan, {**inputs, "budget_score": 0.0})["issues"]
        inputs["amount_errors"] = _reader_message(batch["issues"], rest)  # type: ignore[arg-type]
        row = _run_steps(plan, inputs)
    for c in plan.categories:
        out.categories[c] = {
            "weight": rs.weights[c],
            "points": float(row[f"{c}_points"]),  # type: ignore[arg-type]
            "score": float(row[f"{c}_score"]),  # type: ignore[arg-type]
        }
        _agree(out.categories[c]["score"], batch[f"{c}_score"], f"{c} subtotal")
        _agree(out.categories[c]["points"], batch[f"{c}_points"], f"{c} points")
    out.total = row["total"]  # type: ignore[assignment]
    out.indicator_score = _num(row["indicator_score"])
    out.complete = bool(row["complete"])
    out.issues = row["issues"]  # type: ignore[assignment]
    out.grade = row["grade"]  # type: ignore[assignment]
    out.n_indicators = int(row["n_indicators"])  # type: ignore[call-overload]
    out.n_not_evaluable = int(row["n_not_evaluable"])  # type: ignore[call-overload]
    out.n_missed = int(row["n_missed"])  # type: ignore[call-overload]
    counted = ["n_indicators", "n_not_evaluable", "n_missed", "points_total"]
    for what in ("total", "indicator_score", *counted):
        _agree(_num(row[what]), _num(batch[what]), what)
    for what in ("complete", "issues", "grade", "points_issue"):
        if row[what] != batch[what]:
            raise JixiaoError(
                f"internal error: {what}: reference gives {row[what]!r}, batch gave {batch[what]!r}"
            )
    _flag_inputs(plan, out, batch)


def _near_boundary(
    plan: Plan, out: Explanation, results: Results, project_id: str
) -> list[dict[str, Any]]:
    """The boundaries the recomputed total sits near, by the reference evaluator over the
    plan's boundary expressions; raise unless the batch near_boundary rows agree."""
    rules = plan.boundary
    env = {**rules.constants, "total": out.total, "grade": out.grade}
    rows = [
        {
            "boundary": edge.boundary,
            "distance": evaluate(edge.distance, env),
            "grade_below": edge.below,
            "grade_above": edge.above,
        }
        for edge in rules.edges
        if evaluate(edge.near, env) is True
    ]
    batch = results.near_boundary.filter(pl.col("project_id") == project_id)
    shown = batch.select("boundary", "distance", "grade_below", "grade_above").to_dicts()
    if shown != rows:
        raise JixiaoError(
            f"internal error: near_boundary: reference gives {rows!r}, batch gave {shown!r}"
        )
    return rows


def _flag_inputs(plan: Plan, out: Explanation, batch: dict[str, Any]) -> None:
    """The project columns only the flags read, recomputed: n_evaluable, n_full_points
    (from the recomputed steps) and budget_cut_rate."""
    precision = plan.loaded.ruleset.precision
    n_full = 0
    for s in out.indicators:
        full = _round(plan, s.applied_points, precision)
        n_full += s.evaluable and s.score is not None and full is not None and s.score >= full
    n_evaluable = sum(s.evaluable for s in out.indicators)
    _agree(float(n_evaluable), _num(batch["n_evaluable"]), "n_evaluable")
    _agree(float(n_full), _num(batch["n_full_points"]), "n_full_points")
    amounts = {"budget_initial": batch.get("budget_initial"), "budget": batch["budget"]}
    cut = _num(plan.reference(BUDGET_CUT_RATE, amounts))
    _agree(cut, batch["budget_cut_rate"], "budget_cut_rate")


def explain_department(plan: Plan, results: Results, department: str) -> dict[str, object]:
    """One department's measures recomputed with the reference evaluator over its projects
    (as written in project_scores); raise if the batch department_summary disagrees."""
    rules = plan.project
    params = plan.loaded.ruleset.params
    rows = [
        {**params, **r}
        for r in results.project_scores.iter_rows(named=True)
        if (r["department"] if r["department"] is not None else rules.department_label)
        == department
    ]
    batch = results.department_summary.filter(pl.col("department") == department)
    if not rows or batch.height != 1:
        raise JixiaoError(f"no department {department!r} in the summary")
    got = batch.row(0, named=True)
    values: dict[str, object] = {"department": department}
    for name, measure in rules.measures.items():
        values[name] = evaluate_aggregate(measure, rows)
        want = got[name]
        same = values[name] == want or (
            isinstance(values[name], float)
            and want is not None
            and math.isclose(values[name], want, rel_tol=1e-12, abs_tol=AGREE)  # type: ignore[arg-type]
        )
        if not same:
            raise JixiaoError(
                f"internal error: department {department!r} {name}: "
                f"reference gives {values[name]!r}, batch gave {want!r}"
            )
    steps = flag_rules.department_flags(plan, department, rows, values)
    batch_flags = results.flags.filter(
        (pl.col("level") == "department") & (pl.col("department") == department)
    )
    flag_rules.agree(steps, batch_flags, f"department {department!r}")
    values["flags"] = steps
    return values
