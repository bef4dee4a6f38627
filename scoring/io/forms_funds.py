"""The funds block of a form (预算执行情况): the budget and spending the project scores on.

Its header row names the amounts (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 |
得分, or Sichuan's 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分); below it
the 年度资金总额 (总额) row and its 其中 rows. Published forms sometimes leave the total
row at zero (or blank, or wrong) while the 其中 rows are filled: the parts' sum is then
used, the written total and the sum are both kept (`funds_total_written`,
`funds_parts_sum`, and the same for 执行数) for the `summary_mismatch` flag, and a note
names the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from jixiao.scoring.io import forms_layout as L
from jixiao.scoring.io.forms_labels import (
    Label,
    MissingLabel,
    Rows,
    any_label,
    cell_text,
    columns,
    fmt_number,
    number,
)

TOLERANCE = 0.005  # amounts agree when within half a unit of their second decimal


@dataclass
class Funds:
    """The project columns the funds block gives, the notes, and whether a total
    disagreed with its parts."""

    values: dict[str, str | None]
    notes: list[str] = field(default_factory=list)
    mismatch: bool = False


def read_funds(rows: Rows, numbers: Sequence[int], header: int, where: str) -> Funds:
    """The block under the header at `header`; `where` (`file, sheet 'x'`) starts notes."""
    return _Block(rows, numbers, where).read(header)


class _Block:
    def __init__(self, rows: Rows, numbers: Sequence[int], where: str) -> None:
        self.rows, self.numbers, self.where = rows, numbers, where
        self.notes: list[str] = []
        self.mismatch = False

    def at(self, i: int) -> str:
        return f"{self.where}, row {self.numbers[i]}"

    def cell(self, i: int | None, j: int | None) -> str | None:
        if i is None or j is None or j >= len(self.rows[i]):
            return None
        return self.rows[i][j]

    def read(self, header: int) -> Funds:
        values = self.funds(header)
        return Funds(values, self.notes, self.mismatch)

    def funds(self, header: int) -> dict[str, str | None]:
        cols = columns(self.rows[header], L.FUNDS_COLUMNS)
        total, parts = funds_rows(self.rows, header)
        if total is None and not parts:
            raise MissingLabel(
                f"label 年度资金总额 (总额) not found below the funds header at row "
                f"{self.numbers[header]}"
            )
        out: dict[str, str | None] = {}
        for key, label, written_key, parts_key in (
            ("budget_initial", L.F_INITIAL, None, None),
            ("budget", L.F_BUDGET, "funds_total_written", "funds_parts_sum"),
            ("spent", L.F_SPENT, "spent_total_written", "spent_parts_sum"),
        ):
            j = cols.get(label.name)
            if j is None:
                out[key] = None
                continue
            written = cell_text(self.cell(total, j)) if total is not None else None
            values = [number(self.cell(p, j)) for p in parts]
            known = [v for v in values if v is not None]
            parts_sum = sum(known) if known else None
            out[key] = self.choose(total, label, written, parts_sum)
            if written_key and parts_key:  # numbers (or blank), for the summary_mismatch flag
                value = number(written)
                out[written_key] = fmt_number(value) if value is not None else None
                out[parts_key] = fmt_number(parts_sum) if parts_sum is not None else None
        score_col = cols.get(L.F_SCORE.name)
        out["claimed_budget_score"] = (
            cell_text(self.cell(total, score_col))
            if total is not None and score_col is not None
            else None
        )
        return out

    def choose(
        self, total: int | None, label: Label, written: str | None, parts_sum: float | None
    ) -> str | None:
        """The total as written, unless it is zero or blank or disagrees with its parts:
        then the parts' sum (noted, and `funds_mismatch` set for the project flag)."""
        value = number(written)
        if parts_sum is None:
            return written  # no parts to check against (text included: the scoring reports it)
        if value is not None and abs(value - parts_sum) <= TOLERANCE:
            return written  # agree (both zero included: nothing was budgeted)
        if written is None and parts_sum == 0:
            return "0"
        self.mismatch = True
        row = f"{self.at(total)}: " if total is not None else f"{self.where}: "
        said = (
            fmt_number(value)
            if value is not None
            else "blank"
            if written is None
            else f"{written!r} (not a number)"
        )
        self.notes.append(
            f"{row}年度资金总额 {label.name} is {said} but its 其中 rows sum to "
            f"{fmt_number(parts_sum)}; the sum is used"
        )
        return fmt_number(parts_sum)


def funds_header(rows: Rows) -> int | None:
    """The row naming both the budget and the amount spent (and no 三级指标)."""
    for i, row in enumerate(rows):
        cols = columns(row, (L.F_BUDGET, L.F_SPENT))
        if len(cols) == 2 and not any(L.I_INDICATOR.matches(c) for c in row):
            return i
    return None


def funds_rows(rows: Rows, header: int) -> tuple[int | None, list[int]]:
    """The 年度资金总额 row and the 其中 rows under the funds header: the rows whose
    label cells (left of the first amount column) say so, spacer rows skipped. Once the
    其中 rows have begun, a row of amounts under any other source label (中央资金,
    省级资金, 单位自筹) is one more part; a form label (年度总体目标, 绩效指标, …) ends
    the block."""
    cols = columns(rows[header], L.FUNDS_COLUMNS)
    first = min(cols.values())
    amounts = [cols[k.name] for k in (L.F_INITIAL, L.F_BUDGET, L.F_SPENT) if k.name in cols]
    total: int | None = None
    parts: list[int] = []
    for i in range(header + 1, len(rows)):
        labels = [c for c in rows[i][:first] if cell_text(c) is not None]
        if not labels and all(cell_text(c) is None for c in rows[i]):
            continue
        if any(L.FUNDS_PART.matches(c) for c in labels):
            parts.append(i)
        elif total is None and not parts and any(L.FUNDS_TOTAL.matches(c) for c in labels):
            total = i
        elif parts and labels and _another_part(rows[i], rows[header], amounts):
            parts.append(i)
        else:
            break
    return total, parts


def _another_part(
    row: Sequence[str | None], header: Sequence[str | None], amounts: list[int]
) -> bool:
    """A row that names no form label and holds an amount (or `/`) in an amount column.
    The block's own label (项目资金, merged down beside the rows) is not counted."""
    own = [c for j, c in enumerate(row) if not (j < len(header) and c == header[j])]
    if any(any_label(c, L.LABELS) for c in own):
        return False
    cells = [row[j] if j < len(row) else None for j in amounts]
    return any(number(c) is not None or (c is not None and cell_text(c) is None) for c in cells)
