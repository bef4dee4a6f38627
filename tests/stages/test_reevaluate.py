"""jobs.reevaluate.run: the fixed interface, the registry's columns, the order of lines,
param overrides, the risk order, and rulesets without a `reevaluation:` section
(DOMAIN §5; docs/reevaluation.md "Rules")."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from jixiao.scoring import api, columns
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.jobs import reevaluate

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "examples" / "sample-district" / "forms"

PROJECTS = [
    {"项目编号": "P2", "项目名称": "乙项目", "主管部门": "乙局", "全年预算数": "100",
     "全年执行数": "80", "自评预算执行得分": "10", "自评总分": "98分", "自评等级": "优秀"},
    {"项目编号": "P1", "项目名称": "甲项目", "主管部门": "", "全年预算数": "100",
     "全年执行数": "100", "自评预算执行得分": "10", "自评总分": "九十", "自评等级": ""},
    {"项目编号": "P3", "项目名称": "无指标", "主管部门": "乙局", "全年预算数": "100",
     "全年执行数": "100", "自评预算执行得分": "", "自评总分": "", "自评等级": ""},
]  # fmt: skip
INDICATORS = [
    {"项目编号": "P1", "一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "甲一",
     "年度指标值": "≥100人次", "实际完成值": "80", "分值": "80", "得分": "80"},
    {"项目编号": "P2", "一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "乙一",
     "年度指标值": "≥100人次", "实际完成值": "100", "分值": "45", "得分": "45"},
    {"项目编号": "P1", "一级指标": "效益指标", "二级指标": "社会效益指标", "三级指标": "甲二",
     "年度指标值": "合规", "实际完成值": "达成", "分值": "10", "得分": ""},
    {"项目编号": "P2", "一级指标": "产出指标", "二级指标": "质量指标", "三级指标": "乙二",
     "年度指标值": "≥95%", "实际完成值": "90%", "分值": "45", "得分": "45"},
]  # fmt: skip


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("reevaluate")
    return [_write(folder / "p.csv", PROJECTS), _write(folder / "i.csv", INDICATORS)]


@pytest.fixture(scope="module")
def plan() -> api.Plan:
    return api.load_ruleset()


@pytest.fixture(scope="module")
def results(plan: api.Plan, inputs: list[Path]) -> reevaluate.ReevaluationResults:
    return reevaluate.run(plan, api.read(plan, inputs))


def test_the_three_tables_have_the_registry_columns(
    results: reevaluate.ReevaluationResults,
) -> None:
    tables = results.tables()
    assert list(tables) == list(columns.REEVALUATION_TABLES)
    for name, frame in tables.items():
        assert dict(frame.schema) == columns.reevaluation_schema(name), name
    assert results.scored.flags is not None and "reevaluation" in results.manifest


def test_lines_budget_first_then_indicators_in_input_order(
    results: reevaluate.ReevaluationResults,
) -> None:
    lines = results.indicators
    got = list(zip(lines["project_id"], lines["indicator"], strict=True))
    assert got == [
        ("P2", "预算执行率"), ("P2", "乙一"), ("P2", "乙二"),
        ("P1", "预算执行率"), ("P1", "甲一"), ("P1", "甲二"),
        ("P3", "预算执行率"),
    ]  # fmt: skip
    budget = lines.row(0, named=True)
    # DOMAIN §2: 80 / 100 × 10 = 8 against a claimed 10
    assert (budget["level1"], budget["points"], budget["claimed_score"]) == (
        "budget_execution",
        10.0,
        10.0,
    )
    assert (budget["score"], budget["difference"], budget["reason_code"]) == (
        8.0,
        2.0,
        "budget_arithmetic",
    )
    assert lines.filter(pl.col("project_id") == "P1")["department"].to_list() == ["(未填部门)"] * 3


def test_projects_read_claims_and_keep_every_row(
    results: reevaluate.ReevaluationResults,
) -> None:
    rows = {r["project_id"]: r for r in results.projects.iter_rows(named=True)}
    assert list(rows) == ["P2", "P1", "P3"]
    p2 = rows["P2"]
    assert (p2["claimed_total"], p2["claimed_grade"], p2["claimed_grade_source"]) == (
        98.0,
        "优",
        "自评等级",
    )
    assert rows["P1"]["claimed_total"] is None and "九十" in rows["P1"]["claim_error"]
    assert rows["P3"]["claim_error"] is None and rows["P3"]["n_differences"] == 0
    assert rows["P2"]["reason_codes"] == "full_points_not_met×1; budget_arithmetic×1"


def test_departments_are_ranked(results: reevaluate.ReevaluationResults) -> None:
    depts = results.departments
    assert depts["rank"].to_list() == list(range(1, depts.height + 1))
    assert depts["department"].to_list() == ["乙局", "(未填部门)"]


def test_param_overrides_are_checked_and_recorded(plan: api.Plan, inputs: list[Path]) -> None:
    read = api.read(plan, inputs)
    with pytest.raises(JixiaoError, match="did you mean 'threshold_points'"):
        reevaluate.run(plan, read, params={"threshold_point": 3})
    with pytest.raises(JixiaoError, match="must be true or false"):
        reevaluate.run(plan, read, params={"grade_change_counts": 1})
    with pytest.raises(JixiaoError, match="must be a number"):
        reevaluate.run(plan, read, params={"threshold_points": True})
    with pytest.raises(JixiaoError, match="finite"):
        reevaluate.run(plan, read, params={"threshold_points": float("nan")})
    with pytest.raises(JixiaoError, match="not read by the ruleset's reevaluation rules"):
        reevaluate.run(plan, read, params={"low_execution": 0.5})
    done = reevaluate.run(plan, read, params={"threshold_points": 50, "grade_change_counts": False})
    assert done.manifest["reevaluation"]["overrides"] == {
        "grade_change_counts": False,
        "threshold_points": 50.0,
    }
    assert not done.projects["over_threshold"].any()


def test_risk_keys_sort_the_projects(
    plan: api.Plan, results: reevaluate.ReevaluationResults
) -> None:
    keys = reevaluate.risk_keys(plan)
    assert len(keys) == 3
    order = results.projects.sort(
        [*keys, pl.col("project_id")],
        descending=[True] * len(keys) + [False],
        nulls_last=True,
    )["project_id"].to_list()
    # no grade changes here; P2 has the only gap (98 − 95.63), the blank gaps sort last
    assert order[0] == "P2"


def test_a_ruleset_without_the_section_is_refused(tmp_path: Path, inputs: list[Path]) -> None:
    path = tmp_path / "no-reeval.yaml"
    path.write_text(
        "extends: project-self-eval\nid: no-reeval\nname: 无复核\nreevaluation: null\n", "utf-8"
    )
    plan = api.load_ruleset(str(path))
    with pytest.raises(JixiaoError, match="no reevaluation: section"):
        reevaluate.run(plan, api.read(plan, inputs))


def test_forms_of_both_layouts_and_sichuan(plan: api.Plan) -> None:
    """The example forms (both layouts) re-evaluate under both built-in rulesets."""
    paths = sorted(FORMS.glob("*.xlsx"))
    for ref in ("project-self-eval", "sichuan-10-90"):
        ruleset = api.load_ruleset(ref)
        done = reevaluate.run(ruleset, api.read(ruleset, paths))
        assert done.projects.height == done.scored.project_scores.height > 0
        assert done.projects["claimed_total"].is_not_null().all()
        differ = done.indicators.filter(pl.col("reason_code").is_not_null())
        assert differ.height > 0 and differ["reason"].is_not_null().all()
