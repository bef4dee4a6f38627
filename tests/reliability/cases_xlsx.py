"""Workbooks as departments send them (issue 8, items 1a, 4, 5b, 8a, 8f): number formats,
writers, structure, hostile packages and files that only claim to be workbooks.

Scores follow DOMAIN §2: budget score = 执行率 × 10; 正向 a < t → w × a / t, 反向
t < a < 2t → w × (1 − (a − t) / t), a ≥ 2t → 0 (each rounded to 2 decimals). The base
indicators are corpus.indicators(): 25 + 25 + 30 + 10 = 90 points, every target met.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from corpus import Case, Run, indicators, project
from xlsx_fixtures import (
    Error,
    Fmt,
    Formula,
    PackageStyle,
    XRow,
    openpyxl_book,
    package,
    pair_sheets,
    xlsxwriter_book,
)

Writer = Callable[..., Path]


def _rows(pid: str = "P001", **changes: dict[int, object]) -> list[list[object]]:
    """corpus.indicators() with cells replaced: `r1={5: Fmt(0.95, "0%")}` changes row 1."""
    rows: list[list[object]] = [list(r) for r in indicators(pid)]
    for key, cells in changes.items():
        for col, value in cells.items():
            rows[int(key[1:])][col] = value
    return rows


def _book(
    writer: Writer,
    rows: list[list[object]],
    spent: float = 100,
    projects: list[XRow] | None = None,
    name: str = "自评表.xlsx",
    **kw: object,
) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        sheets = pair_sheets(projects or [project("P001", 100, spent)], rows)  # type: ignore[arg-type]
        return [str(writer(folder / name, sheets, **kw))]

    return make


def _indicator(run: Run, name: str) -> dict[str, str]:
    rows = run.table("indicator_scores").filter(run.table("indicator_scores")["indicator"] == name)
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def _texts(**want: tuple[str, str]) -> Callable[[Run], None]:
    """Check indicator target_text / actual_text: the text the person saw."""

    def check(run: Run) -> None:
        for name, (target, actual) in want.items():
            row = _indicator(run, name)
            assert (row["target_text"], row["actual_text"]) == (target, actual), row

    return check


def _not_evaluable(
    indicator: str, reason: str, project_total_blank: bool = False
) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        row = _indicator(run, indicator)
        assert row["evaluable"] == "false", row
        assert re.search(reason, row["reason"] or ""), row["reason"]
        scores = run.table("project_scores")
        assert scores["complete"].to_list() == ["false"], scores

    return check


# --- 1a: percent formats, targets and actuals ------------------------------------------

PERCENT = [
    Case(
        name="xlsx-percent-target-cell-typed-actual",
        about="Target cell 0.95 shown as 95% (0%), actual typed 90: 90 < 95 → 25×90/95 = 23.68; "
        "10 + 25 + 23.68 + 30 + 10 = 98.68 (DOMAIN §2 正向). Read as 0.95 it scored full.",
        make=_book(openpyxl_book, _rows(r1={4: "≥", 5: Fmt(0.95, "0%"), 7: "90"})),
        rows_in={"projects": 1, "indicators": 4},
        scores={"P001": (98.68, "优")},
        check=_texts(验收合格率=("95%", "90")),
    ),
    Case(
        name="xlsx-percent-both-cells-0.00%",
        about="Target 0.95 and actual 0.955 under 0.00%, 满意度 0.88 under 0%: 95.5% ≥ 95% met; "
        "88 < 90 → 10×88/90 = 9.78; 10 + 25 + 25 + 30 + 9.78 = 99.78 (DOMAIN §2 正向).",
        make=_book(
            xlsxwriter_book,
            _rows(
                r1={4: "≥", 5: Fmt(0.95, "0.00%"), 7: Fmt(0.955, "0.00%")},
                r3={7: Fmt(0.88, "0%")},
            ),
        ),
        scores={"P001": (99.78, "优")},
        check=_texts(验收合格率=("95%", "95.5%"), 学生满意度=("≥90%", "88%")),
    ),
    Case(
        name="xlsx-percent-reverse-actual-0%",
        about="返工率 ≤5% with actual 0.5 under 0% (shown 50%): a ≥ 2t → 0 (DOMAIN §2 反向); "
        "10 + 0 + 25 + 30 + 10 = 75 中. Read as 0.5 it was 'met'.",
        make=_book(
            openpyxl_book,
            _rows(r0={3: "返工率", 5: "≤5%", 6: "%", 7: Fmt(0.5, "0%"), 9: 0}),
        ),
        scores={"P001": (75.0, "中")},
        check=_texts(返工率=("≤5%", "50%")),
    ),
    Case(
        name="xlsx-percent-literal-quoted-sign",
        about='0.0"%" shows a literal % after the stored number (96 → 96%), 0"%" with 88 → 88%; '
        "88 < 90 → 9.78; spent 90 → 9 + 25 + 25 + 30 + 9.78 = 98.78 (DOMAIN §2).",
        make=_book(
            package,
            _rows(r1={7: Fmt(96, '0.0"%"')}, r3={7: Fmt(88, "0\\%")}),
            spent=90,
        ),
        scores={"P001": (98.78, "优")},
        check=_texts(验收合格率=("≥95%", "96%"), 学生满意度=("≥90%", "88%")),
    ),
    Case(
        name="xlsx-percent-comparator-in-format",
        about='Target 0.05 under "≤"0% shows ≤5% (the comparator is in the format), actual 0.08 '
        "under 0% → 8%: t < a < 2t → 25×(1−3/5) = 10 (DOMAIN §2 反向); 10+10+25+30+10 = 85 良. "
        "Dropping the format's ≤ made it ≥5%, met: 100.",
        make=_book(
            package,
            _rows(r0={3: "差错率", 5: Fmt(0.05, '"≤"0%'), 6: "%", 7: Fmt(0.08, "0%")}),
        ),
        scores={"P001": (85.0, "良")},
        check=_texts(差错率=("≤5%", "8%")),
    ),
    Case(
        name="xlsx-percent-sectioned-and-locale-formats",
        about="0.0%;[Red]-0.0% and [$-804]0% are percent formats too: 投诉率 0.5% ≤ 3% met, "
        "满意度 0.92 → 92% met; every target met, spent 100 → 100 (DOMAIN §2).",
        make=_book(
            package,
            _rows(
                r1={3: "投诉率", 5: "≤3%", 7: Fmt(0.005, "0.0%;[Red]-0.0%")},
                r3={7: Fmt(0.92, "[$-804]0%")},
            ),
            style=PackageStyle(prefix="x:"),
        ),
        scores={"P001": (100.0, "优")},
        check=_texts(投诉率=("≤3%", "0.5%"), 学生满意度=("≥90%", "92%")),
    ),
]


# --- 4: workbook structure, as each writer lays it out --------------------------------

_MERGED = _rows(r1={0: None, 1: None}, r2={0: None}, r3={0: None})
"""P001 merged down A2:A5, 产出指标 down B2:B3: the values sit in the top cells only."""

STRUCTURE = [
    Case(
        name="xlsx-openpyxl-merged-labels-target-before-id",
        about="openpyxl writes relationships Target before Id; merges A2:A5 (项目编号) and B2:B3 "
        "(一级指标) must fill their rows; all met, spent 100 → 100 (DOMAIN §2).",
        make=_book(openpyxl_book, _MERGED, merges={"指标": ["A2:A5", "B2:B3"]}),
        rows_in={"projects": 1, "indicators": 4},
        scores={"P001": (100.0, "优")},
    ),
    Case(
        name="xlsx-xlsxwriter-merged-labels-id-before-target",
        about="The same merges as xlsxwriter writes them (Id before Target): all met, spent 90 "
        "→ 9 + 90 = 99 (DOMAIN §2).",
        make=_book(xlsxwriter_book, _MERGED, spent=90, merges={"指标": ["A2:A5", "B2:B3"]}),
        rows_in={"projects": 1, "indicators": 4},
        scores={"P001": (99.0, "优")},
    ),
    Case(
        name="xlsx-wps-style-parts",
        about="Parts as Excel/WPS write them: x: prefixes, rich-text shared strings with "
        "phonetic runs, cells without r=, workbook part not at xl/workbook.xml, merges; "
        "all met, spent 95 → 9.5 + 90 = 99.5 (DOMAIN §2).",
        make=_book(
            package,
            _MERGED,
            spent=95,
            merges={"指标": ["A2:A5", "B2:B3"]},
            style=PackageStyle(prefix="x:", cell_refs=False, book_part="xl/wb/book.xml"),
        ),
        rows_in={"projects": 1, "indicators": 4},
        scores={"P001": (99.5, "优")},
    ),
    Case(
        name="xlsx-strict-open-xml",
        about="Excel's 'Strict Open XML' save uses other namespaces; all met, spent 90 → 99 "
        "(DOMAIN §2).",
        make=_book(package, _rows(), spent=90, style=PackageStyle(strict=True, rich_text=False)),
        scores={"P001": (99.0, "优")},
    ),
    Case(
        name="xlsx-dates-as-iso-text",
        about='Date-formatted numbers arrive as ISO text (yyyy"年"m"月"d"日" → 2025-03-01, '
        "a time part kept), not as serial 45717; all met → 100.",
        make=_book(
            openpyxl_book,
            _rows(),
            projects=[
                project("P001", 100, 100, name=Fmt(45717, 'yyyy"年"m"月"d"日"')),  # type: ignore[arg-type]
                project("P002", 100, 100, name=Fmt(45717.6041667, "yyyy-mm-dd hh:mm")),  # type: ignore[arg-type]
            ],
        ),
        exact_rejects=False,
        check=lambda run: _names(run, {"P001": "2025-03-01", "P002": "2025-03-01 14:30:00"}),
    ),
    Case(
        name="xlsx-dates-1904-system",
        about="A workbook in the 1904 date system (old Mac Excel): serial 44255 is 2025-03-01, "
        "not 2021-02-28.",
        make=_book(
            package,
            _rows(),
            projects=[project("P001", 100, 100, name=Fmt(44255, "yyyy-mm-dd"))],  # type: ignore[arg-type]
            style=PackageStyle(date1904=True),
        ),
        check=lambda run: _names(run, {"P001": "2025-03-01"}),
    ),
    Case(
        name="xlsx-formula-without-cached-value",
        about="openpyxl writes =SUM(H3:H4) with no computed value: the actual is the formula "
        "text, not blank, and the row is not evaluable with the formula named.",
        make=_book(openpyxl_book, _rows(r1={7: Formula("=SUM(H3:H4)")})),
        check=_not_evaluable("验收合格率", r"=SUM\(H3:H4\)"),
    ),
    Case(
        name="xlsx-formula-cached-zero-recalc-on-load",
        about="xlsxwriter/pandas cache 0 for a formula and mark the workbook fullCalcOnLoad: "
        "the 0 is not what Excel shows, so the row is not evaluable (a silent 0 would score 0).",
        make=_book(xlsxwriter_book, _rows(r0={7: Formula("=B9*2")})),
        message=r"sheet '指标': 1 formula cell\(s\) have no computed value",
        check=_not_evaluable("培训人次", r"=B9\*2"),
    ),
    Case(
        name="xlsx-formula-cached-value-trusted",
        about="A formula saved by Excel carries its computed value (120): it is used; all met, "
        "spent 100 → 100 (DOMAIN §2).",
        make=_book(package, _rows(r0={7: Formula("=100+20", cached=120)})),
        scores={"P001": (100.0, "优")},
        check=_texts(培训人次=("≥100", "120")),
    ),
    Case(
        name="xlsx-formulas-saved-by-excel",
        about='Template formulas saved by Excel: 得分 =J2 with its value, 偏差原因 =IF(H2>=F2,"",…) '
        'computed "" shows blank, not a formula: all met, spent 100 → 100 (DOMAIN §2).',
        make=_book(
            package,
            [
                [
                    *r[:9],
                    Formula(f"=I{i}", cached=r[9]),
                    Formula(f'=IF(TRUE,"","说明{i}")', cached=""),
                ]
                for i, r in enumerate(_rows(), start=2)
            ],
        ),
        scores={"P001": (100.0, "优")},
        check=lambda run: _explained(run, "false"),
    ),
    Case(
        name="xlsx-error-cells",
        about="Error cells (#N/A, #DIV/0!) are their error text, not blank: both rows not "
        "evaluable with the error named.",
        make=_book(openpyxl_book, _rows(r1={7: Error("#N/A")}, r2={7: Error("#DIV/0!")})),
        check=lambda run: (
            _not_evaluable("验收合格率", "#N/A")(run),
            _not_evaluable("受益学生数", "#DIV/0!")(run),
        ),
    ),
    Case(
        name="xlsx-error-cell-cached-by-excel",
        about="A formula whose cached result is #VALUE! (as Excel saves it) reads as #VALUE!.",
        make=_book(package, _rows(r3={7: Formula('=1+"a"', cached="#VALUE!")})),
        check=_not_evaluable("学生满意度", "#VALUE!"),
    ),
]


def _explained(run: Run, flag: str) -> None:
    flags = run.table("indicator_scores")["has_explanation"].to_list()
    assert flags == [flag] * len(flags), flags


def _names(run: Run, want: dict[str, str]) -> None:
    scores = run.table("project_scores")
    got = dict(zip(scores["project_id"], scores["project_name"], strict=True))
    for pid, name in want.items():
        assert got.get(pid) == name, got


# --- 4: hidden sheets --------------------------------------------------------------------

_STALE = [["P001", "产出指标", "数量指标", "旧指标", "", "≥100", "人次", "0", 90, 0, ""]]
"""Last year's rows kept on a hidden sheet: read, they would add a 0-score indicator."""


