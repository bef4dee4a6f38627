"""What each job's results show, section by section.

`SECTIONS` maps a job (the manifest's `job`) to its section builders. Sections of the
jobs to come plug in by table: a folder holding `migration` gets the migration heatmap,
one holding `sweep` the sweep chart, one holding `near_boundary` its table, whichever
job wrote it (compare and whatif add their job name to `TITLES` and nothing else).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import polars as pl

from jixiao.scoring.report.html import aggregate as agg
from jixiao.scoring.report.html import charts
from jixiao.scoring.report.html.data import ReportData, headers
from jixiao.scoring.report.html.page import Chart, Section
from jixiao.scoring.report.html.tables import pick, table

TOP_ROWS = 50
"""Rows of a project-level table shown on the page; the full table is in xlsx/parquet."""
MAX_ROWS = 300
"""Rows of a department-level table shown (a district has a few dozen departments)."""

Builder = Callable[[ReportData], list[Section]]

AGGREGATE_HEADERS = {
    "grade": "等级",
    "n": "项目数",
    "share": "占比",
    "flag": "标记",
    "severity": "严重程度",
    "kind": "灯类",
    "light": "灯",
    "base_grade": "调整前等级",
    "candidate_grade": "调整后等级",
    "value": "取值",
    "mean_total": "平均分",
}
"""Headers of the small tables the page makes itself (not in the column registry)."""


def _chart(name: str, chart: object) -> Chart:
    return Chart(name, charts.spec(chart))  # type: ignore[arg-type]


def _table(
    data: ReportData,
    table_name: str,
    frame: pl.DataFrame,
    wanted: Sequence[str] | None,
    caption: str,
    total_rows: int | None = None,
) -> str:
    shown = pick(frame, wanted) if wanted else frame
    names = {
        c: AGGREGATE_HEADERS.get(h, h) if h == c else h
        for c, h in headers(table_name, shown.columns, data.labels).items()
    }
    body = table(shown, names, f"table-{table_name}", caption, total_rows=total_rows)
    return f'<div class="scroll">{body}</div>'


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _facts(items: Sequence[tuple[str, str]]) -> str:
    cells = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items)
    return f'<dl class="facts" id="facts">{cells}</dl>'


def _percent(value: object) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else "—"


def _count(frame: pl.LazyFrame) -> int:
    return int(frame.select(pl.len()).collect().item())


# --- score -------------------------------------------------------------------------


def score_sections(data: ReportData) -> list[Section]:
    ps = data.frame("project_scores")
    dept = data.tables.get("department_summary")
    grades = ps.select(pl.col("grade").drop_nulls().unique(maintain_order=True)).collect()
    order = agg.grade_order(dept, grades["grade"].to_list())
    n_projects = _count(ps)
    dist = agg.grade_distribution(ps, order)
    incomplete = int(ps.select((~pl.col("complete")).sum()).collect().item())
    flags = data.tables.get("flags")
    n_flags = _count(flags) if flags is not None else 0
    rejects = data.tables.get("rejects")
    facts = [
        ("评分项目数 Projects scored", f"{n_projects:,}"),
        *((f"等级 {g}", f"{n:,}") for g, n in dist.select("grade", "n").iter_rows()),
        ("不完整项目 Incomplete (grade withheld)", f"{incomplete:,}"),
        ("偏差标记 Flags raised", f"{n_flags:,}"),
        ("拒收行 Rows rejected", f"{_count(rejects):,}" if rejects is not None else "0"),
    ]
    out = [
        Section("overview", "概览", "Overview", body=[_facts(facts)]),
        Section(
            "grades",
            "等级分布",
            "Grade distribution",
            [_chart("grades", charts.grade_bar(dist, order))],
            [_table(data, "grades", dist, None, "各等级项目数")],
        ),
    ]
    hist = agg.histogram(ps, "total")
    out.append(
        Section(
            "histogram",
            "得分分布",
            "Score histogram",
            [_chart("histogram", charts.histogram(hist))] if hist.height else [],
            [] if hist.height else [_note("没有可显示的总分。")],
        )
    )
    spread = agg.department_spread(ps)
    body = []
    if dept is not None:
        frame = dept.sort(["mean_total", "department"], descending=[True, False], nulls_last=True)
        wanted = [
            "department",
            "n_projects",
            "n_incomplete",
            "mean_total",
            "min_total",
            "max_total",
            *[f"grade_{g}" for g in order],
            "execution_rate",
            "n_flags",
        ]
        body.append(
            _table(
                data,
                "department_summary",
                frame.head(MAX_ROWS).collect(),
                wanted,
                "部门汇总（按平均分）",
                _count(dept),
            )
        )
    out.append(
        Section(
            "departments",
            "部门排名",
            "Department ranking with spread",
            [_chart("departments", charts.department_ranking(spread))] if spread.height else [],
            body,
        )
    )
    cat_cols = agg.category_columns(ps)
    if cat_cols:
        labels = {
            c: h.removesuffix("得分")
            for c, h in headers("project_scores", cat_cols, data.labels).items()
        }
        means = agg.category_means(ps, cat_cols, labels)
        out.append(
            Section(
                "categories",
                "分类得分",
                "Category subtotals",
                [_chart("categories", charts.category_bars(means))],
            )
        )
    if flags is not None:
        out.append(_flag_section(data, flags))
    lowest = ps.sort(["total", "project_id"], nulls_last=True).head(TOP_ROWS).collect()
    wanted = [
        "project_id",
        "project_name",
        "department",
        "total",
        "grade",
        "complete",
        *cat_cols,
        "n_flags",
        "issues",
    ]
    out.append(
        Section(
            "projects",
            "得分最低的项目",
            "Lowest-scoring projects",
            body=[_table(data, "project_scores", lowest, wanted, "得分最低的项目", n_projects)],
        )
    )
    return out


def _flag_section(data: ReportData, flags: pl.LazyFrame) -> Section:
    counts = agg.flag_counts(flags)
    if counts.height == 0:
        return Section("flags", "偏差标记", "Flags", body=[_note("没有触发任何标记。")])
    totals = agg.flag_totals(counts)
    return Section(
        "flags",
        "偏差标记",
        "Flag counts by id and department",
        [_chart("flags", charts.flag_heatmap(counts))],
        [_table(data, "flags", totals, None, "各标记触发次数")],
    )


# --- monitor -----------------------------------------------------------------------


def monitor_sections(data: ReportData) -> list[Section]:
    projects = data.frame("monitor_projects")
    m = data.manifest
    actions = data.tables.get("monitor_actions")
    n_actions = _count(actions) if actions is not None else 0
    lights = agg.light_counts(projects)
    overall = {light: n for kind, light, n, _ in lights.iter_rows() if kind == "综合"}
    facts = [
        ("截至日期 As of", str(m.get("as_of", ""))),
        ("时间进度 Time progress", _percent(m.get("time_progress"))),
        ("监控项目数 Projects monitored", f"{_count(projects):,}"),
        *((f"综合灯 {k}", f"{v:,}") for k, v in overall.items()),
        ("需要回应的项目 Need a response", f"{n_actions:,}"),
    ]
    out = [
        Section("overview", "概览", "Overview", body=[_facts(facts)]),
        Section(
            "lights",
            "监控灯",
            "Monitoring lights",
            [_chart("lights", charts.light_bars(lights))] if lights.height else [],
            [_table(data, "lights", lights.drop("order"), None, "各类监控灯项目数")],
        ),
    ]
    depts = data.tables.get("monitor_departments")
    if depts is not None:
        per_dept = agg.department_lights(depts)
        frame = depts.sort(
            ["n_light_red", "n_light_yellow", "department"], descending=[True, True, False]
        )
        wanted = [
            "department",
            "n_projects",
            "n_light_red",
            "n_light_yellow",
            "n_light_green",
            "n_light_grey",
            "budget",
            "spent_to_date",
            "execution_progress",
            "budget_at_risk",
        ]
        out.append(
            Section(
                "departments",
                "部门监控",
                "Lights by department",
                [_chart("department_lights", charts.department_light_bars(per_dept))]
                if per_dept.height
                else [],
                [
                    _table(
                        data,
                        "monitor_departments",
                        frame.head(MAX_ROWS).collect(),
                        wanted,
                        "部门监控汇总（红灯多者在前）",
                        _count(depts),
                    )
                ],
            )
        )
    hist = agg.histogram(projects, "execution_progress", 0.1)
    if hist.height:
        out.append(
            Section(
                "execution",
                "预算执行进度",
                "Budget execution progress",
                [_chart("execution", charts.histogram(hist, "预算执行进度分布", "预算执行进度"))],
            )
        )
    if actions is not None:
        wanted = [
            "rank",
            "project_id",
            "project_name",
            "department",
            "light",
            "budget_light",
            "goal_light",
            "forecast_light",
            "execution_progress",
            "budget_at_risk",
            "red_indicators",
        ]
        out.append(
            Section(
                "actions",
                "需要回应的项目",
                "Projects that need a response",
                body=[
                    _table(
                        data,
                        "monitor_actions",
                        actions.head(TOP_ROWS).collect(),
                        wanted,
                        "需要回应的项目",
                        n_actions,
                    )
                ]
                if n_actions
                else [_note("没有需要回应的项目。")],
            )
        )
    return out


# --- sections any job's folder may carry (compare, whatif, boundary list) -----------


def tuning_sections(data: ReportData) -> list[Section]:
    """Migration heatmap, sweep chart and boundary list, when their tables are present."""
    out = []
    order = agg.grade_order(data.tables.get("department_summary"), [])
    if data.has("migration"):
        mig = data.frame("migration").collect()
        out.append(
            Section(
                "migration",
                "等级迁移",
                "Grade migration",
                [_chart("migration", charts.migration_heatmap(mig, order))],
                [_table(data, "migration", mig, None, "等级迁移（项目数）")],
            )
        )
    if data.has("sweep"):
        sweep = data.frame("sweep").collect()
        key = str(data.manifest.get("sweep_key", ""))
        out.append(
            Section(
                "sweep",
                "参数扫描",
                "Sweep",
                [_chart("sweep", charts.sweep_chart(sweep, order, key))],
                [
                    _table(
                        data, "sweep", sweep.head(MAX_ROWS), None, "各取值的等级分布", sweep.height
                    )
                ],
            )
        )
    if data.has("near_boundary"):
        near = data.frame("near_boundary")
        out.append(
            Section(
                "near_boundary",
                "临界项目",
                "Projects near a grade boundary",
                body=[
                    _table(
                        data,
                        "near_boundary",
                        near.head(TOP_ROWS).collect(),
                        None,
                        "距等级分界线最近的项目",
                        _count(near),
                    )
                ],
            )
        )
    return out


# --- compare (and whatif): two rulesets over the same inputs -------------------------


def compare_sections(data: ReportData) -> list[Section]:
    """Overview, departments that win or lose, the top movers, the keys that differ and
    both near-boundary lists; the migration heatmap follows (`tuning_sections`)."""
    projects = data.frame("compare_projects")
    counts = projects.select(
        n=pl.len(),
        changed=pl.col("base_grade").ne_missing(pl.col("candidate_grade")).sum(),
        up=(pl.col("delta") > 0).sum(),
        down=(pl.col("delta") < 0).sum(),
    ).collect()
    n, changed, up, down = counts.row(0)
    diff = data.frame("ruleset_diff").collect() if data.has("ruleset_diff") else None
    candidate = data.manifest.get("candidate", {}).get("ruleset", {})
    facts = [
        ("调整前规则 Base", str(data.manifest.get("ruleset", {}).get("id", ""))),
        ("调整后规则 Candidate", str(candidate.get("id", ""))),
        ("对比项目数 Projects compared", f"{n:,}"),
        ("等级变化 Changed grade", f"{changed:,} ({_percent(changed / n if n else None)})"),
        ("得分上升 Total up", f"{up:,}"),
        ("得分下降 Total down", f"{down:,}"),
        ("不同的规则键 Keys that differ", f"{diff.height:,}" if diff is not None else "0"),
    ]
    whatif = data.manifest.get("whatif")
    if isinstance(whatif, dict) and whatif.get("set"):
        facts.insert(2, ("调整项 Overrides", "; ".join(str(s) for s in whatif["set"])))
    out = [Section("overview", "概览", "Overview", body=[_facts(facts)])]
    if data.has("compare_departments"):
        dept = data.frame("compare_departments")
        body = _table(
            data,
            "compare_departments",
            dept.head(MAX_ROWS).collect(),
            None,
            "部门得分变化（平均分差从大到小）",
            _count(dept),
        )
        out.append(Section("departments", "部门得失", "Departments", body=[body]))
    if data.has("top_movers"):
        movers = data.frame("top_movers").head(TOP_ROWS).collect()
        body = _table(data, "top_movers", movers, None, "变化最大的项目", movers.height)
        out.append(Section("movers", "变化最大的项目", "Top movers", body=[body]))
    if diff is not None:
        shown = [_table(data, "ruleset_diff", diff.head(MAX_ROWS), None, "规则差异", diff.height)]
        none = [_note("两套规则的有效取值完全相同。")]
        out.append(Section("diff", "规则差异", "Ruleset diff", body=shown if diff.height else none))
    for side, title in (("candidate", "调整后"), ("base", "调整前")):
        name = f"near_boundary_{side}"
        if data.has(name):
            near = data.frame(name)
            body = _table(
                data, name, near.head(TOP_ROWS).collect(), None, f"{title}临界项目", _count(near)
            )
            out.append(Section(name, f"{title}临界项目", f"Near a boundary ({side})", body=[body]))
    return out


SECTIONS: dict[str, Builder] = {
    "score": score_sections,
    "monitor": monitor_sections,
    "compare": compare_sections,
    "whatif": compare_sections,
}

TITLES: dict[str, tuple[str, str]] = {
    "score": ("绩效自评评分报告", "Performance self-evaluation scores"),
    "monitor": ("绩效运行监控报告", "In-year performance monitoring"),
    "compare": ("规则调整对比报告", "Ruleset comparison"),
    "whatif": ("规则调整模拟报告", "What-if"),
}


def sections_for(data: ReportData) -> list[Section]:
    """The job's own sections, then whichever tuning tables the folder holds."""
    own = SECTIONS.get(data.job)
    out = own(data) if own is not None else []
    return out + tuning_sections(data)
