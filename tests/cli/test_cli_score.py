"""`score`, `demo` and `explain` from the command line: files written, exit codes, and an
explanation that equals the batch row."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from jixiao.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
GBK = ROOT / "examples" / "gbk-sample"
SAMPLE = ROOT / "examples" / "sample-district" / "sample-district.xlsx"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_score_writes_every_table_and_the_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = run(
        "score",
        str(GBK / "projects.csv"),
        str(GBK / "indicators.csv"),
        "-o",
        str(out),
        "-f",
        "csv",
        "-f",
        "parquet",
        "-f",
        "xlsx",
    )
    assert code == 0, output
    assert "encoding gb18030" in " ".join(output.split())  # rich wraps at the width
    names = {p.name for p in out.iterdir()}
    for table in ("project_scores", "indicator_scores", "department_summary", "rejects"):
        assert {f"{table}.csv", f"{table}.parquet"} <= names
    assert {"results.xlsx", "report.md", "manifest.json"} <= names
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["ruleset"]["id"] == "project-self-eval"
    assert manifest["rows"]["indicators"] == {"in": 43, "scored": 43, "rejected": 0}
    assert all(len(s["sha256"]) == 64 for s in manifest["inputs"])
    sheet = pl.read_excel(out / "results.xlsx", sheet_name="project_scores")
    assert {"项目编号", "总分", "等级"} <= set(sheet.columns)
    assert sheet.height == 5


def test_rejected_rows_still_exit_0(tmp_path: Path) -> None:
    indicators = tmp_path / "indicators.csv"
    text = (GBK / "indicators.csv").read_bytes().decode("gb18030")
    indicators.write_text(text + "JD2025-XXXX,产出指标,数量指标,孤儿指标,,≥1,个,1,5,5,\n", "utf-8")
    code, output = run(
        "score", str(GBK / "projects.csv"), str(indicators), "-o", str(tmp_path / "o"), "-f", "csv"
    )
    assert code == 0, output
    rejects = pl.read_csv(tmp_path / "o" / "rejects.csv")
    assert rejects.height == 1 and "no project 'JD2025-XXXX'" in rejects["reason"][0]


def test_unusable_input_exits_1_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,金额\n甲,1\n", "utf-8")
    code, output = run("score", str(bad), "-o", str(tmp_path / "o"))
    assert code == 1
    assert "error:" in output and "bad.csv" in output and "Traceback" not in output


def test_unknown_ruleset_exits_1(tmp_path: Path) -> None:
    code, output = run(
        "score", "-r", "nope", str(GBK / "projects.csv"), str(GBK / "indicators.csv")
    )
    assert code == 1 and "no ruleset 'nope'" in output


def test_demo_scores_the_sample_district(tmp_path: Path) -> None:
    code, output = run("demo", "-o", str(tmp_path / "demo"))
    assert code == 0, output
    scores = pl.read_parquet(tmp_path / "demo" / "project_scores.parquet")
    assert scores.height >= 300 and scores["department"].n_unique() >= 15
    assert "projects scored" in output
    # the README promises the first command writes a report: report.md and the offline page
    assert (tmp_path / "demo" / "report.md").stat().st_size > 0
    page = (tmp_path / "demo" / "report.html").read_text("utf-8")
    assert "<svg" in page or "vegaEmbed" in page or "vega" in page


@pytest.fixture(scope="module")
def sample_scores(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    out = tmp_path_factory.mktemp("sample")
    code, output = run("score", str(SAMPLE), "-o", str(out), "-f", "parquet", "-q")
    assert code == 0, output
    return pl.read_parquet(out / "project_scores.parquet")


@pytest.mark.parametrize("pid", ["JD2025-0003", "JD2025-0025", "JD2025-0100"])
def test_explain_json_equals_the_batch_row(pid: str, sample_scores: pl.DataFrame) -> None:
    code, output = run("explain", str(SAMPLE), pid, "--json")
    assert code == 0, output
    explained = json.loads(output)
    batch = sample_scores.filter(pl.col("project_id") == pid).row(0, named=True)
    assert explained["total"] == batch["total"]
    assert explained["grade"] == batch["grade"]
    assert explained["complete"] == batch["complete"]
    assert explained["budget_score"] == batch["budget_score"]
    for category, sub in explained["categories"].items():
        assert sub["score"] == batch[f"{category}_score"]


def test_explain_text_walks_through_the_numbers() -> None:
    code, output = run("explain", str(SAMPLE), "JD2025-0003")
    assert code == 0, output
    assert "预算执行率" in output and "产出指标" in output and "→" in output and "total" in output


def test_explain_unknown_project_suggests_one() -> None:
    code, output = run("explain", str(SAMPLE), "JD2025-003")
    assert code == 1 and "did you mean" in output
