"""The reference evaluator: simpleeval evaluates the checked IR, one row at a time.

The IR is turned into a Python `ast` tree built from a handful of node types, and
simpleeval walks it with *our* operator and function tables only: no attribute access,
no builtins, nothing but the null-aware primitives of semantics.py. It is slow and
obviously right; it defines what the compiled Polars plan must compute.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from simpleeval import SimpleEval

from jixiao.scoring.expr import semantics as s
from jixiao.scoring.expr.check import Checked, aggregate_calls
from jixiao.scoring.expr.errors import ExprError, ExprProblem
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
    walk,
)

Value = s.Value

_BIN: dict[str, tuple[type[ast.operator], Callable[..., Any]]] = {
    "+": (ast.Add, s.add),
    "-": (ast.Sub, s.sub),
    "*": (ast.Mult, s.mul),
    "/": (ast.Div, s.div),
    "//": (ast.FloorDiv, s.floordiv),
    "%": (ast.Mod, s.mod),
}
_CMP: dict[str, tuple[type[ast.cmpop], Callable[..., Any]]] = {
    "==": (ast.Eq, s.eq),
    "!=": (ast.NotEq, s.ne),
    "<": (ast.Lt, s.lt),
    "<=": (ast.LtE, s.le),
    ">": (ast.Gt, s.gt),
    ">=": (ast.GtE, s.ge),
}
OPERATORS: dict[type[ast.AST], Callable[..., Any]] = {
    **{k: f for k, f in _BIN.values()},
    **{k: f for k, f in _CMP.values()},
    ast.USub: s.neg,
    ast.UAdd: s.pos,
    ast.Not: s.kleene_not,
}


def _nullable(f: Callable[..., Value]) -> Callable[..., Value]:
    """Null in any argument gives null: the rule for every plain function."""

    def wrapped(*args: Value) -> Value:
        return None if any(a is None for a in args) else f(*args)

    return wrapped


def _sqrt(x: float) -> float | None:
    return None if x < 0 else math.sqrt(x)


def _safe_div(a: float | None, b: float | None, default: float | None = None) -> float | None:
    q = s.div(a, b)
    return default if q is None else q


def _safe_div_lit(a: float | None, b: float | None, default: float | None = None) -> float | None:
    q = s.div_by_literal(a, b)
    return default if q is None else q


def _in(x: Value, *items: Value) -> bool | None:
    return s.kleene_or(*(s.eq(x, i) for i in items))


def _coalesce(*args: Value) -> Value:
    return next((a for a in args if a is not None), None)


SCALAR_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": _nullable(min),
    "max": _nullable(max),
    "abs": _nullable(abs),
    "round": lambda x, n=0: s.round_half_away(x, n),
    "floor": _nullable(lambda x: float(math.floor(x))),
    "ceil": _nullable(lambda x: float(math.ceil(x))),
    "sqrt": _nullable(_sqrt),
    "clip": _nullable(lambda x, lo, hi: min(max(x, lo), hi)),
    "coalesce": _coalesce,
    "is_null": lambda x: x is None,
    "if_null": _coalesce,
    "between": lambda x, lo, hi: s.kleene_and(s.le(lo, x), s.le(x, hi)),
    "safe_div": _safe_div,
}
_INTERNAL: dict[str, Callable[..., Any]] = {
    "\x00and": s.kleene_and,
    "\x00or": s.kleene_or,
    "\x00in": _in,
    "\x00pow": s.power,
    "\x00/lit": s.div_by_literal,
    "\x00//lit": lambda a, c: s.floordiv(a, c, literal=True),
    "\x00%lit": lambda a, c: s.mod(a, c, literal=True),
    "\x00safe_div_lit": _safe_div_lit,
}


def _fsum(values: list[Value]) -> float | None:
    return s.finite(math.fsum(v for v in values if isinstance(v, float)))


def _mean(values: list[Value]) -> float | None:
    nums = [v for v in values if isinstance(v, float)]
    return s.finite(math.fsum(nums) / len(nums)) if nums else None


def _extreme(pick: Callable[[list[float]], float]) -> Callable[[list[Value]], Value]:
    def fold(values: list[Value]) -> Value:
        nums = [v for v in values if isinstance(v, float)]
        return pick(nums) if nums else None

    return fold


AGGREGATES: dict[str, Callable[[list[Value]], Value]] = {
    "sum": _fsum,
    "mean": _mean,
    "minimum": _extreme(min),
    "maximum": _extreme(max),
    "count": lambda vs: float(sum(v is not None for v in vs)),
    "any": lambda vs: any(v is True for v in vs),
    "all": lambda vs: not any(v is False for v in vs),
}


def _call(name: str, args: list[ast.expr]) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=args, keywords=[])


def build(node: Node, slots: Mapping[int, str] | None = None) -> ast.expr:
    """The simpleeval tree of one IR node; `slots` names precomputed aggregate values."""
    if slots and id(node) in slots:
        return ast.Name(id=slots[id(node)], ctx=ast.Load())

    def b(child: Node) -> ast.expr:
        return build(child, slots)

    match node:
        case Col(name=name):
            return ast.Name(id=name, ctx=ast.Load())
        case Lit(value=v):
            return ast.Constant(float(v) if type(v) is int else v)
        case Unary(op=op, operand=o):
            return ast.UnaryOp(op=ast.USub() if op == "-" else ast.UAdd(), operand=b(o))
        case Not(operand=o):
            return ast.UnaryOp(op=ast.Not(), operand=b(o))
        case BinOp(op="**", left=left, right=Lit(value=k)):
            return _call("\x00pow", [b(left), ast.Constant(k)])
        case BinOp(op="/" | "//" | "%", left=left, right=Lit() as right):
            return _call(f"\x00{node.op}lit", [b(left), b(right)])
        case BinOp(op=op, left=left, right=right):
            return ast.BinOp(left=b(left), op=_BIN[op][0](), right=b(right))
        case Compare(ops=ops, operands=operands):
            pairs: list[ast.expr] = [
                ast.Compare(
                    left=b(operands[i]), ops=[_CMP[op][0]()], comparators=[b(operands[i + 1])]
                )
                for i, op in enumerate(ops)
            ]
            return pairs[0] if len(pairs) == 1 else _call("\x00and", pairs)
        case BoolOp(op=op, values=values):
            return _call("\x00" + op, [b(v) for v in values])
        case IfElse(cond=c, then=t, orelse=e):
            return ast.IfExp(test=b(c), body=b(t), orelse=b(e))
        case In(operand=o, items=items, negated=negated):
            test = _call("\x00in", [b(o), *(b(i) for i in items)])
            return ast.UnaryOp(op=ast.Not(), operand=test) if negated else test
        case Call(func="safe_div", args=args) if isinstance(args[1], Lit):
            return _call("\x00safe_div_lit", [b(a) for a in args])
        case Call(func=func, args=args):
            return _call(func, [b(a) for a in args])
    raise TypeError(f"no reference translation for {type(node).__name__}")


def _engine(names: dict[str, Value]) -> SimpleEval:
    engine = SimpleEval(
        operators=OPERATORS, functions={**SCALAR_FUNCTIONS, **_INTERNAL}, names=names
    )
    allowed = (
        ast.Expr,
        ast.Constant,
        ast.Name,
        ast.UnaryOp,
        ast.BinOp,
        ast.Compare,
        ast.IfExp,
        ast.Call,
    )
    engine.nodes = {k: v for k, v in engine.nodes.items() if k in allowed}
    return engine


def _run(tree: ast.expr, names: dict[str, Value]) -> Value:
    result: Value = _engine(names).eval("", previously_parsed=ast.Expr(value=tree))
    return s.finite(result) if isinstance(result, float) else result


def _row_values(checked: Checked, row: Mapping[str, object]) -> dict[str, Value]:
    cols = {n.name: n for n in walk(checked.node) if isinstance(n, Col)}
    return {name: _coerce(row, col) for name, col in cols.items()}


def _coerce(row: Mapping[str, object], col: Col) -> Value:
    if col.name not in row:
        raise ExprError(
            [ExprProblem(col.span.start, col.span.end, f"row has no value for {col.name!r}")]
        )
    value = row[col.name]
    ok = {
        Type.NUMBER: isinstance(value, int | float) and not isinstance(value, bool),
        Type.BOOL: isinstance(value, bool),
        Type.TEXT: isinstance(value, str),
    }
    if value is None:
        return None
    if not ok.get(col.type or Type.NULL, False):
        message = (
            f"row value {value!r} for {col.name!r} is not a {col.type.value if col.type else '?'}"
        )
        raise ExprError([ExprProblem(col.span.start, col.span.end, message)])
    if col.type == Type.NUMBER:
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            message = f"row value {value!r} for {col.name!r} is not finite; readers give null"
            raise ExprError([ExprProblem(col.span.start, col.span.end, message)])
        return number
    return value  # type: ignore[return-value]


def evaluate(checked: Checked, row: Mapping[str, object]) -> Value:
    """The value of an element-wise expression on one row of Python values."""
    if checked.aggregate:
        raise TypeError("a group expression needs evaluate_aggregate(checked, rows)")
    return _run(build(checked.node), _row_values(checked, row))


def evaluate_aggregate(checked: Checked, rows: Sequence[Mapping[str, object]]) -> Value:
    """The value of a group expression over the rows of one group."""
    slots: dict[int, str] = {}
    names: dict[str, Value] = {}
    for i, call in enumerate(aggregate_calls(checked.node)):
        slot = f"\x00agg{i}"
        slots[id(call)] = slot
        names[slot] = _aggregate(checked, call, rows)
    return _run(build(checked.node, slots), names)


def _aggregate(checked: Checked, call: Call, rows: Sequence[Mapping[str, object]]) -> Value:
    if not call.args:
        return float(len(rows))
    tree = build(call.args[0])
    sub = Checked(call.args[0], call.args[0].type or Type.NULL, checked.names)
    values = [_run(tree, _row_values(sub, row)) for row in rows]
    return AGGREGATES[call.func](values)
