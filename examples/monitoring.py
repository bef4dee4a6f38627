"""Generate the sample district's mid-year monitoring table (绩效运行监控表, 双监控).

Derived from the year-end sample (`sampling.generate_sample`, same seed): the same
projects and indicators as of 31 July of the budget year, the way departments fill in
the monitoring form (DOMAIN §4; 财预〔2019〕136号): 1-7月执行数 per project, and per
indicator the 年度指标值, the value reached so far (执行值), the full-year forecast
(全年预计完成值, the year-end actual of the sample: what really happened), 偏差原因 and
完成可能性. Spending paces are realistic: most projects near the time line, a group of
slow spenders (construction and procurement-heavy departments most of all), a few with
nothing spent yet. Most targets missed at year end go wrong in the second half, so in
July they are still on track (the value so far meets the target, the forecast promises
it); the rest show in July, a few already judged 完全不可能. With the national ruleset
about a fifth of the projects are red overall, the rest mostly green or yellow. A few cells use words outside the vocabulary (`天气`, `大概`) as real
forms do, so the monitor's grey-with-reason path is exercised.

Deterministic: the same seed gives byte-identical files. Run
`python examples/monitoring.py --help`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import polars as pl

try:
    from jixiao.examples.sampling import YEAR, generate_sample
except ModuleNotFoundError:  # run as a script: examples/ itself is on sys.path
    from sampling import YEAR, generate_sample  # type: ignore[no-redef,import-not-found]

HERE = Path(__file__).resolve().parent
MONITORING_DIR = HERE / "monitoring-2025-07"
AS_OF = dt.date(YEAR, 7, 31)
DEFAULT_SEED = 2025
DEFAULT_PROJECTS = 300
SLOW_DEPARTMENTS = ("区建设管理委", "区农业农村委", "区生态环境局", "区绿化市容局")
"""Departments whose projects are mostly works and procurement: money goes out late."""

# pace = share of the year's spending done by the as-of date, against time (7/12)
P_STALLED = 0.01  # nothing spent yet
P_SLOW = 0.04  # well behind: red budget light (< 60 % of time)
P_SLOW_IN_SLOW_DEPARTMENT = 0.24
P_LAGGING = 0.15  # behind: yellow (60–80 %)
P_OUT_OF_VOCABULARY = 0.01  # a likelihood or cause outside the vocabulary
P_ON_TRACK_IN_JULY = 0.9  # a target missed at year end that still looked on track in July
P_OPTIMISTIC = 0.6  # a target missed at year end that the July forecast still promised
P_IMPOSSIBLE = 0.3  # a missed target the department already gives up on in July
CAUSES = ("经费", "制度", "人员", "硬件", "其他")
HEADER = [
    "项目编号",
    "项目名称",
    "主管部门",
    "年度",
    "年初预算数（万元）",
    "全年预算数（万元）",
    "1-7月执行数（万元）",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "年度指标值",
    "度量单位",
    "1-7月完成值",
    "全年预计完成值",
    "偏差原因",
    "完成可能性",
]
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)(.*)$")


def _pace(rng: random.Random, department: str, stats: Counter[str]) -> float:
    """Execution against time progress: 1.0 = exactly on the time line."""
    slow = P_SLOW_IN_SLOW_DEPARTMENT if department in SLOW_DEPARTMENTS else P_SLOW
    draw = rng.random()
    if draw < P_STALLED:
        stats["stalled"] += 1
        return 0.0
    if draw < P_STALLED + slow:
        stats["slow"] += 1
        return rng.uniform(0.15, 0.58)
    if draw < P_STALLED + slow + P_LAGGING:
        stats["lagging"] += 1
        return rng.uniform(0.61, 0.79)
    stats["on_pace"] += 1
    return rng.uniform(0.82, 1.25)


def _to_date(actual: str, cumulative: bool, progress: float) -> str:
    """The value reached so far: a share of a count or amount; a level (rate, days,
    tier) as it stands."""
    match = _NUMBER.match(actual.strip())
    if not cumulative or match is None:
        return actual
    value = float(match.group(1)) * progress
    text = f"{value:.0f}" if "." not in match.group(1) else f"{value:.2f}"
    return text + match.group(2)


def _cumulative(target: str, comparator: str, unit: str) -> bool:
    written = f"{comparator}{target}"
    percent = "%" in written or "％" in written or "百分比" in written or unit in ("%", "百分比")
    floor = any(w in written for w in ("≥", ">", "以上", "不低于", "不少于", "＞", "达到"))
    return floor and not percent


def _target_value(target: str) -> str | None:
    """The number of a target as a forecast writes it (`≥95%` → `95%`); None for text."""
    match = re.search(r"\d+(?:\.\d+)?\s*(%|％|百分比)?", target)
    return match.group(0) if match else None


def _likelihood(rng: random.Random, missed: bool, stats: Counter[str]) -> tuple[str, str]:
    """(偏差原因, 完成可能性) as a department writes them."""
    if rng.random() < P_OUT_OF_VOCABULARY:
        stats["out_of_vocabulary"] += 1
        return rng.choice([("天气", "有可能"), ("", "大概能"), ("资金未到位", "有可能")])
    if not missed:
        return "", rng.choice(["确定能", "确定能", "确定能", ""])
    if rng.random() < P_IMPOSSIBLE:
        stats["impossible"] += 1
        return rng.choice(CAUSES), "完全不可能"
    return rng.choice(CAUSES), "有可能"


def generate_monitoring(
    n_projects: int = DEFAULT_PROJECTS, seed: int = DEFAULT_SEED
) -> tuple[pl.DataFrame, Counter[str]]:
    """The monitoring table as of 31 July (one row per indicator) and what went in."""
    sample = generate_sample(n_projects, seed)
    rng = random.Random(seed * 7 + 31)
    stats: Counter[str] = Counter()
    time_share = AS_OF.month / 12
    projects = {}
    for p in sample.projects.iter_rows(named=True):
        pace = _pace(rng, p["主管部门"], stats)
        budget = p["全年预算数（万元）"]
        spent = round(min(budget, budget * time_share * pace), 2) if budget else 0.0
        projects[p["项目编号"]] = (p, pace, spent)
    rows = []
    for ind in sample.indicators.iter_rows(named=True):
        p, pace, spent = projects[ind["项目编号"]]
        target, comparator, unit = (ind[k] or "" for k in ("年度指标值", "指标性质", "度量单位"))
        actual = ind["实际完成值"] or ""
        cumulative = _cumulative(target, comparator, unit)
        progress = min(1.0, time_share * min(1.3, max(0.2, pace * rng.uniform(0.95, 1.25))))
        missed = (ind["得分"] or 0) < (ind["分值"] or 0) - 0.005
        if missed and rng.random() < P_ON_TRACK_IN_JULY:
            # most year-end misses go wrong in the second half: in July the value so far
            # is on track and the department still expects the target, though less sure
            stats["on_track_in_july"] += 1
            number = _target_value(target)
            actual = number if number is not None else "部分达成"
            cause, likelihood = "", rng.choice(["确定能", "有可能"])
            forecast = number if number is not None else "达成"
            missed = False
        else:
            cause, likelihood = _likelihood(rng, missed, stats)
            forecast = actual
        if missed and likelihood == "有可能" and rng.random() < P_OPTIMISTIC:
            # in July the department still expected the target: it forecast it
            stats["optimistic_forecast"] += 1
            forecast = _target_value(target) or actual
        rows.append(
            [
                p["项目编号"],
                p["项目名称"],
                p["主管部门"],
                str(p["年度"]),
                p["年初预算数（万元）"],
                p["全年预算数（万元）"],
                spent,
                ind["一级指标"],
                ind["二级指标"],
                ind["三级指标"],
                comparator,
                target,
                unit,
                _to_date(actual, cumulative, progress),
                forecast,
                cause,
                likelihood,
            ]
        )
    schema = {h: (pl.Float64 if "万元" in h else pl.String) for h in HEADER}
    return pl.DataFrame(rows, schema=schema, orient="row"), stats


def write_monitoring(frame: pl.DataFrame, out_dir: Path) -> list[Path]:
    """monitoring.csv (UTF-8 with BOM, CRLF) and monitoring.xlsx (sheet 绩效监控表)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = out_dir / "monitoring.csv", out_dir / "monitoring.xlsx"
    text = frame.write_csv(include_bom=True, line_terminator="\r\n", float_precision=2)
    _atomic(csv_path, lambda tmp: tmp.write_bytes(text.encode("utf-8")))
    _atomic(xlsx_path, lambda tmp: _write_xlsx(tmp, frame))
    return [csv_path, xlsx_path]


