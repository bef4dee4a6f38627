"""The ruleset and catalogue formats, as pydantic models.

These models are the schema: attribute docstrings become the JSON Schema descriptions an
editor shows while an analyst types, so they are written for that reader. Every model
forbids unknown keys, because a silently ignored typo (`wieghts:`) would score a whole
province with defaults nobody chose.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Comparator = Literal[">=", ">", "<=", "<", "="]


class Strict(BaseModel):
    """Base: unknown keys are errors, values are not coerced across types, models are frozen."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True
    )


# --- catalogue -------------------------------------------------------------------------


class Category(Strict):
    """A level-2 category of the indicator tree (二级指标), e.g. 数量指标."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Machine name used in rulesets and outputs, e.g. `quantity`."""
    name: str
    """Chinese name as printed in official tables, e.g. `数量指标`."""
    aliases: list[str] = []
    """Other labels seen in real tables (the 指标 suffix and `(50分)` are ignored anyway)."""


class Level1(Category):
    """A level-1 category (一级指标: 产出, 效益, 满意度, or 成本 in 101号-style tables)."""

    children: list[Category]
    """The level-2 categories that belong to it."""


class Unit(Strict):
    """A measurement unit as written in target values (度量单位)."""

    name: str
    """Canonical spelling, e.g. `%`, `万元`, `个`."""
    aliases: list[str] = []
    """Equivalent spellings, e.g. `百分比` for `%`, `㎡` for `平方米`."""
    dimension: str
    """Units of one dimension convert into each other by `factor` (e.g. money: 元, 万元)."""
    factor: float = Field(default=1.0, gt=0)
    """Size of the unit in the dimension's base unit (万元 = 10000 when 元 = 1)."""


CodeWords = dict[Literal[">=", ">", "<=", "<", "="], list[str]]


class Comparators(Strict):
    """How comparators are written around a target number (`≥95%`, `不低于95%`, `95%以上`)
    and in the comparator column (指标性质). Full-width forms match their half-width
    spelling, so `>=` also covers `＞＝`."""

    before: CodeWords
    """Words written before the number, by comparator, e.g. `">=": [≥, 不低于, 达到]`."""
    after: CodeWords = {}
    """Words written after the number and unit, e.g. `">=": [以上]`, `"<=": [以内]`."""
    column: dict[Literal["pos", "neg", "qual", "range", "none"], list[str]] = {}
    """Extra words of the comparator column besides the `before` words: a direction
    (`pos` 正向 = ≥, `neg` 反向 = ≤), `qual` (定性), `range` (区间), `none` (定量)."""


class CommonIndicator(Strict):
    """A common indicator (共性指标) computed from the projects table by formula."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Machine name, e.g. `budget_execution_rate`."""
    name: str
    """Chinese name, e.g. `预算执行率`."""
    aliases: list[str] = []
    """Other labels of the same indicator."""
    formula: str
    """Expression over projects-table columns, e.g. `safe_div(spent, budget)`."""
    description: str = ""
    """What it measures and where the definition comes from."""


class Column(Strict):
    """One canonical input column and the headers it is known by."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Canonical name, also used by machine-readable outputs."""
    aliases: list[str] = []
    """Chinese headers (whitespace, full-width forms and `(万元)` suffixes are tolerated)."""
    required: bool = False
    """A file lacking a required column is refused with the missing names."""
    type: Literal["text", "number"] = "text"
    """How formulas and flags see the column once parsed."""
    description: str = ""
    """What the column holds."""


class Table(Strict):
    """An input table: its sheet names in a workbook and its columns."""

    sheet_names: list[str]
    """Sheet names that hold this table in a workbook, e.g. `项目`, `projects`."""
    key: list[str] = []
    """Columns that must be filled in every row (and, for projects, unique)."""
    columns: list[Column]
    """The canonical columns."""


