"""The run: read tables → prepare → score → roll up, as a short fold over the stages.

Every stage is a function of tables, so later features (flags, monitoring, re-evaluation)
slot in as further functions over the same tables. The invariant "nothing lost" is
counted here and written into the manifest: rows in = rows scored + rows rejected.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.errors import JixiaoError, os_errno
from jixiao.scoring.io.read import Inputs, require_column
from jixiao.scoring.io.staging import locked_dir, sweep
from jixiao.scoring.jobs.boundary import near_boundary
from jixiao.scoring.jobs.provenance import manifest_head
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.load import Loaded
from jixiao.scoring.stages import flags as flag_stage
from jixiao.scoring.stages.prepare import prepare_indicators, prepare_projects
from jixiao.scoring.stages.rollup import department_summary, indicator_totals, project_scores
from jixiao.scoring.stages.score import score_indicators
from jixiao.scoring.stages.weighting import SUM_INPUTS, group_sums, needs_sums

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
    flags: pl.DataFrame = field(default_factory=flag_stage.empty)
    """One row per raised flag (stages/flags.py): indicator flags in input row order,
    then project flags, then department flags."""
    near_boundary: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=columns.schema("near_boundary"))
    )
    """Projects within params.boundary_margin of a grade boundary (jobs/boundary.py)."""
    plan: Plan | None = None
    """The compiled ruleset that produced these tables (names, headers, explain)."""
    indicator_scan: pl.LazyFrame | None = None
    """Set only by a streaming run told to spill (`run(spill_dir=…)`): the indicator rows
    are in parquet files there, read in order by this scan, and `indicator_scores` is
    an empty frame of the same schema. The writer sinks them from the scan."""
    flags_scan: pl.LazyFrame | None = None
    """Likewise the flags of a spilled run (`flags` is then empty): one parquet file per
    slice of indicator rows, then the project and department flags."""

    def flag_rows(self) -> pl.LazyFrame:
        """The flags table, spilled or not, as a query (the report counts it)."""
        return self.flags_scan if self.flags_scan is not None else self.flags.lazy()

    def tables(self) -> dict[str, pl.DataFrame]:
        return {
            "project_scores": self.project_scores,
            "indicator_scores": self.indicator_scores,
            "department_summary": self.department_summary,
            "near_boundary": self.near_boundary,
            "flags": self.flags,
            "rejects": self.rejects,
        }

    def lazy_tables(self) -> dict[str, pl.DataFrame | pl.LazyFrame]:
        """The tables to write: the spilled indicator rows as a scan, the rest as frames."""
        tables: dict[str, pl.DataFrame | pl.LazyFrame] = dict(self.tables())
        if self.indicator_scan is not None:
            tables["indicator_scores"] = self.indicator_scan
        if self.flags_scan is not None:
            tables["flags"] = self.flags_scan
        return tables

    spilled_counts: tuple[int, int] | None = None
    """Rows and not-evaluable rows of spilled indicator rows, counted while scoring (the
    spill folder may be gone when they are asked for)."""

    def indicator_count(self, *, not_evaluable: bool = False) -> int:
        """Indicator rows (or only the not-evaluable ones), spilled or not."""
        if self.spilled_counts is not None:
            return self.spilled_counts[1 if not_evaluable else 0]
        frame = self.indicator_scores
        return int((~frame["evaluable"]).sum()) if not_evaluable else frame.height


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


SLICE_ROWS: dict[str, int] = {"in-memory": 1_000_000, "streaming": 100_000}
"""Indicator rows scored at a time, per engine. Measured (bench/bench_rss.py): parsing
and scoring need several times their input, so over a whole table of 10M rows that
working set, not the outputs, set the peak (8.0 GB at 1M projects, 2.1x hand-written
Polars). Slices bound it; smaller slices cost a little time per slice (plan and parse
tables per slice): 100k projects (1M rows) took 2.9 s in one slice, 3.7 s in four. The
streaming engine spills, so its slices can be small: with 100k-row slices its scoring
peaked at 430 MiB there, then writing (sinking 262,144-row row groups) at ~650 MiB."""

TOTALS_INPUTS = [
    "project_id",
    "level1",
    "level2",
    "evaluable",
    "achieved",
    "points",
    "applied_points",
    "score",
]
"""What `indicator_totals` reads of each scored row: kept (narrow) from every slice."""


def run(
    plan: Plan,
    inputs: Inputs,
    *,
    year: int | None = None,
    engine: Engine = "in-memory",
    chunk_rows: int | None = None,
    spill_dir: Path | None = None,
) -> Results:
    """Score already-read input tables with a compiled plan.

    The stages build lazy queries from the input scans; the indicator rows are scored
    in slices of `chunk_rows` (default `SLICE_ROWS[engine]`, see `_sliced`). With
    `spill_dir` the scored indicator rows are kept there instead of in memory
    (`Results.indicator_scan`, for the writer; the directory must outlive the results).
    Output rows keep the input order (every join keeps the left order, slices are
    concatenated in order), which makes the outputs byte-identical across runs and
    engines without a sort.
    """
    started = time.perf_counter()
    _require_year(plan, inputs, year)
    with _scratch(spill_dir) as tmp:
        spill = Spill(tmp, keep=spill_dir is not None)
        rows = chunk_rows or SLICE_ROWS[engine]
        project_table, rejects, counts = _sliced(plan, inputs, year, rows, spill, engine)
        results = _finish(plan, project_table, rejects, counts, spill)
    results.manifest = manifest(plan.loaded, inputs, results, time.perf_counter() - started)
    return results


def _require_year(plan: Plan, inputs: Inputs, year: int | None) -> None:
    if year is not None:
        label = plan.vocab.specs["projects"].column("year").label()
        why = f"--year {year} needs it to tell each project's year; add it or leave out --year"
        require_column(inputs, "projects", "year", f"no {label} column; {why}")


def _finish(
    plan: Plan,
    project_table: pl.DataFrame,
    rejects: pl.DataFrame,
    counts: tuple[int, int],
    spill: Spill,
    *,
    lean: bool = False,
) -> Results:
    """The department roll-up and flags (none when `lean`) on the collected project
    table, then the results (the manifest is the caller's)."""
    # On the collected project table (one row per project), whatever the engine: a
    # sum's last digit must not depend on the engine's summation order.
    summary = department_summary(project_table.lazy(), plan).collect()
    if not lean:
        spill.add_flags(flag_stage.department_flags(project_table, summary, plan))
    summary = flag_stage.with_counts(
        summary,
        spill.counts("department"),
        "department",
        [*summary.columns, *columns.FLAG_COUNTS],
    )
    indicator_table, scan = spill.result()
    flag_table, flag_scan = spill.flags_result()
    return Results(
        indicator_scores=indicator_table,
        project_scores=project_table,
        department_summary=summary,
        rejects=rejects,
        flags=flag_table,
        near_boundary=near_boundary(plan, project_table),
        plan=plan,
        indicator_scan=scan,
        flags_scan=flag_scan,
        spilled_counts=counts if scan is not None else None,
    )


def _weighting_sums(
    source: Path, projects: pl.DataFrame, plan: Plan, rows: int, chunk_rows: int
) -> pl.LazyFrame | None:
    """The per-project weighting sums over every kept indicator row (`weighting:
    proportional` only): a row's applied points read its whole project, which a slice may
    cut. Each slice is placed (level ids and points only: the value parsing is pruned),
    then the narrow rows are summed in one group-by in input order, as the roll-up does,
    so the sums do not depend on the slicing or the engine."""
    if not needs_sums(plan):
        return None
    parts = []
    for offset in range(0, max(rows, 1), chunk_rows):
        chunk = pl.scan_parquet(source).slice(offset, chunk_rows)
        prepared, _ = prepare_indicators(chunk, projects.lazy(), plan)
        parts.append(prepared.select(SUM_INPUTS).collect())
    return group_sums(pl.concat(parts).lazy(), plan).collect().lazy()


@contextmanager
def _scratch(spill_dir: Path | None) -> Iterator[Path]:
    """The caller's spill directory, or a temporary one removed afterwards.

    The temporary one is `.jixiao-scratch-…` in the system's temp folder, locked while
    the run lives: a killed run's (it holds a copy of the indicator rows) is removed by
    the next run, never a live one."""
    if spill_dir is not None:
        yield spill_dir
        return
    temp = Path(tempfile.gettempdir())
    sweep(temp, SCRATCH_PREFIX)
    name = f"{SCRATCH_PREFIX}{secrets.token_hex(4)}"
    with locked_dir(temp, name) as tmp:
        try:
            yield tmp
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


SCRATCH_PREFIX = ".jixiao-scratch-"


@contextmanager
def _scratch_errors(path: Path) -> Iterator[None]:
    """A scratch file that cannot be written (a full disk, the file size limit) is an
    OSError naming it; Polars reports it as its own error with `(os error N)` inside."""
    try:
        yield
    except pl.exceptions.PolarsError as exc:
        number = os_errno(exc)
        if number is None:
            raise
        raise OSError(number, os.strerror(number), str(path)) from None


@dataclass
class Spill:
    """Where a streaming run puts each slice of indicator rows and their flags: in
    memory, or (`keep`) in numbered parquet files of `folder`, read back in order by one
    scan each. The flag counts per project and per department are kept in memory (one
    small frame per slice), for the count columns."""

    folder: Path
    keep: bool
    frames: list[pl.DataFrame] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    flag_frames: list[pl.DataFrame] = field(default_factory=lambda: [flag_stage.empty()])
    flag_files: list[Path] = field(default_factory=list)
    flag_counts: dict[str, list[pl.DataFrame]] = field(
        default_factory=lambda: {"project_id": [], "department": []}
    )

    def add(self, table: pl.DataFrame) -> None:
        if not self.keep:
            self.frames.append(table)
            return
        path = self.folder / f"indicator_scores.{len(self.files):06d}.parquet"
        with _scratch_errors(path):
            table.write_parquet(path, compression="lz4", statistics=False)
        self.files.append(path)
        self.frames = [table.clear()]  # the schema, for the empty in-memory table

    def result(self) -> tuple[pl.DataFrame, pl.LazyFrame | None]:
        if not self.keep:
            return pl.concat(self.frames), None
        return self.frames[0], pl.scan_parquet(self.files)

    def add_flags(self, flags: pl.DataFrame) -> None:
        """Flags raised on a slice (or at project / department level), in output order."""
        for key, parts in self.flag_counts.items():
            parts.append(flag_stage.counts(flags, key))
        if not self.keep:
            self.flag_frames.append(flags)
            return
        path = self.folder / f"flags.{len(self.flag_files):06d}.parquet"
        with _scratch_errors(path):
            flags.write_parquet(path, compression="lz4", statistics=False)
        self.flag_files.append(path)

    def counts(self, key: str) -> list[pl.DataFrame]:
        """The flag counts per `key` of every part added so far."""
        return self.flag_counts[key]

    def flags_result(self) -> tuple[pl.DataFrame, pl.LazyFrame | None]:
        if not self.keep:
            return pl.concat(self.flag_frames), None
        return self.flag_frames[0], pl.scan_parquet(self.flag_files)


@dataclass
class _Whole:
    """The whole-table work before the indicator rows are sliced: the prepared projects,
    the reader's and the projects' rejects, and the kept indicator rows in a scratch
    parquet file (`rows` of them)."""

    projects: pl.DataFrame
    rejects: list[pl.DataFrame]
    source: Path
    rows: int

    def chunks(self, chunk_rows: int) -> Iterator[pl.LazyFrame]:
        for offset in range(0, max(self.rows, 1), chunk_rows):
            yield pl.scan_parquet(self.source).slice(offset, chunk_rows)


def _whole(plan: Plan, inputs: Inputs, year: int | None, folder: Path, engine: Engine) -> _Whole:
    projects_lazy, project_rejects_lazy = prepare_projects(inputs.frames["projects"], plan, year)
    source = folder / "indicators.input.parquet"
    # One query, so the reader's kept rows and its rejects are split from one pass over
    # each input: apart, the rejects query alone held the whole indicator table.
    spill_input = inputs.frames["indicators"].sink_parquet(source, compression="lz4", lazy=True)
    with _scratch_errors(source):
        projects, project_rejects, reader_rejects, _ = pl.collect_all(
            [projects_lazy.cache(), project_rejects_lazy, inputs.reject_frame, spill_input],
            engine=engine,
        )
    rows = pl.scan_parquet(source).select(pl.len()).collect().item()
    return _Whole(projects, [reader_rejects, project_rejects], source, rows)


def _sliced(
    plan: Plan, inputs: Inputs, year: int | None, chunk_rows: int, spill: Spill, engine: Engine
) -> tuple[pl.DataFrame, pl.DataFrame, tuple[int, int]]:
    """Score the indicator rows slice by slice into `spill`, then roll up once.

    Whole-table work stays whole: the reader's rejects (blank rows, repeated keys) are
    split before the rows are spilled to a scratch parquet file, the projects are
    prepared once, and the roll-up sums each project's rows in input order in one
    group-by, as the in-memory plan does. Every indicator row's own work (placing,
    parsing, scoring) depends on that row and the projects only, so slicing changes
    no value; slices are kept in input order. The indicator flags are raised on each
    slice (a row's flags depend on that row alone) and the project flags on the project
    table, both into `spill`. Returns project_scores (with its flag counts), rejects and
    the counts of scored and not-evaluable indicator rows.

    `engine` runs the whole-table steps; a slice is bounded, and the in-memory engine
    scores it faster (measured), whichever engine was chosen.
    """
    whole = _whole(plan, inputs, year, spill.folder, engine)
    sums = _weighting_sums(whole.source, whole.projects, plan, whole.rows, chunk_rows)
    prepared = (_prepared(chunk, whole.projects.lazy(), plan) for chunk in whole.chunks(chunk_rows))
    out = _scored_slices(plan, whole.projects, prepared, sums, spill, engine)
    whole.source.unlink()
    project_table, rejects, counts = out
    return project_table, pl.concat([*whole.rejects, rejects]), counts


def _prepared(
    chunk: pl.LazyFrame, projects: pl.LazyFrame, plan: Plan
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """A slice's indicator rows placed and parsed (notes merged, parsed texts dropped),
    and its rejects."""
    prepared, rejects = prepare_indicators(chunk, projects, plan)
    return _note(prepared).drop(_SCRATCH), rejects


def _scored_slices(
    plan: Plan,
    projects: pl.DataFrame,
    prepared: Iterable[tuple[pl.LazyFrame, pl.LazyFrame]],
    sums: pl.LazyFrame | None,
    spill: Spill,
    engine: Engine,
    *,
    lean: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame, tuple[int, int]]:
    """Score each prepared slice into `spill` (rows and indicator flags), then roll up
    the projects once: project_scores (with flag counts), the slices' rejects, counts.
    `lean`: keep only what the roll-up reads of each row, raise no flag (see
    `score_prepared`)."""
    narrow: list[pl.DataFrame] = []
    rejects: list[pl.DataFrame] = []
    for rows, chunk_rejects in prepared:
        scored = score_indicators(rows.cache(), plan, sums).cache()
        if lean:
            part, rejected = pl.collect_all(
                [scored.select(TOTALS_INPUTS), chunk_rejects], engine=engine
            )
            if not spill.frames:  # the empty indicator table (its schema) and no flags
                full = _with_provenance(scored, columns.indicator_columns())
                spill.add(full.clear().collect())
                spill.add_flags(flag_stage.empty())
            narrow.append(part)
            rejects.append(rejected)
            continue
        table, part, rejected = pl.collect_all(
            [
                _with_provenance(scored, columns.indicator_columns()),
                scored.select(TOTALS_INPUTS),
                chunk_rejects,
            ],
            engine=engine,
        )
        spill.add_flags(flag_stage.indicator_flags(table, projects, plan))
        spill.add(table)
        narrow.append(part)
        rejects.append(rejected)
    scored_rows = pl.concat(narrow)
    counts = (scored_rows.height, int((~scored_rows["evaluable"]).sum()))
    totals = indicator_totals(scored_rows.lazy(), plan)
    project_query = project_scores(projects.lazy(), totals, plan)
    project_columns = columns.project_columns(plan.categories, list(plan.common), flag_counts=False)
    project_table = _with_provenance(project_query, project_columns).collect(engine=engine)
    if not lean:
        spill.add_flags(flag_stage.project_flags(project_table, plan))
    order = [*columns.project_columns(plan.categories, list(plan.common)), *PROVENANCE.values()]
    project_table = flag_stage.with_counts(
        project_table, spill.counts("project_id"), "project_id", order
    )
    return project_table, pl.concat(rejects), counts


# --- prepared once, scored by several plans (compare, whatif) ------------------------


@dataclass
class Prepared:
    """Input rows read and parsed once, for scoring by every plan whose preparation is
    the same (`preparation_key`): the prepared projects, the indicator rows placed and
    parsed (collected, in input order), and every reject of reading and preparing."""

    key: str
    projects: pl.DataFrame
    indicators: pl.DataFrame
    rejects: pl.DataFrame
    inputs: Inputs
    year: int | None
    seconds: float


def preparation_key(plan: Plan) -> str:
    """What preparing reads of a plan (stages/prepare.py): the catalogue (columns,
    aliases, tree, units, tiers, comparator words, common formulas), the ruleset's
    default comparator, its weighted categories and its budget indicator
    (`budget_execution.indicator`: which catalogue formula becomes each project's
    execution_rate while the projects are prepared). Two plans with the same key prepare
    the same rows (a reject's text may name the first plan's ruleset id)."""
    blob = json.dumps(
        {
            "catalogue": plan.loaded.catalogue.model_dump(mode="json"),
            "default_comparator": plan.loaded.ruleset.default_comparator,
            "categories": list(plan.categories),
            "budget_indicator": plan.loaded.ruleset.budget_execution.indicator,
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def prepare(
    plan: Plan, inputs: Inputs, *, year: int | None = None, engine: Engine = "in-memory"
) -> Prepared:
    """Prepare (place and parse) every input row once, in slices of `SLICE_ROWS[engine]`
    as `run` does; the prepared rows are kept in memory for `score_prepared`."""
    started = time.perf_counter()
    _require_year(plan, inputs, year)
    with _scratch(None) as tmp:
        whole = _whole(plan, inputs, year, tmp, engine)
        parts, rejects = [], list(whole.rejects)
        for chunk in whole.chunks(SLICE_ROWS[engine]):
            rows, chunk_rejects = _prepared(chunk, whole.projects.lazy(), plan)
            table, rejected = pl.collect_all([rows, chunk_rejects], engine=engine)
            parts.append(table)
            rejects.append(rejected)
    return Prepared(
        key=preparation_key(plan),
        projects=whole.projects,
        indicators=pl.concat(parts),
        rejects=pl.concat(rejects),
        inputs=inputs,
        year=year,
        seconds=time.perf_counter() - started,
    )


def score_prepared(plan: Plan, prepared: Prepared, *, lean: bool = False) -> Results:
    """Score rows `prepare` made with a plan of the same preparation key: the same
    tables `run` writes for these inputs (tested), in memory, without reading or parsing
    anything again.

    `lean` (compare, whatif, sweeps): only what totals and grades need. Every row is
    scored and rolled up as above, so project_scores (totals, subtotals, grades,
    completeness), department_summary's measures and near_boundary are the same; but
    the indicator rows are not kept (`indicator_scores` is empty) and no flag is raised
    (`flags` is empty and every flag count 0; the manifest says `lean`). About half the
    time of a full scoring (bench/README.md)."""
    if preparation_key(plan) != prepared.key:
        raise JixiaoError(
            f"internal error: ruleset {plan.loaded.ruleset.id} prepares rows differently "
            "from the rows given; prepare the inputs with it"
        )
    started = time.perf_counter()
    rows = SLICE_ROWS["in-memory"]
    frame = prepared.indicators
    sums = None
    if needs_sums(plan):
        sums = group_sums(frame.select(SUM_INPUTS).lazy(), plan).collect().lazy()
    empty = prepared.rejects.clear().lazy()
    slices = (
        (frame.slice(offset, rows).lazy(), empty) for offset in range(0, max(frame.height, 1), rows)
    )
    spill = Spill(Path(tempfile.gettempdir()), keep=False)  # in memory: no file written
    project_table, _, counts = _scored_slices(
        plan, prepared.projects, slices, sums, spill, "in-memory", lean=lean
    )
    results = _finish(plan, project_table, prepared.rejects, counts, spill, lean=lean)
    if lean:
        results.spilled_counts = counts  # the rows scored (not kept)
    seconds = prepared.seconds + time.perf_counter() - started
    results.manifest = manifest(plan.loaded, prepared.inputs, results, seconds)
    if lean:
        results.manifest["lean"] = True
    return results


def _with_provenance(frame: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    return frame.select(*columns, *PROVENANCE).rename(PROVENANCE)


def manifest(loaded: Loaded, inputs: Inputs, results: Results, seconds: float) -> dict[str, Any]:
    """What produced these results: ruleset identity, input hashes, row accounting."""
    rows = row_accounting(inputs, results)
    return {
        "job": "score",
        **manifest_head(loaded, inputs),
        "rows": rows,
        "timings": {"score_seconds": round(seconds, 3)},
    }


def row_accounting(inputs: Inputs, results: Results) -> dict[str, dict[str, int]]:
    """Rows in, scored and rejected per table; raises if any row went missing."""
    out: dict[str, dict[str, int]] = {}
    scored = {
        "projects": results.project_scores.height,
        "indicators": results.indicator_count(),
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
