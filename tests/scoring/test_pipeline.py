"""Invariants of a whole run on the bundled sample district (DESIGN.md, Invariants)."""

from __future__ import annotations

import csv
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jixiao.scoring import api
from jixiao.scoring.errors import JixiaoError
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


def _data_rows(path: Path) -> int:
    """Rows of a CSV export, counted with the standard library (not the engine's reader)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_nothing_lost(results: Results) -> None:
    """Invariant 1: every input row is scored or rejected, exactly once — counted from the
    output frames against the CSV export of the same workbook, not from the manifest's
    own in = scored + rejected (the engine raises unless that holds)."""
    written = {"projects": _data_rows(CSV[0]), "indicators": _data_rows(CSV[1])}
    assert written["indicators"] == 2960
    scored = {
        "projects": results.project_scores.height,
        "indicators": results.indicator_scores.height,
    }
    for table, n in written.items():
        rejected = int((results.rejects["table"] == table).sum())
        assert scored[table] + rejected == n, (table, scored[table], rejected, n)
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


def test_every_explanation_recomputes_the_batch_numbers(plan: Plan, results: Results) -> None:
    """explain recomputes the budget score, the category subtotals, the total and every
    indicator score with the reference evaluator: they must equal the batch's. (Grade,
    completeness, issues, evaluable and reason are not compared here: explain copies them
    from the batch today, so comparing them would compare the batch with itself — the
    tamper tests below pin that.)"""
    by_project = results.indicator_scores.partition_by("project_id", as_dict=True)
    for row in results.project_scores.iter_rows(named=True):
        pid = row["project_id"]
        explained = api.explain_project(plan, results, pid)
        assert (explained.total, explained.budget_score) == (row["total"], row["budget_score"])
        for category in plan.categories:
            assert explained.categories[category]["score"] == row[f"{category}_score"], pid
        batch = by_project[(pid,)]["score"].to_list() if (pid,) in by_project else []
        assert [step.score for step in explained.indicators] == batch, pid


def _grade_by_hand(total: float) -> str:
    """DOMAIN §2 grades [law]: 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60, lower bound inclusive."""
    return "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"


def test_explain_recomputes_completeness(plan: Plan, results: Results) -> None:
    """Tell explain a wrong batch (an incomplete project marked complete, graded on its
    total): a recomputing explain either refuses (JixiaoError) or says incomplete."""
    row = results.project_scores.filter(~pl.col("complete")).row(0, named=True)
    pid, mine = row["project_id"], pl.col("project_id") == row["project_id"]
    lie = results.project_scores.with_columns(
        complete=pl.when(mine).then(True).otherwise(pl.col("complete")),
        issues=pl.when(mine).then(None).otherwise(pl.col("issues")),
        grade=pl.when(mine).then(pl.lit(_grade_by_hand(row["total"]))).otherwise(pl.col("grade")),
    )
    try:
        explained = api.explain_project(plan, replace(results, project_scores=lie), pid)
    except JixiaoError:
        return
    assert explained.complete is False and explained.issues


def test_explain_recomputes_not_evaluable_reasons(plan: Plan, results: Results) -> None:
    """Overwrite the batch's reason of one blank-actual row: a recomputing explain gives
    its own reason (or refuses), never the planted text."""
    scores = results.indicator_scores.with_row_index("_i")
    target = scores.filter(~pl.col("evaluable") & pl.col("reason").str.contains("blank")).row(
        0, named=True
    )
    planted = scores.with_columns(
        reason=pl.when(pl.col("_i") == target["_i"]).then(pl.lit("PLANTED")).otherwise("reason")
    ).drop("_i")
    try:
        explained = api.explain_project(
            plan, replace(results, indicator_scores=planted), target["project_id"]
        )
    except JixiaoError:
        return
    reasons = [s.reason for s in explained.indicators if s.indicator == target["indicator"]]
    assert reasons and "PLANTED" not in reasons


def test_incomplete_projects_are_never_graded(results: Results) -> None:
    ps = results.project_scores
    assert ps.filter(~pl.col("complete"))["grade"].unique().to_list() == ["未定级"]
    assert ps.filter(pl.col("complete"))["grade"].is_in(["优", "良", "中", "差"]).all()


WORDS = ["完成", "达标", "已完成"]
"""Words the sample writes where a number is needed."""
PLAIN_TARGET = r"^(≥|≤|>|<|=)\d+(\.\d+)?(%|个|人|人次|次|天|万元|元|户|项|场|份)?$"
BANDS = {
    "达成": (Decimal("0.8"), Decimal("1"), True),
    "部分达成": (Decimal("0.6"), Decimal("0.8"), False),
    "未达成": (Decimal("0"), Decimal("0.6"), False),
}
"""DOMAIN §2 qualitative bands of w (80 % belongs to the top tier, 60 % to the middle)."""


def _outside_band(tier: str | None, claimed: float | None, points: float) -> bool:
    if tier not in BANDS or claimed is None:
        return False
    low, high, inclusive = BANDS[tier]
    share = Decimal(str(claimed)) / Decimal(str(points))  # on paper: 5.6 of 7 is exactly 80 %
    return share < low or share > high or (share == high and not inclusive)


def test_not_evaluable_rows_are_the_unscorable_inputs(results: Results) -> None:
    """DOMAIN §2 'not scorable', judged from the input texts, not from the engine's own
    reason column (evaluable is defined as "no reason", so checking that every
    not-evaluable row has a reason would check nothing): a blank actual, a word where a
    number is needed, a claimed score outside its tier's band, a unitless actual ≤ 1
    against a % 反向 target whose two readings fall on opposite sides of it (issue 8:
    `0.4` against `不超过0.5%` is 40% or 0.4%: one scores 0, the other full) — and nothing
    else; a plain number against a plain comparator target is always scored."""
    s = results.indicator_scores
    blank = s["actual_text"].fill_null("").str.strip_chars() == ""
    word = s["actual_text"].is_in(WORDS) & s["target_text"].str.contains(r"\d")
    band = pl.Series(
        [
            _outside_band(r["tier"], r["claimed_score"], r["points"])
            for r in s.select("tier", "claimed_score", "points").iter_rows(named=True)
        ]
    )
    a = s["actual_text"].str.strip_chars().cast(pl.Float64, strict=False)
    ceiling = s["target_text"].str.extract(r"^(?:≤|<|不超过|不高于)(\d+(?:\.\d+)?)%$", 1)
    t = ceiling.cast(pl.Float64)
    ambiguous = ((a > 0) & (a <= 1) & (a <= t) & (a * 100 > t)).fill_null(False)
    expected = blank | word | band | ambiguous
    assert blank.sum() > 0 and word.sum() > 0 and band.sum() > 0
    assert (~s["evaluable"] == expected).all(), s.filter(~s["evaluable"] != expected)
    assert s.filter(blank)["reason"].str.contains("blank").all()
    plain = s["actual_text"].str.contains(r"^\d+(\.\d+)?$") & s["target_text"].str.contains(
        PLAIN_TARGET
    )
    assert plain.sum() >= 100 and s.filter(plain)["evaluable"].all()
    assert s.filter(~s["evaluable"])["score"].null_count() == int((~s["evaluable"]).sum())


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
