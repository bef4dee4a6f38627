"""An Excel number cell → the text the person sees (convention 1 of issue 8).

A workbook stores numbers, and a number format decides what is shown: 0.95 under `0%`
is `95%` on screen, 45717 under `yyyy-mm-dd` is `2025-03-01`. The value parsers read
text, so the reader hands them what was on screen, not the stored number: otherwise a
target shown as 95% and an actual shown as 90% compare as 0.95 and 0.9 and a fraction
rule guesses. Only what changes meaning is rendered (percent, dates, magnitudes Excel
cannot keep); thousands separators and decimal places are not, so `1,234.50` stays
`1234.5` and no digit is rounded away.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

BUILTIN_FORMATS: dict[int, str] = {
    9: "0%",
    10: "0.00%",
    **dict.fromkeys((14, 15, 16, 17), "yyyy-mm-dd"),
    **dict.fromkeys((18, 19, 20, 21, 45, 46, 47), "h:mm:ss"),
    22: "yyyy-mm-dd h:mm",
    # East Asian locales (zh-CN: 27 is yyyy"年"m"月", 32 is h"时"mm"分", …).
    **dict.fromkeys((27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58), "yyyy-mm-dd"),
    **dict.fromkeys((32, 33, 34, 35, 55, 56), "h:mm:ss"),
}
"""Built-in number format ids that are percent or date/time; others display as General."""

_MAX_SERIAL = 2958466  # 10000-01-01: Excel shows #### for larger date serials
_SIGNIFICANT = 15  # digits Excel keeps and shows of a number


_MEANINGFUL = (
    *"%≥≤<>=＞＜＝≧≦",
    *("以上", "以下", "不低于", "不高于", "不超过", "不少于", "不多于", "低于", "高于"),
    *("超过", "少于", "多于", "至少", "至多", "不足", "未满", "以内"),
)
"""Literal text in a number format that changes what the number means (a comparator, a
percent sign): shown with the number. Units and currency (`"元"`, `"人次"`, `¥`) are not,
so an amount formatted `#,##0.00"元"` still reads as an amount."""


@dataclass(frozen=True)
class NumberFormat:
    """What a format code means for display: percent (×100), a date, a time of day, or
    General; `prefix`/`suffix` are literal text shown around the number."""

    percent: bool = False
    date: bool = False
    time: bool = False
    prefix: str = ""
    suffix: str = ""


GENERAL = NumberFormat()


def classify(code: str) -> NumberFormat:
    """Read a format code's first section (the one positive numbers use).

    Quoted text, `\\x` escapes, `_x` and `*x` paddings and `[…]` locale or colour tags are
    not format tokens: `0.0"%"` shows a literal percent sign after the number, while
    `0.0%` multiplies by 100; `[Red]` is not a date, `[h]` is. A percent format keeps
    all its literal text (`"≥"0%` → `≥95%`, `0%"以下"` → `95%以下`); a plain number format
    only text that changes the meaning (see `_MEANINGFUL`).
    """
    section = _first_section(code)
    bare = _bare(section).lower().replace("general", "")
    prefix, suffix = _literals(section)
    if "%" in bare:
        return NumberFormat(percent=True, prefix=prefix, suffix=suffix)
    if any(token in bare for token in ("0", "#", "?")) and not any(t in bare for t in "yds"):
        if any(word in prefix + suffix for word in _MEANINGFUL):
            return NumberFormat(prefix=prefix, suffix=suffix)
        return GENERAL  # a number format with a unit such as 0"m" or 0.00E+00
    has_date = "y" in bare or "d" in bare or ("m" in bare and "h" not in bare and "s" not in bare)
    has_time = "h" in bare or "s" in bare
    if has_date or has_time:
        return NumberFormat(date=has_date, time=has_time)
    if bare.strip() == "" and any(word in prefix + suffix for word in _MEANINGFUL):
        return NumberFormat(prefix=prefix, suffix=suffix)  # General"%" and the like
    return GENERAL


def _literals(section: str) -> tuple[str, str]:
    """Literal text before the first digit placeholder, and after it."""
    parts: tuple[list[str], list[str]] = ([], [])
    seen, i, n = 0, 0, len(section)
    while i < n:
        ch, step = section[i], 1
        if ch == '"':
            end = section.find('"', i + 1)
            end = n if end < 0 else end
            parts[seen].append(section[i + 1 : end])
            step = end + 1 - i
        elif ch == "\\":
            parts[seen].append(section[i + 1 : i + 2])
            step = 2
        elif ch in "_*":
            step = 2
        elif ch == "[":
            end = section.find("]", i)
            step = (n if end < 0 else end + 1) - i
        elif section[i : i + 7].lower() == "general":
            seen, step = 1, 7
        elif ch in "0#?":
            seen = 1
        elif ch in "Ee" and section[i + 1 : i + 2] in ("+", "-"):
            step = 2
        elif ch not in ".,%+-/ ":
            parts[seen].append(ch)
        i += step
    return "".join(parts[0]), "".join(parts[1])


def _first_section(code: str) -> str:
    quoted = False
    for i, ch in enumerate(code):
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return code[:i]
    return code


def _bare(section: str) -> str:
    """The section's format tokens only (elapsed-time brackets such as `[h]` kept)."""
    out: list[str] = []
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            i = len(section) if end < 0 else end + 1
        elif ch in "\\_*":
            i += 2
        elif ch == "[":
            end = section.find("]", i)
            inner = section[i + 1 : len(section) if end < 0 else end]
            if inner and not inner.lower().strip("hms"):
                out.append(inner)
            i = len(section) if end < 0 else end + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def display(value: float, fmt: NumberFormat, date1904: bool = False) -> str:
    """The text shown for a number under `fmt` (see the module docstring)."""
    if fmt.percent:
        shown = _decimal_text(_significant(value) * 100) + "%"
    elif (fmt.date or fmt.time) and 0 <= value < _MAX_SERIAL:
        return date_text(value, fmt, date1904)
    else:
        shown = general(value)
    return f"{fmt.prefix}{shown}{fmt.suffix}"


