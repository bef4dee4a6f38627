"""The indicator-level rules are ruleset data: errors point at the YAML, variants change
the outcome in batch and explain alike."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from jixiao.scoring import api
from jixiao.scoring.errors import RulesetError
from jixiao.scoring.expr import Type, check, evaluate, to_polars

HEADER = "extends: project-self-eval\nid: variant\nrules:\n"


def _ruleset(tmp_path: Path, body: str) -> str:
    path = tmp_path / "variant.yaml"
    path.write_text(HEADER + body, "utf-8")
    return str(path)


def test_bad_achieved_expression_points_at_its_token(tmp_path: Path) -> None:
    ref = _ruleset(tmp_path, '  achieved:\n    higher: "actual >= tagret"\n')
    with pytest.raises(RulesetError) as info:
        api.load_ruleset(ref)
    (problem,) = info.value.problems
    assert problem.path == ("rules", "achieved", "higher")
    assert (problem.line, problem.col) == (5, 24)
    assert "unknown name 'tagret'" in problem.message and problem.hint == "did you mean 'target'?"


def test_bad_reason_placeholder_is_reported_at_its_line(tmp_path: Path) -> None:
    body = (
        "  not_evaluable:\n"
        "    - when: \"actual_kind == 'blank'\"\n"
        '      reason: "actual {actul_text} is blank"\n'
    )
    with pytest.raises(RulesetError) as info:
        api.load_ruleset(_ruleset(tmp_path, body))
    (problem,) = info.value.problems
    assert problem.path == ("rules", "not_evaluable", 0, "reason")
    assert problem.line == 6
    assert "unknown name {actul_text}" in problem.message
    assert problem.hint == "did you mean 'actual_text'?"


def _score_one(ref: str, target: str, actual: str, tmp_path: Path) -> dict[str, object]:
    """Score one 正向 indicator and explain it; the explained step (checked against batch)."""
    rows = {
        "projects.csv": [
            ["项目编号", "项目名称", "全年预算数", "全年执行数"],
            ["V1", "变体", "100", "100"],
        ],
        "indicators.csv": [
            ["项目编号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值"],
            ["V1", "产出指标", "数量指标", "受益人数", target, actual, "50"],
        ],
    }
    paths = []
    for name, table in rows.items():
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(table)
        paths.append(path)
    plan = api.load_ruleset(ref)
    results = api.score(plan, paths)
    (step,) = api.explain_project(plan, results, "V1").indicators
    return step.__dict__


def test_achieved_follows_the_ruleset_text(tmp_path: Path) -> None:
    """DOMAIN §2 正向: a = t scores w and is achieved; a variant that demands a > t says
    otherwise, in batch and explain alike (explain raises if they differ)."""
    built_in = _score_one("project-self-eval", ">100人", "100", tmp_path)
    assert (built_in["score"], built_in["achieved"]) == (50.0, True)
    strict = _ruleset(tmp_path, '  achieved:\n    higher: "actual > target"\n')
    variant = _score_one(strict, ">100人", "100", tmp_path)
    assert (variant["score"], variant["achieved"]) == (50.0, False)


def test_not_evaluable_conditions_are_ruleset_data(tmp_path: Path) -> None:
    """A variant adds a condition (an actual over ten times the target is implausible)."""
    body = (
        "  not_evaluable:\n"
        "    - when: \"actual_kind == 'blank'\"\n"
        '      reason: "actual is blank"\n'
        '    - when: "actual > 10 * target"\n'
        '      reason: "actual {actual} is implausible against {target}"\n'
    )
    step = _score_one(_ruleset(tmp_path, body), "≥100人", "5000", tmp_path)
    assert (step["evaluable"], step["score"], step["achieved"]) == (False, None, None)
    assert step["reason"] == "actual 5000 is implausible against 100"


@pytest.mark.parametrize("text", ["actual / target", "safe_div(actual, target)"])
def test_division_by_a_column_polars_holds_as_one_scalar(text: str) -> None:
    """The ratio rule on a frame whose target column is one broadcast value (as after a
    join that gave every row the same target): batch must divide exactly, like the
    reference, not multiply by the reciprocal (4.95 × (1 / 5) = 0.9900000000000001)."""
    checked = check(text, {"actual": Type.NUMBER, "target": Type.NUMBER}, expect=Type.NUMBER)
    frame = pl.DataFrame({"actual": [4.95, 0.0, None]}).with_columns(target=pl.lit(5.0))
    batch = frame.select(to_polars(checked)).to_series().to_list()
    reference = [evaluate(checked, row) for row in frame.iter_rows(named=True)]
    assert batch == reference == [0.99, 0.0, None]


def test_bad_signed_and_fraction_expressions_point_at_their_tokens(tmp_path: Path) -> None:
    """Issue 8 policies are ruleset text like every rule: a typo is located, not raised."""
    path = tmp_path / "variant.yaml"
    path.write_text(
        "extends: project-self-eval\nid: variant\n"
        'fraction_actuals:\n  ambiguous: "met_as_fracton != met_as_written"\n'
        "rules:\n  signed_target: \"target < 0 and dierction == 'higher'\"\n",
        "utf-8",
    )
    with pytest.raises(RulesetError) as info:
        api.load_ruleset(str(path))
    got = {(p.path, p.line, p.col) for p in info.value.problems}
    assert got == {
        (("fraction_actuals", "ambiguous"), 4, 15),
        (("rules", "signed_target"), 6, 34),
    }, info.value.problems


def test_substitute_applies_a_rule_to_another_value() -> None:
    """`achieved` judged on a reading: the column is replaced inside the checked tree, and
    both evaluators then read the new column (the old one is no longer a name)."""
    from jixiao.scoring.rules.substitute import rebind

    rule = check(
        "(actual <= 0) if target == 0 else (actual >= target)",
        {"actual": Type.NUMBER, "target": Type.NUMBER},
        expect=Type.BOOL,
    )
    moved = rebind(rule, "actual", "as_fraction")
    assert moved.names == frozenset({"as_fraction", "target"})
    rows = {
        "actual": [-5.0, 96.0, 2.0],
        "as_fraction": [0.0, 0.96, -1.0],
        "target": [0.0, 95.0, 0.0],
    }
    want = [True, False, True]
    frame = pl.DataFrame(rows)
    assert frame.select(to_polars(moved)).to_series().to_list() == want
    assert [
        evaluate(moved, dict(zip(rows, r, strict=True))) for r in zip(*rows.values(), strict=True)
    ] == want
