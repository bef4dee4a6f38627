"""The public Python API, for notebooks and scripts; the CLI is a thin layer over it.

>>> from jixiao.scoring import api
>>> plan = api.load_ruleset("project-self-eval")
>>> results = api.score(plan, ["projects.csv", "indicators.csv"])
>>> results.project_scores.filter(pl.col("grade") == "差")
>>> print(api.explain_text(plan, results, "JD2025-0001"))

The CLI imports nothing from jixiao.scoring but this module and `errors` (an
import-linter contract in pyproject.toml), so everything a command needs is named here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.errors import JixiaoError, OutputError, os_reason
from jixiao.scoring.explain.project import Explanation, explain
from jixiao.scoring.io.atomic import atomic_path
from jixiao.scoring.io.forms_batch import FormsRead, read_form_files
from jixiao.scoring.io.forms_write import (
    LAYOUT_NAMES,
    contents_from_tables,
    write_forms,
    write_template,
)
from jixiao.scoring.io.hashing import sha256_file
from jixiao.scoring.io.read import ExcelOptions, Inputs, read_inputs
from jixiao.scoring.io.staging import MANIFEST, scratch_beside, staged
from jixiao.scoring.io.write import (
    FORMATS,
    output_names,
    write_json,
    write_light_tables,
    write_tables,
    xlsx_writer,
)
from jixiao.scoring.io.write import write_text as io_write_text
from jixiao.scoring.io.write_reevaluation import output_names as reevaluation_output_names
from jixiao.scoring.io.write_reevaluation import write_reevaluation_files
from jixiao.scoring.jobs import sample as sampling
from jixiao.scoring.jobs import spark_engine
from jixiao.scoring.jobs.compare import CompareResults
from jixiao.scoring.jobs.compare import run as run_compare
from jixiao.scoring.jobs.monitor import MonitorResults
from jixiao.scoring.jobs.monitor import run as run_monitor
from jixiao.scoring.jobs.reevaluate import ReevaluationResults, risk_keys
from jixiao.scoring.jobs.reevaluate import run as run_reevaluation
from jixiao.scoring.jobs.sample import Sample
from jixiao.scoring.jobs.selfeval import Engine, Results, run
from jixiao.scoring.jobs.whatif import SweepSpec, WhatifResults
from jixiao.scoring.jobs.whatif import run as run_whatif
from jixiao.scoring.report.html import data as report_data
from jixiao.scoring.report.html import render as report_render
from jixiao.scoring.report.markdown import (
    explanation_text,
    grade_counts,
    headers_for,
    summary_markdown,
)
from jixiao.scoring.rules import build
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.load import builtin_dir, builtin_ids, load
from jixiao.scoring.rules.overrides import (
    Variant,
    make_variant,
    parse_override,
    parse_sweep,
    sweep_overrides,
)
from jixiao.scoring.rules.schema import KINDS as SCHEMA_KINDS
from jixiao.scoring.rules.schema import schema_text
from jixiao.scoring.rules.validate import Outcome, effective_yaml, validate

__all__ = [
    "DEFAULT_FORMATS",
    "DEFAULT_MAX_XLSX_MB",
    "DEFAULT_RULESET",
    "FORMATS",
    "SCHEMA_KINDS",
    "BuiltinRuleset",
    "Engine",
    "Explanation",
    "Inputs",
    "MonitorResults",
    "Outcome",
    "Plan",
    "Results",
    "builtin_rulesets",
    "explain_project",
    "explain_text",
    "explanation_text",
    "grade_counts",
    "load_ruleset",
    "monitor",
    "read",
    "read_monitoring",
    "report",
    "schema_text",
    "score",
    "show_ruleset",
    "spill",
    "validate",
    "write",
    "write_monitor",
    "write_text",
]

DEFAULT_RULESET = "project-self-eval"
DEFAULT_FORMATS = ("xlsx", "parquet")
DEFAULT_MAX_XLSX_MB = ExcelOptions().max_unpacked_mb


def load_ruleset(ref: str = DEFAULT_RULESET) -> Plan:
    """Load, check and compile a ruleset by built-in id or path (the passes `validate` runs)."""
    return build.load_ruleset(ref)


def show_ruleset(ref: str) -> str:
    """The effective (merged) ruleset as commented YAML, after every check has passed."""
    return effective_yaml(load_ruleset(ref).loaded)


@dataclass(frozen=True)
class BuiltinRuleset:
    id: str
    version: str
    name: str
    path: Path


def builtin_rulesets() -> list[BuiltinRuleset]:
    """The rulesets shipped in jixiao.rulesets (loaded through importlib.resources)."""
    out = []
    for rid in builtin_ids("rulesets"):
        rs = load(rid).ruleset
        out.append(
            BuiltinRuleset(rs.id, rs.version, rs.name, builtin_dir("rulesets") / f"{rid}.yaml")
        )
    return out


def read(
    plan: Plan,
    paths: Sequence[str | Path],
    *,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = DEFAULT_MAX_XLSX_MB,
) -> Inputs:
    """Read input files into canonical tables (and rejects) with the plan's column aliases.

    Hidden workbook sheets are skipped (with a note in the sources) unless
    `include_hidden_sheets`; a workbook unpacking past `max_xlsx_mb` MB is refused."""
    excel = ExcelOptions(include_hidden=include_hidden_sheets, max_unpacked_mb=max_xlsx_mb)
    return read_inputs(paths, plan.vocab.specs, excel=excel)


def score(
    plan: Plan,
    inputs: Inputs | Sequence[str | Path],
    *,
    year: int | None = None,
    engine: Engine = "in-memory",
    spill_dir: Path | None = None,
) -> Results:
    """Score inputs (already read, or file paths) into Polars DataFrames.

    With the streaming engine and `spill_dir` (see `spill`), the indicator rows stay in
    parquet files there rather than in memory, for `write` to sink: `indicator_scores`
    is then empty and `Results.indicator_scan` reads them."""
    if not isinstance(inputs, Inputs):
        inputs = read(plan, inputs)
    return run(plan, inputs, year=year, engine=engine, spill_dir=spill_dir)


@contextmanager
def spill(out_dir: str | Path) -> Iterator[Path]:
    """A scratch folder for a streaming run's indicator rows, hidden beside `out_dir`
    (`.<out>.jixiao-spill-…`, not inside it: `write` replaces `out_dir` whole); removed
    after use, so call `write` inside the `with`. A killed run's is removed by the next."""
    with scratch_beside(Path(out_dir), "spill") as folder:
        yield folder