def _write_xlsx(path: Path, frame: pl.DataFrame) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    book.set_properties(
        {"title": f"{YEAR}年项目支出绩效运行监控表", "created": dt.datetime(YEAR, 8, 10)}
    )
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = book.add_format({"bold": True, "border": 1, "align": "center", "bg_color": "#DDEBF7"})
    amount = book.add_format({"num_format": "0.00"})
    sheet = book.add_worksheet("绩效监控表")
    sheet.set_column(0, frame.width - 1, 16)
    sheet.merge_range(
        0, 0, 0, frame.width - 1, f"{YEAR}年项目支出绩效运行监控表（截至7月31日）", title
    )
    sheet.write_row(1, 0, frame.columns, head)
    for r, row in enumerate(frame.iter_rows(), start=2):
        for c, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(r, c, value, amount)
            elif value not in (None, ""):
                sheet.write_string(r, c, str(value))
    book.close()


def _atomic(path: Path, write: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)  # type: ignore[operator]
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


RULESETS = ("project-self-eval", "sichuan-10-90")
LIGHTS = ("red", "yellow", "green", "grey")


def light_counts(csv_path: Path) -> dict[str, Counter[str]]:
    """Projects per overall light when `jixiao monitor` runs on the file, per ruleset: the
    README states what the sample gives, not what it was meant to give."""
    from jixiao.scoring import api

    counts = {}
    for ruleset in RULESETS:
        results = api.monitor(api.load_ruleset(ruleset), [csv_path], AS_OF)
        counts[ruleset] = Counter(results.monitor_projects.get_column("light").to_list())
    return counts


