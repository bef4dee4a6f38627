"""Workbooks → grids of text, blank rows kept so that row numbers stay Excel's.

.xlsx/.xlsm packages are read here, part by part with a real XML parser (see
`xlsx_package` and `xlsx_sheet`), because what a cell means depends on its number
format, which calamine does not report: a target shown as 95% is stored as 0.95.
Binary .xls, .xlsb and .ods are read by fastexcel (calamine). What a file *is* is
decided by its first bytes, not its name: finance systems export HTML or CSV as
"Excel", and people rename files; each gets a message saying what it really is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from jixiao.scoring.errors import InputError
from jixiao.scoring.io.xlsx_package import DEFAULT_MAX_UNPACKED_MB, Package
from jixiao.scoring.io.xlsx_sheet import Merge, read_sheet, to_frame

__all__ = ["DEFAULT_MAX_UNPACKED_MB", "ExcelOptions", "Merge", "read_excel_sheets"]

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True)
class ExcelOptions:
    """How workbooks are read: hidden sheets skipped unless asked for; a package that
    unpacks past `max_unpacked_mb` is refused."""

    include_hidden: bool = False
    max_unpacked_mb: int = DEFAULT_MAX_UNPACKED_MB


Sheets = list[tuple[str, pl.DataFrame]]


def read_excel_sheets(
    path: Path, file: str, options: ExcelOptions | None = None
) -> tuple[Sheets, list[str]]:
    """Every sheet as String columns c0…cN plus `_row` (1-based, Excel's numbering), and
    notes for the run's sources (hidden sheets skipped, a misleading file name)."""
    options = options or ExcelOptions()
    suffix = path.suffix.lower()
    kind = sniff(path, file, suffix)
    if kind == "zip" and suffix in (".xlsb", ".ods"):
        with Package(path, file, options.max_unpacked_mb):  # the size limit applies too
            pass
        return _calamine_sheets(path, file), []
    if kind == "zip":
        return _package_sheets(path, file, options, suffix)
    return _calamine_sheets(path, file), []


def sniff(path: Path, file: str, suffix: str) -> str:
    """`zip` or `ole` (an .xls), or an InputError saying what the file really is."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise InputError(f"{file}: cannot read: {exc.strerror or exc}") from None
    prefix = f"{file}: cannot read as an Excel workbook:"
    if head.startswith(_ZIP):
        return "zip"
    if head.startswith(_OLE):
        if _encrypted(path):
            raise InputError(
                f"{prefix} it is password-protected (encrypted); "
                "open it in Excel or WPS, remove the password and save it again"
            )
        if suffix != ".xls":
            raise InputError(
                f"{prefix} it is an old binary Excel workbook (.xls) named {suffix}; "
                "open it in Excel or WPS and save it as .xlsx"
            )
        return "ole"
    if not head.strip():
        raise InputError(f"{prefix} the file is empty")
    raise InputError(f"{prefix} {_text_kind(head, suffix)}")


def _encrypted(path: Path) -> bool:
    """An encrypted .xlsx is an OLE file with an `EncryptedPackage` stream."""
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            if _ENCRYPTED in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTED) :]
    return False


def _text_kind(raw: bytes, suffix: str) -> str:
    """What a file that is not a workbook holds, from its first bytes."""
    text = _decode(raw).lstrip("\ufeff \t\r\n").lower()
    if text.startswith("<") and ("<html" in text or "<table" in text or "<!doctype" in text):
        return (
            f"it is a web page (HTML) named {suffix}, as some finance systems export "
            "tables; open it in Excel or WPS and save it as .xlsx"
        )
    if text.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text:
        return (
            f"it is an Excel 2003 XML spreadsheet named {suffix}; "
            "open it in Excel or WPS and save it as .xlsx"
        )
    if "\0" not in _decode(raw) and _printable(text):
        return f"it is a text file (CSV?) named {suffix}; rename it to .csv"
    return f"its content is not a workbook (it starts with bytes {raw[:8].hex(' ')})"


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _printable(text: str) -> bool:
    sample = text[:2000]
    odd = sum(1 for ch in sample if not ch.isprintable() and ch not in "\r\n\t")
    return odd <= len(sample) // 50


def _package_sheets(
    path: Path, file: str, options: ExcelOptions, suffix: str
) -> tuple[Sheets, list[str]]:
    notes: list[str] = []
    if suffix not in (".xlsx", ".xlsm"):
        notes.append(f"named {suffix} but is an .xlsx workbook; read as .xlsx")
    sheets: Sheets = []
    with Package(path, file, options.max_unpacked_mb) as package:
        package.load()
        for ref in package.sheets:
            if ref.state != "visible":
                if not options.include_hidden:
                    notes.append(
                        f"sheet {ref.name!r} is hidden and was not read "
                        "(--include-hidden-sheets reads it)"
                    )
                    continue
                notes.append(f"sheet {ref.name!r} is hidden; read as asked")
            if ref.part is None or not package.has(ref.part):
                raise InputError(
                    f"{file}: cannot read as an Excel workbook: sheet {ref.name!r} points "
                    f"to part {ref.part or '(none)'}, which the package does not hold"
                )
            cells = read_sheet(package, ref.part)
            if cells.uncomputed:
                notes.append(
                    f"sheet {ref.name!r}: {cells.uncomputed} formula cell(s) have no computed "
                    "value (the workbook was written by a program, not saved by Excel or WPS); "
                    "they are read as their formulas: open the file in Excel or WPS and save it"
                )
            frame = to_frame(cells, file, ref.name)
            sheets.append((ref.name, _fill_merged(frame, cells.merges)))
    return sheets, notes


def _calamine_sheets(path: Path, file: str) -> Sheets:
    """Binary .xls, .xlsb and .ods through fastexcel; merged cells are not reported."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        sheets = []
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            raw = sheet.to_polars()
            frame = raw.rename({c: f"c{j}" for j, c in enumerate(raw.columns)})
            frame = frame.with_row_index("_row", offset=1)
            sheets.append((name, frame.with_columns(pl.col("_row").cast(pl.Int64))))
    except Exception as exc:  # fastexcel raises its own hierarchy for broken files
        raise InputError(f"{file}: cannot read as an Excel workbook: {exc}") from exc
    return sheets


def _fill_merged(raw: pl.DataFrame, ranges: list[Merge]) -> pl.DataFrame:
    """Give every row of a vertically merged cell the value shown in it (the top cell's).

    Templates merge the 一级指标/二级指标 cells of a block of indicator rows; the value
    sits in the top cell only. Only the merge's first column is filled down: a header
    merged across columns must not turn into two columns of the same name.
    """
    columns = [c for c in raw.columns if c != "_row"]
    fills: dict[int, list[int]] = {}
    for r1, c1, r2, _ in ranges:
        if r2 <= r1 or not 0 <= c1 < len(columns) or r1 >= raw.height:
            continue
        index = fills.setdefault(c1, list(range(raw.height)))
        for r in range(r1 + 1, min(r2, raw.height - 1) + 1):
            index[r] = r1
    if not fills:
        return raw
    return raw.with_columns(
        raw.get_column(columns[j]).gather(index).alias(columns[j]) for j, index in fills.items()
    )
