"""Peak memory and time of `jixiao score` as a whole process, beside hand-written Polars.

    python bench/bench_rss.py [--projects 100000 1000000] [--engines in-memory streaming]

For each size (data from bench_score.dataset: N projects, ~10 indicator rows each,
parquet in, cached under bench/out/), runs as separate child processes, one at a time:

- `jixiao score -q -f parquet` on the two parquet files, once per engine;
- the hand-written Polars pipeline of bench_score.py (in memory), same data, same run.

Peak RSS is the child's own high-water mark (`os.wait4` → ru_maxrss), so the Python
interpreter, imports and writing the outputs are all counted, as a user would see them.
Prints a Markdown table; paste it into bench/README.md with the command line.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_score import OUT, dataset  # noqa: E402

JIXIAO = Path(sys.executable).with_name("jixiao")


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one child process; fails loudly if it fails."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({status}): {' '.join(command)}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


Run = tuple[list[str], dict[str, str] | None]


def commands(n: int, engines: list[str], baseline: str | None) -> dict[str, Run]:
    projects, indicators = dataset(n)
    out = OUT / f"rss-{n}"
    score = ["score", "-q", "-f", "parquet", str(projects), str(indicators)]
    runs: dict[str, Run] = {
        f"jixiao score, {engine}": (
            [str(JIXIAO), *score, "--engine", engine, "-o", str(out / engine)],
            None,
        )
        for engine in engines
    }
    if baseline:  # another build of jixiao (pip install --target DIR), e.g. before a change
        cli = [sys.executable, "-c", "from jixiao.cli.main import main; main()"]
        env = {**os.environ, "PYTHONPATH": baseline}
        for engine in engines:
            command = [*cli, *score, "--engine", engine, "-o", str(out / f"base-{engine}")]
            runs[f"baseline jixiao score, {engine}"] = (command, env)
    hand = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from bench_score import run_hand_written as h;"
        "h(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))"
    )
    runs["hand-written Polars, in-memory"] = ([
        sys.executable, "-c", hand, str(HERE), str(projects), str(indicators), str(out / "hand"),
    ], None)  # fmt: skip
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, nargs="+", default=[100_000])
    parser.add_argument("--engines", nargs="+", default=["in-memory", "streaming"])
    parser.add_argument(
        "--baseline", help="site dir of another jixiao build to measure too (PYTHONPATH)"
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, polars {pl.__version__}"
    )
    print()
    print("| projects | indicator rows | pipeline | seconds | peak RSS (MiB) | RSS vs hand |")
    print("| ---: | ---: | --- | ---: | ---: | ---: |")
    for n in args.projects:
        rows = pl.scan_parquet(dataset(n)[1]).select(pl.len()).collect().item()
        runs = commands(n, args.engines, args.baseline)
        measured = {name: measure(cmd, env) for name, (cmd, env) in runs.items()}
        hand_rss = measured["hand-written Polars, in-memory"][1]
        for name, (seconds, rss) in measured.items():
            print(
                f"| {n:,} | {rows:,} | {name} | {seconds:.1f} | {rss:,.0f} | "
                f"{rss / hand_rss:.2f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main()
