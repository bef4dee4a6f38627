"""Data-driven cases from cases.yaml: canonical print forms and located error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from expr_fixtures import NAMES, load

from jixiao.scoring.expr import ExprError, Type, check, parse, render

HERE = Path(__file__).parent


CASES: dict[str, Any] = load("cases.yaml")  # type: ignore[assignment]


@pytest.mark.parametrize(("text", "expected"), sorted(CASES["render"].items()))
def test_render(text: str, expected: str) -> None:
    node = parse(text)
    assert render(node) == expected
    assert render(parse(render(node))) == expected
    assert parse(render(node)) == parse(expected)


@pytest.mark.parametrize("case", CASES["errors"], ids=lambda c: c["expr"])
def test_error(case: dict[str, Any]) -> None:
    assert_error(case, aggregate=False)


@pytest.mark.parametrize("case", CASES["aggregate_errors"], ids=lambda c: c["expr"])
def test_aggregate_error(case: dict[str, Any]) -> None:
    assert_error(case, aggregate=True)


def assert_error(case: dict[str, Any], *, aggregate: bool) -> None:
    with pytest.raises(ExprError) as info:
        check(case["expr"], NAMES, aggregate=aggregate)
    problem = info.value.problems[0]
    assert case["message"] in problem.message, str(info.value)
    assert [problem.start, problem.end] == case["at"], str(info.value)
    if "hint" in case:
        assert problem.hint is not None and case["hint"] in problem.hint


def test_all_problems_are_collected() -> None:
    with pytest.raises(ExprError) as info:
        check("tagret + label + pionts", NAMES)
    messages = [p.message for p in info.value.problems]
    assert any("tagret" in m for m in messages) and any("pionts" in m for m in messages)
    assert any("got a text" in m for m in messages)


def test_checked_reports_type_and_names() -> None:
    checked = check("points if actual >= target else 0", NAMES)
    assert checked.names == {"points", "actual", "target"}
    assert checked.type.value == "number"


def test_expect_type() -> None:

    with pytest.raises(ExprError, match="expected a bool, got a number"):
        check("points * 2", NAMES, expect=Type.BOOL)


def test_spans_count_characters_not_bytes() -> None:
    with pytest.raises(ExprError) as info:
        check("'达成' == label and 未知", NAMES)
    problem = info.value.problems[0]
    assert "'达成' == label and 未知"[problem.start : problem.end] == "未知"


def test_multiline_offsets() -> None:
    text = "(points\n + tagret)"
    with pytest.raises(ExprError) as info:
        check(text, NAMES)
    problem = info.value.problems[0]
    assert text[problem.start : problem.end] == "tagret"
