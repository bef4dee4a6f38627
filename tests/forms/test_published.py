"""Forms transcribed the way published self-evaluation tables read (cell by cell, as a
person copies them from a PDF into a sheet), not drawn by a builder: the reader must
take them as they come (issue 10: "we will also run forms you have not seen")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from jixiao.scoring import api

# A national form as county finance bureaus publish them: (A)/(B) suffixes, the 其中 label
# in its own column, 2 spacer rows, 一级 written once per group, 二级 once per group, a
# 满意度 row whose 二级 is 满意度指标, totals with 自评等级 in the same row.
NATIONAL: list[list[Any]] = [
    ["项目支出绩效自评表"],
    ["（ 2023 年度）"],
    [],
    ["项目名称", None, "城乡居民医疗救助资金"],
    ["主管部门", None, "县医疗保障局", None, None, "实施单位", "县医疗保障事务中心"],
    [
        "项目资金\n（万元）",
        None,
        None,
        "年初预算数",
        "全年预算数（A）",
        "全年执行数（B）",
        "分值",
        "执行率（B/A）",
        "得分",
    ],
    [None, "年度资金总额", None, 0, 0, 0, 10, "0.00%", 10],
    [None, "其中", "当年财政拨款", 420, 420, 398.3, "—", "—", "—"],
    [None, None, "上年结转资金", 30, 30, 30, "—", "—", "—"],
    [None, None, "其他资金", "/", "/", "/", "—", "—", "—"],
    ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
    [
        None,
        "保障困难群众基本医疗需求，救助2000人次以上",
        None,
        None,
        None,
        "救助2150人次，资金按时拨付",
    ],
    [],
    [
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ],
    [None, "产出指标（50分）", "数量指标", "救助人次", "≥2000人次", "2150人次", 20, 20, "/"],
    [None, None, "质量指标", "救助对象认定准确率", "≥95%", "98%", 15, 15, 0],
    [None, None, "时效指标", "资金拨付及时率", "100%", "100%", 15, 15, None],
    [
        None,
        "效益指标（30分）",
        "社会效益指标",
        "困难群众就医负担",
        "有效减轻",
        "有效减轻",
        30,
        30,
        None,
    ],
    [None, None, "成本指标", None, None, None, None, None, None],
    [None, "满意度指标（10分）", "满意度指标", "救助对象满意度", "≥90%", "93.5%", 10, 10, None],
    ["总分", None, None, None, None, None, 100, 99.5, "自评等级：优"],
]

# A Sichuan form (510000_0013zp) as exported: code in front of the name, 总额/其中 rows
# with the total blank, 权重 columns, a 合计 row, 评价结论 holding the grade.
SICHUAN: list[list[Any]] = [
    [None, "项目支出绩效自评表"],
    [
        None,
        "（2024年度）",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "报表编号：510000_0013zp",
    ],
    [None, "项目名称", "51000024T0000000012345 乡村道路养护补助"],
    [None, "主管部门", "某县交通运输局", None, None, None, "实施单位(盖章)", "某县公路养护中心"],
    [
        None,
        "预算执行情况（10分）",
        None,
        "年初预算",
        "调整后预算数",
        "预算执行数",
        "预算执行率",
        "权重",
        "得分",
        "原因",
    ],
    [None, None, "总额", None, None, None, None, 10, 9.2, None],
    [None, None, "其中：财政拨款", 150, 150, 138, "92%", None, None, None],
    [None, None, "其他资金", 0, 0, 0, None, None, None, None],
    [
        None,
        "绩效指标（90分）",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "指标值",
        "度量单位",
        "完成值",
        "权重",
        "得分",
        "未完成原因分析",
    ],
    [None, None, "产出指标", "数量指标", "养护里程", "≥", "120", "公里", "126", 30, 30, None],
    [
        None,
        None,
        "产出指标",
        "质量指标",
        "路面优良率",
        "≥",
        "85",
        "%",
        "80",
        20,
        18.82,
        "部分路段受汛期水毁影响，约6公里未达标",
    ],
    [
        None,
        None,
        "产出指标",
        "成本指标",
        "每公里养护成本",
        "≤",
        "1.25",
        "万元",
        "1.1",
        10,
        10,
        None,
    ],
    [
        None,
        None,
        "效益指标",
        "社会效益指标",
        "群众出行条件",
        "定性",
        "明显改善",
        None,
        "好",
        20,
        20,
        None,
    ],
    [
        None,
        None,
        "满意度指标",
        "服务对象满意度指标",
        "沿线群众满意度",
        "≥",
        "90",
        "%",
        "95",
        10,
        10,
        None,
    ],
    [None, "合计", None, None, None, None, None, None, None, 90, 97.02, None],
    [None, "评价结论", "优"],
    [None, "存在问题", "个别路段养护不及时"],
    [None, "改进措施", "/"],
]


def _book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_published_national(tmp_path: Path) -> None:
    path = _book(tmp_path / "医保局.xlsx", {"填表说明": [["请按要求填写"]], "医疗救助": NATIONAL})
    read = api.read_forms([path])
    assert read.problems == []
    [form] = read.forms
    p = form.project
    assert form.layout == "national"
    assert p["project_id"] == "医保局.xlsx#医疗救助"
    assert (p["project_name"], p["department"], p["unit"], p["year"]) == (
        "城乡居民医疗救助资金",
        "县医疗保障局",
        "县医疗保障事务中心",
        "2023",
    )
    # 年度资金总额 all zero: the 其中 rows are used and both are kept
    assert (p["budget"], p["spent"], p["budget_initial"]) == ("450", "428.3", "450")
    assert (p["funds_total_written"], p["funds_parts_sum"]) == ("0", "450")
    assert form.funds_mismatch
    assert (p["claimed_budget_score"], p["claimed_total"], p["claimed_grade"]) == (
        "10",
        "99.5",
        "优",
    )
    rows = [values for _, values in form.indicators]
    assert [r["indicator"] for r in rows] == [
        "救助人次",
        "救助对象认定准确率",
        "资金拨付及时率",
        "困难群众就医负担",
        "救助对象满意度",
    ]
    assert [r["level1"] for r in rows] == ["产出指标（50分）"] * 3 + [
        "效益指标（30分）",
        "满意度指标（10分）",
    ]
    assert [r["level2"] for r in rows][-1] == "满意度指标"
    assert [r["explanation"] for r in rows][:2] == [None, None]  # `/` and 0: nothing said
    assert [row for row, _ in form.indicators] == [15, 16, 17, 18, 20]
    scores = api.score(api.load_ruleset(), [path])
    assert scores.rejects.height == 0, scores.rejects
    row = scores.project_scores.row(0, named=True)
    assert row["n_indicators"] == 5 and row["claimed_total"] == "99.5"
    assert row["funds_total_written"] == 0 and row["funds_parts_sum"] == 450


def test_published_sichuan(tmp_path: Path) -> None:
    path = _book(tmp_path / "交通局.xlsx", {"Sheet1": SICHUAN})
    read = api.read_forms([path])
    assert read.problems == []
    [form] = read.forms
    p = form.project
    assert form.layout == "sichuan"
    assert p["project_id"] == "51000024T0000000012345"
    assert p["project_name"] == "乡村道路养护补助"
    assert (p["department"], p["unit"], p["year"]) == ("某县交通运输局", "某县公路养护中心", "2024")
    # 总额 blank: the 其中 rows' sums
    assert (p["budget"], p["spent"]) == ("150", "138")
    assert (p["funds_total_written"], p["funds_parts_sum"]) == (None, "150")
    assert (p["claimed_budget_score"], p["claimed_total"], p["claimed_grade"]) == (
        "9.2",
        "97.02",
        "优",
    )
    rows = [values for _, values in form.indicators]
    assert [(r["comparator"], r["target"], r["unit"], r["actual"]) for r in rows][1] == (
        "≥",
        "85",
        "%",
        "80",
    )
    assert [r["claimed_score"] for r in rows] == ["30", "18.82", "10", "20", "10"]
    scores = api.score(api.load_ruleset("sichuan-10-90"), [path])
    assert scores.rejects.height == 0, scores.rejects
    row = scores.project_scores.row(0, named=True)
    assert row["n_indicators"] == 5
    assert row["total"] == pytest.approx(9.2 + 30 + 20 * 80 / 85 + 10 + 20 + 10, abs=0.01)
