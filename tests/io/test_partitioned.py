"""Hive-partitioned parquet folders in (`year=/department=`, read lazily, provenance per
file and row) and out (`score --partition-by department`: safe folders, manifest, reruns)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from jixiao.cli.main import main as cli
from jixiao.scoring import api
from jixiao.scoring.errors import InputError
from jixiao.scoring.io.hashing import sha256_file

GBK = Path(__file__).resolve().parents[2] / "examples" / "gbk-sample"
DEPARTMENTS = ["教育局", "卫健委", "教育局", "../逃逸", "CON"]
"""One per project of the GBK sample, hostile names included."""


def raw() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The GBK sample's two tables as written (Chinese headers), departments varied."""
    projects = pl.read_csv(GBK / "projects.csv", encoding="gbk", infer_schema=False)
    projects = projects.with_columns(pl.Series("主管部门", DEPARTMENTS))
    indicators = pl.read_csv(GBK / "indicators.csv", encoding="gbk", infer_schema=False)
    return projects, indicators


def partition(frame: pl.DataFrame, root: Path, keys: dict[str, str], files: int = 1) -> list[Path]:
    """Write `frame` Hive-style by `keys` (column → key name), columns left out of files;
    `%` and `/` in a value percent-encoded, as Hive and Polars write them."""
    written = []
    for values, part in frame.partition_by(list(keys), as_dict=True).items():
        folder = root
        for key, value in zip(keys.values(), values, strict=True):
            folder = folder / f"{key}={str(value).replace('%', '%25').replace('/', '%2F')}"
        folder.mkdir(parents=True, exist_ok=True)
        body = part.drop(list(keys))
        for k in range(files):
            chunk = body.slice(k * -(-body.height // files), -(-body.height // files))
            written.append(folder / f"part-{k}.parquet")
            chunk.write_parquet(written[-1])
    return sorted(written)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """data/projects partitioned year=/主管部门= (keys only in the path, 主管部门 matched
    by its alias), data/indicators.parquet one plain file beside it."""
    projects, indicators = raw()
    partition(projects, tmp_path / "data" / "projects", {"年度": "year", "主管部门": "主管部门"})
    (tmp_path / "data" / "indicators.parquet").parent.mkdir(exist_ok=True)
    indicators.write_parquet(tmp_path / "data" / "indicators.parquet")
    return tmp_path / "data"


def scored_plain(tmp_path: Path) -> api.Results:
    projects, indicators = raw()
    projects.write_csv(tmp_path / "p.csv")
    indicators.write_csv(tmp_path / "i.csv")
    return api.score(api.load_ruleset(), [tmp_path / "p.csv", tmp_path / "i.csv"])


def test_a_partitioned_folder_scores_like_the_flat_tables(dataset: Path, tmp_path: Path) -> None:
    """Keys become columns through the aliases (`year`, `主管部门`); scores are equal."""
    plan = api.load_ruleset()
    read = api.read(plan, [dataset])
    assert all(isinstance(f, pl.LazyFrame) for f in read.frames.values())  # lazy
    formats = {s.path: s.format for s in read.sources}
    assert formats[str(dataset / "projects")] == "parquet (hive-partitioned)"
    ours = api.score(plan, read).project_scores.drop("source_file", "source_row")
    flat = scored_plain(tmp_path).project_scores.drop("source_file", "source_row")
    assert ours.sort("project_id").equals(flat.sort("project_id"))
    assert sorted(ours["department"].to_list()) == sorted(DEPARTMENTS)


def test_provenance_is_the_parquet_file_and_its_row(tmp_path: Path) -> None:
    projects, indicators = raw()
    files = partition(projects, tmp_path / "projects", {"主管部门": "department"}, files=2)
    indicators.write_parquet(tmp_path / "i.parquet")
    results = api.score(api.load_ruleset(), [tmp_path / "projects", tmp_path / "i.parquet"])
    got = results.project_scores.select("project_id", "source_file", "source_row")
    for path in files:
        ids = pl.read_parquet(path)["项目编号"].to_list()
        mine = got.filter(pl.col("source_file") == str(path)).sort("source_row")
        assert mine["project_id"].to_list() == ids
        assert mine["source_row"].to_list() == list(range(1, len(ids) + 1))
    assert set(got["source_file"]) <= {str(p) for p in files}


def test_a_rejected_row_names_its_file_and_row(tmp_path: Path) -> None:
    projects, indicators = raw()
    projects = projects.with_columns(
        pl.when(pl.col("项目编号") == projects["项目编号"][2])
        .then(None)
        .otherwise(pl.col("项目编号"))
        .alias("项目编号")
    )
    partition(projects, tmp_path / "projects", {"主管部门": "department"})
    indicators.write_parquet(tmp_path / "i.parquet")
    read = api.read(api.load_ruleset(), [tmp_path / "projects", tmp_path / "i.parquet"])
    (reject,) = read.rejects.filter(pl.col("table") == "projects").iter_rows(named=True)
    assert reject["file"] == str(tmp_path / "projects" / "department=教育局" / "part-0.parquet")
    assert reject["row"] == 2  # the second project of 教育局


def test_partitioned_folders_inside_an_input_folder(dataset: Path) -> None:
    (dataset / "README.md").write_text("说明")
    (dataset / "projects" / "_SUCCESS").write_text("")
    read = api.read(api.load_ruleset(), [dataset])
    assert sorted(s.path for s in read.sources) == [
        str(dataset / "indicators.parquet"),
        str(dataset / "projects"),
    ]
    assert read.tables["projects"].height == len(DEPARTMENTS)


def test_the_dataset_hash_changes_with_any_file(dataset: Path) -> None:
    plan = api.load_ruleset()
    before = {s.path: s.sha256 for s in api.read(plan, [dataset]).sources}
    target = next((dataset / "projects").rglob("*.parquet"))
    pl.read_parquet(target).with_columns(pl.lit("改").alias("项目名称")).write_parquet(target)
    after = {s.path: s.sha256 for s in api.read(plan, [dataset]).sources}
    key = str(dataset / "projects")
    assert before[key] != after[key] and len(after[key]) == 64


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: (d / "x.parquet").write_bytes(b"PAR1 not really"), "cannot read as parquet"),
        (lambda d: (d / "more.csv").write_text("a,b\n1,2\n"), "read as parquet only"),
        (
            lambda d: pl.DataFrame({"项目编号": ["X"]}).write_parquet(d / "other.parquet"),
            "differ from those of",
        ),
        (
            lambda d: (
                (d / "deeper=1").mkdir()
                or pl.read_parquet(next(d.glob("*.parquet"))).write_parquet(
                    d / "deeper=1" / "p.parquet"
                )
            ),
            "one set of partition keys",
        ),
    ],
    ids=["corrupt", "csv", "columns", "depth"],
)
def test_a_bad_file_in_a_partition_is_one_line_naming_it(
    dataset: Path, spoil: object, message: str
) -> None:
    folder = next(p for p in (dataset / "projects").rglob("*") if p.name.startswith("主管部门="))
    spoil(folder)  # type: ignore[operator]
    with pytest.raises(InputError, match=message) as info:
        api.read(api.load_ruleset(), [dataset])
    assert str(folder) in str(info.value)
    code = CliRunner().invoke(cli, ["score", str(dataset), "-o", str(dataset.parent / "o")])
    assert code.exit_code == 1 and "Traceback" not in code.output
    assert message in code.output.replace("\n", " ")


