"""Every security-corpus expression, placed in a ruleset, fails `validate` at the exact
line and column of the offending character inside the YAML (issue B acceptance)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jixiao.scoring.expr import ExprError, check
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.validate import validate

CORPUS_FILE = Path(__file__).resolve().parents[1] / "expr" / "security_corpus.yaml"
CORPUS: dict[str, dict[str, Any]] = yaml.safe_load(CORPUS_FILE.read_text("utf-8"))


def corpus_text(spec: Any) -> str:
    """The corpus writes long attempts as {repeat, times, around}; see its header."""
    if isinstance(spec, str):
        return spec
    body = spec["repeat"] * spec["times"]
    if spec["around"].count("{}") == 2:
        return str(spec["around"].format(body, ")" * spec["times"]))
    return str(spec["around"].format(body))


HEADER = "extends: project-self-eval\nid: attempt\nrules:\n  quantitative:\n    higher: |-\n"
EXPR_LINE = HEADER.count("\n") + 1
INDENT = 6


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_validate_rejects_corpus_expression_at_its_position(name: str, tmp_path: Path) -> None:
    text = corpus_text(CORPUS[name]["expr"])
    with pytest.raises(ExprError) as info:
        check(text, contexts.QUANT_NAMES)
    expected = {(EXPR_LINE, INDENT + p.start + 1) for p in info.value.problems}
    if "\x00" in text:  # YAML itself cannot carry a NUL: refused by the YAML reader, there
        expected = {(EXPR_LINE, INDENT + text.index("\x00") + 1)}
    path = tmp_path / "attempt.yaml"
    path.write_text(HEADER + " " * INDENT + text + "\n", "utf-8")
    (outcome,) = validate([str(path)])
    assert not outcome.ok
    got = {(p.line, p.col) for p in outcome.problems}
    assert got == expected, [str(p) for p in outcome.problems][:3]
    assert all(
        p.path == ("rules", "quantitative", "higher") or "not valid YAML" in p.message
        for p in outcome.problems
    )
