"""Flags stage: the ruleset's deviation flags over the scored tables → the `flags` table.

Every flag is a compiled expression of the ruleset (`plan.flags`, rules/flag_rules.py):
this module only runs them with Polars, level by level, and lays out one row per raised
flag. Indicator flags run over each slice of scored indicator rows (a row's flags depend
on that row only), project flags over project_scores, department flags as group
expressions over each department's projects. `explain` runs the same expressions with
the reference evaluator (explain/flags.py) and refuses on any difference.

Order of the flags table (identical across engines): indicator flags in input row order,
then ruleset order within a row; then project flags in project order; then department
flags in department_summary order.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.expr import to_polars
from jixiao.scoring.expr.template import to_polars_text
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.flag_rules import EXPLANATION_DUE, SEVERITIES, CompiledFlag, Filled

_ORDER, _FLAG = "\x00order", "\x00flag"
PROVENANCE = ("source_file", "source_sheet", "source_row")


def _due(i: int) -> str:
    return f"\x00due{i}"


def empty() -> pl.DataFrame:
    """The flags table with no rows."""
    return pl.DataFrame(schema=columns.schema("flags"))


def _value(name: str, constant: float | None) -> pl.Expr:
    """A column of the frame, or a param's value (a later flag may share its name)."""
    return pl.col(name) if constant is None else pl.lit(constant, pl.Float64)


def message_expr(flag: CompiledFlag) -> pl.Expr:
    """The flag's message over the frame's columns (placeholders: expr/template.py)."""
    parts = [
        to_polars_text(_value(p.placeholder.name, p.constant), p.type, p.placeholder.spec)
        if isinstance(p, Filled)
        else pl.lit(p, pl.String)
        for p in flag.message
    ]
    return pl.concat_str(parts) if parts else pl.lit("", pl.String)


def values_expr(flag: CompiledFlag) -> pl.Expr:
    """`name=value; …` of the names the flag reads (`CompiledFlag.reads`)."""
    if not flag.reads:
        return pl.lit("", pl.String)
    parts = [
        pl.concat_str([pl.lit(f"{r.name}="), to_polars_text(_value(r.name, r.constant), r.type)])
        for r in flag.reads
    ]
    return pl.concat_str(parts, separator="; ")


def _narrow(frame: pl.DataFrame, flags: tuple[CompiledFlag, ...], keys: list[str]) -> pl.DataFrame:
    """Only the columns the flags and the flags table read (the filters copy less)."""
    read = set(keys)
    for flag in flags:
        read |= flag.when.names
        read |= {p.placeholder.name for p in flag.message if isinstance(p, Filled)}
        read |= {r.name for r in flag.reads}
    return frame.select(c for c in frame.columns if c in read)


