"""The registry of output columns: every output table's columns, declared once.

Each column has its canonical (English) name, the Chinese header people read in the
workbook, its Polars dtype and a description. Columns that exist once per weighted
category, per common indicator or per grade are declared as patterns (`<level1>_score`)
and expanded with the ruleset's names. Every view reads this table: the pipeline's
selections (`names`), the xlsx headers (`headers`), the names flag expressions may use
(`expression_names`) and docs/outputs.md (`markdown`); a test checks it against the
tables the pipeline really produces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from jixiao.scoring.expr import Type

S, F, I64, U32, B = pl.String(), pl.Float64(), pl.Int64(), pl.UInt32(), pl.Boolean()

LEVEL1, COMMON, GRADE = "<level1>", "<common>", "<grade>"
"""Placeholders: a weighted level-1 category id, a common-indicator id, a grade name."""


@dataclass(frozen=True)
class Column:
    """One output column (or a pattern standing for several)."""

    name: str
    header: str
    """Chinese header; in a pattern `{}` stands for the category/indicator/grade label."""
    dtype: pl.DataType
    description: str
    flag: bool = False
    """Visible to flag expressions at this table's level."""

    @property
    def placeholder(self) -> str | None:
        return next((p for p in (LEVEL1, COMMON, GRADE) if p in self.name), None)


def _c(name: str, header: str, dtype: pl.DataType, description: str, flag: bool = False) -> Column:
    return Column(name, header, dtype, description, flag)


_PROVENANCE = (
    _c("source_file", "来源文件", S, "Input file the row was read from."),
    _c("source_sheet", "来源工作表", S, "Worksheet of that file (empty for csv/parquet)."),
    _c("source_row", "来源行号", I64, "Row number in that file or sheet (header = row 1)."),
)


def _flag_counts(what: str) -> tuple[Column, ...]:
    return (
        _c("n_flags", "标记数", U32, f"Flags raised on {what}."),
        _c("n_flags_info", "提示标记数", U32, f"Flags of severity info raised on {what}."),
        _c("n_flags_warning", "警告标记数", U32, f"Flags of severity warning raised on {what}."),
        _c("n_flags_serious", "严重标记数", U32, f"Flags of severity serious raised on {what}."),
    )


_FLAG_COUNTS_PROJECT = _flag_counts("the project (its indicator and project flags)")
FLAG_COUNTS: tuple[str, ...] = tuple(c.name for c in _FLAG_COUNTS_PROJECT)
"""The flag count columns of project_scores and department_summary, added by the flags
stage after the flags are raised (so no flag reads them)."""

PROJECT_SCORES: tuple[Column, ...] = (
    _c("project_id", "项目编号", S, "Project id, as in the input."),
    _c("project_name", "项目名称", S, "Project name."),
    _c("department", "主管部门", S, "Supervising department.", flag=True),
    _c("unit", "实施单位", S, "Implementing unit."),
    _c("year", "年度", S, "Budget year, as written in the input."),
    _c("budget_initial", "年初预算数", F, "Budget at the start of the year.", flag=True),
    _c("budget", "全年预算数", F, "Budget for the whole year (adjusted).", flag=True),
    _c(
        "budget_cut_rate",
        "年中预算调减比例",
        F,
        "(年初预算数 − 全年预算数) / 年初预算数: the share of the initial budget cut during the "
        "year (negative when it grew; blank without a 年初预算数 or when it is 0), for the flags "
        "(DOMAIN §2: a large cut can turn low execution into 100 %).",
        flag=True,
    ),
    _c("spent", "全年执行数", F, "Amount spent in the year.", flag=True),
    _c("execution_rate", "预算执行率", F, "The catalogue's execution-rate formula.", flag=True),
    _c(
        "overspent",
        "超预算支出",
        F,
        "Spending above the budget (spent − budget; 0 within budget, blank when unknown); "
        "the rate is capped by the budget rule, this keeps the excess for the flags.",
        flag=True,
    ),
    _c(COMMON, "{}", F, "Every other common indicator of the catalogue, by its formula."),
    _c("budget_score", "预算执行得分", F, "Points of the budget-execution part.", flag=True),
    _c(f"{LEVEL1}_score", "{}得分", F, "Points of one weighted level-1 category.", flag=True),
    _c("indicator_score", "绩效指标得分", F, "Points of all indicators together.", flag=True),
    _c("total", "总分", F, "Total score on the ruleset's scale.", flag=True),
    _c("grade", "等级", S, "Grade band of the total (未定级 when incomplete).", flag=True),
    _c("complete", "评价完整", B, "Every indicator evaluable and every category present.", True),
    _c("n_indicators", "指标数", U32, "Indicator rows of the project.", flag=True),
    _c("n_not_evaluable", "无法评价指标数", U32, "Rows that could not be evaluated.", True),
    _c("n_missed", "未达成指标数", U32, "Evaluable rows whose target was not achieved.", True),
    _c("n_evaluable", "可评价指标数", U32, "Rows that could be evaluated.", flag=True),
    _c(
        "n_full_points",
        "满分指标数",
        U32,
        "Evaluable rows that scored their full points (score ≥ points at the ruleset precision).",
        flag=True,
    ),
    _c(
        f"{LEVEL1}_points",
        "{}分值",
        F,
        "Applied indicator points of one category (as declared under `weighting: check`).",
    ),
    _c(
        "points_total",
        "指标分值合计",
        F,
        "Applied indicator points of all categories (as declared under `weighting: check`).",
    ),
    _c(
        "points_issue",
        "分值问题",
        S,
        "How the indicator points fail to roll up to the weights (DOMAIN §2), if they do.",
        flag=True,
    ),
    _c("issues", "问题", S, "Why the project is incomplete, if it is."),
    *_FLAG_COUNTS_PROJECT,
    # What a self-evaluation form claims and writes (docs/forms.md); blank from tables
    # that do not carry them.
    _c("claimed_budget_score", "自评预算执行得分", S, "Budget score the form claims, as written."),
    _c("claimed_total", "自评总分", S, "Total the form claims (总分/合计), as written.", True),
    _c("claimed_grade", "自评等级", S, "Grade the form claims (自评等级), as written.", True),
    _c("funds_total_written", "年度资金总额(填报)", F, "The form's 年度资金总额 全年预算数.", True),
    _c("funds_parts_sum", "其中各项合计", F, "Sum of its 其中 rows' 全年预算数.", flag=True),
    _c("spent_total_written", "年度执行总额(填报)", F, "The form's 年度资金总额 全年执行数.", True),
    _c("spent_parts_sum", "其中执行合计", F, "Sum of its 其中 rows' 全年执行数.", flag=True),
    *_PROVENANCE,
)

