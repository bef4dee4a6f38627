"""Writers: formats, Chinese headers, row-limit split, atomicity, determinism."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import stat
import zipfile
from pathlib import Path

import fastexcel
import polars as pl
import pytest

import jixiao.scoring.io.write as w
from jixiao.scoring.errors import JixiaoError
from jixiao.scoring.io import cells
from jixiao.scoring.io.write import sha256_file, write_json, write_tables

HEADERS = {"projects": {"project_id": "项目编号", "score": "得分", "grade": "等级"}}
"""Per table: the rejects sheet keeps its canonical names."""


def tables() -> dict[str, pl.DataFrame]:
    projects = pl.DataFrame(
        {
            "project_id": ["P001", "P002", "P003"],
            "score": [95.456, 80.0, None],
            "grade": ["优", "良", None],
            "rank": [1, 2, 3],
            "ok": [True, False, None],
        }
    )
    rejects = pl.DataFrame({"file": ["a.csv"], "row": [3], "reason": ["blank row"]})
    return {"projects": projects, "rejects": rejects}


@pytest.fixture(params=w.XLSX_WRITERS)
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each xlsx test runs with both writers (the Rust one and the xlsxwriter fallback)."""
    if request.param == w.RUST_WRITER:
        needs_rust_writer()
    monkeypatch.setenv(w.XLSX_WRITER_ENV, request.param)
    return str(request.param)


def needs_rust_writer() -> None:
    """Skip without rustpy-xlsxwriter on a developer's machine; under CI, fail."""
    import importlib.util

    if importlib.util.find_spec("rustpy_xlsxwriter") is None and not os.environ.get("CI"):
        pytest.skip("the Rust workbook writer is not installed: pip install 'jixiao[fast-xlsx]'")


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_one_file_per_table_and_a_workbook(tmp_path: Path, writer: str) -> None:
    written = write_tables(tables(), tmp_path, ["xlsx", "parquet", "csv"], HEADERS)
    names = [p.name for p in written]
    assert names == [
        "projects.csv",
        "rejects.csv",
        "projects.parquet",
        "rejects.parquet",
        "results.xlsx",
    ]
    assert files_in(tmp_path) == sorted(names)  # no temp files left behind
    assert pl.read_parquet(tmp_path / "projects.parquet").equals(tables()["projects"])
    raw = (tmp_path / "projects.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfproject_id,score")
    assert pl.read_csv(tmp_path / "rejects.csv").equals(tables()["rejects"])


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(JixiaoError, match="unknown output format"):
        write_tables(tables(), tmp_path, ["csv", "docx"])


def test_xlsx_reads_back_with_chinese_headers(tmp_path: Path, writer: str) -> None:
    (path,) = write_tables(tables(), tmp_path, ["xlsx"], HEADERS)
    reader = fastexcel.read_excel(str(path))
    assert reader.sheet_names == ["projects", "rejects"]
    back = reader.load_sheet("projects").to_polars()
    assert back.columns == ["项目编号", "得分", "等级", "rank", "ok"]
    assert back["项目编号"].to_list() == ["P001", "P002", "P003"]
    assert back["得分"].to_list() == [95.456, 80.0, None]  # full value; 2 decimals is display
    assert back["ok"].to_list() == [True, False, None]
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        styles = zf.read("xl/styles.xml").decode()
    assert 'ySplit="1"' in sheet and 'state="frozen"' in sheet
    assert 'formatCode="0.00"' in styles
    assert "<col " in sheet  # widths set


def test_large_table_split_over_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    monkeypatch.setattr(w, "EXCEL_MAX_ROWS", 4)  # header + 3 data rows per sheet
    big = pl.DataFrame({"project_id": [f"P{i:03d}" for i in range(8)], "score": range(8)})
    (path,) = write_tables({"projects": big}, tmp_path, ["xlsx"], HEADERS)
    reader = fastexcel.read_excel(str(path))
    assert reader.sheet_names == ["projects", "projects (2)", "projects (3)"]
    parts = [reader.load_sheet(n).to_polars() for n in reader.sheet_names]
    assert [p.height for p in parts] == [3, 3, 2]
    assert pl.concat(parts)["项目编号"].to_list() == big["project_id"].to_list()
    with zipfile.ZipFile(path) as zf:
        assert any(n.startswith("xl/comments") for n in zf.namelist())


def test_long_table_names_fit_excel_sheet_names(tmp_path: Path, writer: str) -> None:
    name = "a/very:long*table?name[that]exceeds thirty-one"
    (path,) = write_tables({name: pl.DataFrame({"x": [1]})}, tmp_path, ["xlsx"])
    (sheet,) = fastexcel.read_excel(str(path)).sheet_names
    assert len(sheet) <= 31 and not set(sheet) & set("[]:*?/\\")


def test_outputs_are_byte_identical(tmp_path: Path, writer: str) -> None:
    a = write_tables(tables(), tmp_path / "a", ["csv", "parquet", "xlsx"], HEADERS)
    b = write_tables(tables(), tmp_path / "b", ["csv", "parquet", "xlsx"], HEADERS)
    assert [sha256_file(p) for p in a] == [sha256_file(p) for p in b]


