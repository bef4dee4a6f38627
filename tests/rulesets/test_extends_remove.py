"""`extends` can remove a key (issue 7 item 6): `null` in the child, or `unset:`; the
removal is shown by `validate --show`, and a bad removal points at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.scoring import api
from jixiao.scoring.errors import RulesetError


def variant(tmp_path: Path, body: str) -> str:
    path = tmp_path / "variant.yaml"
    path.write_text("extends: project-self-eval\nid: variant\n" + body, "utf-8")
    return str(path)


NULL_FORM = "weights: {output: 60, satisfaction: null}\n"
UNSET_FORM = "unset: [weights.satisfaction]\nweights: {output: 60}\n"


@pytest.mark.parametrize("body", [NULL_FORM, UNSET_FORM], ids=["null", "unset"])
def test_removed_weight_is_gone_from_the_merged_ruleset(tmp_path: Path, body: str) -> None:
    plan = api.load_ruleset(variant(tmp_path, body))
    assert plan.loaded.ruleset.weights == {"budget_execution": 10, "output": 60, "benefit": 30}
    assert plan.categories == ("output", "benefit")
    (removal,) = plan.loaded.removed
    assert removal.path == ("weights", "satisfaction") and removal.value == 10


@pytest.mark.parametrize(
    ("body", "line", "col"), [(NULL_FORM, 3, 23), (UNSET_FORM, 3, 9)], ids=["null", "unset"]
)
def test_show_lists_the_removal_with_its_origin(
    tmp_path: Path, body: str, line: int, col: int
) -> None:
    shown = api.show_ruleset(variant(tmp_path, body))
    (comment,) = [ln for ln in shown.splitlines() if ln.startswith("# removed:")]
    assert comment.startswith("# removed: weights.satisfaction (was 10, from ")
    assert "project-self-eval.yaml:" in comment
    assert comment.endswith(f"variant.yaml:{line}:{col}")
    assert "satisfaction" not in shown.split("weights:")[1].split("\n", 4)[3]


def test_removing_without_rebalancing_fails_the_weight_check(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match="weights sum to 90"):
        api.load_ruleset(variant(tmp_path, "weights: {satisfaction: null}\n"))


def test_null_in_a_ruleset_that_extends_nothing_is_a_value_not_a_removal(tmp_path: Path) -> None:
    path = tmp_path / "root.yaml"
    text = (Path(api.builtin_rulesets()[0].path)).read_text("utf-8")
    path.write_text(
        text.replace("id: project-self-eval", "id: root") + "unset: [grades]\n", "utf-8"
    )
    with pytest.raises(RulesetError, match="unset needs `extends`"):
        api.load_ruleset(str(path))


def test_unset_of_a_path_through_a_missing_mapping(tmp_path: Path) -> None:
    with pytest.raises(RulesetError) as info:
        api.load_ruleset(variant(tmp_path, "unset: [nothing.here]\n"))
    (problem,) = info.value.problems
    assert (problem.line, problem.col) == (3, 9) and "cannot remove nothing.here" in str(problem)


def test_a_grandchild_can_remove_what_its_grandparent_set(tmp_path: Path) -> None:
    (tmp_path / "mid.yaml").write_text(
        "extends: project-self-eval\nid: mid\nparams: {bonus: 1}\n", "utf-8"
    )
    leaf = tmp_path / "leaf.yaml"
    leaf.write_text("extends: mid.yaml\nid: leaf\nparams: {bonus: null}\n", "utf-8")
    plan = api.load_ruleset(str(leaf))
    assert plan.loaded.ruleset.params == api.load_ruleset().loaded.ruleset.params
    (removal,) = plan.loaded.removed
    assert removal.origin.endswith("mid.yaml:3:17"), removal.origin
