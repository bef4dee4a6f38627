"""The expression IR: small immutable nodes that carry their source span and, once
checked, their type.

Parsing, checking, printing and both evaluators are walks over these nodes; Python's
own `ast` never leaves parse.py, so nothing Python can express slips through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Type(Enum):
    """Value types of the language; NULL is the type of the `null` literal only."""

    NUMBER = "number"
    BOOL = "bool"
    TEXT = "text"
    NULL = "null"


@dataclass(frozen=True)
class Span:
    """[start, end) in characters of the expression text."""

    start: int
    end: int


@dataclass(frozen=True)
class Col:
    name: str
    span: Span
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Lit:
    value: int | float | bool | str | None
    span: Span
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "+"
    operand: Node
    span: Span
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / // % **
    left: Node
    right: Node
    span: Span
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Compare:
    """`a < b <= c`: ops[i] compares operands[i] with operands[i + 1]."""

    ops: tuple[str, ...]  # == != < <= > >=
    operands: tuple[Node, ...]
    span: Span
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" or "or"
    values: tuple[Node, ...]
    span: Span
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Not:
    operand: Node
    span: Span
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True)
class IfElse:
    """`then if cond else orelse`."""

    cond: Node
    then: Node
    orelse: Node
    span: Span
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True)
class In:
    """`operand in (lit, ...)`, or `not in` when negated."""

    operand: Node
    items: tuple[Lit, ...]
    negated: bool
    span: Span
    type: Type | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Call:
    """A registry function; keyword arguments are already bound to positions."""

    func: str
    args: tuple[Node, ...]
    span: Span
    type: Type | None = field(default=None, compare=False)


Node = Col | Lit | Unary | BinOp | Compare | BoolOp | Not | IfElse | In | Call


def children(node: Node) -> tuple[Node, ...]:
    """Direct sub-nodes, in source order."""
    match node:
        case Col() | Lit():
            return ()
        case Unary(operand=o) | Not(operand=o):
            return (o,)
        case BinOp(left=left, right=right):
            return (left, right)
        case Compare(operands=ops):
            return ops
        case BoolOp(values=vals):
            return vals
        case IfElse(cond=c, then=t, orelse=e):
            return (c, t, e)
        case In(operand=o, items=items):
            return (o, *items)
        case Call(args=args):
            return args
    raise TypeError(f"not an expression node: {node!r}")


def walk(node: Node) -> list[Node]:
    """All nodes of the tree, parents before children."""
    out = [node]
    for child in children(node):
        out.extend(walk(child))
    return out
