"""Forms transcribed from published self-evaluation tables (tests/forms/published/, each
module citing its page), read and scored; and the classes of departure those pages show,
applied one at a time to one published form (稷山 2020), each read to the same rows.

Hand-worked totals (project-self-eval, DOMAIN §2; budget 10 × 执行数/预算数, a met target
full points, an unmet ≥ target points × actual/target):
- 池州 2022: 其中 sum 89.974 spent of 89.974 → 10; every target met → 90; 100 优.
- 稷山 2020: 65.07 / 65.66 → 9.91; 参合人数 15 × 8676/8755 = 14.86, the rest met →
  89.86; 99.77 优 (the form claims 94).
- 大英 2023: 3.36 / 3.36 → 10; one indicator met → 90; 100 优.
- 青神 2023: 251.89 / 251.89 → 10; both 完成值 blank → not evaluable, grade withheld.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from published import (
    chizhou_2022,
    chongqing_whole_2021,
    daying_2023,
    jishan_2020,
    qingshen_2023,
    xiangyang_2021,
    yinchuan_2021,
)
from published.book import Sheet, build

from jixiao.scoring import api
from jixiao.scoring.errors import InputError

READABLE = [chizhou_2022, jishan_2020, qingshen_2023, daying_2023, yinchuan_2021]
KEYS = ("level1", "level2", "indicator", "target", "actual", "points", "claimed_score")


def _write(tmp: Path, module: ModuleType, sheet: Sheet | None = None) -> Path:
    name = module.__name__.rsplit(".", 1)[-1].split("_")[0]
    return build(tmp / f"{name}.xlsx", {"表1": sheet or module.SHEET})


@pytest.mark.parametrize("module", READABLE, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_published_form_reads(tmp_path: Path, module: ModuleType) -> None:
    assert module.SOURCE.startswith("http")
    read = api.read_forms([_write(tmp_path, module)])
    assert read.problems == []
    [form] = read.forms
    for key, value in module.PROJECT.items():
        assert form.project[key] == value, (key, form.project[key])
    rows = [tuple(values[k] for k in KEYS) for _, values in form.indicators]
    assert rows == module.INDICATORS


@pytest.mark.parametrize(
    ("module", "ruleset", "total", "grade"),
    [
        (chizhou_2022, "project-self-eval", 100.0, "优"),
        (jishan_2020, "project-self-eval", 99.77, "优"),
        (daying_2023, "project-self-eval", 100.0, "优"),
        (qingshen_2023, "project-self-eval", 10.0, "未定级"),
    ],
    ids=["chizhou", "jishan", "daying", "qingshen"],
)
def test_published_form_scores(
    tmp_path: Path, module: ModuleType, ruleset: str, total: float, grade: str
) -> None:
    results = api.score(api.load_ruleset(ruleset), [_write(tmp_path, module)])
    assert results.rejects.height == 0, results.rejects
    row = results.project_scores.row(0, named=True)
    assert (row["total"], row["grade"]) == (pytest.approx(total, abs=0.005), grade)
    assert row["claimed_total"] == module.PROJECT["claimed_total"]


def test_published_four_part_framework_rows_are_rejected_not_lost(tmp_path: Path) -> None:
    """银川 2021 uses the 2020 four-part framework (项目产出, 项目效益 as 一级): the catalogue
    has no such categories, so each row is rejected with the reason, none is lost."""
    results = api.score(api.load_ruleset(), [_write(tmp_path, yinchuan_2021)])
    assert results.rejects.height == len(yinchuan_2021.INDICATORS)
    assert results.rejects["reason"].str.contains("unknown level-1 category").all()
    assert results.project_scores["claimed_total"].to_list() == ["98"]


def test_published_form_without_points_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, xiangyang_2021)
    with pytest.raises(InputError, match=xiangyang_2021.PROBLEM):
        api.read_forms([path])


def test_published_department_wide_form_is_not_a_project(tmp_path: Path) -> None:
    whole = _write(tmp_path, chongqing_whole_2021)
    with pytest.raises(InputError, match=chongqing_whole_2021.REASON):
        api.read_forms([whole])
    # beside a project form it is reported and skipped, the project is read
    read = api.read_forms([whole, _write(tmp_path, daying_2023)])
    assert [f.project["project_id"] for f in read.forms] == ["51092324T000010263357"]
    assert any("部门整体支出绩效自评表" in p for p in read.problems), read.problems


def test_published_forms_in_one_folder_score(tmp_path: Path) -> None:
    folder = tmp_path / "自评表"
    folder.mkdir()
    for module in (chizhou_2022, jishan_2020, daying_2023, chongqing_whole_2021):
        _write(folder, module)
    results = api.score(api.load_ruleset(), [folder])
    assert results.project_scores["project_id"].to_list() == [
        "chizhou.xlsx#表1",
        "51092324T000010263357",
        "jishan.xlsx#表1",
    ]
    skipped = [s for s in results.manifest["inputs"] if s["format"] == "skipped"]
    assert [Path(s["path"]).name for s in skipped] == ["chongqing.xlsx"]
    assert "部门整体支出绩效自评表" in skipped[0]["notes"][0]


# --- the classes of departure, one at a time, on 稷山 2020 -----------------------------


def _jishan(change: Any) -> Sheet:
    sheet = copy.deepcopy(jishan_2020.SHEET)
    change(sheet)
    return sheet


def _fullwidth(sheet: Sheet) -> None:
    wide = str.maketrans("0123456789.", "０１２３４５６７８９．")
    for row in sheet.rows[12:19]:
        for j in (6, 7):
            if j < len(row) and isinstance(row[j], int):
                row[j] = str(row[j]).translate(wide)


def _fen(sheet: Sheet) -> None:
    for row in sheet.rows[12:19]:
        if len(row) > 7 and isinstance(row[7], int):
            row[7] = f"{row[7]}分"


def _explain_column(sheet: Sheet) -> None:
    """An extra 指标解释 column after 三级指标 (and 评分标准 after 分值) in the indicator
    block only; the merges move with it."""
    for k, row in enumerate(sheet.rows[11:19], start=11):
        if k == 11:
            row[4:4] = ["指标解释"]
            row[8:8] = ["评分标准"]
        else:
            row.extend([None] * (9 - len(row)))
            row[4:4] = ["按年度统计" if row[3] else None]
            row[8:8] = ["完成得满分" if row[3] else None]
    sheet.merges = ["A5:A9", "A10:A11", "A12:A19", "B13:B17", "C13:C14", "D13:D14", "A20:F20"]
    sheet.rows[12][9] = 13  # 得分 moved right by two; the merged numbers are written again
    sheet.rows[13][5:10] = [None, "8676", 15, None, 13]
    sheet.rows[13][5] = "8755"
    sheet.rows[19] = ["总分", *[None] * 6, 100, None, 94]


def _page_break(sheet: Sheet) -> None:
    """A page break after 时效指标: the indicator header printed again, a blank row."""
    sheet.rows[16:16] = [[], list(sheet.rows[11])]
    sheet.merges = [m for m in sheet.merges if m not in ("A12:A19", "B13:B17", "A20:F20")]
    sheet.merges += ["A12:A16", "A18:A21", "B13:B16", "A22:F22"]
    sheet.rows[18][1] = "产出\n指标\n(50分\n)"


def _level1_every_row(sheet: Sheet) -> None:
    sheet.merges = [m for m in sheet.merges if m != "B13:B17"]
    for row in sheet.rows[13:17]:
        row[1] = "产出\n指标\n(50分\n)"


def _thousands(sheet: Sheet) -> None:
    sheet.rows[5][3:5] = ["1,065.66", "1,065.07"]
    sheet.rows[6][3:5] = ["1,065.66", "1,065.07"]


def _total_merged_over_score(sheet: Sheet) -> None:
    """`总分 | 94` with the 94 in one cell merged over 分值 and 得分 (G:I)."""
    sheet.rows[19] = ["总分", *[None] * 5, 94]
    sheet.merges.append("G20:I20")


VARIANTS = {
    "full-width-digits": (_fullwidth, None),
    "score-written-with-分": (_fen, None),
    "extra-explanation-columns": (_explain_column, None),
    "page-break-header-repeated": (_page_break, None),
    "level1-on-every-row": (_level1_every_row, None),
    "thousands-separators": (_thousands, ("1,065.66", "1,065.07")),
    "total-merged-over-the-score-columns": (_total_merged_over_score, None),
}


def test_a_full_marks_number_alone_in_the_total_row_is_no_claim(tmp_path: Path) -> None:
    """`总分 | 100` merged over 分值 and 得分: the full marks a blank claim leaves, not a
    claimed 100 (the form's indicators carry 90 points and the budget line 10)."""

    def change(sheet: Sheet) -> None:
        sheet.rows[19] = ["总分", *[None] * 5, 100]
        sheet.merges.append("G20:I20")

    path = _write(tmp_path, jishan_2020, _jishan(change))
    [form] = api.read_forms([path]).forms
    assert form.project["claimed_total"] is None


@pytest.mark.parametrize("name", list(VARIANTS))
def test_published_form_variants_read_the_same(tmp_path: Path, name: str) -> None:
    change, amounts = VARIANTS[name]
    path = _write(tmp_path, jishan_2020, _jishan(change))
    read = api.read_forms([path])
    assert read.problems == []
    [form] = read.forms
    rows = [values for _, values in form.indicators]
    assert [r["indicator"] for r in rows] == [r[2] for r in jishan_2020.INDICATORS]
    plain = [(r["level2"], r["target"], r["actual"]) for r in rows]
    assert plain == [(r[1], r[3], r[4]) for r in jishan_2020.INDICATORS]
    numbers = [
        (re.sub(r"分$", "", _narrow(r["points"])), re.sub(r"分$", "", _narrow(r["claimed_score"])))
        for r in rows
    ]
    assert numbers == [(r[5], r[6]) for r in jishan_2020.INDICATORS]
    assert rows[0]["explanation"] == jishan_2020.EXPLANATION
    assert form.project["claimed_total"] == "94"
    if amounts:
        assert (form.project["budget"], form.project["spent"]) == amounts
    results = api.score(api.load_ruleset(), [path])
    assert results.rejects.height == 0, results.rejects
    total = results.project_scores["total"].to_list()
    expected = 99.85 if amounts else 99.77  # 1065.07 / 1065.66 → 9.99; + 89.86
    assert total == [pytest.approx(expected, abs=0.005)]


def _narrow(text: str | None) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text or "")