def _fail_midway(df: pl.DataFrame, path: Path) -> None:
    path.write_bytes(b"project_id,sc")
    raise OSError("disk full")


def test_failed_csv_write_leaves_no_partial_or_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "projects.csv").write_text("old complete file\n")
    monkeypatch.setattr(w, "_write_csv", _fail_midway)
    with pytest.raises(OSError, match="disk full"):
        write_tables(tables(), tmp_path, ["csv"])
    assert files_in(tmp_path) == ["projects.csv"]
    assert (tmp_path / "projects.csv").read_text() == "old complete file\n"


def test_failed_xlsx_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = w._write_cell

    def flaky(*args: object) -> None:
        calls.append(1)
        if len(calls) > 5:
            raise RuntimeError("interrupted")
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setenv(w.XLSX_WRITER_ENV, "xlsxwriter")
    monkeypatch.setattr(w, "_write_cell", flaky)
    with pytest.raises(RuntimeError, match="interrupted"):
        write_tables(tables(), tmp_path, ["xlsx"], HEADERS)
    assert files_in(tmp_path) == []


def test_write_json(tmp_path: Path) -> None:
    path = write_json(tmp_path / "m" / "manifest.json", {"b": "等级", "a": [1, Path("x/y.csv")]})
    text = path.read_text(encoding="utf-8")
    assert text == '{\n  "a": [\n    1,\n    "x/y.csv"\n  ],\n  "b": "等级"\n}\n'
    assert json.loads(text)["b"] == "等级"
    with pytest.raises(TypeError, match="cannot write object"):
        write_json(tmp_path / "bad.json", {"x": object()})
    assert files_in(tmp_path) == ["m"]


