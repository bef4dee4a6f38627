"""`--set KEY=VALUE` overrides (rules/overrides.py): a variant ruleset that extends the
base, judged by the very fold `validate` runs, its problems named by the option."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.scoring import api
from jixiao.scoring.errors import RulesetError
from jixiao.scoring.rules.overrides import (
    OptionProblem,
    make_variant,
    parse_override,
    parse_sweep,
    split_key,
    sweep_overrides,
)

BASE = "project-self-eval"


@pytest.fixture(scope="module")
def base() -> api.Plan:
    return api.load_ruleset(BASE)


def variant(base: api.Plan, *sets: str):  # type: ignore[no-untyped-def]
    return make_variant(base, BASE, [parse_override(s) for s in sets])


def problems(base: api.Plan, *sets: str) -> list[str]:
    with pytest.raises(RulesetError) as info:
        variant(base, *sets)
    return [str(p) for p in info.value.problems]


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("weights.output", ("weights", "output")),
        ("grades[0].min", ("grades", "0", "min")),
        ("grades.0.min", ("grades", "0", "min")),
        ("a[1][2]", ("a", "1", "2")),
    ],
)
def test_split_key(key: str, path: tuple[str, ...]) -> None:
    assert split_key(key) == path


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("weights.output=40", 40),
        ("params.boundary_margin=0.5", 0.5),
        ("weighting=proportional", "proportional"),
        ("rules.negative_actual_as_zero=false", False),
        ("unset=[weights.satisfaction]", ["weights.satisfaction"]),
        ("description=a = b", "a = b"),
        ("budget_execution.score=clip(rate, 0, 1) * points", "clip(rate, 0, 1) * points"),
        (
            "rules.quantitative.higher='points if actual >= target else 0'",
            "points if actual >= target else 0",
        ),
        ("weights={output: 40, benefit: 40}", {"output": 40, "benefit": 40}),
    ],
)
def test_values_are_yaml(text: str, value: object) -> None:
    assert parse_override(text).value == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weights.output", "expected KEY=VALUE"),
        ("=40", "expected KEY=VALUE"),
        ("weights.output=", "no value after '='"),
        ("weights..output=1", "is not a dotted key path"),
        ("weights.output=[1, 2", "not valid YAML"),
        ("extends=sichuan-10-90", "the variant's extends is the base ruleset"),
    ],
)
def test_malformed_options(text: str, message: str) -> None:
    with pytest.raises(RulesetError) as info:
        parse_override(text)
    (problem,) = info.value.problems
    assert isinstance(problem, OptionProblem)
    assert str(problem).startswith(f"--set {text}: ")
    assert message in str(problem)


# --- the variant ---------------------------------------------------------------------------


def test_variant_extends_the_base_with_only_the_overridden_keys(base: api.Plan) -> None:
    v = variant(base, "params.boundary_margin=2", "grades.优.min=85", "grades[1].max=85")
    assert v.data["extends"] == BASE
    assert v.data["params"] == {"boundary_margin": 2}
    # Lists merge whole: the variant writes the base's list with the items changed.
    assert [(g["name"], g["min"], g["max"]) for g in v.data["grades"]] == [
        ("优", 85, 100),
        ("良", 80, 85),
        ("中", 60, 80),
        ("差", 0, 60),
    ]
    assert set(v.data) == {"extends", "params", "grades"}
    assert v.notes == []
    assert v.plan is not None
    rs = v.plan.loaded.ruleset
    assert rs.params["boundary_margin"] == 2
    assert rs.grades[0].min == 85
    assert rs.weights == base.loaded.ruleset.weights


def test_changing_a_weight_implies_proportional_and_says_so(base: api.Plan) -> None:
    v = variant(base, "weights.output=40", "weights.benefit=40")
    assert base.loaded.ruleset.weighting == "check"
    assert v.data["weighting"] == "proportional"
    assert v.plan is not None and v.plan.loaded.ruleset.weighting == "proportional"
    assert len(v.notes) == 1 and "weighting: proportional" in v.notes[0]
    # A weight set to its own value changes nothing, so implies nothing.
    same = variant(base, "weights.output=50")
    assert "weighting" not in same.data and same.notes == []
    assert same.plan is not None
    effective = same.plan.loaded.ruleset.model_dump(exclude={"extends"})
    assert effective == base.loaded.ruleset.model_dump(exclude={"extends"})
    # An explicit weighting wins, and then nothing is implied.
    kept = variant(base, "weights.output=40", "weights.benefit=40", "weighting=check")
    assert kept.data["weighting"] == "check" and kept.notes == []


def test_near_miss_key_gets_did_you_mean(base: api.Plan) -> None:
    assert problems(base, "weights.outptu=40") == [
        "--set weights.outptu=40: weights.outptu: unknown key 'outptu' — "
        "did you mean 'weights.output'?"
    ]
    (params,) = problems(base, "params.boundry_margin=2")
    assert "did you mean 'params.boundary_margin'?" in params


def test_unknown_model_key_is_judged_by_the_fold(base: api.Plan) -> None:
    (problem,) = problems(base, "budget_executon.score=1")
    assert problem.startswith("--set budget_executon.score=1: budget_executon: unknown key")
    assert "did you mean 'budget_execution'?" in problem


def test_list_items_by_index_or_name(base: api.Plan) -> None:
    (problem,) = problems(base, "grades[9].min=1")
    assert "grades has 4 items (0–3), no item 9" in problem
    (problem,) = problems(base, "grades.甲.min=1")
    assert "no item '甲' in grades" in problem and "优" in problem
    v = variant(base, "flags.target_missed.severity=serious")
    assert v.plan is not None
    flag = next(f for f in v.plan.loaded.ruleset.flags if f.id == "target_missed")
    assert flag.severity == "serious"


def test_moving_a_band_bound_moves_the_band_it_touches(base: api.Plan) -> None:
    v = variant(base, "grades.优.min=85")
    assert v.plan is not None
    bands = {g.name: (g.min, g.max) for g in v.plan.loaded.ruleset.grades}
    assert bands["优"] == (85, 100) and bands["良"] == (80, 85)
    assert v.notes == [
        "grades.优.min=85 moves grades.良.max with it (grade bands tile the scale); "
        "set grades.良.max to choose otherwise"
    ]
    # Set both ends yourself and nothing is implied.
    both = variant(base, "grades.优.min=85", "grades.良.max=85")
    assert both.notes == []
    (problem,) = problems(base, "grades.优.min=85", "grades.良.max=84")
    assert "gap" in problem or "cover" in problem


def test_scalar_has_no_keys(base: api.Plan) -> None:
    (problem,) = problems(base, "scale.x=1")
    assert "scale is a number, it has no key 'x'" in problem


@pytest.mark.parametrize(
    ("sets", "file_text"),
    [
        (["weights.output=abc"], "weights: {output: abc}\n"),
        (["weights.output=60"], "weights: {output: 60}\n"),
        (["flags.target_missed.severity=bogus"], None),
        (["budget_execution.score=rate ** ** 2"], "budget_execution: {score: 'rate ** ** 2'}\n"),
    ],
)
def test_bad_values_give_the_validate_message(
    base: api.Plan, tmp_path: Path, sets: list[str], file_text: str | None
) -> None:
    """The fold's message, as `validate` gives it for a file holding the same keys; only
    the place differs (the option instead of file:line:col)."""
    got = problems(base, *sets)
    assert all(p.startswith(f"--set {sets[0]}: ") for p in got)
    v_file = tmp_path / "v.yaml"
    if file_text is None:  # write what --save would
        with pytest.raises(RulesetError):
            variant(base, *sets)
        return
    v_file.write_text(f"extends: {BASE}\n{file_text}", encoding="utf-8")
    (outcome,) = api.validate([str(v_file)])
    expected = sorted(p.message for p in outcome.problems)
    assert sorted(p.split(": ", 2)[2].split(" — ")[0] for p in got) == [
        m.split(" — ")[0] for m in expected
    ]


def test_saved_variant_validates_and_builds_the_same_ruleset(
    base: api.Plan, tmp_path: Path
) -> None:
    v = variant(
        base, "weights.output=40", "weights.benefit=40", "grades.优.min=85", "grades.良.max=85"
    )
    path = tmp_path / "sub" / "variant.yaml"
    path.parent.mkdir()
    path.write_text(v.save(path), encoding="utf-8")
    (outcome,) = api.validate([str(path)])
    assert outcome.ok, outcome.problems
    saved = api.load_ruleset(str(path))
    assert v.plan is not None
    assert saved.loaded.ruleset == v.plan.loaded.ruleset
    assert saved.loaded.sha256 == v.plan.loaded.sha256


def test_saved_variant_of_a_file_base_extends_it_relatively(tmp_path: Path) -> None:
    base_file = tmp_path / "rules" / "mine.yaml"
    base_file.parent.mkdir()
    base_file.write_text(f"extends: {BASE}\nid: mine\n", encoding="utf-8")
    plan = api.load_ruleset(str(base_file))
    v = make_variant(plan, str(base_file), [parse_override("params.boundary_margin=3")])
    out = tmp_path / "out" / "v.yaml"
    out.parent.mkdir()
    text = v.save(out)
    assert "extends: ../rules/mine.yaml" in text
    out.write_text(text, encoding="utf-8")
    assert api.load_ruleset(str(out)).loaded.ruleset.id == "mine"


# --- sweeps -----------------------------------------------------------------------------------


def test_sweep_ranges_are_exact_decimals() -> None:
    assert parse_sweep("params.boundary_margin=0.1..0.5:0.1").values == (0.1, 0.2, 0.3, 0.4, 0.5)
    assert parse_sweep("weights.output=60..40:10").values == (60, 50, 40)
    assert parse_sweep("weights.output=40..55:10").values == (40, 50)
    assert parse_sweep("weights.output=30,45,50").values == (30, 45, 50)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weights.output", "expected KEY=START..STOP:STEP"),
        ("weights.output=40..60", "a range needs a step"),
        ("weights.output=40..60:0", "the step must be > 0"),
        ("weights.output=40..60:x", "'x' is not a number"),
        ("weights.output=a,b", "'a' is not a number"),
        ("weights.output=0..1000:1", "a sweep takes at most"),
        ("weights.output=1,1", "listed twice"),
    ],
)
def test_bad_sweeps(text: str, message: str) -> None:
    with pytest.raises(RulesetError) as info:
        parse_sweep(text)
    assert message in str(info.value)
    assert str(info.value).startswith(f"--sweep {text}: ")


def test_absorb_keeps_the_weights_at_the_scale(base: api.Plan) -> None:
    sweep = parse_sweep("weights.output=40..60:5")
    for value in sweep.values:
        sets = sweep_overrides(base, [], sweep, value, "weights.benefit")
        v = make_variant(base, BASE, sets)
        assert v.plan is not None
        weights = v.plan.loaded.ruleset.weights
        assert weights["output"] == value
        assert weights["benefit"] == 30 - (value - 50)
        assert sum(weights.values()) == base.loaded.ruleset.scale


def test_absorb_moves_from_the_set_values(base: api.Plan) -> None:
    """With --set, the absorbing key moves from its --set value."""
    sets = [parse_override("weights.output=45"), parse_override("weights.benefit=35")]
    sweep = parse_sweep("weights.output=40,50")
    got = sweep_overrides(base, sets, sweep, 50, "weights.benefit")
    assert got[-1].path == ("weights", "benefit") and got[-1].value == 30


def test_absorb_refused_when_it_would_go_negative(base: api.Plan) -> None:
    sweep = parse_sweep("weights.output=50..90:20")
    with pytest.raises(RulesetError) as info:
        sweep_overrides(base, [], sweep, 90, "weights.benefit")
    assert str(info.value) == (
        "--absorb weights.benefit: weights.benefit: weights.benefit would be -10 at "
        "weights.output=90 (30 − (90 − 50)) — narrow the sweep or absorb with a larger weight"
    )


def test_absorb_refuses_the_swept_key_and_non_numbers(base: api.Plan) -> None:
    sweep = parse_sweep("weights.output=40,50")
    with pytest.raises(RulesetError, match="the absorbing key is the swept key"):
        sweep_overrides(base, [], sweep, 40, "weights.output")
    with pytest.raises(RulesetError, match="weighting is a text"):
        sweep_overrides(base, [], sweep, 40, "weighting")
    with pytest.raises(RulesetError, match=r"did you mean 'weights\.benefit'"):
        sweep_overrides(base, [], sweep, 40, "weights.benfit")
