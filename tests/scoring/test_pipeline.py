"""Invariants of a whole run on the bundled sample district (DESIGN.md, Invariants)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jixiao.scoring import api
from jixiao.scoring.expr import Type
from jixiao.scoring.jobs.selfeval import Results
from jixiao.scoring.rules import contexts
from jixiao.scoring.rules.compile import Plan

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-district"
XLSX = [SAMPLE / "sample-district.xlsx"]
CSV = [SAMPLE / "projects.csv", SAMPLE / "indicators.csv"]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return api.load_ruleset("project-self-eval")


@pytest.fixture(scope="module")
def results(plan: Plan) -> Results:
    return api.score(plan, XLSX)


def test_nothing_lost(results: Results) -> None:
    """Invariant 1: every input row is scored or rejected, exactly once."""
    for table, rows in results.manifest["rows"].items():
        assert rows["in"] == rows["scored"] + rows["rejected"], table
    assert results.manifest["rows"]["indicators"]["in"] == 2960
    keys = results.indicator_scores.select("source_file", "source_sheet", "source_row")
    assert keys.is_unique().all()


def test_streaming_engine_gives_identical_tables(plan: Plan, results: Results) -> None:
    streamed = api.score(plan, XLSX, engine="streaming")
    for name, table in results.tables().items():
        assert_frame_equal(table, streamed.tables()[name], check_exact=True), name


def test_outputs_are_byte_identical_across_runs(
    plan: Plan, results: Results, tmp_path: Path
) -> None:
    """Invariant 4: same ruleset + same inputs → byte-identical csv and parquet."""
    again = api.score(plan, XLSX)
    first = api.write(results, tmp_path / "a", ["csv", "parquet"])
    second = api.write(again, tmp_path / "b", ["csv", "parquet"])
    for a, b in zip(sorted(first), sorted(second), strict=True):
        if a.suffix in (".csv", ".parquet"):
            assert a.read_bytes() == b.read_bytes(), a.name


def test_workbook_and_csv_exports_score_the_same(plan: Plan, results: Results) -> None:
    """The same data read from the workbook (title rows) and from CSV (UTF-8 BOM)."""
    from_csv = api.score(plan, CSV)
    drop = ["source_file", "source_sheet", "source_row"]
    assert_frame_equal(results.project_scores.drop(drop), from_csv.project_scores.drop(drop))


def test_every_explanation_equals_its_batch_row(plan: Plan, results: Results) -> None:
    """explain recomputes with the reference evaluator and raises on any disagreement."""
    for row in results.project_scores.iter_rows(named=True):
        explained = api.explain_project(plan, results, row["project_id"])
        assert (explained.total, explained.grade) == (row["total"], row["grade"])


def test_incomplete_projects_are_never_graded(results: Results) -> None:
    ps = results.project_scores
    assert ps.filter(~pl.col("complete"))["grade"].unique().to_list() == ["未定级"]
    assert ps.filter(pl.col("complete"))["grade"].is_in(["优", "良", "中", "差"]).all()


def test_not_evaluable_rows_have_a_reason_and_no_score(results: Results) -> None:
    bad = results.indicator_scores.filter(~pl.col("evaluable"))
    assert bad.height > 0
    assert bad["reason"].null_count() == 0 and bad["score"].null_count() == bad.height


TYPES = {
    Type.NUMBER: (pl.Float64, pl.Int64, pl.UInt32, pl.Int32, pl.UInt64),
    Type.BOOL: (pl.Boolean,),
    Type.TEXT: (pl.String,),
}


@pytest.mark.parametrize(
    ("level", "table"),
    [
        ("indicator", "indicator_scores"),
        ("project", "project_scores"),
        ("department", "department_summary"),
    ],
)
def test_flag_contexts_match_the_scored_tables(
    level: str, table: str, plan: Plan, results: Results
) -> None:
    """Flags are expressions over scored tables: every name they may use is a column of
    that table, of the declared type."""
    frame = results.tables()[table]
    for name, kind in contexts.flag_names(level, plan.categories).items():
        assert name in frame.columns, f"{table} has no column {name!r}"
        assert frame.schema[name] in TYPES[kind], f"{table}.{name} is {frame.schema[name]}"


def test_outputs_carry_the_ruleset_identity(results: Results, tmp_path: Path) -> None:
    """Invariant 4: every output carries the ruleset id, version and content hash."""
    api.write(results, tmp_path, ["parquet"])
    meta = pl.read_parquet_metadata(tmp_path / "project_scores.parquet")
    ruleset = results.manifest["ruleset"]
    assert meta["jixiao.ruleset.id"] == "project-self-eval"
    assert meta["jixiao.ruleset.version"] == ruleset["version"]
    assert meta["jixiao.ruleset.sha256"] == ruleset["sha256"]


def test_common_indicators_are_computed_by_their_catalogue_formulas(results: Results) -> None:
    """Catalogue common indicators (Jinan seed): 预算支出率 = 全年执行数 / 年初预算数."""
    ps = results.project_scores.filter(pl.col("budget_initial") > 0)
    expected = ps["spent"] / ps["budget_initial"]
    assert (ps["budget_spending_rate"] - expected).abs().max() < 1e-12  # type: ignore[operator]
    cut = ps.filter(pl.col("budget") < pl.col("budget_initial") * 0.7)
    assert cut.height > 0 and (cut["budget_spending_rate"] < cut["execution_rate"]).all()
