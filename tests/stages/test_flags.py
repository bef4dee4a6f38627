"""The flags stage end to end (issue 9 items 1-2): which flags are raised on hand-made
rows, the flags table's columns and order, the count columns, the written outputs, and
explain recomputing every flag with the reference evaluator.

The rows below are worked by hand against tests/stages/rulesets/flags-engine.yaml (a test
ruleset extending project-self-eval; the built-in flags are tested by their YAML cases).
DOMAIN §2: a 正向 target is met when actual ≥ target; over-achievement from 1.3 × target
(the ruleset's params.over_achievement), the boundary itself included.
"""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl
import pytest

from jixiao.scoring import api, columns
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.explain.project import explain, explain_department
from jixiao.scoring.jobs.selfeval import Results
from jixiao.scoring.rules.compile import Plan

RULESET = Path(__file__).parent / "rulesets" / "flags-engine.yaml"
PROJECTS = """项目编号,项目名称,主管部门,实施单位,年度,年初预算数（万元）,全年预算数（万元）,全年执行数（万元）
P1,一,甲,u,2025,100,100,80
P2,二,甲,u,2025,100,100,95
P3,三,,u,2025,0,0,0
"""
INDICATORS = """项目编号,一级指标,二级指标,三级指标,指标性质,年度指标值,度量单位,实际完成值,分值,得分,偏差原因分析及改进措施
P1,产出指标,数量指标,A,,≥100,个,90,20,,
P1,产出指标,数量指标,B,,≥100,个,90,20,,已说明原因
P1,产出指标,质量指标,C,,≥100,个,130,10,,
P1,效益指标,社会效益指标,D,,≥100,个,129.9,30,,
P1,满意度指标,服务对象满意度指标,E,,≥90%,%,95%,10,,
P2,产出指标,数量指标,F,,≥100,个,50,50,,说明
P2,效益指标,社会效益指标,G,,≥100,个,50,30,,说明
P2,满意度指标,服务对象满意度指标,H,,≥90%,%,80%,10,,说明
P3,产出指标,数量指标,I,,≥100,个,10,50,,
"""


@pytest.fixture(scope="module")
def plan() -> Plan:
    return api.load_ruleset(str(RULESET))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("flags")
    (folder / "projects.csv").write_text(PROJECTS, "utf-8")
    (folder / "indicators.csv").write_text(INDICATORS, "utf-8")
    return [folder / "projects.csv", folder / "indicators.csv"]


@pytest.fixture(scope="module")
def results(plan: Plan, files: list[Path]) -> Results:
    return api.score(plan, files)


def test_raised_flags_in_row_then_ruleset_order(results: Results) -> None:
    got = results.flags.select("flag", "level", "project_id", "indicator", "source_row").rows()
    assert got == [
        ("missed", "indicator", "P1", "A", 2),  # 90 < 100, no explanation
        ("unexplained", "indicator", "P1", "A", 2),  # reads the earlier flag `missed`
        ("missed", "indicator", "P1", "B", 3),  # explained: no `unexplained`
        ("over", "indicator", "P1", "C", 4),  # 130 = 1.3 × 100: the boundary is raised
        ("unexplained", "indicator", "P1", "C", 4),  # explanation_due from `over`
        # D: 129.9 < 130, met: nothing
        ("missed", "indicator", "P2", "F", 7),
        ("missed", "indicator", "P2", "G", 8),
        ("missed", "indicator", "P2", "H", 9),
        ("missed", "indicator", "P3", "I", 10),
        ("unexplained", "indicator", "P3", "I", 10),
        ("low_execution", "project", "P1", None, 2),  # 80 / 100 < 0.9
        ("low_total", "project", "P2", None, 3),  # not low_execution, total < 80
        # P3: no budget, execution rate null: low_execution is not raised (null is not raised),
        # so `not low_execution` holds and its total (budget part 0) is under 80
        ("low_total", "project", "P3", None, 4),
        ("many_missed", "department", None, None, None),  # 甲: 2 + 3 missed > 3, 2 projects
    ]


def test_flag_columns_and_texts(results: Results) -> None:
    assert dict(results.flags.schema) == columns.schema("flags")
    rows = {
        (r["flag"], r["indicator"] or r["project_id"] or r["department"]): r
        for r in results.flags.iter_rows(named=True)
    }
    a = rows[("missed", "A")]
    assert a["message"] == "A 未达成: 实际 90 目标 100.00"
    assert a["values"] == "evaluable=true; achieved=false; indicator=A; actual=90; target=100"
    assert (a["severity"], a["explanation_required"], a["has_explanation"]) == (
        "warning",
        True,
        False,
    )
    assert a["department"] == "甲" and a["source_file"].endswith("indicators.csv")
    assert rows[("missed", "B")]["has_explanation"] is True
    over = rows[("over", "C")]
    assert over["message"] == "C 超额 130.0% (阈值 130%)"
    assert over["values"] == (
        "evaluable=true; direction=higher; actual=130; target=100; indicator=C; ratio=1.3; "
        "params.over_achievement=1.3"
    )
    unexplained = rows[("unexplained", "C")]
    assert unexplained["message"] == "{偏差} 未说明 10"
    assert unexplained["values"].startswith("explanation_due=true; missed=false;")
    low = rows[("low_execution", "P1")]
    assert low["message"] == "预算执行率 80.0% 低于 90%"
    assert low["values"] == "execution_rate=0.8; low_execution=0.9; params.low_execution=0.9"
    assert (low["indicator"], low["has_explanation"]) == (None, None)
    # the flag low_execution shares the param's name: its own `when` read the param (0.9,
    # shown above), the later low_total reads the flag (a boolean) under the bare name
    assert rows[("low_total", "P2")]["values"].startswith("low_execution=false; total=")
    dept = rows[("many_missed", "甲")]
    assert dept["message"] == "甲: 2 个项目, 执行率 87.50%"
    assert (
        dept["values"]
        == "sum(n_missed) = 5; count() = 2; department=甲; n_projects=2; execution_rate=0.875".replace(
            " = ", "="
        )
    )
    assert dept["source_file"] is None and dept["project_id"] is None


