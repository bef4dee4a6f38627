"""Compile the project and department rules of a ruleset into checked expressions.

Everything the roll-up stage computes after summing indicator rows is one of these
expressions: the total under the missing-category policy, the points roll-up checks,
completeness, the grade (the band table becomes one `if … else` expression) and the
department measures (group expressions). Batch runs them with `to_polars`, `explain` with
`evaluate` / `evaluate_aggregate`; neither has its own copy of a rule. Messages (the
`issues` text) are templates whose conditions and numbers are expressions too.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from jixiao.scoring import columns
from jixiao.scoring.errors import KeyPath
from jixiao.scoring.expr import Checked, ExprError, Node, Type, check, parse
from jixiao.scoring.expr.ir import Call, Col, IfElse, Lit, Span, children
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.expressions import SourcedChecker
from jixiao.scoring.rules.load import Loaded
from jixiao.scoring.rules.models import Catalogue, Grade, Ruleset
from jixiao.scoring.rules.vocabulary import Vocabulary

N, B, T = Type.NUMBER, Type.BOOL, Type.TEXT


@dataclass(frozen=True)
class Message:
    """One message of an issues column: `template` with `{}` filled by `args` (numbers are
    shown as people write them), given only where `when` is true."""

    when: Checked
    template: str
    args: tuple[Checked, ...] = ()


@dataclass(frozen=True)
class Messages:
    """A text column made of messages: the `first` that applies, or all joined by "; "."""

    parts: tuple[Message, ...]
    first: bool = False


Step = tuple[str, Checked | Messages]
"""A column and how it is computed; steps run in order, each seeing the earlier ones."""


@dataclass(frozen=True)
class ProjectRules:
    """The project and department rules, compiled. Column names are the output names."""

    constants: dict[str, float]
    """Named constants every project step sees (`budget_points`, `scale`, the params)."""
    steps: tuple[Step, ...]
    """budget part → raw → total → rounded subtotals → issues → complete → grade."""
    department_label: str
    """Department of projects whose department is blank."""
    measures: dict[str, Checked]
    """Department column → group expression over the department's projects."""
    counts: frozenset[str]
    """Measures that count projects (written as whole numbers)."""


POINT_SUM_DIGITS = 10
"""Decimals the per-project sums of applied points are rounded to."""


def l2_points(l1: str, l2: str) -> str:
    """Column of the indicator points of one level-2 category within its level-1."""
    return f"{l1}__{l2}_points"


def totals_names(rs: Ruleset, categories: tuple[str, ...]) -> dict[str, Type]:
    """Per-project sums the roll-up sees: counts, points and scores per category."""
    names = {n: N for n in ("n_indicators", "n_not_evaluable", "n_missed", "points_total")}
    for c in categories:
        names |= {f"{c}_score": N, f"{c}_points": N, f"{c}_n": N}
    for l1, parts in rs.level2_weights.items():
        names |= {l2_points(l1, l2): N for l2 in parts}
    return names


class _Compiler:
    """Checks generated and analyst-written text; problems point at the YAML source."""

    def __init__(self, loaded: Loaded, categories: tuple[str, ...], rule: SourcedChecker) -> None:
        self.loaded, self.rs, self.categories = loaded, loaded.ruleset, categories
        self.rule = rule
        self.problems = rule.problems
        params = {k: N for k in self.rs.params}
        self.names: dict[str, Type] = {
            **params,
            "budget_points": N,
            "scale": N,
            "budget_score": N,
            "budget": N,
            "spent": N,
            "amount_errors": T,
            **totals_names(self.rs, categories),
        }

    def check(self, text: str, expect: Type, path: KeyPath | None = None) -> Checked:
        """Check text: analyst text (with a path) through the sourced checker, so its
        problems are reported at file:line:col with the rest of the ruleset's; generated
        text (no path) must be right, so a problem there is a bug, raised as is."""
        if path is None:
            return check(text, self.names, expect=expect)
        return self.rule(path, text, self.names, expect)

    def step(self, name: str, text: str, expect: Type, path: KeyPath | None = None) -> Step:
        checked = self.check(text, expect, path)
        self.names[name] = expect
        return (name, checked)

    def message(self, when: str, template: str, *args: str) -> Message:
        """Generated text only: a problem here is a bug, raised as is."""
        return Message(
            check(when, self.names, expect=B),
            template,
            tuple(check(a, self.names) for a in args),
        )


