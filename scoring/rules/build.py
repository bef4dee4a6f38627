"""The ruleset pipeline: load → check → compile, one fold of passes.

`score` (through `api.load_ruleset`) and `validate` both run `build`, so whatever `score`
would refuse, `validate` reports, at file:line:col, with every problem of the file
together. A pass is a plain function from the build state to the next state, in the
module of its own name; adding a pass (flags, monitoring rules) is adding it to PASSES.

A pass that finds problems records them and the fold goes on where the next pass can
still run (check and compile both report), so an analyst sees everything at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from jixiao.scoring.errors import Problem, RulesetError
from jixiao.scoring.rules.check import check_catalogue, check_loaded
from jixiao.scoring.rules.compile import Plan, compile_catalogue, compile_ruleset
from jixiao.scoring.rules.expressions import SourcedChecker
from jixiao.scoring.rules.load import Loaded, Sources, load, load_catalogue
from jixiao.scoring.rules.models import Catalogue
from jixiao.scoring.rules.monitor_rules import compile_monitoring
from jixiao.scoring.rules.reevaluation_rules import compile_reevaluation
from jixiao.scoring.rules.yamlsource import Document


@dataclass(frozen=True)
class Build:
    """What the passes have made of one ruleset reference so far."""

    ref: str
    document: Document | None = None
    """A ruleset parsed in memory (a `whatif` variant, rules/overrides.py) standing for
    the file `ref`; None reads `ref` itself."""
    loaded: Loaded | None = None
    plan: Plan | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems and self.plan is not None


Pass = Callable[[Build], Build]


def load_pass(state: Build) -> Build:
    """Read the ruleset, everything it extends and its catalogue; validate the models."""
    try:
        return replace(state, loaded=load(state.ref, state.document))
    except RulesetError as exc:
        return replace(state, problems=(*state.problems, *exc.problems))


def check_pass(state: Build) -> Build:
    if state.loaded is None:
        return state
    return replace(state, problems=(*state.problems, *check_loaded(state.loaded)))


def compile_pass(state: Build) -> Build:
    """Compile, reporting expression problems at their source.

    After the check pass found problems, compile still runs to report the expressions'
    problems too; if the inconsistent ruleset then trips compile over (a missing
    indicator, a refused unit table), the check pass has already said why.
    """
    if state.loaded is None:
        return state
    try:
        return replace(state, plan=compile_ruleset(state.loaded))
    except RulesetError as exc:
        return replace(state, problems=(*state.problems, *exc.problems))
    except Exception:
        if not state.problems:
            raise
        return state


def monitor_pass(state: Build) -> Build:
    """Compile the `monitoring:` section (lights for `jixiao monitor`): its problems are
    reported with the rest, so `validate` and `score` refuse the same rulesets."""
    if state.loaded is None:
        return state
    rule = SourcedChecker(state.loaded.sources)
    try:
        rules = compile_monitoring(state.loaded, rule)
    except Exception:
        if not state.problems:
            raise
        return state
    plan = replace(state.plan, monitor=rules) if state.plan is not None else None
    return replace(state, plan=plan, problems=(*state.problems, *rule.problems))


def reevaluation_pass(state: Build) -> Build:
    """Compile the `reevaluation:` section (`jixiao reevaluate`): its problems are reported
    with the rest, so `validate` and `score` refuse the same rulesets."""
    if state.loaded is None:
        return state
    rule = SourcedChecker(state.loaded.sources)
    rs = state.loaded.ruleset
    categories = tuple(k for k in rs.weights if k != "budget_execution")
    try:
        rules = compile_reevaluation(state.loaded, categories, rule)
    except Exception:
        if not state.problems:
            raise
        return state
    plan = replace(state.plan, reevaluation=rules) if state.plan is not None else None
    return replace(state, plan=plan, problems=(*state.problems, *rule.problems))


PASSES: tuple[Pass, ...] = (load_pass, check_pass, compile_pass, monitor_pass, reevaluation_pass)
"""The ruleset pipeline, in order; `validate` and `score` run exactly these."""


def build(ref: str, document: Document | None = None) -> Build:
    """Run every pass over a ruleset reference (built-in id or path), or over `document`
    standing for the file `ref` (see `Build.document`)."""
    state = Build(ref, document)
    for step in PASSES:
        state = step(state)
    return state


def load_ruleset(ref: str) -> Plan:
    """The compiled plan of a ruleset, or a RulesetError listing every problem."""
    state = build(ref)
    if state.problems or state.plan is None:
        raise RulesetError(state.problems)
    return state.plan


# --- catalogues on their own (`jixiao validate indicators/x.yaml`) ---------------------


@dataclass(frozen=True)
class CatalogueBuild:
    ref: str
    catalogue: Catalogue | None = None
    sources: Sources | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def _catalogue_load(state: CatalogueBuild) -> CatalogueBuild:
    try:
        catalogue, sources = load_catalogue(state.ref)
    except RulesetError as exc:
        return replace(state, problems=(*state.problems, *exc.problems))
    return replace(state, catalogue=catalogue, sources=sources)


def _catalogue_check(state: CatalogueBuild) -> CatalogueBuild:
    if state.catalogue is None or state.sources is None:
        return state
    return replace(
        state, problems=(*state.problems, *check_catalogue(state.catalogue, state.sources))
    )


def _catalogue_compile(state: CatalogueBuild) -> CatalogueBuild:
    if state.catalogue is None or state.sources is None:
        return state
    problems: list[Problem] = []
    compile_catalogue(state.catalogue, state.sources, problems)
    return replace(state, problems=(*state.problems, *problems))


CATALOGUE_PASSES: tuple[Callable[[CatalogueBuild], CatalogueBuild], ...] = (
    _catalogue_load,
    _catalogue_check,
    _catalogue_compile,
)
"""The same passes for a catalogue alone (what a ruleset's build runs on its catalogue)."""


def build_catalogue(ref: str) -> CatalogueBuild:
    state = CatalogueBuild(ref)
    for step in CATALOGUE_PASSES:
        state = step(state)
    return state
