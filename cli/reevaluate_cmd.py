"""`jixiao reevaluate`: recompute department self-scores and compare with the claims
(再评价 / 抽查复核, DOMAIN §5; docs/reevaluation.md)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jixiao.cli.score_cmd import (
    _null,
    _progress,
    console,
    hidden_sheets_option,
    inputs_argument,
    max_xlsx_option,
    out_option,
    print_sources,
    ruleset_option,
    stage,
    year_option,
)

if TYPE_CHECKING:
    from rich.table import Table

    from jixiao.scoring import api
else:
    from jixiao.cli.lazy import Table, api


class Points(click.ParamType[float]):
    """A finite number of points, 0 or more (`nan`, `inf`, `-1` are usage errors)."""

    name = "POINTS"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            number = float(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a number of points (e.g. 5 or 2.5)", param, ctx)
        if not math.isfinite(number) or number < 0:
            self.fail(f"{value!r} is not a finite number of points, 0 or more", param, ctx)
        return number


def reevaluate_and_write(
    ruleset: str,
    inputs: list[Path],
    out: Path,
    formats: tuple[str, ...],
    year: int | None,
    params: dict[str, float | bool],
    spot: dict[str, int | None],
    quiet: bool,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = api.DEFAULT_MAX_XLSX_MB,
) -> tuple[api.ReevaluationResults, api.Sample, list[Path]]:
    progress = _progress(quiet)
    started = time.perf_counter()
    with progress or _null():
        with stage(progress, f"loading ruleset {ruleset}"):
            plan = api.load_ruleset(ruleset)
        with stage(progress, f"reading {len(inputs)} input file(s)"):
            read = api.read(
                plan, inputs, include_hidden_sheets=include_hidden_sheets, max_xlsx_mb=max_xlsx_mb
            )
        if not quiet:
            print_sources(read)
        with stage(progress, "scoring and comparing with the claims"):
            results = api.reevaluate(plan, read, year=year, params=params)
        with stage(progress, "choosing the spot-check sample"):
            sample = api.spot_check(plan, results, **spot)
        with stage(progress, f"writing {', '.join(formats)} to {out}"):
            paths = api.write_reevaluation(results, out, formats, sample=sample, plan=plan)
    timings = results.manifest.setdefault("timings", {})
    timings["total_seconds"] = round(time.perf_counter() - started, 3)
    return results, sample, paths


def print_summary(
    results: api.ReevaluationResults, sample: api.Sample, out: Path, paths: list[Path]
) -> None:
    projects = results.projects
    table = Table(title="jixiao reevaluate")
    table.add_column("")
    table.add_column("count", justify="right")
    claimed = projects["claimed_total"].is_not_null()
    table.add_row("projects re-evaluated", str(projects.height))
    table.add_row("  with a claimed total", str(int(claimed.sum())))
    table.add_row(
        "  over the threshold", str(int(projects["over_threshold"].fill_null(False).sum()))
    )
    table.add_row("  grade changed", str(int(projects["grade_changed"].fill_null(False).sum())))
    lines = results.indicators["reason_code"].is_not_null()
    table.add_row("lines whose claim differs", str(int(lines.sum())))
    table.add_row("rows rejected", str(results.scored.rejects.height))
    table.add_row("projects in the spot-check sample", str(sample.table.height))
    console.print(table)
    ranked = results.departments.head(3)
    for row in ranked.iter_rows(named=True):
        console.print(
            f"rank {row['rank']}: {row['department']} (inflation {_num(row['inflation'])}, "
            f"{row['n_over_threshold']}/{row['n_projects']} over the threshold)"
        )
    console.print(f"results in {out}/: " + ", ".join(_top_level(paths)))
    if not claimed.any() and results.indicators["claimed_score"].is_null().all():
        console.print(
            "[yellow]note[/yellow]: no input carries a claim (自评总分, 自评预算执行得分, 得分): "
            "there is nothing to compare; give the tables with their claimed columns, or the "
            "departments' forms"
        )
    for note in results.manifest.get("output_notes", []):
        console.print(f"[yellow]note[/yellow]: {note}")


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _top_level(paths: list[Path]) -> list[str]:
    """File names, the department workbooks counted as one entry."""
    names = [p.name for p in paths if p.parent.name != "departments"]
    n = sum(1 for p in paths if p.parent.name == "departments")
    return [*names, f"departments/ ({n} workbooks)"] if n else names


@click.command("reevaluate")
@ruleset_option
@inputs_argument
@click.option(
    "--threshold-points",
    type=Points(),
    metavar="POINTS",
    help="A project goes over the threshold when |claimed total − recomputed total| "
    "reaches this (overrides the ruleset param threshold_points, 5 in project-self-eval).",
)
@click.option(
    "--grade-change/--no-grade-change",
    default=None,
    help="Whether a grade change alone puts a project over the threshold (overrides the "
    "ruleset param grade_change_counts).",
)
@click.option(
    "--sample",
    "sample_n",
    type=click.IntRange(1),
    metavar="N",
    help="Spot-check N projects drawn at random, stratified by department (needs --seed).",
)
@click.option(
    "--seed",
    type=int,
    metavar="S",
    help="Seed of the --sample draw: the same seed draws the same projects from the same "
    "data, whatever their order.",
)
@click.option(
    "--risk",
    "risk_n",
    type=click.IntRange(1),
    metavar="N",
    help="Spot-check the N riskiest projects by the ruleset's reevaluation.risk_order "
    "(grade changes, then the largest gaps, then the largest budgets).",
)
@out_option
@click.option(
    "-f",
    "--format",
    "formats",
    type=click.Choice(api.FORMATS),
    multiple=True,
    help="Output format, repeatable (default: xlsx and parquet); xlsx writes "
    "reevaluation.xlsx and departments/<部门>.xlsx.",
)
@year_option
@hidden_sheets_option
@max_xlsx_option
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary.")
def reevaluate_cmd(
    ruleset: str,
    inputs: tuple[Path, ...],
    threshold_points: float | None,
    grade_change: bool | None,
    sample_n: int | None,
    seed: int | None,
    risk_n: int | None,
    out: Path,
    formats: tuple[str, ...],
    year: int | None,
    include_hidden_sheets: bool,
    max_xlsx_mb: int,
    quiet: bool,
) -> None:
    """Recompute every project in INPUT and compare with what it claims (再评价).

    INPUTs are the canonical tables (projects with 自评预算执行得分 / 自评总分 / 自评等级,
    indicators with 得分) or self-evaluation form workbooks (项目支出绩效自评表), files
    or folders. Writes reevaluation_indicators (every claimed line with the recomputed
    score and a reason code for each difference), reevaluation_projects (gap, grades,
    over_threshold), reevaluation_departments (ranked by inflation), sample (the
    spot-check), the scored run's tables, reevaluation.xlsx for finance, one workbook
    per department in departments/, and manifest.json.

    \b
    Examples:
      jixiao reevaluate projects.csv indicators.csv -o review/
      jixiao reevaluate forms/ --threshold-points 3 --no-grade-change
      jixiao reevaluate 自评表.xlsx --sample 20 --seed 7 -o review/
      jixiao reevaluate -r sichuan-10-90 forms/*.xlsx --risk 10 -f csv
    """
    ctx = click.get_current_context()
    if sample_n is not None and risk_n is not None:
        raise click.UsageError("--sample and --risk choose the spot check two ways: give one", ctx)
    if sample_n is not None and seed is None:
        raise click.UsageError("--sample needs --seed, so that the draw can be repeated", ctx)
    if seed is not None and sample_n is None:
        raise click.UsageError("--seed is the seed of a --sample draw: give --sample N too", ctx)
    params: dict[str, float | bool] = {}
    if threshold_points is not None:
        params["threshold_points"] = threshold_points
    if grade_change is not None:
        params["grade_change_counts"] = grade_change
    spot = {"sample": sample_n, "seed": seed, "risk": risk_n}
    results, sample, paths = reevaluate_and_write(
        ruleset,
        list(inputs),
        out,
        formats or api.DEFAULT_FORMATS,
        year,
        params,
        spot,
        quiet,
        include_hidden_sheets,
        max_xlsx_mb,
    )
    if not quiet:
        print_summary(results, sample, out, paths)


COMMANDS = [reevaluate_cmd]
