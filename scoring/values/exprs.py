"""The building blocks of the value grammar: patterns, result types, staged struct
expressions and reason messages.

Every parser returns one Polars struct expression so a million rows parse in one
vectorized pass (regex and lookup tables only, no per-row Python). A cell that cannot be
read gets a reason in the `error` field and nulls elsewhere, so the row becomes "not
evaluable": never a zero, and never an exception that stops the whole run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

import polars as pl

from jixiao.scoring.values.normalize import _BLANKS, _TRAILING, normalize_text

_NUM: Final = r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)"
"""A number as written: sign, thousands separators, decimals (`1,200.50`, `.5`)."""
_BODY_RE: Final = rf"^{_NUM}\D*$"
"""A single number and what follows it, once the prefix comparator is cut off.

Regex captures cost about ten times a plain match here, so the body is only tested with
this pattern and then cut at the first character that cannot be part of a number."""

_RANGE_UNIT: Final = r"[^\d\s\-~—–至到,\[\]]*?"
_RANGE: Final = (
    rf"^(?P<open>\[)?\s*(?P<lo>{_NUM})\s*(?P<lu>{_RANGE_UNIT})\s*(?P<sep>-|~|—|–|至|到|,)\s*"
    rf"(?P<hi>{_NUM})\s*(?P<hu>{_RANGE_UNIT})\s*(?P<close>\])?\s*(?:之间)?$"
)
_ACTUAL: Final = rf"^{_NUM}\s*[^\d\s]*$"
_UNIT_LIKE: Final = r"^[\p{Han}A-Za-z㎡²³/·]{1,4}$"
"""A token that could be a unit name (up to 4 characters); anything else is unreadable."""

EXCEL_ERRORS: Final = (
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
)
"""Error values as Excel and WPS show them in a cell (the readers give them as this text)."""
_FORMULA: Final = r"^=\s*[-+]?\s*(?:[A-Za-z_$'(]|[^\s!=]+!)"
"""A formula the workbook never computed (`=SUM(B2:B4)`, `=项目表!C3`): a leading `=`
followed by a function, cell reference or sheet name. `=8个` and `=100%` are targets."""

PERCENT: Final = "%"
"""Canonical name of the percent unit; a unit table must spell it this way."""

_STR = pl.String
_F64 = pl.Float64
F = pl.field

TARGET_DTYPE: Final = pl.Struct(
    {"cmp": _STR, "cmp_source": _STR, "value": _F64, "upper": _F64, "unit": _STR, "error": _STR}
)
ACTUAL_DTYPE: Final = pl.Struct(
    {"kind": _STR, "value": _F64, "unit": _STR, "tier": _STR, "error": _STR}
)
RECONCILED_DTYPE: Final = pl.Struct(
    {"value": _F64, "fraction": pl.Boolean, "note": _STR, "error": _STR}
)
NUMBER_DTYPE: Final = pl.Struct({"value": _F64, "error": _STR})

# --- small expression helpers --------------------------------------------------------------


def _clean(expr: pl.Expr) -> pl.Expr:
    """A cell ready for the regexes: normalized, without trailing sentence punctuation."""
    return normalize_text(expr).str.strip_chars_end(_TRAILING).str.strip_chars(" ")


def _is_blank(expr: pl.Expr) -> pl.Expr:
    return expr.is_null() | (expr == "")


def _is_filler(key: pl.Expr) -> pl.Expr:
    return key.is_null() | key.is_in(_BLANKS)


def _to_float(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)


def _show(expr: pl.Expr) -> pl.Expr:
    """A number for a message: `96` rather than `96.0`."""
    return expr.cast(_STR).str.replace(r"\.0$", "")


def _lookup(expr: pl.Expr, table: Mapping[str, str]) -> pl.Expr:
    return expr.replace_strict(dict(table), default=None, return_dtype=_STR)


def _unknown(token: pl.Expr, canon: pl.Expr) -> pl.Expr:
    return ~_is_blank(token) & canon.is_null()


def _first(*cases: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """when/then chain in priority order; null when no case applies."""
    out: pl.Expr = pl.lit(None)
    for cond, value in reversed(cases):
        out = pl.when(cond).then(value).otherwise(out)
    return out


def _raw(expr: pl.Expr) -> pl.Expr:
    """The cell as the analyst typed it (only outer spaces removed), for messages."""
    return expr.str.strip_chars()


def _cell(expr: pl.Expr | None) -> pl.Expr:
    """A cell as text; null and "" mean the same thing (nothing written) everywhere here."""
    return pl.lit("") if expr is None else expr.cast(_STR).fill_null("")


def _memoized(key: pl.Expr, parse: Callable[[pl.Expr], pl.Expr], dtype: pl.Struct) -> pl.Expr:
    """Parse each distinct key once and map the results back to every row.

    Indicator tables repeat the same few thousand texts (`≥95%`, `达成年度指标`) across a
    million rows, so the regex work shrinks by orders of magnitude; parsing is a pure
    function of the key, so the result is the same as parsing every row.
    """
    distinct = key.unique(maintain_order=True)
    # Without an explicit default, Polars 2.1 returns the key itself for an empty frame.
    missing = pl.lit(None, dtype=dtype)
    parsed = key.replace_strict(distinct, parse(distinct), default=missing, return_dtype=dtype)
    return parsed.name.keep()


_Why = tuple[pl.Expr, str | None, tuple[pl.Expr, ...]]
"""A possible reason: condition, message template with `{}` slots (None: no problem), args."""


def _why(cond: pl.Expr, template: str | None, *args: pl.Expr) -> _Why:
    return cond, template, args


def _reason_code(reasons: list[_Why]) -> pl.Expr:
    """Index of the first reason that applies (null: none), to be staged before the text."""
    return _first(*((cond, pl.lit(i, pl.UInt8)) for i, (cond, _, _) in enumerate(reasons)))


def _reason_text(code: pl.Expr, reasons: list[_Why]) -> pl.Expr:
    """The message of each row's reason.

    Templates are split at their slots and looked up by code, so only one string is built
    per row; a `pl.format` per reason would build every message for every row.
    """
    width = max(len(args) for _, _, args in reasons)
    pieces = {
        i: (template.split("{}") + [""] * width)[: width + 1]
        for i, (_, template, _) in enumerate(reasons)
        if template is not None
    }
    parts: list[pl.Expr] = []
    for k in range(width + 1):
        parts.append(code.replace_strict({i: p[k] for i, p in pieces.items()}, default=""))
        slot = [(code == i, args[k]) for i, (_, _, args) in enumerate(reasons) if len(args) > k]
        if k < width:
            parts.append(_first(*slot).cast(_STR).fill_null(""))
    return pl.when(code.is_in(list(pieces))).then(pl.concat_str(parts))


def _staged(first: pl.Expr, *stages: dict[str, pl.Expr], out: dict[str, pl.Expr]) -> pl.Expr:
    """Fold stages of named fields into one struct expression, then keep only `out`.

    Each stage may read the fields of earlier ones with `pl.field(name)`. Every field is
    computed once; written as one plain expression tree, each regex would run again for
    every place that uses its result (35 s instead of 0.6 s for a million targets).
    """
    acc = first
    for fields in stages:
        acc = acc.struct.with_fields(**fields)
    done = acc.struct.with_fields(_out=pl.struct([e.alias(k) for k, e in out.items()]))
    return done.struct.field("_out").name.keep()


def _excel_reasons(raw: pl.Expr, prefix: str = "") -> list[_Why]:
    """What a cell holds instead of a value: an Excel error, or a formula never computed.

    Both say what to do about it (issue 8, convention 2); neither is blank nor text to be
    guessed at. `raw` is the cell as typed (its trailing `!` kept: `#REF!`).
    """
    code = normalize_text(raw).str.to_uppercase()
    return [
        _why(
            code.is_in(EXCEL_ERRORS).fill_null(False),
            prefix + "the cell holds the Excel error {}",
            code,
        ),
        _why(
            raw.str.contains(_FORMULA).fill_null(False),
            prefix
            + "a formula with no computed value ({}): open the file in Excel or WPS and save it",
            raw,
        ),
    ]


def _split_number(body: pl.Expr, pattern: str) -> dict[str, pl.Expr]:
    """`num` and `rest` of a cell matching `pattern`, cut where the number's characters end.

    Only the number's characters are ASCII before the cut, so the byte offset `find`
    returns is also the character offset `slice` wants.
    """
    cut = body.str.find(r"[^\d.,+\-]").fill_null(body.str.len_bytes())
    ok = body.str.contains(pattern)
    return {
        "num": pl.when(ok).then(body.str.slice(0, cut)),
        "rest": pl.when(ok).then(body.str.slice(cut).str.strip_chars(" ")),
    }
