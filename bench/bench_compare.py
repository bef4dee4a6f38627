"""`compare` against `score` on the same generated district (docs/compare.md).

    python bench/bench_compare.py [--projects 100000] [--repeat 3]

Uses bench_score's cached district (bench/out/district-N, examples/generate.py, seed
2025) and times, best of --repeat, in memory (no writing):

- score: read both files, then `api.score` with the base ruleset;
- compare: read both files once, prepare the rows once, score them under the base and
  under the example variant (examples/rulesets/benefit-heavy.yaml: proportional weights);
- the parts of compare: prepare once, then `score_prepared` per side, lean (what
  compare runs: totals and grades, no indicator rows kept, no flags) and, for the base,
  full (every table `score` gives).

A compare scores every row twice, so its floor is about read + prepare + 2 × lean
scoring; what reading and parsing once saves is the second read and prepare.
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
sys.path.insert(0, str(ROOT / "bench"))

from bench_score import dataset  # noqa: E402

from jixiao.scoring import api  # noqa: E402
from jixiao.scoring.jobs import compare, selfeval  # noqa: E402

VARIANT = ROOT / "examples" / "rulesets" / "benefit-heavy.yaml"


def best_of(repeat: int, job: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        job()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    projects, indicators = dataset(args.projects)
    base, candidate = api.load_ruleset(), api.load_ruleset(str(VARIANT))
    paths = [projects, indicators]
    inputs = api.read(base, paths)
    prepared = selfeval.prepare(base, inputs)
    rows = prepared.indicators.height
    timings = {
        "score (read + score)": best_of(
            args.repeat, lambda: api.score(base, api.read(base, paths))
        ),
        "compare (read once, prepare once, score twice)": best_of(
            args.repeat, lambda: compare.run(base, candidate, api.read(base, paths))
        ),
        "  read": best_of(args.repeat, lambda: api.read(base, paths)),
        "  prepare once": best_of(args.repeat, lambda: selfeval.prepare(base, inputs)),
        "  score_prepared, base, full": best_of(
            args.repeat, lambda: selfeval.score_prepared(base, prepared)
        ),
        "  score_prepared, base, lean": best_of(
            args.repeat, lambda: selfeval.score_prepared(base, prepared, lean=True)
        ),
        "  score_prepared, variant, lean": best_of(
            args.repeat, lambda: selfeval.score_prepared(candidate, prepared, lean=True)
        ),
    }
    cpus = os.cpu_count()
    print(
        f"projects={args.projects:,}  indicator rows={rows:,}  python={platform.python_version()}"
        f"  polars={pl.__version__}  cpus={cpus}  best of {args.repeat}"
    )
    print("| step | seconds | vs score |")
    print("| --- | ---: | ---: |")
    reference = timings["score (read + score)"]
    for name, seconds in timings.items():
        print(f"| {name} | {seconds:.2f} | {seconds / reference:.2f}x |")


if __name__ == "__main__":
    main()
