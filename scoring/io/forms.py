"""Self-evaluation form workbooks → the canonical projects and indicators tables.

Departments submit 项目支出绩效自评表 workbooks, one project per sheet (national
财预〔2020〕10号 附件1 or Sichuan 510000_0013zp layout). A workbook is a form workbook
when one of its sheets has the form's landmarks (`forms_sheet.landmarks`); each sheet is
then read on its own: a form gives one project row and its indicator rows, a sheet that
is not a form (填表说明, a cover) is skipped with a note, and a form that cannot be read
is reported with its file, sheet and the label not found while the other sheets go on.

The tables carry the canonical column names of the catalogue (`project_id`,
`project_name`, …, `claimed_score` per indicator; `claimed_budget_score`,
`claimed_total`, `claimed_grade`, `funds_total_written`, `funds_parts_sum`,
`spent_total_written`, `spent_parts_sum` per project), all as text as written, with
`_file`, `_sheet`, `_row` on every row. docs/forms.md describes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from jixiao.scoring.io.forms_labels import find
from jixiao.scoring.io.forms_layout import TITLE
from jixiao.scoring.io.forms_sheet import (
    Form,
    FormProblem,
    NotForm,
    landmarks,
    read_form,
    segments,
)
from jixiao.scoring.io.grids import Grid
from jixiao.scoring.io.rejects import BLANK, BROKEN, REPEATED, TEXT
from jixiao.scoring.io.tablespec import TableSpec

__all__ = [
    "PROJECT_COLUMNS",
    "Form",
    "FormBook",
    "FormProblem",
    "NotForm",
    "form_frames",
    "read_form_book",
]

FORM_ROWS = 10000
"""Rows of a sheet read as forms: a form is one project, a few dozen rows, and a sheet of
forms exported one below the other a few hundred of them; a sheet far longer is a
table, whatever its top says."""
_PROBE_ROWS = 40

PROJECT_COLUMNS = (
    "project_id",
    "project_name",
    "department",
    "unit",
    "year",
    "budget_initial",
    "budget",
    "spent",
    "claimed_budget_score",
    "claimed_total",
    "claimed_grade",
    "funds_total_written",
    "funds_parts_sum",
    "spent_total_written",
    "spent_parts_sum",
)
"""What a form gives per project, in canonical names (docs/forms.md)."""
INDICATOR_COLUMNS = (
    "project_id",
    "level1",
    "level2",
    "indicator",
    "comparator",
    "target",
    "unit",
    "actual",
    "points",
    "claimed_score",
    "explanation",
)
"""What a form gives per indicator, in canonical names."""


@dataclass
class FormBook:
    """One workbook read as forms: its forms, the sheets skipped, the forms refused."""

    file: str
    forms: list[Form] = field(default_factory=list)
    skipped: list[NotForm] = field(default_factory=list)
    problems: list[FormProblem] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """One line per skipped sheet, refused form and amount note, for the sources."""
        out = [f"sheet {s.sheet!r} skipped: {s.reason}" for s in self.skipped]
        out += [f"form not read: {p}" for p in self.problems]
        for form in self.forms:
            out.extend(form.notes)
        return out


def _rows(grid: Grid, limit: int) -> tuple[list[list[str | None]], list[int]]:
    frame = grid.body.head(min(limit, grid.filled)).collect()
    numbers = [int(n) for n in frame.get_column("_row").to_list()]
    rows = [list(r) for r in frame.select(grid.cells).rows()]
    return rows, numbers


def _looks_like_form(grid: Grid) -> bool:
    """A cheap look at the top rows before a sheet is read whole: the form's title, or a
    项目名称 label with its value beside it (a table has 项目名称 in a header row)."""
    rows, _ = _rows(grid, _PROBE_ROWS)
    if find(rows, TITLE) is not None:
        return True
    return "项目名称" in landmarks(rows)


def read_form_book(grids: Sequence[Grid], file: str) -> FormBook | None:
    """The workbook's sheets read as forms, or None when no sheet is a form (the
    workbook is then read as canonical tables)."""
    if not any(g.sheet is not None and g.cells and g.filled for g in grids):
        return None
    candidates = {id(g) for g in grids if g.sheet is not None and g.cells and _looks_like_form(g)}
    if not candidates:
        return None
    book = FormBook(file)
    seen_form = False
    for grid in grids:
        sheet = grid.sheet or ""
        if not grid.cells or grid.filled == 0:
            book.skipped.append(NotForm(sheet, "blank sheet"))
            continue
        if id(grid) not in candidates:
            book.skipped.append(NotForm(sheet, "not a self-evaluation form (no 项目名称 label)"))
            continue
        if grid.filled > FORM_ROWS:
            book.skipped.append(
                NotForm(sheet, f"{grid.filled} rows: a table, not a form (a form is one project)")
            )
            continue
        rows, numbers = _rows(grid, FORM_ROWS)
        for part, (start, stop) in enumerate(segments(rows), start=1):
            result = read_form(rows[start:stop], numbers[start:stop], file, sheet, part)
            if isinstance(result, Form):
                book.forms.append(result)
                seen_form = True
            elif isinstance(result, FormProblem):
                book.problems.append(result)
                seen_form = True
            else:
                book.skipped.append(result)
                seen_form = seen_form or result.form_like  # 部门整体: said so, not "no table"
    return book if seen_form else None


def form_frames(
    forms: Sequence[Form], specs: Mapping[str, TableSpec] | None = None
) -> dict[str, pl.DataFrame]:
    """`projects` and `indicators` frames (all text, plus `_file`, `_sheet`, `_row`) in
    the catalogue's column order when `specs` are given, else in this module's."""
    project_cols = _names(specs, "projects", PROJECT_COLUMNS)
    indicator_cols = _names(specs, "indicators", INDICATOR_COLUMNS)
    projects = [
        {**{c: f.project.get(c) for c in project_cols}, **_where(f, f.project_row)} for f in forms
    ]
    indicators = [
        {**{c: values.get(c) for c in indicator_cols}, **_where(f, row)}
        for f in forms
        for row, values in f.indicators
    ]
    return {
        "projects": _frame(projects, project_cols),
        "indicators": _frame(indicators, indicator_cols),
    }


def repeated_forms(forms: Sequence[Form], seen: dict[str, str]) -> dict[tuple[str, str], str]:
    """(file, sheet) → why a form is not scored: its project id was given by an earlier
    form (`seen`, updated, spans the run's files). Two forms for one project would
    otherwise pool their indicators under one project row."""
    out: dict[tuple[str, str], str] = {}
    for form in forms:
        pid = form.project.get("project_id") or ""
        here = f"{form.file}, sheet {form.sheet!r}"
        if pid in seen:
            out[(form.file, form.sheet)] = (
                f"project {pid} is already the form in {seen[pid]}: a second form for one "
                "project is not scored"
            )
        else:
            seen[pid] = here
    return out


def with_reader_columns(
    frame: pl.DataFrame, repeated: Mapping[tuple[str, str], str] | None = None
) -> pl.LazyFrame:
    """The helper columns `io.read` splits rejects by: a form row is never blank or a
    repeated header (the form reader skipped those) and shows no row text; the rows of
    a repeated form are rejected with the reason (`BROKEN` carries a reader's reason)."""
    reason = pl.lit(None, pl.String)
    for (file, sheet), why in (repeated or {}).items():
        here = (pl.col("_file") == file) & (pl.col("_sheet") == sheet)
        reason = pl.when(here).then(pl.lit(why)).otherwise(reason)
    return frame.lazy().with_columns(
        pl.lit(False).alias(BLANK),
        reason.alias(BROKEN),
        pl.lit(False).alias(REPEATED),
        pl.lit(None, pl.String).alias(TEXT),
    )


def _names(
    specs: Mapping[str, TableSpec] | None, table: str, default: tuple[str, ...]
) -> tuple[str, ...]:
    if specs is None or table not in specs:
        return default
    return specs[table].column_names


def _where(form: Form, row: int) -> dict[str, str | int]:
    return {"_file": form.file, "_sheet": form.sheet, "_row": row}


def _frame(rows: list[dict[str, str | int | None]], names: tuple[str, ...]) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {c: pl.String() for c in names}
    schema.update({"_file": pl.String(), "_sheet": pl.String(), "_row": pl.Int64()})
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
