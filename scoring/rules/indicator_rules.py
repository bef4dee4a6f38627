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
from jixiao.scoring.rules.substitute import rebind, substitute

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

FRACTION_REASON = (
    "actual '{actual_text}' has no unit against a % target: read as a fraction and as the "
    "percent written, it falls on opposite sides of the target and scores differently; "
    "write the unit (ruleset fraction_actuals.when_ambiguous: not_evaluable)"
)
"""Reason of an ambiguous fraction actual (`1` against `≤5%`) under `not_evaluable`. Text
slots only: the message is built for every row before the first reason is picked, and
number formatting on a million rows costs seconds (docs/scoring.md gives the readings)."""

SIGNED_REASON = (
    "a signed target (≤ 0, such as a growth rate, with comparator {comparator}): the "
    "proportional rules are not defined for it (DOMAIN §2) and the ruleset gives no "
    "rules.signed_targets"
)
"""Reason of a row whose target is signed (`rules.signed_target`) when the ruleset gives
no rules for signed targets."""

READING = {
    "fraction": "as_fraction if fraction_candidate else actual",
    "percent": "(as_written if fraction_ambiguous else as_fraction) if fraction_candidate else actual",
    "not_evaluable": "as_fraction if fraction_candidate else actual",
}
"""The actual the rules read, by `fraction_actuals.when_ambiguous`: an unambiguous fraction
candidate is read as a fraction under every policy (an ambiguous one is not evaluable under
`not_evaluable`, so its reading is never scored)."""

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
    readings: tuple[Let, ...]
    """`as_written` and `as_fraction` of a fraction candidate (null for other rows). Then
    each evaluator sets `met_as_written` / `met_as_fraction`: `achieved[direction]` with
    `actual` bound to that reading, for candidates with a quantitative direction."""
    derived: tuple[Let, ...]
    """`fraction_ambiguous`, `actual` (the reading the rules use), then `signed_target`."""
    value_reasons: tuple[Reason, ...]
    """`rules.not_evaluable`, tried in order; the first that holds is `value_reason`."""
    actual: Checked
    """The actual the rules see (`negative_actual_as_zero`)."""
    score: dict[str, Checked]
    """Rounded score per direction, `qualitative` included."""
    signed_score: dict[str, Checked]
    """`rules.signed_targets` per direction, rounded; empty when the ruleset gives none
    (a signed target is then not evaluable)."""
    achieved: dict[str, Checked]
    """`rules.achieved` per direction."""
    bands: tuple[Let, ...]
    """Band of a qualitative row's tier and whether its claimed score lies in it."""
    claim_reasons: tuple[Reason, ...]
    """Why a qualitative row's claimed score cannot be used (after the value reasons)."""
    no_value: Reason
    ratio: Checked
    has_explanation: Checked
    """`rules.has_explanation`, reading the normalised cell (`explanation_key`)."""
    claimed_differs: Checked
    """A claimed score more than half a unit of the ruleset precision from the score."""
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


def _readings(achieved: dict[str, Checked], names: dict[str, Type]) -> tuple[Let, ...]:
    """Both readings of a fraction candidate and the row's `achieved` verdict on each."""
    candidate = "fraction_candidate and not is_null(actual)"
    lets: list[Let] = [
        ("as_written", check(f"actual if {candidate} else null", names, expect=Type.NUMBER)),
        (
            "as_fraction",
            check(f"round(actual * 100, 10) if {candidate} else null", names, expect=Type.NUMBER),
        ),
    ]
    chain = "null"
    for d in reversed(DIRECTIONS):
        chain = f"(met_{d} if direction == {_text(d)} else {chain})"
    slots = {f"met_{d}": Type.BOOL for d in DIRECTIONS}
    template = check(f"{chain} if {candidate} else null", {**names, **slots}, expect=Type.BOOL)
    for reading in ("as_written", "as_fraction"):
        verdicts = {f"met_{d}": rebind(achieved[d], "actual", reading) for d in DIRECTIONS}
        lets.append((f"met_{reading}", substitute(template, verdicts)))
    return tuple(lets)


def _derived(rs: Ruleset, rule: SourcedChecker, names: dict[str, Type]) -> tuple[Let, ...]:
    """Whether a fraction reading is ambiguous and a target signed, then the reading used.

    The analyst's `fraction_actuals.ambiguous` is checked where it was written, then
    guarded (second let of the same name): only a candidate whose two readings both have
    a verdict can be ambiguous, and a null verdict counts as not ambiguous.
    """
    guard = (
        "fraction_ambiguous if fraction_candidate and not is_null(met_as_fraction)"
        " and not is_null(met_as_written) and not is_null(fraction_ambiguous) else false"
    )
    path = ("fraction_actuals", "ambiguous")
    return (
        ("fraction_ambiguous", rule(path, rs.fraction_actuals.ambiguous, names, Type.BOOL)),
        ("fraction_ambiguous", check(guard, names, expect=Type.BOOL)),
        ("actual", check(READING[rs.fraction_actuals.when_ambiguous], names, expect=Type.NUMBER)),
        (
            "signed_target",
            rule(("rules", "signed_target"), rs.rules.signed_target, names, Type.BOOL),
        ),
    )


