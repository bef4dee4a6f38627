"""The form reader on workbooks built in code: both layouts, every quirk of real forms
(issue 10 item 1), what it claims, where every row came from, and what it refuses."""

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
    write_forms,
)
from openpyxl import load_workbook

from jixiao.scoring import api
from jixiao.scoring.errors import InputError

LAYOUTS = ("national", "sichuan")
QUIRK_SETS = [Quirks(), ALL_QUIRKS, *(one_quirk(n) for n in QUIRK_NAMES)]
QUIRK_IDS = ["plain", "all", *QUIRK_NAMES]


@pytest.mark.parametrize("quirks", QUIRK_SETS, ids=QUIRK_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_quirk_reads_the_claims_and_the_indicators(
    layout: str, quirks: Quirks, tmp_path: Path
) -> None:
    projects = sample_projects(seed=7, n=2, layout=layout)
    path = write_forms(tmp_path / "forms.xlsx", layout, projects, quirks)
    read = api.read_forms([path])
    assert read.problems == []
    assert [f.layout for f in read.forms] == [layout, layout]
    got = read.frames["projects"]
    assert got["project_name"].to_list() == [p.name for p in projects]
    assert got["department"].to_list() == [p.department for p in projects]
    assert got["unit"].to_list() == [p.unit for p in projects]
    assert got["year"].to_list() == ["2025", "2025"]
    assert got["claimed_total"].to_list() == ["100", "100"]
    assert got["claimed_budget_score"].to_list() == ["10", "10"]
    assert got["claimed_grade"].to_list() == ["优", "优"]
    budgets = [float(b) for b in got["budget"].to_list()]
    assert budgets == pytest.approx([p.budget for p in projects])
    indicators = read.frames["indicators"]
    assert indicators.height == sum(len(p.indicators) for p in projects)
    names = [d.name for p in projects for d in p.indicators]
    assert indicators["indicator"].to_list() == names
    claimed = [float(c) for c in indicators["claimed_score"].to_list()]
    assert claimed == [d.claimed for p in projects for d in p.indicators]
    levels = [(d.level1, d.level2) for p in projects for d in p.indicators]
    assert all(
        pl_l1 is not None and l1 in pl_l1 and l2 is not None
        for (l1, _), pl_l1, l2 in zip(
            levels, indicators["level1"].to_list(), indicators["level2"].to_list(), strict=True
        )
    )


@pytest.mark.parametrize("layout", LAYOUTS)
def test_provenance_points_at_the_cells(layout: str, tmp_path: Path) -> None:
    """Every row's (file, sheet, row) is where its text is: the indicator's row holds its
    name, the project's row holds the 项目名称 label (DESIGN: every row keeps its source)."""
    projects = sample_projects(seed=3, n=2, layout=layout)
    path = write_forms(tmp_path / "f.xlsx", layout, projects, ALL_QUIRKS)
    read = api.read_forms([path])
    book = load_workbook(path)
    for row in read.frames["indicators"].iter_rows(named=True):
        assert row["_file"] == str(path)
        cells = [c.value for c in book[row["_sheet"]][row["_row"]]]
        assert row["indicator"] in cells, (row, cells)
    for row in read.frames["projects"].iter_rows(named=True):
        cells = [str(c.value) for c in book[row["_sheet"]][row["_row"]] if c.value is not None]
        assert any("项目名称" in c.replace(" ", "") for c in cells), cells


def test_project_ids_code_or_file_and_sheet(tmp_path: Path) -> None:
    """The Sichuan code in front of 项目名称, a 项目编码 cell, else file#sheet (stable)."""
    sichuan = sample_projects(seed=1, n=1, layout="sichuan")
    national = sample_projects(seed=1, n=1, layout="national")
    write_forms(tmp_path / "sc.xlsx", "sichuan", sichuan)
    write_forms(tmp_path / "coded.xlsx", "national", national, Quirks(code_cell=True))
    write_forms(tmp_path / "plain.xlsx", "national", national)
    ids = {Path(f.file).name: f.project["project_id"] for f in api.read_forms([tmp_path]).forms}
    assert ids == {
        "sc.xlsx": sichuan[0].pid,
        "coded.xlsx": national[0].pid,
        "plain.xlsx": "plain.xlsx#项目1",
    }
    # the name loses its code prefix
    read = api.read_forms([tmp_path / "sc.xlsx"])
    assert read.frames["projects"]["project_name"].to_list() == [sichuan[0].name]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_zero_funds_total_uses_the_parts_and_keeps_both(layout: str, tmp_path: Path) -> None:
    """年度资金总额 all zero, 其中 rows filled (seen in published forms): the parts' sum is
    used, the written total and the sum are both kept, and a note says so."""
    projects = sample_projects(seed=5, n=1, layout=layout)
    path = write_forms(tmp_path / "z.xlsx", layout, projects, Quirks(zero_total=True))
    read = api.read_forms([path])
    row = read.frames["projects"].row(0, named=True)
    assert row["funds_total_written"] == "0"
    assert float(row["funds_parts_sum"]) == pytest.approx(projects[0].budget)
    assert float(row["budget"]) == pytest.approx(projects[0].budget)
    assert row["spent_total_written"] == "0"
    assert float(row["spent"]) == pytest.approx(projects[0].spent)
    assert read.forms[0].funds_mismatch
    assert any("其中 rows sum to" in n for n in read.notes)


def test_total_disagreeing_with_its_parts(tmp_path: Path) -> None:
    projects = sample_projects(seed=2, n=1, layout="national")
    path = write_forms(tmp_path / "d.xlsx", "national", projects)
    book = load_workbook(path)
    sheet = book["项目1"]
    total_row = next(r for r in sheet.iter_rows() if r[1].value == "年度资金总额")
    total_row[3].value = 999  # 全年预算数 written wrong
    book.save(path)
    read = api.read_forms([path])
    row = read.frames["projects"].row(0, named=True)
    assert row["funds_total_written"] == "999"
    assert float(row["budget"]) == pytest.approx(projects[0].budget)
    assert read.forms[0].funds_mismatch
    assert (
        not api.read_forms([write_forms(tmp_path / "ok.xlsx", "national", projects)])
        .forms[0]
        .funds_mismatch
    )


def test_orphan_level2_row_is_noted_not_an_indicator(tmp_path: Path) -> None:
    projects = sample_projects(seed=4, n=1)
    path = write_forms(tmp_path / "o.xlsx", "national", projects, Quirks(orphan_level2=True))
    read = api.read_forms([path])
    assert read.frames["indicators"].height == len(projects[0].indicators)
    assert not any(read.frames["indicators"]["level2"] == "成本指标")


def test_cover_sheet_skipped_with_a_note(tmp_path: Path) -> None:
    path = write_forms(
        tmp_path / "c.xlsx", "sichuan", sample_projects(1, 1, "sichuan"), Quirks(cover_sheet=True)
    )
    read = api.read_forms([path])
    assert len(read.forms) == 1
    assert any("'填表说明' skipped" in n for n in read.notes), read.notes


def _drop_label(path: Path, label: str) -> None:
    book = load_workbook(path)
    sheet = book.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == label:
                cell.value = None
    book.save(path)


@pytest.mark.parametrize(
    ("layout", "label", "said"),
    [
        (
            "national",
            "实际完成值",
            "label 实际完成值 (实际完成值/完成值/实际值…) not found in the indicator header",
        ),
        ("national", "三级指标", "label 三级指标"),
        ("national", "年度资金总额", "label 年度资金总额 (总额) not found below the funds header"),
        ("national", "项目名称", "label 项目名称 not found"),
        ("sichuan", "完成值", "label 实际完成值 (实际完成值/完成值/实际值…) not found"),
        ("sichuan", "权重", "label 分值 (分值/权重/指标分值) not found in the indicator header"),
    ],
)
def test_a_form_missing_a_label_is_reported_and_the_rest_read(
    layout: str, label: str, said: str, tmp_path: Path
) -> None:
    """One form of two lacks a label: it is reported with file, sheet and the label, the
    other is read (issue 10 item 1)."""
    path = write_forms(tmp_path / "m.xlsx", layout, sample_projects(6, 2, layout))
    _drop_label(path, label)
    read = api.read_forms([path])
    assert [f.sheet for f in read.forms] == ["项目2"]
    [problem] = read.problems
    assert f"{path}, sheet '项目1': " in problem, problem
    assert said in problem, problem


def test_unreadable_files_are_reported_and_skipped(tmp_path: Path) -> None:
    good = write_forms(tmp_path / "a-good.xlsx", "national", sample_projects(1, 2))
    (tmp_path / "b-corrupt.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "c-text.xlsx").write_text("项目编号,项目名称\n", encoding="utf-8")
    from openpyxl import Workbook

    other = Workbook()
    other.active.append(["姓名", "电话"])
    other.save(tmp_path / "d-other.xlsx")
    read = api.read_forms([tmp_path])
    assert [Path(f.file).name for f in read.forms] == [good.name, good.name]
    problems = " | ".join(read.problems)
    for name in ("b-corrupt.xlsx", "c-text.xlsx", "d-other.xlsx"):
        assert name in problems
    assert "no sheet is a self-evaluation form" in problems


def test_nothing_readable_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_bytes(b"garbage")
    with pytest.raises(InputError, match="no self-evaluation form could be read"):
        api.read_forms([tmp_path])


def test_canonical_workbook_is_not_taken_for_forms() -> None:
    """The bundled sample district (项目/指标 sheets) still reads as tables."""
    from importlib import resources

    sample = (
        Path(str(resources.files("jixiao.examples"))) / "sample-district" / "sample-district.xlsx"
    )
    plan = api.load_ruleset()
    read = api.read(plan, [sample])
    assert not read.sources[0].format.endswith("(self-evaluation forms)")
    assert read.tables["projects"].height > 10


@pytest.mark.parametrize("layout", LAYOUTS)
def test_template_reads_back_blank_and_filled(layout: str, tmp_path: Path) -> None:
    """`forms template` is a form the reader reads: blank (one project, no indicators),
    and filled in by a department (cells found by label, as a person would)."""
    path = api.write_form_template(tmp_path / "t.xlsx", layout)
    read = api.read_forms([path])
    assert read.problems == []
    [form] = read.forms
    assert form.layout == layout and form.indicators == []
    book = load_workbook(path)
    sheet = book.worksheets[0]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    sheet.cell(cells["项目名称"].row, cells["项目名称"].column + 1, "社区养老服务补贴")
    sheet.cell(cells["主管部门"].row, cells["主管部门"].column + 1, "区民政局")
    budget_label = "全年预算数" if layout == "national" else "调整后预算数"
    spent_label = "全年执行数" if layout == "national" else "预算执行数"
    total_label = "年度资金总额" if layout == "national" else "总额"
    total_row = cells[total_label].row
    sheet.cell(total_row, cells[budget_label].column, 100)
    sheet.cell(total_row, cells[spent_label].column, 90)
    header = cells["三级指标"].row
    first = header + 1
    values = {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "服务老人人次"}
    if layout == "national":
        values |= {"年度指标值": "≥1000人次", "实际完成值": "1200", "分值": 90, "得分": 90}
    else:
        values |= {
            "指标性质": "≥",
            "指标值": "1000",
            "度量单位": "人次",
            "完成值": "1200",
            "权重": 90,
            "得分": 90,
        }
    for label, value in values.items():
        column = next(c.column for c in sheet[header] if c.value == label)
        sheet.cell(first, column, value)
    book.save(path)
    read = api.read_forms([path])
    [form] = read.forms
    assert form.project["project_name"] == "社区养老服务补贴"
    assert form.project["department"] == "区民政局"
    assert form.project["budget"] == "100" and form.project["spent"] == "90"
    [(_, indicator)] = form.indicators
    assert indicator["indicator"] == "服务老人人次" and indicator["claimed_score"] == "90"
    plan = api.load_ruleset()
    scores = api.score(plan, [path]).project_scores.row(0, named=True)
    assert scores["total"] == pytest.approx(99.0)  # 9 of 10 budget points + 90


def test_columns_are_the_documented_ones(tmp_path: Path) -> None:
    """docs/forms.md lists the frames' columns; the reevaluate job builds on them."""
    read = api.read_forms([write_forms(tmp_path / "f.xlsx", "national", sample_projects(1, 1))])
    docs = (Path(__file__).parents[2] / "docs" / "forms.md").read_text("utf-8")
    for name, frame in read.frames.items():
        assert frame.schema["_row"] == pl.Int64
        for column in frame.columns:
            assert f"`{column}`" in docs, (name, column)


def test_a_second_form_for_one_project_is_refused(tmp_path: Path) -> None:
    """Two forms with one code would pool their indicators: the second is reported."""
    projects = sample_projects(seed=8, n=1, layout="sichuan")
    write_forms(tmp_path / "a.xlsx", "sichuan", projects)
    write_forms(tmp_path / "b.xlsx", "sichuan", projects, Quirks(left_column=True))
    read = api.read_forms([tmp_path])
    assert [Path(f.file).name for f in read.forms] == ["a.xlsx"]
    [problem] = read.problems
    assert "b.xlsx, sheet '项目1'" in problem and "is already the form in" in problem
    assert read.frames["indicators"].height == len(projects[0].indicators)


def test_a_long_titled_table_is_not_read_as_a_form(tmp_path: Path) -> None:
    """A sheet far longer than a form, whatever its top says, is left to the table reader."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(["2025年度项目支出绩效自评表"])
    sheet.append(["项目名称", "某项目"])
    sheet.append(["项目编号", "项目名称", "全年预算数", "全年执行数"])
    for k in range(2100):
        sheet.append([f"P{k}", "x", 1, 1])
    book.save(tmp_path / "long.xlsx")
    with pytest.raises(InputError, match=r"long\.xlsx: no sheet is a self-evaluation form"):
        api.read_forms([tmp_path / "long.xlsx"])


def test_parts_under_other_source_labels_all_count(tmp_path: Path) -> None:
    """其中 rows named by source (中央资金, 省级专项补助) rather than the template's words are
    parts all the same: their sum is the budget, not the first part alone."""
    projects = sample_projects(seed=9, n=1)
    path = write_forms(tmp_path / "p.xlsx", "national", projects, Quirks(zero_total=True))
    book = load_workbook(path)
    for row in book["项目1"].iter_rows():
        for cell in row:
            if cell.value == "其中：当年财政拨款":
                cell.value = "其中：中央资金"
            elif cell.value == "上年结转资金":
                cell.value = "省级专项补助"
    book.save(path)
    [form] = api.read_forms([path]).forms
    assert float(form.project["budget"] or "nan") == pytest.approx(projects[0].budget)
    assert float(form.project["funds_parts_sum"] or "nan") == pytest.approx(projects[0].budget)


def test_grade_beside_the_total(tmp_path: Path) -> None:
    """`总分 | … | 100 | 96 | 优` with no 自评等级 label: the grade word is the claim."""
    projects = sample_projects(seed=9, n=1)
    projects[0].grade = None
    path = write_forms(tmp_path / "g.xlsx", "national", projects)
    book = load_workbook(path)
    sheet = book["项目1"]
    total = next(r for r in sheet.iter_rows() if r[0].value == "总分")
    total[8].value = "良"
    book.save(path)
    [form] = api.read_forms([path]).forms
    assert form.project["claimed_grade"] == "良"
    assert form.project["claimed_total"] == "100"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_zero_funds_total_raises_summary_mismatch(layout: str, tmp_path: Path) -> None:
    """The form's zero 年度资金总额 reaches the flags: summary_mismatch on every project
    whose total was zero, none on the same forms with their totals written."""
    projects = sample_projects(seed=5, n=2, layout=layout)
    plan = api.load_ruleset()
    for quirks, want in ((Quirks(zero_total=True), 2), (Quirks(), 0)):
        path = write_forms(tmp_path / f"z{want}.xlsx", layout, projects, quirks)
        flags = api.score(plan, [path]).flags
        assert flags.filter(pl.col("flag") == "summary_mismatch").height == want, flags
