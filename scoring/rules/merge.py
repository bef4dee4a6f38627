"""`extends`: merging a ruleset over the one it extends, including removing keys.

Mappings merge key by key; anything else is replaced whole. A child removes a key of
the parent's mapping by writing it as `null` (`weights: {satisfaction: null}`) or by
listing its dotted path under `unset:` (`unset: [weights.satisfaction]`); a variant
that drops a category needs it, and `validate --show` lists every removal with the
value it had and where that value was set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jixiao.scoring.errors import KeyPath, Problem, format_path
from jixiao.scoring.rules.yamlsource import Document

UNSET = "unset"
"""The key of the explicit removal list."""


@dataclass(frozen=True)
class Removal:
    """One key a child removed from what it extends."""

    path: KeyPath
    value: Any
    origin: str
    """file:line:col where the removed value was set."""
    at: Problem
    """Where the removal was written (its position; message unused)."""

    def comment(self) -> str:
        where = f"{self.at.file}:{self.at.line}:{self.at.col}"
        return f"# removed: {format_path(self.path)} (was {_short(self.value)}, from {self.origin}) at {where}"


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass
class _Merger:
    """Merges one child document over the data of its parents (most general first)."""

    child: Document
    parents: list[Document]
    removals: list[Removal] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def origin(self, path: KeyPath) -> str:
        for doc in self.parents:
            if path in doc.positions:
                line, col = doc.positions[path]
                return f"{doc.file}:{line}:{col}"
        return "?"

    def merge(self, parent: Any, child: Any, path: KeyPath) -> Any:
        if not (isinstance(parent, dict) and isinstance(child, dict)):
            return child
        out = dict(parent)
        for key, value in child.items():
            sub = (*path, str(key))
            if path == () and key == UNSET:
                continue
            if value is None:
                self.remove(out, sub, self.child.problem(sub, "", key=True))
            elif key in parent:
                out[key] = self.merge(parent[key], value, sub)
            else:
                out[key] = value
        return out

    def remove(self, data: dict[str, Any], path: KeyPath, at: Problem) -> None:
        key = path[-1]
        if key not in data:
            msg = f"cannot remove {format_path(path)}: {self.parents[0].file} does not set it"
            self.problems.append(Problem(at.file, at.line, at.col, msg, path))
            return
        self.removals.append(Removal(path, data.pop(key), self.origin(path), at))

    def unset(self, data: dict[str, Any]) -> None:
        """The explicit `unset:` list: dotted key paths removed after merging."""
        listed = self.child.data.get(UNSET, [])
        if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
            self.problems.append(
                self.child.problem((UNSET,), "unset must be a list of dotted key paths")
            )
            return
        for i, dotted in enumerate(listed):
            at = self.child.problem((UNSET, i), "")
            path: KeyPath = tuple(dotted.split("."))
            target: Any = data
            for part in path[:-1]:
                target = target.get(part) if isinstance(target, dict) else None
            if not isinstance(target, dict):
                msg = (
                    f"cannot remove {dotted}: {format_path(path[:-1])} is not a mapping that is set"
                )
                self.problems.append(Problem(at.file, at.line, at.col, msg, (UNSET, i)))
                continue
            self.remove(target, path, at)


def merge_chain(docs: list[Document]) -> tuple[dict[str, Any], list[Removal], list[Problem]]:
    """Merge documents, most specific first, into one mapping; removals applied.

    The most general document is taken as written (a `null` there is a value); each
    document that extends another may remove keys of what it extends.
    """
    base = docs[-1]
    problems: list[Problem] = []
    if UNSET in base.data:
        problems.append(base.problem((UNSET,), "unset needs `extends`: nothing to remove from"))
    data: dict[str, Any] = {k: v for k, v in base.data.items() if k != UNSET}
    removals: list[Removal] = []
    for i in range(len(docs) - 2, -1, -1):
        merger = _Merger(docs[i], docs[i + 1 :])
        data = merger.merge(data, docs[i].data, ())
        merger.unset(data)
        removals += merger.removals
        problems += merger.problems
    return data, removals, problems
