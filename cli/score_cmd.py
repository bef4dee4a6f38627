"""The main job: `score`, `demo` and `explain`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from jixiao.scoring import api
    from jixiao.scoring.api import Inputs, Plan, Results
else:
    from jixiao.cli.lazy import Console, Table, api

from jixiao.cli.lazy import rich_console
from jixiao.scoring.errors import JixiaoError

console = Console(stderr=True)

ruleset_option = click.option(
    "-r",
    "--ruleset",
    default=api.DEFAULT_RULESET,
    show_default=True,
    metavar="ID|PATH",
    help="Built-in ruleset id or a ruleset YAML file.",
)
year_option = click.option(
    "--year",
    type=click.IntRange(1990, 2100),
    metavar="YYYY",
    help="Score only projects of this year; other years go to rejects.",
)
out_option = click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    metavar="DIRECTORY",
    default=Path("jixiao-out"),
    show_default=True,
    help="Output folder. A run replaces it whole (written beside it, then swapped in), "
    "so it may hold only a previous run's files.",
)
hidden_sheets_option = click.option(
    "--include-hidden-sheets",
    is_flag=True,
    help="Also read workbook sheets that are hidden (by default they are skipped, with a note).",
)
max_xlsx_option = click.option(
    "--max-xlsx-mb",
    type=click.IntRange(1),
    default=api.DEFAULT_MAX_XLSX_MB,
    show_default=True,
    metavar="MB",
    help="Refuse a workbook whose parts unpack to more than this (a guard against zip bombs).",
)
formats_option = click.option(
    "-f",
    "--format",
    "formats",
    type=click.Choice(api.FORMATS),
    multiple=True,
    help="Output format, repeatable (default: xlsx and parquet).",
)
"""`-f/--format` of the jobs whose default is xlsx and parquet (compare, whatif)."""
report_option = click.option(
    "--report",
    "report",
    is_flag=True,
    help="Also write report.html (charts and tables, opens offline; docs/report.md) and "
    "its charts as PNG files into the output folder.",
)
inputs_argument = click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
"""Checked by the reader (a folder, FIFO, device or unreadable file is exit 1 with the path)."""


@contextmanager
def stage(progress: Progress | None, text: str) -> Iterator[None]:
    """One line of progress per pipeline stage (spinner and elapsed time while it runs)."""
    if progress is None:
        yield
        return
    task = progress.add_task(text, total=1)
    yield
    progress.update(task, completed=1)


def _progress(quiet: bool) -> Progress | None:
    if quiet:
        return None
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=rich_console(console),
        transient=False,
    )


def _load_and_read(
    progress: Progress | None,
    stack: ExitStack,
    ruleset: str,
    inputs: list[str | Path],
    spark: api.SparkOptions | None,
    include_hidden_sheets: bool,
    max_xlsx_mb: int,
) -> tuple[Plan, Inputs]:
    """The ruleset and the inputs, each a progress stage; with `spark`, URIs (hdfs://,
    s3a://) are fetched through Spark into a scratch folder that `stack` keeps."""
    with stage(progress, f"loading ruleset {ruleset}"):
        plan = api.load_ruleset(ruleset)
    with stage(progress, f"reading {len(inputs)} input file(s)"):
        if spark is None:
            read = api.read(
                plan, inputs, include_hidden_sheets=include_hidden_sheets, max_xlsx_mb=max_xlsx_mb
            )
        else:
            read = stack.enter_context(
                api.read_spark(
                    plan,
                    inputs,
                    options=spark,
                    include_hidden_sheets=include_hidden_sheets,
                    max_xlsx_mb=max_xlsx_mb,
                )
            )
    return plan, read


def score_and_write(
    ruleset: str,
    inputs: list[str | Path],
    out: Path,
    formats: tuple[str, ...],
    year: int | None,
    engine: str,
    quiet: bool,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = api.DEFAULT_MAX_XLSX_MB,
    report: bool = False,
    spark: api.SparkOptions | None = None,
    partition_by: tuple[str, ...] = (),
) -> tuple[Plan, Results, list[Path]]:
    progress = _progress(quiet)
    started = time.perf_counter()
    with progress or _null(), ExitStack() as stack:
        plan, read = _load_and_read(
            progress, stack, ruleset, inputs, spark, include_hidden_sheets, max_xlsx_mb
        )
        if not quiet:
            print_sources(read)
        # Streaming to csv/parquet keeps the indicator rows on disk until they are
        # written; the workbook cannot be written from disk, so with xlsx they stay in memory.
        spilling = engine == "streaming" and "xlsx" not in formats
        with api.spill(out) if spilling else _null() as spill_dir:
            with stage(progress, "scoring" + (" on Spark" if engine == "spark" else "")):
                if engine == "spark":
                    results = api.score_spark(plan, read, year=year, options=spark)
                else:
                    results = api.score(
                        plan,
                        read,
                        year=year,
                        engine=engine,  # type: ignore[arg-type]
                        spill_dir=spill_dir,
                    )
            if "xlsx" in formats and not quiet:
                warn_slow_xlsx(results)
            what = ", ".join([*formats, *(["report.html"] if report else [])])
            with stage(progress, f"writing {what} to {out}"):
                write_started = time.perf_counter()
                paths = api.write(
                    results, out, formats, plan=plan, report=report, partition_by=partition_by
                )
                results.manifest["timings"]["write_seconds"] = round(
                    time.perf_counter() - write_started, 3
                )
    results.manifest["timings"]["total_seconds"] = round(time.perf_counter() - started, 3)
    return plan, results, paths


XLSX_ROWS_PER_SECOND = 5_000
"""Measured: xlsxwriter writes about 5,000 rows of indicator_scores a second here."""
FAST_XLSX_ROWS_PER_SECOND = 50_000
"""Measured (bench/bench_xlsx.py): rustpy-xlsxwriter, 1M rows x 30 columns in 19 s of CPU."""


def warn_slow_xlsx(results: Results) -> None:
    rows = sum(t.height for t in results.tables().values())
    fast = api.xlsx_writer() != "xlsxwriter"
    if rows > (2_000_000 if fast else 200_000):
        minutes = rows / (FAST_XLSX_ROWS_PER_SECOND if fast else XLSX_ROWS_PER_SECOND) / 60
        console.print(
            f"[yellow]note[/yellow]: writing {rows:,} rows to xlsx takes about {minutes:.0f} "
            "minutes; use -f parquet (or -f csv) to skip the workbook"
        )


@contextmanager
def _null() -> Iterator[None]:
    yield None


def print_sources(inputs: Inputs) -> None:
    """Say what was read, with the detected encoding, and which columns were not used."""
    for source in inputs.sources:
        tables = ", ".join(f"{t} {n} rows" for t, n in source.rows.items())
        encoding = f", encoding {source.encoding}" if source.encoding else ""
        console.print(f"read {source.path} ({source.format}{encoding}): {tables}")
        for note in source.notes:
            console.print(f"[yellow]note[/yellow]: {source.path}: {note}")
    for file, sheet, header in inputs.unused_columns:
        where = f"{file}[{sheet}]" if sheet else file
        console.print(f"[yellow]not used[/yellow]: column {header!r} in {where}")


def print_summary(results: Results, paths: list[Path]) -> None:
    rows = results.manifest["rows"]
    ps = results.project_scores
    table = Table(title="jixiao score", show_header=True)
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("projects scored", str(rows["projects"]["scored"]))
    for grade, n in api.grade_counts(results):
        table.add_row(f"  grade {grade}", str(n))
    table.add_row("projects incomplete", str(int((~ps["complete"]).sum())))
    table.add_row("indicator rows scored", str(rows["indicators"]["scored"]))
    table.add_row("indicator rows not evaluable", str(results.indicator_count(not_evaluable=True)))
    table.add_row("rows rejected", str(results.rejects.height))
    dept = results.department_summary
    if "n_flags" in dept.columns:
        table.add_row("flags raised (偏差标记)", str(int(dept["n_flags"].sum())))
        for severity in ("serious", "warning", "info"):
            table.add_row(f"  {severity}", str(int(dept[f"n_flags_{severity}"].sum())))
    console.print(table)
    folder = paths[-1].parent  # manifest.json, at the top of the output folder
    tops = [p.relative_to(folder).parts[0] for p in paths]  # a partitioned table: its folder
    console.print(f"results in {folder}/: " + ", ".join(dict.fromkeys(tops)))
    for note in results.manifest.get("output_notes", []):
        console.print(f"[yellow]note[/yellow]: {note}")


@click.command("score")
@ruleset_option
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--out",
    metavar="DIRECTORY|URI",
    default="jixiao-out",
    show_default=True,
    help="Output folder. A run replaces it whole (written beside it, then swapped in), "
    "so it may hold only a previous run's files. With --engine spark it may be a URI "
    "Spark writes to (hdfs://, s3a://): parquet datasets, see --spark-output.",
)
@click.option(
    "-f",
    "--format",
    "formats",
    type=click.Choice(api.FORMATS),
    multiple=True,
    help="Output format, repeatable (default: xlsx and parquet).",
)
@year_option
@click.option(
    "--engine",
    type=click.Choice(["in-memory", "streaming", "spark"]),
    default="in-memory",
    show_default=True,
    help="Engine. streaming (Polars) scores the indicator rows in slices and, for csv and "
    "parquet, writes them from a scratch folder in --out, so memory stays bounded; with "
    "-f xlsx the workbook needs every row in memory. spark runs the same plan on Apache "
    "Spark, partitioned by project (pip install 'jixiao[spark]', Java 17; docs/spark.md).",
)
@hidden_sheets_option
@max_xlsx_option
@report_option
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary.")
@click.option(
    "--spark-master",
    metavar="URL",
    help="With --engine spark: the Spark master (default: $SPARK_MASTER, spark-submit's "
    "own, else local[2]), e.g. local[8], yarn, k8s://https://host:6443.",
)
@click.option(
    "--spark-partitions",
    type=click.IntRange(1),
    metavar="N",
    help="With --engine spark: project buckets to score in parallel (default: Spark's "
    "default parallelism).",
)
@click.option(
    "--spark-output",
    is_flag=True,
    help="With --engine spark: write the tables through Spark as parquet datasets "
    "(--out/<table>/) and manifest.json; implied when --out is a URI (hdfs://, s3a://).",
)
@click.option(
    "--partition-by",
    "partition_by",
    multiple=True,
    metavar="COLUMN",
    help="Write the parquet tables partitioned, one folder per value "
    "(project_scores/department=教育局/part-0.parquet), repeatable (--partition-by year "
    "--partition-by department); needs -f parquet, the workbook and csv stay whole. "
    "Example: jixiao score data/ -o out/ -f parquet --partition-by department",
)
def score_cmd(
    ruleset: str,
    inputs: tuple[str, ...],
    out: str,
    formats: tuple[str, ...],
    year: int | None,
    engine: str,
    include_hidden_sheets: bool,
    max_xlsx_mb: int,
    report: bool,
    quiet: bool,
    spark_master: str | None,
    spark_partitions: int | None,
    spark_output: bool,
    partition_by: tuple[str, ...],
) -> None:
    """Score every project in INPUT files (xlsx, csv or parquet).

    INPUTs hold a projects table and an indicators table: two files, or one workbook
    with both sheets (项目 / 指标). Writes project_scores, indicator_scores,
    department_summary, flags (the ruleset's deviation flags raised) and rejects, plus
    report.md and manifest.json. An INPUT may be a folder (its data files, sorted) and a
    workbook may hold self-evaluation forms, one project per sheet (docs/forms.md); with
    --engine spark it may be a URI Spark reads (hdfs://, s3a://: a file, or a parquet
    dataset folder; docs/spark.md).

    \b
    Examples:
      jixiao score 自评表.xlsx
      jixiao score -r sichuan-10-90 projects.csv indicators.csv -o out/ -f csv -f xlsx
      jixiao score --year 2025 data/*.xlsx
      jixiao score 自评表/ -o out/
      jixiao score --report 自评表.xlsx -o out/      (out/report.html: charts, offline)
      jixiao score --engine spark projects.parquet indicators.parquet -o out/
      jixiao score --engine spark --spark-master yarn hdfs://nn/in/projects.parquet \\
          hdfs://nn/in/indicators/ -o hdfs://nn/jixiao/2025
      jixiao score warehouse/projects warehouse/indicators -f parquet --partition-by department
                      (folders of year=/department=… parquet in, partitioned parquet out)
    """
    chosen = formats or api.DEFAULT_FORMATS
    if partition_by and "parquet" not in chosen:
        raise click.UsageError(
            "--partition-by partitions the parquet outputs: add -f parquet (the workbook "
            "and csv are written whole)"
        )
    spark = api.SparkOptions(master=spark_master, partitions=spark_partitions)
    if engine != "spark" and (spark_master or spark_partitions or spark_output):
        raise click.UsageError(
            "--spark-master, --spark-partitions and --spark-output need --engine spark"
        )
    remote = [i for i in inputs if api.is_spark_uri(i)]
    if remote and engine != "spark":
        raise click.UsageError(f"INPUT {remote[0]} is a URI: reading it needs --engine spark")
    paths: list[str | Path] = [i if api.is_spark_uri(i) else Path(i) for i in inputs]
    if engine == "spark" and (spark_output or api.is_spark_uri(out)):
        if partition_by:
            raise click.UsageError(
                "--partition-by writes a local folder; through Spark, partition the datasets "
                "with Spark itself"
            )
        score_through_spark(
            ruleset,
            paths,
            out,
            formats,
            year,
            quiet,
            spark,
            report,
            include_hidden_sheets=include_hidden_sheets,
            max_xlsx_mb=max_xlsx_mb,
        )
        return
    if api.is_spark_uri(out):
        raise click.UsageError(f"--out {out} is a URI: writing there needs --engine spark")
    _, results, written = score_and_write(
        ruleset,
        paths,
        Path(out),
        chosen,
        year,
        engine,
        quiet,
        include_hidden_sheets,
        max_xlsx_mb,
        report,
        spark if engine == "spark" else None,
        partition_by,
    )
    if not quiet:
        print_summary(results, written)


