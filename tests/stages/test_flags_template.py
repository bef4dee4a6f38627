"""Message templates and format specs (scoring/expr/template.py): the Polars plan and the
reference formatter give the same text for every value, and the text is what the spec
promises (四舍五入 half away from zero, as the language's `round`: DOMAIN §2 rounding)."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.scoring.expr import Type
from jixiao.scoring.expr.semantics import round_half_away
from jixiao.scoring.expr.template import (
    Placeholder,
    Spec,
    format_value,
    parse_spec,
    parse_template,
    to_polars_text,
)

SPECS = [
    "",
    ",",
    ".0f",
    ".1f",
    ".2f",
    ".4f",
    "f",
    ".0%",
    ".1%",
    ".2%",
    "%",
    "d",
    ",d",
    ",.2f",
    ",.1%",
    ".10f",
]


def spec(text: str) -> Spec | None:
    if not text:
        return None
    parsed = parse_spec(text)
    assert isinstance(parsed, Spec), parsed
    return parsed


def polars_texts(values: list[float | None], s: Spec | None) -> list[str]:
    frame = pl.DataFrame({"x": values}, schema={"x": pl.Float64})
    return frame.select(to_polars_text(pl.col("x"), Type.NUMBER, s)).to_series().to_list()


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [
        (0.125, ".2f", "0.13"),  # half away from zero, not Python's half-even on binary
        (1.005, ".2f", "1.01"),  # the decimal tie, as round() judges it
        (2.5, "d", "3"),
        (-2.5, "d", "-3"),
        (-0.001, ".2f", "0.00"),  # no negative zero
        (0.8549, ".1%", "85.5%"),
        (0.9, ".0%", "90%"),
        (1.0, "%", "100.000000%"),
        (1234567.891, ",.2f", "1,234,567.89"),
        (1000.0, ",d", "1,000"),
        (999.5, ",d", "1,000"),
        (-1234.5, ",", "-1,234.5"),
        (3500.0, "", "3500"),
        (0.123456, "", "0.1235"),
        (12.5, "", "12.5"),
        (123456789012.5, "", "123456789013"),  # from 1e11 on, whole
        (1e30, ".2f", ""),  # beyond 64-bit units: nothing, in both evaluators
        (None, ".2f", ""),
    ],
)
def test_spec_examples(value: float | None, text: str, expected: str) -> None:
    assert format_value(value, Type.NUMBER, spec(text)) == expected
    assert polars_texts([value], spec(text)) == [expected]


def test_booleans_and_text() -> None:
    assert format_value(True, Type.BOOL) == "true"
    assert format_value(None, Type.BOOL) == ""
    assert format_value("达成", Type.TEXT) == "达成"
    frame = pl.DataFrame({"b": [True, False, None], "t": ["a", None, "c"]})
    got = frame.select(
        to_polars_text(pl.col("b"), Type.BOOL), to_polars_text(pl.col("t"), Type.TEXT)
    )
    assert got.rows() == [("true", "a"), ("false", ""), ("", "c")]


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e16, max_value=1e16)
decimals = st.integers(min_value=-(10**12), max_value=10**12).flatmap(
    lambda n: st.sampled_from([n / 100, n / 1000, n / 8, n * 1.0, n / 10000 + 0.00005])
)
numbers = st.one_of(
    finite, decimals, st.none(), st.sampled_from([0.0, -0.0, 0.5, -0.5, 2**52, 9.3e18])
)


@settings(max_examples=400, deadline=None)
@given(values=st.lists(numbers, min_size=1, max_size=20), text=st.sampled_from(SPECS))
def test_polars_and_reference_agree(values: list[float | None], text: str) -> None:
    """Property: byte-identical text from both evaluators, whatever the value and spec."""
    s = spec(text)
    assert polars_texts(values, s) == [format_value(v, Type.NUMBER, s) for v in values]


@settings(max_examples=300, deadline=None)
@given(value=decimals, places=st.integers(min_value=0, max_value=4))
def test_fixed_decimals_are_the_languages_round(value: float, places: int) -> None:
    """`.Nf` shows round(x, N) of the language (四舍五入) with exactly N decimals."""
    text = format_value(value, Type.NUMBER, spec(f".{places}f"))
    rounded = round_half_away(value, places)
    assert rounded is not None
    assert math.isclose(float(text), rounded, rel_tol=1e-12, abs_tol=10.0**-places / 1e6)
    assert len(text.partition(".")[2]) == places


@settings(max_examples=200, deadline=None)
@given(value=st.integers(min_value=-(10**15), max_value=10**15))
def test_grouping_matches_python_for_whole_numbers(value: int) -> None:
    assert format_value(float(value), Type.NUMBER, spec(",d")) == f"{value:,}"
    assert polars_texts([float(value)], spec(",d")) == [f"{value:,}"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (".2", "needs a type"),
        (".2d", "takes no precision"),
        (".11f", "at most 10 decimals"),
        ("e", "not supported"),
        (">10", "not supported"),
        ("_.2f", "not supported"),
        ("+.1f", "not supported"),
    ],
)
def test_refused_specs(text: str, why: str) -> None:
    result = parse_spec(text)
    assert isinstance(result, str) and why in result


def test_template_parts_and_literal_braces() -> None:
    parts, problems = parse_template("率 {rate:.1%} 低于 {params.low:.0%} {{x}}")
    assert not problems
    assert [p if isinstance(p, str) else (p.name, p.offset) for p in parts] == [
        "率 ",
        ("rate", 2),
        " 低于 ",
        ("params.low", 16),
        " {x}",
    ]
    assert isinstance(parts[1], Placeholder) and parts[1].spec == spec(".1%")


@pytest.mark.parametrize(
    ("text", "offset", "why"),
    [
        ("a } b", 2, "single '}'"),
        ("a {b", 2, "without its '}'"),
        ("a {b {c}", 2, "without its '}'"),
        ("{}", 0, "empty placeholder"),
        ("x {a b}", 2, "does not name a value"),
        ("x {a.b}", 2, "does not name a value"),
        ("x {a:.2}", 2, "needs a type"),
    ],
)
def test_template_problems_at_their_brace(text: str, offset: int, why: str) -> None:
    _, problems = parse_template(text)
    assert [(p.offset, why in p.message) for p in problems][:1] == [(offset, True)]
