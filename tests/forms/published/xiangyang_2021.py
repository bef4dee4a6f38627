"""襄阳市中心医院, 东津院区建设补助, 2021年度财政项目绩效自评表 (湖北 襄阳).

Transcribed from https://taowenge.com/d-68000429.html (the published docx's text).
What it shows: `单位名称:…  填报日期:…` above the header; 项目实施单位; 项目类别 with
check boxes; the funds block 预算执行情况(万元)(20分) | 预算数(A) | 执行数(B) |
执行率(B/A) | 得分(20分*执行率) with the row 年度财政资金总额; the indicator block
年度绩效目标(80分) | 一级 | 二级 | 三级 | 年初目标值(A) | 实际完成值(B) | 得分 — and no
分值 column: the points of each indicator are not on the form. It cannot be scored
indicator by indicator, and the reader must say which label is missing rather than
guess points. Its first four indicator rows are transcribed.
"""

from __future__ import annotations

from published.book import Sheet

SOURCE = "https://taowenge.com/d-68000429.html"

SHEET = Sheet(
    rows=[
        ["2021年度财政项目绩效自评表"],
        ["单位名称:襄阳市中心医院", None, None, "填报日期:2022年3月18日"],
        ["项目名称", "东津院区建设补助", None, "主管部门", "襄阳市卫生健康委"],
        [
            "项目实施单位",
            "襄阳市中心医院",
            None,
            "项目类别",
            "1、部门预算项目 □2、财政专项 □3、市对下转移支付项目",
        ],
        [
            "预算执行情况 (万元) (20分)",
            None,
            "预算数(A)",
            "执行数(B)",
            "执行率(B/A)",
            "得分(20分*执行率)",
        ],
        [None, "年度财政资金总额", 1000, 1000, "100%", 20],
        [
            "年度绩效目标(80分)",
            "一级指标",
            "二级指标",
            "三级指标",
            "年初目标值 (A)",
            "实际完成值 (B)",
            "得分",
        ],
        [None, "产出指标", "数量指标", "成本控制", "不超过预算", "不超过预算", 10],
        [None, None, "质量指标", "保证财政建设补助专款专用", "专款专用", "专款专用", 10],
        [None, None, "成本", "每年财政补助1000万元", "1000万元", "1000万元", 10],
        [None, None, "时效", "1年", "1年", "1年", 10],
    ],
    merges=["A5:A6", "A7:A11", "B8:B11"],
)

PROBLEM = r"label 分值 \(分值/权重/指标分值\) not found in the indicator header at row 7"
