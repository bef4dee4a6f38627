"""Human-readable renderings: the run summary (report.md) and a project explanation.

Machine-readable outputs use canonical English column names; people read Chinese headers
(xlsx) and these texts, so the header table lives here too.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from jixiao.scoring.explain.project import Explanation
from jixiao.scoring.jobs.selfeval import Results

OUTPUT_HEADERS: dict[str, str] = {
    "project_id": "项目编号",
    "project_name": "项目名称",
    "department": "主管部门",
    "unit": "实施单位",
    "year": "年度",
    "budget_initial": "年初预算数",
    "budget": "全年预算数",
    "spent": "全年执行数",
    "execution_rate": "预算执行率",
    "budget_spending_rate": "预算支出率",
    "budget_to_project_rate": "预算到项目率",
    "budget_score": "预算执行得分",
    "output_score": "产出得分",
    "benefit_score": "效益得分",
    "satisfaction_score": "满意度得分",
    "cost_score": "成本得分",
    "indicator_score": "绩效指标得分",
    "output_points": "产出分值",
    "benefit_points": "效益分值",
    "satisfaction_points": "满意度分值",
    "cost_points": "成本分值",
    "total": "总分",
    "grade": "等级",
    "complete": "评价完整",
    "n_indicators": "指标数",
    "n_not_evaluable": "无法评价指标数",
    "n_missed": "未达成指标数",
    "points_total": "指标分值合计",
    "issues": "问题",
    "level1": "一级指标代码",
    "level2": "二级指标代码",
    "indicator": "三级指标",
    "level1_label": "一级指标",
    "level2_label": "二级指标",
    "comparator_text": "指标性质",
    "target_text": "年度指标值",
    "unit_text": "度量单位",
    "actual_text": "实际完成值",
    "claimed_score": "自评得分",
    "explanation": "偏差原因分析及改进措施",
    "comparator": "比较符",
    "comparator_source": "比较符来源",
    "target": "目标值(解析)",
    "upper": "区间上限",
    "actual": "实际值(解析)",
    "actual_raw": "实际值(原值)",
    "actual_kind": "实际值类型",
    "tier": "定性等级",
    "kind": "指标类型",
    "direction": "方向",
    "rule": "计分规则",
    "points": "分值",
    "score": "得分",
    "evaluable": "可评价",
    "achieved": "达成",
    "ratio": "完成比例",
    "has_explanation": "已说明偏差原因",
    "reason": "原因",
    "note": "备注",
    "source_file": "来源文件",
    "source_sheet": "来源工作表",
    "source_row": "来源行号",
    "n_projects": "项目数",
    "n_incomplete": "不完整项目数",
    "mean_total": "平均分",
    "min_total": "最低分",
    "max_total": "最高分",
    "file": "文件",
    "sheet": "工作表",
    "row": "行号",
    "table": "表",
    "column": "列",
    "text": "内容",
}
"""Canonical output column → Chinese header for xlsx."""


def headers_for(results: Results) -> dict[str, str]:
    """Chinese headers for every output column, including grade_<name> counts."""
    out = dict(OUTPUT_HEADERS)
    for col in results.department_summary.columns:
        if col.startswith("grade_"):
            out[col] = f"{col.removeprefix('grade_')}(个)"
    return out


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _num(value: float | None) -> str:
    """A parsed number as people write it: `3500`, `95.5`, `0.125`."""
    if value is None:
        return "—"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def grade_counts(results: Results) -> list[tuple[str, int]]:
    """Projects per grade, in the ruleset's band order (best first), ungraded last."""
    order = [
        c.removeprefix("grade_")
        for c in results.department_summary.columns
        if c.startswith("grade_")
    ]
    counts = dict(results.project_scores.group_by("grade").len().iter_rows())
    return [(g, int(counts.get(g, 0))) for g in order]


