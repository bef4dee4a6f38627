"""End-to-end `score` benchmark: parquet in → parquet out, against hand-written Polars.

    python bench/bench_score.py [--projects 100000] [--repeat 3] [--xlsx]

Generates (once, cached under bench/out/) a district of N projects with ~10 indicators
each using examples/generate.py, then times, best of --repeat:

- jixiao: read both files, prepare (target text parsing included), score, roll up, write
  the four tables as parquet plus report.md and manifest.json;
- hand-written: the same rules written directly in Polars by someone who knows the data:
  regex parsing of targets and actuals, the DOMAIN §2 rules as when/then chains, the
  roll-up and grades, written to parquet. No provenance, rejects or explanations.

and, with --xlsx, one xlsx write of the jixiao results. Prints a table; paste it into
bench/README.md with the command line.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jixiao.examples.generate import generate  # noqa: E402
from jixiao.scoring import api  # noqa: E402

OUT = ROOT / "bench" / "out"


def dataset(n_projects: int) -> tuple[Path, Path]:
    folder = OUT / f"district-{n_projects}"
    projects, indicators = folder / "projects.parquet", folder / "indicators.parquet"
    if not indicators.exists():
        folder.mkdir(parents=True, exist_ok=True)
        p, i = generate(n_projects, seed=2025)
        p.write_parquet(projects)
        i.write_parquet(indicators)
    return projects, indicators


STAGES: dict[str, float] = {}


def run_jixiao(projects: Path, indicators: Path, out: Path) -> int:
    started = time.perf_counter()
    plan = api.load_ruleset("project-self-eval")
    inputs = api.read(plan, [projects, indicators])
    read = time.perf_counter()
    results = api.score(plan, inputs)
    scored = time.perf_counter()
    api.write(results, out, ["parquet"])
    done = time.perf_counter()
    total = done - started
    if total < STAGES.get("total", float("inf")):
        STAGES.update(total=total, read=read - started, score=scored - read, write=done - scored)
    return results.indicator_scores.height


# --- the hand-written baseline ----------------------------------------------------------

CMP = {
    "≥": ">=",
    "＞＝": ">=",
    ">=": ">=",
    "≤": "<=",
    "＜＝": "<=",
    "<=": "<=",
    "=": "=",
    "＝": "=",
}
WORDS = {
    "以上": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "以下": "<=",
    "以内": "<=",
    "不超过": "<=",
    "不高于": "<=",
}
TIERS = {
    "达成年度指标": 1.0,
    "达成预期指标": 1.0,
    "达成": 1.0,
    "部分达成年度指标并具有一定效果": 0.7,
    "部分达成": 0.7,
    "未达成年度指标且效果较差": 0.3,
    "未达成": 0.3,
}
LEVEL1 = {"产出": "output", "效益": "benefit", "满意度": "satisfaction"}


def run_hand_written(projects: Path, indicators: Path, out: Path) -> int:
    ind = pl.scan_parquet(indicators)
    cols = ind.collect_schema().names()
    c = dict(
        zip(
            [
                "pid",
                "l1",
                "l2",
                "name",
                "cmp",
                "target",
                "unit",
                "actual",
                "points",
                "claimed",
                "why",
            ],
            cols,
            strict=False,
        )
    )
    text = (
        pl.col(c["target"])
        .str.replace_all("＞＝", ">=")
        .str.replace_all("＜＝", "<=")
        .str.replace_all("＝", "=")
    )
    number = r"([0-9][0-9,]*\.?[0-9]*)"
    ind = ind.with_columns(
        level1=pl.col(c["l1"])
        .str.replace(r"[\(（].*$", "")
        .str.replace("指标$", "")
        .replace_strict(LEVEL1, default=None),
        points=pl.col(c["points"]).cast(pl.Float64),
        claimed=pl.col(c["claimed"]).cast(pl.Float64, strict=False),
        sym=text.str.extract(r"^\s*\[?\s*(>=|<=|≥|≤|=)", 1),
        word=pl.col(c["target"]).str.extract(r"(以上|不低于|不少于|以下|以内|不超过|不高于)", 1),
        t=text.str.extract(number, 1).str.replace_all(",", "").cast(pl.Float64, strict=False),
        hi=text.str.extract(r"[-~,至]\s*" + number, 1)
        .str.replace_all(",", "")
        .cast(pl.Float64, strict=False),
        a_text=pl.col(c["actual"]).str.strip_chars(),
    )
    a_num = (
        pl.col("a_text")
        .str.extract(r"^" + number, 1)
        .str.replace_all(",", "")
        .cast(pl.Float64, strict=False)
    )
    ind = ind.with_columns(
        cmp=pl.coalesce(
            pl.col("sym").replace_strict(CMP, default=None),
            pl.col("word").replace_strict(WORDS, default=None),
            pl.col(c["cmp"]).replace_strict(CMP, default=None),
            pl.when(pl.col("t").is_null()).then(pl.lit("qual")),
            pl.lit(">="),
        ),
        a=pl.when(a_num < 0).then(0.0).otherwise(a_num),
        tier=pl.col("a_text").replace_strict(TIERS, default=None),
    )
    # fraction against a percent target
    ind = ind.with_columns(
        a=pl.when(
            pl.col(c["target"]).str.contains("%|百分比")
            & (pl.col("a") <= 1)
            & ~pl.col("a_text").str.contains("%")
        )
        .then(pl.col("a") * 100)
        .otherwise(pl.col("a"))
    )
    w, t, a, hi = pl.col("points"), pl.col("t"), pl.col("a"), pl.col("hi")
    higher = pl.when(a >= t).then(w).otherwise(pl.when(t != 0).then(w * a / t))
    lower = pl.when(a <= t).then(w).when(a < 2 * t).then(w * (1 - (a - t) / t)).otherwise(0.0)
    exact = pl.when(t == 0).then(pl.when(a <= 0).then(w).otherwise(0.0)).otherwise(higher)
    ranged = (
        pl.when((a >= t) & (a <= hi))
        .then(w)
        .when(a < t)
        .then(w * a / t)
        .when(a < 2 * hi)
        .then(w * (1 - (a - hi) / hi))
        .otherwise(0.0)
    )
    qual = (
        pl.when(pl.col("claimed").is_not_null())
        .then(pl.col("claimed"))
        .otherwise(pl.col("tier") * w)
    )
    score = (
        pl.when(pl.col("cmp") == "qual")
        .then(qual)
        .when(pl.col("hi").is_not_null() & pl.col(c["target"]).str.contains(r"\[|-|~"))
        .then(ranged)
        .when(pl.col("cmp") == "<=")
        .then(lower)
        .when(pl.col("cmp") == "=")
        .then(exact)
        .otherwise(higher)
    )
    ind = ind.with_columns(score=score.round(2, mode="half_away_from_zero"))
    ind = ind.with_columns(evaluable=pl.col("score").is_not_null())
    per_project = ind.group_by(c["pid"]).agg(
        *[
            pl.col("score").filter(pl.col("level1") == k).sum().alias(f"{k}_score")
            for k in LEVEL1.values()
        ],
        (~pl.col("evaluable")).sum().alias("n_not_evaluable"),
    )
    prj = pl.scan_parquet(projects)
    pcols = prj.collect_schema().names()
    budget, spent = (
        pl.col(pcols[6]).cast(pl.Float64, strict=False),
        pl.col(pcols[7]).cast(pl.Float64, strict=False),
    )
    prj = prj.with_columns(
        budget_score=pl.when(budget != 0)
        .then(pl.min_horizontal(spent / budget, 1.0) * 10)
        .round(2, mode="half_away_from_zero")
    ).join(per_project, left_on=pcols[0], right_on=c["pid"], how="left")
    total = (
        pl.col("budget_score").fill_null(0)
        + pl.sum_horizontal([f"{k}_score" for k in LEVEL1.values()])
    ).round(2, mode="half_away_from_zero")
    grade = (
        pl.when(total >= 90)
        .then(pl.lit("优"))
        .when(total >= 80)
        .then(pl.lit("良"))
        .when(total >= 60)
        .then(pl.lit("中"))
        .otherwise(pl.lit("差"))
    )
    prj = prj.with_columns(total=total, grade=grade)
    out.mkdir(parents=True, exist_ok=True)
    scored, project_table = pl.collect_all([ind, prj])
    scored.write_parquet(out / "indicator_scores.parquet")
    project_table.write_parquet(out / "project_scores.parquet")
    project_table.group_by(pcols[2]).agg(pl.len(), pl.col("total").mean()).write_parquet(
        out / "department_summary.parquet"
    )
    return scored.height


def best_of(repeat: int, job: Callable[[], int]) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = job()
        times.append(time.perf_counter() - started)
    return min(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--xlsx", action="store_true", help="also time one xlsx write of the results"
    )
    args = parser.parse_args()
    projects, indicators = dataset(args.projects)
    jix, rows = best_of(args.repeat, lambda: run_jixiao(projects, indicators, OUT / "jixiao"))
    hand, _ = best_of(args.repeat, lambda: run_hand_written(projects, indicators, OUT / "hand"))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, polars {pl.__version__}"
    )
    print(f"data: {args.projects:,} projects, {rows:,} indicator rows (best of {args.repeat})")
    print()
    print("| pipeline | seconds | vs hand-written |")
    print("| --- | ---: | ---: |")
    print(f"| jixiao score, parquet → parquet | {jix:.2f} | {jix / hand:.2f}x |")
    print(f"| hand-written Polars | {hand:.2f} | 1.00x |")
    print()
    print("jixiao stages (best run):", ", ".join(f"{k} {v:.2f}s" for k, v in STAGES.items()))
    if args.xlsx:
        plan = api.load_ruleset("project-self-eval")
        results = api.score(plan, [projects, indicators])
        started = time.perf_counter()
        api.write(results, OUT / "xlsx", ["xlsx"])
        print(f"| xlsx write of the results (one run) | {time.perf_counter() - started:.2f} | — |")


if __name__ == "__main__":
    main()
