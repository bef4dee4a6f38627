"""`jixiao report` and `--report` from the command line: files, reruns, one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from jixiao.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
GBK = ROOT / "examples" / "gbk-sample"
MONITORING = ROOT / "examples" / "monitoring-2025-07" / "monitoring.csv"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _score(out: Path, *extra: str) -> tuple[int, str]:
    return run(
        "score",
        str(GBK / "projects.csv"),
        str(GBK / "indicators.csv"),
        "-o",
        str(out),
        "-f",
        "parquet",
        "-q",
        *extra,
    )


def _one_line_error(code: int, output: str, *words: str) -> None:
    assert code == 1, output
    assert output.startswith("error: ") and output.count("\n") == 1, output
    assert "Traceback" not in output
    for word in words:
        assert word in output, output


def test_score_report_then_rerun_and_report_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _score(out, "--report")
    assert code == 0, output
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "report-grades.png", "report-histogram.png"} <= names
    # A rerun replaces the folder whole, report included; so does one after `jixiao report`.
    assert _score(out)[0] == 0
    assert not (out / "report.html").exists()
    code, output = run("report", str(out))
    assert code == 0, output
    assert (out / "report.html").is_file() and (out / "report-grades.png").is_file()
    assert "report.html" in output
    code, output = _score(out)
    assert code == 0, output
    (out / "mine.txt").write_text("keep me")
    _one_line_error(*_score(out), "mine.txt")


def test_report_out_file_folder_and_no_png(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _score(out)[0] == 0
    code, output = run("report", str(out), "--out", str(tmp_path / "pages" / "年度报告.html"))
    assert code == 0, output
    page = tmp_path / "pages" / "年度报告.html"
    assert page.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "pages" / "年度报告-grades.png").is_file()
    # --no-png removes the previous report's PNGs: a page and charts of two runs never mix.
    code, output = run("report", str(out), "--out", str(page), "--no-png", "-q")
    assert (code, output) == (0, "")
    assert sorted(p.name for p in page.parent.iterdir()) == ["年度报告.html"]
    folder = tmp_path / "into"
    folder.mkdir()
    assert run("report", str(out), "-o", str(folder), "--no-png", "-q")[0] == 0
    assert (folder / "report.html").is_file()


def test_streaming_engine_writes_the_same_report(tmp_path: Path) -> None:
    assert _score(tmp_path / "mem", "--report")[0] == 0
    assert _score(tmp_path / "stream", "--report", "--engine", "streaming")[0] == 0
    for name in ("report.html", "report-grades.png", "report-flags.png"):
        assert (tmp_path / "mem" / name).read_bytes() == (tmp_path / "stream" / name).read_bytes()


def test_monitor_report(tmp_path: Path) -> None:
    out = tmp_path / "m"
    code, output = run(
        "monitor",
        "--as-of",
        "2025-07-31",
        str(MONITORING),
        "-o",
        str(out),
        "-f",
        "csv",
        "--report",
        "-q",
    )
    assert code == 0, output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert {"report.html", "report-lights.png"} <= set(manifest["outputs"])
    assert "绩效运行监控报告" in (out / "report.html").read_text("utf-8")


def test_report_errors_are_one_line(tmp_path: Path) -> None:
    _one_line_error(*run("report", str(tmp_path / "nowhere")), "does not exist")
    (tmp_path / "file").write_text("x")
    _one_line_error(*run("report", str(tmp_path / "file")), "not a folder")
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_error(*run("report", str(empty)), "manifest.json")
    (empty / "manifest.json").write_text("{not json")
    _one_line_error(*run("report", str(empty)), "not valid JSON")
    (empty / "manifest.json").write_text('{"job": "unknown"}')
    _one_line_error(*run("report", str(empty)), "nothing to report")
    (empty / "manifest.json").write_text("[]")
    _one_line_error(*run("report", str(empty)), "JSON object")
    (empty / "manifest.json").write_text("{}")
    (empty / "project_scores.csv").write_text("project_id\nJD1\n")
    _one_line_error(*run("report", str(empty), "-o", str(empty / "project_scores.csv")), ".html")
    assert (empty / "project_scores.csv").read_text() == "project_id\nJD1\n"
    (empty / "project_scores.parquet").write_text("not parquet")
    _one_line_error(*run("report", str(empty)), "project_scores.parquet")


def test_report_of_results_with_no_totals_and_no_flags(tmp_path: Path) -> None:
    """Every project incomplete (no total) and no flag raised: notes, not broken charts."""
    out = tmp_path / "out"
    assert _score(out)[0] == 0
    ps = pl.read_parquet(out / "project_scores.parquet")
    ps.with_columns(
        total=pl.lit(None, pl.Float64), grade=pl.lit("未定级"), complete=pl.lit(False)
    ).write_parquet(out / "project_scores.parquet")
    pl.read_parquet(out / "flags.parquet").head(0).write_parquet(out / "flags.parquet")
    code, output = run("report", str(out), "-q")
    assert code == 0, output
    page = (out / "report.html").read_text("utf-8")
    assert "没有可显示的总分" in page and "没有触发任何标记" in page
    assert not (out / "report-histogram.png").exists()
    assert (out / "report-grades.png").exists()


def test_report_of_a_copied_folder_without_parquet_reads_csv(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = run(
        "score",
        str(GBK / "projects.csv"),
        str(GBK / "indicators.csv"),
        "-o",
        str(out),
        "-f",
        "csv",
        "-q",
    )
    assert code == 0, output
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    assert run("report", str(copy), "--no-png", "-q")[0] == 0
    assert "JD2025" in (copy / "report.html").read_text("utf-8")


def test_browser_tests_skip_locally_and_fail_in_ci_without_chromium(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import browser

    monkeypatch.setenv("JIXIAO_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(
        pytest.skip.Exception, match=r"apt-get install .*chromium fonts-wqy-microhei"
    ):
        browser.chromium_path()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        browser.chromium_path()
