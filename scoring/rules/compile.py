"""Compile stage: a checked ruleset → the checked expressions the run evaluates.

Every rule is kept as a checked expression (`Checked`), from which both evaluators are
derived: `to_polars` for batch scoring and `evaluate` for `explain`. Rounding is added
here as a `round(…, p)` node around the checked rule, so both evaluators round the same
way (四舍五入). Analyst-written text goes through `SourcedChecker`: its problems point at
file:line:col, and `validate` runs this pass too (scoring/rules/build.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import polars as pl

from jixiao.scoring.errors import Problem
from jixiao.scoring.expr import Checked, Type, check, evaluate, to_polars
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.boundary_rules import BoundaryRules, compile_boundary
from jixiao.scoring.rules.expressions import SourcedChecker
from jixiao.scoring.rules.flag_rules import FlagRules, compile_flags
from jixiao.scoring.rules.indicator_rules import DIRECTIONS, IndicatorRules, compile_indicator_rules
from jixiao.scoring.rules.load import Loaded, Sources
from jixiao.scoring.rules.models import Catalogue
from jixiao.scoring.rules.monitor_rules import MonitorRules
from jixiao.scoring.rules.project_rules import ProjectRules, compile_project
from jixiao.scoring.rules.reevaluation_rules import ReevaluationRules
from jixiao.scoring.rules.vocabulary import Vocabulary
from jixiao.scoring.rules.weighting_rules import WeightingRules, compile_weighting


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
    # --- project and department roll-up (rules-proj) ---
    project: ProjectRules
    """Total, roll-up checks, completeness, grade and department measures."""
    weighting: WeightingRules
    """The applied points of every indicator (`weighting`, rules/weighting_rules.py)."""
    boundary: BoundaryRules
    """The grade boundaries and the near-boundary test (rules/boundary_rules.py)."""
    flags: FlagRules = field(default_factory=FlagRules)
    """The deviation flags by level (rules/flag_rules.py)."""
    monitor: MonitorRules | None = None
    """The in-year monitoring lights (`monitoring:`), set by the build's monitor pass."""
    reevaluation: ReevaluationRules | None = None
    """Re-evaluation of self-scores (`reevaluation:`), set by the build's reevaluation
    pass; None when the ruleset has no such section."""

    @property
    def params(self) -> dict[str, float | bool]:
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
    """Wrap built-in (not analyst-written) text in rounding. For ruleset text use
    `SourcedChecker(..., round_to=p)`: re-parsing a longer text moves the limits."""
    return f"round(({text}), {precision})"


def compile_catalogue(
    cat: Catalogue, sources: Sources, problems: list[Problem] | None = None
) -> dict[str, Checked]:
    """The catalogue's common-indicator formulas, checked where they were written.

    Problems go to `problems` when given (the ruleset's compile reports them with its
    own), else they are raised here.
    """
    checker = SourcedChecker(sources, [] if problems is None else problems)
    columns = contexts.project_formula_names(cat)
    formulas = {
        ind.id: checker(("common_indicators", i, "formula"), ind.formula, columns, Type.NUMBER)
        for i, ind in enumerate(cat.common_indicators)
    }
    if problems is None:
        checker.raise_problems()
    return formulas


def compile_ruleset(loaded: Loaded) -> Plan:
    """Check every expression of a loaded ruleset and keep the checked forms."""
    rs, cat = loaded.ruleset, loaded.catalogue
    rule = SourcedChecker(loaded.sources)
    params = {name: Type.NUMBER for name in rs.params}
    quant_names = {**contexts.QUANT_NAMES, **params}
    quantitative = {
        d: rule(
            ("rules", "quantitative", d),
            getattr(rs.rules.quantitative, d),
            quant_names,
            Type.NUMBER,
            round_to=rs.precision,
        )
        for d in DIRECTIONS
    }
    indicator = compile_indicator_rules(rs, quantitative, rule)
    formulas = compile_catalogue(cat, loaded.catalogue_sources, rule.problems)
    rate = formulas.pop(rs.budget_execution.indicator)
    precision = rs.budget_execution.precision
    score = rule(
        ("budget_execution", "score"),
        rs.budget_execution.score,
        {**contexts.BUDGET_NAMES, **params},
        Type.NUMBER,
        round_to=rs.precision if precision is None else precision,
    )
    vocab = Vocabulary.build(cat, rs)
    categories = tuple(k for k in rs.weights if k != contexts.BUDGET_PART)
    project = compile_project(loaded, vocab, categories, rule)
    flags = compile_flags(loaded, categories, project.measures, rule)
    boundary = compile_boundary(loaded, rule)
    rule.raise_problems()
    weighting = compile_weighting(rs, categories)
    return Plan(
        loaded,
        vocab,
        quantitative,
        indicator,
        rate,
        score,
        formulas,
        project,
        weighting,
        boundary,
        flags,
    )
