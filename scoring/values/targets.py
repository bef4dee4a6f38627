"""Targets (年度指标值) with their comparator and unit columns → comparator, number, unit.

`≥95%`, `不低于95%`, `95%以上`, `[90%,100%]`, `90%-100%`, `≤30天`, `按时完成`: the
comparator words come from the catalogue (`ComparatorTable`), units from its unit table.
See docs/values.md for every accepted form.
"""

from __future__ import annotations

import polars as pl

from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.values.comparators import COMPARATORS, ComparatorTable
from jixiao.scoring.values.exprs import (
    _BODY_RE,
    _RANGE,
    _STR,
    _UNIT_LIKE,
    TARGET_DTYPE,
    F,
    _cell,
    _clean,
    _excel_reasons,
    _first,
    _is_blank,
    _is_filler,
    _lookup,
    _memoized,
    _raw,
    _reason_code,
    _reason_text,
    _split_number,
    _staged,
    _to_float,
    _unknown,
    _Why,
    _why,
)
from jixiao.scoring.values.normalize import normalize_label, unit_key
from jixiao.scoring.values.units import UnitTable


def _check_default(default_comparator: str) -> None:
    if default_comparator not in COMPARATORS:
        raise JixiaoError(
            f"default comparator must be one of {', '.join(COMPARATORS)}, "
            f"got {default_comparator!r}"
        )


def _compatible(text_cmp: pl.Expr, col: pl.Expr) -> pl.Expr:
    """A comparator column agrees with the text when equal or of the same direction."""
    return (
        col.is_null()
        | (col == text_cmp)
        | ((col == "pos") & text_cmp.is_in([">=", ">"]))
        | ((col == "neg") & text_cmp.is_in(["<=", "<"]))
    )


def _target_inputs() -> dict[str, pl.Expr]:
    return {
        "t": _clean(F("text")),
        "raw": _raw(F("text")),
        "ckey": normalize_label(F("comparator")),
        "c_raw": _raw(F("comparator")),
        "ukey": unit_key(F("unit")),
        "u_raw": _raw(F("unit")),
    }


def _target_lookups(units: UnitTable, words: ComparatorTable) -> dict[str, pl.Expr]:
    return {
        "pre_raw": F("t").str.extract(words.prefix_pattern, 1),
        "rng": F("t").str.extract_groups(_RANGE),
        "digit": F("t").str.contains(r"\d").fill_null(False),
        "ccode": _lookup(F("ckey"), words.column),
        "ucol": _lookup(F("ukey"), units.aliases),
    }


def _target_body(words: ComparatorTable) -> dict[str, pl.Expr]:
    body = F("t").str.strip_prefix(F("pre_raw").fill_null("")).str.strip_chars(" ")
    return {
        "body": body,
        "pre": _lookup(F("pre_raw"), words.prefix),
        "col": pl.when(F("ccode") != "none").then(F("ccode")),
    }


def _target_split() -> dict[str, pl.Expr]:
    return _split_number(F("body"), _BODY_RE)


def _target_suffix(words: ComparatorTable) -> dict[str, pl.Expr]:
    return {"suf_raw": F("rest").str.extract(words.suffix_pattern, 1)}


def _target_token(words: ComparatorTable) -> dict[str, pl.Expr]:
    token = F("rest").str.strip_suffix(F("suf_raw").fill_null("")).str.replace_all(" ", "")
    return {"suf": _lookup(F("suf_raw"), words.suffix), "tok_single": token.str.to_lowercase()}


def _target_shape() -> dict[str, pl.Expr]:
    rng = F("rng")
    pre, suf = F("pre"), F("suf")
    is_single = F("num").is_not_null() & (pre.is_null() | suf.is_null() | (pre == suf))
    opened, closed = rng.struct.field("open").is_not_null(), rng.struct.field("close").is_not_null()
    comma = rng.struct.field("sep") == ","
    shape = (opened & closed & comma) | (~opened & ~closed & ~comma)
    is_range = ~is_single & rng.struct.field("lo").is_not_null() & shape.fill_null(False)
    return {"is_single": is_single, "is_range": is_range}


def _target_units(units: UnitTable) -> dict[str, pl.Expr]:
    rng = F("rng")
    tok_a = pl.when(F("is_single")).then(F("tok_single")).otherwise(rng.struct.field("lu"))
    tok_b = pl.when(F("is_range")).then(rng.struct.field("hu"))
    lo = pl.when(F("is_single")).then(F("num")).otherwise(rng.struct.field("lo"))
    return {
        "tok_a": tok_a,
        "tok_b": tok_b,
        "unit_a": _lookup(tok_a.str.to_lowercase(), units.aliases),
        "unit_b": _lookup(tok_b.str.to_lowercase(), units.aliases),
        "lo": _to_float(lo),
        "hi": _to_float(rng.struct.field("hi")),
    }


def _target_kind() -> dict[str, pl.Expr]:
    """Quantitative, qualitative or unreadable; 定性 in the comparator column wins over
    digits in free text (`2025年底前完成`), but not over a clean number (`95%`)."""
    unit_a, unit_b = F("unit_a"), F("unit_b")
    bad_tok = _first(
        (_unknown(F("tok_a"), unit_a), F("tok_a")), (_unknown(F("tok_b"), unit_b), F("tok_b"))
    )
    is_number = F("is_single") | F("is_range")
    blank = _is_blank(F("t"))
    col_qual = (F("col") == "qual").fill_null(False)
    clean = is_number & bad_tok.is_null() & F("lo").is_not_null()
    return {
        "is_number": is_number,
        "blank": blank,
        "qual_text": ~blank & ~F("digit"),
        "col_qual": col_qual,
        "bad_tok": bad_tok,
        "clean": clean,
        "qual": (~blank & ~F("digit")) | (col_qual & ~clean),
    }


