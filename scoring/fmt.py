"""Numbers inside messages, formatted the way people write them."""

from __future__ import annotations

import polars as pl


def shown(expr: pl.Expr) -> pl.Expr:
    """`45` not `45.0`, `12.5`, and `blank` for a missing value (a null inside
    `pl.format` would make the whole message null and hide the issue)."""
    text = expr.round(4).cast(pl.String).str.replace(r"\.0$", "")
    return text.fill_null("blank")