INDICATOR_SCORES: tuple[Column, ...] = (
    _c("project_id", "项目编号", S, "Project id of the indicator row."),
    _c("level1", "一级指标代码", S, "Level-1 category id.", flag=True),
    _c("level2", "二级指标代码", S, "Level-2 category id.", flag=True),
    _c("indicator", "三级指标", S, "Indicator name (三级指标), as written.", flag=True),
    _c("level1_label", "一级指标", S, "Level-1 category as written in the input."),
    _c("level2_label", "二级指标", S, "Level-2 category as written in the input."),
    _c("comparator_text", "指标性质", S, "Comparator column text (正向/反向/…), if any."),
    _c("target_text", "年度指标值", S, "Target text (指标值), as written.", flag=True),
    _c("unit_text", "度量单位", S, "Unit column text, if any."),
    _c("actual_text", "实际完成值", S, "Actual text (实际完成值), as written.", flag=True),
    _c("claimed_score", "自评得分", F, "Score the department claimed, if given.", flag=True),
    _c("explanation", "偏差原因分析及改进措施", S, "The department's explanation of deviations."),
    _c("comparator", "比较符", S, "Parsed comparator (>=, >, <=, <, =, range).", flag=True),
    _c("comparator_source", "比较符来源", S, "Where the comparator came from."),
    _c("target", "目标值(解析)", F, "Parsed target number (in its unit).", flag=True),
    _c("upper", "区间上限", F, "Upper bound of a range target.", flag=True),
    _c("unit", "计量单位(解析)", S, "Unit the target and actual were compared in.", flag=True),
    _c(
        "actual",
        "实际值(解析)",
        F,
        "The actual the scoring rule saw: in the target's unit, a fraction read per "
        "fraction_actuals, a negative one as 0 under negative_actual_as_zero.",
        flag=True,
    ),
    _c("actual_raw", "实际值(原值)", F, "Parsed actual before unit conversion."),
    _c(
        "actual_kind",
        "实际值类型",
        S,
        "What the actual text held (number, tier, text, blank, error: an Excel error or a "
        "formula never computed).",
    ),
    _c(
        "fraction_candidate",
        "小数比例待判",
        B,
        "The actual is ≤ 1 without a unit against a % target (0.96 against ≥95%): read per "
        "the ruleset's fraction_actuals, and the note or reason says how.",
        flag=True,
    ),
    _c("tier", "定性等级", S, "Qualitative tier (达成/部分达成/未达成), if qualitative.", True),
    _c("kind", "指标类型", S, "quantitative or qualitative.", flag=True),
    _c("direction", "方向", S, "Quantitative rule applied (higher, lower, exact, range).", True),
    _c("rule", "计分规则", S, "Name of the rule that scored the row."),
    _c("points", "分值", F, "Points (分值) of the indicator, as the department wrote them.", True),
    _c(
        "applied_points",
        "适用分值",
        F,
        "Points the scoring rules used: as written under `weighting: check`; under "
        "`proportional` scaled within the category so it sums to its weight (unrounded).",
        flag=True,
    ),
    _c("score", "得分", F, "Points scored, rounded to the ruleset precision.", flag=True),
    _c("evaluable", "可评价", B, "Whether the row could be scored.", flag=True),
    _c("achieved", "达成", B, "Whether the target was met.", flag=True),
    _c("ratio", "完成比例", F, "actual / target in the target's unit (null when t = 0).", True),
    _c(
        "claimed_in_band",
        "自评得分在档内",
        B,
        "A qualitative row's claimed score lies in its tier's band (blank: not qualitative, "
        "no claimed score, or no tier).",
        flag=True,
    ),
    _c(
        "claimed_differs",
        "自评得分不符",
        B,
        "The claimed score differs from the score by more than half a unit of the ruleset "
        "precision (blank: no claimed score, or not evaluable).",
        flag=True,
    ),
    _c(
        "has_explanation",
        "已说明偏差原因",
        B,
        "The explanation cell says something, by the ruleset's rules.has_explanation (a lone "
        "0, 无, / or - is no explanation).",
        flag=True,
    ),
    _c("reason", "原因", S, "Why the row is not evaluable, if it is not.", flag=True),
    _c("note", "备注", S, "Notes on how values were read (unit conversion, claims).", True),
    _c("target_error", "目标值问题", S, "Why the target text could not be read, if so."),
    _c("actual_error", "实际值问题", S, "Why the actual text could not be read, if so."),
    _c("claimed_error", "自评得分问题", S, "Why the claimed score could not be read, if so."),
    *_PROVENANCE,
)