def explain_project(plan: Plan, results: Results, project_id: str) -> Explanation:
    """One project's score recomputed step by step by the reference evaluator."""
    return explain(plan, results, project_id)


def explain_text(plan: Plan, results: Results, project_id: str) -> str:
    return explanation_text(explain(plan, results, project_id))


def utc_now() -> str:
    """The current UTC time as ISO 8601 to the second (`2026-11-28T01:30:00Z`)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def write(
    results: Results,
    out_dir: str | Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    plan: Plan | None = None,
    written_at: str | None = None,
    report: bool = False,
    partition_by: Sequence[str] = (),
) -> list[Path]:
    """Write the tables, report.md and manifest.json into out_dir, as one unit; with
    `report`, also report.html and its PNG charts (docs/report.md), listed in the manifest;
    with `partition_by`, the parquet tables in one folder per value (io/write_partitioned).

    Everything is written into a staging folder beside `out_dir` and takes its place
    only when complete (io/staging.py): an interrupted or killed run leaves the previous
    complete set, never a mix, and the manifest lists exactly the files beside it, with
    their sha256. `out_dir` is replaced whole, so it may hold only a previous run's
    files; anything else is refused (OutputError), as is every OS error, with the path.

    `plan` labels the workbook's per-category headers; it defaults to the plan that
    produced the results (never the ruleset file again: it may have changed since).
    Only manifest.json records when it was written
    (`written_at`, UTC, default now); every other file is byte-identical for the same
    ruleset and inputs. Cells cut to fit the workbook are listed in the manifest's
    `output_notes` (and in `results.manifest`, for the caller to show).
    """
    out = Path(out_dir)
    ruleset = results.manifest.get("ruleset", {})
    metadata = {
        f"jixiao.ruleset.{k}": str(ruleset[k]) for k in ("id", "version", "sha256") if k in ruleset
    }
    plan = plan or results.plan
    if plan is None:
        raise JixiaoError("these results carry no plan: pass the plan that scored them")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise JixiaoError(f"unknown output format(s) {unknown}; expected some of {FORMATS}")
    tables = results.lazy_tables()
    names = [*output_names(tables, formats), "report.md", MANIFEST, *report_render.file_names()]
    notes: list[str] = []
    with staged(out, names) as staging:
        paths = write_tables(
            tables, staging, formats, headers_for(results, plan), metadata, notes, partition_by
        )
        summary = summary_markdown(results) + "".join(
            ["\n## Output notes\n\n", *(f"- {note}\n" for note in notes)] if notes else []
        )
        paths.append(io_write_text(staging / "report.md", summary))
        if report:
            labels = _category_labels(plan)
            paths += _html_report(
                staging, "score", {**results.manifest, "output_notes": notes}, tables, labels
            )
        manifest = {
            **results.manifest,
            "outputs": [*sorted(_relative(p, staging) for p in paths), MANIFEST],
            "output_sha256": {_relative(p, staging): sha256_file(p) for p in sorted(paths)},
            "output_notes": notes,
            "written_at": written_at or utc_now(),
        }
        write_json(staging / MANIFEST, manifest)
        paths.append(staging / MANIFEST)
    results.manifest["output_notes"] = notes
    return [out / _relative(p, staging) for p in paths]


def write_text(path: str | Path, text: str) -> Path:
    """Write one UTF-8 text file atomically (a schema, an effective ruleset); an OS error
    is an OutputError naming the path."""
    try:
        return io_write_text(Path(path), text)
    except OutputError:
        raise
    except JixiaoError as exc:
        raise OutputError(str(exc)) from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {os_reason(exc, path)}") from None


# --- in-year monitoring (`jixiao monitor`, docs/monitoring.md) ------------------------


def read_monitoring(
    plan: Plan,
    paths: Sequence[str | Path],
    *,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = DEFAULT_MAX_XLSX_MB,
) -> Inputs:
    """Read monitoring tables (绩效运行监控表) with the catalogue's `monitoring` aliases."""
    if not plan.vocab.monitor_specs:
        cat = plan.loaded.catalogue.id
        raise JixiaoError(f"catalogue {cat} declares no monitoring table (tables.monitoring)")
    excel = ExcelOptions(include_hidden=include_hidden_sheets, max_unpacked_mb=max_xlsx_mb)
    return read_inputs(paths, plan.vocab.monitor_specs, excel=excel)


