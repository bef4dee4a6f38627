"""Prepare stage: canonical text tables → typed rows ready to score, plus rejects.

A row that cannot take part in scoring (an indicator of an unknown project, a level-1
label the catalogue does not know, points that are not a positive number) goes to the
rejects table with its file, sheet, row, column and reason; each row is rejected once, for
the first reason that applies. Rows that can be placed but not scored (a blank actual, a
target that cannot be read) stay: they are scored as "not evaluable" by the next stage.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from jixiao.scoring.io.read import REJECT_SCHEMA
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.vocabulary import level_key
from jixiao.scoring.values.grammar import parse_actual, parse_number, parse_target, reconcile

RENAMED_INDICATOR_TEXT = {
    "level1": "level1_label",
    "level2": "level2_label",
    "comparator": "comparator_text",
    "target": "target_text",
    "unit": "unit_text",
    "actual": "actual_text",
    "points": "points_text",
    "claimed_score": "claimed_text",
}
"""Input texts keep their words under `*_text`/`*_label` names, so the parsed numbers can
take the short names (`target`, `actual`, `points`) the rule expressions use."""


def _rejects(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Rows whose `_reject` is set, in the rejects schema."""
    return (
        frame.filter(pl.col("_reject").is_not_null())
        .select(
            file=pl.col("_file"),
            sheet=pl.col("_sheet"),
            row=pl.col("_row").cast(pl.Int64),
            table=pl.lit(table),
            column=pl.col("_reject_column"),
            text=pl.col("_reject_text"),
            reason=pl.col("_reject"),
        )
        .cast(pl.Schema(REJECT_SCHEMA))
    )


INPUT_NAME = {renamed: canonical for canonical, renamed in RENAMED_INDICATOR_TEXT.items()}
"""Rejects name the input column by its canonical name, not the internal one."""


def _first_reason(cases: list[Case]) -> list[pl.Expr]:
    """`_reject`, `_reject_column`, `_reject_text` from the first case that holds.

    A message built from a null cell would itself be null and let the row through, so
    every reason falls back to naming the column: a rejected row always has a reason.
    """
    reason: pl.Expr = pl.lit(None, pl.String)
    column: pl.Expr = pl.lit(None, pl.String)
    text: pl.Expr = pl.lit(None, pl.String)
    for cond, col, message in reversed(cases):
        name = INPUT_NAME.get(col, col)
        fallback = pl.lit(f"invalid {name}")
        reason = pl.when(cond).then(pl.coalesce(message, fallback)).otherwise(reason)
        column = pl.when(cond).then(pl.lit(name)).otherwise(column)
        text = pl.when(cond).then(pl.col(col).cast(pl.String)).otherwise(text)
    return [reason.alias("_reject"), column.alias("_reject_column"), text.alias("_reject_text")]


