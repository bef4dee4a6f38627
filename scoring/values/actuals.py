"""Actuals (实际完成值) → a number with its unit, a tier label, or text.

Whether text is acceptable is the scorer's call (a qualitative indicator wants a tier);
the grammar only says what the cell is and marks cells that look like a number but
cannot be read as one.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.values.exprs import (
    _ACTUAL,
    _STR,
    _UNIT_LIKE,
    ACTUAL_DTYPE,
    F,
    _cell,
    _clean,
    _excel_reasons,
    _first,
    _is_blank,
    _lookup,
    _memoized,
    _raw,
    _reason_code,
    _reason_text,
    _split_number,
    _staged,
    _to_float,
    _unknown,
    _why,
)
from jixiao.scoring.values.normalize import normalize_label
from jixiao.scoring.values.units import TierTable, UnitTable


def parse_actual(text: pl.Expr, *, units: UnitTable, tiers: TierTable) -> pl.Expr:
    """Read an actual (实际完成值): a number with optional unit, a tier label, or text.

    Returns struct{kind, value, unit, tier, error}; kind `error` is an Excel error or a
    formula never computed (the reason names it). Whether text is acceptable is the
    scorer's call (a qualitative indicator wants a tier); here `error` only marks cells
    that look like a number but cannot be read as one, or carry an unknown unit.
    """
    key = pl.struct(text=_cell(text))
    return _memoized(key, lambda cells: _parse_actuals(cells, units, tiers), ACTUAL_DTYPE)


def _parse_actuals(cells: pl.Expr, units: UnitTable, tiers: TierTable) -> pl.Expr:
    inputs = {"t": _clean(F("text")), "raw": _raw(F("text")), "label": normalize_label(F("text"))}
    lookups = {
        **_split_number(F("t"), _ACTUAL),
        "tier": _lookup(F("label"), tiers.labels),
        "digit": F("t").str.contains(r"\d").fill_null(False),
    }
    token = F("rest")
    numbers = {
        "canon": _lookup(token.str.to_lowercase(), units.aliases),
        "number": _to_float(F("num")),
    }
    blank = _is_blank(F("t"))
    numeric = F("number").is_not_null() & (
        _is_blank(token) | F("canon").is_not_null() | token.str.contains(_UNIT_LIKE)
    )
    excel = _excel_reasons(F("raw"), "actual: ")
    kind = _first(
        (blank, pl.lit("blank")),
        (pl.any_horizontal(cond for cond, _, _ in excel), pl.lit("error")),
        (numeric, pl.lit("number")),
        (F("tier").is_not_null(), pl.lit("tier")),
        (pl.lit(True), pl.lit("text")),
    )
    reasons = [
        *excel,
        _why(
            numeric & _unknown(token, F("canon")),
            "unknown unit '{}' in actual '{}'",
            token,
            F("raw"),
        ),
        _why(
            ~blank & ~numeric & F("tier").is_null() & F("digit"),
            "cannot read actual '{}' as a number",
            F("raw"),
        ),
    ]
    ok = F("error").is_null()
    return _staged(
        cells,
        inputs,
        lookups,
        numbers,
        {"kind": kind, "why": _reason_code(reasons)},
        {"error": _reason_text(F("why"), reasons)},
        out={
            "kind": F("kind").cast(_STR),
            "value": pl.when(ok & numeric).then(F("number")),
            "unit": pl.when(ok & numeric).then(F("canon")),
            "tier": pl.when(F("kind") == "tier").then(F("tier")),
            "error": F("error").cast(_STR),
        },
    )