def monitor(plan: Plan, inputs: Inputs | Sequence[str | Path], as_of: dt.date) -> MonitorResults:
    """Lights per project, indicator and department as of `as_of` (the ruleset's
    `monitoring:` section). Rows of another budget year are rejected; nothing left to
    monitor is an InputError."""
    if not isinstance(inputs, Inputs):
        inputs = read_monitoring(plan, inputs)
    return run_monitor(plan, inputs, as_of)


def write_monitor(
    results: MonitorResults,
    out_dir: str | Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    written_at: str | None = None,
    report: bool = False,
) -> list[Path]:
    """Write the monitoring tables and manifest.json into out_dir, as one unit (staged
    and swapped in like `write`); lights are 红/黄/绿/灰 on coloured cells in the workbook.
    With `report`, also report.html and its PNG charts, listed in the manifest."""
    out = Path(out_dir)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise JixiaoError(f"unknown output format(s) {unknown}; expected some of {FORMATS}")
    ruleset = results.manifest.get("ruleset", {})
    metadata = {
        f"jixiao.ruleset.{k}": str(ruleset[k]) for k in ("id", "version", "sha256") if k in ruleset
    }
    tables = results.tables()
    headers = {name: columns.monitor_headers(name) for name in tables}
    names = [*output_names(tables, formats), MANIFEST, *report_render.file_names()]
    notes: list[str] = []
    with staged(out, names) as staging:
        paths = write_light_tables(
            tables, staging, formats, headers, columns.LIGHT_COLUMNS, metadata, notes
        )
        if report:
            manifest = {**results.manifest, "output_notes": notes}
            paths += _html_report(staging, "monitor", manifest, dict(tables), {})
        manifest = {
            **results.manifest,
            "outputs": [*sorted(p.name for p in paths), MANIFEST],
            "output_sha256": {p.name: sha256_file(p) for p in sorted(paths)},
            "output_notes": notes,
            "written_at": written_at or utc_now(),
        }
        write_json(staging / MANIFEST, manifest)
        paths.append(staging / MANIFEST)
    results.manifest["output_notes"] = notes
    return [out / p.name for p in paths]