def _stacked(*modules: ModuleType) -> Sheet:
    """Forms exported one below the other into one sheet (as 部门决算 pages publish them),
    two blank rows between; each form's merges moved down with it."""
    from openpyxl.utils.cell import get_column_letter as col
    from openpyxl.utils.cell import range_boundaries

    rows: list[list[Any]] = []
    merges: list[str] = []
    for module in modules:
        top = len(rows)
        rows.extend(copy.deepcopy(module.SHEET.rows))
        for merged in module.SHEET.merges:
            c1, r1, c2, r2 = range_boundaries(merged)
            merges.append(f"{col(c1)}{r1 + top}:{col(c2)}{r2 + top}")
        rows.extend([[], []])
    return Sheet(rows, merges)


def test_forms_stacked_in_one_sheet_are_each_read(tmp_path: Path) -> None:
    path = build(tmp_path / "stacked.xlsx", {"表1": _stacked(daying_2023, qingshen_2023)})
    read = api.read_forms([path])
    assert read.problems == []
    ids = [f.project["project_id"] for f in read.forms]
    assert ids == ["51092324T000010263357", "51000021R000000019951"]
    assert [len(f.indicators) for f in read.forms] == [1, 2]
    first = len(daying_2023.SHEET.rows) + 2
    assert read.forms[1].project_row == first + 3  # its 项目名称 row, Excel numbering
    assert read.forms[1].project["year"] == "2023"


def test_national_forms_stacked_without_codes_get_numbered_ids(tmp_path: Path) -> None:
    path = build(tmp_path / "stacked.xlsx", {"表1": _stacked(chizhou_2022, jishan_2020)})
    results = api.score(api.load_ruleset(), [path])
    got = {r["project_id"]: r["total"] for r in results.project_scores.iter_rows(named=True)}
    assert got == {"stacked.xlsx#表1": 100.0, "stacked.xlsx#表1#2": pytest.approx(99.77)}
    assert results.rejects.height == 0