def _with_constants(frame: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """The params as literal columns, bare and as `params.NAME`; a column of the table
    with the same name as a bare param wins (the checker gave the name its type)."""
    consts = {k: v for k, v in plan.flags.constants().items() if k not in frame.columns}
    return frame.with_columns(pl.lit(v, pl.Float64).alias(k) for k, v in consts.items())


def _raise(frame: pl.DataFrame, flags: tuple[CompiledFlag, ...]) -> pl.DataFrame:
    """One boolean column per flag (its id: null counts as not raised), in ruleset order,
    each seeing the earlier ones and `explanation_due` as it stood before it."""
    required: list[str] = []
    for i, flag in enumerate(flags):
        due = pl.any_horizontal([pl.col(r) for r in required]) if required else pl.lit(False)
        frame = frame.with_columns(due.alias(EXPLANATION_DUE))
        frame = frame.with_columns(
            to_polars(flag.when).fill_null(False).alias(flag.id),
            pl.col(EXPLANATION_DUE).alias(_due(i)),
        )
        if flag.explanation_required:
            required.append(flag.id)
    return frame


def _rows(
    frame: pl.DataFrame, flags: tuple[CompiledFlag, ...], keys: Mapping[str, pl.Expr]
) -> pl.DataFrame:
    """One row per raised flag, ordered by the frame's row, then the flag's order."""
    parts = []
    for i, flag in enumerate(flags):
        raised = frame.filter(pl.col(flag.id)).with_columns(pl.col(_due(i)).alias(EXPLANATION_DUE))
        if raised.height == 0:
            continue
        fields: dict[str, pl.Expr] = {
            "flag": pl.lit(flag.id, pl.String),
            "level": pl.lit(flag.level, pl.String),
            "severity": pl.lit(flag.severity, pl.String),
            **keys,
            "message": message_expr(flag),
            "explanation_required": pl.lit(flag.explanation_required, pl.Boolean),
            "values": values_expr(flag),
        }
        schema = columns.schema("flags")
        parts.append(
            raised.select(
                pl.col(_ORDER),
                pl.lit(i, pl.UInt32).alias(_FLAG),
                *[
                    fields.get(name, pl.lit(None)).cast(dtype).alias(name)
                    for name, dtype in schema.items()
                ],
            )
        )
    if not parts:
        return empty()
    return pl.concat(parts).sort(_ORDER, _FLAG).drop(_ORDER, _FLAG)


def indicator_flags(table: pl.DataFrame, projects: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """The indicator flags raised on a slice of indicator_scores rows (output columns,
    provenance included); `projects` gives each row's department."""
    flags = plan.flags.indicator
    if not flags or table.height == 0:
        return empty()
    label = plan.project.department_label
    departments = projects.select(
        pl.col("project_id"),
        pl.coalesce(pl.col("department"), pl.lit(label)).alias("\x00department"),
    )
    kept = [_ORDER, "project_id", "indicator", *PROVENANCE, "has_explanation"]
    frame = _narrow(table.with_row_index(_ORDER), flags, kept).join(
        departments, on="project_id", how="left", maintain_order="left"
    )
    frame = _raise(_with_constants(frame, plan), flags)
    keys = {
        "project_id": pl.col("project_id"),
        "department": pl.coalesce(pl.col("\x00department"), pl.lit(label)),
        "indicator": pl.col("indicator"),
        "source_file": pl.col("source_file"),
        "source_sheet": pl.col("source_sheet"),
        "source_row": pl.col("source_row"),
        "has_explanation": pl.col("has_explanation"),
    }
    return _rows(frame, flags, keys)


def project_flags(table: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """The project flags raised on project_scores rows (before the counts are added)."""
    flags = plan.flags.project
    if not flags or table.height == 0:
        return empty()
    narrow = _narrow(
        table.with_row_index(_ORDER), flags, [_ORDER, "project_id", "department", *PROVENANCE]
    )
    frame = _raise(_with_constants(narrow, plan), flags)
    keys = {
        "project_id": pl.col("project_id"),
        "department": pl.coalesce(pl.col("department"), pl.lit(plan.project.department_label)),
        "source_file": pl.col("source_file"),
        "source_sheet": pl.col("source_sheet"),
        "source_row": pl.col("source_row"),
    }
    return _rows(frame, flags, keys)


def department_flags(projects: pl.DataFrame, summary: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """The department flags: each `when` a group expression over the department's
    projects; the message reads department_summary. An earlier department flag (and
    `explanation_due`) is seen on each project row of its department."""
    flags = plan.flags.department
    if not flags or summary.height == 0:
        return empty()
    label = plan.project.department_label
    dept = pl.coalesce(pl.col("department"), pl.lit(label)).alias("department")
    rows = _with_constants(projects.with_columns(dept), plan)
    frame = _with_constants(summary.with_row_index(_ORDER), plan)
    required: list[str] = []
    for i, flag in enumerate(flags):
        due = pl.any_horizontal([pl.col(r) for r in required]) if required else pl.lit(False)
        rows = rows.with_columns(due.alias(EXPLANATION_DUE))
        grouped = rows.group_by("department").agg(
            to_polars(flag.when).fill_null(False).alias(flag.id),
            pl.col(EXPLANATION_DUE).any().alias(_due(i)),
            *[to_polars(c).alias(name) for name, c in flag.aggregates],
        )
        rows = rows.join(
            grouped.select("department", flag.id),
            on="department",
            how="left",
            maintain_order="left",
        )
        shown = [name for name, _ in flag.aggregates if name not in frame.columns]
        frame = (
            frame.drop(flag.id, strict=False)
            .join(
                grouped.select("department", flag.id, _due(i), *shown),
                on="department",
                how="left",
                maintain_order="left",
            )
            .with_columns(pl.col(flag.id).fill_null(False))
        )
        if flag.explanation_required:
            required.append(flag.id)
    keys = {"department": pl.col("department")}
    return _rows(frame, flags, keys)


def counts(flags: pl.DataFrame, key: str) -> pl.DataFrame:
    """Flags per `key` value (project_id or department), in total and by severity; rows
    without a key (department flags, by project) are left out."""
    sev = pl.col("severity")
    return (
        flags.filter(pl.col(key).is_not_null())
        .group_by(key)
        .agg(
            pl.len().cast(pl.UInt32).alias("n_flags"),
            *[(sev == s).sum().cast(pl.UInt32).alias(f"n_flags_{s}") for s in SEVERITIES],
        )
    )


def with_counts(
    table: pl.DataFrame, parts: list[pl.DataFrame], key: str, order: list[str]
) -> pl.DataFrame:
    """The table with its flag counts, summed over `parts` (from `counts`, one per slice
    or level; 0 where none), columns in `order`."""
    names = list(columns.FLAG_COUNTS)
    summed = pl.concat(parts).group_by(key).agg(pl.col(n).sum() for n in names)
    joined = table.join(summed, on=key, how="left", maintain_order="left")
    return joined.with_columns(pl.col(n).fill_null(0).cast(pl.UInt32) for n in names).select(order)
