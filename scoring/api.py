"""The public Python API, for notebooks and scripts; the CLI is a thin layer over it.

>>> from scoring import api
>>> plan = api.load_ruleset("project-self-eval")
>>> results = api.score(plan, ["projects.csv", "indicators.csv"])
>>> results.project_scores.filter(pl.col("grade") == "差")
>>> print(api.explain_text(plan, results, "JD2025-0001"))
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jixiao.scoring.explain.project import Explanation, explain
from jixiao.scoring.io.read import Inputs, read_inputs
from jixiao.scoring.io.write import write_json, write_tables, write_text
from jixiao.scoring.jobs.selfeval import Engine, Results, run
from jixiao.scoring.report.markdown import explanation_text, headers_for, summary_markdown
from jixiao.scoring.rules.compile import Plan, compile_ruleset
from jixiao.scoring.rules.load import load

DEFAULT_RULESET = "project-self-eval"
DEFAULT_FORMATS = ("xlsx", "parquet")


def load_ruleset(ref: str = DEFAULT_RULESET) -> Plan:
    """Load, check and compile a ruleset by built-in id or path."""
    return compile_ruleset(load(ref))


def read(plan: Plan, paths: Sequence[str | Path]) -> Inputs:
    """Read input files into canonical tables (and rejects) with the plan's column aliases."""
    return read_inputs(paths, plan.vocab.specs)


def score(
    plan: Plan,
    inputs: Inputs | Sequence[str | Path],
    *,
    year: int | None = None,
    engine: Engine = "in-memory",
) -> Results:
    """Score inputs (already read, or file paths) into Polars DataFrames."""
    if not isinstance(inputs, Inputs):
        inputs = read(plan, inputs)
    return run(plan, inputs, year=year, engine=engine)


def explain_project(plan: Plan, results: Results, project_id: str) -> Explanation:
    """One project's score recomputed step by step by the reference evaluator."""
    return explain(plan, results, project_id)


def explain_text(plan: Plan, results: Results, project_id: str) -> str:
    return explanation_text(explain(plan, results, project_id))


def write(
    results: Results, out_dir: str | Path, formats: Sequence[str] = DEFAULT_FORMATS
) -> list[Path]:
    """Write the tables, report.md and manifest.json into out_dir (atomically, file by file)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ruleset = results.manifest.get("ruleset", {})
    metadata = {
        f"jixiao.ruleset.{k}": str(ruleset[k]) for k in ("id", "version", "sha256") if k in ruleset
    }
    paths = write_tables(results.tables(), out, formats, headers_for(results), metadata)
    paths.append(write_text(out / "report.md", summary_markdown(results)))
    manifest = {**results.manifest, "outputs": [*sorted(p.name for p in paths), "manifest.json"]}
    paths.append(write_json(out / "manifest.json", manifest))
    return paths