DEPARTMENT_SUMMARY: tuple[Column, ...] = (
    _c("department", "主管部门", S, "Supervising department.", flag=True),
    _c("n_projects", "项目数", U32, "Projects scored.", flag=True),
    _c("n_incomplete", "不完整项目数", U32, "Projects whose grade is withheld.", flag=True),
    _c("mean_total", "平均分", F, "Mean total of its projects.", flag=True),
    _c("min_total", "最低分", F, "Lowest total.", flag=True),
    _c("max_total", "最高分", F, "Highest total.", flag=True),
    _c(f"grade_{GRADE}", "{}(个)", U32, "Projects per grade, best first, then 未定级."),
    _c("budget", "全年预算数", F, "Sum of its projects' budgets.", flag=True),
    _c("spent", "全年执行数", F, "Sum of its projects' spending.", flag=True),
    _c("execution_rate", "预算执行率", F, "spent / budget over the department.", flag=True),
    _c("n_evaluable", "可评价指标数", U32, "Evaluable indicators of its projects.", flag=True),
    _c("n_full_points", "满分指标数", U32, "Of those, the ones with full points.", flag=True),
    *_flag_counts("the department (its projects' indicator and project flags, and its own)"),
)

FLAGS: tuple[Column, ...] = (
    _c("flag", "标记", S, "Flag id (the ruleset's `flags[].id`)."),
    _c("level", "层级", S, "indicator, project or department."),
    _c("severity", "严重程度", S, "info, warning or serious."),
    _c("project_id", "项目编号", S, "Project of the flagged row (empty at department level)."),
    _c("department", "主管部门", S, "Department of the project (blank ones as in the summary)."),
    _c("indicator", "三级指标", S, "Indicator name (empty above indicator level)."),
    _c("source_file", "来源文件", S, "Input file of the flagged row (empty at department level)."),
    _c("source_sheet", "来源工作表", S, "Worksheet of that file, if any."),
    _c("source_row", "来源行号", I64, "Row number of the flagged row in that file or sheet."),
    _c("message", "说明", S, "The flag's message, its placeholders filled with the row's values."),
    _c("explanation_required", "需说明偏差原因", B, "The department must explain it."),
    _c(
        "has_explanation",
        "已说明偏差原因",
        B,
        "The indicator row carries an explanation (empty above indicator level).",
    ),
    _c(
        "values",
        "触发数值",
        S,
        "name=value; … of every name the condition and the message read (columns, then "
        "params; at department level the condition's aggregates), as the message prints "
        "values without a spec.",
    ),
)

REJECTS: tuple[Column, ...] = (
    _c("file", "文件", S, "Input file of the rejected row."),
    _c("sheet", "工作表", S, "Worksheet, if any."),
    _c("row", "行号", I64, "Row number in the file or sheet."),
    _c("table", "表", S, "Which input table (projects or indicators)."),
    _c("column", "列", S, "Column whose value was refused, if one."),
    _c("text", "内容", S, "The refused text."),
    _c("reason", "原因", S, "Why the row was refused."),
)

NEAR_BOUNDARY: tuple[Column, ...] = (
    _c("project_id", "项目编号", S, "Project id."),
    _c("project_name", "项目名称", S, "Project name."),
    _c("department", "主管部门", S, "Supervising department."),
    _c("total", "总分", F, "The project's total."),
    _c("grade", "等级", S, "Its grade (projects with a withheld grade are not listed)."),
    _c("boundary", "等级分界", F, "The grade boundary it sits near (a band's lower bound)."),
    _c(
        "distance",
        "距分界",
        F,
        "total − boundary, rounded to the ruleset precision: negative below the boundary, "
        "0 at it (a band's lower bound belongs to the band above).",
    ),
    _c("grade_below", "分界下等级", S, "Grade of a total just below the boundary."),
    _c("grade_above", "分界上等级", S, "Grade of a total at or just above the boundary."),
    _c(
        "margin",
        "临界范围",
        F,
        "params.boundary_margin (default 1): listed when |distance| ≤ margin. A project "
        "near two boundaries (a wide margin) has a row for each.",
    ),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "project_scores": PROJECT_SCORES,
    "indicator_scores": INDICATOR_SCORES,
    "department_summary": DEPARTMENT_SUMMARY,
    "near_boundary": NEAR_BOUNDARY,
    "flags": FLAGS,
    "rejects": REJECTS,
}
"""Every output table, in the order they are written."""


