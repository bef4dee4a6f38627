"""Check pass: semantic rules a schema cannot express, all collected and reported together.

Weights must add up, grade bands must tile the scale, names must resolve against the
catalogue — each finding at the line and column the analyst wrote. Expressions the
compiler runs, flags included, are checked by the compile pass (through
`expressions.SourcedChecker`), so that `validate` and `score` judge the same text once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from jixiao.scoring.errors import JixiaoError, KeyPath, Problem, did_you_mean
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.load import Loaded, Sources
from jixiao.scoring.rules.models import Catalogue, Ruleset
from jixiao.scoring.values.units import TierTable, Unit, UnitTable

SUM_TOLERANCE = 0.001
"""Weights are decimal numbers typed by people; 0.001 absorbs float noise, not mistakes."""


def check_loaded(loaded: Loaded) -> list[Problem]:
    """Every semantic problem of a loaded ruleset and its catalogue, together."""
    return [
        *check_catalogue(loaded.catalogue, loaded.catalogue_sources),
        *check_ruleset(loaded.ruleset, loaded.catalogue, loaded.sources),
    ]


# --- catalogue -------------------------------------------------------------------------


def check_catalogue(cat: Catalogue, sources: Sources) -> list[Problem]:
    problems = _duplicates(
        ((("levels", i, "id"), lv.id) for i, lv in enumerate(cat.levels)), "level-1 id", sources
    )
    for i, level in enumerate(cat.levels):
        pairs = ((("levels", i, "children", j, "id"), c.id) for j, c in enumerate(level.children))
        problems += _duplicates(pairs, f"level-2 id under {level.id}", sources)
    unit_labels = (
        (("units", i), label) for i, u in enumerate(cat.units) for label in (u.name, *u.aliases)
    )
    problems += _duplicates(unit_labels, "unit label", sources)
    tier_labels = ((("tiers", t), label) for t, labels in cat.tiers.items() for label in labels)
    problems += _duplicates(tier_labels, "tier label", sources)
    for name, table in cat.tables.items():
        columns = [c.name for c in table.columns]
        for k, key in enumerate(table.key):
            if key not in columns:
                msg = f"key column {key!r} is not a column of {name}"
                problems.append(
                    sources.problem(
                        ("tables", name, "key", k), msg, hint=did_you_mean(key, columns)
                    )
                )
    problems += _vocabulary_problems(cat, sources)
    return problems


def _vocabulary_problems(cat: Catalogue, sources: Sources) -> list[Problem]:
    """Unit and tier tables refuse spellings the value parser could misread."""
    problems = []
    try:
        UnitTable.from_units(
            Unit(u.name, tuple(u.aliases), u.dimension, u.factor) for u in cat.units
        )
    except JixiaoError as exc:
        problems.append(sources.problem(("units",), str(exc), key=True))
    try:
        TierTable.from_mapping(cat.tiers)
    except JixiaoError as exc:
        problems.append(sources.problem(("tiers",), str(exc), key=True))
    return problems


def _duplicates(pairs: Iterable[tuple[KeyPath, str]], what: str, sources: Sources) -> list[Problem]:
    seen: dict[str, KeyPath] = {}
    problems = []
    for path, value in pairs:
        if value in seen:
            problems.append(
                sources.problem(path, f"duplicate {what} {value!r} (also at {seen[value]})")
            )
        else:
            seen[value] = path
    return problems


# --- ruleset ---------------------------------------------------------------------------


def check_ruleset(rs: Ruleset, cat: Catalogue, sources: Sources) -> list[Problem]:
    return [
        *_check_weights(rs, cat, sources),
        *_check_level2(rs, cat, sources),
        *_check_grades(rs, sources),
        *_check_tiers(rs, cat, sources),
        *_check_names(rs, cat, sources),
    ]


def _check_weights(rs: Ruleset, cat: Catalogue, sources: Sources) -> list[Problem]:
    allowed = [contexts.BUDGET_PART, *(lv.id for lv in cat.levels)]
    problems = []
    for key, value in rs.weights.items():
        if key not in allowed:
            msg = f"{key!r} is not a level-1 category of catalogue {cat.id!r}"
            hint = did_you_mean(key, allowed) or "allowed: " + ", ".join(allowed)
            problems.append(sources.problem(("weights", key), msg, key=True, hint=hint))
        elif value <= 0:
            problems.append(sources.problem(("weights", key), f"weight must be > 0, got {value:g}"))
    total = sum(rs.weights.values())
    if abs(total - rs.scale) > SUM_TOLERANCE:
        parts = " + ".join(f"{k} {v:g}" for k, v in rs.weights.items())
        msg = f"weights sum to {total:g}, expected the scale {rs.scale:g} ({parts})"
        problems.append(sources.problem(("weights",), msg, key=True))
    return problems


def _check_level2(rs: Ruleset, cat: Catalogue, sources: Sources) -> list[Problem]:
    problems = []
    if rs.weighting == "proportional" and rs.points_distribution == "free" and rs.level2_weights:
        msg = (
            "weighting: proportional with points_distribution: free scales all indicators "
            "together to the weights' total, so level2_weights cannot apply; use "
            "points_distribution: fixed, or drop level2_weights"
        )
        problems.append(sources.problem(("weighting",), msg))
    levels = {lv.id: lv for lv in cat.levels}
    for l1, parts in rs.level2_weights.items():
        path: KeyPath = ("level2_weights", l1)
        if l1 not in rs.weights or l1 not in levels:
            msg = f"{l1!r} is not a weighted level-1 category"
            problems.append(
                sources.problem(path, msg, key=True, hint=did_you_mean(l1, list(levels)))
            )
            continue
        children = [c.id for c in levels[l1].children]
        for l2 in parts:
            if l2 not in children:
                owner = next(
                    (lv.id for lv in cat.levels if l2 in {c.id for c in lv.children}), None
                )
                msg = f"{l2!r} is not a level-2 category of {l1!r}" + (
                    f" (it belongs to {owner!r})" if owner else ""
                )
                hint = did_you_mean(l2, children) or "level-2 of " + l1 + ": " + ", ".join(children)
                problems.append(sources.problem((*path, l2), msg, key=True, hint=hint))
        for l2, value in parts.items():
            if value <= 0:
                msg = f"level-2 weight must be > 0, got {value:g}"
                problems.append(sources.problem((*path, l2), msg))
        missing = [c for c in children if c not in parts]
        if rs.weighting == "proportional" and missing:
            msg = (
                f"weighting: proportional scales {l1!r} within its level-2 categories, so "
                f"level2_weights.{l1} must name all of them; missing: {', '.join(missing)}"
            )
            problems.append(sources.problem(path, msg, key=True))
        total = sum(parts.values())
        if abs(total - rs.weights[l1]) > SUM_TOLERANCE:
            msg = (
                f"level-2 weights of {l1!r} sum to {total:g}, but its weight is {rs.weights[l1]:g}"
            )
            problems.append(sources.problem(path, msg, key=True))
    return problems


def _check_grades(rs: Ruleset, sources: Sources) -> list[Problem]:
    if not rs.grades:
        return [sources.problem(("grades",), "at least one grade band is required")]
    problems = _duplicates(
        ((("grades", i, "name"), g.name) for i, g in enumerate(rs.grades)), "grade", sources
    )
    order = sorted(range(len(rs.grades)), key=lambda i: rs.grades[i].min)
    for i in order:
        g = rs.grades[i]
        if g.max <= g.min:
            problems.append(
                sources.problem(
                    ("grades", i, "max"),
                    f"band {g.name}: max {g.max:g} must be above min {g.min:g}",
                )
            )
    low = rs.grades[order[0]]
    if low.min != 0:
        problems.append(
            sources.problem(
                ("grades", order[0], "min"),
                f"grade bands start at {low.min:g}; scores from 0 to {low.min:g} would have no grade",
            )
        )
    top = rs.grades[order[-1]]
    if top.max != rs.scale:
        problems.append(
            sources.problem(
                ("grades", order[-1], "max"),
                f"the top band ends at {top.max:g}, not at the scale {rs.scale:g}",
            )
        )
    for a, b in itertools.pairwise(order):
        ga, gb = rs.grades[a], rs.grades[b]
        if ga.max < gb.min:
            problems.append(
                sources.problem(
                    ("grades", b, "min"),
                    f"gap between bands {ga.name} (max {ga.max:g}) and {gb.name} (min {gb.min:g}): scores in between have no grade",
                )
            )
        elif ga.max > gb.min:
            problems.append(
                sources.problem(
                    ("grades", b, "min"),
                    f"bands {ga.name} ({ga.min:g}–{ga.max:g}) and {gb.name} ({gb.min:g}–{gb.max:g}) overlap",
                )
            )
    return problems


def _check_tiers(rs: Ruleset, cat: Catalogue, sources: Sources) -> list[Problem]:
    problems = []
    tiers = rs.rules.qualitative.tiers
    base: KeyPath = ("rules", "qualitative", "tiers")
    for name, tier in tiers.items():
        if name not in cat.tiers:
            msg = f"{name!r} is not a tier of catalogue {cat.id!r}"
            problems.append(
                sources.problem(
                    (*base, name), msg, key=True, hint=did_you_mean(name, list(cat.tiers))
                )
            )
        if tier.min > tier.max:
            problems.append(
                sources.problem((*base, name, "min"), f"min {tier.min:g} is above max {tier.max:g}")
            )
        elif not tier.min <= tier.default <= tier.max:
            problems.append(
                sources.problem(
                    (*base, name, "default"),
                    f"default {tier.default:g} lies outside the band {tier.min:g}–{tier.max:g}",
                )
            )
    for name in cat.tiers:
        if name not in tiers:
            problems.append(sources.problem(base, f"no band for catalogue tier {name!r}"))
    return problems


def _check_names(rs: Ruleset, cat: Catalogue, sources: Sources) -> list[Problem]:
    problems = []
    indicators = [c.id for c in cat.common_indicators]
    if rs.budget_execution.indicator not in indicators:
        path: KeyPath = ("budget_execution", "indicator")
        msg = f"no common indicator {rs.budget_execution.indicator!r} in catalogue {cat.id!r}"
        problems.append(
            sources.problem(path, msg, hint=did_you_mean(rs.budget_execution.indicator, indicators))
        )
    columns = {c.name for t in cat.tables.values() for c in t.columns}
    for name in rs.column_aliases:
        if name not in columns:
            msg = f"{name!r} is not an input column"
            problems.append(
                sources.problem(
                    ("column_aliases", name), msg, key=True, hint=did_you_mean(name, columns)
                )
            )
    problems += _duplicates(
        ((("flags", i, "id"), f.id) for i, f in enumerate(rs.flags)), "flag id", sources
    )
    clash = set(rs.params) & set(contexts.RESERVED)
    for name in sorted(clash):
        problems.append(
            sources.problem(
                ("params", name), f"parameter {name!r} shadows a built-in name", key=True
            )
        )
    return problems
