"""Human-readable renderings: the run summary (report.md) and a project explanation.

Machine-readable outputs use canonical English column names; people read Chinese headers
(xlsx, from the column registry in scoring/columns.py) and these texts.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from jixiao.scoring import columns
from jixiao.scoring.columns import Expansion
from jixiao.scoring.explain.project import Explanation
from jixiao.scoring.jobs.selfeval import Results
from jixiao.scoring.rules.compile import Plan


def headers_for(results: Results, plan: Plan) -> dict[str, dict[str, str]]:
    """Chinese headers per output table, from the column registry (scoring/columns.py):
    categories and common indicators labelled by the catalogue, grades in band order."""
    cat = plan.loaded.catalogue
    labels = {lv.id: lv.name.removesuffix("指标") for lv in cat.levels}
    labels |= {ind.id: ind.name for ind in cat.common_indicators}
    grades = [
        c.removeprefix("grade_")
        for c in results.department_summary.columns
        if c.startswith("grade_")
    ]
    expansion = Expansion(plan.categories, list(plan.common), grades, labels)
    return {table: columns.headers(table, expansion) for table in columns.TABLES}


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
    lines += near_boundary_markdown(results)
    lines += flags_markdown(results)
    if results.rejects.height:
        lines += ["", f"## 拒收行 Rejected rows ({results.rejects.height}; all in rejects)", ""]
        for r in results.rejects.head(20).iter_rows(named=True):
            sheet = f"[{r['sheet']}]" if r["sheet"] else ""
            lines.append(f"- {r['file']}{sheet} row {r['row']} {r['column'] or ''}: {r['reason']}")
    return "\n".join(lines) + "\n"


NEAR_LISTED = 50


def near_boundary_markdown(results: Results) -> list[str]:
    """The near-boundary section: how many projects sit within the margin of each grade
    boundary, then the first rows (the full list is the near_boundary table)."""
    near = results.near_boundary
    margin = results.plan.boundary.margin if results.plan else None
    within = f"±{margin:g}" if margin is not None else "the margin"
    lines = [
        "",
        f"## 临界项目 Near a grade boundary ({near['project_id'].n_unique()} projects within "
        f"{within} points; all in near_boundary)",
        "",
    ]
    if near.is_empty():
        return [*lines, "No graded project sits that close to a boundary."]
    counts = near.group_by("boundary", "grade_below", "grade_above", maintain_order=True).agg(
        below=(pl.col("distance") < 0).sum(), above=(pl.col("distance") >= 0).sum()
    )
    lines += ["| 分界 | 分界下 | 分界上 | 项目数 |", "| ---: | --- | --- | ---: |"]
    for r in counts.sort("boundary", descending=True).iter_rows(named=True):
        lines.append(
            f"| {r['boundary']:g} | {r['grade_below']} {r['below']} | "
            f"{r['grade_above']} {r['above']} | {r['below'] + r['above']} |"
        )
    lines += ["", f"前 {NEAR_LISTED} 项 First {NEAR_LISTED}:", ""]
    for r in near.head(NEAR_LISTED).iter_rows(named=True):
        lines.append(
            f"- {r['project_id']} {r['project_name'] or ''}: {_fmt(r['total'])} ({r['grade']}), "
            f"{r['distance']:+.2f} from {r['boundary']:g} ({r['grade_below']}/{r['grade_above']})"
        )
    return lines


SEVERITY_ORDER = ("serious", "warning", "info")
"""Most serious first, as the report lists them."""
SEVERITY_LABELS = {"serious": "严重", "warning": "警告", "info": "提示"}
LEVEL_LABELS = {"indicator": "指标", "project": "项目", "department": "部门"}
FLAGS_LISTED = 50


def flags_markdown(results: Results) -> list[str]:
    """The flags section: counts by flag (serious first), by department, then the first
    flags raised, serious ones first (the full list is the flags table)."""
    plan, flags = results.plan, results.flag_rows()
    declared = [
        (f.id, f.level, f.severity, f.explanation_required)
        for f in (plan.loaded.ruleset.flags if plan else [])
    ]
    total = flags.select(pl.len()).collect().item()
    lines = ["", f"## 偏差标记 Flags ({total} raised; all in flags)", ""]
    if not declared:
        return [*lines, "The ruleset declares no flags."]
    counts = dict(flags.group_by("flag").len().collect().iter_rows())
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    lines += [
        "| 标记 | 层级 | 严重程度 | 数量 | 需说明偏差原因 |",
        "| --- | --- | --- | ---: | :-: |",
    ]
    for fid, level, severity, required in sorted(declared, key=lambda d: rank[d[2]]):
        lines.append(
            f"| {fid} | {LEVEL_LABELS[level]} | {SEVERITY_LABELS[severity]} | "
            f"{int(counts.get(fid, 0))} | {'✓' if required else ''} |"
        )
    dept = results.department_summary.sort(
        ["n_flags_serious", "n_flags", "department"], descending=[True, True, False]
    )
    lines += ["", "| 部门 | 标记数 | 严重 | 警告 | 提示 |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [
        f"| {r['department']} | {r['n_flags']} | {r['n_flags_serious']} | "
        f"{r['n_flags_warning']} | {r['n_flags_info']} |"
        for r in dept.iter_rows(named=True)
    ]
    first: list[dict[str, Any]] = []
    for listed in SEVERITY_ORDER:
        wanted = FLAGS_LISTED - len(first)
        if wanted > 0:
            found = flags.filter(pl.col("severity") == listed).head(wanted).collect()
            first += found.to_dicts()
    if first:
        lines += ["", f"严重标记优先 Serious first (first {FLAGS_LISTED}):", ""]
    for r in first:
        where = " · ".join(
            str(r[k]) for k in ("department", "project_id", "indicator") if r[k] is not None
        )
        message = " ".join(str(r["message"]).split())
        lines.append(f"- [{SEVERITY_LABELS[r['severity']]}] {r['flag']} {where}: {message}")
    return lines


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
            f"{name}: {_fmt(sub['score'])} / {sub['weight']:g}  (applied indicator points {sub['points']:g})",
        ]
        for s in (s for s in e.indicators if s.level1 == cat):
            lines += _indicator_lines(s, e.names)
    lines += [
        "",
        f"total {_fmt(e.total)}   grade {e.grade or '—'}   "
        + ("complete" if e.complete else f"INCOMPLETE: {e.issues}"),
    ]
    for b in e.near_boundary:
        lines.append(
            f"near the {b['grade_below']}/{b['grade_above']} boundary {b['boundary']:g}: "
            f"{b['distance']:+g} points"
        )
    if e.flags:
        lines += ["", f"偏差标记 flags ({len(e.flags)}):"]
    for f in e.flags:
        where = f"{f.indicator} (row {f.source_row})" if f.indicator is not None else "project"
        required = "  需说明偏差原因" if f.explanation_required else ""
        lines += [
            f"  [{SEVERITY_LABELS[f.severity]}] {f.flag} · {where}: {f.message}{required}",
            f"     values: {f.values}",
        ]
    if e.reevaluation is not None:
        lines += reevaluation_lines(e.reevaluation)
    return "\n".join(lines) + "\n"


def reevaluation_lines(r: Any) -> list[str]:
    """自评复核: the claims against the recomputed scores, each differing line with its
    reason (explain/reevaluation.py, recomputed by the reference evaluator)."""
    changed = "  等级变化" if r.grade_changed else ""
    over = "  超过阈值" if r.over_threshold else ""
    source = f" ({r.claimed_grade_source})" if r.claimed_grade_source else ""
    lines = [
        "",
        "自评复核 re-evaluation:",
        f"  自评总分 {_fmt(r.claimed_total)} → 复核 {_fmt(r.total)}   差距 {_fmt(r.gap)}",
        f"  自评等级 {r.claimed_grade or '—'}{source} → 复核 {r.grade or '—'}{changed}{over}",
    ]
    if r.claim_error:
        lines.append(f"  自评数据问题: {r.claim_error}")
    for line in r.lines:
        if line.claimed_score is None:
            continue
        mark = "✗" if line.reason_code else " "
        where = f" (row {line.source_row})" if line.level1 != "budget_execution" else ""
        lines.append(
            f"  {mark} {line.indicator}{where}: 自评 {_fmt(line.claimed_score)} / 复核 "
            f"{_fmt(line.score)} / 分值 {_num(line.points)}"
        )
        if line.reason_code:
            lines.append(f"     {line.reason_code}: {line.reason}")
    return lines


def _indicator_lines(s: Any, names: dict[str, str]) -> list[str]:
    mark = " " if s.evaluable else "✗"
    level2 = names.get(s.level2, s.level2)
    head = f" {mark} {level2} · {s.indicator}   target {s.target_text!s}   actual {s.actual_text!s}"
    if not s.evaluable:
        return [
            head,
            f"     not evaluable: {s.reason}   (0 of {_points(s)} counted)",
            f"     source: {s.source}",
        ]
    parsed = f"     parsed: {s.comparator} {_num(s.target)}"
    parsed += f"–{_num(s.upper)}" if s.upper is not None else ""
    parsed += f" {s.unit or ''}  actual {_num(s.actual)}" if s.tier is None else f"  tier {s.tier}"
    out = [head, parsed, f"     {s.rule}: {s.expression}", f"     → {_fmt(s.score)} / {_points(s)}"]
    if s.note:
        out.append(f"     note: {s.note}")
    return out


def _points(s: Any) -> str:
    """The points a row was scored out of; under proportional weighting also as written."""
    if s.applied_points == s.points:
        return f"{s.points:g}"
    return f"{s.applied_points:.4g} (written {s.points:g}, weighting: proportional)"
