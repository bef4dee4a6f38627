"""Values that must not give a wrong score (issue 8 items 1b, 1c, 9, convention 2, 年度).

Every case changes one cell of a clean pair (corpus.indicators: four indicators, 90 points,
all met; budget fully spent → 100 优, DOMAIN §2) and states the outcome by hand: a row that
cannot be scored leaves its points out and withholds the grade (未定级); a negative amount
rejects the project and its indicators with the reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import polars as pl
from corpus import (
    INDICATOR_HEADER,
    PROJECT_HEADER,
    Case,
    Cell,
    Reject,
    Row,
    Run,
    indicators,
    project,
    write_pair,
    write_xlsx,
)

QUALITY, QUANTITY = 1, 0
"""Rows of corpus.indicators: 验收合格率 (≥95%, 25 points) and 培训人次 (≥100人次, 25)."""

WITHHELD = "未定级"


def _one_cell(
    row: int, target: str, actual: Cell, unit: str = "", points: Cell = 25
) -> Callable[[Path], list[str]]:
    """The clean pair with one indicator's target, unit, actual and points replaced."""

    def make(folder: Path) -> list[str]:
        rows = indicators("P001")
        rows[row][5], rows[row][6], rows[row][7], rows[row][8] = target, unit, actual, points
        return write_pair(folder, [project("P001", 100, 100)], rows)

    return make


def _projects(*projects: Row) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        rows = [r for p in projects for r in indicators(str(p[0]))]
        return write_pair(folder, list(projects), rows)

    return make