# --- writing: score --partition-by ----------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["score", *args])
    return result.exit_code, result.output


def test_partitioned_outputs_by_department(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = run(
        str(dataset), "-o", str(out), "-f", "parquet", "--partition-by", "department", "-q"
    )
    assert code == 0, output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert sorted(manifest["outputs"]) == files
    for name, digest in manifest["output_sha256"].items():
        assert sha256_file(out / name) == digest, name
    folders = sorted(p.name for p in (out / "project_scores").iterdir())
    assert folders == [
        "department=_CON",
        "department=_逃逸",
        "department=卫健委",
        "department=教育局",
    ]
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    assert (out / "rejects.parquet").is_file()  # no department: whole
    whole = scored_plain(tmp_path).indicator_scores
    for folder in (out / "indicator_scores").iterdir():
        part = pl.read_parquet(folder / "part-0.parquet")
        ids = set(part["project_id"])
        department = (
            pl.read_parquet(out / "project_scores" / folder.name / "part-0.parquet")["department"]
            .unique()
            .to_list()
        )
        assert len(department) == 1  # its projects' department, the exact value in the file
        assert ids <= set(
            pl.read_parquet(out / "project_scores" / folder.name / "part-0.parquet")["project_id"]
        )
    back = pl.read_parquet(out / "indicator_scores" / "**" / "*.parquet", hive_partitioning=False)
    assert back.height == whole.height


def test_partitioned_outputs_read_back_exactly_and_rerun_byte_identical(
    dataset: Path, tmp_path: Path
) -> None:
    args = ["-f", "parquet", "--partition-by", "year", "--partition-by", "department", "-q"]
    for name in ("a", "b", "a"):  # the last one replaces a previous partitioned run
        code, output = run(str(dataset), "-o", str(tmp_path / name), *args)
        assert code == 0, output
    a = json.loads((tmp_path / "a" / "manifest.json").read_text("utf-8"))["output_sha256"]
    b = json.loads((tmp_path / "b" / "manifest.json").read_text("utf-8"))["output_sha256"]
    assert a == b and any(k.startswith("project_scores/year=") for k in a)
    folder = tmp_path / "a" / "project_scores"
    read = api.read(api.load_ruleset(), [folder, dataset / "indicators.parquet"])
    assert sorted(read.tables["projects"]["department"].to_list()) == sorted(DEPARTMENTS)


def test_partition_by_needs_parquet_and_a_known_column(dataset: Path, tmp_path: Path) -> None:
    code, output = run(
        str(dataset), "-o", str(tmp_path / "x"), "-f", "xlsx", "--partition-by", "department"
    )
    assert code == 2 and "add -f parquet" in output
    code, output = run(
        str(dataset), "-o", str(tmp_path / "y"), "-f", "parquet", "--partition-by", "省份", "-q"
    )
    assert code == 1 and "no output table has this column" in output
    assert not (tmp_path / "y").exists()


def test_a_key_held_by_the_files_is_read_from_them(tmp_path: Path) -> None:
    """Folders `year=/department=<label>` over files that hold `department` with the
    exact value (as jixiao writes them): the file's value is read, the path gives the year."""
    projects, indicators = raw()
    labels = {d: f"label{i}" for i, d in enumerate(sorted(set(DEPARTMENTS)))}
    for (year, department), part in projects.partition_by(
        ["年度", "主管部门"], as_dict=True
    ).items():
        folder = tmp_path / "projects" / f"year={year}" / f"department={labels[str(department)]}"
        folder.mkdir(parents=True)
        part.drop("年度").rename({"主管部门": "department"}).write_parquet(
            folder / "part-0.parquet"
        )
    indicators.write_parquet(tmp_path / "i.parquet")
    read = api.read(api.load_ruleset(), [tmp_path / "projects", tmp_path / "i.parquet"])
    table = read.tables["projects"]
    assert sorted(table["department"].to_list()) == sorted(DEPARTMENTS)
    assert set(table["year"]) == set(projects["年度"])


def test_the_streaming_engine_reads_a_partitioned_folder_the_same(dataset: Path) -> None:
    plan = api.load_ruleset()
    memory = api.score(plan, [dataset])
    streaming = api.score(plan, [dataset], engine="streaming")
    assert memory.project_scores.equals(streaming.project_scores)
    assert memory.indicator_scores.equals(streaming.indicator_scores)


def test_the_report_reads_a_partitioned_results_folder(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = run(
        str(dataset), "-o", str(out), "-f", "parquet", "--partition-by", "department", "-q"
    )
    assert code == 0, output
    page = api.report(out, tmp_path / "page.html", pngs=False)[0]
    text = page.read_text("utf-8")
    assert all(pid in text for pid in raw()[0]["项目编号"])  # every project from the folders
