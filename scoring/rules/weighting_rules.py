"""Compile `weighting` (and `level2_weights`) into the expressions that give each indicator
its applied points.

DOMAIN §2 "applying weights": under `weighting: check` the department's points as written
score (`applied_points` is `points`) and the roll-up checks that they match the weights.
Under `proportional` each indicator's points are scaled within its group so the group
sums to its weight, w'ᵢ = wᵢ × W / Σ w: the group is the level-1 category, or the level-2
category when `level2_weights` name that level-1's children, or every weighted category
together under `points_distribution: free` (only the total is fixed there).

Everything is ruleset data turned into expressions here, as the grade bands are: the
batch (`stages/weighting.py`) and `explain` run the same `Checked` objects over the same
per-project sums, so neither holds its own copy of the arithmetic. The only thing the
evaluators do themselves is the sums (`GroupSum`: a count or a sum of written points over
a project's rows of one category), which are plain aggregates.

A weighted category with no indicator rows in a project (DOMAIN §2 missing category)
keeps the `when_category_missing` policy: under `reassigned` its weight goes to the present
categories in proportion to their weights (the department "gave the absent category's
points to other indicators"), so the applied points still total the weights; under
`rescale` and `zero` the present categories keep their own weights and the total is
rescaled or the missing weight is not earned. A level-2 category with no rows gives its
level-2 weight to the present level-2 categories of its level-1 in proportion, so the
level-1 category still sums to its weight.

Applied points are not rounded: rounding each share to the precision cannot make three
equal indicators of a 10-point category sum to 10 (3.33 × 3 = 9.99), and any rule that
would (largest remainder) gives equal indicators unequal points. The category sums to its
weight up to binary floating point; the scores are rounded as every score is.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.scoring.expr import Checked, Type, check
from jixiao.scoring.rules.models import Ruleset

N = Type.NUMBER

APPLIED = "applied_points"
"""Output column: the points the scoring rules saw."""

CLAIMED = "claimed_applied"
"""The claimed score scaled like the points (the rules read it as `claimed_score`)."""

SUM_DIGITS = 10
"""Group sums are rounded to this many decimals before dividing: points are decimals
people typed, and the batch's and explain's summation orders may differ in the last bit."""


@dataclass(frozen=True)
class GroupSum:
    """A per-project aggregate over indicator rows: the count (`n`) or the sum of written
    points (`points`) of the rows of one level-1 category (and level-2 category), or of all
    rows (`level1` None)."""

    name: str
    what: str
    level1: str | None = None
    level2: str | None = None

    def matches(self, level1: str | None, level2: str | None) -> bool:
        """Whether a row of these categories counts in this sum."""
        if self.level1 is None:
            return True
        return level1 == self.level1 and (self.level2 is None or level2 == self.level2)


Let = tuple[str, Checked]


@dataclass(frozen=True)
class WeightingRules:
    """The applied points of a ruleset, compiled."""

    proportional: bool
    sums: tuple[GroupSum, ...]
    """Per-project aggregates the expressions read (none under `check`)."""
    project: tuple[Let, ...]
    """Per-project steps over the sums (present weights, effective category weights)."""
    row: tuple[Let, ...]
    """Per-row steps: the group's weight and points, `applied_points`, `claimed_applied`."""

    @property
    def temporary(self) -> tuple[str, ...]:
        """Columns the steps add that are not output columns."""
        keep = {APPLIED, CLAIMED}
        names = [s.name for s in self.sums] + [n for n, _ in (*self.project, *self.row)]
        return tuple(dict.fromkeys(n for n in names if n not in keep))


def _lit(x: float) -> str:
    return repr(float(x))


def _sum_name(what: str, *ids: str) -> str:
    return "wsum__" + "__".join(ids) + f"__{what}"


def _chain(cases: list[tuple[str, str]]) -> str:
    """`(v1 if c1 else (v2 if c2 else null))`."""
    text = "null"
    for cond, value in reversed(cases):
        text = f"({value} if {cond} else {text})"
    return text


def compile_weighting(rs: Ruleset, categories: tuple[str, ...]) -> WeightingRules:
    """The applied-points steps of a ruleset (assumes the check pass found no problems
    with `weighting` and `level2_weights`)."""
    if rs.weighting == "check":
        identity = (
            (APPLIED, check("points", {"points": N}, expect=N)),
            (CLAIMED, check("claimed_score", {"claimed_score": N}, expect=N)),
        )
        return WeightingRules(False, (), (), identity)
    text = Type.TEXT
    names: dict[str, Type] = {"points": N, "claimed_score": N, "level1": text, "level2": text}
    sums: list[GroupSum] = []
    project: list[Let] = []

    def add_sum(what: str, *ids: str) -> str:
        name = _sum_name(what, *ids) if ids else _sum_name(what, "all")
        sums.append(GroupSum(name, what, *ids))  # type: ignore[arg-type]
        names[name] = N
        return name

    def step(name: str, text: str, into: list[Let]) -> None:
        into.append((name, check(text, names, expect=N)))
        names[name] = N

    weights = {c: rs.weights[c] for c in categories}
    total = sum(weights.values())
    groups: list[tuple[str, str, str]] = []  # (condition, weight name, points name)
    if rs.points_distribution == "free":
        points = add_sum("points")
        step("wgroup__all", _lit(total), project)
        groups.append(("true", "wgroup__all", points))
    else:
        counts = {c: add_sum("n", c) for c in categories}
        present = " + ".join(f"({_lit(w)} if {counts[c]} > 0 else 0)" for c, w in weights.items())
        step("wpresent", present, project)
        for c, w in weights.items():
            effective = _lit(w)
            if rs.when_category_missing == "reassigned":
                effective = f"({_lit(w)} if wpresent >= {_lit(total)} else {_lit(w)} * {_lit(total)} / wpresent)"
            step(f"wcat__{c}", effective, project)
            parts = rs.level2_weights.get(c)
            if not parts:
                groups.append((f"level1 == {c!r}", f"wcat__{c}", add_sum("points", c)))
                continue
            l2n = {l2: add_sum("n", c, l2) for l2 in parts}
            l2present = " + ".join(
                f"({_lit(v)} if {l2n[l2]} > 0 else 0)" for l2, v in parts.items()
            )
            step(f"wl2present__{c}", l2present, project)
            for l2, v in parts.items():
                weight = f"wl2__{c}__{l2}"
                step(weight, f"safe_div({_lit(v)} * wcat__{c}, wl2present__{c})", project)
                cond = f"level1 == {c!r} and level2 == {l2!r}"
                groups.append((cond, weight, add_sum("points", c, l2)))
    row: list[Let] = []
    step("wgroup_weight", _chain([(cond, w) for cond, w, _ in groups]), row)
    step("wgroup_points", _chain([(cond, p) for cond, _, p in groups]), row)
    step(APPLIED, f"safe_div(points * wgroup_weight, round(wgroup_points, {SUM_DIGITS}))", row)
    step(CLAIMED, f"safe_div(claimed_score * {APPLIED}, points)", row)
    return WeightingRules(True, tuple(sums), tuple(project), tuple(row))
