"""results.xlsx at scale: the Rust writer (rustpy-xlsxwriter) against xlsxwriter, same run.

    python bench/bench_xlsx.py [--rows 1000000] [--repeat 1]

Builds a table shaped like indicator_scores (30 columns: Chinese and ASCII text, floats,
integers, booleans, 5 % nulls; fixed seed), then writes it with `write_tables(…, ["xlsx"])`
(the whole path: sheet plan, widths, text fitting, the workbook, fixed properties, the
atomic rename) once per writer and repeat, alternated, each in a child process so that
its peak RSS is its own. Prints a table for bench/README.md; the issue's target is
1M rows in under 20 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

WRITERS = ("rustpy-xlsxwriter", "xlsxwriter")
TARGET_S = 20.0


def table(rows: int) -> pl.DataFrame:
    """30 columns like indicator_scores: ids, labels, texts as written, parsed numbers."""
    i = pl.int_range(rows, dtype=pl.Int64, eager=True).alias("i")
    base = pl.DataFrame(i)
    null = (pl.col("i") * 7919 % 20) == 0  # 5 % nulls, spread
    departments = [f"区{k}局" for k in range(40)]
    return base.select(
        pl.format("P{}", pl.col("i") // 9).alias("project_id"),
        pl.lit("output").alias("level1"),
        pl.lit("quantity").alias("level2"),
        pl.format("指标{}", pl.col("i") % 1054).alias("indicator"),
        pl.lit("产出指标").alias("level1_label"),
        pl.lit("数量指标").alias("level2_label"),
        pl.lit("正向").alias("comparator_text"),
        pl.format("≥{}%", pl.col("i") % 100).alias("target_text"),
        pl.lit("%").alias("unit_text"),
        pl.when(null)
        .then(None)
        .otherwise(pl.format("{}%", pl.col("i") % 113))
        .alias("actual_text"),
        (pl.col("i") % 10 + 0.5).alias("claimed_score"),
        pl.when(null).then(None).otherwise(pl.lit("按计划完成，无偏差")).alias("explanation"),
        pl.lit(">=").alias("comparator"),
        pl.lit("text").alias("comparator_source"),
        (pl.col("i") % 100 / 100).alias("target"),
        pl.lit(None, pl.Float64).alias("upper"),
        pl.lit("%").alias("unit"),
        pl.when(null).then(None).otherwise(pl.col("i") % 113 / 100).alias("actual"),
        pl.lit("number").alias("actual_kind"),
        (pl.col("i") % 10).cast(pl.Float64).alias("points"),
        (pl.col("i") % 1000 / 97).alias("score"),
        ((pl.col("i") % 3) == 0).alias("achieved"),
        (pl.col("i") % 113 / (pl.col("i") % 100 + 1)).alias("ratio"),
        pl.col("i")
        .cast(pl.String)
        .replace_strict({str(k): d for k, d in enumerate(departments)}, default="区教育局")
        .alias("department_text"),
        ((pl.col("i") % 5) == 0).alias("has_explanation"),
        (pl.col("i") % 4).cast(pl.UInt32).alias("n_flags"),
        pl.lit("indicators.csv").alias("source_file"),
        pl.lit(None, pl.String).alias("source_sheet"),
        (pl.col("i") + 2).alias("source_row"),
        pl.format("{}-{}", pl.col("i") // 9, pl.col("i") % 9).alias("row_key"),
    )


def child(writer: str, rows: int, folder: Path) -> None:
    """One write in this process: prints seconds, bytes and this process's peak RSS (MB)."""
    import resource

    os.environ["JIXIAO_XLSX_WRITER"] = writer
    from jixiao.scoring.io.write import write_tables

    frame = table(rows)
    started, cpu = time.perf_counter(), time.process_time()
    (path,) = write_tables({"indicator_scores": frame}, folder, ["xlsx"], {}, {"k": "v"})
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {path.stat().st_size} {peak:.0f} {cpu:.3f}")


def run(writer: str, rows: int) -> tuple[float, int, float, float]:
    """(seconds, bytes, peak RSS MB, CPU seconds) of one child process writing it."""
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-xlsx-") as folder:
        cmd = [sys.executable, __file__, "--child", writer, "--rows", str(rows), "--out", folder]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    seconds, size, peak, cpu = out.split()
    return float(seconds), int(size), float(peak), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--writers", nargs="+", choices=WRITERS, default=list(WRITERS), help="writers to time"
    )
    parser.add_argument("--child", choices=WRITERS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, args.out)
        return
    writers = [w for w in WRITERS if w in args.writers]
    times: dict[str, list[float]] = {w: [] for w in writers}
    cpus: dict[str, list[float]] = {w: [] for w in writers}
    sizes: dict[str, int] = {}
    peaks: dict[str, float] = {}
    for _ in range(args.repeat):
        for writer in writers:
            seconds, size, peak, cpu = run(writer, args.rows)
            times[writer].append(seconds)
            cpus[writer].append(cpu)
            sizes[writer] = size
            peaks[writer] = max(peaks.get(writer, 0.0), peak)
    print(
        f"rows={args.rows:,} columns=30  python={platform.python_version()} "
        f"polars={pl.__version__} cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f}"
    )
    base = min(times.get("xlsxwriter") or times[writers[0]])
    print(
        f"{'writer':<20}{'best s':>9}{'CPU s':>8}{'rows/s':>12}{'file MB':>9}{'peak MB':>9}"
        f"{'vs xlsxwriter':>15}"
    )
    for writer in writers:
        best = min(times[writer])
        print(
            f"{writer:<20}{best:>9.1f}{min(cpus[writer]):>8.1f}{args.rows / best:>12,.0f}"
            f"{sizes[writer] / 1e6:>9.0f}{peaks[writer]:>9.0f}{best / base:>14.2f}x"
        )
    if "rustpy-xlsxwriter" not in times:
        return
    fast = min(times["rustpy-xlsxwriter"])
    verdict = "met" if fast < TARGET_S * args.rows / 1_000_000 else "MISSED"
    print(
        f"rustpy-xlsxwriter: {fast:.1f} s for {args.rows:,} rows (target < 20 s per 1M: {verdict})"
    )


if __name__ == "__main__":
    main()
