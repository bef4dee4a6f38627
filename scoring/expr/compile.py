"""IR to `pl.Expr`: one translation per node type, operator families in tables.

Everything is native Polars (no Python UDFs). The twin of each primitive in
semantics.py uses the same float operations in the same order.

Non-finite values: + - * and unary minus turn a non-finite operand into a non-finite
result, exactly as they turn null into null, so the plan lets ±inf/NaN flow through
them and nulls it where a value is *observed*: comparison operands, divisors, function
arguments, aggregates and the final result. That is observably the same as nulling
after every operation (the reference does that) but costs one check instead of many.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import singledispatch

import polars as pl

from jixiao.scoring.expr.check import Checked
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
)
from jixiao.scoring.expr.limits import TOL

_TWO_52 = 2.0**52


_GROUPED: ContextVar[bool] = ContextVar("grouped", default=False)
"""Set while compiling a group expression (see `_null_nonfinite`)."""


def to_polars(checked: Checked) -> pl.Expr:
    """The Polars expression computing `checked` over a frame (or a group, if aggregate)."""
    token = _GROUPED.set(checked.aggregate)
    try:
        return observed(checked.node)
    finally:
        _GROUPED.reset(token)


@singledispatch
def translate(node: Node) -> pl.Expr:
    raise NotImplementedError(f"no translation for {type(node).__name__}")


def observed(node: Node) -> pl.Expr:
    """The node's value with NaN/±inf turned into null, unless it cannot be non-finite."""
    expr = translate(node)
    if node.type != Type.NUMBER or _finite(node):
        return expr
    return _null_nonfinite(expr)


def _null_nonfinite(expr: pl.Expr) -> pl.Expr:
    """NaN/±inf to null, reading `expr` once (a when/then would read it twice, and
    nested reads multiply the plan). Inside `group_by().agg()` Polars turns `replace` of a
    group's value into a list, so group expressions (small by nature) use when/then."""
    if _GROUPED.get():
        return pl.when(expr.is_finite()).then(expr)
    return expr.replace(_NON_FINITE, None)


_NON_FINITE = [float("inf"), float("-inf"), float("nan")]


def _finite(node: Node) -> bool:
    """True when the value is provably finite or null (inputs are finite by contract)."""
    match node:
        case Col() | Lit():
            return True
        case Unary(operand=o):
            return _finite(o)
        case IfElse(then=t, orelse=e):
            return _finite(t) and _finite(e)
        case Call(func="count"):
            return True
        case Call(func=f, args=args) if f in _FINITE_IF_ARGS:
            return all(_finite(a) for a in args)
    return False


_FINITE_IF_ARGS = {
    "min",
    "max",
    "minimum",
    "maximum",
    "abs",
    "round",
    "floor",
    "ceil",
    "clip",
    "coalesce",
    "if_null",
}


_DTYPES = {Type.NUMBER: pl.Float64, Type.BOOL: pl.Boolean, Type.TEXT: pl.String}


def _lit(value: object, t: Type | None = None) -> pl.Expr:
    if value is None:
        return pl.lit(None, dtype=_DTYPES[t]) if t in _DTYPES else pl.lit(None)
    if isinstance(value, bool | str):
        return pl.lit(value)
    return pl.lit(float(value), dtype=pl.Float64)  # type: ignore[arg-type]


@translate.register
def _(node: Col) -> pl.Expr:
    col = pl.col(node.name)
    return col.cast(pl.Float64) if node.type == Type.NUMBER else col


@translate.register
def _(node: Lit) -> pl.Expr:
    return _lit(node.value, node.type)


@translate.register
def _(node: Unary) -> pl.Expr:
    operand = translate(node.operand)
    return -operand if node.op == "-" else operand


@translate.register
def _(node: Not) -> pl.Expr:
    return ~translate(node.operand)


def _nonzero(b: Node) -> pl.Expr:
    return observed(b) != 0.0


