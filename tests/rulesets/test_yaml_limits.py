"""YAML resource limits (issue 8, 5a): aliases are bounded when composed, not after."""

from __future__ import annotations

import time

import pytest

from jixiao.scoring.errors import RulesetError
from jixiao.scoring.rules.yamlsource import MAX_DEPTH, MAX_NODES, parse_document


def _laughs(levels: int, width: int = 9) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_stops_at_the_alias_that_passes_the_limit_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(RulesetError) as err:
        parse_document(_laughs(10), "bomb.yaml")
    assert time.perf_counter() - started < 5
    (problem,) = err.value.problems
    # l0…l4 hold about 75,000 values once expanded, l4 alone 66,430: l5's first alias
    # brings the count to about 141,000, its second (line 6, column 15) past 200,000.
    assert (problem.line, problem.col) == (6, 15)
    assert "alias *l4" in problem.message and f"{MAX_NODES:,}" in problem.message


def test_aliases_below_the_limit_still_expand() -> None:
    doc = parse_document(_laughs(3, width=3), "ok.yaml")
    assert doc.data["l2"] == [[["lol"] * 3] * 3] * 3


def test_a_recursive_alias_is_refused_at_its_position() -> None:
    with pytest.raises(RulesetError) as err:
        parse_document("a:\n  b: &x [1, {c: *x}]\n", "rec.yaml")
    (problem,) = err.value.problems
    assert (problem.line, problem.col) == (2, 17)
    assert "refers to the value that contains it" in problem.message


@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_is_bounded(style: str) -> None:
    depth = MAX_DEPTH + 5
    if style == "flow":
        text = "x: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + f"{'  ' * depth}v\n"
    with pytest.raises(RulesetError, match=f"nested more than {MAX_DEPTH} levels"):
        parse_document(text, "deep.yaml")
