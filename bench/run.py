"""The benchmark suite: jixiao against hand-written Polars and per-row rule engines.

    python -m bench                          # 100k and 1M indicator rows, median of 5
    python -m bench --sizes 100k,1m,10m      # the issue-12 sizes (10M: ~1M projects)
    python -m bench --sizes 1m --repeat 7
    python -m bench --quick                  # a smoke run on ~3k rows in seconds (tests)

Data: examples/generate.py's district at a fixed seed, ~10 indicator rows a project
(100k rows = 10,000 projects), parquet, cached under bench/out/ (git-ignored).

Timed at each size, alternated (one run of each pipeline per round, --repeat rounds),
the median reported; whole processes are children whose peak RSS is their own
high-water mark (`os.wait4`):

- `jixiao score -f parquet` (in memory), and `--engine streaming` (its tables are checked
  byte-identical to the in-memory ones);
- hand-written Polars, lean (bench_score.py: the same rules, three narrow tables);
- hand-written Polars, wide (bench/hand.py: jixiao's tables, columns, provenance,
  rejects, manifest; column-by-column equality with jixiao's is reported);
- the scoring core in process: jixiao's `score_prepared` (score + roll-up on parsed
  rows) against the same rules by hand on the same rows;
- per-row engines on a sample, extrapolated: jixiao's reference evaluator (simpleeval
  path, `explain.indicator.recompute`: every rule of a row), pandas `DataFrame.apply`
  and zen-engine (a JDM expression node) on the DOMAIN §2 quantitative rule, each
  checked against jixiao's scores.

Once: ruleset load+check+compile (child process, median), `jixiao --help` start-up
(median), and the xlsx write of the smallest size's results. Prints a Markdown table
and writes bench/RESULTS.md (--results to change; --no-results to skip).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SIZES = {"3k": 300, "10k": 1_000, "100k": 10_000, "1m": 100_000, "10m": 1_000_000}
"""Size name (indicator rows, about) → projects generated (~10 rows a project)."""

RULESET = "project-self-eval"
CORE_MAX_PROJECTS = 100_000
"""The in-process rows (scoring core, per-row engines) run up to 1M indicator rows: they
hold the parsed and the scored tables together in this process."""


def dataset(n_projects: int) -> tuple[Path, Path]:
    from bench.bench_score import dataset as cached

    return cached(n_projects)


def jixiao_cli() -> list[str]:
    script = Path(sys.executable).with_name("jixiao")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jixiao.cli"]


@dataclass
class Measured:
    seconds: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.rss_mib) if self.rss_mib else float("nan")


def child(command: list[str], stdout: Any = subprocess.DEVNULL) -> tuple[float, float, str]:
    """(seconds, peak RSS MiB, stdout) of one child process; exits if it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(command)}\n{err.decode()[-2000:]}")
    return seconds, float("nan"), out.decode()


def process(command: list[str]) -> tuple[float, float, float]:
    """(seconds, peak RSS MiB, CPU seconds) of one child process: its own ru_maxrss and
    user + system time via wait4 (CPU time moves less than wall time with the load)."""
    import tempfile

    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            text = err.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(command)}\n{text}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # KiB on Linux


def digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))
    }


# --- whole processes ------------------------------------------------------------------


def pipelines(projects: Path, indicators: Path, out: Path) -> dict[str, list[str]]:
    py = sys.executable
    score = [*jixiao_cli(), "score", "-q", "-f", "parquet", str(projects), str(indicators)]
    return {
        "jixiao score (in-memory)": [*score, "--engine", "in-memory", "-o", str(out / "jixiao")],
        "jixiao score (streaming)": [*score, "--engine", "streaming", "-o", str(out / "streaming")],
        "hand-written Polars, lean": [py, "-m", "bench.hand", "lean", str(projects), str(indicators), str(out / "lean")],
        "hand-written Polars, jixiao's tables": [py, "-m", "bench.hand", "wide", str(projects), str(indicators), str(out / "wide")],
    }  # fmt: skip


def whole(projects: Path, indicators: Path, out: Path, repeat: int) -> dict[str, Measured]:
    runs = pipelines(projects, indicators, out)
    measured = {name: Measured() for name in runs}
    for _ in range(repeat):  # alternated: one of each per round
        for name, command in runs.items():
            seconds, rss, cpu = process(command)
            measured[name].seconds.append(seconds)
            measured[name].rss_mib.append(rss)
            measured[name].cpu.append(cpu)
    return measured


# --- in process: scoring core and per-row engines ----------------------------------------


