"""稷山县医疗保障局, 建档立卡个人缴费县级配套资金, 稷山县项目支出绩效自评表（2020年度),
national layout (山西 运城).

Transcribed from https://keke.chddh.cn/archives/bqg98jldqdz7y2xm7pe6.html (the published
xlsx 建档立卡个人缴费县级配套绩效自评表). What it shows: a county prefix in the title;
`年初预算数 (万元)` with the unit in the header; 年初预算数 left blank; `—` in unused
cells; 执行率 `99%`; 三级 names prefixed `指标1:`; 二级 `社会效益` (no 指标) and
`服务对象满\n意度指标` wrapped inside the cell; the 偏差原因 text wrapped over two rows
(`建档立卡中有新增死亡` / `人员,导致有偏差`), so the 三级 cell and its numbers are merged
over the two rows; 总分 in a cell merged across the label columns; no 自评等级.
"""

from __future__ import annotations

from published.book import Sheet

SOURCE = "https://keke.chddh.cn/archives/bqg98jldqdz7y2xm7pe6.html"

SHEET = Sheet(
    rows=[
        ["稷山县项目支出绩效自评表"],
        ["(2020年度)"],
        ["项目名称", "建档立卡个人缴费县级配套资金"],
        ["主管部门", "稷山县医疗保障局", None, None, None, "实施单位", "稷山县医疗保险服务中心"],
        [
            "项目资金\n(万元)",
            None,
            "年初预算数 (万元)",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ],
        [None, "年度资金总额", None, 65.66, 65.07, 10, "99%", 9],
        [None, "其中:当年财政拨款", None, 65.66, 65.07, "—", "99%", "—"],
        [None, "上年结转资金", None, None, None, "—", None, "—"],
        [None, "其他资金", None, None, None, "—", None, "—"],
        ["年度总\n体目标", "预期目标", None, None, None, "实际完成情况"],
        [
            None,
            "提高医疗保障水平,推进因病致贫问题的根本性解决",
            None,
            None,
            None,
            "提高医疗保障水平,推进了因病致贫问题的基本性解决",
        ],
        [
            "绩 效 指 标",
            "一级\n指标",
            "二级指标",
            "三级指标",
            "年度\n指标值",
            "实际\n完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措\n施",
        ],
        [
            None,
            "产出\n指标\n(50分\n)",
            "数量指标",
            "指标1:全县参合人数",
            "8755",
            "8676",
            15,
            13,
            "建档立卡中有新增死亡",
        ],
        [None, None, None, None, None, None, None, None, "人员,导致有偏差"],
        [None, None, "质量指标", "指标1:资金是否全部纳入医保统筹", "100%", "100%", 15, 15],
        [None, None, "时效指标", "指标1:资金是否全部及时纳入", "100%", "100%", 10, 10],
        [None, None, "成本指标", "指标1:配套资金每人每年", "75元", "75元", 10, 10],
        [
            None,
            "效益指\n标(30\n分)",
            "社会效益",
            "指标1:是否解决建档立卡人员看病难贵问题",
            "95%",
            "95%",
            30,
            27,
        ],
        [
            None,
            "满意度\n指标\n(10分\n)",
            "服务对象满\n意度指标",
            "指标1:是否满意",
            "95%",
            "95%",
            10,
            9,
        ],
        ["总分", None, None, None, None, None, 100, 94],
    ],
    merges=[
        "A5:A9",
        "A10:A11",
        "A12:A19",
        "B13:B17",
        "C13:C14",
        "D13:D14",
        "E13:E14",
        "F13:F14",
        "G13:G14",
        "H13:H14",
        "A20:F20",
    ],
)

PROJECT = {
    "project_name": "建档立卡个人缴费县级配套资金",
    "department": "稷山县医疗保障局",
    "unit": "稷山县医疗保险服务中心",
    "year": "2020",
    "budget_initial": None,
    "budget": "65.66",
    "spent": "65.07",
    "claimed_budget_score": "9",
    "claimed_total": "94",
    "claimed_grade": None,
}
INDICATORS = [
    ("产出\n指标\n(50分\n)", "数量指标", "指标1:全县参合人数", "8755", "8676", "15", "13"),
    (
        "产出\n指标\n(50分\n)",
        "质量指标",
        "指标1:资金是否全部纳入医保统筹",
        "100%",
        "100%",
        "15",
        "15",
    ),
    ("产出\n指标\n(50分\n)", "时效指标", "指标1:资金是否全部及时纳入", "100%", "100%", "10", "10"),
    ("产出\n指标\n(50分\n)", "成本指标", "指标1:配套资金每人每年", "75元", "75元", "10", "10"),
    (
        "效益指\n标(30\n分)",
        "社会效益",
        "指标1:是否解决建档立卡人员看病难贵问题",
        "95%",
        "95%",
        "30",
        "27",
    ),
    ("满意度\n指标\n(10分\n)", "服务对象满\n意度指标", "指标1:是否满意", "95%", "95%", "10", "9"),
]
EXPLANATION = "建档立卡中有新增死亡\n人员,导致有偏差"
