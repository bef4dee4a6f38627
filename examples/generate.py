"""Generate a district's year-end project self-evaluation data (项目支出绩效自评).

The data looks the way a district finance bureau actually receives it: every department
writes comparators, labels, units and tier words its own way, some numbers are missing
or are text, some self-scores are generous. Those quirks are deliberate — they are what
the reader, the value parser and the flag rules must survive — and the generator counts
each one so that tests and the sample's README can say how many there are.

Deterministic: one `random.Random(seed)` drives everything, so the same arguments give
byte-identical CSV files. Run `python examples/generate.py --help`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

try:
    from jixiao.examples.sampling import QUIRKS, YEAR, Sample, generate_sample
except ModuleNotFoundError:  # run as a script: examples/ itself is on sys.path
    from sampling import (  # type: ignore[no-redef,import-not-found]
        QUIRKS,
        YEAR,
        Sample,
        generate_sample,
    )

__all__ = [
    "Sample",
    "generate",
    "generate_sample",
    "readme_text",
    "write_gbk_sample",
    "write_sample",
]

DEFAULT_PROJECTS = 300
DEFAULT_SEED = 2025
HERE = Path(__file__).resolve().parent
SAMPLE_DIR = HERE / "sample-district"
GBK_DIR = HERE / "gbk-sample"
FORMATS = ("csv", "xlsx", "parquet")
EXCEL_MAX_DATA_ROWS = 1_048_576 - 2  # a title row and a header row above the data

# ---------------------------------------------------------------------------- public API


def generate(n_projects: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(projects, indicators) with Chinese headers; what benchmarks call to get volume."""
    sample = generate_sample(n_projects, seed)
    return sample.projects, sample.indicators


