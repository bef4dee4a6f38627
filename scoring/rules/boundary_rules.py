"""Compile the near-boundary test: which projects sit within `params.boundary_margin` points
of a grade boundary, i.e. the projects a small change of weights or scores would flip.

The boundaries come from the same band table the `grade` expression is compiled from
(`project_rules.grade_bands`): every band's `min` except the lowest (0 flips nothing) is
a boundary between the band below and the band above. For each boundary the test is an
expression over the project row (`total`, `grade`) and the margin, so the batch
(`jobs/boundary.py`) and the reference evaluator run the same text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from jixiao.scoring.expr import Checked, Type, check
from jixiao.scoring.rules.expressions import SourcedChecker
from jixiao.scoring.rules.load import Loaded
from jixiao.scoring.rules.project_rules import grade_bands

MARGIN = "boundary_margin"
"""The ruleset param holding the margin, in points of the scale."""

DEFAULT_MARGIN = 1.0
"""The margin when the ruleset's params do not set `boundary_margin` (issue 11: ±1 point)."""


@dataclass(frozen=True)
class Edge:
    """One grade boundary and the expressions judging a project against it."""

    boundary: float
    below: str
    """Grade of a total just under the boundary."""
    above: str
    """Grade of a total at the boundary (a band's `min` is inclusive)."""
    distance: Checked
    """`round(total - boundary, precision)`: negative below, 0 at the boundary."""
    near: Checked
    """Whether the project is graded by the bands and its distance is within the margin."""


@dataclass(frozen=True)
class BoundaryRules:
    margin: float
    edges: tuple[Edge, ...]

    @property
    def constants(self) -> dict[str, float]:
        """Named constants the expressions read."""
        return {MARGIN: self.margin}


def compile_boundary(loaded: Loaded, rule: SourcedChecker) -> BoundaryRules:
    """The boundaries of the ruleset's grade bands; a negative margin is a problem at the
    param's line and column."""
    rs = loaded.ruleset
    margin = rs.params.get(MARGIN, DEFAULT_MARGIN)
    if margin < 0:
        msg = f"{MARGIN} must be ≥ 0 points, got {margin:g}"
        rule.problems.append(loaded.sources.problem(("params", MARGIN), msg))
    bands = grade_bands(rs)
    graded = ", ".join(repr(g.name) for g in bands)
    names = {"total": Type.NUMBER, "grade": Type.TEXT, MARGIN: Type.NUMBER}
    edges = []
    for lower, upper in itertools.pairwise(bands):
        b = repr(float(upper.min))
        distance = f"round(total - {b}, {rs.precision})"
        near = f"grade in ({graded},) and abs({distance}) <= {MARGIN}"
        edges.append(
            Edge(
                boundary=float(upper.min),
                below=lower.name,
                above=upper.name,
                distance=check(distance, names, expect=Type.NUMBER),
                near=check(near, names, expect=Type.BOOL),
            )
        )
    return BoundaryRules(margin, tuple(edges))
