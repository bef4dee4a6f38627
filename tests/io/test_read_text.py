"""CSV records, broken quoting, encodings and keys (issue 8: items 2, 4, 8b-8f)."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jixiao.scoring.errors import InputError
from jixiao.scoring.io import text_records
from jixiao.scoring.io.read import read_inputs, read_table
from jixiao.scoring.io.tablespec import ColumnSpec, TableSpec
from jixiao.scoring.io.text_encoding import BIG5, detect_encoding
from jixiao.scoring.io.text_records import MAX_CELL_LINES, RecordScanner, scan_records


def _col(name: str, *aliases: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(name, aliases, required)


PROJECTS = TableSpec(
    "projects",
    ("项目", "projects"),
    (
        _col("project_id", "项目编号", required=True),
        _col("project_name", "项目名称"),
        _col("budget", "全年预算数", required=True),
        _col("spent", "执行数", required=True),
    ),
    key=("project_id",),
    unique_key=True,
)
INDICATORS = TableSpec(
    "indicators",
    ("指标", "indicators"),
    (
        _col("project_id", "项目编号", required=True),
        _col("indicator", "三级指标", required=True),
        _col("target", "年度指标值", required=True),
    ),
    key=("project_id",),
)

HEADER = "项目编号,项目名称,全年预算数,执行数"


def _scan(text: str, exact: bool = False) -> text_records.Records:
    return scan_records(text.encode("utf-8"), b",", exact=exact)


# --- the record pass ----------------------------------------------------------------


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize(
    ("text", "broken", "width", "multiline"),
    [
        (f"{HEADER}\nP1,a,1,1\nP2,b,2,2\n", {}, 4, False),
        (f'{HEADER}\nP1,"a,b",1,1\n', {}, 4, False),
        (f'{HEADER}\nP1,"a ""b""",1,1\n', {}, 4, False),
        (f'{HEADER}\nP1,"a\nb\nc",1,1\nP2,d,2,2\n', {}, 4, True),
        (f'{HEADER}\r\nP1,"a\r\nb",1,1\r\nP2,d,2,2\r\n', {}, 4, True),
        # open at the end of the file: its line only; the lines after it are rows again
        (f'{HEADER}\nP1,a,1,1\nP2,"b,2,2\n', {3: "end of the file"}, 4, False),
        (f'{HEADER}\nP1,"a,1,1\nP2,b,2,2\nP3,c,3,3\n', {2: "look like rows"}, 4, False),
        (f'{HEADER}\nP1,"a"x,1,1\nP2,b,2,2\n', {2: "after the closing quote"}, 4, False),
        (f'{HEADER}\nP1,a"x,1,1\nP2,b,2,2\n', {2: "quote inside column B"}, 4, False),
        # wider than the rows once past the header's lines: line 12 broken, then line 13
        # re-read, whose quote sits inside a cell
        (
            f"{HEADER}\n" + "P,a,1,1\n" * 10 + 'P1,"a\nb",1,1,9,9\n',
            {12: "record of 6 cells", 13: "quote inside column A"},
            4,
            False,
        ),
        # a title row over a header whose cells break over lines: not judged
        ('2025年绩效自评表\n"项目\n编号","全年\n预算数",b,c\nP1,1,2,3\n', {}, 4, True),
    ],
)
def test_broken_lines_are_found_and_the_rest_read_again(
    text: str, broken: dict[int, str], width: int, multiline: bool, exact: bool
) -> None:
    found = _scan(text, exact)
    assert sorted(found.broken) == sorted(broken), found.broken
    for line, fragment in broken.items():
        assert fragment in found.broken[line][0]
    assert (found.width, found.multiline) == (width, multiline)
    assert found.lines == text.count("\n")


def test_a_quoted_cell_over_too_many_lines_is_a_broken_quote() -> None:
    paragraphs = "\n".join(f"第{i}段" for i in range(MAX_CELL_LINES + 1))
    found = _scan(f'{HEADER}\nP1,"{paragraphs}",1,1\n')
    assert list(found.broken) == [2, MAX_CELL_LINES + 2]  # and the closing line, re-read
    assert f"more than {MAX_CELL_LINES} lines" in found.broken[2][0]
    ok = "\n".join(f"第{i}段" for i in range(MAX_CELL_LINES - 1))
    assert _scan(f'{HEADER}\nP1,"{ok}",1,1\n').broken == {}


