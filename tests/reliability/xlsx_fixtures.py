"""Workbook fixtures for the xlsx cases, written three ways so the reader is tested on the
class of workbook, not on one writer's habits:

- `xlsxwriter_book`: relationships `Id` before `Target`, no shared formulas, formulas cached
  as 0 with `fullCalcOnLoad` (as pandas with xlsxwriter writes);
- `openpyxl_book`: relationships `Target` before `Id` with absolute targets, error cells
  as `t="e"`, formulas with an empty cached value;
- `package`: the parts written by hand as Excel and WPS write them (shared strings with
  rich-text runs and phonetic guides, custom number formats in styles.xml, cells without
  `r` attributes, prefixed or strict namespaces, a workbook part not at xl/workbook.xml).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from corpus import INDICATOR_HEADER, PROJECT_HEADER, Cell


@dataclass(frozen=True)
class Fmt:
    """A number shown through a number format (`0%`, `0.00%`, `yyyy-mm-dd`, …)."""

    value: float
    code: str


@dataclass(frozen=True)
class Formula:
    """A formula; `cached` is the computed value stored with it (None: none stored)."""

    text: str
    cached: float | str | None = None


@dataclass(frozen=True)
class Error:
    """An error cell as Excel stores it (`#N/A`, `#DIV/0!`, …)."""

    text: str


XCell = Cell | Fmt | Formula | Error
XRow = Sequence[XCell]
Merges = Sequence[str]  # "C2:C4"


def pair_sheets(projects: Sequence[XRow], rows: Sequence[XRow]) -> dict[str, list[XRow]]:
    return {"项目": [PROJECT_HEADER, *projects], "指标": [INDICATOR_HEADER, *rows]}


def xlsxwriter_book(
    path: Path,
    sheets: dict[str, Sequence[XRow]],
    merges: dict[str, Merges] | None = None,
    hidden: Sequence[str] = (),
) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    formats: dict[str, object] = {}
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, Fmt):
                    fmt = formats.setdefault(value.code, wb.add_format({"num_format": value.code}))
                    ws.write_number(r, c, value.value, fmt)
                elif isinstance(value, Formula):
                    ws.write_formula(r, c, value.text, None, value.cached or 0)
                elif isinstance(value, Error):
                    ws.write_formula(r, c, "=NA()", None, value.text)
                elif value is not None:
                    ws.write(r, c, value)
        for ref in (merges or {}).get(name, ()):
            first, last = ref.split(":")
            ws.merge_range(f"{first}:{last}", _top_value(rows, first))
        if name in hidden:
            ws.hide()
    wb.close()
    return path


def openpyxl_book(
    path: Path,
    sheets: dict[str, Sequence[XRow]],
    merges: dict[str, Merges] | None = None,
    hidden: Sequence[str] = (),
    very_hidden: Sequence[str] = (),
) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(r, c)
                if isinstance(value, Fmt):
                    cell.value = value.value
                    cell.number_format = value.code
                elif isinstance(value, Formula):
                    cell.value = value.text
                elif isinstance(value, Error):
                    cell.value = value.text
                    cell.data_type = "e"
                elif value is not None:
                    cell.value = value
        for ref in (merges or {}).get(name, ()):
            ws.merge_cells(ref)
        if name in hidden:
            ws.sheet_state = "hidden"
        if name in very_hidden:
            ws.sheet_state = "veryHidden"
    wb.save(str(path))
    return path


def _top_value(rows: Sequence[XRow], ref: str) -> Cell:
    col = ord(ref[0]) - 65
    row = int(ref[1:]) - 1
    value = rows[row][col] if row < len(rows) and col < len(rows[row]) else None
    return value if isinstance(value, str | int | float) else None


# --- hand-written packages (Excel / WPS style) ----------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_RELS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass
class PackageStyle:
    """How the hand-written package is laid out."""

    strict: bool = False
    prefix: str = ""  # "x:" writes every SpreadsheetML element with a prefix
    book_part: str = "xl/workbook.xml"
    cell_refs: bool = True  # False: <c> without r="B3" (some generators omit it)
    date1904: bool = False
    rich_text: bool = True  # shared strings as rich-text runs with a phonetic guide
    doctype: str = ""  # prepended to the sheet XML (a hostile package)


def package(
    path: Path,
    sheets: dict[str, Sequence[XRow]],
    style: PackageStyle | None = None,
    merges: dict[str, Merges] | None = None,
    hidden: Sequence[str] = (),
) -> Path:
    """An .xlsx written part by part as Excel or WPS lay it out."""
    style = style or PackageStyle()
    main, rels_ns = (STRICT_MAIN, STRICT_RELS) if style.strict else (MAIN, RELS)
    p = style.prefix
    ns = f'xmlns{":" + p[:-1] if p else ""}="{main}" xmlns:r="{rels_ns}"'
    codes: list[str] = []
    shared: list[str] = []
    book_dir = style.book_part.rpartition("/")[0]
    parts: dict[str, str] = {}
    sheet_entries, book_rels = [], []
    for i, (name, rows) in enumerate(sheets.items(), start=1):
        state = ' state="hidden"' if name in hidden else ""
        sheet_entries.append(
            f'<{p}sheet name={quoteattr(name)} sheetId="{i}"{state} r:id="rId{i}"/>'
        )
        book_rels.append(
            f'<Relationship Id="rId{i}" Type="{rels_ns}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        )
        body = _sheet_xml(rows, p, style, codes, shared, (merges or {}).get(name, ()))
        parts[f"{book_dir}/worksheets/sheet{i}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{style.doctype}'
            f"<{p}worksheet {ns}>{body}</{p}worksheet>"
        )
    n = len(sheets)
    book_rels.append(f'<Relationship Id="rId{n + 1}" Type="{rels_ns}/styles" Target="styles.xml"/>')
    book_rels.append(
        f'<Relationship Id="rId{n + 2}" Type="{rels_ns}/sharedStrings" Target="sharedStrings.xml"/>'
    )
    pr = f'<{p}workbookPr date1904="1"/>' if style.date1904 else f"<{p}workbookPr/>"
    parts[style.book_part] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}workbook {ns}>{pr}'
        f'<{p}sheets>{"".join(sheet_entries)}</{p}sheets><{p}calcPr calcId="191029"/></{p}workbook>'
    )
    rels_name = style.book_part.rpartition("/")[2]
    parts[f"{book_dir}/_rels/{rels_name}.rels"] = (
        f'<Relationships xmlns="{PKG_RELS}">{"".join(book_rels)}</Relationships>'
    )
    parts[f"{book_dir}/styles.xml"] = _styles_xml(codes, p, ns)
    parts[f"{book_dir}/sharedStrings.xml"] = _shared_xml(shared, p, ns, style.rich_text)
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" '
        f'Type="{rels_ns}/officeDocument" Target="{style.book_part}"/></Relationships>'
    )
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


def _sheet_xml(
    rows: Sequence[XRow],
    p: str,
    style: PackageStyle,
    codes: list[str],
    shared: list[str],
    merges: Merges,
) -> str:
    out = [f"<{p}sheetData>"]
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            if value is None:
                if not style.cell_refs:
                    cells.append(f"<{p}c/>")
                continue
            ref = f' r="{chr(65 + c)}{r}"' if style.cell_refs else ""
            cells.append(_cell_xml(value, ref, p, codes, shared))
        out.append(f'<{p}row r="{r}">{"".join(cells)}</{p}row>')
    out.append(f"</{p}sheetData>")
    if merges:
        refs = "".join(f'<{p}mergeCell ref="{m}"/>' for m in merges)
        out.append(f'<{p}mergeCells count="{len(merges)}">{refs}</{p}mergeCells>')
    return "".join(out)


def _cell_xml(value: XCell, ref: str, p: str, codes: list[str], shared: list[str]) -> str:
    if isinstance(value, Fmt):
        if value.code not in codes:
            codes.append(value.code)
        return f'<{p}c{ref} s="{codes.index(value.code) + 1}"><{p}v>{value.value!r}</{p}v></{p}c>'
    if isinstance(value, Formula):
        cached = "" if value.cached is None else f"<{p}v>{escape(str(value.cached))}</{p}v>"
        error = ' t="e"' if str(value.cached).startswith("#") else ""
        if isinstance(value.cached, str) and not error:
            error = ' t="str"'  # a formula with a text result
        return f"<{p}c{ref}{error}><{p}f>{escape(value.text.lstrip('='))}</{p}f>{cached}</{p}c>"
    if isinstance(value, Error):
        return f'<{p}c{ref} t="e"><{p}v>{escape(value.text)}</{p}v></{p}c>'
    if isinstance(value, str):
        if value not in shared:
            shared.append(value)
        return f'<{p}c{ref} t="s"><{p}v>{shared.index(value)}</{p}v></{p}c>'
    return f"<{p}c{ref}><{p}v>{value!r}</{p}v></{p}c>"


def _styles_xml(codes: list[str], p: str, ns: str) -> str:
    fmts = "".join(
        f'<{p}numFmt numFmtId="{176 + i}" formatCode={quoteattr(code)}/>'
        for i, code in enumerate(codes)
    )
    xfs = f'<{p}xf numFmtId="0"/>' + "".join(
        f'<{p}xf numFmtId="{176 + i}" applyNumberFormat="1"/>' for i in range(len(codes))
    )
    return (
        f'<{p}styleSheet {ns}><{p}numFmts count="{len(codes)}">{fmts}</{p}numFmts>'
        f'<{p}cellXfs count="{len(codes) + 1}">{xfs}</{p}cellXfs></{p}styleSheet>'
    )


def _shared_xml(strings: list[str], p: str, ns: str, rich: bool) -> str:
    items = []
    for s in strings:
        text = escape(s).replace("\r", "_x000D_")
        if rich and len(s) > 1:
            half = len(text) // 2
            while "&" in text[max(0, half - 6) : half]:
                half += 1  # never split an entity
            items.append(
                f'<{p}si><{p}r><{p}t xml:space="preserve">{text[:half]}</{p}t></{p}r>'
                f"<{p}r><{p}rPr><{p}b/></{p}rPr><{p}t>{text[half:]}</{p}t></{p}r>"
                f'<{p}rPh sb="0" eb="1"><{p}t>ピン</{p}t></{p}rPh></{p}si>'
            )
        else:
            items.append(f"<{p}si><{p}t>{text}</{p}t></{p}si>")
    return f'<{p}sst {ns} count="{len(strings)}">{"".join(items)}</{p}sst>'
