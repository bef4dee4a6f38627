"""`jixiao reevaluate` from the command line (issue 10 item 3, DOMAIN §5): the files
written, exit codes and bad options, hostile department names, byte-identical reruns,
a sample that does not depend on the input order, and forms that re-evaluate as the
same data given as tables."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import fastexcel
import polars as pl
import pytest
from click.testing import CliRunner

from jixiao.cli.main import main
from jixiao.scoring import columns

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-district"
FORMS = SAMPLE / "forms"

PROJECTS = ["项目编号", "项目名称", "主管部门", "年度", "全年预算数", "全年执行数"]
PROJECTS += ["自评预算执行得分", "自评总分", "自评等级"]
INDICATORS = ["项目编号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"]
INDICATORS += ["分值", "得分"]


def indicator_rows(pid: str, trained: str = "120", claimed: str = "25") -> list[list[str]]:
    """Four indicators (DOMAIN §3: 产出 50, 效益 30, 满意度 10); the first trains
    `trained` of ≥100 and claims `claimed` of its 25 points."""
    return [
        [pid, "产出指标", "数量指标", "培训人次", "≥100人次", trained, "25", claimed],
        [pid, "产出指标", "质量指标", "验收合格率", "≥95%", "96%", "25", "25"],
        [pid, "效益指标", "社会效益指标", "受益学生数", "≥1000人", "1000", "30", "30"],
        [pid, "满意度指标", "服务对象满意度指标", "学生满意度", "≥90%", "92%", "10", "10"],
    ]


def project(
    pid: str, department: str, spent: str = "100", claims: tuple[str, ...] = ()
) -> list[str]:
    budget_claim, total, grade = (*claims, "", "", "")[:3] if claims else ("10", "100", "优")
    return [pid, f"项目{pid}", department, "2025", "100", spent, budget_claim, total, grade]


def district() -> tuple[list[list[str]], list[list[str]]]:
    """Six projects in three departments: 区财政局 claims what it earned; 区教育局 claims
    full points for a half-met target (gap 12.5, 优 → 良); 区卫健委 claims 10 for an 80 %
    execution rate (gap 2) and one project writes 优秀 and an unreadable total."""
    projects = [
        project("P1", "区财政局"),
        project("P2", "区财政局"),
        project("P3", "区教育局"),
        project("P4", "区教育局"),
        project("P5", "区卫健委", spent="80"),
        project("P6", "区卫健委", claims=("10", "一百", "优秀")),
    ]
    rows = [r for pid in ("P1", "P2", "P5", "P6") for r in indicator_rows(pid)]
    rows += indicator_rows("P3", trained="50") + indicator_rows("P4", trained="50")
    return projects, rows


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_tables(folder: Path, projects: list[list[str]], rows: list[list[str]]) -> tuple[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "projects.csv").write_text(csv_text(PROJECTS, projects), "utf-8")
    (folder / "indicators.csv").write_text(csv_text(INDICATORS, rows), "utf-8")
    return str(folder / "projects.csv"), str(folder / "indicators.csv")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return write_tables(tmp_path_factory.mktemp("in"), *district())


@pytest.fixture(scope="module")
def written(inputs: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "out"
    args = ["reevaluate", *inputs, "-o", str(out), "-f", "csv", "-f", "parquet", "-f", "xlsx"]
    code, output = run(*args, "--risk", "3")
    assert code == 0, output
    return out


def test_every_output_and_the_manifest(written: Path) -> None:
    names = {p.relative_to(written).as_posix() for p in written.rglob("*") if p.is_file()}
    tables = ["reevaluation_indicators", "reevaluation_projects", "reevaluation_departments"]
    tables += ["sample", "project_scores", "indicator_scores", "flags", "rejects"]
    for table in tables:
        assert {f"{table}.csv", f"{table}.parquet"} <= names, table
    assert {"reevaluation.xlsx", "manifest.json"} <= names
    departments = {"departments/区财政局.xlsx", "departments/区教育局.xlsx"}
    assert departments | {"departments/区卫健委.xlsx"} <= names
    manifest = json.loads((written / "manifest.json").read_text("utf-8"))
    assert manifest["job"] == "reevaluate"
    assert sorted(manifest["outputs"]) == sorted(names)
    for name, digest in manifest["output_sha256"].items():
        assert hashlib.sha256((written / name).read_bytes()).hexdigest() == digest, name
    assert manifest["sample"] == {
        "mode": "risk",
        "n": 3,
        "order": ["grade_changed", "abs(gap)", "budget"],
        "chosen": 3,
    }
    assert manifest["reevaluation"]["params"]["threshold_points"] == 5
    registry = {c.name: c.dtype for c in columns.SAMPLE}
    assert dict(pl.read_parquet(written / "sample.parquet").schema) == registry
    sheet = fastexcel.read_excel(written / "reevaluation.xlsx").load_sheet("抽查样本")
    assert sheet.to_polars().columns == [c.header for c in columns.SAMPLE]
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])


def test_projects_and_departments(written: Path) -> None:
    projects = pl.read_parquet(written / "reevaluation_projects.parquet")
    assert projects["project_id"].to_list() == ["P1", "P2", "P3", "P4", "P5", "P6"]
    gaps = dict(zip(projects["project_id"], projects["gap"], strict=True))
    assert gaps["P1"] == pytest.approx(0) and gaps["P3"] == pytest.approx(12.5)
    assert gaps["P5"] == pytest.approx(2) and gaps["P6"] is None
    assert projects.filter(pl.col("project_id") == "P6")["claim_error"][0]
    departments = pl.read_parquet(written / "reevaluation_departments.parquet")
    assert departments["department"][0] == "区教育局" and departments["rank"][0] == 1
    lines = pl.read_parquet(written / "reevaluation_indicators.parquet")
    differs = lines.filter(pl.col("difference").abs() > 0.005)
    assert differs.height >= 3 and differs["reason_code"].null_count() == 0
    assert differs["reason"].null_count() == 0


def test_risk_sample_and_workbooks(written: Path) -> None:
    sample = pl.read_parquet(written / "sample.parquet")
    assert sample["project_id"].to_list()[:2] in (["P3", "P4"], ["P4", "P3"])
    assert sample["reason"][0].startswith("等级变化 优→良；差距 +12.50 分")
    book = fastexcel.read_excel(written / "reevaluation.xlsx")
    assert book.sheet_names == ["部门汇总", "项目复核", "指标差异", "抽查样本", "偏差标记"]
    headers = book.load_sheet("项目复核").to_polars().columns
    assert {"项目编号", "自评总分", "复核总分", "差距"} <= set(headers)
    mine = fastexcel.read_excel(written / "departments" / "区教育局.xlsx")
    assert mine.sheet_names == ["项目复核", "指标差异", "偏差标记"]
    own = mine.load_sheet("项目复核").to_polars()
    assert own["项目编号"].to_list() == ["P3", "P4"]
    differences = mine.load_sheet("指标差异").to_polars()
    assert differences.height == 2 and differences["差异原因"].null_count() == 0


def test_rerun_is_byte_identical(inputs: tuple[str, str], written: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    args = ["reevaluate", *inputs, "-o", str(out), "-f", "csv", "-f", "parquet", "-f", "xlsx"]
    code, output = run(*args, "--risk", "3")
    assert code == 0, output
    for path in written.rglob("*"):
        if path.is_file() and path.name != "manifest.json":
            other = out / path.relative_to(written)
            assert other.read_bytes() == path.read_bytes(), path.name
    one = json.loads((written / "manifest.json").read_text("utf-8"))
    two = json.loads((out / "manifest.json").read_text("utf-8"))
    for manifest in (one, two):
        manifest.pop("written_at"), manifest.pop("timings")
    assert one == two


def test_rerun_into_the_same_folder_replaces_it(inputs: tuple[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):
        code, output = run("reevaluate", *inputs, "-o", str(out), "-q")
        assert code == 0, output
    assert (out / "departments" / "区教育局.xlsx").is_file()


def test_sample_does_not_depend_on_the_input_order(tmp_path: Path) -> None:
    projects, rows = district()
    a = write_tables(tmp_path / "a", projects, rows)
    b = write_tables(tmp_path / "b", projects[::-1], rows[::-1])
    samples = []
    for name, files in (("a", a), ("b", b)):
        out = tmp_path / f"out-{name}"
        code, output = run("reevaluate", *files, "--sample", "4", "--seed", "7", "-o", str(out))
        assert code == 0, output
        samples.append(pl.read_parquet(out / "sample.parquet"))
    assert samples[0].equals(samples[1])
    assert samples[0]["department"].value_counts()["count"].min() >= 1
    assert samples[0]["reason"][0].startswith("分层随机抽取（")
    manifest = json.loads((tmp_path / "out-a" / "manifest.json").read_text("utf-8"))
    assert manifest["sample"]["seed"] == 7 and manifest["sample"]["n"] == 4


def test_threshold_override(inputs: tuple[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--threshold-points", "1", "--no-grade-change", "-o", str(out), "-f", "parquet"]
    code, output = run("reevaluate", *inputs, *args)
    assert code == 0, output
    projects = pl.read_parquet(out / "reevaluation_projects.parquet")
    over = dict(zip(projects["project_id"], projects["over_threshold"], strict=True))
    assert over["P5"] is True and over["P1"] is False  # gap 2 ≥ 1
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["reevaluation"]["overrides"] == {
        "grade_change_counts": False,
        "threshold_points": 1.0,
    }


def test_more_than_there_are_takes_all_with_a_note(inputs: tuple[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = run("reevaluate", *inputs, "--risk", "50", "-o", str(out), "-f", "parquet")
    assert code == 0, output
    assert "only 6" in " ".join(output.split())
    assert pl.read_parquet(out / "sample.parquet").height == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sample", "3"], "--sample needs --seed"),
        (["--seed", "3"], "--seed is the seed of a --sample draw"),
        (["--sample", "3", "--seed", "1", "--risk", "2"], "--sample and --risk"),
        (["--sample", "0", "--seed", "1"], "0 is not in the range"),
        (["--risk", "-1"], "-1 is not in the range"),
        (["--threshold-points", "nan"], "not a finite number"),
        (["--threshold-points", "-1"], "not a finite number"),
        (["--threshold-points", "五"], "not a number of points"),
        (["--seed", "x", "--sample", "2"], "'x' is not a valid integer"),
        (["-f", "pdf"], "'pdf' is not one of"),
    ],
)
def test_bad_options_are_usage_errors(
    args: list[str], message: str, inputs: tuple[str, str], tmp_path: Path
) -> None:
    code, output = run("reevaluate", *inputs, *args, "-o", str(tmp_path / "o"))
    assert code == 2, output
    assert message in " ".join(output.split()), output
    assert not (tmp_path / "o").exists()


def test_unknown_ruleset_and_bad_input_exit_1(inputs: tuple[str, str], tmp_path: Path) -> None:
    code, output = run("reevaluate", "-r", "nope", *inputs, "-o", str(tmp_path / "o"))
    assert code == 1 and "no ruleset 'nope'" in output
    bad = tmp_path / "bad.csv"
    bad.write_text("名称,金额\n甲,1\n", "utf-8")
    code, output = run("reevaluate", str(bad), "-o", str(tmp_path / "o"))
    assert code == 1 and "bad.csv" in output and "Traceback" not in output


def test_ruleset_without_a_reevaluation_section_exits_1(
    inputs: tuple[str, str], tmp_path: Path
) -> None:
    variant = tmp_path / "no-review.yaml"
    variant.write_text(
        "extends: project-self-eval\nid: no-review\nremove: [reevaluation]\n", "utf-8"
    )
    code, output = run("reevaluate", "-r", str(variant), *inputs, "-o", str(tmp_path / "o"))
    assert code == 1, output
    assert "reevaluation" in output and "Traceback" not in output


def test_an_output_folder_holding_other_files_is_refused(
    inputs: tuple[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", "utf-8")
    code, output = run("reevaluate", *inputs, "-o", str(out))
    assert code == 1 and "notes.txt" in output
    assert (out / "notes.txt").read_text("utf-8") == "mine"


HOSTILE = ["../../逃逸", "..\\..\\逃逸", "CON", "a/b", "a:b", "部" * 200, "NUL\x00", ""]


def test_hostile_department_names_get_safe_distinct_files(tmp_path: Path) -> None:
    projects = [project(f"H{i}", name) for i, name in enumerate(HOSTILE)]
    rows = [r for i in range(len(HOSTILE)) for r in indicator_rows(f"H{i}")]
    # parquet: a CSV reader rightly refuses NUL bytes, a parquet string column holds them
    (tmp_path / "in").mkdir()
    files = [str(tmp_path / "in" / "p.parquet"), str(tmp_path / "in" / "i.parquet")]
    pl.DataFrame(projects, schema=PROJECTS, orient="row").write_parquet(files[0])
    pl.DataFrame(rows, schema=INDICATORS, orient="row").write_parquet(files[1])
    out = tmp_path / "out"
    code, output = run("reevaluate", *files, "-o", str(out), "-f", "xlsx")
    assert code == 0, output
    folder = out / "departments"
    workbooks = sorted(folder.iterdir())
    assert all(p.parent == folder and p.suffix == ".xlsx" for p in workbooks)
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and p.parent not in (folder,)]
    assert sorted(p.name for p in outside if p.suffix == ".xlsx") == ["reevaluation.xlsx"]
    names = {p.name for p in workbooks}
    assert "_CON.xlsx" in names and not any(n.upper() == "CON.XLSX" for n in names)
    assert all(len(n.encode()) <= 200 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    read = [fastexcel.read_excel(p).load_sheet("项目复核").to_polars() for p in workbooks]
    ids = sorted(pid for sheet in read for pid in sheet["项目编号"].to_list())
    assert ids == sorted(f"H{i}" for i in range(len(HOSTILE)))  # every project sent once


def test_forms_and_tables_give_the_same_reevaluation(tmp_path: Path) -> None:
    """The example forms of 区司法局 (Sichuan layout) against the same projects as tables."""
    form = FORMS / "区司法局-sichuan.xlsx"
    code, output = run("reevaluate", str(form), "-o", str(tmp_path / "forms"), "-f", "parquet")
    assert code == 0, output
    mine = pl.read_parquet(tmp_path / "forms" / "reevaluation_projects.parquet")["project_id"]
    projects = pl.read_csv(SAMPLE / "projects.csv", infer_schema=False)
    indicators = pl.read_csv(SAMPLE / "indicators.csv", infer_schema=False)
    tables = tmp_path / "tables"
    tables.mkdir()
    projects.filter(pl.col("项目编号").is_in(mine.implode())).write_csv(tables / "p.csv")
    indicators.filter(pl.col("项目编号").is_in(mine.implode())).write_csv(tables / "i.csv")
    code, output = run(
        "reevaluate",
        str(tables / "p.csv"),
        str(tables / "i.csv"),
        "-o",
        str(tmp_path / "tables-out"),
        "-f",
        "parquet",
    )
    assert code == 0, output
    source = ["source_file", "source_sheet", "source_row"]
    for table in ("reevaluation_projects", "reevaluation_indicators", "reevaluation_departments"):
        a = pl.read_parquet(tmp_path / "forms" / f"{table}.parquet")
        b = pl.read_parquet(tmp_path / "tables-out" / f"{table}.parquet")
        a, b = a.drop(source, strict=False), b.drop(source, strict=False)
        assert a.height > 0 and a.equals(b), table


def test_help_has_examples() -> None:
    code, output = run("reevaluate", "--help")
    assert code == 0
    assert "jixiao reevaluate" in output and "--sample 20 --seed 7" in output