def test_sha256_file(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    data = bytes(range(256)) * 5000
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


ZSTD_FRAME = b"\x28\xb5\x2f\xfd"
"""Every zstd frame starts with this magic number (RFC 8878 §3.1.1)."""


def test_parquet_is_zstd_as_documented(tmp_path: Path) -> None:
    """docs/inputs.md promises zstd; snappy pages carry no zstd frame."""
    (path,) = write_tables(tables(), tmp_path, ["parquet"])[:1]
    assert ZSTD_FRAME in path.read_bytes()
    assert pl.read_parquet(path).equals(tables()["projects"])


GBK = Path(__file__).resolve().parents[2] / "examples" / "gbk-sample"


def test_manifest_records_write_time_and_nothing_else_changes(tmp_path: Path) -> None:
    """Only manifest.json carries the time (`written_at`, UTC ISO 8601); every other
    output of two runs is byte-identical (DESIGN invariant 4)."""
    from jixiao.scoring import api

    plan = api.load_ruleset()
    results = api.score(plan, [GBK / "projects.csv", GBK / "indicators.csv"])
    first = api.write(results, tmp_path / "a", ["csv", "parquet", "xlsx"])
    api.write(
        results, tmp_path / "b", ["csv", "parquet", "xlsx"], written_at="2030-01-02T03:04:05Z"
    )
    for path in first:
        other = tmp_path / "b" / path.name
        if path.name != "manifest.json":
            assert sha256_file(path) == sha256_file(other), path.name
    stamp = json.loads((tmp_path / "a" / "manifest.json").read_text("utf-8"))["written_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp), stamp
    assert abs(dt.datetime.fromisoformat(stamp) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    later = json.loads((tmp_path / "b" / "manifest.json").read_text("utf-8"))
    assert later["written_at"] == "2030-01-02T03:04:05Z"


# --- issue 8: unsafe outputs, permissions, long cells, OS errors ------------------------

RISKY = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "  =HYPERLINK(x)"]
PLAIN_NUMBERS = ["-5", "+3.5", "-12%", "-1,000", "-1e5", "-.5"]
HARMLESS = ["项目=1", "a-b", "≥-5%", "", "P-001"]


def _text_frame() -> pl.DataFrame:
    texts = RISKY + PLAIN_NUMBERS + HARMLESS
    return pl.DataFrame(
        {
            "text": texts,
            "cat": pl.Series(texts, dtype=pl.Categorical),
            "number": [-float(i) for i in range(len(texts))],
            "int": [-i for i in range(len(texts))],
        }
    )


@pytest.mark.parametrize("lazy", [False, True])
def test_csv_text_that_could_run_as_a_formula_gets_an_apostrophe(
    tmp_path: Path, lazy: bool
) -> None:
    """OWASP CSV injection: a text cell starting with = + - @ tab or CR is written with a
    leading apostrophe; a text that is exactly a number, and every number cell, as is."""
    frame = _text_frame()
    source = frame.lazy() if lazy else frame
    (path,) = write_tables({"t": source}, tmp_path, ["csv"])
    back = pl.read_csv(path, infer_schema=False)
    for column in ("text", "cat"):
        got = dict(zip(frame["text"].to_list(), back[column].fill_null("").to_list(), strict=True))
        assert all(got[t] == "'" + t for t in RISKY), got
        assert all(got[t] == t for t in PLAIN_NUMBERS + HARMLESS), got
    assert back["number"].cast(pl.Float64).to_list() == frame["number"].to_list()
    assert back["int"].cast(pl.Int64).to_list() == frame["int"].to_list()


def test_xlsx_keeps_formula_like_text_as_string_cells(tmp_path: Path, writer: str) -> None:
    """xlsx cells are typed: the same texts are shared strings, never formulas, and read
    back exactly as written (no apostrophe added)."""
    frame = _text_frame().drop("cat")
    (path,) = write_tables({"t": frame}, tmp_path, ["xlsx"])
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert 't="str"' not in sheet  # a formula's cached string
    back = fastexcel.read_excel(str(path)).load_sheet(0, dtypes={"text": "string"}).to_polars()
    assert back["text"].fill_null("").to_list()[: len(RISKY)] == RISKY


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_outputs_get_the_users_umask(tmp_path: Path, umask: int) -> None:
    """Files are created as open() would create them (0o666 less the umask), not 0o600."""
    old = os.umask(umask)
    try:
        written = write_tables(tables(), tmp_path, ["csv", "parquet", "xlsx"], HEADERS)
        written.append(write_json(tmp_path / "manifest.json", {}))
    finally:
        os.umask(old)
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path


def test_a_cell_over_excels_limit_is_cut_visibly_and_noted(tmp_path: Path, writer: str) -> None:
    """Excel holds 32,767 characters a cell: a longer text is cut with a marker saying so,
    the run's notes name the cell, and the csv keeps the whole text."""
    long_text = "长" * 40_000
    frame = pl.DataFrame({"id": ["a", "b", "c"], "text": ["x" * 32_767, long_text, "😀" * 20_000]})
    notes: list[str] = []
    written = write_tables(
        {"t": frame}, tmp_path, ["csv", "xlsx"], {"t": {"text": "说明"}}, {}, notes
    )
    back = fastexcel.read_excel(str(written[-1])).load_sheet(0).to_polars()["说明"].to_list()
    assert back[0] == "x" * 32_767  # exactly at the limit: whole
    assert back[1].startswith("长" * 1000) and "cut: 40,000 characters" in back[1]
    assert len(back[1]) <= 32_767
    assert "cut: 40,000 characters" in back[2]  # 20,000 emoji are 40,000 UTF-16 units
    assert len(back[2].encode("utf-16-le")) // 2 <= 32_767
    assert len(notes) == 1 and "t!B3, t!B4" in notes[0] and "说明" in notes[0]
    csv = pl.read_csv(written[0])
    assert csv["text"][1] == long_text


def test_excel_text_boundaries() -> None:
    assert cells.excel_text("a" * cells.EXCEL_MAX_CHARS) == ("a" * cells.EXCEL_MAX_CHARS, False)
    text, cut = cells.excel_text("a" * (cells.EXCEL_MAX_CHARS + 1))
    assert cut and cells.utf16_length(text) == cells.EXCEL_MAX_CHARS


def _disk_full(df: pl.DataFrame, path: Path) -> None:
    path.write_bytes(b"project_id,sc")
    raise OSError("No space left on device (os error 28)")  # as Polars raises it


def test_a_full_disk_names_the_target_not_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(w, "_write_csv", _disk_full)
    with pytest.raises(OSError) as info:
        write_tables(tables(), tmp_path, ["csv"])
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(tmp_path / "projects.csv")
    assert files_in(tmp_path) == []


def test_a_polars_error_that_lost_the_os_error_is_diagnosed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polars turns ENOSPC during a parquet write into "Invalid thrift: transport error";
    the free space of the disk then says what happened."""

    def thrift(df: object, path: Path, meta: object) -> None:
        raise pl.exceptions.ComputeError("parquet: Invalid thrift: transport error")

    class Full:
        f_bavail = 0
        f_frsize = 4096

    monkeypatch.setattr(w, "_write_parquet", thrift)
    monkeypatch.setattr(w.os, "statvfs", lambda _: Full())
    with pytest.raises(OSError) as info:
        write_tables(tables(), tmp_path, ["parquet"])
    assert info.value.errno == errno.ENOSPC
    assert files_in(tmp_path) == []


def test_a_folder_where_the_file_goes_is_an_os_error_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "projects.csv").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        write_tables(tables(), tmp_path, ["csv"])
    assert info.value.filename == str(tmp_path / "projects.csv")
    assert files_in(tmp_path) == ["projects.csv"]


def test_a_device_or_pipe_is_never_replaced_by_a_file(tmp_path: Path) -> None:
    """Renaming over /dev/null as root would swap the device for a regular file."""
    fifo = tmp_path / "schema.json"
    os.mkfifo(fifo)
    with pytest.raises(JixiaoError, match="is a device, pipe or socket, not a file"):
        w.write_text(fifo, "{}")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert files_in(tmp_path) == ["schema.json"]