# --- self-evaluation forms (issue 10; docs/forms.md) ------------------------------------

FORM_LAYOUTS = LAYOUT_NAMES


def read_forms(
    paths: Sequence[str | Path],
    *,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = DEFAULT_MAX_XLSX_MB,
) -> FormsRead:
    """Read form workbooks (files or folders) into canonical `projects` and `indicators`
    frames with the claimed columns; a file or form that cannot be read is reported in
    `FormsRead.problems` while the rest is read. Raises InputError when nothing is."""
    excel = ExcelOptions(include_hidden=include_hidden_sheets, max_unpacked_mb=max_xlsx_mb)
    return read_form_files(paths, excel)


def write_form_tables(
    forms: FormsRead, out_dir: str | Path, formats: Sequence[str] = ("csv",)
) -> list[Path]:
    """The forms' canonical tables (claimed scores included) into out_dir, as one unit
    like `write`: projects and indicators in each format, and manifest.json listing every
    input file with its SHA-256, its forms and what was skipped or refused. Columns keep
    their canonical names (which the reader reads back); provenance is source_file,
    source_sheet, source_row."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise JixiaoError(f"unknown output format(s) {unknown}; expected some of {FORMATS}")
    provenance = {"_file": "source_file", "_sheet": "source_sheet", "_row": "source_row"}
    tables = {name: frame.rename(provenance).lazy() for name, frame in forms.frames.items()}
    names = [*output_names(tables, formats), MANIFEST]
    with staged(Path(out_dir), names) as staging:
        paths = write_tables(tables, staging, formats)
        manifest = {
            "job": "forms to-tables",
            "files": [
                {
                    "path": f.path,
                    "sha256": f.sha256,
                    "forms": f.forms,
                    "skipped": f.sheets_skipped,
                    "problems": f.problems,
                    "notes": f.notes,
                }
                for f in forms.files
            ],
            "rows": {name: frame.height for name, frame in forms.frames.items()},
            "outputs": [*sorted(p.name for p in paths), MANIFEST],
            "output_sha256": {p.name: sha256_file(p) for p in sorted(paths)},
        }
        write_json(staging / MANIFEST, manifest)
        paths.append(staging / MANIFEST)
    return [Path(out_dir) / p.name for p in paths]


def write_form_template(path: str | Path, layout: str = "national") -> Path:
    """A blank self-evaluation form in `layout` (national or sichuan), which `read_forms`
    and `score` read back."""
    return _write_form_file(Path(path), lambda tmp: write_template(tmp, layout))


def write_forms_from_tables(
    path: str | Path,
    layout: str,
    projects: Sequence[dict[str, str | None]],
    indicators: Sequence[dict[str, str | None]],
) -> Path:
    """One form per project (canonical names, values as text) in one workbook: what the
    example forms and the round-trip tests are made of."""
    forms = contents_from_tables(projects, indicators)
    return _write_form_file(Path(path), lambda tmp: write_forms(tmp, layout, forms))


def _write_form_file(path: Path, write: Callable[[Path], Path]) -> Path:
    if path.suffix.lower() != ".xlsx":
        raise JixiaoError(f"{path}: a form is written as .xlsx; give a file name ending in .xlsx")
    try:
        with atomic_path(path) as tmp:
            write(tmp)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {os_reason(exc, path)}") from None
    return path


__all__ += [
    "FORM_LAYOUTS",
    "FormsRead",
    "read_forms",
    "write_form_tables",
    "write_form_template",
    "write_forms_from_tables",
]


# --- re-evaluation of self-scores (`jixiao reevaluate`, docs/reevaluation.md) ---------


def reevaluate(
    plan: Plan,
    inputs: Inputs | Sequence[str | Path],
    *,
    year: int | None = None,
    params: Mapping[str, float | bool] | None = None,
) -> ReevaluationResults:
    """Recompute every project and compare with its claims (再评价, DOMAIN §5): the
    reevaluation_indicators, _projects and _departments tables beside the scored run.
    `params` overrides the ruleset params the re-evaluation reads (`threshold_points`,
    `grade_change_counts`); an unknown name or a wrong type is a JixiaoError."""
    if not isinstance(inputs, Inputs):
        inputs = read(plan, inputs)
    return run_reevaluation(plan, inputs, year=year, params=dict(params or {}))


def spot_check(
    plan: Plan,
    results: ReevaluationResults,
    *,
    sample: int | None = None,
    seed: int | None = None,
    risk: int | None = None,
) -> Sample:
    """Which projects to spot-check (抽查复核): `sample` projects stratified by department
    and drawn by `seed` (SHA-256 of `seed:project_id`, independent of the input order),
    or the `risk` riskiest by the ruleset's `reevaluation.risk_order`; neither: none."""
    if sample is not None and risk is not None:
        raise JixiaoError("choose either a stratified sample or a risk sample, not both")
    projects = results.projects
    if sample is not None:
        if seed is None:
            raise JixiaoError("a stratified sample needs a seed, so that it can be drawn again")
        return sampling.stratified(projects, sample, seed)
    if risk is not None:
        keys = risk_keys(plan)
        section = plan.loaded.ruleset.reevaluation
        order = list(section.risk_order) if section is not None else []
        return sampling.by_risk(projects, risk, keys, order)
    return sampling.none()


