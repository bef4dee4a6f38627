"""File names made from data (a department's name → `departments/<部门>.xlsx`).

A department name is whatever a form or a table says, so it may hold `../`, `/`, `\\`,
`:`, NUL and other control characters, be hundreds of characters long, be a name
Windows reserves (`CON`, `aux.txt`, `LPT1`), end in a dot or a space, or be empty. Every
name here becomes one plain file name in the one folder it is written to, on Linux,
macOS and Windows alike, and two departments never share a file: names that clean to
the same text (compared without case, as Windows and macOS do) get `~2`, `~3`, … in the
order of the original names, so the result does not depend on the input order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

BLANK = "(未填部门)"
"""The file of projects without a department."""

MAX_BYTES = 150
"""UTF-8 bytes of a name before its suffix and extension (file systems allow 255)."""

_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


def clean(name: str | None) -> str:
    """One safe file name (no extension) for `name`; `BLANK` for an empty one."""
    text = unicodedata.normalize("NFC", name or "")
    text = _FORBIDDEN.sub("_", text)
    text = "".join(
        "_" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    text = _cut(text.strip().strip(". "), MAX_BYTES).rstrip(". ")
    if not text.strip("_"):
        return BLANK if not (name or "").strip() else "_" * max(1, min(len(text), 3))
    if _RESERVED.match(text):
        text = f"_{text}"
    return text


def _cut(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut at a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def unique_names(names: Iterable[str | None], extension: str = "") -> dict[str | None, str]:
    """Each distinct name → its file name (`clean` + `extension`), no two alike even
    without case; clashes get `~2`, `~3`, … in the sorted order of the original names."""
    distinct = sorted(set(names), key=lambda n: (n is not None, n or ""))
    taken: set[str] = set()
    out: dict[str | None, str] = {}
    for name in distinct:
        base = clean(name)
        candidate, k = base, 1
        while (candidate + extension).casefold() in taken:
            k += 1
            candidate = f"{base}~{k}"
        taken.add((candidate + extension).casefold())
        out[name] = candidate + extension
    return out
