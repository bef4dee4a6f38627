"""The value grammar's public names in one place (it used to be one module).

Normalisation is in `normalize`, targets in `targets`, actuals in `actuals`, unit
reconciliation in `reconcile`, plain amounts in `numbers`; comparator words are
catalogue data (`comparators`). Import from the specific module in new code.
"""

from __future__ import annotations

from jixiao.scoring.values.actuals import parse_actual
from jixiao.scoring.values.comparators import ComparatorTable
from jixiao.scoring.values.exprs import (
    ACTUAL_DTYPE,
    NUMBER_DTYPE,
    PERCENT,
    RECONCILED_DTYPE,
    TARGET_DTYPE,
)
from jixiao.scoring.values.normalize import normalize_label, normalize_text, unit_key
from jixiao.scoring.values.numbers import parse_number
from jixiao.scoring.values.reconcile import reconcile
from jixiao.scoring.values.targets import parse_target

__all__ = [
    "ACTUAL_DTYPE",
    "NUMBER_DTYPE",
    "PERCENT",
    "RECONCILED_DTYPE",
    "TARGET_DTYPE",
    "ComparatorTable",
    "normalize_label",
    "normalize_text",
    "parse_actual",
    "parse_number",
    "parse_target",
    "reconcile",
    "unit_key",
]
