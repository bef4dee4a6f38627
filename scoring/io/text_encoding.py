"""The encoding of a text file, told from its bytes, or an error saying it cannot be told.

Departments send CSVs saved as "CSV UTF-8", as "CSV" on Chinese Windows (GBK), as
"Unicode text" (UTF-16, with or without a byte-order mark) and, from Taiwan or Hong
Kong, in Big5. GB18030 decodes nearly any byte string, Big5 included, so "it decodes"
proves nothing: a decoding is taken only when the text it gives is plausible (mostly
common Chinese characters and punctuation), and two plausible readings are an error.
"""

from __future__ import annotations

import codecs
from collections import Counter

from jixiao.scoring.errors import InputError

_SAMPLE = 1 << 18  # characters judged for plausibility
_PLAUSIBLE = 0.9  # share of non-ASCII characters that must be common Chinese text
_MIN_NUL_SHARE = 0.05  # of UTF-16 code units holding a NUL byte (ASCII in a CSV)
BIG5 = "cp950"  # Microsoft's Big5, as Excel on Traditional Chinese Windows writes it

NOTES = {
    "utf-16-le": "read as UTF-16 (little-endian) without a byte-order mark",
    "utf-16-be": "read as UTF-16 (big-endian) without a byte-order mark",
    BIG5: "read as Big5 (traditional Chinese); headers must still be the simplified ones",
}


def detect_encoding(data: bytes, file: str) -> str:
    """BOM, else UTF-16 told by its NUL bytes, else strict UTF-8, else whichever of GBK
    (GB18030) and Big5 gives plausible Chinese text; never a guess."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"
    if b"\x00" in data[:_SAMPLE]:
        return _utf16(data, file)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        return _chinese(data, file, exc)


def _utf16(data: bytes, file: str) -> str:
    """UTF-16 without a BOM: the high bytes of ASCII (commas, digits, line ends) are NUL,
    at odd offsets (little-endian) or even ones (big-endian). Text has no NUL otherwise."""
    head = data[:_SAMPLE]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    encoding = "utf-16-le" if odd > 4 * even else "utf-16-be" if even > 4 * odd else None
    # A CSV's commas, digits and line ends are ASCII: in UTF-16 a good share of its code
    # units has a NUL byte. One stray NUL in a UTF-8 file is not UTF-16.
    enough = max(even, odd) >= _MIN_NUL_SHARE * (len(head) // 2)
    if encoding is not None and enough and len(data) % 2 == 0:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            text = "\x00"
        if "\x00" not in text:
            return encoding
    offset = data.index(b"\x00")
    line = data.count(b"\n", 0, offset) + 1
    raise InputError(
        f"{file}: holds NUL bytes (first on line {line}, at offset {offset}) and is not "
        f"UTF-16 text: is it a binary file (an .xls or .xlsx renamed), or did the system "
        f"that wrote it pad a cell with NULs? Save it as UTF-8 CSV"
    )


def _mixed(data: bytes, file: str, utf8_error: UnicodeDecodeError) -> None:
    """Mostly valid UTF-8 with a few bad bytes: text pasted from a GBK file into a UTF-8
    one. GBK would "decode" the UTF-8 part as plausible-looking nonsense (锟斤拷), so
    this is an error, at the first bad byte's line."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    if good >= bad:  # GBK text read as UTF-8: about one good character in six bad
        line = data.count(b"\n", 0, utf8_error.start) + 1
        raise InputError(
            f"{file}: the encoding is the problem: mostly UTF-8, but line {line} holds "
            f"bytes that are not (0x{data[utf8_error.start]:02x}, {bad} place(s) in all): the "
            f"file mixes encodings (text pasted from a GBK file?); save it as UTF-8 CSV"
        )


def _chinese(data: bytes, file: str, utf8_error: UnicodeDecodeError) -> str:
    _mixed(data, file, utf8_error)
    readings = {}
    for encoding in ("gb18030", BIG5):
        try:
            readings[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    plausible = [e for e, text in readings.items() if _plausible(text, e)]
    if len(plausible) == 1:
        return plausible[0]
    bad = f"bad byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}"
    if not readings:
        raise InputError(
            f"{file}: the encoding is the problem: not UTF-8 ({bad}), nor GBK/GB18030, nor "
            f"Big5; save the file as UTF-8 CSV"
        )
    seen = "; ".join(f"as {_name(e)} it reads {_sample(t)!r}" for e, t in readings.items())
    what = "both GBK and Big5 are plausible" if plausible else "no reading is plausible"
    raise InputError(
        f"{file}: the encoding is the problem: not UTF-8 ({bad}) and {what} ({seen}); "
        f"save the file as UTF-8 CSV"
    )


def _name(encoding: str) -> str:
    return "Big5" if encoding == BIG5 else "GBK"


def _sample(text: str) -> str:
    """The first non-ASCII stretch of the text, as a user would see it."""
    start = next((i for i, ch in enumerate(text) if ord(ch) > 127), 0)
    return text[start : start + 12]


def _plausible(text: str, encoding: str) -> bool:
    """Mostly common Chinese characters and CJK punctuation among the non-ASCII ones.

    A Big5 file read as GBK gives kana, Greek and rare characters; a GBK file read as
    Big5 rarely decodes at all. "Common" is GB2312 (simplified) or Big5's level-1
    characters (traditional)."""
    counts = Counter(ch for ch in text[:_SAMPLE] if ord(ch) > 127)
    total = sum(counts.values())
    if total == 0:
        return True
    good = sum(n for ch, n in counts.items() if _common(ch, encoding))
    return good >= _PLAUSIBLE * total


def _common(ch: str, encoding: str) -> bool:
    if not "\u4e00" <= ch <= "\u9fff":
        return not any(lo <= ord(ch) <= hi for lo, hi in _ODD)
    if encoding != BIG5:
        return _encodes(ch, "gb2312")
    return b"\xa4\x40" <= ch.encode(BIG5) <= b"\xc6\x7e"


# What a wrong reading of Chinese bytes gives: Greek, Cyrillic, box drawing, kana,
# rare ideographs (extension A), Hangul, private use.
_ODD = (
    (0x0370, 0x052F),
    (0x2500, 0x259F),
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0xAC00, 0xD7AF),
    (0xE000, 0xF8FF),
)


def _encodes(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True
