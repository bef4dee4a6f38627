"""Self-evaluation form workbooks through the CLI (issue 10 items 1–2): both layouts,
the quirks of real forms, a cover sheet, a form missing a label, and corrupt, encrypted
and non-form workbooks in a batch, which are reported and skipped while the rest is
scored. The forms are built in code (tests/forms/form_builders.py).

The two projects have hand-worked totals (DOMAIN §2, 财预〔2020〕10号 附件1): F1 meets every
target and spends its whole budget → 10 + 90 = 100 优; F2 spends 80 of 100 → 8, and
trains 50 of 100 → 25 × 50/100 = 12.5, so 8 + 12.5 + 25 + 30 + 10 = 85.5 良.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
from corpus import Case, Run, run_cli
from form_builders import ALL_QUIRKS, Indicator, Project, Quirks, sichuan_code, write_forms
from openpyxl import load_workbook

_OLE_ENCRYPTED = (
    bytes.fromhex("d0cf11e0a1b11ae1") + bytes(5000) + "EncryptedPackage".encode("utf-16-le")
)
F1_CODE, F2_CODE = sichuan_code(1), sichuan_code(2)


def _projects(layout: str) -> list[Project]:
    split = layout == "sichuan"

    def ind(
        l1: str, l2: str, name: str, cmp_: str, t: str, unit: str, a: str, w: float
    ) -> Indicator:
        if split:
            return Indicator(l1, l2, name, t, a, w, w, cmp_, unit)
        return Indicator(l1, l2, name, f"{cmp_}{t}{unit}", a, w, w)

    def rows(trained: str) -> list[Indicator]:
        return [
            ind("产出指标", "数量指标", "培训人次", "≥", "100", "人次", trained, 25),
            ind("产出指标", "质量指标", "验收合格率", "≥", "95", "%", "96%", 25),
            ind("效益指标", "社会效益指标", "受益学生数", "≥", "1000", "人", "1000", 30),
            ind("满意度指标", "服务对象满意度指标", "学生满意度", "≥", "90", "%", "92%", 10),
        ]

    ids = (F1_CODE, F2_CODE) if split else ("F1", "F2")
    return [
        Project(
            ids[0],
            "课后服务补贴",
            "区教育局",
            "区第一中学",
            "2025",
            100,
            100,
            100,
            rows("120"),
            10,
            100,
            "优",
        ),
        Project(
            ids[1],
            "校园安全设施",
            "区教育局",
            "区第二中学",
            "2025",
            100,
            100,
            80,
            rows("50"),
            10,
            100,
            "优",
        ),
    ]


def _ids(layout: str) -> tuple[str, str]:
    return (F1_CODE, F2_CODE) if layout == "sichuan" else ("F1", "F2")


def _scores(layout: str) -> dict[str, tuple[float | None, str | None]]:
    a, b = _ids(layout)
    return {a: (100.0, "优"), b: (85.5, "良")}


CODED = Quirks(code_cell=True)


def _forms(
    layout: str, quirks: Quirks = CODED, name: str = "forms.xlsx"
) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        return [str(write_forms(folder / name, layout, _projects(layout), quirks))]

    return make


def _with(*extra: Callable[[Path], Path], layout: str = "national") -> Callable[[Path], list[str]]:
    """The good form workbook and the extra files, all passed as inputs."""

    def make(folder: Path) -> list[str]:
        good = write_forms(
            folder / "a-forms.xlsx", layout, _projects(layout), Quirks(code_cell=True)
        )
        return [str(good), *(str(f(folder)) for f in extra)]

    return make


def _corrupt(folder: Path) -> Path:
    path = folder / "b-corrupt.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    return path


def _encrypted(folder: Path) -> Path:
    path = folder / "c-encrypted.xlsx"
    path.write_bytes(_OLE_ENCRYPTED + bytes(100))
    return path


def _not_a_form(folder: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "通讯录"
    book.active.append(["姓名", "电话"])
    book.active.append(["张三", "123"])
    path = folder / "d-contacts.xlsx"
    book.save(path)
    return path


def _missing_label(label: str, layout: str = "national") -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        path = write_forms(folder / "forms.xlsx", layout, _projects(layout), Quirks(code_cell=True))
        book = load_workbook(path)
        for row in book["项目1"].iter_rows():
            for cell in row:
                if cell.value == label:
                    cell.value = None
        book.save(path)
        return [str(path)]

    return make


def _check_tables(run: Run) -> None:
    projects = pl.read_csv(run.out / "projects.csv", infer_schema=False)
    assert projects["project_id"].to_list() == ["F1", "F2"], projects
    assert projects["claimed_total"].to_list() == ["100", "100"]
    assert projects["claimed_grade"].to_list() == ["优", "优"]
    assert projects["source_sheet"].to_list() == ["项目1", "项目2"]
    indicators = pl.read_csv(run.out / "indicators.csv", infer_schema=False)
    assert indicators.height == 8 and indicators["source_row"].null_count() == 0
    manifest = json.loads((run.out / "manifest.json").read_text("utf-8"))
    problems = [p for f in manifest["files"] for p in f["problems"]]
    assert len(problems) == 3 and all("skipped" in p for p in problems), problems


def _template_reads_back(layout: str) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        template = run.inputs / "t.xlsx"
        code, output = run_cli(
            ["forms", "to-tables", str(template), "-o", str(run.out)], run.inputs
        )
        assert code == 0, output
        projects = pl.read_csv(run.out / "projects.csv", infer_schema=False)
        assert projects["project_id"].to_list() == ["t.xlsx#项目1"], projects
        assert "1 form(s)" in output, output

    return check


def _explain_total(run: Run) -> None:
    assert "85.5" in run.output, run.output


def _duplicate_rejected(run: Run) -> None:
    rejects = run.table("rejects")
    assert rejects.height == 5, rejects  # the second form: its project row and 4 indicators
    assert rejects["reason"].str.contains(r"is already the form in .*a\.xlsx, sheet '项目1'").all()
    assert rejects["file"].str.ends_with("b.xlsx").all(), rejects


def _two_files_same_code(folder: Path) -> list[str]:
    a = write_forms(folder / "a.xlsx", "sichuan", _projects("sichuan")[:1])
    b = write_forms(
        folder / "b.xlsx", "sichuan", _projects("sichuan")[:1], Quirks(spacer_rows=True)
    )
    return [str(a), str(b)]


def _forms_and_tables(folder: Path) -> list[str]:
    from corpus import indicators, project, write_pair

    form = write_forms(
        folder / "forms.xlsx", "national", _projects("national"), Quirks(code_cell=True)
    )
    return [str(form), *write_pair(folder, [project("P001")], indicators("P001"))]


CASES = [
    Case(
        name="forms-national",
        about="A national form workbook (财预〔2020〕10号 附件1), one project per sheet, scored "
        "directly: 100 优 and 85.5 良 (hand-worked in the module docstring).",
        make=_forms("national"),
        scores=_scores("national"),
        rows_in={"projects": 2, "indicators": 8},
    ),
    Case(
        name="forms-sichuan",
        about="A Sichuan form workbook (510000_0013zp): the ids are the 22-character codes in "
        "front of 项目名称; same totals.",
        make=_forms("sichuan", Quirks()),
        scores=_scores("sichuan"),
        rows_in={"projects": 2, "indicators": 8},
    ),
    Case(
        name="forms-national-every-quirk",
        about="Blank left column, spacer rows, (50分) suffixes, an orphan 二级 row, 满意度指标 as "
        "二级, rate as text, `/` in unused cells, a 0 explanation, unmerged levels, zero "
        "年度资金总额 with filled 其中 rows, colon labels, a cover sheet: same totals.",
        make=_forms("national", ALL_QUIRKS),
        scores=_scores("national"),
        message=r"sheet '填表说明' skipped.*其中 rows sum to",
    ),
    Case(
        name="forms-sichuan-every-quirk",
        about="Every quirk on the Sichuan layout: same totals.",
        make=_forms("sichuan", ALL_QUIRKS),
        scores=_scores("sichuan"),
    ),
    Case(
        name="forms-repeated-levels",
        about="Levels 1–2 written on every row rather than merged: same totals.",
        make=_forms("national", Quirks(code_cell=True, repeated_levels=True)),
        scores=_scores("national"),
    ),
    Case(
        name="forms-zero-funds-total",
        about="年度资金总额 all zero while its 其中 rows are filled (seen in published forms): "
        "the parts' sum is the budget, and a note names the row.",
        make=_forms("national", Quirks(code_cell=True, zero_total=True)),
        scores=_scores("national"),
        message=r"forms\.xlsx, sheet '项目1', row \d+: 年度资金总额 全年预算数 is 0 but its 其中 "
        r"rows sum to 100; the sum is used",
    ),
    Case(
        name="forms-cover-sheet-skipped",
        about="A 填表说明 sheet before the forms is skipped with a note.",
        make=_forms("sichuan", Quirks(cover_sheet=True)),
        scores=_scores("sichuan"),
        message=r"sheet '填表说明' skipped: not a self-evaluation form",
    ),
    Case(
        name="forms-missing-label",
        about="One form lacks its 实际完成值 header: reported with file, sheet and label; the "
        "other form is scored.",
        make=_missing_label("实际完成值"),
        scores={"F2": (85.5, "良")},
        rows_in={"projects": 1, "indicators": 4},
        message=r"forms\.xlsx, sheet '项目1': label 实际完成值 \(实际完成值/完成值/实际值…\) not "
        r"found in the indicator header at row \d+",
    ),
    Case(
        name="forms-missing-funds-total",
        about="One Sichuan form lacks its 总额 label: reported, the other scored.",
        make=_missing_label("总额", "sichuan"),
        scores={F2_CODE: (85.5, "良")},
        message=r"sheet '项目1': label 年度资金总额 \(总额\) not found below the funds header",
    ),
    Case(
        name="forms-corrupt-in-batch",
        about="A corrupt workbook among form workbooks is reported and skipped; the forms score.",
        make=_with(_corrupt),
        scores=_scores("national"),
        message=r"b-corrupt\.xlsx: skipped: .*b-corrupt\.xlsx: cannot read as an Excel workbook",
    ),
    Case(
        name="forms-encrypted-in-batch",
        about="A password-protected workbook among forms: reported and skipped.",
        make=_with(_encrypted),
        scores=_scores("national"),
        message=r"c-encrypted\.xlsx: skipped: .*password-protected",
    ),
    Case(
        name="forms-non-form-in-batch",
        about="A workbook that is neither a form nor a table among forms: reported and skipped.",
        make=_with(_not_a_form),
        scores=_scores("national"),
        message=r"d-contacts\.xlsx: skipped: .*no sheet holds a known table",
    ),
    Case(
        name="forms-corrupt-without-forms-still-fails",
        about="Without any form in the batch a corrupt workbook stops the run as before.",
        make=lambda folder: [str(_corrupt(folder))],
        exit_code=1,
        message=r"b-corrupt\.xlsx: cannot read as an Excel workbook",
    ),
    Case(
        name="forms-beside-tables",
        about="A form workbook and canonical CSV tables in one run: all three projects scored.",
        make=_forms_and_tables,
        scores={"F1": (100.0, "优"), "F2": (85.5, "良"), "P001": (100.0, "优")},
    ),
    Case(
        name="forms-same-code-twice",
        about="Two forms carrying one project code: the second is rejected as a repeated key.",
        make=_two_files_same_code,
        scores={F1_CODE: (100.0, "优")},
        check=_duplicate_rejected,
    ),
    Case(
        name="forms-to-tables-folder",
        about="`forms to-tables` on a folder: forms converted with their claims and sources, "
        "the corrupt, encrypted and non-form workbooks reported; exit 0.",
        make=lambda folder: [_with(_corrupt, _encrypted, _not_a_form)(folder) and str(folder)],
        command="forms",
        args=("to-tables", "-o", "{out}"),
        message=r"problem: skipped: .*b-corrupt\.xlsx.*read 2 form\(s\) from 1 of 4 file\(s\)",
        check=_check_tables,
    ),
    Case(
        name="forms-to-tables-nothing-readable",
        about="`forms to-tables` with no readable form: exit 1, one line saying why.",
        make=lambda folder: [str(_corrupt(folder)), str(_not_a_form(folder))],
        command="forms",
        args=("to-tables", "-o", "{out}"),
        exit_code=1,
        message=r"error: no self-evaluation form could be read \(skipped: .*b-corrupt\.xlsx",
    ),
    Case(
        name="forms-template-national",
        about="`forms template` writes a blank national form that the reader reads back.",
        make=lambda folder: [],
        command="forms",
        args=("template", "-o", "{in}/t.xlsx"),
        message=r"wrote .*t\.xlsx \(national layout\)",
        check=_template_reads_back("national"),
    ),
    Case(
        name="forms-template-sichuan",
        about="`forms template --layout sichuan`: read back too.",
        make=lambda folder: [],
        command="forms",
        args=("template", "--layout", "sichuan", "-o", "{in}/t.xlsx"),
        message=r"wrote .*t\.xlsx \(sichuan layout\)",
        check=_template_reads_back("sichuan"),
    ),
    Case(
        name="forms-template-bad-name",
        about="`forms template -o t.csv`: exit 1, a form is an .xlsx.",
        make=lambda folder: [],
        command="forms",
        args=("template", "-o", "{in}/t.csv"),
        exit_code=1,
        message=r"a form is written as \.xlsx",
    ),
    Case(
        name="forms-explain",
        about="`explain` reads a form workbook: F2 explained, total 85.5.",
        make=lambda folder: [*_forms("national")(folder), "F2"],
        command="explain",
        check=_explain_total,
    ),
]


# --- folders as inputs, and forms transcribed from published tables (tests/forms/published)


def _folder_of_forms(folder: Path) -> list[str]:
    """The good forms, a corrupt, an encrypted and a non-form workbook, a .pdf, an Office
    lock file and an earlier output folder, all in one folder given as one argument."""
    _with(_corrupt, _encrypted, _not_a_form)(folder)
    (folder / "说明.pdf").write_bytes(b"%PDF-1.4")
    (folder / "~$a-forms.xlsx").write_bytes(b"lock")
    earlier = folder / "上次结果"
    earlier.mkdir()
    (earlier / "manifest.json").write_text("{}", "utf-8")
    (earlier / "project_scores.csv").write_text("project_id\nX\n", "utf-8")
    return [str(folder)]


def _published(*names: str) -> Callable[[Path], list[str]]:
    """Published forms (tests/forms/published/<name>.py), one workbook each, in a folder."""

    def make(folder: Path) -> list[str]:
        import importlib

        from published.book import build

        for name in names:
            module = importlib.import_module(f"published.{name}")
            build(folder / f"{name.split('_')[0]}.xlsx", {"表1": module.SHEET})
        return [str(folder)]

    return make


def _tables_folder(folder: Path) -> list[str]:
    from corpus import indicators, project, write_pair

    write_pair(folder, [project("P001")], indicators("P001"))
    (folder / "README.txt").write_text("表格说明", "utf-8")
    return [str(folder)]


def _copy_as_workbook(folder: Path) -> str:
    """The folder's CSV tables again as one workbook (sheets 项目 / 指标)."""
    from corpus import write_xlsx

    sheets = {
        name: [list(r) for r in pl.read_csv(folder / f, infer_schema=False).rows()]
        for name, f in (("项目", "projects.csv"), ("指标", "indicators.csv"))
    }
    headers = {
        name: pl.read_csv(folder / f, infer_schema=False).columns
        for name, f in (("项目", "projects.csv"), ("指标", "indicators.csv"))
    }
    return str(
        write_xlsx(folder / "both.xlsx", {n: [headers[n], *rows] for n, rows in sheets.items()})
    )


