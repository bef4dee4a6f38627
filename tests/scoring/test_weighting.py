"""`weighting: proportional` over the bundled sample district, and the near-boundary list.

Issue 11 acceptance: "the benefit-heavy example leaves no project incomplete for weight
reasons". The hand-worked cases are in cases/weighting_*.yaml and cases/near_boundary.yaml;
here the whole district checks the class of input: every project's categories sum to
their weights, slicing through projects changes nothing (a row's applied points read its
whole project), and explain agrees with the batch project by project.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jixiao.scoring import api
from jixiao.scoring.jobs.boundary import near_boundary
from jixiao.scoring.jobs.selfeval import Results, run
from jixiao.scoring.rules.compile import Plan

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-district"
CSV = [SAMPLE / "projects.csv", SAMPLE / "indicators.csv"]
VARIANT = ROOT / "examples" / "rulesets" / "benefit-heavy.yaml"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return api.load_ruleset(str(VARIANT))


@pytest.fixture(scope="module")
def results(plan: Plan) -> Results:
    return api.score(plan, CSV)


def test_benefit_heavy_is_proportional(plan: Plan) -> None:
    rs = plan.loaded.ruleset
    assert rs.weighting == "proportional"
    assert (rs.weights["output"], rs.weights["benefit"]) == (40, 40)


def test_no_project_incomplete_for_weight_reasons(results: Results) -> None:
    """Issue 11 acceptance; DOMAIN §2 applying weights."""
    ps = results.project_scores
    assert ps.height == 300
    assert ps["points_issue"].null_count() == ps.height
    assert not ps.filter(~pl.col("complete"))["issues"].str.contains("points").any()


def test_the_same_weights_under_check_fail_most_projects(tmp_path: Path) -> None:
    """Why the variant needs `proportional`: checked against points written for 50/30,
    40/40 withholds the grade of nearly every project (the README's old variant)."""
    path = tmp_path / "checked.yaml"
    path.write_text("extends: project-self-eval\nid: checked\nweights: {output: 40, benefit: 40}\n")
    ps = api.score(api.load_ruleset(str(path)), CSV).project_scores
    assert ps["points_issue"].is_not_null().sum() > 250


def test_categories_sum_to_their_weights(plan: Plan, results: Results) -> None:
    """DOMAIN §2: w'ᵢ = wᵢ × W / Σ w: each present category's applied points sum to its
    weight; a project missing a category (policy reassigned) gives that weight to the
    others in proportion, so every project's applied points total 90."""
    weights = plan.loaded.ruleset.weights
    ind = results.indicator_scores
    sums = ind.group_by("project_id", "level1").agg(pl.col("applied_points").sum(), pl.len())
    present = sums.group_by("project_id").agg(pl.col("level1"))
    full = {r["project_id"] for r in present.iter_rows(named=True) if len(r["level1"]) == 3}
    assert len(full) > 250
    for r in sums.filter(pl.col("project_id").is_in(full)).iter_rows(named=True):
        assert r["applied_points"] == pytest.approx(weights[r["level1"]], abs=1e-9), r
    assert (results.project_scores["points_total"] == 90).all()
    scaled = ind.filter(pl.col("points") != pl.col("applied_points"))
    assert scaled.height > 1000  # the written points really were rescaled


def test_sliced_run_cuts_projects_and_changes_nothing(plan: Plan, results: Results) -> None:
    """The per-project sums are taken over the whole table before any slice is scored."""
    sliced = run(plan, api.read(plan, CSV), engine="streaming", chunk_rows=700)
    for name, table in results.tables().items():
        assert_frame_equal(table, sliced.tables()[name], check_exact=True)


def test_explain_agrees_with_the_batch(plan: Plan, results: Results) -> None:
    """explain recomputes applied points, scores and near_boundary with the reference
    evaluator and raises on any difference; every 10th project, and every near one."""
    ids = results.project_scores["project_id"].to_list()[::10]
    ids += results.near_boundary["project_id"].to_list()
    for pid in dict.fromkeys(ids):
        e = api.explain_project(plan, results, pid)
        assert sum(s.applied_points for s in e.indicators) == pytest.approx(90, abs=1e-9)
        assert "written" in api.explain_text(plan, results, pid) or all(
            s.points == s.applied_points for s in e.indicators
        )


def _projects(totals: list[tuple[float | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(len(totals))],
            "project_name": ["x"] * len(totals),
            "department": ["d"] * len(totals),
            "total": [t for t, _ in totals],
            "grade": [g for _, g in totals],
        },
        schema_overrides={"total": pl.Float64},
    )


def test_near_boundary_is_callable_on_any_project_table() -> None:
    """compare will call it on either side's project table: the columns it needs only."""
    plan = api.load_ruleset("project-self-eval")
    frame = _projects(
        [(89.0, "良"), (88.99, "良"), (60.0, "中"), (59.5, "差"), (0.5, "差"), (99.5, "优"),
         (None, "未定级"), (89.5, "未定级")]
    )  # fmt: skip
    near = near_boundary(plan, frame)
    got = list(zip(near["project_id"], near["boundary"], near["distance"], strict=True))
    assert got == [("P0", 90.0, -1.0), ("P2", 60.0, 0.0), ("P3", 60.0, -0.5)]
    assert near.columns == [
        "project_id", "project_name", "department", "total", "grade", "boundary",
        "distance", "grade_below", "grade_above", "margin",
    ]  # fmt: skip
    assert near.row(2, named=True)["grade_below"] == "差"
    assert near_boundary(plan, frame.head(0)).height == 0
