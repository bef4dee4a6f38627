"""青神县发展和改革局, 工资性支出, 部门预算项目支出绩效自评表（2023年度）, Sichuan layout
(报表编号 510000_0013zp, 四川 眉山).

Transcribed from https://www.scqs.gov.cn/info/13206/211004.htm. What it shows: the code
`51000021R000000019951` (21 characters) joined to the name by `-`; `实施单位 (盖章)`
with a space; a 项目基本情况 block (年度目标, 实施内容) between the header and the funds;
`年度预算数(万元)` as a merged label beside 总额 in front of the amounts; 其中 rows
`其中:财政资金`, 财政专户管理资金, 单位资金, 其他资金 with `0.00%` and `/`; the long 原因
note merged down the funds rows; 指标性质 `=`; 完成值 and 得分 left blank (the form as
published is the department's unfilled copy: the claims are blank); 合计 100 under 权重
in a merged cell; 评价结论 / 存在问题 / 改进措施 holding the template's instructions.
"""

from __future__ import annotations

from published.book import Sheet

SOURCE = "https://www.scqs.gov.cn/info/13206/211004.htm"

_NOTE = (
    "1.预算执行率=预算执行数/调整后预算数,预算执行率未达到90%的需说明原因(100字以内);"
    "2.年中发生预算调整的(追加或调减),应单独说明理由;3.其他资金包括:社会投入资金、银行贷款."
)

SHEET = Sheet(
    rows=[
        [None, None, None, None, None, None, None, None, None, "报表编号:510000_0013zp"],
        ["部门预算项目支出绩效自评表(2023年度)"],
        ["项目名称", "51000021R000000019951-工资性支出"],
        [
            "主管部门",
            "青神县发展和改革局本级",
            None,
            None,
            None,
            "实施单位 (盖章)",
            "青神县发展和改革局",
        ],
        [
            "项目基本情况",
            "1.项目年度目标完成情况",
            "项目年度目标",
            None,
            None,
            None,
            "年度目标完成情况",
        ],
        [
            None,
            None,
            "严格执行相关政策,保障工资及时、足额发放或社保及时、足额缴纳,预算编制科学合理,减少结余资金。",
            None,
            None,
            None,
            "对照年度目标,说明相关任务目标的完成情况(100字以内)",
        ],
        [None, "2.项目实施内容及过程概述", None],
        [
            "预算执行情况(10分)",
            "年度预算数(万元)",
            "年初预算",
            "调整后预算数",
            "预算执行数",
            "预算执行率",
            "权重",
            "得分",
            "原因",
        ],
        [None, "总额", 238.93, 251.89, 251.89, "100.00%", 10, None, _NOTE],
        [None, "其中:财政资金", 238.93, 251.89, 251.89, "100.00%", "/", "/"],
        [None, "财政专户管理资金", 0.0, 0.0, 0.0, "0.00%", "/", "/"],
        [None, "单位资金", 0.0, 0.0, 0.0, "0.00%", "/", "/"],
        [None, "其他资金", None, None, None, None, "/", "/"],
        [
            "绩效指标(90分)",
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
        [None, "产出指标", "数量指标", "发放(缴纳)覆盖率", "=", "100", "%", None, 60, None, None],
        [
            None,
            "效益指标",
            "社会效益指标",
            "足额保障率(参保率)",
            "=",
            "100",
            "%",
            None,
            30,
            None,
            None,
        ],
        ["合计", None, None, None, None, None, None, None, 100, None, None],
        ["评价结论", "结合自评情况,说明项目自评总分,说明项目实施取得的成效或成果。(200字以内)"],
        ["存在问题", "结合自评情况,分析存在的问题及原因。(200字以内)"],
        [
            "改进措施",
            "针对项目自评中发现的问题,提出下一步改进完善的意见及有关政策性建议。(200字以内)",
        ],
        ["项目负责人:", None, None, None, None, "财务负责人:"],
    ],
    merges=[
        "J1:K1",
        "A2:K2",
        "B3:K3",
        "A5:A7",
        "I9:K13",
        "A8:A13",
        "A14:A16",
        "A17:H17",
        "B18:K18",
    ],
)

PROJECT = {
    "project_id": "51000021R000000019951",
    "project_name": "工资性支出",
    "department": "青神县发展和改革局本级",
    "unit": "青神县发展和改革局",
    "year": "2023",
    "budget_initial": "238.93",
    "budget": "251.89",
    "spent": "251.89",
    "claimed_budget_score": None,
    "claimed_total": None,
    "claimed_grade": None,
}
INDICATORS = [
    ("产出指标", "数量指标", "发放(缴纳)覆盖率", "100", None, "60", None),
    ("效益指标", "社会效益指标", "足额保障率(参保率)", "100", None, "30", None),
]
