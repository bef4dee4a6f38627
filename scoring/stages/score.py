"""Score stage: every prepared indicator row → points, or "not evaluable" with the reason.

Quantitative rows are scored by the ruleset's expression for their direction (正向 / 反向 /
等于 / 区间), qualitative rows by their tier's band (DOMAIN §2). A row that cannot be
scored keeps a null score and a reason: it is never silently 0 and never full points.
Everything here is a Polars expression over the whole column; `explain` re-derives each
row with the reference evaluator and must agree.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.expr import to_polars
from jixiao.scoring.fmt import shown
from jixiao.scoring.rules.compile import DIRECTION_OF, Plan, rounding

QUALITATIVE = "qualitative"


def rounder(column: str, precision: int) -> pl.Expr:
    """`round(<column>, p)` of the expression language (四舍五入), as a Polars expression."""
    return to_polars(rounding(column, precision))


def _direction() -> pl.Expr:
    return pl.col("comparator").replace_strict(
        {**DIRECTION_OF, "qual": QUALITATIVE}, default=None, return_dtype=pl.String
    )


def _text(column: str) -> pl.Expr:
    return pl.coalesce(pl.col(column), pl.lit(""))


def _value_reason() -> pl.Expr:
    """Why the parsed target and actual cannot be scored, or null when they can."""
    kind = pl.col("actual_kind")
    qualitative = pl.col("kind") == QUALITATIVE
    return (
        pl.when(pl.col("target_error").is_not_null())
        .then(pl.col("target_error"))
        .when(kind == "blank")
        .then(pl.lit("actual (实际完成值) is blank"))
        .when(qualitative & (kind != "tier"))
        .then(
            pl.format(
                "actual '{}' is not a tier label (达成 / 部分达成 / 未达成)", _text("actual_text")
            )
        )
        .when(qualitative)
        .then(pl.lit(None, pl.String))
        .when(kind.is_in(["tier", "text"]))
        .then(pl.format("actual '{}' is text where a number is needed", _text("actual_text")))
        .when(pl.col("actual_error").is_not_null())
        .then(pl.col("actual_error"))
        .when(pl.col("actual").is_null())
        .then(pl.format("actual '{}' could not be read as a number", _text("actual_text")))
    )


def classify_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Kind, direction and the value-level reason, from parsed targets and actuals.

    These depend only on the value texts, so prepare computes them once per distinct
    combination of texts rather than once per row.
    """
    kind = pl.when(pl.col("comparator") == "qual").then(pl.lit(QUALITATIVE))
    frame = frame.with_columns(kind=kind.otherwise(pl.lit("quantitative")), direction=_direction())
    return frame.with_columns(value_reason=_value_reason())


def _band(plan: Plan, lower: bool) -> pl.Expr:
    """Band edge (share of points) of each row's tier."""
    tiers = plan.loaded.ruleset.rules.qualitative.tiers
    mapping = {name: (t.min if lower else t.max) for name, t in tiers.items()}
    return pl.col("tier").replace_strict(mapping, default=None, return_dtype=pl.Float64)


def _in_band(plan: Plan, claimed: pl.Expr) -> pl.Expr:
    tiers = plan.loaded.ruleset.rules.qualitative.tiers
    inclusive = pl.col("tier").replace_strict(
        {n: t.max_inclusive for n, t in tiers.items()}, default=False, return_dtype=pl.Boolean
    )
    share = claimed / pl.col("points")
    eps = 1e-9
    above_min = share >= _band(plan, True) - eps
    below_max = (
        pl.when(inclusive)
        .then(share <= _band(plan, False) + eps)
        .otherwise(share < _band(plan, False) - eps)
    )
    return above_min & below_max


def _uses_claim(plan: Plan) -> pl.Expr:
    use = plan.loaded.ruleset.rules.qualitative.use_claimed_score
    return pl.lit(use) & pl.col("claimed_score").is_not_null()


def _claim_reason(plan: Plan) -> pl.Expr:
    """Why a qualitative row's claimed score (得分) cannot be used, or null."""
    q = plan.loaded.ruleset.rules.qualitative
    reject_out_of_band = q.claimed_outside_band == "not_evaluable"
    return (
        pl.when(pl.lit(q.use_claimed_score) & pl.col("claimed_error").is_not_null())
        .then(pl.col("claimed_error"))
        .when(
            pl.lit(reject_out_of_band)
            & _uses_claim(plan)
            & ~_in_band(plan, pl.col("claimed_score"))
        )
        .then(_band_message(plan))
    )


def _band_message(plan: Plan) -> pl.Expr:
    return pl.format(
        "claimed score {} is outside the {} band ({}–{} of {} points)",
        shown(pl.col("claimed_score")),
        pl.col("tier"),
        shown(_band(plan, True) * pl.col("points")),
        shown(_band(plan, False) * pl.col("points")),
        shown(pl.col("points")),
    )


