"""Self-evaluation form workbooks built in code (openpyxl), both layouts, with the quirks
of real submitted forms (issue 10 item 1), so every fixture is reviewable as code.

The builders are written independently of the engine's own form writer
(`io/forms_write.py`): a reader tested only against its own writer would share its
mistakes. A `Project` holds canonical text values (as in projects.csv/indicators.csv);
`write_csv_pair` writes the same data as canonical tables, for the round trip.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROJECT_HEADER = [
    "项目编号",
    "项目名称",
    "主管部门",
    "实施单位",
    "年度",
    "年初预算数",
    "全年预算数",
    "全年执行数",
]
INDICATOR_HEADER = [
    "项目编号",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "年度指标值",
    "度量单位",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]


@dataclass
class Indicator:
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    points: float
    claimed: float | None = None
    comparator: str = ""
    unit: str = ""
    explanation: str = ""


@dataclass
class Project:
    pid: str
    name: str
    department: str
    unit: str
    year: str
    initial: float
    budget: float
    spent: float
    indicators: list[Indicator]
    claimed_budget: float | None = None
    claimed_total: float | None = None
    grade: str | None = None


@dataclass(frozen=True)
class Quirks:
    """What a real form does that the template does not (each one a reader must survive)."""

    left_column: bool = False  # a blank column A, the form starting in column B
    spacer_rows: bool = False  # blank rows between the blocks and inside the indicators
    points_suffix: bool = False  # 产出指标（50分）, 绩效指标（90分）
    orphan_level2: bool = False  # a 二级 row with no 三级 indicator (its points elsewhere)
    satisfaction_level2: bool = False  # 二级 label 满意度指标 instead of 服务对象满意度指标
    rate_as_text: bool = False  # 执行率 as the text 100.00% (else a number formatted 0%)
    slashes: bool = False  # `/` in unused cells
    zero_explanation: bool = False  # a 0 in the explanation column
    text_numbers: bool = False  # free text with numbers in it (goal, explanation)
    unmerged_levels: bool = False  # levels 1–2 written once, blank below, not merged
    repeated_levels: bool = False  # levels 1–2 written on every row
    zero_total: bool = False  # 年度资金总额 row all zero, 其中 rows filled
    colon_labels: bool = False  # `项目名称：` with a colon, `自评等级：优` in one cell
    code_cell: bool = False  # a 项目编码 row (national); Sichuan carries the code in front
    cover_sheet: bool = False  # a 填表说明 sheet before the forms
    spaced_labels: bool = False  # `项 目 名 称`, full-width brackets in headers


ALL_QUIRKS = Quirks(
    left_column=True,
    spacer_rows=True,
    points_suffix=True,
    orphan_level2=True,
    satisfaction_level2=True,
    rate_as_text=True,
    slashes=True,
    zero_explanation=True,
    text_numbers=True,
    unmerged_levels=True,
    zero_total=True,
    colon_labels=True,
    code_cell=True,
    cover_sheet=True,
    spaced_labels=True,
)
QUIRK_NAMES = [f for f in Quirks.__dataclass_fields__]


def one_quirk(name: str) -> Quirks:
    return replace(Quirks(), **{name: True})


# --- sample data ---------------------------------------------------------------------------


def sichuan_code(n: int) -> str:
    """A 22-character project code like Sichuan's (digits and a letter)."""
    return f"51000025R{n:013d}"