def _with_ruleset(body: str, make: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
    def wrapped(folder: Path) -> list[str]:
        (folder / "rs.yaml").write_text(body, encoding="utf-8")
        return make(folder)

    return wrapped


def _indicator(
    column: str, expected: object, indicator: str = "验收合格率"
) -> Callable[[Run], None]:
    """A check that one indicator row's column holds (or, for text, contains) a value."""

    def check(run: Run) -> None:
        row = (
            run.table("indicator_scores")
            .filter(pl.col("indicator") == indicator)
            .row(0, named=True)
        )
        got = row[column]
        if isinstance(expected, str) and column in ("reason", "note"):
            assert got is not None and expected in got, (column, got)
        else:
            assert got == expected, (column, got, row)

    return check


def _overspent(expected: str) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        got = run.table("project_scores")["overspent"].to_list()
        assert got == [expected], got

    return check


PERCENT_WHEN_AMBIGUOUS = """\
id: percent-when-ambiguous
name: ambiguous fractions read as written
version: "1"
extends: project-self-eval
fraction_actuals: {when_ambiguous: percent}
"""

SIGNED_RULE = """\
id: signed-rule
name: signed targets met or not
version: "1"
extends: project-self-eval
rules:
  signed_targets:
    higher: "points if actual >= target else 0"
    lower: "points if actual <= target else 0"
    exact: "points if actual == target else 0"
    range: "points if between(actual, target, upper) else 0"
"""

_NE = (75.0, WITHHELD)
"""The quality row (25 points) not evaluable: 10 + 25 + 30 + 10 = 75, grade withheld."""

SIGNED = [
    Case(
        name="values-signed-floor-missed",
        about="Signed target ≥-5% with −10% (DOMAIN §2 signed targets): the old clamp scored "
        "0 ≥ −5 → full marks; now not evaluable, 100 − 25 = 75 withheld.",
        make=_one_cell(QUALITY, "≥-5%", "-10%"),
        scores={"P001": _NE},
        check=_indicator("reason", "signed target"),
    ),
    Case(
        name="values-signed-ceiling-met",
        about="Signed target ≤-5% with −8%, met as written but no rule for signed targets "
        "(DOMAIN §2): not evaluable, 75 withheld.",
        make=_one_cell(QUALITY, "≤-5%", "-8%"),
        scores={"P001": _NE},
    ),
    Case(
        name="values-signed-words-fullwidth",
        about="不低于－5% (word comparator, full-width minus) is the same signed target: not "
        "evaluable, 75 withheld.",
        make=_one_cell(QUALITY, "不低于－5%", "－10%"),
        scores={"P001": _NE},
    ),
    Case(
        name="values-signed-comparator-column",
        about="Signed target split over columns (正向 | -5 | %) with actual −10: not evaluable, "
        "75 withheld.",
        make=_one_cell(QUALITY, "-5", "-10", unit="%"),
        scores={"P001": _NE},
    ),
    Case(
        name="values-zero-floor-negative-actual",
        about="≥0% with −2% would need w × a / 0 (DOMAIN §2 正向 undefined at t = 0 below it): "
        "not evaluable, 75 withheld.",
        make=_one_cell(QUALITY, "≥0%", "-2%"),
        scores={"P001": _NE},
    ),
    Case(
        name="values-zero-floor-met",
        about="≥0% met by 2% (DOMAIN §2 正向 a ≥ t → w): 100 优.",
        make=_one_cell(QUALITY, "≥0%", "2%"),
        scores={"P001": (100.0, "优")},
    ),
    Case(
        name="values-negative-actual-positive-floor",
        about="≥95% with −3% (DOMAIN §2 a < 0 counts as 0 in the score): 0 points, missed; "
        "10 + 0 + 25 + 30 + 10 = 75 中.",
        make=_one_cell(QUALITY, "≥95%", "-3%"),
        scores={"P001": (75.0, "中")},
        check=_indicator("achieved", "false"),
    ),
    Case(
        name="values-signed-rule-in-ruleset",
        about="A ruleset with rules.signed_targets (DOMAIN §2 'a rule the ruleset states'): "
        "≥-5% with −10% misses → 0 on the actual as written; 75 中.",
        make=_with_ruleset(SIGNED_RULE, _one_cell(QUALITY, "≥-5%", "-10%")),
        args=("-r", "{in}/rs.yaml"),
        scores={"P001": (75.0, "中")},
    ),
]

FRACTIONS = [
    Case(
        name="values-fraction-clear",
        about="0.96 against ≥95% (DOMAIN §3): 96%, 0.96% is under a tenth of the floor; met, "
        "noted; 100 优.",
        make=_one_cell(QUALITY, "≥95%", "0.96"),
        scores={"P001": (100.0, "优")},
        check=_indicator("note", "read 0.96 as 96%"),
    ),
    Case(
        name="values-fraction-ambiguous-ceiling",
        about="1 against ≤5% is 100% (0 points) or 1% (full): never guessed, not evaluable; "
        "75 withheld.",
        make=_one_cell(QUALITY, "≤5%", "1"),
        scores={"P001": _NE},
        check=_indicator("reason", "falls on opposite sides of the target"),
    ),
    Case(
        name="values-fraction-ambiguous-decimal",
        about="0.5 against 不超过5% is 50% or 0.5%: opposite sides of the target, not "
        "evaluable; 75 withheld.",
        make=_one_cell(QUALITY, "不超过5%", "0.5"),
        scores={"P001": _NE},
    ),
    Case(
        name="values-fraction-ambiguous-low-floor",
        about="1 against ≥2% is 100% or 1%, both plausible for a 2% floor: not evaluable; "
        "75 withheld.",
        make=_one_cell(QUALITY, "≥2%", "1"),
        scores={"P001": _NE},
    ),
    Case(
        name="values-fraction-same-side",
        about="0.03 against ≤5% meets either way (3% or 0.03%): read as 3%, full; 100 优.",
        make=_one_cell(QUALITY, "≤5%", "0.03"),
        scores={"P001": (100.0, "优")},
    ),
    Case(
        name="values-fraction-unit-column",
        about="Target 95 with 度量单位 % and actual 0.96: the % comes from the unit column, "
        "same reading as ≥95%; 100 优.",
        make=_one_cell(QUALITY, "95", "0.96", unit="%"),
        scores={"P001": (100.0, "优")},
    ),
    Case(
        name="values-fraction-policy-percent",
        about="fraction_actuals.when_ambiguous: percent — 1 against ≤5% is 1%, met, noted; 100 优.",
        make=_with_ruleset(PERCENT_WHEN_AMBIGUOUS, _one_cell(QUALITY, "≤5%", "1")),
        args=("-r", "{in}/rs.yaml"),
        scores={"P001": (100.0, "优")},
        check=_indicator("note", "as written although ambiguous"),
    ),
]

EXCEL = [
    Case(
        name="values-excel-error-actual",
        about="Actual #N/A (an Excel error as the readers give it): not evaluable, the reason "
        "names it; 75 withheld.",
        make=_one_cell(QUALITY, "≥95%", "#N/A"),
        scores={"P001": _NE},
        check=_indicator("reason", "the cell holds the Excel error #N/A"),
    ),
    Case(
        name="values-excel-error-target",
        about="Target #DIV/0!: not evaluable, named, never read as a qualitative target; "
        "75 withheld.",
        make=_one_cell(QUALITY, "#DIV/0!", "96%"),
        scores={"P001": _NE},
        check=_indicator("reason", "the Excel error #DIV/0!"),
    ),
    Case(
        name="values-formula-actual",
        about="Actual =C2/B2, a formula never computed: not evaluable, the reason says to "
        "open and save it; 75 withheld.",
        make=_one_cell(QUALITY, "≥95%", "=C2/B2"),
        scores={"P001": _NE},
        check=_indicator("reason", "a formula with no computed value (=C2/B2)"),
    ),
    Case(
        name="values-excel-error-points",
        about="分值 #REF!: the row is rejected naming the error (DOMAIN §2 points > 0), the "
        "points no longer roll up: 75 withheld.",
        make=_one_cell(QUALITY, "≥95%", "96%", points="#REF!"),
        scores={"P001": _NE},
        rejects=(
            Reject("indicators.csv", 3, "the cell holds the Excel error #REF!", column="points"),
        ),
    ),
    Case(
        name="values-excel-error-budget",
        about="全年预算数 #VALUE!: the budget score cannot be computed (counts 0, grade "
        "withheld); 90 withheld.",
        make=_projects(project("P001", "#VALUE!", 100)),
        scores={"P001": (90.0, WITHHELD)},
        check=lambda run: _issue_contains(run, "the cell holds the Excel error #VALUE!"),
    ),
]


def _issue_contains(run: Run, text: str) -> None:
    issues = run.table("project_scores")["issues"].to_list()
    assert issues[0] is not None and text in issues[0], issues


AMOUNTS = [
    Case(
        name="values-negative-budget",
        about="全年预算数 −100 (issue 8 item 9): the project is rejected with the reason, its "
        "four indicators with it; the other project scores 100 优.",
        make=_projects(project("P001", -100, 50, initial=100), project("P002", 100, 100)),
        scores={"P002": (100.0, "优")},
        rejects=(
            Reject("projects.csv", 2, r"budget is negative \(-100\)", column="budget"),
            *(Reject("indicators.csv", r, "no project 'P001'") for r in range(2, 6)),
        ),
    ),
    Case(
        name="values-negative-spending",
        about="全年执行数 '-5.00' (a refund above spending): rejected with the reason, never a "
        "−5% rate counted as 0; the indicators go with it.",
        make=_projects(project("P001", 100, "-5.00")),
        rows_in={"projects": 1, "indicators": 4},
        rejects=(
            Reject("projects.csv", 2, r"spent is negative \(-5.00\)", column="spent"),
            *(Reject("indicators.csv", r, "no project 'P001'") for r in range(2, 6)),
        ),
    ),
    Case(
        name="values-negative-accounting-format",
        about="全年执行数 '(1,200.00)', an accounting-format negative (Excel/WPS 会计专用): "
        "read as −1200 and rejected, never as junk or as +1200.",
        make=_projects(project("P001", 100, "(1,200.00)")),
        rejects=(
            Reject("projects.csv", 2, r"spent is negative \(\(1,200.00\)\)", column="spent"),
            *(Reject("indicators.csv", r, "no project 'P001'") for r in range(2, 6)),
        ),
    ),
    Case(
        name="values-negative-initial-budget",
        about="年初预算数 −1 with a sound 全年预算数: still a negative amount, rejected.",
        make=_projects(project("P001", 100, 100, initial="-1")),
        rejects=(
            Reject("projects.csv", 2, "budget_initial is negative", column="budget_initial"),
            *(Reject("indicators.csv", r, "no project 'P001'") for r in range(2, 6)),
        ),
    ),
    Case(
        name="values-overspent",
        about="Spent 150 of 100 (DOMAIN §2 执行率 capped by clip(rate, 0, 1)): 10 points, "
        "total 100 优, and overspent = 50 kept for the flags.",
        make=_projects(project("P001", 100, 150)),
        scores={"P001": (100.0, "优")},
        check=_overspent("50.0"),
    ),
    Case(
        name="values-within-budget",
        about="Spent 80 of 100: 10 × 0.8 = 8 points, 98 优, overspent 0.",
        make=_projects(project("P001", 100, 80)),
        scores={"P001": (98.0, "优")},
        check=_overspent("0.0"),
    ),
]


def _year_xlsx(folder: Path) -> list[str]:
    """年度 as a date cell (yyyy-mm-dd), as a form saved by Excel holds it."""
    sheets = {
        "项目": [PROJECT_HEADER, project("P001", 100, 100, year=datetime.date(2025, 1, 1))],  # type: ignore[arg-type]
        "指标": [INDICATOR_HEADER, *indicators("P001")],
    }
    return [str(write_xlsx(folder / "form.xlsx", sheets, default_date_format="yyyy-mm-dd"))]


YEARS = [
    Case(
        name="values-year-as-iso-date",
        about="年度 '2025-01-01' with --year 2025: the date gives its year; scored 100 优.",
        make=_projects(project("P001", 100, 100, year="2025-01-01")),
        args=("--year", "2025"),
        scores={"P001": (100.0, "优")},
    ),
    Case(
        name="values-year-as-datetime-other-year",
        about="年度 '2024-01-01 00:00:00' with --year 2025: another year, rejected with the "
        "reason; P002 (2025年) scores 100 优.",
        make=_projects(
            project("P001", 100, 100, year="2024-01-01 00:00:00"),
            project("P002", 100, 100, year="2025年"),
        ),
        args=("--year", "2025"),
        scores={"P002": (100.0, "优")},
        rejects=(
            Reject("projects.csv", 2, "is not the scoring year 2025", column="year"),
            *(Reject("indicators.csv", r, "no project 'P001'") for r in range(2, 6)),
        ),
    ),
    Case(
        name="values-year-as-excel-date-cell",
        about="年度 as a date-formatted xlsx cell with --year 2025: its year is 2025; 100 优.",
        make=_year_xlsx,
        args=("--year", "2025"),
        scores={"P001": (100.0, "优")},
    ),
]

CASES = [*SIGNED, *FRACTIONS, *EXCEL, *AMOUNTS, *YEARS]
