"""The national form: 财预〔2020〕10号 附件1 项目支出绩效自评表.

Header block 项目名称 / 主管部门 / 实施单位; funds block 年初预算数 | 全年预算数 |
全年执行数 | 分值 | 执行率 | 得分 with 年度资金总额 and its 其中 rows; 年度总体目标;
indicator block 一级 | 二级 | 三级 | 年度指标值 | 实际完成值 | 分值 | 得分 |
偏差原因分析及改进措施; 总分 and 自评等级. `draw` lays a `FormContent` out as this form
(the blank template, and forms generated from tables); the reader does not use it: it
reads by labels.
"""

from __future__ import annotations

from jixiao.scoring.io.forms_labels import Label
from jixiao.scoring.io.forms_layout import (
    Drawing,
    FormContent,
    Layout,
    Value,
    amount,
    level_merges,
)

LAYOUT = Layout(
    name="national",
    title="项目支出绩效自评表",
    markers=(
        Label("全年预算数", ("全年预算数", "全年执行数")),
        Label("年度资金总额", ("年度资金总额",)),
        Label("年度指标值", ("年度指标值", "实际完成值")),
    ),
)

_WIDTH = 9  # columns A–I
PARTS = ("其中：当年财政拨款", "上年结转资金", "其他资金")


_SYMBOLS = ("≥", "≤", ">=", "<=", ">", "<", "=", "＞", "＜", "＝")


def national_target(row: dict[str, str | None]) -> str | None:
    """The national form has no 指标性质 or 度量单位 column: a department writes them into
    年度指标值 (`≥5000平方米`). A comparator symbol goes in front and a unit behind, when
    the target does not already carry them; a comparator word (正向, 定性) goes in a
    指标性质 column of its own (`draw`)."""
    target = row.get("target")
    if target is None:
        return None
    comparator, unit = (row.get("comparator") or "").strip(), (row.get("unit") or "").strip()
    if comparator in _SYMBOLS and not target.lstrip().startswith(_SYMBOLS):
        target = comparator + target
    if unit and unit not in target and any(ch.isdigit() for ch in target):  # not `85%以上%`
        target = target + unit
    return target


def _word(row: dict[str, str | None]) -> bool:
    """A comparator the target cell cannot carry as a symbol (正向, 定性 …)."""
    comparator = (row.get("comparator") or "").strip()
    return bool(comparator) and comparator not in _SYMBOLS


def draw(form: FormContent) -> Drawing:
    p = form.project
    rows: list[list[Value]] = []
    merges: list[tuple[int, int, int, int]] = []
    percent: set[tuple[int, int]] = set()

    # A comparator word (正向, 反向, 定性, 区间 …) has no symbol to put in front of the
    # target: the form then gets a 指标性质 column after 三级指标, which the reader reads in
    # every layout, so what the word means for the score is decided by the catalogue.
    words = any(_word(row) for row in form.indicators)
    width = _WIDTH + words

    def add(*cells: Value) -> int:
        rows.append(list(cells) + [None] * (width - len(cells)))
        return len(rows) - 1

    r = add(LAYOUT.title)
    merges.append((r, 0, r, width - 1))
    year = p.get("year")
    r = add(f"（{year}年度）" if year else "（    年度）")
    merges.append((r, 0, r, width - 1))
    r = add("项目名称", p.get("project_name"))
    merges.append((r, 1, r, width - 1))
    r = add("项目编码", p.get("project_id"))
    merges.append((r, 1, r, width - 1))
    r = add("主管部门", p.get("department"), None, None, None, "实施单位", p.get("unit"))
    merges += [(r, 1, r, 4), (r, 6, r, width - 1)]
    top = add(
        "项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"
    )
    budget, spent = amount(p.get("budget")), amount(p.get("spent"))
    rate = (
        spent / budget
        if isinstance(budget, float) and isinstance(spent, float) and budget
        else None
    )
    r = add(
        None,
        "年度资金总额",
        amount(p.get("budget_initial")),
        budget,
        spent,
        10.0,
        rate,
        amount(p.get("claimed_budget_score")),
    )
    percent.add((r, 6))
    for k, part in enumerate(PARTS):
        # Generated from a table, the whole amount is this year's appropriation.
        same = [amount(p.get("budget_initial")), budget, spent] if k == 0 else [None] * 3
        r = add(None, part, *same, "—", "—", "—")
    merges.append((top, 0, r, 0))
    r = add("年度总体目标", "预期目标", None, None, None, "实际完成情况")
    merges += [(r, 1, r, 4), (r, 5, r, width - 1)]
    goal = add(None, p.get("goal"), None, None, None, p.get("goal_done"))
    merges += [(r, 0, goal, 0), (goal, 1, goal, 4), (goal, 5, goal, width - 1)]
    head = add(
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        *(["指标性质"] if words else []),
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    )
    first = len(rows)
    items = form.indicators or [{} for _ in range(6)]
    for row in items:
        add(
            None,
            row.get("level1"),
            row.get("level2"),
            row.get("indicator"),
            *([row.get("comparator") if _word(row) else None] if words else []),
            national_target(row),
            row.get("actual"),
            amount(row.get("points")),
            amount(row.get("claimed_score")),
            row.get("explanation"),
        )
    merges += level_merges(items, first, 1, "level1") + level_merges(items, first, 2, "level2")
    merges.append((head, 0, len(rows) - 1, 0))
    full = 100.0 if form.indicators else None
    r = add("总分", *[None] * (5 + words), full, amount(p.get("claimed_total")))
    merges.append((r, 0, r, 5 + words))
    r = add("自评等级", p.get("claimed_grade"))
    merges.append((r, 1, r, width - 1))
    widths = [14, 14, 16, 22, *([10] if words else []), 14, 14, 8, 8, 28]
    return Drawing(rows, merges, widths, percent)
