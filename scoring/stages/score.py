"""Score stage: every prepared indicator row → points, or "not evaluable" with the reason.

Every decision here is a compiled expression of the ruleset (`plan.indicator`, see
rules/indicator_rules.py): kind and direction, the not-evaluable conditions, the actual
the rules see, the scoring rule of the row's direction, the qualitative band test and
`achieved`. This module only applies them, in order, as Polars expressions over whole
columns; `explain/indicator.py` applies the same expressions row by row with the
reference evaluator and must agree.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.expr import Type, to_polars
from jixiao.scoring.fmt import shown
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.indicator_rules import (
    DIRECTIONS,
    QUALITATIVE,
    IndicatorRules,
    Let,
    Reason,
    placeholders,
)
from jixiao.scoring.rules.weighting_rules import APPLIED, CLAIMED
from jixiao.scoring.stages.weighting import with_applied
from jixiao.scoring.values.normalize import normalize_label


def message(template: str, types: dict[str, Type]) -> pl.Expr:
    """A reason template filled from each row: numbers as people write them (`blank`
    when missing), texts as they are (`?` when missing)."""
    parts: list[pl.Expr] = []
    for literal, name in placeholders(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            value = pl.col(name)
            if types[name] is Type.NUMBER:
                parts.append(shown(value))
            else:
                parts.append(value.cast(pl.String).fill_null("?"))
    return pl.concat_str(parts) if parts else pl.lit("")


def _first_reason(reasons: tuple[Reason, ...], types: dict[str, Type]) -> pl.Expr:
    """The message of the first condition that holds (null when none does)."""
    expr = pl.lit(None, pl.String)
    for reason in reversed(reasons):
        expr = pl.when(to_polars(reason.when)).then(message(reason.template, types)).otherwise(expr)
    return expr


def _apply(frame: pl.LazyFrame, lets: tuple[Let, ...]) -> pl.LazyFrame:
    """Derived columns in order: each may read the ones before it."""
    for name, checked in lets:
        frame = frame.with_columns(to_polars(checked).alias(name))
    return frame


RULE_INPUTS = [*contexts.VALUE_NAMES, "actual_read", "signed_target", "value_reason"]
"""The columns the scoring rules and reasons read."""


def _partitions(frame: pl.LazyFrame, plan: Plan) -> list[pl.LazyFrame]:
    """One frame per rule: each row is computed only by the rule that applies to it.

    A when/then chain over all rules would evaluate every rule (and every message) on
    every row; partitioning by direction does each row's work once.
    """
    rules = plan.indicator
    parts = [
        frame.filter(pl.col("direction") == d).with_columns(
            reason=pl.col("value_reason"),
            score=_quantitative(rules, d),
            achieved=to_polars(rules.achieved[d]),
            claimed_in_band=pl.lit(None, pl.Boolean),
        )
        for d in DIRECTIONS
    ]
    qualitative = _apply(frame.filter(pl.col("direction") == QUALITATIVE), rules.bands)
    parts.append(
        qualitative.with_columns(
            reason=pl.coalesce(
                pl.col("value_reason"), _first_reason(rules.claim_reasons, rules.types)
            ),
            score=to_polars(rules.score[QUALITATIVE]),
            achieved=to_polars(rules.achieved[QUALITATIVE]),
            claimed_in_band=pl.when(pl.col("claimed_score").is_not_null()).then(pl.col("in_band")),
        )
    )
    known = pl.col("direction").is_in([*DIRECTIONS, QUALITATIVE])
    unscored = frame.filter(known.not_() | pl.col("direction").is_null())
    parts.append(
        unscored.with_columns(
            reason=pl.col("value_reason"),
            score=pl.lit(None, pl.Float64),
            achieved=pl.lit(None, pl.Boolean),
            claimed_in_band=pl.lit(None, pl.Boolean),
        )
    )
    return [p.select("_seq", "reason", "score", "achieved", "claimed_in_band") for p in parts]


def _quantitative(rules: IndicatorRules, direction: str) -> pl.Expr:
    """The score of the direction's rule, or of `rules.signed_targets` for a signed target."""
    score = to_polars(rules.score[direction])
    if not rules.signed_score:
        return score
    signed = to_polars(rules.signed_score[direction])
    return pl.when(pl.col("signed_target")).then(signed).otherwise(score)


DERIVED = [*contexts.FRACTION_NAMES, "fraction_ambiguous"]
"""Columns classify derives only to decide the reading (dropped once it is decided)."""


