"""Bad monitoring input: rows rejected with file/row/column/reason, the rest monitored,
rows in = monitored + rejected; nothing left to monitor is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitor_fixtures import by_project, monitor, row

from jixiao.scoring.errors import InputError


def test_rows_of_another_budget_year_are_rejected(tmp_path: Path) -> None:
    results = monitor(tmp_path, [row("P1"), row("P2", year=2024), row("P3", year="2025年")])
    assert sorted(by_project(results)) == ["P1", "P3"]
    (reject,) = results.rejects.iter_rows(named=True)
    assert (reject["row"], reject["column"]) == (3, "year")
    assert "does not contain the as-of date 2025-07-31" in reject["reason"]
    assert results.manifest["rows"]["monitoring"] == {"in": 3, "monitored": 2, "rejected": 1}


def test_nothing_to_monitor_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing can be monitored as of 2026-07-31"):
        monitor(tmp_path, [row("P1"), row("P2")], as_of="2026-07-31")


def test_negative_and_contradicting_amounts_are_rejected(tmp_path: Path) -> None:
    rows = [
        row("P1", 100, 50),
        row("P1", 200, 50, indicator="b"),  # another budget for P1
        row("P2", 100, -5),
    ]
    results = monitor(tmp_path, rows)
    reasons = {r["row"]: (r["column"], r["reason"]) for r in results.rejects.iter_rows(named=True)}
    assert reasons[3][0] == "budget" and "differs from the project's first row" in reasons[3][1]
    assert reasons[4][0] == "spent_to_date" and "negative" in reasons[4][1]
    assert by_project(results)["P1"]["budget"] == 100
    rows_ = results.manifest["rows"]["monitoring"]
    assert rows_["in"] == rows_["monitored"] + rows_["rejected"] == 3
