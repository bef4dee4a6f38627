"""A 部门整体绩效自评表 (重庆, 西部(重庆)科学城 融媒体中心, 2021): the self-evaluation of
a whole department's spending, which is NOT a project form.

Transcribed from https://m.yzwku.com/doc/98587.html (the published docx's text). It has
a funds block (年初预算数 | 全年(调整)预算数 | 全年执行数 | 执行率), a 自评总分, and an
indicator table (指标名称 | 计量单位 | 指标性质 | 年初指标值 | 调整指标值 | 全年完成值 |
得分系数 | 指标权重 | 指标得分 | 是否核心指标) over the department's duties, not a
project's. The reader must report it as a department-wide form and read nothing from it.
"""

from __future__ import annotations

from published.book import Sheet

SOURCE = "https://m.yzwku.com/doc/98587.html"

SHEET = Sheet(
    rows=[
        ["部门整体绩效自评表"],
        ["主管部门", "西部(重庆)科学城融媒体中心", None, "财政处室", None, "自评总分(分)", 97.6],
        ["部门联系人", None, None, "联系电话"],
        [
            "部门预算执行情况(万元)",
            "年初预算数",
            "全年(调整)预算数",
            "全年执行数",
            "执行率(%)",
            "执行率权重",
            "执行率得分(分)",
        ],
        [None, None, None, None, "76%", 10, 7.6],
        ["当年绩效目标", "年初绩效目标", None, "全年(调整)绩效目标", None, "全年目标实际完成情况"],
        [
            None,
            "无",
            None,
            "通过整合各级各类媒体、户外广告载体、宣传宣讲活动等,为建设成渝地区双城经济圈和西部(重庆)科学城营造良好氛围。",
        ],
        [
            "绩效指标",
            "指标名称",
            "计量单位",
            "指标性质",
            "年初指标值",
            "调整指标值",
            "全年完成值",
            "得分系数(%)",
            "指标权重(分)",
            "指标得分(分)",
            "是否核心指标",
        ],
        [None, "财政供养人员控制率", "%", "定量指标", "100%", "92%", "100%", "100%", 2, 2, "否"],
        [None, "预算完成率", "%", "定量指标", "70%", "76%", "100%", "100%", 2, 2, "是"],
        [None, "播发稿件数量", "篇", "定量指标", "2200篇", "2859篇", "100%", "100%", 10, 10, "是"],
    ],
    merges=["A4:A5", "A6:A7", "A8:A11"],
)

REASON = "部门整体支出绩效自评表"
