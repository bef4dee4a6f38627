"""The safe expression language: parse, check, evaluate (reference) and compile to Polars.

See docs/expressions.md for the grammar and the semantics both evaluators share.
"""

from __future__ import annotations

from scoring.expr.check import Checked, check
from scoring.expr.compile import to_polars
from scoring.expr.errors import ExprError, ExprProblem
from scoring.expr.functions import FUNCTIONS, Function
from scoring.expr.ir import Node, Span, Type
from scoring.expr.limits import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_IN_ITEMS,
    MAX_INT,
    MAX_LENGTH,
    MAX_NODES,
    MAX_PLAN_SIZE,
    MAX_ROUND_DIGITS,
    MAX_STRING,
    TOL,
)
from scoring.expr.parse import parse
from scoring.expr.reference import evaluate, evaluate_aggregate
from scoring.expr.render import render

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_INT",
    "MAX_IN_ITEMS",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_PLAN_SIZE",
    "MAX_ROUND_DIGITS",
    "MAX_STRING",
    "TOL",
    "Checked",
    "ExprError",
    "ExprProblem",
    "Function",
    "Node",
    "Span",
    "Type",
    "check",
    "evaluate",
    "evaluate_aggregate",
    "parse",
    "render",
    "to_polars",
]
