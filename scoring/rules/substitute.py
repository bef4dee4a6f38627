"""One checked rule applied to another value: names replaced inside the checked tree.

`achieved` must judge the actual as read (before `negative_actual_as_zero`), and each
reading of a fraction actual (`0.96` as 96% or as 0.96%) must be judged by the row's own
`achieved` rule. Replacing the column inside the typed tree gives both evaluators the very
same expression, with nothing re-parsed and every position kept.
"""

from __future__ import annotations

import dataclasses
from typing import cast

from jixiao.scoring.expr import Checked, Node, Type, check
from jixiao.scoring.expr.ir import Col


def _substitute(node: Node, by: dict[str, Node]) -> Node:
    """`node` with every column named in `by` replaced by that (typed) node."""
    if isinstance(node, Col):
        return by.get(node.name, node)
    changes: dict[str, object] = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple):
            changes[f.name] = tuple(
                _substitute(cast(Node, v), by) if dataclasses.is_dataclass(v) else v for v in value
            )
        elif f.name not in ("span", "type") and dataclasses.is_dataclass(value):
            changes[f.name] = _substitute(value, by)  # type: ignore[arg-type]
    return dataclasses.replace(node, **changes)  # type: ignore[arg-type]


def substitute(checked: Checked, by: dict[str, Checked]) -> Checked:
    """`checked` with each name of `by` replaced by that checked expression (same type)."""
    node = _substitute(checked.node, {k: v.node for k, v in by.items()})
    used = {k for k in by if k in checked.names}
    names = (checked.names - used) | {n for k in used for n in by[k].names}
    return dataclasses.replace(checked, node=node, names=frozenset(names))


def rebind(checked: Checked, name: str, to: str, kind: Type = Type.NUMBER) -> Checked:
    """`checked` reading column `to` wherever it read `name`."""
    return substitute(checked, {name: check(to, {to: kind}, expect=kind)})
