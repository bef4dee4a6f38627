"""Compile the ruleset's `reevaluation:` section into the checked expressions `reevaluate` runs.

Re-evaluation (再评价, DOMAIN §5) compares each claim of a self-evaluation with the score
the rules give. What counts as a difference (`differs`), why a line differs (the ordered
reason lists, each ending with the catch-all `true`), when a project is over the
threshold, the department measures and the risk order are all ruleset text, checked here
through the build's `SourcedChecker`, so `validate` and `score` report their problems at
file:line:col. The stage (stages/reevaluate.py) runs them with Polars, `explain` with the
reference evaluator; neither has its own copy of a rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from jixiao.scoring import columns
from jixiao.scoring.errors import JixiaoError, KeyPath, did_you_mean
from jixiao.scoring.expr import Checked, Type, check, parse
from jixiao.scoring.expr.ir import Lit
from jixiao.scoring.expr.parse import PARAMS_PREFIX
from jixiao.scoring.rules.expressions import SourcedChecker
from jixiao.scoring.rules.load import Loaded
from jixiao.scoring.rules.models import Reevaluation, ReevaluationReason, Ruleset
from jixiao.scoring.rules.monitor_rules import Filled, reason_template
from jixiao.scoring.values.claims import grade_key_of

N, B, T = Type.NUMBER, Type.BOOL, Type.TEXT

LINE_NAMES: dict[str, Type] = {
    "claimed_score": N,
    "score": N,
    "points": N,
    "difference": N,
    "half_unit": N,
}
"""What every line (indicator or budget) sees besides its table's columns: the claim,
the recomputed score, the points, claimed − recomputed and half a unit of the precision."""

INDICATOR_EXTRA: dict[str, Type] = {"points_issue": T, "project_name": T, "department": T}
"""Project values an indicator line sees: whether the project's points roll up."""

BUDGET_LINE = {"level1": "budget_execution", "indicator": "预算执行率"}
"""The budget line's labels in reevaluation_indicators (its indicator name is the
catalogue's name of the ruleset's execution-rate indicator when it has one)."""

CLAIMED_GRADE_SOURCES = ("自评等级", "按自评总分")


@dataclass(frozen=True)
class CompiledReason:
    """One reason: its code, checked condition and message pieces."""

    code: str
    when: Checked
    parts: tuple[str | Filled, ...]


@dataclass(frozen=True)
class ReevaluationRules:
    """The `reevaluation:` section, compiled."""

    difference: Checked
    """claimed − recomputed, a not-evaluable line recomputing to 0 (to 10 decimals)."""
    differs: Checked
    indicator_reasons: tuple[CompiledReason, ...]
    budget_reasons: tuple[CompiledReason, ...]
    grade_words: dict[str, str]
    """Normalised word → grade name (every grade name stands for itself)."""
    claimed_band: Checked
    """The ruleset's grade bands over `claimed_total` (the same band table as `grade`)."""
    gap: Checked
    grade_changed: Checked
    over_threshold: Checked
    measures: dict[str, Checked]
    counts: frozenset[str]
    """Measures written as whole numbers (`count`, sums of 1/0)."""
    risk_order: tuple[Checked, ...]
    params: dict[str, float | bool]
    half_unit: float
    budget_indicator: str
    codes: tuple[str, ...] = field(default=())
    """Every reason code, indicator list then budget list, each once (reason_codes order)."""
    reads: frozenset[str] = field(default=frozenset())
    """The params the section reads (the only ones a run may override)."""

    def constants(self, overrides: Mapping[str, float | bool] | None = None) -> dict[str, object]:
        """Params under both spellings and `half_unit`, with `overrides` applied."""
        params = {**self.params, **(overrides or {})}
        return {
            **params,
            **{PARAMS_PREFIX + k: v for k, v in params.items()},
            "half_unit": self.half_unit,
        }


def param_types(params: Mapping[str, float | bool]) -> dict[str, Type]:
    """A param's type in the language: boolean for true/false, else number; under both
    spellings (`threshold_points`, `params.threshold_points`)."""
    types = {k: B if isinstance(v, bool) else N for k, v in params.items()}
    return {**types, **{PARAMS_PREFIX + k: t for k, t in types.items()}}