def sample_projects(seed: int = 0, n: int = 3, layout: str = "national") -> list[Project]:
    """`n` projects with random but valid indicators (every category present, points
    adding up to 90), some targets missed, claimed scores mostly full. National forms
    have no 指标性质/度量单位 columns, so their targets carry comparator and unit
    (`≥95%`); Sichuan's are split over the three columns (`≥` | `95` | `%`)."""
    rng = random.Random(seed)
    split = layout == "sichuan"
    out = []
    for k in range(n):
        pid = sichuan_code(seed * 100 + k + 1) if split else f"P{seed:02d}{k + 1:03d}"
        budget = round(rng.uniform(10, 500), 2)
        spent = round(budget * rng.choice([1, 1, 0.95, 0.8, 0.5]), 2)
        inds = [
            _quant(rng, split, "产出指标", "数量指标", "培训人次", "人次", 20),
            _quant(rng, split, "产出指标", "质量指标", "验收合格率", "%", 15),
            _quant(rng, split, "产出指标", "时效指标", "完成及时率", "%", 15),
            _quant(rng, split, "效益指标", "社会效益指标", "受益人数", "人", 30),
            _quant(rng, split, "满意度指标", "服务对象满意度指标", "服务对象满意度", "%", 10),
        ]
        if rng.random() < 0.5:
            actual = rng.choice(["达成年度指标", "部分达成年度指标并具有一定效果"])
            inds[3] = Indicator(
                "效益指标",
                "社会效益指标",
                "政策知晓度",
                "达成年度指标",
                actual,
                30,
                30.0,
                comparator="定性" if split else "",
            )
        out.append(
            Project(
                pid,
                f"测试项目{seed}-{k + 1}",
                rng.choice(["区教育局", "区卫健委"]),
                "区实施单位",
                "2025",
                budget,
                budget,
                spent,
                inds,
                claimed_budget=10.0,
                claimed_total=100.0,
                grade="优",
            )
        )
    return out


def _quant(
    rng: random.Random, split: bool, l1: str, l2: str, name: str, unit: str, points: float
) -> Indicator:
    target = rng.choice([80, 90, 95, 100]) if unit == "%" else rng.choice([100, 500, 1000])
    actual = target * rng.choice([1, 1, 1.05, 0.9, 0.5])
    shown = f"{actual:g}{unit if unit == '%' else ''}"
    note = "" if actual >= target else "受疫情影响进度滞后"
    if split:
        return Indicator(l1, l2, name, f"{target}", shown, points, points, "≥", unit, note)
    return Indicator(l1, l2, name, f"≥{target}{unit}", shown, points, points, explanation=note)


# --- canonical tables ---------------------------------------------------------------------


