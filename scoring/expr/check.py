"""The checker: resolve names, infer types, enforce element-wise vs aggregate use.

It returns the same tree with a type on every node, so the evaluators never guess: a
NUMBER comparison is tolerant, a TEXT one is exact, and that was decided here, once.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from jixiao.scoring.errors import did_you_mean
from jixiao.scoring.expr import limits
from jixiao.scoring.expr.errors import ExprError, ExprProblem
from jixiao.scoring.expr.functions import FUNCTIONS, Function
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
    Span,
    Type,
    Unary,
    walk,
)
from jixiao.scoring.expr.parse import parse
from jixiao.scoring.expr.size import plan_size

N, B, T, NULL = Type.NUMBER, Type.BOOL, Type.TEXT, Type.NULL


@dataclass(frozen=True)
class Checked:
    """A checked expression: typed tree, result type, the names it reads."""

    node: Node
    type: Type
    names: frozenset[str]
    aggregate: bool = False
    text: str = ""


@dataclass
class _Checker:
    names: dict[str, tuple[str, Type]]  # NFKC name -> (declared name, type)
    aggregate: bool
    problems: list[ExprProblem] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def error(self, span: Span, message: str, hint: str | None = None) -> None:
        self.problems.append(ExprProblem(span.start, span.end, message, hint))

    def check(self, node: Node, in_agg: bool = False) -> Node:
        match node:
            case Col():
                return self.col(node, in_agg)
            case Lit():
                return dataclasses.replace(node, type=_lit_type(node.value))
            case Unary() | Not():
                return self.unary(node, in_agg)
            case BinOp():
                return self.binop(node, in_agg)
            case Compare():
                return self.compare(node, in_agg)
            case BoolOp():
                values = tuple(self.want(v, B, in_agg, f"`{node.op}`") for v in node.values)
                return dataclasses.replace(node, values=values, type=B)
            case IfElse():
                return self.ifelse(node, in_agg)
            case In():
                return self.membership(node, in_agg)
            case Call():
                return self.call(node, in_agg)
        raise TypeError(f"no check for {type(node).__name__}")

    def want(self, node: Node, expected: Type, in_agg: bool, where: str) -> Node:
        out = self.check(node, in_agg)
        if out.type not in (expected, NULL, None):
            self.error(node.span, f"{where} needs a {expected.value}, got a {_tname(out.type)}")
        return settle(out, expected)

    def col(self, node: Col, in_agg: bool) -> Node:
        if node.name in FUNCTIONS:
            self.error(node.span, f"{node.name!r} is a function, not a name", "call it: name(...)")
            return node
        found = self.names.get(unicodedata.normalize("NFKC", node.name))
        if found is None:
            self.error(node.span, f"unknown name {node.name!r}", self.hint(node.name))
            return node
        if self.aggregate and not in_agg:
            self.error(
                node.span,
                f"{node.name!r} is read outside an aggregate",
                f"wrap it, e.g. sum({node.name}); values are never broadcast to a group",
            )
        self.used.add(found[0])
        return Col(found[0], node.span, found[1])

    def hint(self, name: str) -> str | None:
        hint = did_you_mean(name, [declared for declared, _ in self.names.values()])
        odd = [f"{ch!r} (U+{ord(ch):04X})" for ch in name if not ch.isascii()]
        if hint and odd:
            return f"{hint} (it contains look-alike characters {', '.join(odd)})"
        return hint

    def unary(self, node: Unary | Not, in_agg: bool) -> Node:
        if isinstance(node, Not):
            operand = self.want(node.operand, B, in_agg, "`not`")
            return dataclasses.replace(node, operand=operand, type=B)
        operand = self.want(node.operand, N, in_agg, f"unary `{node.op}`")
        return dataclasses.replace(node, operand=operand, type=N)

    def binop(self, node: BinOp, in_agg: bool) -> Node:
        where = f"`{node.op}`"
        left = self.want(node.left, N, in_agg, where)
        right = self.want(node.right, N, in_agg, where)
        return dataclasses.replace(node, left=left, right=right, type=N)

    def compare(self, node: Compare, in_agg: bool) -> Node:
        operands = tuple(self.check(o, in_agg) for o in node.operands)
        for i, op in enumerate(node.ops):
            self.compare_pair(op, operands[i], operands[i + 1])
        return dataclasses.replace(node, operands=operands, type=B)

    def compare_pair(self, op: str, left: Node, right: Node) -> None:
        lt, rt = left.type, right.type
        if lt is None or rt is None:
            return
        span = Span(left.span.start, right.span.end)
        if NULL in (lt, rt):
            self.error(span, "comparing with null is always null", "use is_null(x)")
        elif lt != rt:
            self.error(span, f"cannot compare a {lt.value} with a {rt.value} using `{op}`")
        elif op not in ("==", "!=") and lt != N:
            self.error(span, f"`{op}` compares numbers only, not {lt.value}s")

    def ifelse(self, node: IfElse, in_agg: bool) -> Node:
        cond = self.want(node.cond, B, in_agg, "the condition of `if`")
        then = self.check(node.then, in_agg)
        orelse = self.check(node.orelse, in_agg)
        result = self.unify(then, orelse, "the two branches of `if ... else`")
        if result not in (None, NULL):
            then, orelse = settle(then, result), settle(orelse, result)
        return dataclasses.replace(node, cond=cond, then=then, orelse=orelse, type=result)

    def unify(self, a: Node, b: Node, where: str) -> Type | None:
        if a.type is None or b.type is None:
            return None
        if a.type == NULL or a.type == b.type:
            return b.type
        if b.type == NULL:
            return a.type
        span = Span(min(a.span.start, b.span.start), max(a.span.end, b.span.end))
        self.error(span, f"{where} must have one type, got a {a.type.value} and a {b.type.value}")
        return None

    def membership(self, node: In, in_agg: bool) -> Node:
        operand = self.check(node.operand, in_agg)
        items = tuple(self.check(i, in_agg) for i in node.items)
        for item in items:
            if operand.type not in (None, NULL) and item.type != operand.type:
                self.error(
                    item.span, f"`in` compares a {_tname(operand.type)} with a {_tname(item.type)}"
                )
        if operand.type == NULL:
            self.error(operand.span, "null in (...) is always null", "use is_null(x)")
        lits = tuple(i for i in items if isinstance(i, Lit))
        return dataclasses.replace(node, operand=operand, items=lits, type=B)

    def call(self, node: Call, in_agg: bool) -> Node:
        spec = FUNCTIONS[node.func]
        if spec.aggregate and not self.aggregate:
            self.error(
                node.span, f"{spec.name}() is an aggregate; it is only allowed in group expressions"
            )
        if spec.aggregate and in_agg:
            self.error(node.span, f"aggregates cannot be nested ({spec.name} inside another)")
        if not _arity_ok(spec, len(node.args)):
            self.error(
                node.span,
                f"{spec.name} takes {_arity_text(spec)}, got {len(node.args)}: {spec.signature()}",
            )
            return node
        inner = in_agg or spec.aggregate
        args = tuple(self.check(a, inner) for a in node.args)
        args = tuple(settle(a, _declared(spec, i)) for i, a in enumerate(args))
        if spec.aggregate and args and not any(isinstance(n, Col) for n in walk(args[0])):
            self.error(
                node.span,
                f"{spec.name}() of a value that reads no name is the same for every row",
                "aggregate a name, or use count() for the row count",
            )
        result = self.call_type(spec, args)
        if "T" in spec.args and result not in (None, NULL):
            args = tuple(settle(a, result) for a in args)
        return dataclasses.replace(node, args=args, type=result)

    def call_type(self, spec: Function, args: tuple[Node, ...]) -> Type | None:
        shared: Type | None = NULL
        for i, arg in enumerate(args):
            kind = spec.args[i] if i < len(spec.args) else spec.rest
            where = f"argument {i + 1} of {spec.name}"
            if kind == "digits":
                self.digits(arg, spec)
            elif kind == "T" and arg.type is not None and shared is not None:
                if shared != NULL and arg.type not in (NULL, shared):
                    self.error(
                        arg.span, f"{where} is a {arg.type.value}; earlier ones are {shared.value}s"
                    )
                    shared = None
                elif arg.type != NULL:
                    shared = arg.type
            elif kind in ("number", "bool") and arg.type not in (Type(kind), NULL, None):
                self.error(arg.span, f"{where} needs a {kind}, got a {_tname(arg.type)}")
        if spec.result == "T":
            return shared
        return Type(spec.result)

    def digits(self, arg: Node, spec: Function) -> None:
        value = arg.value if isinstance(arg, Lit) else None
        if type(value) is not int or not 0 <= value <= limits.MAX_ROUND_DIGITS:
            self.error(
                arg.span,
                f"the digits of {spec.name} must be a whole-number literal "
                f"0 to {limits.MAX_ROUND_DIGITS}",
            )


def settle(node: Node, t: Type | None) -> Node:
    """Give a null literal (or an if/else of nulls) the type its context expects, so the
    compiled plan holds a typed null, not Polars' untyped one."""
    if t is None or t == NULL or node.type != NULL:
        return node
    if isinstance(node, IfElse):
        return dataclasses.replace(
            node, then=settle(node.then, t), orelse=settle(node.orelse, t), type=t
        )
    return dataclasses.replace(node, type=t) if isinstance(node, Lit) else node


