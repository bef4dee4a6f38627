"""`jixiao compare`: two rulesets over the same inputs (docs/compare.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jixiao.cli.score_cmd import (
    _null,
    _progress,
    console,
    formats_option,
    hidden_sheets_option,
    inputs_argument,
    max_xlsx_option,
    out_option,
    print_sources,
    report_option,
    stage,
    year_option,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from jixiao.scoring import api
    from jixiao.scoring.api import CompareResults
else:
    from jixiao.cli.lazy import Console, Table, api

DIFF_LINES = 40
"""Rows of the ruleset diff printed; the whole diff is in ruleset_diff."""
VALUE_CHARS = 60
"""A value printed longer than this (an expression) is cut with …; ruleset_diff has it whole."""


def _short(value: str | None) -> str:
    if value is None:
        return "—"
    return value if len(value) <= VALUE_CHARS else value[: VALUE_CHARS - 1] + "…"


def migration_table(results: CompareResults) -> Table:
    """The grade × grade matrix: rows the base's grade, columns the candidate's."""
    matrix = results.migration
    grades = results.grades
    table = Table(title="等级迁移 grade migration (rows: base, columns: candidate)")
    table.add_column("base \\ candidate")
    for grade in grades:
        table.add_column(grade, justify="right")
    counts = {(b, c): n for b, c, n in matrix.iter_rows()}
    for base in grades:
        table.add_row(base, *(str(counts.get((base, c), 0)) for c in grades))
    return table


def diff_table(results: CompareResults) -> Table | None:
    diff = results.ruleset_diff
    if diff.height == 0:
        return None
    table = Table(title=f"规则差异 ruleset diff ({diff.height} keys)")
    for name in ("key", "base", "candidate"):
        table.add_column(name, overflow="fold")
    for key, _, old, new in diff.head(DIFF_LINES).iter_rows():
        table.add_row(key, _short(old), _short(new))
    return table


def print_comparison(results: CompareResults, out: Console) -> None:
    """The migration matrix and the diff, on standard output (the command's answer)."""
    out.print(migration_table(results))
    table = diff_table(results)
    if table is None:
        out.print("规则差异 ruleset diff: none (the effective rulesets are identical)")
        return
    out.print(table)
    if results.ruleset_diff.height > DIFF_LINES:
        more = results.ruleset_diff.height - DIFF_LINES
        out.print(f"… and {more} more keys (ruleset_diff)")


def print_summary(results: CompareResults, paths: list[Path]) -> None:
    summary = results.manifest["compare"]
    console.print(
        f"{summary['projects']} projects compared, {summary['changed_grade']} changed grade; "
        f"inputs read and parsed {results.manifest['prepared']}"
    )
    for note in [*results.notes, *results.manifest.get("output_notes", [])]:
        console.print(f"[yellow]note[/yellow]: {note}")
    console.print(f"results in {paths[0].parent}/: " + ", ".join(p.name for p in paths))


@click.command("compare")
@click.option(
    "--base", required=True, metavar="ID|PATH", help="The ruleset in use: built-in id or YAML file."
)
@click.option(
    "--candidate",
    required=True,
    metavar="ID|PATH",
    help="The ruleset to try: built-in id or YAML file (often one that `extends` the base).",
)
@inputs_argument
@out_option
@formats_option
@year_option
@hidden_sheets_option
@max_xlsx_option
@report_option
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress or summary (the matrix still prints)."
)
def compare_cmd(
    base: str,
    candidate: str,
    inputs: tuple[Path, ...],
    out: Path,
    formats: tuple[str, ...],
    year: int | None,
    include_hidden_sheets: bool,
    max_xlsx_mb: int,
    report: bool,
    quiet: bool,
) -> None:
    """Score INPUT files under two rulesets and show who moves.

    The inputs are read and parsed once and scored under --base and --candidate. Writes
    compare_projects (both totals, grades and ranks per project), migration (grade ×
    grade counts, 未定级 included), compare_departments (mean delta, grade changes),
    ruleset_diff (every effective key that differs, both values), top_movers, the
    near-boundary lists of both sides (near_boundary_base, near_boundary_candidate),
    rejects and manifest.json; prints the migration matrix and the diff.

    \b
    Examples:
      jixiao compare --base project-self-eval --candidate my-variant.yaml 自评表.xlsx
      jixiao compare --base project-self-eval --candidate sichuan-10-90 data/ -o cmp/ -f csv
      jixiao compare --base a.yaml --candidate b.yaml 自评表.xlsx --report -o cmp/
    """
    progress = _progress(quiet)
    started = time.perf_counter()
    with progress or _null():
        with stage(progress, f"loading rulesets {base} and {candidate}"):
            base_plan = api.load_ruleset(base)
            candidate_plan = api.load_ruleset(candidate)
        with stage(progress, f"reading {len(inputs)} input file(s) and scoring under both"):
            results = api.compare(
                base_plan,
                candidate_plan,
                list(inputs),
                year=year,
                include_hidden_sheets=include_hidden_sheets,
                max_xlsx_mb=max_xlsx_mb,
            )
        formats = formats or api.DEFAULT_FORMATS
        what = ", ".join([*formats, *(["report.html"] if report else [])])
        with stage(progress, f"writing {what} to {out}"):
            paths = api.write_compare(results, out, formats, report=report)
    results.manifest["timings"]["total_seconds"] = round(time.perf_counter() - started, 3)
    print_comparison(results, Console())
    if not quiet:
        if results.inputs is not None:
            print_sources(results.inputs)
        print_summary(results, paths)


COMMANDS = [compare_cmd]
