"""`whatif` and sweep benchmark against a plain `score` of the same inputs.

    python bench/bench_whatif.py [--projects 100000] [--repeat 3] [--profile]

On the cached generated district of bench_score.py (bench/out/district-N, parquet), times,
best of --repeat, each from the ruleset id and the files to the results written as parquet:

- score: `jixiao score` (load, read, prepare, score, roll up, write);
- whatif: the README's variant as overrides (`--set weights.output=40 --set
  weights.benefit=40`), the base and the variant scored over
  rows read and parsed once, the comparison tables written;
- sweep: `--sweep weights.output=10..55:5 --absorb weights.benefit` (10 values) on top
  of the same whatif.

Targets (issue 11): whatif ≤ 1.5× score, a 10-value sweep ≤ 3× score. Prints a table to
paste into bench/README.md (exit 1 when a target is missed); --profile prints where
the sweep's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_score import dataset  # noqa: E402

from jixiao.scoring import api  # noqa: E402

BASE = "project-self-eval"
SETS = ["weights.output=40", "weights.benefit=40"]
SWEEP = "weights.output=10..55:5"
ABSORB = "weights.benefit"


def run_score(files: list[Path], out: Path) -> None:
    plan = api.load_ruleset(BASE)
    results = api.score(plan, api.read(plan, files))
    api.write(results, out, ["parquet"])


def run_whatif(files: list[Path], out: Path, sweep: bool) -> None:
    chosen = api.variant(BASE, SETS)
    spec = api.sweep_variants(chosen, SWEEP, ABSORB)[0] if sweep else None
    results = api.whatif(chosen, files, sweep=spec)
    api.write_whatif(results, out, ["parquet"])


def best(fn: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    files = list(dataset(args.projects))
    rows = pl.scan_parquet(files[1]).select(pl.len()).collect().item()
    with tempfile.TemporaryDirectory(prefix="bench-whatif-") as tmp:
        out = Path(tmp)
        timings = {
            "score": best(lambda: run_score(files, out / "score"), args.repeat),
            "whatif (2 overrides)": best(
                lambda: run_whatif(files, out / "whatif", sweep=False), args.repeat
            ),
            "whatif + 10-value sweep": best(
                lambda: run_whatif(files, out / "sweep", sweep=True), args.repeat
            ),
        }
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(run_whatif, files, out / "profile", True)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    print(
        f"data: {args.projects:,} projects, {rows:,} indicator rows (best of {args.repeat}); "
        f"python {platform.python_version()}, polars {pl.__version__}, cpus {os.cpu_count()}"
    )
    print()
    print("| run | seconds | vs score | target |")
    print("| --- | ---: | ---: | ---: |")
    targets = {"whatif (2 overrides)": 1.5, "whatif + 10-value sweep": 3.0}
    missed = []
    for name, seconds in timings.items():
        ratio = seconds / timings["score"]
        target = f"≤ {targets[name]:g}x" if name in targets else ""
        print(f"| {name} | {seconds:.2f} | {ratio:.2f}x | {target} |")
        if name in targets and ratio > targets[name]:
            missed.append(name)
    print()
    print(f"targets missed: {', '.join(missed)}" if missed else "targets met")
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