class Catalogue(Strict):
    """What can be measured: the indicator tree, units, tier labels, common indicators and
    input columns. Many rulesets share one catalogue."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    """File stem under indicators/, e.g. `project-common`."""
    name: str
    """Human name."""
    version: str
    """Version of the catalogue content, e.g. `2025.1`."""
    description: str = ""
    """Sources and scope."""
    levels: list[Level1]
    """The level-1 categories with their level-2 children."""
    units: list[Unit]
    """Units that target and actual values may carry."""
    tiers: dict[str, list[str]]
    """Qualitative tier (达成 / 部分达成 / 未达成) → the labels that mean it."""
    comparators: Comparators
    """Comparator words of target values and of the comparator column."""
    common_indicators: list[CommonIndicator] = []
    """Indicators computed from the projects table."""
    tables: dict[Literal["projects", "indicators", "monitoring"], Table]
    """Input tables and their column aliases (`monitoring`: the in-year 绩效监控表 that
    `jixiao monitor` reads; `score` reads only projects and indicators)."""


# --- ruleset ---------------------------------------------------------------------------


class Grade(Strict):
    """A grade band: `min` inclusive, `max` exclusive except for the top band."""

    name: str
    """Grade label, e.g. `优`."""
    min: float
    """Lowest total score in the band (inclusive)."""
    max: float
    """Upper end of the band (exclusive, except the top band, which includes the scale)."""


class QuantitativeRules(Strict):
    """Scoring expressions for quantitative indicators, one per direction.

    Names available: `actual`, `target`, `upper` (range upper bound), `points`, and the
    ruleset's `params`. The result is rounded to the ruleset precision.
    """

    higher: str
    """正向 (≥, >): e.g. `points if actual >= target else points * actual / target`."""
    lower: str
    """反向 (≤, <)."""
    exact: str
    """等于 (=)."""
    range: str
    """Range targets such as `[90%,100%]`."""


class Tier(Strict):
    """A qualitative tier's band, as shares of the indicator's points."""

    min: float = Field(ge=0, le=1)
    """Lowest share of points in the band (inclusive)."""
    max: float = Field(ge=0, le=1)
    """Highest share; exclusive unless `max_inclusive`."""
    max_inclusive: bool = False
    """Whether `max` itself belongs to this band (true for the top tier)."""
    default: float = Field(ge=0, le=1)
    """Share given when the data carries no claimed score."""


class QualitativeRules(Strict):
    """How qualitative indicators (tier labels as actuals) are scored."""

    tiers: dict[str, Tier]
    """Tier name (as in the catalogue) → band and default share."""
    use_claimed_score: bool = True
    """Take the department's claimed score (得分) when given, checked against the band."""
    claimed_outside_band: Literal["not_evaluable", "clamp"] = "not_evaluable"
    """A claimed score outside its tier's band makes the indicator not evaluable, or is
    clamped into the band (and flagged)."""


class AchievedRules(Strict):
    """When an indicator counts as met (the `achieved` column, `n_missed`, flags), one
    boolean expression per direction. It must agree with the scoring rule: a row that
    gets full points is achieved (正向 `>95%` with actual 95% scores w, so achieved).

    Names: `actual` (as written: `negative_actual_as_zero` does not apply), `target`,
    `upper`, `points`,
    `tier` (qualitative rows) and the ruleset's `params`.
    """

    higher: str
    """正向 (≥ and > alike): e.g. `actual >= target`."""
    lower: str
    """反向 (≤ and < alike): e.g. `actual <= target`."""
    exact: str
    """等于 (=): e.g. `(actual <= 0) if target == 0 else (actual >= target)`."""
    range: str
    """Range targets: e.g. `between(actual, target, upper)`."""
    qualitative: str
    """Tier judged as met: e.g. `tier == '达成'` (a tier name of the catalogue)."""


class NotEvaluable(Strict):
    """A condition under which an indicator cannot be scored, with the reason shown."""

    when: str
    """Boolean expression over the parsed values: `kind`, `direction`, `comparator`,
    `actual_kind` (blank / number / tier / text), `actual_text`, `actual`, `target`,
    `upper`, `tier`, `target_error`, `actual_error`."""
    reason: str
    """Message; `{name}` inserts that value of the row (a null shows as `?` or `blank`)."""