def quotient(left: pl.Expr, b: Node) -> pl.Expr:
    """left / b, null when b is 0. A literal divisor is applied as * (1 / c), which is what
    Polars' column-by-scalar kernel does anyway; spelling it out keeps a 1-row frame
    (which takes another path) identical, and the reference does the same."""
    if isinstance(b, Lit):
        if b.value is None or float(b.value) == 0.0:  # type: ignore[arg-type]
            return pl.lit(None, dtype=pl.Float64)
        return left * pl.lit(1.0 / float(b.value), dtype=pl.Float64)  # type: ignore[arg-type]
    # A divisor that turns out constant at run time (coalesce over an all-null column,
    # or a plain column Polars holds as one scalar, as after a join that gave every row
    # the same target) would hit the reciprocal kernel: 4.95 / 5 → 0.9900000000000001.
    # Spreading it over the rows (left * 0 is 0, or null/NaN exactly when the quotient
    # is) keeps it exact.
    divisor = observed(b) + left * 0.0
    return pl.when(_nonzero(b)).then(left / divisor)


def _div(a: Node, b: Node) -> pl.Expr:
    return quotient(translate(a), b)


def _floordiv(a: Node, b: Node) -> pl.Expr:
    return quotient(observed(a), b).floor()


def _mod(a: Node, b: Node) -> pl.Expr:
    left = observed(a)
    q = _null_nonfinite(quotient(left, b)).floor()
    return left - observed(b) * q


def _pow(a: Node, b: Node) -> pl.Expr:
    assert isinstance(b, Lit) and type(b.value) is int
    if b.value == 0:
        return pl.when(observed(a).is_not_null()).then(pl.lit(1.0, dtype=pl.Float64))
    base = translate(a)
    result = base
    for _ in range(b.value - 1):
        result = result * base
    return result


_ARITH: dict[str, Callable[[Node, Node], pl.Expr]] = {
    "+": lambda a, b: translate(a) + translate(b),
    "-": lambda a, b: translate(a) - translate(b),
    "*": lambda a, b: translate(a) * translate(b),
    "/": _div,
    "//": _floordiv,
    "%": _mod,
    "**": _pow,
}


@translate.register
def _(node: BinOp) -> pl.Expr:
    return _ARITH[node.op](node.left, node.right)


def _slack(a: Node, b: Node, ea: pl.Expr, eb: pl.Expr) -> pl.Expr:
    """TOL*|a| + TOL*|b|, with the literal half computed here, by the same float ops."""
    if isinstance(b, Lit) and b.value is not None:
        return TOL * ea.abs() + TOL * abs(float(b.value))  # type: ignore[arg-type]
    if isinstance(a, Lit) and a.value is not None:
        return pl.lit(TOL * abs(float(a.value))) + TOL * eb.abs()  # type: ignore[arg-type]
    return TOL * ea.abs() + TOL * eb.abs()


_TOLERANT: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "==": lambda d, s: d.abs() <= s,
    "!=": lambda d, s: d.abs() > s,
    "<": lambda d, s: d < -s,
    "<=": lambda d, s: d <= s,
    ">": lambda d, s: d > s,
    ">=": lambda d, s: d >= -s,
}
_EXACT: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def compare(op: str, a: Node, b: Node) -> pl.Expr:
    """One comparison; numbers within TOL of each other are equal. Only numbers are
    ordered, so an ordering with a null-typed operand (`x <= null`) is null, as in the
    reference evaluator."""
    if a.type != Type.NUMBER or b.type != Type.NUMBER:
        if op not in _EXACT:
            return pl.lit(None, pl.Boolean)
        return _EXACT[op](translate(a), translate(b))
    ea, eb = observed(a), observed(b)
    return _TOLERANT[op](ea - eb, _slack(a, b, ea, eb))


@translate.register
def _(node: Compare) -> pl.Expr:
    pairs = [compare(op, node.operands[i], node.operands[i + 1]) for i, op in enumerate(node.ops)]
    return pl.all_horizontal(pairs) if len(pairs) > 1 else pairs[0]


@translate.register
def _(node: BoolOp) -> pl.Expr:
    values = [translate(v) for v in node.values]
    result = values[0]
    for v in values[1:]:
        result = result & v if node.op == "and" else result | v
    return result


@translate.register
def _(node: IfElse) -> pl.Expr:
    return (
        pl.when(translate(node.cond)).then(translate(node.then)).otherwise(translate(node.orelse))
    )


@translate.register
def _(node: In) -> pl.Expr:
    if node.operand.type == Type.NUMBER:
        tests = [compare("==", node.operand, item) for item in node.items]
        result = tests[0]
        for t in tests[1:]:
            result = result | t
    else:
        operand = translate(node.operand)
        values = [item.value for item in node.items]
        result = pl.when(operand.is_not_null()).then(operand.is_in(values))
    return ~result if node.negated else result


