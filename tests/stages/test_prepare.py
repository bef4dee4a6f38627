"""Prepare stage: number columns come from the catalogue's `type: number`."""

from __future__ import annotations

import polars as pl

from jixiao.scoring import api
from jixiao.scoring.stages.prepare import number_columns, prepare_projects


def test_number_columns_are_the_catalogue_number_columns() -> None:
    plan = api.load_ruleset("project-self-eval")
    assert number_columns(plan) == [
        "budget_initial",
        "budget",
        "spent",
        "allocated",
        *FORM_NUMBERS,
    ]


FORM_NUMBERS = ("funds_total_written", "funds_parts_sum", "spent_total_written", "spent_parts_sum")
"""What a self-evaluation form adds to a project (docs/forms.md); blank from tables."""
FORM_COLUMNS = ("claimed_budget_score", "claimed_total", "claimed_grade", *FORM_NUMBERS)


def test_thousands_separators_parse_and_junk_is_a_per_row_issue() -> None:
    """`1,000.00` in a `type: number` column is 1000; `abc` is named in amount_errors,
    never a raw Polars error, and the project is kept."""
    plan = api.load_ruleset("project-self-eval")
    text = {
        "project_id": ["P1", "P2"],
        "budget_initial": ["1,000.00", None],
        "budget": ["2,000", "１２００"],
        "spent": ["1,500.5", "600"],
        "allocated": ["1,000.00", "abc"],
    }
    frame = pl.DataFrame(text).with_columns(
        pl.lit(None, pl.String).alias(c)
        for c in ("project_name", "department", "unit", "year", "_file", "_sheet", *FORM_COLUMNS)
    )
    projects, rejects = prepare_projects(frame.with_columns(_row=pl.lit(2)).lazy(), plan, None)
    got = projects.collect()
    assert got["budget_initial"].to_list() == [1000.0, None]
    assert got["budget"].to_list() == [2000.0, 1200.0]
    assert got["allocated"].to_list() == [1000.0, None]
    assert got["amount_errors"].to_list() == ["", "allocated: cannot read number 'abc'"]
    assert got["budget_to_project_rate"].to_list() == [0.5, None]
    assert rejects.collect().height == 0


def _projects(**columns: list[str | None]) -> pl.LazyFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, list[str | None]] = {
        c: [None] * n
        for c in (
            "project_name",
            "department",
            "unit",
            "year",
            "_file",
            "_sheet",
            "allocated",
            *FORM_COLUMNS,
        )
    }
    base.update({"budget_initial": [None] * n, **columns})
    return (
        pl.DataFrame(base, schema={k: pl.String for k in base}).with_columns(_row=pl.lit(2)).lazy()
    )


def test_negative_amounts_reject_the_project_and_overspending_is_recorded() -> None:
    """Issue 8 item 9: a negative budget or spending is rejected with the column and the
    reason; spending above the budget is kept (the budget rule caps the rate) and its
    excess is in `overspent`; 0 within budget, null when an amount is unknown."""
    plan = api.load_ruleset("project-self-eval")
    frame = _projects(
        project_id=["A", "B", "C", "D", "E"],
        budget=["-100", "100", "100", "100", "#N/A"],
        spent=["50", "-0.5", "150", "80", "10"],
    )
    projects, rejects = prepare_projects(frame, plan, None)
    kept = projects.collect()
    assert kept["project_id"].to_list() == ["C", "D", "E"]
    assert kept["overspent"].to_list() == [50.0, 0.0, None]
    assert kept["amount_errors"].to_list()[2] == "budget: the cell holds the Excel error #N/A"
    got = rejects.collect().select("column", "text", "reason").rows()
    assert got == [
        ("budget", "-100", "budget is negative (-100): an amount cannot be below 0"),
        ("spent", "-0.5", "spent is negative (-0.5): an amount cannot be below 0"),
    ]


def test_a_date_in_the_year_column_gives_its_year() -> None:
    """Issue 8 item 4: a date-formatted 年度 arrives as ISO date text (with or without a
    time); `2025`, `2025.0` and `2025年` still work; other text is compared as written."""
    plan = api.load_ruleset("project-self-eval")
    years = ["2025-01-01", "2025-12-31 00:00:00", "2025.0", "2025年", "2024-06-30", "二〇二五"]
    frame = _projects(
        project_id=[f"P{i}" for i in range(len(years))],
        budget=["1"] * len(years),
        spent=["1"] * len(years),
        year=years,
    )
    projects, rejects = prepare_projects(frame, plan, 2025)
    assert projects.collect()["project_id"].to_list() == ["P0", "P1", "P2", "P3"]
    assert rejects.collect()["text"].to_list() == ["2024-06-30", "二〇二五"]
