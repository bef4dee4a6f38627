"""A project's re-evaluation recomputed by the reference evaluator, held against the batch.

The batch (stages/reevaluate.py) judges every claimed line with the compiled Polars
expressions of `plan.reevaluation`; here the same checked expressions run line by line
with `evaluate`, and the reason messages are filled by the reference formatter
(expr/template.py). The inputs are what the batch's inputs are: the scored rows of the
project and its claims as the value grammar read them (values/claims.py). Any difference
from the batch tables — another difference, code, message, gap, grade or threshold — is
refused as an internal error, like the rest of explain.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.expr import evaluate
from jixiao.scoring.expr.template import format_value
from jixiao.scoring.jobs.selfeval import Results
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.contexts import BUDGET_PART
from jixiao.scoring.rules.reevaluation_rules import (
    BUDGET_LINE,
    CLAIMED_GRADE_SOURCES,
    CompiledReason,
    ReevaluationRules,
)
from jixiao.scoring.stages import reevaluate as stage

AGREE = 1e-9


@dataclass(frozen=True)
class LineStep:
    """One claimed line (the budget line or an indicator), recomputed."""

    level1: str
    indicator: str | None
    source_row: int | None
    points: float | None
    claimed_score: float | None
    score: float | None
    difference: float | None
    reason_code: str | None
    reason: str | None


COMPARED = tuple(LineStep.__dataclass_fields__)
"""The reevaluation_indicators columns compared with the batch."""


@dataclass
class ReevaluationStep:
    """The project's claims against the recomputed scores (reevaluation_projects)."""

    claimed_budget_score: float | None
    budget_score: float | None
    claimed_total: float | None
    total: float | None
    gap: float | None
    claimed_grade: str | None
    claimed_grade_source: str | None
    grade: str | None
    grade_changed: bool
    over_threshold: bool
    claim_error: str | None
    lines: list[LineStep] = field(default_factory=list)

    @property
    def differences(self) -> list[LineStep]:
        return [line for line in self.lines if line.reason_code is not None]


def _first(reasons: Sequence[CompiledReason], env: Mapping[str, Any]) -> tuple[str, str] | None:
    """The code and message of the first reason whose `when` is true (null: not)."""
    for r in reasons:
        if evaluate(r.when, env) is True:
            text = "".join(
                p if isinstance(p, str) else format_value(env.get(p[0]), p[1], p[2].spec)
                for p in r.parts
            )
            return r.code, text
    return None


def judge(
    rules: ReevaluationRules,
    reasons: Sequence[CompiledReason],
    row: Mapping[str, Any],
    consts: Mapping[str, object],
) -> tuple[float | None, str | None, str | None]:
    """difference, reason_code and reason of one line, by the reference evaluator."""
    env: dict[str, Any] = {**consts, **row}
    difference = evaluate(rules.difference, env)
    env["difference"] = difference
    if evaluate(rules.differs, env) is not True:
        return _number(difference), None, None
    found = _first(reasons, env)
    code, text = found if found is not None else (None, None)
    return _number(difference), code, text


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _lines(
    plan: Plan,
    rules: ReevaluationRules,
    indicators: Sequence[Mapping[str, Any]],
    project: Mapping[str, Any],
    consts: Mapping[str, object],
) -> list[LineStep]:
    weight = plan.loaded.ruleset.weights.get(BUDGET_PART, 0.0)
    budget_row = {
        **project,
        "claimed_score": project["claimed_budget_score"],
        "score": project["budget_score"],
        "points": weight,
    }
    diff, code, text = judge(rules, rules.budget_reasons, budget_row, consts)
    out = [
        LineStep(
            BUDGET_LINE["level1"],
            rules.budget_indicator,
            project["source_row"],
            weight,
            budget_row["claimed_score"],
            budget_row["score"],
            diff,
            code,
            text,
        )
    ]
    extra = {k: project[k] for k in ("project_name", "points_issue")}
    label = plan.project.department_label
    extra["department"] = project["department"] if project["department"] is not None else label
    for row in indicators:
        diff, code, text = judge(rules, rules.indicator_reasons, {**row, **extra}, consts)
        out.append(
            LineStep(
                row["level1"],
                row["indicator"],
                row["source_row"],
                row["points"],
                row["claimed_score"],
                row["score"],
                diff,
                code,
                text,
            )
        )
    return out


def _claimed_grade(
    rules: ReevaluationRules, claimed: Mapping[str, Any]
) -> tuple[str | None, str | None]:
    """The claimed grade and its source, by the reference: the form's word if it names a
    grade (as the claims reader mapped it), else the bands over the claimed total."""
    band = evaluate(rules.claimed_band, {"claimed_total": claimed["claimed_total"]})
    word = claimed["claimed_grade"]
    if word is not None and claimed["claimed_grade_source"] == CLAIMED_GRADE_SOURCES[0]:
        if word not in rules.grade_words.values():
            raise JixiaoError(f"internal error: claimed grade {word!r} is not a grade")
        return word, CLAIMED_GRADE_SOURCES[0]
    if band is None:
        return None, None
    return str(band), CLAIMED_GRADE_SOURCES[1]


