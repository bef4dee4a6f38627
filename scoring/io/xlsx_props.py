"""Fixed workbook properties: the `docProps` parts of a finished .xlsx rewritten in place.

The Rust writer (`xlsx_fast`) stamps `docProps/core.xml` with the time it ran and has no
way to set the document's properties. Two runs on the same tables must give the same
bytes (DESIGN invariant 4), and a workbook separated from its manifest must still say
which ruleset made it, so after writing, `fix_properties` replaces `docProps/core.xml`
and `docProps/app.xml` with the parts xlsxwriter writes for the same workbook: created
and modified 2000-01-01, the metadata (`jixiao.ruleset.id=…; …`) as the description
(Excel: File › Info › Comments), the sheet names as the titles of parts.

The file is fixed in place: the parts before the first replaced one (the sheets: the
writer puts the properties after them) stay on disk untouched, so a 1M-row sheet is not
read, inflated or written again; the few small members after it are copied back as
stored (local header, data, data descriptor), and the central directory is written
anew. Zip entries keep the writer's own fixed date (1980-01-01); the new parts get the
same.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

CORE = "docProps/core.xml"
APP = "docProps/app.xml"
PROPERTIES_DATE = "2000-01-01T00:00:00Z"
"""Created and modified, as xlsxwriter writes them with the fixed `WORKBOOK_CREATED`."""
_ENTRY_DATE = (1980, 1, 1, 0, 0, 0)
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature … name length, extra length
_DESCRIPTOR = b"PK\x07\x08"


def core_xml(metadata: Mapping[str, str]) -> str:
    """`docProps/core.xml` as xlsxwriter writes it with a fixed date and `comments`."""
    comments = "; ".join(f"{k}={v}" for k, v in metadata.items())
    description = f"<dc:description>{escape(comments)}</dc:description>" if comments else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://'
        'purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://'
        'www.w3.org/2001/XMLSchema-instance"><dc:creator></dc:creator>'
        f"{description}<cp:lastModifiedBy></cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{PROPERTIES_DATE}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{PROPERTIES_DATE}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def app_xml(sheets: Sequence[str]) -> str:
    """`docProps/app.xml` as xlsxwriter writes it for these worksheets."""
    titles = "".join(f"<vt:lpstr>{escape(s)}</vt:lpstr>" for s in sheets)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
        'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        'docPropsVTypes"><Application>Microsoft Excel</Application><DocSecurity>0'
        "</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs>"
        '<vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>'
        f"</vt:variant><vt:variant><vt:i4>{len(sheets)}</vt:i4></vt:variant></vt:vector>"
        f'</HeadingPairs><TitlesOfParts><vt:vector size="{len(sheets)}" baseType="lpstr">'
        f"{titles}</vt:vector></TitlesOfParts><Company></Company><LinksUpToDate>false"
        "</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false"
        "</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>"
    )


def fix_properties(path: Path, metadata: Mapping[str, str], sheets: Sequence[str]) -> None:
    """Rewrite the workbook at `path` in place with fixed `docProps` parts (see above).

    The writer puts the sheets first and the properties after them, so the file is cut
    where the first replaced part starts: the sheets before it stay where they are, on
    disk, untouched; the members after it are copied back as stored, the new parts
    written, and the central directory anew."""
    parts = {CORE: core_xml(metadata).encode(), APP: app_xml(sheets).encode()}
    with zipfile.ZipFile(path) as zin:
        infos = zin.infolist()
        end = zin.start_dir  # where the central directory starts: after the last member
    first = next((i for i, info in enumerate(infos) if info.filename in parts), len(infos))
    with open(path, "r+b") as fh:
        after = [
            (info, None if info.filename in parts else _raw(fh, info)) for info in infos[first:]
        ]
        fh.seek(infos[first].header_offset if first < len(infos) else end)
        fh.truncate()
        zout = zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED)  # writes from here on
        for info in infos[:first]:
            zout.filelist.append(info)
            zout.NameToInfo[info.filename] = info
        for info, raw in after:
            if raw is None:
                _write_part(zout, info.filename, parts.pop(info.filename))
            else:
                _append_raw(fh, info, raw, zout)
        for name, data in parts.items():  # a writer that left a part out
            _write_part(zout, name, data)
        zout.close()


def _write_part(zout: zipfile.ZipFile, name: str, data: bytes) -> None:
    entry = zipfile.ZipInfo(name, _ENTRY_DATE)
    entry.compress_type = zipfile.ZIP_DEFLATED
    zout.writestr(entry, data)


def _raw(src: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """One member as stored: local header, compressed data, data descriptor."""
    src.seek(info.header_offset)
    header = src.read(_LOCAL_HEADER.size)
    fields = _LOCAL_HEADER.unpack(header)
    body = src.read(fields[-2] + fields[-1] + info.compress_size)
    if info.flag_bits & 0x08:
        head = src.read(4)
        body += head + src.read(12 if head == _DESCRIPTOR else 8)
    return header + body


def _append_raw(dst: BinaryIO, info: zipfile.ZipInfo, raw: bytes, zout: zipfile.ZipFile) -> None:
    """A member written back as stored at the end, listed in the new central directory at
    its new offset (zipfile writes that directory from `filelist`, at `start_dir`)."""
    dst.seek(zout.start_dir)
    info.header_offset = dst.tell()
    dst.write(raw)
    zout.filelist.append(info)
    zout.NameToInfo[info.filename] = info
    zout.start_dir = dst.tell()
