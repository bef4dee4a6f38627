"""How a rule's text becomes a checked expression, with every problem at file:line:col.

Both the check pass and the compile pass turn ruleset text into `Checked` through
`SourcedChecker`, so `validate` and `score` judge the very same expression. A rule that
the compiler rounds is wrapped *as IR* around the analyst's own parsed text, never by
pasting `round((…), p)` around it and parsing again: the text limits (length, parts,
nesting) apply to what the analyst wrote, and every position stays inside that text.
Limits on the whole (the compiled plan size) are judged on the wrapped tree, which is the
one that runs, and reported at the start of the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from jixiao.scoring.errors import KeyPath, Problem, RulesetError
from jixiao.scoring.expr import Checked, ExprError, Node, Span, Type, check, parse
from jixiao.scoring.expr.ir import Call, Lit
from jixiao.scoring.rules.load import Sources
from jixiao.scoring.rules.yamlsource import offset_position


def rounded_node(node: Node, precision: int) -> Node:
    """`round(<node>, precision)` as IR; the call spans the rule's whole text."""
    digits = Lit(precision, Span(node.span.end, node.span.end))
    return Call("round", (node, digits), node.span)


def rounded_text(text: str, precision: int) -> str:
    """The text shown for a rounded rule (display only; it is never parsed again)."""
    return f"round(({text}), {precision})"


_PLACEHOLDER = check("null", {})
"""Stands in for an expression that failed, so a compile pass can finish collecting."""


@dataclass
class SourcedChecker:
    """Checks the expressions of one file set and keeps their problems, located."""

    sources: Sources
    problems: list[Problem] = field(default_factory=list)

    def __call__(
        self,
        path: KeyPath,
        text: str,
        names: Mapping[str, Type],
        expect: Type,
        *,
        round_to: int | None = None,
        aggregate: bool = False,
    ) -> Checked:
        """The checked expression at `path`; on failure a placeholder, problems kept."""
        try:
            node = parse(text)
            if round_to is not None:
                node = rounded_node(node, round_to)
            checked = check(node, names, expect=expect, aggregate=aggregate)
        except ExprError as exc:
            self.problems += [
                self.locate(text, p.start, p.message, p.hint, path) for p in exc.problems
            ]
            return _PLACEHOLDER
        shown = text if round_to is None else rounded_text(text, round_to)
        return replace(checked, text=shown)

    def locate(
        self, text: str, offset: int, message: str, hint: str | None, path: KeyPath
    ) -> Problem:
        scalar = self.sources.scalar(path)
        if scalar is None:
            return self.sources.problem(path, message, hint=hint)
        line, col = offset_position(scalar, text, offset)
        return Problem(scalar.file, line, col, message, path, hint)

    def raise_problems(self) -> None:
        """Raise every problem collected so far (all files together), if any."""
        if self.problems:
            raise RulesetError(self.problems)
