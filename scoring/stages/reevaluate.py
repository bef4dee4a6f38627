"""Re-evaluation stage: scored tables + claims → the three reevaluation tables.

Every decision is a compiled expression of the ruleset's `reevaluation:` section
(`plan.reevaluation`, scoring/rules/reevaluation_rules.py): whether a claim differs, the
first reason that holds and its message, the gap, the grade of a claimed total (the
ruleset's own bands), the threshold, the department measures. This module reads the
claims (values/claims.py), lays out the lines (each project's budget line first, then its
indicator rows in input order) and applies those expressions with Polars; `explain`
applies the same ones with the reference evaluator (explain/reevaluation.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.expr import to_polars
from jixiao.scoring.expr.template import to_polars_text
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.contexts import BUDGET_PART
from jixiao.scoring.rules.monitor_rules import Filled
from jixiao.scoring.rules.reevaluation_rules import (
    BUDGET_LINE,
    CLAIMED_GRADE_SOURCES,
    CompiledReason,
    ReevaluationRules,
)
from jixiao.scoring.values.claims import FILLERS, grade_key, parse_claim

_ORDER, _KIND = "\x00order", "\x00kind"
"""Sort keys of the lines: the project's position, then 0 for its budget line and the
indicator row's position + 1."""

CLAIM_LABELS = {
    "claimed_budget_score": "自评预算执行得分",
    "claimed_total": "自评总分",
    "claimed_grade": "自评等级",
}
"""How claim_error names the claim it could not read (the form's own labels)."""


def constants(frame: pl.DataFrame, values: Mapping[str, object]) -> pl.DataFrame:
    """The params (both spellings) and `half_unit` as literal columns; a column of the
    table with a param's bare name wins, as the checker typed it."""
    return frame.with_columns(
        pl.lit(v, pl.Boolean if isinstance(v, bool) else pl.Float64).alias(k)
        for k, v in values.items()
        if k not in frame.columns
    )


def fill(parts: tuple[str | Filled, ...]) -> pl.Expr:
    """A reason template filled from each row (null shows as nothing)."""
    pieces = [
        pl.lit(p, pl.String)
        if isinstance(p, str)
        else to_polars_text(pl.col(p[0]), p[1], p[2].spec)
        for p in parts
    ]
    return pl.concat_str(pieces) if pieces else pl.lit("", pl.String)


def _first(reasons: tuple[CompiledReason, ...], what: str) -> pl.Expr:
    """The code (`what="code"`) or message of the first reason whose `when` holds."""
    expr: pl.Expr = pl.lit(None, pl.String)
    for r in reversed(reasons):
        value = pl.lit(r.code, pl.String) if what == "code" else fill(r.parts)
        expr = pl.when(to_polars(r.when).fill_null(False)).then(value).otherwise(expr)
    return expr


def _judged(
    frame: pl.DataFrame, rules: ReevaluationRules, reasons: tuple[CompiledReason, ...]
) -> pl.DataFrame:
    """difference, then reason_code / reason where the claim differs."""
    frame = frame.with_columns(difference=to_polars(rules.difference))
    differs = to_polars(rules.differs).fill_null(False)
    return frame.with_columns(
        reason_code=pl.when(differs).then(_first(reasons, "code")),
        reason=pl.when(differs).then(_first(reasons, "message")),
    )


# --- claims ----------------------------------------------------------------------------


def _error(column: str, why: pl.Expr) -> pl.Expr:
    return pl.when(why.is_not_null()).then(pl.format("{}: {}", pl.lit(CLAIM_LABELS[column]), why))