def write_reevaluation(
    results: ReevaluationResults,
    out_dir: str | Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    sample: Sample | None = None,
    plan: Plan | None = None,
    written_at: str | None = None,
) -> list[Path]:
    """Write the re-evaluation into out_dir as one unit (staged and swapped in like
    `write`): the three re-evaluation tables, `sample` and the scored run's
    project_scores, indicator_scores, flags and rejects in csv/parquet; with xlsx the
    summary workbook `reevaluation.xlsx` (部门汇总, 项目复核, 指标差异, 抽查样本, 偏差标记)
    and one workbook per department in `departments/`; and manifest.json (ruleset,
    inputs with SHA-256, params and overrides, the sample, every output with SHA-256).
    Every file but the manifest is byte-identical for the same ruleset and inputs."""
    out = Path(out_dir)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise JixiaoError(f"unknown output format(s) {unknown}; expected some of {FORMATS}")
    plan = plan or results.scored.plan
    if plan is None:
        raise JixiaoError("these results carry no plan: pass the plan that scored them")
    chosen = sample or sampling.none()
    tables, headers = _reevaluation_tables(results, chosen, plan)
    departments = results.projects["department"].unique().to_list()
    names = [*reevaluation_output_names(tables, formats, departments), MANIFEST]
    notes: list[str] = [*chosen.notes]
    with staged(out, names) as staging:
        paths = write_reevaluation_files(
            tables, staging, formats, headers, _metadata(results.manifest), notes
        )
        relative = sorted(p.relative_to(staging).as_posix() for p in paths)
        manifest = {
            **results.manifest,
            "job": "reevaluate",
            "sample": chosen.manifest,
            "outputs": [*relative, MANIFEST],
            "output_sha256": {name: sha256_file(staging / name) for name in relative},
            "output_notes": notes,
            "written_at": written_at or utc_now(),
        }
        write_json(staging / MANIFEST, manifest)
    results.manifest["output_notes"] = notes
    return [out / name for name in [*relative, MANIFEST]]


REEVALUATION_SCORED_TABLES = ("project_scores", "indicator_scores", "flags", "rejects")
"""The scored run's tables written beside the re-evaluation (department_summary is the
score job's: `jixiao score` writes it)."""


def _reevaluation_tables(
    results: ReevaluationResults, sample: Sample, plan: Plan
) -> tuple[dict[str, pl.DataFrame], dict[str, dict[str, str]]]:
    """The tables to write, by name, and their Chinese headers."""
    tables = dict(results.tables())
    headers: dict[str, dict[str, str]] = {
        name: columns.reevaluation_headers(name) for name in tables
    }
    tables["sample"] = sample.table
    headers["sample"] = columns.sample_headers()
    scored = results.scored.tables()
    scored_headers = headers_for(results.scored, plan)
    for name in REEVALUATION_SCORED_TABLES:
        tables[name] = scored[name]
        headers[name] = scored_headers.get(name, {})
    return tables, headers