def _target_reasons() -> list[_Why]:
    """Why a row cannot be scored, first match wins, in the order an analyst would fix them."""
    is_single, is_range, is_number = F("is_single"), F("is_range"), F("is_number")
    bad_tok, col, unit_a, unit_b = F("bad_tok"), F("col"), F("unit_a"), F("unit_b")
    unit_text = pl.coalesce(unit_a, unit_b)
    raw, c_raw, u_raw = F("raw"), F("c_raw"), F("u_raw")
    text_cmp = pl.coalesce(F("pre"), F("suf"))
    says = "comparator column says '{}' but target"
    numeric_col = col.is_in([">=", ">", "<=", "<", "pos", "neg", "range"])
    return [
        *_excel_reasons(raw, "target: "),
        *_excel_reasons(c_raw, "comparator column: "),
        *_excel_reasons(u_raw, "unit column: "),
        _why(
            ~_is_filler(F("ckey")) & F("ccode").is_null(),
            "unknown comparator '{}' in comparator column",
            c_raw,
        ),
        _why(
            ~_is_filler(F("ukey")) & F("ucol").is_null(), "unknown unit '{}' in unit column", u_raw
        ),
        _why(F("qual_text") & numeric_col, says + " '{}' has no number", c_raw, raw),
        _why(F("qual"), None),
        _why(F("blank"), "target is blank"),
        _why(
            ~is_number | ~bad_tok.str.contains(_UNIT_LIKE) | F("lo").is_null(),
            "cannot read target '{}'",
            raw,
        ),
        _why(bad_tok.is_not_null(), "unknown unit '{}' in '{}'", bad_tok, raw),
        _why(is_range & (unit_a != unit_b), "range bounds have different units in '{}'", raw),
        _why(is_range & (F("lo") > F("hi")), "range lower bound is above upper bound in '{}'", raw),
        _why(F("clean") & F("col_qual"), says + " '{}' is a number", c_raw, raw),
        _why(
            is_single & text_cmp.is_not_null() & ~_compatible(text_cmp, col),
            says + " text says '{}'",
            c_raw,
            pl.coalesce(F("pre_raw"), F("suf_raw")),
        ),
        _why(is_single & (col == "range"), says + " '{}' is a single number", c_raw, raw),
        _why(is_range & (col != "range"), says + " '{}' is a range", c_raw, raw),
        _why(
            unit_text != F("ucol"),
            "unit column says '{}' but target text says '{}'",
            u_raw,
            unit_text,
        ),
    ]


def _target_out(default_comparator: str) -> dict[str, pl.Expr]:
    is_range, is_number, qual = F("is_range"), F("is_number"), F("qual")
    col_cmp = _first(
        (F("col") == "pos", pl.lit(">=")),
        (F("col") == "neg", pl.lit("<=")),
        (pl.lit(True), F("col")),
    )
    text_cmp = pl.when(is_range).then(pl.lit("range")).otherwise(pl.coalesce(F("pre"), F("suf")))
    cmp = _first(
        (qual, pl.lit("qual")),
        (is_number, pl.coalesce(text_cmp, col_cmp, pl.lit(default_comparator))),
    )
    is_number = is_number & ~qual
    source = _first(
        (F("qual_text"), pl.lit("text")),
        (qual, pl.lit("column")),
        (is_number & text_cmp.is_not_null(), pl.lit("text")),
        (is_number & col_cmp.is_not_null(), pl.lit("column")),
        (is_number, pl.lit("default")),
    )
    ok = F("error").is_null()
    return {
        "cmp": pl.when(ok).then(cmp).cast(_STR),
        "cmp_source": pl.when(ok).then(source).cast(_STR),
        "value": pl.when(ok & is_number).then(F("lo")),
        "upper": pl.when(ok & is_range & ~qual).then(F("hi")),
        "unit": pl.when(ok & is_number).then(pl.coalesce(F("unit_a"), F("unit_b"), F("ucol"))),
        "error": F("error").cast(_STR),
    }


def parse_target(
    text: pl.Expr,
    *,
    comparator: pl.Expr | None,
    unit: pl.Expr | None,
    units: UnitTable,
    comparators: ComparatorTable,
    default_comparator: str,
) -> pl.Expr:
    """Read a target (年度指标值) with its optional comparator and unit columns.

    Returns struct{cmp, cmp_source, value, upper, unit, error}; when `error` is set the
    other fields are null, so a bad cell can never be scored as if it were a number.
    """
    _check_default(default_comparator)
    key = pl.struct(text=_cell(text), comparator=_cell(comparator), unit=_cell(unit))
    return _memoized(
        key,
        lambda cells: _parse_targets(cells, units, comparators, default_comparator),
        TARGET_DTYPE,
    )


def _parse_targets(
    cells: pl.Expr, units: UnitTable, words: ComparatorTable, default_comparator: str
) -> pl.Expr:
    return _staged(
        cells,
        _target_inputs(),
        _target_lookups(units, words),
        _target_body(words),
        _target_split(),
        _target_suffix(words),
        _target_token(words),
        _target_shape(),
        _target_units(units),
        _target_kind(),
        {"why": _reason_code(_target_reasons())},
        {"error": _reason_text(F("why"), _target_reasons())},
        out=_target_out(default_comparator),
    )
