"""The run: read tables → prepare → score → roll up, as a short fold over the stages.

Every stage is a function of tables, so later features (flags, monitoring, re-evaluation)
slot in as further functions over the same tables. The invariant "nothing lost" is
counted here and written into the manifest: rows in = rows scored + rows rejected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any, Literal

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.io.read import Inputs
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.load import Loaded
from jixiao.scoring.stages.prepare import prepare_indicators, prepare_projects
from jixiao.scoring.stages.rollup import department_summary, indicator_totals, project_scores
from jixiao.scoring.stages.score import score_indicators

Engine = Literal["in-memory", "streaming"]

PROVENANCE = {"_file": "source_file", "_sheet": "source_sheet", "_row": "source_row"}


@dataclass
class Results:
    """The scored tables and what is needed to trace them."""

    indicator_scores: pl.DataFrame
    project_scores: pl.DataFrame
    department_summary: pl.DataFrame
    rejects: pl.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pl.DataFrame]:
        return {
            "project_scores": self.project_scores,
            "indicator_scores": self.indicator_scores,
            "department_summary": self.department_summary,
            "rejects": self.rejects,
        }


def _note(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The value note plus the claimed-score note, where there is one."""
    both = pl.concat_str(
        [pl.col("note"), pl.col("claimed_note")], separator="; ", ignore_nulls=True
    )
    note = pl.when(pl.col("claimed_note").is_null()).then(pl.col("note")).otherwise(both)
    return frame.with_columns(note=note)


_SCRATCH = ["points_text", "claimed_text", "claimed_note"]
"""Texts already parsed and notes already merged: not carried into the cached frames
(a cache keeps every column it holds, projection pushdown stops there)."""


def run(
    plan: Plan, inputs: Inputs, *, year: int | None = None, engine: Engine = "in-memory"
) -> Results:
    """Score already-read input tables with a compiled plan.

    The stages only build one lazy query from the input scans to each output table; the
    outputs are collected together, so a common part (the scans, the parsed rows) is
    computed once and `engine="streaming"` runs the whole plan in bounded batches. Output
    rows keep the input order (every join keeps the left order), which makes the outputs
    byte-identical across runs and engines without a sort.
    """
    started = time.perf_counter()
    # `.cache()` marks the frames several branches read, so that each is computed once;
    # the optimizer's own de-duplication does not find them in a plan this deep.
    projects, project_rejects = prepare_projects(inputs.frames["projects"], plan, year)
    projects = projects.cache()
    indicators, indicator_rejects = prepare_indicators(inputs.frames["indicators"], projects, plan)
    prepared = _note(indicators).drop(_SCRATCH)
    scored = score_indicators(prepared.cache(), plan).cache()
    totals = project_scores(projects, indicator_totals(scored, plan), plan).cache()
    queries = [
        _with_provenance(scored, columns.indicator_columns()),
        _with_provenance(totals, columns.project_columns(plan.categories, list(plan.common))),
        pl.concat([inputs.reject_frame, project_rejects, indicator_rejects]),
    ]
    indicator_table, project_table, rejects = pl.collect_all(queries, engine=engine)
    results = Results(
        indicator_scores=indicator_table,
        project_scores=project_table,
        # On the collected project table (one row per project): the streaming engine
        # sums in another order, and a sum's last digit must not depend on the engine.
        department_summary=department_summary(project_table.lazy(), plan).collect(),
        rejects=rejects,
    )
    results.manifest = manifest(plan.loaded, inputs, results, time.perf_counter() - started)
    return results


def _with_provenance(frame: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    return frame.select(*columns, *PROVENANCE).rename(PROVENANCE)


def manifest(loaded: Loaded, inputs: Inputs, results: Results, seconds: float) -> dict[str, Any]:
    """What produced these results: ruleset identity, input hashes, row accounting."""
    rs, cat = loaded.ruleset, loaded.catalogue
    rows = row_accounting(inputs, results)
    return {
        "ruleset": {
            "id": rs.id,
            "version": rs.version,
            "sha256": loaded.sha256,
            "files": loaded.files,
        },
        "catalogue": {"id": cat.id, "version": cat.version},
        "inputs": [
            {
                "path": s.path,
                "sha256": s.sha256,
                "format": s.format,
                "encoding": s.encoding,
                "sheets": s.sheets,
                "rows": s.rows,
            }
            for s in inputs.sources
        ],
        "rows": rows,
        "engine": {"jixiao": version("jixiao"), "polars": pl.__version__},
        "timings": {"score_seconds": round(seconds, 3)},
    }


def row_accounting(inputs: Inputs, results: Results) -> dict[str, dict[str, int]]:
    """Rows in, scored and rejected per table; raises if any row went missing."""
    out: dict[str, dict[str, int]] = {}
    scored = {
        "projects": results.project_scores.height,
        "indicators": results.indicator_scores.height,
    }
    for table, n_scored in scored.items():
        n_in = sum(s.rows.get(table, 0) for s in inputs.sources)
        n_rejected = int((results.rejects["table"] == table).sum())
        out[table] = {"in": n_in, "scored": n_scored, "rejected": n_rejected}
        if n_in != n_scored + n_rejected:
            raise JixiaoError(
                f"internal error: {table}: {n_in} rows in, {n_scored} scored, {n_rejected} rejected"
            )
    return out