def _null_if_any_null(args: list[pl.Expr], nodes: tuple[Node, ...], value: pl.Expr) -> pl.Expr:
    nullable = [
        e.is_null()
        for e, n in zip(args, nodes, strict=True)
        if not isinstance(n, Lit) or n.value is None
    ]
    if not nullable:
        return value
    return pl.when(pl.any_horizontal(nullable)).then(None).otherwise(value)


def _minmax(fold: Callable[..., pl.Expr]) -> Callable[[Call], pl.Expr]:
    def translate_call(node: Call) -> pl.Expr:
        args = [observed(a) for a in node.args]
        return _null_if_any_null(args, node.args, fold(args))

    return translate_call


def _clip(node: Call) -> pl.Expr:
    args = [observed(a) for a in node.args]
    value = pl.min_horizontal(pl.max_horizontal(args[0], args[1]), args[2])
    return _null_if_any_null(args, node.args, value)


def _round(node: Call) -> pl.Expr:
    x = translate(node.args[0])
    n = node.args[1].value if len(node.args) > 1 else 0  # type: ignore[union-attr]
    m = 10.0 ** int(n)  # type: ignore[arg-type]
    y = x * m if n else x
    a = y.abs()
    r = ((a + 0.5) + (a * TOL).clip(upper_bound=0.25)).floor() * y.sign()
    # A literal divisor would be applied as * (1 / m), which is not correctly rounded
    # (59 * 0.001 = 0.059000000000000004); x * 0 + m is a column, divided exactly.
    divisor = x * 0.0 + m
    return pl.when(a >= _TWO_52).then(x).otherwise(r / divisor if n else r)


def _safe_div(node: Call) -> pl.Expr:
    a, b = node.args[0], node.args[1]
    q = _null_nonfinite(quotient(observed(a), b))
    return pl.coalesce(q, observed(node.args[2])) if len(node.args) > 2 else q


def _between(node: Call) -> pl.Expr:
    x, lo, hi = node.args
    return compare("<=", lo, x) & compare("<=", x, hi)


def _sqrt(node: Call) -> pl.Expr:
    x = translate(node.args[0])
    return pl.when(x >= 0.0).then(x.sqrt())


def _per_row(node: Node) -> pl.Expr:
    """An aggregate's argument, one value per row even when Polars folds it to a literal.

    `safe_div(a, 0, default=0)` folds to the scalar 0; aggregated as is, it would count
    once instead of once per row. The row-length mask keeps the reference's semantics.
    A plain column cannot fold and is aggregated as is (the mask would also change
    Polars' summation order, and with it the last bit of a sum).
    """
    if isinstance(node, Col):
        return observed(node)
    return pl.when(pl.int_range(pl.len()) >= 0).then(observed(node))


def _agg(method: Callable[[pl.Expr], pl.Expr]) -> Callable[[Call], pl.Expr]:
    return lambda node: method(_per_row(node.args[0]))


def _count(node: Call) -> pl.Expr:
    if not node.args:
        return pl.len().cast(pl.Float64)
    return _per_row(node.args[0]).count().cast(pl.Float64)


FUNCTIONS: dict[str, Callable[[Call], pl.Expr]] = {
    "min": _minmax(pl.min_horizontal),
    "max": _minmax(pl.max_horizontal),
    "abs": lambda n: translate(n.args[0]).abs(),
    "round": _round,
    "floor": lambda n: translate(n.args[0]).floor(),
    "ceil": lambda n: translate(n.args[0]).ceil(),
    "sqrt": _sqrt,
    "clip": _clip,
    "coalesce": lambda n: pl.coalesce([observed(a) for a in n.args]),
    "is_null": lambda n: observed(n.args[0]).is_null(),
    "if_null": lambda n: pl.coalesce([observed(a) for a in n.args]),
    "between": _between,
    "safe_div": _safe_div,
    "sum": _agg(pl.Expr.sum),
    "mean": _agg(pl.Expr.mean),
    "minimum": _agg(pl.Expr.min),
    "maximum": _agg(pl.Expr.max),
    "count": _count,
    "any": _agg(pl.Expr.any),
    "all": _agg(pl.Expr.all),
}


@translate.register
def _(node: Call) -> pl.Expr:
    handler = FUNCTIONS.get(node.func)
    if handler is None:
        raise NotImplementedError(f"no translation for function {node.func!r}")
    return handler(node)
