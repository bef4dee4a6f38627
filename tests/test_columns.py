"""The output column registry (scoring/columns.py) against what the pipeline produces,
the flag contexts, the workbook headers and docs/outputs.md."""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl
import pytest

from jixiao.scoring import api, columns
from jixiao.scoring.columns import Expansion
from jixiao.scoring.rules import contexts

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample-district"


@pytest.fixture(scope="module")
def scored() -> tuple[api.Plan, api.Results]:
    plan = api.load_ruleset()
    return plan, api.score(plan, [SAMPLE / "projects.csv", SAMPLE / "indicators.csv"])


def expansion(plan: api.Plan) -> Expansion:
    grades = [g.name for g in sorted(plan.loaded.ruleset.grades, key=lambda g: -g.min)]
    return Expansion(plan.categories, list(plan.common), [*grades, "未定级"])


@pytest.mark.parametrize("table", list(columns.TABLES))
def test_registry_matches_the_tables_the_pipeline_produces(
    table: str, scored: tuple[api.Plan, api.Results]
) -> None:
    """Names, order and dtypes, on the sample district (every table, rejects included)."""
    plan, results = scored
    frame = results.tables()[table]
    assert dict(frame.schema) == columns.schema(table, expansion(plan))


def test_selections_for_the_pipeline(scored: tuple[api.Plan, api.Results]) -> None:
    plan, results = scored
    provenance = ["source_file", "source_sheet", "source_row"]
    assert columns.indicator_columns() + provenance == results.indicator_scores.columns
    assert (
        columns.project_columns(plan.categories, list(plan.common)) + provenance
        == results.project_scores.columns
    )
    assert "output_score" in columns.project_columns(plan.categories, list(plan.common))
    grades = expansion(plan).grades
    assert columns.department_columns(grades) == results.department_summary.columns


def test_flag_contexts_are_the_registry_columns_marked_flag() -> None:
    """contexts.py can take its flag names from the registry without any change."""
    cats = ("output", "benefit", "satisfaction")
    assert columns.expression_names("indicator_scores") == contexts.flag_names("indicator")
    assert columns.expression_names("project_scores", cats) == contexts.flag_names("project", cats)
    assert columns.expression_names("department_summary") == contexts.flag_names("department")


def test_workbook_headers_come_from_the_registry(
    scored: tuple[api.Plan, api.Results], tmp_path: Path
) -> None:
    plan, results = scored
    api.write(results, tmp_path, ["xlsx"], plan=plan)
    book = fastexcel.read_excel(str(tmp_path / "results.xlsx"))
    projects = book.load_sheet("project_scores", n_rows=1).to_polars().columns
    assert projects[:3] == ["项目编号", "项目名称", "主管部门"]
    assert {"产出得分", "效益得分", "满意度得分", "预算支出率", "产出分值"} <= set(projects)
    indicators = book.load_sheet("indicator_scores", n_rows=1).to_polars().columns
    # per table: `unit` of an indicator row is its unit of measure, not 实施单位
    assert "计量单位(解析)" in indicators and "实施单位" not in indicators
    departments = book.load_sheet("department_summary", n_rows=1).to_polars().columns
    assert departments[6:11] == ["优(个)", "良(个)", "中(个)", "差(个)", "未定级(个)"]
    assert len(projects) == len(results.project_scores.columns)


def test_write_without_a_plan_labels_the_same(
    scored: tuple[api.Plan, api.Results], tmp_path: Path
) -> None:
    _, results = scored
    api.write(results, tmp_path, ["xlsx"])
    sheet = pl.read_excel(tmp_path / "results.xlsx", sheet_name="project_scores")
    assert "产出得分" in sheet.columns


def test_committed_outputs_doc_is_current() -> None:
    committed = (ROOT / "docs" / "outputs.md").read_text("utf-8")
    assert committed == columns.markdown(), (
        "run: python -m jixiao.scoring.columns > docs/outputs.md"
    )
