"""`--engine spark` gives the in-memory engine's tables, byte for byte (docs/spark.md).

The tests share one local[2] SparkSession per pytest process (conftest.py; under xdist,
one per worker that runs them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from jixiao.cli.main import main as cli
from jixiao.examples.generate import generate
from jixiao.scoring import api
from jixiao.scoring.jobs import spark_engine

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-district" / "sample-district.xlsx"
PROPORTIONAL = ROOT / "examples" / "rulesets" / "benefit-heavy.yaml"
GENERATED_PROJECTS = int(os.environ.get("JIXIAO_SPARK_TEST_PROJECTS", "20000"))
"""~10 indicator rows a project: 20k projects, ~200k rows, keeps the test well under a
minute on a loaded 2-core machine; JIXIAO_SPARK_TEST_PROJECTS=100000 is the ~1M-row input
of issue 12 (equal too, ~100 s there: docs/spark.md)."""


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "manifest.json"}


def _assert_same(a: api.Results, b: api.Results) -> None:
    for name, table in a.tables().items():
        assert_frame_equal(table, b.tables()[name], check_exact=True)
        assert table.height == b.tables()[name].height


def test_cli_sample_district_byte_identical(spark: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["score", "-q", str(SAMPLE), "-f", "parquet", "-f", "csv", "-f", "xlsx"]
    memory = runner.invoke(cli, [*base, "-o", str(tmp_path / "mem")])
    assert memory.exit_code == 0, memory.output
    on_spark = runner.invoke(
        cli, [*base, "-o", str(tmp_path / "spark"), "--engine", "spark", "--spark-partitions", "3"]
    )
    assert on_spark.exit_code == 0, on_spark.output
    expected, got = _files(tmp_path / "mem"), _files(tmp_path / "spark")
    assert sorted(got) == sorted(expected)
    assert [n for n in expected if expected[n] != got[n]] == []
    manifest = json.loads((tmp_path / "spark" / "manifest.json").read_text("utf-8"))
    assert manifest["engine"]["name"] == "spark"
    assert manifest["engine"]["partitions"] == 3
    assert "polars" in manifest["engine"]  # the versions the in-memory manifest records


def test_generated_input_parquet_byte_identical(spark: Any, tmp_path: Path) -> None:
    """The generated district (issue 12: ~1M indicator rows) scored both ways, written as
    parquet by the same writer: the files are the same bytes."""
    projects, indicators = generate(GENERATED_PROJECTS, seed=2025)
    paths = [tmp_path / "projects.parquet", tmp_path / "indicators.parquet"]
    projects.write_parquet(paths[0])
    indicators.write_parquet(paths[1])
    plan = api.load_ruleset()
    inputs = api.read(plan, paths)
    memory = api.score(plan, inputs)
    on_spark = api.score_spark(plan, inputs, options=api.SparkOptions(partitions=4))
    assert on_spark.indicator_scores.height == indicators.height
    api.write(memory, tmp_path / "mem", ["parquet"], written_at="x")
    api.write(on_spark, tmp_path / "spark", ["parquet"], written_at="x")
    expected, got = _files(tmp_path / "mem"), _files(tmp_path / "spark")
    assert [n for n in expected if expected[n] != got.get(n)] == []


def test_rejects_flags_and_proportional_weighting(spark: Any, tmp_path: Path) -> None:
    """Rows the prepare stage rejects (unknown level, unreadable points), a ruleset with
    `weighting: proportional` (per-project sums taken inside the partition) and more
    buckets than workers: rejects, flags and scores equal the in-memory engine's."""
    projects, indicators = generate(300, seed=7)
    level1, points = indicators.columns[1], indicators.columns[-3]
    bad = pl.int_range(pl.len()) % 37 == 5
    indicators = indicators.with_columns(
        pl.when(bad).then(pl.lit("不存在的一级")).otherwise(pl.col(level1)).alias(level1),
        pl.when(pl.int_range(pl.len()) % 53 == 8)
        .then(pl.lit("十分"))
        .otherwise(pl.col(points).cast(pl.String))
        .alias(points),
    )
    paths = [tmp_path / "p.csv", tmp_path / "i.csv"]
    projects.write_csv(paths[0])
    indicators.write_csv(paths[1])
    for ruleset in ("project-self-eval", str(PROPORTIONAL)):
        plan = api.load_ruleset(ruleset)
        inputs = api.read(plan, paths)
        memory = api.score(plan, inputs)
        on_spark = api.score_spark(plan, inputs, options=api.SparkOptions(partitions=5))
        assert memory.rejects.height > 0 and memory.flags.height > 0
        _assert_same(memory, on_spark)


def test_year_filter_and_empty_partitions(spark: Any) -> None:
    """--year rejects other years' projects (and their indicator rows); more buckets than
    workers; the tables still agree."""
    plan = api.load_ruleset()
    inputs = api.read(plan, [SAMPLE])
    memory = api.score(plan, inputs, year=2025)
    on_spark = api.score_spark(plan, inputs, year=2025, options=api.SparkOptions(partitions=8))
    _assert_same(memory, on_spark)


