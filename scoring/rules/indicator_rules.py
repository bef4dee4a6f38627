"""Compile the indicator-level rules into checked expressions both evaluators run.

Everything that decides an indicator row — its kind and direction, whether it can be
scored and why not, the actual the rules see, the qualitative band test and score, and
`achieved` — is an expression here, written in the ruleset or generated from its tables
(tier bands, the comparator → direction table, the claimed-score policy). Batch scoring
(`stages/score.py`) compiles each to Polars; `explain/indicator.py` evaluates the same
`Checked` objects row by row with the reference evaluator, in the same order.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from jixiao.scoring.errors import JixiaoError, KeyPath, did_you_mean
from jixiao.scoring.expr import Checked, Type, check
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.expressions import SourcedChecker
from jixiao.scoring.rules.models import Ruleset, Tier

QUANTITATIVE, QUALITATIVE = "quantitative", "qualitative"
"""The two kinds of indicator (output values of the `kind` column)."""

DIRECTIONS = ("higher", "lower", "exact", "range")
"""Quantitative directions; the comparator of the target decides which applies."""

DIRECTION_OF = {
    ">=": "higher",
    ">": "higher",
    "<=": "lower",
    "<": "lower",
    "=": "exact",
    "range": "range",
    "qual": QUALITATIVE,
}
"""正向 ≥ >, 反向 ≤ <, 等于 =, 区间, and qualitative targets (DOMAIN §2 and §3): the
comparators the value grammar yields, by the rule that applies to them."""

NO_VALUE = "the {direction} rule gives no value here (a division by zero?)"
"""Reason of an evaluable row whose rule yields null (e.g. a target of 0 as divisor)."""

OUT_OF_BAND = "claimed score {claimed_score} is outside the {tier} band ({band_lo}–{band_hi} of {points} points)"
"""Reason of a claimed score outside its tier's band (claimed_outside_band: not_evaluable)."""

Let = tuple[str, Checked]
"""A derived column: name and the expression computing it from earlier names."""


@dataclass(frozen=True)
class Reason:
    """A not-evaluable condition and its message template (`{name}` inserts a value)."""

    when: Checked
    template: str


@dataclass(frozen=True)
class IndicatorRules:
    """The compiled indicator-level rules, in the order they are applied to a row."""

    classify: tuple[Let, ...]
    """`kind` and `direction`, from the comparator."""
    value_reasons: tuple[Reason, ...]
    """`rules.not_evaluable`, tried in order; the first that holds is `value_reason`."""
    actual: Checked
    """The actual the rules see (`negative_actual_as_zero`)."""
    score: dict[str, Checked]
    """Rounded score per direction, `qualitative` included."""
    achieved: dict[str, Checked]
    """`rules.achieved` per direction."""
    bands: tuple[Let, ...]
    """Band of a qualitative row's tier and whether its claimed score lies in it."""
    claim_reasons: tuple[Reason, ...]
    """Why a qualitative row's claimed score cannot be used (after the value reasons)."""
    no_value: Reason
    ratio: Checked
    types: dict[str, Type]
    """Type of every name a reason template may show."""


