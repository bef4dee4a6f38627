"""The re-evaluation job (再评价 / 抽查复核, DOMAIN §5): score the self-evaluations, then
compare every claim with the recomputed score.

The fold: `jobs.selfeval.run` (read tables or forms → prepare → score → roll up → flags)
→ `stages.reevaluate` (claims read, lines judged by the ruleset's reasons, projects,
departments). The self-evaluation run is kept whole (`scored`), so the outputs of
`reevaluate` are those of `score` plus the three reevaluation tables. Params the
re-evaluation reads (`threshold_points`, `grade_change_counts`) may be overridden per run;
the overrides are recorded in the manifest.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.expr import to_polars
from jixiao.scoring.io.read import Inputs
from jixiao.scoring.jobs import selfeval
from jixiao.scoring.jobs.selfeval import Results
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.reevaluation_rules import ReevaluationRules, checked_overrides
from jixiao.scoring.stages import reevaluate as stage


@dataclass
class ReevaluationResults:
    """The self-evaluation run and the three reevaluation tables."""

    scored: Results
    """The self-evaluation run (jobs.selfeval.Results), flags included."""
    indicators: pl.DataFrame
    """reevaluation_indicators: per project its budget line, then its indicator rows."""
    projects: pl.DataFrame
    """reevaluation_projects: one row per project, in input order."""
    departments: pl.DataFrame
    """reevaluation_departments: one row per department, by rank."""
    manifest: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pl.DataFrame]:
        """The three reevaluation tables by name (the score tables are in `scored`)."""
        return {
            "reevaluation_indicators": self.indicators,
            "reevaluation_projects": self.projects,
            "reevaluation_departments": self.departments,
        }


def rules_of(plan: Plan) -> ReevaluationRules:
    """The plan's compiled `reevaluation:` section, or a clear error without one."""
    if plan.reevaluation is None:
        rs = plan.loaded.ruleset
        raise JixiaoError(
            f"ruleset {rs.id!r} has no reevaluation: section; use one that has it "
            "(project-self-eval, sichuan-10-90) or extend one (docs/reevaluation.md)"
        )
    return plan.reevaluation


def run(
    plan: Plan,
    inputs: Inputs,
    *,
    year: int | None = None,
    params: Mapping[str, float | bool] | None = None,
) -> ReevaluationResults:
    """Score already-read inputs and re-evaluate their claims.

    `params` overrides ruleset params the re-evaluation reads (`threshold_points`,
    `grade_change_counts`); an unknown name or a wrong type is a JixiaoError naming it.
    """
    rules = rules_of(plan)
    overrides = checked_overrides(plan.loaded.ruleset, rules.reads, params or {})
    started = time.perf_counter()
    scored = selfeval.run(plan, inputs, year=year)
    tables = stage.reevaluate(
        scored.indicator_scores, scored.project_scores, plan, rules, overrides
    )
    results = ReevaluationResults(
        scored=scored,
        indicators=tables["reevaluation_indicators"],
        projects=tables["reevaluation_projects"],
        departments=tables["reevaluation_departments"],
    )
    results.manifest = manifest(scored, rules, overrides, results, time.perf_counter() - started)
    return results


def manifest(
    scored: Results,
    rules: ReevaluationRules,
    overrides: Mapping[str, float | bool],
    results: ReevaluationResults,
    seconds: float,
) -> dict[str, Any]:
    """The score run's manifest plus the re-evaluation's params, overrides and counts."""
    effective = {k: v for k, v in {**rules.params, **overrides}.items() if k in rules.reads}
    projects = results.projects
    timings = {**scored.manifest.get("timings", {}), "reevaluate_seconds": round(seconds, 3)}
    return {
        **scored.manifest,
        "timings": timings,
        "reevaluation": {
            "params": dict(sorted(effective.items())),
            "overrides": dict(sorted(overrides.items())),
            "rows": {name: frame.height for name, frame in results.tables().items()},
            "differences": int(results.indicators["reason_code"].is_not_null().sum()),
            "over_threshold": int(projects["over_threshold"].sum()),
        },
    }


def risk_keys(plan: Plan) -> list[pl.Expr]:
    """The ruleset's `reevaluation.risk_order` over reevaluation_projects columns, to sort
    descending one after the other (then by project_id) for `--risk N`."""
    return [to_polars(c) for c in rules_of(plan).risk_order]


def empty_tables() -> dict[str, pl.DataFrame]:
    """The three tables with no rows (their registry schemas)."""
    return {
        name: pl.DataFrame(schema=columns.reevaluation_schema(name))
        for name in columns.REEVALUATION_TABLES
    }
