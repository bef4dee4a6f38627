"""Boundaries: tolerant comparisons decide as on paper; rounding is 四舍五入 on decimals,
and the reference and Polars agree on every float."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from expr_fixtures import NAMES, assert_ci_floor
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.scoring.expr import check, evaluate, reference, to_polars
from jixiao.scoring.expr import compile as compiler
from jixiao.scoring.expr import functions as fn_registry

HERE = Path(__file__).parent


def both(text: str, rows: list[dict[str, object]]) -> list[list[object]]:
    checked = check(text, NAMES)
    ref = [evaluate(checked, r) for r in rows]
    frame = pl.DataFrame(rows, schema={k: pl.Float64 for k in rows[0]})
    return [ref, frame.select(to_polars(checked).alias("r"))["r"].to_list()]


def test_paper_threshold() -> None:
    # 0.8 * 123.45 happens to be exact in float64; these two are not.
    assert 0.1 * 3 != 0.3 and 0.7 * 123.45 != 86.415
    rows = [{"actual": 0.3, "target": 3.0}, {"actual": 98.76, "target": 123.45}]
    for result in both("actual >= 0.1 * target or actual >= 0.8 * target", rows):
        assert result == [True, True]
    for result in both("actual >= 0.1 * target", rows[:1]):
        assert result == [True]
    for result in both("actual <= 0.7 * target", [{"actual": 86.415, "target": 123.45}]):
        assert result == [True]


@pytest.mark.parametrize("magnitude", [1.0, 98.76, 12345.678901, 999999.999999])
@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "==", "!="])
def test_one_millionth_apart_still_decides(magnitude: float, op: str) -> None:
    rows = [
        {"a": magnitude + 1e-6, "b": magnitude},
        {"a": magnitude - 1e-6, "b": magnitude},
        {"a": magnitude, "b": magnitude},
        {"a": magnitude * 3 / 3 + 0.1 + 0.2 - 0.3, "b": magnitude},
    ]
    py = {
        "<": [False, True, False, False],
        "<=": [False, True, True, True],
        ">": [True, False, False, False],
        ">=": [True, False, True, True],
        "==": [False, False, True, True],
        "!=": [True, True, False, False],
    }[op]
    for result in both(f"a {op} b", rows):
        assert result == py


@pytest.mark.parametrize(
    ("x", "n", "expected"),
    [
        (2.675, 2, 2.68),
        (0.125, 2, 0.13),
        (1.005, 2, 1.01),
        (-2.5, 0, -3.0),
        (2.5, 0, 3.0),
        (0.285, 2, 0.29),
        (-1.005, 2, -1.01),
        (8.125, 2, 8.13),
        (0.5, 0, 1.0),
        (-0.5, 0, -1.0),
        (1.4999999, 0, 1.0),
        (123.455, 2, 123.46),
        (1e20, 2, 1e20),
        (4503599627370497.0, 0, 4503599627370497.0),
        (-0.001, 2, 0.0),
    ],
)
def test_round_half_away_from_zero_on_decimals(x: float, n: int, expected: float) -> None:
    for result in both(f"round(a, {n})", [{"a": x}]):
        assert result == [expected]


@settings(deadline=None)
@given(
    xs=st.lists(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.decimals(-(10**6), 10**6, places=3).map(float),
            st.integers(-(10**6), 10**6).map(lambda i: i / 1000 + 0.0005),
        ),
        min_size=1,
        max_size=40,
    ),
    n=st.integers(0, 6),
)
def test_round_agrees_on_every_float(xs: list[float], n: int) -> None:
    ref, polars = both(f"round(a, {n})", [{"a": x} for x in xs])
    assert ref == polars


@settings(deadline=None)
@given(digits=st.integers(-(10**11), 10**11), scale=st.integers(0, 6), n=st.integers(0, 5))
def test_round_matches_decimal_text(digits: int, scale: int, n: int) -> None:
    """A decimal with at most 12 significant digits rounds as written on paper."""
    from decimal import ROUND_HALF_UP, Decimal

    text = Decimal(digits).scaleb(-scale)
    want = float(text.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP))
    got = both(f"round(a, {n})", [{"a": float(text)}])
    assert got == [[want], [want]]


def test_division_by_zero_and_sqrt_give_null() -> None:
    rows = [{"a": 1.0, "b": 0.0}, {"a": -4.0, "b": 2.0}]
    for text, expected in [
        ("a / b", [None, -2.0]),
        ("a // b", [None, -2.0]),
        ("a % b", [None, 0.0]),
        ("sqrt(a)", [1.0, None]),
        ("safe_div(a, b, 7)", [7.0, -2.0]),
        ("a * 1e300 * 1e300", [None, None]),
    ]:
        for result in both(text, rows):
            assert result == expected, text


def test_registry_tables_cover_every_function() -> None:
    registry = set(fn_registry.FUNCTIONS)
    scalar = {n for n, f in fn_registry.FUNCTIONS.items() if not f.aggregate}
    assert set(compiler.FUNCTIONS) == registry
    assert set(reference.SCALAR_FUNCTIONS) == scalar
    assert set(reference.AGGREGATES) == registry - scalar
    # docs/expressions.md: numbers compare with a relative tolerance TOL = 1e-13 (isfinite,
    # asserted here before, held for any float constant)
    assert compiler.TOL == 1e-13


def test_properties_run_the_ci_floor() -> None:
    assert_ci_floor(
        globals(), {"test_round_agrees_on_every_float", "test_round_matches_decimal_text"}
    )
