"""`jixiao monitor` against `jixiao score` on the same indicator rows (issue 9 acceptance:
monitor within 1.5× of score on 1M indicator rows).

    python bench/bench_monitor.py [--projects 100000] [--repeat 5]

Generates (once, cached under bench/out/monitor-N/) the year-end district of N projects
(~10 indicators each, examples/sampling.py) and its monitoring table as of 31 July
(examples/monitoring.py: the same projects and indicator rows), all as parquet. Then
alternates score, monitor, score, monitor … `--repeat` times each, every run end to end
as the CLI does it (load the ruleset, read, run, write parquet plus manifest), and prints
the median of each and their ratio. Alternating keeps a busy machine's slow spells from
landing on one side only.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

from jixiao.examples.monitoring import generate_monitoring  # noqa: E402
from jixiao.examples.sampling import generate_sample  # noqa: E402
from jixiao.scoring import api  # noqa: E402

OUT = ROOT / "bench" / "out"
AS_OF = dt.date(2025, 7, 31)


def dataset(n_projects: int) -> tuple[Path, Path, Path]:
    folder = OUT / f"monitor-{n_projects}"
    paths = (
        folder / "projects.parquet",
        folder / "indicators.parquet",
        folder / "monitoring.parquet",
    )
    if not paths[2].exists():
        folder.mkdir(parents=True, exist_ok=True)
        sample = generate_sample(n_projects, 2025)
        sample.projects.write_parquet(paths[0])
        sample.indicators.write_parquet(paths[1])
        frame, _ = generate_monitoring(n_projects, 2025)
        frame.write_parquet(paths[2])
    return paths


def run_score(projects: Path, indicators: Path, out: Path) -> tuple[float, int]:
    started = time.perf_counter()
    plan = api.load_ruleset("project-self-eval")
    results = api.score(plan, api.read(plan, [projects, indicators]))
    api.write(results, out, ["parquet"])
    return time.perf_counter() - started, results.indicator_scores.height


def run_monitor(monitoring: Path, out: Path) -> tuple[float, int]:
    started = time.perf_counter()
    plan = api.load_ruleset("project-self-eval")
    results = api.monitor(plan, api.read_monitoring(plan, [monitoring]), AS_OF)
    api.write_monitor(results, out, ["parquet"])
    return time.perf_counter() - started, results.monitor_indicators.height


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    projects, indicators, monitoring = dataset(args.projects)
    out = OUT / "monitor-runs"
    shutil.rmtree(out, ignore_errors=True)
    score_times: list[float] = []
    monitor_times: list[float] = []
    rows = {}
    for _ in range(args.repeat):
        seconds, rows["score"] = run_score(projects, indicators, out / "score")
        score_times.append(seconds)
        seconds, rows["monitor"] = run_monitor(monitoring, out / "monitor")
        monitor_times.append(seconds)
    score, monitor = statistics.median(score_times), statistics.median(monitor_times)
    print(
        f"projects={args.projects:,}  indicator rows: score {rows['score']:,}, monitor "
        f"{rows['monitor']:,}  repeat={args.repeat}  python={platform.python_version()}  "
        f"polars={pl.__version__}  cpus={os.cpu_count()}"
    )
    print("score   runs: " + ", ".join(f"{t:.2f}s" for t in score_times))
    print("monitor runs: " + ", ".join(f"{t:.2f}s" for t in monitor_times))
    print(f"median score {score:.2f}s, median monitor {monitor:.2f}s")
    print(f"monitor / score = {monitor / score:.2f}  (target <= 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
