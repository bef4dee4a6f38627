"""`jobs.compare`: two rulesets over rows read and parsed once (docs/compare.md).

Each side must be exactly what `score` gives for its ruleset; a ruleset compared with
itself moves nothing; the migration and department tables are checked on hand-worked
tables and, end to end, against what the grade bands say."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jixiao.scoring import api, columns
from jixiao.scoring.jobs import compare, selfeval
from jixiao.scoring.jobs.ruleset_diff import flatten

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-district" / "sample-district.xlsx"
BENEFIT_HEAVY = ROOT / "examples" / "rulesets" / "benefit-heavy.yaml"


@pytest.fixture(scope="module")
def base() -> api.Plan:
    return api.load_ruleset("project-self-eval")


@pytest.fixture(scope="module")
def inputs(base: api.Plan) -> api.Inputs:
    return api.read(base, [SAMPLE])


def variant(tmp_path: Path, body: str, name: str = "variant.yaml") -> api.Plan:
    path = tmp_path / name
    path.write_text(f"extends: project-self-eval\nid: {path.stem}\n{body}", encoding="utf-8")
    return api.load_ruleset(str(path))


@pytest.mark.parametrize("ruleset", ["project-self-eval", "sichuan-10-90", str(BENEFIT_HEAVY)])
def test_rows_prepared_once_score_as_score_does(ruleset: str) -> None:
    """score_prepared gives every table `run` gives (proportional weighting included)."""
    plan = api.load_ruleset(ruleset)
    inputs = api.read(plan, [SAMPLE])
    expected = selfeval.run(plan, inputs)
    got = selfeval.score_prepared(plan, selfeval.prepare(plan, inputs))
    for name, frame in expected.tables().items():
        assert_frame_equal(got.tables()[name], frame)
    assert got.manifest["rows"] == expected.manifest["rows"]


def without_flag_counts(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop(c for c in frame.columns if c.startswith("n_flags"))


@pytest.mark.parametrize("ruleset", ["project-self-eval", "sichuan-10-90", str(BENEFIT_HEAVY)])
def test_lean_scoring_keeps_totals_grades_departments_and_boundaries(ruleset: str) -> None:
    plan = api.load_ruleset(ruleset)
    inputs = api.read(plan, [SAMPLE])
    expected = selfeval.run(plan, inputs)
    lean = selfeval.score_prepared(plan, selfeval.prepare(plan, inputs), lean=True)
    for name in ("project_scores", "department_summary"):
        assert_frame_equal(
            without_flag_counts(lean.tables()[name]), without_flag_counts(expected.tables()[name])
        )
    assert_frame_equal(lean.near_boundary, expected.near_boundary)
    assert_frame_equal(lean.rejects, expected.rejects)
    assert lean.indicator_scores.is_empty() and lean.flags.is_empty()
    assert lean.indicator_scores.schema == expected.indicator_scores.schema
    assert lean.manifest["rows"] == expected.manifest["rows"] and lean.manifest["lean"]


@pytest.mark.parametrize("full", [False, True])
def test_each_side_is_the_score_of_its_ruleset(
    base: api.Plan, inputs: api.Inputs, full: bool
) -> None:
    candidate = api.load_ruleset(str(BENEFIT_HEAVY))
    results = compare.run(base, candidate, inputs, full=full)
    assert results.shared
    for side, plan in ((results.base, base), (results.candidate, candidate)):
        expected = api.score(plan, inputs)
        if full:
            for name, frame in expected.tables().items():
                assert_frame_equal(side.tables()[name], frame)
        else:
            assert_frame_equal(
                without_flag_counts(side.project_scores),
                without_flag_counts(expected.project_scores),
            )
            assert_frame_equal(side.near_boundary, expected.near_boundary)
    projects = results.compare_projects
    assert projects["project_id"].to_list() == results.base.project_scores["project_id"].to_list()
    assert projects["candidate_total"].to_list() == (
        results.candidate.project_scores["total"].to_list()
    )
    assert results.n_changed > 0  # the example variant does move projects


def test_a_ruleset_compared_with_itself_moves_nothing(base: api.Plan, inputs: api.Inputs) -> None:
    results = compare.run(base, base, inputs)
    projects = results.compare_projects
    assert projects.height == 300
    assert (projects["delta"] == 0).all()
    assert (projects["base_rank"] == projects["candidate_rank"]).all()
    assert results.n_changed == 0
    assert results.ruleset_diff.is_empty()
    assert results.top_movers.is_empty()
    off_diagonal = results.migration.filter(pl.col("base_grade") != pl.col("candidate_grade"))
    assert (off_diagonal["n"] == 0).all()
    diagonal = results.migration.filter(pl.col("base_grade") == pl.col("candidate_grade"))
    grades = results.base.project_scores["grade"].value_counts()
    counts = dict(grades.iter_rows())
    assert dict(diagonal.select("base_grade", "n").iter_rows()) == {
        g: counts.get(g, 0) for g in results.grades
    }
    assert (results.compare_departments["mean_delta"] == 0).all()
    assert (results.compare_departments["n_changed_grade"] == 0).all()


def test_a_band_moved_up_moves_exactly_the_projects_between(
    base: api.Plan, inputs: api.Inputs, tmp_path: Path
) -> None:
    """优 from 90 to 95: every 优 project below 95 becomes 良, nothing else moves."""
    bands = (
        "grades:\n  - {name: 优, min: 95, max: 100}\n  - {name: 良, min: 80, max: 95}\n"
        "  - {name: 中, min: 60, max: 80}\n  - {name: 差, min: 0, max: 60}\n"
    )
    results = compare.run(base, variant(tmp_path, bands), inputs)
    totals = results.base.project_scores
    movers = totals.filter((pl.col("grade") == "优") & (pl.col("total") < 95))
    assert movers.height > 0
    migration = {(b, c): n for b, c, n in results.migration.iter_rows()}
    assert migration[("优", "良")] == movers.height
    assert sum(n for (b, c), n in migration.items() if b != c) == movers.height
    assert results.n_changed == movers.height
    assert (results.compare_projects["delta"] == 0).all()
    assert results.ruleset_diff.filter(pl.col("key").str.starts_with("grades"))[
        "key"
    ].to_list() == [
        "grades[0].min",
        "grades[1].max",
    ]


def hand_projects() -> pl.DataFrame:
    """Five projects of two departments, as compare_projects."""
    rows = [
        ("P1", "甲", "A", 92.0, 88.0, "优", "良"),
        ("P2", "乙", "A", 85.0, 91.0, "良", "优"),
        ("P3", "丙", "A", 70.0, 70.0, "中", "中"),
        ("P4", "丁", "B", 58.0, 61.0, "未定级", "中"),
        ("P5", "戊", "B", 95.0, 95.5, "优", "优"),
    ]
    frame = pl.DataFrame(
        rows,
        schema=[
            *("project_id", "project_name", "department", "base_total", "candidate_total"),
            *("base_grade", "candidate_grade"),
        ],
        orient="row",
    )
    return frame.with_columns(
        delta=pl.col("candidate_total") - pl.col("base_total"),
        base_rank=pl.lit(None, pl.Int64),
        candidate_rank=pl.lit(None, pl.Int64),
    )


GRADES = ["优", "良", "中", "差", "未定级"]


def test_hand_worked_migration() -> None:
    table = compare.migration(hand_projects(), GRADES)
    assert table.height == 25  # every pair, zeros included
    assert table.schema == pl.Schema(columns.compare_schema("migration"))
    assert table["base_grade"].unique(maintain_order=True).to_list() == GRADES
    nonzero = {(b, c): n for b, c, n in table.iter_rows() if n}
    # P1 优→良, P2 良→优, P3 中→中, P4 未定级→中, P5 优→优
    assert nonzero == {
        ("优", "良"): 1,
        ("良", "优"): 1,
        ("中", "中"): 1,
        ("未定级", "中"): 1,
        ("优", "优"): 1,
    }
    assert int(table["n"].sum()) == 5


def test_hand_worked_departments() -> None:
    table = compare.departments(hand_projects(), GRADES[:4], GRADES[:4], 2)
    assert table.schema == pl.Schema(columns.compare_schema("compare_departments"))
    rows = {r["department"]: r for r in table.iter_rows(named=True)}
    # A: deltas −4, +6, 0 → mean 0.6667; P1 down (优→良), P2 up (良→优)
    assert rows["A"]["n_projects"] == 3
    assert rows["A"]["mean_delta"] == pytest.approx(0.6667)
    assert rows["A"]["base_mean_total"] == pytest.approx(82.3333)
    assert (rows["A"]["n_changed_grade"], rows["A"]["n_up"], rows["A"]["n_down"]) == (2, 1, 1)
    # B: deltas +3, +0.5 → 1.75; 未定级 → 中 is up (未定级 ranks last)
    assert rows["B"]["mean_delta"] == pytest.approx(1.75)
    assert (rows["B"]["n_changed_grade"], rows["B"]["n_up"], rows["B"]["n_down"]) == (1, 1, 0)
    assert table["department"].to_list() == ["B", "A"]  # the largest mean gain first


def test_top_movers_largest_change_first() -> None:
    movers = compare.top_movers(hand_projects(), n=3)
    assert movers["project_id"].to_list() == ["P2", "P1", "P4"]
    assert compare.top_movers(hand_projects())["project_id"].to_list() == [
        "P2",
        "P1",
        "P4",
        "P5",
    ]


def test_departments_win_and_lose_on_the_sample(base: api.Plan, inputs: api.Inputs) -> None:
    results = compare.run(base, api.load_ruleset(str(BENEFIT_HEAVY)), inputs)
    projects = results.compare_projects
    expected = projects.group_by("department").agg(
        n=pl.len(),
        mean=pl.col("delta").mean(),
        changed=(pl.col("base_grade") != pl.col("candidate_grade")).sum(),
    )
    got = results.compare_departments
    assert got.height == expected.height
    for row in expected.iter_rows(named=True):
        mine = got.filter(pl.col("department") == row["department"]).row(0, named=True)
        assert mine["n_projects"] == row["n"]
        assert mine["mean_delta"] == pytest.approx(row["mean"], abs=1e-4)
        assert mine["n_changed_grade"] == row["changed"]
        assert mine["n_up"] + mine["n_down"] == row["changed"]
    assert got["mean_delta"].to_list() == sorted(got["mean_delta"].to_list(), reverse=True)
    assert int(got["n_changed_grade"].sum()) == results.n_changed


def test_ruleset_diff_lists_effective_keys(base: api.Plan, tmp_path: Path) -> None:
    candidate = variant(tmp_path, "weights: {output: 40, benefit: 40}\nweighting: proportional\n")
    from jixiao.scoring.jobs.ruleset_diff import ruleset_diff

    diff = ruleset_diff(base.loaded, candidate.loaded)
    rows = {r[0]: r[1:] for r in diff.iter_rows()}
    assert rows["weights.output"] == ("changed", "50.0", "40.0")
    assert rows["weights.benefit"] == ("changed", "30.0", "40.0")
    assert rows["weighting"] == ("changed", '"check"', '"proportional"')
    assert rows["id"] == ("changed", '"project-self-eval"', '"variant"')
    assert set(rows) == {"id", "weights.output", "weights.benefit", "weighting"}
    assert ruleset_diff(candidate.loaded, candidate.loaded).is_empty()


def test_flatten_paths() -> None:
    data = {"a": {"b": 1, "c": [1, 2]}, "g": [{"x": 1}, {"x": 2}], "e": {}}
    assert list(flatten(data)) == [
        ("a.b", 1),
        ("a.c", [1, 2]),
        ("g[0].x", 1),
        ("g[1].x", 2),
        ("e", {}),
    ]


def test_rows_placed_differently_are_prepared_for_each_side(
    base: api.Plan, inputs: api.Inputs, tmp_path: Path
) -> None:
    """A different default comparator parses targets differently: not shared, said so,
    and the candidate's side is still its own score."""
    candidate = variant(tmp_path, "default_comparator: '<='\n")
    results = compare.run(base, candidate, inputs)
    assert not results.shared
    assert results.notes and "prepared for each side" in results.notes[0]
    assert results.manifest["prepared"] == "for each side"
    assert_frame_equal(
        without_flag_counts(results.candidate.project_scores),
        without_flag_counts(api.score(candidate, inputs).project_scores),
    )
    assert results.ruleset_diff["key"].to_list() == ["id", "default_comparator"]


