"""Workbooks that are too big, not workbooks at all, or hold 18-digit numbers (issue 8,
items 5b, 8a, 8f); the helpers and number-format cases are in cases_xlsx.py."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from cases_xlsx import _book, _rows
from corpus import INDICATOR_HEADER, PROJECT_HEADER, Case, Run, indicators, project, write_csv
from xlsx_fixtures import PackageStyle, package, pair_sheets, xlsxwriter_book

# --- 5b: unpacked size ------------------------------------------------------------------


def _padded(mb: int) -> Callable[[Path], list[str]]:
    """A valid workbook whose sheet part is padded with `mb` MB of XML whitespace (a zip
    bomb: the file is a few hundred KB), written in chunks so the test stays small."""

    def make(folder: Path) -> list[str]:
        plain = package(folder / "plain.xlsx", pair_sheets([project()], _rows()))
        path = folder / "bomb.xlsx"
        with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if not info.filename.endswith("sheet2.xml"):
                    dst.writestr(info.filename, data)
                    continue
                head, tail = data.split(b"<sheetData>", 1)
                with dst.open(info.filename, "w", force_zip64=True) as out:
                    out.write(head)
                    chunk = b" " * 1_000_000
                    for _ in range(mb):
                        out.write(chunk)
                    out.write(b"<sheetData>" + tail)
        plain.unlink()
        return [str(path)]

    return make


SIZE = [
    Case(
        name="xlsx-unpacked-size-over-default-limit",
        about="A 200 KB workbook whose sheet unpacks to 201 MB is refused by the default "
        "200 MB limit before it is parsed.",
        make=_padded(201),
        exit_code=1,
        message=r"bomb\.xlsx: the workbook unpacks to more than 200 MB.*--max-xlsx-mb",
        timeout=180,
    ),
    Case(
        name="xlsx-unpacked-size-option-lowers-limit",
        about="--max-xlsx-mb 2 refuses a workbook unpacking to 3 MB.",
        make=_padded(3),
        args=("--max-xlsx-mb", "2"),
        exit_code=1,
        message=r"unpacks to more than 2 MB",
    ),
    Case(
        name="xlsx-unpacked-size-option-raises-limit",
        about="The same 3 MB workbook under --max-xlsx-mb 5 is read: all met, spent 100 → 100.",
        make=_padded(3),
        args=("--max-xlsx-mb", "5"),
        scores={"P001": (100.0, "优")},
    ),
]


# --- 8a: files that only claim to be workbooks -------------------------------------------

_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def _with_csv_projects(name: str, content: Callable[[Path], bytes]) -> Callable[[Path], list[str]]:
    """The indicators as a good CSV, the projects in `name` holding `content`."""

    def make(folder: Path) -> list[str]:
        rows = write_csv(folder / "indicators.csv", INDICATOR_HEADER, indicators())
        (folder / name).write_bytes(content(folder))
        return [str(folder / name), str(rows)]

    return make


def _csv_bytes(folder: Path) -> bytes:
    return write_csv(folder / "p.csv", PROJECT_HEADER, [project()]).read_bytes()


def _zipped_csv(folder: Path) -> bytes:
    path = folder / "z.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("projects.csv", _csv_bytes(folder))
    return path.read_bytes()


def _ods(folder: Path) -> bytes:
    path = folder / "o.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return path.read_bytes()


def _html(folder: Path) -> bytes:
    cells = "".join(f"<td>{h}</td>" for h in PROJECT_HEADER)
    return (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="gbk">'
        f"</head><body><table><tr>{cells}</tr></table></body></html>"
    ).encode("gbk")


def _spreadsheet_2003(folder: Path) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    )


def _truncated(folder: Path) -> bytes:
    full = xlsxwriter_book(folder / "full.xlsx", pair_sheets([project()], _rows())).read_bytes()
    return full[: len(full) // 2]


def _refused(
    name: str, file: str, content: Callable[[Path], bytes], message: str, about: str
) -> Case:
    return Case(
        name=name,
        about=about,
        make=_with_csv_projects(file, content),
        exit_code=1,
        message=re.escape(file) + r": cannot read as an Excel workbook: " + message,
    )


NOT_WORKBOOKS = [
    _refused(
        "xlsx-zip-that-is-not-a-workbook",
        "projects.xlsx",
        _zipped_csv,
        r"it is a zip archive but holds no workbook.*\.xls or a \.csv",
        "A zip holding a CSV, named .xlsx: 'is it an .xls or a .csv?', exit 1.",
    ),
    _refused(
        "xlsx-csv-renamed-xlsx",
        "projects.xlsx",
        _csv_bytes,
        r"it is a text file \(CSV\?\) named \.xlsx; rename it to \.csv",
        "A CSV renamed .xlsx is named as a CSV, not 'File is not a zip file'.",
    ),
    _refused(
        "xlsx-html-exported-as-xls",
        "projects.xls",
        _html,
        r"it is a web page \(HTML\) named \.xls",
        "An HTML table saved as .xls by a finance system (GBK) is named as HTML.",
    ),
    _refused(
        "xlsx-spreadsheet-2003-xml",
        "projects.xls",
        _spreadsheet_2003,
        r"it is an Excel 2003 XML spreadsheet",
        "An Excel 2003 XML spreadsheet named .xls is named as such.",
    ),
    _refused(
        "xlsx-old-xls-renamed-xlsx",
        "projects.xlsx",
        lambda _: _OLE_MAGIC + bytes(4088),
        r"it is an old binary Excel workbook \(\.xls\) named \.xlsx",
        "An old binary .xls renamed .xlsx: save it as .xlsx, exit 1.",
    ),
    _refused(
        "xlsx-password-protected",
        "projects.xlsx",
        lambda _: _OLE_MAGIC + bytes(5000) + "EncryptedPackage".encode("utf-16-le") + bytes(100),
        r"it is password-protected",
        "A password-protected .xlsx (an OLE file with an EncryptedPackage stream).",
    ),
    _refused(
        "xlsx-ods-renamed-xlsx",
        "projects.xlsx",
        _ods,
        r"it is an OpenDocument spreadsheet.*rename it to \.ods",
        "A WPS/LibreOffice .ods renamed .xlsx is named as OpenDocument.",
    ),
    _refused(
        "xlsx-empty-file",
        "projects.xlsx",
        lambda _: b"",
        r"the file is empty",
        "A 0-byte .xlsx (a failed download).",
    ),
    _refused(
        "xlsx-truncated-download",
        "projects.xlsx",
        _truncated,
        r"it is a damaged or incomplete zip archive",
        "The first half of a workbook (an interrupted download): one line, exit 1.",
    ),
    Case(
        name="xlsx-entity-bomb-in-sheet",
        about="A sheet part declaring entities (billion laughs) is refused by the XML parser, "
        "not expanded.",
        make=_book(
            package,
            _rows(),
            style=PackageStyle(
                doctype='<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n'
            ),
        ),
        exit_code=1,
        message=r"自评表\.xlsx: cannot read as an Excel workbook: part xl/worksheets/sheet1\.xml "
        r"declares a DTD",
    ),
    Case(
        name="xlsx-real-workbook-named-xls",
        about="An .xlsx saved with an .xls name is read by content, with a note; all met → 100.",
        make=_book(xlsxwriter_book, _rows(), name="自评表.xls"),
        message=r"named \.xls but is an \.xlsx workbook",
        scores={"P001": (100.0, "优")},
    ),
]

# --- 8f: 18-digit numbers ----------------------------------------------------------------

_LONG = 123456789012345678


def _long_ids(as_text: bool) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        pid: object = str(_LONG) if as_text else _LONG
        projects = [project(pid, 100, 100), project("P002", 100, 100)]  # type: ignore[arg-type]
        rows = _rows(str(_LONG)) if as_text else [[_LONG, *r[1:]] for r in _rows()]
        sheets = pair_sheets(projects, rows + _rows("P002"))  # type: ignore[arg-type]
        return [str(xlsxwriter_book(folder / "ids.xlsx", sheets))]

    return make


def _no_invented_digits(run: Run) -> None:
    invented = str(int(float(_LONG)))  # 123456789012345680 or what the float prints
    for name in ("project_scores", "indicator_scores", "rejects"):
        text = (run.out / f"{name}.csv").read_text("utf-8-sig")
        assert invented not in text and "123456789012345696" not in text, name
    everything = "".join(
        (run.out / f).read_text("utf-8-sig") for f in ("project_scores.csv", "rejects.csv")
    )
    assert "1.23456789012346E+17" in everything
    assert run.table("project_scores").filter(run.table("project_scores")["project_id"] == "P002")[
        "total"
    ].to_list() == ["100.0"]


LONG_NUMBERS = [
    Case(
        name="xlsx-18-digit-id-stored-as-number",
        about="An 18-digit project ID typed as a number: Excel kept 15 digits, so it reads as "
        "1.23456789012346E+17 (never invented digits such as …696); P002 scores 100.",
        make=_long_ids(as_text=False),
        exact_rejects=False,
        check=_no_invented_digits,
    ),
    Case(
        name="xlsx-18-digit-id-stored-as-text",
        about="The same ID stored as text keeps every digit and scores 100 (DOMAIN §2).",
        make=_long_ids(as_text=True),
        scores={str(_LONG): (100.0, "优"), "P002": (100.0, "优")},
    ),
]


CASES = SIZE + NOT_WORKBOOKS + LONG_NUMBERS