def read_claims(projects: pl.DataFrame, rules: ReevaluationRules) -> pl.DataFrame:
    """The claims of project_scores (text as written) as numbers and a grade name:
    `claimed_budget_score`, `claimed_total` (Float64), `claimed_grade`,
    `claimed_grade_source`, `claim_error` (what could not be read; that claim is blank)."""
    budget = parse_claim(pl.col("claimed_budget_score"))
    total = parse_claim(pl.col("claimed_total"))
    text = pl.col("claimed_grade").cast(pl.String)
    key = grade_key(text)
    blank = key.is_null() | key.is_in(list(FILLERS))
    word = key.replace_strict(rules.grade_words, default=None, return_dtype=pl.String)
    known = ", ".join(dict.fromkeys(rules.grade_words.values()))
    bad_grade = pl.when(~blank & word.is_null()).then(
        pl.format("'{}' is not a grade ({})", text.str.strip_chars(), pl.lit(known))
    )
    frame = projects.with_columns(
        _budget=budget,
        _total=total,
        _word=pl.when(~blank).then(word),
        _bad_grade=bad_grade,
    )
    frame = frame.with_columns(
        claimed_budget_score=pl.col("_budget").struct.field("value"),
        claimed_total=pl.col("_total").struct.field("value"),
        claim_error=pl.concat_str(
            [
                _error("claimed_budget_score", pl.col("_budget").struct.field("error")),
                _error("claimed_total", pl.col("_total").struct.field("error")),
                _error("claimed_grade", pl.col("_bad_grade")),
            ],
            separator="; ",
            ignore_nulls=True,
        ),
    )
    band = to_polars(rules.claimed_band)
    word_source, band_source = CLAIMED_GRADE_SOURCES
    return frame.with_columns(
        claimed_grade=pl.coalesce(pl.col("_word"), band),
        claimed_grade_source=pl.when(pl.col("_word").is_not_null())
        .then(pl.lit(word_source))
        .when(band.is_not_null())
        .then(pl.lit(band_source)),
        claim_error=pl.when(pl.col("claim_error") != "").then(pl.col("claim_error")),
    ).drop("_budget", "_total", "_word", "_bad_grade")


# --- lines -----------------------------------------------------------------------------

LINE_COLUMNS = columns.reevaluation_schema("reevaluation_indicators")


def _department(plan: Plan) -> pl.Expr:
    return pl.coalesce(pl.col("department"), pl.lit(plan.project.department_label))


def budget_lines(
    claimed: pl.DataFrame, plan: Plan, rules: ReevaluationRules, consts: Mapping[str, object]
) -> pl.DataFrame:
    """One line per project: the budget part (预算执行率), claimed against recomputed."""
    weight = plan.loaded.ruleset.weights.get(BUDGET_PART, 0.0)
    frame = claimed.with_columns(
        claimed_score=pl.col("claimed_budget_score"),
        score=pl.col("budget_score"),
        points=pl.lit(weight, pl.Float64),
    )
    frame = _judged(constants(frame, consts), rules, rules.budget_reasons)
    return frame.with_row_index(_ORDER).select(
        pl.col(_ORDER),
        pl.lit(0, pl.Int64).alias(_KIND),
        *_line_columns(
            {
                "department": _department(plan),
                "level1": pl.lit(BUDGET_LINE["level1"]),
                "level2": pl.lit(None, pl.String),
                "indicator": pl.lit(rules.budget_indicator),
            }
        ),
    )


def _line_columns(given: Mapping[str, pl.Expr]) -> list[pl.Expr]:
    return [
        given.get(name, pl.col(name)).cast(dtype).alias(name)
        for name, dtype in LINE_COLUMNS.items()
    ]


def indicator_lines(
    indicators: pl.DataFrame,
    claimed: pl.DataFrame,
    plan: Plan,
    rules: ReevaluationRules,
    consts: Mapping[str, object],
) -> pl.DataFrame:
    """One line per indicator row, with its project's name, department and points check."""
    project = claimed.with_row_index(_ORDER).select(
        "project_id",
        _ORDER,
        pl.col("project_name").alias("\x00name"),
        _department(plan).alias("\x00department"),
        pl.col("points_issue").alias("\x00points_issue"),
    )
    frame = indicators.with_row_index(_KIND).join(
        project, on="project_id", how="left", maintain_order="left"
    )
    frame = frame.with_columns(
        project_name=pl.col("\x00name"),
        department=pl.col("\x00department"),
        points_issue=pl.col("\x00points_issue"),
    )
    frame = _judged(constants(frame, consts), rules, rules.indicator_reasons)
    return frame.select(
        pl.col(_ORDER),
        (pl.col(_KIND).cast(pl.Int64) + 1).alias(_KIND),
        *_line_columns({}),
    )