def score_through_spark(
    ruleset: str,
    inputs: list[str | Path],
    out: str,
    formats: tuple[str, ...],
    year: int | None,
    quiet: bool,
    spark: api.SparkOptions,
    report: bool,
    *,
    include_hidden_sheets: bool = False,
    max_xlsx_mb: int = api.DEFAULT_MAX_XLSX_MB,
) -> None:
    """Score on Spark and write the tables through Spark as parquet datasets at `out`."""
    if set(formats) - {"parquet"} or report:
        raise click.UsageError(
            f"writing to {out} through Spark gives parquet datasets only; leave out -f and --report"
        )
    missing = api.spark_missing()
    if missing:
        raise JixiaoError(missing)
    progress = _progress(quiet)
    with progress or _null(), ExitStack() as stack:
        plan, read = _load_and_read(
            progress, stack, ruleset, inputs, spark, include_hidden_sheets, max_xlsx_mb
        )
        with stage(progress, "scoring on Spark"):
            results = api.score_spark(plan, read, year=year, options=spark)
        with stage(progress, f"writing parquet datasets to {out} through Spark"):
            written = api.write_spark(results, out, options=spark)
    if not quiet:
        console.print(f"results in {out}: " + ", ".join(w.rsplit("/", 1)[-1] for w in written))


