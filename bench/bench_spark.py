"""`score --engine spark` (local Spark) against the in-memory engine, whole process.

    python bench/bench_spark.py [--projects 100000] [--repeat 3] [--master 'local[2]']

Generates (once, cached under bench/out/) the district of bench_score.py, then times,
alternated, best of --repeat, each as a separate `jixiao score` process (parquet in,
parquet out; the Spark run pays the JVM's start-up every time, as a user does):

- in-memory: `jixiao score -f parquet`;
- spark: `jixiao score --engine spark --spark-master MASTER -f parquet`,

checks that the two output folders hold the same table files (byte for byte), and prints
a table with the ratio. Needs pyspark and Java 17 (docs/spark.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_score import OUT, dataset  # noqa: E402

JIXIAO = str(Path(sys.executable).with_name("jixiao"))


def run(args: list[str], out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    started = time.perf_counter()
    subprocess.run(
        [JIXIAO, "score", "-q", "-f", "parquet", "-o", str(out), *args],
        check=True,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def same_tables(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir() if p.name != "manifest.json")
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    opts = parser.parse_args()
    projects, indicators = dataset(opts.projects)
    files = [str(projects), str(indicators)]
    engines = {
        "in-memory": files,
        f"spark {opts.master}": [*files, "--engine", "spark", "--spark-master", opts.master],
    }
    best = {name: float("inf") for name in engines}
    for _ in range(opts.repeat):
        for name, args in engines.items():
            best[name] = min(best[name], run(args, OUT / f"spark-bench-{name.split()[0]}"))
    same = same_tables(OUT / "spark-bench-in-memory", OUT / "spark-bench-spark")
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{opts.projects:,} projects, best of {opts.repeat}, whole process, parquet in/out")
    print("| engine | seconds | vs in-memory |")
    print("| --- | ---: | ---: |")
    base = best["in-memory"]
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.2f} | {seconds / base:.2f}x |")
    print(f"tables byte-identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
