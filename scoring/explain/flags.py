"""A project's flags recomputed by the reference evaluator, held against the batch.

The flags stage raises flags with the compiled Polars expressions; here the same checked
`when` of every flag runs row by row with `evaluate` (department flags with
`evaluate_aggregate` over the department's projects), and the message and the `values`
text are filled by the reference formatter (expr/template.py). Any difference from the
batch flags table — a flag raised on one side only, another message, other values — is
refused as an internal error, like the rest of explain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.expr import evaluate, evaluate_aggregate
from jixiao.scoring.expr.template import format_value
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.flag_rules import EXPLANATION_DUE, CompiledFlag, Filled


@dataclass(frozen=True)
class FlagStep:
    """One raised flag, as the reference evaluator gives it (the flags table's columns)."""

    flag: str
    level: str
    severity: str
    project_id: str | None
    department: str | None
    indicator: str | None
    source_file: str | None
    source_sheet: str | None
    source_row: int | None
    message: str
    explanation_required: bool
    has_explanation: bool | None
    values: str


COMPARED = tuple(FlagStep.__dataclass_fields__)
"""Every column of the flags table, compared with the batch."""


def _value(env: Mapping[str, Any], name: str, constant: float | None) -> Any:
    """A value of the row, or a param's value (a later flag may share its name)."""
    return env.get(name) if constant is None else constant


def fill(flag: CompiledFlag, env: Mapping[str, Any]) -> tuple[str, str]:
    """The message and the `values` text of a raised flag over one row's values."""
    message = "".join(
        format_value(_value(env, p.placeholder.name, p.constant), p.type, p.placeholder.spec)
        if isinstance(p, Filled)
        else p
        for p in flag.message
    )
    values = "; ".join(
        f"{r.name}={format_value(_value(env, r.name, r.constant), r.type)}" for r in flag.reads
    )
    return message, values


def raise_row(
    flags: Sequence[CompiledFlag], env: dict[str, Any]
) -> list[tuple[CompiledFlag, str, str]]:
    """The flags raised on one row, in ruleset order, each seeing the earlier ones."""
    out = []
    due = False
    for flag in flags:
        env[EXPLANATION_DUE] = due
        raised = evaluate(flag.when, env) is True
        env[flag.id] = raised
        if raised:
            out.append((flag, *fill(flag, env)))
            due = due or flag.explanation_required
    return out


def _row_env(plan: Plan, row: Mapping[str, Any]) -> dict[str, Any]:
    return {**plan.flags.constants(), **row}


def project_flags(
    plan: Plan, indicator_rows: Sequence[Mapping[str, Any]], project: Mapping[str, Any]
) -> list[FlagStep]:
    """The indicator flags of the project's rows (in row order), then its project flags."""
    label = plan.project.department_label
    department = project["department"] if project["department"] is not None else label
    steps = []
    for row in indicator_rows:
        for flag, message, values in raise_row(plan.flags.indicator, _row_env(plan, row)):
            steps.append(
                FlagStep(
                    flag.id,
                    flag.level,
                    flag.severity,
                    row["project_id"],
                    department,
                    row["indicator"],
                    row["source_file"],
                    row["source_sheet"],
                    row["source_row"],
                    message,
                    flag.explanation_required,
                    row["has_explanation"],
                    values,
                )
            )
    for flag, message, values in raise_row(plan.flags.project, _row_env(plan, project)):
        steps.append(
            FlagStep(
                flag.id,
                flag.level,
                flag.severity,
                project["project_id"],
                department,
                None,
                project["source_file"],
                project["source_sheet"],
                project["source_row"],
                message,
                flag.explanation_required,
                None,
                values,
            )
        )
    return steps


def department_flags(
    plan: Plan,
    department: str,
    projects: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
) -> list[FlagStep]:
    """The department flags of one department: each `when` over its projects' rows (an
    earlier department flag and `explanation_due` repeated on every row), the message
    over its department_summary row."""
    rows = [{**_row_env(plan, p), "department": department} for p in projects]
    env = _row_env(plan, summary)
    steps = []
    due = False
    for flag in plan.flags.department:
        for r in rows:
            r[EXPLANATION_DUE] = due
        raised = evaluate_aggregate(flag.when, rows) is True
        for r in rows:
            r[flag.id] = raised
        env[flag.id], env[EXPLANATION_DUE] = raised, due
        if not raised:
            continue
        due = due or flag.explanation_required
        for name, checked in flag.aggregates:
            env[name] = evaluate_aggregate(checked, rows)
        message, values = fill(flag, env)
        steps.append(
            FlagStep(
                flag.id,
                flag.level,
                flag.severity,
                None,
                department,
                None,
                None,
                None,
                None,
                message,
                flag.explanation_required,
                None,
                values,
            )
        )
    return steps


def agree(steps: Sequence[FlagStep], batch: pl.DataFrame, what: str) -> None:
    """Refuse (internal error) unless the batch flags rows are exactly `steps`."""
    got = [tuple(r[c] for c in COMPARED) for r in batch.iter_rows(named=True)]
    want = [tuple(getattr(s, c) for c in COMPARED) for s in steps]
    if got == want:
        return
    for i, (w, g) in enumerate(zip(want, got, strict=False)):
        if w != g:
            diff = {c: (a, b) for c, a, b in zip(COMPARED, w, g, strict=True) if a != b}
            raise JixiaoError(
                f"internal error: {what} flag {i + 1}: reference and batch differ "
                f"(column: (reference, batch)): {diff}"
            )
    raise JixiaoError(
        f"internal error: {what}: the reference raises {len(want)} flags, "
        f"the batch raised {len(got)}"
    )