def _lit(text: str) -> str:
    return repr(text)


def _sum(names: list[str]) -> str:
    return " + ".join(names) if names else "0"


def grade_bands(rs: Ruleset) -> list[Grade]:
    """The grade bands, lowest first: the one band table `grade` and the near-boundary
    list (rules/boundary_rules.py) are both compiled from."""
    return sorted(rs.grades, key=lambda g: g.min)


def _grade_text(rs: Ruleset) -> str:
    """The band table as one expression: `min` inclusive, `max` exclusive except the top."""
    top = max(g.max for g in rs.grades)
    expr = "null"
    for g in grade_bands(rs):
        upper = f"total <= {g.max!r}" if g.max == top else f"total < {g.max!r}"
        expr = f"({_lit(g.name)} if total >= {g.min!r} and {upper} else {expr})"
    if rs.incomplete_grade == "withhold":
        expr = f"({expr} if complete else {_lit(rs.withheld_grade)})"
    return expr


def _label(cat: Catalogue, column: str) -> str:
    """The Chinese header of an input column (its first alias in the catalogue)."""
    table = cat.tables.get("projects")
    for c in table.columns if table else []:
        if c.name == column and c.aliases:
            return c.aliases[0]
    return column


def _fmt(x: float) -> str:
    return f"{x:g}"


def _points_messages(cx: _Compiler, vocab: Vocabulary) -> Messages:
    """The roll-up checks (DOMAIN §2 [sys]): which sums are checked follows
    `points_distribution`, `when_category_missing` and `level2_weights`; the gap allowed is
    `points_tolerance`."""
    rs, cats = cx.rs, cx.categories
    tol = repr(rs.points_tolerance)
    expected = sum(rs.weights[c] for c in cats)
    missing = " or ".join(f"{c}_n == 0" for c in cats) or "false"
    total_bad = f"abs(points_total - {expected!r}) > {tol}"
    total = ("indicator points total {}, expected " + _fmt(expected), "points_total")
    if rs.weighting == "proportional":
        # The applied points are the weights, scaled (rules/weighting_rules.py): nothing
        # the department wrote can fail to roll up.
        return Messages(())
    if rs.points_distribution == "free":
        return Messages((cx.message(total_bad, *total),))
    guard = f"not ({missing}) and " if rs.when_category_missing == "reassigned" else ""
    parts = []
    if rs.when_category_missing == "reassigned":
        parts.append(cx.message(f"({missing}) and {total_bad}", *total))
    for c in cats:
        when = f"{guard}{c}_n > 0 and abs({c}_points - {rs.weights[c]!r}) > {tol}"
        name = vocab.level1_names[c]
        parts.append(
            cx.message(when, f"{name} points {{}} ≠ weight {_fmt(rs.weights[c])}", f"{c}_points")
        )
    for l1, l2s in rs.level2_weights.items():
        for l2, w in l2s.items():
            col = l2_points(l1, l2)
            when = f"{guard}{l1}_n > 0 and abs({col} - {w!r}) > {tol}"
            name = vocab.level2_names[l2]
            parts.append(cx.message(when, f"{name} points {{}} ≠ weight {_fmt(w)}", col))
    return Messages(tuple(parts))


def _budget_messages(cx: _Compiler, cat: Catalogue) -> Messages:
    budget, spent = _label(cat, "budget"), _label(cat, "spent")
    unreadable = "not is_null(amount_errors) and amount_errors != ''"
    return Messages(
        (
            cx.message(unreadable, "{}", "amount_errors"),
            cx.message(
                "is_null(budget_score)",
                f"budget execution rate not computable ({budget} {{}}, {spent} {{}})",
                "budget",
                "spent",
            ),
        ),
        first=True,
    )


