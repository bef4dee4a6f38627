"""Flags from the command line: `score` writes them and counts them, `validate` points at
a bad placeholder, `explain --json` lists a project's flags as the batch wrote them."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from jixiao.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-district"
CSV = [str(SAMPLE / "projects.csv"), str(SAMPLE / "indicators.csv")]
RULESET = str(ROOT / "tests" / "stages" / "rulesets" / "flags-engine.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_score_writes_the_flags_and_counts_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = run("score", "-r", RULESET, *CSV, "-o", str(out), "-f", "csv")
    assert code == 0, output
    flags = pl.read_csv(out / "flags.csv")
    assert flags.columns[:3] == ["flag", "level", "severity"]
    row = next(line for line in output.splitlines() if "flags raised" in line)
    assert str(flags.height) in row
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert "flags.csv" in manifest["outputs"]


def test_validate_points_at_the_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "extends: project-self-eval\nid: r\nflags:\n"
        "  - id: low\n    level: project\n    when: 'total < 60'\n"
        "    message: '总分 {totl:.1f}'\n",
        "utf-8",
    )
    code, output = run("validate", str(path))
    assert code == 1
    # line 7, the string starts at col 15, `{` is its 4th character
    assert "r.yaml:7:18: flags[0].message: unknown name 'totl'" in " ".join(output.split())
    code, output = run("score", "-r", str(path), *CSV, "-o", str(tmp_path / "out"))
    assert code == 1 and "r.yaml:7:18" in output


def test_explain_json_lists_the_batch_flags(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("score", "-r", RULESET, *CSV, "-o", str(out), "-f", "parquet")[0] == 0
    batch = pl.read_parquet(out / "flags.parquet").filter(pl.col("project_id") == "JD2025-0007")
    code, output = run("explain", "-r", RULESET, *CSV, "JD2025-0007", "--json")
    assert code == 0, output
    explained = json.loads(output)["flags"]
    assert [(f["flag"], f["message"], f["values"]) for f in explained] == batch.select(
        "flag", "message", "values"
    ).rows()
    assert len(explained) >= 2