def checked_overrides(
    rs: Ruleset, reads: frozenset[str], overrides: Mapping[str, float | bool]
) -> dict[str, float | bool]:
    """Param overrides (`--threshold-points`), each a param of the same type that the
    re-evaluation reads (the score's own params are compiled into its plan: change them
    in a ruleset variant)."""
    out: dict[str, float | bool] = {}
    for name, value in overrides.items():
        if name not in rs.params:
            hint = did_you_mean(name, list(rs.params))
            raise JixiaoError(f"unknown param {name!r}" + (f"; {hint}" if hint else ""))
        if name not in reads:
            raise JixiaoError(
                f"param {name!r} is not read by the ruleset's reevaluation rules (it may be "
                f"overridden only there: {', '.join(sorted(reads)) or 'none'}); change it in "
                "a ruleset that extends this one"
            )
        want_bool = isinstance(rs.params[name], bool)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if isinstance(value, bool) != want_bool or not (want_bool or number):
            kind = "true or false" if want_bool else "a number"
            raise JixiaoError(f"param {name!r} must be {kind}, not {value!r}")
        if number and not math.isfinite(value):
            raise JixiaoError(f"param {name!r} must be a finite number, not {value!r}")
        out[name] = value if want_bool else float(value)
    return out


def table_names(table: str, categories: tuple[str, ...]) -> dict[str, Type]:
    """Every column of a scored table (placeholders and conditions may read them)."""
    expansion = columns.Expansion(categories=categories)
    return {
        c.name: columns.expression_type(c.dtype)
        for c in columns.expanded(table, expansion)
        if c.placeholder is None or categories
    }


def project_names() -> dict[str, Type]:
    """The reevaluation_projects columns (over_threshold, measures, risk order)."""
    return {c.name: columns.expression_type(c.dtype) for c in columns.REEVALUATION_PROJECTS}


def band_text(rs: Ruleset, name: str) -> str:
    """The ruleset's grade bands over `name`: `min` inclusive, `max` exclusive except the
    top (as `grade` reads them, without the withheld grade: a claim is never incomplete)."""
    top = max(g.max for g in rs.grades)
    expr = "null"
    for g in sorted(rs.grades, key=lambda g: g.min):
        upper = f"{name} <= {g.max!r}" if g.max == top else f"{name} < {g.max!r}"
        expr = f"({g.name!r} if {name} >= {g.min!r} and {upper} else {expr})"
    return expr


