"""How big the compiled Polars plan of a tree will be, before compiling it.

Some translations read an operand more than once (a tolerant comparison reads each side
twice, x ** 3 reads x three times), and Polars expands such sharing into a tree, so
nesting multiplies. The checker rejects trees whose plan would exceed MAX_PLAN_SIZE:
otherwise 30 nested comparisons could ask for 2**30 plan nodes.
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
    Type,
    Unary,
    children,
)

_READS = {"/": (1, 2), "//": (1, 2), "%": (2, 3), "+": (1, 1), "-": (1, 1), "*": (1, 1)}
_CALL_READS = {"min": 2, "max": 2, "clip": 2, "sqrt": 2, "round": 4}


def plan_size(node: Node) -> int:
    """Plan nodes the compiler emits for `node` (mirrors compile.py's translations)."""
    match node:
        case Col() | Lit():
            return 1
        case BinOp(op="**", left=left, right=Lit(value=k)):
            return 1 + max(1, int(k)) * plan_size(left)  # type: ignore[arg-type]
        case BinOp(op=op, left=left, right=right):
            lr, rr = _READS[op]
            return 1 + lr * plan_size(left) + rr * plan_size(right)
        case Compare(operands=ops):
            factor = 2 if ops[0].type == Type.NUMBER else 1
            return 1 + factor * sum(plan_size(o) for o in ops) * 2
        case In(operand=o, items=items):
            return 1 + 2 * max(1, len(items)) * plan_size(o)
        case Call(func="between", args=args):
            return 1 + 4 * sum(plan_size(a) for a in args)
        case Call(func=f, args=args):
            return 1 + _CALL_READS.get(f, 2) * sum(plan_size(a) for a in args)
        case Unary() | Not() | BoolOp() | IfElse():
            return 1 + sum(plan_size(c) for c in children(node))
    raise TypeError(f"no size for {type(node).__name__}")
