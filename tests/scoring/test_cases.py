"""Scoring cases as data: YAML files under cases/ that an analyst can read and extend.

Each case gives project and indicator rows (Chinese or canonical headers), the DOMAIN.md
rule it checks, and the points expected by hand from DOMAIN.md — never copied from the
engine. Every case runs through every path (STYLE habit 9): the batch in-memory engine
(checked against the expectations), the reference evaluator behind `explain_project`
(checked against the same expectations), and the streaming engine (frames identical to
the in-memory ones). A case whose expectation the engine does not meet stays, marked
`xfail: "<why>"`, so the disagreement is visible rather than papered over.

Besides points, a case may assert per indicator `achieved`, `ratio` and `has_explanation`,
per project `n_indicators`, `n_not_evaluable` and `n_missed`, and per department its
department_summary row. The explain path recomputes and shows every one of them
(`test_explain_shows_every_case_field` keeps it so).

`expect.flags` names indicator rows, projects and departments and the exact set of flag
ids raised on each (a list; `[]`: none), or id → the exact message. They are checked on
the batch flags table, on the flags `explain` recomputes with the reference evaluator
(each project's indicator and project flags, each department's), and the streaming run
must give the identical flags table. `boundary_of` names the flags whose threshold a case
sits on; every built-in flag has cases where it is raised, not raised, and at its
boundary (`test_every_builtin_flag_has_its_cases`).

Invariants over every case: no row lost (rows in = scored + rejected, and "in" is every
row the case wrote), and the same inputs give byte-identical csv and parquet outputs.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, fields
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jixiao.scoring import api
from jixiao.scoring.explain.flags import FlagStep
from jixiao.scoring.explain.project import Explanation, IndicatorStep, explain_department
from jixiao.scoring.jobs.selfeval import Engine, Results
from jixiao.scoring.rules.compile import Plan
from jixiao.scoring.rules.yamlsource import read_document

CASES_DIR = Path(__file__).parent / "cases"
BUDGET_LINE = "预算执行率"
"""The indicator name of each project's budget line in reevaluation_indicators."""
DEFAULT_RULESET = "project-self-eval"
TOLERANCE = 1e-9
"""For unrounded ratios (execution_rate) only. Rounded scores are compared exactly: 2.68 in
a case means the float nearest to 2.68, which is what 四舍五入 to 2 decimals must give."""

Row = dict[str, str | int | float | None]
Path_ = Literal["batch", "explain", "streaming", "rows", "outputs"]
"""The paths every case runs through; an xfail names the ones that disagree."""


# --- the case format ---------------------------------------------------------------------


