"""Hard limits on expressions, named so that docs, tests and error messages agree.

They bound the work an analyst's text can cause before anything is evaluated: a ruleset
is data, and data must not be able to exhaust memory or time.
"""

from __future__ import annotations

MAX_LENGTH = 2000
"""Characters in one expression; a longer text is rejected before it is parsed."""

MAX_NODES = 500
"""Nodes in one expression tree (names, literals, operators, calls)."""

MAX_DEPTH = 32
"""Nesting depth of the expression tree."""

MAX_INT = 10**15
"""Largest magnitude of an integer literal (a budget in fen still fits)."""

MAX_EXPONENT = 4
"""`**` takes only a whole-number literal exponent from 0 to this value."""

MAX_STRING = 200
"""Characters in one string literal (tier labels are short)."""

MAX_ROUND_DIGITS = 10
"""Largest `n` in round(x, n)."""

MAX_IN_ITEMS = 50
"""Literals after `in`."""

MAX_PLAN_SIZE = 20_000
"""Nodes of the compiled Polars plan (see size.py): bounds what nesting can multiply."""

TOL = 1e-13
"""Relative tolerance of numeric comparisons and of rounding ties (see docs/expressions.md).

a and b compare equal when |a - b| <= TOL*|a| + TOL*|b|. That absorbs the few ulps of
binary floating point error (0.8 * 123.45 = 98.76000000000001) while still separating
any two different decimals of up to 12 significant digits.
"""
