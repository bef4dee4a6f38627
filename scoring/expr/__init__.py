"""The safe expression language: parse, check, evaluate (reference) and compile to Polars.

See docs/expressions.md for the grammar and the semantics both evaluators share.
"""

from __future__ import annotations

from jixiao.scoring.expr.check import Checked, check
from jixiao.scoring.expr.compile import to_polars
from jixiao.scoring.expr.errors import ExprError, ExprProblem
from jixiao.scoring.expr.functions import FUNCTIONS, Function
from jixiao.scoring.expr.ir import Node, Span, Type
from jixiao.scoring.expr.limits import (
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
from jixiao.scoring.expr.parse import parse
from jixiao.scoring.expr.reference import evaluate, evaluate_aggregate
from jixiao.scoring.expr.render import render

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