class _Strict(BaseModel):
    """Unknown keys are errors: a typo (`scroe:`) must not silently check nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class IndicatorExpect(_Strict):
    """What one indicator (by 三级指标 name) must score."""

    project: str | None = None
    """项目编号, needed only when several projects share the indicator name."""
    score: float | None
    """Points after rounding, or null when the indicator is not evaluable."""
    evaluable: bool = True
    reason_contains: str | None = None
    """A fragment of the not-evaluable reason."""
    note_contains: str | None = None
    """A fragment of the note (e.g. how an ambiguous fraction was read)."""
    achieved: bool | None = None
    """Whether the target is met, one definition per direction that agrees with the scoring
    rule (DOMAIN §2): ≥ and > → a ≥ t; ≤ and < → a ≤ t; = → a ≤ 0 when t = 0, else a ≥ t;
    range → lo ≤ a ≤ hi; qualitative → tier 达成. Write `null` for "no verdict" (a row
    that is not evaluable); leave it out to not check it."""
    ratio: float | None = None
    """actual / target in the target's unit (null when t = 0 or either is missing); leave
    it out to not check it, write `null` to require null."""
    has_explanation: bool | None = None
    """Whether the 偏差原因分析及改进措施 cell holds non-blank text."""
    applied_points: float | None = None
    """The points the rules used (`weighting`: as written under check, scaled under
    proportional); unrounded, so compared within 1e-9."""


class ProjectExpect(_Strict):
    """Budget score, category subtotals, total, grade and completeness of one project."""

    budget_score: float | None = None
    execution_rate: float | None = None
    output: float | None = None
    benefit: float | None = None
    satisfaction: float | None = None
    total: float
    grade: str
    complete: bool
    issues_contains: str | list[str] | None = None
    budget_score_null: bool = False
    """Set when the budget score must be blank (e.g. 全年预算数 is 0)."""
    n_indicators: int | None = None
    n_not_evaluable: int | None = None
    n_missed: int | None = None
    """Indicators whose `achieved` is false (a not-evaluable row has no verdict: not
    counted)."""
    points: dict[str, float] = {}
    """Applied indicator points per level-1 category id (`<id>_points`), within 1e-9:
    under proportional weighting each category sums to its weight."""
    points_total: float | None = None


class DepartmentExpect(_Strict):
    """One department_summary row (department "(未填部门)" when the column is blank)."""

    n_projects: int
    n_incomplete: int
    mean_total: float
    min_total: float
    max_total: float
    grades: dict[str, int]
    """Projects per grade; every grade column not named here must be 0."""
    budget: float
    spent: float
    execution_rate: float | None
    """Σ 全年执行数 / Σ 全年预算数 (DOMAIN §2 执行率, over the department's projects)."""


class RejectsExpect(_Strict):
    """Rows that must land in the rejects table (none unless given)."""

    count: int = 0
    reason_contains: str | list[str] = []


FlagSet = list[str] | dict[str, str | None]
"""The flags raised on one row, exactly: their ids (in any order), or id → the exact
message (null: any message)."""


class FlagsExpect(_Strict):
    """Which flags are raised where (rows not named here are not checked)."""

    indicators: dict[str, FlagSet] = {}
    """By 三级指标 name, or `项目编号::name` when several projects share the name."""
    projects: dict[str, FlagSet] = {}
    """By 项目编号: the project-level flags of the project."""
    departments: dict[str, FlagSet] = {}
    """By department (as in department_summary): the department-level flags."""
    total: int | None = None
    """Rows of the whole flags table, when given."""


class ReevaluationProjectExpect(_Strict):
    """One reevaluation_projects row (fields left out are not checked; `null` is)."""

    claimed_budget_score: float | None = None
    claimed_total: float | None = None
    gap: float | None = None
    claimed_grade: str | None = None
    claimed_grade_source: str | None = None
    grade: str | None = None
    grade_changed: bool | None = None
    over_threshold: bool | None = None
    n_differences: int | None = None
    reason_codes: str | None = None
    claim_error_contains: str | None = None


class ReevaluationDepartmentExpect(_Strict):
    """One reevaluation_departments row (fields left out are not checked)."""

    rank: int | None = None
    n_projects: int | None = None
    n_claimed: int | None = None
    mean_gap: float | None = None
    inflation: float | None = None
    n_over_threshold: int | None = None
    share_over_threshold: float | None = None
    n_grade_changed: int | None = None


class ReevaluationExpect(_Strict):
    """What `jobs.reevaluate.run` must give (docs/reevaluation.md "Rules")."""

    params: dict[str, float | bool] = {}
    """Param overrides for the run (`--threshold-points`, `--no-grade-change`)."""
    codes: dict[str, str | None] = {}
    """By 三级指标 (or `项目编号::三级指标`; the budget line is 预算执行率): the reason_code of
    the line, null when the claim agrees (or there is none)."""
    differences: dict[str, float | None] = {}
    """By line, as `codes`: claimed − recomputed (null without a claim)."""
    reason_contains: dict[str, str] = {}
    """By line, as `codes`: a fragment of the Chinese reason."""
    projects: dict[str, ReevaluationProjectExpect] = {}
    departments: dict[str, ReevaluationDepartmentExpect] = {}


class NearExpect(_Strict):
    """One near_boundary row of a project: the boundary and total − boundary."""

    boundary: float
    distance: float


class Expect(_Strict):
    near_boundary: dict[str, list[NearExpect]] = {}
    """By 项目编号: exactly the boundaries it sits near (`[]`: none), in order."""
    indicators: dict[str, IndicatorExpect] = {}
    projects: dict[str, ProjectExpect] = {}
    departments: dict[str, DepartmentExpect] = {}
    rejects: RejectsExpect = RejectsExpect()
    flags: FlagsExpect | None = None
    reevaluation: ReevaluationExpect | None = None


class Case(_Strict):
    """One scoring case, as written in a cases/*.yaml file."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    rule: str = Field(min_length=5)
    """The DOMAIN.md rule this case checks, quoted or cited by section."""
    ruleset: str = DEFAULT_RULESET
    ruleset_override: dict[str, Any] | None = None
    """Keys written over `ruleset` in a tmp file with `extends: <ruleset>`."""
    projects: list[Row]
    indicators: list[Row]
    expect: Expect
    boundary_of: list[str] = []
    """Flags whose threshold this case sits on (a value exactly at it, or one unit beside)."""
    xfail: str | dict[Path_, str] | None = None
    """Why the engine disagrees with DOMAIN.md here (kept, not "fixed" to match): one reason
    for the batch and explain paths, or a reason per path (batch, explain, streaming, rows,
    outputs) when only some paths disagree."""
    file: str = ""

    def xfail_reason(self, path: Path_) -> str | None:
        if isinstance(self.xfail, str):
            return self.xfail if path in ("batch", "explain") else None
        return (self.xfail or {}).get(path)

    def names(self) -> set[str]:
        return {str(r.get("三级指标", r.get("indicator"))) for r in self.indicators}


def _load_file(path: Path) -> Iterator[Case]:
    """Cases of one file, read like rulesets: safe YAML with duplicate keys refused (a
    repeated indicator name under `expect` would otherwise silently check only one)."""
    data = read_document(path).data
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise ValueError(f"{path.name}: expected a mapping with a `cases:` list")
    for i, raw in enumerate(data["cases"]):
        if not isinstance(raw, dict):
            raise ValueError(f"{path.name}: cases[{i}] is not a mapping")
        where = f"{path.name}: cases[{i}] ({raw.get('id', '?')})"
        try:
            case = Case.model_validate({**raw, "file": path.name})
        except ValidationError as exc:
            raise ValueError(f"{where}: {exc}") from exc
        unknown = set(case.expect.indicators) - case.names()
        if unknown:
            raise ValueError(f"{where}: expect.indicators names no indicator row: {unknown}")
        flagged = case.expect.flags.indicators if case.expect.flags else {}
        unknown = {k for k in flagged if k.split("::")[-1] not in case.names()}
        if unknown:
            raise ValueError(f"{where}: expect.flags.indicators names no indicator row: {unknown}")
        re = case.expect.reevaluation
        lines = {*re.codes, *re.differences, *re.reason_contains} if re else set()
        unknown = {k for k in lines if k.split("::")[-1] not in {*case.names(), BUDGET_LINE}}
        if unknown:
            raise ValueError(f"{where}: expect.reevaluation names no line: {unknown}")
        yield case


def load_cases() -> list[Case]:
    """Every case of every file, ids unique across files."""
    cases = [c for path in sorted(CASES_DIR.glob("*.yaml")) for c in _load_file(path)]
    seen: dict[str, str] = {}
    for case in cases:
        if case.id in seen:
            raise ValueError(f"case id {case.id!r} in {case.file} and {seen[case.id]}")
        seen[case.id] = case.file
    return cases


CASES = load_cases()
BY_ID = {c.id: c for c in CASES}


def _params(path: Path_) -> list[Any]:
    """Every case id, marked strict-xfail where the case says this path disagrees."""
    out = []
    for case in CASES:
        reason = case.xfail_reason(path)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(case.id, id=case.id, marks=marks))
    return out


# --- running a case ------------------------------------------------------------------------


def _cell(value: str | int | float | None, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise ValueError(f"{where}: write yes/no as text, not a YAML boolean")
    return str(value)


def write_csv(rows: list[Row], path: Path, where: str) -> None:
    """Rows as a UTF-8 CSV; headers are the union of the rows' keys, in first-seen order."""
    headers = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(headers)
        for j, row in enumerate(rows):
            out.writerow(_cell(row.get(h), f"{where} row {j + 1} {h}") for h in headers)


def _ruleset_ref(case: Case, folder: Path) -> str:
    if case.ruleset_override is None:
        return case.ruleset
    path = folder / f"{case.id}.yaml"
    body = {"extends": case.ruleset, **case.ruleset_override}
    path.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), "utf-8")
    return str(path)


