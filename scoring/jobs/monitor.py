"""The in-year monitoring job (双监控): monitoring rows → lights per project, indicator,
department, and the list of projects that need a response.

The fold: read (io.read, the catalogue's `monitoring` table) → `stages.monitor`
(prepare rows, project budget steps, indicator lights, roll-up, departments, actions) →
tables selected by the column registry (`columns.MONITOR_TABLES`). Rows keep the input
order (every join keeps the left order), so outputs are byte-identical across runs.
Row accounting: every input row is monitored or rejected, and the manifest says how many.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.errors import InputError, JixiaoError
from jixiao.scoring.io.read import Inputs
from jixiao.scoring.jobs.provenance import manifest_head
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.stages import monitor as stage

TABLE = stage.TABLE


@dataclass
class MonitorResults:
    """The monitoring tables (collected), the plan that made them and the manifest."""

    monitor_projects: pl.DataFrame
    monitor_indicators: pl.DataFrame
    monitor_departments: pl.DataFrame
    monitor_actions: pl.DataFrame
    rejects: pl.DataFrame
    plan: Plan
    as_of: dt.date
    manifest: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every output table by name, in the registry's order."""
        return {name: getattr(self, name) for name in columns.MONITOR_TABLES}


def _select(frame: pl.LazyFrame, table: str) -> pl.LazyFrame:
    schema = columns.monitor_schema(table)
    return frame.select(pl.col(c).cast(t) for c, t in schema.items())


def run(plan: Plan, inputs: Inputs, as_of: dt.date) -> MonitorResults:
    """Monitor already-read rows (`inputs.frames['monitoring']`) as of `as_of`."""
    started = time.perf_counter()
    rules = plan.monitor
    if rules is None:  # pragma: no cover - every built plan has monitoring rules
        raise JixiaoError("this plan has no monitoring rules")
    as_of_info = stage.AsOf(as_of)
    times = stage.time_values(rules, as_of_info, plan.params)
    kept_lazy, stage_rejects = stage.prepare_rows(inputs.frames[TABLE], as_of_info, plan)
    kept, rejects = pl.collect_all([kept_lazy, pl.concat([inputs.reject_frame, stage_rejects])])
    n_in = sum(s.rows.get(TABLE, 0) for s in inputs.sources)
    if kept.height == 0:
        raise InputError(_nothing_message(n_in, rejects, as_of))
    # Collected once each: several outputs read them, and a lazy plan shared by four
    # queries would parse every indicator row again for each.
    projects = stage.projects(kept.lazy(), plan, times).collect()
    indicators = stage.indicators(kept.lazy(), projects.lazy(), plan, times).collect()
    projects_done = stage.rollup(projects.lazy(), indicators.lazy(), plan).collect().lazy()
    label = plan.loaded.ruleset.department.blank_label
    queries = [
        _select(projects_done, "monitor_projects"),
        _select(indicators.lazy(), "monitor_indicators"),
        _select(stage.departments(projects_done, label), "monitor_departments"),
        _select(stage.actions(projects_done, indicators.lazy(), rules), "monitor_actions"),
    ]
    p, i, d, a = pl.collect_all(queries)
    results = MonitorResults(p, i, d, a, rejects, plan, as_of)
    results.manifest = {
        "job": "monitor",
        **manifest_head(plan.loaded, inputs),
        "as_of": as_of.isoformat(),
        "time_progress": times["time_progress"],
        "checkpoint": times["checkpoint"],
        "rows": _accounting(n_in, kept.height, rejects.height, p.height, i.height),
        "timings": {"monitor_seconds": round(time.perf_counter() - started, 3)},
    }
    return results


def _accounting(
    n_in: int, monitored: int, rejected: int, projects: int, indicators: int
) -> dict[str, dict[str, int]]:
    """Rows in = monitored + rejected; raises if any row went missing."""
    if n_in != monitored + rejected:
        raise JixiaoError(
            f"internal error: {TABLE}: {n_in} rows in, {monitored} monitored, {rejected} rejected"
        )
    return {
        TABLE: {"in": n_in, "monitored": monitored, "rejected": rejected},
        "projects": {"monitored": projects},
        "indicators": {"monitored": indicators},
    }


def _nothing_message(n_in: int, rejects: pl.DataFrame, as_of: dt.date) -> str:
    reasons = rejects.get_column("reason").unique(maintain_order=True).head(3).to_list()
    said = "; ".join(str(r) for r in reasons) or "no data rows"
    return (
        f"nothing can be monitored as of {as_of.isoformat()}: {n_in} row(s) read, all "
        f"rejected ({said}); see the reasons above or run with a file of this budget year"
    )