def _qualitative_score(plan: Plan) -> pl.Expr:
    rs = plan.loaded.ruleset
    tiers = rs.rules.qualitative.tiers
    default = pl.col("tier").replace_strict(
        {n: t.default for n, t in tiers.items()}, default=None, return_dtype=pl.Float64
    )
    claimed = pl.col("claimed_score")
    if rs.rules.qualitative.claimed_outside_band == "clamp":
        # An exclusive top (部分达成 < 80 %) clamps to one step below it at the precision.
        step = 10.0**-rs.precision
        inclusive = pl.col("tier").replace_strict(
            {n: t.max_inclusive for n, t in tiers.items()}, default=False, return_dtype=pl.Boolean
        )
        top = _band(plan, False) * pl.col("points")
        top = pl.when(inclusive).then(top).otherwise(top - step)
        claimed = claimed.clip(_band(plan, True) * pl.col("points"), top)
    return pl.when(_uses_claim(plan)).then(claimed).otherwise(default * pl.col("points"))


def _achieved(plan: Plan, comparators: list[str]) -> pl.Expr:
    """Whether the target is met, by the row's exact comparator (≥ vs >)."""
    expr: pl.Expr = pl.lit(None, pl.Boolean)
    for comparator in comparators:
        met = to_polars(plan.achieved[comparator])
        expr = pl.when(pl.col("comparator") == comparator).then(met).otherwise(expr)
    return expr


RULE_INPUTS = [
    "direction",
    "comparator",
    "actual",
    "target",
    "upper",
    "points",
    "tier",
    "claimed_score",
    "claimed_error",
    "value_reason",
]
"""The columns the scoring rules and reasons read."""

COMPARATORS_OF = {
    "higher": [">=", ">"],
    "lower": ["<=", "<"],
    "exact": ["="],
    "range": ["range"],
}


def _partitions(frame: pl.LazyFrame, plan: Plan) -> list[pl.LazyFrame]:
    """One frame per rule: each row is computed only by the rule that applies to it.

    A when/then chain over all rules would evaluate every rule (and every message) on
    every row; partitioning by direction does each row's work once.
    """
    parts = []
    for direction, checked in plan.quantitative.items():
        part = frame.filter(pl.col("direction") == direction)
        parts.append(
            part.with_columns(
                reason=pl.col("value_reason"),
                score=to_polars(checked),
                achieved=_achieved(plan, COMPARATORS_OF[direction]),
            )
        )
    qualitative = frame.filter(pl.col("direction") == QUALITATIVE).with_columns(
        reason=pl.coalesce(pl.col("value_reason"), _claim_reason(plan)),
        score=_qualitative_score(plan),
        achieved=pl.col("tier") == "达成",
    )
    unreadable = frame.filter(pl.col("direction").is_null()).with_columns(
        reason=pl.col("value_reason"),
        score=pl.lit(None, pl.Float64),
        achieved=pl.lit(None, pl.Boolean),
    )
    return [*parts, qualitative, unreadable]


def score_indicators(prepared: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Add evaluable, reason, score and achieved to every prepared row (order kept)."""
    rs = plan.loaded.ruleset
    params = [pl.lit(v, pl.Float64).alias(k) for k, v in rs.params.items()]
    actual = pl.col("actual")
    if rs.rules.negative_actual_as_zero:
        actual = pl.when(actual < 0).then(0.0).otherwise(actual)
    frame = prepared.with_columns(actual_raw=pl.col("actual")).with_columns(actual=actual)
    # Only the narrow columns the rules read are partitioned and put back in order; the
    # wide text columns stay where they are and the results are attached alongside.
    narrow = frame.select(RULE_INPUTS).with_row_index("_seq").with_columns(*params)
    results = (
        pl.concat(_partitions(narrow, plan)).sort("_seq").select("reason", "score", "achieved")
    )
    frame = pl.concat([frame, results], how="horizontal")
    # Quantitative rules round inside their expression; rounding again is a no-op for
    # them and gives qualitative scores the same 四舍五入. A rule that yields no value
    # (a division by zero) makes the row not evaluable rather than silently 0.
    evaluable = pl.col("reason").is_null()
    frame = frame.with_columns(
        score=pl.when(evaluable).then(rounder("score", rs.precision)),
        achieved=pl.when(evaluable).then(pl.col("achieved")),
    )
    no_value = pl.format(
        "the {} rule gives no value here (a division by zero?)",
        pl.coalesce(pl.col("direction"), pl.lit("?")),
    )
    frame = frame.with_columns(
        reason=pl.when(evaluable & pl.col("score").is_null())
        .then(no_value)
        .otherwise(pl.col("reason"))
    )
    return frame.with_columns(
        evaluable=pl.col("reason").is_null(),
        ratio=pl.when(pl.col("target") != 0).then(pl.col("actual") / pl.col("target")),
        has_explanation=pl.col("explanation").str.strip_chars().str.len_chars().fill_null(0) > 0,
        rule=pl.concat_str(
            [pl.col("kind"), pl.lit(":"), pl.coalesce(pl.col("direction"), pl.lit("?"))]
        ),
    )