def test_count_columns(results: Results) -> None:
    counts = ["project_id", *columns.FLAG_COUNTS]
    assert results.project_scores.select(counts).rows() == [
        ("P1", 6, 1, 2, 3),  # over; missed ×2; unexplained ×2 and low_execution
        ("P2", 4, 1, 3, 0),  # low_total; missed ×3
        ("P3", 3, 1, 1, 1),  # low_total; missed; unexplained
    ]
    summary = results.department_summary.select("department", *columns.FLAG_COUNTS).rows()
    # 甲: P1 and P2 (10) and its own many_missed (warning)
    assert summary == [("(未填部门)", 3, 1, 1, 1), ("甲", 11, 2, 6, 3)]


def test_explain_lists_the_flags_of_a_project(plan: Plan, results: Results) -> None:
    e = explain(plan, results, "P1")
    assert [(f.flag, f.indicator) for f in e.flags] == [
        ("missed", "A"),
        ("unexplained", "A"),
        ("missed", "B"),
        ("over", "C"),
        ("unexplained", "C"),
        ("low_execution", None),
    ]
    assert e.flags[-1].values == "execution_rate=0.8; low_execution=0.9; params.low_execution=0.9"
    text = api.explanation_text(e)
    assert "[严重] low_execution · project: 预算执行率 80.0% 低于 90%" in text
    assert explain_department(plan, results, "甲")["flags"][0].message.startswith("甲: 2 个项目")


def test_explain_refuses_a_batch_flag_that_differs(plan: Plan, results: Results) -> None:
    tampered = Results(**{**results.__dict__})
    tampered.flags = results.flags.with_columns(
        pl.when(pl.col("flag") == "over")
        .then(pl.lit("C 超额 131.0%"))
        .otherwise(pl.col("message"))
        .alias("message")
    )
    with pytest.raises(JixiaoError, match="reference and batch differ"):
        explain(plan, tampered, "P1")
    tampered.flags = results.flags.filter(pl.col("flag") != "low_execution")
    with pytest.raises(JixiaoError, match="internal error"):
        explain(plan, tampered, "P1")
    tampered.flags = results.flags.filter(pl.col("level") != "department")
    with pytest.raises(JixiaoError, match="internal error"):
        explain_department(plan, tampered, "甲")


def test_written_everywhere(results: Results, plan: Plan, tmp_path: Path) -> None:
    api.write(results, tmp_path, ["xlsx", "csv", "parquet"], plan=plan)
    assert pl.read_parquet(tmp_path / "flags.parquet").equals(results.flags)
    assert pl.read_csv(tmp_path / "flags.csv").height == results.flags.height
    book = fastexcel.read_excel(str(tmp_path / "results.xlsx"))
    assert "偏差标记" in book.sheet_names
    sheet = book.load_sheet("偏差标记").to_polars()
    assert (
        sheet.columns[:3] == ["标记", "层级", "严重程度"] and sheet.height == results.flags.height
    )
    report = (tmp_path / "report.md").read_text("utf-8")
    section = report[report.index("## 偏差标记") :]
    # by flag, serious first; by department; the serious ones listed first
    assert section.index("| unexplained | 指标 | 严重 | 3 |") < section.index(
        "| missed | 指标 | 警告 | 6 | ✓ |"
    )
    assert "| 甲 | 11 | 3 | 6 | 2 |" in section
    listed = [line for line in section.splitlines() if line.startswith("- [")]
    assert listed[0].startswith("- [严重]") and listed[-1].startswith("- [提示]")


def test_no_flags_gives_an_empty_table_and_zero_counts(files: list[Path], tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    path.write_text("extends: project-self-eval\nid: no-flags\nflags: []\n", "utf-8")
    results = api.score(api.load_ruleset(str(path)), files)
    assert results.flags.height == 0 and dict(results.flags.schema) == columns.schema("flags")
    assert results.project_scores["n_flags"].to_list() == [0, 0, 0]
    assert results.department_summary["n_flags_serious"].to_list() == [0, 0]
    api.write(results, tmp_path / "out", ["csv"])
    assert "The ruleset declares no flags." in (tmp_path / "out" / "report.md").read_text("utf-8")


def test_bare_name_of_a_column_and_a_param_reads_the_column(
    tmp_path: Path, files: list[Path]
) -> None:
    path = tmp_path / "shadow.yaml"
    path.write_text(
        "extends: project-self-eval\nid: shadow\nparams: {ratio: 1000}\nflags:\n"
        "  - {id: bare, level: indicator, when: 'ratio > 1.2', message: '{ratio} {params.ratio}'}\n",
        "utf-8",
    )
    results = api.score(api.load_ruleset(str(path)), files)
    assert results.flags.select("project_id", "message", "values").rows() == [
        ("P1", "1.3 1000", "ratio=1.3; params.ratio=1000"),
        ("P1", "1.299 1000", "ratio=1.299; params.ratio=1000"),
    ]
