"""`jixiao reevaluate` on messy and hostile inputs, through the CLI (issue 10 item 3,
DOMAIN §5): claims written as people write them, unreadable claims, no claims at all,
hostile department names, formula-like text, forms, bad options and output folders.

The base data: every project has four indicators, all targets met (产出 50, 效益 30,
满意度 10 = 90 points) and a budget of 100; a project that spends 100 scores 10 + 90 =
100 优, one that spends 80 scores 8 + 90 = 98 优 (财预〔2020〕10号 附件1: budget points ×
execution rate). A claim of 100 on the latter is a gap of +2.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
from corpus import INDICATOR_HEADER, Case, Cell, Run, indicators, run_cli, write_csv
from form_builders import Indicator, Project, Quirks, write_forms

HEADER = [
    "项目编号",
    "项目名称",
    "主管部门",
    "年度",
    "全年预算数（万元）",
    "全年执行数（万元）",
    "自评预算执行得分",
    "自评总分",
    "自评等级",
]
OUT = ("-o", "{out}", "-f", "csv", "-f", "xlsx")


def _row(pid: str, department: str = "区教育局", spent: str = "100", *claims: str) -> list[Cell]:
    """A project row claiming `claims` (budget score, total, grade), by default 10, 100,
    优 (full points)."""
    defaults = ["10", "100", "优"]
    return [pid, f"项目{pid}", department, 2025, 100, spent, *claims, *defaults[len(claims) :]]


def _tables(rows: list[list[Cell]], header: list[str] = HEADER) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        ind = [r for row in rows for r in indicators(str(row[0]))]
        return [
            str(write_csv(folder / "projects.csv", header, rows)),
            str(write_csv(folder / "indicators.csv", INDICATOR_HEADER, ind)),
        ]

    return make


def _projects(run: Run) -> dict[str, dict[str, str | None]]:
    table = run.table("reevaluation_projects")
    return {r["project_id"]: r for r in table.iter_rows(named=True)}


def _claims_read(run: Run) -> None:
    got = _projects(run)
    assert float(got["P1"]["claimed_total"]) == 95.5, got["P1"]
    assert float(got["P2"]["claimed_total"]) == 95.5, got["P2"]
    assert got["P3"]["claimed_total"] in (None, ""), got["P3"]
    assert float(got["P1"]["gap"]) == -4.5 and got["P3"]["gap"] in (None, "")
    assert all(r["claim_error"] in (None, "") for r in got.values()), got


def _unreadable(run: Run) -> None:
    got = _projects(run)
    assert sorted(got) == ["P1", "P2"], got  # no row lost
    assert got["P2"]["claimed_total"] in (None, "") and got["P2"]["claim_error"], got["P2"]
    assert float(got["P1"]["gap"]) == 0


def _no_claims(run: Run) -> None:
    got = _projects(run)
    assert all(r["gap"] in (None, "") for r in got.values()), got
    assert all(r["over_threshold"] == "false" for r in got.values()), got
    lines = run.table("reevaluation_indicators")
    assert lines["reason_code"].null_count() == lines.height


def _grades(run: Run) -> None:
    got = _projects(run)
    assert got["P1"]["claimed_grade"] == "优" and got["P1"]["claimed_grade_source"] == "自评等级"
    assert got["P2"]["claimed_grade"] == "优" and got["P2"]["claimed_grade_source"] == "按自评总分"
    assert got["P3"]["claim_error"], got["P3"]  # 很好 is not a grade word


def _safe_files(run: Run) -> None:
    folder = run.out / "departments"
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 6, files
    assert "_CON.xlsx" in files and len({f.casefold() for f in files}) == 6, files
    assert all(len(f.encode()) <= 200 for f in files), files
    stray = [p for p in run.out.parent.rglob("*.xlsx") if p.parent not in (folder, run.out)]
    assert stray == [], stray


def _case_clash(run: Run) -> None:
    files = sorted(p.name for p in (run.out / "departments").iterdir())
    assert len(files) == 2 and files[0].casefold() != files[1].casefold(), files


def _neutralised(run: Run) -> None:
    text = (run.out / "reevaluation_projects.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK" in text, text
    assert (run.out / "departments").is_dir()


def _all_with_note(run: Run) -> None:
    assert run.table("sample").height == 2
    assert run.manifest["sample"]["note"].startswith("asked for 9 projects")


def _same_sample_reversed(run: Run) -> None:
    first = run.table("sample")
    rows = [_row(f"P{i}", f"部门{i % 3}") for i in range(9)][::-1]
    (run.inputs / "reversed").mkdir()
    files = _tables(rows)(run.inputs / "reversed")
    out = run.out.parent / "again"
    code, output = run_cli(
        ["reevaluate", *files, "--sample", "4", "--seed", "11", "-o", str(out), "-f", "csv"],
        run.inputs,
    )
    assert code == 0, output
    again = pl.read_csv(out / "sample.csv", infer_schema=False)
    assert first.equals(again), (first, again)
    assert first["department"].n_unique() == 3


def _forms(folder: Path) -> list[str]:
    rows = [
        Indicator("产出指标", "数量指标", "培训人次", "≥100人次", "50", 25, 25),
        Indicator("产出指标", "质量指标", "验收合格率", "≥95%", "96%", 25, 25),
        Indicator("效益指标", "社会效益指标", "受益学生数", "≥1000人", "1000", 30, 30),
        Indicator("满意度指标", "服务对象满意度指标", "学生满意度", "≥90%", "92%", 10, 10),
    ]
    project = Project(
        "F1", "课后服务", "区教育局", "一中", "2025", 100, 100, 100, rows, 10, 100, "优"
    )
    return [str(write_forms(folder / "forms.xlsx", "national", [project], Quirks(code_cell=True)))]


def _form_gap(run: Run) -> None:
    got = _projects(run)["F1"]
    assert float(got["gap"]) == 12.5 and got["grade"] == "良" and got["grade_changed"] == "true"
    lines = run.table("reevaluation_indicators").filter(pl.col("reason_code").is_not_null())
    assert lines["indicator"].to_list() == ["培训人次"], lines
    assert lines["reason_code"][0] == "full_points_not_met", lines


def _out_is_file(folder: Path) -> list[str]:
    (folder / "out-file").write_text("x", "utf-8")
    return _tables([_row("P1")])(folder)


def _manifest_complete(run: Run) -> None:
    manifest = json.loads((run.out / "manifest.json").read_text("utf-8"))
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"]), manifest["inputs"]
    files = {p.relative_to(run.out).as_posix() for p in run.out.rglob("*") if p.is_file()}
    assert set(manifest["outputs"]) == files, (manifest["outputs"], files)
    for name, digest in manifest["output_sha256"].items():
        assert hashlib.sha256((run.out / name).read_bytes()).hexdigest() == digest, name


HOSTILE = ["../../逃逸", "CON", "a/b:c", "部" * 120, "\t\x01控制", ""]
OVER = _row("P2", "区教育局", "80")

CASES = [
    Case(
        name="reevaluate-claims-as-written",
        about="Claims written 95.5分 and full-width ９５.５, and / for none: read as 95.5, "
        "95.5 and blank; P1 earns 100, so its gap is -4.5 (a deflated claim).",
        make=_tables(
            [
                _row("P1", "区教育局", "100", "10", "95.5分"),
                _row("P2", "区教育局", "100", "10", "９５.５"),
                _row("P3", "区教育局", "100", "/", "/", ""),
            ]
        ),
        command="reevaluate",
        args=OUT,
        check=_claims_read,
    ),
    Case(
        name="reevaluate-unreadable-claim",
        about="A claimed total 一百分左右 cannot be read: blank, said in claim_error, the "
        "project still re-evaluated; exit 0.",
        make=_tables([_row("P1"), _row("P2", "区教育局", "100", "10", "一百分左右")]),
        command="reevaluate",
        args=OUT,
        check=_unreadable,
    ),
    Case(
        name="reevaluate-no-claim-columns",
        about="Tables without any claim column: every project recomputed, every gap blank, "
        "no reason codes; exit 0.",
        make=lambda folder: _tables([r[:6] for r in (_row("P1"), OVER)], HEADER[:6])(folder),
        command="reevaluate",
        args=OUT,
        check=_no_claims,
    ),
    Case(
        name="reevaluate-grade-words",
        about="自评等级 优秀 is 优 (grade_words), a blank one is the band of the claimed total "
        "(按自评总分), 很好 is a claim error.",
        make=_tables(
            [
                _row("P1", "区教育局", "100", "10", "100", "优秀"),
                _row("P2", "区教育局", "100", "10", "100", ""),
                _row("P3", "区教育局", "100", "10", "100", "很好"),
            ]
        ),
        command="reevaluate",
        args=OUT,
        check=_grades,
    ),
    Case(
        name="reevaluate-hostile-department-names",
        about="Departments named ../../逃逸, CON, a/b:c, 120 characters, with control "
        "characters, and blank: six safe, distinct workbooks inside departments/.",
        make=_tables([_row(f"P{i}", name) for i, name in enumerate(HOSTILE)]),
        command="reevaluate",
        args=OUT,
        check=_safe_files,
    ),
    Case(
        name="reevaluate-department-case-clash",
        about="区教育局A and 区教育局a differ only by case: two workbooks that do not overwrite "
        "each other on a case-insensitive disk.",
        make=_tables([_row("P1", "区教育局A"), _row("P2", "区教育局a")]),
        command="reevaluate",
        args=OUT,
        check=_case_clash,
    ),
    Case(
        name="reevaluate-formula-like-text",
        about='A department named =HYPERLINK("http://x") is text: neutralised in csv, a '
        "string cell in the workbooks.",
        make=_tables([_row("P1", '=HYPERLINK("http://x")')]),
        command="reevaluate",
        args=OUT,
        check=_neutralised,
    ),
    Case(
        name="reevaluate-risk-more-than-projects",
        about="--risk 9 with 2 projects: both in the sample, a note on stderr and in the manifest.",
        make=_tables([_row("P1"), OVER]),
        command="reevaluate",
        args=(*OUT, "--risk", "9"),
        message=r"asked for 9 projects but there are only 2",
        check=_all_with_note,
    ),
    Case(
        name="reevaluate-sample-input-order",
        about="--sample 4 --seed 11 over three departments draws the same projects from the "
        "rows in reverse order, every department at least once.",
        make=_tables([_row(f"P{i}", f"部门{i % 3}") for i in range(9)]),
        command="reevaluate",
        args=(*OUT, "--sample", "4", "--seed", "11"),
        check=_same_sample_reversed,
    ),
    Case(
        name="reevaluate-sample-without-seed",
        about="--sample without --seed is a usage error (exit 2): a draw must be repeatable.",
        make=_tables([_row("P1")]),
        command="reevaluate",
        args=(*OUT, "--sample", "1"),
        exit_code=2,
        message=r"--sample needs --seed",
    ),
    Case(
        name="reevaluate-threshold-nan",
        about="--threshold-points nan is a usage error (exit 2), not a threshold nothing meets.",
        make=_tables([_row("P1")]),
        command="reevaluate",
        args=(*OUT, "--threshold-points", "nan"),
        exit_code=2,
        message=r"not a finite number of points",
    ),
    Case(
        name="reevaluate-out-is-a-file",
        about="-o naming a file: exit 1, one line, the file untouched.",
        make=_out_is_file,
        command="reevaluate",
        args=("-o", "{in}/out-file"),
        exit_code=1,
        message=r"out-file: is a file, not a folder",
    ),
    Case(
        name="reevaluate-form",
        about="A national form claiming full points (100 优) for a half-met target (培训人次 "
        "50 of ≥100 → 12.5 of 25): recomputed 87.5 良, gap 12.5, reason full_points_not_met.",
        make=_forms,
        command="reevaluate",
        args=OUT,
        check=_form_gap,
    ),
    Case(
        name="reevaluate-manifest-records-inputs-and-outputs",
        about="The manifest lists every input with its SHA-256 and every output (department "
        "workbooks included) with its SHA-256.",
        make=_tables([_row("P1"), OVER]),
        command="reevaluate",
        args=OUT,
        check=_manifest_complete,
    ),
]
