"""Which projects to spot-check (抽查复核, DOMAIN §5): a stratified random sample or the
riskiest first, as the `sample` table with the reason each was chosen.

Both choices depend only on the projects' values, never on the input order, the
platform or the Python version:

- `stratified(projects, n, seed)`: departments get seats in proportion to their
  projects by the largest-remainder method (integer arithmetic, ties by department
  name); when `n` is at least the number of departments every department gets one
  (a department the proportional count leaves at 0 is given 1 and the rest is shared
  again among the others). Within a department the projects chosen are those with the
  smallest SHA-256 of `"<seed>:<project_id>"` (then by project_id), so the same seed
  picks the same projects from the same data in any order.
- `by_risk(projects, n, keys)`: the ruleset's `reevaluation.risk_order` (expressions
  over reevaluation_projects, compiled by core into Polars expressions) sorted
  descending in order, nulls last, then project_id.

`n` larger than the projects takes them all, with a note. The choice and its
parameters go into the manifest (`Sample.manifest`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.errors import JixiaoError

TABLE = "sample"
COLUMNS: dict[str, pl.DataType] = {c.name: c.dtype for c in columns.SAMPLE}
"""The sample table's schema, from the column registry."""

NEEDED = ("project_id", "project_name", "department", "gap", "grade_changed", "budget")
BLANK_DEPARTMENT = "(未填部门)"
"""How a project without a department is counted and named (the ruleset's blank label
is applied by the reevaluation stage already; this covers a frame without it)."""


@dataclass
class Sample:
    """The chosen projects (`table`, rank order) and what the manifest records."""

    table: pl.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def empty() -> pl.DataFrame:
    """The sample table with no rows (a run without --sample or --risk)."""
    return pl.DataFrame(schema=COLUMNS)


def none() -> Sample:
    """No spot-check was asked for."""
    return Sample(empty(), {"mode": "none"})


def stratified(projects: pl.DataFrame, n: int, seed: int) -> Sample:
    """`n` projects drawn per department in proportion to its size (see the module)."""
    frame = _checked(projects, n)
    sizes = _department_sizes(frame)
    seats = allocate(sizes, min(n, frame.height))
    keyed = frame.with_columns(
        pl.Series("_key", [sample_key(seed, pid) for pid in frame["project_id"].to_list()])
    ).sort("department", "_key", "project_id", nulls_last=True)
    chosen = keyed.filter(pl.int_range(pl.len()).over("department") < _seat_expr(seats))
    reasons = [
        f"分层随机抽取（{dept} {seats[dept]}/{sizes[dept]}，种子 {seed}）"
        for dept in chosen["department"].to_list()
    ]
    table = _table(chosen.with_columns(reason=pl.Series(reasons, dtype=pl.String())))
    strata = {d: {"projects": sizes[d], "chosen": seats[d]} for d in sorted(sizes)}
    manifest = {"mode": "stratified", "n": n, "seed": seed, "chosen": table.height}
    manifest |= {"strata": strata, "key": "sha256(seed:project_id)"}
    return Sample(table, manifest, _all_note(n, frame.height, manifest))


def by_risk(
    projects: pl.DataFrame, n: int, keys: Sequence[pl.Expr], order: Sequence[str] = ()
) -> Sample:
    """The `n` riskiest projects by `keys` (descending in turn, nulls last, then id)."""
    frame = _checked(projects, n)
    if not keys:
        raise JixiaoError("the ruleset's reevaluation.risk_order is empty: nothing to rank by")
    names = [f"_risk{i}" for i in range(len(keys))]
    ranked = frame.with_columns(k.alias(a) for k, a in zip(keys, names, strict=True)).sort(
        [*names, "project_id"],
        descending=[True] * len(names) + [False],
        nulls_last=True,
        maintain_order=True,
    )
    chosen = ranked.head(n)
    table = _table(chosen.with_columns(reason=risk_reason()))
    manifest = {"mode": "risk", "n": n, "order": list(order), "chosen": table.height}
    return Sample(table, manifest, _all_note(n, frame.height, manifest))