def _metadata(manifest: Mapping[str, Any]) -> dict[str, str]:
    ruleset = manifest.get("ruleset", {})
    return {
        f"jixiao.ruleset.{k}": str(ruleset[k]) for k in ("id", "version", "sha256") if k in ruleset
    }


__all__ += [
    "ReevaluationResults",
    "Sample",
    "reevaluate",
    "spot_check",
    "write_reevaluation",
]


# --- the HTML report (`jixiao report`, `--report`, docs/report.md) ---------------------

REPORT_PAGE = report_render.PAGE_NAME


def report(
    results_dir: str | Path, out: str | Path | None = None, *, pngs: bool = True
) -> list[Path]:
    """Write the HTML report of a results folder (a `score` or `monitor` run's `--out`)
    to `out` (default `<results_dir>/report.html`; a folder gets `report.html` in it),
    with each chart as a PNG beside it. Returns the files written, the page first."""
    folder = Path(results_dir)
    data = report_data.from_folder(folder)
    data = report_data.ReportData(
        data.job, data.manifest, data.tables, report_data.catalogue_labels(data.manifest)
    )
    page = Path(out) if out is not None else folder / REPORT_PAGE
    if page.is_dir():
        page = page / REPORT_PAGE
    if page.suffix.lower() not in (".html", ".htm"):
        # Never overwrite a results table or any other file by a slip of --out.
        raise OutputError(f"{page}: the report is a page; give a file ending in .html")
    rendered = report_render.render(data, pngs=pngs)
    try:
        return report_render.write(rendered, page)
    except OutputError:
        raise
    except JixiaoError as exc:
        raise OutputError(str(exc)) from None
    except OSError as exc:
        raise OutputError(f"cannot write {page}: {os_reason(exc, page)}") from None


def _category_labels(plan: Plan) -> dict[str, str]:
    return report_data.catalogue_label_map(plan.loaded.catalogue)


def _html_report(
    folder: Path,
    job: str,
    manifest: dict[str, object],
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame],
    labels: dict[str, str],
) -> list[Path]:
    """report.html and its PNGs into a staging folder, from the tables still in memory
    (the same page `jixiao report` makes from the folder afterwards)."""
    lazy = {name: frame.lazy() for name, frame in tables.items()}
    data = report_data.ReportData(job, {"job": job, **manifest}, lazy, labels)
    return report_render.write(report_render.render(data), folder / REPORT_PAGE)


# --- comparing two rulesets (`jixiao compare`, docs/compare.md) ------------------------


def compare(
    base: Plan,
    candidate: Plan,
    inputs: Inputs | Sequence[str | Path],
    *,
    year: int | None = None,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = DEFAULT_MAX_XLSX_MB,
) -> CompareResults:
    """Score the same inputs under `base` and `candidate` and compare: who changes grade
    (`migration`), by how much (`compare_projects`, `top_movers`), which departments win
    or lose (`compare_departments`), which effective keys differ (`ruleset_diff`).

    The files are read once and their rows parsed once for both rulesets; only a
    candidate whose catalogue reads the columns differently is read again, and one that
    places rows differently (catalogue, default comparator, weighted categories) prepares
    its own (said in `CompareResults.notes`)."""
    other = None
    if not isinstance(inputs, Inputs):
        paths = list(inputs)
        inputs = read(
            base, paths, include_hidden_sheets=include_hidden_sheets, max_xlsx_mb=max_xlsx_mb
        )
        if _reads_differently(base, candidate):
            other = read(
                candidate,
                paths,
                include_hidden_sheets=include_hidden_sheets,
                max_xlsx_mb=max_xlsx_mb,
            )
    return run_compare(base, candidate, inputs, year=year, candidate_inputs=other)


def _reads_differently(base: Plan, candidate: Plan) -> bool:
    """The reader takes column names from the catalogue's tables and the ruleset's
    `column_aliases`; a difference in either means the candidate reads the files itself."""

    def reading(plan: Plan) -> tuple[object, object]:
        tables = plan.loaded.catalogue.model_dump(mode="json")["tables"]
        return tables, plan.loaded.ruleset.column_aliases

    return reading(base) != reading(candidate)


