"""The .xlsx package (a zip of XML parts): what it is, how big, where its sheets are.

Every part is parsed by expat with any DTD refused (see `xlsx_xml`) and read through a
counter, so a workbook whose parts unpack past the limit is refused while
reading, whatever sizes its zip headers claim. Relationships are read as XML, never by
pattern: openpyxl and pandas write `Target` before `Id`, Excel the reverse, and a
regex that assumed one order lost every merged cell of the other.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.xlsx_format import BUILTIN_FORMATS, GENERAL, NumberFormat, classify
from jixiao.scoring.io.xlsx_xml import DoctypeRefused, Event, iterparse_events, local, parse_root

DEFAULT_MAX_UNPACKED_MB = 200
"""Far above any form filled in by hand (a 100,000-row sheet unpacks to about 30 MB)."""

_OFFICE_DOCUMENT = "officeDocument"
_BROKEN = (
    ParseError,
    DoctypeRefused,
    zipfile.BadZipFile,  # a CRC mismatch or a truncated member
    zlib.error,
    EOFError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # a compression method zipfile lacks
    UnicodeDecodeError,
    OSError,
)


def attr(elem: Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (`r:id` in either OOXML)."""
    for key, value in elem.attrib.items():
        if local(key) == name:
            return value
    return None


@dataclass(frozen=True)
class SheetRef:
    name: str
    part: str | None  # None: the relationship is missing or points outside the package
    state: str  # visible | hidden | veryHidden


class _Budget:
    """Bytes left to unpack, shared by every part of one package."""

    def __init__(self, file: str, limit_mb: int) -> None:
        self.file, self.limit_mb, self.left = file, limit_mb, limit_mb * 1_000_000

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise InputError(
                f"{self.file}: the workbook unpacks to more than {self.limit_mb} MB, the limit "
                "for an input workbook; refused (a filled-in form is far smaller: check the "
                "file, or raise the limit with --max-xlsx-mb)"
            )


class _Counted:
    """A part's stream that charges what it yields to the budget."""

    def __init__(self, raw: IO[bytes], budget: _Budget) -> None:
        self.raw, self.budget = raw, budget

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(65536 if n is None or n < 0 else min(n, 1 << 20))
        self.budget.spend(len(data))
        return data


