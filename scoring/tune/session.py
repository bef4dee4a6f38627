"""The live tuning session (`jixiao tune`, docs/tune.md): inputs read and parsed once, the
base plan compiled once, and every candidate (a list of `KEY=VALUE` overrides, the grammar
of `whatif --set`) built through rules/overrides.py and scored over the prepared rows.

Nothing here is a scoring rule. A candidate is the variant ruleset `whatif --set` builds
(`make_variant`: the fold load → check → compile, did-you-mean on keys, the implied
`weighting: proportional`, the moved band bound), and it runs the same stages `score`
runs (stages/score.py, stages/rollup.py, jobs/boundary.py) on the rows `selfeval.prepare`
made once, like a sweep's value (jobs/sweep.py).

What makes a change fast is reuse, never a shortcut in the rules: the per-project sums of
the scored indicator rows (`indicator_totals`) depend only on the row-level part of the
plan (`row_key`: indicator rules, weighting, params, level-2 weights, precision). A change
that leaves that part as it is (grade bands, the budget rule, completeness, the total
under a missing category) re-runs only the project roll-up over the cached sums; a change
that touches it (a weight, a tier default, a param) scores every row again. Both paths
give the project table `score` gives (tested against `api.whatif`).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from jixiao.scoring import api
from jixiao.scoring.errors import JixiaoError, Problem, RulesetError
from jixiao.scoring.io.file_names import clean
from jixiao.scoring.io.read import Inputs, SourceInfo
from jixiao.scoring.jobs.boundary import near_boundary
from jixiao.scoring.jobs.compare import (
    compare_projects,
    departments,
    grade_order,
    migration,
)
from jixiao.scoring.jobs.selfeval import Prepared, Results, preparation_key, prepare, score_prepared
from jixiao.scoring.jobs.sweep import TOTALS_INPUTS
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.contexts import BUDGET_PART
from jixiao.scoring.rules.overrides import Override, Variant, make_variant, parse_override
from jixiao.scoring.stages.rollup import indicator_totals, project_scores
from jixiao.scoring.stages.score import score_indicators
from jixiao.scoring.stages.weighting import SUM_INPUTS, group_sums, needs_sums

MAX_OVERRIDES = 200
"""More overrides than a page has controls is not a page talking."""
MAX_ROWS = 1000
"""Rows of the changed-projects and near-boundary lists sent to the page (the counts are
whole; the lists are the first rows in their order)."""
CACHE = 4
"""Row-level results kept (the base, and the last candidates' weightings)."""

OPTION = "--set"
PROJECT_COLUMNS = ["project_id", "project_name", "department", "total", "grade"]
"""What the page reads of each project (the comparison, the boundary list)."""
VARIANTS = 64
"""Variants kept by their overrides (a slider moved back builds nothing again)."""
_NAME = re.compile(r"[^\w\-.]+", re.UNICODE)


@dataclass
class Scored:
    """One ruleset over the prepared rows: its project table (project_id, names,
    department, total, grade …) and its near-boundary list."""

    plan: Plan
    projects: pl.DataFrame
    near: pl.DataFrame
    reused_rows: bool
    """True when the scored rows' sums came from the cache (only the roll-up ran)."""

    def results(self, rejects: pl.DataFrame) -> Results:
        """As `Results` for the comparison functions (lean: no indicator rows)."""
        empty = pl.DataFrame()
        return Results(
            indicator_scores=empty,
            project_scores=self.projects,
            department_summary=empty,
            rejects=rejects,
            near_boundary=self.near,
            plan=self.plan,
        )


@dataclass
class Session:
    """What the server holds: the base, the prepared rows, and the caches."""

    base_ref: str
    base: Plan
    prepared: Prepared
    out_dir: Path
    base_scored: Scored | None = None
    _totals: OrderedDict[str, pl.DataFrame] = field(default_factory=OrderedDict)
    _variants: OrderedDict[tuple[str, ...], Variant] = field(default_factory=OrderedDict)
    _base_flags: dict[str, int] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- building ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        ruleset: str,
        paths: Sequence[str | Path],
        *,
        out_dir: str | Path,
        year: int | None = None,
        include_hidden_sheets: bool = False,
        max_xlsx_mb: int = api.DEFAULT_MAX_XLSX_MB,
        step: Callable[[str], None] | None = None,
    ) -> Session:
        """Load the base, read and prepare the inputs once, score the base."""
        say = step or (lambda _: None)
        say(f"loading ruleset {ruleset}")
        base = api.load_ruleset(ruleset)
        say(f"reading {len(paths)} input file(s)")
        inputs = api.read(
            base, list(paths), include_hidden_sheets=include_hidden_sheets, max_xlsx_mb=max_xlsx_mb
        )
        return cls.from_inputs(ruleset, base, inputs, out_dir=out_dir, year=year, step=say)

    @classmethod
    def from_inputs(
        cls,
        ruleset: str,
        base: Plan,
        inputs: Inputs,
        *,
        out_dir: str | Path,
        year: int | None = None,
        step: Callable[[str], None] | None = None,
    ) -> Session:
        say = step or (lambda _: None)
        rows = sum(s.rows.get("indicators", 0) for s in inputs.sources)
        say(f"parsing {rows:,} indicator rows (once)")
        prepared = prepare(base, inputs, year=year)
        session = cls(ruleset, base, prepared, Path(out_dir))
        say(f"scoring {prepared.projects.height:,} projects under {ruleset}")
        session.base_scored = session.score(base)
        return session

    @property
    def base_results(self) -> Scored:
        assert self.base_scored is not None
        return self.base_scored

    def variant(self, sets: Sequence[str]) -> Variant:
        """The base with these overrides, checked like a ruleset file; a RulesetError's
        problems are named `--set KEY=VALUE` as `whatif --set` names them."""
        if len(sets) > MAX_OVERRIDES:
            raise JixiaoError(f"{len(sets)} overrides; a page sends at most {MAX_OVERRIDES}")
        key = tuple(sets)
        with self._lock:
            known = self._variants.get(key)
            if known is not None:
                self._variants.move_to_end(key)
                return known
        chosen = self._build(sets)
        with self._lock:
            self._variants[key] = chosen
            while len(self._variants) > VARIANTS:
                self._variants.popitem(last=False)
        return chosen

    def _build(self, sets: Sequence[str]) -> Variant:
        overrides: list[Override] = []
        problems: list[Problem] = []
        for text in sets:
            try:
                overrides.append(parse_override(text, OPTION))
            except RulesetError as exc:
                problems += exc.problems
        if problems:
            raise RulesetError(problems)
        chosen = make_variant(self.base, self.base_ref, overrides)
        assert chosen.plan is not None
        if chosen.plan.loaded.ruleset.column_aliases != self.base.loaded.ruleset.column_aliases:
            raise JixiaoError(
                "column_aliases change how the input files are read, which tune does once: "
                "save the variant and run `jixiao compare`"
            )
        if preparation_key(chosen.plan) != self.prepared.key:
            raise JixiaoError(
                "this change places rows differently (catalogue, default comparator, weighted "
                "categories or budget indicator), which tune prepared once with the base: "
                "try it with `jixiao whatif`"
            )
        return chosen

    def _plan(self, chosen: Variant | None) -> Plan:
        """The candidate's plan: the base itself when nothing is overridden."""
        if chosen is None or not chosen.overrides or chosen.plan is None:
            return self.base
        return chosen.plan

    # --- scoring ----------------------------------------------------------------------

    def score(self, plan: Plan) -> Scored:
        """The project table of `plan` over the prepared rows: the row-level sums from
        the cache when the row-level part of the plan is one already scored."""
        key = row_key(plan)
        with self._lock:
            totals = self._totals.get(key)
            if totals is not None:
                self._totals.move_to_end(key)
        reused = totals is not None
        if totals is None:
            totals = self._row_totals(plan)
            with self._lock:
                self._totals[key] = totals
                while len(self._totals) > CACHE:
                    self._totals.popitem(last=False)
        # Only the columns the page shows: the optimiser then leaves out every roll-up
        # step nothing here reads (the issue messages), as it does for a sweep.
        table = (
            project_scores(self.prepared.projects.lazy(), totals.lazy(), plan)
            .select(PROJECT_COLUMNS)
            .collect()
        )
        return Scored(plan, table, near_boundary(plan, table), reused)

    def _row_totals(self, plan: Plan) -> pl.DataFrame:
        """Score every prepared row and sum per project (what the roll-up reads), as
        `score` does: the weighting sums over the whole table first, then the rules."""
        rows = self.prepared.indicators.lazy()
        sums = None
        if needs_sums(plan):
            sums = group_sums(rows.select(SUM_INPUTS), plan).collect().lazy()
        scored = score_indicators(rows, plan, sums).select(TOTALS_INPUTS)
        return indicator_totals(scored, plan).collect()

    def evaluate(self, sets: Sequence[str]) -> dict[str, Any]:
        """The page's views for the candidate `sets` against the base (JSON-ready)."""
        started = time.perf_counter()
        chosen = self.variant(sets) if sets else None
        plan = self._plan(chosen)
        candidate = self.base_results if plan is self.base else self.score(plan)
        payload = self.views(candidate)
        payload["overrides"] = [o.text for o in chosen.overrides] if chosen else []
        payload["notes"] = list(chosen.notes) if chosen else []
        payload["reused_rows"] = candidate.reused_rows
        payload["server_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return payload

    def views(self, candidate: Scored) -> dict[str, Any]:
        base = self.base_results
        rejects = self.prepared.rejects
        projects = compare_projects(base.results(rejects), candidate.results(rejects))
        grades = grade_order(base.plan, candidate.plan, projects)
        matrix = migration(projects, grades)
        precision = max(base.plan.loaded.ruleset.precision, candidate.plan.loaded.ruleset.precision)
        depts = departments(projects, _bands(base.plan), _bands(candidate.plan), precision)
        changed = projects.filter(pl.col("base_grade").ne_missing(pl.col("candidate_grade")))
        changed = (
            changed.with_row_index("_order")
            .sort([pl.col("delta").abs(), "_order"], descending=[True, False], nulls_last=True)
            .drop("_order")
        )
        near = candidate.near
        return {
            "grades": grades,
            "counts": {
                "base": _counts(projects, "base_grade", grades),
                "candidate": _counts(projects, "candidate_grade", grades),
            },
            "migration": matrix.rows(),
            "departments": _records(depts),
            "changed": {"n": changed.height, "rows": _records(changed.head(MAX_ROWS))},
            "near": {
                "n": near.height,
                "margin": candidate.plan.boundary.margin,
                "rows": _records(near.head(MAX_ROWS)),
            },
            "projects": projects.height,
        }

    # --- explanations, flags and saving -------------------------------------------------

    def explain(self, sets: Sequence[str], project_id: str) -> str:
        """The text `jixiao explain` prints for one project under the candidate: the
        project's prepared rows scored in full (every rule and flag) and explained by
        the reference evaluator, which refuses any difference from the batch."""
        plan = self._plan(self.variant(sets) if sets else None)
        one = self._subset(pl.col("project_id") == project_id)
        if one.projects.is_empty():
            raise JixiaoError(f"no scored project {project_id!r}")
        results = score_prepared(plan, one)
        return api.explain_text(plan, results, project_id)

    def flag_counts(self, sets: Sequence[str]) -> dict[str, Any]:
        """Flags raised under the base and the candidate, by flag id: both scored in full
        (every row kept, every flag raised), which costs a full scoring each; so the page
        asks for them on a button, not on every change."""
        plan = self._plan(self.variant(sets) if sets else None)
        started = time.perf_counter()
        if self._base_flags is None:
            self._base_flags = _flag_counts(score_prepared(self.base, self.prepared))
        base = self._base_flags
        candidate = base if plan is self.base else _flag_counts(score_prepared(plan, self.prepared))
        ids = list(dict.fromkeys([*base, *candidate]))
        return {
            "flags": [[f, base.get(f, 0), candidate.get(f, 0)] for f in ids],
            "server_ms": round((time.perf_counter() - started) * 1000, 1),
        }

    def save(self, sets: Sequence[str], name: str) -> Path:
        """Write the candidate as `<out_dir>/<name>.yaml` (name made safe, never a path):
        `extends` the base, only the changed keys, a comment saying when and from what."""
        chosen = self.variant(sets)
        if not chosen.overrides:
            raise JixiaoError("nothing to save: no key differs from the base")
        target = self.out_dir / f"{safe_name(name)}.yaml"
        if target.exists():  # an earlier variant, or the base ruleset itself
            raise JixiaoError(f"{target} exists: save under another name (nothing is overwritten)")
        text = chosen.save(target)
        head = (
            f"# made by `jixiao tune` on {api.utc_now()} from {self.base_ref} "
            f"({self.prepared.projects.height:,} projects)\n"
        )
        self.out_dir.mkdir(parents=True, exist_ok=True)
        return api.write_text(target, head + text)

    def _subset(self, which: pl.Expr) -> Prepared:
        """Prepared rows of some projects, as if only they had been read (each project
        scores on its own: its rows, its weighting sums, its roll-up)."""
        p = self.prepared
        projects = p.projects.filter(which)
        indicators = p.indicators.filter(which)
        counts = {"projects": projects.height, "indicators": indicators.height}
        source = SourceInfo(path="(tune)", sha256="", format="memory", rows=counts)
        inputs = Inputs({}, p.rejects.clear().lazy(), [source], [])
        return Prepared(p.key, projects, indicators, p.rejects.clear(), inputs, p.year, 0.0)

    # --- the controls -------------------------------------------------------------------

    def controls(self) -> dict[str, Any]:
        """What the page offers, read from the base's effective ruleset: each control
        names the key its override writes."""
        rs = self.base.loaded.ruleset
        names = {**self.base.vocab.level1_names, **self.base.vocab.level2_names}
        weights = [
            {
                "key": f"weights.{k}",
                "id": k,
                "label": names.get(k, _BUDGET_LABEL.get(k, k)),
                "value": v,
            }
            for k, v in rs.weights.items()
        ]
        level2 = [
            {
                "group": l1,
                "label": names.get(l1, l1),
                "items": [
                    {
                        "key": f"level2_weights.{l1}.{l2}",
                        "id": l2,
                        "label": names.get(l2, l2),
                        "value": w,
                    }
                    for l2, w in parts.items()
                ],
            }
            for l1, parts in rs.level2_weights.items()
        ]
        tiers = [
            {"key": f"rules.qualitative.tiers.{name}.default", "label": name, "value": t.default}
            for name, t in rs.rules.qualitative.tiers.items()
        ]
        grades = [
            {"name": g.name, "min": g.min, "max": g.max, "key": f"grades.{g.name}.min"}
            for g in sorted(rs.grades, key=lambda g: -g.min)
        ]
        params = [
            {"key": f"params.{k}", "label": k, "value": v, "used_by": used_by(self.base, k)}
            for k, v in rs.params.items()
        ]
        score = rs.budget_execution.score
        cap = budget_cap(score)
        return {
            "ruleset": {"id": rs.id, "name": rs.name, "version": rs.version, "ref": self.base_ref},
            "scale": rs.scale,
            "weighting": rs.weighting,
            "weights": weights,
            "absorb": _absorbing(rs.weights),
            "level2": level2,
            "tiers": tiers,
            "grades": grades,
            "budget": {"key": "budget_execution.score", "expr": score, "cap": cap},
            "params": params,
            "projects": self.prepared.projects.height,
            "indicators": self.prepared.indicators.height,
            "rejects": self.prepared.rejects.height,
            "out_dir": str(self.out_dir),
        }


_BUDGET_LABEL = {BUDGET_PART: "预算执行率"}
_CAP = re.compile(r"clip\(\s*rate\s*,\s*0\s*,\s*([0-9]+(?:\.[0-9]+)?)\s*\)")


def budget_cap(expression: str) -> float | None:
    """The cap of a budget rule written `clip(rate, 0, CAP) …` (the built-in form), for the
    page's cap field; None when the rule is written otherwise (the page then offers the
    rule's text only)."""
    found = _CAP.findall(expression)
    return float(found[0]) if len(found) == 1 else None


def with_cap(expression: str, cap: float) -> str:
    """The budget rule with its cap replaced (the page builds the same text)."""
    text = f"{cap:g}"
    return _CAP.sub(lambda _: f"clip(rate, 0, {text})", expression, count=1)


def used_by(plan: Plan, param: str) -> list[str]:
    """The flags whose ruleset text names `params.<param>` (or the bare name)."""
    pattern = re.compile(rf"\b(params\.)?{re.escape(param)}\b")
    out = []
    for flag in plan.loaded.ruleset.flags:
        dumped = flag.model_dump_json()
        if pattern.search(dumped):
            out.append(flag.id)
    return out


def _absorbing(weights: dict[str, float]) -> str | None:
    """The default absorbing weight: the second-largest level-1 category (the largest is
    the one an analyst moves first: 产出 50 against 效益 30); the page lets them choose."""
    cats = sorted((k for k in weights if k != BUDGET_PART), key=lambda k: -weights[k])
    return cats[1] if len(cats) > 1 else (cats[0] if cats else None)


def safe_name(name: str) -> str:
    """A file stem from what the analyst typed: letters (Chinese included), digits, `-`,
    `_` and `.`; no path, no leading dot, at most 80 characters; never empty."""
    stem = _NAME.sub("-", name.strip()).strip("-.")
    stem = stem.removesuffix(".yaml").removesuffix(".yml")[:80].strip("-.")
    return clean(stem) if stem else "variant"  # clean: NFC, reserved names (CON, NUL)


def row_key(plan: Plan) -> str:
    """What scoring the rows and summing them per project reads of a plan: the
    indicator rules, the weighting, the params, the level-2 weights, the categories and
    the precision (repr of the compiled, frozen rule objects)."""
    rs = plan.loaded.ruleset
    blob = repr(
        (
            plan.indicator,
            plan.weighting,
            sorted(plan.params.items()),
            rs.fraction_actuals,
            plan.categories,
            rs.level2_weights,
            rs.precision,
        )
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _bands(plan: Plan) -> list[str]:
    return [g.name for g in sorted(plan.loaded.ruleset.grades, key=lambda g: -g.min)]


def _counts(projects: pl.DataFrame, column: str, grades: list[str]) -> dict[str, int]:
    counts = dict(projects.group_by(column).len().iter_rows())
    return {g: int(counts.get(g, 0)) for g in grades}


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def _flag_counts(results: Results) -> dict[str, int]:
    flags = results.flags
    if flags.is_empty() or "flag" not in flags.columns:
        return {}
    return {
        str(k): int(v) for k, v in flags.group_by("flag", maintain_order=True).len().iter_rows()
    }
