"""A numeric actual brought into its target's unit, with a note for every judgement call.

Kept apart from the two parsers because it reads both results: a run parses each
distinct target and each distinct actual once, then reconciles the pairs.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.values.exprs import (
    _F64,
    PERCENT,
    F,
    _first,
    _lookup,
    _reason_code,
    _reason_text,
    _show,
    _staged,
    _Why,
    _why,
)
from jixiao.scoring.values.units import UnitTable


def reconcile(target: pl.Expr, actual: pl.Expr, *, units: UnitTable) -> pl.Expr:
    """Bring a numeric actual into its target's unit, flagging whatever needed judgement.

    Returns struct{value, fraction, note, error}. `value` is null unless the target is
    quantitative and the actual is a number, both without errors; `error` covers only unit
    mismatches (target and actual errors stay in their own structs). `fraction` marks an
    actual ≤ 1 written without a unit against a % target (`0.96` against `≥95%`): its
    value stays as written, and whether it is read as a fraction is the ruleset's call
    (`fraction_actuals`, applied by the score stage), not the grammar's.
    """
    tgt, act = F("target"), F("actual")
    fields = {
        "t_unit": tgt.struct.field("unit"),
        "a_unit": act.struct.field("unit"),
        "a": act.struct.field("value"),
        "t": tgt.struct.field("value"),
        "usable": (
            tgt.struct.field("error").is_null()
            & tgt.struct.field("cmp").is_not_null()
            & (tgt.struct.field("cmp") != "qual")
            & (act.struct.field("kind") == "number")
            & act.struct.field("error").is_null()
            & act.struct.field("value").is_not_null()
        ),
    }
    notes, errors = _reconcile_reasons()
    return _staged(
        pl.struct(target=target, actual=actual),
        fields,
        _unit_relations(units),
        {"note_why": _reason_code(notes), "error_why": _reason_code(errors)},
        {"note": _reason_text(F("note_why"), notes), "error": _reason_text(F("error_why"), errors)},
        out=_reconciled(),
    )


def _unit_relations(units: UnitTable) -> dict[str, pl.Expr]:
    """How the actual's unit relates to the target's: same, convertible, or a mismatch."""
    t_unit, a_unit, usable, a = F("t_unit"), F("a_unit"), F("usable"), F("a")
    same_dim = _lookup(a_unit, units.dimensions) == _lookup(t_unit, units.dimensions)
    factors = dict(units.factors)
    ratio = a_unit.replace_strict(factors, default=None, return_dtype=_F64) / (
        t_unit.replace_strict(factors, default=None, return_dtype=_F64)
    )
    same = a_unit.is_null() | t_unit.is_null() | (a_unit == t_unit)
    # `≥ 0.95` is a percentage written as a fraction (DOMAIN §3); an actual of `96%`
    # against it is 0.96, not 96.
    fraction_target = (
        usable & t_unit.is_null() & (a_unit == PERCENT) & (F("t").abs() <= 1)
    ).fill_null(False)
    return {
        "fraction_target": fraction_target,
        "ambiguous": (
            usable & a_unit.is_null() & (t_unit == PERCENT) & (a.abs() <= 1) & (a != 0)
        ).fill_null(False),
        "same": usable & same.fill_null(False),
        "convert": usable & ~same.fill_null(False) & same_dim.fill_null(False),
        "ratio": ratio,
    }


def _reconciled() -> dict[str, pl.Expr]:
    a = F("a")
    value = _first(
        (F("fraction_target"), (a / 100).round(12)),
        (F("same"), a),
        (F("convert"), (a * F("ratio")).round(10)),
    )
    fraction = F("ambiguous") & F("error").is_null()
    return {"value": value.cast(_F64), "fraction": fraction, "note": F("note"), "error": F("error")}


def _reconcile_reasons() -> tuple[list[_Why], list[_Why]]:
    t_unit, a_unit, a = F("t_unit"), F("a_unit"), F("a")
    shown = _show(a)
    notes = [
        _why(
            F("fraction_target"),
            "actual {}% read as {} against the fraction target {}",
            shown,
            _show((a / 100).round(12)),
            _show(F("t")),
        ),
        _why(
            F("usable") & a_unit.is_not_null() & t_unit.is_null(),
            "actual unit {} kept; target has no unit",
            a_unit,
        ),
        _why(F("convert"), "actual in {} converted to {}", a_unit, t_unit),
    ]
    errors = [
        _why(
            F("usable") & ~F("same") & ~F("convert"),
            "actual unit {} does not match target unit {}",
            a_unit,
            t_unit,
        )
    ]
    return notes, errors