def _split(frame: pl.DataFrame, table: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    kept = frame.filter(pl.col("_reject").is_null()).drop(
        "_reject", "_reject_column", "_reject_text"
    )
    return kept, _rejects(frame, table)


# --- projects --------------------------------------------------------------------------


NUMBER_COLUMNS = ("budget_initial", "budget", "spent", "allocated")


def prepare_projects(
    projects: pl.DataFrame, plan: Plan, year: int | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep only the scoring year, parse amounts and compute the common indicators.

    An unreadable amount does not reject the project (its indicators still score): it
    is kept in `amount_errors`, and the budget score cannot be computed.
    """
    cases: list[Case] = []
    if year is not None:
        year_text = pl.col("year").str.replace(r"\.0+$", "").str.replace("年$", "")
        message = pl.format("year {} is not the scoring year {}", pl.col("year"), pl.lit(str(year)))
        cases.append((year_text.is_not_null() & (year_text != str(year)), "year", message))
    kept, rejects = _split(projects.with_columns(_first_reason(cases)), "projects")
    amounts = [c for c in NUMBER_COLUMNS if c in kept.columns]
    parsed = kept.with_columns(parse_number(pl.col(c)).alias(f"_{c}") for c in amounts)
    errors = [
        pl.when(pl.col(f"_{c}").struct.field("error").is_not_null()).then(
            pl.format("{}: {}", pl.lit(c), pl.col(f"_{c}").struct.field("error"))
        )
        for c in amounts
    ]
    parsed = parsed.with_columns(
        *(pl.col(f"_{c}").struct.field("value").alias(c) for c in amounts),
        amount_errors=pl.concat_str(errors, separator="; ", ignore_nulls=True),
    ).drop(f"_{c}" for c in amounts)
    common = {name: plan.polars(checked) for name, checked in plan.common.items()}
    return parsed.with_columns(execution_rate=plan.polars(plan.budget_rate), **common), rejects


# --- indicators ------------------------------------------------------------------------


def by_distinct(
    frame: pl.DataFrame, keys: list[str], build: Callable[[pl.DataFrame], pl.DataFrame]
) -> pl.DataFrame:
    """Compute columns once per distinct combination of `keys` and join them back.

    Indicator tables repeat a few thousand texts (`≥95%`, `产出指标`, `达成年度指标`)
    across a million rows; parsing is a pure function of the texts, so working on the
    distinct combinations gives the same columns at a fraction of the cost.
    """
    distinct = build(frame.select(keys).unique())
    return frame.join(distinct, on=keys, how="left", nulls_equal=True, maintain_order="left")


def prepare_indicators(
    indicators: pl.DataFrame, projects: pl.DataFrame, plan: Plan
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Place every indicator row in the tree and parse its values; reject what cannot be placed."""
    frame = indicators.rename(RENAMED_INDICATOR_TEXT).with_columns(
        _known=pl.col("project_id").is_in(projects["project_id"].implode()),
    )
    placing = ["level1_label", "level2_label", "points_text"]
    frame = by_distinct(frame, placing, lambda d: _place(d, plan))
    frame = frame.with_columns(_first_reason(_indicator_cases(plan)))
    kept, rejects = _split(frame, "indicators")
    kept = kept.with_columns(
        level1=pl.col("_l1"),
        level2=pl.col("_l2"),
        points=pl.col("_points").struct.field("value"),
    ).drop("_known", "_l1", "_l2", "_points")
    kept = by_distinct(kept, VALUE_TEXTS, lambda d: _parse_values(d, plan))
    kept = by_distinct(kept, ["claimed_text"], _parse_claimed)
    return kept, rejects


def _place(frame: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Level-1/level-2 ids and parsed points, for the distinct label and points texts."""
    first = frame.with_columns(_l1=_level1(plan), _points=parse_number(pl.col("points_text")))
    return first.with_columns(_l2=_level2(plan))


VALUE_TEXTS = ["target_text", "comparator_text", "unit_text", "actual_text"]
"""The texts that together decide an indicator's parsed target and actual."""


def _parse_claimed(frame: pl.DataFrame) -> pl.DataFrame:
    claimed = parse_number(pl.col("claimed_text"))
    frame = frame.with_columns(
        claimed_score=claimed.struct.field("value"), claimed_error=claimed.struct.field("error")
    )
    return frame.with_columns(
        claimed_note=pl.when(pl.col("claimed_error").is_not_null()).then(
            pl.format("得分: {}", pl.col("claimed_error"))
        )
    )


def _level1(plan: Plan) -> pl.Expr:
    key = level_key(pl.col("level1_label"))
    return key.replace_strict(plan.vocab.level1, default=None, return_dtype=pl.String)


def _level2(plan: Plan) -> pl.Expr:
    key = pl.concat_str([pl.col("_l1"), pl.lit("/"), level_key(pl.col("level2_label"))])
    return key.replace_strict(plan.vocab.level2, default=None, return_dtype=pl.String)


Case = tuple[pl.Expr, str, pl.Expr]
"""A reject rule: condition, the (renamed) column it is about, and the message."""


def _indicator_cases(plan: Plan) -> list[Case]:
    rs, vocab = plan.loaded.ruleset, plan.vocab
    level1_names = "、".join(vocab.level1_names[c] for c in plan.categories)
    l1_name = pl.col("_l1").replace_strict(vocab.level1_names, default=None, return_dtype=pl.String)
    points_error = pl.col("_points").struct.field("error")
    points_value = pl.col("_points").struct.field("value")
    unknown_l1 = "unknown level-1 category '{}' (expected one of {})"
    return [
        (
            ~pl.col("_known"),
            "project_id",
            pl.format(
                "no project '{}' in the projects table (or it was rejected)", pl.col("project_id")
            ),
        ),
        (
            pl.col("level1_label").is_null(),
            "level1_label",
            pl.lit("level-1 category (一级指标) is blank"),
        ),
        (
            pl.col("level2_label").is_null(),
            "level2_label",
            pl.lit("level-2 category (二级指标) is blank"),
        ),
        (
            pl.col("_l1").is_null(),
            "level1_label",
            pl.format(unknown_l1, pl.col("level1_label"), pl.lit(level1_names)),
        ),
        (
            ~pl.col("_l1").is_in(list(plan.categories)),
            "level1_label",
            pl.format("level-1 category {} has no weight in ruleset {}", l1_name, pl.lit(rs.id)),
        ),
        (
            pl.col("_l2").is_null(),
            "level2_label",
            pl.format("'{}' is not a level-2 category of {}", pl.col("level2_label"), l1_name),
        ),
        (points_error.is_not_null(), "points_text", points_error),
        (points_value.is_null(), "points_text", pl.lit("分值 (points) is blank")),
        (
            points_value <= 0,
            "points_text",
            pl.format("points must be > 0, got {}", pl.col("points_text")),
        ),
    ]


def _parse_values(frame: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Targets, actuals and claimed scores as numbers, units and tiers (vectorized)."""
    rs, vocab = plan.loaded.ruleset, plan.vocab
    target = parse_target(
        pl.col("target_text"),
        comparator=pl.col("comparator_text"),
        unit=pl.col("unit_text"),
        units=vocab.units,
        default_comparator=rs.default_comparator,
    )
    actual = parse_actual(pl.col("actual_text"), units=vocab.units, tiers=vocab.tiers)
    frame = frame.with_columns(_t=target, _a=actual).with_columns(
        _r=reconcile(
            pl.col("_t"),
            pl.col("_a"),
            units=vocab.units,
            fraction_as_percent=rs.fraction_as_percent,
        )
    )
    t, a, r = (pl.col(n).struct.field for n in ("_t", "_a", "_r"))
    frame = frame.with_columns(
        comparator=t("cmp"),
        comparator_source=t("cmp_source"),
        target=t("value"),
        upper=t("upper"),
        unit=t("unit"),
        target_error=t("error"),
        actual_kind=a("kind"),
        actual=r("value"),
        tier=a("tier"),
        actual_error=pl.coalesce(a("error"), r("error")),
        note=r("note"),
    ).drop("_t", "_a", "_r")
    return _with_default_note(frame)


def _with_default_note(frame: pl.DataFrame) -> pl.DataFrame:
    """Say when the comparator was not written anywhere and the ruleset default applied."""
    default = pl.when(pl.col("comparator_source") == "default").then(
        pl.format("no comparator written; {} assumed (ruleset default)", pl.col("comparator"))
    )
    note = pl.concat_str([pl.col("note"), default], separator="; ", ignore_nulls=True)
    return frame.with_columns(note=pl.when(note != "").then(note))