# --- in-year monitoring (`jixiao monitor`, docs/monitoring.md) --------------------------

_LIGHT = "red / yellow / green / grey (红/黄/绿/灰 in the workbook)"
MONITOR_PROJECTS: tuple[Column, ...] = (
    _c("project_id", "项目编号", S, "Project id, as in the input."),
    _c("project_name", "项目名称", S, "Project name (its first row's)."),
    _c("department", "主管部门", S, "Supervising department."),
    _c("year", "年度", S, "Budget year, as written (blank: the as-of date's year)."),
    _c("budget_initial", "年初预算数", F, "Budget at the start of the year, if given."),
    _c("budget", "全年预算数", F, "Full-year (adjusted) budget."),
    _c("spent_to_date", "执行数", F, "Spent from January to the as-of date (1-N月执行数)."),
    _c(
        "execution_progress",
        "预算执行进度",
        F,
        "spent_to_date / budget (monitoring.execution_progress).",
    ),
    _c(
        "time_progress",
        "时间进度",
        F,
        "Elapsed share of the budget year (monitoring.time_progress).",
    ),
    _c("budget_ratio", "执行进度/时间进度", F, "Execution against time (monitoring.budget_ratio)."),
    _c(
        "checkpoint",
        "节点执行要求",
        F,
        "Cumulative execution required at the latest checkpoint passed (四川), else empty.",
    ),
    _c("budget_light", "预算执行灯", S, f"Budget light: {_LIGHT}."),
    _c(
        "goal_progress",
        "目标完成进度",
        F,
        "Mean progress of its cumulative indicators, each capped at 1 "
        "(monitoring.project_goal_progress); empty without one.",
    ),
    _c("goal_light", "目标完成灯", S, "Worst goal light of its indicators; grey without any."),
    _c(
        "forecast_light",
        "全年预计灯",
        S,
        "Worst forecast light of its indicators; grey without any.",
    ),
    _c("light", "综合灯", S, "The worst of the three lights."),
    _c(
        "progress_warning",
        "进度偏差预警",
        B,
        "Goal and execution progress differ by more than monitoring.progress_gap (四川: it "
        "turns a green budget light yellow, monitoring.budget_light_final).",
    ),
    _c(
        "budget_at_risk",
        "风险资金",
        F,
        "budget − spent_to_date (not below 0) for a red or yellow project.",
    ),
    _c(
        "needs_action",
        "需整改",
        B,
        "The project needs a response (a red light): listed in monitor_actions.",
    ),
    _c("n_indicators", "指标数", U32, "Indicator rows monitored."),
    _c("n_goal_red", "目标红灯数", U32, "Indicators with a red goal light."),
    _c("n_forecast_red", "预计红灯数", U32, "Indicators with a red forecast light."),
    _c(
        "budget_reason",
        "预算执行灯说明",
        S,
        "Why the budget light is not green (monitoring.reasons.budget); empty when green.",
    ),
    _c(
        "light_reason",
        "综合灯说明",
        S,
        "Which dimension made the overall light and why: the budget reason, or the worst "
        "indicator (first in input order) and its reason; empty when green.",
    ),
    _c("reason", "说明", S, "Data problems: a missing or unreadable amount, no indicator rows."),
    *_PROVENANCE,
)

MONITOR_INDICATORS: tuple[Column, ...] = (
    _c("project_id", "项目编号", S, "Project id of the indicator row."),
    _c("level1", "一级指标", S, "Level-1 category as written."),
    _c("level2", "二级指标", S, "Level-2 category as written."),
    _c("indicator", "三级指标", S, "Indicator name, as written."),
    _c("target_text", "年度指标值", S, "Annual target as written."),
    _c("actual_text", "执行值", S, "Value reached to date as written."),
    _c("forecast_text", "全年预计完成值", S, "Full-year forecast as written."),
    _c("deviation_cause", "偏差原因", S, "Deviation cause as written (经费/制度/人员/硬件/其他)."),
    _c("likelihood_text", "完成可能性", S, "Likelihood as written (确定能/有可能/完全不可能)."),
    _c("kind", "类型", S, "quantitative or qualitative (by the ruleset's classify rules)."),
    _c("direction", "方向", S, "higher / lower / exact / range, from the comparator."),
    _c("target", "指标值(数)", F, "Parsed target."),
    _c("actual", "执行值(数)", F, "Parsed value to date, in the target's unit."),
    _c("forecast", "预计值(数)", F, "Parsed forecast, in the target's unit."),
    _c("likelihood", "完成可能性(规范)", S, "Canonical likelihood; empty when blank or unknown."),
    _c("met", "已达标", B, "The value to date meets the target (rules.achieved)."),
    _c("forecast_met", "预计达标", B, "The forecast meets the target (rules.achieved)."),
    _c("cumulative", "累计型", B, "Judged against time progress (counts, amounts)."),
    _c("goal_progress", "目标完成进度", F, "monitoring.goal_progress."),
    _c("goal_ratio", "完成进度/时间进度", F, "monitoring.goal_ratio."),
    _c("goal_light", "目标完成灯", S, f"Goal light: {_LIGHT}."),
    _c("forecast_light", "全年预计灯", S, f"Forecast light: {_LIGHT}."),
    _c(
        "goal_reason",
        "目标完成灯说明",
        S,
        "Why the goal light is not green (monitoring.reasons.goal); empty when green.",
    ),
    _c(
        "forecast_reason",
        "全年预计灯说明",
        S,
        "Why the forecast light is not green (monitoring.reasons.forecast); empty when green.",
    ),
    _c(
        "reason",
        "说明",
        S,
        "The goal and forecast reasons (labelled) and what could not be read on the row.",
    ),
    *_PROVENANCE,
)

