"""Value parser: data-driven cases (YAML next to this file), bulk and round-trip checks.

The YAML cases cite DOMAIN.md section 3; an analyst can add a case without touching Python.
They run with the shipped catalogue's unit and tier tables (indicators/project-common.yaml),
built by the same loading functions a run uses: an expectation that held only under a
test-only table would promise a conversion the engine refuses.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from expr_fixtures import assert_ci_floor
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.rules.load import load, load_catalogue
from jixiao.scoring.rules.vocabulary import Vocabulary
from jixiao.scoring.values.grammar import (
    ACTUAL_DTYPE,
    NUMBER_DTYPE,
    RECONCILED_DTYPE,
    TARGET_DTYPE,
    ComparatorTable,
    normalize_label,
    normalize_text,
    parse_actual,
    parse_number,
    parse_target,
    reconcile,
)
from jixiao.scoring.values.units import TierTable, Unit, UnitTable

HERE = Path(__file__).parent


def _load(name: str) -> Any:
    with (HERE / name).open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def _shipped() -> tuple[UnitTable, TierTable]:
    """The unit and tier tables a real run uses: the shipped catalogue through the public
    loading path (load_catalogue → Vocabulary.build), so a case here cannot pass under a
    table the engine never sees."""
    catalogue, _ = load_catalogue(SHIPPED_CATALOGUE)
    ruleset = load(SHIPPED_RULESET).ruleset
    assert ruleset.catalogue == SHIPPED_CATALOGUE, ruleset.catalogue
    vocab = Vocabulary.build(catalogue, ruleset)
    return vocab.units, vocab.tiers


SHIPPED_CATALOGUE = "project-common"
SHIPPED_RULESET = "project-self-eval"
UNITS, TIERS = _shipped()
# Comparator words are catalogue data: read them from the shipped catalogue.
_CATALOGUE = files("jixiao.indicators").joinpath("project-common.yaml").read_text("utf-8")
WORDS = ComparatorTable.from_words(**yaml.safe_load(_CATALOGUE)["comparators"])
TARGET_INPUTS = {"text", "comparator", "unit_column", "default"}


def _case_id(case: dict[str, Any]) -> str:
    return " | ".join(
        str(case.get(k)) for k in ("text", "target", "comparator", "actual") if k in case
    )


def _targets(rows: list[dict[str, Any]], default: str = ">=") -> list[dict[str, Any]]:
    frame = pl.DataFrame(
        {
            "text": [r.get("text") for r in rows],
            "comparator": [r.get("comparator") for r in rows],
            "unit": [r.get("unit_column") for r in rows],
        },
        schema={"text": pl.String, "comparator": pl.String, "unit": pl.String},
    )
    expr = parse_target(
        pl.col("text"),
        comparator=pl.col("comparator"),
        unit=pl.col("unit"),
        units=UNITS,
        comparators=WORDS,
        default_comparator=default,
    )
    return frame.select(expr.alias("p")).to_series().to_list()


def _target_of(column: str, default: str = ">=") -> pl.Expr:
    """A text column parsed as a target with the shipped words and units, no side columns."""
    return parse_target(
        pl.col(column),
        comparator=None,
        unit=None,
        units=UNITS,
        comparators=WORDS,
        default_comparator=default,
    )


def _expected(case: dict[str, Any], fields: list[str], inputs: set[str]) -> dict[str, Any]:
    unknown = set(case) - set(fields) - inputs
    assert not unknown, f"case has unknown keys {unknown}"
    return {f: case.get(f) for f in fields}


TARGET_CASES = _load("targets.yaml")


@pytest.mark.parametrize("case", TARGET_CASES, ids=_case_id)
def test_target(case: dict[str, Any]) -> None:
    (got,) = _targets([case], case.get("default", ">="))
    assert got == _expected(case, list(TARGET_DTYPE.to_schema()), TARGET_INPUTS)


def test_targets_all_at_once_agree_with_one_by_one() -> None:
    """Parsing distinct texts once must not mix up rows that share a text."""
    rows = [c for c in TARGET_CASES if c.get("default", ">=") == ">="]
    got = _targets(rows)
    fields = list(TARGET_DTYPE.to_schema())
    assert got == [_expected(c, fields, TARGET_INPUTS) for c in rows]


def _actuals(texts: list[str | None]) -> list[dict[str, Any]]:
    frame = pl.DataFrame({"a": texts}, schema={"a": pl.String})
    return frame.select(parse_actual(pl.col("a"), units=UNITS, tiers=TIERS)).to_series().to_list()


@pytest.mark.parametrize("case", _load("actuals.yaml"), ids=_case_id)
def test_actual(case: dict[str, Any]) -> None:
    (got,) = _actuals([case["text"]])
    assert got == _expected(case, list(ACTUAL_DTYPE.to_schema()), {"text"})


@pytest.mark.parametrize("case", _load("reconcile.yaml"), ids=_case_id)
def test_reconcile(case: dict[str, Any]) -> None:
    frame = pl.DataFrame({"t": [case["target"]], "a": [case["actual"]]})
    target = _target_of("t")
    actual = parse_actual(pl.col("a"), units=UNITS, tiers=TIERS)
    got = frame.select(reconcile(target, actual, units=UNITS)).item()
    fields = list(RECONCILED_DTYPE.to_schema())
    want = _expected(case, fields, {"target", "actual"})
    assert got == {**want, "fraction": case.get("fraction", False)}


@pytest.mark.parametrize("case", _load("numbers.yaml"), ids=_case_id)
def test_number(case: dict[str, Any]) -> None:
    frame = pl.DataFrame({"n": [case["text"]]}, schema={"n": pl.String})
    got = frame.select(parse_number(pl.col("n"))).item()
    assert got == _expected(case, list(NUMBER_DTYPE.to_schema()), {"text"})


def test_output_dtypes_even_for_empty_frames() -> None:
    frame = pl.DataFrame({"t": []}, schema={"t": pl.String})
    out = frame.select(
        t=_target_of("t", "="),
        a=parse_actual(pl.col("t"), units=UNITS, tiers=TIERS),
        n=parse_number(pl.col("t")),
    ).with_columns(r=reconcile(pl.col("t"), pl.col("a"), units=UNITS))
    assert out.schema == {
        "t": TARGET_DTYPE,
        "a": ACTUAL_DTYPE,
        "n": NUMBER_DTYPE,
        "r": RECONCILED_DTYPE,
    }


def test_two_hundred_thousand_rows_in_one_call() -> None:
    """Many distinct texts (one per number) mixed with every YAML case, in one select."""
    n = 200_000
    cases = [c for c in TARGET_CASES if c.get("default", ">=") == ">=" and "comparator" not in c]
    cases = [c for c in cases if "unit_column" not in c]
    texts = [f"≥{i:,}万元" if i % 2 else f"{i}%以上" for i in range(n)]
    texts[::7] = [cases[i % len(cases)]["text"] for i in range(len(texts[::7]))]
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    got = frame.select(_target_of("t")).to_series().struct.unnest()
    assert got.height == n
    fields = list(TARGET_DTYPE.to_schema())
    by_text = {c["text"]: _expected(c, fields, TARGET_INPUTS) for c in cases}
    rows = got.rows(named=True)
    for i, (text, row) in enumerate(zip(texts, rows, strict=True)):
        if i % 7 == 0:
            assert row == by_text[text], text
        elif i % 2:
            assert (row["cmp"], row["value"], row["unit"]) == (">=", float(i), "万元"), text
        else:
            assert (row["cmp"], row["value"], row["unit"]) == (">=", float(i), "%"), text


# --- round trip -------------------------------------------------------------------------

PREFIXES = {
    ">=": ["≥", ">=", "＞＝", "不低于", "不少于", "大于等于", "至少"],
    "<=": ["≤", "<=", "＜＝", "不超过", "不高于", "小于等于", "至多"],
    ">": [">", "＞", "高于", "大于", "超过"],
    "<": ["<", "＜", "低于", "小于", "少于"],
    "=": ["=", "＝", "==", "等于"],
}
SUFFIXES = {">=": ["以上", "及以上"], "<=": ["以下", "以内", "及以下"]}
SPELLINGS = [(u.name, s) for u in UNITS.units for s in (u.name, *u.aliases)]
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


@st.composite
def written_targets(draw: st.DrawFn) -> tuple[str, str, float, str | None]:
    cmp = draw(st.sampled_from(sorted(PREFIXES)))
    cents = draw(st.integers(min_value=0, max_value=10**9))
    number = f"{cents // 100:,}" if draw(st.booleans()) else str(cents // 100)
    if cents % 100:
        number += f".{cents % 100:02d}"
    unit, spelling = draw(st.sampled_from([(None, ""), *SPELLINGS]))
    space = draw(st.sampled_from(["", " ", "  "]))
    if cmp in SUFFIXES and draw(st.booleans()):
        text = f"{number}{space}{spelling}{draw(st.sampled_from(SUFFIXES[cmp]))}"
    else:
        text = f"{draw(st.sampled_from(PREFIXES[cmp]))}{space}{number}{space}{spelling}"
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return text, cmp, cents / 100, unit


@settings(deadline=None)
@given(st.lists(written_targets(), min_size=1, max_size=20))
def test_written_targets_round_trip(cases: list[tuple[str, str, float, str | None]]) -> None:
    got = _targets([{"text": text} for text, *_ in cases])
    for (text, cmp, value, unit), row in zip(cases, got, strict=True):
        assert row["error"] is None, text
        assert (row["cmp"], row["cmp_source"], row["unit"]) == (cmp, "text", unit), text
        assert row["value"] == pytest.approx(value, rel=1e-12), text


@settings(deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])), max_size=10)
)
def test_any_text_gives_a_reason_or_a_reading(texts: list[str]) -> None:
    """No input raises; every target is exactly one of: readable, qualitative, or a reason."""
    for row in _targets([{"text": t} for t in texts]):
        if row["error"] is None:
            assert row["cmp"] in {">=", ">", "<=", "<", "=", "range", "qual"}
            assert (row["value"] is None) == (row["cmp"] == "qual")
        else:
            assert row["cmp"] is None and row["value"] is None and row["unit"] is None


# --- normalization and tables -------------------------------------------------------------


def test_normalize_text() -> None:
    frame = pl.DataFrame({"t": ["　＞＝　９５％ ", "ＡＢＣ（１）", "a \t b", None]})
    got = frame.select(normalize_text(pl.col("t"))).to_series().to_list()
    assert got == [">= 95%", "ABC(1)", "a b", None]


def test_normalize_label() -> None:
    frame = pl.DataFrame({"t": [" 达成 年度指标。", "部分达成！"]})
    assert frame.select(normalize_label(pl.col("t"))).to_series().to_list() == [
        "达成年度指标",
        "部分达成",
    ]


# The next three tests build tiny tables of their own on purpose: they are about the table
# builders refusing a bad table, which the shipped catalogue (a valid one) cannot exercise.


def test_unit_spelling_claimed_twice_is_an_error() -> None:
    with pytest.raises(JixiaoError, match="'元' is declared for both '元' and '万元'"):
        UnitTable.from_units([Unit("元", (), "money", 1), Unit("万元", ("元",), "money", 10000)])


def test_unit_spelling_with_a_digit_is_an_error() -> None:
    with pytest.raises(JixiaoError, match="'m2' contains a digit"):
        UnitTable.from_units([Unit("平方米", ("m2",), "area", 1)])


def test_tier_label_claimed_twice_is_an_error() -> None:
    with pytest.raises(JixiaoError, match="'完成 ' is declared for both '达成' and '部分达成'"):
        TierTable.from_mapping({"达成": ["完成"], "部分达成": ["完成 "]})


def test_bad_default_comparator_is_refused_up_front() -> None:
    with pytest.raises(JixiaoError, match="default comparator must be one of"):
        _target_of("t", "≥")


def test_comparator_words_come_from_the_catalogue() -> None:
    """`达到90%` reads as ≥ 90 with the shipped words; a word a table adds is read, and a
    word it lacks is not (the words are data, not code)."""
    (got,) = _targets([{"text": "达到90%"}])
    assert (got["cmp"], got["value"], got["unit"], got["error"]) == (">=", 90.0, "%", None)
    extra = ComparatorTable.from_words({">=": ["够"]})
    frame = pl.DataFrame({"t": ["够5个", "不低于5个"]})
    expr = parse_target(
        pl.col("t"), comparator=None, unit=None, units=UNITS, comparators=extra,
        default_comparator="=",
    )  # fmt: skip
    first, second = frame.select(expr).to_series().to_list()
    assert (first["cmp"], first["value"], first["error"]) == (">=", 5.0, None)
    assert second["cmp"] is None and second["error"] == "cannot read target '不低于5个'"


def test_comparator_word_claimed_twice_is_an_error() -> None:
    with pytest.raises(JixiaoError, match="'不低于' is declared for both '>=' and '<='"):
        ComparatorTable.from_words({">=": ["不低于"], "<=": ["不低于"]})


def test_properties_run_the_ci_floor() -> None:
    """Examples per property come from tests/conftest.py's profiles (500 under CI=true)."""
    assert_ci_floor(
        globals(), {"test_written_targets_round_trip", "test_any_text_gives_a_reason_or_a_reading"}
    )
