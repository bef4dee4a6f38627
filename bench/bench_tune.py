"""`jixiao tune` benchmark: how long a change takes on the server and on the page.

    python bench/bench_tune.py [--projects 100000] [--changes 7] [--no-browser]

On the cached generated district of bench_score.py (bench/out/district-N, parquet: 100k
projects, ~1M indicator rows), opens a tuning session (read, prepare, score the base),
starts the server (uvicorn in a thread on a free port, as `jixiao tune` runs it) and times,
as medians over --changes distinct values (each a new variant: no cache hit):

- a weight change (`weights.output=V`, `weights.benefit` absorbing): the request over
  loopback to the answer (JSON with every view), and the server's own time in it;
- a grade-band change (`grades.优.min=V`): the row-level sums are reused, only the
  roll-up runs;
- the baseline, measured in the same run: the variant scored lean over the same prepared
  rows (`score_prepared(lean=True)`, what whatif runs per ruleset), without the session;
- with Chromium (Debian's, via Playwright): the output-weight slider moved on the page,
  from the input event to the views redrawn (the page's own clock).

Targets (issue 13): a weight change < 100 ms server-side (median), the page updated in
< 300 ms. Prints a table to paste into bench/README.md; exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "report"))

from bench_score import dataset  # noqa: E402

from jixiao.scoring.jobs.selfeval import score_prepared  # noqa: E402
from jixiao.scoring.tune.app import create_app, new_token  # noqa: E402
from jixiao.scoring.tune.serve import start_in_thread  # noqa: E402
from jixiao.scoring.tune.session import Session  # noqa: E402

BASE = "project-self-eval"
RENDER: list[float] = []
"""The page's own time from the answer parsed to the views redrawn, per change."""


def weight_sets(value: float) -> list[str]:
    return [f"weights.output={value:g}", f"weights.benefit={80 - value:g}"]


def timed(
    post: Callable[[list[str]], dict[str, Any]], values: list[list[str]]
) -> tuple[list[float], list[float]]:
    trips, server = [], []
    for sets in values:
        started = time.perf_counter()
        answer = post(sets)
        trips.append((time.perf_counter() - started) * 1000)
        server.append(float(answer["server_ms"]))
    return trips, server


def browser_updates(url: str, values: list[float]) -> list[float]:
    import browser

    out = []
    with browser.browser() as b:
        page = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(url, wait_until="load")
        page.wait_for_function("document.body.dataset.state === 'ready'", timeout=600_000)
        slider = page.locator('input[type=range][data-key="weights.output"]')
        for value in values:
            before = page.evaluate("document.body.dataset.seq")
            slider.fill(f"{value:g}")
            page.wait_for_function(
                "([s]) => document.body.dataset.seq !== s && document.body.dataset.state === 'ready'",
                arg=[before],
                timeout=600_000,
            )
            out.append(float(page.evaluate("document.body.dataset.ms")))
            RENDER.append(float(page.evaluate("document.body.dataset.renderMs")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=7)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    files = list(dataset(args.projects))
    rows = pl.scan_parquet(files[1]).select(pl.len()).collect().item()
    with tempfile.TemporaryDirectory(prefix="bench-tune-") as tmp:
        started = time.perf_counter()
        session = Session.open(BASE, files, out_dir=Path(tmp))
        opened = time.perf_counter() - started
        token = new_token()
        server = start_in_thread(create_app(session, token), token=token)
        origin = server.url.split("/?")[0]

        def post(sets: list[str]) -> dict[str, Any]:
            request = urllib.request.Request(
                f"{origin}/api/score",
                data=json.dumps({"set": sets}).encode("utf-8"),
                headers={"X-Jixiao-Token": token, "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=600) as response:
                return dict(json.loads(response.read()))

        post([])  # the base's answer, as the page's first load
        n = args.changes
        weights = [weight_sets(41 + i) for i in range(n)]
        bands = [[f"grades.优.min={88 - 0.5 * i:g}"] for i in range(n)]
        weight_trip, weight_server = timed(post, weights)
        band_trip, band_server = timed(post, bands)
        baseline = []
        for sets in weights[:3]:
            plan = session.variant(sets).plan
            assert plan is not None
            t = time.perf_counter()
            score_prepared(plan, session.prepared, lean=True)
            baseline.append((time.perf_counter() - t) * 1000)
        page: list[float] = []
        if not args.no_browser:
            page = browser_updates(server.url, [30 + i for i in range(n)])
        server.stop()
    base_ms = statistics.median(baseline)
    print(
        f"data: {args.projects:,} projects, {rows:,} indicator rows; session opened in "
        f"{opened:.1f} s (read, prepare, base scored); medians of {n} distinct changes; "
        f"python {platform.python_version()}, polars {pl.__version__}, cpus {os.cpu_count()}"
    )
    print()
    print("| change | median ms | vs baseline | target |")
    print("| --- | ---: | ---: | ---: |")
    lines = [
        ("baseline: variant scored lean over the prepared rows", base_ms, ""),
        ("weight change, server (inside the request)", statistics.median(weight_server), "< 100"),
        ("weight change, request over loopback", statistics.median(weight_trip), ""),
        ("grade-band change, server (row sums reused)", statistics.median(band_server), ""),
        ("grade-band change, request over loopback", statistics.median(band_trip), ""),
    ]
    if page:
        lines.append(("weight change, page updated in Chromium", statistics.median(page), "< 300"))
        lines.append(
            ("  of which the page's drawing (answer to views)", statistics.median(RENDER), "")
        )
    missed = []
    for name, ms, target in lines:
        print(f"| {name} | {ms:.0f} | {ms / base_ms:.2f}x | {target} |")
        if target and ms >= float(target.removeprefix("< ")):
            missed.append(name)
    print()
    print(f"targets missed: {'; '.join(missed)}" if missed else "targets met")
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
