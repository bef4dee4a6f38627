"""The Rust workbook writer (rustpy-xlsxwriter) against the xlsxwriter fallback: the same
sheets, cells, headers, properties and split, byte-identical reruns, atomic failure."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import time
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

import jixiao.scoring.io.write as w
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.io import xlsx_fast
from jixiao.scoring.io.read_excel import ExcelOptions, read_excel_sheets
from jixiao.scoring.io.write import sha256_file, write_light_tables, write_tables


@pytest.fixture(autouse=True)
def rust_writer() -> None:
    """Every test here needs rustpy-xlsxwriter: skipped without it on a developer's
    machine (the message names the install command), failing under CI."""
    if importlib.util.find_spec("rustpy_xlsxwriter") is None and not os.environ.get("CI"):
        pytest.skip("the Rust workbook writer is not installed: pip install 'jixiao[fast-xlsx]'")


META = {"jixiao.ruleset.id": "project-self-eval", "jixiao.ruleset.version": "2025.1"}
HEADERS = {"projects": {"project_id": "项目编号", "total": "总分", "department": "主管部门"}}


def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "project_id": ["P1", "=1+1", "@SUM(A1)", None, "-5"],
            "department": ["教育局", "卫健委", "教育局", None, "卫健委"],
            "total": [95.456, 80.0, None, 0.0, 1e300],
            "n": pl.Series([1, 2, None, 4, 5], dtype=pl.UInt32),
            "complete": [True, False, None, True, False],
            "day": [dt.date(2025, 1, 2), None, dt.date(2025, 12, 31), dt.date(2000, 1, 1), None],
            "text": ["中文说明", "http://example.com", "", "a\tb", "x" * 100],
        }
    )


def write(folder: Path, writer: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(w.XLSX_WRITER_ENV, writer)
    tables = {"projects": frame(), "rejects": pl.DataFrame({"reason": ["空行"]})}
    (path,) = write_tables(tables, folder, ["xlsx"], HEADERS, META)
    return path


def test_the_rust_writer_is_the_default_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(w.XLSX_WRITER_ENV, raising=False)
    assert w.xlsx_writer() == "rustpy-xlsxwriter"
    monkeypatch.setenv(w.XLSX_WRITER_ENV, "xlsxwriter")
    assert w.xlsx_writer() == "xlsxwriter"
    monkeypatch.setenv(w.XLSX_WRITER_ENV, "openpyxl")
    with pytest.raises(JixiaoError, match="expected one of rustpy-xlsxwriter, xlsxwriter"):
        w.xlsx_writer()


def test_without_the_extra_xlsxwriter_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jixiao[fast-xlsx]` not installed: the fallback, silently; asked for: one line."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        w.importlib.util, "find_spec", lambda n, *a: None if n == "rustpy_xlsxwriter" else real(n)
    )
    monkeypatch.delenv(w.XLSX_WRITER_ENV, raising=False)
    assert w.xlsx_writer() == "xlsxwriter"
    monkeypatch.setattr(xlsx_fast, "write_fast", None)  # would fail if called
    (path,) = write_tables({"t": frame()}, tmp_path, ["xlsx"])
    assert _cells(path)["t"][1][:2] == ["P1", "教育局"]
    monkeypatch.setenv(w.XLSX_WRITER_ENV, "rustpy-xlsxwriter")
    with pytest.raises(JixiaoError, match=r"pip install 'jixiao\[fast-xlsx\]'"):
        w.xlsx_writer()


def _cells(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's values; an empty text is a blank cell (the Rust writer writes none)."""
    book = openpyxl.load_workbook(path)
    return {
        s.title: [[None if c.value == "" else c.value for c in row] for row in s.iter_rows()]
        for s in book.worksheets
    }


def test_both_writers_give_the_same_cells_headers_and_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = write(tmp_path / "fast", "rustpy-xlsxwriter", monkeypatch)
    slow = write(tmp_path / "slow", "xlsxwriter", monkeypatch)
    assert _cells(fast) == _cells(slow)
    rows = _cells(fast)["projects"]
    assert rows[0] == ["项目编号", "主管部门", "总分", "n", "complete", "day", "text"]
    assert rows[2][0] == "=1+1" and rows[3][0] == "@SUM(A1)"  # text, never a formula
    assert rows[1][5] == "2025-01-02"  # dates as their text, as before
    for path in (fast, slow):
        sheet = openpyxl.load_workbook(path)["projects"]
        assert sheet.freeze_panes == "A2"
        assert [sheet.cell(2, c).number_format for c in (3, 4)] == ["0.00", "0"]
        assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb == "FFDDEBF7"
        assert sheet["A1"].border.left.style == "thin"
        widths = [sheet.column_dimensions[x].width for x in "ABCDEFG"]
        assert widths == pytest.approx(_widths(slow))
        grids, _ = read_excel_sheets(path, str(path), ExcelOptions())  # jixiao's own reader
        assert [g[0] for g in grids] == ["projects", "rejects"]
        assert grids[0][1].row(1)[1:] == (
            "P1",
            "教育局",
            "95.456",
            "1",
            "TRUE",
            "2025-01-02",
            "中文说明",
        )


