"""The names each kind of ruleset expression may use, with their types.

Flags are expressions over the scored tables, so the flag contexts are exactly the
numeric, boolean and text columns those tables carry; a test keeps them in step with the
tables the pipeline really produces.
"""

from __future__ import annotations

from jixiao.scoring import columns
from jixiao.scoring.expr import Type
from jixiao.scoring.rules.models import Catalogue

BUDGET_PART = "budget_execution"
"""The weights key of the 预算执行率 part."""

QUANT_NAMES: dict[str, Type] = {
    "actual": Type.NUMBER,
    "target": Type.NUMBER,
    "upper": Type.NUMBER,
    "points": Type.NUMBER,
}
"""Quantitative rules see the parsed actual (in the target's unit), target, range upper
bound and the indicator's points."""

INDICATOR_INPUTS: dict[str, Type] = {
    "comparator": Type.TEXT,
    "target": Type.NUMBER,
    "upper": Type.NUMBER,
    "actual": Type.NUMBER,
    "actual_kind": Type.TEXT,
    "actual_text": Type.TEXT,
    "tier": Type.TEXT,
    "points": Type.NUMBER,
    "claimed_score": Type.NUMBER,
    "target_error": Type.TEXT,
    "actual_error": Type.TEXT,
    "claimed_error": Type.TEXT,
    "fraction_candidate": Type.BOOL,
}
"""What prepare parsed from one indicator row: the inputs of every indicator-level rule."""

VALUE_NAMES: dict[str, Type] = {
    **INDICATOR_INPUTS,
    "kind": Type.TEXT,
    "direction": Type.TEXT,
}
"""Names the not-evaluable conditions (`rules.not_evaluable`) and their reasons may use,
besides `DERIVED_NAMES`."""

FRACTION_NAMES: dict[str, Type] = {
    "as_written": Type.NUMBER,
    "as_fraction": Type.NUMBER,
    "met_as_written": Type.BOOL,
    "met_as_fraction": Type.BOOL,
}
"""The two readings of an actual ≤ 1 without a unit against a % target, and whether each
meets the target by the row's `rules.achieved` (null for any other row)."""

DERIVED_NAMES: dict[str, Type] = {
    **FRACTION_NAMES,
    "fraction_ambiguous": Type.BOOL,
    "signed_target": Type.BOOL,
}
"""Derived per row before the not-evaluable conditions: the fraction readings, whether the
reading is ambiguous (`fraction_actuals.ambiguous`) and whether the target is signed
(`rules.signed_target`)."""

ACHIEVED_NAMES: dict[str, Type] = {**QUANT_NAMES, "tier": Type.TEXT}
"""Names the `rules.achieved` expressions may use."""

BAND_NAMES: dict[str, Type] = {
    "band_min": Type.NUMBER,
    "band_max": Type.NUMBER,
    "band_top": Type.BOOL,
    "band_default": Type.NUMBER,
    "band_lo": Type.NUMBER,
    "band_hi": Type.NUMBER,
    "in_band": Type.BOOL,
}
"""What the compiler derives for a qualitative row from its tier's band (shares of
points, the band in points, whether a claimed score lies in it)."""

BUDGET_NAMES: dict[str, Type] = {"rate": Type.NUMBER, "points": Type.NUMBER}
"""The budget execution score sees the execution rate and the part's weight."""

EXPLANATION_NAMES: dict[str, Type] = {"explanation": Type.TEXT}
"""`rules.has_explanation` sees the 偏差原因 cell, normalised (`explanation_key`)."""

EXPLANATION_KEY = "explanation_key"
"""The normalised 偏差原因 text the has_explanation rule reads (not an output column)."""


RESERVED = frozenset(
    {*QUANT_NAMES, *BUDGET_NAMES, *VALUE_NAMES, *BAND_NAMES, *DERIVED_NAMES, *EXPLANATION_NAMES}
)
"""Names a ruleset parameter may not shadow."""


def flag_names(level: str, categories: tuple[str, ...] = ()) -> dict[str, Type]:
    """Names visible to a flag of the given level."""
    table = {"indicator": "indicator_scores", "project": "project_scores"}
    return columns.expression_names(table.get(level, "department_summary"), categories)


def project_formula_names(cat: Catalogue) -> dict[str, Type]:
    """Numeric columns of the projects table, which common-indicator formulas may use."""
    table = cat.tables.get("projects")
    if table is None:
        return {}
    return {c.name: Type.NUMBER for c in table.columns if c.type == "number"}