def _signed_scores(rs: Ruleset, rule: SourcedChecker) -> dict[str, Checked]:
    """`rules.signed_targets`, checked where written and rounded like every score."""
    signed = rs.rules.signed_targets
    if signed is None:
        return {}
    names = {**contexts.QUANT_NAMES, **{name: Type.NUMBER for name in rs.params}}
    return {
        d: rule(
            ("rules", "signed_targets", d),
            getattr(signed, d),
            names,
            Type.NUMBER,
            round_to=rs.precision,
        )
        for d in DIRECTIONS
    }


def _has_explanation(rs: Ruleset, rule: SourcedChecker) -> Checked:
    """`rules.has_explanation`, checked where written, reading the normalised cell; the
    params it reads become their values, so it runs beside any column of the same name."""
    names = {**contexts.EXPLANATION_NAMES, **{name: Type.NUMBER for name in rs.params}}
    written = rule(("rules", "has_explanation"), rs.rules.has_explanation, names, Type.BOOL)
    values = {
        k: check(_text(v), {}, expect=Type.NUMBER)
        for k, v in rs.params.items()
        if k in written.names
    }
    return rebind(substitute(written, values), "explanation", contexts.EXPLANATION_KEY, Type.TEXT)


def _claimed_differs(rs: Ruleset, names: dict[str, Type]) -> Checked:
    """|claimed − score| above half a unit of the precision (0.005 at 2 decimals): the
    score is rounded to that unit, so a smaller gap is the rounding; null without a claim
    or a score (a row that is not evaluable). The gap is rounded to 10 decimals first, so
    it is judged as the decimals read (81.005 − 81 is 0.005000000000009663 in binary)."""
    half = _text(0.5 * 10.0**-rs.precision)
    text = f"round(abs(claimed_score - score), 10) > {half}"
    return check(text, names, expect=Type.BOOL)


def compile_indicator_rules(
    rs: Ruleset, quantitative: dict[str, Checked], rule: SourcedChecker
) -> IndicatorRules:
    """Check and assemble every indicator-level rule of a ruleset. What the analyst wrote
    (`rules.achieved`, `rules.not_evaluable`) goes through `rule`, so its problems are
    reported at file:line:col with the rest of the ruleset's; generated text must be
    right, so a problem there is a bug and raised as is."""
    params = {name: Type.NUMBER for name in rs.params}
    values = {**contexts.VALUE_NAMES, **params}
    kind = f"{_text(QUALITATIVE)} if comparator == 'qual' else {_text(QUANTITATIVE)}"
    classify = (
        ("kind", check(kind, values, expect=Type.TEXT)),
        ("direction", check(_direction(), values, expect=Type.TEXT)),
    )
    values = {**values, **contexts.DERIVED_NAMES}
    qual = {**values, **contexts.BAND_NAMES}
    reasons = tuple(
        _analyst_reason(rule, rs, i, values) for i in range(len(rs.rules.not_evaluable))
    )
    signed_score = _signed_scores(rs, rule)
    if rs.fraction_actuals.when_ambiguous == "not_evaluable":
        reasons += (_reason("fraction_ambiguous", FRACTION_REASON, values, "fraction_actuals"),)
    if not signed_score:
        reasons += (_reason("signed_target", SIGNED_REASON, values, "rules.signed_target"),)
    negative = (
        "(0.0 if actual < 0 and not signed_target else actual)"
        if rs.rules.negative_actual_as_zero
        else "actual"
    )
    achieved_names = {**contexts.ACHIEVED_NAMES, **params}
    written = {
        d: rule(("rules", "achieved", d), getattr(rs.rules.achieved, d), achieved_names, Type.BOOL)
        for d in (*DIRECTIONS, QUALITATIVE)
    }
    # `achieved` judges the actual as read (`actual_read`), never the clamped one.
    achieved = {d: rebind(checked, "actual", "actual_read") for d, checked in written.items()}
    with_score = {**values, "score": Type.NUMBER}
    return IndicatorRules(
        classify=classify,
        readings=_readings(written, values),
        derived=_derived(rs, rule, values),
        value_reasons=reasons,
        actual=check(negative, values, expect=Type.NUMBER),
        score={**quantitative, QUALITATIVE: _qualitative_score(rs, qual)},
        signed_score=signed_score,
        achieved=achieved,
        bands=_bands(rs, qual),
        claim_reasons=_claim_reasons(rs, qual),
        no_value=_reason("is_null(score)", NO_VALUE, with_score, "no value"),
        ratio=check("actual / target", values, expect=Type.NUMBER),
        has_explanation=_has_explanation(rs, rule),
        claimed_differs=_claimed_differs(rs, with_score),
        types=qual,
    )