def _issues(cx: _Compiler) -> Messages:
    return Messages(
        (
            cx.message("not is_null(budget_issue)", "{}", "budget_issue"),
            cx.message("not is_null(points_issue)", "{}", "points_issue"),
            cx.message("n_indicators == 0", "no indicator rows"),
            cx.message("n_not_evaluable > 0", "{} indicator(s) not evaluable", "n_not_evaluable"),
        )
    )


def _total_steps(cx: _Compiler) -> list[Step]:
    rs, cats = cx.rs, cx.categories
    p = rs.precision
    part = (
        "if_null(budget_score, 0)"
        if rs.budget_execution.when_not_computable == "zero"
        else "budget_score"
    )
    scores = _sum([f"{c}_score" for c in cats])
    # Applied points (weighting: proportional) are unrounded shares: their sums are rounded
    # to 10 decimals, so the last bit does not depend on the engine's summation order.
    sums = ["points_total", *[f"{c}_points" for c in cats]]
    sums += [l2_points(l1, l2) for l1, parts in rs.level2_weights.items() for l2 in parts]
    steps = [cx.step(name, f"round({name}, {POINT_SUM_DIGITS})", N) for name in sums]
    steps += [
        cx.step("budget_part", part, N),
        cx.step("raw", f"budget_part + ({scores})", N),
        cx.step("present_points", _sum([f"({c}_points if {c}_n > 0 else 0)" for c in cats]), N),
        cx.step("missing", " or ".join(f"{c}_n == 0" for c in cats) or "false", B),
    ]
    total = "raw"
    if rs.when_category_missing == "rescale":
        rescaled = cx.check(rs.rescaled_total, N, ("rescaled_total",))
        if rescaled is not None:
            total = f"(({rs.rescaled_total}) if missing and present_points > 0 else raw)"
    steps.append(cx.step("total", f"round({total}, {p})", N))
    steps.append(cx.step("indicator_score", f"round({scores}, {p})", N))
    steps += [cx.step(f"{c}_score", f"round({c}_score, {p})", N) for c in cats]
    return steps


def compile_project(
    loaded: Loaded, vocab: Vocabulary, categories: tuple[str, ...], rule: SourcedChecker
) -> ProjectRules:
    """Every project and department rule of the ruleset, checked; problems go to `rule`,
    which the compile pass raises together with the ruleset's other problems."""
    rs = loaded.ruleset
    cx = _Compiler(loaded, categories, rule)
    clash = sorted(
        set(rs.params)
        & {
            "raw",
            "budget_part",
            "present_points",
            "missing",
            "budget_points",
            "scale",
            "total",
            "complete",
        }
    )
    for name in clash:
        cx.problems.append(
            loaded.sources.problem(
                ("params", name), f"parameter {name!r} shadows a roll-up name", key=True
            )
        )
    steps = _total_steps(cx)
    steps.append(("points_issue", _points_messages(cx, vocab)))
    steps.append(("budget_issue", _budget_messages(cx, loaded.catalogue)))
    cx.names |= {"points_issue": T, "budget_issue": T}
    steps.append(("issues", _issues(cx)))
    steps.append(cx.step("complete", rs.complete, B, ("complete",)))
    steps.append(cx.step("grade", _grade_text(rs), T))
    measures, counts = _measures(cx, categories)
    constants = {
        **rs.params,
        "budget_points": rs.weights.get(contexts.BUDGET_PART, 0.0),
        "scale": rs.scale,
    }
    return ProjectRules(constants, tuple(steps), rs.department.blank_label, measures, counts)


# --- department measures ---------------------------------------------------------------

_COLUMN = re.compile(r"^[^\W\d]\w*$")

