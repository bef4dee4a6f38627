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
from jixiao.scoring.rules.indicator_rules import DIRECTIONS, IndicatorRules, compile_indicator_rules
from jixiao.scoring.rules.load import Loaded
from jixiao.scoring.rules.vocabulary import Vocabulary


@dataclass(frozen=True)
class Plan:
    """The compiled ruleset: checked expressions and the lookup tables they run with."""

    loaded: Loaded
    vocab: Vocabulary
    # --- indicator level (rules-ind): scoring rules per direction, and every other
    # indicator-level rule (kind, direction, not-evaluable reasons, negative actuals,
    # qualitative bands, achieved) as checked expressions, see rules/indicator_rules.py.
    quantitative: dict[str, Checked]
    indicator: IndicatorRules
    # --- end indicator level
    budget_rate: Checked
    budget_score: Checked
    common: dict[str, Checked]
    """Every other common indicator of the catalogue (预算支出率, 预算到项目率 …), by id."""

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
    indicator = compile_indicator_rules(rs, quantitative)
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
    return Plan(loaded, vocab, quantitative, indicator, rate, score, formulas)