def core(projects: Path, indicators: Path, repeat: int) -> dict[str, Any]:
    from bench import hand
    from jixiao.scoring import api
    from jixiao.scoring.jobs.selfeval import prepare, score_prepared

    plan = api.load_ruleset(RULESET)
    prepared = prepare(plan, api.read(plan, [projects, indicators]))
    rows, prj = prepared.indicators, prepared.projects
    jix, by_hand = Measured(), Measured()
    for _ in range(repeat):
        started = time.perf_counter()
        score_prepared(plan, prepared, lean=True)
        jix.seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        hand.core(rows, prj)
        by_hand.seconds.append(time.perf_counter() - started)
    full = score_prepared(plan, prepared)
    scored, table = hand.core(rows, prj)
    agree_score = _agreement(scored["score"], full.indicator_scores["score"])
    theirs = full.project_scores.select("project_id", "total", "grade")
    mine = table.select("project_id", "total", "grade").join(theirs, on="project_id", suffix="_j")
    agree_total = _agreement(mine["total"], mine["total_j"])
    agree_grade = _agreement(mine["grade"], mine["grade_j"])
    return {
        "plan": plan,
        "results": full,
        "jixiao": jix,
        "hand": by_hand,
        "rows": rows.height,
        "agree": {"score": agree_score, "total": agree_total, "grade": agree_grade},
    }


def _agreement(a: pl.Series, b: pl.Series) -> float:
    if a.dtype == pl.Float64:
        eq = ((a - b).abs() <= 1e-9) | (a.is_null() & b.is_null())
    else:
        eq = (a == b) | (a.is_null() & b.is_null())
    return float(eq.fill_null(False).mean() or 0.0)


