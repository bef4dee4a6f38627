"""Plain amounts (预算数 `1,200.50`, `１２００`, 分值, 得分) → numbers, or a reason."""

from __future__ import annotations

import polars as pl

from jixiao.scoring.values.exprs import _NUM, _STR, F, _is_blank, _raw, _staged, _to_float
from jixiao.scoring.values.normalize import normalize_text


def parse_number(text: pl.Expr) -> pl.Expr:
    """Read a plain amount (预算数 `1,200.50`, `１２００`); blank is null, junk is an error.

    Returns struct{value, error}.
    """
    return _staged(
        pl.struct(text=text.cast(_STR)),
        {"t": normalize_text(F("text"))},
        {"ok": F("t").str.contains(rf"^{_NUM}$")},
        out={
            "value": pl.when(F("ok")).then(_to_float(F("t"))),
            "error": pl.when(~F("ok") & ~_is_blank(F("t")))
            .then(pl.format("cannot read number '{}'", _raw(F("text"))))
            .cast(_STR),
        },
    )