def test_a_bom_before_a_quoted_first_cell_is_not_a_stray_quote() -> None:
    found = scan_records(codecs.BOM_UTF8 + '"项目编号",b\n"P1",2\n'.encode(), b",")
    assert found.broken == {} and found.width == 2


_cell = st.text(alphabet='ab,"\n 项', max_size=6)


@settings(deadline=None)  # examples from the profile: 500 in CI
@given(
    st.integers(2, 5).flatmap(
        lambda w: st.lists(st.lists(_cell, min_size=w, max_size=w), min_size=1, max_size=14)
    )
)
def test_well_formed_tables_have_no_broken_lines_and_polars_agrees(rows: list[list[str]]) -> None:
    """Any RFC 4180 table (cells quoted when needed, line breaks inside included): blocks
    and lines agree, nothing is broken, and Polars reads as many records as counted.
    Outside the judgement calls: no line of a cell holds a row's worth of commas."""
    width = len(rows[0])
    assume(all(part.count(",") < width - 1 for r in rows for c in r for part in c.split("\n")))
    assume(all(c.count("\n") < MAX_CELL_LINES for r in rows for c in r))
    quoted = [
        ",".join('"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n') else c for c in r)
        for r in rows
    ]
    data = ("\n".join(quoted) + "\n").encode()
    for exact in (False, True):
        found = scan_records(data, b",", exact=exact)
        assert found.broken == {}
        assert found.width == width
    frame = pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        schema={f"c{j}": pl.String for j in range(found.width)},
        missing_columns="insert",
    )
    assert frame.height == len(rows)


def test_blocks_cut_inside_a_quoted_cell_give_the_same_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = f"{HEADER}\n" + "".join(f'P{i},"多行\n说明{i}",1,1\nQ{i},"x,1,1\n' for i in range(30))
    by_lines = RecordScanner(b",").feed_all(text.encode().splitlines(keepends=True))
    monkeypatch.setattr(text_records, "_BLOCK", 7)
    by_blocks = scan_records(text.encode(), b",")
    assert by_blocks == by_lines
    assert len(by_blocks.broken) == 30


# --- reading: rows kept, rejected, counted -------------------------------------------


def _rows(path: Path, text: str, encoding: str = "utf-8") -> tuple[pl.DataFrame, pl.DataFrame]:
    path.write_bytes(text.encode(encoding))
    return read_table(path, PROJECTS)


def test_unclosed_quote_rejects_its_line_and_keeps_every_other_row(tmp_path: Path) -> None:
    text = f'{HEADER}\nP1,a,1,1\nP2,"b,2,2\nP3,c,3,3\nP4,d,4,4\n'
    table, rejects = _rows(tmp_path / "p.csv", text)
    assert table["project_id"].to_list() == ["P1", "P3", "P4"]
    assert table["_row"].to_list() == [2, 4, 5]
    (reject,) = rejects.rows(named=True)
    assert reject["row"] == 3 and reject["text"] == 'P2,"b,2,2'
    assert reject["reason"].startswith(
        "broken CSV quoting on this line: a quote opened in column B"
    )


def test_rows_after_a_multiline_cell_keep_their_editor_line(tmp_path: Path) -> None:
    text = f'{HEADER}\nP1,"第一行\n第二行",1,1\nP2,"x,2,2\nP3,c,3,3\n'
    table, rejects = _rows(tmp_path / "p.csv", text, "gbk")
    assert table["_row"].to_list() == [2, 5]
    assert rejects["row"].to_list() == [4]