SIGNED_TARGET = "kind == 'quantitative' and (target < 0 or (target == 0 and actual < 0 and direction in ('higher', 'range')))"
"""Targets ≤ 0 with no defined proportional rule: negative ones, and 0 as a floor (`≥0%`,
`[0,5]`) with a negative actual, which would need w × a / 0. `=0` and `≤0` are defined (a ≤
0 → w, else 0: DOMAIN §2 等于 t = 0, and 反向 with t = 0 gives the same without dividing);
so is `≥0` met by a ≥ 0 (正向 a ≥ t → w)."""

FRACTION_AMBIGUOUS = (
    "met_as_fraction != met_as_written and (direction == 'lower' or as_written * 10 >= target)"
)
"""Built-in rule for an actual ≤ 1 without a unit against a % target: ambiguous when its
two readings fall on opposite sides of the target, unless the target is a floor and the
number as written is under a tenth of it (`0.96` against `≥95%`: 0.96% is no plausible
report of a 95% floor, 96% is)."""


class FractionActuals(Strict):
    """An actual ≤ 1 written without a unit against a % target (DOMAIN §3): `0.96` against
    `≥95%` is surely 96%; `1` against `≤5%` may be 100% (0 points) or 1% (full points)."""

    ambiguous: str = FRACTION_AMBIGUOUS
    """When the reading is ambiguous: a boolean expression over `as_fraction` (the actual
    × 100), `as_written`, `met_as_fraction` / `met_as_written` (the row's `rules.achieved`
    under each reading), `direction`, `target`, `upper` and the params. An actual that is
    not ambiguous is read as a fraction, and the row's note says so."""
    when_ambiguous: Literal["fraction", "percent", "not_evaluable"] = "not_evaluable"
    """An ambiguous actual is read as a fraction (`fraction`), as the percent written
    (`percent`), or the row is not evaluable with both readings in the reason."""


HAS_EXPLANATION = "explanation not in ('', '0', '无', '/', '-', '—', '——')"
"""Built-in rule for `has_explanation`: a 偏差原因 cell holding only a filler (`0`, `无`,
`/`, `-`, a dash) says nothing; blank is empty anyway."""


class Rules(Strict):
    """Scoring rules by indicator kind."""

    quantitative: QuantitativeRules
    """Rules for indicators with a numeric target."""
    qualitative: QualitativeRules
    """Rules for indicators judged by tier."""
    negative_actual_as_zero: bool = True
    """A negative actual counts as 0 (DOMAIN §2 "a < 0 counts as 0") in the scoring rules
    of targets that are not signed. `achieved` always judges the actual as written, so
    the clamp can never turn a missed target into a met one."""
    signed_target: str = SIGNED_TARGET
    """When a quantitative target is *signed* (a growth rate such as `≥-5%`, DOMAIN §2
    signed targets): a boolean expression over the parsed values. The national
    proportional rules are not defined for such targets (w × a / t flips sign)."""
    signed_targets: QuantitativeRules | None = None
    """Scoring rules for signed targets, one per direction, over the actual as written.
    None (the built-in rulesets: DOMAIN gives no such rule): a row with a signed target
    is not evaluable, with the reason."""
    achieved: AchievedRules
    """When an indicator counts as met, per direction (see docs/rulesets.md)."""
    not_evaluable: list[NotEvaluable] = Field(min_length=1)
    """Conditions that make an indicator not evaluable, tried in order; the first that
    holds gives the reason. A row none of them catches is scored by its rule."""
    has_explanation: str = HAS_EXPLANATION
    """When the 偏差原因分析及改进措施 cell counts as an explanation (the `has_explanation`
    column, the flags): a boolean expression over `explanation`, the cell's text
    normalised (half-width, without spaces or trailing 。; a blank cell reads as `''`),
    and the params. A null result counts as no explanation."""


