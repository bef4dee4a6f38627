"""`jixiao reevaluate` against `jixiao score` on the same generated district (issue 10:
what the comparison with the claims, the reasons and the department workbooks cost on
top of scoring).

    python bench/bench_reevaluate.py [--projects 20000] [--repeat 3]

The district (cached under bench/out/, bench_monitor.py's generator: examples/sampling.py,
whose projects carry 自评预算执行得分 / 自评总分 / 自评等级 and whose indicators carry 得分)
is read from parquet. Alternates score, reevaluate, … `--repeat` times, each end to end as
the CLI does it (load the ruleset, read, run, write), and prints the medians and their
ratio. Score writes parquet; reevaluate writes parquet plus reevaluation.xlsx and one
workbook per department (its xlsx is what finance sends back), with `--risk 50`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_monitor import OUT, dataset, run_score  # noqa: E402

from jixiao.scoring import api  # noqa: E402


def run_reevaluate(projects: Path, indicators: Path, out: Path) -> tuple[float, int]:
    started = time.perf_counter()
    plan = api.load_ruleset("project-self-eval")
    results = api.reevaluate(plan, api.read(plan, [projects, indicators]))
    sample = api.spot_check(plan, results, risk=50)
    api.write_reevaluation(results, out, ["xlsx", "parquet"], sample=sample, plan=plan)
    return time.perf_counter() - started, results.indicators.height


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    projects, indicators, _ = dataset(args.projects)
    out = OUT / "reevaluate-runs"
    shutil.rmtree(out, ignore_errors=True)
    times: dict[str, list[float]] = {"score": [], "reevaluate": []}
    rows: dict[str, int] = {}
    for _ in range(args.repeat):
        seconds, rows["score"] = run_score(projects, indicators, out / "score")
        times["score"].append(seconds)
        seconds, rows["reevaluate"] = run_reevaluate(projects, indicators, out / "reevaluate")
        times["reevaluate"].append(seconds)
    score, reevaluate = (statistics.median(times[k]) for k in ("score", "reevaluate"))
    print(
        f"projects={args.projects:,}  indicator rows {rows['score']:,}, reevaluation lines "
        f"{rows['reevaluate']:,}  repeat={args.repeat}  python={platform.python_version()}  "
        f"polars={pl.__version__}  cpus={os.cpu_count()}"
    )
    for name, runs in times.items():
        print(f"{name:<10} runs: " + ", ".join(f"{t:.2f}s" for t in runs))
    print(f"median score {score:.2f}s, median reevaluate {reevaluate:.2f}s")
    print(f"reevaluate / score = {reevaluate / score:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
