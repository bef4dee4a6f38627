"""Prepare stage: number columns come from the catalogue's `type: number`."""

from __future__ import annotations

import polars as pl

from jixiao.scoring import api
from jixiao.scoring.stages.prepare import number_columns, prepare_projects


def test_number_columns_are_the_catalogue_number_columns() -> None:
    plan = api.load_ruleset("project-self-eval")
    assert number_columns(plan) == ["budget_initial", "budget", "spent", "allocated"]


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
        for c in ("project_name", "department", "unit", "year", "_file", "_sheet")
    )
    projects, rejects = prepare_projects(frame.with_columns(_row=pl.lit(2)).lazy(), plan, None)
    got = projects.collect()
    assert got["budget_initial"].to_list() == [1000.0, None]
    assert got["budget"].to_list() == [2000.0, 1200.0]
    assert got["allocated"].to_list() == [1000.0, None]
    assert got["amount_errors"].to_list() == ["", "allocated: cannot read number 'abc'"]
    assert got["budget_to_project_rate"].to_list() == [0.5, None]
    assert rejects.collect().height == 0