class BudgetExecution(Strict):
    """The 预算执行率 part of the score."""

    indicator: str = "budget_execution_rate"
    """Common indicator (catalogue id) giving the rate."""
    score: str = "clip(rate, 0, 1) * points"
    """Expression over `rate` and `points` (the budget_execution weight)."""
    precision: int | None = Field(default=None, ge=0, le=6)
    """Rounding of this score; defaults to the ruleset precision (some tables use 0)."""
    when_not_computable: Literal["zero", "blank"] = "zero"
    """A budget score that cannot be computed (zero or unreadable 全年预算数) always makes
    the project incomplete (grade withheld). In the total it counts as 0 (`zero`: the total
    shows what could be scored), or the total is left blank (`blank`)."""


# --- project and department roll-up (rules-proj) --------------------------------------

COMPLETE = (
    "n_indicators > 0 and n_not_evaluable == 0 and is_null(points_issue) and is_null(budget_issue)"
)

DEPARTMENT_MEASURES: dict[str, str] = {
    "n_projects": "count()",
    "n_incomplete": "sum(0 if complete else 1)",
    "mean_total": "round(mean(total), {precision})",
    "min_total": "minimum(total)",
    "max_total": "maximum(total)",
    "grade_{grade}": "sum(1 if grade == {grade} else 0)",
    "budget": "sum(budget)",
    "spent": "sum(spent)",
    "execution_rate": "budget_execution_rate",
    "n_evaluable": "sum(n_evaluable)",
    "n_full_points": "sum(n_full_points)",
}


class Department(Strict):
    """The department summary (主管部门汇总): one row per department, one column per measure."""

    blank_label: str = "(未填部门)"
    """Department shown for projects whose 主管部门 is blank."""
    measures: dict[str, str] = DEPARTMENT_MEASURES
    """Column → group expression over the department's projects (`count()`, `sum(budget)`,
    `mean(total)`, `minimum(total)` …; see docs/expressions.md). A catalogue common
    indicator id (`budget_execution_rate`) stands for its formula over the department's
    summed columns (Σ spent / Σ budget). `{grade}` in a column name repeats the measure for
    every grade band and the withheld grade; `{precision}` is the ruleset precision."""


class Flag(Strict):
    """A declarative deviation flag (偏差标记) evaluated over a scored table: one row of
    the `flags` output per row (indicator, project or department) it is raised on. See
    docs/flags.md for the language."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Machine name of the flag, unique in the ruleset; later flags of the same level read
    it in their `when` as a boolean (raised or not)."""
    level: Literal["indicator", "project", "department"]
    """Which scored table the condition is evaluated on: `indicator` (indicator_scores
    rows), `project` (project_scores rows) or `department` (a group expression over the
    department's projects, like `department.measures`)."""
    when: str
    """Boolean expression of the expression language over that level's names, the
    ruleset's params (`params.NAME` or `NAME`), the ids of earlier flags of the same level
    and `explanation_due`. Raised where true (null is not raised)."""
    severity: Literal["info", "warning", "serious"] = "warning"
    """How serious the finding is: `info`, `warning` or `serious`."""
    message: str
    """Chinese message template: `{name}` or `{name:spec}` inserts a value of the row (or
    `{params.NAME:spec}`); spec is `.Nf`, `.N%`, `d`, with an optional `,` for thousands.
    `{{` and `}}` are literal braces; a null shows as nothing."""
    explanation_required: bool = False
    """The department must explain the deviation (偏差原因); later flags of the level see
    `explanation_due` as true on a row where such a flag was raised."""
    params: list[str] = []
    """The ruleset params the flag reads (documentation; each must exist in `params`)."""


# --- in-year monitoring (双监控, `jixiao monitor`, docs/monitoring.md) -----------------

LIGHTS = ("red", "yellow", "green", "grey")
"""The light values every monitoring light expression yields."""