def write_compare(
    results: CompareResults,
    out_dir: str | Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    written_at: str | None = None,
    report: bool = False,
) -> list[Path]:
    """Write the comparison tables (columns.COMPARE_TABLES) and manifest.json into
    out_dir as one unit (staged and swapped in like `write`); with `report`, also
    report.html (migration heatmap, departments, movers, ruleset diff) and its PNGs."""
    out = Path(out_dir)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise JixiaoError(f"unknown output format(s) {unknown}; expected some of {FORMATS}")
    tables = results.tables()
    headers = {name: columns.compare_headers(name) for name in tables}
    names = [*output_names(tables, formats), MANIFEST, *report_render.file_names()]
    notes: list[str] = []
    with staged(out, names) as staging:
        paths = write_tables(tables, staging, formats, headers, _metadata(results.manifest), notes)
        if report:
            plan = results.base.plan
            labels = _category_labels(plan) if plan is not None else {}
            manifest = {**results.manifest, "output_notes": notes}
            paths += _html_report(staging, results.manifest["job"], manifest, tables, labels)
        manifest = {
            **results.manifest,
            "outputs": [*sorted(p.name for p in paths), MANIFEST],
            "output_sha256": {p.name: sha256_file(p) for p in sorted(paths)},
            "output_notes": notes,
            "written_at": written_at or utc_now(),
        }
        write_json(staging / MANIFEST, manifest)
        paths.append(staging / MANIFEST)
    results.manifest["output_notes"] = notes
    return [out / p.name for p in paths]


__all__ += ["CompareResults", "compare", "write_compare"]


# --- what if (`jixiao whatif`, docs/whatif.md) -------------------------------------------


def variant(base: str, sets: Sequence[str] = ()) -> Variant:
    """The ruleset `base` (built-in id or path) with `--set KEY=VALUE` overrides: a
    variant mapping that `extends` it, checked and compiled by the passes `validate`
    runs (rules/overrides.py); a RulesetError names the option of every problem."""
    plan = load_ruleset(base)
    return make_variant(plan, base, [parse_override(s) for s in sets])


def sweep_variants(
    chosen: Variant, sweep: str, absorb: str | None = None
) -> tuple[SweepSpec, list[str]]:
    """The variant of every value of `--sweep KEY=START..STOP:STEP` (or `KEY=v1,v2,…`)
    over `chosen` (the base with its --set overrides), with `absorb` moved against the
    swept key; and the notes of the variants (said once)."""
    spec = parse_sweep(sweep)
    base = chosen.base
    if base is None:
        raise JixiaoError("internal error: the variant carries no base plan")
    plans: list[tuple[float, Plan]] = []
    notes: list[str] = []
    # Every value's overrides first: a refused absorb is said before any variant is built.
    overrides = [sweep_overrides(base, chosen.overrides, spec, v, absorb) for v in spec.values]
    for value, sets in zip(spec.values, overrides, strict=True):
        one = make_variant(base, chosen.base_ref, sets)
        assert one.plan is not None
        plans.append((value, one.plan))
        notes += [n for n in one.notes if n not in notes]
    kept = [v for v, p in plans if p.loaded.ruleset.weighting == "check"]
    if kept and len(kept) < len(plans):
        values = ", ".join(f"{v:g}" for v in kept)
        notes.append(
            f"at {spec.key}={values} no weight changes, so weighting stays check there while "
            "the other values are proportional; add --set weighting=proportional to sweep "
            "under one regime (docs/whatif.md, Sweeps)"
        )
    return SweepSpec(spec.key, plans, absorb), notes


