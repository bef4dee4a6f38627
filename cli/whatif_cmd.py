"""`jixiao whatif`: a ruleset against itself with key overrides, and sweeps (docs/whatif.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jixiao.cli.compare_cmd import print_comparison
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
    ruleset_option,
    stage,
    year_option,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from jixiao.scoring import api
    from jixiao.scoring.api import WhatifResults
else:
    from jixiao.cli.lazy import Console, Table, api


def sweep_table(results: WhatifResults) -> Table | None:
    """Projects per grade (columns) and the mean total, one row per swept value."""
    frame = results.sweep
    if frame is None:
        return None
    key = str(results.manifest.get("sweep_key", "value"))
    grades = list(dict.fromkeys(frame["grade"].to_list()))
    table = Table(title=f"参数扫描 sweep of {key}")
    table.add_column(key, justify="right")
    for grade in grades:
        table.add_column(grade, justify="right")
    table.add_column("平均分 mean", justify="right")
    values = list(dict.fromkeys(frame["value"].to_list()))
    for value in values:
        rows = frame.filter(frame["value"] == value)
        counts = dict(zip(rows["grade"].to_list(), rows["n"].to_list(), strict=True))
        mean = rows["mean_total"][0]
        table.add_row(
            f"{value:g}",
            *(str(counts.get(g, 0)) for g in grades),
            "—" if mean is None else f"{mean:.2f}",
        )
    return table


@click.command("whatif")
@ruleset_option
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a key of the ruleset (repeatable): a dotted path (weights.output, "
    "params.boundary_margin, grades.优.min) and a YAML value. Changing a weight implies "
    "weighting: proportional.",
)
@click.option(
    "--sweep",
    metavar="KEY=START..STOP:STEP|KEY=v1,v2,…",
    help="Score every value of one key (stop included) over the same parsed rows; writes "
    "the sweep table (projects per grade and mean total per value).",
)
@click.option(
    "--absorb",
    metavar="KEY",
    help="With --sweep: the key that takes the difference (weights.benefit), so the "
    "weights still add up to the scale; refused where it would go negative.",
)
@click.option(
    "--save",
    type=click.Path(path_type=Path),
    metavar="FILE.yaml",
    help="Also write the variant (the base with the --set overrides) as a ruleset file "
    "that extends the base; `jixiao validate` and `score` accept it.",
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
def whatif_cmd(
    ruleset: str,
    sets: tuple[str, ...],
    sweep: str | None,
    absorb: str | None,
    save: Path | None,
    inputs: tuple[Path, ...],
    out: Path,
    formats: tuple[str, ...],
    year: int | None,
    include_hidden_sheets: bool,
    max_xlsx_mb: int,
    report: bool,
    quiet: bool,
) -> None:
    """Score INPUT files under a ruleset and under the same ruleset with --set overrides.

    The same comparison as `jixiao compare --base R --candidate R+overrides` (the tables
    and the printed migration matrix and diff), without writing the variant file first;
    with --sweep, also the grade distribution and mean total for every value of one key.
    The inputs are read and parsed once for every ruleset run. Overrides are checked like
    a ruleset file: a bad key or value is named with the option that wrote it.

    \b
    Examples:
      jixiao whatif --set weights.output=40 --set weights.benefit=40 自评表.xlsx
      jixiao whatif --set params.boundary_margin=2 data/ --save margin2.yaml
      jixiao whatif --sweep weights.output=30..60:5 --absorb weights.benefit data/ --report
      jixiao whatif -r sichuan-10-90 --sweep grades.优.min=85,88,90 data/ -o sweep/
    """
    if absorb is not None and sweep is None:
        raise click.UsageError("--absorb needs --sweep (the key it moves against)")
    if not sets and sweep is None:
        raise click.UsageError("nothing to try: give --set KEY=VALUE and/or --sweep KEY=…")
    progress = _progress(quiet)
    started = time.perf_counter()
    with progress or _null():
        with stage(progress, f"loading ruleset {ruleset} with {len(sets)} override(s)"):
            chosen = api.variant(ruleset, sets)
            spec: api.SweepSpec | None = None
            sweep_notes: list[str] = []
            if sweep is not None:
                spec, sweep_notes = api.sweep_variants(chosen, sweep, absorb)
        if save is not None:
            with stage(progress, f"saving the variant to {save}"):
                api.save_variant(chosen, save)
        runs = (2 if sets else 1) + (len(spec.variants) if spec is not None else 0)
        with stage(progress, f"reading {len(inputs)} input file(s), scoring {runs} rulesets"):
            results = api.whatif(
                chosen,
                list(inputs),
                sweep=spec,
                year=year,
                include_hidden_sheets=include_hidden_sheets,
                max_xlsx_mb=max_xlsx_mb,
            )
        formats = formats or api.DEFAULT_FORMATS
        what = ", ".join([*formats, *(["report.html"] if report else [])])
        with stage(progress, f"writing {what} to {out}"):
            paths = api.write_whatif(results, out, formats, report=report)
    results.manifest["timings"]["total_seconds"] = round(time.perf_counter() - started, 3)
    stdout = Console()
    if sets:
        print_comparison(results, stdout)
    table = sweep_table(results)
    if table is not None:
        stdout.print(table)
    for note in dict.fromkeys([*results.notes, *sweep_notes]):
        console.print(f"[yellow]note[/yellow]: {note}")
    if not quiet:
        if results.inputs is not None:
            print_sources(results.inputs)
        summary = results.manifest["compare"]
        tried = " ".join(o.text for o in chosen.overrides) or "no override"
        console.print(
            f"{summary['projects']} projects, {summary['changed_grade']} changed grade under "
            f"{tried}; {runs} rulesets scored, inputs read once and parsed "
            f"{results.manifest['prepared']}"
        )
        if save is not None:
            console.print(f"variant saved to {save}")
        console.print(f"results in {paths[0].parent}/: " + ", ".join(p.name for p in paths))


COMMANDS = [whatif_cmd]
