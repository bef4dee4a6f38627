"""Monitoring rows written as a department would, run through the public API."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from jixiao.scoring import api

HEADER = [
    "项目编号",
    "项目名称",
    "主管部门",
    "年度",
    "全年预算数",
    "1-7月执行数",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "度量单位",
    "执行值",
    "全年预计完成值",
    "偏差原因",
    "完成可能性",
]

Cell = str | int | float | None


def row(
    pid: str = "P1",
    budget: Cell = 100,
    spent: Cell = 60,
    *,
    indicator: Cell = "培训人次",
    target: Cell = "≥100",
    unit: Cell = "人次",
    actual: Cell = "60",
    forecast: Cell = "100",
    cause: Cell = "",
    likelihood: Cell = "确定能",
    department: Cell = "区教育局",
    year: Cell = 2025,
    level1: Cell = "产出指标",
    level2: Cell = "数量指标",
) -> list[Cell]:
    return [
        pid,
        f"项目{pid}",
        department,
        year,
        budget,
        spent,
        level1,
        level2,
        indicator,
        target,
        unit,
        actual,
        forecast,
        cause,
        likelihood,
    ]


def write(path: Path, rows: Sequence[Sequence[Cell]], header: Sequence[str] = HEADER) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(["" if c is None else c for c in r] for r in rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def monitor(
    tmp: Path,
    rows: Sequence[Sequence[Cell]],
    as_of: str = "2025-07-31",
    ruleset: str = "project-self-eval",
) -> api.MonitorResults:
    plan = api.load_ruleset(ruleset)
    return api.monitor(plan, [write(tmp / "m.csv", rows)], dt.date.fromisoformat(as_of))


def by_project(results: api.MonitorResults) -> dict[str, dict[str, object]]:
    return {r["project_id"]: r for r in results.monitor_projects.iter_rows(named=True)}


def indicator_rows(results: api.MonitorResults) -> list[dict[str, object]]:
    return list(results.monitor_indicators.iter_rows(named=True))


def lights(frame: pl.DataFrame, column: str) -> list[object]:
    return frame.get_column(column).to_list()