def _tables_and_workbook(folder: Path) -> list[str]:
    _tables_folder(folder)
    _copy_as_workbook(folder)
    return [str(folder)]


def _tables_two_formats(folder: Path) -> list[str]:
    from corpus import indicators, project, write_pair

    paths = write_pair(folder, [project("P001")], indicators("P001"))
    projects = Path(paths[0])
    pl.read_csv(projects, infer_schema=False).write_parquet(projects.with_suffix(".parquet"))
    return [str(folder)]


def _skipped_in_manifest(*names: str) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        skipped = sorted(
            Path(s["path"]).name for s in run.manifest["inputs"] if s["format"] == "skipped"
        )
        assert skipped == sorted(names), skipped
        read = [Path(s["path"]).name for s in run.manifest["inputs"]]
        assert "说明.pdf" not in read and "~$a-forms.xlsx" not in read, read
        assert not any("上次结果" in s["path"] for s in run.manifest["inputs"]), read

    return check


def _national_words(folder: Path) -> list[str]:
    """Forms written by the engine's national writer from rows whose 指标性质 says 正向 /
    反向: the words travel in a 指标性质 column, so the forms score as the tables."""
    from jixiao.scoring import api

    ind = [
        ("产出指标", "数量指标", "培训人次", "正向", "100", "人次", "50", "25"),
        ("产出指标", "质量指标", "验收合格率", "≥", "95", "%", "96", "25"),
        ("效益指标", "社会效益指标", "投诉件数", "反向", "5", "件", "6", "30"),
        ("满意度指标", "服务对象满意度指标", "学生满意度", "正向", "90", "%", "92", "10"),
    ]
    projects = [
        {
            "project_id": "W1",
            "project_name": "课后服务",
            "department": "区教育局",
            "budget": "100",
            "spent": "100",
            "year": "2025",
        }
    ]
    indicators = [
        dict(
            zip(
                (
                    "level1",
                    "level2",
                    "indicator",
                    "comparator",
                    "target",
                    "unit",
                    "actual",
                    "points",
                ),
                row,
                strict=True,
            ),
            project_id="W1",
        )
        for row in ind
    ]
    return [str(api.write_forms_from_tables(folder / "w.xlsx", "national", projects, indicators))]