def sample_district() -> Path:
    """The bundled example workbook (shipped with the package)."""
    return (
        Path(str(resources.files("jixiao.examples"))) / "sample-district" / "sample-district.xlsx"
    )


@click.command("demo")
@out_option
def demo_cmd(out: Path) -> None:
    """Score the bundled sample district (300+ projects, 15 departments) and say where
    the results are: the tables, report.md and report.html (charts, opens offline)."""
    source = sample_district()
    console.print(f"scoring the sample district {source}")
    _, results, paths = score_and_write(
        api.DEFAULT_RULESET,
        [source],
        out,
        ("xlsx", "parquet", "csv"),
        None,
        "in-memory",
        False,
        report=True,
    )
    print_summary(results, paths)
    worst = results.project_scores.filter(~results.project_scores["complete"]).head(1)
    if worst.height:
        pid = worst["project_id"][0]
        console.print(f"try: jixiao explain {source} {pid}")


@click.command("explain")
@ruleset_option
@click.argument("inputs", nargs=-1, required=True)
@click.argument("project_id")
@year_option
@hidden_sheets_option
@max_xlsx_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def explain_cmd(
    ruleset: str,
    inputs: tuple[str, ...],
    project_id: str,
    year: int | None,
    include_hidden_sheets: bool,
    max_xlsx_mb: int,
    as_json: bool,
) -> None:
    """Explain one project's score step by step (reference evaluator, checked against batch).

    \b
    Examples:
      jixiao explain 自评表.xlsx JD2025-0001
      jixiao explain -r sichuan-10-90 projects.csv indicators.csv SC-17 --json
    """
    plan = api.load_ruleset(ruleset)
    read = api.read(
        plan, list(inputs), include_hidden_sheets=include_hidden_sheets, max_xlsx_mb=max_xlsx_mb
    )
    results = api.score(plan, read, year=year)
    explanation = api.explain_project(plan, results, project_id)
    if as_json:
        click.echo(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(api.explanation_text(explanation), nl=False)


COMMANDS = [score_cmd, demo_cmd, explain_cmd]
