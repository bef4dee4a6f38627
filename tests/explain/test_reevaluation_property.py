"""Property: the re-evaluation batch and the reference evaluator agree on random claims.

The sample district is scored once; Hypothesis then writes random claims over it — per
line a claimed score (none, the score itself, half a unit of the precision either side,
the full points, 0, a negative, any number), per project a 自评总分 and
自评预算执行得分 as forms write them (`95.5分`, full-width digits, `/`, junk) and a 自评等级
(grade words, spaced, junk) — and every project is re-evaluated by the batch stage
(stages/reevaluate.py, Polars) and by explain/reevaluation.py (reference evaluator),
which raises on any difference in a line's difference, code or message, or in the
project's claims, gap, grades or threshold. The test also holds the table invariants:
every difference has a code and a message, every line without a difference has neither.

Under CI (CI set) at least 300 examples; locally fewer.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.scoring import api
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.explain.reevaluation import agree, explain_reevaluation
from jixiao.scoring.jobs.selfeval import Results
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.stages import reevaluate as stage

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-district"
PROJECTS = 6
EXAMPLES = 300 if os.environ.get("CI") else 25


@pytest.fixture(scope="module")
def scored() -> tuple[Plan, Results]:
    plan = api.load_ruleset()
    results = api.score(plan, [SAMPLE / "projects.csv", SAMPLE / "indicators.csv"])
    keep = results.project_scores["project_id"].head(PROJECTS).to_list()
    return plan, dataclasses.replace(
        results,
        project_scores=results.project_scores.filter(pl.col("project_id").is_in(keep)),
        indicator_scores=results.indicator_scores.filter(pl.col("project_id").is_in(keep)),
    )


def _line_claim(score: float | None, points: float) -> st.SearchStrategy[float | None]:
    base = 0.0 if score is None else score
    return st.one_of(
        st.none(),
        st.sampled_from([base, base + 0.005, base - 0.005, base + 0.006, points, 0.0, -1.0]),
        st.floats(min_value=-5, max_value=points + 5, allow_nan=False).map(lambda x: round(x, 3)),
    )


NUMBER_TEXT = st.one_of(
    st.none(),
    st.sampled_from(["", "/", "—", "无", "九十五", "95.5分", "９５.５", " 88 ", "100", "abc"]),
    st.floats(min_value=0, max_value=110, allow_nan=False).map(lambda x: f"{x:.2f}"),
)
GRADE_TEXT = st.one_of(
    st.none(),
    st.sampled_from(
        ["优", "良", "中", "差", "优秀", "良好", "合格", "不合格", "　优秀。", "甲等", "/"]
    ),
)


@st.composite
def claims(draw: st.DrawFn, results: Results) -> Results:
    indicators = results.indicator_scores
    claimed = [
        draw(_line_claim(s, p))
        for s, p in zip(indicators["score"], indicators["points"], strict=True)
    ]
    n = results.project_scores.height
    projects = results.project_scores.with_columns(
        claimed_total=pl.Series([draw(NUMBER_TEXT) for _ in range(n)], dtype=pl.String),
        claimed_budget_score=pl.Series([draw(NUMBER_TEXT) for _ in range(n)], dtype=pl.String),
        claimed_grade=pl.Series([draw(GRADE_TEXT) for _ in range(n)], dtype=pl.String),
    )
    return dataclasses.replace(
        results,
        project_scores=projects,
        indicator_scores=indicators.with_columns(
            claimed_score=pl.Series(claimed, dtype=pl.Float64)
        ),
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), threshold=st.sampled_from([0.0, 2.5, 5.0, 30.0]), counts=st.booleans())
def test_batch_and_reference_agree_on_random_claims(
    scored: tuple[Plan, Results], data: st.DataObject, threshold: float, counts: bool
) -> None:
    plan, base = scored
    results = data.draw(claims(base))
    assert plan.reevaluation is not None
    overrides = {"threshold_points": threshold, "grade_change_counts": counts}
    tables = stage.reevaluate(
        results.indicator_scores, results.project_scores, plan, plan.reevaluation, overrides
    )
    lines = tables["reevaluation_indicators"]
    assert lines.height == results.indicator_scores.height + results.project_scores.height
    differ = lines.filter(pl.col("reason_code").is_not_null())
    assert differ["reason"].is_not_null().all() and (differ["reason"] != "").all()
    same = lines.filter(pl.col("reason_code").is_null())
    assert same["reason"].is_null().all()
    for pid in results.project_scores["project_id"].to_list():
        # raises (internal error) on any difference from the batch of the project's rows
        explain_reevaluation(plan, results, pid, overrides)
    # …and the batch of one project's rows (one drawn per example) is its slice of the
    # batch of the whole table: explain judges the whole run once and takes the slice.
    pid = data.draw(st.sampled_from(results.project_scores["project_id"].to_list()))
    alone = stage.reevaluate(
        results.indicator_scores.filter(pl.col("project_id") == pid),
        results.project_scores.filter(pl.col("project_id") == pid),
        plan,
        plan.reevaluation,
        overrides,
    )
    mine = pl.col("project_id") == pid
    assert alone["reevaluation_projects"].equals(tables["reevaluation_projects"].filter(mine))
    assert alone["reevaluation_indicators"].equals(tables["reevaluation_indicators"].filter(mine))


def test_a_batch_that_differs_is_refused(scored: tuple[Plan, Results]) -> None:
    """The agreement check bites: a batch line with another code, or a project with
    another gap, is an internal error, not an answer."""
    plan, base = scored
    assert plan.reevaluation is not None
    pid = base.project_scores["project_id"][0]
    results = dataclasses.replace(
        base,
        project_scores=base.project_scores.with_columns(claimed_total=pl.lit("100")),
        indicator_scores=base.indicator_scores.with_columns(claimed_score=pl.col("points")),
    )
    step = explain_reevaluation(plan, results, pid)
    assert step is not None
    batch = stage.reevaluate(
        results.indicator_scores.filter(pl.col("project_id") == pid),
        results.project_scores.filter(pl.col("project_id") == pid),
        plan,
        plan.reevaluation,
        {},
    )
    agree(step, batch, pid)
    lines = batch["reevaluation_indicators"].with_columns(reason_code=pl.lit("other"))
    with pytest.raises(JixiaoError, match="reference and batch differ"):
        agree(step, {**batch, "reevaluation_indicators": lines}, pid)
    projects = batch["reevaluation_projects"].with_columns(gap=pl.col("gap") + 1)
    with pytest.raises(JixiaoError, match="gap"):
        agree(step, {**batch, "reevaluation_projects": projects}, pid)