MONITOR_DEPARTMENTS: tuple[Column, ...] = (
    _c("department", "主管部门", S, "Department (blank: the ruleset's department.blank_label)."),
    _c("n_projects", "项目数", U32, "Projects monitored."),
    _c("budget", "全年预算数", F, "Sum of budgets."),
    _c("spent_to_date", "执行数", F, "Sum of spending to date."),
    _c("budget_at_risk", "风险资金", F, "Sum of budget at risk."),
    *(
        _c(f"n_{d}_{light}", f"{h}{lh}", U32, f"Projects whose {d.replace('_', ' ')} is {light}.")
        for d, h in (
            ("light", "综合"),
            ("budget_light", "预算执行"),
            ("goal_light", "目标完成"),
            ("forecast_light", "全年预计"),
        )
        for light, lh in (
            ("red", "红灯数"),
            ("yellow", "黄灯数"),
            ("green", "绿灯数"),
            ("grey", "灰灯数"),
        )
    ),
    _c("execution_progress", "预算执行进度", F, "spent_to_date / budget over the department."),
)

MONITOR_ACTIONS: tuple[Column, ...] = (
    _c("rank", "序号", U32, "1 = the largest budget at risk."),
    _c("project_id", "项目编号", S, "Project id."),
    _c("project_name", "项目名称", S, "Project name."),
    _c("department", "主管部门", S, "Department."),
    _c("light", "综合灯", S, "Overall light (red)."),
    _c("budget_light", "预算执行灯", S, "Budget light."),
    _c("goal_light", "目标完成灯", S, "Goal light."),
    _c("forecast_light", "全年预计灯", S, "Forecast light."),
    _c("budget", "全年预算数", F, "Full-year budget."),
    _c("spent_to_date", "执行数", F, "Spent to date."),
    _c("execution_progress", "预算执行进度", F, "spent_to_date / budget."),
    _c("time_progress", "时间进度", F, "Elapsed share of the budget year."),
    _c("budget_at_risk", "风险资金", F, "budget − spent_to_date."),
    _c("red_indicators", "红灯指标", S, "Indicators with a red goal or forecast light."),
    _c("light_reason", "综合灯说明", S, "Which dimension made the project red, and why."),
    _c(
        "responses",
        "建议措施",
        S,
        "Response category of each red dimension (monitoring.responses, DOMAIN §4).",
    ),
)

MONITOR_TABLES: dict[str, tuple[Column, ...]] = {
    "monitor_projects": MONITOR_PROJECTS,
    "monitor_indicators": MONITOR_INDICATORS,
    "monitor_departments": MONITOR_DEPARTMENTS,
    "monitor_actions": MONITOR_ACTIONS,
    "rejects": REJECTS,
}
"""The tables `jixiao monitor` writes, in order."""

# --- re-evaluation of self-scores (`jixiao reevaluate`, docs/reevaluation.md) ---------

REEVALUATION_INDICATORS: tuple[Column, ...] = (
    _c("project_id", "项目编号", S, "Project id."),
    _c("project_name", "项目名称", S, "Project name."),
    _c("department", "主管部门", S, "Supervising department (blank ones as in the summary)."),
    _c(
        "source_file", "来源文件", S, "Input file of the line (the project's, for the budget line)."
    ),
    _c("source_sheet", "来源工作表", S, "Worksheet of that file, if any."),
    _c("source_row", "来源行号", I64, "Row of the indicator (the project's, for the budget line)."),
    _c("level1", "一级指标代码", S, "Level-1 category id; `budget_execution` for the budget line."),
    _c("level2", "二级指标代码", S, "Level-2 category id (empty for the budget line)."),
    _c("indicator", "三级指标", S, "Indicator name; 预算执行率 for the budget line."),
    _c("points", "分值", F, "Points of the line (the budget weight for the budget line)."),
    _c(
        "claimed_score", "自评得分", F, "Score the department claimed (blank: none, or unreadable)."
    ),
    _c("score", "复核得分", F, "Score recomputed by the rules (blank: not evaluable)."),
    _c(
        "difference",
        "差异",
        F,
        "claimed − recomputed (a not-evaluable line recomputes to 0); blank without a claim.",
    ),
    _c(
        "reason_code",
        "差异原因代码",
        S,
        "The first reevaluation reason whose `when` holds, when the claim differs by more "
        "than half a unit of the precision (reevaluation.differs); blank when it agrees.",
    ),
    _c("reason", "差异原因", S, "That reason's Chinese message, filled with the line's values."),
)