def summary_markdown(results: Results) -> str:
    """report.md: what was scored, the grade distribution, what needs attention."""
    m = results.manifest
    ps, dept = results.project_scores, results.department_summary
    grades = grade_counts(results)
    lines = [
        f"# 绩效自评评分结果 — {m['ruleset']['id']} {m['ruleset']['version']}",
        "",
        f"- ruleset sha256: `{m['ruleset']['sha256']}`",
        f"- projects: {m['rows']['projects']['scored']} scored, {m['rows']['projects']['rejected']} rejected",
        f"- indicator rows: {m['rows']['indicators']['scored']} scored, "
        f"{m['rows']['indicators']['rejected']} rejected",
        f"- incomplete projects (grade withheld): {int((~ps['complete']).sum())}",
        "",
        "## 等级分布 Grades",
        "",
        "| 等级 | 项目数 |",
        "| --- | ---: |",
        *[f"| {g} | {n} |" for g, n in grades],
        "",
        "## 部门汇总 Departments",
        "",
        "| 部门 | 项目数 | 平均分 | 不完整 | 预算执行率 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in dept.iter_rows(named=True):
        rate = row["execution_rate"]
        lines.append(
            f"| {row['department']} | {row['n_projects']} | {_fmt(row['mean_total'])} | "
            f"{row['n_incomplete']} | {_fmt(rate * 100 if rate is not None else None, 1)}% |"
        )
    lines += ["", "## 需要关注 Needs attention (first 50)", ""]
    attention = ps.filter(~pl.col("complete")).head(50)
    lines += [
        f"- {r['project_id']} {r['project_name'] or ''}: {r['issues']}"
        for r in attention.iter_rows(named=True)
    ]
    if results.rejects.height:
        lines += ["", f"## 拒收行 Rejected rows ({results.rejects.height}; all in rejects)", ""]
        for r in results.rejects.head(20).iter_rows(named=True):
            sheet = f"[{r['sheet']}]" if r["sheet"] else ""
            lines.append(f"- {r['file']}{sheet} row {r['row']} {r['column'] or ''}: {r['reason']}")
    return "\n".join(lines) + "\n"


def explanation_text(e: Explanation) -> str:
    """A readable step-by-step of one project's score."""
    lines = [
        f"{e.project_id}  {e.project_name or ''}  ({e.department or '—'})",
        f"ruleset {e.ruleset}",
        "",
        f"预算执行率  {_fmt(e.spent)} / {_fmt(e.budget)} = "
        f"{_fmt(e.execution_rate * 100 if e.execution_rate is not None else None)}%",
        f"  rule: {e.budget_rule}  (points = {e.budget_points:g})  → {_fmt(e.budget_score)} / {e.budget_points:g}",
    ]
    for cat, sub in e.categories.items():
        name = e.names.get(cat, cat)
        lines += [
            "",
            f"{name}: {_fmt(sub['score'])} / {sub['weight']:g}  (indicator points {sub['points']:g})",
        ]
        for s in (s for s in e.indicators if s.level1 == cat):
            lines += _indicator_lines(s, e.names)
    lines += [
        "",
        f"total {_fmt(e.total)}   grade {e.grade or '—'}   "
        + ("complete" if e.complete else f"INCOMPLETE: {e.issues}"),
    ]
    return "\n".join(lines) + "\n"


def _indicator_lines(s: Any, names: dict[str, str]) -> list[str]:
    mark = " " if s.evaluable else "✗"
    level2 = names.get(s.level2, s.level2)
    head = f" {mark} {level2} · {s.indicator}   target {s.target_text!s}   actual {s.actual_text!s}"
    if not s.evaluable:
        return [
            head,
            f"     not evaluable: {s.reason}   (0 of {s.points:g} counted)",
            f"     source: {s.source}",
        ]
    parsed = f"     parsed: {s.comparator} {_num(s.target)}"
    parsed += f"–{_num(s.upper)}" if s.upper is not None else ""
    parsed += f" {s.unit or ''}  actual {_num(s.actual)}" if s.tier is None else f"  tier {s.tier}"
    out = [head, parsed, f"     {s.rule}: {s.expression}", f"     → {_fmt(s.score)} / {s.points:g}"]
    if s.note:
        out.append(f"     note: {s.note}")
    return out
