"""Group expressions inside `group_by().agg()`, as the department summary runs them.

The differential tests of aggregates evaluate over a whole frame (`select`); here every
group of a `group_by` must give what `evaluate_aggregate` gives over that group's rows,
including `minimum` / `maximum`, empty-after-nulls groups, and values wrapped in
element-wise functions (a non-finite guard that Polars turned into a list per group once).
"""

from __future__ import annotations

import math

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.scoring.expr import Type, check, evaluate_aggregate, to_polars

NAMES = {"x": Type.NUMBER, "ok": Type.BOOL}
EXPRESSIONS = [
    "minimum(x)",
    "maximum(x)",
    "round(mean(x), 2)",
    "sum(x)",
    "sum(0 if ok else 1)",
    "count() - count(x)",
    "safe_div(sum(x), count(x))",
    "maximum(x) - minimum(x)",
    "minimum(x * 2) + maximum(abs(x))",
]

rows = st.lists(
    st.fixed_dictionaries(
        {
            "g": st.sampled_from(["a", "b", "c"]),
            "x": st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
            "ok": st.one_of(st.none(), st.booleans()),
        }
    ),
    min_size=1,
    max_size=12,
)


def _same(got: object, want: object) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(data=rows, text=st.sampled_from(EXPRESSIONS))
def test_groups_agree_with_the_reference(data: list[dict[str, object]], text: str) -> None:
    checked = check(text, NAMES, aggregate=True)
    frame = pl.LazyFrame(data, schema={"g": pl.String, "x": pl.Float64, "ok": pl.Boolean})
    got = frame.group_by("g").agg(to_polars(checked).alias("r")).collect()
    assert got.schema["r"] == pl.Float64
    for g, value in got.iter_rows():
        want = evaluate_aggregate(checked, [r for r in data if r["g"] == g])
        assert _same(value, want), f"{text} group {g}: polars {value!r}, reference {want!r}"


def test_minimum_and_maximum_skip_nulls_and_are_null_when_empty() -> None:
    lo, hi = (check(t, NAMES, aggregate=True) for t in ("minimum(x)", "maximum(x)"))
    rows_ = [{"x": None}, {"x": 3.0}, {"x": -2.0}]
    assert (evaluate_aggregate(lo, rows_), evaluate_aggregate(hi, rows_)) == (-2.0, 3.0)
    assert evaluate_aggregate(lo, [{"x": None}]) is None
    frame = pl.DataFrame({"x": [None]}, schema={"x": pl.Float64})
    assert frame.select(to_polars(lo)).item() is None
