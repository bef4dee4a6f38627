"""One sheet of a self-evaluation form → one project row and its indicator rows.

Everything is found by its label (`forms_layout`), scanning the sheet top to bottom:
the header block (项目名称, 主管部门, 实施单位, a 项目编码 when there is one), the funds
block (its header row, then 年度资金总额 and its 其中 rows), the indicator block (its
header row, then indicator rows until 总分/合计), then the claimed total and grade. A
form that departs from the template — a blank column on the left, spacer rows, `(50分)`
suffixes, `/` in unused cells, level 1–2 in merged cells or written once per group —
reads the same, since no address is assumed. A sheet that has too few of the form's
landmarks is not a form (`NotForm`, skipped with a note); one that has them but lacks a
label the reader needs is a `FormProblem` naming that label.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from jixiao.scoring.io import forms_layout as L
from jixiao.scoring.io.forms_funds import funds_header, funds_rows, read_funds
from jixiao.scoring.io.forms_labels import (
    Label,
    MissingLabel,
    Rows,
    any_label,
    cell_text,
    columns,
    find,
    find_with_value,
    norm,
    number,
)
from jixiao.scoring.io.forms_national import LAYOUT as NATIONAL
from jixiao.scoring.io.forms_sichuan import LAYOUT as SICHUAN
from jixiao.scoring.io.forms_sichuan import split_code

LAYOUTS = (SICHUAN, NATIONAL)
_TITLE_ROWS = 6  # where a form's title sits (above the header block)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_BRACKET_YEAR = re.compile(r"[(（]\s*((?:19|20)\d{2})\s*年\s*[)）]")  # 自评表(2021年)


@dataclass
class Form:
    """A form as read: the project row and indicator rows in canonical names (text as
    written), each with its sheet row number (Excel's, 1-based)."""

    file: str
    sheet: str
    layout: str
    project: dict[str, str | None]
    project_row: int
    indicators: list[tuple[int, dict[str, str | None]]]
    notes: list[str] = field(default_factory=list)
    funds_mismatch: bool = False


@dataclass
class NotForm:
    """A sheet that is not a form (填表说明, a cover sheet, a blank sheet)."""

    sheet: str
    reason: str
    form_like: bool = False  # a form of another kind (部门整体), reported, not a cover sheet


@dataclass
class FormProblem:
    """A sheet that looks like a form but cannot be read: which label was not found."""

    file: str
    sheet: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, sheet {self.sheet!r}: {self.message}"


def landmarks(rows: Rows) -> list[str]:
    """Which of the form's landmarks the sheet has: its title, a 项目名称 label with a
    value cell beside it (not a table's header row), a funds header followed by a
    total/其中 row, an indicator header (三级指标 beside 指标值 and 完成值)."""
    found = []
    if find(rows, L.TITLE) is not None:
        found.append("title")
    at = find_with_value(rows, L.PROJECT_NAME)
    if at is not None and not _in_header_row(rows[at[0]], at[1]):
        found.append("项目名称")
    funds = funds_header(rows)
    if funds is not None and any(x is not None and x != [] for x in funds_rows(rows, funds)):
        found.append("funds")
    if _indicator_header(rows, 0) is not None:
        found.append("indicators")
    return found


def is_form(marks: Sequence[str]) -> bool:
    """Two of the three blocks a form has (header, funds, indicators). A title alone says
    nothing: canonical tables are often titled 项目支出绩效自评表 too."""
    return sum(m in marks for m in ("项目名称", "funds", "indicators")) >= 2


def _in_header_row(row: Sequence[str | None], j: int) -> bool:
    """`项目名称 | 主管部门 | …`: the label is a column header of a table, not a form label."""
    after = [c for c in row[j + 1 :] if cell_text(c) is not None]
    return bool(after) and any_label(after[0], L.LABELS)


def detect_layout(rows: Rows) -> str:
    """`sichuan` when the sheet carries the Sichuan report number or its words
    (调整后预算数, 指标性质 and 度量单位 columns), else `national`."""
    for layout in LAYOUTS:
        if sum(find(rows, marker) is not None for marker in layout.markers) >= (
            1 if layout is SICHUAN and find(rows, layout.markers[0]) else 2
        ):
            return layout.name
    return NATIONAL.name


def segments(rows: Rows) -> list[tuple[int, int]]:
    """Where the forms of a sheet start and stop: one (0, len) for a sheet holding one
    form; several when a department exported its projects one below the other into one
    sheet (published 部门决算 pages show them so: 大英 2023). A form begins at its
    项目名称 row, with the title and 年度 rows just above it; the split is made only when
    every piece has the landmarks of a form, so a 项目名称 written twice in one form (a
    footer, a 项目基本情况 block) does not cut it."""
    starts: list[int] = []
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            named = L.PROJECT_NAME.matches(cell) or L.PROJECT_NAME.starts(cell) is not None
            if named and not _in_header_row(row, j):
                starts.append(i)
                break
    if len(starts) <= 1:
        return [(0, len(rows))]
    bounds = [0]
    for before, start in itertools.pairwise(starts):
        b = start
        while b - 1 > before and _above_a_form(rows[b - 1]):
            b -= 1
        bounds.append(b)
    pieces = list(itertools.pairwise([*bounds, len(rows)]))
    if all(is_form(landmarks(rows[a:b])) for a, b in pieces):
        return pieces
    return [(0, len(rows))]


def _above_a_form(row: Sequence[str | None]) -> bool:
    """A blank row, or a title row (the form's title, its 年度, 报表编号) above 项目名称."""
    cells = [c for c in row if cell_text(c) is not None]
    if not cells:
        return True
    return len(cells) <= 2 and all(
        L.TITLE.matches(c)
        or "报表编号" in (c or "")
        or ("年度" in (c or "") and _YEAR.search(c or ""))
        for c in cells
    )


def read_form(
    rows: Rows, numbers: Sequence[int], file: str, sheet: str, part: int = 1
) -> Form | NotForm | FormProblem:
    """Read one sheet (rows of text as shown, `numbers` their Excel row numbers); `part`
    numbers the forms of a sheet that holds several (`segments`), the second and later
    ones taking `FILE#SHEET#n` as their id when they carry no code."""
    marks = landmarks(rows)
    if find(rows[:_TITLE_ROWS], L.WHOLE_DEPARTMENT) is not None and "项目名称" not in marks:
        return NotForm(
            sheet,
            "a department-wide self-evaluation form (部门整体支出绩效自评表), not a project "
            "form (项目支出绩效自评表): not read",
            form_like=True,
        )
    if not is_form(marks):
        return NotForm(sheet, "not a self-evaluation form (no 项目名称 and 三级指标 labels)")
    try:
        return _Reader(rows, numbers, file, sheet, part).read()
    except MissingLabel as exc:
        return FormProblem(file, sheet, str(exc))


class _Reader:
    def __init__(
        self, rows: Rows, numbers: Sequence[int], file: str, sheet: str, part: int = 1
    ) -> None:
        self.rows, self.numbers, self.file, self.sheet = rows, numbers, file, sheet
        self.part = part
        self.notes: list[str] = []
        self.funds_points = 0.0

    def at(self, i: int) -> str:
        return f"{self.file}, sheet {self.sheet!r}, row {self.numbers[i]}"

    def read(self) -> Form:
        project: dict[str, str | None] = {}
        name_at = find_with_value(self.rows, L.PROJECT_NAME)
        if name_at is None:
            raise MissingLabel("not read as a self-evaluation form: label 项目名称 not found")
        funds_at = funds_header(self.rows)
        if funds_at is None:
            raise MissingLabel(
                "not read as a self-evaluation form: the funds block's header (label 全年预算数 "
                "or 调整后预算数, beside 全年执行数 or 预算执行数) not found"
            )
        head_stop = funds_at
        name = self.value(name_at, L.PROJECT_NAME)
        code_at = find_with_value(self.rows, L.CODE, stop=head_stop)
        code = self.value(code_at, L.CODE) if code_at else None
        prefix, bare = split_code(name)
        project["project_name"] = bare if prefix else name
        here = f"{PurePath(self.file).name}#{self.sheet}" + (
            f"#{self.part}" if self.part > 1 else ""
        )
        project["project_id"] = _key(code or prefix) or here
        for key, label in (("department", L.DEPARTMENT), ("unit", L.UNIT)):
            where = find_with_value(self.rows, label, stop=head_stop)
            project[key] = self.value(where, label) if where else None
        project["year"] = self.year(head_stop)
        funds = read_funds(self.rows, self.numbers, funds_at, f"{self.file}, sheet {self.sheet!r}")
        project.update(funds.values)
        self.notes.extend(funds.notes)
        self.funds_points = self.budget_points(funds_at)
        head = _indicator_header(self.rows, funds_at + 1)
        if head is None:
            raise MissingLabel(
                "not read as a self-evaluation form: the indicator block's header (label 三级指标 "
                "beside 一级指标, 二级指标, 年度指标值/指标值, 实际完成值/完成值 or 分值) not found"
            )
        indicators, end = self.indicators(head, project["project_id"])
        project.update(self.claims(head, end, [values for _, values in indicators]))
        if project["claimed_total"] is None:
            project["claimed_total"] = self.header_total(head_stop)
        layout = detect_layout(self.rows)
        return Form(
            self.file,
            self.sheet,
            layout,
            project,
            self.numbers[name_at[0]],
            indicators,
            self.notes,
            funds_mismatch=funds.mismatch,
        )

    # --- the header block ---------------------------------------------------------------

    def value(self, at: tuple[int, int] | None, label: Label) -> str | None:
        """The value of a label: after its colon in the same cell, else the next
        non-blank cell to its right, unless that is another label (a blank value)."""
        if at is None:
            return None
        i, j = at
        inline = label.starts(self.rows[i][j])
        if inline is not None:
            return cell_text(inline)
        for cell in self.rows[i][j + 1 :]:
            text = cell_text(cell)
            if text is None:
                continue
            return None if any_label(text, L.LABELS) else text
        return None

    def year(self, stop: int) -> str | None:
        at = find_with_value(self.rows, L.YEAR, stop=stop)
        if at is not None and (text := self.value(at, L.YEAR)) and (m := _YEAR.search(text + "年")):
            return m.group(1)
        for row in self.rows[:stop]:
            for cell in row:
                plain = unicodedata.normalize("NFKC", cell or "")
                if "年度" in plain and (m := _YEAR.search(plain)):
                    return m.group(1)
                if m := _BRACKET_YEAR.search(plain):
                    return m.group(1)
        return None

    def cell(self, i: int | None, j: int | None) -> str | None:
        if i is None or j is None or j >= len(self.rows[i]):
            return None
        return self.rows[i][j]

    # --- the indicator block ------------------------------------------------------------

    def indicators(
        self, head: int, project_id: str | None
    ) -> tuple[list[tuple[int, dict[str, str | None]]], int]:
        cols = columns(self.rows[head], L.INDICATOR_COLUMNS)
        missing = [label for label in INDICATOR_NEEDED if label.name not in cols]
        if missing:
            raise MissingLabel(
                f"label {'; '.join(_shown(m) for m in missing)} not found in the indicator "
                f"header at row {self.numbers[head]}"
            )
        left = cols[L.I_INDICATOR.name]
        level1: str | None = None
        level2: str | None = None
        out: list[tuple[int, dict[str, str | None]]] = []
        i = head + 1
        while i < len(self.rows):
            row = self.rows[i]
            if any(any_label(c, L.ENDINGS) for c in row[: left + 1]):
                break
            if all(cell_text(c) is None for c in row) or L.I_INDICATOR.matches(self.cell(i, left)):
                i += 1  # a spacer row, or the header repeated
                continue
            l1 = cell_text(self.cell(i, cols[L.I_LEVEL1.name]))
            l2 = cell_text(self.cell(i, cols[L.I_LEVEL2.name]))
            if l1 is not None and l1 != level1:
                level1, level2 = l1, None
            if l2 is not None:
                level2 = l2
            indicator = cell_text(self.cell(i, left))
            values = {
                key: cell_text(self.cell(i, cols.get(label.name))) for key, label in _VALUE_COLUMNS
            }
            if indicator is None:
                if any(values.values()):
                    self.notes.append(
                        f"{self.at(i)}: a row with no 三级指标 (level 2 {level2 or '—'}); "
                        "its cells are not an indicator and were skipped"
                    )
                i += 1
                continue
            if values["explanation"] is not None and norm(values["explanation"]) == "0":
                values["explanation"] = None  # a 0 typed into the explanation: nothing said
            if out and _continues(out[-1][1], level1, level2, indicator, values):
                previous = out[-1][1]
                more = values["explanation"]
                if more is not None and more != previous["explanation"]:
                    said = previous["explanation"]
                    previous["explanation"] = f"{said}\n{more}" if said else more
                self.notes.append(
                    f"{self.at(i)}: 三级指标 {indicator} continues the row above (a cell merged "
                    "over two rows); read as one indicator"
                )
                i += 1
                continue
            out.append(
                (
                    self.numbers[i],
                    {
                        "project_id": project_id,
                        "level1": level1,
                        "level2": level2,
                        "indicator": indicator,
                        **values,
                    },
                )
            )
            i += 1
        return out, i

    # --- claimed total and grade --------------------------------------------------------

    def merged_total(
        self, i: int, points: int, indicators: list[dict[str, str | None]]
    ) -> str | None:
        """`总分 | 94` with the 94 in a cell merged over the 分值 and 得分 columns: the one
        number of the row sits under 分值. It is the claim unless it is the full marks
        (the indicators' points, with or without the budget line's), which a blank claim
        leaves there."""
        said = cell_text(self.cell(i, points))
        value = number(said)
        if value is None:
            return None
        known = [number(row.get("points")) for row in indicators]
        full = sum(v for v in known if v is not None)
        if any(abs(value - f) < 0.005 for f in (full, full + self.funds_points, 100.0)):
            return None
        self.notes.append(
            f"{self.at(i)}: the 总分 row has one number, {said}, under 分值 (a cell merged "
            "across columns); read as the claimed total"
        )
        return said

    def budget_points(self, funds_at: int) -> float:
        """The budget line's 分值/权重 in the funds block's total row (0 when blank)."""
        total, _ = funds_rows(self.rows, funds_at)
        j = columns(self.rows[funds_at], L.FUNDS_COLUMNS).get(L.F_POINTS.name)
        return number(self.cell(total, j)) or 0.0

    def header_total(self, stop: int) -> str | None:
        """`自评得分 | 98` in the header block: the claimed total of a form without a 总分
        row (some cities put it beside 实施单位)."""
        at = find_with_value(self.rows, L.HEADER_TOTAL, stop=stop)
        said = self.value(at, L.HEADER_TOTAL) if at else None
        return said if number(said) is not None or said is None else None

    def claims(
        self, head: int, end: int, indicators: list[dict[str, str | None]]
    ) -> dict[str, str | None]:
        cols = columns(self.rows[head], L.INDICATOR_COLUMNS)
        score_col = cols.get(L.I_SCORE.name)
        total: str | None = None
        grade_at_total: str | None = None
        at = find(self.rows, L.TOTAL, start=end)
        if at is not None:
            i, j = at
            total = cell_text(self.cell(i, score_col)) if score_col is not None else None
            # `总分 | … | 100 | 95 | 优`: a grade word beside the total
            words = [c for c in self.rows[i][j + 1 :] if norm(c) in GRADES]
            grade_at_total = cell_text(words[-1]) if words else None
            points = cols.get(L.I_POINTS.name)
            if total is None:  # shifted by a merge: the row's last number, not its 分值
                numbers = [
                    c
                    for k, c in enumerate(self.rows[i])
                    if k > j and k != points and number(c) is not None
                ]
                total = cell_text(numbers[-1]) if numbers else None
            if total is None and points is not None:
                total = self.merged_total(i, points, indicators)
        grade: str | None = None
        at = find_with_value(self.rows[end:], L.GRADE)
        if at is not None:
            grade = self.value((at[0] + end, at[1]), L.GRADE)
        if grade is None:
            at = find_with_value(self.rows[end:], L.CONCLUSION)
            said = self.value((at[0] + end, at[1]), L.CONCLUSION) if at else None
            if said is not None and norm(said) in GRADES:
                grade = said
        grade = grade or grade_at_total
        return {"claimed_total": total, "claimed_grade": grade}


def _continues(
    previous: dict[str, str | None],
    level1: str | None,
    level2: str | None,
    indicator: str,
    values: dict[str, str | None],
) -> bool:
    """A row that repeats the 三级指标 above it and adds nothing but explanation text: the
    second row of a 三级 cell merged over two rows (the grid reader shows a vertically
    merged cell in every row it covers, and a long 偏差原因 typed over two rows does the
    same). A row with a target, value, points or score of its own is an indicator."""
    if (previous["indicator"], previous["level1"], previous["level2"]) != (
        indicator,
        level1,
        level2,
    ):
        return False
    return all(
        value is None or value == previous[key]
        for key, value in values.items()
        if key != "explanation"
    )


INDICATOR_NEEDED = (L.I_LEVEL1, L.I_LEVEL2, *L.INDICATOR_REQUIRED)
GRADES = frozenset(norm(w) for w in L.GRADE_WORDS)
_VALUE_COLUMNS = (
    ("comparator", L.I_COMPARATOR),
    ("target", L.I_TARGET),
    ("unit", L.I_UNIT),
    ("actual", L.I_ACTUAL),
    ("points", L.I_POINTS),
    ("claimed_score", L.I_SCORE),
    ("explanation", L.I_EXPLANATION),
)


def _key(text: str | None) -> str | None:
    if text is None:
        return None
    return unicodedata.normalize("NFKC", text).strip() or None


def _indicator_header(rows: Rows, start: int) -> int | None:
    """The row naming 三级指标 beside at least two more of the indicator columns (so a
    header missing one column is still found, and the column is named as missing)."""
    others = (L.I_LEVEL1, L.I_LEVEL2, L.I_TARGET, L.I_ACTUAL, L.I_POINTS)
    for i in range(start, len(rows)):
        if any(L.I_INDICATOR.matches(c) for c in rows[i]) and len(columns(rows[i], others)) >= 2:
            return i
    return None


def _shown(label: Label) -> str:
    """`实际完成值 (实际完成值/完成值/实际值…)`: the label and how it may be spelled."""
    variants = "/".join(label.exact[:3]) + ("…" if len(label.exact) > 3 else "")
    return f"{label.name} ({variants})"
