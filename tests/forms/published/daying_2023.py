"""大英县司法局, 2023年全县安可替代补助资金项目, 部门预算项目支出绩效自评表（2023年度）,
Sichuan layout (四川 遂宁).

Transcribed from https://dyxrmt.cn/article-157795-21.html (the county's 部门决算 page,
several forms in a row). What it shows: the code `51092324T000010263357` (21 characters)
joined by `-` to a name that itself starts with a year (`2023年全县…`); 年初预算 `0.00`
with the whole budget added during the year (3.36); 总额 with 权重 10 and 得分 10;
指标性质 `=`; one indicator carrying 90 of the 90 points. The excerpt stops after the
indicator's 指标值 (`= | 100 |`): its 度量单位 `%`, 完成值 100, 权重 90, 得分 90, the 合计
row (100 / 100) are completed from the form before it on the same page (which reads
`… | 90 | 90`, `合计 | 100`), and so marked.
"""

from __future__ import annotations

from published.book import Sheet

SOURCE = "https://dyxrmt.cn/article-157795-21.html"

_NOTE = (
    "1.预算执行率=预算执行数/调整后预算数,预算执行率未达到90%的需说明原因(100字以内);"
    "2.年中发生预算调整的(追加或调减),应单独说明理由;3.其他资金包括:社会投入资金、银行贷款."
)

SHEET = Sheet(
    rows=[
        ["部门预算项目支出绩效自评表(2023年度)"],
        ["项目名称", "51092324T000010263357-2023年全县安可替代补助资金项目"],
        ["主管部门", "大英县司法局部门", None, None, None, "实施单位", "大英县司法局"],
        [
            "项目基本情况",
            "1.项目年度目标完成情况",
            "项目年度目标",
            None,
            None,
            None,
            "年度目标完成情况",
        ],
        [None, None, "根据要求购买安可设备,并完成项目资金支付。", None, None, None, "完成"],
        [None, "2.项目实施内容及过程概述", "2023年购买13台安可电脑,并于12月前完成资金支付。"],
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
        [None, "总额", "0.00", "3.36", "3.36", "100.00%", 10, 10, _NOTE],
        [None, "其中:财政资金", "0.00", "3.36", "3.36", "100.00%", "/", "/"],
        [None, "财政专户管理资金", "0.00", "0.00", "0.00", "0.00%", "/", "/"],
        [None, "单位资金", "0.00", "0.00", "0.00", "0.00%", "/", "/"],
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
        [
            None,
            "产出指标",
            "质量指标",
            "完成安可产品购买并按要求支付资金",
            "=",
            "100",
            # completed (the excerpt stops at the 指标值):
            "%",
            "100",
            90,
            90,
            None,
        ],
        ["合计", None, None, None, None, None, None, None, 100, 100, None],
        ["评价结论", "根据财政局资金下达的管理办法,将资金支付给项目施工方。"],
        ["存在问题", "无"],
        ["改进措施", "无"],
    ],
    merges=["A1:K1", "B2:K2", "A4:A6", "I8:K12", "A7:A12", "A13:A14", "A15:H15"],
)

PROJECT = {
    "project_id": "51092324T000010263357",
    "project_name": "2023年全县安可替代补助资金项目",
    "department": "大英县司法局部门",
    "unit": "大英县司法局",
    "year": "2023",
    "budget_initial": "0.00",
    "budget": "3.36",
    "spent": "3.36",
    "claimed_budget_score": "10",
    "claimed_total": "100",
    "claimed_grade": None,
}
INDICATORS = [
    ("产出指标", "质量指标", "完成安可产品购买并按要求支付资金", "100", "100", "90", "90"),
]