@cache
def _plan(ref: str) -> Plan:
    """Built-in rulesets are loaded once per session; overrides once per case."""
    return api.load_ruleset(ref)


class Runs:
    """Each case written and scored once per session, in a pytest tmp folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prepared: dict[str, tuple[Plan, list[Path]]] = {}
        self._scored: dict[tuple[str, Engine], Results] = {}

    def prepared(self, case_id: str) -> tuple[Plan, list[Path]]:
        """The case's ruleset and its rows written as UTF-8 CSV files."""
        if case_id not in self._prepared:
            case = BY_ID[case_id]
            folder = self.root / case.id
            folder.mkdir()
            paths = [folder / "projects.csv", folder / "indicators.csv"]
            write_csv(case.projects, paths[0], f"{case.file}: {case.id}: projects")
            write_csv(case.indicators, paths[1], f"{case.file}: {case.id}: indicators")
            ref = _ruleset_ref(case, folder)
            plan = _plan(ref) if case.ruleset_override is None else api.load_ruleset(ref)
            self._prepared[case_id] = (plan, paths)
        return self._prepared[case_id]

    def scored(self, case_id: str, engine: Engine = "in-memory") -> Results:
        """The case's results from one engine, each an independent run over the files."""
        if (case_id, engine) not in self._scored:
            plan, paths = self.prepared(case_id)
            self._scored[case_id, engine] = api.score(plan, paths, engine=engine)
        return self._scored[case_id, engine]


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory.mktemp("cases"))


# --- checking -------------------------------------------------------------------------------


def _same(actual: float | None, expected: float | None, *, exact: bool) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return actual == expected if exact else math.isclose(actual, expected, abs_tol=TOLERANCE)