def test_another_budget_indicator_is_prepared_for_its_side(
    base: api.Plan, inputs: api.Inputs, tmp_path: Path
) -> None:
    """The budget indicator picks the catalogue formula that becomes each project's
    execution_rate while projects are prepared (DOMAIN §2 预算执行率 vs 预算支出率): two
    rulesets that differ only there must not share prepared rows, and the candidate's
    budget scores are its own score's."""
    candidate = variant(tmp_path, "budget_execution:\n  indicator: budget_spending_rate\n")
    assert selfeval.preparation_key(candidate) != selfeval.preparation_key(base)
    results = compare.run(base, candidate, inputs)
    assert not results.shared
    assert_frame_equal(
        without_flag_counts(results.candidate.project_scores),
        without_flag_counts(api.score(candidate, inputs).project_scores),
    )


def test_tables_follow_the_registry(base: api.Plan, inputs: api.Inputs) -> None:
    results = compare.run(base, api.load_ruleset(str(BENEFIT_HEAVY)), inputs)
    for name, frame in results.tables().items():
        assert dict(frame.schema) == columns.compare_schema(name), name
    assert results.manifest["job"] == "compare"
    assert results.manifest["prepared"] == "once"
    assert results.manifest["candidate"]["ruleset"]["id"] == "benefit-heavy"