def risk_reason() -> pl.Expr:
    """`等级变化 优→中；差距 +12.50 分；预算 300.00 万元`: the facts a reviewer weighs,
    each only when known."""
    changed = pl.when(pl.col("grade_changed")).then(
        pl.format(
            "等级变化 {}→{}",
            pl.col("claimed_grade").fill_null("—"),
            pl.col("grade").fill_null("—"),
        )
    )
    gap = pl.when(pl.col("gap").is_not_null()).then(pl.format("差距 {} 分", _signed(pl.col("gap"))))
    budget = pl.when(pl.col("budget").is_not_null()).then(
        pl.format("预算 {} 万元", _fixed2(pl.col("budget")))
    )
    joined = pl.concat_str([changed, gap, budget], separator="；", ignore_nulls=True)
    return pl.when(joined == "").then(pl.lit("按风险排序")).otherwise(joined)


def _signed(value: pl.Expr) -> pl.Expr:
    sign = pl.when(value > 0).then(pl.lit("+")).otherwise(pl.lit(""))
    return pl.concat_str([sign, _fixed2(value)])


def _fixed2(value: pl.Expr) -> pl.Expr:
    """Two decimals, as the workbook shows them (`12.50`, `-3.00`), in integer cents so
    the text is the same on every platform."""
    cents = (value * 100).round(0).cast(pl.Int64)
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (cents.abs() // 100).cast(pl.String)
    frac = (cents.abs() % 100).cast(pl.String).str.zfill(2)
    return pl.concat_str([sign, whole, pl.lit("."), frac])


def sample_key(seed: int | str, project_id: str | None) -> str:
    """The draw order: SHA-256 of `seed:project_id`, hex (the same on every platform)."""
    return hashlib.sha256(f"{seed}:{project_id or ''}".encode()).hexdigest()


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Seats per department: proportional, largest remainder, at least one each when
    `n` reaches the number of departments; never more than a department has."""
    forced: set[str] = set()
    while True:
        rest = {d: s for d, s in sizes.items() if d not in forced}
        seats = _largest_remainder(rest, n - len(forced))
        zeros = {d for d, k in seats.items() if k == 0}
        if n < len(sizes) or not zeros:
            return {**{d: 1 for d in forced}, **seats}
        forced |= zeros


def _largest_remainder(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    total = sum(sizes.values())
    if total == 0 or n <= 0:
        return {d: 0 for d in sizes}
    seats = {d: min(n * s // total, s) for d, s in sizes.items()}
    order = sorted(sizes, key=lambda d: (-(n * sizes[d] % total), d))
    left = n - sum(seats.values())
    while left > 0:
        open_ = [d for d in order if seats[d] < sizes[d]]
        if not open_:
            break
        for d in open_[:left]:
            seats[d] += 1
        left = n - sum(seats.values())
    return seats


def _seat_expr(seats: Mapping[str, int]) -> pl.Expr:
    return pl.col("department").replace_strict(
        list(seats), list(seats.values()), default=0, return_dtype=pl.Int64()
    )


def _department_sizes(frame: pl.DataFrame) -> dict[str, int]:
    counts = frame.group_by("department").len()
    return dict(zip(counts["department"].to_list(), counts["len"].to_list(), strict=True))


def _checked(projects: pl.DataFrame, n: int) -> pl.DataFrame:
    if n < 1:
        raise JixiaoError(f"the sample size must be at least 1, got {n}")
    missing = [c for c in NEEDED if c not in projects.columns]
    if missing:
        raise JixiaoError(f"cannot sample: reevaluation_projects lacks {', '.join(missing)}")
    blank = pl.col("department").is_null() | (pl.col("department").str.strip_chars() == "")
    frame = projects.with_columns(
        department=pl.when(blank).then(pl.lit(BLANK_DEPARTMENT)).otherwise(pl.col("department"))
    )
    for column in ("claimed_grade", "grade"):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String()).alias(column))
    return frame


def _table(chosen: pl.DataFrame) -> pl.DataFrame:
    ranked = chosen.with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32()))
    return ranked.select(pl.col(c).cast(t) for c, t in COLUMNS.items())


def _all_note(n: int, projects: int, manifest: dict[str, Any]) -> list[str]:
    if n <= projects:
        return []
    note = f"asked for {n} projects but there are only {projects}: all of them are in the sample"
    manifest["note"] = note
    return [note]