_BATCH: list[tuple[tuple[weakref.ref[Any], ...], str, dict[str, pl.DataFrame] | None]] = []
"""The last run explained (one entry, held by weak references to the plan and the two
scored tables) and, once a second project of it is explained, its batch tables: explaining
every project of a run (`explain_department`, the tests) judges all lines once instead
of once per project, while one `jixiao explain PID` judges only that project's rows.
Lines and project rows depend only on the project's own rows, so the project's slice of
the whole is what the batch gives it alone (tests/explain/test_reevaluation_property.py)."""


def _batch_of(
    plan: Plan,
    results: Results,
    rules: ReevaluationRules,
    overrides: Mapping[str, float | bool],
    project_id: str,
) -> dict[str, pl.DataFrame]:
    key = repr(sorted(overrides.items()))
    held = (plan, results.indicator_scores, results.project_scores)
    seen = [
        e for e in _BATCH if e[1] == key and all(r() is h for r, h in zip(e[0], held, strict=True))
    ]
    mine = pl.col("project_id") == project_id
    if not seen:  # the first project of this run: its own rows only
        _BATCH[:] = [(tuple(weakref.ref(h) for h in held), key, None)]
        return stage.reevaluate(
            results.indicator_scores.filter(mine),
            results.project_scores.filter(mine),
            plan,
            rules,
            overrides,
        )
    tables = seen[0][2]
    if tables is None:  # a second project: the whole run, once
        tables = stage.reevaluate(
            results.indicator_scores, results.project_scores, plan, rules, overrides
        )
        _BATCH[:] = [(seen[0][0], key, tables)]
    return {
        "reevaluation_indicators": tables["reevaluation_indicators"].filter(mine),
        "reevaluation_projects": tables["reevaluation_projects"].filter(mine),
    }


def explain_reevaluation(
    plan: Plan,
    results: Results,
    project_id: str,
    overrides: Mapping[str, float | bool] | None = None,
) -> ReevaluationStep | None:
    """The project's re-evaluation by the reference evaluator, or None when the ruleset
    has no `reevaluation:` section or the project claims nothing; raise if the batch
    (run on the project's rows: each project is judged on its own) disagrees."""
    rules = plan.reevaluation
    if rules is None:
        return None
    project_rows = results.project_scores.filter(pl.col("project_id") == project_id)
    indicator_rows = results.indicator_scores.filter(pl.col("project_id") == project_id)
    claims = ("claimed_budget_score", "claimed_total", "claimed_grade")
    has_claim = any(project_rows[c].is_not_null().any() for c in claims)
    if not has_claim and not indicator_rows["claimed_score"].is_not_null().any():
        return None
    consts = rules.constants(overrides)
    batch = _batch_of(plan, results, rules, overrides or {}, project_id)
    claimed = stage.read_claims(project_rows, rules).row(0, named=True)
    project = {**project_rows.row(0, named=True), **claimed}
    lines = _lines(plan, rules, list(indicator_rows.iter_rows(named=True)), project, consts)
    grade, source = _claimed_grade(rules, claimed)
    env: dict[str, Any] = {**consts, **project, "claimed_grade": grade}
    env["gap"] = evaluate(rules.gap, env)
    env["grade_changed"] = evaluate(rules.grade_changed, env) is True
    env["over_threshold"] = evaluate(rules.over_threshold, env) is True
    step = ReevaluationStep(
        claimed_budget_score=project["claimed_budget_score"],
        budget_score=project["budget_score"],
        claimed_total=project["claimed_total"],
        total=project["total"],
        gap=_number(env["gap"]),
        claimed_grade=grade,
        claimed_grade_source=source,
        grade=project["grade"],
        grade_changed=env["grade_changed"],
        over_threshold=env["over_threshold"],
        claim_error=claimed["claim_error"],
        lines=lines,
    )
    agree(step, batch, project_id)
    return step


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=AGREE)
    return a == b


def agree(step: ReevaluationStep, batch: Mapping[str, pl.DataFrame], project_id: str) -> None:
    """Refuse (internal error) unless the batch tables say what the reference says."""
    table = batch["reevaluation_indicators"]
    got = [tuple(r[c] for c in COMPARED) for r in table.iter_rows(named=True)]
    want = [tuple(getattr(line, c) for c in COMPARED) for line in step.lines]
    if len(got) != len(want):
        raise JixiaoError(
            f"internal error: project {project_id!r}: the reference has {len(want)} "
            f"re-evaluation lines, the batch {len(got)}"
        )
    for i, (w, g) in enumerate(zip(want, got, strict=True)):
        diff = {c: (a, b) for c, a, b in zip(COMPARED, w, g, strict=True) if not _same(a, b)}
        if diff:
            raise JixiaoError(
                f"internal error: project {project_id!r} re-evaluation line {i + 1}: "
                f"reference and batch differ (column: (reference, batch)): {diff}"
            )
    row = batch["reevaluation_projects"].row(0, named=True)
    for name in (
        "claimed_budget_score",
        "claimed_total",
        "gap",
        "claimed_grade",
        "claimed_grade_source",
        "grade",
        "grade_changed",
        "over_threshold",
        "claim_error",
    ):
        if not _same(getattr(step, name), row[name]):
            raise JixiaoError(
                f"internal error: project {project_id!r} {name}: reference gives "
                f"{getattr(step, name)!r}, batch gave {row[name]!r}"
            )
    n_batch = row["n_differences"]
    if n_batch != len(step.differences):
        raise JixiaoError(
            f"internal error: project {project_id!r} n_differences: reference gives "
            f"{len(step.differences)}, batch gave {n_batch}"
        )
