"""The HTML report at scale: 100k projects scored, then the report of the results folder.

    python bench/bench_report.py [--projects 100000]

Uses bench_score's cached district (bench/out/district-N, examples/generate.py, fixed
seed), scores it to parquet, then times `jixiao report` on the folder (reading, the
aggregates, the specs, the page, the PNGs) and opens the page in headless Chromium
(Debian's /usr/bin/chromium through Playwright, offline, every request routed).
Checks the issue's targets: the page under 3 MB, its load event under 2 s, no request
but the page itself, no console error. Prints a table for bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "report"))

from bench_score import OUT, dataset  # noqa: E402
from browser import CHART_CHECK, browser, load  # noqa: E402

from jixiao.scoring import api  # noqa: E402

MAX_BYTES = 3 * 1024 * 1024
MAX_LOAD_MS = 2000.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--loads", type=int, default=3, help="page loads; the best is kept")
    args = parser.parse_args()
    projects, indicators = dataset(args.projects)
    out = OUT / f"report-{args.projects}"
    plan = api.load_ruleset("project-self-eval")
    results = api.score(plan, [projects, indicators])
    api.write(results, out, ["parquet"], plan=plan)
    n = results.project_scores.height

    started = time.perf_counter()
    page, *pngs = api.report(out)
    report_s = time.perf_counter() - started
    started = time.perf_counter()
    api.report(out, out / "page-only.html", pngs=False)
    page_only_s = time.perf_counter() - started
    size = page.stat().st_size

    loads = []
    with browser() as b:
        for _ in range(args.loads):
            loaded = load(b, page)
            charts = loaded.page.evaluate(CHART_CHECK)
            assert loaded.console_errors == [], loaded.console_errors
            assert loaded.requests == [loaded.url], loaded.requests
            assert all(c["marks"] > 0 for c in charts), charts
            loads.append(loaded.load_ms)
            loaded.page.context.close()
    best = min(loads)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, polars {pl.__version__}"
    )
    print(f"data: {n:,} projects scored; report of {out.name}/")
    print()
    print("| measure | value | target |")
    print("| --- | ---: | ---: |")
    print(f"| report.html size | {size / 1024 / 1024:.2f} MB | < 3 MB |")
    print(f"| load event in headless Chromium (best of {args.loads}) | {best:.0f} ms | < 2000 ms |")
    print(f"| `jixiao report` with {len(pngs)} PNGs | {report_s:.2f} s | — |")
    print(f"| `jixiao report --no-png` | {page_only_s:.2f} s | — |")
    ok = size < MAX_BYTES and best < MAX_LOAD_MS
    print()
    print("targets met" if ok else "TARGETS MISSED")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
