"""`jixiao compare` from the command line: the matrix and diff printed, files written
byte-identical across reruns, one-line errors with exit 1 (usage: 2)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from jixiao.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-district" / "sample-district.xlsx"
BENEFIT_HEAVY = ROOT / "examples" / "rulesets" / "benefit-heavy.yaml"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def compare(out: Path, *extra: str) -> tuple[int, str]:
    return run(
        "compare",
        "--base",
        "project-self-eval",
        "--candidate",
        str(BENEFIT_HEAVY),
        str(SAMPLE),
        "-o",
        str(out),
        *extra,
    )


def test_compare_prints_the_matrix_and_writes_the_tables(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, output = compare(out, "-f", "csv", "-f", "parquet")
    assert code == 0, output
    assert "等级迁移" in output and "weights.output" in output and "weighting" in output
    for name in (
        "compare_projects",
        "migration",
        "compare_departments",
        "ruleset_diff",
        "top_movers",
        "near_boundary_base",
        "near_boundary_candidate",
        "rejects",
    ):
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.parquet").is_file(), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["job"] == "compare"
    assert manifest["prepared"] == "once"
    assert manifest["candidate"]["ruleset"]["id"] == "benefit-heavy"
    assert sorted(manifest["output_sha256"]) == sorted(
        p.name for p in out.iterdir() if p.name != "manifest.json"
    )
    migration = pl.read_parquet(out / "migration.parquet")
    projects = pl.read_parquet(out / "compare_projects.parquet")
    assert int(migration["n"].sum()) == projects.height == 300
    # The printed matrix holds the written counts: the row of 优.
    row = migration.filter(pl.col("base_grade") == "优")["n"].to_list()
    line = next(line for line in output.splitlines() if line.strip("│ ").startswith("优"))
    assert [int(c) for c in line.replace("│", " ").split()[1:]] == row


def test_reruns_are_byte_identical(tmp_path: Path) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        code, output = compare(out, "-q", "-f", "csv", "-f", "parquet", "--report")
        assert code == 0, output
    for first in sorted(outs[0].iterdir()):
        if first.name != "manifest.json":
            assert first.read_bytes() == (outs[1] / first.name).read_bytes(), first.name


def test_a_ruleset_against_itself(tmp_path: Path) -> None:
    code, output = run(
        "compare",
        "--base",
        "project-self-eval",
        "--candidate",
        "project-self-eval",
        str(SAMPLE),
        "-o",
        str(tmp_path / "same"),
        "-f",
        "parquet",
    )
    assert code == 0, output
    assert "ruleset diff: none" in output
    assert pl.read_parquet(tmp_path / "same" / "ruleset_diff.parquet").is_empty()
    assert pl.read_parquet(tmp_path / "same" / "top_movers.parquet").is_empty()


def test_the_report_page_has_the_compare_sections(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, output = compare(out, "-q", "-f", "parquet", "--report")
    assert code == 0, output
    page = (out / "report.html").read_text(encoding="utf-8")
    for title in ("规则调整对比报告", "等级迁移", "部门得失", "变化最大的项目", "规则差异"):
        assert title in page, title
    assert (out / "report-migration.png").is_file()
    code, output = run("report", str(out), "--out", str(tmp_path / "again.html"), "--no-png")
    assert code == 0, output
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == page


def test_a_bad_candidate_is_one_line_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: project-self-eval\nweights: {outptu: 40}\n", encoding="utf-8")
    code, output = run(
        "compare", "--base", "project-self-eval", "--candidate", str(bad), str(SAMPLE)
    )
    assert code == 1
    assert "Traceback" not in output
    assert "bad.yaml" in output and "outptu" in output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    code, output = run("compare", "--base", "project-self-eval", str(SAMPLE))
    assert code == 2 and "--candidate" in output
    code, output = run("compare", "--base", "project-self-eval", "--candidate", "x")
    assert code == 2


def test_a_missing_input_is_one_line_exit_1(tmp_path: Path) -> None:
    code, output = run(
        "compare",
        "--base",
        "project-self-eval",
        "--candidate",
        "sichuan-10-90",
        str(tmp_path / "nope.xlsx"),
        "-o",
        str(tmp_path / "out"),
    )
    assert code == 1 and "nope.xlsx" in output and "Traceback" not in output
