"""The spot-check sample (jobs/sample.py, DOMAIN §5 抽查复核): stratified by department
with the largest remainder, drawn by SHA-256 of `seed:project_id`, independent of the
input order; or the riskiest by the ruleset's risk order."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.jobs import sample as s

RISK = [pl.col("grade_changed"), pl.col("gap").abs(), pl.col("budget")]


def projects(sizes: dict[str | None, int]) -> pl.DataFrame:
    rows = []
    for dept, n in sizes.items():
        for i in range(n):
            rows.append(
                {
                    "project_id": f"{dept}-{i:03d}",
                    "project_name": f"项目{i}",
                    "department": dept,
                    "gap": float((i * 7) % 13) - 4.0,
                    "grade_changed": i % 5 == 0,
                    "budget": 10.0 * (i + 1),
                    "claimed_grade": "优",
                    "grade": "中",
                }
            )
    return pl.DataFrame(rows, schema_overrides={"department": pl.String()})


@pytest.mark.parametrize(
    ("sizes", "n", "want"),
    [
        # proportional: 60/30/10 of 10 → 6/3/1
        ({"a": 60, "b": 30, "c": 10}, 10, {"a": 6, "b": 3, "c": 1}),
        # largest remainder: 7 of 12/6/2 → 4.2, 2.1, 0.7 → 4, 2, 1
        ({"a": 12, "b": 6, "c": 2}, 7, {"a": 4, "b": 2, "c": 1}),
        # every department at least one when n ≥ departments
        ({"a": 100, "b": 1, "c": 1}, 10, {"a": 8, "b": 1, "c": 1}),
        # n < departments: the largest remainders (ties by name)
        ({"a": 100, "b": 1, "c": 1}, 2, {"a": 2, "b": 0, "c": 0}),
        ({"a": 5, "b": 5, "c": 5}, 2, {"a": 1, "b": 1, "c": 0}),
        # never more than a department has
        ({"a": 3, "b": 1}, 4, {"a": 3, "b": 1}),
    ],
)
def test_allocation(sizes: dict[str, int], n: int, want: dict[str, int]) -> None:
    assert s.allocate(sizes, n) == want


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.dictionaries(st.text("abcde", min_size=1, max_size=3), st.integers(1, 40), min_size=1),
    n=st.integers(1, 120),
)
def test_allocation_invariants(sizes: dict[str, int], n: int) -> None:
    seats = s.allocate(sizes, n)
    assert sum(seats.values()) == min(n, sum(sizes.values()))
    assert all(0 <= seats[d] <= sizes[d] for d in sizes)
    if n >= len(sizes):
        assert all(seats[d] >= 1 for d in sizes)


def test_stratified_reason_and_manifest() -> None:
    result = s.stratified(projects({"区教育局": 12, "区卫健委": 6, "区体育局": 2}), 10, 7)
    table = result.table
    assert table.columns == list(s.COLUMNS)
    assert table["rank"].to_list() == list(range(1, 11))
    counts = dict(table.group_by("department").len().iter_rows())
    assert counts == {"区教育局": 6, "区卫健委": 3, "区体育局": 1}
    edu = table.filter(pl.col("department") == "区教育局")["reason"].unique().to_list()
    assert edu == ["分层随机抽取（区教育局 6/12，种子 7）"]
    assert result.manifest["mode"] == "stratified"
    assert result.manifest["seed"] == 7 and result.manifest["n"] == 10
    assert result.manifest["strata"]["区体育局"] == {"projects": 2, "chosen": 1}
    assert result.notes == []


def test_stratified_draws_the_smallest_sha256_keys() -> None:
    frame = projects({"a": 20})
    table = s.stratified(frame, 3, 42).table
    keys = sorted((hashlib.sha256(f"42:{p}".encode()).hexdigest(), p) for p in frame["project_id"])
    assert table["project_id"].to_list() == [p for _, p in keys[:3]]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), shuffle=st.integers(0, 10**6), n=st.integers(1, 30))
def test_stratified_does_not_depend_on_input_order(seed: int, shuffle: int, n: int) -> None:
    frame = projects({"a": 9, "b": 5, "c": 3, None: 2})
    one = s.stratified(frame, n, seed).table
    two = s.stratified(frame.sample(fraction=1.0, shuffle=True, seed=shuffle), n, seed).table
    assert one.equals(two)


def test_other_seed_other_draw() -> None:
    frame = projects({"a": 30})
    assert not s.stratified(frame, 5, 1).table.equals(s.stratified(frame, 5, 2).table)


def test_blank_department_is_a_stratum() -> None:
    table = s.stratified(projects({"a": 3, None: 2}), 5, 1).table
    assert set(table["department"]) == {"a", s.BLANK_DEPARTMENT}


def test_more_than_there_are_takes_all_with_a_note() -> None:
    result = s.stratified(projects({"a": 3, "b": 2}), 50, 1)
    assert result.table.height == 5
    assert "only 5" in result.notes[0] and result.manifest["note"] == result.notes[0]
    risk = s.by_risk(projects({"a": 3}), 9, RISK)
    assert risk.table.height == 3 and risk.notes


def test_risk_order_grade_change_then_gap_then_budget() -> None:
    frame = pl.DataFrame(
        {
            "project_id": ["p1", "p2", "p3", "p4", "p5"],
            "project_name": ["一", "二", "三", "四", "五"],
            "department": ["d"] * 5,
            "gap": [12.5, -20.0, 3.0, None, 3.0],
            "grade_changed": [True, False, True, False, False],
            "budget": [300.0, 10.0, 50.0, 900.0, 60.0],
            "claimed_grade": ["优", "良", "良", "中", "中"],
            "grade": ["中", "良", "中", "中", "中"],
        }
    )
    result = s.by_risk(frame, 4, RISK, ["grade_changed", "abs(gap)", "budget"])
    assert result.table["project_id"].to_list() == ["p1", "p3", "p2", "p5"]
    assert result.table["reason"][0] == "等级变化 优→中；差距 +12.50 分；预算 300.00 万元"
    assert result.table["reason"][2] == "差距 -20.00 分；预算 10.00 万元"
    assert result.manifest == {
        "mode": "risk",
        "n": 4,
        "order": ["grade_changed", "abs(gap)", "budget"],
        "chosen": 4,
    }


def test_risk_ties_by_project_id_whatever_the_order() -> None:
    frame = projects({"a": 10}).with_columns(
        gap=pl.lit(1.0), grade_changed=pl.lit(False), budget=pl.lit(5.0)
    )
    one = s.by_risk(frame, 4, RISK).table
    two = s.by_risk(frame.reverse(), 4, RISK).table
    assert one.equals(two) and one["project_id"].to_list() == sorted(frame["project_id"])[:4]


def test_bad_sizes_and_frames_are_errors() -> None:
    with pytest.raises(JixiaoError, match="at least 1"):
        s.stratified(projects({"a": 2}), 0, 1)
    with pytest.raises(JixiaoError, match="lacks gap"):
        s.stratified(projects({"a": 2}).drop("gap"), 1, 1)
    with pytest.raises(JixiaoError, match="risk_order is empty"):
        s.by_risk(projects({"a": 2}), 1, [])


def test_none_is_an_empty_table_of_the_schema() -> None:
    result = s.none()
    assert result.table.height == 0 and dict(result.table.schema) == s.COLUMNS
    assert result.manifest == {"mode": "none"}