def general(value: float) -> str:
    """Excel's General display, at the 15 significant digits Excel keeps.

    An integral number below 1e15 is written out whole (an ID of 15 digits stays exact);
    from 1e15 on Excel itself has lost digits, so it shows `1.23456789012346E+17` and so
    does this, rather than the float's invented tail `123456789012345696`.
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 1e15 or size < 1e-9:
        mantissa, exponent = f"{value:.{_SIGNIFICANT - 1}E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{exponent[0]}{exponent[1:].zfill(2)}"
    if value == int(value):
        return str(int(value))
    return _decimal_text(_significant(value))


def _significant(value: float) -> Decimal:
    return Decimal(f"{value:.{_SIGNIFICANT}g}")


def _decimal_text(number: Decimal) -> str:
    text = f"{number.normalize():f}"
    return "0" if text in ("-0", "") else text


def date_text(serial: float, fmt: NumberFormat, date1904: bool = False) -> str:
    """ISO text: `2025-03-01`, `2025-03-01 14:30:00`, or `14:30:00` for a time format.

    Serials count days from 1899-12-30 (1900 system: Excel's serial 60 is the
    1900-02-29 that never was, so earlier serials are a day off) or from 1904-01-01.
    """
    if date1904:
        base = dt.datetime(1904, 1, 1)
    elif serial < 61:
        base = dt.datetime(1899, 12, 31)
        if int(serial) == 60:
            return "1900-02-29"
    else:
        base = dt.datetime(1899, 12, 30)
    moment = base + dt.timedelta(seconds=round(serial * 86400))
    if not fmt.date:
        return moment.strftime("%H:%M:%S")
    if fmt.time:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%Y-%m-%d")


def iso_date_cell(text: str) -> str:
    """A `t="d"` cell (ISO 8601 stored as text) in the same shape as a date serial's."""
    text = text.strip().rstrip("Z")
    day, _, time = text.partition("T")
    time = time.split(".")[0]
    return day if time in ("", "00:00:00", "00:00") else f"{day} {time}"
