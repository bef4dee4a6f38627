"""The labels of the self-evaluation form (项目支出绩效自评表), shared by both layouts.

The national form (财预〔2020〕10号 附件1) and the Sichuan form (510000_0013zp) say
the same things in different words: 全年预算数 / 调整后预算数, 分值 / 权重,
偏差原因分析及改进措施 / 未完成原因分析. The reader looks for every spelling in every
form, so a form that mixes them (a department's own copy) still reads; a `Layout` says
which words mark a form as one layout or the other, and how the blank template is drawn
(`forms_national`, `forms_sichuan`).
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.scoring.io.forms_labels import Label

# --- the header block ------------------------------------------------------------------

PROJECT_NAME = Label("项目名称", ("项目名称", "项目全称"))
DEPARTMENT = Label("主管部门", ("主管部门", "主管部门名称", "预算部门", "部门名称"))
UNIT = Label("实施单位", ("实施单位", "实施单位名称", "项目实施单位", "预算单位", "项目单位"))
CODE = Label("项目编码", ("项目编码", "项目代码", "项目编号"))
YEAR = Label("年度", ("年度", "预算年度", "评价年度"))
HEADER_LABELS = (PROJECT_NAME, DEPARTMENT, UNIT, CODE, YEAR)

# --- the funds block (预算执行情况) ---------------------------------------------------------

F_INITIAL = Label("年初预算数", ("年初预算数", "年初预算", "年初预算金额"))
F_BUDGET = Label(
    "全年预算数",
    (
        "全年预算数",
        "调整后预算数",
        "全年预算",
        "调整后预算",
        "预算数",
        "调整预算数",
        "全年(调整)预算数",
    ),
)
F_SPENT = Label("全年执行数", ("全年执行数", "预算执行数", "执行数", "全年实际支出", "实际支出"))
F_POINTS = Label("分值", ("分值", "权重"))
F_RATE = Label("执行率", ("执行率", "预算执行率"))
F_SCORE = Label("得分", ("得分", "自评得分"))
FUNDS_COLUMNS = (F_INITIAL, F_BUDGET, F_SPENT, F_POINTS, F_RATE, F_SCORE)

FUNDS_TOTAL = Label(
    "年度资金总额",
    ("年度资金总额", "资金总额", "总额", "合计", "总计", "年度资金总额合计"),
    contains=("资金总额",),
)
FUNDS_PART = Label(
    "其中",
    ("其中",),
    contains=("当年财政拨款", "财政拨款", "上年结转", "其他资金", "其中"),
)

# --- the indicator block (绩效指标) -----------------------------------------------------

I_LEVEL1 = Label("一级指标", ("一级指标",))
I_LEVEL2 = Label("二级指标", ("二级指标",))
I_INDICATOR = Label("三级指标", ("三级指标", "指标名称"))
I_COMPARATOR = Label("指标性质", ("指标性质", "指标方向"))
I_TARGET = Label(
    "年度指标值", ("年度指标值", "指标值", "目标值", "年度目标值", "年初目标值", "年初指标值")
)
I_UNIT = Label("度量单位", ("度量单位", "计量单位", "单位"))
I_ACTUAL = Label("实际完成值", ("实际完成值", "完成值", "实际值", "全年实际值", "全年实际完成值"))
I_POINTS = Label("分值", ("分值", "权重", "指标分值"))
I_SCORE = Label("得分", ("得分", "自评得分"))
I_EXPLANATION = Label(
    "偏差原因分析及改进措施",
    ("偏差原因分析及改进措施", "未完成原因分析", "偏差原因", "偏差原因分析", "原因分析"),
    contains=("偏差原因", "未完成原因"),
)
INDICATOR_COLUMNS = (
    I_LEVEL1,
    I_LEVEL2,
    I_INDICATOR,
    I_COMPARATOR,
    I_TARGET,
    I_UNIT,
    I_ACTUAL,
    I_POINTS,
    I_SCORE,
    I_EXPLANATION,
)
INDICATOR_REQUIRED = (I_INDICATOR, I_TARGET, I_ACTUAL, I_POINTS)

# --- the end of the form ----------------------------------------------------------------

TOTAL = Label("总分", ("总分", "合计", "总计", "得分合计", "自评总分", "总得分"))
HEADER_TOTAL = Label("自评得分", ("自评得分", "自评总分", "自评分数"))
"""A claimed total written in the header block (`自评得分 | 98`, 银川 2021) when the form
has no 总分 row."""
GRADE = Label("自评等级", ("自评等级", "评价等级", "等级", "自评结果"))
CONCLUSION = Label("评价结论", ("评价结论",))
ENDINGS = (
    TOTAL,
    GRADE,
    CONCLUSION,
    Label("存在问题", ("存在问题", "存在的问题")),
    Label("改进措施", ("改进措施",)),
    Label("填表人", ("填表人", "填报人", "联系电话", "单位负责人")),
)
GRADE_WORDS = ("优", "良", "中", "差", "优秀", "良好", "合格", "不合格", "一般", "较差")
"""What a 自评等级 or 评价结论 cell may hold to be read as the claimed grade."""

TITLE = Label("项目支出绩效自评表", (), contains=("绩效自评表", "510000_0013zp"))
WHOLE_DEPARTMENT = Label(
    "部门整体支出绩效自评表",
    (),
    contains=("整体支出绩效", "部门整体绩效", "整体绩效自评", "单位整体支出绩效"),
)
"""The department-wide form: a self-evaluation of a whole department's spending (its
tasks, not a project's indicators). It looks like a project form (funds, indicators,
总分) but is not one: it is reported as such, never read as a project."""
GOAL = Label(
    "年度总体目标",
    ("年度总体目标", "总体目标", "年度目标", "年度目标完成情况", "预期目标", "实际完成情况"),
)

LABELS = (
    *HEADER_LABELS,
    *FUNDS_COLUMNS,
    FUNDS_TOTAL,
    *INDICATOR_COLUMNS,
    *ENDINGS,
    GOAL,
    Label("预算执行情况", ("预算执行情况", "项目资金", "项目资金情况")),
    Label("绩效指标", ("绩效指标",)),
)
"""Every label: a value cell is never one of these (`项目名称 | 主管部门` is a header row)."""


@dataclass(frozen=True)
class Layout:
    """One published layout: its name, what marks a sheet as this layout, and the
    project-code prefix its 项目名称 cell may carry."""

    name: str
    title: str
    markers: tuple[Label, ...]
    code_prefix_length: int | None = None


Value = str | float | None


@dataclass
class FormContent:
    """What a form says, in canonical names: the project row (project_id, project_name,
    department, unit, year, budget_initial, budget, spent, claimed_budget_score,
    claimed_total, claimed_grade; values as text) and its indicator rows (level1,
    level2, indicator, comparator, target, unit, actual, points, claimed_score,
    explanation). A blank template is a FormContent with nothing in it."""

    project: dict[str, str | None]
    indicators: list[dict[str, str | None]]


@dataclass
class Drawing:
    """A form laid out as cells: rows of values (numbers where the form shows numbers),
    merged ranges (first row, first column, last row, last column; 0-based), column
    widths, and the cells to show as percentages or amounts."""

    rows: list[list[Value]]
    merges: list[tuple[int, int, int, int]]
    widths: list[int]
    percent: set[tuple[int, int]]
    title_rows: int = 2


def amount(text: str | None) -> Value:
    """A number cell written as a number when it is one, else as the text given."""
    if text is None or not text.strip():
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return text


def level_merges(
    items: list[dict[str, str | None]], first: int, column: int, key: str
) -> list[tuple[int, int, int, int]]:
    """Vertical merges over runs of the same level-1/level-2 text, as the template has;
    the text is written in the run's first row only (the merge shows it for all)."""
    out = []
    start = 0
    for k in range(1, len(items) + 1):
        if (
            k == len(items)
            or items[k].get(key) != items[start].get(key)
            or (key == "level2" and items[k].get("level1") != items[start].get("level1"))
        ):
            if k - start > 1 and items[start].get(key) is not None:
                out.append((first + start, column, first + k - 1, column))
            start = k
    return out
