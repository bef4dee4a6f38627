"""Text to IR: Python syntax is parsed by `ast`, then converted under a default-deny rule.

Only the node types with a handler in `_HANDLERS` become IR; everything else is a
problem at its own offset, and the offending subtree is never looked into, so an
attribute walk or a comprehension is rejected before any part of it means anything.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field

from jixiao.scoring.errors import did_you_mean
from jixiao.scoring.expr import limits
from jixiao.scoring.expr.errors import ExprError, ExprProblem
from jixiao.scoring.expr.functions import FUNCTIONS
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
    Unary,
)

_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_CMPOPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_KEYWORD_LITERALS = {"true": True, "false": False, "null": None}

_FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (.name) is not allowed",
    ast.Subscript: "subscripts ([...]) are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.JoinedStr: "f-strings are not allowed; strings are plain literals",
    ast.FormattedValue: "f-strings are not allowed; strings are plain literals",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Starred: "starred arguments (*x) are not allowed",
    ast.Dict: "dict displays are not allowed",
    ast.Set: "set displays are not allowed",
    ast.Tuple: "tuples are only allowed after `in`, as in `x in (1, 2)`",
    ast.List: "lists are only allowed after `in`, as in `x in [1, 2]`",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "slices are not allowed",
}


class _Abort(Exception):
    """Stops conversion when a size limit is hit; the problem is already recorded."""


@dataclass
class _Converter:
    text: str
    line_starts: list[int]
    pad: int = 0
    problems: list[ExprProblem] = field(default_factory=list)
    nodes: int = 0

    def span(self, node: ast.AST) -> Span:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return Span(start, end)

    def offset(self, lineno: int | None, col_bytes: int | None) -> int:
        """`ast` counts UTF-8 bytes within a line; spans count characters of the text."""
        if lineno is None or col_bytes is None:
            return 0
        start = self.line_starts[lineno - 1]
        line = self.text[start:].split("\n", 1)[0]
        chars = len(line.encode("utf-8")[:col_bytes].decode("utf-8", "replace"))
        return self.pad + start + chars

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> Lit:
        span = self.span(node)
        self.problems.append(ExprProblem(span.start, span.end, message, hint))
        return Lit(None, span)

    def convert(self, node: ast.AST, depth: int) -> Node:
        self.nodes += 1
        if self.nodes > limits.MAX_NODES:
            self.fail(node, f"expression has more than {limits.MAX_NODES} parts")
            raise _Abort
        if depth > limits.MAX_DEPTH:
            self.fail(node, f"expression is nested more than {limits.MAX_DEPTH} levels deep")
            raise _Abort
        handler = _HANDLERS.get(type(node))
        if handler is None:
            message = _FORBIDDEN.get(type(node), f"{type(node).__name__} is not allowed here")
            return self.fail(node, message)
        return handler(self, node, depth + 1)


def _constant(c: _Converter, node: ast.AST, depth: int) -> Node:
    assert isinstance(node, ast.Constant)
    value = node.value
    if value is None or isinstance(value, bool):
        return Lit(value, c.span(node))
    if isinstance(value, int):
        if abs(value) > limits.MAX_INT:
            return c.fail(node, f"integer literal is larger than {limits.MAX_INT:.0e}")
        return Lit(value, c.span(node))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return c.fail(node, "number literal is out of range")
        return Lit(value, c.span(node))
    if isinstance(value, str):
        if len(value) > limits.MAX_STRING:
            return c.fail(node, f"string literal is longer than {limits.MAX_STRING} characters")
        return Lit(value, c.span(node))
    return c.fail(node, f"{type(value).__name__} literals are not allowed")


def _name(c: _Converter, node: ast.AST, depth: int) -> Node:
    assert isinstance(node, ast.Name)
    if node.id in _KEYWORD_LITERALS:
        return Lit(_KEYWORD_LITERALS[node.id], c.span(node))
    return Col(node.id, c.span(node))


PARAMS_PREFIX = "params."
"""`params.NAME` reads a ruleset parameter by its dotted name: the one attribute form the
language has. It parses to the name `params.NAME`, which the checker resolves only where
the context declares it (flags); any other attribute access stays refused."""


def _attribute(c: _Converter, node: ast.AST, depth: int) -> Node:
    assert isinstance(node, ast.Attribute)
    value = node.value
    if isinstance(value, ast.Name) and value.id == "params" and not node.attr.startswith("_"):
        return Col(PARAMS_PREFIX + node.attr, c.span(node))
    return c.fail(node, _FORBIDDEN[ast.Attribute])


def _unary(c: _Converter, node: ast.AST, depth: int) -> Node:
    assert isinstance(node, ast.UnaryOp)
    if isinstance(node.op, ast.Not):
        return Not(c.convert(node.operand, depth), c.span(node))
    if isinstance(node.op, ast.Invert):
        return c.fail(node, "bitwise operator ~ is not allowed")
    sign = "-" if isinstance(node.op, ast.USub) else "+"
    operand = c.convert(node.operand, depth)
    number = isinstance(operand, Lit) and type(operand.value) in (int, float)
    if number and sign == "-" and isinstance(operand, Lit):
        return Lit(-operand.value, c.span(node))  # type: ignore[operator]
    return Unary(sign, operand, c.span(node))


def _binop(c: _Converter, node: ast.AST, depth: int) -> Node:
    assert isinstance(node, ast.BinOp)
    op = _BINOPS.get(type(node.op))
    if op is None:
        return c.fail(node, f"operator {_op_text(node.op)} is not allowed (no bitwise operators)")
    if op == "**" and not _small_exponent(node.right):
        return c.fail(
            node.right,
            f"the exponent of ** must be a whole-number literal 0 to {limits.MAX_EXPONENT}",
            "use sqrt(x) for roots",
        )
    left = c.convert(node.left, depth)
    return BinOp(op, left, c.convert(node.right, depth), c.span(node))


def _small_exponent(node: ast.AST) -> bool:
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return False
    return isinstance(node.value, int) and 0 <= node.value <= limits.MAX_EXPONENT


_BITWISE: dict[type[ast.AST], str] = {
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.MatMult: "@",
}


def _op_text(op: ast.AST) -> str:
    return _BITWISE.get(type(op), "?")


def _boolop(c: _Converter, node: ast.AST, depth: int) -> Node:
    assert isinstance(node, ast.BoolOp)
    op = "and" if isinstance(node.op, ast.And) else "or"
    values = tuple(c.convert(v, depth) for v in node.values)
    return BoolOp(op, values, c.span(node))


def _compare(c: _Converter, node: ast.AST, depth: int) -> Node:
    assert isinstance(node, ast.Compare)
    if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
        return _membership(c, node, depth)
    for op in node.ops:
        if isinstance(op, ast.Is | ast.IsNot):
            return c.fail(node, "`is` is not allowed", "use is_null(x) to test for null")
    ops = tuple(_CMPOPS[type(op)] for op in node.ops)
    operands = tuple(c.convert(o, depth) for o in (node.left, *node.comparators))
    return Compare(ops, operands, c.span(node))


def _membership(c: _Converter, node: ast.Compare, depth: int) -> Node:
    if len(node.ops) != 1:
        return c.fail(node, "`in` cannot be chained with other comparisons")
    right = node.comparators[0]
    if not isinstance(right, ast.Tuple | ast.List) or not right.elts:
        return c.fail(right, "`in` needs a parenthesized list of literals, as in `x in (1, 2)`")
    if len(right.elts) > limits.MAX_IN_ITEMS:
        return c.fail(right, f"more than {limits.MAX_IN_ITEMS} items after `in`")
    items = [c.convert(e, depth) for e in right.elts]
    bad = [it for it in items if not isinstance(it, Lit) or it.value is None]
    for item in bad:
        span = item.span
        c.problems.append(ExprProblem(span.start, span.end, "items after `in` must be literals"))
    operand = c.convert(node.left, depth)
    lits = tuple(it for it in items if isinstance(it, Lit))
    return In(operand, lits, isinstance(node.ops[0], ast.NotIn), c.span(node))


def _ifexp(c: _Converter, node: ast.AST, depth: int) -> Node:
    assert isinstance(node, ast.IfExp)
    cond = c.convert(node.test, depth)
    then = c.convert(node.body, depth)
    return IfElse(cond, then, c.convert(node.orelse, depth), c.span(node))


def _call(c: _Converter, node: ast.AST, depth: int) -> Node:
    assert isinstance(node, ast.Call)
    if isinstance(node.func, ast.Attribute):
        message = "attribute access (.name) is not allowed; only the listed functions can be called"
        return c.fail(node.func, message)
    if not isinstance(node.func, ast.Name):
        return c.fail(node.func, "only the listed functions can be called, by their plain name")
    spec = FUNCTIONS.get(node.func.id)
    if spec is None:
        hint = did_you_mean(node.func.id, FUNCTIONS)
        return c.fail(node.func, f"unknown function {node.func.id!r}", hint)
    args = [c.convert(a, depth) for a in node.args]
    for kw in node.keywords:
        if kw.arg is None or kw.arg not in spec.keywords:
            what = "**arguments" if kw.arg is None else f"keyword argument {kw.arg!r}"
            hint = (
                f"{spec.name} takes {', '.join(spec.keywords)} by name" if spec.keywords else None
            )
            c.fail(kw, f"{what} is not accepted by {spec.signature()}", hint)
            continue
        position = spec.params.index(kw.arg)
        if position != len(args):
            c.fail(kw, f"{kw.arg!r} must follow the {position} arguments before it")
            continue
        args.append(c.convert(kw.value, depth))
    return Call(spec.name, tuple(args), c.span(node))


_Handler = Callable[[_Converter, ast.AST, int], Node]
_HANDLERS: dict[type[ast.AST], _Handler] = {
    ast.Constant: _constant,
    ast.Name: _name,
    ast.Attribute: _attribute,
    ast.UnaryOp: _unary,
    ast.BinOp: _binop,
    ast.BoolOp: _boolop,
    ast.Compare: _compare,
    ast.IfExp: _ifexp,
    ast.Call: _call,
}


def parse(text: str) -> Node:
    """Parse one expression; raise ExprError listing every disallowed construct."""
    if len(text) > limits.MAX_LENGTH:
        problem = ExprProblem(
            limits.MAX_LENGTH,
            len(text),
            f"expression is {len(text)} characters long; the limit is {limits.MAX_LENGTH}",
        )
        raise ExprError([problem], text[:100])
    if not text.strip():
        raise ExprError([ExprProblem(0, len(text), "expression is empty")], text)
    original = text
    # YAML block scalars give multi-line expressions; Python's eval mode wants one line.
    # Replacing line breaks by spaces keeps every character offset where it was.
    text = text.replace("\r", " ").replace("\n", " ")
    _check_brackets(text)
    tree = _python_ast(text)
    stripped = text.lstrip(" \t")
    converter = _Converter(stripped, _line_starts(stripped), len(text) - len(stripped))
    try:
        node = converter.convert(tree.body, 0)
    except _Abort:
        raise ExprError(converter.problems, original) from None
    if converter.problems:
        raise ExprError(converter.problems, original)
    return node


def _check_brackets(text: str) -> None:
    """Parentheses add no IR nodes, so their depth is bounded on the tokens, before
    Python's own parser (which recurses on them) sees the text."""
    depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
                if depth > limits.MAX_DEPTH:
                    start = _line_starts(text)[tok.start[0] - 1] + tok.start[1]
                    message = f"brackets are nested more than {limits.MAX_DEPTH} levels deep"
                    raise ExprError([ExprProblem(start, start + 1, message)], text)
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
    except (tokenize.TokenError, SyntaxError, ValueError):
        return  # ast.parse reports it, with a better message


def _python_ast(text: str) -> ast.Expression:
    # Leading spaces would be an IndentationError, trailing ones are harmless.
    stripped = text.lstrip(" \t")
    pad = len(text) - len(stripped)
    try:
        return ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        start = pad + _syntax_offset(stripped, exc)
        message = f"syntax error: {exc.msg}"
        raise ExprError([ExprProblem(start, min(start + 1, len(text)), message)], text) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExprError([ExprProblem(0, len(text), f"cannot parse: {exc}")], text) from None


def _syntax_offset(text: str, exc: SyntaxError) -> int:
    line = exc.lineno or 1
    col = (exc.offset or 1) - 1
    starts = _line_starts(text)
    base = starts[min(line, len(starts)) - 1]
    return max(0, min(base + col, len(text)))


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts
