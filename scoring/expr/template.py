"""Message templates: `{name}` / `{name:spec}` filled with a row's values, in both evaluators.

A flag's message (docs/flags.md) is text with placeholders. The placeholders name values
of the row; the spec is a checked subset of Python's format mini-language:

    spec     := [","] ["." digits] [type]        type := "f" | "%" | "d"

`.Nf` fixed N decimals (`f` alone: 6), `.N%` the number × 100 with N decimals and `%`
(`%` alone: 6), `d` a whole number, `,` thousands separators; no spec prints a number as
the language prints it (`values_text`: rounded to 4 decimals, no trailing zeros). Every
rounding is the language's `round` (四舍五入, half away from zero, ties judged with the
language's tolerance), never Python's or Polars' own, and the digits are produced from a
whole number of units of the last decimal, so the Polars expression (`to_polars_text`)
and the reference (`format_value`) give the same text for every value: a property test
holds them to it. Null prints as nothing; booleans as `true` / `false`; a number whose
digits would not fit 64 bits (beyond ±9.2e18 units of the last decimal) prints as nothing
too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import polars as pl

from jixiao.scoring.expr.ir import Type
from jixiao.scoring.expr.limits import MAX_ROUND_DIGITS, TOL

_TWO_52 = 2.0**52
_INT_LIMIT = 2.0**63
"""Units beyond this do not fit Int64: printed as nothing, in both evaluators."""
DEFAULT_DECIMALS = 4
"""A number with no spec is rounded to this many decimals, trailing zeros dropped."""
LARGE = 1e11
"""From this magnitude on, a number with no spec prints whole (its decimals are noise)."""

_SPEC = re.compile(r"^(?P<group>,)?(?:\.(?P<digits>\d+))?(?P<type>[fd%])?$")


@dataclass(frozen=True)
class Spec:
    """A checked format spec."""

    text: str
    grouping: bool = False
    decimals: int | None = None
    """None: as the language prints numbers (up to 4 decimals, trailing zeros dropped)."""
    percent: bool = False


def parse_spec(text: str) -> Spec | str:
    """The spec, or why it is refused (a message for the analyst)."""
    match = _SPEC.match(text)
    supported = "supported: .Nf, .N%, d, with an optional leading ',' (e.g. ,.2f)"
    if match is None:
        return f"format spec {text!r} is not supported; {supported}"
    digits, kind = match["digits"], match["type"]
    if digits is not None and kind is None:
        return f"format spec {text!r} needs a type after the precision: .{digits}f or .{digits}%"
    if digits is not None and kind == "d":
        return f"format spec {text!r}: a whole number (d) takes no precision"
    if digits is not None and int(digits) > MAX_ROUND_DIGITS:
        return f"format spec {text!r}: at most {MAX_ROUND_DIGITS} decimals"
    decimals: int | None = None
    if kind == "d":
        decimals = 0
    elif kind in ("f", "%"):
        decimals = 6 if digits is None else int(digits)
    return Spec(text, match["group"] is not None, decimals, kind == "%")


@dataclass(frozen=True)
class Placeholder:
    """`{name}` or `{name:spec}` at `offset` (the `{`) of the template text."""

    name: str
    spec: Spec | None
    offset: int


Part = str | Placeholder


@dataclass(frozen=True)
class TemplateProblem:
    offset: int
    message: str


_NAME = re.compile(r"^(?:params\.)?[^\W\d]\w*$")


def parse_template(text: str) -> tuple[tuple[Part, ...], list[TemplateProblem]]:
    """Literal text and placeholders, in order; problems at the offset of their `{`."""
    parts: list[Part] = []
    problems: list[TemplateProblem] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if text.startswith("{{", i) or text.startswith("}}", i):
            literal.append(ch)
            i += 2
            continue
        if ch == "}":
            problems.append(TemplateProblem(i, "single '}' in the message; write '}}' for a brace"))
            i += 1
            continue
        if ch != "{":
            literal.append(ch)
            i += 1
            continue
        end = text.find("}", i + 1)
        nested = text.find("{", i + 1)
        if end < 0 or 0 <= nested < end:
            problems.append(
                TemplateProblem(i, "'{' without its '}' in the message; write '{{' for a brace")
            )
            i += 1
            continue
        body = text[i + 1 : end]
        name, _, spec_text = body.partition(":")
        spec: Spec | None = None
        if not _NAME.match(name):
            what = "an empty placeholder {}" if not name else f"{{{body}}} does not name a value"
            problems.append(TemplateProblem(i, f"{what}; write {{name}} or {{name:.1f}}"))
            i = end + 1
            continue
        if ":" in body:
            parsed = parse_spec(spec_text)
            if isinstance(parsed, str):
                problems.append(TemplateProblem(i, parsed))
            else:
                spec = parsed
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(Placeholder(name, spec, i))
        i = end + 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts), problems


# --- the reference (Python) ------------------------------------------------------------


def _units(x: float, decimals: int) -> int | None:
    """x in whole units of the last decimal, rounded half away from zero as the
    language's `round` does it (semantics.round_half_away, before its division)."""
    m = 10.0**decimals
    y = x * m if decimals else x
    a = abs(y)
    f = a if a >= _TWO_52 else float(math.floor((a + 0.5) + min(a * TOL, 0.25)))
    if f >= _INT_LIMIT:
        return None
    k = int(f)
    return -k if y < 0 else k


def _digits(k: int, decimals: int, grouping: bool, trim: bool) -> str:
    whole, frac = divmod(abs(k), 10**decimals)
    head = f"{whole:,}" if grouping else str(whole)
    tail = str(frac).zfill(decimals) if decimals else ""
    if trim:
        tail = tail.rstrip("0")
    sign = "-" if k < 0 else ""
    return sign + head + ("." + tail if tail else "")


def format_number(x: float | None, spec: Spec | None = None) -> str:
    """The text of a number under a spec (no spec: as the language prints numbers)."""
    if x is None or not math.isfinite(x):
        return ""
    grouping = spec.grouping if spec else False
    if spec is None or spec.decimals is None:
        decimals = 0 if abs(x) >= LARGE else DEFAULT_DECIMALS
        k = _units(x, decimals)
        return "" if k is None else _digits(k, decimals, grouping, trim=True)
    value = x * 100.0 if spec.percent else x
    k = _units(value, spec.decimals)
    if k is None:
        return ""
    return _digits(k, spec.decimals, grouping, trim=False) + ("%" if spec.percent else "")


def format_value(value: object, type_: Type, spec: Spec | None = None) -> str:
    """A value of the row as a placeholder shows it."""
    if value is None:
        return ""
    if type_ == Type.NUMBER:
        return format_number(float(value), spec)  # type: ignore[arg-type]
    if type_ == Type.BOOL:
        return "true" if value else "false"
    return str(value)


# --- the plan (Polars) -----------------------------------------------------------------


# Each step reads the previous steps' results as fields of one struct (`pl.field`), a
# let-binding for Polars: written as nested expressions, every value used twice doubles
# the tree below it, and the formatter of one placeholder grew to ~50 kB of plan that
# Polars re-optimised on every call (most of a small run's time went there).


def _let(s: pl.Expr, **fields: pl.Expr) -> pl.Expr:
    return s.struct.with_fields(**fields)


_F = pl.field


def _polars_units(s: pl.Expr, value: str, scale: str | float) -> pl.Expr:
    """Twin of `_units`: the same float operations (x × 10^N; × 1 is exact, so a row-wise
    scale of 1 matches `_units(x, 0)`), then Int64 (null when it overflows), as field `k`."""
    y = (
        _F(value)
        if isinstance(scale, float) and scale == 1.0
        else _F(value) * (_F(scale) if isinstance(scale, str) else scale)
    )
    s = _let(s, _y=y)
    s = _let(s, _a=_F("_y").abs())
    rounded = ((_F("_a") + 0.5) + (_F("_a") * TOL).clip(upper_bound=0.25)).floor()
    s = _let(s, _f=pl.when(_F("_a") >= _TWO_52).then(_F("_a")).otherwise(rounded))
    s = _let(s, _k=pl.when(_F("_f") < _INT_LIMIT).then(_F("_f").cast(pl.Int64, strict=False)))
    return _let(s, k=pl.when(_F("_y") < 0).then(-_F("_k")).otherwise(_F("_k")))


def _grouped(whole: pl.Expr) -> pl.Expr:
    """Thousands separators on the digits of a whole number ≥ 0: reversed, a comma after
    every three digits, the trailing one dropped, reversed back."""
    return (
        whole.str.reverse()
        .str.replace_all(r"(\d{3})", "$1,")
        .str.strip_chars_end(",")
        .str.reverse()
    )


def _polars_digits(s: pl.Expr, scale: str | int, grouping: bool, trim: bool) -> pl.Expr:
    """Twin of `_digits`, for the whole number of units in field `k` and `scale` =
    10^decimals (a number, or the name of a field holding it per row)."""
    s = _let(s, _m=_F("k").abs())
    div = _F(scale) if isinstance(scale, str) else scale
    whole = (_F("_m") // div).cast(pl.String)
    head = _grouped(whole) if grouping else whole
    sign = pl.when(_F("k") < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    if isinstance(scale, int) and scale == 1:
        return _let(s, text=pl.concat_str([sign, head])).struct.field("text")
    # the fraction zero-padded: scale + frac has one more digit, the leading 1
    tail = ((_F("_m") % div) + div).cast(pl.String).str.slice(1)
    s = _let(s, _t=tail.str.strip_chars_end("0") if trim else tail)
    point = pl.when(_F("_t") == "").then(pl.lit("")).otherwise(pl.lit("."))
    return _let(s, text=pl.concat_str([sign, head, point, _F("_t")])).struct.field("text")


def _polars_number(x: pl.Expr, spec: Spec | None) -> pl.Expr:
    x = x.cast(pl.Float64)
    s = pl.struct(x.alias("_x"))
    s = _let(s, x=pl.when(_F("_x").is_finite()).then(_F("_x")))
    grouping = spec.grouping if spec else False
    if spec is None or spec.decimals is None:
        # 4 decimals, or none from LARGE on: one pipeline with the scale chosen per row
        s = _let(s, _large=_F("x").abs() >= LARGE)
        s = _let(
            s,
            _mul=pl.when(_F("_large")).then(pl.lit(1.0)).otherwise(pl.lit(10.0**DEFAULT_DECIMALS)),
            _scale=pl.when(_F("_large"))
            .then(pl.lit(1, pl.Int64))
            .otherwise(pl.lit(10**DEFAULT_DECIMALS, pl.Int64)),
        )
        return _polars_digits(_polars_units(s, "x", "_mul"), "_scale", grouping, True)
    if spec.percent:
        s = _let(s, x=_F("x") * 100.0)
    m_fixed = 10.0**spec.decimals
    text = _polars_digits(_polars_units(s, "x", m_fixed), 10**spec.decimals, grouping, False)
    return pl.concat_str([text, pl.lit("%")]) if spec.percent else text


def to_polars_text(expr: pl.Expr, type_: Type, spec: Spec | None = None) -> pl.Expr:
    """Twin of `format_value` over a column: the text a placeholder shows, "" for null."""
    if type_ == Type.NUMBER:
        text = _polars_number(expr, spec)
    elif type_ == Type.BOOL:
        text = pl.when(expr).then(pl.lit("true")).otherwise(pl.lit("false"))
        text = pl.when(expr.is_not_null()).then(text)
    else:
        text = expr.cast(pl.String)
    return text.fill_null("")
