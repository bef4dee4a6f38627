"""Sampling a district's projects and indicator rows, quirks included, from one seed.

Every random draw goes through one `random.Random`, in a fixed order, so a seed fixes
the output. Per-row work is a handful of draws and list appends: a million rows take
seconds. Rare quirks that must appear an exact number of times (a zero budget, a large
cut) are given to projects chosen up front; the others are drawn per row at the rates
named below, and every quirk put in is counted.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

try:
    from jixiao.examples import vocab
except ModuleNotFoundError:  # run as a script: examples/ itself is on sys.path
    import vocab  # type: ignore[no-redef,import-not-found]

YEAR = 2025

PROJECT_COLUMNS = (
    "项目编号", "项目名称", "主管部门", "实施单位", "年度",
    "年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）",
    "自评预算执行得分", "自评总分", "自评等级",
)  # fmt: skip
INDICATOR_COLUMNS = (
    "项目编号", "一级指标", "二级指标", "三级指标", "指标性质", "年度指标值", "度量单位",
    "实际完成值", "分值", "得分", "偏差原因分析及改进措施",
)  # fmt: skip
AMOUNT_COLUMNS = PROJECT_COLUMNS[5:8]
CLAIM_COLUMNS = PROJECT_COLUMNS[8:]

# Rates of the random quirks (per project or per eligible row, as named).
P_ADJUSTED = 0.075  # project: 全年预算数 adjusted in the year
P_NO_SATISFACTION = 0.03  # project: no 满意度 rows, its 10 points given elsewhere
P_MISSED = 0.18  # ≥/= row: actual below target
P_REVERSE_OVER = 0.16  # ≤ row: actual above target (over cost, late)
P_REVERSE_DOUBLE = 0.02  # ≤ row: actual at least twice the target
P_OVER_ACHIEVER = 0.03  # 数量 row with ≥: actual ≥ 1.3 × target
P_TIER = (0.85, 0.95)  # qualitative: cumulative 达成, 部分达成 (rest 未达成)
P_BLANK_ACTUAL = 0.01
P_TEXT_ACTUAL = 0.01  # 完成 / 已完成 / 达标 on a numeric indicator
P_FRACTION_ACTUAL = 0.02  # percent row whose actual is written 0.96
P_RANGE = 0.012  # ≥ percent row written [90%,100%] or 90%-100%
P_FRACTION_TARGET = 0.03  # ≥ percent row of an inline template written ≥ 0.95
P_PERCENT_WORD = 0.5  # row of a percent_word department writing 百分比 for %
P_UNIT_IN_ACTUAL = 0.3  # non-percent actual carrying its unit (1250人次)
P_VALUE_WITHOUT_UNIT = 0.3  # inline template with 度量单位 filled leaving the unit out of the value
P_EXPLAINED = 0.8  # missed row with a 偏差原因
P_OVER_EXPLAINED = 0.5  # over-achiever with a 偏差原因
ROLE_EVERY = 150  # one project per role per this many projects (at least one from 20 up)
ROLES = ("zero_budget", "exact_full", "large_cut", "out_of_band")

QUIRKS: dict[str, str] = {
    "budget_adjusted": "全年预算数 ≠ 年初预算数（年中调整预算，含下列两类）",
    "large_cut": "大幅调减预算，使低执行率变为约 100 %",
    "zero_budget": "全年预算数为 0（数据错误；其中一半执行数也为 0）",
    "exact_full": "全年执行数恰等于全年预算数（执行率 100 %）",
    "low_execution": "执行率低于 80 %（按全年预算数）",
    "no_satisfaction_to_output": "无满意度指标，10 分并入产出（产出 60 分）",
    "no_satisfaction_to_benefit": "无满意度指标，10 分并入效益（效益 40 分）",
    "level1_with_points": "一级指标带分值，如 产出指标(50分)（按行计）",
    "level1_short": "一级指标不带“指标”二字，如 产出（按行计）",
    "level2_short": "二级指标不带“指标”二字，如 数量（按行计）",
    "cmp_inline": "比较符写在年度指标值内，指标性质为空（≥95%）",
    "cmp_column": "比较符写在指标性质列（≥ | 95 | %），定性指标写“定性”",
    "cmp_words": "比较符写成文字（95%以上、不低于95%、不超过30天）",
    "cmp_fullwidth": "全角比较符（＞＝95%、＜＝30天、＝8个）",
    "target_range": "区间目标值（[90%,100%] 或 90%-100%）",
    "target_fraction": "小数形式的百分比目标（≥ 0.95）",
    "unit_percent_word": "单位写作“百分比”（≥100百分比）",
    "unit_column_blank": "度量单位为空、单位只在指标值中（定量指标）",
    "qualitative": "定性指标（实际完成值为档次用语）",
    "tier_partial": "定性指标 部分达成",
    "tier_failed": "定性指标 未达成",
    "actual_blank": "实际完成值为空",
    "actual_text": "数值指标的实际完成值为文字（完成、已完成、达标）",
    "actual_fraction": "百分比指标的实际值写成小数（0.96，含义不明）",
    "over_achiever": "超额完成（实际值 ≥ 1.3 × 目标值）",
    "reverse_over": "反向指标超出目标（成本超支、延期）",
    "reverse_double": "反向指标达到目标 2 倍以上（应得 0 分）",
    "missed": "未完成年度指标（定量未达标 + 定性非“达成”）",
    "missed_unexplained": "未完成但偏差原因分析为空",
    "score_out_of_band": "自评得分不在档次分值区间内（定性）",
    "full_marks_rows": "区体育局所有指标自评满分（按行计；其预算执行与总分也自评满分 10 / 100）",
    "claimed_grade_words": "自评等级写作 优秀/良好/合格/不合格（按项目计）",
    "claimed_grade_blank": "未填自评等级，只填自评总分（按项目计）",
}


@dataclass(frozen=True)
class Sample:
    """Generated tables plus how many times each deliberate quirk was put in."""

    projects: pl.DataFrame
    indicators: pl.DataFrame
    quirks: dict[str, int]


@dataclass(frozen=True)
class _Project:
    number: str
    name: str
    dept: vocab.Department
    unit: str
    initial: float
    final: float
    spent: float
    role: str


@dataclass
class _Rows:
    """Column-wise accumulation: a list append per cell is the cheapest per-row cost."""

    cols: tuple[list[Any], ...] = field(
        default_factory=lambda: tuple([] for _ in INDICATOR_COLUMNS)
    )

    def add(self, *values: Any) -> None:
        for col, value in zip(self.cols, values, strict=True):
            col.append(value)

    def frame(self) -> pl.DataFrame:
        schema: dict[str, pl.DataType] = {name: pl.String() for name in INDICATOR_COLUMNS}
        schema["分值"] = schema["得分"] = pl.Float64()
        return pl.DataFrame(dict(zip(INDICATOR_COLUMNS, self.cols, strict=True)), schema=schema)


def generate_sample(
    n_projects: int,
    seed: int,
    departments: Sequence[str] | None = None,
    first_number: int = 1,
) -> Sample:
    """Generate the tables and count the quirks; `departments` restricts who submits."""
    if n_projects < 1:
        raise ValueError(f"n_projects must be at least 1, got {n_projects}")
    rng = random.Random(seed)
    stats: Counter[str] = Counter()
    projects = _make_projects(rng, n_projects, _departments(departments), first_number, stats)
    rows = _Rows()
    for project in projects:
        _project_indicators(rng, project, rows, stats)
    indicators = rows.frame()
    frame = with_claims(_projects_frame(projects), indicators, stats)
    quirks = {key: stats[key] for key in QUIRKS}
    return Sample(frame, indicators, quirks)


# ---------------------------------------------------------------------------- projects


def _departments(names: Sequence[str] | None) -> tuple[vocab.Department, ...]:
    if names is None:
        return vocab.DEPARTMENTS
    known = {d.name: d for d in vocab.DEPARTMENTS}
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(f"unknown departments {unknown}; known: {', '.join(known)}")
    return tuple(known[n] for n in names)


def _assign_departments(
    rng: random.Random, n: int, depts: tuple[vocab.Department, ...]
) -> list[vocab.Department]:
    """Every department submits at least one project; big departments submit more."""
    base = list(depts[:n])
    extra = rng.choices(depts, weights=[d.weight for d in depts], k=n - len(base))
    order = {d.name: i for i, d in enumerate(depts)}
    return sorted(base + extra, key=lambda d: order[d.name])


def _roles(rng: random.Random, n: int) -> dict[int, str]:
    """Rare, exactly-counted quirks go to distinct projects chosen up front."""
    per_role = n // ROLE_EVERY if n >= ROLE_EVERY else int(n >= 20)
    wanted = [role for role in ROLES for _ in range(per_role)]
    return dict(zip(rng.sample(range(n), len(wanted)), wanted, strict=True))


def _make_projects(
    rng: random.Random,
    n: int,
    depts: tuple[vocab.Department, ...],
    first: int,
    stats: Counter[str],
) -> list[_Project]:
    assigned = _assign_departments(rng, n, depts)
    roles = _roles(rng, n)
    width = max(4, len(str(first + n - 1)))
    projects = []
    for i, dept in enumerate(assigned):
        role = roles.get(i, "")
        name = rng.choice(vocab.NAME_PREFIXES) + rng.choice(dept.topics)
        name += rng.choice(vocab.NAME_SUFFIXES)
        initial = _budget(rng)
        final, spent = _execution(rng, initial, role, stats)
        number = f"JD{YEAR}-{first + i:0{width}d}"
        projects.append(
            _Project(number, name, dept, rng.choice(dept.units), initial, final, spent, role)
        )
    return projects


def _budget(rng: random.Random) -> float:
    """Log-normal around 80万元; budgets are often round numbers."""
    amount = min(5000.0, max(2.0, rng.lognormvariate(math.log(80), 1.0)))
    r = rng.random()
    return float(round(amount)) if r < 0.5 else round(amount, 1) if r < 0.7 else round(amount, 2)


def _execution(
    rng: random.Random, initial: float, role: str, stats: Counter[str]
) -> tuple[float, float]:
    """(全年预算数, 全年执行数): execution never exceeds the budget except as a data error."""
    if role == "zero_budget":
        stats["zero_budget"] += 1
        stats["budget_adjusted"] += 1
        spent = 0.0 if stats["zero_budget"] % 2 else round(initial * rng.uniform(0.6, 0.95), 2)
        return 0.0, spent
    if role == "large_cut":
        stats["large_cut"] += 1
        stats["budget_adjusted"] += 1
        spent = round(initial * rng.uniform(0.35, 0.6), 2)
        return math.ceil(spent / rng.uniform(0.985, 0.999) * 100) / 100, spent
    final = initial
    if role != "exact_full" and rng.random() < P_ADJUSTED:
        stats["budget_adjusted"] += 1
        factor = rng.uniform(0.7, 0.95) if rng.random() < 0.5 else rng.uniform(1.05, 1.4)
        final = round(initial * factor, 2)
    if role == "exact_full":
        stats["exact_full"] += 1
        return final, final
    spent = min(round(final * _execution_rate(rng), 2), round(final - 0.01, 2))
    stats["low_execution"] += spent < 0.8 * final
    return final, spent


def _execution_rate(rng: random.Random) -> float:
    r = rng.random()
    if r < 0.8:
        return rng.uniform(0.85, 0.999)
    return rng.uniform(0.8, 0.85) if r < 0.86 else rng.uniform(0.4, 0.8)


def _projects_frame(projects: list[_Project]) -> pl.DataFrame:
    data = {
        "项目编号": [p.number for p in projects],
        "项目名称": [p.name for p in projects],
        "主管部门": [p.dept.name for p in projects],
        "实施单位": [p.unit for p in projects],
        "年度": [YEAR] * len(projects),
        "年初预算数（万元）": [p.initial for p in projects],
        "全年预算数（万元）": [p.final for p in projects],
        "全年执行数（万元）": [p.spent for p in projects],
    }
    schema: dict[str, pl.DataType] = {name: pl.String() for name in PROJECT_COLUMNS[:4]}
    schema["年度"] = pl.Int64()
    schema.update({name: pl.Float64() for name in AMOUNT_COLUMNS})
    return pl.DataFrame(data, schema=schema)


# ---------------------------------------------------------------------------- claims

GRADE_WORDS = {"优": "优秀", "良": "良好", "中": "合格", "差": "不合格"}
"""自评等级 in the words of the departments that write them out (DOMAIN §2 grade names)."""


def grade_style(department: str) -> str:
    """How a department fills 自评等级: `short` (优), `words` (优秀) or `blank`; fixed per
    department (its template's habit), no random draw."""
    index = next((i for i, d in enumerate(vocab.DEPARTMENTS) if d.name == department), 0)
    return "blank" if index % 10 == 5 else "words" if index % 3 == 1 else "short"


def claimed_grade(total: float) -> str:
    """The national bands (DOMAIN §2): 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60."""
    return "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"


def claimed_budget_score(budget: float | None, spent: float | None) -> float:
    """What departments claim for 预算执行率 (10 points): rate × 10, capped, 2 decimals."""
    rate = min(spent / budget, 1.0) if budget and spent is not None else 0.0
    return round(rate * 10, 2)


def with_claims(
    projects: pl.DataFrame, indicators: pl.DataFrame, stats: Counter[str]
) -> pl.DataFrame:
    """The project table with its claims: 自评预算执行得分 (`claimed_budget_score`),
    自评总分 = that + the project's 得分 (2 decimals), 自评等级 by the national bands in
    the department's wording; a department that self-scores full marks (区体育局) claims
    full points everywhere: 10, 100, 优. No random draw: the rest of the sample is
    unchanged."""
    sums = indicators.group_by("项目编号").agg(pl.col("得分").round(2).sum().alias("_claimed"))
    joined = projects.join(sums, on="项目编号", how="left", maintain_order="left")
    full = {d.name for d in vocab.DEPARTMENTS if d.style.full_marks}
    budgets, totals, grades = [], [], []
    for department, budget, spent, claimed in joined.select(
        "主管部门", "全年预算数（万元）", "全年执行数（万元）", "_claimed"
    ).iter_rows():
        everything = department in full
        score = 10.0 if everything else claimed_budget_score(budget, spent)
        total = 100.0 if everything else round(score + (claimed or 0.0), 2)
        style = grade_style(department)
        if style != "short":
            stats[f"claimed_grade_{style}"] += 1
        grade = claimed_grade(total)
        budgets.append(score)
        totals.append(total)
        grades.append(
            None if style == "blank" else GRADE_WORDS[grade] if style == "words" else grade
        )
    # Text with two decimals, as the forms print them: a workbook and a CSV of the same
    # sample then hold the same claims as written (a number cell would read back `9.4`).
    return joined.drop("_claimed").with_columns(
        pl.Series("自评预算执行得分", [f"{v:.2f}" for v in budgets], pl.String()),
        pl.Series("自评总分", [f"{v:.2f}" for v in totals], pl.String()),
        pl.Series("自评等级", grades, pl.String()),
    )


# ---------------------------------------------------------------------------- indicator tree


def _build_pools() -> dict[str, dict[str, tuple[vocab.Template, ...]]]:
    """Department vocabulary first, then the generic one; one template per name."""
    pools: dict[str, dict[str, tuple[vocab.Template, ...]]] = {}
    for dept in vocab.DEPARTMENTS:
        own = dict(dept.pools)
        own["服务对象满意度"] = tuple(
            vocab.q(name, "≥", "%", 85, 90, 95) for name in dept.satisfaction
        )
        merged = {}
        for level2, generic in vocab.GENERIC.items():
            by_name = {tpl.name: tpl for tpl in (*own.get(level2, ()), *generic)}
            merged[level2] = tuple(by_name.values())
        pools[dept.name] = merged
    return pools


POOLS = _build_pools()
OUTPUT_BASE = ("数量", "质量", "时效", "成本")
OUTPUT_EXTRA = ("数量", "质量", "数量", "时效", "质量", "数量", "成本", "数量")


def _output_level2(count: int) -> list[str]:
    """Quantity and quality first, as every template does; then timeliness and cost."""
    chosen = list(OUTPUT_BASE[: min(count, 4)])
    chosen += [OUTPUT_EXTRA[i % len(OUTPUT_EXTRA)] for i in range(count - len(chosen))]
    return sorted(chosen, key=OUTPUT_BASE.index)


def _benefit_level2(dept: vocab.Department, count: int) -> list[str]:
    """The department's main benefits are chosen first, then listed in the usual order."""
    order = dept.benefit_order
    canonical = vocab.LEVEL2_OF_LEVEL1["效益"]
    return sorted((order[i % len(order)] for i in range(count)), key=canonical.index)


def _split_points(rng: random.Random, total: int, k: int) -> list[float]:
    """Integer points, each > 0, summing exactly to the level-1 points."""
    parts = [total // k] * k
    for i in rng.sample(range(k), total - parts[0] * k):
        parts[i] += 1
    i, j = rng.randrange(k), rng.randrange(k)
    if i != j and parts[i] > 2 and rng.random() < 0.5:
        parts[i] -= 1
        parts[j] += 1
    return [float(p) for p in parts]


def _pick_templates(
    rng: random.Random, dept: vocab.Department, level2s: list[str]
) -> list[vocab.Template]:
    """Distinct indicators within a level 2 (sampled without replacement while the pool lasts)."""
    picked: list[vocab.Template] = []
    for level2 in dict.fromkeys(level2s):
        pool = POOLS[dept.name][level2]
        need = level2s.count(level2)
        picked += rng.sample(pool, min(need, len(pool)))
        picked += [rng.choice(pool) for _ in range(need - len(pool))]
    return picked


def _force_qualitative(
    rng: random.Random, dept: vocab.Department, level2s: list[str], templates: list[vocab.Template]
) -> int:
    """Make the first benefit level 2 hold a qualitative row; return that row's index."""
    first = level2s[0]
    rows = [i for i, level2 in enumerate(level2s) if level2 == first]
    for i in rows:
        if templates[i].cmp == vocab.QUALITATIVE:
            return i
    used = {tpl.name for tpl in templates}
    options = [
        tpl
        for tpl in POOLS[dept.name][first]
        if tpl.cmp == vocab.QUALITATIVE and tpl.name not in used
    ]
    templates[rows[0]] = rng.choice(options)
    return rows[0]


def _level1_label(style: vocab.Style, level1: str, points: int) -> str:
    if style.level1 == "points":
        return f"{level1}指标({points}分)"
    return level1 if style.level1 == "short" else f"{level1}指标"


def _level1_points(rng: random.Random, stats: Counter[str]) -> dict[str, int]:
    points = dict(vocab.LEVEL1)
    if rng.random() < P_NO_SATISFACTION:
        to = "产出" if rng.random() < 0.5 else "效益"
        stats["no_satisfaction_to_output" if to == "产出" else "no_satisfaction_to_benefit"] += 1
        points[to] += points.pop("满意度")
        points["满意度"] = 0
    return points


def _project_indicators(
    rng: random.Random, project: _Project, rows: _Rows, stats: Counter[str]
) -> None:
    """6–14 level-3 indicators whose points sum to each level 1's points (90 in all)."""
    k = rng.randint(6, 14)
    points = _level1_points(rng, stats)
    n_sat = (1 if rng.random() < 0.8 else 2) if points["满意度"] else 0
    n_benefit = rng.randint(1, min(4, k - n_sat - 3))
    groups = (
        ("产出", _output_level2(k - n_sat - n_benefit)),
        ("效益", _benefit_level2(project.dept, n_benefit)),
        ("满意度", ["服务对象满意度"] * n_sat),
    )
    for level1, level2s in groups:
        if not level2s:
            continue
        templates = _pick_templates(rng, project.dept, level2s)
        forced = -1
        if level1 == "效益" and project.role == "out_of_band":
            forced = _force_qualitative(rng, project.dept, level2s, templates)
        label1 = _level1_label(project.dept.style, level1, points[level1])
        shares = _split_points(rng, points[level1], len(level2s))
        for i, (level2, tpl, w) in enumerate(zip(level2s, templates, shares, strict=True)):
            _emit(rng, rows, stats, project, (label1, level2), tpl, w, i == forced)


# ---------------------------------------------------------------------------- indicator rows


def _emit(
    rng: random.Random,
    rows: _Rows,
    stats: Counter[str],
    project: _Project,
    labels: tuple[str, str],
    tpl: vocab.Template,
    w: float,
    force_band: bool,
) -> None:
    style = project.dept.style
    label1, level2 = labels
    stats["level1_with_points"] += style.level1 == "points"
    stats["level1_short"] += style.level1 == "short"
    stats["level2_short"] += not style.level2_suffix
    label2 = f"{level2}指标" if style.level2_suffix else level2
    if tpl.cmp == vocab.QUALITATIVE:
        cells = _qualitative(rng, style, tpl, w, force_band, stats)
    else:
        cells = _quantitative(rng, project, level2, tpl, w, stats)
    nature, target, unit, actual, score, reason = cells
    if style.full_marks:
        stats["full_marks_rows"] += 1
        score = w
    rows.add(
        project.number, label1, label2, tpl.name, nature, target, unit, actual, w, score, reason
    )


Cells = tuple[str | None, str, str | None, str | None, float, str | None]


def _qualitative(
    rng: random.Random,
    style: vocab.Style,
    tpl: vocab.Template,
    w: float,
    force_band: bool,
    stats: Counter[str],
) -> Cells:
    """Tier label as actual; the self-score lies in the tier's band (80–100/60–80/0–60 %)."""
    stats["qualitative"] += 1
    r = rng.random()
    tier = 0 if r < P_TIER[0] else 1 if r < P_TIER[1] else 2
    if force_band:
        tier = 1 if stats["score_out_of_band"] % 2 == 0 else 2
        score = w if tier == 1 else _round2(w * 0.7)
    elif tier == 0:
        score = w
    else:
        score = _band_score(rng, w, 0.6 if tier == 1 else 0.0, 0.8 if tier == 1 else 0.6)
    stats["score_out_of_band"] += force_band or (style.full_marks and tier > 0)
    stats[("", "tier_partial", "tier_failed")[tier]] += 1
    nature = vocab.QUALITATIVE if style.comparator == "column" else None
    stats["cmp_column"] += nature is not None
    reason = _reason(rng, stats, missed=tier > 0, over=False)
    return nature, rng.choice(tpl.texts), None, style.tiers[tier], score, reason


def _band_score(rng: random.Random, w: float, low: float, high: float) -> float:
    """A score in [low·w, high·w): the upper bound belongs to the next tier."""
    score = _round2(w * rng.uniform(low, high))
    return score if score < w * high else _round2(w * high - 0.01)


def _quantitative(
    rng: random.Random,
    project: _Project,
    level2: str,
    tpl: vocab.Template,
    w: float,
    stats: Counter[str],
) -> Cells:
    if tpl.targets:
        target = rng.choice(tpl.targets)
        actual = _actual_value(rng, tpl, level2, target)
    else:  # total cost against the initial budget: the project's own numbers
        target, actual = float(math.ceil(project.initial)), project.spent
    form = _target_form(rng, project.dept.style, tpl, target)
    nature, target_text, unit = _render_target(rng, project.dept.style, tpl, target, form, stats)
    missed = actual > target if tpl.cmp == "≤" else actual < target
    over = tpl.cmp == "≥" and actual >= 1.3 * target
    r = rng.random()
    if r < P_BLANK_ACTUAL + P_TEXT_ACTUAL:  # the department claimed it done: full points
        blank = r < P_BLANK_ACTUAL
        stats["actual_blank" if blank else "actual_text"] += 1
        return nature, target_text, unit, None if blank else rng.choice(vocab.TEXT_ACTUALS), w, None
    score = _self_score(tpl.cmp, target, actual, w)
    stats["over_achiever"] += over
    stats["reverse_over"] += tpl.cmp == "≤" and missed
    stats["reverse_double"] += tpl.cmp == "≤" and actual >= 2 * target
    actual_text = _render_actual(rng, project.dept.style, tpl.unit, actual, form, stats)
    reason = _reason(rng, stats, missed=missed, over=over)
    return nature, target_text, unit, actual_text, score, reason


def _actual_value(rng: random.Random, tpl: vocab.Template, level2: str, t: float) -> float:
    """The true actual on the target's scale: mostly met, some missed, a few far above."""
    r = rng.random()
    if tpl.cmp == "≤":
        if r < P_REVERSE_DOUBLE:
            return max(_rounded(t * rng.uniform(2.0, 2.6), tpl.unit, t), 2 * t)
        if r < P_REVERSE_DOUBLE + P_REVERSE_OVER:
            return max(_rounded(t * rng.uniform(1.05, 1.6), tpl.unit, t), t + _step(tpl.unit, t))
        return min(_rounded(t * rng.uniform(0.6, 1.0), tpl.unit, t), t)
    if level2 == "数量" and tpl.cmp == "≥" and tpl.unit != "%" and r < P_OVER_ACHIEVER:
        return float(math.ceil(t * rng.uniform(1.3, 2.0)))
    if r < 1 - P_MISSED:
        if tpl.cmp == "=" or t >= 100:
            return t
        ceiling = min(100.0, t * 1.06) if tpl.unit == "%" else t * 1.12
        return max(_rounded(rng.uniform(t, ceiling), tpl.unit, t), t)
    far = 0.75 if tpl.unit == "%" else 0.4  # rates rarely collapse; counts can
    factor = rng.uniform(0.9, 0.995) if rng.random() < 0.7 else rng.uniform(far, 0.9)
    return max(0.0, min(_rounded(t * factor, tpl.unit, t), t - _step(tpl.unit, t)))


def _step(unit: str, t: float) -> float:
    """The smallest difference a department would write for this unit."""
    if unit == "万元" or (unit == "%" and t < 10):
        return 0.01
    return 0.1 if unit == "%" else 1.0


def _rounded(x: float, unit: str, t: float) -> float:
    step = _step(unit, t)
    return float(round(x)) if step == 1.0 else round(x, 1 if step == 0.1 else 2)


def _self_score(cmp: str, t: float, a: float, w: float) -> float:
    """The department's own arithmetic: proportional below target, linear penalty above ≤."""
    if cmp == "≤":
        if a <= t:
            return w
        return 0.0 if a >= 2 * t else _round2(w * (1 - (a - t) / t))
    return w if a >= t else _round2(w * a / t)


def _round2(x: float) -> float:
    """Half away from zero, as Excel's ROUND does for the departments."""
    return math.floor(abs(x) * 100 + 0.5 + 1e-9) / 100 * (1 if x >= 0 else -1)


def _target_form(rng: random.Random, style: vocab.Style, tpl: vocab.Template, t: float) -> str:
    """Rare per-row forms for high rates (a range up to 100 %, or a fraction like ≥ 0.95)."""
    if tpl.unit != "%" or tpl.cmp != "≥" or not 80 <= t < 100 or style.comparator == "column":
        return "plain"
    r = rng.random()
    if r < P_RANGE:
        return "range"
    return (
        "fraction" if style.comparator == "inline" and r < P_RANGE + P_FRACTION_TARGET else "plain"
    )


FULLWIDTH = {"≥": "＞＝", "≤": "＜＝", "=": "＝"}


def _render_target(
    rng: random.Random,
    style: vocab.Style,
    tpl: vocab.Template,
    t: float,
    form: str,
    stats: Counter[str],
) -> tuple[str | None, str, str | None]:
    """(指标性质, 年度指标值, 度量单位) in the department's own way of writing them."""
    n = _fmt(t)
    if form == "range":
        stats["target_range"] += 1
        text = f"[{n}%,100%]" if rng.random() < 0.5 else f"{n}%-100%"
        return None, text, "%" if style.unit_column else None
    if form == "fraction":
        stats["target_fraction"] += 1
        return None, f"{tpl.cmp} {_fmt(t / 100)}", None
    unit = tpl.unit
    if unit == "%" and style.percent_word and rng.random() < P_PERCENT_WORD:
        stats["unit_percent_word"] += 1
        unit = "百分比"
    stats["cmp_" + style.comparator] += 1
    if style.comparator == "column":
        return tpl.cmp, n, unit
    stats["unit_column_blank"] += not style.unit_column
    shown = n if style.unit_column and rng.random() < P_VALUE_WITHOUT_UNIT else n + unit
    if style.comparator == "inline":
        text = tpl.cmp + shown
    elif style.comparator == "fullwidth":
        text = FULLWIDTH[tpl.cmp] + shown
    else:
        text = _words(rng, tpl.cmp, n + unit)
    return None, text, unit if style.unit_column else None


def _words(rng: random.Random, cmp: str, value: str) -> str:
    if cmp == "≥":
        return f"{value}以上" if rng.random() < 0.5 else f"不低于{value}"
    return f"不超过{value}" if cmp == "≤" else f"={value}"


def _render_actual(
    rng: random.Random, style: vocab.Style, unit: str, a: float, form: str, stats: Counter[str]
) -> str:
    if form == "fraction":
        return _fmt(round(a / 100, 4))
    if unit != "%":
        return _fmt(a) + (unit if rng.random() < P_UNIT_IN_ACTUAL else "")
    if rng.random() < P_FRACTION_ACTUAL:
        stats["actual_fraction"] += 1
        return _fmt(round(a / 100, 4))
    return _fmt(a) + ("%" if style.percent_sign else "")


def _reason(rng: random.Random, stats: Counter[str], *, missed: bool, over: bool) -> str | None:
    """Most missed indicators are explained; some are not (a flag downstream)."""
    if missed:
        stats["missed"] += 1
        if rng.random() < P_EXPLAINED:
            return f"{rng.choice(vocab.REASONS[:-1])}，{rng.choice(vocab.MEASURES)}。"
        stats["missed_unexplained"] += 1
    elif over and rng.random() < P_OVER_EXPLAINED:
        return f"{vocab.REASONS[-1]}，{vocab.MEASURES[1]}。"
    return None


def _fmt(x: float) -> str:
    """Numbers as people type them: 1200, 95.5, 0.96 (never 1200.0)."""
    if x == int(x):
        return str(int(x))
    return f"{x:.4f}".rstrip("0").rstrip(".")