TIME_PROGRESS = "completed_months / 12"
"""Completed months: a month counts once its last day is reached (1-N月执行数 data)."""

EXECUTION_PROGRESS = "safe_div(spent_to_date, budget)"
BUDGET_RATIO = "round(safe_div(execution_progress, time_progress), 6)"
BUDGET_LIGHT = (
    "'grey' if is_null(budget_ratio) else ('red' if budget_ratio < red_below "
    "else ('yellow' if budget_ratio < green_from else 'green'))"
)
CUMULATIVE = "kind == 'quantitative' and direction == 'higher' and not rate"
"""Counts and amounts (正向, not a %) accumulate through the year: judged against time."""
GOAL_PROGRESS = (
    "null if kind != 'quantitative' else (round(safe_div(actual, target), 6) if cumulative "
    "else (1 if met else (round(safe_div(target, actual), 6) if direction == 'lower' "
    "else round(safe_div(actual, target), 6))))"
)
GOAL_RATIO = "round(safe_div(goal_progress, time_progress), 6) if cumulative else goal_progress"
GOAL_LIGHT = (
    "(('green' if tier == '达成' else ('yellow' if tier == '部分达成' else "
    "('red' if tier == '未达成' else 'grey'))) if kind == 'qualitative' "
    "else ('grey' if is_null(goal_ratio) else "
    "(('red' if goal_ratio < red_below else ('yellow' if goal_ratio < green_from else 'green')) "
    "if cumulative else ('green' if met else ('yellow' if goal_ratio >= green_from else 'red')))))"
)
FORECAST_LIGHT = (
    "'grey' if not likelihood_ok or not cause_ok else "
    "('red' if likelihood == '完全不可能' or forecast_met == false else "
    "('yellow' if likelihood == '有可能' else ('green' if forecast_met else 'grey')))"
)


class Checkpoint(Strict):
    """A cumulative-execution checkpoint (四川 川财绩〔2025〕10号): at the end of `month`
    execution below `min_execution` is red."""

    month: int = Field(ge=1, le=12)
    """The checkpoint is passed at the end of this month (4 = end of April)."""
    min_execution: float = Field(ge=0, le=1)
    """Cumulative execution (spent_to_date / budget) required then, e.g. 0.25."""


class LightReason(Strict):
    """Why a light is not green, for the finance officer: the first entry whose `when`
    holds gives the text (docs/monitoring.md, "Reasons")."""

    when: str
    """Boolean expression over the names the light itself sees (and the light)."""
    reason: str
    """Chinese message template: `{name}` or `{name:.1%}` inserts a value of the row (the
    format specs of docs/flags.md; null shows as nothing)."""


class LightReasons(Strict):
    """`monitoring.reasons`: one ordered list per dimension (first that holds wins)."""

    budget: list[LightReason] = []
    """Per project, after the roll-up (it may read `progress_warning`)."""
    goal: list[LightReason] = []
    """Per indicator row."""
    forecast: list[LightReason] = []
    """Per indicator row."""


