"""Indicator values as written (指标值, 实际完成值) → comparator, number, unit, tier.

Targets and actuals are data typed by people into spreadsheets: `≥95%`, `不低于95%`,
`90%-100%`, `９５％`, `1,200`, `达成年度指标`. Every function here returns one Polars
struct expression so a million rows parse in one vectorized pass (regex and lookup
tables only, no per-row Python). A cell that cannot be read gets a reason in the `error`
field and nulls elsewhere, so the row becomes "not evaluable" — never a zero, and never an
exception that stops the whole run. See docs/values.md for every accepted form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

import polars as pl

from jixiao.scoring.errors import JixiaoError

if TYPE_CHECKING:
    from jixiao.scoring.values.units import TierTable, UnitTable

# --- normalization -----------------------------------------------------------------------

_HALF_WIDTH: Final[dict[str, str]] = {
    **{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)},  # ！..～ → !..~
    "\u3000": " ",
    "\u2212": "-",  # − MINUS SIGN, typed by some IMEs and Word
    "【": "[",
    "】": "]",
    "〜": "~",
    "﹪": "%",
}
"""Full-width forms people type with a Chinese IME, mapped to the ASCII the regexes read."""

_TRAILING: Final = "。.!;,、"
"""Sentence punctuation that ends a label without changing its meaning (after half-width)."""

_BLANKS: Final = ["", "/", "-", "—", "无"]
"""Fillers that mean "nothing here" in the comparator and unit columns."""


def normalize_text(expr: pl.Expr) -> pl.Expr:
    """Half-width ASCII, stripped, single spaces: one spelling per thing people type."""
    return expr.str.replace_many(_HALF_WIDTH).str.replace_all(r"\s+", " ").str.strip_chars(" ")


def normalize_label(expr: pl.Expr) -> pl.Expr:
    """Text as a label key: no spaces and no trailing 。 so `达成 年度指标。` matches."""
    return (
        normalize_text(expr).str.replace_all(" ", "", literal=True).str.strip_chars_end(_TRAILING)
    )


def unit_key(expr: pl.Expr) -> pl.Expr:
    """A unit spelling as a lookup key: `ＫＭ`, `km` and ` Km ` are one unit."""
    return normalize_text(expr).str.replace_all(" ", "", literal=True).str.to_lowercase()


# --- vocabulary ----------------------------------------------------------------------------

_PREFIX: Final[dict[str, str]] = {
    **dict.fromkeys([">=", "=>", "≥", "≧", "⩾"], ">="),
    **dict.fromkeys(["大于等于", "大于或等于", "不低于", "不少于", "不小于", "至少"], ">="),
    **dict.fromkeys(["<=", "=<", "≤", "≦", "⩽"], "<="),
    **dict.fromkeys(["小于等于", "小于或等于", "不高于", "不超过", "不多于", "不大于"], "<="),
    "至多": "<=",
    **dict.fromkeys([">", "高于", "大于", "多于", "超过"], ">"),
    **dict.fromkeys(["<", "低于", "小于", "少于"], "<"),
    **dict.fromkeys(["==", "=", "等于"], "="),
}
"""Comparators written before the number (symbols after full-width → half-width)."""

_SUFFIX: Final[dict[str, str]] = {
    **dict.fromkeys(["以上", "及以上", "(含)以上", "以上(含)"], ">="),
    **dict.fromkeys(["以下", "及以下", "(含)以下", "以下(含)", "以内", "之内", "内"], "<="),
}
"""Comparators written after the number and unit: `95%以上`, `30天以内`."""

_COLUMN: Final[dict[str, str]] = {
    **_PREFIX,
    **dict.fromkeys(["正向", "正向指标"], "pos"),
    **dict.fromkeys(["反向", "反向指标"], "neg"),
    **dict.fromkeys(["定性", "定性指标"], "qual"),
    **dict.fromkeys(["区间", "区间指标"], "range"),
    **dict.fromkeys(["定量", "定量指标"], "none"),
}
"""The comparator column (指标性质): symbols, words, or a direction (正向/反向/定性)."""

_COMPARATORS: Final = (">=", ">", "<=", "<", "=")


def _alternation(words: dict[str, str]) -> str:
    """Longest first, so `大于等于` wins over `大于`."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUM: Final = r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)"
