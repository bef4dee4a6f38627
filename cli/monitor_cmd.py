"""`jixiao monitor`: in-year dual monitoring (双监控) with traffic lights."""

from __future__ import annotations

import datetime as dt
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
    report_option,
    ruleset_option,
    stage,
)

if TYPE_CHECKING:
    from rich.table import Table

    from jixiao.scoring import api
else:
    from jixiao.cli.lazy import Table, api


class IsoDate(click.ParamType[dt.date]):
    """A calendar date written YYYY-MM-DD (a bad one is a usage error, exit 2)."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date written YYYY-MM-DD (e.g. 2025-07-31)", param, ctx)


def monitor_and_write(
    ruleset: str,
    inputs: list[Path],
    as_of: dt.date,
    out: Path,
    formats: tuple[str, ...],
    quiet: bool,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = api.DEFAULT_MAX_XLSX_MB,
    report: bool = False,
) -> tuple[api.MonitorResults, list[Path]]:
    progress = _progress(quiet)
    started = time.perf_counter()
    with progress or _null():
        with stage(progress, f"loading ruleset {ruleset}"):
            plan = api.load_ruleset(ruleset)
        with stage(progress, f"reading {len(inputs)} input file(s)"):
            read = api.read_monitoring(
                plan, inputs, include_hidden_sheets=include_hidden_sheets, max_xlsx_mb=max_xlsx_mb
            )
        if not quiet:
            print_sources(read)
        with stage(progress, f"monitoring as of {as_of.isoformat()}"):
            results = api.monitor(plan, read, as_of)
        what = ", ".join([*formats, *(["report.html"] if report else [])])
        with stage(progress, f"writing {what} to {out}"):
            paths = api.write_monitor(results, out, formats, report=report)
    results.manifest["timings"]["total_seconds"] = round(time.perf_counter() - started, 3)
    return results, paths


def print_summary(results: api.MonitorResults, paths: list[Path]) -> None:
    projects = results.monitor_projects
    table = Table(title=f"jixiao monitor (as of {results.as_of.isoformat()})")
    table.add_column("light")
    for column in ("budget", "goal", "forecast", "overall"):
        table.add_column(column, justify="right")
    names = {"budget": "budget_light", "goal": "goal_light", "forecast": "forecast_light"}
    names["overall"] = "light"
    for light in ("red", "yellow", "green", "grey"):
        counts = [str(int((projects[names[c]] == light).sum())) for c in names]
        table.add_row(light, *counts)
    console.print(table)
    rows = results.manifest["rows"]["monitoring"]
    console.print(
        f"{projects.height} projects, {results.monitor_indicators.height} indicator rows; "
        f"{rows['rejected']} row(s) rejected; {results.monitor_actions.height} project(s) "
        "need a response (monitor_actions)"
    )
    console.print(f"results in {paths[0].parent}/: " + ", ".join(p.name for p in paths))
    for note in results.manifest.get("output_notes", []):
        console.print(f"[yellow]note[/yellow]: {note}")


@click.command("monitor")
@ruleset_option
@click.option(
    "--as-of",
    "as_of",
    type=IsoDate(),
    required=True,
    help="The date the figures are as of (time progress counts the months ended by then).",
)
@inputs_argument
@out_option
@click.option(
    "-f",
    "--format",
    "formats",
    type=click.Choice(api.FORMATS),
    multiple=True,
    help="Output format, repeatable (default: xlsx and parquet).",
)
@hidden_sheets_option
@max_xlsx_option
@report_option
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary.")
def monitor_cmd(
    ruleset: str,
    as_of: dt.date,
    inputs: tuple[Path, ...],
    out: Path,
    formats: tuple[str, ...],
    include_hidden_sheets: bool,
    max_xlsx_mb: int,
    report: bool,
    quiet: bool,
) -> None:
    """Light every project of the monitoring table(s) in INPUT as of a date (双监控).

    INPUTs hold a monitoring table (绩效运行监控表): one row per indicator with the
    project's 全年预算数 and 执行数, and the indicator's 年度指标值, 执行值, 全年预计完成值,
    偏差原因 and 完成可能性. Writes monitor_projects, monitor_indicators,
    monitor_departments, monitor_actions and rejects, plus manifest.json
    (docs/monitoring.md).

    \b
    Examples:
      jixiao monitor --as-of 2025-07-31 监控表.xlsx
      jixiao monitor -r sichuan-10-90 --as-of 2025-08-31 monitoring.csv -o out/ -f csv
    """
    results, paths = monitor_and_write(
        ruleset,
        list(inputs),
        as_of,
        out,
        formats or api.DEFAULT_FORMATS,
        quiet,
        include_hidden_sheets,
        max_xlsx_mb,
        report,
    )
    if not quiet:
        print_summary(results, paths)


COMMANDS = [monitor_cmd]
