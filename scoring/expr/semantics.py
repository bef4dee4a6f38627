"""The Python half of the semantics: null-aware, tolerance-aware primitives.

Each function here has a twin in compile.py built from the same IEEE float operations
in the same order, which is why the two evaluators agree bit for bit, not just closely.
Every result that is not finite becomes None (null).
"""

from __future__ import annotations

import math

from jixiao.scoring.expr.limits import TOL

Value = float | bool | str | None

_TWO_52 = 2.0**52


def finite(x: float | None) -> float | None:
    """Null for NaN and ±inf: the language has no such numbers."""
    return x if x is None or math.isfinite(x) else None


def add(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else finite(a + b)


def sub(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else finite(a - b)


def mul(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else finite(a * b)


def div(a: float | None, b: float | None) -> float | None:
    """Division by zero is null, never an error or inf."""
    if a is None or b is None or b == 0.0:
        return None
    return finite(a / b)


def div_by_literal(a: float | None, c: float | None) -> float | None:
    """a / c for a literal c is a * (1 / c): Polars' kernel for a column over a scalar
    multiplies by the reciprocal, so both evaluators do, on one row as on many."""
    if a is None or c is None or c == 0.0:
        return None
    return finite(a * (1.0 / c))


def floordiv(a: float | None, b: float | None, literal: bool = False) -> float | None:
    q = div_by_literal(a, b) if literal else div(a, b)
    return None if q is None else float(math.floor(q))


def mod(a: float | None, b: float | None, literal: bool = False) -> float | None:
    """Sign follows the divisor, as in Python and Polars: a - b * floor(a / b)."""
    q = floordiv(a, b, literal)
    if q is None or a is None or b is None:
        return None
    return finite(a - b * q)


def power(x: float | None, k: int) -> float | None:
    """x ** k for a literal 0..4, as repeated multiplication (exact twin of the compiler)."""
    if x is None:
        return None
    result = 1.0 if k == 0 else x
    for _ in range(k - 1):
        result = result * x
    return finite(result)


def neg(x: float | None) -> float | None:
    return None if x is None else -x


def pos(x: float | None) -> float | None:
    return x


def slack(a: float, b: float) -> float:
    """How far apart a and b may be and still be equal."""
    return TOL * abs(a) + TOL * abs(b)


def eq(a: Value, b: Value) -> bool | None:
    if a is None or b is None:
        return None
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= slack(a, b)
    return a == b


def ne(a: Value, b: Value) -> bool | None:
    r = eq(a, b)
    return None if r is None else not r


def lt(a: float | None, b: float | None) -> bool | None:
    return None if a is None or b is None else a - b < -slack(a, b)


def le(a: float | None, b: float | None) -> bool | None:
    return None if a is None or b is None else a - b <= slack(a, b)


def gt(a: float | None, b: float | None) -> bool | None:
    return None if a is None or b is None else a - b > slack(a, b)


def ge(a: float | None, b: float | None) -> bool | None:
    return None if a is None or b is None else a - b >= -slack(a, b)


def kleene_and(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def kleene_or(*values: bool | None) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def kleene_not(value: bool | None) -> bool | None:
    return None if value is None else not value


def round_half_away(x: float | None, n: int = 0) -> float | None:
    """四舍五入 to n decimals, deciding ties as the decimal text would (1.005 -> 1.01).

    x * 10**n is off from the decimal value by an ulp or two, so a value within TOL of
    a tie is treated as the tie (the nudge is capped at 0.25: past 1e12 a decimal of 12
    significant digits is whole). Magnitudes of 2**52 and above are already whole.
    """
    if x is None:
        return None
    m = 10.0**n
    y = x * m if n else x
    a = abs(y)
    if a >= _TWO_52:
        return x
    f = float(math.floor((a + 0.5) + min(a * TOL, 0.25)))
    r = f * (1.0 if y > 0 else -1.0 if y < 0 else 0.0)
    return r / m if n else r
