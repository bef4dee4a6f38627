"""Flags on the sample district: identical across engines, slices and spills (DESIGN
invariant 4: byte-identical outputs), and explain recomputes every project's and every
department's flags with the reference evaluator exactly as the batch raised them."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jixiao.scoring import api
from jixiao.scoring.explain.project import explain, explain_department
from jixiao.scoring.jobs.selfeval import Results, run
from jixiao.scoring.rules.compile import Plan

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-district"
CSV = [SAMPLE / "projects.csv", SAMPLE / "indicators.csv"]
RULESET = Path(__file__).parent / "rulesets" / "flags-engine.yaml"
SLICE = 700


@pytest.fixture(scope="module")
def plan() -> Plan:
    return api.load_ruleset(str(RULESET))


@pytest.fixture(scope="module")
def in_memory(plan: Plan) -> Results:
    return api.score(plan, CSV)


def test_every_level_raises_on_the_sample(in_memory: Results) -> None:
    levels = set(in_memory.flags["level"])
    assert levels == {"indicator", "project", "department"}
    assert in_memory.flags.height > 500


def test_sliced_and_spilled_runs_give_the_same_flags(
    plan: Plan, in_memory: Results, tmp_path: Path
) -> None:
    sliced = run(plan, api.read(plan, CSV), engine="streaming", chunk_rows=SLICE)
    for name in ("flags", "project_scores", "department_summary"):
        assert_frame_equal(in_memory.tables()[name], sliced.tables()[name], check_exact=True)
    spill = tmp_path / "spill"
    spill.mkdir()
    spilled = run(plan, api.read(plan, CSV), engine="streaming", chunk_rows=SLICE, spill_dir=spill)
    assert spilled.flags.height == 0 and spilled.flags_scan is not None  # on disk
    assert len(list(spill.glob("flags.*.parquet"))) == 5 + 2  # slices, projects, departments
    assert_frame_equal(in_memory.flags, spilled.flags_scan.collect(), check_exact=True)
    for name in ("project_scores", "department_summary"):
        assert_frame_equal(in_memory.tables()[name], spilled.tables()[name], check_exact=True)
    a = api.write(in_memory, tmp_path / "a", ["csv", "parquet", "xlsx"])
    b = api.write(spilled, tmp_path / "b", ["csv", "parquet", "xlsx"])
    for x, y in zip(sorted(a), sorted(b), strict=True):
        if x.name != "manifest.json":
            assert x.read_bytes() == y.read_bytes(), x.name


def test_flag_counts_add_up(in_memory: Results) -> None:
    flags = in_memory.flags
    assert (
        in_memory.project_scores["n_flags"].sum()
        == flags.filter(pl.col("level") != "department").height
    )
    assert in_memory.department_summary["n_flags"].sum() == flags.height
    per = in_memory.project_scores
    assert (
        per["n_flags"] == per["n_flags_info"] + per["n_flags_warning"] + per["n_flags_serious"]
    ).all()


def test_explain_agrees_with_batch_for_every_project(plan: Plan, in_memory: Results) -> None:
    total = 0
    for pid in in_memory.project_scores["project_id"]:
        total += len(explain(plan, in_memory, pid).flags)
    assert total == in_memory.flags.filter(pl.col("level") != "department").height


def test_explain_agrees_with_batch_for_every_department(plan: Plan, in_memory: Results) -> None:
    raised = 0
    for department in in_memory.department_summary["department"]:
        raised += len(explain_department(plan, in_memory, department)["flags"])  # type: ignore[arg-type]
    assert raised == in_memory.flags.filter(pl.col("level") == "department").height