"""A number as written: sign, thousands separators, decimals (`1,200.50`, `.5`)."""

_PRE_RE: Final = rf"^({_alternation(_PREFIX)})"
_SUF_RE: Final = rf"({_alternation(_SUFFIX)})$"
_BODY_RE: Final = rf"^{_NUM}\D*$"
"""A single number and what follows it, once the prefix comparator is cut off.

Regex captures cost about ten times a plain match here, so the body is only tested with
this pattern and then cut at the first character that cannot be part of a number."""

_RANGE_UNIT: Final = r"[^\d\s\-~—–至到,\[\]]*?"
_RANGE: Final = (
    rf"^(?P<open>\[)?\s*(?P<lo>{_NUM})\s*(?P<lu>{_RANGE_UNIT})\s*(?P<sep>-|~|—|–|至|到|,)\s*"
    rf"(?P<hi>{_NUM})\s*(?P<hu>{_RANGE_UNIT})\s*(?P<close>\])?\s*(?:之间)?$"
)
_ACTUAL: Final = rf"^{_NUM}\s*[^\d\s]*$"
_UNIT_LIKE: Final = r"^[\p{Han}A-Za-z㎡²³/·]{1,4}$"
"""A token that could be a unit name (up to 4 characters); anything else is unreadable."""

PERCENT: Final = "%"
"""Canonical name of the percent unit; a unit table must spell it this way."""

_STR = pl.String
_F64 = pl.Float64
F = pl.field

TARGET_DTYPE: Final = pl.Struct(
    {"cmp": _STR, "cmp_source": _STR, "value": _F64, "upper": _F64, "unit": _STR, "error": _STR}
)
ACTUAL_DTYPE: Final = pl.Struct(
    {"kind": _STR, "value": _F64, "unit": _STR, "tier": _STR, "error": _STR}
)
RECONCILED_DTYPE: Final = pl.Struct({"value": _F64, "note": _STR, "error": _STR})
NUMBER_DTYPE: Final = pl.Struct({"value": _F64, "error": _STR})


# --- small expression helpers --------------------------------------------------------------


def _clean(expr: pl.Expr) -> pl.Expr:
    """A cell ready for the regexes: normalized, without trailing sentence punctuation."""
    return normalize_text(expr).str.strip_chars_end(_TRAILING).str.strip_chars(" ")


def _is_blank(expr: pl.Expr) -> pl.Expr:
    return expr.is_null() | (expr == "")


def _is_filler(key: pl.Expr) -> pl.Expr:
    return key.is_null() | key.is_in(_BLANKS)


def _to_float(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)


def _show(expr: pl.Expr) -> pl.Expr:
    """A number for a message: `96` rather than `96.0`."""
    return expr.cast(_STR).str.replace(r"\.0$", "")


def _lookup(expr: pl.Expr, table: Mapping[str, str]) -> pl.Expr:
    return expr.replace_strict(dict(table), default=None, return_dtype=_STR)


def _unknown(token: pl.Expr, canon: pl.Expr) -> pl.Expr:
    return ~_is_blank(token) & canon.is_null()


