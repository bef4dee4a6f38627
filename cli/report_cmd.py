"""`jixiao report`: the HTML report of a results folder (docs/report.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from jixiao.scoring import api
else:
    from jixiao.cli.lazy import api


@click.command("report")
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    metavar="FILE.html",
    help="The page to write (default RESULTS_DIR/report.html); the PNG charts go beside it "
    "as <name>-<chart>.png.",
)
@click.option("--no-png", is_flag=True, help="Write the page only, no PNG charts.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def report_cmd(results_dir: Path, out: Path | None, no_png: bool, quiet: bool) -> None:
    """Write an HTML report of the results in RESULTS_DIR (a score or monitor run's -o).

    One self-contained page that opens offline (every asset inline, no network request),
    Chinese first: grade distribution, score histogram, department ranking, category
    subtotals and flag counts (score), or the monitoring lights (monitor); sortable
    tables of the top rows; the run manifest at the foot. Each chart is also written as
    a PNG beside the page, for pasting into Word.

    \b
    Examples:
      jixiao report jixiao-out
      jixiao report out/ --out 2025年度绩效自评.html
    """
    paths = api.report(results_dir, out, pngs=not no_png)
    if not quiet:
        # Plain lines (not rich): a path is never wrapped, so it can be copied or piped.
        click.echo(f"report: {paths[0]}")
        if len(paths) > 1:
            click.echo(f"charts: {', '.join(p.name for p in paths[1:])}")


COMMANDS = [report_cmd]