def write_sample(sample: Sample, out_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Write the tables in each format (csv: UTF-8 with BOM and CRLF, as Excel exports)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for fmt in dict.fromkeys(formats):
        if fmt == "csv":
            written += [out_dir / "projects.csv", out_dir / "indicators.csv"]
            _atomic_bytes(written[-2], _csv_text(sample.projects, bom=True).encode("utf-8"))
            _atomic_bytes(written[-1], _csv_text(sample.indicators, bom=True).encode("utf-8"))
        elif fmt == "parquet":
            written += [out_dir / "projects.parquet", out_dir / "indicators.parquet"]
            _atomic(written[-2], sample.projects.write_parquet)
            _atomic(written[-1], sample.indicators.write_parquet)
        elif fmt == "xlsx":
            written.append(out_dir / f"{out_dir.name}.xlsx")
            _atomic(written[-1], lambda path: _write_xlsx(path, sample))
        else:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return written


def write_gbk_sample(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Five projects of one department exported by an old system: GBK, no BOM, CRLF."""
    sample = generate_sample(5, seed, departments=["区人社局"], first_number=9001)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "projects.csv", out_dir / "indicators.csv"]
    for path, frame in zip(paths, (sample.projects, sample.indicators), strict=True):
        _atomic_bytes(path, _csv_text(frame, bom=False).encode("gbk"))
    return paths


# ---------------------------------------------------------------------------- writing


def _csv_text(frame: pl.DataFrame, *, bom: bool) -> str:
    return frame.write_csv(include_bom=bom, line_terminator="\r\n", float_precision=2)


def _atomic_bytes(path: Path, data: bytes) -> None:
    _atomic(path, lambda tmp: tmp.write_bytes(data))


def _atomic(path: Path, write: Any) -> None:
    """Write next to the target, then rename: an interrupted run leaves no half file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_xlsx(path: Path, sample: Sample) -> None:
    """Two sheets laid out like the template: a merged title row above the header row."""
    import xlsxwriter

    if sample.indicators.height > EXCEL_MAX_DATA_ROWS:
        raise ValueError(
            f"{sample.indicators.height} indicator rows do not fit one Excel sheet "
            f"(at most {EXCEL_MAX_DATA_ROWS}); use --format csv or parquet"
        )
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    book.set_properties(
        {"title": f"{YEAR}年度项目支出绩效自评表", "created": dt.datetime(YEAR + 1, 1, 15)}
    )
    formats = {
        "title": book.add_format({"bold": True, "font_size": 14, "align": "center"}),
        "head": book.add_format(
            {"bold": True, "border": 1, "align": "center", "bg_color": "#DDEBF7"}
        ),
        "amount": book.add_format({"num_format": "0.00"}),
    }
    sheets = (
        ("项目", "项目基本情况", sample.projects),
        ("指标", "绩效指标完成情况", sample.indicators),
    )
    for name, subtitle, frame in sheets:
        sheet = book.add_worksheet(name)
        sheet.set_column(0, frame.width - 1, 16)
        sheet.merge_range(
            0,
            0,
            0,
            frame.width - 1,
            f"{YEAR}年度项目支出绩效自评表（{subtitle}）",
            formats["title"],
        )
        sheet.write_row(1, 0, frame.columns, formats["head"])
        for r, row in enumerate(frame.iter_rows(), start=2):
            for c, value in enumerate(row):
                if isinstance(value, float):
                    sheet.write_number(r, c, value, formats["amount"])
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()


def readme_text(sample: Sample, n_projects: int, seed: int) -> str:
    """The sample's README, with the counts this run actually produced."""
    rows_per_project = sample.indicators.group_by("项目编号").len()
    joined = (
        sample.projects.join(rows_per_project, on="项目编号", how="left")
        .group_by("主管部门", maintain_order=True)
        .agg(pl.len().alias("projects"), pl.col("len").sum().alias("rows"))
    )
    lines = [
        "# sample-district: a generated district's 2025 project self-evaluations",
        "",
        f"Generated by `python examples/generate.py --projects {n_projects} --seed {seed}`;",
        "re-running it reproduces these files byte for byte. Nothing here is real data.",
        "",
        f"- `projects.csv`: {sample.projects.height} projects, one row each (wide);",
        f"- `indicators.csv`: {sample.indicators.height} level-3 indicator rows (long);",
        "  both UTF-8 with BOM and CRLF line ends, as Excel exports them;",
        "- `sample-district.xlsx`: the same tables in sheets `项目` and `指标`; row 1 is a",
        "  merged title, the header is row 2, as in the printed template;",
        "- `../gbk-sample/*.csv`: 5 projects of 区人社局 exported by an old system: GBK,",
        "  no BOM, CRLF.",
        "",
        "Points: 预算执行率 10 (computed from `projects.csv`, no indicator row), 产出 50,",
        "效益 30, 满意度 10; the level-3 points of each level 1 sum exactly to it, so each",
        "project's indicator points sum to 90. Every project has 6–14 indicators.",
        "",
        "## Departments",
        "",
        "| 主管部门 | projects | indicator rows |",
        "| --- | ---: | ---: |",
    ]
    for dept, projects, rows in joined.iter_rows():
        lines.append(f"| {dept} | {projects} | {rows} |")
    lines += [
        "",
        "## Deliberate quirks",
        "",
        "Each is counted by the generator while it puts it in (rows unless noted).",
        "",
        "| quirk | count |",
        "| --- | ---: |",
    ]
    lines += [f"| {QUIRKS[key]} (`{key}`) | {count} |" for key, count in sample.quirks.items()]
    lines += ["", *_README_NOTES]
    return "\n".join(lines) + "\n"


_README_NOTES = (
    "## What a reader and scorer should expect",
    "",
    "- Departments write the comparator in one of four ways (their template's habit):",
    "  `≥95%` in 年度指标值 with 指标性质 blank; 指标性质 `≥`/`≤`/`=`/`定性` with the bare",
    "  number in 年度指标值; words `95%以上`, `不低于95%`, `不超过30天` (equality stays `=8个`);",
    "  full width `＞＝95%`, `＜＝30天`, `＝8个`. A few rows use ranges (`[90%,100%]`,",
    "  `90%-100%`) or a fractional target (`≥ 0.95`, whose actuals are fractions too).",
    "- 度量单位 is filled by some departments (then the value may or may not repeat the",
    "  unit) and blank for others. 区科委 writes `百分比` for `%` in about half its rows.",
    "- Units used: 人次, 人, 个, 台, 所, 次, 场, 份, 家, 件, 张, 座, 处, 册, 户, 亩, 株, 吨,",
    "  公里, 平方米, 万平方米, 小时, 年, 天, 元, 万元, %. Non-percent actuals carry the unit",
    "  in about 30 % of rows.",
    "- Qualitative actuals are tier labels in three wordings: `达成年度指标` /",
    "  `部分达成年度指标并具有一定效果` / `未达成年度指标且效果较差`, `达成预期指标` /",
    "  `部分达成` / `未达成`, and `达成` / `部分达成` / `未达成`.",
    "- 得分 is the department's own self-score: full points when met; points × actual /",
    "  target when a ≥ or = indicator is missed; points × (1 − (a − t) / t) above a ≤ target",
    "  and 0 at twice the target; for qualitative rows a value inside the tier's band",
    "  (80–100 %, 60–80 %, 0–60 %). Blank or text actuals were self-scored full points.",
    "  区体育局 gives every indicator full points; a few other rows are outside their band.",
    "- `projects.csv` carries the claims `jixiao reevaluate` checks: 自评预算执行得分 (the",
    "  execution rate × 10, capped, 2 decimals), 自评总分 (that plus the project's 得分) and",
    "  自评等级 (national bands: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60); some departments write",
    "  优秀/良好/合格/不合格, 区建设管理委 leaves it blank. 区体育局 claims full points",
    "  everywhere (10, 100, 优): it ranks first by inflation.",
    "- The 项目总成本 indicator's target is the project's 年初预算数 rounded up and its",
    "  actual is the 全年执行数, so a budget raised in the year can overrun it.",
    "- Project numbers are `JD2025-0001` …; the GBK sample uses `JD2025-9001` … so the two",
    "  sets can be loaded together.",
)


# ---------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--projects",
        type=_positive,
        default=DEFAULT_PROJECTS,
        help="number of projects (~10 rows each)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same files")
    parser.add_argument("--out", type=Path, help=f"output folder (default {SAMPLE_DIR})")
    parser.add_argument(
        "--format", nargs="+", action="extend", choices=FORMATS, help="default: csv xlsx"
    )
    parser.add_argument(
        "--gbk-out",
        type=Path,
        help=f"also write the GBK sample here (default {GBK_DIR} without --out)",
    )
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out: Path = args.out or SAMPLE_DIR
    sample = generate_sample(args.projects, args.seed)
    written = write_sample(sample, out, args.format or ["csv", "xlsx"])
    readme = out / "README.md"
    _atomic_bytes(readme, readme_text(sample, args.projects, args.seed).encode("utf-8"))
    gbk_out = args.gbk_out or (GBK_DIR if args.out is None else None)
    if gbk_out is not None:
        written += write_gbk_sample(gbk_out)
    print(f"{sample.projects.height} projects, {sample.indicators.height} indicator rows")
    for path in [*written, readme]:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