def test_more_buckets_than_projects(spark: Any, tmp_path: Path) -> None:
    """Empty partitions still send every table's schema back."""
    projects, indicators = generate(3, seed=11)
    paths = [tmp_path / "p.parquet", tmp_path / "i.parquet"]
    projects.write_parquet(paths[0])
    indicators.write_parquet(paths[1])
    plan = api.load_ruleset()
    inputs = api.read(plan, paths)
    memory = api.score(plan, inputs)
    _assert_same(memory, api.score_spark(plan, inputs, options=api.SparkOptions(partitions=6)))


def test_write_through_spark_to_a_uri(spark: Any, tmp_path: Path) -> None:
    out = f"file://{tmp_path}/results"
    result = CliRunner().invoke(cli, ["score", "-q", str(SAMPLE), "--engine", "spark", "-o", out])
    assert result.exit_code == 0, result.output
    plan = api.load_ruleset()
    memory = api.score(plan, [SAMPLE])
    for name, table in memory.tables().items():
        back = pl.read_parquet(tmp_path / "results" / name / "*.parquet")
        assert_frame_equal(back, table, check_dtypes=False)
    manifest = json.loads((tmp_path / "results" / "manifest.json").read_text("utf-8"))
    assert manifest["rows"] == memory.manifest["rows"]
    assert "project_scores/" in manifest["outputs"]


def test_usage_errors() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["score", str(SAMPLE), "--spark-master", "local[1]"])
    assert result.exit_code == 2 and "need --engine spark" in result.output
    result = runner.invoke(cli, ["score", str(SAMPLE), "-o", "hdfs://nn/out"])
    assert result.exit_code == 2 and "needs --engine spark" in result.output
    result = runner.invoke(
        cli, ["score", str(SAMPLE), "--engine", "spark", "-o", "s3a://b/x", "-f", "xlsx"]
    )
    assert result.exit_code == 2 and "parquet datasets only" in result.output


def test_missing_pyspark_or_java_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spark_engine, "find_spec", lambda name: None)
    result = CliRunner().invoke(cli, ["score", str(SAMPLE), "--engine", "spark"])
    assert result.exit_code == 1
    assert "pip install 'jixiao[spark]'" in result.output
    assert "apt-get install openjdk-17-jre-headless" in result.output
    assert "Traceback" not in result.output
    monkeypatch.undo()
    monkeypatch.setattr(spark_engine.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    message = api.spark_missing()
    assert message is not None and "openjdk-17-jre-headless" in message


def test_master_url_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPARK_MASTER", raising=False)
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    assert spark_engine.master_url(api.SparkOptions()) == "local[2]"
    assert spark_engine.master_url(api.SparkOptions(master="yarn")) == "yarn"
    monkeypatch.setenv("SPARK_MASTER", "spark://h:7077")
    assert spark_engine.master_url(api.SparkOptions()) == "spark://h:7077"
    monkeypatch.delenv("SPARK_MASTER")
    monkeypatch.setenv("PYSPARK_GATEWAY_PORT", "4040")  # started by spark-submit
    assert spark_engine.master_url(api.SparkOptions()) is None


def test_help_does_not_import_pyspark() -> None:
    """`jixiao --help` start-up does not pay for pyspark (nor pyarrow, pandas)."""
    code = (
        "import sys; from jixiao.cli.main import main; import jixiao.scoring.api\n"
        "heavy = [m for m in ('pyspark', 'pyarrow', 'pandas') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_inputs_read_through_spark(spark: Any, tmp_path: Path) -> None:
    """A file:// file (copied as is) and a parquet dataset folder written by Spark (read by
    Spark): the tables equal the local run's, provenance naming the URIs."""
    projects, indicators = generate(40, seed=3)
    projects.write_parquet(tmp_path / "projects.parquet")
    spark.createDataFrame(spark_engine.to_spark_arrow(indicators)).repartition(1).write.parquet(
        str(tmp_path / "indicators")
    )
    local = tmp_path / "indicators.parquet"
    indicators.write_parquet(local)
    uris = [(tmp_path / "projects.parquet").as_uri(), (tmp_path / "indicators").as_uri()]
    result = CliRunner().invoke(
        cli, ["score", "-q", *uris, "--engine", "spark", "-f", "parquet", "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    plan = api.load_ruleset()
    memory = api.score(plan, [tmp_path / "projects.parquet", local])
    got = pl.read_parquet(tmp_path / "o" / "indicator_scores.parquet")
    assert set(got["source_file"]) == {uris[1]}
    expected = memory.indicator_scores.drop("source_file")
    assert_frame_equal(got.drop("source_file"), expected)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    assert [s["path"] for s in manifest["inputs"]] == uris
