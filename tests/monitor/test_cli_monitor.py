"""`jixiao monitor` from the command line: the files, the workbook's lights, exit codes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from monitor_fixtures import HEADER, row, write

from jixiao.cli.main import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


ROWS = [
    row("P1", 1200, 420),  # ratio exactly 0.60: yellow
    row("P2", 1200, 100, likelihood="完全不可能"),  # red
    row("P3", 1200, 560, actual="100"),  # ratio exactly 0.80: green
    row("P4", "", "", actual=""),  # no data: grey
]


def monitor_every_format(src: Path, out: Path) -> tuple[int, str]:
    """`jixiao monitor` as of 31 July, writing csv, parquet and xlsx, quietly."""
    formats = ("-f", "csv", "-f", "parquet", "-f", "xlsx")
    return run("monitor", "--as-of", "2025-07-31", str(src), "-o", str(out), *formats, "-q")


def test_monitor_writes_every_table_in_every_format(tmp_path: Path) -> None:
    src = write(tmp_path / "监控表.csv", ROWS)
    out = tmp_path / "out"
    code, output = monitor_every_format(src, out)
    assert code == 0, output
    names = sorted(p.name for p in out.iterdir())
    for table in (
        "monitor_projects",
        "monitor_indicators",
        "monitor_departments",
        "monitor_actions",
        "rejects",
    ):
        assert f"{table}.csv" in names and f"{table}.parquet" in names
    assert "results.xlsx" in names and "manifest.json" in names
    projects = pl.read_parquet(out / "monitor_projects.parquet")
    assert projects["budget_light"].to_list() == ["yellow", "red", "green", "grey"]
    assert projects["light"].to_list() == ["yellow", "red", "green", "grey"]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["rows"]["monitoring"] == {"in": 4, "monitored": 4, "rejected": 0}
    assert manifest["as_of"] == "2025-07-31"
    actions = pl.read_csv(out / "monitor_actions.csv")
    assert actions["project_id"].to_list() == ["P2"]


def test_workbook_shows_lights_in_chinese_on_coloured_cells(tmp_path: Path) -> None:
    src = write(tmp_path / "m.csv", ROWS)
    out = tmp_path / "out"
    code, output = run(
        "monitor", "--as-of", "2025-07-31", str(src), "-o", str(out), "-f", "xlsx", "-q"
    )
    assert code == 0, output
    with zipfile.ZipFile(out / "results.xlsx") as z:
        strings = (
            z.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in z.namelist()
            else ""
        )
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
        styles = z.read("xl/styles.xml").decode()
    text = strings + sheets
    for label in ("红", "黄", "绿", "灰", "预算执行灯"):
        assert label in text, label
    for fill in ("FF9C9C", "FFE699", "A9D08E", "D9D9D9"):
        assert fill in styles, fill
    assert ">red<" not in text and ">green<" not in text


def test_reruns_are_byte_identical(tmp_path: Path) -> None:
    src = write(tmp_path / "m.csv", ROWS)
    digests = []
    for name in ("a", "b"):
        out = tmp_path / name
        code, output = monitor_every_format(src, out)
        assert code == 0, output
        digests.append(json.loads((out / "manifest.json").read_text("utf-8"))["output_sha256"])
    assert digests[0] == digests[1]


def test_missing_to_date_columns_is_a_clear_error(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "1-7月执行数"]
    rows = [[c for h, c in zip(HEADER, r, strict=True) if h != "1-7月执行数"] for r in ROWS]
    src = write(tmp_path / "m.csv", rows, header)
    code, output = run(
        "monitor", "--as-of", "2025-07-31", str(src), "-o", str(tmp_path / "o"), "-q"
    )
    assert code == 1
    assert "spent_to_date" in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1


def test_as_of_outside_every_rows_budget_year_is_exit_1(tmp_path: Path) -> None:
    src = write(tmp_path / "m.csv", ROWS)
    code, output = run(
        "monitor", "--as-of", "2024-12-31", str(src), "-o", str(tmp_path / "o"), "-q"
    )
    assert code == 1
    assert "nothing can be monitored as of 2024-12-31" in output
    assert "budget year 2025 does not contain the as-of date 2024-12-31" in output


def test_a_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    src = write(tmp_path / "m.csv", ROWS)
    for bad in ("2025-02-30", "31/07/2025", "2025-7"):
        code, output = run("monitor", "--as-of", bad, str(src), "-o", str(tmp_path / "o"))
        assert code == 2, (bad, output)
        assert "YYYY-MM-DD" in output


def test_validate_and_monitor_agree_on_a_bad_checkpoint(tmp_path: Path) -> None:
    ruleset = tmp_path / "r.yaml"
    ruleset.write_text(
        "extends: sichuan-10-90\nid: r\nname: r\nmonitoring:\n  checkpoints:\n"
        "    - {month: 6, min_execution: 0.40}\n    - {month: 4, min_execution: 0.25}\n",
        "utf-8",
    )
    code, output = run("validate", str(ruleset))
    assert code == 1
    assert "r.yaml:7:15: monitoring.checkpoints[1].month: checkpoint months must increase" in output
    assert "r.yaml:7:33: monitoring.checkpoints[1].min_execution" in output
    src = write(tmp_path / "m.csv", ROWS)
    code2, output2 = run(
        "monitor", "-r", str(ruleset), "--as-of", "2025-07-31", str(src), "-o", str(tmp_path / "o")
    )
    assert code2 == 1
    assert "r.yaml:7:15" in output2