def lines(
    indicators: pl.DataFrame,
    claimed: pl.DataFrame,
    plan: Plan,
    rules: ReevaluationRules,
    consts: Mapping[str, object],
) -> pl.DataFrame:
    """reevaluation_indicators: per project (in project order) its budget line, then its
    indicator rows in input order."""
    both = pl.concat(
        [
            budget_lines(claimed, plan, rules, consts),
            indicator_lines(indicators, claimed, plan, rules, consts),
        ]
    )
    return both.sort(_ORDER, _KIND, maintain_order=True).drop(_ORDER, _KIND)


# --- projects and departments ----------------------------------------------------------


def _reason_counts(table: pl.DataFrame, rules: ReevaluationRules) -> pl.DataFrame:
    """Per project: lines that differ, and `code×n; …` in reason-list order."""
    counts = table.group_by("project_id").agg(
        pl.col("reason_code").is_not_null().sum().cast(pl.UInt32).alias("n_differences"),
        *[(pl.col("reason_code") == c).sum().alias(f"\x00{c}") for c in rules.codes],
    )
    parts = [
        pl.when(pl.col(f"\x00{c}") > 0).then(pl.format(f"{c}×{{}}", pl.col(f"\x00{c}")))
        for c in rules.codes
    ]
    codes = pl.concat_str(parts, separator="; ", ignore_nulls=True) if parts else pl.lit("")
    return counts.select(
        "project_id", "n_differences", reason_codes=pl.when(codes != "").then(codes)
    )


def projects(
    claimed: pl.DataFrame,
    table: pl.DataFrame,
    plan: Plan,
    rules: ReevaluationRules,
    consts: Mapping[str, object],
) -> pl.DataFrame:
    """reevaluation_projects, one row per project in project order."""
    frame = claimed.join(
        _reason_counts(table, rules), on="project_id", how="left", maintain_order="left"
    )
    frame = constants(frame, consts).with_columns(
        department=_department(plan),
        gap=to_polars(rules.gap),
        n_differences=pl.col("n_differences").fill_null(0),
    )
    frame = frame.with_columns(grade_changed=to_polars(rules.grade_changed).fill_null(False))
    frame = frame.with_columns(over_threshold=to_polars(rules.over_threshold).fill_null(False))
    schema = columns.reevaluation_schema("reevaluation_projects")
    return frame.select(pl.col(n).cast(t) for n, t in schema.items())


def departments(
    projects_table: pl.DataFrame, rules: ReevaluationRules, consts: Mapping[str, object]
) -> pl.DataFrame:
    """reevaluation_departments: the ruleset's measures per department, ranked by
    `inflation` (most inflated first; none last; ties by department name)."""
    frame = constants(projects_table, consts)
    measures = [to_polars(m).alias(name) for name, m in rules.measures.items()]
    summary = (
        frame.group_by("department")
        .agg(measures)
        .with_columns(pl.col(n).cast(pl.UInt32) for n in rules.counts)
    )
    order = ["inflation", "department"] if "inflation" in summary.columns else ["department"]
    descending = [True, False] if len(order) == 2 else [False]
    ranked = summary.sort(order, descending=descending, nulls_last=True, maintain_order=True)
    return ranked.with_row_index("rank", offset=1).select(
        *[c for c in ranked.columns], pl.col("rank").cast(pl.UInt32)
    )


def reevaluate(
    indicators: pl.DataFrame,
    project_table: pl.DataFrame,
    plan: Plan,
    rules: ReevaluationRules,
    overrides: Mapping[str, float | bool],
) -> dict[str, pl.DataFrame]:
    """The three tables, by name, from indicator_scores and project_scores."""
    consts = rules.constants(overrides)
    claimed = read_claims(project_table, rules)
    table = lines(indicators, claimed, plan, rules, consts)
    project_rows = projects(claimed, table, plan, rules, consts)
    return {
        "reevaluation_indicators": table,
        "reevaluation_projects": project_rows,
        "reevaluation_departments": departments(project_rows, rules, consts),
    }
