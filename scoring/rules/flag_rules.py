"""Compile the ruleset's `flags:` into checked conditions and checked message templates.

A flag is data: a `when` of the expression language over the names of its level, and a
message template whose placeholders name values of the same row (expr/template.py). Both
are checked here, through the compile pass's `SourcedChecker`, so `validate` and `score`
report the same problems at file:line:col (a placeholder's problem at its `{`). The
result, `FlagRules`, is what the flags stage runs with Polars and `explain` with the
reference evaluator; neither has its own copy of a flag.

Names a flag sees (docs/flags.md):
- indicator / project: the flag-marked columns of its table (`contexts.flag_names`), the
  params bare (a column of the same name wins) and as `params.NAME`, the ids of the
  flags declared before it at its level (booleans: raised or not) and `explanation_due`
  (one of those that requires an explanation was raised on the row);
- department: a group expression over the department's projects with the names of
  `department.measures` (a common-indicator id stands for its summed formula), where the
  earlier department flags and `explanation_due` are the department's value repeated on
  each of its projects (read them inside an aggregate: `any(all_full_marks)`).
Message placeholders may name every column of the level's table (department: of
department_summary), the params, the earlier flag ids and `explanation_due`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jixiao.scoring import columns
from jixiao.scoring.errors import KeyPath, did_you_mean
from jixiao.scoring.expr import Checked, ExprError, Type, check, parse, render
from jixiao.scoring.expr.check import aggregate_calls
from jixiao.scoring.expr.ir import Col, Lit, Node, children, walk
from jixiao.scoring.expr.parse import PARAMS_PREFIX
from jixiao.scoring.expr.template import Placeholder, parse_template
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.expressions import SourcedChecker
from jixiao.scoring.rules.load import Loaded
from jixiao.scoring.rules.project_rules import _map, _substitute

N, B, T = Type.NUMBER, Type.BOOL, Type.TEXT

LEVELS = ("indicator", "project", "department")
EXPLANATION_DUE = "explanation_due"
SEVERITIES = ("info", "warning", "serious")
"""Severities, least serious first (the count columns and the report use this order)."""


@dataclass(frozen=True)
class Filled:
    """One placeholder of a compiled message: the name it reads, its type and spec."""

    placeholder: Placeholder
    type: Type
    constant: float | None = None
    """The param's value when the placeholder names a param (not a column or a flag)."""


@dataclass(frozen=True)
class Read:
    """A name shown in the `values` column: its type, and its value if it is a param."""

    name: str
    type: Type
    constant: float | None = None


@dataclass(frozen=True)
class CompiledFlag:
    """One flag, checked: what both evaluators run."""

    id: str
    level: str
    severity: str
    explanation_required: bool
    when: Checked
    message: tuple[str | Filled, ...]
    reads: tuple[Read, ...]
    """Names shown in the `values` column, in order: the columns (and earlier flags) the
    `when` and then the message read, in order of first appearance, then the params. At
    department level the `when` contributes its aggregates (`sum(n_evaluable)`), each
    computed over the department's projects, instead of the project columns inside them."""
    aggregates: tuple[tuple[str, Checked], ...] = ()
    """Department level: the `when`'s aggregate calls, by their printed text."""


@dataclass(frozen=True)
class FlagRules:
    """The ruleset's flags by level, in ruleset order, and the param values they read."""

    indicator: tuple[CompiledFlag, ...] = ()
    project: tuple[CompiledFlag, ...] = ()
    department: tuple[CompiledFlag, ...] = ()
    params: Mapping[str, float] | None = None
    """Every param, under its bare name and as `params.NAME`."""

    def level(self, level: str) -> tuple[CompiledFlag, ...]:
        return {
            "indicator": self.indicator,
            "project": self.project,
            "department": self.department,
        }[level]

    def constants(self) -> dict[str, float]:
        return dict(self.params or {})

    def __bool__(self) -> bool:
        return bool(self.indicator or self.project or self.department)


def param_names(params: Mapping[str, float]) -> dict[str, float]:
    """The params under both spellings: `low_execution` and `params.low_execution`."""
    return {**params, **{PARAMS_PREFIX + k: v for k, v in params.items()}}