REEVALUATION_PROJECTS: tuple[Column, ...] = (
    _c("project_id", "项目编号", S, "Project id."),
    _c("project_name", "项目名称", S, "Project name."),
    _c("department", "主管部门", S, "Supervising department (blank ones as in the summary)."),
    _c("source_file", "来源文件", S, "Input file of the project row."),
    _c("source_sheet", "来源工作表", S, "Worksheet of that file, if any."),
    _c("budget", "全年预算数", F, "Budget for the whole year."),
    _c("claimed_budget_score", "自评预算执行得分", F, "Budget score the form claims, read."),
    _c("budget_score", "复核预算执行得分", F, "Budget score recomputed."),
    _c("claimed_total", "自评总分", F, "Total the form claims, read as a number."),
    _c("total", "复核总分", F, "Total recomputed by the rules."),
    _c("gap", "差距", F, "claimed_total − total (blank when either is blank)."),
    _c("claimed_grade", "自评等级", S, "Claimed grade in the ruleset's names (优秀 → 优)."),
    _c(
        "claimed_grade_source",
        "自评等级来源",
        S,
        "自评等级 (the form's grade) or 按自评总分 (the grade bands over claimed_total).",
    ),
    _c("grade", "复核等级", S, "Grade recomputed (未定级 when withheld)."),
    _c("grade_changed", "等级变化", B, "Both grades present and different."),
    _c("over_threshold", "超过阈值", B, "reevaluation.over_threshold (|gap| or a grade change)."),
    _c("n_differences", "差异指标数", U32, "Lines (budget and indicators) whose claim differs."),
    _c("reason_codes", "差异原因汇总", S, "`code×n; …` in reason-list order."),
    _c("n_flags_serious", "严重标记数", U32, "Serious flags of the project (flags table)."),
    _c("claim_error", "自评数据问题", S, "Why a claim could not be read (it is left blank)."),
)

REEVALUATION_DEPARTMENTS: tuple[Column, ...] = (
    _c("department", "主管部门", S, "Supervising department."),
    _c("n_projects", "项目数", U32, "Projects re-evaluated."),
    _c("n_claimed", "有自评总分项目数", U32, "Projects with a readable claimed total."),
    _c("mean_gap", "平均差距", F, "Mean gap over the projects with a claim."),
    _c("inflation", "虚高程度", F, "Mean positive gap, mean(max(gap, 0)): orders `rank`."),
    _c("n_over_threshold", "超过阈值项目数", U32, "Projects over the threshold."),
    _c("share_over_threshold", "超过阈值比例", F, "n_over_threshold / n_projects."),
    _c("n_grade_changed", "等级变化项目数", U32, "Projects whose grade changed."),
    _c("rank", "虚高排名", U32, "1 = most inflated; ties by department name; none last."),
)

REEVALUATION_TABLES: dict[str, tuple[Column, ...]] = {
    "reevaluation_indicators": REEVALUATION_INDICATORS,
    "reevaluation_projects": REEVALUATION_PROJECTS,
    "reevaluation_departments": REEVALUATION_DEPARTMENTS,
}
"""The tables `jixiao reevaluate` adds to the score outputs, in order."""


def reevaluation_schema(table: str) -> dict[str, pl.DataType]:
    return {c.name: c.dtype for c in REEVALUATION_TABLES[table]}


def reevaluation_headers(table: str) -> dict[str, str]:
    return {c.name: c.header for c in REEVALUATION_TABLES[table]}


LIGHT_COLUMNS = frozenset({"light", "budget_light", "goal_light", "forecast_light"})
"""Columns holding a light: shown as 红/黄/绿/灰 with a cell colour in the workbook."""


def monitor_schema(table: str) -> dict[str, pl.DataType]:
    return {c.name: c.dtype for c in MONITOR_TABLES[table]}


def monitor_headers(table: str) -> dict[str, str]:
    return {c.name: c.header for c in MONITOR_TABLES[table]}


@dataclass(frozen=True)
class Expansion:
    """The names that patterns expand to, in order (ids; labels for headers)."""

    categories: Sequence[str] = ()
    common: Sequence[str] = ()
    grades: Sequence[str] = ()
    labels: Mapping[str, str] | None = None
    """Chinese label of a category or common indicator id (its header); else the id."""

    def values(self, placeholder: str) -> Sequence[str]:
        return {LEVEL1: self.categories, COMMON: self.common, GRADE: self.grades}[placeholder]

    def label(self, value: str) -> str:
        return (self.labels or {}).get(value, value)


def expanded(table: str, expansion: Expansion | None = None) -> list[Column]:
    """The table's concrete columns, in output order, patterns expanded."""
    ex = expansion or Expansion()
    out: list[Column] = []
    for column in TABLES[table]:
        holder = column.placeholder
        if holder is None:
            out.append(column)
            continue
        for value in ex.values(holder):
            name = column.name.replace(holder, value)
            header = column.header.format(ex.label(value))
            out.append(Column(name, header, column.dtype, column.description, column.flag))
    return out


def names(table: str, expansion: Expansion | None = None) -> list[str]:
    """Ordered column names of a table: what the pipeline selects."""
    return [c.name for c in expanded(table, expansion)]


