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

from jixiao.scoring.expr import Type, check, to_polars
from jixiao.scoring.io.read import REJECT_SCHEMA
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.vocabulary import level_key
from jixiao.scoring.values.actuals import parse_actual
from jixiao.scoring.values.comparators import ComparatorTable
from jixiao.scoring.values.exprs import NUMBER_DTYPE
from jixiao.scoring.values.numbers import parse_number
from jixiao.scoring.values.reconcile import reconcile
from jixiao.scoring.values.targets import parse_target

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


def _rejects(frame: pl.LazyFrame, table: str) -> pl.LazyFrame:
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


def first_reason(cases: list[Case]) -> list[pl.Expr]:
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


def split_rejects(frame: pl.LazyFrame, table: str) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Rows without a `_reject` (its helper columns dropped) and the rejects table of the
    rest: shared by every job that rejects input rows (score's prepare, monitor)."""
    kept = frame.filter(pl.col("_reject").is_null()).drop(
        "_reject", "_reject_column", "_reject_text"
    )
    return kept, _rejects(frame, table)


# --- projects --------------------------------------------------------------------------


def number_columns(plan: Plan) -> list[str]:
    """The projects table's columns the catalogue declares `type: number`."""
    table = plan.loaded.catalogue.tables["projects"]
    return [c.name for c in table.columns if c.type == "number"]


def _blank(cell: pl.Expr) -> pl.Expr:
    """Nothing written: the reader keeps cells as typed, spaces included."""
    return cell.is_null() | (cell.str.strip_chars() == "")


YEAR_TEXT = r"^(\d{4})(?:\.0+|年|-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)?$"
"""A year as people and readers write it: `2025`, `2025.0` (a number cell), `2025年`, or a
date-formatted 年度 cell as the readers give it (`2025-01-01`, `2025-01-01 00:00:00`)."""


def year_of(cell: pl.Expr) -> pl.Expr:
    """The year a 年度 cell names; the text itself when it is not one of the forms above."""
    return pl.coalesce(cell.str.extract(YEAR_TEXT, 1), cell)


NEGATIVE_AMOUNTS = ("budget_initial", "budget", "spent", "allocated")
"""Amounts that cannot be below 0 (DOMAIN §2: 执行率 = 全年执行数 / 全年预算数); a negative one
is a data error, and a rate computed from it would be nonsense (−50 / −100 = 50 %)."""


def prepare_projects(
    projects: pl.LazyFrame, plan: Plan, year: int | None
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Keep only the scoring year, parse amounts and compute the common indicators.

    Every `type: number` column of the catalogue is parsed (`1,000.00`, `１２００`). An
    unreadable amount does not reject the project (its indicators still score): it is
    kept in `amount_errors`, and what needs it (the budget score) cannot be computed. A
    negative budget or spending rejects the project with the reason. Spending above the
    budget is kept (the budget rule caps the rate) and recorded in `overspent`.
    """
    # Department groups the roll-up and year is compared: both must not carry spaces.
    projects = projects.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in ("department", "year")
    )
    amounts = number_columns(plan)
    parsed = projects.with_columns(parse_number(pl.col(c)).alias(f"_{c}") for c in amounts)
    cases: list[Case] = []
    if year is not None:
        year_text = year_of(pl.col("year"))
        message = pl.format("year {} is not the scoring year {}", pl.col("year"), pl.lit(str(year)))
        cases.append((year_text.is_not_null() & (year_text != str(year)), "year", message))
    for c in (c for c in amounts if c in NEGATIVE_AMOUNTS):
        value = pl.col(f"_{c}").struct.field("value")
        text = pl.col(c).str.strip_chars()
        message = pl.format("{} is negative ({}): an amount cannot be below 0", pl.lit(c), text)
        cases.append(((value < 0).fill_null(False), c, message))
    kept, rejects = split_rejects(parsed.with_columns(first_reason(cases)), "projects")
    errors = [
        pl.when(pl.col(f"_{c}").struct.field("error").is_not_null()).then(
            pl.format("{}: {}", pl.lit(c), pl.col(f"_{c}").struct.field("error"))
        )
        for c in amounts
    ]
    parsed = kept.with_columns(
        *(pl.col(f"_{c}").struct.field("value").alias(c) for c in amounts),
        amount_errors=pl.concat_str(errors, separator="; ", ignore_nulls=True),
    ).drop(f"_{c}" for c in amounts)
    common = {name: plan.polars(checked) for name, checked in plan.common.items()}
    return parsed.with_columns(
        execution_rate=plan.polars(plan.budget_rate),
        overspent=_overspent(),
        budget_cut_rate=_budget_cut_rate(amounts),
        **common,
    ), rejects


BUDGET_CUT_RATE = check(
    "safe_div(budget_initial - budget, budget_initial)",
    {"budget_initial": Type.NUMBER, "budget": Type.NUMBER},
    expect=Type.NUMBER,
)
"""The share of 年初预算数 cut during the year (DOMAIN §2: 年初预算数 ≠ 全年预算数 when the
budget was adjusted; a large cut that turns low execution into 100 % is worth a flag)."""


def _budget_cut_rate(amounts: list[str]) -> pl.Expr:
    """`BUDGET_CUT_RATE`; null when the catalogue has no 年初预算数 column."""
    if "budget_initial" not in amounts:
        return pl.lit(None, pl.Float64)
    return to_polars(BUDGET_CUT_RATE)


def _overspent() -> pl.Expr:
    """全年执行数 above 全年预算数, for the flags (DOMAIN §2: the rate is capped by the rule,
    so the score alone hides it); 0 when within budget, null when either is unknown."""
    spent, budget = pl.col("spent"), pl.col("budget")
    return pl.when(spent > budget).then(spent - budget).when(spent <= budget).then(pl.lit(0.0))


# --- indicators ------------------------------------------------------------------------


def per_distinct(key: pl.Expr, parse: Callable[[pl.Expr], pl.Expr], dtype: pl.DataType) -> pl.Expr:
    """`parse` run once per distinct text of `key`, mapped back to every row.

    Indicator tables repeat a few thousand texts (`≥95%`, `产出指标`, `达成年度指标`)
    across millions of rows; parsing is a pure function of the text. Keyed by one plain
    string and mapped back inside one expression (no self-join), the query stays a single
    chain the optimizer does not have to de-duplicate. Null and "" mean the same here.
    """
    key = key.fill_null("")
    distinct = key.unique(maintain_order=True)  # one order for both uses below
    missing = pl.lit(None, dtype=dtype)
    return key.replace_strict(distinct, parse(distinct), default=missing, return_dtype=dtype)


def prepare_indicators(
    indicators: pl.LazyFrame, projects: pl.LazyFrame, plan: Plan
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Place every indicator row in the tree and parse its values; reject what cannot be placed.

    Yields parsed target, actual, tier and their errors; what kind of indicator a row is
    and whether it can be scored is the score stage's call.
    """
    known = projects.select("project_id", _known=pl.lit(True))
    frame = (
        indicators.rename(RENAMED_INDICATOR_TEXT)
        .join(known, on="project_id", how="left", maintain_order="left")
        .with_columns(pl.col("_known").fill_null(False))
    )
    frame = _place(frame, plan)
    frame = frame.with_columns(first_reason(_indicator_cases(plan)))
    kept, rejects = split_rejects(frame, "indicators")
    kept = kept.with_columns(
        level1=pl.col("_l1"),
        level2=pl.col("_l2"),
        points=pl.col("_points").struct.field("value"),
    ).drop("_known", "_l1", "_l2", "_points")
    kept = kept.with_columns(_t=_target(plan), _a=_actual(plan))
    kept = _parse_claimed(_with_default_note(_values(kept, plan)))
    return kept, rejects


def _place(frame: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Level-1/level-2 ids and parsed points, each label and points text read once."""
    first = frame.with_columns(
        _l1=per_distinct(pl.col("level1_label"), lambda t: _level1(t, plan), pl.String()),
        _points=per_distinct(pl.col("points_text"), parse_number, NUMBER_DTYPE),
        _l2key=per_distinct(pl.col("level2_label"), level_key, pl.String()),
    )
    return first.with_columns(_l2=_level2(plan)).drop("_l2key")


def _parse_claimed(frame: pl.LazyFrame) -> pl.LazyFrame:
    claimed = per_distinct(pl.col("claimed_text"), parse_number, NUMBER_DTYPE)
    frame = frame.with_columns(
        claimed_score=claimed.struct.field("value"), claimed_error=claimed.struct.field("error")
    )
    return frame.with_columns(
        claimed_note=pl.when(pl.col("claimed_error").is_not_null()).then(
            pl.format("得分: {}", pl.col("claimed_error"))
        )
    )


def _level1(label: pl.Expr, plan: Plan) -> pl.Expr:
    key = level_key(label)
    return key.replace_strict(plan.vocab.level1, default=None, return_dtype=pl.String)


def _level2(plan: Plan) -> pl.Expr:
    key = pl.concat_str([pl.col("_l1"), pl.lit("/"), pl.col("_l2key")])
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
            _blank(pl.col("level1_label")),
            "level1_label",
            pl.lit("level-1 category (一级指标) is blank"),
        ),
        (
            _blank(pl.col("level2_label")),
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


def _target(plan: Plan) -> pl.Expr:
    rs, cat = plan.loaded.ruleset, plan.loaded.catalogue
    words = cat.comparators
    return parse_target(
        pl.col("target_text"),
        comparator=pl.col("comparator_text"),
        unit=pl.col("unit_text"),
        units=plan.vocab.units,
        comparators=ComparatorTable.from_words(words.before, words.after, words.column),
        default_comparator=rs.default_comparator,
    )


def _actual(plan: Plan) -> pl.Expr:
    return parse_actual(pl.col("actual_text"), units=plan.vocab.units, tiers=plan.vocab.tiers)


def _values(frame: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Parsed target and actual as columns, the actual in the target's unit (per row)."""
    frame = frame.with_columns(_r=reconcile(pl.col("_t"), pl.col("_a"), units=plan.vocab.units))
    t, a, r = (pl.col(n).struct.field for n in ("_t", "_a", "_r"))
    return frame.with_columns(
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
        fraction_candidate=r("fraction").fill_null(False),
        note=r("note"),
    ).drop("_t", "_a", "_r")


def _with_default_note(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Say when the comparator was not written anywhere and the ruleset default applied."""
    default = pl.when(pl.col("comparator_source") == "default").then(
        pl.format("no comparator written; {} assumed (ruleset default)", pl.col("comparator"))
    )
    note = pl.concat_str([pl.col("note"), default], separator="; ", ignore_nulls=True)
    return frame.with_columns(note=pl.when(note != "").then(note))
