"""Canonical print form: one spelling per tree, parenthesized only where needed.

parse(render(node)) rebuilds the same tree (spans aside); tests hold it to that. Floats
are not associative, so `a + (b + c)` keeps its parentheses.
"""

from __future__ import annotations

from jixiao.scoring.expr.ir import (
    BinOp,
    BoolOp,
    Call,
    Col,
    Compare,
    IfElse,
    In,
    Lit,
    Node,
    Not,
    Unary,
)

_PREC = {"if": 1, "or": 2, "and": 3, "not": 4, "cmp": 5, "+": 6, "-": 6, "*": 7, "/": 7}
_PREC.update({"//": 7, "%": 7, "unary": 8, "**": 9, "atom": 10})


def _prec(node: Node) -> int:
    match node:
        case IfElse():
            return 1
        case BoolOp(op=op):
            return _PREC[op]
        case Not():
            return 4
        case Compare() | In():
            return 5
        case BinOp(op=op):
            return _PREC[op]
        case Unary():
            return 8
        case Lit(value=v) if type(v) in (int, float) and v < 0:  # type: ignore[operator]
            return 8
    return 10


def _wrap(node: Node, minimum: int) -> str:
    text = render(node)
    return f"({text})" if _prec(node) < minimum else text


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def render(node: Node) -> str:
    """The canonical text of a tree."""
    match node:
        case Col(name=name):
            return name
        case Lit(value=value):
            return _literal(value)
        case Unary(op=op, operand=o):
            return op + _wrap(o, 9)
        case Not(operand=o):
            return "not " + _wrap(o, 4)
        case BinOp(op="**", left=left, right=right):
            return f"{_wrap(left, 10)} ** {render(right)}"
        case BinOp(op=op, left=left, right=right):
            p = _PREC[op]
            return f"{_wrap(left, p)} {op} {_wrap(right, p + 1)}"
        case Compare(ops=ops, operands=operands):
            parts = [_wrap(operands[0], 6)]
            for op, right in zip(ops, operands[1:], strict=True):
                parts.append(f"{op} {_wrap(right, 6)}")
            return " ".join(parts)
        case BoolOp(op=op, values=values):
            return f" {op} ".join(_wrap(v, _PREC[op] + 1) for v in values)
        case IfElse(cond=c, then=t, orelse=e):
            return f"{_wrap(t, 2)} if {_wrap(c, 2)} else {_wrap(e, 1)}"
        case In(operand=o, items=items, negated=negated):
            inner = ", ".join(render(i) for i in items) + ("," if len(items) == 1 else "")
            return f"{_wrap(o, 6)} {'not in' if negated else 'in'} ({inner})"
        case Call(func=func, args=args):
            return f"{func}({', '.join(render(a) for a in args)})"
    raise TypeError(f"no rendering for {type(node).__name__}")
