"""The re-evaluation writer (io/write_reevaluation.py) on tables with the fixed columns:
the summary workbook's sheets, one workbook per department with only its rows, hostile
department names kept inside departments/, the same bytes twice."""

from __future__ import annotations

import json
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from jixiao.scoring.errors import OutputError
from jixiao.scoring.io import staging
from jixiao.scoring.io.write_reevaluation import (
    DEPARTMENT_SHEETS,
    SUMMARY_SHEETS,
    department_files,
    output_names,
    write_reevaluation_files,
)

DEPARTMENTS = ["区教育局", "../../逃逸", "CON", None, "a/b", "a:b", "区" * 200]


def tables() -> dict[str, pl.DataFrame]:
    projects = pl.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(len(DEPARTMENTS))],
            "department": DEPARTMENTS,
            "gap": [float(i) for i in range(len(DEPARTMENTS))],
        },
        schema_overrides={"department": pl.String()},
    )
    indicators = pl.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(len(DEPARTMENTS)) for _ in (0, 1)],
            "department": [d for d in DEPARTMENTS for _ in (0, 1)],
            "reason_code": [c for _ in DEPARTMENTS for c in ("arithmetic", None)],
            "reason": [c for _ in DEPARTMENTS for c in ("=1+1 算术错误", None)],
        },
        schema_overrides={"department": pl.String(), "reason_code": pl.String()},
    )
    flags = pl.DataFrame(
        {"flag": ["f1", "f2"], "department": ["区教育局", "CON"]},
    )
    departments = pl.DataFrame({"department": ["区教育局"], "rank": [1]})
    sample = pl.DataFrame({"rank": [1], "project_id": ["P0"]})
    return {
        "reevaluation_indicators": indicators,
        "reevaluation_projects": projects,
        "reevaluation_departments": departments,
        "sample": sample,
        "flags": flags,
    }


HEADERS = {"reevaluation_projects": {"project_id": "项目编号", "department": "主管部门"}}


def write(out: Path, formats: list[str]) -> list[Path]:
    out.mkdir()
    return write_reevaluation_files(tables(), out, formats, HEADERS)


def test_files_listed_are_the_files_written(tmp_path: Path) -> None:
    paths = write(tmp_path / "out", ["csv", "parquet", "xlsx"])
    relative = sorted(p.relative_to(tmp_path / "out").as_posix() for p in paths)
    assert relative == sorted(output_names(tables(), ["csv", "parquet", "xlsx"], DEPARTMENTS))
    on_disk = sorted(
        p.relative_to(tmp_path / "out").as_posix()
        for p in (tmp_path / "out").rglob("*")
        if p.is_file()
    )
    assert on_disk == relative


def test_hostile_department_names_stay_in_departments(tmp_path: Path) -> None:
    write(tmp_path / "out", ["xlsx"])
    folder = tmp_path / "out" / "departments"
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == len(DEPARTMENTS)
    assert all(p.parent == folder for p in folder.iterdir())
    assert not list(tmp_path.glob("逃逸*")) and not (tmp_path / "out" / "CON.xlsx").exists()
    assert "_CON.xlsx" in files and "(未填部门).xlsx" in files


def test_each_department_gets_only_its_rows(tmp_path: Path) -> None:
    write(tmp_path / "out", ["xlsx"])
    for department, name in department_files(DEPARTMENTS).items():
        book = fastexcel.read_excel(tmp_path / "out" / name)
        assert book.sheet_names == list(DEPARTMENT_SHEETS)
        projects = pl.DataFrame(book.load_sheet("项目复核").to_polars())
        assert projects["主管部门"].to_list() == [department]
        differences = book.load_sheet("指标差异").to_polars()
        assert differences.height == 1  # the row without a reason is not a difference
        flags = book.load_sheet("偏差标记").to_polars()
        assert flags.height == (1 if department in ("区教育局", "CON") else 0)


def test_summary_workbook_sheets(tmp_path: Path) -> None:
    write(tmp_path / "out", ["xlsx"])
    book = fastexcel.read_excel(tmp_path / "out" / "reevaluation.xlsx")
    assert book.sheet_names == list(SUMMARY_SHEETS)
    assert book.load_sheet("指标差异").height == len(DEPARTMENTS)
    assert book.load_sheet("项目复核").height == len(DEPARTMENTS)


def test_same_tables_same_bytes(tmp_path: Path) -> None:
    one = write(tmp_path / "a", ["csv", "parquet", "xlsx"])
    two = write(tmp_path / "b", ["csv", "parquet", "xlsx"])
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_previous_runs_departments_folder_is_replaced_not_refused(tmp_path: Path) -> None:
    """staging.check_out accepts a folder whose files the previous manifest lists."""
    out = tmp_path / "out"
    names = output_names(tables(), ["xlsx"], DEPARTMENTS)
    with staging.staged(out, [*names, "manifest.json"]) as folder:
        write_reevaluation_files(tables(), folder, ["xlsx"], HEADERS)
        manifest = {"outputs": [*names, "manifest.json"]}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    staging.check_out(out, staging.previous_outputs(out))  # its departments/ is ours
    (out / "departments" / "mine.txt").write_text("a user's file")
    with pytest.raises(OutputError, match="departments"):
        staging.check_out(out, staging.previous_outputs(out))
