"""`validate` and the score path (`api.load_ruleset`) give the same verdict on every
bad-ruleset fixture, every security-corpus expression and the expressions at the limits
(issue 7 item 3): anything `score` would refuse, `validate` reports at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_corpus_in_rulesets import CORPUS, HEADER, INDENT, corpus_text

from jixiao.scoring import api
from jixiao.scoring.errors import Problem, RulesetError
from jixiao.scoring.expr import MAX_LENGTH

BAD = Path(__file__).parent / "bad"


def both(ref: str) -> tuple[list[str], list[str]]:
    """Problems (as printed) from `validate` and from the score path's load."""
    (outcome,) = api.validate([ref])
    try:
        api.load_ruleset(ref)
        scored: list[Problem] = []
    except RulesetError as exc:
        scored = list(exc.problems)
    return [str(p) for p in outcome.problems], [str(p) for p in scored]


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_fixture_same_verdict(path: Path) -> None:
    validated, scored = both(str(path))
    assert validated, "validate accepted a bad fixture"
    assert validated == scored


def write_rule(tmp_path: Path, text: str) -> str:
    path = tmp_path / "attempt.yaml"
    path.write_text(HEADER + " " * INDENT + text + "\n", "utf-8")
    return str(path)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_security_corpus_same_verdict(name: str, tmp_path: Path) -> None:
    validated, scored = both(write_rule(tmp_path, corpus_text(CORPUS[name]["expr"])))
    assert validated, "validate accepted a corpus attempt"
    assert validated == scored


def padded(length: int) -> str:
    """A valid quantitative rule of exactly `length` characters (spaces inside)."""
    head, tail = "points *", " min(actual / target, 1)"
    return head + " " * (length - len(head) - len(tail)) + tail


@pytest.mark.parametrize("length", [MAX_LENGTH - 4, MAX_LENGTH])
def test_near_limit_rule_is_accepted_by_both(length: int, tmp_path: Path) -> None:
    """The compiler rounds the rule; the 2,000-character limit applies to the text the
    analyst wrote, not to `round((…), 2)` around it (the old 1,996 vs 2,008 mismatch)."""
    ref = write_rule(tmp_path, padded(length))
    assert both(ref) == ([], [])
    plan = api.load_ruleset(ref)
    assert (
        plan.reference(plan.quantitative["higher"], {"points": 10, "actual": 1, "target": 3})
        == 3.33
    )


def test_over_limit_rule_is_refused_by_both_at_its_position(tmp_path: Path) -> None:
    validated, scored = both(write_rule(tmp_path, padded(MAX_LENGTH + 1)))
    assert validated == scored
    (problem,) = validated
    line = HEADER.count("\n") + 1
    assert f"attempt.yaml:{line}:{INDENT + MAX_LENGTH + 1}: rules.quantitative.higher" in problem
    assert "2001 characters long" in problem


def test_plan_too_large_once_rounded_is_refused_by_both(tmp_path: Path) -> None:
    """11 nested min() fit the plan-size limit alone but not inside the round() that
    scoring adds; the check used to pass it and compile refuse it without a position."""
    text = "min(" * 11 + "actual" + ", target)" * 11
    validated, scored = both(write_rule(tmp_path, text))
    assert validated == scored
    (problem,) = validated
    assert f":{HEADER.count(chr(10)) + 1}:{INDENT + 1}: rules.quantitative.higher" in problem
    assert "too complex" in problem


def test_problems_of_every_pass_are_reported_together(tmp_path: Path) -> None:
    """A check-pass problem (weights) and a compile-pass one (an expression) in one file."""
    path = tmp_path / "two.yaml"
    path.write_text(
        "extends: project-self-eval\nid: two\nweights: {output: 55}\n"
        "rules:\n  quantitative:\n    lower: points * tagret\n",
        "utf-8",
    )
    validated, scored = both(str(path))
    assert validated == scored
    assert len(validated) == 2
    assert "weights sum to 105" in validated[0] and "two.yaml:6:21:" in validated[1]