def test_renamed_bands_migrate_by_name_and_move_by_place(
    base: api.Plan, inputs: api.Inputs, tmp_path: Path
) -> None:
    """Bands A/B/C (A from 85) and a withheld grade of another name: the matrix holds
    both sets of names; 优 → A is a change of name, neither up nor down; 良 → A is up."""
    bands = (
        "precision: 1\ngrades:\n  - {name: A, min: 85, max: 100}\n"
        "  - {name: B, min: 70, max: 85}\n  - {name: C, min: 0, max: 70}\n"
        "withheld_grade: 待定\nreevaluation:\n  grade_words: null\n"
    )
    results = compare.run(base, variant(tmp_path, bands), inputs)
    assert results.grades == ["优", "良", "中", "差", "A", "B", "C", "未定级", "待定"]
    pairs = {(b, c): n for b, c, n in results.migration.iter_rows() if n}
    projects = results.compare_projects
    good = projects.filter(pl.col("base_grade") == "良")
    assert pairs[("良", "A")] == int((good["candidate_total"] >= 85).sum())
    assert pairs[("未定级", "待定")] == int((projects["base_grade"] == "未定级").sum())
    assert sum(pairs.values()) == projects.height
    depts = results.compare_departments
    assert int(depts["n_up"].sum()) == pairs.get(("良", "A"), 0) + pairs.get(("中", "B"), 0)
    assert int(depts["n_down"].sum()) == sum(
        n for (b, c), n in pairs.items() if (b, c) in {("优", "B"), ("良", "C"), ("优", "C")}
    )
    # precision 2 against 1: the delta keeps 2 decimals
    assert projects["delta"].round(2).equals(projects["delta"])