def _g(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def write_csv_pair(folder: Path, projects: list[Project]) -> list[str]:
    """The same data as canonical projects.csv and indicators.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    p, i = folder / "projects.csv", folder / "indicators.csv"
    with p.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(PROJECT_HEADER)
        for x in projects:
            w.writerow(
                [
                    x.pid,
                    x.name,
                    x.department,
                    x.unit,
                    x.year,
                    _g(x.initial),
                    _g(x.budget),
                    _g(x.spent),
                ]
            )
    with i.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(INDICATOR_HEADER)
        for x in projects:
            for d in x.indicators:
                w.writerow(
                    [
                        x.pid,
                        d.level1,
                        d.level2,
                        d.name,
                        d.comparator,
                        d.target,
                        d.unit,
                        d.actual,
                        _g(d.points),
                        _g(d.claimed),
                        d.explanation,
                    ]
                )
    return [str(p), str(i)]


# --- the workbook -------------------------------------------------------------------------


@dataclass
class _Sheet:
    """Cells written with an offset column, merges recorded (1-based for openpyxl)."""

    ws: Any
    offset: int
    row: int = 0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)

    def put(self, col: int, value: Any, fmt: str | None = None) -> None:
        cell = self.ws.cell(row=self.row, column=col + 1 + self.offset, value=value)
        if fmt:
            cell.number_format = fmt

    def line(self, *values: Any) -> int:
        self.row += 1
        for c, v in enumerate(values):
            if v is not None:
                self.put(c, v)
        return self.row

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.ws.merge_cells(
                start_row=r1,
                start_column=c1 + 1 + self.offset,
                end_row=r2,
                end_column=c2 + 1 + self.offset,
            )

    def spacer(self, q: Quirks) -> None:
        if q.spacer_rows:
            self.row += 1


def _label(text: str, q: Quirks) -> str:
    if q.spaced_labels and len(text) == 4:
        return " ".join(text)
    return text + ("：" if q.colon_labels else "")


def write_forms(path: Path, layout: str, projects: list[Project], q: Quirks = Quirks()) -> Path:
    """One sheet per project, `layout` national or sichuan, with the quirks asked for."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    if q.cover_sheet:
        cover = wb.create_sheet("填表说明")
        cover["A1"] = "填表说明"
        cover["A2"] = "1. 项目名称填写预算批复的项目全称；三级指标按年初批复的绩效目标填写。"
        cover["A3"] = "2. 得分一栏保留两位小数。"
    for k, p in enumerate(projects):
        ws = wb.create_sheet(f"项目{k + 1}")
        (_national if layout == "national" else _sichuan)(
            _Sheet(ws, 1 if q.left_column else 0), p, q
        )
    wb.save(path)
    return path


def _funds_rows(s: _Sheet, p: Project, q: Quirks, labels: list[str], rate_col: int) -> None:
    """The total row then the 其中 rows: the whole amount is this year's appropriation."""
    zero = q.zero_total
    rate = p.spent / p.budget if p.budget else 0
    s.line(
        None, labels[0], 0 if zero else p.initial, 0 if zero else p.budget, 0 if zero else p.spent
    )
    if q.rate_as_text:
        s.put(rate_col, f"{rate * 100:.2f}%")
    else:
        s.put(rate_col, rate, "0%")
    for j, label in enumerate(labels[1:]):
        if j == 0:
            # zero_total: the parts carry the amounts, split over two rows when there are
            if zero and len(labels) > 3:
                s.line(
                    None,
                    label,
                    round(p.initial - 1, 2),
                    round(p.budget - 1, 2),
                    round(p.spent - 1, 2),
                )
            else:
                s.line(None, label, p.initial, p.budget, p.spent)
        elif zero and j == 1 and len(labels) > 3:
            s.line(None, label, 1, 1, 1)
        else:
            s.line(None, label, *(["/"] * 3 if q.slashes else []))


def _national(s: _Sheet, p: Project, q: Quirks) -> None:
    r = s.line("项目支出绩效自评表")
    s.merge(r, 0, r, 8)
    r = s.line("（2025年度）")
    s.merge(r, 0, r, 8)
    s.spacer(q)
    if q.colon_labels:
        s.line(f"项目名称：{p.name}")
    else:
        r = s.line(_label("项目名称", q), p.name)
        s.merge(r, 1, r, 8)
    if q.code_cell:
        s.line(_label("项目编码", q), p.pid)
    s.line(_label("主管部门", q), p.department, None, None, None, _label("实施单位", q), p.unit)
    s.spacer(q)
    top = s.line(
        "项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"
    )
    _funds_rows(s, p, q, ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"], 6)
    # 分值 and the claimed budget score sit in the total row
    s.ws.cell(row=top + 1, column=6 + s.offset, value=10)
    s.ws.cell(row=top + 1, column=8 + s.offset, value=p.claimed_budget)
    s.merge(top, 0, s.row, 0)
    s.spacer(q)
    r = s.line("年度总体目标", "预期目标", None, None, None, "实际完成情况")
    goal = "完成培训1200人次，验收合格率95%以上" if q.text_numbers else "完成年度目标"
    s.line(None, goal, None, None, None, goal)
    s.merge(r, 0, s.row, 0)
    s.spacer(q)
    head = [
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ]
    if q.spaced_labels:
        head[4] = "指标值"
        head[5] = "完成值"
        head[8] = "偏差原因分析及改进措施（如有）"
    first = s.line(*head)
    _indicator_rows(s, p, q, lambda d: [d.target, d.actual, d.points, d.claimed, d.explanation], 8)
    s.merge(first, 0, s.row, 0)
    s.spacer(q)
    r = s.line("总分", None, None, None, None, None, 100, p.claimed_total)
    s.merge(r, 0, r, 5)
    if p.grade is not None:
        if q.colon_labels:
            s.line(f"自评等级：{p.grade}")
        else:
            s.line("自评等级", p.grade)


def _sichuan(s: _Sheet, p: Project, q: Quirks) -> None:
    r = s.line("项目支出绩效自评表")
    s.merge(r, 0, r, 10)
    s.line(
        "（2025年度）", None, None, None, None, None, None, None, None, "报表编号：510000_0013zp"
    )
    s.spacer(q)
    r = s.line(_label("项目名称", q), f"{p.pid} {p.name}" if len(p.pid) == 22 else p.name)
    s.merge(r, 1, r, 10)
    if len(p.pid) != 22 or q.code_cell:
        s.line(_label("项目代码", q), p.pid)
    s.line(_label("主管部门", q), p.department, None, None, None, "实施单位（盖章）", p.unit)
    s.spacer(q)
    top = s.line(
        "预算执行情况（10分）" if q.points_suffix else "预算执行情况",
        None,
        "年初预算",
        "调整后预算数",
        "预算执行数",
        "预算执行率",
        "权重",
        "得分",
        "原因",
    )
    _funds_rows(s, p, q, ["总额", "其中：财政拨款", "其他资金"], 5)
    s.ws.cell(row=top + 1, column=7 + s.offset, value=10)
    s.ws.cell(row=top + 1, column=8 + s.offset, value=p.claimed_budget)
    s.merge(top, 0, s.row, 0)
    s.spacer(q)
    first = s.line(
        "绩效指标（90分）" if q.points_suffix else "绩效指标",
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
    _indicator_rows(
        s,
        p,
        q,
        lambda d: [
            d.comparator or None,
            d.target,
            d.unit or None,
            d.actual,
            d.points,
            d.claimed,
            d.explanation,
        ],
        10,
    )
    s.merge(first, 0, s.row, 0)
    s.spacer(q)
    r = s.line("合计", None, None, None, None, None, None, None, 100, p.claimed_total)
    s.merge(r, 0, r, 7)
    s.line("评价结论", p.grade)
    s.line("存在问题", "个别指标未完成，共3项" if q.text_numbers else None)
    s.line("改进措施", "/" if q.slashes else None)


def _indicator_rows(s: _Sheet, p: Project, q: Quirks, values: Any, last: int) -> None:
    """Level 1–2 merged vertically per group (the template), or written once and left
    blank below, or repeated; the quirks' extra rows."""
    groups: dict[tuple[str, str], int] = {}
    l1_start: dict[str, int] = {}
    for k, d in enumerate(p.indicators):
        l1 = d.level1 + ("（50分）" if q.points_suffix and d.level1 == "产出指标" else "")
        l2 = (
            "满意度指标" if q.satisfaction_level2 and d.level2 == "服务对象满意度指标" else d.level2
        )
        new1 = d.level1 not in l1_start
        new2 = (d.level1, d.level2) not in groups
        shown1 = l1 if (new1 or q.repeated_levels) else None
        shown2 = l2 if (new2 or q.repeated_levels) else None
        cells = values(d)
        explanation = cells[-1] or ("0" if q.zero_explanation and k == 0 else None)
        if q.slashes and explanation is None and k == 1:
            explanation = "/"
        if q.text_numbers and explanation:
            explanation = f"{explanation}，约20%的学校延期至2026年3月"
        r = s.line(None, shown1, shown2, d.name, *cells[:-1], explanation)
        l1_start.setdefault(d.level1, r)
        groups.setdefault((d.level1, d.level2), r)
        if q.spacer_rows and k == 1:
            s.row += 1
        if q.orphan_level2 and k == 2:
            # a 二级 row with no indicator, its points given to the others
            s.line(
                None,
                d.level1 if q.repeated_levels else None,
                "成本指标",
                None,
                *(["/"] * (last - 4) if q.slashes else []),
            )
    if not (q.unmerged_levels or q.repeated_levels or q.spacer_rows or q.orphan_level2):
        _merge_runs(s, p)


def _merge_runs(s: _Sheet, p: Project) -> None:
    """Vertical merges of level 1 and level 2 over their rows (rows are consecutive)."""
    end = s.row
    start = end - len(p.indicators) + 1
    for col, key in ((1, lambda d: d.level1), (2, lambda d: (d.level1, d.level2))):
        run = 0
        for k in range(1, len(p.indicators) + 1):
            if k == len(p.indicators) or key(p.indicators[k]) != key(p.indicators[run]):
                s.merge(start + run, col, start + k - 1, col)
                run = k
