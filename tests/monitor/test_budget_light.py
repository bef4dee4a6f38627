"""The budget light (DOMAIN §4): ratio = (执行数 / 全年预算数) / time progress; national
bands red < 60 % ≤ yellow < 80 % ≤ green, 0.60 exactly yellow, 0.80 exactly green."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from monitor_fixtures import by_project, monitor, row

BUDGETS = ["1200", "1234.56", "7.77", "98765.43", "0.12", "3000000.01"]


def _spent(budget: str, share: str, months: int) -> str:
    """spent = budget × share × months / 12, as the exact decimal a person would type."""
    value = Decimal(budget) * 12 * Decimal(share) * months / 12
    return format(value.normalize(), "f")


MONTH_ENDS = {1: "01-31", 2: "02-28", 3: "03-31", 6: "06-30", 7: "07-31", 11: "11-30", 12: "12-31"}


@pytest.mark.parametrize("months", sorted(MONTH_ENDS))
@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize(
    ("share", "light"),
    [("0.6", "yellow"), ("0.8", "green"), ("0.599999", "red"), ("0.799999", "yellow")],
)
def test_boundaries_fall_on_the_documented_side(
    tmp_path: Path, months: int, budget: str, share: str, light: str
) -> None:
    """A ratio of exactly 0.60 is yellow and exactly 0.80 green, whatever the budget's
    decimals and the month (float care: 0.35 / (7/12) is 0.6000000000000001 in binary)."""
    budget12 = format((Decimal(budget) * 12).normalize(), "f")
    spent = _spent(budget, share, months)
    results = monitor(tmp_path, [row("P1", budget12, spent)], as_of=f"2025-{MONTH_ENDS[months]}")
    project = by_project(results)["P1"]
    assert project["budget_light"] == light, project
    assert project["time_progress"] == pytest.approx(months / 12)


def test_31_july_is_seven_twelfths_and_mid_month_counts_completed_months(tmp_path: Path) -> None:
    """1-N月 figures are month-end figures: 31 July is 7/12 (DOMAIN §4), 30 July still 6/12."""
    rows = [row("P1", 1200, 420)]
    assert by_project(monitor(tmp_path, rows, "2025-07-31"))["P1"][
        "time_progress"
    ] == pytest.approx(7 / 12)
    on_30th = by_project(monitor(tmp_path, rows, "2025-07-30"))["P1"]
    assert on_30th["time_progress"] == pytest.approx(6 / 12)
    assert on_30th["budget_ratio"] == pytest.approx(0.7)
    assert on_30th["budget_light"] == "yellow"
    # leap year: 29 February ends February
    leap = monitor(tmp_path, [row("P1", 1200, 420, year=2024)], "2024-02-29")
    assert by_project(leap)["P1"]["time_progress"] == pytest.approx(2 / 12)


def test_before_the_first_month_ends_the_budget_light_is_grey(tmp_path: Path) -> None:
    project = by_project(monitor(tmp_path, [row("P1", 100, 5)], "2025-01-15"))["P1"]
    assert project["time_progress"] == 0
    assert project["budget_light"] == "grey"
    assert "no month" in str(project["reason"])


@pytest.mark.parametrize(
    ("budget", "spent", "why"),
    [
        ("", "50", "budget"),
        ("100", "", "spent_to_date"),
        ("0", "0", "is 0"),
        ("abc", "5", "budget"),
    ],
)
def test_no_budget_or_no_spending_is_grey_never_green(
    tmp_path: Path, budget: str, spent: str, why: str
) -> None:
    project = by_project(monitor(tmp_path, [row("P1", budget, spent, actual="100")]))["P1"]
    assert project["budget_light"] == "grey"
    assert project["light"] != "green"
    assert why in str(project["reason"])


def test_days_reading_is_a_ruleset_setting(tmp_path: Path) -> None:
    """`time_progress: day_of_year / days_in_year` (elapsed days) instead of months."""
    ruleset = tmp_path / "days.yaml"
    ruleset.write_text(
        "extends: project-self-eval\nid: days\nname: days\n"
        'monitoring:\n  time_progress: "day_of_year / days_in_year"\n',
        encoding="utf-8",
    )
    project = by_project(monitor(tmp_path, [row("P1", 365, 100)], "2025-07-15", str(ruleset)))["P1"]
    assert project["time_progress"] == pytest.approx(196 / 365)