def indicator_columns() -> list[str]:
    """indicator_scores, without the provenance columns the run adds from `_file`…."""
    return [c.name for c in INDICATOR_SCORES if c not in _PROVENANCE]


def project_columns(
    categories: Sequence[str], common: Sequence[str], *, flag_counts: bool = True
) -> list[str]:
    """project_scores, without provenance; `categories` and `common` as in the Plan.
    Without `flag_counts`: as the roll-up makes it, before the flags stage counts."""
    ex = Expansion(categories=categories, common=common)
    out = [c.name for c in expanded("project_scores", ex) if c not in _PROVENANCE]
    return out if flag_counts else [c for c in out if c not in FLAG_COUNTS]


def department_columns(grades: Sequence[str]) -> list[str]:
    """department_summary; `grades` best first, the ungraded label last."""
    return names("department_summary", Expansion(grades=grades))


def schema(table: str, expansion: Expansion | None = None) -> dict[str, pl.DataType]:
    """Name → Polars dtype, in order."""
    return {c.name: c.dtype for c in expanded(table, expansion)}


def headers(table: str, expansion: Expansion | None = None) -> dict[str, str]:
    """Name → Chinese header, for the workbook."""
    return {c.name: c.header for c in expanded(table, expansion)}


def expression_type(dtype: pl.DataType) -> Type:
    """The expression language's type of a column of this dtype."""
    if dtype == pl.Boolean():
        return Type.BOOL
    if dtype.is_numeric():
        return Type.NUMBER
    return Type.TEXT


def expression_names(table: str, categories: Sequence[str] = ()) -> dict[str, Type]:
    """Name → Type of the columns flag expressions over `table` may read."""
    columns = expanded(table, Expansion(categories=categories))
    return {c.name: expression_type(c.dtype) for c in columns if c.flag}


# --- spot-check sample (`jixiao reevaluate --sample/--risk`, docs/reevaluation.md) ------

SAMPLE: tuple[Column, ...] = (
    _c("rank", "序号", U32, "Order of the sample: by department then draw, or by risk."),
    _c("project_id", "项目编号", S, "Project chosen for the spot check."),
    _c("project_name", "项目名称", S, "Project name."),
    _c("department", "主管部门", S, "Supervising department (blank ones as (未填部门))."),
    _c("gap", "差距", F, "claimed_total − total, as in reevaluation_projects."),
    _c("grade_changed", "等级变化", B, "The recomputed grade differs from the claimed one."),
    _c("budget", "全年预算数", F, "Budget for the whole year."),
    _c(
        "reason",
        "抽取原因",
        S,
        "Why it was chosen: 分层随机抽取（部门 k/n，种子 s） or the risk facts (等级变化 优→中；"
        "差距 +12.50 分；预算 300.00 万元).",
    ),
)

SAMPLE_TABLES: dict[str, tuple[Column, ...]] = {"sample": SAMPLE}
"""The spot-check table `jixiao reevaluate` writes beside the re-evaluation tables."""


def sample_headers() -> dict[str, str]:
    return {c.name: c.header for c in SAMPLE}


# --- comparing two rulesets (`jixiao compare`, `jixiao whatif`, docs/compare.md) -----

COMPARE_PROJECTS: tuple[Column, ...] = (
    _c("project_id", "项目编号", S, "Project id, as in the input."),
    _c("project_name", "项目名称", S, "Project name."),
    _c("department", "主管部门", S, "Supervising department."),
    _c("base_total", "调整前总分", F, "Total under the base ruleset (null: not scored there)."),
    _c("candidate_total", "调整后总分", F, "Total under the candidate ruleset."),
    _c(
        "delta",
        "分差",
        F,
        "candidate_total − base_total, rounded to the finer precision of the two rulesets.",
    ),
    _c("base_grade", "调整前等级", S, "Grade under the base ruleset (未定级: withheld)."),
    _c("candidate_grade", "调整后等级", S, "Grade under the candidate ruleset."),
    _c(
        "base_rank",
        "调整前排名",
        I64,
        "Rank by base_total over all projects, highest first; ties share the best rank "
        "(1, 2, 2, 4).",
    ),
    _c("candidate_rank", "调整后排名", I64, "Rank by candidate_total, as base_rank."),
)

MIGRATION: tuple[Column, ...] = (
    _c("base_grade", "调整前等级", S, "Grade under the base ruleset, best first, 未定级 last."),
    _c("candidate_grade", "调整后等级", S, "Grade under the candidate ruleset."),
    _c(
        "n",
        "项目数",
        I64,
        "Projects with this pair of grades; every pair is listed, zeros included.",
    ),
)

COMPARE_DEPARTMENTS: tuple[Column, ...] = (
    _c("department", "主管部门", S, "Supervising department."),
    _c("n_projects", "项目数", I64, "Projects compared."),
    _c("base_mean_total", "调整前平均分", F, "Mean base_total (nulls left out)."),
    _c("candidate_mean_total", "调整后平均分", F, "Mean candidate_total."),
    _c(
        "mean_delta",
        "平均分差",
        F,
        "Mean delta of its projects; departments are listed from the largest gain down.",
    ),
    _c("n_changed_grade", "等级变化项目数", I64, "Projects whose grade changed."),
    _c(
        "n_up",
        "等级上升",
        I64,
        "Projects moving to a better grade: a higher place among its own ruleset's bands "
        "(best first, 未定级 last).",
    ),
    _c("n_down", "等级下降", I64, "Projects moving to a worse grade."),
)

