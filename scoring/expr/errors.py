"""Problems found in one expression, located by character offsets into its text.

The ruleset loader knows where the expression sits in the YAML file and maps these
offsets to file:line:column; this package deals in offsets only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jixiao.scoring.errors import JixiaoError


@dataclass(frozen=True)
class ExprProblem:
    """One finding at [start, end) of the expression text (0-based character offsets)."""

    start: int
    end: int
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.start}-{self.end}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class ExprError(JixiaoError):
    """Every problem found in one expression, reported together."""

    def __init__(self, problems: Sequence[ExprProblem], text: str = "") -> None:
        self.problems = sorted(problems, key=lambda p: (p.start, p.end))
        self.text = text
        super().__init__(self._summary())

    def _summary(self) -> str:
        lines = [str(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"… and {len(self.problems) - 20} more")
        return "\n".join(lines)
