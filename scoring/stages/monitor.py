"""Monitor stage: monitoring rows → project, indicator and department lights (双监控).

The rows of a 绩效运行监控表 (one per indicator, the project's amounts repeated) are
checked and parsed here with the readers and value grammar `score` uses; every light is a
compiled expression of the ruleset's `monitoring:` section (`plan.monitor`, see
rules/monitor_rules.py), applied with Polars over whole columns. Nothing here decides a
light: this module parses, applies the expressions in order, groups and counts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from jixiao.scoring.expr import evaluate, to_polars
from jixiao.scoring.expr.template import to_polars_text
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.indicator_rules import DIRECTIONS, QUALITATIVE
from jixiao.scoring.rules.monitor_rules import DIMENSION_LABELS, DIMENSIONS, Filled, MonitorRules
from jixiao.scoring.stages.prepare import Case, first_reason, split_rejects, year_of
from jixiao.scoring.stages.score import classify
from jixiao.scoring.values.actuals import parse_actual
from jixiao.scoring.values.comparators import ComparatorTable
from jixiao.scoring.values.normalize import normalize_text
from jixiao.scoring.values.numbers import parse_number
from jixiao.scoring.values.reconcile import reconcile
from jixiao.scoring.values.targets import parse_target

TABLE = "monitoring"
AMOUNTS = ("budget", "spent_to_date", "budget_initial")
PROJECT_FIELDS = ("project_name", "department", "year", *AMOUNTS)
INDICATOR_TEXT = (
    "level1",
    "level2",
    "indicator",
    "comparator",
    "target",
    "unit",
    "actual_to_date",
    "forecast",
    "deviation_cause",
    "likelihood",
    "measures",
)
LIGHT_NAMES = ("red", "yellow", "green", "grey")
LIGHT_WORDS = {"red": "红", "yellow": "黄", "green": "绿", "grey": "灰"}
_CAUSE_SEPARATORS = r"[、,，;；/／\s]+"


@dataclass(frozen=True)
class AsOf:
    """The as-of date as the `time_progress` expression sees it."""

    date: dt.date

    def names(self) -> dict[str, object]:
        d = self.date
        days_in_month = calendar.monthrange(d.year, d.month)[1]
        return {
            "month": float(d.month),
            "day": float(d.day),
            "days_in_month": float(days_in_month),
            # A month counts once its last day is reached: 1-N月 data is month-end data.
            "completed_months": float(d.month if d.day == days_in_month else d.month - 1),
            "day_of_year": float(d.timetuple().tm_yday),
            "days_in_year": float(366 if calendar.isleap(d.year) else 365),
        }


def time_values(rules: MonitorRules, as_of: AsOf, params: dict[str, float]) -> dict[str, object]:
    """time_progress and the checkpoint in force, one value each for the whole run."""
    names = {**params, **as_of.names()}
    return {
        "time_progress": evaluate(rules.time_progress, names),
        "checkpoint": evaluate(rules.checkpoint, names),
    }


def _blank(cell: pl.Expr) -> pl.Expr:
    return cell.is_null() | (cell.str.strip_chars() == "")


def prepare_rows(rows: pl.LazyFrame, as_of: AsOf, plan: Plan) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Reject what cannot be monitored: a row of another budget year, a negative amount,
    amounts that contradict the project's first row. Amounts are parsed; an unreadable
    one is kept as a reason (its light is grey), not a reject."""
    rows = rows.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in ("department", "year")
    ).with_columns(parse_number(pl.col(c)).alias(f"_{c}") for c in AMOUNTS)
    value = {c: pl.col(f"_{c}").struct.field("value") for c in AMOUNTS}
    year = year_of(pl.col("year"))
    as_of_text = as_of.date.isoformat()
    cases: list[Case] = [
        (
            year.is_not_null() & (year != str(as_of.date.year)),
            "year",
            pl.format(
                "budget year {} does not contain the as-of date {}",
                pl.col("year"),
                pl.lit(as_of_text),
            ),
        )
    ]
    for c in AMOUNTS:
        text = pl.col(c).str.strip_chars()
        cases.append(
            (
                (value[c] < 0).fill_null(False),
                c,
                pl.format("{} is negative ({}): an amount cannot be below 0", pl.lit(c), text),
            )
        )
    for c in AMOUNTS:
        first = value[c].drop_nulls().first().over("project_id")
        cases.append(
            (
                (value[c].is_not_null() & (value[c] != first)).fill_null(False),
                c,
                pl.format(
                    "{} {} differs from the project's first row ({}): one project, one amount",
                    pl.lit(c),
                    pl.col(c).str.strip_chars(),
                    first.cast(pl.String),
                ),
            )
        )
    kept, rejects = split_rejects(rows.with_columns(first_reason(cases)), TABLE)
    errors = [
        pl.when(pl.col(f"_{c}").struct.field("error").is_not_null()).then(
            pl.format("{}: {}", pl.lit(c), pl.col(f"_{c}").struct.field("error"))
        )
        for c in AMOUNTS
    ]
    kept = kept.with_columns(
        **{f"{c}_value": value[c] for c in AMOUNTS},
        amount_errors=pl.concat_str(errors, separator="; ", ignore_nulls=True),
    ).drop(f"_{c}" for c in AMOUNTS)
    return kept, rejects