class Monitoring(Strict):
    """In-year monitoring (双监控, DOMAIN §4): how `jixiao monitor` lights projects.

    Every light is an expression of the expression language over the names listed in
    docs/monitoring.md; the thresholds are data. Lights are `red`, `yellow`, `green` or
    `grey` (no data: never green)."""

    time_progress: str = TIME_PROGRESS
    """Elapsed share of the budget year at the as-of date, over `month`, `day`,
    `days_in_month`, `completed_months`, `day_of_year`, `days_in_year`."""
    execution_progress: str = EXECUTION_PROGRESS
    """Cumulative execution over `spent_to_date`, `budget`, `budget_initial`."""
    budget_ratio: str = BUDGET_RATIO
    """Execution against time progress (DOMAIN §4: (执行数 / 全年预算数) / (month / 12))."""
    red_below: float = 0.6
    """A ratio below this is red (national: 60 %)."""
    green_from: float = 0.8
    """A ratio from this on is green (national: 80 %); between the two yellow."""
    checkpoints: list[Checkpoint] = []
    """Cumulative-execution checkpoints, months strictly increasing and requirements
    strictly increasing; the latest passed at the as-of date is `checkpoint` in the
    budget light (null before the first)."""
    progress_gap: float | None = None
    """Warn when a project's goal progress and execution progress differ by more than
    this (四川: 0.10, ten percentage points); null: no such warning."""
    budget_light: str = BUDGET_LIGHT
    """The budget light per project."""
    budget_light_final: str = "budget_light"
    """The budget light once the goal progress is known (after the roll-up): it may read
    `budget_light`, `progress_warning`, `goal_progress` and the goal and forecast lights.
    四川 turns a green light yellow on a progress warning; the default keeps it."""
    cumulative: str = CUMULATIVE
    """Whether an indicator's value accumulates over the year (judged against time
    progress) or is a level (a rate, a ceiling) judged as it stands."""
    goal_progress: str = GOAL_PROGRESS
    """Progress of one quantitative indicator against its annual target: the share done
    for a cumulative one; 1 when met, else actual/target (target/actual for 反向) for a
    level."""
    goal_ratio: str = GOAL_RATIO
    """Goal progress against time progress (cumulative), or the progress itself."""
    goal_light: str = GOAL_LIGHT
    """The goal light per indicator (qualitative by tier, quantitative by progress)."""
    project_goal_progress: str = "round(mean(min(goal_progress, 1) if cumulative else null), 6)"
    """A project's goal progress (group expression over its indicator rows), the figure
    the progress warning compares with execution: the share of the annual targets done,
    over the cumulative indicators only (a rate met is not "100 % of the year done");
    null without one (no warning)."""
    forecast_light: str = FORECAST_LIGHT
    """The forecast light per indicator (完成可能性 and 全年预计完成值)."""
    worst_first: list[Literal["red", "yellow", "green", "grey"]] = [
        "red",
        "yellow",
        "grey",
        "green",
    ]
    """Lights from worst to best: a project's light per dimension is its worst
    indicator's, its overall light the worst of the three. Grey ranks above green, so
    missing data never passes as green."""
    likelihood: dict[str, list[str]] = {
        "确定能": ["确定能", "确定", "能", "能完成", "确定能完成"],
        "有可能": ["有可能", "可能", "有可能完成", "基本能"],
        "完全不可能": ["完全不可能", "不可能", "不能", "无法完成", "完全不可能完成"],
    }
    """完成可能性: canonical value → the words that mean it; anything else is outside the
    vocabulary (grey forecast light, with the reason)."""
    causes: list[str] = ["经费", "制度", "人员", "硬件", "其他"]
    """偏差原因 categories; a cell may name several (`经费、人员`); any other word is
    outside the vocabulary (grey forecast light, with the reason)."""
    responses: dict[str, str] = {
        "budget": "加快预算执行进度，或按程序调整预算（调减、收回、调剂）",
        "goal": "查找目标偏差原因，采取纠偏措施，必要时按程序调整绩效目标",
        "forecast": "对预计无法完成的目标及时纠偏；确实无法完成的，暂缓或停止资金拨付",
    }
    """Suggested response category per red dimension (DOMAIN §4, 财预〔2019〕136号)."""
    reasons: LightReasons = LightReasons()
    """Why each red, yellow or grey light is so, as ruleset message templates; a light
    no entry explains says that the ruleset gives no reason for it."""


# --- re-evaluation of self-scores (再评价 / 抽查复核, `jixiao reevaluate`) --------------

OVER_THRESHOLD = (
    "abs(gap) >= params.threshold_points or (params.grade_change_counts and grade_changed)"
)
"""A project whose claim is off by the threshold, or whose grade changes (DOMAIN §5: no
national threshold, so both are params)."""

