"""The security corpus: every named break-out attempt is rejected before anything runs."""

from __future__ import annotations

import builtins
import os
from pathlib import Path
from typing import Any

import pytest
import simpleeval
from expr_fixtures import NAMES, load

from jixiao.scoring.expr import MAX_PLAN_SIZE, ExprError, check, reference

HERE = Path(__file__).parent


CORPUS: dict[str, dict[str, Any]] = load("security_corpus.yaml")  # type: ignore[assignment]


def expression(spec: object) -> str:
    if isinstance(spec, str):
        return spec
    assert isinstance(spec, dict)
    body = spec["repeat"] * spec["times"]
    around: str = spec["around"]
    closing = ")" * spec["times"] if around.count("{}") == 2 else ""
    return around.format(body, closing) if closing else around.format(body)


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_attempt_is_rejected(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    reached: list[str] = []

    def trap(what: str) -> Any:
        def refuse(*args: object, **kwargs: object) -> None:
            reached.append(what)
            raise AssertionError(f"{what} was reached")

        return refuse

    for dangerous in ("eval", "exec", "open"):
        monkeypatch.setattr(builtins, dangerous, trap(dangerous))
    monkeypatch.setattr(os, "system", trap("os.system"))
    monkeypatch.setattr(simpleeval.SimpleEval, "eval", trap("SimpleEval.eval"))
    text = expression(CORPUS[name]["expr"])
    with pytest.raises(ExprError) as info:
        check(text, NAMES)
    monkeypatch.undo()
    problem = info.value.problems[0]
    assert CORPUS[name]["expect"].lower() in problem.message.lower(), str(info.value)
    assert 0 <= problem.start <= problem.end <= len(text)
    assert not reached, f"{name} reached {reached}"


def test_plan_size_is_bounded() -> None:
    text = "a"
    for _ in range(10):
        text = (
            f"({text} if {text[:1]} < b else b)" if len(text) < 5 else f"(a if {text} < b else b)"
        )
    with pytest.raises(ExprError, match="too complex to compile"):
        check(text, NAMES)
    assert MAX_PLAN_SIZE >= 1000


def test_reference_reaches_only_the_registry() -> None:
    """The simpleeval engine is built with our tables only: no builtins, no attributes."""
    engine = reference._engine({})
    assert set(engine.functions) == set(reference.SCALAR_FUNCTIONS) | set(reference._INTERNAL)
    import ast

    assert ast.Attribute not in engine.nodes and ast.Subscript not in engine.nodes