def _declared(spec: Function, i: int) -> Type | None:
    kind = spec.args[i] if i < len(spec.args) else spec.rest
    return Type(kind) if kind in ("number", "bool") else None


def _arity_ok(spec: Function, n: int) -> bool:
    if n < spec.min_args:
        return False
    return spec.rest is not None or n <= len(spec.params)


def _arity_text(spec: Function) -> str:
    if spec.rest is not None:
        return f"at least {spec.min_args} arguments"
    if spec.min_args == len(spec.params):
        return f"{spec.min_args} argument{'s' if spec.min_args != 1 else ''}"
    return f"{spec.min_args} to {len(spec.params)} arguments"


def _lit_type(value: object) -> Type:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return B
    return T if isinstance(value, str) else N


def _tname(t: Type | None) -> str:
    return t.value if t is not None else "value of unknown type"


def check(
    node_or_text: Node | str,
    names: Mapping[str, Type],
    *,
    aggregate: bool = False,
    expect: Type | None = None,
) -> Checked:
    """Check an expression against the declared names; raise ExprError with every problem.

    With aggregate=True the expression describes one value per group: aggregate
    functions are allowed and every name must be read inside one.
    """
    text = node_or_text if isinstance(node_or_text, str) else ""
    node = parse(node_or_text) if isinstance(node_or_text, str) else node_or_text
    table = {unicodedata.normalize("NFKC", k): (k, v) for k, v in names.items()}
    checker = _Checker(table, aggregate)
    typed = checker.check(node)
    if expect is not None and typed.type not in (expect, NULL, None):
        checker.error(node.span, f"expected a {expect.value}, got a {_tname(typed.type)}")
    if not checker.problems and plan_size(typed) > limits.MAX_PLAN_SIZE:
        checker.error(
            node.span,
            "expression is too complex to compile (comparisons or powers nested in each other)",
            "split it into named intermediate values",
        )
    if checker.problems or typed.type is None:
        raise ExprError(checker.problems, text)
    used = frozenset(checker.used)
    return Checked(typed, typed.type, used, aggregate, text)


def aggregate_calls(node: Node) -> list[Call]:
    """The aggregate calls of a checked group expression, outermost only (no nesting)."""
    return [n for n in walk(node) if isinstance(n, Call) and FUNCTIONS[n.func].aggregate]