CLAIM_DIFFERS = "round(abs(difference), 10) > half_unit"
"""A claim differs from the recomputed score by more than half a unit of the ruleset
precision (`half_unit`, 0.005 at 2 decimals): the score is rounded to that unit."""

REEVALUATION_MEASURES: dict[str, str] = {
    "n_projects": "count()",
    "n_claimed": "count(claimed_total)",
    "mean_gap": "round(mean(gap), {precision})",
    "inflation": "round(mean(max(gap, 0)), {precision})",
    "n_over_threshold": "sum(1 if over_threshold else 0)",
    "share_over_threshold": "round(sum(1 if over_threshold else 0) / count(), 4)",
    "n_grade_changed": "sum(1 if grade_changed else 0)",
}


class ReevaluationReason(Strict):
    """Why a claimed score differs from the recomputed one: the first entry whose `when`
    holds gives the line its `reason_code` and Chinese `reason` (docs/reevaluation.md)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Machine name of the reason, e.g. `full_points_not_met`; counted per project in
    `reason_codes`."""
    when: str
    """Boolean expression over the line's names (indicator_scores columns for an
    indicator line, project_scores columns for the budget line, plus `claimed_score`,
    `score`, `points`, `difference`, `half_unit`) and the params. The last entry of a
    list must be the catch-all `true`, so that every difference has a reason."""
    message: str
    """Chinese message template (`{claimed_score}`, `{score:.2f}`, `{target_text}` …; the
    specs of docs/flags.md; null shows as nothing)."""


class Reevaluation(Strict):
    """Re-evaluation of department self-scores (再评价, DOMAIN §5): each claim is compared
    with the recomputed score, every difference gets a reason, and projects are judged
    against thresholds that are params (`threshold_points`, `grade_change_counts`)."""

    differs: str = CLAIM_DIFFERS
    """When a claimed line differs from the recomputed one: a boolean expression over
    `difference` (claimed − recomputed, a not-evaluable row recomputing to 0),
    `claimed_score`, `score`, `points`, `half_unit` and the params. Null (no claim): no
    difference."""
    indicator_reasons: list[ReevaluationReason] = Field(min_length=1)
    """Reasons of an indicator line that differs, tried in order; the last is `true`."""
    budget_reasons: list[ReevaluationReason] = Field(min_length=1)
    """Reasons of the budget line (预算执行率) that differs, tried in order; the last is
    `true`."""
    grade_words: dict[str, list[str]] = {}
    """Grade name of the ruleset → the words a form's 自评等级 may use for it (`优: [优秀]`);
    a grade name always stands for itself. Other words are a claim error."""
    over_threshold: str = OVER_THRESHOLD
    """Whether a project goes over the threshold: a boolean expression over the
    reevaluation_projects columns and the params (null counts as false)."""
    measures: dict[str, str] = REEVALUATION_MEASURES
    """reevaluation_departments column → group expression over the department's
    reevaluation_projects rows (like `department.measures`; `{precision}` is the ruleset
    precision). `inflation` orders the departments (`rank`)."""
    risk_order: list[str] = Field(default=["grade_changed", "abs(gap)", "budget"], min_length=1)
    """Expressions over reevaluation_projects, sorted descending one after the other (then
    by project_id) for `jixiao reevaluate --risk N`; true sorts before false, null last."""