def readme_text(
    frame: pl.DataFrame,
    stats: Counter[str],
    n_projects: int,
    seed: int,
    lights: dict[str, Counter[str]],
) -> str:
    n = frame.get_column("项目编号").n_unique()
    light_rows = [
        f"| {rs} | " + " | ".join(str(lights[rs][light]) for light in LIGHTS) + " |"
        for rs in RULESETS
    ]
    return "\n".join(
        [
            f"# monitoring-2025-07: the sample district's monitoring table as of {AS_OF}",
            "",
            f"Generated by `python examples/monitoring.py --projects {n_projects} --seed {seed}`",
            "from the year-end sample of the same seed; re-running it reproduces these files",
            "byte for byte. Nothing here is real data.",
            "",
            f"- `monitoring.csv`: {frame.height} rows (one per indicator) of {n} projects;",
            "- `monitoring.xlsx`: the same rows in sheet `绩效监控表`, a merged title in row 1.",
            "",
            "Try: `jixiao monitor --as-of 2025-07-31 examples/monitoring-2025-07/monitoring.csv`.",
            "",
            "| what went in | projects or rows |",
            "| --- | ---: |",
            f"| projects on pace (≥ 82 % of time progress) | {stats['on_pace']} |",
            f"| projects lagging (61–79 %: yellow) | {stats['lagging']} |",
            f"| slow spenders (15–58 %: red), most in {', '.join(SLOW_DEPARTMENTS)} | {stats['slow']} |",
            f"| projects with nothing spent yet | {stats['stalled']} |",
            f"| rows missed at year end that were still on track in July | {stats['on_track_in_july']} |",
            f"| indicator rows judged 完全不可能 | {stats['impossible']} |",
            f"| rows missed at year end whose July forecast still promised the target | {stats['optimistic_forecast']} |",
            f"| rows with a cause or likelihood outside the vocabulary | {stats['out_of_vocabulary']} |",
            "",
            "Counts and amounts (≥, not %) are reported as reached so far; rates, ceilings and",
            "qualitative tiers as they stand. 全年预计完成值 is the sample's year-end actual, or",
            "the target where the department still expected it in July.",
            "",
            f"What `jixiao monitor --as-of {AS_OF}` gives (projects per overall light):",
            "",
            "| ruleset | red | yellow | green | grey |",
            "| --- | ---: | ---: | ---: | ---: |",
            *light_rows,
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--projects", type=int, default=DEFAULT_PROJECTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=MONITORING_DIR)
    args = parser.parse_args(argv)
    frame, stats = generate_monitoring(args.projects, args.seed)
    written = write_monitoring(frame, args.out)
    readme = args.out / "README.md"
    text = readme_text(frame, stats, args.projects, args.seed, light_counts(written[0]))
    _atomic(readme, lambda tmp: tmp.write_bytes(text.encode("utf-8")))
    print(f"{frame.height} monitoring rows")
    for path in [*written, readme]:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
