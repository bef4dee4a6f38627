"""Explain one indicator row: recompute every column explain shows, then hold batch to it.

The batch score stage applies the ruleset's indicator-level expressions (`plan.indicator`)
to whole columns with Polars. Here the same checked expressions run in the same order on
one row with the reference evaluator, starting from what prepare parsed (target, actual,
upper, points, tier, claimed score, the parse errors, the texts) — kind, direction, the
actual the rules see, the reason, score, achieved, ratio, claimed_in_band,
claimed_differs, has_explanation and rule are
all recomputed, for
not-evaluable rows too, and nothing is taken from the batch's results. `explain_row`
then compares with the batch row and raises an internal error on any difference.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.expr import Checked, Type, evaluate
from jixiao.scoring.fmt import shown
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.indicator_rules import QUALITATIVE, Let, Reason, placeholders
from jixiao.scoring.rules.weighting_rules import APPLIED, CLAIMED
from jixiao.scoring.stages.score import explanation_key


@dataclass(frozen=True)
class Recomputed:
    """The columns explain shows for one indicator, as the reference evaluator gives them."""

    kind: str | None
    direction: str | None
    actual: float | None
    """The actual the rules saw (a negative one counts as 0 under the ruleset's rule)."""
    evaluable: bool
    reason: str | None
    score: float | None
    achieved: bool | None
    ratio: float | None
    claimed_in_band: bool | None
    """A qualitative row's claimed score inside its tier's band (null: no claim, not
    qualitative)."""
    claimed_differs: bool | None
    has_explanation: bool
    rule: str


SHOWN = tuple(Recomputed.__dataclass_fields__)
"""Columns compared with the batch row."""


def inputs(row: dict[str, Any]) -> dict[str, Any]:
    """The parsed inputs of a scored row (its actual as read, before any rule touched it)."""
    out = {name: row[name] for name in contexts.INDICATOR_INPUTS}
    return {**out, "actual": row["actual_raw"]}


def _eval(checked: Checked, env: dict[str, Any]) -> Any:
    return evaluate(checked, env)


def _apply(env: dict[str, Any], lets: tuple[Let, ...]) -> None:
    for name, checked in lets:
        env[name] = _eval(checked, env)


def _shown(value: Any, kind: Type) -> str:
    """One value as the batch message shows it (the same formatting expression)."""
    if kind is Type.NUMBER:
        return str(pl.select(shown(pl.lit(value, pl.Float64))).item())
    if value is None:
        return "?"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def message(template: str, env: dict[str, Any], types: dict[str, Type]) -> str:
    """A reason template filled from one row."""
    return "".join(
        literal + ("" if name is None else _shown(env[name], types[name]))
        for literal, name in placeholders(template)
    )


def _first_reason(
    reasons: tuple[Reason, ...], env: dict[str, Any], types: dict[str, Type]
) -> str | None:
    for reason in reasons:
        if _eval(reason.when, env) is True:
            return message(reason.template, env, types)
    return None


def _by_rule(plan: Plan, env: dict[str, Any]) -> tuple[str | None, float | None, bool | None]:
    """Reason, score and achieved from the rule of the row's direction."""
    rules, direction = plan.indicator, env["direction"]
    if direction not in rules.score:
        return env["value_reason"], None, None
    if direction == QUALITATIVE:
        _apply(env, rules.bands)
        reason = env["value_reason"] or _first_reason(rules.claim_reasons, env, rules.types)
    else:
        reason = env["value_reason"]
    score = rules.score[direction]
    if rules.signed_score and direction != QUALITATIVE and env["signed_target"] is True:
        score = rules.signed_score[direction]
    return reason, _eval(score, env), _eval(rules.achieved[direction], env)


def recompute(plan: Plan, parsed: dict[str, Any], explanation: str | None) -> Recomputed:
    """Every shown column of one indicator from its parsed inputs, by the reference evaluator."""
    rules = plan.indicator
    env: dict[str, Any] = {**plan.params, **parsed}
    _apply(env, rules.classify)
    env["actual_raw"] = env["actual"]
    _apply(env, rules.readings)
    _apply(env, rules.derived)
    env["value_reason"] = _first_reason(rules.value_reasons, env, rules.types)
    env["actual_read"] = env["actual"]
    env["actual"] = _eval(rules.actual, env)
    reason, score, achieved = _by_rule(plan, env)
    in_band = env.get("in_band") if env["direction"] == QUALITATIVE else None
    if reason is not None:
        score = None
    else:
        env["score"] = score
        if _eval(rules.no_value.when, env) is True:
            reason = message(rules.no_value.template, env, rules.types)
    evaluable = reason is None
    direction = env["direction"]
    env["score"] = score
    return Recomputed(
        kind=env["kind"],
        direction=direction,
        actual=env["actual"],
        evaluable=evaluable,
        reason=reason,
        score=None if score is None else float(score),
        achieved=achieved if evaluable else None,
        ratio=_eval(rules.ratio, env),
        claimed_in_band=None if env["claimed_score"] is None else in_band,
        claimed_differs=_eval(rules.claimed_differs, env),
        has_explanation=_has_explanation(plan, explanation),
        rule=f"{env['kind']}:{direction if direction is not None else '?'}",
    )


def _has_explanation(plan: Plan, explanation: str | None) -> bool:
    """`rules.has_explanation` over the cell normalised as the batch normalises it."""
    key = pl.select(explanation_key(pl.lit(explanation, pl.String))).item()
    env = {contexts.EXPLANATION_KEY: key}
    return _eval(plan.indicator.has_explanation, env) is True


def _same(a: Any, b: Any) -> bool:
    """Exactly equal, floats included: both evaluators round with one algorithm."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def project_sums(plan: Plan, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The per-project weighting sums (rules/weighting_rules.py) over a project's rows, in
    input order, then the per-project weighting steps, by the reference evaluator."""
    env: dict[str, Any] = {}
    for s in plan.weighting.sums:
        mine = [r for r in rows if s.matches(r["level1"], r["level2"])]
        env[s.name] = float(len(mine)) if s.what == "n" else sum(r["points"] for r in mine)
    _apply(env, plan.weighting.project)
    return env


def applied(plan: Plan, row: dict[str, Any], sums: dict[str, Any]) -> dict[str, Any]:
    """The row's parsed inputs with `points` and `claimed_score` as the ruleset's
    weighting applies them (the rules read those), and `applied_points` beside them."""
    env: dict[str, Any] = {
        **sums,
        "points": row["points"],
        "claimed_score": row["claimed_score"],
        "level1": row["level1"],
        "level2": row["level2"],
    }
    _apply(env, plan.weighting.row)
    return {
        **inputs(row),
        "points": env[APPLIED],
        "claimed_score": env[CLAIMED],
        APPLIED: env[APPLIED],
    }


def explain_row(
    plan: Plan, row: dict[str, Any], what: str, sums: dict[str, Any] | None = None
) -> Recomputed:
    """Recompute one batch indicator row; raise if the batch shows anything else. `sums`:
    its project's weighting sums (`project_sums`), needed under `weighting: proportional`."""
    parsed = applied(plan, row, sums or {})
    if not _same(parsed[APPLIED], row[APPLIED]):
        raise JixiaoError(
            f"internal error: {what}: {APPLIED}: reference gives {parsed[APPLIED]!r}, "
            f"batch gave {row[APPLIED]!r}"
        )
    got = recompute(plan, {k: v for k, v in parsed.items() if k != APPLIED}, row["explanation"])
    for name, value in asdict(got).items():
        if not _same(value, row[name]):
            raise JixiaoError(
                f"internal error: {what}: {name}: reference gives {value!r}, "
                f"batch gave {row[name]!r}"
            )
    return got
