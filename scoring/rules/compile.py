"""Compile stage: a checked ruleset → the checked expressions the run evaluates.

Every rule is kept as a checked expression (`Checked`), from which both evaluators are
derived: `to_polars` for batch scoring and `evaluate` for `explain`. Rounding is added
here as part of the expression text, so both evaluators round the same way (四舍五入).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import polars as pl

from jixiao.scoring.expr import Checked, Type, check, evaluate, to_polars
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.load import Loaded
from jixiao.scoring.rules.project_rules import ProjectRules, compile_project
from jixiao.scoring.rules.vocabulary import Vocabulary

DIRECTIONS = ("higher", "lower", "exact", "range")
"""Quantitative directions; the comparator of the target decides which applies."""

DIRECTION_OF = {
    ">=": "higher",
    ">": "higher",
    "<=": "lower",
    "<": "lower",
    "=": "exact",
    "range": "range",
}
"""正向 ≥ >, 反向 ≤ <, 等于 =, 区间 (DOMAIN §2 and §3)."""

ACHIEVED = {
    ">=": "actual >= target",
    ">": "actual > target",
    "<=": "actual <= target",
    "<": "actual < target",
    "=": "(actual <= 0) if target == 0 else (actual >= target)",
    "range": "between(actual, target, upper)",
}
"""When a quantitative target counts as met (for the `achieved` column and flags); `=`
follows the scoring rule of DOMAIN §2 (t = 0 → a ≤ 0; t > 0 → as 正向)."""


@dataclass(frozen=True)
class Plan:
    """The compiled ruleset: checked expressions and the lookup tables they run with."""

    loaded: Loaded
    vocab: Vocabulary
    quantitative: dict[str, Checked]
    achieved: dict[str, Checked]
    budget_rate: Checked
    budget_score: Checked
    common: dict[str, Checked]
    """Every other common indicator of the catalogue (预算支出率, 预算到项目率 …), by id."""
    # --- project and department roll-up (rules-proj) ---
    project: ProjectRules
    """Total, roll-up checks, completeness, grade and department measures."""

    @property
    def params(self) -> dict[str, float]:
        return dict(self.loaded.ruleset.params)

    @property
    def categories(self) -> tuple[str, ...]:
        """Weighted level-1 category ids, in ruleset order."""
        return tuple(k for k in self.loaded.ruleset.weights if k != contexts.BUDGET_PART)

    def polars(self, checked: Checked) -> pl.Expr:
        return to_polars(checked)

    def reference(self, checked: Checked, row: dict[str, object]) -> object:
        return evaluate(checked, {**self.params, **row})


@functools.cache
def rounding(name: str, precision: int) -> Checked:
    """`round(<name>, p)` (四舍五入) as a checked expression, shared by batch and explain."""
    return check(f"round({name}, {precision})", {name: Type.NUMBER}, expect=Type.NUMBER)


def rounder(column: str, precision: int) -> pl.Expr:
    """`round(<column>, p)` of the expression language (四舍五入), as a Polars expression."""
    return to_polars(rounding(column, precision))


def rounded(text: str, precision: int) -> str:
    """Wrap a rule in the ruleset's rounding, so both evaluators round identically."""
    return f"round(({text}), {precision})"


def compile_ruleset(loaded: Loaded) -> Plan:
    """Check every expression of a loaded ruleset and keep the checked forms."""
    rs, cat = loaded.ruleset, loaded.catalogue
    params = {name: Type.NUMBER for name in rs.params}
    quant_names = {**contexts.QUANT_NAMES, **params}
    quantitative = {
        d: check(
            rounded(getattr(rs.rules.quantitative, d), rs.precision),
            quant_names,
            expect=Type.NUMBER,
        )
        for d in DIRECTIONS
    }
    achieved = {c: check(text, quant_names, expect=Type.BOOL) for c, text in ACHIEVED.items()}
    columns = contexts.project_formula_names(cat)
    formulas = {i.id: check(i.formula, columns, expect=Type.NUMBER) for i in cat.common_indicators}
    rate = formulas.pop(rs.budget_execution.indicator)
    precision = rs.budget_execution.precision
    score = check(
        rounded(rs.budget_execution.score, rs.precision if precision is None else precision),
        {**contexts.BUDGET_NAMES, **params},
        expect=Type.NUMBER,
    )
    vocab = Vocabulary.build(cat, rs)
    categories = tuple(k for k in rs.weights if k != contexts.BUDGET_PART)
    project = compile_project(loaded, vocab, categories)
    return Plan(loaded, vocab, quantitative, achieved, rate, score, formulas, project)