def _table_names(
    level: str, categories: tuple[str, ...], common: tuple[str, ...]
) -> dict[str, Type]:
    """Every column of the level's output table (what message placeholders may name)."""
    table = {"indicator": "indicator_scores", "project": "project_scores"}[level]
    expansion = columns.Expansion(categories=categories, common=common)
    return {
        c.name: columns.expression_type(c.dtype)
        for c in columns.expanded(table, expansion)
        if c.name not in columns.FLAG_COUNTS
    }


def _ordered_names(node: Node) -> list[str]:
    """Names read by a tree, in order of their position in the text."""
    cols = sorted((n for n in walk(node) if isinstance(n, Col)), key=lambda n: n.span.start)
    return list(dict.fromkeys(c.name for c in cols))


class _FlagCompiler:
    def __init__(self, loaded: Loaded, categories: tuple[str, ...], rule: SourcedChecker) -> None:
        self.loaded, self.rs, self.rule = loaded, loaded.ruleset, rule
        self.categories = categories
        self.common = tuple(
            c.id
            for c in loaded.catalogue.common_indicators
            if c.id != self.rs.budget_execution.indicator
        )
        self.param_values = param_names(self.rs.params)
        self.params = {k: N for k in self.param_values}
        self.columns: set[str] = set()
        self.group_params: list[str] = []
        """Params a department `when` reads, in order (they become constants in its tree)."""

    def problem(self, path: KeyPath, message: str, hint: str | None = None) -> None:
        self.rule.problems.append(self.loaded.sources.problem(path, message, hint=hint))

    def when_columns(self, level: str) -> dict[str, Type]:
        if level == "department":
            return {
                **contexts.flag_names("project", self.categories),
                **contexts.project_formula_names(self.loaded.catalogue),
            }
        return contexts.flag_names(level, self.categories)

    def message_columns(self, level: str, measures: Mapping[str, Checked]) -> dict[str, Type]:
        if level == "department":
            return {"department": T, **{m: N for m in measures}}
        return _table_names(level, self.categories, self.common)

    def compile(self, measures: Mapping[str, Checked]) -> FlagRules:
        by_level: dict[str, list[CompiledFlag]] = {lv: [] for lv in LEVELS}
        declared: dict[str, list[str]] = {lv: [] for lv in LEVELS}
        for i, flag in enumerate(self.rs.flags):
            extra = {**{f: B for f in declared[flag.level]}, EXPLANATION_DUE: B}
            declared[flag.level].append(flag.id)
            when_cols = {**self.when_columns(flag.level), **extra}
            msg_cols = {**self.message_columns(flag.level, measures), **extra}
            self.columns = {*when_cols, *msg_cols}
            self.check_id(i, flag.id, measures)
            for j, name in enumerate(flag.params):
                if name not in self.rs.params:
                    hint = did_you_mean(name, list(self.rs.params))
                    self.problem(("flags", i, "params", j), f"no param {name!r} in params", hint)
            when_names = {**self.params, **when_cols}
            when = self.when(i, flag.level, flag.when, when_names)
            msg_names = {**self.params, **msg_cols}
            message = self.message(i, flag.message, msg_names)
            if when is None or message is None:
                continue
            aggregates = self.aggregates(when) if flag.level == "department" else ()
            reads = self.reads(when, message, when_names, aggregates)
            by_level[flag.level].append(
                CompiledFlag(
                    flag.id,
                    flag.level,
                    flag.severity,
                    flag.explanation_required,
                    when,
                    message,
                    reads,
                    aggregates,
                )
            )
        return FlagRules(
            tuple(by_level["indicator"]),
            tuple(by_level["project"]),
            tuple(by_level["department"]),
            param_names(self.rs.params),
        )

    def check_id(self, i: int, flag_id: str, measures: Mapping[str, Checked]) -> None:
        """An id may be a param's name (`low_execution`: a later flag reads the flag under
        the bare name, the param as `params.low_execution`), never a column's of any
        level: the flags stage keeps each flag as a column beside the table's."""
        reserved = {
            EXPLANATION_DUE,
            "params",
            *measures,
            *contexts.project_formula_names(self.loaded.catalogue),
            *_table_names("indicator", self.categories, self.common),
            *_table_names("project", self.categories, self.common),
            *columns.FLAG_COUNTS,
            "department",
        }
        if flag_id in reserved:
            self.problem(
                ("flags", i, "id"),
                f"flag id {flag_id!r} is the name of a column flags read; choose another id",
            )

    def when(self, i: int, level: str, text: str, names: Mapping[str, Type]) -> Checked | None:
        path: KeyPath = ("flags", i, "when")
        before = len(self.rule.problems)
        if level != "department":
            checked = self.rule(path, text, names, B)
            return None if len(self.rule.problems) > before else checked
        formulas = {c.id: parse(c.formula) for c in self.loaded.catalogue.common_indicators}
        try:
            parsed = parse(text)
            # params are constants of the group, readable outside an aggregate
            self.group_params = [n for n in _ordered_names(parsed) if self.is_param(n, names)]
            constants = param_names(self.rs.params)
            node = _constants(parsed, {n: constants[n] for n in self.group_params})
            node = _substitute(node, formulas)
            checked = check(node, names, aggregate=True, expect=B)
        except ExprError as exc:
            self.rule.problems += [
                self.rule.locate(text, p.start, p.message, p.hint, path) for p in exc.problems
            ]
            return None
        return Checked(checked.node, checked.type, checked.names, True, text)

    def message(
        self, i: int, text: str, names: Mapping[str, Type]
    ) -> tuple[str | Filled, ...] | None:
        path: KeyPath = ("flags", i, "message")
        parts, problems = parse_template(text)
        out: list[str | Filled] = []
        failed = bool(problems)
        for p in problems:
            self.rule.problems.append(self.rule.locate(text, p.offset, p.message, None, path))
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            failed |= not self.placeholder(text, part, names, path, out)
        return None if failed else tuple(out)

    def placeholder(
        self,
        text: str,
        part: Placeholder,
        names: Mapping[str, Type],
        path: KeyPath,
        out: list[str | Filled],
    ) -> bool:
        type_ = names.get(part.name)
        if type_ is None:
            message = f"unknown name {part.name!r} in the message placeholder"
            hint = did_you_mean(part.name, list(names))
            self.rule.problems.append(self.rule.locate(text, part.offset, message, hint, path))
            return False
        if part.spec is not None and part.spec.text and type_ != N:
            message = (
                f"format spec {part.spec.text!r} needs a number; {part.name!r} is a {type_.value}"
            )
            self.rule.problems.append(self.rule.locate(text, part.offset, message, None, path))
            return False
        constant = self.constant(part.name)
        out.append(Filled(part, type_, constant))
        return True

    def constant(self, name: str) -> float | None:
        """The param's value if `name` reads a param here, else None (a column or flag)."""
        return float(self.param_values[name]) if self.is_param(name, {}) else None

    def aggregates(self, when: Checked) -> tuple[tuple[str, Checked], ...]:
        out: dict[str, Checked] = {}
        for call in sorted(aggregate_calls(when.node), key=lambda c: c.span.start):
            name = render(call)
            out.setdefault(name, Checked(call, call.type or N, when.names, True, name))
        return tuple(out.items())

    def reads(
        self,
        when: Checked,
        message: tuple[str | Filled, ...],
        names: Mapping[str, Type],
        aggregates: tuple[tuple[str, Checked], ...],
    ) -> tuple[Read, ...]:
        """Columns first (in order of first appearance in the when, then the message),
        then params; a bare name that is also a column or an earlier flag is that."""
        in_when = self.group_params if aggregates else _ordered_names(when.node)
        shown: dict[str, Read] = {name: Read(name, c.type) for name, c in aggregates}
        params: dict[str, Read] = {}
        named = [(n, names[n]) for n in in_when]
        named += [(p.placeholder.name, p.type) for p in message if isinstance(p, Filled)]
        for name, type_ in named:
            constant = self.constant(name)
            target = shown if constant is None else params
            target.setdefault(name, Read(name, type_, constant))
        return (*shown.values(), *(r for k, r in params.items() if k not in shown))

    def is_param(self, name: str, columns_and_params: Mapping[str, Type]) -> bool:
        return name in self.params and name not in self.columns


def _constants(node: Node, values: Mapping[str, float]) -> Node:
    """The tree with each param read replaced by its value (a literal at the same span)."""
    if isinstance(node, Col) and node.name in values:
        return Lit(float(values[node.name]), node.span)
    if not children(node):
        return node
    return _map(node, lambda n: _constants(n, values), node.span)


def compile_flags(
    loaded: Loaded,
    categories: tuple[str, ...],
    measures: Mapping[str, Checked],
    rule: SourcedChecker,
) -> FlagRules:
    """Every flag of the ruleset, checked; problems go to `rule` (raised with the rest)."""
    return _FlagCompiler(loaded, categories, rule).compile(measures)
