"""The error hierarchy: every problem knows where it is.

Analysts fix rulesets from the message alone, so each problem carries the file, line,
column and key path of the offending value, and a ruleset's problems are collected and
raised together rather than one per run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """`rules.quantitative[0].when` style, the way an analyst reads the YAML."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


@dataclass(frozen=True)
class Problem:
    """One finding at one place in one source file (1-based line and column)."""

    file: str
    line: int
    col: int
    message: str
    path: KeyPath = ()
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        key = format_path(self.path)
        text = f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class JixiaoError(Exception):
    """Base of every error the engine raises on purpose (the CLI turns it into exit 1)."""


class RulesetError(JixiaoError):
    """All problems found in a ruleset or catalogue, reported together."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.col))
        super().__init__(self._summary())

    def _summary(self) -> str:
        lines = [str(p) for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"… and {len(self.problems) - 50} more")
        return "\n".join(lines)


class InputError(JixiaoError):
    """An input file that cannot be used at all (unreadable, no usable sheet, missing columns)."""