def _indicator_row() -> pl.Expr:
    """A row that names an indicator or gives any of its values (else a project-only row)."""
    cols = ("indicator", "target", "actual_to_date", "forecast", "likelihood")
    return ~pl.all_horizontal(_blank(pl.col(c)) for c in cols)


def _with_params(frame: pl.LazyFrame, plan: Plan, constants: dict[str, object]) -> pl.LazyFrame:
    """The ruleset params and the run's constants (thresholds, time progress, the
    checkpoint in force) as literal number columns the expressions read."""
    values = {**plan.params, **constants}
    return frame.with_columns(pl.lit(v, pl.Float64).alias(k) for k, v in values.items())


def projects(kept: pl.LazyFrame, plan: Plan, times: dict[str, object]) -> pl.LazyFrame:
    """One row per project (input order): its first row's values, then the budget steps."""
    rules = _rules(plan)
    first = [pl.col(c).drop_nulls().first() for c in ("project_name", "department", "year")]
    amounts = [pl.col(f"{c}_value").drop_nulls().first().alias(c) for c in AMOUNTS]
    frame = kept.group_by("project_id", maintain_order=True).agg(
        *first,
        *amounts,
        pl.col("amount_errors").drop_nulls().unique(maintain_order=True).str.join("; "),
        pl.col("_file").first().alias("source_file"),
        pl.col("_sheet").first().alias("source_sheet"),
        pl.col("_row").first().cast(pl.Int64).alias("source_row"),
    )
    frame = _with_params(frame, plan, {**rules.constants, **times})
    for name, checked in rules.project_steps:
        frame = frame.with_columns(to_polars(checked).alias(name))
    return frame


def _rules(plan: Plan) -> MonitorRules:
    if plan.monitor is None:  # pragma: no cover - the build always sets it
        raise RuntimeError("the plan has no monitoring rules")
    return plan.monitor


def _likelihood(rules: MonitorRules) -> pl.Expr:
    key = normalize_text(pl.col("likelihood_text"))
    return key.replace_strict(rules.likelihood, default=None, return_dtype=pl.String)


def _cause_ok(rules: MonitorRules) -> pl.Expr:
    parts = (
        normalize_text(pl.col("deviation_cause"))
        .str.replace_all(_CAUSE_SEPARATORS, "、")
        .str.strip_chars("、")
        .str.split("、")
    )
    known = parts.list.eval(pl.element().is_in(list(rules.causes))).list.all()
    return _blank(pl.col("deviation_cause")) | known.fill_null(True)


def _achieved(plan: Plan) -> pl.Expr:
    """`rules.achieved` of the row's direction, over `actual_read` and `tier`."""
    rules = plan.indicator.achieved
    expr = pl.lit(None, pl.Boolean)
    for d in (*DIRECTIONS, QUALITATIVE):
        expr = pl.when(pl.col("direction") == d).then(to_polars(rules[d])).otherwise(expr)
    return expr


