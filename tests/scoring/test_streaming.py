"""The streaming engine scores indicator rows in slices and can keep them on disk until
they are written (issue 7 item 5: `--engine streaming` bounds memory). Slicing and
spilling must change no value and no output byte (DESIGN invariant 4)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from jixiao.cli.main import main
from jixiao.scoring import api
from jixiao.scoring.io.write import PARQUET_ROW_GROUP, write_tables
from jixiao.scoring.jobs.selfeval import Results, run
from jixiao.scoring.rules.compile import Plan

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-district"
CSV = [SAMPLE / "projects.csv", SAMPLE / "indicators.csv"]
SLICE = 700
"""Rows per slice: the sample's 2,960 indicator rows make five slices, the last short,
and slices cut through projects (a project's rows are summed across two slices)."""


@pytest.fixture(scope="module")
def plan() -> Plan:
    return api.load_ruleset("project-self-eval")


@pytest.fixture(scope="module")
def in_memory(plan: Plan) -> Results:
    return api.score(plan, CSV)


def _bytes(paths: list[Path]) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in paths if p.suffix in (".csv", ".parquet", ".md")}


def test_the_sample_needs_several_slices(in_memory: Results) -> None:
    assert in_memory.indicator_scores.height > 4 * SLICE


def test_sliced_streaming_run_gives_identical_frames(plan: Plan, in_memory: Results) -> None:
    sliced = run(plan, api.read(plan, CSV), engine="streaming", chunk_rows=SLICE)
    assert sliced.indicator_scan is None
    for name, table in in_memory.tables().items():
        assert_frame_equal(table, sliced.tables()[name], check_exact=True)


def test_spilled_run_writes_the_same_bytes(plan: Plan, in_memory: Results, tmp_path: Path) -> None:
    expected = _bytes(api.write(in_memory, tmp_path / "a", ["csv", "parquet"]))
    spill = tmp_path / "spill"
    spill.mkdir()
    inputs = api.read(plan, CSV)
    spilled = run(plan, inputs, engine="streaming", chunk_rows=SLICE, spill_dir=spill)
    assert spilled.indicator_scores.height == 0  # the rows are on disk, not in memory
    assert len(list(spill.glob("indicator_scores.*.parquet"))) == 5
    assert spilled.indicator_count() == in_memory.indicator_scores.height
    assert spilled.indicator_count(not_evaluable=True) == in_memory.indicator_count(
        not_evaluable=True
    )
    assert spilled.manifest["rows"] == in_memory.manifest["rows"]
    got = _bytes(api.write(spilled, tmp_path / "b", ["csv", "parquet"], plan=plan))
    assert got.keys() == expected.keys()
    assert [n for n in expected if expected[n] != got[n]] == []


def test_cli_streaming_writes_the_same_bytes_and_cleans_up(tmp_path: Path) -> None:
    outs = {}
    for engine in ("in-memory", "streaming"):
        out = tmp_path / engine
        args = ["score", "-q", "-f", "csv", "-f", "parquet", "--engine", engine, "-o", str(out)]
        result = CliRunner().invoke(main, [*args, *map(str, CSV)])
        assert result.exit_code == 0, result.output
        outs[engine] = {p.name: p.read_bytes() for p in out.iterdir() if p.name != "manifest.json"}
    assert not [n for n in outs["streaming"] if n.startswith(".")], "spill folder left behind"
    assert outs["streaming"] == outs["in-memory"]


def test_parquet_bytes_do_not_depend_on_memory_chunks(tmp_path: Path) -> None:
    """Equal tables of several row groups give equal files, however the frame's memory
    is chunked (Polars otherwise cuts row groups at chunk boundaries), and a sunk
    LazyFrame gives the same file as the collected frame."""
    n = 2 * PARQUET_ROW_GROUP + 1000
    whole = pl.DataFrame({"i": pl.int_range(n, eager=True)}).with_columns(
        s=pl.col("i").cast(pl.String)
    )
    cut = pl.concat(
        [whole.slice(0, 1), whole.slice(1, 99_999), whole.slice(100_000)], rechunk=False
    )
    assert cut.n_chunks() == 3
    files = {}
    for name, table in {"whole": whole, "cut": cut, "lazy": cut.lazy()}.items():
        (path,) = write_tables({name: table}, tmp_path, ["parquet"])
        files[name] = path.read_bytes()
    assert files["whole"] == files["cut"] == files["lazy"]