def quantitative_sample(results: Any, n: int) -> pl.DataFrame:
    """Evaluable quantitative rows (every 1/k-th, deterministic) with the rule's inputs."""
    rows = results.indicator_scores.filter(
        (pl.col("kind") == "quantitative") & pl.col("evaluable") & ~pl.col("fraction_candidate")
    )
    step = max(rows.height // max(n, 1), 1)
    return rows.gather_every(step).head(n)


def per_row_reference(plan: Any, results: Any, n: int) -> tuple[float, float]:
    """(rows/s, agreement) of jixiao's reference evaluator on every rule of a row."""
    from jixiao.scoring.explain.indicator import inputs, recompute

    table = results.indicator_scores
    step = max(table.height // max(n, 1), 1)
    sample = table.gather_every(step).head(n).to_dicts()
    started = time.perf_counter()
    got = [recompute(plan, inputs(row), row["explanation"]).score for row in sample]
    seconds = time.perf_counter() - started
    same = sum(g == row["score"] for g, row in zip(got, sample, strict=True))
    return len(sample) / seconds, same / max(len(sample), 1)


def _domain_rule(direction: str, a: float, t: float, hi: float | None, w: float) -> float | None:
    """DOMAIN §2's quantitative rule, as a pandas user writes it per row."""
    a = max(a, 0.0)
    if direction == "higher":
        return w if a >= t else (w * a / t if t else None)
    if direction == "lower":
        return w if a <= t else (w * (1 - (a - t) / t) if a < 2 * t else 0.0)
    if direction == "exact":
        if t == 0:
            return w if a <= 0 else 0.0
        return w if a >= t else w * a / t
    assert hi is not None
    if t <= a <= hi:
        return w
    if a < t:
        return w * a / t if t else None
    return w * (1 - (a - hi) / hi) if a < 2 * hi else 0.0


def _round2(x: float | None) -> float | None:
    if x is None:
        return None
    return float(pl.Series([x]).round(2, mode="half_away_from_zero")[0])


def per_row_pandas(sample: pl.DataFrame) -> tuple[float, float] | None:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return None
    import pandas as pd

    frame = pd.DataFrame(
        sample.select("direction", "actual", "target", "upper", "applied_points").to_dict(
            as_series=False
        )
    )

    def rule(row: Any) -> float | None:
        return _domain_rule(
            row["direction"], row["actual"], row["target"], row["upper"], row["applied_points"]
        )

    started = time.perf_counter()
    got = frame.apply(rule, axis=1)
    seconds = time.perf_counter() - started
    want = sample["score"].to_list()
    same = sum(_round2(g) == w for g, w in zip(got.tolist(), want, strict=True))
    return sample.height / seconds, same / max(sample.height, 1)


ZEN_RULE = (
    "direction == 'higher' ? (a >= target ? points : points * a / target) : "
    "direction == 'lower' ? (a <= target ? points : (a < 2 * target ? points * (1 - (a - target) / target) : 0)) : "
    "direction == 'exact' ? (target == 0 ? (a <= 0 ? points : 0) : (a >= target ? points : points * a / target)) : "
    "(a >= target and a <= upper ? points : (a < target ? points * a / target : (a < 2 * upper ? points * (1 - (a - upper) / upper) : 0)))"
)


def zen_decision() -> Any:
    import zen

    node = {"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}}
    rule = {
        "id": "rule",
        "type": "expressionNode",
        "name": "score",
        "position": {"x": 0, "y": 0},
        "content": {
            "expressions": [
                {"id": "a", "key": "a", "value": "max([actual, 0])"},
                {
                    "id": "s",
                    "key": "score",
                    "value": ZEN_RULE.replace("a ", "$.a ").replace("* a ", "* $.a "),
                },
            ]
        },
    }
    out = {"id": "out", "type": "outputNode", "name": "out", "position": {"x": 0, "y": 0}}
    edges = [
        {"id": "e1", "sourceId": "in", "targetId": "rule", "type": "edge"},
        {"id": "e2", "sourceId": "rule", "targetId": "out", "type": "edge"},
    ]
    content = {"nodes": [node, rule, out], "edges": edges}
    return zen.ZenEngine().create_decision(json.dumps(content))


def per_row_zen(sample: pl.DataFrame) -> tuple[float, float] | None:
    try:
        decision = zen_decision()
    except ImportError:
        return None
    rows = sample.select(
        "direction", "actual", "target", "upper", pl.col("applied_points").alias("points")
    ).to_dicts()
    started = time.perf_counter()
    got = [decision.evaluate(row)["result"]["score"] for row in rows]
    seconds = time.perf_counter() - started
    want = sample["score"].to_list()
    same = sum(_round2(float(g)) == w for g, w in zip(got, want, strict=True))
    return len(rows) / seconds, same / max(len(rows), 1)


# --- once ------------------------------------------------------------------------------


COMPILE = (
    "import time; t = time.perf_counter(); from jixiao.scoring import api; "
    "i = time.perf_counter(); c = time.process_time(); api.load_ruleset('" + RULESET + "'); "
    "print(time.perf_counter() - i, i - t, time.process_time() - c)"
)


def compile_time(repeat: int) -> tuple[float, float, float]:
    """Medians of (load+check+compile seconds, api import seconds, load+check+compile
    CPU seconds), each in a fresh process."""
    runs = [child([sys.executable, "-c", COMPILE])[2].split() for _ in range(repeat)]
    return (
        statistics.median(float(r[0]) for r in runs),
        statistics.median(float(r[1]) for r in runs),
        statistics.median(float(r[2]) for r in runs),
    )


def help_time(repeat: int) -> tuple[float, float]:
    """Medians of (seconds, CPU seconds) of `jixiao --help` as a process."""
    runs = [process([*jixiao_cli(), "--help"]) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[2] for r in runs)


def xlsx_time(results: Any, out: Path) -> float:
    from jixiao.scoring import api

    started = time.perf_counter()
    api.write(results, out, ["xlsx"])
    return time.perf_counter() - started


# --- the report -----------------------------------------------------------------------


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    load = os.getloadavg()
    versions = ", ".join(
        f"{n} {_version(n)}" for n in ["jixiao", "polars", "simpleeval", "pandas", "zen-engine"]
    )
    return (
        f"{platform.machine()}, {os.cpu_count()} cpus, load {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}, "
        f"Python {platform.python_version()}, {versions}"
    )


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "—"


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    targets: list[tuple[str, str, bool | None]] = field(default_factory=list)

    def add(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def target(self, what: str, value: str, met: bool | None) -> None:
        self.targets.append((what, value, met))


def run_size(name: str, args: argparse.Namespace, report: Report, extras: dict[str, Any]) -> None:
    n_projects = SIZES[name]
    projects, indicators = dataset(n_projects)
    rows = pl.scan_parquet(indicators).select(pl.len()).collect().item()
    out = OUT / f"suite-{name}"
    shutil.rmtree(out, ignore_errors=True)
    rounds = args.repeat if n_projects <= CORE_MAX_PROJECTS else min(args.repeat, args.big_repeat)
    measured = whole(projects, indicators, out, rounds)
    same_stream = digests(out / "jixiao") == digests(out / "streaming")
    from bench.hand import compare_wide

    wide = compare_wide(out / "wide", out / "jixiao")
    jix = measured["jixiao score (in-memory)"]
    lean = measured["hand-written Polars, lean"]
    wide_m = measured["hand-written Polars, jixiao's tables"]
    report.add(f"### {name}: {n_projects:,} projects, {rows:,} indicator rows, {rounds} round(s)")
    report.add()
    report.add(
        "| pipeline | median s | rows/s | vs lean | vs same tables | peak RSS MiB | RSS vs lean | CPU s | CPU vs lean |"
    )
    report.add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, m in measured.items():
        report.add(
            f"| {label} | {m.median:.2f} | {_rate(rows, m.median)} | {m.median / lean.median:.2f}x | "
            f"{m.median / wide_m.median:.2f}x | {m.peak:,.0f} | {m.peak / lean.peak:.2f}x | "
            f"{m.cpu_median:.2f} | {m.cpu_median / lean.cpu_median:.2f}x |"
        )
    in_process = not args.no_core and n_projects <= CORE_MAX_PROJECTS
    core = _core_rows(name, projects, indicators, args, report, rows) if in_process else {}
    report.add()
    report.add(
        "runs (s): "
        + "; ".join(f"{k}: {', '.join(f'{s:.2f}' for s in m.seconds)}" for k, m in measured.items())
    )
    report.add(f"streaming tables byte-identical to in-memory: {'yes' if same_stream else 'NO'}")
    report.add(
        "hand-written (jixiao's tables) columns equal to jixiao's, by table: "
        + ", ".join(f"{t} {s}/{n}" for t, (s, n) in wide.items())
    )
    report.add()
    if name != args.sizes[0]:
        core.pop("results", None)  # only the first size's results are written as xlsx
    extras.setdefault("sizes", {})[name] = {"rows": rows, "core": core}
    if name == "1m":
        r = jix.median / lean.median
        report.target(
            "`score` whole process, 100k projects, vs lean hand-written",
            f"{r:.2f}x (≤ 2.0x)",
            r <= 2.0,
        )
        r = jix.median / wide_m.median
        report.target(
            "`score` whole process, 100k projects, vs hand-written same tables",
            f"{r:.2f}x (≤ 1.25x)",
            r <= 1.25,
        )
    if name == "10m":
        r = jix.peak / lean.peak
        report.target(
            "peak RSS in memory, 1M projects, vs lean hand-written", f"{r:.2f}x (≤ 1.5x)", r <= 1.5
        )
        stream = measured["jixiao score (streaming)"].peak
        report.target(
            "`--engine streaming` peak RSS, 10M rows, identical results",
            f"{stream:,.0f} MiB (< 2048), identical: {same_stream}",
            stream < 2048 and same_stream,
        )
    extras.setdefault("stream_same", []).append(same_stream)


def _core_rows(
    name: str, projects: Path, indicators: Path, args: argparse.Namespace, report: Report, rows: int
) -> dict[str, Any]:
    core_m = core(projects, indicators, args.repeat)
    jix, by_hand = core_m["jixiao"], core_m["hand"]
    report.add(
        f"| scoring core (score + roll-up on parsed rows), jixiao | {jix.median:.2f} | "
        f"{_rate(rows, jix.median)} | — | {jix.median / by_hand.median:.2f}x vs hand core | — | — | — | — |"
    )
    report.add(
        f"| scoring core, same rules by hand | {by_hand.median:.2f} | {_rate(rows, by_hand.median)} | — | 1.00x | — | — | — | — |"
    )
    core_rate = rows / jix.median
    plan, results = core_m["plan"], core_m["results"]
    ref_rate, ref_ok = per_row_reference(plan, results, args.sample)
    sample = quantitative_sample(results, args.sample * 5)
    engines = {
        "per row: jixiao reference evaluator (simpleeval path)": (ref_rate, ref_ok),
        "per row: pandas DataFrame.apply (§2 rule)": per_row_pandas(sample),
        "per row: zen-engine JDM expression (§2 rule)": per_row_zen(sample),
    }
    for label, got in engines.items():
        if got is None:
            report.add(
                f"| {label} | — | not installed (pip install '.[bench]') | — | — | — | — | — | — |"
            )
            continue
        rate, ok = got
        report.add(
            f"| {label} | {rows / rate:.2f} (extrapolated) | {rate:,.0f} | — | "
            f"core is {core_rate / rate:,.0f}x faster | — | agrees with jixiao on {ok:.1%} | — | — |"
        )
    agree = core_m["agree"]
    report.add()
    report.add(
        "hand core against jixiao: score equal on "
        f"{agree['score']:.2%} of rows, total on {agree['total']:.2%} and grade on "
        f"{agree['grade']:.2%} of projects"
    )
    if name in ("1m", args.sizes[0]):
        r = jix.median / by_hand.median
        report.target(
            f"scoring core vs same rules by hand ({name})", f"{r:.2f}x (≤ 1.25x)", r <= 1.25
        )
        ref = engines["per row: jixiao reference evaluator (simpleeval path)"]
        report.target(
            f"batch vs per-row simpleeval ({name})",
            f"{core_rate / ref[0]:,.0f}x (≥ 100x)",
            core_rate / ref[0] >= 100,
        )
        z = engines["per row: zen-engine JDM expression (§2 rule)"]
        if z is not None:
            report.target(
                f"batch vs per-row zen-engine ({name})",
                f"{core_rate / z[0]:,.0f}x (≥ 30x)",
                core_rate / z[0] >= 30,
            )
    return {"results": results}


ANALYSIS = "\n## Analysis"
"""Where the hand-written part of RESULTS.md starts: kept when the suite rewrites it."""


def write_results(path: Path, lines: list[str]) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = old[old.index(ANALYSIS) :] if ANALYSIS in old else ""
    head = "# Benchmark results (`python -m bench`)\n\nGenerated by the suite (bench/run.py); the analysis below it is written by hand.\n\n"
    path.write_text(head + "\n".join(lines) + "\n" + kept, encoding="utf-8")


def parse_sizes(text: str) -> list[str]:
    sizes = [s.strip().lower() for s in text.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        raise SystemExit(f"error: unknown size {', '.join(unknown)}; expected {', '.join(SIZES)}")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="100k,1m", help="comma-separated: " + ", ".join(SIZES))
    parser.add_argument("--repeat", type=int, default=5, help="rounds per size (median)")
    parser.add_argument(
        "--big-repeat", type=int, default=1, help="rounds at sizes above 1m (10m: minutes each)"
    )
    parser.add_argument("--sample", type=int, default=2000, help="rows for the per-row engines")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 3k rows, 1 round, small samples"
    )
    parser.add_argument(
        "--no-core", action="store_true", help="skip the in-process core and per-row engines"
    )
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat, args.sample = "3k", 1, 50
    args.sizes = parse_sizes(args.sizes)
    report = Report()
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    report.add(f"command: `{command.strip()}`")
    report.add(f"machine: {machine()}")
    report.add()
    extras: dict[str, Any] = {}
    for name in args.sizes:
        run_size(name, args, report, extras)
    n_once = 1 if args.quick else args.repeat
    compile_s, import_s, compile_cpu = compile_time(n_once)
    help_s, help_cpu = help_time(n_once)
    report.target(
        "ruleset load+check+compile",
        f"{compile_s * 1000:.0f} ms wall, {compile_cpu * 1000:.0f} ms CPU (< 100 ms)",
        compile_s < 0.1,
    )
    report.target(
        "`jixiao --help` start-up",
        f"{help_s:.2f} s wall, {help_cpu:.2f} s CPU (< 0.3 s)",
        help_s < 0.3,
    )
    report.add(
        f"ruleset load+check+compile: {compile_s * 1000:.0f} ms wall, {compile_cpu * 1000:.0f} ms CPU "
        f"(median of {n_once}, fresh processes; importing api first: {import_s:.2f} s)"
    )
    report.add(f"`jixiao --help`: {help_s:.2f} s wall, {help_cpu:.2f} s CPU (median of {n_once})")
    first = extras["sizes"][args.sizes[0]]
    if not args.no_core and "results" in first["core"]:
        seconds = xlsx_time(first["core"]["results"], OUT / f"suite-{args.sizes[0]}" / "xlsx")
        rows = first["core"]["results"].indicator_scores.height
        report.add(
            f"xlsx write of the {args.sizes[0]} results (api.write, one run): {seconds:.2f} s ({_rate(rows, seconds)} indicator rows/s)"
        )
    report.add(f"machine after: load {os.getloadavg()[0]:.1f}")
    report.add()
    report.add("| target | measured | met |")
    report.add("| --- | --- | :-: |")
    for what, value, met in report.targets:
        if met is not None:
            report.add(f"| {what} | {value} | {'yes' if met else 'NO'} |")
    if not args.no_results:
        write_results(args.results, report.lines)
    return 0 if all(extras.get("stream_same", [True])) else 1
