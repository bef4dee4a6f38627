"""The project roll-up and the department summary as ruleset data, through both evaluators.

- The `departments:` rows of cases/rollup.yaml (worked out by hand from DOMAIN §2) must be
  what department_summary gives, and what the reference evaluator gives over the same
  project rows (`explain_department`).
- `explain` recomputes every project-level column it shows (budget score, subtotals,
  total, complete, issues, grade) and must agree with the batch on the sample district
  and on every case; a batch frame changed in any one of those columns must be refused,
  which shows that nothing is copied from it.
- Changing a roll-up rule in YAML (rescaled_total, complete, withheld_grade, the
  department measures and label, budget_execution.when_not_computable) changes both
  evaluators alike.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from jixiao.scoring import api
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.explain.project import explain_department
from jixiao.scoring.jobs.selfeval import Results
from jixiao.scoring.rules.compile import Plan

HERE = Path(__file__).parent
SAMPLE = HERE.parents[1] / "examples" / "sample-district"
CASE_FILES = sorted((HERE / "cases").glob("*.yaml"))
ROLLUP = yaml.safe_load((HERE / "cases" / "rollup.yaml").read_text("utf-8"))
ALL_CASES = {c["id"]: c for f in CASE_FILES for c in yaml.safe_load(f.read_text("utf-8"))["cases"]}


def _write(rows: list[dict[str, Any]], path: Path) -> None:
    heads = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(heads)
        for r in rows:
            out.writerow("" if r.get(h) is None else str(r.get(h)) for h in heads)


def _ruleset(folder: Path, base: str, override: dict[str, Any] | None) -> Plan:
    if not override:
        return api.load_ruleset(base)
    path = folder / "ruleset.yaml"
    body = {"extends": base, "id": "variant", **override}
    path.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), "utf-8")
    return api.load_ruleset(str(path))


def _score(case: dict[str, Any], folder: Path, **extra: Any) -> tuple[Plan, Results]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "projects.csv", folder / "indicators.csv"]
    _write(case["projects"], paths[0])
    _write(case["indicators"], paths[1])
    override = {**(case.get("ruleset_override") or {}), **extra}
    plan = _ruleset(folder, case.get("ruleset", "project-self-eval"), override)
    return plan, api.score(plan, paths)


@pytest.fixture(scope="module")
def sample() -> tuple[Plan, Results]:
    plan = api.load_ruleset("project-self-eval")
    return plan, api.score(plan, [SAMPLE / "projects.csv", SAMPLE / "indicators.csv"])


# --- department rows, by hand -------------------------------------------------------------


def _same(got: Any, want: Any) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize("case_id", sorted(ROLLUP["departments"]))
def test_department_rows_match_domain(case_id: str, tmp_path: Path) -> None:
    """department_summary rows equal the hand-worked ones, and the reference agrees."""
    plan, results = _score(ALL_CASES[case_id], tmp_path)
    rows = {r["department"]: r for r in results.department_summary.iter_rows(named=True)}
    grade_columns = [c for c in results.department_summary.columns if c.startswith("grade_")]
    errors = []
    for name, want in ROLLUP["departments"][case_id].items():
        got = rows[name]
        for key in ("n_projects", "n_incomplete"):
            if got[key] != want[key]:
                errors.append(f"{name} {key}: {got[key]} != {want[key]}")
        for key in ("mean_total", "min_total", "max_total", "budget", "spent", "execution_rate"):
            if not _same(got[key], want[key]):
                errors.append(f"{name} {key}: {got[key]} != {want[key]}")
        for column in grade_columns:
            expected = want["grades"].get(column.removeprefix("grade_"), 0)
            if got[column] != expected:
                errors.append(f"{name} {column}: {got[column]} != {expected}")
        assert explain_department(plan, results, name)["n_projects"] == want["n_projects"]
    assert not errors, errors
    assert results.department_summary["n_projects"].dtype == pl.UInt32


# --- explain recomputes, batch agrees -------------------------------------------------------

SHOWN = ("total", "indicator_score", "grade", "complete", "issues")


def _assert_explained(plan: Plan, results: Results) -> None:
    for row in results.project_scores.iter_rows(named=True):
        e = api.explain_project(plan, results, row["project_id"])
        shown = {k: getattr(e, k) for k in SHOWN} | {"budget_score": e.budget_score}
        assert shown == {k: row[k] for k in shown}, row["project_id"]
        for c, values in e.categories.items():
            assert values["score"] == row[f"{c}_score"], (row["project_id"], c)
            assert values["points"] == row[f"{c}_points"], (row["project_id"], c)
    for department in results.department_summary["department"]:
        explain_department(plan, results, department)


def test_explain_agrees_on_the_sample_district(sample: tuple[Plan, Results]) -> None:
    plan, results = sample
    assert results.project_scores.filter(~pl.col("complete")).height > 0
    _assert_explained(plan, results)


@pytest.mark.parametrize("case_id", sorted(ALL_CASES))
def test_explain_agrees_on_every_case(case_id: str, tmp_path: Path) -> None:
    _assert_explained(*_score(ALL_CASES[case_id], tmp_path))


TAMPER = {
    "total": lambda v: v + 0.01,
    "indicator_score": lambda v: v + 0.01,
    "budget_score": lambda v: None,
    "output_score": lambda v: v + 1,
    "output_points": lambda v: v + 1,
    "complete": lambda v: not v,
    "grade": lambda v: "差" if v != "差" else "优",
    "issues": lambda v: "changed" if v is None else None,
    "n_not_evaluable": lambda v: v + 1,
}


@pytest.mark.parametrize("column", sorted(TAMPER))
def test_explain_refuses_a_batch_that_differs(sample: tuple[Plan, Results], column: str) -> None:
    """Each shown column is recomputed, not copied: changing it in the batch is caught."""
    plan, results = sample
    for complete in (True, False):
        pid = results.project_scores.filter(pl.col("complete") == complete)["project_id"][0]
        frame = results.project_scores
        value = frame.filter(pl.col("project_id") == pid)[column][0]
        changed = frame.with_columns(
            pl.when(pl.col("project_id") == pid)
            .then(pl.lit(TAMPER[column](value), frame.schema[column]))
            .otherwise(pl.col(column))
            .alias(column)
        )
        tampered = Results(
            results.indicator_scores, changed, results.department_summary, results.rejects
        )
        with pytest.raises(JixiaoError, match="internal error"):
            api.explain_project(plan, tampered, pid)


def test_explain_department_refuses_a_batch_that_differs(sample: tuple[Plan, Results]) -> None:
    plan, results = sample
    summary = results.department_summary.with_columns(pl.col("mean_total") + 0.01)
    tampered = Results(results.indicator_scores, results.project_scores, summary, results.rejects)
    with pytest.raises(JixiaoError, match="mean_total"):
        explain_department(plan, tampered, summary["department"][0])


# --- the rules are data -------------------------------------------------------------------------


def _one(results: Results, pid: str) -> dict[str, Any]:
    return results.project_scores.filter(pl.col("project_id") == pid).row(0, named=True)


def test_budget_not_computable_blank_leaves_the_total_blank(tmp_path: Path) -> None:
    """budget_execution.when_not_computable: blank — no partial total, grade withheld."""
    case = ALL_CASES["rollup-budget-not-computable-counts-zero"]
    plan, results = _score(case, tmp_path, budget_execution={"when_not_computable": "blank"})
    row = _one(results, "BZ1")
    assert (row["total"], row["grade"], row["complete"]) == (None, "未定级", False)
    assert row["output_score"] == 50
    _assert_explained(plan, results)
    assert results.department_summary["mean_total"].to_list() == [None]


def test_rollup_rules_follow_the_yaml(tmp_path: Path) -> None:
    """Another rescale formula, completeness rule, withheld label, department label and
    measure: batch and explain both follow the YAML."""
    case = ALL_CASES["rollup-rescale-missing-benefit"]
    bz = ALL_CASES["rollup-budget-not-computable-counts-zero"]
    merged = {**case, "projects": case["projects"] + bz["projects"]}
    merged["indicators"] = case["indicators"] + bz["indicators"]
    plan, results = _score(
        merged,
        tmp_path,
        rescaled_total="raw",
        complete="n_indicators > 0 and n_not_evaluable == 0",
        withheld_grade="待定",
        department={
            "blank_label": "无主管部门",
            "measures": {"mean_points": "mean(n_indicators)", "n_complete": "count(total)"},
        },
    )
    rs1, bz1 = _one(results, "RS1"), _one(results, "BZ1")
    assert (rs1["total"], rs1["grade"]) == (63, "中")
    assert (bz1["complete"], bz1["grade"]) == (True, "优")
    assert bz1["issues"] is not None and "not computable" in bz1["issues"]
    summary = {r["department"]: r for r in results.department_summary.iter_rows(named=True)}
    assert set(summary) == {"区水务局", "无主管部门"}
    assert summary["无主管部门"]["mean_points"] == 3
    assert "grade_待定" in results.department_summary.columns
    _assert_explained(plan, results)


def test_a_bad_rollup_expression_points_at_the_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        'extends: project-self-eval\nid: bad\ncomplete: "n_indicatorz > 0"\n'
        'department:\n  measures:\n    avg: "mean(total) + total"\n',
        "utf-8",
    )
    with pytest.raises(JixiaoError) as err:
        api.load_ruleset(str(path))
    text = str(err.value)
    assert "bad.yaml:3:12: complete: unknown name 'n_indicatorz'" in text
    assert "bad.yaml:6:" in text and "read outside an aggregate" in text
