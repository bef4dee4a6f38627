"""Compile a ruleset's `monitoring:` section into the checked expressions `monitor` runs.

Every light is an expression: the analyst's own (`monitoring.budget_light`, …, checked
where they were written, so `validate` reports them at file:line:col) or generated here
from the section's tables (the Sichuan checkpoints become one `if … else` expression over
`completed_months`, the `worst_first` order becomes the project roll-up and the overall
light). The monitor stage only applies them with Polars; nothing about a light is decided
in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.scoring.errors import KeyPath, Problem, did_you_mean
from jixiao.scoring.expr import Checked, Type, check
from jixiao.scoring.expr.template import Placeholder, parse_template
from jixiao.scoring.rules.expressions import SourcedChecker
from jixiao.scoring.rules.load import Loaded, Sources
from jixiao.scoring.rules.models import LIGHTS, LightReason, Monitoring

N, B, T = Type.NUMBER, Type.BOOL, Type.TEXT

DATE_NAMES: dict[str, Type] = {
    "month": N,
    "day": N,
    "days_in_month": N,
    "completed_months": N,
    "day_of_year": N,
    "days_in_year": N,
}
"""What `time_progress` and the checkpoints see of the as-of date."""

PROJECT_NAMES: dict[str, Type] = {
    "budget": N,
    "spent_to_date": N,
    "budget_initial": N,
    "time_progress": N,
    "checkpoint": N,
    "red_below": N,
    "green_from": N,
    "progress_gap": N,
}
"""Names the project steps see (besides the params and the earlier steps)."""

INDICATOR_NAMES: dict[str, Type] = {
    "kind": T,
    "direction": T,
    "comparator": T,
    "target": N,
    "upper": N,
    "actual": N,
    "forecast": N,
    "tier": T,
    "forecast_tier": T,
    "met": B,
    "forecast_met": B,
    "rate": B,
    "likelihood": T,
    "likelihood_text": T,
    "likelihood_ok": B,
    "cause_ok": B,
    "time_progress": N,
    "red_below": N,
    "green_from": N,
}
"""Names the indicator steps see: the parsed target, actual to date and forecast (in the
target's unit), `met` / `forecast_met` by the ruleset's `rules.achieved`, whether the
target is a rate (%), the 完成可能性 (canonical, and as written) and vocabulary checks."""

PROJECT_STEPS = (("execution_progress", N), ("budget_ratio", N), ("budget_light", T))
INDICATOR_STEPS = (
    ("cumulative", B),
    ("goal_progress", N),
    ("goal_ratio", N),
    ("goal_light", T),
    ("forecast_light", T),
)
DIMENSIONS = ("budget", "goal", "forecast")
"""The three lights of a project (预算执行, 目标完成, 全年预计)."""

DIMENSION_LABELS = {"budget": "预算执行", "goal": "目标完成", "forecast": "全年预计"}
"""How a reason names its dimension where several are joined (`reason`, `light_reason`)."""

INDICATOR_TEXT_NAMES: dict[str, Type] = {
    "indicator": T,
    "level1": T,
    "level2": T,
    "target_text": T,
    "target_written": T,
    "actual_text": T,
    "forecast_text": T,
    "comparator_text": T,
    "unit_text": T,
    "unit": T,
    "deviation_cause": T,
}
"""Texts as written that an indicator reason may show besides the light's names
(`target_written`: the target with its comparator sign and unit, `≥2000人次`)."""

PROJECT_TEXT_NAMES: dict[str, Type] = {"project_name": T, "department": T}
"""Texts a budget reason may show besides the light's names."""

Filled = tuple[str, Type, Placeholder]
"""A placeholder of a reason template, checked: the column, its type, the spec."""


@dataclass(frozen=True)
class CompiledReason:
    """One `monitoring.reasons` entry: its checked condition and template pieces."""

    when: Checked
    parts: tuple[str | Filled, ...]


@dataclass(frozen=True)
class MonitorRules:
    """The monitoring section, compiled. Steps run in order, each seeing the earlier."""

    time_progress: Checked
    checkpoint: Checked
    constants: dict[str, float | None]
    project_steps: tuple[tuple[str, Checked], ...]
    indicator_steps: tuple[tuple[str, Checked], ...]
    rollup: tuple[tuple[str, Checked], ...]
    """Aggregates over a project's indicator rows: the worst goal and forecast light and
    the mean goal progress."""
    after_rollup: tuple[tuple[str, Checked], ...]
    """Per project after the roll-up: no indicator rows is grey, the overall light, the
    progress-gap warning, budget at risk and whether the project needs a response."""
    likelihood: dict[str, str]
    """Word as written (normalised) → canonical 完成可能性."""
    causes: tuple[str, ...]
    responses: dict[str, str]
    worst_first: tuple[str, ...]
    reasons: dict[str, tuple[CompiledReason, ...]]
    """`monitoring.reasons` per dimension (budget over the project row after the roll-up,
    goal and forecast over the indicator row), tried in order."""


def _worst(names: tuple[str, ...], order: tuple[str, ...], aggregate: bool) -> str:
    """The worst light among `names` (or over a group), as an expression."""
    expr = repr(order[-1])
    for light in reversed(order[:-1]):
        if aggregate:
            test = f"any({names[0]} == {light!r})"
        else:
            test = " or ".join(f"{n} == {light!r}" for n in names)
        expr = f"({light!r} if {test} else {expr})"
    return expr


def _checkpoint_text(monitoring: Monitoring) -> str:
    """The latest checkpoint passed (end of its month) as one expression, null before."""
    expr = "null"
    for cp in monitoring.checkpoints:
        expr = f"({cp.min_execution!r} if completed_months >= {cp.month} else {expr})"
    return expr


def check_monitoring(monitoring: Monitoring, sources: Sources) -> list[Problem]:
    """Data problems a schema cannot express, at the line and column written."""
    problems: list[Problem] = []
    base = ("monitoring",)
    for i in range(1, len(monitoring.checkpoints)):
        before, cp = monitoring.checkpoints[i - 1], monitoring.checkpoints[i]
        if cp.month <= before.month:
            problems.append(
                sources.problem(
                    (*base, "checkpoints", i, "month"),
                    f"checkpoint months must increase: month {cp.month} follows {before.month}",
                )
            )
        if cp.min_execution <= before.min_execution:
            problems.append(
                sources.problem(
                    (*base, "checkpoints", i, "min_execution"),
                    f"checkpoint requirements must increase: {cp.min_execution:g} at the end "
                    f"of month {cp.month} follows {before.min_execution:g}",
                )
            )
    if monitoring.red_below > monitoring.green_from:
        problems.append(
            sources.problem(
                (*base, "red_below"),
                f"red_below {monitoring.red_below:g} is above green_from "
                f"{monitoring.green_from:g}: the yellow band would be empty",
            )
        )
    if sorted(monitoring.worst_first) != sorted(LIGHTS):
        problems.append(
            sources.problem(
                (*base, "worst_first"),
                f"worst_first must list each of {', '.join(LIGHTS)} once",
            )
        )
    seen: dict[str, str] = {}
    for canonical, words in monitoring.likelihood.items():
        for word in (canonical, *words):
            if seen.setdefault(word, canonical) != canonical:
                problems.append(
                    sources.problem(
                        (*base, "likelihood", canonical),
                        f"{word!r} means both {seen[word]} and {canonical}",
                    )
                )
    return problems


def compile_monitoring(loaded: Loaded, rule: SourcedChecker) -> MonitorRules:
    """Check and compile the monitoring section; problems go to `rule.problems`."""
    rs = loaded.ruleset
    mon = rs.monitoring
    rule.problems.extend(check_monitoring(mon, loaded.sources))
    params = {k: N for k in rs.params}
    base = ("monitoring",)
    time_progress = rule((*base, "time_progress"), mon.time_progress, DATE_NAMES, N)
    checkpoint = check(_checkpoint_text(mon), DATE_NAMES, expect=N)
    names = {**PROJECT_NAMES, **params}
    project_steps = []
    for name, kind in PROJECT_STEPS:
        project_steps.append((name, rule((*base, name), getattr(mon, name), names, kind)))
        names[name] = kind
    ind_names = {**INDICATOR_NAMES, **params, "execution_progress": N}
    indicator_steps = []
    for name, kind in INDICATOR_STEPS:
        indicator_steps.append((name, rule((*base, name), getattr(mon, name), ind_names, kind)))
        ind_names[name] = kind
    order = tuple(mon.worst_first) if sorted(mon.worst_first) == sorted(LIGHTS) else LIGHTS
    worst = tuple(
        (f"{d}_light", check(_worst((f"{d}_light",), order, True), ind_names, aggregate=True))
        for d in ("goal", "forecast")
    )
    progress = rule(
        (*base, "project_goal_progress"), mon.project_goal_progress, ind_names, N, aggregate=True
    )
    rollup = (*worst, ("goal_progress", progress))
    after = _after_rollup(mon, order, names, rule)
    steps = (*rollup, *after)
    project_names = {**names, **{n: c.type for n, c in steps}, **PROJECT_TEXT_NAMES}
    project_names["budget_light"] = T
    ind_reason_names = {**ind_names, **INDICATOR_TEXT_NAMES}
    reasons = {
        "budget": _reasons(rule, mon.reasons.budget, "budget", project_names),
        "goal": _reasons(rule, mon.reasons.goal, "goal", ind_reason_names),
        "forecast": _reasons(rule, mon.reasons.forecast, "forecast", ind_reason_names),
    }
    return MonitorRules(
        time_progress=time_progress,
        checkpoint=checkpoint,
        constants={
            "red_below": mon.red_below,
            "green_from": mon.green_from,
            "progress_gap": mon.progress_gap,
        },
        project_steps=tuple(project_steps),
        indicator_steps=tuple(indicator_steps),
        rollup=rollup,
        after_rollup=after,
        likelihood={w: c for c, words in mon.likelihood.items() for w in (c, *words)},
        causes=tuple(mon.causes),
        responses=dict(mon.responses),
        worst_first=order,
        reasons=reasons,
    )


def _reasons(
    rule: SourcedChecker, entries: list[LightReason], dimension: str, names: dict[str, Type]
) -> tuple[CompiledReason, ...]:
    """Each entry's condition and template, checked where written (file:line:col of the
    expression, or of the `{` of a bad placeholder)."""
    out = []
    for i, entry in enumerate(entries):
        path: KeyPath = ("monitoring", "reasons", dimension, i)
        when = rule((*path, "when"), entry.when, names, B)
        parts = _template(rule, (*path, "reason"), entry.reason, names)
        out.append(CompiledReason(when, parts))
    return tuple(out)


def _template(
    rule: SourcedChecker, path: KeyPath, text: str, names: dict[str, Type]
) -> tuple[str | Filled, ...]:
    parsed, problems = parse_template(text)
    for p in problems:
        rule.problems.append(rule.locate(text, p.offset, p.message, None, path))
    out: list[str | Filled] = []
    for part in parsed:
        if isinstance(part, str):
            out.append(part)
            continue
        name = part.name.removeprefix("params.")
        type_ = names.get(name)
        if type_ is None:
            message = f"unknown name {part.name!r} in the reason placeholder"
            hint = did_you_mean(name, list(names))
            rule.problems.append(rule.locate(text, part.offset, message, hint, path))
        elif part.spec is not None and part.spec.text and type_ != N:
            message = f"format spec {part.spec.text!r} needs a number; {name!r} is a {type_.value}"
            rule.problems.append(rule.locate(text, part.offset, message, None, path))
        else:
            out.append((name, type_, part))
    return tuple(out)


def _after_rollup(
    mon: Monitoring, order: tuple[str, ...], names: dict[str, Type], rule: SourcedChecker
) -> tuple[tuple[str, Checked], ...]:
    """Project steps after the roll-up: generated ones (built-in text: a problem is a bug)
    and the analyst's `budget_light_final`, which may lift the budget light on a progress
    warning before the overall light is taken."""
    names = {**names, "goal_light": T, "forecast_light": T, "goal_progress": N, "light": T}
    names["progress_warning"] = B
    lights = tuple(f"{d}_light" for d in DIMENSIONS)
    # goal and execution progress differ by more than the gap (exactly the gap: no
    # warning; the language compares with its tolerance, so 0.7 − 0.6 is 0.1 here)
    gap = (
        "false"
        if mon.progress_gap is None
        else f"abs(goal_progress - execution_progress) > {mon.progress_gap!r}"
    )
    first = (
        ("goal_light", "if_null(goal_light, 'grey')", T),
        ("forecast_light", "if_null(forecast_light, 'grey')", T),
        ("progress_warning", gap, B),
    )
    last = (
        ("light", _worst(lights, order, False), T),
        (
            "budget_at_risk",
            "max(budget - spent_to_date, 0) if light in ('red', 'yellow') else null",
            N,
        ),
        ("needs_action", "light == 'red'", B),
    )
    final = rule(("monitoring", "budget_light_final"), mon.budget_light_final, names, T)
    return (
        *((name, check(text, names, expect=kind)) for name, text, kind in first),
        ("budget_light", final),
        *((name, check(text, names, expect=kind)) for name, text, kind in last),
    )


reason_template = _template
"""A reason template checked where written (re-evaluation reasons use it too)."""
