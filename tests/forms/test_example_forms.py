"""The example forms under examples/sample-district/forms/ (issue 10 item 4): made by
their generator byte for byte, packaged, and scoring as the same claims given as tables;
one department claims full points everywhere."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from jixiao.examples import forms as example
from jixiao.scoring import api

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "examples" / "sample-district" / "forms"
PLAN = api.load_ruleset()


def test_generator_writes_the_bundled_files(tmp_path: Path) -> None:
    written = example.write_example_forms(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in BUNDLED.glob("*.xlsx"))
    for path in written:
        assert path.read_bytes() == (BUNDLED / path.name).read_bytes(), path.name


def test_forms_are_packaged() -> None:
    packaged = Path(str(resources.files("jixiao.examples"))) / "sample-district" / "forms"
    assert sorted(p.name for p in packaged.glob("*.xlsx")) == sorted(
        p.name for p in BUNDLED.glob("*.xlsx")
    )


def test_both_layouts_and_a_full_points_department() -> None:
    read = api.read_forms([BUNDLED])
    assert read.problems == []
    layouts = {Path(f.file).name: f.layout for f in read.forms}
    assert set(layouts.values()) == {"national", "sichuan"}
    projects = read.frames["projects"]
    by_department = projects.group_by("department").agg(
        (pl.col("claimed_total") == "100").all().alias("all_full")
    )
    full = set(by_department.filter(pl.col("all_full"))["department"].to_list())
    assert full == {"区体育局"}
    indicators = read.frames["indicators"].join(
        projects.select("project_id", "department"), on="project_id"
    )
    mine = indicators.filter(pl.col("department") == "区体育局")
    assert mine.height > 0
    assert (mine["claimed_score"].cast(pl.Float64) == mine["points"].cast(pl.Float64)).all()


@pytest.mark.parametrize("name", sorted(p.name for p in BUNDLED.glob("*.xlsx")))
def test_each_example_scores_as_its_tables(name: str, tmp_path: Path) -> None:
    """The claims the generator put in, written as tables, score as the form does."""
    read = api.read_forms([BUNDLED / name])
    tables = {k: v.drop("_file", "_sheet", "_row") for k, v in read.frames.items()}
    tables["indicators"].write_parquet(tmp_path / "indicators.parquet")
    tables["projects"].write_parquet(tmp_path / "projects.parquet")
    cols = ["project_id", "total", "grade", "complete", "n_indicators"]
    got = api.score(PLAN, [BUNDLED / name]).project_scores.select(cols).sort("project_id")
    want = api.score(
        PLAN, [tmp_path / "projects.parquet", tmp_path / "indicators.parquet"]
    ).project_scores.select(cols)
    assert got.height > 5 and got.equals(want.sort("project_id"))
