"""The Sichuan form: 项目支出绩效自评表, 报表编号 510000_0013zp.

项目名称 carries the 22-character project code in front of the name; 主管部门 and
实施单位(盖章); 预算执行情况(10分) with 年初预算 | 调整后预算数 | 预算执行数 |
预算执行率 | 权重 | 得分 | 原因 and 总额 / 其中 rows; 绩效指标(90分) with separate
指标性质 | 指标值 | 度量单位 | 完成值 | 权重 | 得分 | 未完成原因分析; 合计; 评价结论 /
存在问题 / 改进措施. `draw` lays a `FormContent` out as this form; the reader reads by
labels and does not use it.
"""

from __future__ import annotations

import re

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
    name="sichuan",
    title="项目支出绩效自评表",
    markers=(
        Label("510000_0013zp", (), contains=("510000_0013zp",)),
        Label("调整后预算数", ("调整后预算数", "预算执行数")),
        Label("指标性质", ("指标性质", "度量单位")),
    ),
    code_prefix_length=22,
)

CODE_LENGTH = 22
"""The length of the code the template writes; published codes are 21 or 22 characters."""
_CODE_PREFIX = re.compile(r"^\s*([0-9A-Za-z]{18,26})(?![0-9A-Za-z])[\s:：_\-－—–|/]*(.*)$", re.S)
_CODE_DIGITS = 14  # a code is mostly digits (`51092324T000010263357`); a word is not
_WIDTH = 11  # columns A–K


def split_code(text: str | None) -> tuple[str | None, str | None]:
    """`5100002025000000012345 某项目`, `51092324T000010263357-某项目` → (code, name);
    (None, text) without a code. Published forms carry 21- and 22-character codes (both
    seen in 2023 forms), joined to the name by a space, a hyphen or a colon; a run of 18
    to 26 letters and digits, at least 14 of them digits, is taken as the code."""
    if text is None:
        return None, None
    m = _CODE_PREFIX.match(text)
    if m is None or sum(ch.isdigit() for ch in m.group(1)) < _CODE_DIGITS:
        return None, text.strip() or None
    return m.group(1), m.group(2).strip() or None


def is_code(text: str) -> bool:
    """Whether `text` is a project code the 项目名称 cell can carry in front of the name."""
    return split_code(f"{text} x")[0] == text


def draw(form: FormContent) -> Drawing:
    p = form.project
    rows: list[list[Value]] = []
    merges: list[tuple[int, int, int, int]] = []
    percent: set[tuple[int, int]] = set()

    def add(*cells: Value) -> int:
        rows.append(list(cells) + [None] * (_WIDTH - len(cells)))
        return len(rows) - 1

    r = add(LAYOUT.title)
    merges.append((r, 0, r, _WIDTH - 1))
    year = p.get("year")
    r = add(f"（{year}年度）" if year else "（    年度）", *[None] * 8, "报表编号：510000_0013zp")
    merges += [(r, 0, r, 8), (r, 9, r, _WIDTH - 1)]
    pid, name = p.get("project_id"), p.get("project_name")
    shown = f"{pid} {name}" if pid and name and is_code(pid) else name
    r = add("项目名称", shown)
    merges.append((r, 1, r, _WIDTH - 1))
    if pid and not is_code(pid):  # not a Sichuan code: its own cell, so it is kept
        r = add("项目编码", pid)
        merges.append((r, 1, r, _WIDTH - 1))
    r = add("主管部门", p.get("department"), None, None, None, "实施单位(盖章)", p.get("unit"))
    merges += [(r, 1, r, 4), (r, 6, r, _WIDTH - 1)]
    top = add(
        "预算执行情况（10分）",
        None,
        "年初预算",
        "调整后预算数",
        "预算执行数",
        "预算执行率",
        "权重",
        "得分",
        "原因",
    )
    budget, spent = amount(p.get("budget")), amount(p.get("spent"))
    rate = (
        spent / budget
        if isinstance(budget, float) and isinstance(spent, float) and budget
        else None
    )
    r = add(
        None,
        "总额",
        amount(p.get("budget_initial")),
        budget,
        spent,
        rate,
        10.0,
        amount(p.get("claimed_budget_score")),
    )
    percent.add((r, 5))
    r = add(None, "其中：财政拨款", amount(p.get("budget_initial")), budget, spent)
    r = add(None, "其他资金")
    merges.append((top, 0, r, 0))
    r = add("年度目标完成情况", "预期目标", None, None, None, "实际完成目标")
    merges += [(r, 1, r, 4), (r, 5, r, _WIDTH - 1)]
    goal = add(None, p.get("goal"), None, None, None, p.get("goal_done"))
    merges += [(r, 0, goal, 0), (goal, 1, goal, 4), (goal, 5, goal, _WIDTH - 1)]
    head = add(
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
    )
    first = len(rows)
    items = form.indicators or [{} for _ in range(6)]
    for row in items:
        add(
            None,
            row.get("level1"),
            row.get("level2"),
            row.get("indicator"),
            row.get("comparator"),
            row.get("target"),
            row.get("unit"),
            row.get("actual"),
            amount(row.get("points")),
            amount(row.get("claimed_score")),
            row.get("explanation"),
        )
    merges += level_merges(items, first, 1, "level1") + level_merges(items, first, 2, "level2")
    merges.append((head, 0, len(rows) - 1, 0))
    full = 100.0 if form.indicators else None
    r = add("合计", None, None, None, None, None, None, None, full, amount(p.get("claimed_total")))
    merges.append((r, 0, r, 7))
    for label, key in (("评价结论", "claimed_grade"), ("存在问题", None), ("改进措施", None)):
        r = add(label, p.get(key) if key else None)
        merges.append((r, 1, r, _WIDTH - 1))
    widths = [16, 14, 16, 22, 10, 12, 10, 12, 8, 8, 26]
    return Drawing(rows, merges, widths, percent)
