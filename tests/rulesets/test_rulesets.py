"""Built-in content, `extends`, effective rulesets and the committed JSON Schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.scoring import api
from jixiao.scoring.errors import RulesetError
from jixiao.scoring.rules.load import builtin_ids, load
from jixiao.scoring.rules.schema import schema_text
from jixiao.scoring.rules.validate import effective_yaml, validate

ROOT = Path(__file__).resolve().parents[2]


def test_every_builtin_validates() -> None:
    outcomes = validate([])
    assert {o.kind for o in outcomes} == {"catalogue", "ruleset"}
    assert all(o.ok for o in outcomes), [str(p) for o in outcomes for p in o.problems]
    assert {"project-self-eval", "sichuan-10-90"} <= set(builtin_ids("rulesets"))


def test_national_standard_weights_and_grades() -> None:
    """DOMAIN §2 [law]: 预算执行率 10, 产出 50, 效益 30, 满意度 10; 优 ≥ 90, 良 80–90, 中 60–80."""
    rs = load("project-self-eval").ruleset
    assert rs.weights == {"budget_execution": 10, "output": 50, "benefit": 30, "satisfaction": 10}
    assert [(g.name, g.min, g.max) for g in rs.grades] == [
        ("优", 90, 100),
        ("良", 80, 90),
        ("中", 60, 80),
        ("差", 0, 60),
    ]


def test_sichuan_variant_extends_the_national_one() -> None:
    """DOMAIN §2 [varies]: Sichuan 预算执行 10 + 绩效指标 90 distributed freely."""
    loaded = load("sichuan-10-90")
    assert loaded.ruleset.points_distribution == "free"
    assert loaded.ruleset.rules == load("project-self-eval").ruleset.rules
    assert [Path(f).stem for f in loaded.files] == ["sichuan-10-90", "project-self-eval"]


def test_three_line_variant_overrides_one_weight_key_by_key(tmp_path: Path) -> None:
    variant = tmp_path / "mine.yaml"
    variant.write_text(
        "extends: project-self-eval\nid: mine\nweights: {output: 40, benefit: 40}\n", "utf-8"
    )
    loaded = load(str(variant))
    assert loaded.ruleset.weights == {
        "budget_execution": 10,
        "output": 40,
        "benefit": 40,
        "satisfaction": 10,
    }
    shown = effective_yaml(loaded)
    assert "id: mine" in shown and "output: 40.0" in shown and "satisfaction: 10.0" in shown


def test_relative_extends_and_catalogue_paths(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        (ROOT / "rulesets" / "project-self-eval.yaml")
        .read_text("utf-8")
        .replace("id: project-self-eval", "id: base"),
        "utf-8",
    )
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nid: child\nprecision: 1\n", "utf-8")
    loaded = load(str(tmp_path / "child.yaml"))
    assert loaded.ruleset.precision == 1 and loaded.ruleset.id == "child"


def test_error_inside_a_block_scalar_points_at_the_token(tmp_path: Path) -> None:
    path = tmp_path / "block.yaml"
    path.write_text(
        "extends: project-self-eval\nid: block\nrules:\n  quantitative:\n    lower: |\n"
        "      points if actual <= target\n      else pionts\n",
        "utf-8",
    )
    with pytest.raises(RulesetError) as info:
        api.load_ruleset(str(path))
    (problem,) = info.value.problems
    assert (problem.line, problem.col) == (7, 12)
    assert "unknown name 'pionts'" in problem.message and problem.hint == "did you mean 'points'?"


def test_all_errors_of_a_file_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "extends: project-self-eval\nid: many\nprecision: x\nscale: -1\nwieghts: {}\n", "utf-8"
    )
    (outcome,) = validate([str(path)])
    assert [p.line for p in outcome.problems] == [3, 4, 5]


@pytest.mark.parametrize("kind", ["ruleset", "catalogue"])
def test_committed_json_schema_matches_the_models(kind: str) -> None:
    committed = (ROOT / "schema" / f"{kind}.schema.json").read_text("utf-8")
    assert committed == schema_text(kind), (
        "run: jixiao schema " + kind + " --out schema/" + kind + ".schema.json"
    )


def test_schema_carries_field_documentation() -> None:
    text = schema_text("ruleset")
    assert "Points per part" in text and "四舍五入" in text
