"""Forms score identically to the same data given as tables (issue 10 acceptance).

For random projects (seeded), both layouts and each quirk of real forms: the form
workbook is scored, the same data written as projects.csv/indicators.csv is scored, and
every project's total, grade, budget score and completeness, and every indicator's score,
must agree. Also through `forms to-tables`: the tables it writes score the same again.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from form_builders import (
    ALL_QUIRKS,
    QUIRK_NAMES,
    Quirks,
    one_quirk,
    sample_projects,
    write_csv_pair,
    write_forms,
)

from jixiao.scoring import api

PLAN = api.load_ruleset()
PROJECT_COLUMNS = ["project_name", "total", "grade", "budget_score", "complete", "n_indicators"]
INDICATOR_COLUMNS = ["indicator", "points", "score", "achieved", "evaluable", "claimed_score"]

CASES = [
    *(
        (layout, seed, Quirks(), "plain")
        for layout in ("national", "sichuan")
        for seed in (1, 2, 3)
    ),
    *((layout, seed, ALL_QUIRKS, "all") for layout in ("national", "sichuan") for seed in (4, 5)),
    *(
        (layout, 10 + k, one_quirk(name), name)
        for layout in ("national", "sichuan")
        for k, name in enumerate(QUIRK_NAMES)
    ),
]


def _scores(results: api.Results) -> tuple[pl.DataFrame, pl.DataFrame]:
    projects = results.project_scores.select(PROJECT_COLUMNS).sort("project_name")
    names = results.project_scores.select("project_id", "project_name")
    indicators = (
        results.indicator_scores.join(names, on="project_id")
        .select("project_name", *INDICATOR_COLUMNS)
        .sort("project_name", "indicator")
    )
    return projects, indicators


@pytest.mark.parametrize(
    ("layout", "seed", "quirks"),
    [c[:3] for c in CASES],
    ids=[f"{c[0]}-{c[3]}-{c[1]}" for c in CASES],
)
def test_form_scores_equal_tables(layout: str, seed: int, quirks: Quirks, tmp_path: Path) -> None:
    projects = sample_projects(seed=seed, n=3, layout=layout)
    form = write_forms(tmp_path / "forms.xlsx", layout, projects, quirks)
    tables = write_csv_pair(tmp_path / "tables", projects)
    from_form = api.score(PLAN, [form])
    from_tables = api.score(PLAN, tables)
    assert from_form.rejects.height == 0, from_form.rejects
    got, want = _scores(from_form), _scores(from_tables)
    assert got[0].equals(want[0]), (got[0], want[0])
    assert got[1].equals(want[1]), (got[1], want[1])


def test_a_changed_form_no_longer_equals_its_tables(tmp_path: Path) -> None:
    """The control: one actual changed in the form and the comparison above fails."""
    projects = sample_projects(seed=1, n=1, layout="national")
    tables = write_csv_pair(tmp_path / "tables", projects)
    projects[0].indicators[0].actual = "0"
    form = write_forms(tmp_path / "forms.xlsx", "national", projects)
    got, want = _scores(api.score(PLAN, [form])), _scores(api.score(PLAN, tables))
    assert not got[0].equals(want[0])


@pytest.mark.parametrize("layout", ["national", "sichuan"])
def test_forms_to_tables_scores_the_same(layout: str, tmp_path: Path) -> None:
    projects = sample_projects(seed=21, n=4, layout=layout)
    form = write_forms(tmp_path / "f.xlsx", layout, projects, ALL_QUIRKS)
    read = api.read_forms([form])
    api.write_form_tables(read, tmp_path / "out", ["csv", "xlsx", "parquet"])
    direct = _scores(api.score(PLAN, [form]))
    for files in (
        [tmp_path / "out" / "projects.csv", tmp_path / "out" / "indicators.csv"],
        [tmp_path / "out" / "results.xlsx"],
        [tmp_path / "out" / "projects.parquet", tmp_path / "out" / "indicators.parquet"],
    ):
        again = _scores(api.score(PLAN, files))
        assert again[0].equals(direct[0]) and again[1].equals(direct[1]), files


@pytest.mark.parametrize("layout", ["national", "sichuan"])
def test_engine_writer_round_trips_the_sample_district(layout: str, tmp_path: Path) -> None:
    """The engine's own form writer on the whole sample district (messy values
    included): every project scores as from the bundled tables. A national form has no
    指标性质/度量单位 columns, so there only projects that do not use them are compared
    (the writer folds symbols and units into 年度指标值; words like 正向 have no place)."""
    from importlib import resources

    sample = Path(str(resources.files("jixiao.examples"))) / "sample-district"
    read = api.read(PLAN, [sample / "projects.csv", sample / "indicators.csv"])
    projects = read.tables["projects"].drop("_file", "_sheet", "_row").to_dicts()
    # comparator words as departments write them in 指标性质 (正向 for ≥, 反向 for ≤) on
    # every other such row: the national form has no symbol for a word
    words = {"≥": "正向", "≤": "反向"}
    indicators = (
        read.tables["indicators"]
        .drop("_file", "_sheet", "_row")
        .with_row_index("_k")
        .with_columns(
            pl.when((pl.col("_k") % 2 == 0) & pl.col("comparator").is_in(list(words)))
            .then(pl.col("comparator").replace(words))
            .otherwise(pl.col("comparator"))
            .alias("comparator")
        )
        .drop("_k")
    )
    read = api.read(PLAN, _tables(tmp_path, read.tables["projects"], indicators))
    path = api.write_forms_from_tables(
        tmp_path / "all.xlsx", layout, projects, indicators.to_dicts()
    )
    cols = ["project_id", "total", "grade", "budget_score", "complete", "n_indicators", "issues"]
    got = api.score(PLAN, [path]).project_scores.select(cols).sort("project_id")
    want = api.score(PLAN, read).project_scores.select(cols).sort("project_id")
    assert got.height == len(projects)
    # every project, national included: a comparator word (正向, 反向, 定性) the national
    # form has no symbol for travels in a 指标性质 column, so nothing that scores is lost
    assert indicators["comparator"].is_in(["正向", "反向", "定性"]).sum() > 100
    assert got.equals(want)


def _tables(folder: Path, projects: pl.DataFrame, indicators: pl.DataFrame) -> list[Path]:
    """The canonical tables as CSV files (the same data the forms are written from)."""
    folder = folder / "tables"
    folder.mkdir()
    projects.drop("_file", "_sheet", "_row").write_csv(folder / "projects.csv")
    indicators.write_csv(folder / "indicators.csv")
    return [folder / "projects.csv", folder / "indicators.csv"]


def test_national_writer_keeps_comparator_words(tmp_path: Path) -> None:
    """正向/反向/定性 have no symbol to put in front of a national target: they are written
    in a 指标性质 column and read back as written; symbols go in front of the target."""
    project = {"project_id": "W1", "project_name": "课后服务", "budget": "100", "spent": "90"}
    rows = [
        ("数量指标", "培训人次", "正向", "100", "人次", "50"),
        ("质量指标", "投诉件数", "反向", "5", "件", "6"),
        ("时效指标", "完成及时性", "定性", "按时完成", None, "按时完成"),
        ("成本指标", "人均成本", "≤", "300", "元", "280"),
    ]
    indicators = [
        {
            "project_id": "W1",
            "level1": "产出指标",
            "level2": l2,
            "indicator": name,
            "comparator": cmp_,
            "target": target,
            "unit": unit,
            "actual": actual,
            "points": "10",
        }
        for l2, name, cmp_, target, unit, actual in rows
    ]
    path = api.write_forms_from_tables(tmp_path / "w.xlsx", "national", [project], indicators)
    [form] = api.read_forms([path]).forms
    got = [(v["comparator"], v["target"]) for _, v in form.indicators]
    assert got == [("正向", "100人次"), ("反向", "5件"), ("定性", "按时完成"), (None, "≤300元")]