def _parse(frame: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Target, value to date and forecast parsed with score's grammar and read by score's
    `classify` (kind, direction, the fraction reading of `0.96` against a % target, the
    ruleset's reasons), so a value means in monitoring what it means at year end. The
    value to date ends as `actual`, the forecast as `forecast` (both as read, in the
    target's unit); `met` / `forecast_met` are the ruleset's `rules.achieved` of each."""
    words, vocab = plan.loaded.catalogue.comparators, plan.vocab
    target = parse_target(
        pl.col("target_text"),
        comparator=pl.col("comparator_text"),
        unit=pl.col("unit_text"),
        units=vocab.units,
        comparators=ComparatorTable.from_words(words.before, words.after, words.column),
        default_comparator=plan.loaded.ruleset.default_comparator,
    )
    frame = frame.with_columns(
        _t=target,
        _a=parse_actual(pl.col("actual_text"), units=vocab.units, tiers=vocab.tiers),
        _f=parse_actual(pl.col("forecast_text"), units=vocab.units, tiers=vocab.tiers),
    ).with_columns(
        _ra=reconcile(pl.col("_t"), pl.col("_a"), units=vocab.units),
        _rf=reconcile(pl.col("_t"), pl.col("_f"), units=vocab.units),
    )
    t = pl.col("_t").struct.field
    ratio_units = [u.name for u in plan.loaded.catalogue.units if u.dimension == "ratio"]
    frame = frame.with_columns(
        comparator=t("cmp"),
        target=t("value"),
        upper=t("upper"),
        unit=t("unit"),
        target_error=t("error"),
        rate=t("unit").is_in(ratio_units).fill_null(False),
        points=pl.lit(None, pl.Float64),
        claimed_score=pl.lit(None, pl.Float64),
        claimed_error=pl.lit(None, pl.String),
        _actual_text=pl.col("actual_text"),
    )
    frame = _read(frame, plan, "_f", "_rf", "forecast_text", "forecast")
    frame = _read(frame, plan, "_a", "_ra", "_actual_text", "actual")
    return frame.drop("_t", "_a", "_f", "_ra", "_rf", "_actual_text", "points", "claimed_score")


def _read(
    frame: pl.LazyFrame, plan: Plan, parsed: str, reconciled: str, text: str, name: str
) -> pl.LazyFrame:
    """One value (to date or forecast) through score's classify; leaves `<name>` (as
    read), `<name>_tier`, `<name>_error`, `<name>_issue` (score's value reason: an
    ambiguous fraction, a signed target …) and `<name>_met` (rules.achieved)."""
    a, r = pl.col(parsed).struct.field, pl.col(reconciled).struct.field
    frame = frame.with_columns(
        actual_text=pl.col(text),
        actual_kind=a("kind"),
        actual=r("value"),
        tier=a("tier"),
        actual_error=pl.coalesce(a("error"), r("error")),
        fraction_candidate=r("fraction").fill_null(False),
        note=r("note"),
    )
    frame = classify(frame, plan).with_columns(
        pl.lit(v, pl.Float64).alias(k) for k, v in plan.params.items()
    )
    frame = frame.with_columns(_met=_achieved(plan)).drop(*plan.params)
    kept = {
        "actual_read": name,
        "tier": f"{name}_tier",
        "actual_error": f"{name}_error",
        "value_reason": f"{name}_issue",
        "_met": f"{name}_met",
    }
    # A value the ruleset cannot judge (score's not-evaluable reasons) has no reading.
    readable = pl.col("value_reason").is_null()
    frame = frame.with_columns(
        pl.when(readable).then(pl.col(c)).alias(f"__{n}")
        if c in ("actual_read", "_met")
        else pl.col(c).alias(f"__{n}")
        for c, n in kept.items()
    )
    dropped = ["actual_kind", "actual_raw", "note", "fraction_candidate", "signed_target"]
    dropped += ["actual", "actual_read", "actual_error", "value_reason", "_met"]
    if name != "actual":  # the forecast pass: the value to date's pass sets these again
        dropped += ["actual_text", "kind", "direction", "tier"]
    frame = frame.drop(dropped)
    return frame.rename({f"__{n}": n for n in kept.values()})


def indicators(
    kept: pl.LazyFrame, projects_frame: pl.LazyFrame, plan: Plan, times: dict[str, object]
) -> pl.LazyFrame:
    """Every indicator row with its goal and forecast light (input order)."""
    rules = _rules(plan)
    frame = kept.filter(_indicator_row()).rename(
        {
            "comparator": "comparator_text",
            "target": "target_text",
            "unit": "unit_text",
            "actual_to_date": "actual_text",
            "forecast": "forecast_text",
            "likelihood": "likelihood_text",
        }
    )
    frame = frame.join(
        projects_frame.select("project_id", "execution_progress"),
        on="project_id",
        how="left",
        maintain_order="left",
    )
    frame = _with_params(_parse(frame, plan), plan, {**rules.constants, **times})
    frame = frame.with_columns(
        likelihood=_likelihood(rules),
        cause_ok=_cause_ok(rules),
    ).with_columns(
        likelihood_ok=_blank(pl.col("likelihood_text")) | pl.col("likelihood").is_not_null()
    )
    frame = frame.with_columns(met=pl.col("actual_met"), target_written=_target_written())
    for name, checked in rules.indicator_steps:
        frame = frame.with_columns(to_polars(checked).alias(name))
    frame = frame.with_columns(
        goal_reason=light_reason(rules, "goal"),
        forecast_reason=light_reason(rules, "forecast"),
    )
    return frame.with_columns(
        reason=_joined(
            [
                *(_labelled(d, pl.col(f"{d}_reason")) for d in ("goal", "forecast")),
                _issues(),
            ]
        ),
        source_file=pl.col("_file"),
        source_sheet=pl.col("_sheet"),
        source_row=pl.col("_row").cast(pl.Int64),
    )


COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}
"""How a target's comparator is shown in front of a target written without one."""
_COMPARATOR_WORDS = r"[≥≤><=＞＜＝~～至]|以上|以下|以内|不低于|不少于|不高于|不超过|不多于"
"""A target cell that says its own comparator (`2000人次以上`) is shown as written."""


def _target_written() -> pl.Expr:
    """The target as the department wrote it, for reasons: `≥2000人次` whether the sign
    and unit were in the cell or in 指标性质 / 度量单位 (a cell that starts with its own
    sign or word is shown as written; a bare number gets the sign of the comparator the
    value grammar read, so 指标性质 `正向` shows as `≥`)."""
    text = pl.col("target_text").str.strip_chars()
    unit = pl.col("unit_text").str.strip_chars()
    bare = text.str.contains(r"^[0-9０-９.]") & ~text.str.contains(_COMPARATOR_WORDS)
    signs = pl.col("comparator").replace_strict(
        COMPARATOR_SIGNS, default="", return_dtype=pl.String
    )
    sign = pl.when(bare).then(signs.fill_null("")).otherwise(pl.lit(""))
    with_unit = pl.when(
        _blank(pl.col("unit_text")) | text.str.contains(unit.fill_null(""), literal=True)
    )
    suffix = with_unit.then(pl.lit("")).otherwise(unit)
    return (
        pl.when(_blank(pl.col("target_text")))
        .then(pl.lit(None, pl.String))
        .otherwise(pl.concat_str([sign, text, suffix]))
    )


def _fill(parts: tuple[str | Filled, ...]) -> pl.Expr:
    """A reason template filled from each row (expr/template.py: the same texts as the
    flags' messages; null shows as nothing)."""
    pieces = [
        pl.lit(p) if isinstance(p, str) else to_polars_text(pl.col(p[0]), p[1], p[2].spec)
        for p in parts
    ]
    return pl.concat_str(pieces) if pieces else pl.lit("")


def light_reason(rules: MonitorRules, dimension: str) -> pl.Expr:
    """`monitoring.reasons.<dimension>`: the first entry that holds, for a light that is
    not green; a non-green light no entry explains says so (never a silent null)."""
    light = pl.col(f"{dimension}_light")
    unexplained = pl.format(
        "{}灯：规则集 monitoring.reasons.{} 未给出说明",
        light.replace_strict(LIGHT_WORDS, default=light),
        pl.lit(dimension),
    )
    expr: pl.Expr = unexplained
    for entry in reversed(rules.reasons[dimension]):
        expr = pl.when(to_polars(entry.when)).then(_fill(entry.parts)).otherwise(expr)
    return pl.when(light.is_not_null() & (light != "green")).then(expr)


def _labelled(dimension: str, text: pl.Expr) -> pl.Expr:
    return pl.format("{}：{}", pl.lit(DIMENSION_LABELS[dimension]), text)


def _joined(parts: Sequence[pl.Expr]) -> pl.Expr:
    joined = pl.concat_str(parts, separator="；", ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def _issues() -> pl.Expr:
    """What could not be read on the row (parse errors, score's value reasons): what the
    row's person must fix, after the light reasons in `reason`."""
    parts = [
        pl.when(pl.col("target_error").is_not_null()).then(
            pl.format("年度指标值: {}", pl.col("target_error"))
        ),
        pl.when(pl.col("actual_error").is_not_null()).then(
            pl.format("执行值: {}", pl.col("actual_error"))
        ),
        pl.when(pl.col("forecast_error").is_not_null()).then(
            pl.format("全年预计完成值: {}", pl.col("forecast_error"))
        ),
        pl.when(pl.col("actual_issue").is_not_null()).then(
            pl.format("执行值: {}", pl.col("actual_issue"))
        ),
        pl.when(pl.col("forecast_issue").is_not_null()).then(
            pl.format("全年预计完成值: {}", pl.col("forecast_issue"))
        ),
        pl.when(
            (pl.col("kind") == QUALITATIVE)
            & pl.col("tier").is_null()
            & ~_blank(pl.col("actual_text"))
        ).then(pl.format("执行值 '{}' is not a tier label", pl.col("actual_text"))),
    ]
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def rollup(projects_frame: pl.LazyFrame, indicator_frame: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """A project's goal and forecast lights are its worst indicator's (no rows: grey);
    then the overall light, the progress warning, budget at risk and `needs_action`."""
    rules = _rules(plan)
    params = {k: pl.lit(v, pl.Float64) for k, v in plan.params.items()}
    per_project = (
        indicator_frame.with_columns(**params)
        .group_by("project_id")
        .agg(
            *(to_polars(checked).alias(name) for name, checked in rules.rollup),
            pl.len().cast(pl.UInt32).alias("n_indicators"),
            *(
                (pl.col(f"{d}_light") == "red").sum().cast(pl.UInt32).alias(f"n_{d}_red")
                for d in ("goal", "forecast")
            ),
            *_worst_indicator("goal", rules.worst_first),
            *_worst_indicator("forecast", rules.worst_first),
        )
    )
    frame = projects_frame.join(per_project, on="project_id", how="left", maintain_order="left")
    frame = frame.with_columns(
        pl.col(c).fill_null(0)
        for c in ("n_indicators", "n_goal_red", "n_forecast_red", "_goal_n", "_forecast_n")
    )
    for name, checked in rules.after_rollup:
        frame = frame.with_columns(to_polars(checked).alias(name))
    frame = frame.with_columns(
        budget_reason=light_reason(rules, "budget"), reason=_project_reason()
    )
    return frame.with_columns(light_reason=_project_light_reason()).drop(
        "_goal_worst", "_goal_n", "_forecast_worst", "_forecast_n"
    )


def _worst_indicator(dimension: str, worst_first: tuple[str, ...]) -> list[pl.Expr]:
    """The first indicator (input order) at the project's light for `dimension`, with
    its reason, and how many indicators share that light: what `light_reason` names."""
    rank = pl.col(f"{dimension}_light").replace_strict(
        {light: i for i, light in enumerate(worst_first)},
        default=len(worst_first),
        return_dtype=pl.Int64,
    )
    at_worst = rank == rank.min()
    note = pl.format("「{}」{}", pl.col("indicator").fill_null("?"), pl.col(f"{dimension}_reason"))
    return [
        note.filter(at_worst).first().alias(f"_{dimension}_worst"),
        at_worst.sum().cast(pl.UInt32).alias(f"_{dimension}_n"),
    ]


def _project_light_reason() -> pl.Expr:
    """Which dimension made the project's overall light, and why: each dimension at the
    overall light (when it is not green), the budget by its reason, goal and forecast by
    their worst indicator and its reason."""
    light = pl.col("light")
    parts = [
        pl.when((light != "green") & (pl.col("budget_light") == light)).then(
            _labelled("budget", pl.col("budget_reason"))
        )
    ]
    for d in ("goal", "forecast"):
        n = pl.col(f"_{d}_n")
        word = light.replace_strict(LIGHT_WORDS, default=light)
        more = pl.when(n > 1).then(pl.format("（{}灯指标共 {} 项）", word, n)).otherwise(pl.lit(""))
        text = (
            pl.when(pl.col("n_indicators") == 0)
            .then(pl.lit("没有指标行"))
            .otherwise(pl.concat_str([pl.col(f"_{d}_worst"), more]))
        )
        parts.append(
            pl.when((light != "green") & (pl.col(f"{d}_light") == light)).then(_labelled(d, text))
        )
    return _joined(parts)


def _project_reason() -> pl.Expr:
    parts = [
        pl.when(pl.col("budget").is_null()).then(pl.lit("全年预算数 (budget) is blank")),
        pl.when(pl.col("spent_to_date").is_null()).then(pl.lit("执行数 (spent_to_date) is blank")),
        pl.when(pl.col("budget") == 0).then(pl.lit("全年预算数 is 0")),
        pl.when(pl.col("amount_errors") != "").then(pl.col("amount_errors")),
        pl.when(pl.col("n_indicators") == 0).then(pl.lit("no indicator rows")),
        pl.when(pl.col("time_progress") <= 0).then(
            pl.lit("no month of the budget year has ended at the as-of date")
        ),
    ]
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def departments(projects_frame: pl.LazyFrame, label: str) -> pl.LazyFrame:
    """Per department: projects, money, and how many projects have each light."""
    dept = pl.coalesce(pl.col("department"), pl.lit(label)).alias("department")
    counts = [
        (pl.col(f"{d}") == light).sum().cast(pl.UInt32).alias(f"n_{d}_{light}")
        for d in ("light", *(f"{x}_light" for x in DIMENSIONS))
        for light in LIGHT_NAMES
    ]
    return (
        projects_frame.group_by(dept)
        .agg(
            pl.len().cast(pl.UInt32).alias("n_projects"),
            pl.col("budget").sum(),
            pl.col("spent_to_date").sum(),
            pl.col("budget_at_risk").sum(),
            *counts,
        )
        .with_columns(
            execution_progress=pl.when(pl.col("budget") > 0).then(
                pl.col("spent_to_date") / pl.col("budget")
            )
        )
        .sort("department")
    )


def actions(
    projects_frame: pl.LazyFrame, indicator_frame: pl.LazyFrame, rules: MonitorRules
) -> pl.LazyFrame:
    """The projects that need a response (`needs_action`), largest budget at risk first,
    with the response category of each red dimension and the red indicators named."""
    red_names = (
        indicator_frame.filter(
            (pl.col("goal_light") == "red") | (pl.col("forecast_light") == "red")
        )
        .group_by("project_id", maintain_order=True)
        .agg(pl.col("indicator").drop_nulls().str.join("、").alias("red_indicators"))
    )
    responses = [
        pl.when(pl.col(f"{d}_light") == "red").then(pl.lit(rules.responses.get(d, d)))
        for d in DIMENSIONS
    ]
    return (
        projects_frame.filter(pl.col("needs_action").fill_null(False))
        .with_row_index("_order")
        .join(red_names, on="project_id", how="left", maintain_order="left")
        .with_columns(responses=pl.concat_str(responses, separator="；", ignore_nulls=True))
        .sort(["budget_at_risk", "_order"], descending=[True, False], nulls_last=True)
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.UInt32))
    )