class Ruleset(Strict):
    """How projects are scored: weights, rules, grades and flags over a catalogue."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    """Identifier, the file stem under rulesets/, e.g. `project-self-eval`."""
    name: str
    """Human name."""
    version: str
    """Version string written into every output (e.g. `2025.1`)."""
    description: str = ""
    """Where the rules come from."""
    extends: str | None = None
    """Id or path of a ruleset to start from; keys given here override it key by key."""
    unset: list[str] = Field(default=[], exclude=True)
    """Dotted key paths of the extended ruleset to remove (`weights.satisfaction`); a key
    written as `null` is removed too. See docs/rulesets.md."""
    catalogue: str
    """Catalogue id (indicators/<id>.yaml) or path."""
    scale: float = Field(default=100, gt=0)
    """Full marks (百分制)."""
    precision: int = Field(default=2, ge=0, le=6)
    """Decimal places; scores round half away from zero (四舍五入)."""
    weights: dict[str, float]
    """Points per part: `budget_execution` and every level-1 category id; sum = scale."""
    points_distribution: Literal["fixed", "free"] = "fixed"
    """`fixed`: each level-1 category's indicator points must equal its weight. `free`: only
    their total is fixed (四川: 预算执行 10 + 绩效指标 90 distributed by the department)."""
    weighting: Literal["check", "proportional"] = "check"
    """How the weights meet the department's indicator points (DOMAIN §2 applying
    weights). `check`: the points as written score, and they must roll up to the weights
    (self-evaluation as submitted). `proportional`: each indicator's points are scaled
    within its level-1 category (within its level-2 category when `level2_weights` are
    given) so the category sums to its weight; the points as written are kept beside the
    `applied_points` (docs/rulesets.md, "Weighting")."""
    level2_weights: dict[str, dict[str, float]] = {}
    """Optional fixed points per level-2 category, by level-1 id then level-2 id; each
    level-1's entries must sum to its weight. Under `weighting: check` they are checked
    against every project's rows; under `proportional` they are the level-2 targets the
    points are scaled to (then every level-2 category of that level-1 must be listed)."""
    when_category_missing: Literal["reassigned", "rescale", "zero"] = "reassigned"
    """A level-1 category with no indicators: its points were `reassigned` to others by the
    department (only the total is checked), or the applicable score is `rescale`d to the
    scale (按百分制折算), or it scores `zero`."""
    budget_execution: BudgetExecution = BudgetExecution()
    """The budget execution score."""
    rules: Rules
    """Indicator scoring rules."""
    default_comparator: Comparator = ">="
    """Comparator for a bare target number with none written anywhere."""
    fraction_actuals: FractionActuals = FractionActuals()
    """How an actual ≤ 1 without a unit against a % target is read; noted either way."""
    points_tolerance: float = Field(default=0.01, ge=0)
    """Allowed gap when checking that indicator points roll up to the weights."""
    grades: list[Grade]
    """Grade bands covering 0 … scale without gaps or overlaps."""
    incomplete_grade: Literal["withhold", "grade"] = "withhold"
    """Whether a project with a not-evaluable indicator still gets a grade."""
    withheld_grade: str = Field(default="未定级", min_length=1)
    """Grade written for a project whose grade is withheld (`incomplete_grade: withhold`)."""
    complete: str = COMPLETE
    """When a project's total is complete: an expression over `n_indicators`,
    `n_not_evaluable`, `n_missed`, `points_total`, `budget_score`, `total`, the category
    `<id>_score` / `<id>_points` / `<id>_n`, and the texts `points_issue` (the points do not
    roll up) and `budget_issue` (the budget score is not computable), null when fine."""
    rescaled_total: str = "raw / (budget_points + present_points) * scale"
    """Total under `when_category_missing: rescale` when a category is missing (按百分制折算):
    `raw` is the budget score plus the category subtotals, `present_points` the points of
    the categories present, `budget_points` the budget_execution weight."""
    department: Department = Department()
    """How projects roll up per department."""
    params: dict[str, float | bool] = {}
    """Named constants usable in every expression, e.g. `over_achievement: 1.3`; a
    true/false param is a boolean (`grade_change_counts: true`)."""
    flags: list[Flag] = []
    """Deviation flags."""
    column_aliases: dict[str, list[str]] = {}
    """Extra input headers for canonical columns, on top of the catalogue's."""
    monitoring: Monitoring = Monitoring()
    """In-year monitoring lights (`jixiao monitor`, docs/monitoring.md)."""
    reevaluation: Reevaluation | None = None
    """Re-evaluation of self-scores (`jixiao reevaluate`, docs/reevaluation.md); a ruleset
    without it cannot re-evaluate."""