def _first(*cases: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """when/then chain in priority order; null when no case applies."""
    out: pl.Expr = pl.lit(None)
    for cond, value in reversed(cases):
        out = pl.when(cond).then(value).otherwise(out)
    return out


def _raw(expr: pl.Expr) -> pl.Expr:
    """The cell as the analyst typed it (only outer spaces removed), for messages."""
    return expr.str.strip_chars()


def _cell(expr: pl.Expr | None) -> pl.Expr:
    """A cell as text; null and "" mean the same thing (nothing written) everywhere here."""
    return pl.lit("") if expr is None else expr.cast(_STR).fill_null("")


def _memoized(key: pl.Expr, parse: Callable[[pl.Expr], pl.Expr], dtype: pl.Struct) -> pl.Expr:
    """Parse each distinct key once and map the results back to every row.

    Indicator tables repeat the same few thousand texts (`≥95%`, `达成年度指标`) across a
    million rows, so the regex work shrinks by orders of magnitude; parsing is a pure
    function of the key, so the result is the same as parsing every row.
    """
    distinct = key.unique(maintain_order=True)
    # Without an explicit default, Polars 2.1 returns the key itself for an empty frame.
    missing = pl.lit(None, dtype=dtype)
    parsed = key.replace_strict(distinct, parse(distinct), default=missing, return_dtype=dtype)
    return parsed.name.keep()


_Why = tuple[pl.Expr, str | None, tuple[pl.Expr, ...]]
"""A possible reason: condition, message template with `{}` slots (None: no problem), args."""


def _why(cond: pl.Expr, template: str | None, *args: pl.Expr) -> _Why:
    return cond, template, args


def _reason_code(reasons: list[_Why]) -> pl.Expr:
    """Index of the first reason that applies (null: none), to be staged before the text."""
    return _first(*((cond, pl.lit(i, pl.UInt8)) for i, (cond, _, _) in enumerate(reasons)))


def _reason_text(code: pl.Expr, reasons: list[_Why]) -> pl.Expr:
    """The message of each row's reason.

    Templates are split at their slots and looked up by code, so only one string is built
    per row; a `pl.format` per reason would build every message for every row.
    """
    width = max(len(args) for _, _, args in reasons)
    pieces = {
        i: (template.split("{}") + [""] * width)[: width + 1]
        for i, (_, template, _) in enumerate(reasons)
        if template is not None
    }
    parts: list[pl.Expr] = []
    for k in range(width + 1):
        parts.append(code.replace_strict({i: p[k] for i, p in pieces.items()}, default=""))
        slot = [(code == i, args[k]) for i, (_, _, args) in enumerate(reasons) if len(args) > k]
        if k < width:
            parts.append(_first(*slot).cast(_STR).fill_null(""))
    return pl.when(code.is_in(list(pieces))).then(pl.concat_str(parts))


def _staged(first: pl.Expr, *stages: dict[str, pl.Expr], out: dict[str, pl.Expr]) -> pl.Expr:
    """Fold stages of named fields into one struct expression, then keep only `out`.

    Each stage may read the fields of earlier ones with `pl.field(name)`. Every field is
    computed once; written as one plain expression tree, each regex would run again for
    every place that uses its result (35 s instead of 0.6 s for a million targets).
    """
    acc = first
    for fields in stages:
        acc = acc.struct.with_fields(**fields)
    done = acc.struct.with_fields(_out=pl.struct([e.alias(k) for k, e in out.items()]))
    return done.struct.field("_out").name.keep()


# --- targets -------------------------------------------------------------------------------


def _check_default(default_comparator: str) -> None:
    if default_comparator not in _COMPARATORS:
        raise JixiaoError(
            f"default comparator must be one of {', '.join(_COMPARATORS)}, "
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


def _target_lookups(units: UnitTable) -> dict[str, pl.Expr]:
    return {
        "pre_raw": F("t").str.extract(_PRE_RE, 1),
        "rng": F("t").str.extract_groups(_RANGE),
        "digit": F("t").str.contains(r"\d").fill_null(False),
        "ccode": _lookup(F("ckey"), _COLUMN),
        "ucol": _lookup(F("ukey"), units.aliases),
    }


def _target_body() -> dict[str, pl.Expr]:
    body = F("t").str.strip_prefix(F("pre_raw").fill_null("")).str.strip_chars(" ")
    return {
        "body": body,
        "pre": _lookup(F("pre_raw"), _PREFIX),
        "col": pl.when(F("ccode") != "none").then(F("ccode")),
    }


def _split_number(body: pl.Expr, pattern: str) -> dict[str, pl.Expr]:
    """`num` and `rest` of a cell matching `pattern`, cut where the number's characters end.

    Only the number's characters are ASCII before the cut, so the byte offset `find`
    returns is also the character offset `slice` wants.
    """
    cut = body.str.find(r"[^\d.,+\-]").fill_null(body.str.len_bytes())
    ok = body.str.contains(pattern)
    return {
        "num": pl.when(ok).then(body.str.slice(0, cut)),
        "rest": pl.when(ok).then(body.str.slice(cut).str.strip_chars(" ")),
    }


def _target_split() -> dict[str, pl.Expr]:
    return _split_number(F("body"), _BODY_RE)


def _target_suffix() -> dict[str, pl.Expr]:
    return {"suf_raw": F("rest").str.extract(_SUF_RE, 1)}


def _target_token() -> dict[str, pl.Expr]:
    token = F("rest").str.strip_suffix(F("suf_raw").fill_null("")).str.replace_all(" ", "")
    return {"suf": _lookup(F("suf_raw"), _SUFFIX), "tok_single": token.str.to_lowercase()}


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
    default_comparator: str,
) -> pl.Expr:
    """Read a target (年度指标值) with its optional comparator and unit columns.

    Returns struct{cmp, cmp_source, value, upper, unit, error}; when `error` is set the
    other fields are null, so a bad cell can never be scored as if it were a number.
    """
    _check_default(default_comparator)
    key = pl.struct(text=_cell(text), comparator=_cell(comparator), unit=_cell(unit))
    return _memoized(
        key, lambda cells: _parse_targets(cells, units, default_comparator), TARGET_DTYPE
    )


def _parse_targets(cells: pl.Expr, units: UnitTable, default_comparator: str) -> pl.Expr:
    return _staged(
        cells,
        _target_inputs(),
        _target_lookups(units),
        _target_body(),
        _target_split(),
        _target_suffix(),
        _target_token(),
        _target_shape(),
        _target_units(units),
        _target_kind(),
        {"why": _reason_code(_target_reasons())},
        {"error": _reason_text(F("why"), _target_reasons())},
        out=_target_out(default_comparator),
    )


# --- actuals -------------------------------------------------------------------------------


def parse_actual(text: pl.Expr, *, units: UnitTable, tiers: TierTable) -> pl.Expr:
    """Read an actual (实际完成值): a number with optional unit, a tier label, or text.

    Returns struct{kind, value, unit, tier, error}. Whether text is acceptable is the
    scorer's call (a qualitative indicator wants a tier); here `error` only marks cells
    that look like a number but cannot be read as one, or carry an unknown unit.
    """
    key = pl.struct(text=_cell(text))
    return _memoized(key, lambda cells: _parse_actuals(cells, units, tiers), ACTUAL_DTYPE)


def _parse_actuals(cells: pl.Expr, units: UnitTable, tiers: TierTable) -> pl.Expr:
    inputs = {"t": _clean(F("text")), "raw": _raw(F("text")), "label": normalize_label(F("text"))}
    lookups = {
        **_split_number(F("t"), _ACTUAL),
        "tier": _lookup(F("label"), tiers.labels),
        "digit": F("t").str.contains(r"\d").fill_null(False),
    }
    token = F("rest")
    numbers = {
        "canon": _lookup(token.str.to_lowercase(), units.aliases),
        "number": _to_float(F("num")),
    }
    blank = _is_blank(F("t"))
    numeric = F("number").is_not_null() & (
        _is_blank(token) | F("canon").is_not_null() | token.str.contains(_UNIT_LIKE)
    )
    kind = _first(
        (blank, pl.lit("blank")),
        (numeric, pl.lit("number")),
        (F("tier").is_not_null(), pl.lit("tier")),
        (pl.lit(True), pl.lit("text")),
    )
    reasons = [
        _why(
            numeric & _unknown(token, F("canon")),
            "unknown unit '{}' in actual '{}'",
            token,
            F("raw"),
        ),
        _why(
            ~blank & ~numeric & F("tier").is_null() & F("digit"),
            "cannot read actual '{}' as a number",
            F("raw"),
        ),
    ]
    ok = F("error").is_null()
    return _staged(
        cells,
        inputs,
        lookups,
        numbers,
        {"kind": kind, "why": _reason_code(reasons)},
        {"error": _reason_text(F("why"), reasons)},
        out={
            "kind": F("kind").cast(_STR),
            "value": pl.when(ok & numeric).then(F("number")),
            "unit": pl.when(ok & numeric).then(F("canon")),
            "tier": pl.when(F("kind") == "tier").then(F("tier")),
            "error": F("error").cast(_STR),
        },
    )


# --- target and actual together ------------------------------------------------------------


def reconcile(
    target: pl.Expr, actual: pl.Expr, *, units: UnitTable, fraction_as_percent: bool
) -> pl.Expr:
    """Bring a numeric actual into its target's unit, flagging whatever needed judgement.

    Returns struct{value, note, error}. `value` is null unless the target is quantitative
    and the actual is a number, both without errors; `error` covers only unit mismatches
    (target and actual errors stay in their own structs).
    """
    tgt, act = F("target"), F("actual")
    fields = {
        "t_unit": tgt.struct.field("unit"),
        "a_unit": act.struct.field("unit"),
        "a": act.struct.field("value"),
        "t": tgt.struct.field("value"),
        "usable": (
            tgt.struct.field("error").is_null()
            & tgt.struct.field("cmp").is_not_null()
            & (tgt.struct.field("cmp") != "qual")
            & (act.struct.field("kind") == "number")
            & act.struct.field("error").is_null()
            & act.struct.field("value").is_not_null()
        ),
    }
    notes, errors = _reconcile_reasons(fraction_as_percent)
    return _staged(
        pl.struct(target=target, actual=actual),
        fields,
        _unit_relations(units),
        {"note_why": _reason_code(notes), "error_why": _reason_code(errors)},
        {"note": _reason_text(F("note_why"), notes), "error": _reason_text(F("error_why"), errors)},
        out=_reconciled(fraction_as_percent),
    )


def _unit_relations(units: UnitTable) -> dict[str, pl.Expr]:
    """How the actual's unit relates to the target's: same, convertible, or a mismatch."""
    t_unit, a_unit, usable, a = F("t_unit"), F("a_unit"), F("usable"), F("a")
    same_dim = _lookup(a_unit, units.dimensions) == _lookup(t_unit, units.dimensions)
    factors = dict(units.factors)
    ratio = a_unit.replace_strict(factors, default=None, return_dtype=_F64) / (
        t_unit.replace_strict(factors, default=None, return_dtype=_F64)
    )
    same = a_unit.is_null() | t_unit.is_null() | (a_unit == t_unit)
    # `≥ 0.95` is a percentage written as a fraction (DOMAIN §3); an actual of `96%`
    # against it is 0.96, not 96.
    fraction_target = (
        usable & t_unit.is_null() & (a_unit == PERCENT) & (F("t").abs() <= 1)
    ).fill_null(False)
    return {
        "fraction_target": fraction_target,
        "ambiguous": (
            usable & a_unit.is_null() & (t_unit == PERCENT) & (a.abs() <= 1) & (a != 0)
        ).fill_null(False),
        "same": usable & same.fill_null(False),
        "convert": usable & ~same.fill_null(False) & same_dim.fill_null(False),
        "ratio": ratio,
    }


def _reconciled(fraction_as_percent: bool) -> dict[str, pl.Expr]:
    a = F("a")
    percent = (a * 100).round(10)
    value = _first(
        (F("fraction_target"), (a / 100).round(12)),
        (F("ambiguous") & pl.lit(fraction_as_percent), percent),
        (F("same"), a),
        (F("convert"), (a * F("ratio")).round(10)),
    )
    return {"value": value.cast(_F64), "note": F("note"), "error": F("error")}


def _reconcile_reasons(fraction_as_percent: bool) -> tuple[list[_Why], list[_Why]]:
    t_unit, a_unit, a = F("t_unit"), F("a_unit"), F("a")
    shown = _show(a)
    if fraction_as_percent:
        ambiguous = _why(F("ambiguous"), "read {} as {}%", shown, _show((a * 100).round(10)))
    else:
        ambiguous = _why(
            F("ambiguous"), "{} against a % target read as {}%; is it a fraction?", shown, shown
        )
    notes = [
        ambiguous,
        _why(
            F("fraction_target"),
            "actual {}% read as {} against the fraction target {}",
            shown,
            _show((a / 100).round(12)),
            _show(F("t")),
        ),
        _why(
            F("usable") & a_unit.is_not_null() & t_unit.is_null(),
            "actual unit {} kept; target has no unit",
            a_unit,
        ),
        _why(F("convert"), "actual in {} converted to {}", a_unit, t_unit),
    ]
    errors = [
        _why(
            F("usable") & ~F("same") & ~F("convert"),
            "actual unit {} does not match target unit {}",
            a_unit,
            t_unit,
        )
    ]
    return notes, errors


# --- plain amounts -------------------------------------------------------------------------


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
