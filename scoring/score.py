"""Score stage: every prepared indicator row → points, or "not evaluable" with the reason.

Quantitative rows are scored by the ruleset's expression for their direction (正向 / 反向 /
等于 / 区间), qualitative rows by their tier's band (DOMAIN §2). A row that cannot be
scored keeps a null score and a reason: it is never silently 0 and never full points.
Everything here is a Polars expression over the whole column; `explain` re-derives each
row with the reference evaluator and must agree.
"""

from __future__ import annotations

import polars as pl

from scoring.compile import DIRECTION_OF, Plan
from scoring.expr import Type, check, to_polars

QUALITATIVE = "qualitative"


def rounder(column: str, precision: int) -> pl.Expr:
    """`round(<column>, p)` of the expression language (四舍五入), as a Polars expression."""
    return to_polars(
        check(f"round({column}, {precision})", {column: Type.NUMBER}, expect=Type.NUMBER)
    )


def _direction() -> pl.Expr:
    return pl.col("comparator").replace_strict(
        {**DIRECTION_OF, "qual": QUALITATIVE}, default=None, return_dtype=pl.String
    )


def _text(column: str) -> pl.Expr:
    return pl.coalesce(pl.col(column), pl.lit(""))


def _quantitative_reason() -> pl.Expr:
    kind = pl.col("actual_kind")
    return (
        pl.when(kind == "blank")
        .then(pl.lit("actual (实际完成值) is blank"))
        .when(kind.is_in(["tier", "text"]))
        .then(pl.format("actual '{}' is text where a number is needed", _text("actual_text")))
        .when(pl.col("actual_error").is_not_null())
        .then(pl.col("actual_error"))
        .when(pl.col("actual").is_null())
        .then(pl.format("actual '{}' could not be read as a number", _text("actual_text")))
    )


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


def _qualitative_reason(plan: Plan) -> pl.Expr:
    rs = plan.loaded.ruleset
    kind = pl.col("actual_kind")
    reject_out_of_band = rs.rules.qualitative.claimed_outside_band == "not_evaluable"
    return (
        pl.when(kind == "blank")
        .then(pl.lit("actual (实际完成值) is blank"))
        .when(kind != "tier")
        .then(
            pl.format(
                "actual '{}' is not a tier label (达成 / 部分达成 / 未达成)", _text("actual_text")
            )
        )
        .when(
            pl.lit(rs.rules.qualitative.use_claimed_score) & pl.col("claimed_error").is_not_null()
        )
        .then(pl.col("claimed_error"))
        .when(
            pl.lit(reject_out_of_band)
            & _uses_claim(plan)
            & ~_in_band(plan, pl.col("claimed_score"))
        )
        .then(_band_message(plan))
    )


def _band_message(plan: Plan) -> pl.Expr:
    lo = (_band(plan, True) * pl.col("points")).round(4)
    hi = (_band(plan, False) * pl.col("points")).round(4)
    return pl.format(
        "claimed score {} is outside the {} band ({}–{} of {} points)",
        pl.col("claimed_score"),
        pl.col("tier"),
        lo,
        hi,
        pl.col("points"),
    )


def _reason(plan: Plan) -> pl.Expr:
    return (
        pl.when(pl.col("target_error").is_not_null())
        .then(pl.col("target_error"))
        .when(pl.col("kind") == QUALITATIVE)
        .then(_qualitative_reason(plan))
        .otherwise(_quantitative_reason())
    )


def _quantitative_score(plan: Plan) -> pl.Expr:
    expr: pl.Expr = pl.lit(None, pl.Float64)
    for direction, checked in plan.quantitative.items():
        expr = pl.when(pl.col("direction") == direction).then(to_polars(checked)).otherwise(expr)
    return expr


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


def _achieved(plan: Plan) -> pl.Expr:
    expr: pl.Expr = pl.col("tier") == "达成"
    for comparator, checked in plan.achieved.items():
        expr = pl.when(pl.col("comparator") == comparator).then(to_polars(checked)).otherwise(expr)
    return expr


def score_indicators(prepared: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Add direction, kind, evaluable, reason, score and achieved to every prepared row."""
    rs = plan.loaded.ruleset
    params = [pl.lit(v, pl.Float64).alias(k) for k, v in rs.params.items()]
    actual = pl.col("actual")
    if rs.rules.negative_actual_as_zero:
        actual = pl.when(actual < 0).then(0.0).otherwise(actual)
    frame = prepared.with_columns(
        *params,
        actual_raw=pl.col("actual"),
        kind=pl.when(pl.col("comparator") == "qual")
        .then(pl.lit(QUALITATIVE))
        .otherwise(pl.lit("quantitative")),
        direction=_direction(),
    ).with_columns(actual=actual, rule_name=pl.coalesce(pl.col("direction"), pl.lit("?")))
    frame = frame.with_columns(reason=_reason(plan)).with_columns(
        evaluable=pl.col("reason").is_null()
    )
    frame = frame.with_columns(
        score=pl.when(~pl.col("evaluable"))
        .then(None)
        .when(pl.col("kind") == QUALITATIVE)
        .then(_qualitative_score(plan))
        .otherwise(_quantitative_score(plan)),
    )
    # Quantitative rules round inside their expression; rounding again is a no-op for
    # them and gives qualitative scores the same 四舍五入.
    frame = frame.with_columns(score=rounder("score", rs.precision))
    frame = frame.with_columns(
        reason=pl.when(pl.col("evaluable") & pl.col("score").is_null())
        .then(
            pl.format("the {} rule gives no value here (a division by zero?)", pl.col("rule_name"))
        )
        .otherwise(pl.col("reason")),
    ).with_columns(evaluable=pl.col("reason").is_null())
    return frame.with_columns(
        achieved=pl.when(pl.col("evaluable")).then(_achieved(plan)),
        ratio=pl.when(pl.col("target") != 0).then(pl.col("actual") / pl.col("target")),
        has_explanation=pl.col("explanation").str.strip_chars().str.len_chars().fill_null(0) > 0,
        rule=pl.concat_str([pl.col("kind"), pl.lit(":"), pl.col("rule_name")]),
    ).drop([*rs.params, "rule_name"])