_PROJECT_COUNTS = frozenset(
    c.name for c in columns.PROJECT_SCORES if c.dtype == columns.U32 and c.placeholder is None
)
"""project_scores columns that count indicators; their sums over a department are counts."""


def _grade_names(rs: Ruleset) -> list[str]:
    return [g.name for g in sorted(rs.grades, key=lambda g: -g.min)] + [rs.withheld_grade]


def _expanded(rs: Ruleset) -> list[tuple[str, str, str]]:
    """(measure key, column, text) with `{grade}` repeated per grade, `{precision}` filled."""
    out = []
    for key, text in rs.department.measures.items():
        text = text.replace("{precision}", str(rs.precision))
        if "{grade}" in key:
            out += [
                (key, key.replace("{grade}", g), text.replace("{grade}", _lit(g)))
                for g in _grade_names(rs)
            ]
        else:
            out.append((key, key, text))
    return out


def _map(node: Node, fn: Callable[[Node], Node], span: Span) -> Node:
    """The node with every child replaced by `fn(child)` and its span set to `span`."""
    updates: dict[str, object] = {"span": span}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, tuple) and value and hasattr(value[0], "span"):
            updates[f.name] = tuple(fn(v) for v in value)
        elif hasattr(value, "span") and f.name != "span":
            updates[f.name] = fn(value)
    return dataclasses.replace(node, **updates)  # type: ignore[arg-type]


def _summed(formula: Node, at: Span) -> Node:
    """A catalogue formula over the department: every column read becomes `sum(column)`."""
    if isinstance(formula, Col):
        return Call("sum", (Col(formula.name, at),), at)
    return _map(formula, lambda n: _summed(n, at), at)


def _substitute(node: Node, formulas: Mapping[str, Node]) -> Node:
    """A common-indicator id read in a measure stands for its formula, summed."""
    if isinstance(node, Col) and node.name in formulas:
        return _summed(formulas[node.name], node.span)
    if not children(node):
        return node
    return _map(node, lambda n: _substitute(n, formulas), node.span)


def _counting(node: Node) -> bool:
    """`count()`, `sum` of a 1-or-0 choice (a count of projects) or `sum` of a project
    count column (`sum(n_evaluable)`): a whole number."""
    if isinstance(node, Call) and node.func == "count":
        return True
    if isinstance(node, Call) and node.func == "sum" and isinstance(node.args[0], Col):
        return node.args[0].name in _PROJECT_COUNTS
    if isinstance(node, Call) and node.func == "sum" and isinstance(node.args[0], IfElse):
        branches = (node.args[0].then, node.args[0].orelse)
        return all(isinstance(b, Lit) and b.value in (0, 1) for b in branches)
    return False


def _measures(
    cx: _Compiler, categories: tuple[str, ...]
) -> tuple[dict[str, Checked], frozenset[str]]:
    rs, cat = cx.rs, cx.loaded.catalogue
    names = {
        **contexts.flag_names("project", categories),
        **contexts.project_formula_names(cat),
        **{k: N for k in rs.params},
    }
    formulas = {i.id: parse(i.formula) for i in cat.common_indicators}
    measures: dict[str, Checked] = {}
    counts = set()
    for key, column, text in _expanded(rs):
        path: KeyPath = ("department", "measures", key)
        if not _COLUMN.match(column) or column == "department":
            msg = (
                f"{column!r} is not a usable column name (letters, digits and _, not 'department')"
            )
            cx.problems.append(cx.loaded.sources.problem(path, msg, key=True))
            continue
        try:
            node = _substitute(parse(text), formulas)
            checked = check(node, names, aggregate=True, expect=N)
        except ExprError as exc:
            cx.problems += [
                cx.rule.locate(rs.department.measures[key], p.start, p.message, p.hint, path)
                for p in exc.problems
            ]
            continue
        measures[column] = Checked(checked.node, checked.type, checked.names, True, text)
        if _counting(checked.node):
            counts.add(column)
    return measures, frozenset(counts)