def _fragments(value: str | list[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


class Checker:
    """Collects every disagreement of one case, so a failure lists them all at once."""

    def __init__(self, case: Case, path: str) -> None:
        self.case, self.path, self.errors = case, path, list[str]()

    def number(
        self, what: str, actual: float | None, expected: float | None, *, exact: bool = True
    ) -> None:
        """Rounded scores must be exactly the decimal written (what an analyst reads in the
        csv); only unrounded ratios get a float tolerance."""
        if not _same(actual, expected, exact=exact):
            self.errors.append(f"{what}: got {actual!r}, expected {expected!r}")

    def equal(self, what: str, actual: object, expected: object) -> None:
        if actual != expected:
            self.errors.append(f"{what}: got {actual!r}, expected {expected!r}")

    def contains(self, what: str, text: str | None, fragments: list[str]) -> None:
        for fragment in fragments:
            if fragment not in (text or ""):
                self.errors.append(f"{what}: {fragment!r} not in {text!r}")

    def done(self) -> None:
        if self.errors:
            head = f"{self.case.file}: {self.case.id} ({self.path}) — rule: {self.case.rule}"
            pytest.fail("\n  ".join([head, *self.errors]), pytrace=False)


INDICATOR_OPTIONAL = ("achieved", "ratio", "has_explanation")
"""Checked only where the case writes them (`null` included) and the path shows them."""
PROJECT_COUNTS = ("n_indicators", "n_not_evaluable", "n_missed")
EXPLAIN_SHOWS = frozenset(f.name for f in (*fields(IndicatorStep), *fields(Explanation)))
"""What `explain_project` exposes; `test_explain_shows_every_case_field` requires every
case field to be among them, so the explain path checks everything the batch path does."""

IndicatorView = Mapping[str, Any]
"""One indicator's score, evaluable, reason, note, project and name, from either path."""


def _check_indicators(
    check: Checker, rows: list[IndicatorView], shows: frozenset[str] | None = None
) -> None:
    """`shows`: the fields this path exposes (None: all of them, a missing one is an error)."""
    for name, want in check.case.expect.indicators.items():
        hits = [
            r for r in rows if r["indicator"] == name and want.project in (None, r["project_id"])
        ]
        if len(hits) != 1:
            check.errors.append(f"indicator {name!r}: {len(hits)} scored rows, expected 1")
            continue
        got = hits[0]
        check.number(f"indicator {name!r} score", got["score"], want.score)
        check.equal(f"indicator {name!r} evaluable", got["evaluable"], want.evaluable)
        check.contains(
            f"indicator {name!r} reason", got["reason"], _fragments(want.reason_contains)
        )
        check.contains(f"indicator {name!r} note", got["note"], _fragments(want.note_contains))
        if "applied_points" in want.model_fields_set:
            what = f"indicator {name!r} applied_points"
            check.number(what, got["applied_points"], want.applied_points, exact=False)
        for key in INDICATOR_OPTIONAL:
            if key in want.model_fields_set and (shows is None or key in shows):
                expected = getattr(want, key)
                if key == "ratio":
                    check.number(f"indicator {name!r} ratio", got[key], expected, exact=False)
                else:
                    check.equal(f"indicator {name!r} {key}", got[key], expected)


def _check_project(
    check: Checker, pid: str, got: Mapping[str, Any], shows: frozenset[str] | None = None
) -> None:
    want = check.case.expect.projects[pid]
    for key in ("budget_score", "execution_rate", "output", "benefit", "satisfaction"):
        expected = getattr(want, key)
        if expected is not None:
            check.number(f"{pid} {key}", got[key], expected, exact=key != "execution_rate")
    if want.budget_score_null:
        check.equal(f"{pid} budget_score", got["budget_score"], None)
    check.number(f"{pid} total", got["total"], want.total)
    check.equal(f"{pid} grade", got["grade"], want.grade)
    check.equal(f"{pid} complete", got["complete"], want.complete)
    check.contains(f"{pid} issues", got["issues"], _fragments(want.issues_contains))
    for key in PROJECT_COUNTS:
        expected = getattr(want, key)
        if expected is not None and (shows is None or key in shows):
            check.equal(f"{pid} {key}", got[key], expected)
    for c, expected_points in want.points.items():
        check.number(f"{pid} {c}_points", got[f"{c}_points"], expected_points, exact=False)
    if want.points_total is not None:
        check.number(f"{pid} points_total", got["points_total"], want.points_total, exact=False)


def _check_near(check: Checker, rows: Mapping[str, list[tuple[float, float]]]) -> None:
    """The near_boundary rows of each project the case names, exactly."""
    for pid, want in check.case.expect.near_boundary.items():
        expected = [(n.boundary, n.distance) for n in want]
        check.equal(f"{pid} near_boundary", rows.get(pid, []), expected)


def _check_departments(check: Checker, summary: pl.DataFrame) -> None:
    """Every department the case names, against its department_summary row."""
    rows = {r["department"]: r for r in summary.iter_rows(named=True)}
    grade_columns = [c for c in summary.columns if c.startswith("grade_")]
    for name, want in check.case.expect.departments.items():
        got = rows.get(name)
        if got is None:
            check.errors.append(f"department {name!r}: no row (rows: {sorted(rows)})")
            continue
        for key in ("n_projects", "n_incomplete"):
            check.equal(f"department {name!r} {key}", got[key], getattr(want, key))
        for key in ("mean_total", "min_total", "max_total", "budget", "spent"):
            check.number(f"department {name!r} {key}", got[key], getattr(want, key))
        check.number(
            f"department {name!r} execution_rate",
            got["execution_rate"],
            want.execution_rate,
            exact=False,
        )
        unknown = {f"grade_{g}" for g in want.grades} - set(grade_columns)
        if unknown:
            check.errors.append(f"department {name!r}: no grade columns {sorted(unknown)}")
        for column in grade_columns:
            expected = want.grades.get(column.removeprefix("grade_"), 0)
            check.equal(f"department {name!r} {column}", got[column], expected)


Raised = dict[str, dict[Any, list[tuple[str, str]]]]
"""Level → row key → the (flag id, message) pairs raised there, in order. Row keys:
(项目编号, 三级指标) for indicators, 项目编号 for projects, the department's name."""


def _raised(rows: list[Mapping[str, Any]]) -> Raised:
    """Flags-table rows (from the batch table or explain's steps) grouped by row."""
    out: Raised = {"indicator": {}, "project": {}, "department": {}}
    for r in rows:
        key = {
            "indicator": (r["project_id"], r["indicator"]),
            "project": r["project_id"],
            "department": r["department"],
        }[r["level"]]
        out[r["level"]].setdefault(key, []).append((r["flag"], r["message"]))
    return out


def _indicator_key(check: Checker, name: str, scored: list[tuple[str, str]]) -> Any:
    """(项目编号, 三级指标) of the one scored row `name` (or `项目编号::name`) means."""
    pid, _, indicator = name.rpartition("::")
    hits = [k for k in scored if k[1] == indicator and pid in ("", k[0])]
    if len(hits) != 1:
        check.errors.append(f"flags of indicator {name!r}: {len(hits)} scored rows, expected 1")
        return None
    return hits[0]


def _check_flag_set(check: Checker, what: str, got: list[tuple[str, str]], want: FlagSet) -> None:
    ids = [flag for flag, _ in got]
    expected = list(want)
    if sorted(ids) != sorted(expected) or len(set(ids)) != len(ids):
        check.errors.append(f"{what} flags: got {ids}, expected {sorted(expected)}")
        return
    if isinstance(want, dict):
        messages = dict(got)
        for flag, message in want.items():
            if message is not None and messages[flag] != message:
                check.errors.append(
                    f"{what} {flag} message: got {messages[flag]!r}, expected {message!r}"
                )


def _check_flags(
    check: Checker, raised: Raised, scored: list[tuple[str, str]], plan: Plan, table_rows: int
) -> None:
    """The flags the case expects, against what one path raised."""
    want = check.case.expect.flags
    if want is None:
        return
    known = {f.id for f in plan.loaded.ruleset.flags}
    named = [
        flag for level in (want.indicators, want.projects, want.departments)
        for flags in level.values() for flag in flags
    ]  # fmt: skip
    for flag in sorted(set(named) - known):
        check.errors.append(f"expect.flags names {flag!r}, no flag of the ruleset")
    for name, flags in want.indicators.items():
        key = _indicator_key(check, name, scored)
        if key is not None:
            got = raised["indicator"].get(key, [])
            _check_flag_set(check, f"indicator {name!r}", got, flags)
    for pid, flags in want.projects.items():
        _check_flag_set(check, f"project {pid!r}", raised["project"].get(pid, []), flags)
    for dept, flags in want.departments.items():
        got = raised["department"].get(dept, [])
        _check_flag_set(check, f"department {dept!r}", got, flags)
    if want.total is not None:
        check.equal("flags table rows", table_rows, want.total)


def _scored_keys(results: Results) -> list[tuple[str, str]]:
    frame = results.indicator_scores
    return list(zip(frame["project_id"].to_list(), frame["indicator"].to_list(), strict=True))


def _batch_projects(results: Results) -> dict[str, dict[str, Any]]:
    out = {}
    for row in results.project_scores.iter_rows(named=True):
        cats = {c: row.get(f"{c}_score") for c in ("output", "benefit", "satisfaction")}
        out[row["project_id"]] = {**row, **cats}
    return out


def _explained_project(e: Explanation) -> dict[str, Any]:
    cats = {c: v["score"] for c, v in e.categories.items()}
    points = {f"{c}_points": v["points"] for c, v in e.categories.items()}
    points_total = sum(s.applied_points for s in e.indicators)
    return {
        **points, "points_total": points_total,
        "budget_score": e.budget_score, "execution_rate": e.execution_rate, **cats,
        "total": e.total, "grade": e.grade, "complete": e.complete, "issues": e.issues,
        **{k: getattr(e, k) for k in PROJECT_COUNTS if k in EXPLAIN_SHOWS},
    }  # fmt: skip


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", _params("batch"))
def test_batch_scores_match_domain(case_id: str, runs: Runs) -> None:
    """The in-memory batch engine gives the points worked out by hand from DOMAIN.md."""
    case, results = BY_ID[case_id], runs.scored(case_id)
    check = Checker(case, "batch")
    _check_indicators(check, list(results.indicator_scores.iter_rows(named=True)))
    projects = _batch_projects(results)
    for pid in case.expect.projects:
        if pid in projects:
            _check_project(check, pid, projects[pid])
        else:
            check.errors.append(f"project {pid!r} was not scored (rejected?)")
    _check_rejects(check, results.rejects)
    _check_departments(check, results.department_summary)
    near: dict[str, list[tuple[float, float]]] = {}
    for r in results.near_boundary.iter_rows(named=True):
        near.setdefault(r["project_id"], []).append((r["boundary"], r["distance"]))
    _check_near(check, near)
    flags = list(results.flags.iter_rows(named=True))
    plan, _ = runs.prepared(case_id)
    _check_flags(check, _raised(flags), _scored_keys(results), plan, len(flags))
    check.done()


def _check_rejects(check: Checker, rejects: pl.DataFrame) -> None:
    want = check.case.expect.rejects
    reasons = rejects["reason"].to_list()
    check.equal("rejects count", len(reasons), want.count)
    for fragment in _fragments(want.reason_contains):
        if not any(fragment in (r or "") for r in reasons):
            check.errors.append(f"rejects: no reason contains {fragment!r} (reasons: {reasons})")


@pytest.mark.parametrize("case_id", _params("explain"))
def test_reference_evaluator_explains_the_same(case_id: str, runs: Runs) -> None:
    """`explain_project` recomputes each project with the reference evaluator (raising if
    it disagrees with batch); its numbers must meet the same expectations."""
    case, results = BY_ID[case_id], runs.scored(case_id)
    plan, _ = runs.prepared(case_id)
    check = Checker(case, "explain")
    steps: list[IndicatorView] = []
    flags: list[Mapping[str, Any]] = []
    near: dict[str, list[tuple[float, float]]] = {}
    for pid in results.project_scores["project_id"].to_list():
        explanation = api.explain_project(plan, results, pid)
        near[pid] = [(b["boundary"], b["distance"]) for b in explanation.near_boundary]
        steps += [{**s.__dict__, "project_id": pid} for s in explanation.indicators]
        flags += [asdict(f) for f in explanation.flags]
        if pid in case.expect.projects:
            _check_project(check, pid, _explained_project(explanation), EXPLAIN_SHOWS)
    for dept in results.department_summary["department"].to_list():
        explained = cast(list[FlagStep], explain_department(plan, results, dept)["flags"])
        flags += [asdict(f) for f in explained]
    _check_indicators(check, steps, EXPLAIN_SHOWS)
    _check_near(check, near)
    _check_flags(check, _raised(flags), _scored_keys(results), plan, len(flags))
    check.done()


@pytest.mark.parametrize("case_id", _params("streaming"))
def test_streaming_engine_gives_identical_frames(case_id: str, runs: Runs) -> None:
    streamed, in_memory = runs.scored(case_id, "streaming"), runs.scored(case_id)
    assert_frame_equal(streamed.project_scores, in_memory.project_scores, check_exact=True)
    assert_frame_equal(streamed.indicator_scores, in_memory.indicator_scores, check_exact=True)
    assert_frame_equal(streamed.department_summary, in_memory.department_summary, check_exact=True)
    assert_frame_equal(streamed.flags, in_memory.flags, check_exact=True)
    assert_frame_equal(streamed.near_boundary, in_memory.near_boundary, check_exact=True)


@pytest.mark.parametrize("case_id", _params("rows"))
def test_every_row_is_scored_or_rejected(case_id: str, runs: Runs) -> None:
    """DESIGN invariant 1: every row the case wrote is in the scored tables or in rejects.

    Counted from the output frames against the case's own rows: the manifest's in = scored
    + rejected is the engine's own arithmetic (it raises otherwise), so it proves nothing
    here; only its "in" is compared, with what was written."""
    case, results = BY_ID[case_id], runs.scored(case_id)
    written = {"projects": len(case.projects), "indicators": len(case.indicators)}
    scored = {
        "projects": results.project_scores.height,
        "indicators": results.indicator_scores.height,
    }
    for table, n in written.items():
        rejected = int((results.rejects["table"] == table).sum())
        assert scored[table] + rejected == n, (table, scored[table], rejected, n)
        assert results.manifest["rows"][table]["in"] == n, (table, results.manifest["rows"])


def _output_bytes(results: Results, folder: Path) -> dict[str, bytes]:
    paths = api.write(results, folder, formats=("csv", "parquet"))
    return {p.name: p.read_bytes() for p in paths if p.suffix in (".csv", ".parquet")}


@pytest.mark.parametrize("case_id", _params("outputs"))
def test_same_inputs_give_byte_identical_outputs(case_id: str, runs: Runs, tmp_path: Path) -> None:
    """DESIGN invariant 4: scoring the same inputs twice writes the same bytes.

    The second run is the streaming one (already needed above): two independent runs over
    the same files, and what is published must not depend on the engine either.
    """
    first = _output_bytes(runs.scored(case_id), tmp_path / "first")
    second = _output_bytes(runs.scored(case_id, "streaming"), tmp_path / "second")
    assert first.keys() == second.keys()
    assert {p.split(".")[-1] for p in first} == {"csv", "parquet"}
    changed = [name for name in first if first[name] != second[name]]
    assert not changed, f"outputs differ between two runs: {changed}"


def test_explain_shows_every_case_field() -> None:
    missing = {*INDICATOR_OPTIONAL, *PROJECT_COUNTS} - EXPLAIN_SHOWS
    assert not missing, f"explain_project does not show {sorted(missing)}"


def test_the_new_fields_are_asserted_somewhere() -> None:
    """Item 7 of issue 7: the cases assert achieved, ratio, has_explanation, the project
    counts and department rows — each in several cases, true and false both."""
    ind = [w for c in CASES for w in c.expect.indicators.values()]
    for key in INDICATOR_OPTIONAL:
        values = [getattr(w, key) for w in ind if key in w.model_fields_set]
        assert len(values) >= 10, (key, len(values))
        if key != "ratio":
            assert {True, False} <= set(values), (key, set(values))
    projects = [p for c in CASES for p in c.expect.projects.values()]
    for key in PROJECT_COUNTS:
        assert sum(getattr(p, key) is not None for p in projects) >= 10, key
    assert sum(len(c.expect.departments) for c in CASES) >= 5


def test_cases_cover_the_themes() -> None:
    """The case files keep their breadth: enough cases, and every theme file present."""
    assert len(CASES) >= 45
    files = {c.file for c in CASES}
    assert len(files) >= 8, files
    uncited = [c.id for c in CASES if not any(s in c.rule for s in ("DOMAIN", "DESIGN", "ruleset"))]
    assert not uncited, (
        f"cases whose rule cites no DOMAIN.md / DESIGN.md section or ruleset: {uncited}"
    )


def _named(case: Case, level: str) -> list[set[str]]:
    """The flag sets the case asserts on rows of one level."""
    f = case.expect.flags
    if f is None:
        return []
    rows = {"indicator": f.indicators, "project": f.projects, "department": f.departments}
    return [set(flags) for flags in rows[level].values()]


def test_every_builtin_flag_has_its_cases() -> None:
    """Issue 9 item 3: every flag of project-self-eval has cases on the ruleset as shipped
    where it is raised, where a row of its level is asserted without it, and on its
    boundary; a case's `boundary_of` flags are asserted (raised or not) on a row of their
    level."""
    flags = {f.id: f.level for f in _plan(DEFAULT_RULESET).loaded.ruleset.flags}
    assert len(flags) == 15, sorted(flags)  # issue 10 added summary_mismatch
    mine = [
        c
        for c in CASES
        if c.ruleset == DEFAULT_RULESET and c.ruleset_override is None and c.expect.flags
    ]
    for flag, level in flags.items():
        sets = [named for c in mine for named in _named(c, level)]
        assert any(flag in named for named in sets), f"no case raises {flag}"
        assert any(flag not in named for named in sets), f"no case asserts a row without {flag}"
        assert any(flag in c.boundary_of for c in mine), f"no boundary case of {flag}"
    for case in CASES:
        for flag in case.boundary_of:
            level = flags.get(flag)
            assert level is not None and _named(case, level), (case.id, flag)


def test_sichuan_inherits_the_builtin_flags() -> None:
    """sichuan-10-90 extends project-self-eval: the same flags and thresholds (its own
    behaviour, e.g. the points roll-up under points_distribution: free, has cases)."""
    national, sichuan = _plan(DEFAULT_RULESET).loaded.ruleset, _plan("sichuan-10-90").loaded.ruleset
    assert sichuan.flags == national.flags
    assert sichuan.params == national.params
    assert any(c.ruleset == "sichuan-10-90" and c.expect.flags for c in CASES)


# --- re-evaluation (expect.reevaluation, docs/reevaluation.md "Rules") ---------------------

REEVALUATION_CASES = [c.id for c in CASES if c.expect.reevaluation is not None]


def _line_key(check: Checker, name: str, keys: list[tuple[str, str]]) -> int | None:
    """The index of the one line `name` (or `项目编号::name`) means."""
    pid, _, indicator = name.rpartition("::")
    hits = [i for i, k in enumerate(keys) if k[1] == indicator and pid in ("", k[0])]
    if len(hits) != 1:
        check.errors.append(f"re-evaluation line {name!r}: {len(hits)} lines, expected 1")
        return None
    return hits[0]


def _check_reevaluation_lines(check: Checker, lines: list[Mapping[str, Any]]) -> None:
    want = check.case.expect.reevaluation
    assert want is not None
    keys = [(r["project_id"], r["indicator"]) for r in lines]
    for name, code in want.codes.items():
        i = _line_key(check, name, keys)
        if i is not None:
            check.equal(f"line {name!r} reason_code", lines[i]["reason_code"], code)
    for name, difference in want.differences.items():
        i = _line_key(check, name, keys)
        if i is not None:
            check.number(f"line {name!r} difference", lines[i]["difference"], difference)
    for name, fragment in want.reason_contains.items():
        i = _line_key(check, name, keys)
        if i is not None:
            check.contains(f"line {name!r} reason", lines[i]["reason"], [fragment])
    for r in lines:  # every difference has a reason (the catch-all makes it so)
        if r["reason_code"] is not None and not r["reason"]:
            check.errors.append(f"line {r['indicator']!r}: code {r['reason_code']} without reason")


def _check_reevaluation_project(check: Checker, pid: str, got: Mapping[str, Any]) -> None:
    want = check.case.expect.reevaluation.projects[pid]  # type: ignore[union-attr]
    for key in want.model_fields_set - {"claim_error_contains"}:
        expected = getattr(want, key)
        if isinstance(expected, float) or key in ("gap", "claimed_total"):
            check.number(f"{pid} {key}", got[key], expected)
        else:
            check.equal(f"{pid} {key}", got[key], expected)
    if want.claim_error_contains is not None:
        check.contains(f"{pid} claim_error", got["claim_error"], [want.claim_error_contains])


@pytest.mark.parametrize("case_id", REEVALUATION_CASES)
def test_reevaluation_batch_matches_domain(case_id: str, runs: Runs) -> None:
    """`jobs.reevaluate.run` gives the codes, gaps, grades, thresholds and department
    ranks worked out by hand from DOMAIN §2/§5."""
    from jixiao.scoring.jobs import reevaluate

    case = BY_ID[case_id]
    want = case.expect.reevaluation
    assert want is not None
    plan, paths = runs.prepared(case_id)
    results = reevaluate.run(plan, api.read(plan, paths), params=want.params)
    check = Checker(case, "reevaluation batch")
    _check_reevaluation_lines(check, list(results.indicators.iter_rows(named=True)))
    projects = {r["project_id"]: r for r in results.projects.iter_rows(named=True)}
    for pid in want.projects:
        if pid in projects:
            _check_reevaluation_project(check, pid, projects[pid])
        else:
            check.errors.append(f"project {pid!r} not in reevaluation_projects")
    departments = {r["department"]: r for r in results.departments.iter_rows(named=True)}
    for name, dept in want.departments.items():
        got = departments.get(name)
        if got is None:
            check.errors.append(f"department {name!r}: no row (rows: {sorted(departments)})")
            continue
        for key in dept.model_fields_set:
            expected = getattr(dept, key)
            if isinstance(expected, float):
                check.number(f"department {name!r} {key}", got[key], expected, exact=False)
            else:
                check.equal(f"department {name!r} {key}", got[key], expected)
    assert results.projects.height == results.scored.project_scores.height
    n_lines = results.scored.indicator_scores.height + results.scored.project_scores.height
    assert results.indicators.height == n_lines
    check.done()


@pytest.mark.parametrize("case_id", REEVALUATION_CASES)
def test_reevaluation_explain_gives_the_same(case_id: str, runs: Runs) -> None:
    """The reference evaluator (explain/reevaluation.py, which refuses on any difference
    from the batch) meets the same expectations, project by project."""
    from jixiao.scoring.explain.reevaluation import explain_reevaluation

    case = BY_ID[case_id]
    want = case.expect.reevaluation
    assert want is not None
    plan, paths = runs.prepared(case_id)
    results = api.score(plan, paths)
    check = Checker(case, "reevaluation explain")
    lines: list[Mapping[str, Any]] = []
    for pid in results.project_scores["project_id"].to_list():
        step = explain_reevaluation(plan, results, pid, want.params)
        if step is None:
            continue
        lines += [{**asdict(line), "project_id": pid} for line in step.lines]
        if pid in want.projects:
            row = {**asdict(step), "n_differences": len(step.differences)}
            row["reason_codes"] = _codes(plan, step.differences)
            _check_reevaluation_project(check, pid, row)
    _check_reevaluation_lines(check, lines)
    check.done()


def _codes(plan: Plan, differing: list[Any]) -> str | None:
    """`code×n; …` in reason-list order, from the reference's lines."""
    assert plan.reevaluation is not None
    counts = {c: sum(line.reason_code == c for line in differing) for c in plan.reevaluation.codes}
    text = "; ".join(f"{c}×{n}" for c, n in counts.items() if n)
    return text or None


def test_reevaluation_cases_cover_every_reason_code() -> None:
    """Issue 10: ≥ 12 re-evaluation cases, every built-in reason code raised somewhere."""
    assert len(REEVALUATION_CASES) >= 12
    plan = _plan(DEFAULT_RULESET)
    assert plan.reevaluation is not None
    raised = {
        code
        for c in CASES
        if c.expect.reevaluation is not None
        for code in c.expect.reevaluation.codes.values()
    }
    missing = set(plan.reevaluation.codes) - raised
    assert not missing, f"no case raises {sorted(missing)}"