def classify(prepared: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Kind, direction, the reading of the actual, the value-level reason and the actual
    the rules see. `actual_raw` keeps the actual as prepare read it, `actual_read` after
    the fraction reading (what `achieved` judges), `actual` after negative_actual_as_zero."""
    rules = plan.indicator
    params = [pl.lit(v, pl.Float64).alias(k) for k, v in plan.params.items()]
    frame = _apply(prepared.with_columns(*params), rules.classify)
    frame = _apply(frame.with_columns(actual_raw=pl.col("actual")), rules.readings)
    frame = _apply(frame, rules.derived)
    frame = frame.with_columns(
        value_reason=_first_reason(rules.value_reasons, rules.types),
        note=_fraction_note(plan),
    )
    frame = frame.with_columns(actual_read=pl.col("actual"), actual=to_polars(rules.actual))
    return frame.drop(*plan.params, *DERIVED)


def _fraction_note(plan: Plan) -> pl.Expr:
    """Say how a fraction candidate was read; an ambiguous one under `not_evaluable` has
    its reason instead."""
    policy = plan.loaded.ruleset.fraction_actuals.when_ambiguous
    candidate = pl.col("fraction_candidate").fill_null(False)
    written = shown(pl.when(candidate).then(pl.col("as_written")))
    fraction = shown(pl.when(candidate).then(pl.col("as_fraction")))
    clear = pl.format("read {} as {}% (a fraction: no unit against a % target)", written, fraction)
    ambiguous = {
        "fraction": pl.format(
            "read {} as {}% although ambiguous (ruleset fraction_actuals.when_ambiguous: fraction)",
            written,
            fraction,
        ),
        "percent": pl.format(
            "read {} as {}% as written although ambiguous (ruleset "
            "fraction_actuals.when_ambiguous: percent)",
            written,
            written,
        ),
        "not_evaluable": pl.lit(None, pl.String),
    }[policy]
    said = (
        pl.when(~candidate)
        .then(pl.lit(None, pl.String))
        .when(pl.col("fraction_ambiguous"))
        .then(ambiguous)
        .otherwise(clear)
    )
    note = pl.concat_str([pl.col("note"), said], separator="; ", ignore_nulls=True)
    return pl.when(note != "").then(note)


WRITTEN = {"points": "_points_written", "claimed_score": "_claimed_written"}
"""The department's points and claimed score as written, set aside while the rules read
the applied ones (`weighting`), and put back for the output."""


def score_indicators(
    prepared: pl.LazyFrame, plan: Plan, sums: pl.LazyFrame | None = None
) -> pl.LazyFrame:
    """Add applied_points, kind, direction, evaluable, reason, score, achieved, ratio,
    claimed_in_band, claimed_differs, has_explanation and rule to every prepared row
    (order kept). A not-evaluable row has a null score and a null `achieved`: it is
    neither met nor missed.

    Every rule reads `points` and `claimed_score` as applied by the ruleset's `weighting`
    (stages/weighting.py; the points as written under `check`); the output keeps the
    written ones beside `applied_points`. `sums`: the per-project weighting sums over the
    whole table, when the rows are a slice of it."""
    applied = with_applied(prepared, sums, plan).with_columns(
        *[pl.col(k).alias(v) for k, v in WRITTEN.items()]
    )
    applied = applied.with_columns(points=pl.col(APPLIED), claimed_score=pl.col(CLAIMED)).drop(
        CLAIMED
    )
    return (
        _scored(applied, plan)
        .with_columns(*[pl.col(v).alias(k) for k, v in WRITTEN.items()])
        .drop(*WRITTEN.values())
    )


def _scored(prepared: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    rules = plan.indicator
    params = [pl.lit(v, pl.Float64).alias(k) for k, v in plan.params.items()]
    # Cached: the narrow rule inputs and the wide rows below both read it (measured:
    # without it the classification ran twice, 1.8 s against 0.6 s on 1M rows).
    frame = classify(prepared, plan).cache()
    # Only the narrow columns the rules read are partitioned and put back in order; the
    # wide text columns stay where they are and the results are attached alongside.
    narrow = frame.select(RULE_INPUTS).with_row_index("_seq").with_columns(*params)
    results = pl.concat(_partitions(narrow, plan)).sort("_seq").drop("_seq")
    frame = pl.concat([frame, results], how="horizontal")
    # A rule that yields no value (a division by zero) makes the row not evaluable
    # rather than silently 0.
    scorable = pl.col("reason").is_null()
    no_value = scorable & to_polars(rules.no_value.when)
    frame = frame.with_columns(
        score=pl.when(scorable).then(pl.col("score")),
        reason=pl.when(no_value)
        .then(message(rules.no_value.template, rules.types))
        .otherwise(pl.col("reason")),
    )
    evaluable = pl.col("reason").is_null()
    frame = frame.with_columns(
        evaluable=evaluable,
        achieved=pl.when(evaluable).then(pl.col("achieved")),
        ratio=to_polars(rules.ratio),
        claimed_differs=to_polars(rules.claimed_differs),
        rule=pl.concat_str(
            [pl.col("kind"), pl.lit(":"), pl.coalesce(pl.col("direction"), pl.lit("?"))]
        ),
    )
    return _explained(frame, plan)


def explanation_key(explanation: pl.Expr) -> pl.Expr:
    """The 偏差原因 cell as `rules.has_explanation` reads it: half-width, no spaces, no
    trailing 。 (`　无。` reads as `无`), a blank cell as ''."""
    return normalize_label(explanation).fill_null("")


def _explained(frame: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """`has_explanation` by the ruleset's rule over the normalised cell (null → false)."""
    key = contexts.EXPLANATION_KEY
    return (
        frame.with_columns(explanation_key(pl.col("explanation")).alias(key))
        .with_columns(has_explanation=to_polars(plan.indicator.has_explanation).fill_null(False))
        .drop(key)
    )