RULESET_DIFF: tuple[Column, ...] = (
    _c(
        "key",
        "规则键",
        S,
        "Dotted path of an effective (merged) ruleset key (`weights.output`, "
        "`grades[0].min`); `catalogue:` paths are keys of the catalogue.",
    ),
    _c(
        "change", "变化", S, "changed, added (only in the candidate) or removed (only in the base)."
    ),
    _c("base_value", "调整前取值", S, "The base's value as JSON (null when removed)."),
    _c("candidate_value", "调整后取值", S, "The candidate's value as JSON (null when added)."),
)

TOP_MOVERS: tuple[Column, ...] = COMPARE_PROJECTS
"""The compare_projects rows that moved most (|delta|, then a grade change), at most
`jobs.compare.TOP_MOVERS` of them, largest first."""

COMPARE_TABLES: dict[str, tuple[Column, ...]] = {
    "compare_projects": COMPARE_PROJECTS,
    "migration": MIGRATION,
    "compare_departments": COMPARE_DEPARTMENTS,
    "ruleset_diff": RULESET_DIFF,
    "top_movers": TOP_MOVERS,
    "near_boundary_base": NEAR_BOUNDARY,
    "near_boundary_candidate": NEAR_BOUNDARY,
    "rejects": REJECTS,
}
"""The tables `jixiao compare` (and `whatif`) writes, in order; the near-boundary lists
of both sides have near_boundary's columns."""


def compare_schema(table: str) -> dict[str, pl.DataType]:
    return {c.name: c.dtype for c in COMPARE_TABLES[table]}


def compare_headers(table: str) -> dict[str, str]:
    return {c.name: c.header for c in {**COMPARE_TABLES, **WHATIF_TABLES}[table]}


# --- what-if sweeps (`jixiao whatif --sweep`, docs/whatif.md) ---------------------------

SWEEP: tuple[Column, ...] = (
    _c("value", "取值", F, "The swept key's value (the manifest's `sweep_key` names the key)."),
    _c("grade", "等级", S, "A grade: every band of the ruleset, best first, then 未定级."),
    _c("n", "项目数", I64, "Projects with that grade at that value (0 included)."),
    _c(
        "mean_total",
        "平均总分",
        F,
        "Mean total of all projects at that value (blank totals left out), the same on "
        "each of the value's rows; rounded half away from zero to the ruleset precision.",
    ),
)

WHATIF_TABLES: dict[str, tuple[Column, ...]] = {"sweep": SWEEP}
"""The table `jixiao whatif --sweep` adds to the comparison's tables."""


def sweep_schema() -> dict[str, pl.DataType]:
    return {c.name: c.dtype for c in SWEEP}


def sweep_headers() -> dict[str, str]:
    return {c.name: c.header for c in SWEEP}


# --- docs/outputs.md -------------------------------------------------------------------

_PLACEHOLDER_DOCS = {
    LEVEL1: "one column per weighted level-1 category of the ruleset, in weights order "
    "(`output_score`, `benefit_score`, …); the header takes the catalogue's name",
    COMMON: "one column per common indicator of the catalogue other than the execution "
    "rate (`budget_spending_rate`, …); the header is the indicator's name",
    GRADE: "one column per grade band, best first, then `grade_未定级`",
}


def markdown() -> str:
    """docs/outputs.md: every output table's columns (`python -m jixiao.scoring.columns`)."""
    lines = [
        "# Output tables",
        "",
        "Generated from the column registry `scoring/columns.py` by "
        "`python -m jixiao.scoring.columns > docs/outputs.md`; a test keeps it current.",
        "",
        "Machine-readable files (csv, parquet) use the names; the workbook shows the Chinese "
        "headers. `flag` marks the columns a flag expression at that table's level may read. "
        "Patterns in `<…>` stand for several columns:",
        "",
        *[f"- `{p}`: {text}." for p, text in _PLACEHOLDER_DOCS.items()],
        "",
        "Beside the tables, `manifest.json` records the ruleset (id, version, sha256, "
        "files), the inputs (path, sha256, rows), the row accounting, the versions, the "
        "timings and `written_at` (UTC, ISO 8601): the only output that differs between "
        "two runs on the same inputs.",
    ]
    tables = {
        **TABLES,
        **MONITOR_TABLES,
        **REEVALUATION_TABLES,
        **SAMPLE_TABLES,
        **COMPARE_TABLES,
        **WHATIF_TABLES,
    }
    for table, cols in tables.items():
        lines += ["", f"## {table}", "", "| column | 表头 | dtype | flag | description |"]
        lines.append("| --- | --- | --- | :-: | --- |")
        for c in cols:
            mark = "✓" if c.flag else ""
            header = c.header.format("<名称>") if c.placeholder else c.header
            lines.append(f"| `{c.name}` | {header} | {c.dtype} | {mark} | {c.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