@dataclass
class Package:
    """An open workbook package; use as a context manager."""

    path: Path
    file: str
    limit_mb: int
    zip: zipfile.ZipFile = field(init=False)
    names: dict[str, str] = field(init=False)  # lower-case name → name in the zip
    sheets: list[SheetRef] = field(init=False, default_factory=list)
    date1904: bool = False
    stale_formulas: bool = False
    formats: list[NumberFormat] = field(default_factory=list)  # per cell style (xf) index
    shared: list[str] = field(default_factory=list)
    budget: _Budget = field(init=False)

    def __enter__(self) -> Package:
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InputError(
                f"{self.file}: cannot read as an Excel workbook: it is a damaged or incomplete "
                f"zip archive (an interrupted download or copy?): {exc}"
            ) from None
        self.names = {
            info.filename.replace("\\", "/").lstrip("/").lower(): info.filename
            for info in self.zip.infolist()
        }
        declared = sum(info.file_size for info in self.zip.infolist())
        self.budget = _Budget(self.file, self.limit_mb)
        if declared > self.budget.left:
            self.budget.spend(declared)  # refused before a byte is unpacked
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()

    def has(self, part: str) -> bool:
        return part.lower() in self.names

    @contextmanager
    def stream(self, part: str) -> Iterator[_Counted]:
        """A part's bytes, counted; any failure to unpack or parse it is an InputError."""
        try:
            with self.zip.open(self.names[part.lower()]) as raw:
                yield _Counted(raw, self.budget)
        except _BROKEN as exc:
            raise self.broken(part, exc) from None

    def parse(self, part: str) -> Element:
        with self.stream(part) as source:
            return parse_root(source)

    def iterparse(self, part: str, events: tuple[Event, ...]) -> Iterator[tuple[str, Element]]:
        with self.stream(part) as source:
            yield from iterparse_events(source, events)

    def broken(self, part: str, exc: Exception) -> InputError:
        if isinstance(exc, DoctypeRefused):
            why = f"{exc}; refused"
        elif isinstance(exc, ParseError):
            why = f"is not well-formed XML ({exc})"
        else:
            why = f"is damaged ({exc})"
        return InputError(f"{self.file}: cannot read as an Excel workbook: part {part} {why}")

    # --- structure ------------------------------------------------------------------

    def load(self) -> Package:
        """Read the workbook part, its relationships, styles and shared strings."""
        book = self._workbook_part()
        rels = self._relationships(book)
        root = self.parse(book)
        for elem in root.iter():
            name = local(elem.tag)
            if name == "workbookPr":
                self.date1904 = _true(elem.get("date1904"))
            elif name == "calcPr":
                # Set by openpyxl and xlsxwriter, which write no computed values (or 0):
                # the cached value of a formula is then not what Excel would show.
                self.stale_formulas = _true(elem.get("fullCalcOnLoad"))
            elif name == "sheet":
                rid = attr(elem, "id")
                target = rels.get(rid or "", (None, ""))[0]
                state = elem.get("state") or "visible"
                self.sheets.append(SheetRef(elem.get("name") or "", target, state))
        by_type = {kind: target for target, kind in rels.values() if target}
        styles = by_type.get("styles") or posixpath.join(posixpath.dirname(book), "styles.xml")
        if self.has(styles):
            self.formats = self._formats(styles)
        shared = by_type.get("sharedStrings")
        if shared is None and self.has(
            posixpath.join(posixpath.dirname(book), "sharedStrings.xml")
        ):
            shared = posixpath.join(posixpath.dirname(book), "sharedStrings.xml")
        if shared and self.has(shared):
            self.shared = self._shared_strings(shared)
        return self

    def _workbook_part(self) -> str:
        if self.has("_rels/.rels"):
            for target, kind in self._relationships("").values():
                if kind == _OFFICE_DOCUMENT and target and self.has(target):
                    return target
        if self.has("xl/workbook.xml"):
            return "xl/workbook.xml"
        raise InputError(f"{self.file}: cannot read as an Excel workbook: {self._what_zip()}")

    def _what_zip(self) -> str:
        if self.has("mimetype"):
            with self.stream("mimetype") as source:
                mime = source.read(200).decode("ascii", "replace")
            if "opendocument.spreadsheet" in mime:
                return "it is an OpenDocument spreadsheet (WPS/LibreOffice .ods): rename it to .ods"
            return f"it is a zip of type {mime.strip()!r}, not a workbook"
        if self.has("xl/workbook.bin"):
            return "it is a binary workbook (.xlsb): rename it to .xlsb"
        if self.has("word/document.xml"):
            return "it is a Word document, not a workbook"
        if self.has("ppt/presentation.xml"):
            return "it is a PowerPoint file, not a workbook"
        return (
            "it is a zip archive but holds no workbook (no xl/workbook.xml); "
            "is it an .xls or a .csv file that was zipped or renamed?"
        )

    def _relationships(self, part: str) -> dict[str, tuple[str | None, str]]:
        """Id → (target part, type's last word) of a part's .rels (by XML, in any order)."""
        folder, base = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", f"{base}.rels")
        if not self.has(rels_part):
            return {}
        out: dict[str, tuple[str | None, str]] = {}
        for elem in self.parse(rels_part).iter():
            if local(elem.tag) != "Relationship":
                continue
            target = elem.get("Target") or ""
            external = (elem.get("TargetMode") or "").lower() == "external"
            kind = (elem.get("Type") or "").rstrip("/").rpartition("/")[2]
            out[elem.get("Id") or ""] = (None if external else self._find(folder, target), kind)
        return out

    def _find(self, folder: str, target: str) -> str:
        """A relationship's target part; one written from the package root instead of
        from the source part's folder (`xl/worksheets/…` in xl/_rels) is found too."""
        part = _resolve(folder, target)
        if not self.has(part) and self.has(_resolve("", target)):
            return _resolve("", target)
        return part

    def _formats(self, part: str) -> list[NumberFormat]:
        root = self.parse(part)
        custom: dict[int, str] = {}
        xfs: list[NumberFormat] = []
        for elem in root.iter():
            if local(elem.tag) == "numFmt":
                custom[_int(elem.get("numFmtId"))] = elem.get("formatCode") or ""
        for elem in root.iter():
            if local(elem.tag) == "cellXfs":
                for xf in elem:
                    fid = _int(xf.get("numFmtId"))
                    code = custom.get(fid, BUILTIN_FORMATS.get(fid))
                    xfs.append(classify(code) if code else GENERAL)
        return xfs

    def _shared_strings(self, part: str) -> list[str]:
        strings: list[str] = []
        for _, elem in self.iterparse(part, ("end",)):
            if local(elem.tag) == "si":
                strings.append(rich_text(elem))
                elem.clear()
        return strings


def rich_text(elem: Element) -> str:
    """The text of an `<si>` or `<is>`: its `<t>` runs, without phonetic (`<rPh>`) guides."""
    parts: list[str] = []
    for child in elem:
        name = local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if local(t.tag) == "t")
    return unescape_ooxml("".join(parts))


def unescape_ooxml(text: str) -> str:
    """`_x000D_` → carriage return: how OOXML stores characters XML cannot hold."""
    if "_x" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        chunk = text[i : i + 7]
        if len(chunk) == 7 and chunk.startswith("_x") and chunk[6] == "_":
            try:
                out.append(chr(int(chunk[2:6], 16)))
                i += 7
                continue
            except ValueError:
                pass
        out.append(text[i])
        i += 1
    return "".join(out)


def _resolve(folder: str, target: str) -> str:
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on")


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
