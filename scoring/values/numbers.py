"""Plain amounts (预算数 `1,200.50`, `１２００`, 分值, 得分) → numbers, or a reason."""

from __future__ import annotations

import polars as pl

from jixiao.scoring.values.exprs import (
    _NUM,
    _STR,
    F,
    _excel_reasons,
    _is_blank,
    _raw,
    _reason_code,
    _reason_text,
    _staged,
    _to_float,
    _why,
)
from jixiao.scoring.values.normalize import normalize_text

_UNSIGNED = _NUM.removeprefix("[-+]?")
"""A number without a sign: `(-100)` is not an accounting negative."""


def parse_number(text: pl.Expr) -> pl.Expr:
    """Read a plain amount (预算数 `1,200.50`, `１２００`); blank is null, junk is an error.

    `(1,200.00)` is negative, as accounting formats in Excel and WPS show it (so a negative
    amount is seen and rejected, never misread as junk or as positive). An Excel error
    (`#N/A`) or a formula never computed (`=SUM(B2:B4)`) is named as such,
    so the analyst knows to fix the workbook rather than the number. Returns
    struct{value, error}.
    """
    reasons = [
        *_excel_reasons(F("raw")),
        _why(~F("ok") & ~_is_blank(F("t")), "cannot read number '{}'", F("raw")),
    ]
    return _staged(
        pl.struct(text=text.cast(_STR)),
        {"t": normalize_text(F("text")), "raw": _raw(F("text"))},
        {"paren": F("t").str.contains(rf"^\(\s*{_UNSIGNED}\s*\)$").fill_null(False)},
        {"ok": F("t").str.contains(rf"^{_NUM}$") | F("paren")},
        {"why": _reason_code(reasons)},
        out={
            "value": pl.when(F("why").is_null()).then(
                pl.when(F("paren"))
                .then(-_to_float(F("t").str.strip_chars("() ")))
                .otherwise(_to_float(F("t")))
            ),
            "error": _reason_text(F("why"), reasons).cast(_STR),
        },
    )
