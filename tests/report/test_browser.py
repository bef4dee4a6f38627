"""The report in a real browser (Debian's Chromium through Playwright): it loads offline
with zero console errors and zero network requests, every chart draws a non-empty SVG,
the numbers shown equal the results tables, sorting works; screenshots are kept in
tests/artifacts/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from browser import CHART_CHECK, TABLE_VALUES, Loaded, browser, load

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def _clean(loaded: Loaded) -> None:
    assert loaded.console_errors == []
    assert loaded.blocked == []
    assert loaded.requests == [loaded.url]  # the page itself, nothing else
    charts = loaded.page.evaluate(CHART_CHECK)
    assert charts, "no chart on the page"
    for chart in charts:
        assert chart["svg"] and chart["marks"] > 0, chart
        assert chart["width"] > 50 and chart["height"] > 50, chart


def _shot(loaded: Loaded, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    loaded.page.screenshot(path=str(ARTIFACTS / name))
    assert (ARTIFACTS / name).stat().st_size > 10_000


def _values(loaded: Loaded, table: str, column: str) -> list[str]:
    return list(loaded.page.evaluate(TABLE_VALUES, [table, column]))


def _chart_data(loaded: Loaded, chart: str, dataset: str) -> list[dict[str, Any]]:
    return list(loaded.page.evaluate(f"window.jixiaoViews['chart-{chart}'].data('{dataset}')"))


def test_score_report_in_chromium(chromium: Any, score_dir: Path) -> None:
    loaded = load(chromium, score_dir / "report.html")
    _clean(loaded)
    _shot(loaded, "report-score.png")
    ps = pl.read_parquet(score_dir / "project_scores.parquet")
    dept = pl.read_parquet(score_dir / "department_summary.parquet")

    # Grades: the chart's data and the table equal the counts in project_scores.
    counts = dict(ps.group_by("grade").len().iter_rows())
    drawn = {r["grade"]: r["n"] for r in _chart_data(loaded, "grades", "grades")}
    assert drawn == {
        g.removeprefix("grade_"): counts.get(g.removeprefix("grade_"), 0)
        for g in dept.columns
        if g.startswith("grade_")
    }
    assert [int(v) for v in _values(loaded, "table-grades", "n")] == list(drawn.values())
    facts = loaded.page.inner_text("#facts")
    assert f"评分项目数 Projects scored\n{ps.height:,}\n" in facts

    # Histogram: every project with a total, once.
    hist = _chart_data(loaded, "histogram", "histogram")
    assert sum(r["n"] for r in hist) == ps["total"].drop_nulls().len()

    # Department ranking: projects per department as in project_scores.
    spread = {r["department"]: r["n"] for r in _chart_data(loaded, "departments", "departments")}
    assert spread == dict(ps.drop_nulls("total").group_by("department").len().iter_rows())

    # Department table: every number shown is department_summary's.
    shown = _values(loaded, "table-department_summary", "department")
    assert sorted(shown) == sorted(dept["department"].to_list())
    by_dept = {r["department"]: r for r in dept.iter_rows(named=True)}
    for column in ("n_projects", "mean_total", "min_total", "max_total", "execution_rate"):
        values = _values(loaded, "table-department_summary", column)
        assert [float(v) for v in values] == [by_dept[d][column] for d in shown], column

    # Lowest projects: the 50 lowest totals, ids and totals as in project_scores.
    lowest = ps.sort(["total", "project_id"], nulls_last=True).head(50)
    assert _values(loaded, "table-project_scores", "project_id") == lowest["project_id"].to_list()
    assert [float(v) for v in _values(loaded, "table-project_scores", "total")] == lowest[
        "total"
    ].to_list()

    # Flags: counts per id as in the flags table.
    flags = pl.read_parquet(score_dir / "flags.parquet")
    ids = _values(loaded, "table-flags", "flag")
    per_flag = dict(flags.group_by("flag").len().iter_rows())
    assert [int(v) for v in _values(loaded, "table-flags", "n")] == [per_flag[i] for i in ids]

    # Sorting: by mean score ascending, then descending, then by name.
    page = loaded.page
    page.click("#table-department_summary th[data-col=mean_total] button")
    means = [float(v) for v in _values(loaded, "table-department_summary", "mean_total")]
    assert means == sorted(means)
    assert (
        page.get_attribute("#table-department_summary th[data-col=mean_total]", "aria-sort")
        == "ascending"
    )
    page.click("#table-department_summary th[data-col=mean_total] button")
    means = [float(v) for v in _values(loaded, "table-department_summary", "mean_total")]
    assert means == sorted(means, reverse=True)
    page.click("#table-project_scores th[data-col=total] button")
    page.click("#table-project_scores th[data-col=total] button")
    totals = [float(v) for v in _values(loaded, "table-project_scores", "total")]
    assert totals == sorted(totals, reverse=True)
    # Rows move whole: each id keeps its own total.
    pairs = dict(zip(_values(loaded, "table-project_scores", "project_id"), totals, strict=True))
    assert pairs == dict(lowest.select("project_id", "total").iter_rows())
    assert loaded.console_errors == []


def test_monitor_report_in_chromium(chromium: Any, monitor_dir: Path) -> None:
    loaded = load(chromium, monitor_dir / "report.html")
    _clean(loaded)
    _shot(loaded, "report-monitor.png")
    projects = pl.read_parquet(monitor_dir / "monitor_projects.parquet")
    labels = {"red": "红", "yellow": "黄", "green": "绿", "grey": "灰"}
    drawn = {(r["kind"], r["light"]): r["n"] for r in _chart_data(loaded, "lights", "lights")}
    kinds = {
        "light": "综合",
        "budget_light": "预算执行",
        "goal_light": "目标完成",
        "forecast_light": "全年预计",
    }
    for column, kind in kinds.items():
        for light, label in labels.items():
            assert drawn[(kind, label)] == int((projects[column] == light).sum()), (kind, label)
    actions = pl.read_parquet(monitor_dir / "monitor_actions.parquet").head(50)
    assert _values(loaded, "table-monitor_actions", "project_id") == actions["project_id"].to_list()
    depts = pl.read_parquet(monitor_dir / "monitor_departments.parquet")
    shown = _values(loaded, "table-monitor_departments", "department")
    reds = dict(depts.select("department", "n_light_red").iter_rows())
    assert [int(v) for v in _values(loaded, "table-monitor_departments", "n_light_red")] == [
        reds[d] for d in shown
    ]


def test_compare_report_in_chromium(chromium: Any, compare_dir: Path) -> None:
    """The compare page: the migration heatmap's cells, the overview and every table
    shown equal compare_projects, migration, compare_departments and top_movers."""
    loaded = load(chromium, compare_dir / "report.html")
    _clean(loaded)
    _shot(loaded, "report-compare.png")
    projects = pl.read_parquet(compare_dir / "compare_projects.parquet")
    migration = pl.read_parquet(compare_dir / "migration.parquet")

    # Heatmap: every pair of grades drawn, the non-zero cells are the migration table's,
    # and they add up to every project compared.
    moved = {(b, c): n for b, c, n in migration.iter_rows()}
    cells = _chart_data(loaded, "migration", "migration")
    drawn = {(r["base_grade"], r["candidate_grade"]): r["n"] for r in cells}
    assert {k: v for k, v in drawn.items() if v} == {k: v for k, v in moved.items() if v}
    assert sum(drawn.values()) == projects.height
    grades = {g for pair in drawn for g in pair}
    assert len(drawn) == len(grades) ** 2
    from_pairs = projects.group_by("base_grade", "candidate_grade").len()
    assert {k: v for k, v in moved.items() if v} == dict(
        ((b, c), n) for b, c, n in from_pairs.iter_rows()
    )
    shown = zip(
        _values(loaded, "table-migration", "base_grade"),
        _values(loaded, "table-migration", "candidate_grade"),
        (int(v) for v in _values(loaded, "table-migration", "n")),
        strict=True,
    )
    assert {(b, c): n for b, c, n in shown} == moved

    # Overview: projects compared and grade changes, as counted from compare_projects.
    changed = int(projects["base_grade"].ne_missing(projects["candidate_grade"]).sum())
    assert changed > 0, "the example variant moves some projects"
    facts = loaded.page.inner_text("#facts")
    assert f"对比项目数 Projects compared\n{projects.height:,}\n" in facts
    assert f"等级变化 Changed grade\n{changed:,} (" in facts

    # Departments: every number shown is compare_departments'.
    dept = pl.read_parquet(compare_dir / "compare_departments.parquet")
    names = _values(loaded, "table-compare_departments", "department")
    assert names == dept["department"].to_list()
    for column in ("n_projects", "mean_delta", "n_changed_grade", "n_up", "n_down"):
        values = [float(v) for v in _values(loaded, "table-compare_departments", column)]
        assert values == [float(v) for v in dept[column].to_list()], column

    # Top movers: ids and deltas as in top_movers.
    movers = pl.read_parquet(compare_dir / "top_movers.parquet").head(50)
    assert _values(loaded, "table-top_movers", "project_id") == movers["project_id"].to_list()
    deltas = [float(v) for v in _values(loaded, "table-top_movers", "delta")]
    assert deltas == movers["delta"].to_list()

    # Sorting the departments by mean delta, ascending.
    loaded.page.click("#table-compare_departments th[data-col=mean_delta] button")
    means = [float(v) for v in _values(loaded, "table-compare_departments", "mean_delta")]
    assert means == sorted(means)
    assert loaded.console_errors == []


def test_sweep_report_in_chromium(chromium: Any, sweep_dir: Path) -> None:
    """The whatif page with a sweep: the sweep chart's bars and mean line equal the
    sweep table, every value accounts for every project, and the heatmap is there."""
    loaded = load(chromium, sweep_dir / "report.html")
    _clean(loaded)
    _shot(loaded, "report-sweep.png")
    sweep = pl.read_parquet(sweep_dir / "sweep.parquet")
    n_projects = pl.read_parquet(sweep_dir / "compare_projects.parquet").height
    assert sweep["value"].unique().sort().to_list() == [30.0, 35.0, 40.0, 45.0, 50.0]

    drawn = {(r["value"], r["grade"]): r for r in _chart_data(loaded, "sweep", "sweep")}
    assert set(drawn) == {(v, g) for v, g in sweep.select("value", "grade").iter_rows()}
    for value, grade, n, mean in sweep.select("value", "grade", "n", "mean_total").iter_rows():
        assert drawn[(value, grade)]["n"] == n
        assert drawn[(value, grade)]["mean_total"] == mean
    per_value = sweep.group_by("value").agg(pl.col("n").sum())
    assert set(per_value["n"].to_list()) == {n_projects}

    values = [float(v) for v in _values(loaded, "table-sweep", "value")]
    counts = [int(v) for v in _values(loaded, "table-sweep", "n")]
    assert list(zip(values, counts, strict=True)) == list(sweep.select("value", "n").iter_rows())
    charts = {c["id"] for c in loaded.page.evaluate(CHART_CHECK)}
    assert {"chart-sweep", "chart-migration"} <= charts
    # The comparison with the variant is on the page as on compare's, with the overrides.
    facts = loaded.page.inner_text("#facts")
    assert "调整项 Overrides\nweights.output=40; weights.benefit=40\n" in facts
    dept = pl.read_parquet(sweep_dir / "compare_departments.parquet")
    assert (
        _values(loaded, "table-compare_departments", "department") == dept["department"].to_list()
    )
    # The sweep's value 40 is the variant itself: its distribution is the candidate's.
    projects = pl.read_parquet(sweep_dir / "compare_projects.parquet")
    candidate = dict(projects.group_by("candidate_grade").len().iter_rows())
    at_40 = {g: n for v, g, n in sweep.select("value", "grade", "n").iter_rows() if v == 40.0}
    assert {g: n for g, n in at_40.items() if n} == candidate


def test_a_page_that_asks_the_network_fails_the_check(chromium: Any, tmp_path: Path) -> None:
    """The harness itself: a request leaving the page is caught (and blocked)."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
        "<script>document.body.dataset.charts='ready'</script></body></html>",
        "utf-8",
    )
    loaded = load(chromium, page)
    assert loaded.blocked == ["http://127.0.0.1:9/x.png"]
    with pytest.raises(AssertionError):
        _clean(loaded)