def test_a_value_right_of_the_header_is_a_shifted_row(tmp_path: Path) -> None:
    text = f"{HEADER}\nP1,a,100,90\nP2,区教育局,一科,100,90\nP3,c,1,1,,\n"
    table, rejects = _rows(tmp_path / "p.csv", text)
    assert table["project_id"].to_list() == ["P1", "P3"]
    (reject,) = rejects.rows(named=True)
    assert reject["row"] == 3 and "column E=90" in reject["text"]
    assert reject["reason"].startswith("more cells than the header's 4 columns")


def test_a_column_without_a_header_is_not_a_shift(tmp_path: Path) -> None:
    text = f"{HEADER}\nP1,a,100,90,备注一\nP2,b,1,1\nP3,c,1,1,备注三\nP4,d,1,1,备注四\n"
    table, rejects = _rows(tmp_path / "p.csv", text)
    assert table["project_id"].to_list() == ["P1", "P2", "P3", "P4"] and rejects.height == 0
    # one or two rows with a value there: a shift is likelier than a column
    table, rejects = _rows(tmp_path / "q.csv", text.replace(",备注四", "").replace(",备注三", ""))
    assert rejects["row"].to_list() == [2]


def test_a_repeated_header_is_rejected_not_read_as_a_project(tmp_path: Path) -> None:
    text = f"{HEADER}\nP1,a,1,1\n* 项目编号 ,项目名称,全年预算数,执行数\nP2,b,2,2\n"
    table, rejects = _rows(tmp_path / "p.csv", text)
    assert table["project_id"].to_list() == ["P1", "P2"]
    assert rejects.select("row", "column").rows() == [(3, "project_id")]
    assert rejects["reason"][0].startswith("repeated header row")


@pytest.mark.parametrize("key", ["1.23456789012346E+17", "1.2e+17", "3E5", "-1.5E-3"])
def test_scientific_notation_keys_are_rejected(tmp_path: Path, key: str) -> None:
    table, rejects = _rows(tmp_path / "p.csv", f"{HEADER}\nP1,a,1,1\n{key},b,2,2\n")
    assert table["project_id"].to_list() == ["P1"]
    assert rejects["reason"][0] == (
        f"project ID {key} was stored as a number and lost digits; format the column as text"
    )


@pytest.mark.parametrize("key", ["1E", "E5", "P1E5", "123456789012345678", "2025-1"])
def test_ids_that_only_contain_an_e_are_kept(tmp_path: Path, key: str) -> None:
    table, rejects = _rows(tmp_path / "p.csv", f"{HEADER}\n{key},a,1,1\n")
    assert table["project_id"].to_list() == [key] and rejects.height == 0