class _Compiler:
    def __init__(self, loaded: Loaded, categories: tuple[str, ...], rule: SourcedChecker) -> None:
        self.loaded, self.rs, self.rule = loaded, loaded.ruleset, rule
        self.categories = categories
        self.params = param_types(self.rs.params)

    def problem(self, path: KeyPath, message: str, *, key: bool = False) -> None:
        self.rule.problems.append(self.loaded.sources.problem(path, message, key=key))

    def reasons(
        self, which: str, entries: list[ReevaluationReason], names: dict[str, Type]
    ) -> tuple[CompiledReason, ...]:
        base: KeyPath = ("reevaluation", which)
        out = []
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            path: KeyPath = (*base, i)
            if entry.code in seen:
                self.problem((*path, "code"), f"reason code {entry.code!r} appears twice")
            seen.add(entry.code)
            when = self.rule((*path, "when"), entry.when, names, B)
            parts = reason_template(self.rule, (*path, "message"), entry.message, names)
            out.append(CompiledReason(entry.code, when, parts))
        last = entries[-1] if entries else None
        if last is not None and not _is_true(last.when):
            self.problem(
                (*base, len(entries) - 1, "when"),
                f"the last {which} entry must be the catch-all `true`, so that every "
                "difference has a reason",
            )
        return tuple(out)

    def grade_words(self, section: Reevaluation) -> dict[str, str]:
        grades = [g.name for g in self.rs.grades]
        words: dict[str, str] = {grade_key_of(g): g for g in grades}
        for grade, spelled in section.grade_words.items():
            path: KeyPath = ("reevaluation", "grade_words", grade)
            if grade not in grades:
                hint = did_you_mean(grade, grades)
                message = f"{grade!r} is not a grade of the ruleset ({', '.join(grades)})"
                self.problem(path, message + (f"; {hint}" if hint else ""), key=True)
                continue
            for word in spelled:
                key = grade_key_of(word)
                if words.setdefault(key, grade) != grade:
                    self.problem(path, f"{word!r} means both {words[key]} and {grade}")
        return words

    def measures(self, section: Reevaluation) -> tuple[dict[str, Checked], frozenset[str]]:
        names = {**project_names(), **self.params}
        out: dict[str, Checked] = {}
        counts = set()
        for key, text in section.measures.items():
            path: KeyPath = ("reevaluation", "measures", key)
            if not key.isidentifier() or key in ("department", "rank"):
                self.problem(path, f"{key!r} is not a usable column name", key=True)
                continue
            filled = text.replace("{precision}", str(self.rs.precision))
            checked = self.rule(path, filled, names, N, aggregate=True)
            out[key] = checked
            if _counting(filled):
                counts.add(key)
        return out, frozenset(counts)

    def compile(self, section: Reevaluation) -> ReevaluationRules:
        base = "reevaluation"
        line = {**self.params, **LINE_NAMES}
        differs = self.rule((base, "differs"), section.differs, line, B)
        ind_names = {**self.params, **table_names("indicator_scores", ()), **INDICATOR_EXTRA}
        ind_names |= LINE_NAMES
        budget_names = {**self.params, **table_names("project_scores", self.categories)}
        budget_names |= LINE_NAMES
        projects = {**self.params, **project_names()}
        over = self.rule((base, "over_threshold"), section.over_threshold, projects, B)
        measures, counts = self.measures(section)
        columns_only = project_names()
        risk = tuple(
            self.rule((base, "risk_order", i), text, columns_only, _any_type(text, columns_only))
            for i, text in enumerate(section.risk_order)
        )
        indicator_reasons = self.reasons("indicator_reasons", section.indicator_reasons, ind_names)
        budget_reasons = self.reasons("budget_reasons", section.budget_reasons, budget_names)
        codes = tuple(dict.fromkeys(r.code for r in (*indicator_reasons, *budget_reasons)))
        claimed = {"claimed_total": N}
        every = (differs, over, *measures.values())
        every += tuple(r.when for r in (*indicator_reasons, *budget_reasons))
        filled = [
            p[0]
            for r in (*indicator_reasons, *budget_reasons)
            for p in r.parts
            if isinstance(p, tuple)
        ]
        read = {n.removeprefix(PARAMS_PREFIX) for c in every for n in c.names} | set(filled)
        return ReevaluationRules(
            difference=check(
                "round(claimed_score - if_null(score, 0), 10)",
                {"claimed_score": N, "score": N},
                expect=N,
            ),
            differs=differs,
            indicator_reasons=indicator_reasons,
            budget_reasons=budget_reasons,
            grade_words=self.grade_words(section),
            claimed_band=check(band_text(self.rs, "claimed_total"), claimed, expect=T),
            gap=check("round(claimed_total - total, 10)", {**claimed, "total": N}, expect=N),
            grade_changed=check(
                "not is_null(claimed_grade) and not is_null(grade) and claimed_grade != grade",
                {"claimed_grade": T, "grade": T},
                expect=B,
            ),
            over_threshold=over,
            measures=measures,
            counts=counts,
            risk_order=risk,
            params=dict(self.rs.params),
            half_unit=0.5 * 10.0**-self.rs.precision,
            budget_indicator=self.budget_indicator(),
            codes=codes,
            reads=frozenset(read & set(self.rs.params)),
        )

    def budget_indicator(self) -> str:
        """The catalogue's name of the execution-rate indicator (预算执行率)."""
        wanted = self.rs.budget_execution.indicator
        for ind in self.loaded.catalogue.common_indicators:
            if ind.id == wanted:
                return ind.name
        return BUDGET_LINE["indicator"]


def _is_true(text: str) -> bool:
    try:
        node = parse(text)
    except Exception:
        return False
    return isinstance(node, Lit) and node.value is True


def _counting(text: str) -> bool:
    """A measure that counts projects: `count(…)` or a sum of `1 if … else 0`."""
    stripped = text.replace(" ", "")
    return stripped.startswith("count(") or (
        stripped.startswith("sum(1if") and stripped.endswith("else0)")
    )


def _any_type(text: str, names: Mapping[str, Type]) -> Type:
    """The type a risk-order expression has (number or boolean: both sort)."""
    try:
        checked = check(text, names)
    except Exception:
        return N
    return checked.type if checked.type in (N, B) else N


def compile_reevaluation(
    loaded: Loaded, categories: tuple[str, ...], rule: SourcedChecker
) -> ReevaluationRules | None:
    """The compiled section, or None when the ruleset has none; problems go to `rule`."""
    section = loaded.ruleset.reevaluation
    if section is None:
        return None
    return _Compiler(loaded, categories, rule).compile(section)
