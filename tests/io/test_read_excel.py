"""The .xlsx reader: number formats as displayed, package structure, hostile packages."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xlsx_fixtures import (
    Error,
    Fmt,
    Formula,
    PackageStyle,
    openpyxl_book,
    package,
    xlsxwriter_book,
)

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.read_excel import ExcelOptions, read_excel_sheets
from jixiao.scoring.io.xlsx_format import NumberFormat, classify, date_text, display, general
from jixiao.scoring.io.xlsx_package import Package, _Budget, _Counted, unescape_ooxml
from jixiao.scoring.io.xlsx_xml import PROLOG_LIMIT, DoctypeRefused, check_prolog

PERCENT = NumberFormat(percent=True)
LITERAL = NumberFormat(suffix="%")
DATE = NumberFormat(date=True)
TIME = NumberFormat(time=True)
DATETIME = NumberFormat(date=True, time=True)
GENERAL = NumberFormat()


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        ("0%", PERCENT),
        ("0.00%", PERCENT),
        ("0.0%;[Red]-0.0%", PERCENT),
        ("[$-804]0%", PERCENT),
        ('0.0"%"', LITERAL),
        ("0\\%", LITERAL),
        ("General", GENERAL),
        ("@", GENERAL),
        ("#,##0.00", GENERAL),
        ("[Red]0.00", GENERAL),
        ("0.00E+00", GENERAL),
        ('0" m"', GENERAL),
        ('#,##0"元"', GENERAL),
        ("yyyy-mm-dd", DATE),
        ('yyyy"年"m"月"d"日"', DATE),
        ('[DBNum1][$-804]yyyy"年"m"月"', DATE),
        ("[$-F800]dddd, mmmm dd, yyyy", DATE),
        ("m/d/yy", DATE),
        ("h:mm", TIME),
        ("mm:ss", TIME),
        ("[h]:mm:ss", TIME),
        ("yyyy-mm-dd hh:mm:ss", DATETIME),
        ('"day "d', DATE),
        ('"≥"0%', NumberFormat(percent=True, prefix="≥")),
        ('0.0%"以下"', NumberFormat(percent=True, suffix="以下")),
        ("\\≤0", NumberFormat(prefix="≤")),
        ('0"人次以上"', NumberFormat(suffix="人次以上")),
        ('#,##0.00"元"', GENERAL),  # a unit: an amount must still read as an amount
        ('"¥"#,##0', GENERAL),
        ('General"%"', LITERAL),
    ],
)
def test_format_codes_are_classified_by_their_tokens(code: str, meaning: NumberFormat) -> None:
    assert classify(code) == meaning


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [
        (0.955, PERCENT, "95.5%"),  # full precision, not the format's 96%
        (0.95, PERCENT, "95%"),
        (1, PERCENT, "100%"),
        (0, PERCENT, "0%"),
        (-0.05, PERCENT, "-5%"),
        (0.30000000000000004, PERCENT, "30%"),  # Excel's 15 digits
        (0.1234567, PERCENT, "12.34567%"),
        (96, LITERAL, "96%"),
        (0.95, NumberFormat(percent=True, prefix="≥"), "≥95%"),
        (5, NumberFormat(prefix="≤", suffix="天"), "≤5天"),
        (95.5, LITERAL, "95.5%"),
        (45717, DATE, "2025-03-01"),
        (45717.6041667, DATE, "2025-03-01"),  # a date format hides the time
        (45717.6041667, DATETIME, "2025-03-01 14:30:00"),
        (0.5, TIME, "12:00:00"),
        (59, DATE, "1900-02-28"),
        (60, DATE, "1900-02-29"),  # Excel's phantom leap day
        (61, DATE, "1900-03-01"),
        (-1, DATE, "-1"),  # Excel shows #### for these: the number is kept
        (3e6, DATE, "3000000"),
    ],
)
def test_display(value: float, fmt: NumberFormat, shown: str) -> None:
    assert display(value, fmt) == shown


def test_1904_date_system() -> None:
    assert date_text(44255, DATE, date1904=True) == "2025-03-01"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (12.0, "12"),
        (-1.5, "-1.5"),
        (0.1 + 0.2, "0.3"),
        (999_999_999_999_999, "999999999999999"),  # 15 digits: exact
        (123456789012345678, "1.23456789012346E+17"),  # not 123456789012345696
        (1e15, "1E+15"),
        (-2.5e20, "-2.5E+20"),
        (1e-10, "1E-10"),
        (0.0001, "0.0001"),
    ],
)
def test_general(value: float, shown: str) -> None:
    assert general(value) == shown


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_integers_below_1e15_are_exact(n: int) -> None:
    assert general(float(n)) == str(n)


@given(st.floats(min_value=-1e300, max_value=1e300, allow_nan=False))
def test_general_keeps_15_significant_digits(x: float) -> None:
    shown = general(x)
    assert "e" not in shown and not re.search(r"\.\d*0(E|$)", shown), shown
    assert float(shown) == pytest.approx(x, rel=1e-14, abs=1e-300)


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_percent_is_the_value_times_100(x: float) -> None:
    shown = display(x, PERCENT)
    assert shown.endswith("%")
    assert float(Decimal(shown[:-1]) / 100) == pytest.approx(x, rel=1e-14, abs=1e-300)


def test_ooxml_escapes() -> None:
    assert unescape_ooxml("a_x000D_b_x0009_c_xZZZZ_") == "a\rb\tc_xZZZZ_"


# --- whole workbooks ----------------------------------------------------------------------


def _sheet(path: Path, options: ExcelOptions | None = None) -> list[list[str | None]]:
    sheets, _ = read_excel_sheets(path, path.name, options)
    frame = sheets[0][1]
    return [list(r) for r in frame.drop("_row").rows()]


CELLS = [
    ["text", Fmt(0.9, "0%"), Fmt(45717, "yyyy-mm-dd"), Error("#REF!"), Formula("=A1&B1")],
]


@pytest.mark.parametrize(
    ("writer", "error"),
    # xlsxwriter writes an error only as a formula's cached result, which it marks for
    # recalculation (fullCalcOnLoad): the formula is what is known.
    [(xlsxwriter_book, "=NA()"), (openpyxl_book, "#REF!"), (package, "#REF!")],
)
def test_every_writer_gives_the_displayed_text(tmp_path: Path, writer: object, error: str) -> None:
    path = writer(tmp_path / "b.xlsx", {"s": CELLS})  # type: ignore[operator]
    row = _sheet(path)[0]
    assert row[:4] == ["text", "90%", "2025-03-01", error]
    # openpyxl stores no value, xlsxwriter caches 0 under fullCalcOnLoad: both uncomputed.
    assert row[4] == "=A1&B1"


def test_cell_kinds_written_by_hand(tmp_path: Path) -> None:
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="2"><c r="B2" t="inlineStr"><is><r><t>a</t></r><r><t>b_x000D_</t></r>'
        '<rPh><t>ふりがな</t></rPh></is></c><c r="C2" t="b"><v>1</v></c>'
        '<c r="D2" t="d"><v>2025-03-01T00:00:00Z</v></c><c r="E2" t="str"><f>"x"</f><v>x</v></c>'
        '<c r="F2" t="s"><v></v></c><c r="G2"><v>abc</v></c></row></sheetData></worksheet>'
    )
    path = _replace_part(
        package(tmp_path / "b.xlsx", {"s": [["x"]]}), "xl/worksheets/sheet1.xml", sheet
    )
    rows = _sheet(path)
    assert rows[0] == [None] * 7  # row 1 blank, kept so that row numbers stay Excel's
    assert rows[1] == [None, "ab\r", "TRUE", "2025-03-01", "x", None, "abc"]


def test_relationships_in_any_attribute_order(tmp_path: Path) -> None:
    rows = [["h", "h2"], ["v", "1"], [None, "2"]]
    path = package(tmp_path / "b.xlsx", {"s": rows}, merges={"s": ["A2:A3"]})
    rels = _read_part(path, "xl/_rels/workbook.xml.rels")
    swapped = re.sub(
        r'<Relationship Id="([^"]+)" Type="([^"]+)" Target="([^"]+)"/>',
        r'<Relationship Target="/xl/\3" Type="\2" Id="\1"/>',
        rels,
    )
    assert swapped != rels
    _replace_part(path, "xl/_rels/workbook.xml.rels", swapped)
    assert [r[0] for r in _sheet(path)] == ["h", "v", "v"]


def test_hidden_sheets_are_skipped_with_a_note(tmp_path: Path) -> None:
    path = openpyxl_book(tmp_path / "b.xlsx", {"a": [["1"]], "b": [["2"]]}, hidden=["a"])
    sheets, notes = read_excel_sheets(path, "b.xlsx")
    assert [name for name, _ in sheets] == ["b"]
    assert notes == ["sheet 'a' is hidden and was not read (--include-hidden-sheets reads it)"]
    sheets, notes = read_excel_sheets(path, "b.xlsx", ExcelOptions(include_hidden=True))
    assert [name for name, _ in sheets] == ["a", "b"]
    assert notes == ["sheet 'a' is hidden; read as asked"]


def test_a_stray_cell_far_away_is_refused_not_allocated(tmp_path: Path) -> None:
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    )
    path = _replace_part(
        package(tmp_path / "b.xlsx", {"s": [["x"]]}), "xl/worksheets/sheet1.xml", sheet
    )
    with pytest.raises(
        InputError, match=r"sheet 's' has values as far as row 1048576, column 16384"
    ):
        read_excel_sheets(path, "b.xlsx")


def test_declared_size_over_the_limit_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b" " * 2_000_001)
    with pytest.raises(InputError, match=r"unpacks to more than 2 MB"), Package(path, "b.xlsx", 2):
        pytest.fail("opened")


def test_the_limit_counts_bytes_actually_unpacked() -> None:
    """Whatever the zip headers claim, the stream stops the reader at the limit."""
    stream = _Counted(io.BytesIO(b"x" * 1_500_000), _Budget("b.xlsx", 1))
    with pytest.raises(InputError, match="more than 1 MB"):
        while stream.read(65536):
            pass


def test_a_damaged_member_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    plain = package(tmp_path / "p.xlsx", {"s": [["x"]]})
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    raw = bytearray(path.read_bytes())
    at = raw.index(b"<sheetData>")
    raw[at + 1] = ord("X")  # same length, wrong CRC
    path.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"b\.xlsx: cannot read as an Excel workbook: part "):
        read_excel_sheets(path, "b.xlsx")


def test_malformed_xml_names_the_part(tmp_path: Path) -> None:
    path = _replace_part(
        package(tmp_path / "b.xlsx", {"s": [["x"]]}), "xl/worksheets/sheet1.xml", "<worksheet><row>"
    )
    with pytest.raises(InputError, match=r"part xl/worksheets/sheet1\.xml is not well-formed XML"):
        read_excel_sheets(path, "b.xlsx")


def test_strict_namespaces_and_prefixes(tmp_path: Path) -> None:
    for style in (PackageStyle(strict=True), PackageStyle(prefix="x:", cell_refs=False)):
        path = package(tmp_path / "b.xlsx", {"s": [["a", Fmt(0.5, "0%")]]}, style=style)
        assert _sheet(path) == [["a", "50%"]]


def _read_part(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def _replace_part(path: Path, part: str, text: str) -> Path:
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts[part] = text.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "part",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        b'<?xml version="1.0"?>\n<!-- c --><?pi x?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>'.encode("utf-16"),
        "<!DOCTYPE x><x/>".encode("utf-16-le"),
        b"\xef\xbb\xbf<!ENTITY a 'b'><x/>",
        b"<!--" + b" " * 70_000 + b"--><x/>",  # a prolog that never ends in time
    ],
)
def test_any_dtd_is_refused_before_parsing(part: bytes) -> None:
    with pytest.raises(DoctypeRefused):
        check_prolog(part[:PROLOG_LIMIT])


@pytest.mark.parametrize(
    "part",
    [
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet/>',
        b"\xef\xbb\xbf<!-- written by hand --><x>&lt;!DOCTYPE is text here&gt;</x>",
        '<?xml version="1.0" encoding="UTF-16"?><x/>'.encode("utf-16"),
        b"",
    ],
)
def test_ordinary_prologs_pass(part: bytes) -> None:
    check_prolog(part)


def test_formulas_with_and_without_computed_values(tmp_path: Path) -> None:
    """Saved by Excel (no fullCalcOnLoad): a computed value is used, a text formula that
    computed "" is blank as shown, a number formula with no value is its formula, and a
    shared formula's followers are named by the shared text."""
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>IF(1,"","x")</f><v></v></c>'
        '<c r="C1"><f>SUM(A1:B1)</f></c><c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="E1"><f t="shared" ref="E1:F1" si="0">A1*2</f><v>4</v></c>'
        '<c r="F1"><f t="shared" si="0"/></c></row></sheetData></worksheet>'
    )
    path = _replace_part(
        package(tmp_path / "b.xlsx", {"s": [["x"]]}), "xl/worksheets/sheet1.xml", sheet
    )
    assert _sheet(path) == [["2", None, "=SUM(A1:B1)", "#DIV/0!", "4", "=A1*2"]]


def test_a_target_written_from_the_package_root_is_found(tmp_path: Path) -> None:
    path = package(tmp_path / "b.xlsx", {"s": [["x", Fmt(0.5, "0%")]]})
    rels = _read_part(path, "xl/_rels/workbook.xml.rels")
    _replace_part(path, "xl/_rels/workbook.xml.rels", rels.replace('Target="', 'Target="xl/'))
    assert _sheet(path) == [["x", "50%"]]
