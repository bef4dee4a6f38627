"""Forms written as workbooks: the blank template departments fill in, and forms laid
out from canonical tables (the sample district's example forms, round-trip tests).

One sheet per project; the layout's `draw` decides what goes where, this module only
puts cells, merges and formats into an .xlsx with xlsxwriter (the writer the engine
already uses for its output workbooks). The reader reads these back by their labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from jixiao.scoring.errors import InputError
from jixiao.scoring.io import forms_national, forms_sichuan
from jixiao.scoring.io.forms_layout import Drawing, FormContent

LAYOUT_NAMES = ("national", "sichuan")
_DRAW = {"national": forms_national.draw, "sichuan": forms_sichuan.draw}
_SHEET_MAX = 31
_CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\\\"})


def draw(layout: str, form: FormContent) -> Drawing:
    if layout not in _DRAW:
        raise InputError(
            f"unknown form layout {layout!r}; expected one of {', '.join(LAYOUT_NAMES)}"
        )
    return _DRAW[layout](form)


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, no []:*?/\\\\)."""
    base = (text.translate(_BAD_SHEET_CHARS).strip("'") or "项目")[:_SHEET_MAX]
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f"({n})"
        name = base[: _SHEET_MAX - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def write_forms(path: Path, layout: str, forms: Sequence[tuple[str, FormContent]]) -> Path:
    """One sheet per (sheet name, form), drawn in `layout`."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False}
    )
    book.set_properties({"created": _CREATED})  # the same forms give the same bytes
    try:
        title = book.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        cell = book.add_format({"border": 1, "text_wrap": True, "valign": "vcenter"})
        money = book.add_format({"border": 1, "num_format": "0.00", "valign": "vcenter"})
        percent = book.add_format({"border": 1, "num_format": "0.00%", "valign": "vcenter"})
        taken: set[str] = set()
        for name, form in forms:
            drawing = draw(layout, form)
            sheet = book.add_worksheet(sheet_name(name, taken))
            for j, width in enumerate(drawing.widths):
                sheet.set_column(j, j, width)
            covered: dict[tuple[int, int], tuple[int, int, int, int]] = {}
            for merge in drawing.merges:
                for r in range(merge[0], merge[2] + 1):
                    for c in range(merge[1], merge[3] + 1):
                        covered[(r, c)] = merge
            for r, row in enumerate(drawing.rows):
                for c, value in enumerate(row):
                    fmt = (
                        title
                        if r < drawing.title_rows
                        else (
                            percent
                            if (r, c) in drawing.percent
                            else money
                            if isinstance(value, float)
                            else cell
                        )
                    )
                    m = covered.get((r, c))
                    if m is not None:
                        if (r, c) == (m[0], m[1]):
                            sheet.merge_range(*m, "" if value is None else value, fmt)
                        continue
                    if value is None:
                        sheet.write_blank(r, c, None, fmt)
                    elif isinstance(value, float):
                        sheet.write_number(r, c, value, fmt)
                    else:
                        sheet.write_string(r, c, value, fmt)
    finally:
        book.close()
    return path


def write_template(path: Path, layout: str) -> Path:
    """The blank form departments fill in (six indicator rows; add more as needed)."""
    return write_forms(path, layout, [("项目1", FormContent({}, []))])


def contents_from_tables(
    projects: Sequence[dict[str, str | None]], indicators: Sequence[dict[str, str | None]]
) -> list[tuple[str, FormContent]]:
    """Canonical rows (text, canonical names) → one (sheet name, form) per project, in
    the projects' order; indicators joined by project_id, in their order."""
    by_project: dict[str | None, list[dict[str, str | None]]] = {}
    for row in indicators:
        by_project.setdefault(row.get("project_id"), []).append(dict(row))
    out = []
    for project in projects:
        pid = project.get("project_id")
        name = project.get("project_name") or pid or "项目"
        out.append((str(name), FormContent(dict(project), by_project.get(pid, []))))
    return out