def test_keys_are_normalised_and_the_change_is_noted(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(
        f"{HEADER}\nＰ００１,a,1,1\nP001\u200b,b,2,2\n\u3000P002\ufeff,c,3,3\n", encoding="utf-8"
    )
    (tmp_path / "i.csv").write_text(
        "项目编号,三级指标,年度指标值\nP0\u200d02,x,1\n",
        encoding="utf-8",
    )
    inputs = read_inputs(
        [tmp_path / "p.csv", tmp_path / "i.csv"], {"projects": PROJECTS, "indicators": INDICATORS}
    )
    assert inputs.tables["projects"]["project_id"].to_list() == ["P001", "P002"]
    assert inputs.rejects["reason"].to_list() == ["duplicate project_id 'P001', first at row 2"]
    assert inputs.tables["indicators"]["project_id"].to_list() == ["P002"]
    notes = [n for s in inputs.sources for n in s.notes]
    assert any("3 项目编号 cell(s)" in n and "'Ｐ００１' → 'P001'" in n for n in notes), notes
    assert any("i.csv: 1 项目编号 cell(s)" in n for n in notes), notes


def test_the_same_file_twice_is_refused_by_content(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(f"{HEADER}\nP1,a,1,1\n", encoding="utf-8")
    (tmp_path / "copy.csv").write_bytes((tmp_path / "p.csv").read_bytes())
    specs = {"projects": PROJECTS}
    with pytest.raises(InputError, match=r"p\.csv: is given twice"):
        read_inputs([tmp_path / "p.csv", tmp_path / "p.csv"], specs)
    with pytest.raises(InputError, match=r"copy\.csv: has the same content as .*p\.csv"):
        read_inputs([tmp_path / "p.csv", tmp_path / "copy.csv"], specs)


def test_a_header_below_the_scanned_rows_is_pointed_at(tmp_path: Path) -> None:
    titles = "".join(f"说明{i}\n" for i in range(14))
    (tmp_path / "data.csv").write_text(f"{titles}{HEADER}\nP1,a,1,1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "data.csv", PROJECTS)
    message = str(err.value)
    assert "looked for in the first 10 rows" in message
    assert "The projects header is at row 15, below the 10 rows scanned" in message


# --- encodings -------------------------------------------------------------------------

SAMPLE = f"{HEADER}\nP1,营养午餐补助,1,1\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_told_by_its_nul_bytes(tmp_path: Path, encoding: str) -> None:
    assert detect_encoding(SAMPLE.encode(encoding), "x") == encoding
    table, _ = _rows(tmp_path / "p.csv", SAMPLE, encoding)
    assert table["project_name"].to_list() == ["营养午餐补助"]


def test_big5_is_told_from_gbk_by_which_reading_is_plausible() -> None:
    traditional = "project_id,name\nP1,國民中學營養午餐補助計畫,臺北市政府教育局\n"
    simplified = "project_id,name\nP1,国民中学营养午餐补助计划,台北市政府教育局\n"
    assert traditional.encode(BIG5).decode("gb18030")  # GBK decodes it too, as nonsense
    assert detect_encoding(traditional.encode(BIG5), "x") == BIG5
    assert detect_encoding(simplified.encode("gbk"), "x") == "gb18030"
    assert detect_encoding("≥95%，完成".encode("gbk"), "x") == "gb18030"


def test_utf8_with_a_few_gbk_bytes_is_a_mixed_file_not_gbk() -> None:
    data = ("项目编号,项目名称\n" + "P1,营养午餐补助计划\n" * 20).encode() + "P2,道路".encode("gbk")
    assert data.decode("gb18030")  # GBK decodes it all, as nonsense
    with pytest.raises(InputError, match=r"mostly UTF-8, but line 22 holds bytes that are not"):
        detect_encoding(data, "x.csv")


def test_binary_bytes_are_not_read_as_text() -> None:
    with pytest.raises(InputError, match=r"NUL bytes .* binary file"):
        detect_encoding(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(range(256)), "x.csv")
    with pytest.raises(InputError, match="the encoding is the problem"):
        detect_encoding("项目".encode("gbk") + b"\x80\xff\xfe", "x.csv")


@pytest.mark.parametrize("at", [4, 5])  # a NUL at an even or an odd offset
def test_one_stray_nul_in_utf8_is_not_utf16(at: int) -> None:
    """One NUL byte (an old export padding a cell) used to be taken for UTF-16 without a
    BOM and the whole file read as nonsense headers; it is an error naming its line."""
    data = (HEADER + "\n" + "P1,营养午餐补助,1,1\n" * 3).encode()
    line2 = data.index(b"\n") + 1 + at
    data = data[:line2] + b"\x00" + data[line2:]
    with pytest.raises(InputError, match=r"NUL bytes \(first on line 2, at offset"):
        detect_encoding(data, "x.csv")


def test_a_column_needed_by_an_option_is_required_of_every_file(tmp_path: Path) -> None:
    from jixiao.scoring.io.read import require_column

    spec = TableSpec(
        "projects", ("projects",), (*PROJECTS.columns, _col("year", "年度")), ("project_id",)
    )
    (tmp_path / "a.csv").write_text(f"{HEADER},年度\nP1,a,1,1,2025\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(f"{HEADER}\nP2,b,1,1\n", encoding="utf-8")
    with_year = read_inputs([tmp_path / "a.csv"], {"projects": spec})
    require_column(with_year, "projects", "year", "needed")
    both = read_inputs([tmp_path / "a.csv", tmp_path / "b.csv"], {"projects": spec})
    with pytest.raises(InputError, match=r"^\S*b\.csv: needed$"):
        require_column(both, "projects", "year", "needed")