def test_a_category_dropped_rejects_its_rows_on_the_candidate_side(
    base: api.Plan, inputs: api.Inputs, tmp_path: Path
) -> None:
    """Without a satisfaction weight the candidate rejects those rows: prepared for each
    side, said twice (preparation and rejects), every project still on both sides."""
    body = "weights: {output: 60, benefit: 30, satisfaction: null}\nweighting: proportional\n"
    results = compare.run(base, variant(tmp_path, body), inputs)
    assert not results.shared
    rejected = results.candidate.rejects.height - results.base.rejects.height
    level1 = inputs.frames["indicators"].collect()["level1"]
    assert rejected == int(level1.str.contains("满意").sum()) > 0
    assert any(f"{rejected:+,} rows" in note for note in results.notes)
    assert results.compare_projects.height == results.base.project_scores.height
    assert results.compare_projects["candidate_total"].null_count() == 0
    keys = results.ruleset_diff.select("key", "change").rows()
    assert ("weights.satisfaction", "removed") in keys


def test_column_aliases_of_the_candidate_read_the_files_again(tmp_path: Path) -> None:
    """`column_aliases` change which header a column comes from: a candidate that adds one
    reads the files itself, so its side equals its own score of the same files."""
    sample = ROOT / "examples" / "sample-district"
    projects = tmp_path / "projects.csv"
    text = (sample / "projects.csv").read_text(encoding="utf-8-sig")
    projects.write_text(text.replace("项目名称", "项目全称", 1), encoding="utf-8")
    paths = [projects, sample / "indicators.csv"]
    base = api.load_ruleset("project-self-eval")
    candidate = variant(tmp_path, "column_aliases:\n  project_name: [项目全称]\n")
    results = api.compare(base, candidate, paths)
    names = results.candidate.project_scores["project_name"]
    assert names.null_count() == 0
    assert results.base.project_scores["project_name"].null_count() == len(names)
    own = api.score(candidate, api.read(candidate, paths))
    assert_frame_equal(
        without_flag_counts(results.candidate.project_scores),
        without_flag_counts(own.project_scores),
    )