def _stacked(folder: Path) -> list[str]:
    """Two published Sichuan forms exported one below the other into one sheet."""
    import copy

    from openpyxl.utils.cell import get_column_letter, range_boundaries
    from published import daying_2023, qingshen_2023
    from published.book import Sheet, build

    rows: list[list[object]] = []
    merges: list[str] = []
    for module in (daying_2023, qingshen_2023):
        top = len(rows)
        rows.extend(copy.deepcopy(module.SHEET.rows))
        for merged in module.SHEET.merges:
            c1, r1, c2, r2 = range_boundaries(merged)
            merges.append(f"{get_column_letter(c1)}{r1 + top}:{get_column_letter(c2)}{r2 + top}")
        rows.append([])
    return [str(build(folder / "大英青神.xlsx", {"Sheet1": Sheet(rows, merges)}))]


CASES += [
    Case(
        name="forms-stacked-in-one-sheet",
        about="Two published Sichuan forms one below the other in one sheet (大英 2023, 青神 "
        "2023): both read, 100 优 and 10 未定级 (青神's 完成值 blank: not evaluable).",
        make=_stacked,
        scores={"51092324T000010263357": (100.0, "优"), "51000021R000000019951": (10.0, "未定级")},
        rows_in={"projects": 2, "indicators": 3},
    ),
    Case(
        name="forms-folder-score",
        about="`score FOLDER`: the forms in it are scored; a corrupt, an encrypted and a "
        "non-form workbook are reported and skipped; a .pdf, an Office lock file and an "
        "earlier output folder (holding manifest.json) are left out.",
        make=_folder_of_forms,
        scores=_scores("national"),
        rows_in={"projects": 2, "indicators": 8},
        message=r"b-corrupt\.xlsx: skipped: .*c-encrypted\.xlsx: skipped: .*password-protected"
        r".*d-contacts\.xlsx: skipped",
        check=_skipped_in_manifest("b-corrupt.xlsx", "c-encrypted.xlsx", "d-contacts.xlsx"),
    ),
    Case(
        name="forms-folder-explain",
        about="`explain FOLDER F2`: the folder's forms read, F2 explained (85.5).",
        make=lambda folder: [*_folder_of_forms(folder), "F2"],
        command="explain",
        check=_explain_total,
    ),
    Case(
        name="tables-folder-score",
        about="`score FOLDER` of canonical CSV tables (and a README.txt, not read): scored.",
        make=_tables_folder,
        scores={"P001": (100.0, "优")},
    ),
    Case(
        name="tables-folder-two-formats",
        about="A folder holding projects.csv and projects.parquet: which is meant? exit 1, "
        "one line naming both.",
        make=_tables_two_formats,
        exit_code=1,
        message=r"holds one name in several formats \(projects\.csv, projects\.parquet\)",
    ),
    Case(
        name="tables-folder-same-projects-twice",
        about="A folder holding the tables as CSV and the same tables in a workbook: every "
        "project twice, which copy is meant? exit 1, one line naming both files.",
        make=_tables_and_workbook,
        exit_code=1,
        message=r"both\.xlsx and .*projects\.csv both hold project P001",
    ),
    Case(
        name="empty-folder",
        about="An empty folder: exit 1, one line.",
        make=lambda folder: [str(folder)],
        exit_code=1,
        message=r"the folder holds no data file",
    ),
    Case(
        name="forms-published-folder",
        about="Forms transcribed from published pages (池州 2022 with 年度资金总额 0, 稷山 2020 "
        "with a 三级 cell merged over two rows, 大英 2023 with a 21-character code and `-`), "
        "a 部门整体支出绩效自评表 reported as not a project form, and 襄阳 2021 without a 分值 "
        "column reported by its label: hand-worked totals (tests/forms/test_published_forms.py).",
        make=_published(
            "chizhou_2022", "jishan_2020", "daying_2023", "chongqing_whole_2021", "xiangyang_2021"
        ),
        scores={
            "chizhou.xlsx#表1": (100.0, "优"),
            "jishan.xlsx#表1": (99.77, "优"),
            "51092324T000010263357": (100.0, "优"),
        },
        message=r"chongqing\.xlsx: skipped: .*部门整体支出绩效自评表.*xiangyang\.xlsx: skipped: "
        r".*label 分值 \(分值/权重/指标分值\) not found",
    ),
    Case(
        name="forms-published-not-a-project-form-alone",
        about="Only a 部门整体支出绩效自评表: exit 1, saying it is not a project form.",
        make=_published("chongqing_whole_2021"),
        exit_code=1,
        message=r"部门整体支出绩效自评表",
    ),
    Case(
        name="forms-national-writer-keeps-words",
        about="The national writer keeps 正向/反向 (a 指标性质 column): 培训人次 50 of 100 → "
        "12.5; 投诉件数 反向 ≤5, 6 → 30 × (1 − 1/5) = 24 (DOMAIN §2, lower is better); the "
        "rest met: 10 + 12.5 + 25 + 24 + 10 = 81.5 良. Written without the words (≥ for "
        "反向 by default) it would be 30 → 87.5.",
        make=_national_words,
        scores={"W1": (81.5, "良")},
    ),
]