def whatif(
    chosen: Variant,
    inputs: Inputs | Sequence[str | Path],
    *,
    sweep: SweepSpec | None = None,
    year: int | None = None,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = DEFAULT_MAX_XLSX_MB,
) -> WhatifResults:
    """Compare the base with its variant over the inputs (read and parsed once), and run
    the sweep over the same parsed rows: the tables of `compare`, plus `sweep`."""
    base, plan = chosen.base, chosen.plan
    if base is None or plan is None:
        raise JixiaoError("internal error: the variant is not built")
    if not isinstance(inputs, Inputs):
        inputs = read(
            base, inputs, include_hidden_sheets=include_hidden_sheets, max_xlsx_mb=max_xlsx_mb
        )
    meta = {
        "ruleset": chosen.base_ref,
        "set": [o.text for o in chosen.overrides],
        "notes": chosen.notes,
        "variant": chosen.yaml(),
    }
    candidate = base if not chosen.overrides else plan
    return run_whatif(base, candidate, inputs, year=year, sweep_spec=sweep, whatif=meta)


def save_variant(chosen: Variant, path: str | Path) -> Path:
    """Write the variant as a ruleset file (`extends` the base, relative to the file's
    folder when the base is a file): `validate` and `score` accept it as is."""
    target = Path(path)
    return write_text(target, chosen.save(target))


def write_whatif(
    results: WhatifResults,
    out_dir: str | Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    written_at: str | None = None,
    report: bool = False,
) -> list[Path]:
    """`write_compare`, with the sweep table (and its chart in the report) when swept."""
    return write_compare(results, out_dir, formats, written_at=written_at, report=report)


__all__ += [
    "SweepSpec",
    "Variant",
    "WhatifResults",
    "save_variant",
    "sweep_variants",
    "variant",
    "whatif",
    "write_whatif",
]


# --- the Spark engine (docs/spark.md) --------------------------------------------------

SparkOptions = spark_engine.SparkOptions


def spark_missing() -> str | None:
    """Why `--engine spark` cannot run here (no pyspark, no Java: the install commands),
    or None. Checked before any input is read."""
    return spark_engine.missing()


def is_spark_uri(path: str) -> bool:
    """A path Spark resolves itself (hdfs://, s3a://, abfss://, file://…)."""
    return bool(spark_engine.SPARK_URI.match(path))


@contextmanager
def read_spark(
    plan: Plan,
    paths: Sequence[str | Path],
    *,
    options: SparkOptions | None = None,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = DEFAULT_MAX_XLSX_MB,
) -> Iterator[Inputs]:
    """`read`, where a path may be a URI Spark reaches (hdfs://, s3a://): a file is copied
    through Hadoop's file system, a parquet dataset folder read by Spark, into a scratch
    folder that lives as long as the `with` (score inside it); provenance, rejects and the
    manifest name the URI."""
    with spark_engine.fetched(paths, options or SparkOptions()) as (local, names):
        inputs = read(
            plan, local, include_hidden_sheets=include_hidden_sheets, max_xlsx_mb=max_xlsx_mb
        )
        yield spark_engine.renamed(inputs, names)


def score_spark(
    plan: Plan,
    inputs: Inputs | Sequence[str | Path],
    *,
    year: int | None = None,
    options: SparkOptions | None = None,
) -> Results:
    """Score on Apache Spark: the same compiled plan, partitioned by project (the same
    tables as `score`, row for row; jobs/spark_engine.py). pyspark loads only here."""
    if not isinstance(inputs, Inputs):
        inputs = read(plan, inputs)
    return spark_engine.run(plan, inputs, year=year, options=options)


def write_spark(
    results: Results,
    uri: str,
    *,
    options: SparkOptions | None = None,
    written_at: str | None = None,
) -> list[str]:
    """Write every table through Spark as a parquet dataset `uri/<table>/` (HDFS, S3, any
    Hadoop file system Spark reaches), then `uri/manifest.json`; returns what was written.
    Each dataset is committed by Spark's own committer; the set is not swapped in whole as
    `write` does for a local folder (docs/spark.md)."""
    manifest = {**results.manifest, "written_at": written_at or utc_now()}
    return spark_engine.write(results.tables(), uri, manifest, options or SparkOptions())


__all__ += [
    "SparkOptions",
    "is_spark_uri",
    "read_spark",
    "score_spark",
    "spark_missing",
    "write_spark",
]


def _relative(path: Path, folder: Path) -> str:
    """An output's name in the manifest: its path inside the output folder."""
    return path.relative_to(folder).as_posix()


__all__ += ["xlsx_writer"]  # which library writes workbooks (docs/inputs.md, "The workbook writer")