def _hidden_book(
    hidden: str = "hidden", indicators_hidden: bool = False
) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        sheets = pair_sheets([project("P001", 100, 100)], _rows())
        if indicators_hidden:
            return [str(openpyxl_book(folder / "b.xlsx", sheets, hidden=["指标"]))]
        sheets["指标(旧)"] = [sheets["指标"][0], *_STALE]
        key = "hidden" if hidden == "hidden" else "very_hidden"
        return [str(openpyxl_book(folder / "b.xlsx", sheets, **{key: ["指标(旧)"]}))]

    return make


HIDDEN = [
    Case(
        name="xlsx-hidden-sheet-skipped-with-note",
        about="A hidden sheet of stale indicator rows is skipped and said so; the 4 visible rows "
        "score 100 (DOMAIN §2), not 4 + 1 stale row.",
        make=_hidden_book(),
        message=r"note: .*b\.xlsx: sheet '指标\(旧\)' is hidden and was not read",
        rows_in={"projects": 1, "indicators": 4},
        scores={"P001": (100.0, "优")},
        check=lambda run: _manifest_note(run, "hidden and was not read"),
    ),
    Case(
        name="xlsx-very-hidden-sheet-skipped",
        about="A veryHidden sheet (only VBA can show it) is skipped too; score 100 (DOMAIN §2).",
        make=_hidden_book("veryHidden"),
        rows_in={"projects": 1, "indicators": 4},
        scores={"P001": (100.0, "优")},
    ),
    Case(
        name="xlsx-hidden-sheet-included-on-request",
        about="--include-hidden-sheets reads the hidden 指标(旧) too: 5 indicator rows, and its "
        "90 stale points make 产出 140 ≠ 50 (DOMAIN §2 weights roll up): not graded.",
        make=_hidden_book(),
        args=("--include-hidden-sheets",),
        message=r"hidden; read as asked",
        check=lambda run: (_rows_in(run, "indicators", 5), _issue(run, "points 140")),
    ),
    Case(
        name="xlsx-only-table-on-hidden-sheet",
        about="The indicators table sits on a hidden sheet: the error says the table is missing "
        "and that a hidden sheet was not read.",
        make=_hidden_book(indicators_hidden=True),
        exit_code=1,
        message=r"no input provides the indicators table.*sheet '指标' is hidden and was not read",
    ),
    Case(
        name="xlsx-explain-reads-hidden-sheets-on-request",
        about="explain takes --include-hidden-sheets too: P001 explained, total 100 (DOMAIN §2).",
        command="explain",
        make=lambda folder: [*_hidden_book(indicators_hidden=True)(folder), "P001"],
        args=("--include-hidden-sheets",),
        message=r"total 100\.00 grade 优 complete",
    ),
    Case(
        name="xlsx-hidden-indicators-included",
        about="The same workbook with --include-hidden-sheets: scored, all met → 100 (DOMAIN §2).",
        make=_hidden_book(indicators_hidden=True),
        args=("--include-hidden-sheets",),
        scores={"P001": (100.0, "优")},
    ),
]


def _manifest_note(run: Run, text: str) -> None:
    notes = [n for source in run.manifest["inputs"] for n in source.get("notes", [])]
    assert any(text in n for n in notes), notes


def _issue(run: Run, text: str) -> None:
    issues = run.table("project_scores")["issues"].to_list()
    assert any(text in (i or "") for i in issues), issues


def _rows_in(run: Run, table: str, n: int) -> None:
    assert run.manifest["rows"][table]["in"] == n, run.manifest["rows"]


CASES = PERCENT + STRUCTURE + HIDDEN