def _widths(path: Path) -> list[float | None]:
    sheet = openpyxl.load_workbook(path)["projects"]
    return [sheet.column_dimensions[x].width for x in "ABCDEFG"]


def test_properties_carry_the_ruleset_and_a_fixed_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = write(tmp_path / "fast", "rustpy-xlsxwriter", monkeypatch)
    slow = write(tmp_path / "slow", "xlsxwriter", monkeypatch)
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(slow) as b:
        for part in ("docProps/core.xml", "docProps/app.xml"):
            assert a.read(part) == b.read(part), part
        core = a.read("docProps/core.xml").decode()
        assert a.testzip() is None
    assert "jixiao.ruleset.id=project-self-eval; jixiao.ruleset.version=2025.1" in core
    assert "2000-01-01T00:00:00Z" in core and str(dt.date.today().year) not in core
    props = openpyxl.load_workbook(fast).properties
    assert props.description and "project-self-eval" in props.description


def test_reruns_are_byte_identical_across_a_clock_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library stamps the time in seconds: two runs a second apart, same bytes."""
    first = write(tmp_path / "a", "rustpy-xlsxwriter", monkeypatch)
    time.sleep(1.05)
    second = write(tmp_path / "b", "rustpy-xlsxwriter", monkeypatch)
    assert sha256_file(first) == sha256_file(second)


@pytest.mark.parametrize("writer", w.XLSX_WRITERS)
def test_over_the_row_limit_split_by_department(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    """Each department's rows stay together (in input order), whole departments packed
    while they fit, a department bigger than a sheet over several; a note on A1."""
    monkeypatch.setattr(w, "EXCEL_MAX_ROWS", 5)  # header + 4 data rows per sheet
    monkeypatch.setenv(w.XLSX_WRITER_ENV, writer)
    departments = ["甲", "乙", "甲", "丙", "乙", "丁", "丁", "丁", "丁", "丁", "丁", "甲"]
    table = pl.DataFrame(
        {"project_id": [f"P{i:02d}" for i in range(len(departments))], "department": departments}
    )
    (path,) = write_tables({"projects": table}, tmp_path, ["xlsx"], HEADERS)
    sheets = _cells(path)
    assert list(sheets) == ["projects", "projects (2)", "projects (3)", "projects (4)"]
    parts = [[tuple(r) for r in rows[1:]] for rows in sheets.values()]
    assert [[d for _, d in p] for p in parts] == [
        ["甲", "甲", "甲"],  # 甲 (3) then 乙 (2) would not fit in 4
        ["乙", "乙", "丙"],
        ["丁", "丁", "丁", "丁"],  # 丁 (6) over two sheets
        ["丁", "丁"],
    ]
    assert sorted(r for p in parts for r in p) == sorted(table.rows())
    book = openpyxl.load_workbook(path)
    note = book["projects (2)"]["A1"].comment
    assert note is not None and "第 2 部分（乙、丙）" in note.text and "parquet" in note.text
    assert book["projects"]["A1"].comment is not None


@pytest.mark.parametrize("writer", w.XLSX_WRITERS)
def test_split_without_department_goes_by_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    monkeypatch.setattr(w, "EXCEL_MAX_ROWS", 3)
    monkeypatch.setenv(w.XLSX_WRITER_ENV, writer)
    (path,) = write_tables({"t": pl.DataFrame({"x": range(5)})}, tmp_path, ["xlsx"])
    assert [len(rows) - 1 for rows in _cells(path).values()] == [2, 2, 1]


def test_a_failed_rust_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(sheets: object, path: Path, *args: object) -> None:
        path.write_bytes(b"PK half a workbook")
        raise RuntimeError("interrupted")

    monkeypatch.setenv(w.XLSX_WRITER_ENV, "rustpy-xlsxwriter")
    monkeypatch.setattr(xlsx_fast, "write_fast", broken)
    with pytest.raises(RuntimeError, match="interrupted"):
        write_tables({"t": frame()}, tmp_path, ["xlsx"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("writer", w.XLSX_WRITERS)
def test_lights_in_chinese_on_their_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    monkeypatch.setenv(w.XLSX_WRITER_ENV, writer)
    table = pl.DataFrame({"project_id": ["P1", "P2", "P3"], "light": ["red", "green", None]})
    written = write_light_tables(
        {"lights": table},
        tmp_path,
        ["xlsx"],
        {"lights": {"light": "预算执行灯"}},
        frozenset({"light"}),
    )
    rows = _cells(written[-1])["lights"]
    assert rows == [["project_id", "预算执行灯"], ["P1", "红"], ["P2", "绿"], ["P3", None]]
    with zipfile.ZipFile(written[-1]) as zf:
        styles = zf.read("xl/styles.xml").decode()
    assert "FF9C9C" in styles and "A9D08E" in styles