def _text(value: str | float | bool | None) -> str:
    """A literal of the expression language."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _by_tier(tiers: dict[str, Tier], value: str) -> str:
    """`(v1 if tier == 'a' else (v2 if tier == 'b' else null))`: a table as one expression."""
    text = "null"
    for name, tier in reversed(list(tiers.items())):
        text = f"({_text(getattr(tier, value))} if tier == {_text(name)} else {text})"
    return text


def _direction() -> str:
    text = "null"
    for direction in reversed(dict.fromkeys(DIRECTION_OF.values())):
        cmps = ", ".join(_text(c) for c, d in DIRECTION_OF.items() if d == direction)
        text = f"({_text(direction)} if comparator in ({cmps},) else {text})"
    return text


def placeholders(template: str) -> list[tuple[str, str | None]]:
    """A reason template as (literal text, name or None) pieces."""
    return [(lit, name) for lit, name, _, _ in string.Formatter().parse(template)]


def template_problem(template: str, names: dict[str, Type]) -> tuple[str, str | None] | None:
    """What is wrong with a reason template (message and hint), or None."""
    try:
        pieces = placeholders(template)
    except ValueError as exc:
        return f"reason {template!r}: {exc}", "write {name} to insert a value"
    for _, name in pieces:
        if name is not None and name not in names:
            return f"reason {template!r}: unknown name {{{name}}}", did_you_mean(name, list(names))
    return None


def _reason(when: str, template: str, names: dict[str, Type], where: str) -> Reason:
    problem = template_problem(template, names)
    if problem is not None:
        message, hint = problem
        raise JixiaoError(f"{where}: {message}" + (f" — {hint}" if hint else ""))
    return Reason(check(when, names, expect=Type.BOOL), template)


def _bands(rs: Ruleset, names: dict[str, Type]) -> tuple[Let, ...]:
    tiers = rs.rules.qualitative.tiers
    texts = {
        "band_min": _by_tier(tiers, "min"),
        "band_max": _by_tier(tiers, "max"),
        "band_top": _by_tier(tiers, "max_inclusive"),
        "band_default": _by_tier(tiers, "default"),
        "band_lo": "band_min * points",
        "band_hi": "band_max * points",
        "in_band": "claimed_score >= band_lo and"
        " (claimed_score <= band_hi if band_top else claimed_score < band_hi)",
    }
    return tuple((k, check(t, names, expect=contexts.BAND_NAMES[k])) for k, t in texts.items())


def _qualitative_score(rs: Ruleset, names: dict[str, Type]) -> Checked:
    """Claimed score when given and used (clamped into the band if the policy says so),
    otherwise the tier's default share; rounded like every score."""
    q = rs.rules.qualitative
    used = "not is_null(claimed_score)" if q.use_claimed_score else "false"
    claimed = "claimed_score"
    if q.claimed_outside_band == "clamp":
        # An exclusive top (部分达成 < 80 %) clamps to one step below it at the precision.
        step = _text(10.0**-rs.precision)
        claimed = f"clip(claimed_score, band_lo, band_hi if band_top else band_hi - {step})"
    text = f"round((({claimed}) if {used} else band_default * points), {rs.precision})"
    return check(text, names, expect=Type.NUMBER)


def _claim_reasons(rs: Ruleset, names: dict[str, Type]) -> tuple[Reason, ...]:
    q = rs.rules.qualitative
    if not q.use_claimed_score:
        return ()
    where = "rules.qualitative"
    out = [_reason("not is_null(claimed_error)", "{claimed_error}", names, where)]
    if q.claimed_outside_band == "not_evaluable":
        out.append(_reason("not is_null(claimed_score) and not in_band", OUT_OF_BAND, names, where))
    return tuple(out)


def _analyst_reason(rule: SourcedChecker, rs: Ruleset, i: int, names: dict[str, Type]) -> Reason:
    """`rules.not_evaluable[i]`: its condition and reason template, problems located."""
    cond = rs.rules.not_evaluable[i]
    path: KeyPath = ("rules", "not_evaluable", i)
    problem = template_problem(cond.reason, names)
    if problem is not None:
        message, hint = problem
        rule.problems.append(rule.sources.problem((*path, "reason"), message, hint=hint))
    return Reason(rule((*path, "when"), cond.when, names, Type.BOOL), cond.reason)


def compile_indicator_rules(
    rs: Ruleset, quantitative: dict[str, Checked], rule: SourcedChecker
) -> IndicatorRules:
    """Check and assemble every indicator-level rule of a ruleset. What the analyst wrote
    (`rules.achieved`, `rules.not_evaluable`) goes through `rule`, so its problems are
    reported at file:line:col with the rest of the ruleset's; generated text must be
    right, so a problem there is a bug and raised as is."""
    params = {name: Type.NUMBER for name in rs.params}
    values = {**contexts.VALUE_NAMES, **params}
    qual = {**values, **contexts.BAND_NAMES}
    kind = f"{_text(QUALITATIVE)} if comparator == 'qual' else {_text(QUANTITATIVE)}"
    classify = (
        ("kind", check(kind, values, expect=Type.TEXT)),
        ("direction", check(_direction(), values, expect=Type.TEXT)),
    )
    reasons = tuple(
        _analyst_reason(rule, rs, i, values) for i in range(len(rs.rules.not_evaluable))
    )
    negative = "(0.0 if actual < 0 else actual)" if rs.rules.negative_actual_as_zero else "actual"
    achieved_names = {**contexts.ACHIEVED_NAMES, **params}
    achieved = {
        d: rule(("rules", "achieved", d), getattr(rs.rules.achieved, d), achieved_names, Type.BOOL)
        for d in (*DIRECTIONS, QUALITATIVE)
    }
    with_score = {**values, "score": Type.NUMBER}
    return IndicatorRules(
        classify=classify,
        value_reasons=reasons,
        actual=check(negative, values, expect=Type.NUMBER),
        score={**quantitative, QUALITATIVE: _qualitative_score(rs, qual)},
        achieved=achieved,
        bands=_bands(rs, qual),
        claim_reasons=_claim_reasons(rs, qual),
        no_value=_reason("is_null(score)", NO_VALUE, with_score, "no value"),
        ratio=check("actual / target", values, expect=Type.NUMBER),
        types=qual,
    )
